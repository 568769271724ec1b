//! The reports function: the event backbone's ticket events → the report buckets
//! (docs/reports.md). Each event names a ticket; the function reads the ticket as it is now,
//! computes its whole contribution ([`helpdesk_core::reports::contribution`]) and adds the
//! difference from what it added last, conditioned on that record. A repeated, late or
//! reordered event therefore adds nothing twice, and two runs at once cannot both apply: the
//! second finds the record moved and starts again from it.

use chrono_tz::Tz;
use helpdesk_aws::{DynamoStore, Reports, StoreError, TicketStore};
use helpdesk_core::reports::{self, Contribution};
use helpdesk_core::topic::Topic;
use std::collections::{HashMap, HashSet};

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME, helpdesk_aws::config::REPORT_TIME_ZONE];

/// Tries when another run applied the same ticket meanwhile.
const TRIES: u32 = 5;

/// The ticket a queue message holding an EventBridge event is about (`None`: not a ticket event).
pub fn ticket_of(body: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(body).ok()?;
    (event.get("source")?.as_str()? == helpdesk_core::backbone::EVENT_SOURCE)
        .then(|| event.get("detail")?.get("ticket")?.get("id")?.as_str().map(str::to_string))
        .flatten()
}

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Tickets whose buckets changed.
    pub changed: usize,
    /// Tickets already counted as they are (a repeated or late event).
    pub unchanged: usize,
}

/// What every ticket's figures are computed with, read once per run: the SLA plans and
/// calendars, and the topics (for their asset-tag fields).
struct Setting {
    zone: Tz,
    sla: helpdesk_core::sla::SlaConfig,
    topics: HashMap<String, Topic>,
}

impl Setting {
    async fn read<S: TicketStore>(store: &S, zone: Tz) -> Result<Self, String> {
        let sla = store.sla_config().await.map_err(|e| e.to_string())?;
        let topics = store.list_topics().await.map_err(|e| e.to_string())?.into_iter().map(|t| (t.id.clone(), t)).collect();
        Ok(Setting { zone, sla, topics })
    }

    /// The ticket's contribution as it stands now (empty when it no longer exists).
    async fn current<S: TicketStore>(&self, store: &S, id: &str) -> Result<Contribution, String> {
        let Some((ticket, events)) = store.get_ticket(id).await.map_err(|e| e.to_string())? else {
            return Ok(Contribution::new());
        };
        // Stopped clocks only are read, so the moment asked about is the ticket's last change.
        let sla = helpdesk_core::sla::status(&ticket, &events, &self.sla, ticket.updated_at);
        let tags = reports::asset_tags(&ticket, self.topics.get(&ticket.topic));
        Ok(reports::contribution(&ticket, &events, sla.as_ref(), &tags, self.zone))
    }
}

/// Brings each ticket's figures in the buckets up to date with the ticket.
pub async fn apply<S: TicketStore + Reports>(store: &S, zone: Tz, tickets: &[String]) -> Result<Applied, String> {
    let setting = Setting::read(store, zone).await?;
    let mut applied = Applied::default();
    let mut seen = HashSet::new();
    for id in tickets.iter().filter(|id| seen.insert(id.as_str())) {
        let mut tries = 0;
        loop {
            tries += 1;
            let recorded = store.reported(id).await.map_err(|e| e.to_string())?;
            let now = setting.current(store, id).await?;
            let (previous, before) = recorded.map_or((None, Contribution::new()), |(n, c)| (Some(n), c));
            let delta = reports::difference(&before, &now);
            if delta.is_empty() {
                applied.unchanged += 1;
                break;
            }
            match store.apply_report(id, previous, &now, &delta).await {
                Ok(()) => {
                    applied.changed += 1;
                    break;
                }
                Err(StoreError::VersionConflict { .. }) if tries < TRIES => continue,
                Err(e) => return Err(format!("ticket {id}: {e}")),
            }
        }
    }
    Ok(applied)
}

/// Tickets a rebuild reads at once.
const READS_AT_ONCE: usize = 16;
/// Tickets' records a rebuild holds before writing them.
const RECORDS_PER_WRITE: usize = 500;

/// Recomputes every bucket from the tickets' logs: all report items go, each ticket's
/// contribution is computed afresh and added up in memory, then the sums and the tickets'
/// records are written in batches (not one transaction per ticket: the reports consumer must
/// not run meanwhile, as with any rebuild). Returns how many tickets it counted.
pub async fn rebuild(store: &DynamoStore, zone: Tz) -> Result<usize, String> {
    let removed = store.clear_reports().await.map_err(|e| e.to_string())?;
    let setting = Setting::read(store, zone).await?;
    let ids = store.all_ticket_ids().await.map_err(|e| e.to_string())?;
    let mut buckets = Contribution::new();
    let mut records: Vec<(String, Contribution)> = Vec::new();
    for chunk in ids.chunks(READS_AT_ONCE) {
        let read = futures::future::try_join_all(chunk.iter().map(|id| setting.current(store, id))).await?;
        for (id, contribution) in chunk.iter().zip(read) {
            reports::add(&mut buckets, &contribution);
            records.push((id.clone(), contribution));
        }
        if records.len() >= RECORDS_PER_WRITE {
            store.put_reported(&std::mem::take(&mut records)).await.map_err(|e| e.to_string())?;
        }
    }
    store.put_reported(&records).await.map_err(|e| e.to_string())?;
    // A ticket's plus and a later minus can cancel out: an empty bucket is no bucket.
    buckets.retain(|_, counters| !counters.is_empty());
    store.put_report_buckets(&buckets).await.map_err(|e| e.to_string())?;
    tracing::info!(removed, tickets = ids.len(), buckets = buckets.len(), "report buckets rebuilt");
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_their_ticket() {
        let ticket = r#"{"source":"helpdesk","detail-type":"PublicReply","detail":{"ticket":{"id":"01TICKET"},"event":{}}}"#;
        assert_eq!(ticket_of(ticket).as_deref(), Some("01TICKET"));
        let article = r#"{"source":"helpdesk.knowledge","detail-type":"ArticleChanged","detail":{"id":"e","article":"01ART","version":2}}"#;
        for other in [article, "{}", "not json"] {
            assert_eq!(ticket_of(other), None, "{other}");
        }
    }
}
