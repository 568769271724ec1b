//! The Lambda entry point: batches from the reports queue (the bus rule's), or `{"rebuild": true}`
//! invoked directly to recompute every bucket from the tickets' logs.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use helpdesk_aws::{DynamoStore, config};
use lambda_runtime::{LambdaEvent, service_fn};
use reports::{apply, rebuild, ticket_of};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    helpdesk_aws::logging::init();
    let sdk = config::sdk_config().await;
    let store = Arc::new(DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?));
    let zone = config::report_time_zone()?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let store = Arc::clone(&store);
        async move {
            if event.payload.get("rebuild").and_then(|v| v.as_bool()) == Some(true) {
                let tickets = rebuild(&store, zone).await?;
                return Ok::<_, lambda_runtime::Error>(serde_json::json!({ "tickets": tickets }));
            }
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            let mut response = SqsBatchResponse::default();
            // Each message alone: one ticket that fails comes back without the others.
            for record in &batch.records {
                let Some(ticket) = record.body.as_deref().and_then(ticket_of) else { continue };
                if let Err(e) = apply(&*store, zone, &[ticket]).await {
                    tracing::error!(error = %e, "report buckets not updated: the message comes back");
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = record.message_id.clone().unwrap_or_default();
                    response.batch_item_failures.push(failure);
                }
            }
            Ok(serde_json::to_value(response)?)
        }
    }))
    .await
}
