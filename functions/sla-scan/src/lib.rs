//! The SLA scan. It reads only the tickets whose next SLA action time has come (the sparse due
//! index), replays each one's log, and records the warnings and breaches that fell due together
//! with the plan's escalations in one conditional write (which puts the outbox items announcing
//! them on the event backbone, docs/events.md).
//! Two scans that overlap, or a retried one, cannot record anything twice: the loser of the
//! version race reloads and finds the alert already in the log.

use chrono::{DateTime, Utc};
use helpdesk_aws::{StoreError, TicketStore, new_id};
use helpdesk_core::sla::{self, AlertLevel};
use serde::Serialize;

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME];

/// Times a ticket is reloaded after losing a version race before the scan leaves it to the next run.
const TRIES_PER_TICKET: u32 = 3;
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
}

pub async fn scan<S: TicketStore>(store: &S, now: DateTime<Utc>) -> Result<ScanReport, StoreError> {
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
                // Store the recomputed times, or the ticket would be read on every run.
                let mut moved = ticket.clone();
                sla::refresh(&mut moved, &events, config);
                if moved == ticket {
                    return Ok(());
                }
                moved.version += 1;
                match store.save_ticket(&moved, &[]).await {
                    Err(StoreError::VersionConflict { .. }) => {
                        report.conflicts += 1;
                        continue;
                    }
                    other => return other,
                }
            }
        };
        match store.save_ticket(&change.ticket, &change.events).await {
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
