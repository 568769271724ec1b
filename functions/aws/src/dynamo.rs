//! The ticket store on DynamoDB: one table, conditional writes for every change, transactions
//! wherever a change spans items, and Query (never Scan) on every read path.

use crate::keys::{self, ALL_TICKETS, BY_ASSIGNEE, BY_GROUP, BY_REQUESTER, Index, PK, SK, SLA_DUE};
use crate::ports::{Directory, DueTickets, Listing, OutboxMessage, Page, StoreError, TicketStore};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, Put, PutRequest, ReturnValue, TransactWriteItem, WriteRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use helpdesk_core::api::{TicketQuery, UNASSIGNED};
use helpdesk_core::calendar::Calendar;
use helpdesk_core::sla::{SlaConfig, SlaPlan};
use helpdesk_core::user::{Group, User};
use helpdesk_core::{Ticket, TicketEvent, Topic};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

type Item = HashMap<String, AttributeValue>;

/// Ticket numbers start after this: the first ticket is HD-1001.
const NUMBERS_START_AFTER: u64 = 1000;
/// Tries of a transaction that lost a race with another transaction on the same item.
const TRANSACTION_TRIES: u32 = 5;
/// Queries one list request may make before it returns a short page with a cursor.
const MAX_QUERIES_PER_PAGE: usize = 10;

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
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .projection_expression("version")
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item().and_then(|i| i.get("version")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
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
        let out =
            self.client.get_item().table_name(&self.table).key(PK, s(pk)).key(SK, s(sk)).consistent_read(true).send().await.map_err(sdk)?;
        Ok(out.item)
    }

    /// Writes a versioned record: a new one at version 1 (`AlreadyExists` if taken), else only
    /// over `version - 1` (`VersionConflict` or `Missing` otherwise).
    async fn put_versioned(&self, item: Item, version: u64) -> Result<(), StoreError> {
        let (pk, sk) = match (item.get(PK).and_then(|v| v.as_s().ok()), item.get(SK).and_then(|v| v.as_s().ok())) {
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
                    Err(StoreError::Backend(format!("{} items stayed unprocessed", pending.len())))
                });
            }
            while let Some(done) = batches.join_next().await {
                done.map_err(backend)??;
            }
        }
        Ok(())
    }

    /// Loads tickets in bulk (an import, a benchmark): each ticket with its number item, no
    /// events, no conditions. Not for request paths.
    pub async fn import_tickets(&self, tickets: &[Ticket]) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(tickets.len() * 2);
        for t in tickets {
            requests.push(put_request(ticket_item(t)?)?);
            requests.push(put_request(number_item(t))?);
        }
        self.batch_write(requests).await
    }

    async fn query_all(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(pk.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk)?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

enum TransactionFailure {
    /// A condition did not hold.
    Condition,
    /// Another transaction held one of the items.
    Raced,
    Other(StoreError),
}

fn classify_transaction_error<R: std::fmt::Debug>(err: SdkError<TransactWriteItemsError, R>) -> TransactionFailure {
    let message = DisplayErrorContext(&err).to_string();
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            let codes: Vec<&str> = e.cancellation_reasons().iter().filter_map(|r| r.code()).collect();
            if codes.contains(&"ConditionalCheckFailed") {
                TransactionFailure::Condition
            } else if codes.contains(&"TransactionConflict") {
                TransactionFailure::Raced
            } else {
                TransactionFailure::Other(StoreError::Backend(message))
            }
        }
        _ => TransactionFailure::Other(StoreError::Backend(message)),
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn sdk<E: std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    StoreError::Backend(DisplayErrorContext(&e).to_string())
}

fn to_item<T: Serialize>(value: &T, pk: String, sk: String, entity: &str) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(value).map_err(backend)?;
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert("entity".into(), s(entity));
    Ok(item)
}

fn ticket_item(t: &Ticket) -> Result<Item, StoreError> {
    let mut item = to_item(t, keys::ticket_pk(&t.id), keys::TICKET_META_SK.into(), "ticket")?;
    item.extend(keys::ticket_index_keys(t).into_iter().map(|(k, v)| (k.to_string(), s(v))));
    Ok(item)
}

fn number_item(ticket: &Ticket) -> Item {
    [(PK.to_string(), s(keys::number_pk(ticket.number.0))), (SK.to_string(), s(keys::NUMBER_SK)), ("ticket_id".to_string(), s(&ticket.id))]
        .into()
}

fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    Ok(WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().map_err(backend)?).build())
}

/// Configuration records are stored as their JSON under `body`, with `version` beside it.
fn config_item<T: Serialize>(value: &T, sk: String, version: u64) -> Result<Item, StoreError> {
    body_item(value, keys::SLA_CONFIG_PK, sk, version)
}

fn body_item<T: Serialize>(value: &T, pk: &str, sk: String, version: u64) -> Result<Item, StoreError> {
    Ok([
        (PK.to_string(), s(pk)),
        (SK.to_string(), s(sk)),
        ("body".to_string(), s(serde_json::to_string(value).map_err(backend)?)),
        ("version".to_string(), AttributeValue::N(version.to_string())),
    ]
    .into())
}

fn from_body<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    let body = item.get("body").and_then(|v| v.as_s().ok()).ok_or_else(|| StoreError::Backend("a record without body".into()))?;
    serde_json::from_str(body).map_err(|e| StoreError::Backend(format!("unreadable record: {e}")))
}

fn event_items(ticket_id: &str, events: &[TicketEvent]) -> Result<Vec<Item>, StoreError> {
    events.iter().map(|e| to_item(e, keys::ticket_pk(ticket_id), keys::event_sk(&e.id), "event")).collect()
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Backend(format!("unreadable item: {e}")))
}

/// The index a list reads, its partition, its order, and whether the status sits in its sort key.
fn plan_listing(listing: Listing<'_>, query: &TicketQuery) -> (Index, String, bool) {
    match listing {
        Listing::OfRequester(requester) => (BY_REQUESTER, keys::requester_partition(requester), false),
        Listing::Queues => match (&query.assignee, &query.group) {
            (Some(a), _) => (BY_ASSIGNEE, keys::assignee_partition(Some(a.as_str()).filter(|a| *a != UNASSIGNED)), true),
            (None, Some(g)) => (BY_GROUP, keys::group_partition(g), true),
            (None, None) => (ALL_TICKETS, keys::ALL_TICKETS_PARTITION.to_string(), true),
        },
    }
}

/// The cursor is the key of the last item returned, as base64url JSON; it is checked against the
/// index and partition it is used with.
fn encode_cursor(index: Index, item: &Item) -> Option<String> {
    let key: BTreeMap<&str, &str> =
        [PK, SK, index.pk, index.sk].into_iter().map(|k| Some((k, item.get(k)?.as_s().ok()?.as_str()))).collect::<Option<_>>()?;
    Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key).ok()?))
}

fn decode_cursor(index: Index, partition: &str, cursor: &str) -> Result<Item, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    let key: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let expected = [PK, SK, index.pk, index.sk];
    if key.len() != expected.len() || expected.iter().any(|k| !key.contains_key(*k)) || key[index.pk] != partition {
        return Err(StoreError::InvalidCursor);
    }
    Ok(key.into_iter().map(|(k, v)| (k, s(v))).collect())
}

impl TicketStore for DynamoStore {
    async fn next_ticket_number(&self) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::COUNTER_PK))
            .key(SK, s(keys::TICKET_COUNTER_SK))
            .update_expression("SET #last = if_not_exists(#last, :start) + :one")
            .expression_attribute_names("#last", "last")
            .expression_attribute_values(":start", AttributeValue::N(NUMBERS_START_AFTER.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk)?;
        out.attributes()
            .and_then(|a| a.get("last"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Backend("the ticket counter returned no number".into()))
    }

    async fn create_ticket(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<(), StoreError> {
        let mut items = vec![ticket_item(ticket)?, number_item(ticket)];
        items.extend(event_items(&ticket.id, events)?);
        match self.transact(self.new_items(items)?).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Condition) => Err(StoreError::AlreadyExists),
            Err(TransactionFailure::Raced) => Err(StoreError::Backend("the ticket kept colliding with other writes".into())),
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<(Ticket, Vec<TicketEvent>)>, StoreError> {
        let mut ticket = None;
        let mut events = Vec::new();
        // One query: the events (SK `EVT#<ulid>`, in order) and the META item share the partition.
        for item in self.query_all(keys::ticket_pk(id)).await? {
            match item.get(SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(keys::TICKET_META_SK) => ticket = Some(from_item(item)?),
                Some(sk) if sk.starts_with(keys::EVENT_SK_PREFIX) => events.push(from_item(item)?),
                _ => {}
            }
        }
        Ok(ticket.map(|t| (t, events)))
    }

    async fn find_ticket_id(&self, number: u64) -> Result<Option<String>, StoreError> {
        let item = self.get(keys::number_pk(number).into(), keys::NUMBER_SK.into()).await?;
        Ok(item.and_then(|i| i.get("ticket_id").and_then(|v| v.as_s().ok()).cloned()))
    }

    async fn save_ticket(&self, ticket: &Ticket, events: &[TicketEvent], outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let previous = ticket.version.checked_sub(1).ok_or_else(|| StoreError::Backend("a saved ticket has version 0".into()))?;
        let mut writes = vec![self.put(
            ticket_item(ticket)?,
            "#version = :previous",
            &[("#version", "version")],
            &[(":previous", AttributeValue::N(previous.to_string()))],
        )?];
        writes.extend(self.new_items(event_items(&ticket.id, events)?)?);
        let outbox_items =
            outbox.iter().map(|m| to_item(m, keys::OUTBOX_PK.into(), m.id.clone(), "outbox")).collect::<Result<Vec<_>, _>>()?;
        writes.extend(self.new_items(outbox_items)?);
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Condition | TransactionFailure::Raced) => {
                Err(self.version_conflict(keys::ticket_pk(&ticket.id), keys::TICKET_META_SK).await)
            }
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }

    async fn list_tickets(&self, listing: Listing<'_>, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let (index, partition, status_in_key) = plan_listing(listing, query);
        let mut names: HashMap<String, String> = [("#pk".to_string(), index.pk.to_string())].into();
        let mut values: HashMap<String, AttributeValue> = [(":pk".to_string(), s(&partition))].into();
        let mut key_condition = "#pk = :pk".to_string();
        let mut filters = Vec::new();
        if let Some(status) = query.status {
            let (attr, name) = if status_in_key { (index.sk, "#sk") } else { (ALL_TICKETS.sk, "#status_key") };
            names.insert(name.into(), attr.into());
            values.insert(":status".into(), s(keys::status_prefix(status)));
            if status_in_key {
                key_condition.push_str(" AND begins_with(#sk, :status)");
            } else {
                filters.push("begins_with(#status_key, :status)".to_string());
            }
        }
        let mut filter_on = |name: &str, attr: &str, value: String| {
            names.insert(format!("#{name}"), attr.to_string());
            values.insert(format!(":{name}"), s(value));
            filters.push(format!("#{name} = :{name}"));
        };
        if let Some(p) = query.priority {
            filter_on("priority", "priority", p.as_str().to_string());
        }
        if let Some(t) = &query.topic {
            filter_on("topic", "topic", t.clone());
        }
        // Filters on the other indexes' partition keys: plain strings on every ticket item.
        if let Some(a) = query.assignee.as_deref().filter(|_| index != BY_ASSIGNEE) {
            filter_on("assignee_key", BY_ASSIGNEE.pk, keys::assignee_partition(Some(a).filter(|a| *a != UNASSIGNED)));
        }
        if let Some(g) = query.group.as_deref().filter(|_| index != BY_GROUP) {
            filter_on("group_key", BY_GROUP.pk, keys::group_partition(g));
        }
        let filter = (!filters.is_empty()).then(|| filters.join(" AND "));

        let mut start = query.cursor.as_deref().map(|c| decode_cursor(index, &partition, c)).transpose()?;
        let mut items = Vec::new();
        for _ in 0..MAX_QUERIES_PER_PAGE {
            let wanted = query.limit - items.len();
            // Limit counts items read before the filter: read ahead when a filter may drop some.
            let read = if filter.is_some() { (wanted * 4).min(400) } else { wanted };
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .key_condition_expression(&key_condition)
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(!matches!(listing, Listing::OfRequester(_)))
                .limit(read as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk)?;
            let found = out.items.unwrap_or_default();
            let found_count = found.len();
            for (i, item) in found.into_iter().enumerate() {
                let cursor = encode_cursor(index, &item);
                items.push(from_item(item)?);
                if items.len() == query.limit {
                    let more_here = i + 1 < found_count;
                    let next_cursor =
                        if more_here { cursor } else { out.last_evaluated_key.as_ref().and_then(|k| encode_cursor(index, k)) };
                    return Ok(Page { items, next_cursor });
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(Page { items, next_cursor: None });
            }
        }
        Ok(Page { items, next_cursor: start.as_ref().and_then(|k| encode_cursor(index, k)) })
    }

    async fn put_topic(&self, topic: &Topic) -> Result<(), StoreError> {
        self.put_versioned(to_item(topic, keys::TOPICS_PK.into(), keys::topic_sk(&topic.id), "topic")?, topic.version).await
    }

    async fn get_topic(&self, id: &str) -> Result<Option<Topic>, StoreError> {
        let item = self.get(keys::TOPICS_PK.into(), keys::topic_sk(id).into()).await?;
        item.map(from_item).transpose()
    }

    async fn list_topics(&self) -> Result<Vec<Topic>, StoreError> {
        self.query_all(keys::TOPICS_PK.into()).await?.into_iter().map(from_item).collect()
    }

    async fn sla_config(&self) -> Result<SlaConfig, StoreError> {
        let mut config = SlaConfig::default();
        for item in self.query_all(keys::SLA_CONFIG_PK.into()).await? {
            match item.get(SK).and_then(|v| v.as_s().ok()) {
                Some(sk) if sk.starts_with(keys::SLA_PLAN_PREFIX) => config.plans.push(from_body(&item)?),
                Some(sk) if sk.starts_with(keys::CALENDAR_PREFIX) => config.calendars.push(from_body(&item)?),
                _ => {}
            }
        }
        Ok(config)
    }

    async fn put_sla_plan(&self, plan: &SlaPlan) -> Result<(), StoreError> {
        self.put_versioned(config_item(plan, format!("{}{}", keys::SLA_PLAN_PREFIX, plan.id), plan.version)?, plan.version).await
    }

    async fn put_calendar(&self, calendar: &Calendar) -> Result<(), StoreError> {
        self.put_versioned(config_item(calendar, format!("{}{}", keys::CALENDAR_PREFIX, calendar.id), calendar.version)?, calendar.version)
            .await
    }

    async fn due_tickets(&self, until: DateTime<Utc>) -> Result<DueTickets, StoreError> {
        let mut due = DueTickets::default();
        for shard in 0..keys::SLA_SHARDS {
            let mut start = None;
            loop {
                let out = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(SLA_DUE.name)
                    .key_condition_expression("#pk = :pk AND #sk <= :until")
                    .expression_attribute_names("#pk", SLA_DUE.pk)
                    .expression_attribute_names("#sk", SLA_DUE.sk)
                    .expression_attribute_values(":pk", s(keys::sla_partition(shard)))
                    .expression_attribute_values(":until", s(keys::sla_due_until(until)))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(sdk)?;
                due.items_read += out.scanned_count() as usize;
                for item in out.items.unwrap_or_default() {
                    if let Some(id) = item.get(PK).and_then(|v| v.as_s().ok()).and_then(|pk| pk.strip_prefix("TICKET#")) {
                        due.ticket_ids.push(id.to_string());
                    }
                }
                start = out.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
        }
        Ok(due)
    }

    async fn claim_outbox(&self, limit: usize, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Vec<OutboxMessage>, StoreError> {
        let now_ms = AttributeValue::N(now.timestamp_millis().to_string());
        let mut claimed = Vec::new();
        let mut start = None;
        // Page on past messages other drains hold until enough are claimed or none are left.
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .filter_expression("attribute_not_exists(claimed_until) OR claimed_until < :now")
                .expression_attribute_values(":pk", s(keys::OUTBOX_PK))
                .expression_attribute_values(":now", now_ms.clone())
                .consistent_read(true)
                .limit(limit.clamp(1, 1000) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk)?;
            for item in out.items.unwrap_or_default() {
                let Some(sk) = item.get(SK).cloned() else { continue };
                let claim = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key(PK, s(keys::OUTBOX_PK))
                    .key(SK, sk)
                    .update_expression("SET claimed_until = :lease")
                    .condition_expression("attribute_exists(PK) AND (attribute_not_exists(claimed_until) OR claimed_until < :now)")
                    .expression_attribute_values(":lease", AttributeValue::N(lease_until.timestamp_millis().to_string()))
                    .expression_attribute_values(":now", now_ms.clone())
                    .send()
                    .await;
                match claim {
                    Ok(_) => claimed.push(from_item(item)?),
                    // Another drain took it, or published and deleted it already.
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(sdk(e)),
                }
                if claimed.len() >= limit {
                    return Ok(claimed);
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(claimed);
            }
        }
    }

    async fn delete_outbox(&self, ids: &[String]) -> Result<(), StoreError> {
        let requests = ids
            .iter()
            .map(|id| {
                let key: Item = [(PK.to_string(), s(keys::OUTBOX_PK)), (SK.to_string(), s(id))].into();
                Ok(WriteRequest::builder().delete_request(DeleteRequest::builder().set_key(Some(key)).build().map_err(backend)?).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.batch_write(requests).await
    }
}

fn throttle_key(key: &str, window: DateTime<Utc>) -> Item {
    [(PK.to_string(), s(keys::throttle_pk(key))), (SK.to_string(), s(window.timestamp().to_string()))].into()
}

impl Directory for DynamoStore {
    async fn get_user(&self, id: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
        let item = self.get(keys::USERS_PK.into(), keys::user_sk(id).into()).await?;
        let Some(item) = item else { return Ok(None) };
        let hash = item.get("password_hash").and_then(|v| v.as_s().ok()).cloned();
        Ok(Some((from_body(&item)?, hash)))
    }

    async fn put_user(&self, user: &User, password_hash: Option<&str>) -> Result<(), StoreError> {
        let mut item = body_item(user, keys::USERS_PK, keys::user_sk(&user.id), user.version)?;
        if let Some(hash) = password_hash {
            item.insert("password_hash".into(), s(hash));
        }
        self.put_versioned(item, user.version).await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.query_all(keys::USERS_PK.into()).await?.iter().map(from_body).collect()
    }

    async fn get_group(&self, id: &str) -> Result<Option<Group>, StoreError> {
        let item = self.get(keys::GROUPS_PK.into(), keys::group_sk(id).into()).await?;
        item.as_ref().map(from_body).transpose()
    }

    async fn put_group(&self, group: &Group) -> Result<(), StoreError> {
        self.put_versioned(body_item(group, keys::GROUPS_PK, keys::group_sk(&group.id), group.version)?, group.version).await
    }

    async fn list_groups(&self) -> Result<Vec<Group>, StoreError> {
        self.query_all(keys::GROUPS_PK.into()).await?.iter().map(from_body).collect()
    }

    async fn failures(&self, throttle_keys: &[String], window: DateTime<Utc>) -> Result<u32, StoreError> {
        let mut most = 0;
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
            let count = out.item.and_then(|i| i.get("failures").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())).unwrap_or(0);
            most = most.max(count);
        }
        Ok(most)
    }

    async fn record_failure(&self, throttle_keys: &[String], window: DateTime<Utc>) -> Result<(), StoreError> {
        // Kept an hour past the window, then DynamoDB's TTL removes it.
        let expires = (window + chrono::Duration::hours(1)).timestamp();
        for key in throttle_keys {
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(throttle_key(key, window)))
                .update_expression("ADD failures :one SET #ttl = :expires")
                .expression_attribute_names("#ttl", keys::TTL_ATTRIBUTE)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()))
                .send()
                .await
                .map_err(sdk)?;
        }
        Ok(())
    }
}
