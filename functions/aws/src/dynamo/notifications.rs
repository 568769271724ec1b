//! The notify function's records: preferences, the decision log, mail ids and reply tokens.

use super::codec::{Item, PK, SK, body_item, from_body, from_item, keyed_item, s, to_item};
use super::{DynamoStore, TransactionFailure, sdk};
use crate::keys::{self, entity};
use crate::ports::{NotificationLog, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, NaiveDate, Utc};
use helpdesk_core::notify::{Delivery, DeliveryState, Preferences};
use helpdesk_core::wire_name;

/// The most decisions one ticket's log returns.
const MAX_DELIVERIES_READ: usize = 5_000;
/// The attribute that holds a sender's claim (epoch milliseconds).
const LEASE: &str = "lease_until";

fn delivery_sk(d: &Delivery) -> String {
    keys::delivery_sk(&d.event_id, &d.recipient, &wire_name(&d.channel))
}

fn delivery_item(ticket_id: &str, d: &Delivery) -> Result<Item, StoreError> {
    to_item(d, keys::ticket_pk(ticket_id), delivery_sk(d), entity::DELIVERY)
}

/// How long a weekly report's decision is kept: a year of weeks, and some.
const DIGEST_KEPT_DAYS: i64 = 400;

fn digest_item(week: NaiveDate, d: &Delivery) -> Result<Item, StoreError> {
    let mut item = to_item(d, keys::digest_pk(week), delivery_sk(d), entity::DIGEST_DELIVERY)?;
    item.insert(keys::TTL_ATTRIBUTE.into(), AttributeValue::N(digest_expiry(d.at).to_string()));
    Ok(item)
}

fn digest_expiry(at: DateTime<Utc>) -> i64 {
    (at + chrono::Duration::days(DIGEST_KEPT_DAYS)).timestamp()
}

fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

impl NotificationLog for DynamoStore {
    async fn preferences(&self, user: &str) -> Result<Option<Preferences>, StoreError> {
        let item = self.get(keys::preferences_pk(user), keys::PREFERENCES_SK.into()).await?;
        item.as_ref().map(from_body).transpose()
    }

    async fn put_preferences(&self, user: &str, preferences: &Preferences) -> Result<(), StoreError> {
        let pk = keys::preferences_pk(user);
        let item = body_item(preferences, &pk, keys::PREFERENCES_SK.into(), entity::PREFERENCES, preferences.version)?;
        self.put_versioned(item, preferences.version).await
    }

    async fn deliveries(&self, ticket_id: &str) -> Result<Vec<Delivery>, StoreError> {
        let items = self.query_partition_prefix(keys::ticket_pk(ticket_id), keys::DELIVERY_SK_PREFIX, MAX_DELIVERIES_READ).await?;
        items.into_iter().map(from_item).collect()
    }

    async fn record_delivery(&self, ticket_id: &str, delivery: &Delivery) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(delivery_item(ticket_id, delivery)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(()),
            Err(e) => Err(sdk(e)),
        }
    }

    async fn claim_delivery(
        &self,
        ticket_id: &str,
        d: &Delivery,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        self.claim_decision(keys::ticket_pk(ticket_id), entity::DELIVERY, d, now, lease_until, None).await
    }

    async fn settle_delivery(&self, ticket_id: &str, delivery: &Delivery) -> Result<(), StoreError> {
        self.client.put_item().table_name(&self.table).set_item(Some(delivery_item(ticket_id, delivery)?)).send().await.map_err(sdk)?;
        Ok(())
    }

    async fn remember_mail_ids(&self, ticket_id: &str, message_ids: &[String]) -> Result<(), StoreError> {
        let requests = message_ids
            .iter()
            .map(|id| {
                super::codec::put_request(keyed_item(keys::mail_id_pk(id), keys::MAIL_ID_SK, entity::MAIL_ID, "ticket_id", ticket_id))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(requests).await
    }

    async fn reply_token(&self, ticket_id: &str, fresh: &str) -> Result<String, StoreError> {
        let token_of = |item: &Item| item.get("token").and_then(|v| v.as_s().ok()).cloned();
        if let Some(token) = self.get(keys::ticket_pk(ticket_id), keys::REPLY_TOKEN_SK.into()).await?.as_ref().and_then(token_of) {
            return Ok(token);
        }
        let on_ticket = keyed_item(keys::ticket_pk(ticket_id), keys::REPLY_TOKEN_SK, entity::REPLY_TOKEN, "token", fresh);
        let pointer = keyed_item(keys::reply_token_pk(fresh), keys::REPLY_TOKEN_SK, entity::REPLY_TOKEN, "ticket_id", ticket_id);
        match self.transact(self.new_items([on_ticket, pointer])?).await {
            Ok(()) => Ok(fresh.to_string()),
            // Another sender stored one first: use theirs.
            Err(TransactionFailure::Condition(_) | TransactionFailure::Raced) => self
                .get(keys::ticket_pk(ticket_id), keys::REPLY_TOKEN_SK.into())
                .await?
                .as_ref()
                .and_then(token_of)
                .ok_or_else(|| StoreError::Backend("a reply token lost and not found".into())),
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }

    async fn claim_digest(
        &self,
        monday: NaiveDate,
        d: &Delivery,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<u32>, StoreError> {
        self.claim_decision(keys::digest_pk(monday), entity::DIGEST_DELIVERY, d, now, lease_until, Some(digest_expiry(d.at))).await
    }

    async fn settle_digest(&self, monday: NaiveDate, delivery: &Delivery) -> Result<(), StoreError> {
        self.client.put_item().table_name(&self.table).set_item(Some(digest_item(monday, delivery)?)).send().await.map_err(sdk)?;
        Ok(())
    }
}

impl DynamoStore {
    /// The local runner's stream position, per stream and shard lineage (DynamoDB Local only).
    pub async fn stream_checkpoint(&self, stream: &str) -> Result<Option<String>, StoreError> {
        let item = self.get(keys::stream_checkpoint_pk(stream), keys::STREAM_CHECKPOINT_SK.into()).await?;
        Ok(item.and_then(|i| i.get("sequence").and_then(|v| v.as_s().ok()).cloned()))
    }

    pub async fn save_stream_checkpoint(&self, stream: &str, sequence: &str) -> Result<(), StoreError> {
        let item =
            keyed_item(keys::stream_checkpoint_pk(stream), keys::STREAM_CHECKPOINT_SK, entity::STREAM_CHECKPOINT, "sequence", sequence);
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk)?;
        Ok(())
    }
}

impl crate::ports::RatingLinks for DynamoStore {
    async fn rating_token(&self, ticket_id: &str, resolution: &str, fresh: &str, expires_at: DateTime<Utc>) -> Result<String, StoreError> {
        let (pk, sk) = (keys::ticket_pk(ticket_id), keys::rating_link_sk(resolution));
        let token_of = |item: &Item| item.get("token").and_then(|v| v.as_s().ok()).cloned();
        if let Some(token) = self.get(pk.clone(), sk.clone()).await?.as_ref().and_then(token_of) {
            return Ok(token);
        }
        let expires = (keys::TTL_ATTRIBUTE.to_string(), AttributeValue::N(expires_at.timestamp().to_string()));
        let mut on_ticket = keyed_item(pk.clone(), &sk, entity::RATING_LINK, "token", fresh);
        on_ticket.extend([expires.clone()]);
        let mut pointer = keyed_item(keys::rating_token_pk(fresh), keys::RATING_TOKEN_SK, entity::RATING_LINK, "ticket_id", ticket_id);
        pointer.extend([expires, ("resolution".to_string(), s(resolution))]);
        match self.transact(self.new_items([on_ticket, pointer])?).await {
            Ok(()) => Ok(fresh.to_string()),
            // Another sender (the same notice on another channel) stored one first: use theirs.
            Err(TransactionFailure::Condition(_) | TransactionFailure::Raced) => self
                .get(pk, sk)
                .await?
                .as_ref()
                .and_then(token_of)
                .ok_or_else(|| StoreError::Backend("a rating token lost and not found".into())),
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }

    async fn rating_target(&self, token: &str, now: DateTime<Utc>) -> Result<Option<(String, String)>, StoreError> {
        let Some(item) = self.get(keys::rating_token_pk(token), keys::RATING_TOKEN_SK.into()).await? else { return Ok(None) };
        // TTL removes expired items within days, not at once: the expiry is checked here.
        let expires = item.get(keys::TTL_ATTRIBUTE).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok()).unwrap_or(0);
        if expires <= now.timestamp() {
            return Ok(None);
        }
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Ok(text("ticket_id").zip(text("resolution")))
    }
}

impl DynamoStore {
    /// Claims a decision's send (see [`NotificationLog::claim_delivery`]) in partition `pk`,
    /// with an expiry when `expires_at` is given.
    async fn claim_decision(
        &self,
        pk: String,
        entity: &str,
        d: &Delivery,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        expires_at: Option<i64>,
    ) -> Result<Option<u32>, StoreError> {
        let expiry = if expires_at.is_some() { ", #ttl = :expires" } else { "" };
        let claim = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(delivery_sk(d)))
            .update_expression(format!(
                "SET #entity = :entity, event_id = :event, recipient = :recipient, notice = :notice, channel = :channel, \
                 #state = :sending, events_in_message = :events, #at = :at, #lease = :lease, \
                 attempts = if_not_exists(attempts, :zero) + :one{expiry} REMOVE reason, detail",
            ))
            // Set before the single additions below, which add to these maps (setting replaces).
            .set_expression_attribute_names(expires_at.map(|_| [("#ttl".to_string(), keys::TTL_ATTRIBUTE.to_string())].into()))
            .set_expression_attribute_values(expires_at.map(|at| [(":expires".to_string(), AttributeValue::N(at.to_string()))].into()))
            .condition_expression("attribute_not_exists(PK) OR #state = :failed OR (#state = :sending AND #lease < :now)")
            .expression_attribute_names("#entity", keys::ENTITY_ATTRIBUTE)
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#at", "at")
            .expression_attribute_names("#lease", LEASE)
            .expression_attribute_values(":entity", s(entity))
            .expression_attribute_values(":event", s(&d.event_id))
            .expression_attribute_values(":recipient", s(&d.recipient))
            .expression_attribute_values(":notice", s(wire_name(&d.notice)))
            .expression_attribute_values(":channel", s(wire_name(&d.channel)))
            .expression_attribute_values(":sending", s(wire_name(&DeliveryState::Sending)))
            .expression_attribute_values(":failed", s(wire_name(&DeliveryState::Failed)))
            .expression_attribute_values(":events", AttributeValue::N(d.events_in_message.to_string()))
            .expression_attribute_values(":at", s(wire_name(&d.at)))
            .expression_attribute_values(":lease", AttributeValue::N(lease_until.timestamp_millis().to_string()))
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp_millis().to_string()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match claim {
            Ok(out) => {
                let attempts = out.attributes().and_then(|a| a.get("attempts")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
                Ok(Some(attempts.unwrap_or(1)))
            }
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(None),
            Err(e) => Err(sdk(e)),
        }
    }
}
