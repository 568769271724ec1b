//! The Lambda entry point: S3 invokes it for every object created under `uploads/`.

use aws_lambda_events::event::s3::S3Event;
use helpdesk_aws::{DynamoStore, S3Objects, config};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    helpdesk_aws::logging::init();
    let sdk = config::sdk_config().await;
    let store = DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?);
    let objects = S3Objects::new(helpdesk_aws::aws_sdk_s3::Client::from_conf(helpdesk_aws::objects::s3_config(&sdk, false).build()));
    let bucket = config::required(config::ATTACHMENTS_BUCKET)?;
    let limits = config::attachment_limits()?;
    let parts = Arc::new((store, objects, bucket, limits));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let parts = Arc::clone(&parts);
        async move {
            let report = attachments::handle(&parts.0, &parts.1, &parts.2, &parts.3, &event.payload).await?;
            tracing::info!(?report, "attachments");
            Ok::<_, lambda_runtime::Error>(report)
        }
    }))
    .await
}
