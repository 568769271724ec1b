//! What each person wants to hear of, and through which channel.

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::permissions::Role;
use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a person is told of. Requesters hear of their own tickets; staff of their work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// The requester's acknowledgement of a new ticket, with its number.
    TicketFiled,
    /// A new ticket in one of the agent's groups.
    NewTicket,
    /// A public reply: the agent's to the requester, the requester's to the assignee.
    Reply,
    Resolved,
    /// The ticket waits for the requester's answer.
    WaitingForYou,
    Reopened,
    /// The ticket was assigned to the agent.
    Assigned,
    SlaWarning,
    SlaBreached,
    /// The agent was mentioned (`@id`) in an internal note.
    Mentioned,
    /// Last week's figures, mailed on Monday morning to the people who read the reports.
    WeeklyReport,
}

impl Notice {
    pub const ALL: [Notice; 11] = [
        Notice::TicketFiled,
        Notice::NewTicket,
        Notice::Reply,
        Notice::Resolved,
        Notice::WaitingForYou,
        Notice::Reopened,
        Notice::Assigned,
        Notice::SlaWarning,
        Notice::SlaBreached,
        Notice::Mentioned,
        Notice::WeeklyReport,
    ];
    const FOR_REQUESTERS: [Notice; 4] = [Notice::TicketFiled, Notice::Reply, Notice::Resolved, Notice::WaitingForYou];
    /// Agents hear of their work, and also of the tickets they file themselves: every notice but
    /// the weekly report, the last.
    const FOR_AGENTS: &[Notice] = match Notice::ALL.split_last() {
        Some((_, work)) => work,
        None => &[],
    };
    /// Admins hear what agents do, and read the reports.
    const FOR_ADMINS: [Notice; 11] = Notice::ALL;
    /// Managers file tickets as anyone does, and read the reports.
    const FOR_MANAGERS: [Notice; 5] = [Notice::TicketFiled, Notice::Reply, Notice::Resolved, Notice::WaitingForYou, Notice::WeeklyReport];

    /// The notices a person of this role can receive (what the preferences page lists).
    pub fn for_role(role: Role) -> &'static [Notice] {
        match role {
            Role::Requester => &Self::FOR_REQUESTERS,
            Role::Agent | Role::System => Self::FOR_AGENTS,
            Role::Admin => &Self::FOR_ADMINS,
            Role::Manager => &Self::FOR_MANAGERS,
        }
    }

    /// The channels that can carry it: a report is a long read, for e-mail only.
    pub fn channels(self) -> &'static [ChannelKind] {
        match self {
            Notice::WeeklyReport => &[ChannelKind::Email],
            _ => &ChannelKind::ALL,
        }
    }

    /// Whether quiet hours hold it back. SLA breaches always go out.
    pub fn respects_quiet_hours(self) -> bool {
        self != Notice::SlaBreached
    }
}

/// A way to reach a person: their profile's e-mail and phone, or a contact they linked
/// ([`super::contacts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Email,
    Sms,
    Telegram,
    WebPush,
    MobilePush,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] =
        [ChannelKind::Email, ChannelKind::Sms, ChannelKind::Telegram, ChannelKind::WebPush, ChannelKind::MobilePush];
    /// The channels that reach a person only through contacts they linked (a chat, a browser, a
    /// phone), not through their profile's address.
    pub const LINKED: [ChannelKind; 3] = [ChannelKind::Telegram, ChannelKind::WebPush, ChannelKind::MobilePush];

    pub fn is_linked(self) -> bool {
        Self::LINKED.contains(&self)
    }
}

/// A daily span, in the person's time zone, with no notifications but SLA breaches. It may run
/// over midnight (22:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "22:00"))]
    #[serde(with = "hh_mm")]
    pub from: NaiveTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "07:00"))]
    #[serde(with = "hh_mm")]
    pub until: NaiveTime,
}

impl QuietHours {
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.from <= self.until { self.from <= local && local < self.until } else { local >= self.from || local < self.until }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The channels chosen for each notice; a notice absent or with no channel is not sent.
    pub channels: BTreeMap<Notice, Vec<ChannelKind>>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// IANA time zone for quiet hours and the times messages show, e.g. `Europe/Moscow`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// 0 for the defaults (never saved); each save bumps it, and a save must name the version it
    /// replaces.
    #[serde(default)]
    pub version: u64,
}

fn utc() -> String {
    "UTC".into()
}

impl Preferences {
    /// What a person of this role gets before choosing: e-mail for every notice of the role, and
    /// for staff web push too (it reaches only the browsers they subscribed). SMS, Telegram and
    /// mobile push are opt-in.
    pub fn defaults(role: Role) -> Self {
        let channels = if role.is_staff() { vec![ChannelKind::Email, ChannelKind::WebPush] } else { vec![ChannelKind::Email] };
        let of = |notice: Notice| channels.iter().copied().filter(|c| notice.channels().contains(c)).collect();
        Preferences {
            channels: Notice::for_role(role).iter().map(|n| (*n, of(*n))).collect(),
            quiet_hours: None,
            time_zone: utc(),
            version: 0,
        }
    }

    pub fn wants(&self, notice: Notice, channel: ChannelKind) -> bool {
        self.channels.get(&notice).is_some_and(|c| c.contains(&channel))
    }

    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// Whether `now` falls in the person's quiet hours.
    pub fn is_quiet(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.zone()).time();
        let minute = NaiveTime::from_hms_opt(local.hour(), local.minute(), 0).unwrap_or(local);
        self.quiet_hours.is_some_and(|q| q.contains(minute))
    }

    /// Checks what a person sends for themselves: a known time zone, quiet hours that are a span,
    /// only notices the role can receive, each channel once.
    pub fn validate(&self, role: Role) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.time_zone.parse::<Tz>().is_err() {
            errors.push(FieldError::new("time_zone", Code::Invalid, "not an IANA time zone"));
        }
        if self.quiet_hours.is_some_and(|q| q.from == q.until) {
            errors.push(FieldError::new("quiet_hours", Code::Invalid, "quiet hours must start and end at different times"));
        }
        let allowed = Notice::for_role(role);
        for (notice, channels) in &self.channels {
            let field = format!("channels.{}", crate::wire_name(notice));
            if !allowed.contains(notice) {
                errors.push(FieldError::new(&field, Code::NotEligible, "not a notice this account receives"));
            } else if channels.iter().enumerate().any(|(i, c)| channels[..i].contains(c)) {
                errors.push(FieldError::new(&field, Code::Duplicate, "a channel is named twice"));
            } else if channels.iter().any(|c| !notice.channels().contains(c)) {
                errors.push(FieldError::new(&field, Code::NotEligible, "a channel this notice does not use"));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// `HH:MM` on the wire. By hand: chrono's format machinery would add ~8 KiB to the web UI.
mod hh_mm {
    use chrono::{NaiveTime, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:02}:{:02}", t.hour(), t.minute()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("expected HH:MM"))
    }

    fn parse(text: &str) -> Option<NaiveTime> {
        let (hours, minutes) = text.split_once(':')?;
        let two_digits =
            |part: &str| (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse::<u32>().ok()).flatten();
        NaiveTime::from_hms_opt(two_digits(hours)?, two_digits(minutes)?, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn quiet_hours_may_run_over_midnight() {
        let night = QuietHours { from: t(22, 0), until: t(7, 0) };
        assert!(night.contains(t(23, 30)) && night.contains(t(0, 0)) && night.contains(t(6, 59)));
        assert!(!night.contains(t(7, 0)) && !night.contains(t(12, 0)) && !night.contains(t(21, 59)));
        let lunch = QuietHours { from: t(12, 0), until: t(13, 0) };
        assert!(lunch.contains(t(12, 30)) && !lunch.contains(t(13, 0)) && !lunch.contains(t(11, 59)));
    }

    #[test]
    fn quiet_hours_are_in_the_persons_time_zone() {
        let mut p = Preferences::defaults(Role::Agent);
        p.quiet_hours = Some(QuietHours { from: t(22, 0), until: t(7, 0) });
        p.time_zone = "Europe/Moscow".into();
        // 20:30 UTC is 23:30 in Moscow.
        assert!(p.is_quiet(Utc.with_ymd_and_hms(2026, 11, 27, 20, 30, 0).unwrap()));
        assert!(!p.is_quiet(Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()));
        p.time_zone = "UTC".into();
        assert!(!p.is_quiet(Utc.with_ymd_and_hms(2026, 11, 27, 20, 30, 0).unwrap()));
    }

    #[test]
    fn defaults_give_email_for_the_roles_notices_and_no_sms() {
        let requester = Preferences::defaults(Role::Requester);
        assert!(requester.wants(Notice::Reply, ChannelKind::Email));
        assert!(!requester.wants(Notice::Reply, ChannelKind::Sms));
        assert!(!requester.wants(Notice::NewTicket, ChannelKind::Email));
        let agent = Preferences::defaults(Role::Agent);
        assert!(
            agent.wants(Notice::SlaBreached, ChannelKind::Email) && agent.wants(Notice::TicketFiled, ChannelKind::Email),
            "their own tickets too"
        );
    }

    #[test]
    fn the_weekly_report_goes_to_report_readers_by_mail_only() {
        for role in [Role::Manager, Role::Admin] {
            let p = Preferences::defaults(role);
            assert_eq!(p.channels.get(&Notice::WeeklyReport), Some(&vec![ChannelKind::Email]), "{role:?}");
            assert_eq!(p.validate(role), Ok(()));
        }
        for role in [Role::Requester, Role::Agent] {
            assert!(!Notice::for_role(role).contains(&Notice::WeeklyReport), "{role:?}");
        }
        let mut p = Preferences::defaults(Role::Admin);
        p.channels.insert(Notice::WeeklyReport, vec![ChannelKind::Email, ChannelKind::Sms]);
        let fields: Vec<String> = p.validate(Role::Admin).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["channels.weekly_report"]);
    }

    #[test]
    fn validation_names_each_bad_field() {
        let mut p = Preferences::defaults(Role::Requester);
        assert_eq!(p.validate(Role::Requester), Ok(()));
        p.time_zone = "Mars/Olympus".into();
        p.quiet_hours = Some(QuietHours { from: t(8, 0), until: t(8, 0) });
        p.channels.insert(Notice::SlaBreached, vec![ChannelKind::Email]);
        p.channels.insert(Notice::Reply, vec![ChannelKind::Sms, ChannelKind::Sms]);
        let fields: Vec<String> = p.validate(Role::Requester).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["time_zone", "quiet_hours", "channels.reply", "channels.sla_breached"]);
    }

    #[test]
    fn the_wire_form_is_plain() {
        let p: Preferences = serde_json::from_str(r#"{"channels":{"reply":["email","sms"]},"quiet_hours":{"from":"22:00","until":"07:30"},"time_zone":"Europe/Moscow","version":3}"#).unwrap();
        assert_eq!(p.quiet_hours.unwrap().until, t(7, 30));
        assert!(serde_json::to_string(&p).unwrap().contains(r#""from":"22:00""#));
        assert!(serde_json::from_str::<Preferences>(r#"{"channels":{},"quiet_hours":{"from":"25:00","until":"07:00"}}"#).is_err());
        assert!(serde_json::from_str::<Preferences>(r#"{"channels":{"reply":["fax"]}}"#).is_err());
        for bad in ["7:00", "07:60", "24:00", "07-00", "07:0a", "+7:00"] {
            let body = format!(r#"{{"channels":{{}},"quiet_hours":{{"from":"{bad}","until":"08:00"}}}}"#);
            assert!(serde_json::from_str::<Preferences>(&body).is_err(), "{bad}");
        }
    }
}
