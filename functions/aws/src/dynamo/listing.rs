//! Lists read page by page: tickets through the index their filters pick, people through the
//! directory partition. A cursor is the key of the last item returned, as base64url JSON, and is
//! checked against the index and partition it is used with.

use super::codec::{Item, PK, SK, from_body, from_item, s};
use super::{DynamoStore, sdk};
use crate::keys::{self, ALL_TICKETS, BY_ASSIGNEE, BY_GROUP, BY_REQUESTER, Index};
use crate::ports::{Listing, Page, StoreError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpdesk_core::Ticket;
use helpdesk_core::api::{PeopleQuery, TicketQuery, UNASSIGNED};
use helpdesk_core::user::User;
use std::collections::{BTreeMap, HashMap};

/// Queries one list request may make before it returns a short page with a cursor.
const MAX_QUERIES_PER_PAGE: usize = 10;
/// The longest key value a cursor may carry (DynamoDB's sort keys stop at 1 KiB).
const MAX_CURSOR_VALUE_BYTES: usize = 1024;

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

fn encode_cursor(attributes: &[&str], item: &Item) -> Option<String> {
    let key: BTreeMap<&str, &str> = attributes.iter().map(|k| Some((*k, item.get(*k)?.as_s().ok()?.as_str()))).collect::<Option<_>>()?;
    Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key).ok()?))
}

/// The key a cursor names: exactly `attributes`, each a non-empty string of bounded length, and
/// `partition_attribute` equal to the partition being listed.
fn decode_cursor(attributes: &[&str], partition_attribute: &str, partition: &str, cursor: &str) -> Result<Item, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    let key: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let well_formed = key.len() == attributes.len()
        && attributes.iter().all(|k| key.get(*k).is_some_and(|v| !v.is_empty() && v.len() <= MAX_CURSOR_VALUE_BYTES))
        && key.get(partition_attribute).is_some_and(|p| p == partition);
    if !well_formed {
        return Err(StoreError::InvalidCursor);
    }
    Ok(key.into_iter().map(|(k, v)| (k, s(v))).collect())
}

fn index_key(index: Index) -> [&'static str; 4] {
    [PK, SK, index.pk, index.sk]
}

impl DynamoStore {
    pub(super) async fn list_ticket_page(&self, listing: Listing<'_>, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
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
        let key_attributes = index_key(index);
        let start = query.cursor.as_deref().map(|c| decode_cursor(&key_attributes, index.pk, &partition, c)).transpose()?;
        let newest_first = matches!(listing, Listing::OfRequester(_));
        let request = |start: Option<Item>, read: i32| {
            self.client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .key_condition_expression(&key_condition)
                .set_filter_expression(filter.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(!newest_first)
                .limit(read)
                .set_exclusive_start_key(start)
        };
        read_page(query.limit, filter.is_some(), start, &key_attributes, request, from_item).await
    }

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
                // Agents of the group, and admins (they may take any ticket).
                Some(group) => {
                    values.insert(":group".into(), s(group));
                    names.insert("#groups".into(), "groups".into());
                    filters.push("((#role = :agent AND contains(#groups, :group)) OR #role = :admin)");
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

/// Reads one page of `limit` items: queries from `start`, reading ahead when a filter may drop
/// items (a query's limit counts items read before the filter), at most [`MAX_QUERIES_PER_PAGE`]
/// queries; a short page with a cursor is then a valid answer. The cursor names the last item
/// returned, or where the last query stopped.
async fn read_page<T>(
    limit: usize,
    filtered: bool,
    mut start: Option<Item>,
    key_attributes: &[&str],
    request: impl Fn(Option<Item>, i32) -> QueryFluentBuilder,
    decode: impl Fn(Item) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    let mut items = Vec::new();
    for _ in 0..MAX_QUERIES_PER_PAGE {
        let wanted = limit - items.len();
        let read = if filtered { (wanted * 4).min(400) } else { wanted };
        let out = request(start.take(), read as i32).send().await.map_err(sdk)?;
        let found = out.items.unwrap_or_default();
        let found_count = found.len();
        for (i, item) in found.into_iter().enumerate() {
            let cursor = encode_cursor(key_attributes, &item);
            items.push(decode(item)?);
            if items.len() == limit {
                let next_cursor = if i + 1 < found_count {
                    cursor
                } else {
                    out.last_evaluated_key.as_ref().and_then(|k| encode_cursor(key_attributes, k))
                };
                return Ok(Page { items, next_cursor });
            }
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(Page { items, next_cursor: None });
        }
    }
    Ok(Page { items, next_cursor: start.as_ref().and_then(|k| encode_cursor(key_attributes, k)) })
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
