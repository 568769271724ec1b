//! Records to DynamoDB items and back. Tickets and events are stored attribute by attribute (the
//! indexes read them); configuration and directory records as their JSON under `body`.

use super::backend;
use crate::keys;
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use helpdesk_core::user::User;
use helpdesk_core::{Ticket, TicketEvent};
use serde::Serialize;
use std::collections::HashMap;

pub use crate::keys::{PK, SK};

pub type Item = HashMap<String, AttributeValue>;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn to_item<T: Serialize>(value: &T, pk: String, sk: String, entity: &str) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(value).map_err(backend)?;
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert(keys::ENTITY_ATTRIBUTE.into(), s(entity));
    Ok(item)
}

pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Backend(format!("unreadable item: {e}")))
}

/// The ticket item: every attribute but the description (see [`description_item`]), with the
/// index keys. What each write copies into the queue indexes.
pub fn ticket_item(t: &Ticket) -> Result<Item, StoreError> {
    let mut item = to_item(t, keys::ticket_pk(&t.id), keys::TICKET_META_SK.into(), keys::entity::TICKET)?;
    item.remove(keys::DESCRIPTION_ATTRIBUTE);
    item.extend(keys::ticket_index_keys(t).into_iter().map(|(k, v)| (k.to_string(), s(v))));
    Ok(item)
}

/// The ticket's description in its own item, written once with the ticket (descriptions do not
/// change): a ticket item of ~0.7 KB instead of ~1.3 KB makes each index copy one write unit.
pub fn description_item(t: &Ticket) -> Item {
    keyed_item(
        keys::ticket_pk(&t.id),
        keys::TICKET_DESCRIPTION_SK,
        keys::entity::TICKET_DESCRIPTION,
        keys::DESCRIPTION_ATTRIBUTE,
        &t.description,
    )
}

/// The ticket of a ticket item with the description read beside it; an item written before the
/// description moved out still carries its own.
pub fn ticket_from_items(mut item: Item, description: Option<Item>) -> Result<Ticket, StoreError> {
    if let Some(text) = description.and_then(|mut d| d.remove(keys::DESCRIPTION_ATTRIBUTE)) {
        item.insert(keys::DESCRIPTION_ATTRIBUTE.into(), text);
    }
    from_item(item)
}

/// An item of its keys, its kind and one string attribute: the pointers (a number, a mail id or a
/// reply token to its ticket) and other one-value records.
pub fn keyed_item(pk: String, sk: &str, entity: &str, attribute: &str, value: &str) -> Item {
    [(PK.to_string(), s(pk)), (SK.to_string(), s(sk)), (keys::ENTITY_ATTRIBUTE.to_string(), s(entity)), (attribute.to_string(), s(value))]
        .into()
}

pub fn number_item(ticket: &Ticket) -> Item {
    keyed_item(keys::number_pk(ticket.number.0), keys::NUMBER_SK, keys::entity::TICKET_NUMBER, "ticket_id", &ticket.id)
}

pub fn event_items(ticket_id: &str, events: &[TicketEvent]) -> Result<Vec<Item>, StoreError> {
    events.iter().map(|e| to_item(e, keys::ticket_pk(ticket_id), keys::event_sk(&e.id), keys::entity::EVENT)).collect()
}

/// The outbox items announcing `events` of `ticket` (docs/events.md): each its domain event as JSON,
/// removed by TTL a day after the event (its own time: a scan's write leaves `updated_at` old).
pub fn outbox_items(ticket: &Ticket, events: &[TicketEvent]) -> Result<Vec<Item>, StoreError> {
    let written = events.iter().map(|e| e.at).max().unwrap_or(ticket.updated_at);
    let expires_at = AttributeValue::N((written.timestamp() + keys::OUTBOX_KEEP_SECONDS).to_string());
    helpdesk_core::backbone::announce(ticket, events)
        .into_iter()
        .map(|domain| {
            Ok([
                (PK.to_string(), s(keys::ticket_pk(&ticket.id))),
                (SK.to_string(), s(keys::outbox_sk(domain.id()))),
                (keys::ENTITY_ATTRIBUTE.to_string(), s(keys::entity::OUTBOX)),
                (keys::OUTBOX_DETAIL_TYPE.to_string(), s(domain.detail_type())),
                (keys::OUTBOX_DETAIL.to_string(), s(serde_json::to_string(&domain).map_err(backend)?)),
                (keys::TTL_ATTRIBUTE.to_string(), expires_at.clone()),
            ]
            .into())
        })
        .collect()
}

pub fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    Ok(WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().map_err(backend)?).build())
}

/// A record stored as its JSON under `body`, with `version` beside it.
pub fn body_item<T: Serialize>(value: &T, pk: &str, sk: String, entity: &str, version: u64) -> Result<Item, StoreError> {
    Ok([
        (PK.to_string(), s(pk)),
        (SK.to_string(), s(sk)),
        (keys::ENTITY_ATTRIBUTE.to_string(), s(entity)),
        ("body".to_string(), s(serde_json::to_string(value).map_err(backend)?)),
        ("version".to_string(), AttributeValue::N(version.to_string())),
    ]
    .into())
}

pub fn from_body<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    let body = item.get("body").and_then(|v| v.as_s().ok()).ok_or_else(|| StoreError::Backend("a record without body".into()))?;
    serde_json::from_str(body).map_err(|e| StoreError::Backend(format!("unreadable record: {e}")))
}

/// A user's item: the record, and beside it what the directory's Query filters on (a lower-case
/// search text of id and name, the role, the groups, whether active).
pub fn user_item(user: &User, password_hash: Option<&str>) -> Result<Item, StoreError> {
    let mut item = body_item(user, keys::USERS_PK, keys::user_sk(&user.id), keys::entity::USER, user.version)?;
    if let Some(hash) = password_hash {
        item.insert("password_hash".into(), s(hash));
    }
    item.insert("search".into(), s(format!("{} {}", user.id, user.name.to_lowercase())));
    item.insert("role".into(), s(helpdesk_core::wire_name(&user.role)));
    item.insert("groups".into(), AttributeValue::L(user.groups.iter().map(s).collect()));
    item.insert("active".into(), AttributeValue::Bool(user.active));
    Ok(item)
}
