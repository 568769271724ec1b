//! The helpdesk domain: tickets and their lifecycle, topics and their form schemas, the per-ticket
//! event log, permissions and the API's request/response types.
//!
//! Pure code only: no AWS, no async runtime, no clock and no id generator. Callers pass `now` and
//! fresh ids in, so every rule here is deterministic, unit-testable, and shared with the
//! WebAssembly frontend (this crate builds for `wasm32-unknown-unknown`).

pub mod api;
pub mod attachment;
pub mod backbone;
pub mod calendar;
pub mod commands;
pub mod error;
pub mod event;
pub mod form;
pub mod knowledge;
pub mod lifecycle;
pub mod limits;
pub mod mail;
pub mod messages;
pub mod notify;
pub mod permissions;
pub mod presence;
pub mod query;
pub mod rating;
pub mod reports;
pub mod search;
pub mod sla;
pub mod sla_preview;
pub mod templates;
pub mod text;
pub mod ticket;
pub mod topic;
pub mod user;

pub use error::{ApiError, ErrorCode, FieldError, FieldErrorCode};
pub use event::{EventKind, TicketEvent};
pub use permissions::{Action, Actor, Resource, Role};
pub use ticket::{Channel, Priority, Status, Ticket, TicketNumber};
pub use topic::Topic;

/// A unit-like enum value's name on the wire (`"quiet_hours"` for `Suppression::QuietHours`): what
/// keys, catalogue entries and stored attributes spell it as. Empty for a value with no name.
pub fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
