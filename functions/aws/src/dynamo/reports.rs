//! Report buckets on DynamoDB: per dimension and month one partition (`REPORT#<dimension>#<month>`)
//! whose items are the days' buckets (`<day>#<group>#<topic>#<value>`), counters as top-level
//! number attributes so a change is one `ADD`; and per ticket a `REPORTED` item holding what its
//! figures added last and how many times it was applied, the condition every application of a
//! change is written under.

use super::codec::{Item, PK, SK, s};
use super::{DynamoStore, TransactionFailure, sdk};
use crate::keys;
use crate::ports::{Reports, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update, WriteRequest};
use chrono::{Datelike, NaiveDate};
use helpdesk_core::reports::{BucketKey, Contribution, Counters, Dimension, Histogram, ReportQuery};
use helpdesk_core::sla::TargetKind;

/// A transaction's limit (100 items) less the ticket's own record.
pub const MAX_BUCKETS_PER_CHANGE: usize = 99;

const FIRST_RESPONSE_BIN: &str = "frt_";
const RESOLUTION_BIN: &str = "res_";
const BREACH: &str = "breach_";
const MET: &str = "met_";

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The counters as attribute name → value, zeros left out.
fn attributes(c: &Counters) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = [
        ("created", c.created),
        ("first_responses", c.first_responses),
        ("resolved", c.resolved),
        ("reopened", c.reopened),
        ("rated_good", c.rated_good),
        ("rated_bad", c.rated_bad),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    out.extend(c.breaches.iter().map(|(t, v)| (format!("{BREACH}{}", helpdesk_core::wire_name(t)), *v)));
    out.extend(c.met.iter().map(|(t, v)| (format!("{MET}{}", helpdesk_core::wire_name(t)), *v)));
    out.extend(c.first_response.bins.iter().map(|(b, v)| (format!("{FIRST_RESPONSE_BIN}{b}"), *v)));
    out.extend(c.resolution.bins.iter().map(|(b, v)| (format!("{RESOLUTION_BIN}{b}"), *v)));
    out.retain(|(_, v)| *v != 0);
    out
}

fn counters_of(item: &Item) -> Counters {
    let mut c = Counters::default();
    for (name, value) in item {
        let Some(v) = value.as_n().ok().and_then(|v| v.parse::<i64>().ok()) else { continue };
        match name.as_str() {
            "created" => c.created = v,
            "first_responses" => c.first_responses = v,
            "resolved" => c.resolved = v,
            "reopened" => c.reopened = v,
            "rated_good" => c.rated_good = v,
            "rated_bad" => c.rated_bad = v,
            other => {
                if let Some(bin) = other.strip_prefix(FIRST_RESPONSE_BIN).and_then(|b| b.parse().ok()) {
                    c.first_response.bins.insert(bin, v);
                } else if let Some(bin) = other.strip_prefix(RESOLUTION_BIN).and_then(|b| b.parse().ok()) {
                    c.resolution.bins.insert(bin, v);
                } else if let Some(target) = other.strip_prefix(BREACH).and_then(target_of) {
                    c.breaches.insert(target, v);
                } else if let Some(target) = other.strip_prefix(MET).and_then(target_of) {
                    c.met.insert(target, v);
                }
            }
        }
    }
    let clean = |h: &mut Histogram| h.bins.retain(|_, v| *v != 0);
    clean(&mut c.first_response);
    clean(&mut c.resolution);
    c.breaches.retain(|_, v| *v != 0);
    c.met.retain(|_, v| *v != 0);
    c
}

fn target_of(name: &str) -> Option<TargetKind> {
    serde_json::from_value(serde_json::Value::String(name.into())).ok()
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn key_of(item: &Item) -> Option<BucketKey> {
    let dimension = serde_json::from_value::<Dimension>(serde_json::Value::String(text(item, "dimension")?)).ok()?;
    Some(BucketKey {
        dimension,
        day: text(item, "day")?.parse().ok()?,
        group: text(item, "group")?,
        topic: text(item, "topic")?,
        value: text(item, "value")?,
    })
}

/// The first day of each month from `from`'s to `to`'s.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        out.push(month);
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
    }
    out
}

/// What a bucket is, beside the key that spells it (read back without parsing the key).
fn labels(key: &BucketKey) -> [(&'static str, AttributeValue); 6] {
    [
        ("entity", s(keys::entity::REPORT_BUCKET)),
        ("dimension", s(helpdesk_core::wire_name(&key.dimension))),
        ("day", s(key.day.to_string())),
        ("group", s(&key.group)),
        ("topic", s(&key.topic)),
        ("value", s(&key.value)),
    ]
}

/// A ticket's record: what its figures added, and how many times a change was applied.
fn reported_item(ticket: &str, applied: u64, contribution: &Contribution) -> Result<Item, StoreError> {
    let pairs: Vec<(&BucketKey, &Counters)> = contribution.iter().collect();
    Ok([
        (PK.to_string(), s(keys::ticket_pk(ticket))),
        (SK.to_string(), s(keys::REPORTED_SK)),
        (keys::ENTITY_ATTRIBUTE.to_string(), s(keys::entity::REPORTED)),
        ("applied".to_string(), n(applied as i64)),
        ("body".to_string(), s(serde_json::to_string(&pairs).map_err(super::backend)?)),
    ]
    .into())
}

fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    let put = aws_sdk_dynamodb::types::PutRequest::builder().set_item(Some(item)).build().map_err(super::backend)?;
    Ok(WriteRequest::builder().put_request(put).build())
}

impl DynamoStore {
    fn bucket_update(&self, key: &BucketKey, delta: &Counters) -> Result<TransactWriteItem, StoreError> {
        let adds = attributes(delta);
        let mut update =
            Update::builder().table_name(&self.table).key(PK, s(keys::report_pk(key.dimension, key.day))).key(SK, s(keys::report_sk(key)));
        let mut add = Vec::new();
        for (i, (name, value)) in adds.iter().enumerate() {
            add.push(format!("#a{i} :a{i}"));
            update = update.expression_attribute_names(format!("#a{i}"), name).expression_attribute_values(format!(":a{i}"), n(*value));
        }
        let mut set = Vec::new();
        for (i, (name, value)) in labels(key).into_iter().enumerate() {
            set.push(format!("#l{i} = :l{i}"));
            update = update.expression_attribute_names(format!("#l{i}"), name).expression_attribute_values(format!(":l{i}"), value);
        }
        let expression =
            if add.is_empty() { format!("SET {}", set.join(", ")) } else { format!("SET {} ADD {}", set.join(", "), add.join(", ")) };
        Ok(TransactWriteItem::builder().update(update.update_expression(expression).build().map_err(super::backend)?).build())
    }

    /// Buckets written whole, in batches (a rebuild's sums, or a benchmark's history): each
    /// replaces what its key held. Only over cleared buckets with no consumer running, as a
    /// rebuild is (docs/reports.md).
    pub async fn put_report_buckets(&self, buckets: &Contribution) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(buckets.len());
        for (key, counters) in buckets {
            let mut item: Item =
                [(PK.to_string(), s(keys::report_pk(key.dimension, key.day))), (SK.to_string(), s(keys::report_sk(key)))].into();
            item.extend(labels(key).into_iter().map(|(name, value)| (name.to_string(), value)));
            item.extend(attributes(counters).into_iter().map(|(name, value)| (name, n(value))));
            requests.push(put_request(item)?);
        }
        self.batch_write(requests).await
    }

    /// Tickets' records as a rebuild leaves them (each applied once), in batches.
    pub async fn put_reported(&self, records: &[(String, Contribution)]) -> Result<(), StoreError> {
        let requests = records.iter().map(|(ticket, c)| reported_item(ticket, 1, c).and_then(put_request)).collect::<Result<_, _>>()?;
        self.batch_write(requests).await
    }

    /// Every report item (buckets and tickets' records), deleted: a rebuild starts from nothing.
    pub async fn clear_reports(&self) -> Result<usize, StoreError> {
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("#entity IN (:bucket, :reported)")
            .expression_attribute_names("#entity", keys::ENTITY_ATTRIBUTE)
            .expression_attribute_values(":bucket", s(keys::entity::REPORT_BUCKET))
            .expression_attribute_values(":reported", s(keys::entity::REPORTED))
            .projection_expression("PK, SK")
            .into_paginator()
            .items()
            .send();
        let mut deletes = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(sdk)?;
            let (Some(pk), Some(sk)) = (item.get(PK), item.get(SK)) else { continue };
            let delete = aws_sdk_dynamodb::types::DeleteRequest::builder()
                .key(PK, pk.clone())
                .key(SK, sk.clone())
                .build()
                .map_err(super::backend)?;
            deletes.push(WriteRequest::builder().delete_request(delete).build());
        }
        let removed = deletes.len();
        self.batch_write(deletes).await?;
        Ok(removed)
    }
}

impl Reports for DynamoStore {
    async fn reported(&self, ticket: &str) -> Result<Option<(u64, Contribution)>, StoreError> {
        let Some(item) = self.get(keys::ticket_pk(ticket), keys::REPORTED_SK.into()).await? else { return Ok(None) };
        let applied = item.get("applied").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        let body = text(&item, "body").unwrap_or_default();
        let pairs: Vec<(BucketKey, Counters)> = serde_json::from_str(&body).map_err(super::backend)?;
        Ok(Some((applied, pairs.into_iter().collect())))
    }

    async fn apply_report(
        &self,
        ticket: &str,
        previous: Option<u64>,
        contribution: &Contribution,
        delta: &Contribution,
    ) -> Result<(), StoreError> {
        if delta.len() > MAX_BUCKETS_PER_CHANGE {
            return Err(StoreError::Backend(format!(
                "ticket {ticket}: {} report buckets in one change, at most {MAX_BUCKETS_PER_CHANGE}",
                delta.len()
            )));
        }
        let item = reported_item(ticket, previous.unwrap_or(0) + 1, contribution)?;
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        put = match previous {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(p) => put
                .condition_expression("#applied = :previous")
                .expression_attribute_names("#applied", "applied")
                .expression_attribute_values(":previous", n(p as i64)),
        };
        let mut writes = vec![TransactWriteItem::builder().put(put.build().map_err(super::backend)?).build()];
        for (key, counters) in delta {
            writes.push(self.bucket_update(key, counters)?);
        }
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Condition(_)) | Err(TransactionFailure::Raced) => {
                let current = self.reported(ticket).await?.map_or(0, |(v, _)| v);
                Err(StoreError::VersionConflict { current })
            }
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }

    async fn deflections(&self, from: NaiveDate, to: NaiveDate) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
        let mut out = std::collections::BTreeMap::new();
        for item in self.days_of(keys::deflections_pk, from, to).await? {
            let topic = item.get(SK).and_then(|v| v.as_s().ok()).and_then(|sk| sk.split_once('#')).map(|(_, t)| t.to_string());
            let count = item.get("deflections").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok()).unwrap_or(0);
            if let Some(topic) = topic {
                *out.entry(topic).or_default() += count;
            }
        }
        Ok(out)
    }

    async fn report_buckets(&self, query: &ReportQuery) -> Result<Vec<(BucketKey, Counters)>, StoreError> {
        let items = self.days_of(|month| keys::report_pk(query.dimension, month), query.from, query.to).await?;
        Ok(items.iter().filter_map(|item| key_of(item).filter(|k| query.takes(k)).map(|key| (key, counters_of(item)))).collect())
    }
}

impl DynamoStore {
    /// The items of per-month partitions (`pk_of` a month's first day) whose sort keys start with
    /// a day from `from` to `to`, both included: one query per month the range touches.
    async fn days_of(&self, pk_of: impl Fn(NaiveDate) -> String, from: NaiveDate, to: NaiveDate) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        for month in months(from, to) {
            let mut pages = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(pk_of(month)))
                .expression_attribute_values(":from", s(from.format("%Y-%m-%d").to_string()))
                // `~` sorts after every character a key holds: the whole last day.
                .expression_attribute_values(":to", s(format!("{}~", to.format("%Y-%m-%d"))))
                .into_paginator()
                .items()
                .send();
            while let Some(item) = pages.next().await {
                out.push(item.map_err(sdk)?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip_through_attributes() {
        let mut c = Counters { created: 2, resolved: 1, reopened: -1, rated_bad: 1, ..Default::default() };
        c.breaches.insert(TargetKind::FirstResponse, 1);
        c.met.insert(TargetKind::Resolution, 2);
        c.first_response.add(42);
        c.resolution.add(600);
        let item: Item = attributes(&c).into_iter().map(|(k, v)| (k, n(v))).collect();
        assert_eq!(counters_of(&item), c);
        let months = months("2026-01-31".parse().unwrap(), "2026-03-01".parse().unwrap());
        assert_eq!(months.len(), 3);
    }
}
