//! The notification queue: what Lambda's event source and the local runner hand the handler, the
//! backoff of failed messages.

use crate::{Channels, Incoming, Report, Settings, handle};
use chrono::{DateTime, Utc};
use helpdesk_aws::{Contacts, Directory, NotificationLog, RatingLinks, StoreError};
use helpdesk_core::backbone::DomainEvent;
use std::collections::HashMap;

/// How long a failed message waits before its next try: 30 s doubling per receive, at most 15 min.
pub fn retry_delay_seconds(receive_count: u32) -> i32 {
    let doubling = receive_count.saturating_sub(1).min(5);
    (30i32 << doubling).min(900)
}

/// The domain event an EventBridge → SQS message carries (the EventBridge envelope's `detail`).
pub fn event_of_message(body: &str) -> Result<DomainEvent, String> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        detail: DomainEvent,
    }
    serde_json::from_str::<Envelope>(body).map(|e| e.detail).map_err(|e| format!("not a helpdesk event: {e}"))
}

/// One message from the notification queue.
pub struct QueueMessage {
    pub id: String,
    pub body: String,
    /// How many times the queue has handed it out, this time included.
    pub receive_count: u32,
}

/// Handles a batch from the notification queue, as Lambda's event source and the local runner
/// deliver it. Returns the messages to retry, each with how long it should wait first; an
/// unreadable one is retried too, so it ends in the dead-letter queue (alarmed), never dropped.
pub async fn consume<S: Directory + NotificationLog + Contacts + RatingLinks>(
    store: &S,
    channels: &Channels,
    settings: &Settings,
    messages: Vec<QueueMessage>,
    now: DateTime<Utc>,
) -> Result<(Report, Vec<(String, i32)>), StoreError> {
    let mut batch = Vec::new();
    let mut retry: Vec<String> = Vec::new();
    let receives: HashMap<String, u32> = messages.iter().map(|m| (m.id.clone(), m.receive_count)).collect();
    for message in messages {
        match event_of_message(&message.body) {
            Ok(event) => batch.push(Incoming { message_id: message.id, event }),
            Err(e) => {
                tracing::error!(message = message.id, error = %e, "unreadable message");
                retry.push(message.id);
            }
        }
    }
    let report = handle(store, channels, settings, &batch, now).await?;
    retry.extend(report.retry.iter().cloned());
    // The backoff, or longer when a provider asked for it (Telegram's and push services' 429);
    // the queue's longest delay is 12 hours.
    let delays = retry
        .into_iter()
        .map(|id| {
            let backoff = retry_delay_seconds(receives.get(&id).copied().unwrap_or(1));
            let asked = report.wait.get(&id).map_or(0, |s| i32::try_from(*s).unwrap_or(i32::MAX));
            (id, backoff.max(asked).min(12 * 3600))
        })
        .collect();
    Ok((report, delays))
}

/// Makes a failed queue message wait `seconds` before it is handed out again (the backoff).
/// Best effort: without it the queue's own visibility timeout applies.
pub async fn back_off(sqs: &aws_sdk_sqs::Client, queue_url: &str, receipt: &str, seconds: i32) {
    if let Err(e) = sqs.change_message_visibility().queue_url(queue_url).receipt_handle(receipt).visibility_timeout(seconds).send().await {
        tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "could not delay a failed message");
    }
}
