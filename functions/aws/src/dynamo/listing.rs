//! Lists read page by page: tickets through the index their filters pick, people through the
//! directory partition. A cursor is the key of the last item returned, as base64url JSON, and is
//! checked against the index and partition it is used with.

use super::codec::{Item, PK, SK, from_body, from_item, s};
use super::{DynamoStore, sdk};
use crate::keys::{self, ALL_TICKETS, BY_ASSIGNEE, BY_GROUP, BY_REQUESTER, Index};
use crate::ports::{Listing, Page, StoreError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::Select;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpdesk_core::api::{PeopleQuery, QueueOrder, TicketQuery, TicketState, Total, UNASSIGNED};
use helpdesk_core::user::User;
use helpdesk_core::{Priority, Status, Ticket};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Queries one list request may make before it returns a short page with a cursor.
const MAX_QUERIES_PER_PAGE: usize = 10;
/// The longest key value a cursor may carry (DynamoDB's sort keys stop at 1 KiB).
const MAX_CURSOR_VALUE_BYTES: usize = 1024;

/// A cursor of a queue: the stage it is in and where each of the stage's runs stands.
#[derive(Debug, Serialize, Deserialize)]
struct QueueCursor {
    stage: usize,
    runs: Vec<RunFrom>,
}

/// Where one run of a stage reads from next.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RunFrom {
    Start,
    After(BTreeMap<String, String>),
    Done,
}

/// The index and partition a queue reads: the assignee's, else the one group's, else all tickets
/// (several groups are then a filter).
fn queue_index(query: &TicketQuery) -> (Index, String) {
    match (&query.assignee, query.groups.as_slice()) {
        (Some(a), _) => (BY_ASSIGNEE, keys::assignee_partition(Some(a.as_str()).filter(|a| *a != UNASSIGNED))),
        (None, [group]) => (BY_GROUP, keys::group_partition(group)),
        (None, _) => (ALL_TICKETS, keys::ALL_TICKETS_PARTITION.to_string()),
    }
}

/// The parts of the lifecycle a query covers, in list order.
fn states(query: &TicketQuery) -> Vec<TicketState> {
    match (query.status, query.state) {
        (Some(status), _) => vec![TicketState::of(status)],
        (None, Some(state)) => vec![state],
        (None, None) => vec![TicketState::Open, TicketState::Done],
    }
}

/// The runs of a queue (key prefixes), stage by stage: within a stage the runs are merged in due
/// order; the stages follow each other. Priority order reads one run per stage, urgent first.
fn stages(query: &TicketQuery) -> Vec<Vec<String>> {
    let priorities: Vec<Priority> = match query.priority {
        Some(p) => vec![p],
        None => Priority::ALL.into_iter().rev().collect(),
    };
    let mut stages = Vec::new();
    for state in states(query) {
        let runs = priorities.iter().map(|p| keys::queue_run_prefix(state, *p));
        match query.sort {
            QueueOrder::Due => stages.push(runs.collect()),
            QueueOrder::Priority => stages.extend(runs.map(|run| vec![run])),
        }
    }
    stages
}

/// The filter expression of a ticket list, with its names and values.
#[derive(Default)]
struct Filter {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    clauses: Vec<String>,
}

impl Filter {
    fn equal(&mut self, name: &str, attribute: &str, value: String) {
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

    fn expression(&self) -> Option<String> {
        (!self.clauses.is_empty()).then(|| self.clauses.join(" AND "))
    }
}

/// What every ticket list filters on besides its keys: plain attributes of the ticket item.
fn ticket_filter(query: &TicketQuery, index: Index) -> Filter {
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

fn index_key(index: Index) -> [&'static str; 4] {
    [PK, SK, index.pk, index.sk]
}

/// The most tickets a queue's total counts before it says "more than".
const TOTAL_CAP: u64 = 1000;

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
    async fn read_run(
        &self,
        index: Index,
        partition: &str,
        prefix: &str,
        filter: &Filter,
        from: Option<Item>,
        want: usize,
    ) -> Result<Batch<Ticket>, StoreError> {
        let mut names = filter.names.clone();
        let mut values = filter.values.clone();
        names.extend([("#pk".to_string(), index.pk.to_string()), ("#sk".to_string(), index.sk.to_string())]);
        values.extend([(":pk".to_string(), s(partition)), (":run".to_string(), s(prefix))]);
        let expression = filter.expression();
        let request = |start: Option<Item>, read: i32| {
            self.client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :run)")
                .set_filter_expression(expression.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .limit(read)
                .set_exclusive_start_key(start)
        };
        read_batch(want, expression.is_some(), from, &index_key(index), request, from_item).await
    }

    /// A page of a queue in its order across the whole queue: each stage's runs (one per
    /// priority) merged by due time, the stages one after another.
    async fn list_queue_page(&self, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let (index, partition) = queue_index(query);
        let filter = ticket_filter(query, index);
        let stages = stages(query);
        let key_attributes = index_key(index);
        let (mut stage, mut runs) = match query.cursor.as_deref() {
            None => (0, vec![RunFrom::Start; stages[0].len()]),
            Some(cursor) => {
                let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
                let cursor: QueueCursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
                let fits = stages.get(cursor.stage).is_some_and(|runs| runs.len() == cursor.runs.len());
                if !fits {
                    return Err(StoreError::InvalidCursor);
                }
                (cursor.stage, cursor.runs)
            }
        };
        let mut items = Vec::new();
        let mut queries = 0;
        loop {
            let prefixes = &stages[stage];
            let mut batches = Vec::with_capacity(runs.len());
            for (prefix, from) in prefixes.iter().zip(&runs) {
                let batch = match from {
                    RunFrom::Done => Batch { items: Vec::new(), resume: None },
                    RunFrom::Start | RunFrom::After(_) => {
                        let start = match from {
                            RunFrom::After(key) => {
                                let key = checked_key(&key_attributes, index.pk, &partition, key.clone())?;
                                let in_run =
                                    key.get(index.sk).and_then(|v| v.as_s().ok()).is_some_and(|sk| sk.starts_with(prefix.as_str()));
                                if !in_run {
                                    return Err(StoreError::InvalidCursor);
                                }
                                Some(key)
                            }
                            _ => None,
                        };
                        queries += 1;
                        self.read_run(index, &partition, prefix, &filter, start, query.limit - items.len()).await?
                    }
                };
                batches.push(batch);
            }
            // Merge: take the smallest head while every unfinished run has one to compare.
            let mut taken = vec![0usize; batches.len()];
            let blocked = loop {
                if items.len() == query.limit {
                    break false;
                }
                let waiting = batches.iter().zip(&taken).any(|(b, &t)| t == b.items.len() && b.resume.is_some());
                if waiting {
                    break true;
                }
                let next = batches
                    .iter()
                    .zip(&taken)
                    .enumerate()
                    .filter_map(|(run, (b, &t))| b.items.get(t).map(|(_, ticket)| (keys::due_order_key(ticket), run)))
                    .min();
                let Some((_, run)) = next else { break false };
                items.push(batches[run].items[taken[run]].1.clone());
                taken[run] += 1;
            };
            for (run, batch) in batches.into_iter().enumerate() {
                let consumed = taken[run];
                // Read but not taken: the run reads them again on the next page.
                if consumed == 0 && !batch.items.is_empty() {
                    continue;
                }
                let last_taken = (consumed > 0 && consumed < batch.items.len()).then(|| &batch.items[consumed - 1].0);
                runs[run] = match last_taken.or(batch.resume.as_ref()) {
                    Some(key) => key_of(&key_attributes, key).map_or(RunFrom::Done, RunFrom::After),
                    None => RunFrom::Done,
                };
            }
            let stage_done = runs.iter().all(|r| matches!(r, RunFrom::Done));
            if stage_done && stage + 1 < stages.len() {
                stage += 1;
                runs = vec![RunFrom::Start; stages[stage].len()];
                if items.len() < query.limit && !blocked && queries < MAX_QUERIES_PER_PAGE {
                    continue;
                }
            }
            let next_cursor = if runs.iter().all(|r| matches!(r, RunFrom::Done)) {
                None
            } else {
                serde_json::to_vec(&QueueCursor { stage, runs }).ok().map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
            };
            return Ok(Page { items, next_cursor });
        }
    }

    /// How many tickets a queue holds, counted up to [`TOTAL_CAP`].
    pub(super) async fn count_queue_tickets(&self, query: &TicketQuery) -> Result<Total, StoreError> {
        let (index, partition) = queue_index(query);
        let mut filter = ticket_filter(query, index);
        if let Some(p) = query.priority {
            filter.equal("priority", "priority", p.as_str().to_string());
        }
        let expression = filter.expression();
        let mut names = filter.names.clone();
        let mut values = filter.values.clone();
        names.extend([("#pk".to_string(), index.pk.to_string()), ("#sk".to_string(), index.sk.to_string())]);
        values.insert(":pk".into(), s(&partition));
        let key_condition = match states(query).as_slice() {
            [state] => {
                values.insert(":state".into(), s(keys::state_prefix(*state)));
                "#pk = :pk AND begins_with(#sk, :state)"
            }
            _ => {
                names.remove("#sk");
                "#pk = :pk"
            }
        };
        let mut count = 0;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .key_condition_expression(key_condition)
                .set_filter_expression(expression.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .select(Select::Count)
                .limit(TOTAL_CAP as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk)?;
            count += out.count as u64;
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(Total { count, more: false });
            }
            if count >= TOTAL_CAP {
                return Ok(Total { count, more: true });
            }
        }
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

/// Items read from an index with their keys, and where the reading stopped (`None`: the end).
struct Batch<T> {
    items: Vec<(Item, T)>,
    resume: Option<Item>,
}

/// Reads up to `limit` items: queries from `start`, reading ahead when a filter may drop items (a
/// query's limit counts items read before the filter), at most [`MAX_QUERIES_PER_PAGE`] queries.
/// `resume` names the last item returned, or where the last query stopped.
async fn read_batch<T>(
    limit: usize,
    filtered: bool,
    mut start: Option<Item>,
    key_attributes: &[&str],
    request: impl Fn(Option<Item>, i32) -> QueryFluentBuilder,
    decode: impl Fn(Item) -> Result<T, StoreError>,
) -> Result<Batch<T>, StoreError> {
    let mut items = Vec::new();
    let key = |item: &Item| -> Item { key_attributes.iter().filter_map(|k| Some((k.to_string(), item.get(*k)?.clone()))).collect() };
    for _ in 0..MAX_QUERIES_PER_PAGE {
        let wanted = limit - items.len();
        let read = if filtered { (wanted * 4).min(400) } else { wanted };
        let out = request(start.take(), read as i32).send().await.map_err(sdk)?;
        let found = out.items.unwrap_or_default();
        let found_count = found.len();
        for (i, item) in found.into_iter().enumerate() {
            let item_key = key(&item);
            items.push((item_key.clone(), decode(item)?));
            if items.len() == limit {
                let resume = if i + 1 < found_count { Some(item_key) } else { out.last_evaluated_key };
                return Ok(Batch { items, resume });
            }
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(Batch { items, resume: None });
        }
    }
    Ok(Batch { items, resume: start })
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
    let batch = read_batch(limit, filtered, start, key_attributes, request, decode).await?;
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
