//! The Lambda entry point: the notification queue's event source mapping invokes it with a batch
//! of EventBridge events (its batching window is the coalescing window).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use helpdesk_aws::channels::{SesMail, SnsSms};
use helpdesk_aws::{DynamoStore, config};
use lambda_runtime::{LambdaEvent, service_fn};
use notify::{Channels, Incoming, Settings};
use std::sync::Arc;

struct Parts {
    store: DynamoStore,
    channels: Channels,
    settings: Settings,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = config::sdk_config().await;
    let mail_from = config::required(config::MAIL_FROM)?;
    let support = std::env::var(config::SUPPORT_ADDRESS).ok();
    let parts = Arc::new(Parts {
        store: DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?),
        channels: Channels(vec![
            Box::new(SesMail::new(aws_sdk_sesv2::Client::new(&sdk), &mail_from, "IT Helpdesk")),
            Box::new(SnsSms::new(aws_sdk_sns::Client::new(&sdk))),
        ]),
        settings: Settings::new(&config::required(config::SITE_URL)?, &mail_from, support.as_deref()),
        sqs: aws_sdk_sqs::Client::new(&sdk),
        queue_url: config::required(config::NOTIFY_QUEUE_URL)?,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let parts = Arc::clone(&parts);
        async move {
            let mut batch = Vec::new();
            let mut failed = Vec::new();
            let mut receipts = std::collections::HashMap::new();
            for record in event.payload.records {
                let id = record.message_id.clone().unwrap_or_default();
                let receives = record.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse().ok()).unwrap_or(1);
                receipts.insert(id.clone(), (record.receipt_handle.clone().unwrap_or_default(), receives));
                match notify::event_of_message(record.body.as_deref().unwrap_or_default()) {
                    Ok(event) => batch.push(Incoming { message_id: id, event }),
                    // Never readable: it goes to the dead-letter queue after its tries, and the alarm says so.
                    Err(e) => {
                        tracing::error!(message = id, error = %e, "unreadable message");
                        failed.push(id);
                    }
                }
            }
            let report = notify::handle(&parts.store, &parts.channels, &parts.settings, &batch, chrono::Utc::now()).await?;
            tracing::info!(?report, "notified");
            failed.extend(report.retry);
            let mut response = SqsBatchResponse::default();
            for id in failed {
                if let Some((receipt, receives)) = receipts.get(&id) {
                    // Back off: the next try waits longer each time.
                    let wait = notify::retry_delay_seconds(*receives);
                    let _ = parts.sqs.change_message_visibility().queue_url(&parts.queue_url).receipt_handle(receipt).visibility_timeout(wait).send().await;
                }
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
            Ok::<_, lambda_runtime::Error>(response)
        }
    }))
    .await
}
