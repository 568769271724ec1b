//! The queues: one order kept across the whole queue (docs/storage.md, "Secondary indexes"). The
//! queue indexes hold each (state, priority) run in due order; `sort=priority` reads the runs one
//! after another, `sort=due` merges a state's four runs by due time.

use super::DynamoStore;
use super::codec::Item;
use super::codec::{PK, SK};
use super::listing::{Batch, Filter, index_key, read_batch, ticket_filter};
use super::{
    codec::{from_item, s},
    sdk,
};
use crate::keys::{self, ALL_TICKETS, BY_ASSIGNEE, BY_GROUP, Index};
use crate::ports::{Page, StoreError};
use aws_sdk_dynamodb::types::Select;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpdesk_core::api::{QueueOrder, TicketQuery, TicketState, Total, UNASSIGNED};
use helpdesk_core::{Priority, Ticket};
use serde::{Deserialize, Serialize};

/// A cursor of a queue: the stage it is in and where each of the stage's runs stands.
#[derive(Debug, Serialize, Deserialize)]
struct QueueCursor {
    stage: usize,
    runs: Vec<RunFrom>,
}

/// Where one run of a stage reads from next. `After` holds the last ticket's queue key without
/// the run's prefix (`<due>#<created>#<id>`): the full key is rebuilt on the server, which keeps
/// cursors short whatever the partition's name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RunFrom {
    Start,
    After(String),
    Done,
}

/// The longest run position a cursor may carry: a due time, a creation time and an id.
const MAX_RUN_POSITION_CHARS: usize = 200;
/// The queries one queue page may make across its runs and stages; a page that runs out returns
/// short, with a cursor.
const QUERY_BUDGET: usize = 16;
/// The queries one count may make per partition before it answers "more than".
const COUNT_QUERIES: usize = 3;

/// The exclusive start key of a run from a position: the ticket item's key (its id ends the
/// position) and the index key.
fn start_key(index: Index, partition: &str, prefix: &str, position: &str) -> Result<Item, StoreError> {
    let id = position.rsplit('#').next().unwrap_or_default();
    if position.len() > MAX_RUN_POSITION_CHARS || !helpdesk_core::topic::is_plain_id(id) || id.is_empty() {
        return Err(StoreError::InvalidCursor);
    }
    Ok([
        (PK.to_string(), s(keys::ticket_pk(id))),
        (SK.to_string(), s(keys::TICKET_META_SK)),
        (index.pk.to_string(), s(partition)),
        (index.sk.to_string(), s(format!("{prefix}{position}"))),
    ]
    .into())
}

/// The position a key stands at within its run.
fn position_of(index: Index, prefix: &str, key: &Item) -> Option<String> {
    key.get(index.sk)?.as_s().ok()?.strip_prefix(prefix).map(str::to_string)
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

/// The most tickets a queue's total counts before it says "more than".
const TOTAL_CAP: u64 = 1000;

/// Where a queue reads: its index, partition and filter.
struct Source<'a> {
    index: Index,
    partition: &'a str,
    filter: &'a Filter,
}

impl DynamoStore {
    /// Up to `want` tickets of the run `prefix`, from `from`, in at most `max_queries` queries.
    async fn read_run(
        &self,
        source: &Source<'_>,
        prefix: &str,
        from: Option<Item>,
        want: usize,
        max_queries: usize,
    ) -> Result<Batch<Ticket>, StoreError> {
        let Source { index, partition, filter } = *source;
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
        read_batch(want, expression.is_some(), from, max_queries, &index_key(index), request, from_item).await
    }

    /// A page of a queue in its order across the whole queue: each stage's runs (one per
    /// priority) merged by due time, the stages one after another.
    pub(super) async fn list_queue_page(&self, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let (index, partition) = queue_index(query);
        let filter = ticket_filter(query, index);
        let stages = stages(query);
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
        let mut budget = QUERY_BUDGET;
        loop {
            let prefixes = &stages[stage];
            // Each run's batch; `None`: not read, the page's queries ran out first.
            let mut batches: Vec<Option<Batch<Ticket>>> = Vec::with_capacity(runs.len());
            for (prefix, from) in prefixes.iter().zip(&runs) {
                let batch = match from {
                    RunFrom::Done => Some(Batch { items: Vec::new(), resume: None, queries: 0 }),
                    _ if budget == 0 => None,
                    RunFrom::Start | RunFrom::After(_) => {
                        let start = match from {
                            RunFrom::After(position) => Some(start_key(index, &partition, prefix, position)?),
                            _ => None,
                        };
                        let source = Source { index, partition: &partition, filter: &filter };
                        let batch = self.read_run(&source, prefix, start, query.limit - items.len(), budget).await?;
                        budget = budget.saturating_sub(batch.queries);
                        Some(batch)
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
                let waiting = batches.iter().zip(&taken).any(|(b, &t)| b.as_ref().is_none_or(|b| t == b.items.len() && b.resume.is_some()));
                if waiting {
                    break true;
                }
                let next = batches
                    .iter()
                    .zip(&taken)
                    .enumerate()
                    .filter_map(|(run, (b, &t))| b.as_ref()?.items.get(t).map(|(_, ticket)| (keys::due_order_key(ticket), run)))
                    .min();
                let Some((_, run)) = next else { break false };
                if let Some(batch) = &batches[run] {
                    items.push(batch.items[taken[run]].1.clone());
                }
                taken[run] += 1;
            };
            for (run, batch) in batches.into_iter().enumerate() {
                let consumed = taken[run];
                // Not read, or read but not taken: the run reads from where it stood next time.
                let Some(batch) = batch.filter(|b| consumed > 0 || b.items.is_empty()) else { continue };
                let last_taken = (consumed > 0 && consumed < batch.items.len()).then(|| &batch.items[consumed - 1].0);
                runs[run] = match last_taken.or(batch.resume.as_ref()) {
                    Some(key) => RunFrom::After(
                        position_of(index, &prefixes[run], key).ok_or(StoreError::Backend("a queue key outside its run".into()))?,
                    ),
                    None => RunFrom::Done,
                };
            }
            let stage_done = runs.iter().all(|r| matches!(r, RunFrom::Done));
            if stage_done && stage + 1 < stages.len() {
                stage += 1;
                runs = vec![RunFrom::Start; stages[stage].len()];
                if items.len() < query.limit && !blocked && budget > 0 {
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

    /// How many tickets a queue holds, counted up to [`TOTAL_CAP`] and at most [`COUNT_QUERIES`]
    /// queries a partition: several groups are counted group by group on their own index, so a
    /// small group in a large helpdesk is not counted by filtering every ticket.
    pub(super) async fn count_queue_tickets(&self, query: &TicketQuery) -> Result<Total, StoreError> {
        let partitions: Vec<TicketQuery> = match (&query.assignee, query.groups.as_slice()) {
            (None, groups) if groups.len() > 1 => groups.iter().map(|g| TicketQuery { groups: vec![g.clone()], ..query.clone() }).collect(),
            _ => vec![query.clone()],
        };
        let mut total = Total { count: 0, more: false };
        for part in &partitions {
            let counted = self.count_partition(part).await?;
            total.count += counted.count;
            total.more |= counted.more;
            if total.count >= TOTAL_CAP {
                return Ok(Total { count: TOTAL_CAP, more: true });
            }
        }
        Ok(total)
    }

    async fn count_partition(&self, query: &TicketQuery) -> Result<Total, StoreError> {
        let (index, partition) = queue_index(query);
        let mut filter = ticket_filter(query, index);
        if let Some(p) = query.priority {
            filter.equal("priority", "priority", p.as_str().to_string());
        }
        let expression = filter.expression();
        let mut names = filter.names.clone();
        let mut values = filter.values.clone();
        names.insert("#pk".to_string(), index.pk.to_string());
        values.insert(":pk".into(), s(&partition));
        let key_condition = match states(query).as_slice() {
            [state] => {
                names.insert("#sk".to_string(), index.sk.to_string());
                values.insert(":state".into(), s(keys::state_prefix(*state)));
                "#pk = :pk AND begins_with(#sk, :state)"
            }
            _ => "#pk = :pk",
        };
        let mut count = 0;
        let mut start = None;
        for _ in 0..COUNT_QUERIES {
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
            if start.is_none() || count >= TOTAL_CAP {
                break;
            }
        }
        Ok(Total { count: count.min(TOTAL_CAP), more: start.is_some() })
    }
}
