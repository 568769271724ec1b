//! The weekly report mail (docs/reports.md, "Weekly report"): on Monday morning a schedule invokes
//! the notify function, which mails last week's figures to every manager and admin who keeps the
//! notice on, each within the groups they may read. Each reader's mail is claimed for the week
//! before it is sent, so a retried or overlapping run mails nobody twice, and a failed send is
//! retried by the next run's claim.

use crate::{Channels, Settings};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use helpdesk_aws::channels::Outgoing;
use helpdesk_aws::{Directory, NotificationLog, Reports, StoreError, TicketStore, new_id};
use helpdesk_core::Role;
use helpdesk_core::notify::{ChannelKind, Delivery, DeliveryState, Notice, Preferences};
use helpdesk_core::reports::digest::{self, DIMENSIONS, DigestLinks};
use helpdesk_core::reports::{BucketKey, Counters, Dimension, NONE, ReportQuery};
use helpdesk_core::user::User;
use std::collections::{BTreeMap, BTreeSet};

/// What the scheduler sends the function: the weekly report's trigger (any other payload is a
/// queue batch).
pub const TRIGGER_FIELD: &str = "weekly_report";

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyRun {
    /// Monday of the week told of.
    pub week: NaiveDate,
    pub sent: usize,
    /// Readers who turned the notice off or have no address (or no mail can be sent at all).
    pub not_wanted: usize,
    /// Mailed already (or being mailed) by another run.
    pub already_sent: usize,
    pub failed: usize,
}

/// Mails last week's report (in `zone`, the report time zone) to its readers.
pub async fn send_weekly_reports<S: Directory + NotificationLog + Reports + TicketStore>(
    store: &S,
    channels: &Channels,
    settings: &Settings,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<WeeklyRun, StoreError> {
    let (monday, sunday) = digest::last_week(now, zone);
    let mut run = WeeklyRun { week: monday, sent: 0, not_wanted: 0, already_sent: 0, failed: 0 };
    let readers = store.people_in_roles(&[Role::Manager, Role::Admin]).await?;
    let mut wanted: Vec<User> = Vec::new();
    for reader in readers {
        let preferences = store.preferences(&reader.id).await?.unwrap_or_else(|| Preferences::defaults(reader.role));
        if preferences.wants(Notice::WeeklyReport, ChannelKind::Email) && !reader.email.trim().is_empty() {
            wanted.push(reader);
        } else {
            run.not_wanted += 1;
        }
    }
    if wanted.is_empty() {
        return Ok(run);
    }
    // Every reader's digest comes from the same buckets: two weeks of the digest's dimensions.
    let mut buckets: Vec<(BucketKey, Counters)> = Vec::new();
    for dimension in DIMENSIONS {
        buckets.extend(store.report_buckets(&ReportQuery::new(dimension, monday - Days::new(7), sunday)).await?);
    }
    let names = Names::read(store, &buckets).await?;
    let Some(sender) = channels.get(ChannelKind::Email) else {
        // No sender address is configured (SenderAddress empty): nothing can go, and trying again
        // would not change that.
        tracing::warn!(readers = wanted.len(), "weekly report: no mail channel is configured");
        run.not_wanted += wanted.len();
        return Ok(run);
    };
    let reports_link = format!("{}/reports?from={monday}&to={sunday}", settings.site_url);
    let settings_link = format!("{}/settings/notifications", settings.site_url);
    for reader in wanted {
        let entry = Delivery {
            event_id: format!("weekly-report-{monday}"),
            recipient: reader.id.clone(),
            notice: Notice::WeeklyReport,
            channel: ChannelKind::Email,
            state: DeliveryState::Sending,
            reason: None,
            detail: None,
            events_in_message: 1,
            attempts: 0,
            at: now,
        };
        let Some(attempts) = store.claim_digest(monday, &entry, now, now + Duration::seconds(settings.claim_seconds)).await? else {
            run.already_sent += 1;
            continue;
        };
        let within = helpdesk_core::reports::scope(&reader.actor());
        let week = digest::digest(monday, zone.name(), &within, &buckets);
        let links = DigestLinks { reports: &reports_link, settings: &settings_link };
        let rendered = digest::render(reader.language, &week, &|dimension, value| names.of(dimension, value, reader.language), &links);
        let message_id = format!("weekly-report.{monday}.{}.{}@{}", reader.id, new_id().to_lowercase(), settings.mail_domain);
        let outgoing = Outgoing {
            to: reader.email.clone(),
            rendered,
            thread_id: message_id.clone(),
            message_id,
            reply_to: None,
            link: reports_link.clone(),
            tag: format!("weekly-report-{}", monday.iso_week().week()),
        };
        let settled = match sender.send(&outgoing).await {
            Ok(provider_id) => {
                run.sent += 1;
                Delivery { state: DeliveryState::Sent, detail: Some(provider_id), attempts, ..entry }
            }
            Err(e) => {
                run.failed += 1;
                tracing::warn!(reader = %reader.id, error = %e, "weekly report not sent");
                Delivery { state: DeliveryState::Failed, detail: Some(e.to_string()), attempts, ..entry }
            }
        };
        store.settle_digest(monday, &settled).await?;
    }
    Ok(run)
}

/// What the lines' values are called: agents by their names, topics by theirs in the reader's
/// language; equipment by its tag.
struct Names {
    people: BTreeMap<String, String>,
    topics: BTreeMap<String, helpdesk_core::text::LocalizedText>,
}

impl Names {
    async fn read<S: Directory + TicketStore>(store: &S, buckets: &[(BucketKey, Counters)]) -> Result<Names, StoreError> {
        let agents: BTreeSet<String> =
            buckets.iter().filter(|(k, _)| k.dimension == Dimension::Agent && k.value != NONE).map(|(k, _)| k.value.clone()).collect();
        let agents: Vec<String> = agents.into_iter().collect();
        let people = if agents.is_empty() { Vec::new() } else { store.people_by_id(&agents).await? };
        let topics = store.list_topics().await?;
        Ok(Names {
            people: people.into_iter().map(|p| (p.id, p.name)).collect(),
            topics: topics.into_iter().map(|t| (t.id, t.name)).collect(),
        })
    }

    fn of(&self, dimension: Dimension, value: &str, language: helpdesk_core::user::Language) -> String {
        let code = helpdesk_core::messages::language_code(language);
        match dimension {
            Dimension::Agent if value == NONE => helpdesk_core::messages::text(language, "reports.unassigned").to_string(),
            Dimension::Topic if value == NONE => helpdesk_core::messages::text(language, "reports.no_topic").to_string(),
            Dimension::Agent => self.people.get(value).cloned().unwrap_or_else(|| value.to_string()),
            Dimension::Topic => self.topics.get(value).map(|name| name.get(code).to_string()).unwrap_or_else(|| value.to_string()),
            _ => value.to_string(),
        }
    }
}
