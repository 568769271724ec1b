//! The Lambda entry point: the table's stream event source mapping invokes it with new outbox items.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use helpdesk_aws::{DynamoStore, EventBridgePublisher, config};
use lambda_runtime::{LambdaEvent, service_fn};
use relay::StreamRecord;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    helpdesk_aws::logging::init();
    let sdk = config::sdk_config().await;
    let store = DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?);
    let publisher =
        EventBridgePublisher::new(helpdesk_aws::aws_sdk_eventbridge::Client::new(&sdk), config::required(config::EVENT_BUS_NAME)?);
    let parts = Arc::new((store, publisher));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let parts = Arc::clone(&parts);
        async move {
            let records: Vec<StreamRecord> = event
                .payload
                .records
                .into_iter()
                .map(|r| StreamRecord {
                    sequence_number: r.change.sequence_number.unwrap_or_default(),
                    event_name: r.event_name,
                    keys: r.change.keys,
                })
                .collect();
            let relayed = relay::relay(&parts.0, &parts.1, &records).await;
            let mut response = DynamoDbEventResponse::default();
            if let Some((sequence, error)) = relayed.failed_at {
                tracing::error!(%error, published = relayed.published, "publishing failed: the stream retries from the first unpublished record");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(sequence);
                response.batch_item_failures.push(failure);
            } else {
                tracing::info!(published = relayed.published, skipped = relayed.skipped, "relayed");
            }
            Ok::<_, lambda_runtime::Error>(response)
        }
    }))
    .await
}
