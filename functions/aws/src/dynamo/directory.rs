//! People, groups, and the counters that throttle failed sign-ins.

use super::codec::{PK, SK, body_item, from_body, s, user_item};
use super::{DynamoStore, sdk};
use crate::keys;
use crate::ports::{Directory, Page, StoreError, StoredUser};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use helpdesk_core::Role;
use helpdesk_core::api::PeopleQuery;
use helpdesk_core::user::{Group, User};
use std::collections::HashMap;

/// The most groups a list holds.
const MAX_GROUPS: usize = 1_000;

fn throttle_key(key: &str, window: DateTime<Utc>) -> HashMap<String, AttributeValue> {
    [(PK.to_string(), s(keys::throttle_pk(key))), (SK.to_string(), s(window.timestamp().to_string()))].into()
}

impl DynamoStore {
    /// Gives user items written before the directory listed people (without `search`, `role`,
    /// `groups`, `active`) those attributes, so they show in the directory. Idempotent; for a
    /// table's set-up, not for request paths. Returns how many items it rewrote.
    pub async fn backfill_user_attributes(&self) -> Result<usize, StoreError> {
        let mut rewritten = 0;
        for item in self.query_partition(keys::USERS_PK.into(), usize::MAX).await? {
            let user: User = from_body(&item)?;
            // Users stored before e-mail intake have no address pointer.
            self.point_email(&user).await?;
            if item.contains_key("search") {
                continue;
            }
            let hash = item.get("password_hash").and_then(|v| v.as_s().ok()).map(String::as_str);
            self.client.put_item().table_name(&self.table).set_item(Some(user_item(&user, hash)?)).send().await.map_err(sdk)?;
            rewritten += 1;
        }
        Ok(rewritten)
    }
}

impl Directory for DynamoStore {
    async fn get_user(&self, id: &str) -> Result<Option<StoredUser>, StoreError> {
        let Some(item) = self.get(keys::USERS_PK.into(), keys::user_sk(id)).await? else { return Ok(None) };
        let password_hash = item.get("password_hash").and_then(|v| v.as_s().ok()).cloned();
        Ok(Some(StoredUser { user: from_body(&item)?, password_hash }))
    }

    async fn put_user(&self, user: &User, password_hash: Option<&str>) -> Result<(), StoreError> {
        self.put_versioned(user_item(user, password_hash)?, user.version).await?;
        self.point_email(user).await
    }

    async fn people_by_id(&self, ids: &[String]) -> Result<Vec<User>, StoreError> {
        let keys: Vec<(String, String)> = ids.iter().map(|id| (keys::USERS_PK.to_string(), keys::user_sk(id))).collect();
        self.batch_get(&keys).await?.iter().map(from_body).collect()
    }

    async fn list_people(&self, query: &PeopleQuery) -> Result<Page<User>, StoreError> {
        self.list_people_page(query).await
    }

    async fn people_in_roles(&self, roles: &[Role]) -> Result<Vec<User>, StoreError> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        // The people partition to its end, the role and activity filtered by DynamoDB.
        let placeholders: Vec<String> = (0..roles.len()).map(|i| format!(":role{i}")).collect();
        let mut query = self
            .client
            .query()
            .key_condition_expression("PK = :pk")
            .filter_expression(format!("#active = :active AND #role IN ({})", placeholders.join(", ")))
            .expression_attribute_names("#active", "active")
            .expression_attribute_names("#role", "role")
            .expression_attribute_values(":pk", s(keys::USERS_PK))
            .expression_attribute_values(":active", AttributeValue::Bool(true));
        for (placeholder, role) in placeholders.iter().zip(roles) {
            query = query.expression_attribute_values(placeholder, s(helpdesk_core::wire_name(role)));
        }
        self.collect(query, usize::MAX).await?.iter().map(from_body).collect()
    }

    async fn get_group(&self, id: &str) -> Result<Option<Group>, StoreError> {
        let item = self.get(keys::GROUPS_PK.into(), keys::group_sk(id)).await?;
        item.as_ref().map(from_body).transpose()
    }

    async fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        let item = body_item(group, keys::GROUPS_PK, keys::group_sk(&group.id), keys::entity::GROUP, group.version)?;
        self.put_versioned(item, group.version).await
    }

    async fn list_groups(&self) -> Result<Vec<Group>, StoreError> {
        self.query_partition(keys::GROUPS_PK.into(), MAX_GROUPS).await?.iter().map(from_body).collect()
    }

    async fn attempts(&self, throttle_keys: &[String], window: DateTime<Utc>) -> Result<Vec<u32>, StoreError> {
        let mut counts = Vec::with_capacity(throttle_keys.len());
        for key in throttle_keys {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(throttle_key(key, window)))
                .consistent_read(true)
                .send()
                .await
                .map_err(sdk)?;
            counts.push(out.item.as_ref().map_or(0, attempts_of));
        }
        Ok(counts)
    }

    async fn count_attempt(
        &self,
        throttle_keys: &[String],
        window: DateTime<Utc>,
        keep_until: DateTime<Utc>,
    ) -> Result<Vec<u32>, StoreError> {
        let mut counts = Vec::with_capacity(throttle_keys.len());
        for key in throttle_keys {
            let out = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(throttle_key(key, window)))
                .update_expression("ADD attempts :one SET #ttl = :expires, #entity = :entity")
                .expression_attribute_names("#ttl", keys::TTL_ATTRIBUTE)
                .expression_attribute_names("#entity", keys::ENTITY_ATTRIBUTE)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":expires", AttributeValue::N(keep_until.timestamp().to_string()))
                .expression_attribute_values(":entity", s(keys::entity::THROTTLE))
                .return_values(ReturnValue::UpdatedNew)
                .send()
                .await
                .map_err(sdk)?;
            counts.push(out.attributes.as_ref().map_or(0, attempts_of));
        }
        Ok(counts)
    }

    async fn forget_attempt(&self, throttle_keys: &[String], window: DateTime<Utc>) -> Result<(), StoreError> {
        for key in throttle_keys {
            let taken_back = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(throttle_key(key, window)))
                .update_expression("ADD attempts :minus_one")
                .condition_expression("attempts > :zero")
                .expression_attribute_values(":minus_one", AttributeValue::N("-1".into()))
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .send()
                .await;
            match taken_back {
                // Nothing to take back (the minute turned since the attempt was counted).
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                other => {
                    other.map_err(sdk)?;
                }
            }
        }
        Ok(())
    }
}

/// The `attempts` counter of a throttle item.
fn attempts_of(item: &HashMap<String, AttributeValue>) -> u32 {
    item.get("attempts").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
}
