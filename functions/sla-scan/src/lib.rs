//! The SLA scan. It reads only the tickets whose next SLA action time has come (the sparse due
//! index), replays each one's log, and records the warnings and breaches that fell due together
//! with the plan's escalations and the outbox messages announcing them, in one conditional write.
//! Two scans that overlap, or a retried one, cannot record anything twice: the loser of the
//! version race reloads and finds the alert already in the log.

use chrono::{DateTime, Utc};
use helpdesk_aws::{EventPublisher, OutboxMessage, StoreError, TicketStore, new_id};
use helpdesk_core::Ticket;
use helpdesk_core::sla::{self, Alert, AlertLevel};
use serde::Serialize;

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME, helpdesk_aws::config::EVENT_BUS_NAME];

/// Times a ticket is reloaded after losing a version race before the scan leaves it to the next run.
const TRIES_PER_TICKET: u32 = 3;
/// Outbox messages published per round.
const OUTBOX_BATCH: usize = 100;
/// How long a drain holds the messages it claimed; after that another drain may publish them.
const OUTBOX_LEASE_SECONDS: i64 = 120;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Items read from the due index.
    pub index_items_read: usize,
    pub tickets_due: usize,
    pub warnings: usize,
    pub breaches: usize,
    /// Writes lost to a concurrent change (retried).
    pub conflicts: usize,
    pub published: usize,
}

/// The EventBridge message for an alert.
fn announcement(ticket: &Ticket, alert: &Alert) -> OutboxMessage {
    let id = new_id();
    let detail_type = match alert.level {
        AlertLevel::Warning => "SlaWarning",
        AlertLevel::Breach => "SlaBreached",
    };
    OutboxMessage {
        id: id.clone(),
        detail_type: detail_type.into(),
        detail: serde_json::json!({
            "ticket_id": ticket.id,
            // Delivery is at least once (a drain that crashes after publishing publishes again):
            // consumers drop repeats by this id.
            "message_id": id,
            "number": ticket.number,
            "target": alert.target,
            "cycle": alert.cycle,
            "due_at": alert.due_at,
            "priority": ticket.priority,
            "group": ticket.group,
            "assignee": ticket.assignee,
        }),
    }
}

pub async fn scan<S: TicketStore, P: EventPublisher>(store: &S, publisher: &P, now: DateTime<Utc>) -> Result<ScanReport, StoreError> {
    let mut report = ScanReport::default();
    let due = store.due_tickets(now).await?;
    report.index_items_read = due.items_read;
    report.tickets_due = due.ticket_ids.len();
    if !due.ticket_ids.is_empty() {
        let config = store.sla_config().await?;
        for id in &due.ticket_ids {
            process_ticket(store, &config, id, now, &mut report).await?;
        }
    }
    report.published = drain_outbox(store, publisher).await?;
    Ok(report)
}

async fn process_ticket<S: TicketStore>(
    store: &S,
    config: &sla::SlaConfig,
    id: &str,
    now: DateTime<Utc>,
    report: &mut ScanReport,
) -> Result<(), StoreError> {
    for _ in 0..TRIES_PER_TICKET {
        let Some((ticket, events)) = store.get_ticket(id).await? else { return Ok(()) };
        let (change, alerts) = match sla::run_due(&ticket, &events, config, now, &mut new_id) {
            Some(due) => due,
            None => {
                // Nothing to record, yet the index said so: the plan changed since the last write.
                // Store the recomputed time, or the ticket would be read on every run.
                let next = sla::next_action(&ticket, &events, config);
                if next == ticket.sla_next_action {
                    return Ok(());
                }
                let mut moved = ticket.clone();
                moved.sla_next_action = next;
                moved.version += 1;
                match store.save_ticket(&moved, &[], &[]).await {
                    Err(StoreError::VersionConflict { .. }) => {
                        report.conflicts += 1;
                        continue;
                    }
                    other => return other,
                }
            }
        };
        let outbox: Vec<OutboxMessage> = alerts.iter().map(|a| announcement(&change.ticket, a)).collect();
        match store.save_ticket(&change.ticket, &change.events, &outbox).await {
            Ok(()) => {
                report.warnings += alerts.iter().filter(|a| a.level == AlertLevel::Warning).count();
                report.breaches += alerts.iter().filter(|a| a.level == AlertLevel::Breach).count();
                return Ok(());
            }
            Err(StoreError::VersionConflict { .. }) => report.conflicts += 1,
            Err(e) => return Err(e),
        }
    }
    tracing::warn!(ticket = id, "left to the next scan after repeated conflicts");
    Ok(())
}

/// Publishes what the outbox holds, oldest first, and deletes what was published. Messages are
/// claimed first, so overlapping drains publish each once; one is deleted only after EventBridge
/// took it, so a crash in between publishes it again after the lease, never zero times.
pub async fn drain_outbox<S: TicketStore, P: EventPublisher>(store: &S, publisher: &P) -> Result<usize, StoreError> {
    let mut published = 0;
    loop {
        let now = chrono::Utc::now();
        let batch = store.claim_outbox(OUTBOX_BATCH, now, now + chrono::Duration::seconds(OUTBOX_LEASE_SECONDS)).await?;
        if batch.is_empty() {
            return Ok(published);
        }
        publisher.publish(&batch).await?;
        let ids: Vec<String> = batch.iter().map(|m| m.id.clone()).collect();
        store.delete_outbox(&ids).await?;
        published += batch.len();
    }
}
