//! SMS through SNS: `Publish` to a phone number, marked transactional (delivered over promotional
//! traffic and quiet-hour rules of carriers).

use super::{Channel, Outgoing, SendError, Sending};
use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;
use helpdesk_core::notify::ChannelKind;

pub struct SnsSms {
    client: Client,
}

impl SnsSms {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl Channel for SnsSms {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Sms
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let transactional = MessageAttributeValue::builder()
                .data_type("String")
                .string_value("Transactional")
                .build()
                .map_err(|e| SendError::Failed(e.to_string()))?;
            let out = self
                .client
                .publish()
                .phone_number(&message.to)
                .message(&message.rendered.short)
                .message_attributes("AWS.SNS.SMS.SMSType", transactional)
                .send()
                .await
                .map_err(|e| SendError::Failed(DisplayErrorContext(&e).to_string()))?;
            Ok(out.message_id.unwrap_or_default())
        })
    }
}
