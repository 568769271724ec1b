//! The store on DynamoDB: one table, conditional writes for every change, transactions wherever a
//! change spans items, and Query (never Scan) on every read path. By concern:
//! [`codec`] (records ↔ items), [`listing`] (ticket lists and their cursors), [`tickets`] (the
//! ticket store: tickets, topics, SLA configuration, outbox), [`directory`] (people, groups,
//! sign-in throttles), [`uploads`] (attachments from their grant until attached).

mod codec;
mod contacts;
mod directory;
mod knowledge;
mod listing;
mod mail;
mod notifications;
mod outbox;
mod presence;
mod queue;
mod reports;
mod tickets;
mod uploads;

use crate::ports::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, WriteRequest};
use codec::{Item, s};
use std::time::Duration;

/// Tries of a transaction that lost a race with another transaction on the same item.
const TRANSACTION_TRIES: u32 = 5;
/// BatchGetItem takes at most this many keys a call.
const KEYS_PER_BATCH_GET: usize = 100;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn put(
        &self,
        item: Item,
        condition: &str,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item)).condition_expression(condition);
        for (k, v) in names {
            put = put.expression_attribute_names(*k, *v);
        }
        for (k, v) in values {
            put = put.expression_attribute_values(*k, v.clone());
        }
        Ok(TransactWriteItem::builder().put(put.build().map_err(backend)?).build())
    }

    fn new_items(&self, items: impl IntoIterator<Item = Item>) -> Result<Vec<TransactWriteItem>, StoreError> {
        items.into_iter().map(|item| self.put(item, "attribute_not_exists(PK)", &[], &[])).collect()
    }

    /// Runs a transaction, retrying when it lost a race with another transaction (DynamoDB
    /// cancels both sides of such a race; the conditions make the retry safe).
    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), TransactionFailure> {
        for attempt in 1..=TRANSACTION_TRIES {
            let result = self.client.transact_write_items().set_transact_items(Some(writes.clone())).send().await;
            match result.map_err(classify_transaction_error) {
                Err(TransactionFailure::Raced) if attempt < TRANSACTION_TRIES => {
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
                other => return other.map(|_| ()),
            }
        }
        Err(TransactionFailure::Raced)
    }

    async fn current_version(&self, pk: String, sk: &str) -> Result<Option<u64>, StoreError> {
        let item = self.get(pk, sk.to_string()).await?;
        Ok(item.as_ref().and_then(|i| i.get("version")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
    }

    async fn version_conflict(&self, pk: String, sk: &str) -> StoreError {
        match self.current_version(pk, sk).await {
            Ok(Some(current)) => StoreError::VersionConflict { current },
            Ok(None) => StoreError::Missing,
            Err(e) => e,
        }
    }

    /// One item by its key, read consistently.
    async fn get(&self, pk: String, sk: String) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(codec::PK, s(pk))
            .key(codec::SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item)
    }

    /// Writes a versioned record: a new one at version 1 (`AlreadyExists` if taken), else only
    /// over `version - 1` (`VersionConflict` or `Missing` otherwise).
    async fn put_versioned(&self, item: Item, version: u64) -> Result<(), StoreError> {
        let (pk, sk) = match (item.get(codec::PK).and_then(|v| v.as_s().ok()), item.get(codec::SK).and_then(|v| v.as_s().ok())) {
            (Some(pk), Some(sk)) => (pk.clone(), sk.clone()),
            _ => return Err(StoreError::Backend("a versioned item without keys".into())),
        };
        let request = self.client.put_item().table_name(&self.table).set_item(Some(item));
        let request = if version <= 1 {
            request.condition_expression("attribute_not_exists(PK)")
        } else {
            request
                .condition_expression("#version = :previous")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":previous", AttributeValue::N((version - 1).to_string()))
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                if version <= 1 {
                    Err(StoreError::AlreadyExists)
                } else {
                    Err(self.version_conflict(pk, &sk).await)
                }
            }
            Err(e) => Err(sdk(e)),
        }
    }

    /// Writes items in batches of 25, a few batches at a time, retrying what DynamoDB leaves
    /// unprocessed.
    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        const BATCH: usize = 25;
        const AT_ONCE: usize = 8;
        for group in requests.chunks(BATCH * AT_ONCE) {
            let mut batches = tokio::task::JoinSet::new();
            for chunk in group.chunks(BATCH) {
                let (client, table, mut pending) = (self.client.clone(), self.table.clone(), chunk.to_vec());
                batches.spawn(async move {
                    for attempt in 0..10u64 {
                        let out = client.batch_write_item().request_items(&table, pending).send().await.map_err(sdk)?;
                        pending = out.unprocessed_items.and_then(|mut u| u.remove(&table)).unwrap_or_default();
                        if pending.is_empty() {
                            return Ok(());
                        }
                        tokio::time::sleep(Duration::from_millis(20 * (attempt + 1))).await;
                    }
                    Err(StoreError::Throttled)
                });
            }
            while let Some(done) = batches.join_next().await {
                done.map_err(backend)??;
            }
        }
        Ok(())
    }

    /// Every item of one partition, in key order, at most `cap` of them (a request path never
    /// reads without bound).
    /// The items with these keys (PK, SK) that exist, consistently read, in no particular order.
    async fn batch_get(&self, wanted: &[(String, String)]) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        // A batch refuses a key named twice.
        let mut unique: Vec<&(String, String)> = wanted.iter().collect();
        unique.sort();
        unique.dedup();
        for chunk in unique.chunks(KEYS_PER_BATCH_GET) {
            let mut pending: Vec<Item> =
                chunk.iter().map(|(pk, sk)| [(codec::PK.to_string(), s(pk)), (codec::SK.to_string(), s(sk))].into()).collect();
            // Unprocessed keys (throttling) are asked for again.
            for _ in 0..10 {
                if pending.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(backend)?;
                let out = self.client.batch_get_item().request_items(&self.table, request).send().await.map_err(sdk)?;
                found.extend(out.responses().and_then(|r| r.get(&self.table)).cloned().unwrap_or_default());
                pending = out.unprocessed_keys().and_then(|u| u.get(&self.table)).map(|k| k.keys().to_vec()).unwrap_or_default();
            }
        }
        Ok(found)
    }

    async fn query_partition(&self, pk: String, cap: usize) -> Result<Vec<Item>, StoreError> {
        self.collect(self.client.query().key_condition_expression("PK = :pk").expression_attribute_values(":pk", s(pk)), cap).await
    }

    /// The items of one partition whose sort key is at most `last`, in key order, at most `cap`.
    async fn query_partition_until(&self, pk: String, last: &str, cap: usize) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .key_condition_expression("PK = :pk AND SK <= :last")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":last", s(last));
        self.collect(query, cap).await
    }

    /// The items of one partition whose sort key starts with `prefix`, in key order, at most `cap`.
    async fn query_partition_prefix(&self, pk: String, prefix: &str, cap: usize) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix));
        self.collect(query, cap).await
    }

    async fn collect(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        cap: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut pages = query.table_name(&self.table).consistent_read(true).into_paginator().items().send();
        let mut items = Vec::new();
        while let Some(item) = pages.next().await {
            items.push(item.map_err(sdk)?);
            if items.len() >= cap {
                break;
            }
        }
        Ok(items)
    }
}

enum TransactionFailure {
    /// A condition did not hold; the index of the first write whose condition failed.
    Condition(Option<usize>),
    /// Another transaction held one of the items.
    Raced,
    Other(StoreError),
}

/// DynamoDB's names for "too many requests": the SDK retried them already, the caller gets 503.
const THROTTLING_CODES: [&str; 5] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
];

fn classify_transaction_error<R: std::fmt::Debug>(err: SdkError<TransactWriteItemsError, R>) -> TransactionFailure {
    if let Some(TransactWriteItemsError::TransactionCanceledException(e)) = err.as_service_error() {
        let codes: Vec<&str> = e.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None")).collect();
        if let Some(failed) = codes.iter().position(|c| *c == "ConditionalCheckFailed") {
            return TransactionFailure::Condition(Some(failed));
        }
        if codes.contains(&"TransactionConflict") {
            return TransactionFailure::Raced;
        }
        if codes.iter().any(|c| THROTTLING_CODES.contains(c)) {
            return TransactionFailure::Other(StoreError::Throttled);
        }
    }
    TransactionFailure::Other(sdk(err))
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// An SDK error as the store reports it: throttling kept apart (503), the rest with its context.
fn sdk<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    match &e {
        SdkError::ServiceError(service) if service.err().code().is_some_and(|c| THROTTLING_CODES.contains(&c)) => StoreError::Throttled,
        _ => StoreError::Backend(DisplayErrorContext(&e).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::query::QueryError;
    use aws_sdk_dynamodb::types::error::ProvisionedThroughputExceededException;

    #[test]
    fn throttling_is_kept_apart_from_other_failures() {
        let throttled = QueryError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("slow down")
                .meta(ErrorMetadata::builder().code("ProvisionedThroughputExceededException").build())
                .build(),
        );
        assert!(matches!(sdk(SdkError::service_error(throttled, ())), StoreError::Throttled));
        let generic = QueryError::generic(ErrorMetadata::builder().code("ThrottlingException").build());
        assert!(matches!(sdk(SdkError::service_error(generic, ())), StoreError::Throttled));
        let other = QueryError::generic(ErrorMetadata::builder().code("ValidationException").build());
        assert!(matches!(sdk(SdkError::service_error(other, ())), StoreError::Backend(_)));
    }
}
