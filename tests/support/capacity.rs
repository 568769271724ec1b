//! What a DynamoDB client's calls cost, as DynamoDB counts it: an interceptor asks every read and
//! write for its consumed capacity (`ReturnConsumedCapacity: INDEXES`, table and each index
//! apart) and adds up the answers, with the items read. The benchmarks read it to price a
//! workload; DynamoDB Local computes capacity as DynamoDB does (item size rounded up to 4 KB a
//! read unit and 1 KB a write unit, twice inside a transaction, each index written once more).

use aws_sdk_dynamodb::config::interceptors::{AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation as op;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use std::sync::{Arc, Mutex};

/// The sums so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub calls: u64,
    pub read_units: f64,
    pub write_units: f64,
    /// Of the write units, those that copied items into the table's indexes.
    pub index_write_units: f64,
    /// Items a read looked at (a query's scanned count, a get's item).
    pub items_read: u64,
}

impl std::ops::Sub for Usage {
    type Output = Usage;
    fn sub(self, before: Usage) -> Usage {
        Usage {
            calls: self.calls - before.calls,
            read_units: self.read_units - before.read_units,
            write_units: self.write_units - before.write_units,
            index_write_units: self.index_write_units - before.index_write_units,
            items_read: self.items_read - before.items_read,
        }
    }
}

/// The interceptor; clones share one sum.
#[derive(Debug, Clone, Default)]
pub struct CapacityMeter(Arc<Mutex<Usage>>);

impl CapacityMeter {
    pub fn usage(&self) -> Usage {
        self.0.lock().map(|u| *u).unwrap_or_default()
    }

    /// A client over `sdk` whose calls this meter counts.
    pub fn client(&self, sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(self.clone()).build())
    }

    fn add(&self, read: &[ConsumedCapacity], write: &[ConsumedCapacity], items_read: u64) {
        let units = |c: &[ConsumedCapacity]| c.iter().map(|c| c.capacity_units.unwrap_or(0.0)).sum::<f64>();
        let index_units = |c: &[ConsumedCapacity]| {
            let indexes = c.iter().flat_map(|c| c.global_secondary_indexes.iter().flat_map(|i| i.values()));
            indexes.map(|i| i.capacity_units.unwrap_or(0.0)).sum::<f64>()
        };
        if let Ok(mut usage) = self.0.lock() {
            usage.calls += 1;
            usage.read_units += units(read);
            usage.write_units += units(write);
            usage.index_write_units += index_units(write);
            usage.items_read += items_read;
        }
    }
}

/// Sets `return_consumed_capacity` on whichever of these inputs `$input` is.
macro_rules! ask_capacity {
    ($input:expr, $($kind:ty),+) => {
        $(if let Some(input) = $input.downcast_mut::<$kind>() {
            input.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
        })+
    };
}

impl Intercept for CapacityMeter {
    fn name(&self) -> &'static str {
        "CapacityMeter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        ask_capacity!(
            input,
            op::get_item::GetItemInput,
            op::query::QueryInput,
            op::scan::ScanInput,
            op::batch_get_item::BatchGetItemInput,
            op::transact_get_items::TransactGetItemsInput,
            op::put_item::PutItemInput,
            op::update_item::UpdateItemInput,
            op::delete_item::DeleteItemInput,
            op::batch_write_item::BatchWriteItemInput,
            op::transact_write_items::TransactWriteItemsInput
        );
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else { return Ok(()) };
        if let Some(o) = output.downcast_ref::<op::get_item::GetItemOutput>() {
            self.add(o.consumed_capacity.as_slice(), &[], u64::from(o.item.is_some()));
        } else if let Some(o) = output.downcast_ref::<op::query::QueryOutput>() {
            self.add(o.consumed_capacity.as_slice(), &[], o.scanned_count.max(0) as u64);
        } else if let Some(o) = output.downcast_ref::<op::scan::ScanOutput>() {
            self.add(o.consumed_capacity.as_slice(), &[], o.scanned_count.max(0) as u64);
        } else if let Some(o) = output.downcast_ref::<op::batch_get_item::BatchGetItemOutput>() {
            let items = o.responses.iter().flat_map(|r| r.values()).map(|items| items.len() as u64).sum();
            self.add(o.consumed_capacity.as_deref().unwrap_or_default(), &[], items);
        } else if let Some(o) = output.downcast_ref::<op::transact_get_items::TransactGetItemsOutput>() {
            let items = o.responses.iter().flatten().filter(|r| r.item.is_some()).count() as u64;
            self.add(o.consumed_capacity.as_deref().unwrap_or_default(), &[], items);
        } else if let Some(o) = output.downcast_ref::<op::put_item::PutItemOutput>() {
            self.add(&[], o.consumed_capacity.as_slice(), 0);
        } else if let Some(o) = output.downcast_ref::<op::update_item::UpdateItemOutput>() {
            self.add(&[], o.consumed_capacity.as_slice(), 0);
        } else if let Some(o) = output.downcast_ref::<op::delete_item::DeleteItemOutput>() {
            self.add(&[], o.consumed_capacity.as_slice(), 0);
        } else if let Some(o) = output.downcast_ref::<op::batch_write_item::BatchWriteItemOutput>() {
            self.add(&[], o.consumed_capacity.as_deref().unwrap_or_default(), 0);
        } else if let Some(o) = output.downcast_ref::<op::transact_write_items::TransactWriteItemsOutput>() {
            self.add(&[], o.consumed_capacity.as_deref().unwrap_or_default(), 0);
        }
        Ok(())
    }
}

/// Counts any SDK client's calls by service and operation (`S3.PutObject`), for the requests an
/// AWS bill charges by count (S3, EventBridge, SES, SNS).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Mutex<std::collections::BTreeMap<String, u64>>>);

impl CallCounter {
    /// The calls of `service` whose operation starts with one of `prefixes`.
    pub fn of(&self, service: &str, prefixes: &[&str]) -> u64 {
        let Ok(counts) = self.0.lock() else { return 0 };
        let wanted = |key: &String| key.split_once('.').is_some_and(|(s, op)| s == service && prefixes.iter().any(|p| op.starts_with(p)));
        counts.iter().filter(|(key, _)| wanted(key)).map(|(_, n)| n).sum()
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Each attempt that goes out is a request AWS charges (a presigned URL never goes out here).
    fn read_before_transmit(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            && let Ok(mut counts) = self.0.lock()
        {
            *counts.entry(format!("{}.{}", metadata.service(), metadata.name())).or_default() += 1;
        }
        Ok(())
    }
}
