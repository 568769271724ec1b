//! S3's event delivery, locally: the files bucket notifies local queues of every object created
//! under `uploads/`, `inbound/` and `retry/` (as the template's S3 events do in AWS), and the
//! runner hands each event, in the very shape S3 sends to Lambda, to the function's handler.

use crate::queues::{error, queue_arn, receive, remove};
use aws_sdk_s3::types::{
    CorsConfiguration, CorsRule, Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use helpdesk_aws::{DynamoStore, S3Objects, keys};
use helpdesk_core::attachment::Limits;

/// Lets the local site's pages put and fetch files (CORS) and routes the bucket's
/// `ObjectCreated` events as the template does: `uploads/` to the `uploads` queue (the
/// attachments function), `inbound/` and `retry/` to the `mail` queue (the mail-intake
/// function). Returns the two queues' URLs.
pub async fn configure(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    bucket: &str,
    (uploads, mail): (&str, &str),
    site_origins: &[String],
) -> Result<(String, String), String> {
    let rule = CorsRule::builder()
        .set_allowed_origins(Some(site_origins.to_vec()))
        .allowed_methods("PUT")
        .allowed_methods("GET")
        .allowed_headers("content-type")
        .allowed_headers("x-amz-tagging")
        .max_age_seconds(600)
        .build()
        .map_err(|e| error("CORS rule")(&e))?;
    let cors = CorsConfiguration::builder().cors_rules(rule).build().map_err(|e| error("CORS")(&e))?;
    // Versioned, as the template's bucket: downloads name the checked version.
    let enabled = aws_sdk_s3::types::VersioningConfiguration::builder().status(aws_sdk_s3::types::BucketVersioningStatus::Enabled).build();
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(enabled)
        .send()
        .await
        .map_err(|e| error("bucket versioning")(&aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    s3.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(cors)
        .send()
        .await
        .map_err(|e| error("bucket CORS")(&aws_sdk_s3::error::DisplayErrorContext(&e)))?;

    let (uploads_url, uploads_arn) = queue(sqs, uploads).await?;
    let (mail_url, mail_arn) = queue(sqs, mail).await?;
    let routes =
        [(uploads_arn, keys::UPLOAD_OBJECT_PREFIX), (mail_arn.clone(), keys::INBOUND_MAIL_PREFIX), (mail_arn, keys::RETRY_MAIL_PREFIX)];
    let mut configurations = Vec::new();
    for (arn, prefix) in routes {
        let rule = FilterRule::builder().name(FilterRuleName::Prefix).value(prefix).build();
        let configuration = QueueConfiguration::builder()
            .queue_arn(arn)
            .events(Event::from("s3:ObjectCreated:*"))
            .filter(NotificationConfigurationFilter::builder().key(S3KeyFilter::builder().filter_rules(rule).build()).build())
            .build()
            .map_err(|e| error("notification")(&e))?;
        configurations.push(configuration);
    }
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(NotificationConfiguration::builder().set_queue_configurations(Some(configurations)).build())
        .send()
        .await
        .map_err(|e| error("bucket notification")(&aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    Ok((uploads_url, mail_url))
}

/// A local queue by name: its URL and ARN.
async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> Result<(String, String), String> {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| error("local queue")(&aws_sdk_sqs::error::DisplayErrorContext(&e)))?
        .queue_url
        .unwrap_or_default();
    let arn = queue_arn(sqs, &url).await?;
    Ok((url, arn))
}

/// Hands each S3 event the queue receives to `handle`, as Lambda would: a message is removed
/// once handled (`true`), and left for another try (after its visibility timeout) when not.
pub async fn drain<F, Fut>(sqs: aws_sdk_sqs::Client, queue_url: String, name: &'static str, handle: F)
where
    F: Fn(aws_lambda_events::event::s3::S3Event) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    loop {
        let messages = receive(&sqs, &queue_url, name).await;
        for message in messages {
            let body = message.body().unwrap_or_default();
            let handled = match attachments::notification(body) {
                // S3's test event when the notification is set up: nothing to do.
                Ok(None) => true,
                Err(e) => {
                    tracing::error!(error = %e, body, queue = name, "an S3 event the runner cannot read: dropped");
                    true
                }
                Ok(Some(event)) => handle(event).await,
            };
            if handled {
                remove(&sqs, &queue_url, &message).await;
            }
        }
    }
}

/// Delivers the queue's S3 events to the attachments handler.
pub async fn deliver(store: DynamoStore, objects: S3Objects, sqs: aws_sdk_sqs::Client, queue_url: String, bucket: String, limits: Limits) {
    drain(sqs, queue_url, "upload queue", move |event| {
        let (store, objects, bucket) = (store.clone(), objects.clone(), bucket.clone());
        async move {
            match attachments::handle(&store, &objects, &bucket, &limits, &event).await {
                Ok(report) => {
                    tracing::info!(?report, "attachments");
                    true
                }
                Err(e) => {
                    tracing::error!(error = %e, "attachments failed; the event will be delivered again");
                    false
                }
            }
        }
    })
    .await
}
