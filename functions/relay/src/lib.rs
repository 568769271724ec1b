//! The relay: the table's stream → the event bus. Every ticket change writes its domain events as
//! outbox items in its own transaction; the stream hands each new item here and this puts it on
//! EventBridge (docs/events.md). Lambda runs it from the stream's event source mapping (filtered
//! to new outbox items); the local runner from DynamoDB Local's stream, through the same
//! [`relay`].
//!
//! Delivery is at least once: a batch that fails part-way is retried from its first unpublished
//! record, so records before it may be published again. Consumers drop repeats by event id.

use helpdesk_aws::events::ENTRIES_PER_CALL;
use helpdesk_aws::keys;
use helpdesk_aws::{EventPublisher, OutboxMessage};

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::EVENT_BUS_NAME];

/// One change from the stream, as both the Lambda event and the Streams API give it.
#[derive(Debug, Clone)]
pub struct StreamRecord {
    pub sequence_number: String,
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    pub new_image: Option<serde_dynamo::Item>,
}

/// The outbox message a stream record carries: a newly written outbox item's.
pub fn outbox_message(record: &StreamRecord) -> Option<OutboxMessage> {
    if record.event_name != "INSERT" {
        return None;
    }
    let image = record.new_image.as_ref()?;
    let text = |name: &str| match image.get(name) {
        Some(serde_dynamo::AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    };
    if text(keys::ENTITY_ATTRIBUTE)? != keys::entity::OUTBOX {
        return None;
    }
    let id = text(keys::SK)?.strip_prefix(keys::OUTBOX_SK_PREFIX)?.to_string();
    Some(OutboxMessage { id, detail_type: text(keys::OUTBOX_DETAIL_TYPE)?, detail: text(keys::OUTBOX_DETAIL)? })
}

/// What a relay run did, and where it stopped if it failed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Relayed {
    pub published: usize,
    /// Records that were not outbox inserts.
    pub skipped: usize,
    /// The sequence number of the first record not published (retry from here), and why.
    pub failed_at: Option<(String, String)>,
}

/// Publishes the outbox messages of `records`, in order, ten to a call; stops at the first call
/// that fails.
pub async fn relay<P: EventPublisher>(publisher: &P, records: &[StreamRecord]) -> Relayed {
    let mut done = Relayed::default();
    let messages: Vec<(&StreamRecord, OutboxMessage)> = records.iter().filter_map(|r| outbox_message(r).map(|m| (r, m))).collect();
    done.skipped = records.len() - messages.len();
    for chunk in messages.chunks(ENTRIES_PER_CALL) {
        let batch: Vec<OutboxMessage> = chunk.iter().map(|(_, m)| m.clone()).collect();
        match publisher.publish(&batch).await {
            Ok(()) => done.published += batch.len(),
            Err(e) => {
                done.failed_at = chunk.first().map(|(r, _)| (r.sequence_number.clone(), e.to_string()));
                return done;
            }
        }
    }
    done
}
