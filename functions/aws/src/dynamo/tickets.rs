//! The ticket store: tickets with their numbers and events, topics, SLA configuration and the due
//! index, and the outbox.

use super::codec::{
    Item, PK, SK, body_item, description_item, event_items, from_body, from_item, number_item, outbox_items, put_request, s,
    ticket_from_items, ticket_item, to_item,
};
use super::{DynamoStore, TransactionFailure, sdk};
use crate::keys::{self, SLA_DUE};
use crate::ports::{DueTickets, Listing, Page, StoreError, TicketStore};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use helpdesk_core::api::{TicketQuery, Total};
use helpdesk_core::calendar::Calendar;
use helpdesk_core::commands::Change;
use helpdesk_core::sla::{SlaConfig, SlaPlan};
use helpdesk_core::{Ticket, TicketEvent, TicketNumber, Topic};
use std::time::Duration;

/// Ticket numbers start after this: the first ticket is HD-1001.
const NUMBERS_START_AFTER: u64 = 1000;
/// Tries of a create whose number another create took first.
const NUMBER_TRIES: u32 = 20;
/// The most events one ticket read returns, and the most topics a list holds.
const MAX_ITEMS_PER_PARTITION_READ: usize = 5_000;

impl DynamoStore {
    /// The last ticket number taken, read consistently.
    async fn last_ticket_number(&self) -> Result<Option<u64>, StoreError> {
        let item = self.get(keys::COUNTER_PK.into(), keys::TICKET_COUNTER_SK.into()).await?;
        Ok(item.and_then(|i| i.get("last").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())))
    }

    /// Moves the counter from `last` to `next`, only if nobody moved it meanwhile.
    fn take_number(&self, last: Option<u64>, next: u64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(keys::COUNTER_PK))
            .key(SK, s(keys::TICKET_COUNTER_SK))
            .update_expression("SET #last = :next, #entity = :entity")
            .expression_attribute_names("#last", "last")
            .expression_attribute_names("#entity", keys::ENTITY_ATTRIBUTE)
            .expression_attribute_values(":next", AttributeValue::N(next.to_string()))
            .expression_attribute_values(":entity", s(keys::entity::COUNTER));
        let update = match last {
            None => update.condition_expression("attribute_not_exists(PK)"),
            Some(last) => {
                update.condition_expression("#last = :last").expression_attribute_values(":last", AttributeValue::N(last.to_string()))
            }
        };
        Ok(TransactWriteItem::builder().update(update.build().map_err(super::backend)?).build())
    }

    /// Every ticket, through the index that holds them all in one partition.
    pub(super) fn all_tickets_query(&self) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(keys::ALL_TICKETS.name)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::ALL_TICKETS.pk)
            .expression_attribute_values(":pk", s(keys::ALL_TICKETS_PARTITION))
    }

    /// Brings tickets written by earlier versions to today's layout (docs/storage.md, "Secondary
    /// indexes"): their next SLA target and the queue indexes' keys, so that they show in the
    /// queues again, and their description in its own item. Idempotent, and never over a newer
    /// write (each rewrite is conditioned on the version it read); for a table's set-up
    /// (`helpdesk-local backfill`), not for request paths. Returns how many tickets it rewrote.
    pub async fn backfill_queue_order(&self, config: &SlaConfig) -> Result<usize, StoreError> {
        let mut rewritten = 0;
        let mut pages = self.all_tickets_query().into_paginator().items().send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(sdk)?;
            let stored: Ticket = from_item(item.clone())?;
            let mut ticket = stored.clone();
            if ticket.sla_due.is_none()
                && let Some((_, events)) = self.get_ticket(&ticket.id).await?
            {
                helpdesk_core::sla::refresh(&mut ticket, &events, config);
            }
            let current = keys::ticket_index_keys(&ticket).iter().all(|(k, v)| item.get(*k).and_then(|a| a.as_s().ok()) == Some(v));
            let description_inside = item.contains_key(keys::DESCRIPTION_ATTRIBUTE);
            if current && ticket == stored && !description_inside {
                continue;
            }
            let mut writes = vec![self.put(
                ticket_item(&ticket)?,
                "#version = :version",
                &[("#version", "version")],
                &[(":version", AttributeValue::N(ticket.version.to_string()))],
            )?];
            if description_inside {
                writes.extend(self.new_items(vec![description_item(&ticket)])?);
            }
            match self.transact(writes).await {
                Ok(()) => rewritten += 1,
                // Written meanwhile: that write gave it the keys already.
                Err(TransactionFailure::Condition(_) | TransactionFailure::Raced) => {}
                Err(TransactionFailure::Other(e)) => return Err(e),
            }
        }
        Ok(rewritten)
    }

    /// Loads tickets in bulk (an import, a benchmark): each ticket with its number item, no
    /// events, no conditions. Not for request paths.
    pub async fn import_tickets(&self, tickets: &[Ticket]) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(tickets.len() * 2);
        for t in tickets {
            requests.push(put_request(ticket_item(t)?)?);
            requests.push(put_request(description_item(t))?);
            requests.push(put_request(number_item(t))?);
        }
        self.batch_write(requests).await
    }

    /// Loads past tickets with their event logs (an import of history, the demo's): numbered
    /// after the last number taken, with their events but no outbox items, so nothing is
    /// announced or notified; the reports and the search index count them by a rebuild. Not for
    /// request paths (no conditions: run it before anything else writes tickets).
    pub async fn import_history(&self, history: Vec<(Ticket, Vec<TicketEvent>)>) -> Result<Vec<Ticket>, StoreError> {
        let mut last = self.last_ticket_number().await?.unwrap_or(NUMBERS_START_AFTER);
        let mut requests = Vec::new();
        let mut imported = Vec::with_capacity(history.len());
        for (mut ticket, events) in history {
            last += 1;
            ticket.number = TicketNumber(last);
            requests.push(put_request(ticket_item(&ticket)?)?);
            requests.push(put_request(description_item(&ticket))?);
            requests.push(put_request(number_item(&ticket))?);
            for event in event_items(&ticket.id, &events)? {
                requests.push(put_request(event)?);
            }
            imported.push(ticket);
        }
        self.batch_write(requests).await?;
        let counter: Item = [
            (PK.to_string(), s(keys::COUNTER_PK)),
            (SK.to_string(), s(keys::TICKET_COUNTER_SK)),
            (keys::ENTITY_ATTRIBUTE.to_string(), s(keys::entity::COUNTER)),
            ("last".to_string(), AttributeValue::N(last.to_string())),
        ]
        .into();
        self.batch_write(vec![put_request(counter)?]).await?;
        Ok(imported)
    }
}

fn config_item<T: serde::Serialize>(value: &T, sk: String, entity: &str, version: u64) -> Result<Item, StoreError> {
    body_item(value, keys::SLA_CONFIG_PK, sk, entity, version)
}

impl DynamoStore {
    /// Creates a ticket (see [`TicketStore::create_ticket`]); `guard`, when given, is a new item
    /// written in the same transaction: when it exists already, nothing is written and the
    /// answer is `AlreadyExists`.
    pub(super) async fn create_ticket_guarded<F>(&self, guard: Option<Item>, build: F) -> Result<Change, StoreError>
    where
        F: Fn(TicketNumber) -> Change + Send + Sync,
    {
        for attempt in 1..=NUMBER_TRIES {
            let last = self.last_ticket_number().await?;
            let number = last.unwrap_or(NUMBERS_START_AFTER) + 1;
            let change = build(TicketNumber(number));
            let mut items = vec![ticket_item(&change.ticket)?, description_item(&change.ticket), number_item(&change.ticket)];
            items.extend(event_items(&change.ticket.id, &change.events)?);
            items.extend(outbox_items(&change.ticket, &change.events)?);
            let mut writes = vec![self.take_number(last, number)?];
            writes.extend(self.new_items(guard.clone())?);
            writes.extend(self.new_items(items)?);
            let attaching = writes.len();
            writes.extend(self.attach_writes(&change.ticket.id, &change.events)?);
            match self.transact(writes).await {
                Ok(()) => return Ok(change),
                // Another create took this number first: read the counter again.
                Err(TransactionFailure::Condition(Some(0)) | TransactionFailure::Raced) => {
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt))).await;
                }
                Err(TransactionFailure::Condition(Some(i))) if i >= attaching => return Err(StoreError::UploadTaken),
                Err(TransactionFailure::Condition(_)) => return Err(StoreError::AlreadyExists),
                Err(TransactionFailure::Other(e)) => return Err(e),
            }
        }
        Err(StoreError::Throttled)
    }

    /// Saves a ticket change (see [`TicketStore::save_ticket`]) with `guard` as in
    /// [`Self::create_ticket_guarded`].
    pub(super) async fn save_ticket_guarded(&self, guard: Option<Item>, ticket: &Ticket, events: &[TicketEvent]) -> Result<(), StoreError> {
        let previous = ticket.version.checked_sub(1).ok_or_else(|| StoreError::Backend("a saved ticket has version 0".into()))?;
        let mut writes = vec![self.put(
            ticket_item(ticket)?,
            "#version = :previous",
            &[("#version", "version")],
            &[(":previous", AttributeValue::N(previous.to_string()))],
        )?];
        let guarded = guard.is_some();
        writes.extend(self.new_items(guard)?);
        writes.extend(self.new_items(event_items(&ticket.id, events)?)?);
        writes.extend(self.new_items(outbox_items(ticket, events)?)?);
        let attaching = writes.len();
        writes.extend(self.attach_writes(&ticket.id, events)?);
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Condition(Some(1))) if guarded => Err(StoreError::AlreadyExists),
            Err(TransactionFailure::Condition(Some(i))) if i >= attaching => Err(StoreError::UploadTaken),
            Err(TransactionFailure::Condition(_) | TransactionFailure::Raced) => {
                Err(self.version_conflict(keys::ticket_pk(&ticket.id), keys::TICKET_META_SK).await)
            }
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }
}

impl DynamoStore {
    /// Whether the table holds any ticket (one item read).
    pub async fn has_tickets(&self) -> Result<bool, StoreError> {
        let out = self.all_tickets_query().projection_expression("id").limit(1).send().await.map_err(sdk)?;
        Ok(out.count() > 0)
    }

    /// Every ticket's id, through the index of all tickets (keys only): for rebuilds (search
    /// index, report buckets), never a request path.
    pub async fn all_ticket_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut pages = self.all_tickets_query().projection_expression("id").into_paginator().items().send();
        let mut ids = Vec::new();
        while let Some(item) = pages.next().await {
            if let Some(id) = item.map_err(sdk)?.get("id").and_then(|v| v.as_s().ok()) {
                ids.push(id.clone());
            }
        }
        Ok(ids)
    }
}

impl TicketStore for DynamoStore {
    async fn create_ticket<F>(&self, build: F) -> Result<Change, StoreError>
    where
        F: Fn(TicketNumber) -> Change + Send + Sync,
    {
        self.create_ticket_guarded(None, build).await
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<(Ticket, Vec<TicketEvent>)>, StoreError> {
        let (mut head, mut description) = (None, None);
        let mut events = Vec::new();
        // One query: the description, the events (SK `EVT#<ulid>`, in order) and the META item
        // share the partition, in that order.
        for item in self.query_partition_until(keys::ticket_pk(id), keys::TICKET_META_SK, MAX_ITEMS_PER_PARTITION_READ).await? {
            match item.get(SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(keys::TICKET_META_SK) => head = Some(item),
                Some(keys::TICKET_DESCRIPTION_SK) => description = Some(item),
                Some(sk) if sk.starts_with(keys::EVENT_SK_PREFIX) => events.push(from_item(item)?),
                _ => {}
            }
        }
        Ok(head.map(|item| ticket_from_items(item, description)).transpose()?.map(|t| (t, events)))
    }

    async fn get_ticket_head(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        self.get(keys::ticket_pk(id), keys::TICKET_META_SK.into()).await?.map(from_item).transpose()
    }

    async fn find_ticket_id(&self, number: u64) -> Result<Option<String>, StoreError> {
        let item = self.get(keys::number_pk(number), keys::NUMBER_SK.into()).await?;
        Ok(item.and_then(|i| i.get("ticket_id").and_then(|v| v.as_s().ok()).cloned()))
    }

    async fn save_ticket(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<(), StoreError> {
        self.save_ticket_guarded(None, ticket, events).await
    }

    async fn list_tickets(&self, listing: Listing<'_>, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        self.list_ticket_page(listing, query).await
    }

    async fn count_queue(&self, query: &TicketQuery) -> Result<Total, StoreError> {
        self.count_queue_tickets(query).await
    }

    async fn put_topic(&self, topic: &Topic) -> Result<(), StoreError> {
        self.put_versioned(to_item(topic, keys::TOPICS_PK.into(), keys::topic_sk(&topic.id), keys::entity::TOPIC)?, topic.version).await
    }

    async fn get_topic(&self, id: &str) -> Result<Option<Topic>, StoreError> {
        let item = self.get(keys::TOPICS_PK.into(), keys::topic_sk(id)).await?;
        item.map(from_item).transpose()
    }

    async fn list_topics(&self) -> Result<Vec<Topic>, StoreError> {
        self.query_partition(keys::TOPICS_PK.into(), MAX_ITEMS_PER_PARTITION_READ).await?.into_iter().map(from_item).collect()
    }

    async fn sla_config(&self) -> Result<SlaConfig, StoreError> {
        let mut config = SlaConfig::default();
        for item in self.query_partition(keys::SLA_CONFIG_PK.into(), MAX_ITEMS_PER_PARTITION_READ).await? {
            match item.get(SK).and_then(|v| v.as_s().ok()) {
                Some(sk) if sk.starts_with(keys::SLA_PLAN_PREFIX) => config.plans.push(from_body(&item)?),
                Some(sk) if sk.starts_with(keys::CALENDAR_PREFIX) => config.calendars.push(from_body(&item)?),
                _ => {}
            }
        }
        Ok(config)
    }

    async fn put_sla_plan(&self, plan: &SlaPlan) -> Result<(), StoreError> {
        let sk = format!("{}{}", keys::SLA_PLAN_PREFIX, plan.id);
        self.put_versioned(config_item(plan, sk, keys::entity::SLA_PLAN, plan.version)?, plan.version).await
    }

    async fn put_calendar(&self, calendar: &Calendar) -> Result<(), StoreError> {
        let sk = format!("{}{}", keys::CALENDAR_PREFIX, calendar.id);
        self.put_versioned(config_item(calendar, sk, keys::entity::CALENDAR, calendar.version)?, calendar.version).await
    }

    async fn due_tickets(&self, until: DateTime<Utc>) -> Result<DueTickets, StoreError> {
        let mut due = DueTickets::default();
        for shard in 0..keys::SLA_SHARDS {
            let mut pages = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(SLA_DUE.name)
                .key_condition_expression("#pk = :pk AND #sk <= :until")
                .expression_attribute_names("#pk", SLA_DUE.pk)
                .expression_attribute_names("#sk", SLA_DUE.sk)
                .expression_attribute_values(":pk", s(keys::sla_partition(shard)))
                .expression_attribute_values(":until", s(keys::sla_due_until(until)))
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(sdk)?;
                due.items_read += page.scanned_count() as usize;
                for item in page.items() {
                    if let Some(id) = item.get(PK).and_then(|v| v.as_s().ok()).and_then(|pk| pk.strip_prefix(keys::TICKET_PK_PREFIX)) {
                        due.ticket_ids.push(id.to_string());
                    }
                }
            }
        }
        Ok(due)
    }
}
