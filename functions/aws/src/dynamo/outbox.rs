//! Reading outbox items by the keys the table's stream names (docs/events.md).

use super::codec::{Item, PK, SK, s};
use super::{DynamoStore, sdk};
use crate::keys;
use crate::ports::{Outbox, OutboxMessage, StoreError};
use aws_sdk_dynamodb::types::KeysAndAttributes;
use std::collections::HashMap;

/// BatchGetItem takes at most this many keys a call.
const KEYS_PER_CALL: usize = 100;

fn message(item: &Item) -> Option<OutboxMessage> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Some(OutboxMessage {
        id: text(SK)?.strip_prefix(keys::OUTBOX_SK_PREFIX)?.to_string(),
        detail_type: text(keys::OUTBOX_DETAIL_TYPE)?,
        detail: text(keys::OUTBOX_DETAIL)?,
    })
}

impl Outbox for DynamoStore {
    async fn outbox_messages(&self, wanted: &[(String, String)]) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut found: HashMap<(String, String), OutboxMessage> = HashMap::new();
        for chunk in wanted.chunks(KEYS_PER_CALL) {
            let mut pending: Vec<Item> = chunk.iter().map(|(pk, sk)| [(PK.to_string(), s(pk)), (SK.to_string(), s(sk))].into()).collect();
            pending.dedup();
            // Unprocessed keys (throttling) are asked for again.
            for _ in 0..10 {
                if pending.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(super::backend)?;
                let out = self.client.batch_get_item().request_items(&self.table, request).send().await.map_err(sdk)?;
                for item in out.responses().and_then(|r| r.get(&self.table)).map(Vec::as_slice).unwrap_or_default() {
                    let key = (item.get(PK).and_then(|v| v.as_s().ok()).cloned(), item.get(SK).and_then(|v| v.as_s().ok()).cloned());
                    if let ((Some(pk), Some(sk)), Some(m)) = (key, message(item)) {
                        found.insert((pk, sk), m);
                    }
                }
                pending = out.unprocessed_keys().and_then(|u| u.get(&self.table)).map(|k| k.keys().to_vec()).unwrap_or_default();
            }
        }
        Ok(wanted.iter().filter_map(|key| found.remove(key)).collect())
    }
}
