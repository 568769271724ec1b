//! Who else has a ticket open now, and whether they are writing a reply: an open ticket page
//! reports itself every [`PULSE_SECONDS`] and hears the others and the ticket's version in the
//! same answer, so it also picks up others' changes without a reload (docs/live-updates.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How often an open ticket page asks.
pub const PULSE_SECONDS: u64 = 10;
/// How long a report counts: a page that stops asking drops out within this.
pub const PRESENCE_SECONDS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Viewing,
    /// The reply box holds text.
    Replying,
}

/// `POST /api/tickets/{id}/presence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresenceReport {
    pub activity: Activity,
}

/// One person on the ticket's page, as of their last report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub user: String,
    pub activity: Activity,
    pub at: DateTime<Utc>,
}

/// The answer: the ticket's version now, and the other staff on its page (requesters see no one
/// and are seen by no one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketPulse {
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub others: Vec<Presence>,
}
