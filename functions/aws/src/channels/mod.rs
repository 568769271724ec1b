//! The notification channels behind one small trait: the notify function hands each an
//! [`Outgoing`] message and gets the provider's id or its refusal. Part 2 adds Telegram, web push
//! and mobile push as more implementations; the decisions (`helpdesk_core::notify`) do not change.

mod email;
mod sms;

pub use email::{SesMail, raw_message};
pub use sms::SnsSms;

use helpdesk_core::notify::{ChannelKind, Rendered};
use std::future::Future;
use std::pin::Pin;

/// One message to one person through one channel.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The address the channel reaches them at: e-mail address, phone number, …
    pub to: String,
    pub rendered: Rendered,
    /// Our Message-ID for the mail (without angle brackets): SES replaces it, so it also goes in
    /// `References`, which SES keeps.
    pub message_id: String,
    /// The thread's root id: every notification of a ticket refers to it, so mail readers thread them.
    pub thread_id: String,
    /// The ticket's reply address (`support+<token>@…`), when one is configured.
    pub reply_to: Option<String>,
}

/// The provider's refusal, or a failure to reach it, as it said it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<String, SendError>> + Send + 'a>>;

pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;
    /// Sends, returning the provider's id for the message.
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a>;
}
