//! The ticket record and its small vocabularies.

use crate::form::FieldValues;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How people see ticket numbers: `HD-1042`.
pub const TICKET_NUMBER_PREFIX: &str = "HD-";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    /// Waiting for the requester to answer: the SLA clock pauses here.
    #[serde(rename = "waiting")]
    WaitingForRequester,
    Resolved,
    Closed,
    Reopened,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::New, Status::Open, Status::WaitingForRequester, Status::Resolved, Status::Closed, Status::Reopened];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::WaitingForRequester => "waiting",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
        }
    }

    /// Queue order: the work still to do first.
    pub fn queue_rank(self) -> u8 {
        match self {
            Status::New => 1,
            Status::Reopened => 2,
            Status::Open => 3,
            Status::WaitingForRequester => 4,
            Status::Resolved => 5,
            Status::Closed => 6,
        }
    }
}

/// Parses the wire names (`"waiting"`, `"open"`, …) used in query strings.
macro_rules! from_wire_name {
    ($ty:ty) => {
        impl FromStr for $ty {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                <$ty>::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
from_wire_name!(Status);
from_wire_name!(Priority);

/// How a ticket reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Email,
    /// A phone call logged by an agent on behalf of the caller.
    Phone,
    Api,
}

/// The human ticket number, shown and accepted as `HD-1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber(pub u64);

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{TICKET_NUMBER_PREFIX}{}", self.0)
    }
}

impl FromStr for TicketNumber {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let digits = s.strip_prefix(TICKET_NUMBER_PREFIX).ok_or(())?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        digits.parse().map(TicketNumber).map_err(|_| ())
    }
}

/// In the API a ticket number is its text, `HD-1042`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for TicketNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(TicketNumber::PATTERN))
            .examples(["HD-1042"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for TicketNumber {}

impl TicketNumber {
    /// Its text, as a regular expression.
    pub const PATTERN: &str = "^HD-[0-9]{1,19}$";
}

impl Serialize for TicketNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom(format!("not a ticket number: {s}")))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    /// Internal id (a ULID): stable, never shown to people.
    pub id: String,
    pub number: TicketNumber,
    pub subject: String,
    /// What the requester wrote. Absent from list items (`GET /api/tickets`); the ticket's own
    /// read has it (it is stored apart, so the queue indexes do not copy it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The user the ticket is for (who called, mailed or filed it).
    pub requester: String,
    pub topic: String,
    pub priority: Priority,
    pub status: Status,
    pub assignee: Option<String>,
    /// The queue the ticket sits in.
    pub group: String,
    pub channel: Channel,
    /// Values of the topic's form fields, validated against its schema.
    pub fields: FieldValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; updates are conditional on it.
    pub version: u64,
    /// When the SLA scan next has something to do for this ticket (a warning or a breach); absent
    /// while no clock runs (paused, resolved, closed, no plan). Kept by every write; staff only
    /// (see [`crate::commands::ticket_for`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_next_action: Option<DateTime<Utc>>,
    /// The next SLA target to meet, as the queue shows and sorts it; absent when no plan covers
    /// the ticket or every clock has stopped. Kept by every write; staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_due: Option<crate::sla::SlaDue>,
    /// The knowledge-base article staff marked as the answer (its id): shown to the requester,
    /// counted per article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_round_trip_and_reject_junk() {
        assert_eq!(TicketNumber(1042).to_string(), "HD-1042");
        assert_eq!("HD-1042".parse(), Ok(TicketNumber(1042)));
        for junk in ["HD-", "hd-1", "HD-1x", "1042", "HD--1", "HD-+1"] {
            assert!(junk.parse::<TicketNumber>().is_err(), "{junk}");
        }
    }

    #[test]
    fn wire_names_match_serde() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        for p in Priority::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }
}
