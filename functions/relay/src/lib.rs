//! The relay: the table's stream → the event bus. Every ticket change writes its domain events as
//! outbox items in its own transaction; the stream (keys only) names each new one here, and this
//! reads it and puts it on EventBridge (docs/events.md). Lambda runs it from the stream's event
//! source mapping (filtered to new outbox items); the local runner from DynamoDB Local's stream,
//! through the same [`relay`].
//!
//! Delivery is at least once: a batch that fails part-way is retried from its first unpublished
//! record, so records before it may be published again. Consumers drop repeats by event id.

use helpdesk_aws::events::ENTRIES_PER_CALL;
use helpdesk_aws::keys;
use helpdesk_aws::{EventPublisher, Outbox, OutboxMessage};

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME, helpdesk_aws::config::EVENT_BUS_NAME];

/// One change from the stream, as both the Lambda event and the Streams API give it. The stream
/// carries keys only: an item's image could hold what a reader cannot parse, and is not needed.
#[derive(Debug, Clone)]
pub struct StreamRecord {
    pub sequence_number: String,
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    pub keys: serde_dynamo::Item,
}

/// The key of the outbox item a stream record announces, if it is a newly written one.
pub fn outbox_key(record: &StreamRecord) -> Option<(String, String)> {
    if record.event_name != "INSERT" {
        return None;
    }
    let text = |name: &str| match record.keys.get(name) {
        Some(serde_dynamo::AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    };
    let sk = text(keys::SK).filter(|sk| sk.starts_with(keys::OUTBOX_SK_PREFIX))?;
    Some((text(keys::PK)?, sk))
}

/// What a relay run did, and where it stopped if it failed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Relayed {
    pub published: usize,
    /// Records that were not outbox inserts, or whose item had expired.
    pub skipped: usize,
    /// The sequence number of the first record not published (retry from here), and why.
    pub failed_at: Option<(String, String)>,
}

/// Publishes the outbox messages `records` name, in order, ten to a call; stops at the first
/// read or call that fails.
pub async fn relay<S: Outbox, P: EventPublisher>(store: &S, publisher: &P, records: &[StreamRecord]) -> Relayed {
    let mut done = Relayed::default();
    let named: Vec<(&StreamRecord, (String, String))> = records.iter().filter_map(|r| outbox_key(r).map(|k| (r, k))).collect();
    done.skipped = records.len() - named.len();
    for chunk in named.chunks(ENTRIES_PER_CALL) {
        let first = chunk.first().map(|(r, _)| r.sequence_number.clone()).unwrap_or_default();
        let keys: Vec<(String, String)> = chunk.iter().map(|(_, k)| k.clone()).collect();
        let batch: Vec<OutboxMessage> = match store.outbox_messages(&keys).await {
            Ok(batch) => batch,
            Err(e) => {
                done.failed_at = Some((first, e.to_string()));
                return done;
            }
        };
        done.skipped += keys.len() - batch.len();
        if batch.is_empty() {
            continue;
        }
        match publisher.publish(&batch).await {
            Ok(()) => done.published += batch.len(),
            Err(e) => {
                done.failed_at = Some((first, e.to_string()));
                return done;
            }
        }
    }
    done
}
