//! What the event backbone carries (docs/events.md): one event of a ticket's log together with the
//! ticket as that change left it, so a consumer (notifications, reports, search) needs no read to
//! know whom and what the event concerns.

use crate::event::{EventKind, TicketEvent};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// The `source` of every event the helpdesk puts on its bus.
pub const EVENT_SOURCE: &str = "helpdesk";
/// The `source` of knowledge-base events: rules on [`EVENT_SOURCE`] (notifications) never see them.
pub const KNOWLEDGE_SOURCE: &str = "helpdesk.knowledge";
/// The detail-type of an article's save.
pub const ARTICLE_CHANGED: &str = "ArticleChanged";

/// An article was saved (created, edited, published, restored): its id and new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleChange {
    /// The event's id (a ULID).
    pub id: String,
    pub article: String,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub ticket: Ticket,
    pub event: TicketEvent,
}

impl DomainEvent {
    /// The event's id (a ULID): consumers drop a repeat delivery by it.
    pub fn id(&self) -> &str {
        &self.event.id
    }

    /// The EventBridge detail-type: what rules match on.
    pub fn detail_type(&self) -> &'static str {
        detail_type(&self.event.kind)
    }
}

/// The detail-type of an event of this kind, e.g. `PublicReply`.
pub fn detail_type(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Created { .. } => "TicketCreated",
        EventKind::PublicReply { .. } => "PublicReply",
        EventKind::InternalNote { .. } => "InternalNote",
        EventKind::StatusChanged { .. } => "StatusChanged",
        EventKind::AssigneeChanged { .. } => "AssigneeChanged",
        EventKind::GroupChanged { .. } => "GroupChanged",
        EventKind::PriorityChanged { .. } => "PriorityChanged",
        EventKind::FieldsChanged { .. } => "FieldsChanged",
        EventKind::SlaWarning { .. } => "SlaWarning",
        EventKind::SlaBreached { .. } => "SlaBreached",
        EventKind::SolutionChanged { .. } => "SolutionChanged",
        EventKind::Rated { .. } => "Rated",
    }
}

/// The domain events a ticket change announces: one per new event of its log. A mail's HTML
/// stays behind (no consumer shows it, and EventBridge caps an event at 256 KB).
pub fn announce(ticket: &Ticket, events: &[TicketEvent]) -> Vec<DomainEvent> {
    events
        .iter()
        .map(|e| {
            let mut event = e.clone();
            if let Some(origin) = event.kind.mail().filter(|m| m.html.is_some()) {
                let origin = crate::mail::MailOrigin { html: None, ..origin.clone() };
                event.kind.set_mail(origin);
            }
            DomainEvent { ticket: ticket.clone(), event }
        })
        .collect()
}
