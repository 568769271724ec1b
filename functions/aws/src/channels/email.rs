//! E-mail through SES v2, as raw MIME built with `mail-builder`: text and HTML parts, our own
//! Message-ID in `References` (SES replaces the Message-ID header), the ticket's reply address,
//! and the headers that keep auto-responders from answering (RFC 3834).

use super::{Channel, Outgoing, SendError, Sending};
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use helpdesk_core::notify::ChannelKind;
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;

pub struct SesMail {
    client: Client,
    /// The sender address (an SES-verified identity).
    from: String,
    from_name: String,
}

impl SesMail {
    pub fn new(client: Client, from: impl Into<String>, from_name: impl Into<String>) -> Self {
        Self { client, from: from.into(), from_name: from_name.into() }
    }
}

/// The message as SES receives it.
pub fn raw_message(from_name: &str, from: &str, message: &Outgoing) -> Result<Vec<u8>, SendError> {
    let mut builder = MessageBuilder::new()
        .from((from_name, from))
        .to(message.to.as_str())
        .subject(message.rendered.subject.as_str())
        .message_id(message.message_id.as_str())
        .in_reply_to(message.thread_id.as_str())
        .references(vec![message.thread_id.as_str(), message.message_id.as_str()])
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .header("X-Auto-Response-Suppress", Raw::new("All"))
        .text_body(message.rendered.text.as_str())
        .html_body(message.rendered.html.as_str());
    if let Some(reply_to) = &message.reply_to {
        builder = builder.reply_to(reply_to.as_str());
    }
    builder.write_to_vec().map_err(|e| SendError::Failed(format!("building the message: {e}")))
}

impl Channel for SesMail {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let raw = raw_message(&self.from_name, &self.from, message)?;
            let content = EmailContent::builder()
                .raw(RawMessage::builder().data(Blob::new(raw)).build().map_err(|e| SendError::Failed(e.to_string()))?)
                .build();
            let out = self
                .client
                .send_email()
                .from_email_address(&self.from)
                .destination(Destination::builder().to_addresses(&message.to).build())
                .content(content)
                .send()
                .await
                .map_err(|e| SendError::Failed(DisplayErrorContext(&e).to_string()))?;
            Ok(out.message_id.unwrap_or_default())
        })
    }
}
