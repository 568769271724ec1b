//! Who has a ticket's page open: one short-lived item per person in the ticket's partition.

use super::codec::{from_item, to_item};
use super::{DynamoStore, sdk};
use crate::keys::{self, entity};
use crate::ports::{Presences, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use helpdesk_core::presence::Presence;

/// The most marks one read returns: far above the people who work one ticket at once.
const MAX_PRESENCES_READ: usize = 50;

impl Presences for DynamoStore {
    async fn mark_presence(&self, ticket_id: &str, presence: &Presence, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut item = to_item(presence, keys::ticket_pk(ticket_id), keys::presence_sk(&presence.user), entity::PRESENCE)?;
        item.insert(keys::TTL_ATTRIBUTE.into(), AttributeValue::N(expires_at.timestamp().to_string()));
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk)?;
        Ok(())
    }

    async fn presences(&self, ticket_id: &str, now: DateTime<Utc>) -> Result<Vec<Presence>, StoreError> {
        let items = self.query_partition_prefix(keys::ticket_pk(ticket_id), keys::PRESENCE_SK_PREFIX, MAX_PRESENCES_READ).await?;
        // TTL removes expired items late (up to days): the time decides, not the item's existence.
        let standing = |item: &super::codec::Item| {
            item.get(keys::TTL_ATTRIBUTE)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|t| t > now.timestamp())
        };
        items.into_iter().filter(standing).map(from_item).collect()
    }
}
