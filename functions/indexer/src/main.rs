//! The Lambda entry point: batches from the search queue (the bus rule's), or `{"rebuild": true}`
//! invoked directly to index everything again.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use helpdesk_aws::{DynamoStore, config};
use indexer::{Indexer, subject_of};
use lambda_runtime::{LambdaEvent, service_fn};
use search::bucket::IndexBucket;
use std::sync::Arc;
use tokio::sync::Mutex;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    helpdesk_aws::logging::init();
    let sdk = config::sdk_config().await;
    let store = DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?);
    let bucket = IndexBucket::new(helpdesk_aws::aws_sdk_s3::Client::new(&sdk), config::required(config::SEARCH_INDEX_BUCKET)?);
    let indexer = Arc::new(Mutex::new(Indexer::new(bucket, search::scratch_dir("indexer"))));
    let store = Arc::new(store);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let (indexer, store) = (Arc::clone(&indexer), Arc::clone(&store));
        async move {
            let mut indexer = indexer.lock().await;
            if event.payload.get("rebuild").and_then(|v| v.as_bool()) == Some(true) {
                let applied = indexer.rebuild(&store).await?;
                tracing::info!(?applied, "rebuilt the search index");
                return Ok::<_, lambda_runtime::Error>(serde_json::json!({"tickets": applied.tickets, "articles": applied.articles}));
            }
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            let subjects: Vec<_> = batch.records.iter().filter_map(|m| m.body.as_deref().and_then(subject_of)).collect();
            let mut response = SqsBatchResponse::default();
            if let Err(e) = indexer.apply(&*store, &subjects).await {
                // The whole batch again: applying is idempotent.
                tracing::error!(error = %e, "indexing failed: the batch is retried");
                for record in &batch.records {
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
