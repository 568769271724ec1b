//! Publishing domain events to EventBridge.

use crate::ports::{EventPublisher, OutboxMessage, StoreError};
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

pub use helpdesk_core::backbone::{EVENT_SOURCE, KNOWLEDGE_SOURCE};
/// PutEvents takes at most this many entries a call.
pub const ENTRIES_PER_CALL: usize = 10;

#[derive(Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self { client, bus: bus.into() }
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, messages: &[OutboxMessage]) -> Result<(), StoreError> {
        for chunk in messages.chunks(ENTRIES_PER_CALL) {
            let entries = chunk
                .iter()
                .map(|m| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(&m.source)
                        .detail_type(&m.detail_type)
                        .detail(&m.detail)
                        .build()
                })
                .collect();
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| StoreError::Backend(DisplayErrorContext(&e).to_string()))?;
            if out.failed_entry_count() > 0 {
                return Err(StoreError::Backend(format!("EventBridge refused {} of {} events", out.failed_entry_count(), chunk.len())));
            }
        }
        Ok(())
    }
}
