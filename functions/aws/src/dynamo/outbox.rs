//! Reading outbox items by the keys the table's stream names (docs/events.md).

use super::DynamoStore;
use super::codec::{Item, PK, SK};
use crate::keys;
use crate::ports::{Outbox, OutboxMessage, StoreError};
use std::collections::HashMap;

fn message(item: &Item) -> Option<OutboxMessage> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Some(OutboxMessage {
        id: text(SK)?.strip_prefix(keys::OUTBOX_SK_PREFIX)?.to_string(),
        // Items written before sources differed are ticket events.
        source: text(keys::OUTBOX_SOURCE).unwrap_or_else(|| helpdesk_core::backbone::EVENT_SOURCE.to_string()),
        detail_type: text(keys::OUTBOX_DETAIL_TYPE)?,
        detail: text(keys::OUTBOX_DETAIL)?,
    })
}

impl Outbox for DynamoStore {
    async fn outbox_messages(&self, wanted: &[(String, String)]) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut found: HashMap<(String, String), OutboxMessage> = HashMap::new();
        for item in self.batch_get(wanted).await? {
            let key = (item.get(PK).and_then(|v| v.as_s().ok()).cloned(), item.get(SK).and_then(|v| v.as_s().ok()).cloned());
            if let ((Some(pk), Some(sk)), Some(m)) = (key, message(&item)) {
                found.insert((pk, sk), m);
            }
        }
        Ok(wanted.iter().filter_map(|key| found.remove(key)).collect())
    }
}
