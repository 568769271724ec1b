//! The query strings of the lists: tickets (filters, order, paging) and people. Unknown names and
//! bad values are refused with `invalid_query`, never ignored.

use crate::error::{ApiError, ErrorCode};
use crate::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::ticket::{Priority, Status};

/// Who the people directory (`GET /api/directory`) and the admin's user list look for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeopleQuery {
    /// Part of the id or name, any case.
    pub search: Option<String>,
    /// Staff only (agents and admins): the assignee picker.
    pub staff: bool,
    /// Members of this group (with `staff`: its agents and admins).
    pub group: Option<String>,
    /// Disabled accounts too (admins' list only).
    pub include_inactive: bool,
    /// Exactly these people (`id` repeated), active or not, for the names a page shows; no other
    /// parameter goes with it.
    pub ids: Vec<String>,
    pub cursor: Option<String>,
    pub limit: usize,
}

/// The most people one name lookup asks for.
pub const MAX_IDS_PER_LOOKUP: usize = 50;

/// The longest search text a list takes.
pub const MAX_SEARCH_CHARS: usize = 100;

impl PeopleQuery {
    /// Reads query-string pairs like [`TicketQuery::from_pairs`].
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ApiError> {
        let mut query = PeopleQuery { limit: DEFAULT_PAGE_SIZE, ..Default::default() };
        for (name, value) in pairs {
            match name {
                "q" => query.search = Some(bounded(name, value, MAX_SEARCH_CHARS)?.to_lowercase()),
                "staff" => query.staff = flag(name, value)?,
                "group" => query.group = Some(bounded(name, value, MAX_CURSOR_CHARS)?),
                "all" => query.include_inactive = flag(name, value)?,
                "id" => {
                    query.ids.push(bounded(name, value, MAX_CURSOR_CHARS)?);
                    if query.ids.len() > MAX_IDS_PER_LOOKUP {
                        return Err(bad_query(name, &format!("at most {MAX_IDS_PER_LOOKUP} people at once")));
                    }
                }
                "cursor" => query.cursor = Some(bounded(name, value, MAX_CURSOR_CHARS)?),
                "limit" => query.limit = page_size(name, value)?,
                _ => return Err(bad_query(name, "unknown parameter")),
            }
        }
        let other_filters = query.search.is_some() || query.staff || query.group.is_some() || query.cursor.is_some();
        if !query.ids.is_empty() && other_filters {
            return Err(bad_query("id", "names people exactly: no other filter or cursor with it"));
        }
        Ok(query)
    }
}

/// The longest cursor or filter value a list takes.
pub const MAX_CURSOR_CHARS: usize = 1024;

/// The `invalid_query` refusal of one query parameter.
pub fn bad_query(name: &str, why: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, format!("query parameter '{name}': {why}"))
}

/// A `lang` parameter's value: one of the supported languages.
pub fn language(value: &str) -> Result<String, ApiError> {
    match crate::text::SUPPORTED_LANGUAGES.contains(&value) {
        true => Ok(value.to_string()),
        false => Err(bad_query("lang", "en or ru")),
    }
}

/// A non-empty value of at most `max` characters.
fn bounded(name: &str, value: &str, max: usize) -> Result<String, ApiError> {
    match value.chars().count() {
        0 => Err(bad_query(name, "empty")),
        n if n > max => Err(bad_query(name, &format!("longer than {max} characters"))),
        _ => Ok(value.to_string()),
    }
}

fn flag(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_query(name, "true or false")),
    }
}

fn page_size(name: &str, value: &str) -> Result<usize, ApiError> {
    value
        .parse()
        .ok()
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(|| bad_query(name, &format!("a whole number from 1 to {MAX_PAGE_SIZE}")))
}

/// Filters, order and paging of a ticket list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketQuery {
    pub status: Option<Status>,
    /// Which part of the lifecycle: still to do, done, or both (the default). Not with `status`.
    pub state: Option<TicketState>,
    pub priority: Option<Priority>,
    pub topic: Option<String>,
    /// An agent id, or [`UNASSIGNED`] for tickets nobody has taken.
    pub assignee: Option<String>,
    /// Any of these groups (`group` repeated); none: every group the caller may see.
    pub groups: Vec<String>,
    pub sort: QueueOrder,
    pub cursor: Option<String>,
    pub limit: usize,
}

/// The `state` filter of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketState {
    /// New, reopened, open, waiting: the work still to do.
    Open,
    /// Resolved and closed.
    Done,
}

impl TicketState {
    pub fn of(status: Status) -> Self {
        match status {
            Status::Resolved | Status::Closed => TicketState::Done,
            _ => TicketState::Open,
        }
    }
}

/// The order of a queue, kept by the server across the whole list (docs/storage.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueOrder {
    /// What falls due first: overdue first, then the soonest due, then the rest oldest first.
    #[default]
    Due,
    /// Urgent first, and within a priority what falls due first.
    Priority,
}

impl QueueOrder {
    pub const ALL: [QueueOrder; 2] = [QueueOrder::Due, QueueOrder::Priority];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueOrder::Due => "due",
            QueueOrder::Priority => "priority",
        }
    }
}

/// The most groups one list may name.
pub const MAX_GROUPS_PER_QUERY: usize = 50;

/// The `assignee` filter value that selects unassigned tickets.
pub const UNASSIGNED: &str = "none";

impl TicketQuery {
    /// Reads query-string pairs; unknown names and bad values are refused, not ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ApiError> {
        let mut query = TicketQuery { limit: DEFAULT_PAGE_SIZE, ..Default::default() };
        for (name, value) in pairs {
            match name {
                "status" => query.status = Some(value.parse().map_err(|_| bad_query(name, "not a status"))?),
                "state" => {
                    query.state = Some(match value {
                        "open" => TicketState::Open,
                        "done" => TicketState::Done,
                        _ => return Err(bad_query(name, "open or done")),
                    })
                }
                "priority" => query.priority = Some(value.parse().map_err(|_| bad_query(name, "not a priority"))?),
                "topic" => query.topic = Some(bounded(name, value, MAX_CURSOR_CHARS)?),
                "assignee" => query.assignee = Some(bounded(name, value, MAX_CURSOR_CHARS)?),
                "group" => {
                    let group = bounded(name, value, MAX_CURSOR_CHARS)?;
                    if !query.groups.contains(&group) {
                        query.groups.push(group);
                    }
                    if query.groups.len() > MAX_GROUPS_PER_QUERY {
                        return Err(bad_query(name, &format!("at most {MAX_GROUPS_PER_QUERY} groups")));
                    }
                }
                "sort" => {
                    query.sort =
                        QueueOrder::ALL.into_iter().find(|o| o.as_str() == value).ok_or_else(|| bad_query(name, "due or priority"))?
                }
                "cursor" => query.cursor = Some(bounded(name, value, MAX_CURSOR_CHARS)?),
                "limit" => query.limit = page_size(name, value)?,
                _ => return Err(bad_query(name, "unknown parameter")),
            }
        }
        if let (Some(status), Some(state)) = (query.status, query.state)
            && TicketState::of(status) != state
        {
            return Err(bad_query("state", "contradicts status"));
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_refuse_what_they_do_not_know() {
        let q = TicketQuery::from_pairs([("status", "waiting"), ("limit", "10"), ("assignee", UNASSIGNED)]).unwrap();
        assert_eq!(q.status, Some(Status::WaitingForRequester));
        assert_eq!(q.limit, 10);
        assert_eq!(TicketQuery::from_pairs([]).unwrap().limit, DEFAULT_PAGE_SIZE);
        for bad in [
            [("status", "pending")],
            [("limit", "0")],
            [("limit", "101")],
            [("limit", "x")],
            [("sort", "asc")],
            [("group", "")],
            [("state", "all")],
        ] {
            assert_eq!(TicketQuery::from_pairs(bad).unwrap_err().code, ErrorCode::InvalidQuery, "{bad:?}");
        }
        let both = TicketQuery::from_pairs([("status", "closed"), ("state", "open")]);
        assert_eq!(both.unwrap_err().code, ErrorCode::InvalidQuery, "a status outside the state");
        let q = TicketQuery::from_pairs([("group", "a"), ("group", "b"), ("group", "a"), ("sort", "priority")]).unwrap();
        assert_eq!((q.groups, q.sort), (vec!["a".to_string(), "b".to_string()], QueueOrder::Priority));
        let many: Vec<String> = (0..=MAX_GROUPS_PER_QUERY).map(|i| i.to_string()).collect();
        assert!(TicketQuery::from_pairs(many.iter().map(|g| ("group", g.as_str()))).is_err());
    }
}
