//! The Lambda entry point: an EventBridge schedule invokes it (every minute by default).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use helpdesk_aws::{DynamoStore, config};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    helpdesk_aws::logging::init();
    let sdk = config::sdk_config().await;
    let store = Arc::new(DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let store = Arc::clone(&store);
        async move {
            // The schedule's time, not the clock's: a retried invocation judges the same moment.
            let now = event.payload.time.unwrap_or_else(chrono::Utc::now);
            // Stop taking tickets a margin before the timeout: the next run takes the rest.
            let left_ms = event.context.deadline.saturating_sub(chrono::Utc::now().timestamp_millis().max(0) as u64);
            let stop_at = std::time::Instant::now() + std::time::Duration::from_millis(left_ms).saturating_sub(sla_scan::STOP_MARGIN);
            let report = sla_scan::scan_until(store.as_ref(), now, Some(stop_at)).await?;
            tracing::info!(?report, "sla scan");
            Ok::<_, lambda_runtime::Error>(report)
        }
    }))
    .await
}
