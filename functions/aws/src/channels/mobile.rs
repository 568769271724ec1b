//! Mobile push through SNS platform endpoints (FCM, APNs). The address is the endpoint's ARN; a
//! disabled endpoint (the app was removed, the token expired) is deleted and the contact goes.

use super::{Channel, Outgoing, SendError, Sending};
use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;
use helpdesk_core::notify::ChannelKind;
use serde_json::json;

pub struct SnsMobilePush {
    client: Client,
}

impl SnsMobilePush {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

/// One message for every platform (`MessageStructure=json`): each platform reads its own key.
pub fn platform_message(title: &str, body: &str, url: &str, tag: &str) -> String {
    let fcm = json!({"notification": {"title": title, "body": body, "tag": tag}, "data": {"url": url}});
    let apns = json!({"aps": {"alert": {"title": title, "body": body}, "thread-id": tag}, "url": url});
    json!({
        "default": format!("{title}: {body}"),
        "GCM": fcm.to_string(),
        "APNS": apns.to_string(),
        "APNS_SANDBOX": apns.to_string(),
    })
    .to_string()
}

impl Channel for SnsMobilePush {
    fn kind(&self) -> ChannelKind {
        ChannelKind::MobilePush
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let r = &message.rendered;
            let body = platform_message(&r.subject, &r.preview.chars().take(300).collect::<String>(), &message.link, &message.tag);
            let out = self.client.publish().target_arn(&message.to).message_structure("json").message(body).send().await;
            match out {
                Ok(out) => Ok(out.message_id.unwrap_or_default()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_endpoint_disabled_exception()) => {
                    // Of no further use: SNS keeps disabled endpoints until deleted.
                    if let Err(e) = self.client.delete_endpoint().endpoint_arn(&message.to).send().await {
                        tracing::warn!(error = %DisplayErrorContext(&e), "could not delete a disabled endpoint");
                    }
                    Err(SendError::Gone(format!("the endpoint is disabled: {}", DisplayErrorContext(&e))))
                }
                Err(e) => Err(SendError::Failed(DisplayErrorContext(&e).to_string())),
            }
        })
    }
}
