//! Search over tickets and articles: the query string `GET /api/search` and
//! `GET /api/search/suggest` take, and what they answer. The search function applies the caller's
//! reach to every hit with [`crate::permissions::allows`], as the other read paths do.

use crate::error::ApiError;
use crate::knowledge::{ArticleStatus, Visibility};
use crate::query::bad_query;
use crate::ticket::Status;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest search text taken; longer is refused (400), never cut silently.
pub const MAX_QUERY_CHARS: usize = 200;
/// Hits one search answers at most, and by default.
pub const MAX_HITS: usize = 50;
pub const DEFAULT_HITS: usize = 20;
/// Articles a suggestion offers.
pub const SUGGESTIONS: usize = 5;

/// The search function's routes (method, path): API Gateway sends these to it, not to the tickets API.
pub const SEARCH_PATH: &str = "/api/search";
pub const SUGGEST_PATH: &str = "/api/search/suggest";

/// What a search looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    All,
    Tickets,
    Articles,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The words, as typed; never parsed as query syntax.
    pub text: String,
    pub scope: Scope,
    /// The reader's language: articles show in it when they have it.
    pub lang: String,
    /// Tickets only: filters.
    pub status: Vec<Status>,
    pub topic: Option<String>,
    pub group: Option<String>,
    /// Tickets created on or after this day (UTC) ...
    pub from: Option<NaiveDate>,
    /// ... and on or before this one.
    pub to: Option<NaiveDate>,
    pub limit: usize,
}

fn one_word(name: &str, value: &str) -> Result<String, ApiError> {
    if value.is_empty() || value.len() > crate::limits::MAX_ID_CHARS || !crate::topic::is_plain_id(value) {
        return Err(bad_query(name, "an id"));
    }
    Ok(value.to_string())
}

impl SearchQuery {
    /// Reads `q`, `scope`, `lang`, `status` (repeatable), `topic`, `group`, `from`, `to` and
    /// `limit`; anything else, or a bad value, is `invalid_query`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ApiError> {
        let mut query = SearchQuery { lang: crate::text::DEFAULT_LANGUAGE.into(), limit: DEFAULT_HITS, ..Default::default() };
        for (name, value) in pairs {
            match name {
                "q" => {
                    if value.chars().count() > MAX_QUERY_CHARS {
                        return Err(bad_query(name, &format!("longer than {MAX_QUERY_CHARS} characters")));
                    }
                    query.text = value.to_string();
                }
                "scope" => {
                    query.scope = serde_json::from_value(serde_json::Value::String(value.into()))
                        .map_err(|_| bad_query(name, "all, tickets or articles"))?
                }
                "lang" => query.lang = crate::query::language(value)?,
                "status" => query
                    .status
                    .push(serde_json::from_value(serde_json::Value::String(value.into())).map_err(|_| bad_query(name, "a ticket status"))?),
                "topic" => query.topic = Some(one_word(name, value)?),
                "group" => query.group = Some(one_word(name, value)?),
                "from" | "to" => {
                    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad_query(name, "a date, YYYY-MM-DD"))?;
                    if name == "from" { query.from = Some(day) } else { query.to = Some(day) }
                }
                "limit" => {
                    query.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_HITS).contains(n))
                        .ok_or_else(|| bad_query(name, &format!("1 to {MAX_HITS}")))?
                }
                _ => return Err(bad_query(name, "unknown parameter")),
            }
        }
        Ok(query)
    }

    /// Whether ticket-only filters were given (they leave articles out).
    pub fn filters_tickets(&self) -> bool {
        !self.status.is_empty() || self.topic.is_some() || self.group.is_some() || self.from.is_some() || self.to.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Ticket,
    Article,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub kind: HitKind,
    /// The ticket's or article's id: what its page is addressed by.
    pub id: String,
    /// A ticket's subject or an article's title.
    pub title: String,
    /// The start of the text that matched, plain (no markup).
    pub snippet: String,
    /// Tickets: their number and status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Articles: the language shown and their state (staff see drafts they may edit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_status: Option<ArticleStatus>,
    /// Articles: who may read them (an internal one's link means nothing to a requester).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn parse(q: &str) -> Result<SearchQuery, ErrorCode> {
        let pairs: Vec<(String, String)> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').map_or((p.into(), String::new()), |(a, b)| (a.into(), b.into())))
            .collect();
        SearchQuery::from_pairs(pairs.iter().map(|(a, b)| (a.as_str(), b.as_str()))).map_err(|e| e.code)
    }

    #[test]
    fn queries_parse_and_bad_ones_are_refused() {
        let q = parse("q=printer&scope=tickets&lang=ru&status=open&status=new&topic=printer&from=2026-01-02&limit=5").unwrap();
        assert_eq!((q.text.as_str(), q.scope, q.lang.as_str(), q.status.len(), q.limit), ("printer", Scope::Tickets, "ru", 2, 5));
        assert!(q.filters_tickets());
        for bad in ["lang=de", "scope=people", "status=lost", "from=02.01.2026", "limit=0", "limit=51", "topic=a#b", "group=a b", "x=1"] {
            assert_eq!(parse(bad).err(), Some(ErrorCode::InvalidQuery), "{bad}");
        }
        assert_eq!(parse(&format!("q={}", "x".repeat(MAX_QUERY_CHARS + 1))).err(), Some(ErrorCode::InvalidQuery));
        assert_eq!(parse("").map(|q| (q.text, q.scope, q.lang)), Ok((String::new(), Scope::All, "en".into())));
    }
}
