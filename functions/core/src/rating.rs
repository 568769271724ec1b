//! Satisfaction (CSAT): the "resolved" notification carries two links, good and bad; the
//! requester's click opens a page that sends the rating (with an optional comment) without
//! signing in. The link's token is a random capability the notify function stores per
//! resolution (docs/reports.md): unknown, altered or expired tokens are refused, and a
//! resolution is rated once — a second use of the link changes nothing.

use crate::commands::Change;
use crate::error::{ApiError, ErrorCode, FieldError, FieldErrorCode};
use crate::event::{EventKind, TicketEvent};
use crate::permissions::{Actor, Role};
use crate::ticket::{Status, Ticket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long a rating link works after its notification was sent.
pub const RATING_LINK_DAYS: i64 = 30;
/// The longest comment a rating takes.
pub const MAX_RATING_COMMENT_CHARS: usize = 2_000;
/// The web page a rating link opens.
pub const RATING_PAGE: &str = "/rate";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Good,
    Bad,
}

/// `POST /api/ratings`: the link's token, the rating, and an optional comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    pub token: String,
    pub rating: Rating,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The answer to a rating: which ticket it rated, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingReceipt {
    /// The ticket's number, e.g. `HD-1042`.
    pub ticket: String,
    pub rating: Rating,
}

/// The page a rating link opens, the choice made by the click already in it.
pub fn rating_link(site_url: &str, token: &str, rating: Rating) -> String {
    format!("{}{RATING_PAGE}?token={token}&rating={}", site_url.trim_end_matches('/'), crate::wire_name(&rating))
}

/// Whether `token` could be one the notify function made (a lowercase ULID): anything else is
/// refused before the table is asked.
pub fn is_token(token: &str) -> bool {
    token.len() == 26 && token.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// Whether this event resolved the ticket (or closed it from an open state).
pub fn resolves(event: &TicketEvent) -> bool {
    matches!(event.kind, EventKind::StatusChanged { from, to }
        if matches!(to, Status::Resolved | Status::Closed) && !matches!(from, Status::Resolved | Status::Closed))
}

/// The requester's rating of the resolution `resolution` (an event id of the log), at `now`.
/// Refused when the log has no such resolution (`RatingLinkInvalid`), when it was rated already
/// (`AlreadyRated`), or when the comment is too long.
pub fn rate(
    ticket: &Ticket,
    events: &[TicketEvent],
    resolution: &str,
    req: &RatingRequest,
    now: DateTime<Utc>,
    event_id: String,
) -> Result<Change, ApiError> {
    if !events.iter().any(|e| e.id == resolution && resolves(e)) {
        return Err(ApiError::new(ErrorCode::RatingLinkInvalid, "this link does not rate any resolution of the ticket"));
    }
    let rated = |e: &TicketEvent| matches!(&e.kind, EventKind::Rated { resolution: r, .. } if r == resolution);
    if events.iter().any(rated) {
        return Err(ApiError::new(ErrorCode::AlreadyRated, "this resolution was rated already: thank you"));
    }
    let comment = req.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_RATING_COMMENT_CHARS) {
        return Err(ApiError::validation(vec![FieldError::new(
            "comment",
            FieldErrorCode::TooLong,
            format!("at most {MAX_RATING_COMMENT_CHARS} characters"),
        )]));
    }
    let mut next = ticket.clone();
    next.version += 1;
    next.updated_at = now;
    let event = TicketEvent {
        id: event_id,
        at: now,
        actor: Actor::new(&ticket.requester, Role::Requester),
        kind: EventKind::Rated { resolution: resolution.to_string(), rating: req.rating, comment: comment.map(str::to_string) },
    };
    Ok(Change { ticket: next, events: vec![event] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Channel, Priority, TicketNumber};

    fn ticket() -> Ticket {
        let at: DateTime<Utc> = "2026-11-02T09:00:00Z".parse().unwrap();
        Ticket {
            id: "01TICKET".into(),
            number: TicketNumber(1042),
            subject: "Printer jams".into(),
            description: "d".into(),
            requester: "anna".into(),
            topic: "printer".into(),
            priority: Priority::Medium,
            status: Status::Resolved,
            assignee: Some("ivan".into()),
            group: "service-desk".into(),
            channel: Channel::Web,
            fields: Default::default(),
            created_at: at,
            updated_at: at,
            version: 3,
            sla_next_action: None,
            sla_due: None,
            solution: None,
        }
    }

    fn resolved(id: &str) -> TicketEvent {
        TicketEvent {
            id: id.into(),
            at: "2026-11-02T10:00:00Z".parse().unwrap(),
            actor: Actor::new("ivan", Role::Agent),
            kind: EventKind::StatusChanged { from: Status::Open, to: Status::Resolved },
        }
    }

    fn request(rating: Rating, comment: Option<&str>) -> RatingRequest {
        RatingRequest { token: "t".into(), rating, comment: comment.map(str::to_string) }
    }

    #[test]
    fn a_resolution_is_rated_once_by_its_requester() {
        let now = "2026-11-03T08:00:00Z".parse().unwrap();
        let mut log = vec![resolved("E1")];
        let change = rate(&ticket(), &log, "E1", &request(Rating::Good, Some("  Quick, thanks! ")), now, "E2".into()).unwrap();
        assert_eq!(change.ticket.version, 4);
        let [event] = change.events.as_slice() else { panic!("one event") };
        assert_eq!(event.actor, Actor::new("anna", Role::Requester));
        assert_eq!(event.kind, EventKind::Rated { resolution: "E1".into(), rating: Rating::Good, comment: Some("Quick, thanks!".into()) });
        log.push(event.clone());
        let again = rate(&ticket(), &log, "E1", &request(Rating::Bad, None), now, "E3".into()).unwrap_err();
        assert_eq!(again.code, ErrorCode::AlreadyRated);
        // A later resolution (after a reopening) is rated on its own.
        log.push(resolved("E4"));
        assert!(rate(&ticket(), &log, "E4", &request(Rating::Bad, None), now, "E5".into()).is_ok());
    }

    #[test]
    fn links_to_no_resolution_and_long_comments_are_refused() {
        let now = "2026-11-03T08:00:00Z".parse().unwrap();
        let log = vec![resolved("E1")];
        assert_eq!(
            rate(&ticket(), &log, "E9", &request(Rating::Good, None), now, "E2".into()).unwrap_err().code,
            ErrorCode::RatingLinkInvalid
        );
        let long = "x".repeat(MAX_RATING_COMMENT_CHARS + 1);
        assert_eq!(
            rate(&ticket(), &log, "E1", &request(Rating::Good, Some(&long)), now, "E2".into()).unwrap_err().code,
            ErrorCode::ValidationFailed
        );
    }

    #[test]
    fn links_name_the_page_the_token_and_the_choice() {
        assert_eq!(rating_link("https://hd.example.org/", "01jabc", Rating::Bad), "https://hd.example.org/rate?token=01jabc&rating=bad");
        assert!(is_token("01jc5z8q3k4m6n7p8r9s0t1v2w"));
        assert!(!is_token("01JC5Z8Q3K4M6N7P8R9S0T1V2W"));
        assert!(!is_token("short"));
    }
}
