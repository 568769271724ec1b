//! Lists read page by page: a requester's tickets, people through the directory partition, and
//! what the queues (`queue.rs`) share: filters, cursors, reading a page ahead of a filter. A
//! cursor is the key of the last item returned, as base64url JSON, and is checked against the
//! index and partition it is used with.

use super::codec::{Item, PK, SK, from_body, from_item, s};
use super::{DynamoStore, sdk};
use crate::keys::{self, BY_ASSIGNEE, BY_GROUP, BY_REQUESTER, Index};
use crate::ports::{Listing, Page, StoreError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpdesk_core::api::{PeopleQuery, TicketQuery, TicketState, UNASSIGNED};
use helpdesk_core::user::User;
use helpdesk_core::{Status, Ticket};
use std::collections::{BTreeMap, HashMap};

/// Queries one list request may make before it returns a short page with a cursor.
const MAX_QUERIES_PER_PAGE: usize = 10;
/// The longest key value a cursor may carry (DynamoDB's sort keys stop at 1 KiB).
const MAX_CURSOR_VALUE_BYTES: usize = 1024;

/// The filter expression of a ticket list, with its names and values.
#[derive(Default)]
pub(super) struct Filter {
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
    clauses: Vec<String>,
}

impl Filter {
    pub(super) fn equal(&mut self, name: &str, attribute: &str, value: String) {
        self.names.insert(format!("#{name}"), attribute.to_string());
        self.values.insert(format!(":{name}"), s(value));
        self.clauses.push(format!("#{name} = :{name}"));
    }

    fn any_of(&mut self, name: &str, attribute: &str, values: impl IntoIterator<Item = String>) {
        self.names.insert(format!("#{name}"), attribute.to_string());
        let placeholders: Vec<String> = values
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                let placeholder = format!(":{name}{i}");
                self.values.insert(placeholder.clone(), s(value));
                placeholder
            })
            .collect();
        self.clauses.push(format!("#{name} IN ({})", placeholders.join(", ")));
    }

    pub(super) fn expression(&self) -> Option<String> {
        (!self.clauses.is_empty()).then(|| self.clauses.join(" AND "))
    }
}

/// What every ticket list filters on besides its keys: plain attributes of the ticket item.
pub(super) fn ticket_filter(query: &TicketQuery, index: Index) -> Filter {
    let mut filter = Filter::default();
    if let Some(status) = query.status {
        filter.equal("status", "status", status.as_str().to_string());
    } else if let (Some(state), BY_REQUESTER) = (query.state, index) {
        let statuses = Status::ALL.into_iter().filter(|s| TicketState::of(*s) == state);
        filter.any_of("status", "status", statuses.map(|s| s.as_str().to_string()));
    }
    if let (Some(p), BY_REQUESTER) = (query.priority, index) {
        filter.equal("priority", "priority", p.as_str().to_string());
    }
    if let Some(t) = &query.topic {
        filter.equal("topic", "topic", t.clone());
    }
    // Filters on the other indexes' partition keys: plain strings on every ticket item.
    if let Some(a) = query.assignee.as_deref().filter(|_| index != BY_ASSIGNEE) {
        filter.equal("assignee_key", BY_ASSIGNEE.pk, keys::assignee_partition(Some(a).filter(|a| *a != UNASSIGNED)));
    }
    if !query.groups.is_empty() && index != BY_GROUP {
        filter.any_of("group_key", BY_GROUP.pk, query.groups.iter().map(|g| keys::group_partition(g)));
    }
    filter
}

fn encode_cursor(attributes: &[&str], item: &Item) -> Option<String> {
    let key = key_of(attributes, item)?;
    Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key).ok()?))
}

fn key_of(attributes: &[&str], item: &Item) -> Option<BTreeMap<String, String>> {
    attributes.iter().map(|k| Some((k.to_string(), item.get(*k)?.as_s().ok()?.clone()))).collect()
}

/// The key a cursor names: exactly `attributes`, each a non-empty string of bounded length, and
/// `partition_attribute` equal to the partition being listed.
fn decode_cursor(attributes: &[&str], partition_attribute: &str, partition: &str, cursor: &str) -> Result<Item, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    let key: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    checked_key(attributes, partition_attribute, partition, key)
}

fn checked_key(attributes: &[&str], partition_attribute: &str, partition: &str, key: BTreeMap<String, String>) -> Result<Item, StoreError> {
    let well_formed = key.len() == attributes.len()
        && attributes.iter().all(|k| key.get(*k).is_some_and(|v| !v.is_empty() && v.len() <= MAX_CURSOR_VALUE_BYTES))
        && key.get(partition_attribute).is_some_and(|p| p == partition);
    if !well_formed {
        return Err(StoreError::InvalidCursor);
    }
    Ok(key.into_iter().map(|(k, v)| (k, s(v))).collect())
}

pub(super) fn index_key(index: Index) -> [&'static str; 4] {
    [PK, SK, index.pk, index.sk]
}

impl DynamoStore {
    pub(super) async fn list_ticket_page(&self, listing: Listing<'_>, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        match listing {
            Listing::OfRequester(requester) => self.list_requester_page(requester, query).await,
            Listing::Queues => self.list_queue_page(query).await,
        }
    }

    /// A requester's own tickets, newest first.
    async fn list_requester_page(&self, requester: &str, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let partition = keys::requester_partition(requester);
        let mut filter = ticket_filter(query, BY_REQUESTER);
        filter.names.insert("#pk".into(), BY_REQUESTER.pk.into());
        filter.values.insert(":pk".into(), s(&partition));
        let expression = filter.expression();
        let key_attributes = index_key(BY_REQUESTER);
        let start = query.cursor.as_deref().map(|c| decode_cursor(&key_attributes, BY_REQUESTER.pk, &partition, c)).transpose()?;
        let request = |start: Option<Item>, read: i32| {
            self.client
                .query()
                .table_name(&self.table)
                .index_name(BY_REQUESTER.name)
                .key_condition_expression("#pk = :pk")
                .set_filter_expression(expression.clone())
                .set_expression_attribute_names(Some(filter.names.clone()))
                .set_expression_attribute_values(Some(filter.values.clone()))
                .scan_index_forward(false)
                .limit(read)
                .set_exclusive_start_key(start)
        };
        read_page(query.limit, expression.is_some(), start, &key_attributes, request, from_item).await
    }

    /// One run of a queue: the tickets of `partition` whose queue key starts with `prefix`.
    /// People by id order, filtered on the attributes [`super::codec::user_item`] writes.
    pub(super) async fn list_people_page(&self, query: &PeopleQuery) -> Result<Page<User>, StoreError> {
        let key_attributes = [PK, SK];
        let mut names: HashMap<String, String> = HashMap::new();
        let mut values: HashMap<String, AttributeValue> = [(":pk".to_string(), s(keys::USERS_PK))].into();
        let mut filters = Vec::new();
        if let Some(search) = &query.search {
            values.insert(":search".into(), s(search.to_lowercase()));
            filters.push("contains(#search, :search)");
            names.insert("#search".into(), "search".into());
        }
        if !query.include_inactive {
            values.insert(":active".into(), AttributeValue::Bool(true));
            filters.push("#active = :active");
            names.insert("#active".into(), "active".into());
        }
        if query.staff {
            values.insert(":agent".into(), s("agent"));
            values.insert(":admin".into(), s("admin"));
            names.insert("#role".into(), "role".into());
            match &query.group {
                // The group's own staff: who a ticket of the group goes to.
                Some(group) => {
                    values.insert(":group".into(), s(group));
                    names.insert("#groups".into(), "groups".into());
                    filters.push("#role IN (:agent, :admin) AND contains(#groups, :group)");
                }
                None => filters.push("#role IN (:agent, :admin)"),
            }
        } else if let Some(group) = &query.group {
            values.insert(":group".into(), s(group));
            names.insert("#groups".into(), "groups".into());
            filters.push("contains(#groups, :group)");
        }
        let filter = (!filters.is_empty()).then(|| filters.join(" AND "));
        let start = query.cursor.as_deref().map(|c| decode_cursor(&key_attributes, PK, keys::USERS_PK, c)).transpose()?;
        let request = |start: Option<Item>, read: i32| {
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .limit(read)
                .set_exclusive_start_key(start)
        };
        read_page(query.limit, filter.is_some(), start, &key_attributes, request, |item| from_body(&item)).await
    }
}

/// Items read from an index with their keys, where the reading stopped (`None`: the end), and
/// how many queries it took.
pub(super) struct Batch<T> {
    pub(super) items: Vec<(Item, T)>,
    pub(super) resume: Option<Item>,
    pub(super) queries: usize,
}

/// Reads up to `limit` items: queries from `start`, reading ahead when a filter may drop items (a
/// query's limit counts items read before the filter), at most `max_queries` queries (at least
/// one). `resume` names the last item returned, or where the last query stopped.
pub(super) async fn read_batch<T>(
    limit: usize,
    filtered: bool,
    mut start: Option<Item>,
    max_queries: usize,
    key_attributes: &[&str],
    request: impl Fn(Option<Item>, i32) -> QueryFluentBuilder,
    decode: impl Fn(Item) -> Result<T, StoreError>,
) -> Result<Batch<T>, StoreError> {
    let mut items = Vec::new();
    let key = |item: &Item| -> Item { key_attributes.iter().filter_map(|k| Some((k.to_string(), item.get(*k)?.clone()))).collect() };
    let mut queries = 0;
    while queries < max_queries.max(1) {
        let wanted = limit - items.len();
        let read = if filtered { (wanted * 4).min(400) } else { wanted };
        let out = request(start.take(), read as i32).send().await.map_err(sdk)?;
        queries += 1;
        let found = out.items.unwrap_or_default();
        let found_count = found.len();
        for (i, item) in found.into_iter().enumerate() {
            let item_key = key(&item);
            items.push((item_key.clone(), decode(item)?));
            if items.len() == limit {
                let resume = if i + 1 < found_count { Some(item_key) } else { out.last_evaluated_key };
                return Ok(Batch { items, resume, queries });
            }
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(Batch { items, resume: None, queries });
        }
    }
    Ok(Batch { items, resume: start, queries })
}

/// One page of `limit` items (see [`read_batch`]); a short page with a cursor is a valid answer.
async fn read_page<T>(
    limit: usize,
    filtered: bool,
    start: Option<Item>,
    key_attributes: &[&str],
    request: impl Fn(Option<Item>, i32) -> QueryFluentBuilder,
    decode: impl Fn(Item) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    let batch = read_batch(limit, filtered, start, MAX_QUERIES_PER_PAGE, key_attributes, request, decode).await?;
    let next_cursor = batch.resume.as_ref().and_then(|k| encode_cursor(key_attributes, k));
    Ok(Page { items: batch.items.into_iter().map(|(_, t)| t).collect(), next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_exactly_a_non_empty_key_of_their_partition() {
        let attributes = index_key(BY_GROUP);
        let item: Item = [(PK, "TICKET#1"), (SK, "META"), (BY_GROUP.pk, "GRP#a"), (BY_GROUP.sk, "1#x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), s(v)))
            .collect();
        let cursor = encode_cursor(&attributes, &item).unwrap();
        assert_eq!(decode_cursor(&attributes, BY_GROUP.pk, "GRP#a", &cursor).unwrap(), item);
        assert!(decode_cursor(&attributes, BY_GROUP.pk, "GRP#b", &cursor).is_err(), "another partition");
        let forge = |key: serde_json::Value| URL_SAFE_NO_PAD.encode(key.to_string());
        let empty = forge(serde_json::json!({"PK": "", "SK": "", "GSI3PK": "GRP#a", "GSI3SK": ""}));
        assert!(matches!(decode_cursor(&attributes, BY_GROUP.pk, "GRP#a", &empty), Err(StoreError::InvalidCursor)), "empty key values");
        let long = forge(serde_json::json!({"PK": "x".repeat(2000), "SK": "y", "GSI3PK": "GRP#a", "GSI3SK": "z"}));
        assert!(decode_cursor(&attributes, BY_GROUP.pk, "GRP#a", &long).is_err(), "over-long key values");
        assert!(decode_cursor(&attributes, BY_GROUP.pk, "GRP#a", "not base64!").is_err());
    }
}
