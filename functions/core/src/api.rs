//! Request and response bodies of the HTTP API, and the parsing rules they share.

use crate::error::{ApiError, ErrorCode};
use crate::event::TicketEvent;
use crate::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::sla::SlaStatus;
use crate::ticket::{Channel, Priority, Status, Ticket};
use crate::topic::Topic;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    pub topic: String,
    pub subject: String,
    pub description: String,
    /// Defaults to the topic's priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Values of the topic's form fields.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// Staff only: file the ticket for this user instead of oneself.
    #[serde(default)]
    pub requester: Option<String>,
    /// Defaults to `web`; staff logging a call say `phone`.
    #[serde(default)]
    pub channel: Option<Channel>,
}

/// A public reply or an internal note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    pub body: String,
    /// The version the writer saw; when given, the write fails with 409 if the ticket moved on.
    #[serde(default)]
    pub version: Option<u64>,
}

/// A change of status, assignee, group, priority or field values. Members left out stay as they
/// are; `"assignee": null` unassigns; a field set to `null` is cleared.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketRequest {
    /// The version the writer saw; required, so that no change silently overwrites another.
    pub version: u64,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub assignee: Option<Option<String>>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub fields: Option<BTreeMap<String, Value>>,
}

/// Tells a member given as `null` (`Some(None)`) from one left out (`None`, by `default`).
fn present_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A ticket with its history, as the requester or agent may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
    /// Where the viewer may move the status from here.
    pub allowed_statuses: Vec<Status>,
    /// The SLA clocks, for staff, when a plan covers the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaStatus>,
}

/// The signed-in caller: what sign-in and `/api/auth/me` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub role: crate::Role,
    pub groups: Vec<String>,
    /// The profile (absent only if the account was removed meanwhile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<crate::user::User>,
}

impl Me {
    /// The answer for a user who is signed in (or has just signed in).
    pub fn of(user: crate::user::User) -> Self {
        Me { id: user.id.clone(), role: user.role, groups: user.groups.clone(), user: Some(user) }
    }

    pub fn actor(&self) -> crate::Actor {
        let groups: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        crate::Actor::new(&self.id, self.role).in_groups(&groups)
    }
}

/// What people may change about their own account. Members left out stay as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MyPreferences {
    /// The language of the UI and of the notifications one gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::user::Language>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A plain list: topics, SLA plans, calendars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

pub type TopicList = Items<Topic>;

/// Filters and paging of a ticket list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketQuery {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub topic: Option<String>,
    /// An agent id, or [`UNASSIGNED`] for tickets nobody has taken.
    pub assignee: Option<String>,
    pub group: Option<String>,
    pub cursor: Option<String>,
    pub limit: usize,
}

/// The `assignee` filter value that selects unassigned tickets.
pub const UNASSIGNED: &str = "none";

impl TicketQuery {
    /// Reads query-string pairs; unknown names and bad values are refused, not ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ApiError> {
        let bad = |name: &str, why: &str| ApiError::new(ErrorCode::InvalidQuery, format!("query parameter '{name}': {why}"));
        let mut query = TicketQuery { limit: DEFAULT_PAGE_SIZE, ..Default::default() };
        for (name, value) in pairs {
            match name {
                "status" => query.status = Some(value.parse().map_err(|_| bad(name, "not a status"))?),
                "priority" => query.priority = Some(value.parse().map_err(|_| bad(name, "not a priority"))?),
                "topic" => query.topic = Some(non_empty(value).ok_or_else(|| bad(name, "empty"))?),
                "assignee" => query.assignee = Some(non_empty(value).ok_or_else(|| bad(name, "empty"))?),
                "group" => query.group = Some(non_empty(value).ok_or_else(|| bad(name, "empty"))?),
                "cursor" => query.cursor = Some(non_empty(value).ok_or_else(|| bad(name, "empty"))?),
                "limit" => {
                    query.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                        .ok_or_else(|| bad(name, &format!("a whole number from 1 to {MAX_PAGE_SIZE}")))?
                }
                _ => return Err(bad(name, "unknown parameter")),
            }
        }
        Ok(query)
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses a JSON body, telling malformed JSON from a wrong shape and from unknown members.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        let code = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => ErrorCode::MalformedJson,
            Category::Data if e.to_string().starts_with("unknown field") => ErrorCode::UnknownField,
            Category::Data => ErrorCode::InvalidBody,
        };
        ApiError::new(code, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_are_classified() {
        let code = |body: &str| parse_body::<MessageRequest>(body.as_bytes()).unwrap_err().code;
        assert_eq!(code("{\"body\": "), ErrorCode::MalformedJson);
        assert_eq!(code("not json"), ErrorCode::MalformedJson);
        assert_eq!(code(""), ErrorCode::MalformedJson);
        assert_eq!(code("{\"body\": 5}"), ErrorCode::InvalidBody);
        assert_eq!(code("{}"), ErrorCode::InvalidBody);
        assert_eq!(code("{\"body\": \"x\", \"bcc\": \"y\"}"), ErrorCode::UnknownField);
    }

    #[test]
    fn assignee_null_differs_from_absent() {
        let absent: UpdateTicketRequest = parse_body(br#"{"version": 1}"#).unwrap();
        let null: UpdateTicketRequest = parse_body(br#"{"version": 1, "assignee": null}"#).unwrap();
        let set: UpdateTicketRequest = parse_body(br#"{"version": 1, "assignee": "ivan"}"#).unwrap();
        assert_eq!(absent.assignee, None);
        assert_eq!(null.assignee, Some(None));
        assert_eq!(set.assignee, Some(Some("ivan".into())));
    }

    #[test]
    fn queries_refuse_what_they_do_not_know() {
        let q = TicketQuery::from_pairs([("status", "waiting"), ("limit", "10"), ("assignee", UNASSIGNED)]).unwrap();
        assert_eq!(q.status, Some(Status::WaitingForRequester));
        assert_eq!(q.limit, 10);
        assert_eq!(TicketQuery::from_pairs([]).unwrap().limit, DEFAULT_PAGE_SIZE);
        for bad in [[("status", "pending")], [("limit", "0")], [("limit", "101")], [("limit", "x")], [("sort", "asc")], [("group", "")]] {
            assert_eq!(TicketQuery::from_pairs(bad).unwrap_err().code, ErrorCode::InvalidQuery, "{bad:?}");
        }
    }
}
