//! The queues: one order kept across the whole queue (docs/storage.md, "Secondary indexes"). The
//! queue indexes hold each (state, priority) run in due order; `sort=priority` reads the runs one
//! after another, `sort=due` merges a state's four runs by due time.

use super::DynamoStore;
use super::codec::Item;
use super::listing::{Batch, Filter, MAX_QUERIES_PER_PAGE, checked_key, index_key, key_of, read_batch, ticket_filter};
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
use std::collections::BTreeMap;

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

/// The most tickets a queue's total counts before it says "more than".
const TOTAL_CAP: u64 = 1000;

impl DynamoStore {
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
    pub(super) async fn list_queue_page(&self, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
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
}
