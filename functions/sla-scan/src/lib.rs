//! The SLA scan. It reads only the tickets whose next SLA action time has come (the sparse due
//! index), replays each one's log, and records the warnings and breaches that fell due together
//! with the plan's escalations in one conditional write (which puts the outbox items announcing
//! them on the event backbone, docs/events.md).
//! Two scans that overlap, or a retried one, cannot record anything twice: the loser of the
//! version race reloads and finds the alert already in the log.
//!
//! A burst (office hours start on Monday and thousands of clocks fall due at once) is worked
//! [`CONCURRENCY`] tickets at a time. When the run's time is nearly out it takes no more: the
//! tickets left keep their place in the due index and the next run takes them, so nothing is lost
//! and, recorded or not, nothing is recorded twice.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use helpdesk_aws::{StoreError, TicketStore, new_id};
use helpdesk_core::sla::{self, AlertLevel};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME];

/// Times a ticket is reloaded after losing a version race before the scan leaves it to the next run.
const TRIES_PER_TICKET: u32 = 3;
/// Tickets worked on at once: each is a read and a conditional write, and the table takes many
/// in parallel.
pub const CONCURRENCY: usize = 32;
/// How long before the function's timeout the scan stops taking tickets (one ticket's work, with
/// room to spare).
pub const STOP_MARGIN: Duration = Duration::from_secs(5);
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
    /// Due tickets not taken because the run's time ran out: the next run takes them.
    pub left_for_next_run: usize,
}

impl ScanReport {
    fn add(&mut self, other: &ScanReport) {
        self.warnings += other.warnings;
        self.breaches += other.breaches;
        self.conflicts += other.conflicts;
        self.left_for_next_run += other.left_for_next_run;
    }
}

/// Records what fell due by `now`, however long it takes.
pub async fn scan<S: TicketStore>(store: &S, now: DateTime<Utc>) -> Result<ScanReport, StoreError> {
    scan_until(store, now, None).await
}

/// Records what fell due by `now`, taking no ticket after `stop_at` (the Lambda's deadline less
/// [`STOP_MARGIN`]).
pub async fn scan_until<S: TicketStore>(store: &S, now: DateTime<Utc>, stop_at: Option<Instant>) -> Result<ScanReport, StoreError> {
    let mut report = ScanReport::default();
    let due = store.due_tickets(now).await?;
    report.index_items_read = due.items_read;
    report.tickets_due = due.ticket_ids.len();
    if due.ticket_ids.is_empty() {
        return Ok(report);
    }
    let config = store.sla_config().await?;
    let config = &config;
    // Owned ids: a stream over borrowed ones makes the future unusable by `tokio::spawn` (the
    // local runner's timer), whose bound it cannot prove for every lifetime.
    let mut work = futures::stream::iter(due.ticket_ids)
        .map(|id: String| async move {
            if stop_at.is_some_and(|at| Instant::now() >= at) {
                return Ok(ScanReport { left_for_next_run: 1, ..ScanReport::default() });
            }
            process_ticket(store, config, &id, now).await
        })
        .buffer_unordered(CONCURRENCY);
    while let Some(done) = work.next().await {
        // A failure ends the run (Lambda retries it); the tickets in flight are judged again then.
        report.add(&done?);
    }
    if report.left_for_next_run > 0 {
        tracing::warn!(left = report.left_for_next_run, "the scan's time ran out: the next run takes the rest");
    }
    Ok(report)
}

/// Records one ticket's due alerts; what it did, as a report of its own.
async fn process_ticket<S: TicketStore>(
    store: &S,
    config: &sla::SlaConfig,
    id: &str,
    now: DateTime<Utc>,
) -> Result<ScanReport, StoreError> {
    let mut report = ScanReport::default();
    for _ in 0..TRIES_PER_TICKET {
        let Some((ticket, events)) = store.get_ticket(id).await? else { return Ok(report) };
        let (change, alerts) = match sla::run_due(&ticket, &events, config, now, &mut new_id) {
            Some(due) => due,
            None => {
                // Nothing to record, yet the index said so: the plan changed since the last write.
                // Store the recomputed times, or the ticket would be read on every run.
                let mut moved = ticket.clone();
                sla::refresh(&mut moved, &events, config);
                if moved == ticket {
                    return Ok(report);
                }
                moved.version += 1;
                match store.save_ticket(&moved, &[]).await {
                    Err(StoreError::VersionConflict { .. }) => {
                        report.conflicts += 1;
                        continue;
                    }
                    other => return other.map(|()| report),
                }
            }
        };
        match store.save_ticket(&change.ticket, &change.events).await {
            Ok(()) => {
                report.warnings += alerts.iter().filter(|a| a.level == AlertLevel::Warning).count();
                report.breaches += alerts.iter().filter(|a| a.level == AlertLevel::Breach).count();
                return Ok(report);
            }
            Err(StoreError::VersionConflict { .. }) => report.conflicts += 1,
            Err(e) => return Err(e),
        }
    }
    tracing::warn!(ticket = id, "left to the next scan after repeated conflicts");
    Ok(report)
}
