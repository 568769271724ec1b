//! The decision log: one entry per event × recipient × channel, kept on the ticket and shown to
//! staff, saying what became of each notice.

use super::decide::Suppression;
use super::preferences::{ChannelKind, Notice, Preferences};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Claimed by a sender that has not answered yet (or crashed: retried once its claim runs out).
    Sending,
    Sent,
    Suppressed,
    /// The provider refused or did not answer; retried with backoff, then dead-lettered.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The ticket event the notice is about.
    pub event_id: String,
    pub recipient: String,
    pub notice: Notice,
    pub channel: ChannelKind,
    pub state: DeliveryState,
    /// Why it was not sent (`suppressed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Suppression>,
    /// The provider's answer: its message id when sent, its error when failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How many events the message told together (coalescing): 1 for a message of its own.
    #[serde(default = "one")]
    pub events_in_message: u32,
    pub attempts: u32,
    pub at: DateTime<Utc>,
}

fn one() -> u32 {
    1
}

/// `GET /api/me/notifications`: the caller's preferences and what they can choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    pub preferences: Preferences,
    /// The notices this account can receive, in display order.
    pub notices: Vec<Notice>,
    pub channels: Vec<ChannelKind>,
    /// Whether the profile has a phone number (SMS needs one).
    pub has_phone: bool,
    /// The Telegram chat, browsers and phones linked to the account.
    #[serde(default)]
    pub contacts: Vec<super::ContactSummary>,
    /// The VAPID public key (base64url) browsers subscribe with; absent when web push is not set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_push_key: Option<String>,
    /// Whether a Telegram bot is set up to link a chat to.
    #[serde(default)]
    pub telegram: bool,
}
