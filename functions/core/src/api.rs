//! Request and response bodies of the HTTP API, and the parsing rules they share.

use crate::Role;
use crate::error::{ApiError, ErrorCode};
use crate::event::TicketEvent;
use crate::sla::SlaStatus;
use crate::ticket::{Channel, Priority, Status, Ticket};
use crate::topic::Topic;
use crate::user::{AccountSource, Language, User};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub topic: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32768))]
    pub description: String,
    /// Defaults to the topic's priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Values of the topic's form fields.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// Staff only: file the ticket for this user instead of oneself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(?!none$)[a-z0-9._-]{1,64}$"))]
    pub requester: Option<String>,
    /// Defaults to `web`; staff logging a call say `phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Uploads (ids from `POST /api/uploads`, checked and ready) to attach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// A public reply or an internal note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32768))]
    pub body: String,
    /// The version the writer saw; when given, the write fails with 409 if the ticket moved on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: Option<u64>,
    /// Uploads (ids from `POST /api/uploads`, checked and ready) to attach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// A change of status, assignee, group, priority or field values. Members left out stay as they
/// are; `"assignee": null` unassigns; a field set to `null` is cleared. A client sends only what
/// the person changed: members that are `None` are left out of the JSON, never sent as `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketRequest {
    /// The version the writer saw; required, so that no change silently overwrites another.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "present_or_null", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(?!none$)[a-z0-9._-]{1,64}$"))]
    pub assignee: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, Value>>,
    /// The article that answers the ticket (its id; the requester must be able to read it), or
    /// `null` to take the mark away.
    #[serde(default, deserialize_with = "present_or_null", skip_serializing_if = "Option::is_none")]
    pub solution: Option<Option<String>>,
}

/// Tells a member given as `null` (`Some(None)`) from one left out (`None`, by `default`).
fn present_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A ticket with its history, as the requester or agent may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
    /// Where the viewer may move the status from here.
    pub allowed_statuses: Vec<Status>,
    /// The SLA clocks, for staff, when a plan covers the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaStatus>,
    /// The ticket's topic with its form, archived or not, so the page can name its fields (an
    /// archived topic is otherwise the admins' to read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
    /// The names of the people the page shows (requester, assignee, authors, who was assigned),
    /// by id; whoever may see the ticket may see who works it.
    #[serde(default)]
    pub people: BTreeMap<String, String>,
}

impl TicketView {
    /// Who the page names: the requester, the assignee, each author and each person assigned or
    /// unassigned in what the viewer sees; not the system's own actors (the SLA scan, mail intake).
    pub fn people_to_name(&self) -> std::collections::BTreeSet<String> {
        let mut ids: std::collections::BTreeSet<String> = [self.ticket.requester.clone()].into();
        ids.extend(self.ticket.assignee.clone());
        for e in &self.events {
            if e.actor.role != Role::System {
                ids.insert(e.actor.id.clone());
            }
            if let crate::EventKind::AssigneeChanged { from, to } = &e.kind {
                ids.extend(from.iter().chain(to).cloned());
            }
        }
        ids
    }
}

/// An account as admins (and its owner) see it: the stored record less what only sign-in uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub telegram_chat_id: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub groups: Vec<String>,
    /// An agent who may write knowledge-base articles.
    #[serde(default)]
    pub knowledge_editor: bool,
    pub active: bool,
    #[serde(default)]
    pub source: AccountSource,
    /// Mail to the address bounced at this time: nothing is mailed there until it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_bounced_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: u64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        let User {
            id,
            name,
            email,
            phone,
            language,
            department,
            location,
            telegram_chat_id,
            role,
            groups,
            knowledge_editor,
            active,
            source,
            session_version: _,
            mail_bounced_at,
            version,
        } = u;
        UserView {
            id,
            name,
            email,
            phone,
            language,
            department,
            location,
            telegram_chat_id,
            role,
            groups,
            knowledge_editor,
            active,
            source,
            mail_bounced_at,
            version,
        }
    }
}

/// A person as pickers show them (assignee, caller): no contact details, no account state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonSummary {
    pub id: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl From<&User> for PersonSummary {
    fn from(u: &User) -> Self {
        PersonSummary { id: u.id.clone(), name: u.name.clone(), role: u.role, groups: u.groups.clone() }
    }
}

/// One page of a list, and the cursor of the next (absent on the last page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Paged<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The signed-in caller: what sign-in and `/api/auth/me` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: String,
    pub role: crate::Role,
    pub groups: Vec<String>,
    /// The profile (absent only if the account was removed meanwhile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
}

impl Me {
    /// The answer for a user who is signed in (or has just signed in).
    pub fn of(user: User) -> Self {
        Me { id: user.id.clone(), role: user.role, groups: user.groups.clone(), user: Some(user.into()) }
    }

    pub fn actor(&self) -> crate::Actor {
        let groups: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        let edits_knowledge = self.user.as_ref().is_some_and(|u| u.knowledge_editor);
        crate::Actor::new(&self.id, self.role).in_groups(&groups).editing_knowledge(edits_knowledge)
    }
}

/// What people may change about their own account. Members left out stay as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MyPreferences {
    /// The language of the UI and of the notifications one gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::user::Language>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// How many tickets the whole queue holds (queues only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Total>,
}

/// A count that stops at a cap: `more` says there are more than `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Total {
    pub count: u64,
    pub more: bool,
}

pub use crate::query::{
    MAX_CURSOR_CHARS, MAX_GROUPS_PER_QUERY, MAX_IDS_PER_LOOKUP, MAX_SEARCH_CHARS, PeopleQuery, QueueOrder, TicketQuery, TicketState,
    UNASSIGNED,
};

/// A plain list: topics, SLA plans, calendars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Items<T> {
    pub items: Vec<T>,
}

pub type TopicList = Items<Topic>;

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
    fn an_update_sends_only_what_changed() {
        let priority_only = UpdateTicketRequest { version: 3, priority: Some(Priority::High), ..Default::default() };
        assert_eq!(serde_json::to_value(&priority_only).unwrap(), serde_json::json!({"version": 3, "priority": "high"}));
        let sent = serde_json::to_vec(&priority_only).unwrap();
        assert_eq!(parse_body::<UpdateTicketRequest>(&sent).unwrap().assignee, None, "the assignee stays");
        let unassign = UpdateTicketRequest { version: 3, assignee: Some(None), ..Default::default() };
        assert_eq!(serde_json::to_value(&unassign).unwrap(), serde_json::json!({"version": 3, "assignee": null}));
        assert_eq!(parse_body::<UpdateTicketRequest>(&serde_json::to_vec(&unassign).unwrap()).unwrap(), unassign);
    }
}

/// `POST /api/auth/tokens`: a native app signs in for a bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub username: String,
    pub password: String,
    /// What the person will see in their profile's list, e.g. "Helpdesk on Pixel 8".
    pub name: String,
}

/// The longest name of an API token.
pub const MAX_TOKEN_NAME_CHARS: usize = 80;

impl NewApiToken {
    pub fn check_name(&self) -> Result<String, Vec<crate::FieldError>> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(vec![crate::FieldError::new(
                "name",
                crate::FieldErrorCode::Invalid,
                format!("name the app or device in 1 to {MAX_TOKEN_NAME_CHARS} printable characters"),
            )]);
        }
        Ok(name.to_string())
    }
}

/// An API token as its owner's profile lists it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenSummary {
    pub id: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The answer to `POST /api/auth/tokens`: the token, shown this once. Send it as
/// `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedApiToken {
    pub token: String,
    #[serde(flatten)]
    pub summary: ApiTokenSummary,
    pub me: Me,
}
