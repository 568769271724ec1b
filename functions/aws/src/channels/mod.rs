//! The notification channels behind one small trait: the notify function hands each an
//! [`Outgoing`] message and gets the provider's id or its refusal. The decisions
//! (`helpdesk_core::notify`) do not depend on them.

mod email;
pub mod http;
mod mobile;
mod sms;
pub mod telegram;
mod web_push;

pub use email::{SesMail, raw_message};
pub use http::HttpClient;
pub use mobile::SnsMobilePush;
pub use sms::SnsSms;
pub use telegram::TelegramBot;
pub use web_push::WebPush;

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
    /// The ticket's page, for the channels that open it on a tap.
    pub link: String,
    /// One notification per ticket on a device: a newer one replaces it (the ticket's number).
    pub tag: String,
}

/// The provider's refusal, or a failure to reach it, as it said it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Refused or unreachable this time: the event is tried again later.
    #[error("{0}")]
    Failed(String),
    /// The address is gone for good (the browser unsubscribed, the bot was blocked, the phone's
    /// endpoint was disabled): the contact is removed.
    #[error("gone: {0}")]
    Gone(String),
    /// The provider asks to wait `seconds` before the next try.
    #[error("retry after {seconds} s: {detail}")]
    RetryAfter { seconds: u32, detail: String },
}

pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<String, SendError>> + Send + 'a>>;

pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;
    /// Sends, returning the provider's id for the message.
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a>;
}
