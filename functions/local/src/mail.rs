//! E-mail intake, locally: an SMTP server on a loopback port (`HELPDESK_SMTP_PORT`, 2525) puts
//! each message it accepts under `inbound/` in the files bucket, as SES does in AWS, and the
//! bucket's events for `inbound/` and `retry/` reach the mail-intake function through a local
//! queue, in the very shape S3 sends them to Lambda.

use helpdesk_aws::{DynamoStore, S3Objects, keys};
use helpdesk_fakes::smtp::{self, MailSink};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The SMTP port `scripts/up` listens on.
pub const DEFAULT_SMTP_PORT: u16 = 2525;
/// The support address when `SUPPORT_ADDRESS` is unset: what the local demo mails to.
pub const LOCAL_SUPPORT_ADDRESS: &str = "support@helpdesk.localhost";

/// Stores each accepted message where SES would.
struct BucketSink {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl MailSink for BucketSink {
    fn accept(&self, raw: Vec<u8>) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>> {
        Box::pin(async move {
            let key = format!("{}{}", keys::INBOUND_MAIL_PREFIX, helpdesk_aws::new_id().to_lowercase());
            let body = aws_sdk_s3::primitives::ByteStream::from(raw);
            self.s3
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .body(body)
                .send()
                .await
                .map_err(|e| format!("storing the message: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
            tracing::info!(key, "a message by SMTP");
            Ok(key)
        })
    }
}

/// Listens for SMTP on 127.0.0.1:`port` (0: any free port); returns the port it took.
pub async fn listen(s3: aws_sdk_s3::Client, bucket: String, port: u16) -> Result<u16, String> {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot take SMTP on {address}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(smtp::serve(listener, Arc::new(BucketSink { s3, bucket }), mail_intake::MAX_MESSAGE_BYTES));
    tracing::info!("SMTP at 127.0.0.1:{port}: mail to the support address becomes tickets");
    Ok(port)
}

/// Delivers the queue's S3 events to the mail-intake handler, as Lambda would: a message is
/// removed once handled, and left for another try when not.
pub async fn deliver(store: DynamoStore, objects: S3Objects, sqs: aws_sdk_sqs::Client, queue_url: String, settings: mail_intake::Settings) {
    crate::uploads::drain(sqs, queue_url, "mail queue", move |event| {
        let (store, objects, settings) = (store.clone(), objects.clone(), settings.clone());
        async move {
            match mail_intake::handle(&store, &objects, &settings, &event).await {
                Ok(report) => {
                    tracing::info!(?report, "mail intake");
                    true
                }
                Err(e) => {
                    tracing::error!(error = %e, "mail intake failed; the event will be delivered again");
                    false
                }
            }
        }
    })
    .await
}
