//! Whether a person gets a notice through a channel, and if not, why: the answer is logged on the
//! ticket either way (the "why did I get no mail?" question has an answer).

use super::preferences::{ChannelKind, Notice, Preferences};
use crate::backbone::DomainEvent;
use crate::permissions::{Action, Resource, allows};
use crate::user::User;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Send,
    Suppressed(Suppression),
}

/// Why a notice was not sent through a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// They caused the event.
    Author,
    /// Their preferences leave this channel off for this notice.
    Preference,
    /// It came in their quiet hours.
    QuietHours,
    /// The account has no address for the channel (no phone for SMS).
    NoAddress,
    /// The account is disabled.
    Inactive,
    /// A staff-only event (a note, an SLA alert) and a requester.
    NotStaff,
    /// The hourly cap on automatic mail to one person was reached (a loop cannot flood a mailbox).
    Cap,
    /// They may not see the ticket, or not its internal side (a mention in a note of another
    /// group's ticket).
    NoAccess,
    /// Nobody to tell: no such account (a mistyped mention), or a group without active agents.
    NoRecipient,
}

/// The outcome for each channel of telling `recipient` of `domain` as `notice` at `now`.
pub fn decide(
    domain: &DomainEvent,
    notice: Notice,
    recipient: &User,
    preferences: &Preferences,
    reachable: &[ChannelKind],
    now: DateTime<Utc>,
) -> Vec<(ChannelKind, Outcome)> {
    // The acknowledgement of a new ticket is the one notice its author wants.
    let common = if domain.event.actor.id == recipient.id && notice != Notice::TicketFiled {
        Some(Suppression::Author)
    } else if !recipient.active {
        Some(Suppression::Inactive)
    } else if (domain.event.is_staff_only() || !Notice::for_role(recipient.role).contains(&notice)) && !recipient.role.is_staff() {
        Some(Suppression::NotStaff)
    } else if !may_see(recipient, domain) {
        Some(Suppression::NoAccess)
    } else {
        None
    };
    ChannelKind::ALL
        .into_iter()
        .map(|channel| {
            let suppression = common.or_else(|| {
                if !preferences.wants(notice, channel) {
                    Some(Suppression::Preference)
                } else if !reachable.contains(&channel) {
                    Some(Suppression::NoAddress)
                } else if notice.respects_quiet_hours() && preferences.is_quiet(now) {
                    Some(Suppression::QuietHours)
                } else {
                    None
                }
            });
            (channel, suppression.map_or(Outcome::Send, Outcome::Suppressed))
        })
        .collect()
}

/// Whether the person may see the ticket, and its internal side when the event belongs to it.
fn may_see(recipient: &User, domain: &DomainEvent) -> bool {
    let actor = recipient.actor();
    let ticket = Resource::Ticket(&domain.ticket);
    allows(&actor, Action::ViewTicket, ticket) && (!domain.event.is_staff_only() || allows(&actor, Action::ViewInternal, ticket))
}

/// Where the channel reaches the person: their e-mail address or phone number.
/// The profile's address for a channel (e-mail, phone, a Telegram chat id); web and mobile push
/// reach a person only through the contacts they linked.
pub fn address(user: &User, channel: ChannelKind) -> Option<&str> {
    let value = match channel {
        // An address that bounced is not tried again until it changes.
        ChannelKind::Email if user.mail_bounced_at.is_some() => None,
        ChannelKind::Email => Some(user.email.as_str()),
        ChannelKind::Sms => user.phone.as_deref(),
        // A chat id an administrator put in the profile; people link their own through the bot.
        ChannelKind::Telegram => user.telegram_chat_id.as_deref(),
        ChannelKind::WebPush | ChannelKind::MobilePush => None,
    };
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The channels that reach `user`: the profile's addresses and the kinds of their `contacts`.
pub fn reachable(user: &User, contacts: &[super::Contact]) -> Vec<ChannelKind> {
    let mut channels: Vec<ChannelKind> = ChannelKind::ALL.into_iter().filter(|c| address(user, *c).is_some()).collect();
    channels.extend(contacts.iter().map(super::Contact::channel));
    channels.sort();
    channels.dedup();
    channels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventKind, TicketEvent};
    use crate::notify::preferences::QuietHours;
    use crate::permissions::{Actor, Role};
    use crate::ticket::{Channel, Priority, Status, Ticket, TicketNumber};
    use crate::user::AccountSource;
    use chrono::{NaiveTime, TimeZone};

    fn domain(actor: &str, role: Role, kind: EventKind) -> DomainEvent {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let ticket = Ticket {
            id: "01T".into(),
            number: TicketNumber(1001),
            subject: "s".into(),
            description: "d".into(),
            requester: "ivan".into(),
            topic: "t".into(),
            priority: Priority::Medium,
            status: Status::Open,
            assignee: Some("anna".into()),
            group: "g".into(),
            channel: Channel::Web,
            fields: Default::default(),
            created_at: at,
            updated_at: at,
            version: 1,
            sla_next_action: None,
            sla_due: None,
            solution: None,
        };
        DomainEvent { ticket, event: TicketEvent { id: "01E".into(), at, actor: Actor::new(actor, role), kind } }
    }

    fn reply() -> EventKind {
        EventKind::PublicReply { body: "hi".into(), attachments: vec![], mail: None }
    }

    fn outcome(d: &DomainEvent, notice: Notice, user: &User, prefs: &Preferences, at: DateTime<Utc>, channel: ChannelKind) -> Outcome {
        decide(d, notice, user, prefs, &reachable(user, &[]), at).into_iter().find(|(c, _)| *c == channel).unwrap().1
    }

    #[test]
    fn every_reason_is_named() {
        let noon = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        let mut ivan = User::new("ivan", "Ivan", "ivan@example.com", Role::Requester, &[], AccountSource::Local);
        let mut prefs = Preferences::defaults(Role::Requester);
        let by_anna = domain("anna", Role::Agent, reply());
        assert_eq!(outcome(&by_anna, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Email), Outcome::Send);
        assert_eq!(outcome(&by_anna, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Sms), Outcome::Suppressed(Suppression::Preference));
        prefs.channels.insert(Notice::Reply, vec![ChannelKind::Email, ChannelKind::Sms]);
        assert_eq!(outcome(&by_anna, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Sms), Outcome::Suppressed(Suppression::NoAddress));
        ivan.phone = Some("+15550100".into());
        assert_eq!(outcome(&by_anna, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Sms), Outcome::Send);
        prefs.quiet_hours =
            Some(QuietHours { from: NaiveTime::from_hms_opt(11, 0, 0).unwrap(), until: NaiveTime::from_hms_opt(13, 0, 0).unwrap() });
        assert_eq!(outcome(&by_anna, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Email), Outcome::Suppressed(Suppression::QuietHours));
        let by_ivan = domain("ivan", Role::Requester, reply());
        assert_eq!(outcome(&by_ivan, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Email), Outcome::Suppressed(Suppression::Author));
        prefs.quiet_hours = None;
        let filed = domain("ivan", Role::Requester, EventKind::Created { channel: crate::Channel::Web, attachments: vec![], mail: None });
        assert_eq!(
            outcome(&filed, Notice::TicketFiled, &ivan, &prefs, noon, ChannelKind::Email),
            Outcome::Send,
            "the filer's acknowledgement"
        );
        prefs.quiet_hours =
            Some(QuietHours { from: NaiveTime::from_hms_opt(11, 0, 0).unwrap(), until: NaiveTime::from_hms_opt(13, 0, 0).unwrap() });
        let note = domain("anna", Role::Agent, EventKind::InternalNote { body: "@ivan".into(), attachments: vec![], mail: None });
        assert_eq!(outcome(&note, Notice::Mentioned, &ivan, &prefs, noon, ChannelKind::Email), Outcome::Suppressed(Suppression::NotStaff));
        let mut other = User::new("boris", "Boris", "boris@example.com", Role::Agent, &["elsewhere"], AccountSource::Local);
        assert_eq!(
            outcome(&note, Notice::Mentioned, &other, &prefs, noon, ChannelKind::Email),
            Outcome::Suppressed(Suppression::NoAccess),
            "another group's note"
        );
        other.groups = vec!["g".into()];
        assert_eq!(outcome(&note, Notice::Mentioned, &other, &Preferences::defaults(Role::Agent), noon, ChannelKind::Email), Outcome::Send);
        ivan.active = false;
        assert_eq!(outcome(&by_anna, Notice::Reply, &ivan, &prefs, noon, ChannelKind::Email), Outcome::Suppressed(Suppression::Inactive));
    }

    #[test]
    fn linked_channels_reach_only_people_with_a_contact_of_their_kind() {
        let noon = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        let ivan = User::new("ivan", "Ivan", "ivan@example.com", Role::Requester, &[], AccountSource::Local);
        let mut prefs = Preferences::defaults(Role::Requester);
        prefs.channels.insert(Notice::Reply, vec![ChannelKind::Telegram, ChannelKind::WebPush]);
        let by_anna = domain("anna", Role::Agent, reply());
        let chat = crate::notify::Contact::Telegram { chat_id: 42, title: "Ivan".into(), linked_at: noon };
        let decided = decide(&by_anna, Notice::Reply, &ivan, &prefs, &reachable(&ivan, &[chat]), noon);
        let of = |c: ChannelKind| decided.iter().find(|(k, _)| *k == c).map(|(_, o)| *o);
        assert_eq!(of(ChannelKind::Telegram), Some(Outcome::Send));
        assert_eq!(of(ChannelKind::WebPush), Some(Outcome::Suppressed(Suppression::NoAddress)), "no browser subscribed");
        assert_eq!(of(ChannelKind::MobilePush), Some(Outcome::Suppressed(Suppression::Preference)));
        assert_eq!(of(ChannelKind::Email), Some(Outcome::Suppressed(Suppression::Preference)));
    }

    #[test]
    fn a_breach_goes_out_in_quiet_hours_and_a_warning_does_not() {
        let night = Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap();
        let anna = User::new("anna", "Anna", "anna@example.com", Role::Agent, &["g"], AccountSource::Local);
        let mut prefs = Preferences::defaults(Role::Agent);
        prefs.quiet_hours =
            Some(QuietHours { from: NaiveTime::from_hms_opt(22, 0, 0).unwrap(), until: NaiveTime::from_hms_opt(7, 0, 0).unwrap() });
        let due_at = night;
        let target = crate::sla::TargetKind::Resolution;
        let breach = domain("sla", Role::System, EventKind::SlaBreached { target, cycle: 1, due_at });
        let warning = domain("sla", Role::System, EventKind::SlaWarning { target, cycle: 1, due_at });
        assert_eq!(outcome(&breach, Notice::SlaBreached, &anna, &prefs, night, ChannelKind::Email), Outcome::Send);
        assert_eq!(
            outcome(&warning, Notice::SlaWarning, &anna, &prefs, night, ChannelKind::Email),
            Outcome::Suppressed(Suppression::QuietHours)
        );
    }
}
