//! The Lambda entry point: the notification queue's event source mapping invokes it with a batch
//! of EventBridge events (its batching window is the coalescing window); the weekly schedule
//! invokes it with `{"weekly_report": {}}` to mail last week's report.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use helpdesk_aws::{DynamoStore, config};
use lambda_runtime::{LambdaEvent, service_fn};
use notify::{Channels, QueueMessage, Settings};
use std::collections::HashMap;
use std::sync::Arc;

struct Parts {
    store: DynamoStore,
    channels: Channels,
    settings: Settings,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    report_zone: chrono_tz::Tz,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    helpdesk_aws::logging::init();
    let sdk = config::sdk_config().await;
    let mail_from = std::env::var(config::MAIL_FROM).unwrap_or_default();
    let support = std::env::var(config::SUPPORT_ADDRESS).ok();
    let secrets = helpdesk_aws::secrets::ChannelSecrets::load(&sdk).await?;
    let telegram_api = std::env::var(config::TELEGRAM_API_URL)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| helpdesk_aws::channels::telegram::DEFAULT_API_URL.into());
    let parts = Arc::new(Parts {
        store: DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?),
        channels: notify::channels(&sdk, &mail_from, &secrets, &telegram_api, false)?,
        settings: Settings::new(&config::required(config::SITE_URL)?, &mail_from, support.as_deref()),
        sqs: aws_sdk_sqs::Client::new(&sdk),
        queue_url: config::required(config::NOTIFY_QUEUE_URL)?,
        report_zone: config::report_time_zone()?,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let parts = Arc::clone(&parts);
        async move {
            if event.payload.get(notify::TRIGGER_FIELD).is_some() {
                let run =
                    notify::send_weekly_reports(&parts.store, &parts.channels, &parts.settings, parts.report_zone, chrono::Utc::now())
                        .await?;
                tracing::info!(?run, "weekly report");
                // A failed send fails the invocation: the scheduler's retry mails those readers
                // (the others' claims stand).
                if run.failed > 0 {
                    return Err(format!("weekly report: {} mails not sent", run.failed).into());
                }
                return Ok(serde_json::json!({ "sent": run.sent }));
            }
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            let mut receipts = HashMap::new();
            let messages = batch
                .records
                .into_iter()
                .map(|record| {
                    let id = record.message_id.unwrap_or_default();
                    receipts.insert(id.clone(), record.receipt_handle.unwrap_or_default());
                    let receive_count = record.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse().ok()).unwrap_or(1);
                    QueueMessage { id, body: record.body.unwrap_or_default(), receive_count }
                })
                .collect();
            // Boxed: the handler's future is deep.
            let (report, retry) =
                Box::pin(notify::consume(&parts.store, &parts.channels, &parts.settings, messages, chrono::Utc::now())).await?;
            tracing::info!(?report, "notified");
            let mut response = SqsBatchResponse::default();
            for (id, wait) in retry {
                if let Some(receipt) = receipts.get(&id) {
                    notify::back_off(&parts.sqs, &parts.queue_url, receipt, wait).await;
                }
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
            Ok::<_, lambda_runtime::Error>(serde_json::to_value(response)?)
        }
    }))
    .await
}
