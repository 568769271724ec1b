//! The append-only event log of a ticket: everything that happened to it, by whom and when.

use crate::attachment::AttachmentRef;
use crate::mail::MailOrigin;
use crate::permissions::Actor;
use crate::ticket::{Channel, Priority, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    /// A ULID: sorts in the order events happened.
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        channel: Channel,
        /// Files filed with the ticket.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentRef>,
        /// The mail it came from, when it came by mail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mail: Option<MailOrigin>,
    },
    /// A message the requester sees: from the requester or from an agent.
    PublicReply {
        body: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentRef>,
        /// The mail it came from, when it came by mail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mail: Option<MailOrigin>,
    },
    /// Agents only; never shown to a requester (nor are its files).
    InternalNote {
        body: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentRef>,
        /// The mail it came from, when it came by mail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mail: Option<MailOrigin>,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    AssigneeChanged {
        from: Option<String>,
        to: Option<String>,
    },
    GroupChanged {
        from: String,
        to: String,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    FieldsChanged {
        changes: Vec<FieldChange>,
    },
    /// An SLA target is about to be missed.
    SlaWarning {
        target: crate::sla::TargetKind,
        cycle: u32,
        due_at: DateTime<Utc>,
    },
    /// An SLA target was missed.
    SlaBreached {
        target: crate::sla::TargetKind,
        cycle: u32,
        due_at: DateTime<Utc>,
    },
    /// Staff marked a knowledge-base article as the ticket's answer (or took the mark away).
    SolutionChanged {
        from: Option<String>,
        to: Option<String>,
    },
    /// The requester rated how a resolution went, through the link its notification carried.
    Rated {
        /// The event that resolved the ticket (a ticket resolved again is rated again).
        resolution: String,
        rating: crate::rating::Rating,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
}

/// One field's old and new value; `None` where it was or became empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
}

impl EventKind {
    /// Whether this is an internal note.
    pub fn is_internal(&self) -> bool {
        matches!(self, EventKind::InternalNote { .. })
    }

    /// The files this event carries.
    pub fn attachments(&self) -> &[AttachmentRef] {
        match self {
            EventKind::Created { attachments, .. }
            | EventKind::PublicReply { attachments, .. }
            | EventKind::InternalNote { attachments, .. } => attachments,
            _ => &[],
        }
    }

    /// The mail it came from, when it came by mail.
    pub fn mail(&self) -> Option<&MailOrigin> {
        match self {
            EventKind::Created { mail, .. } | EventKind::PublicReply { mail, .. } | EventKind::InternalNote { mail, .. } => mail.as_ref(),
            _ => None,
        }
    }

    /// Records the mail the event came from (on events that carry a message).
    pub fn set_mail(&mut self, origin: MailOrigin) {
        if let EventKind::Created { mail, .. } | EventKind::PublicReply { mail, .. } | EventKind::InternalNote { mail, .. } = self {
            *mail = Some(origin);
        }
    }

    fn attachments_mut(&mut self) -> Option<&mut Vec<AttachmentRef>> {
        match self {
            EventKind::Created { attachments, .. }
            | EventKind::PublicReply { attachments, .. }
            | EventKind::InternalNote { attachments, .. } => Some(attachments),
            _ => None,
        }
    }
}

/// Puts `files` on the first event of `events` that carries files (the new ticket or the new
/// message); `false` when there is none.
pub fn attach(events: &mut [TicketEvent], files: Vec<AttachmentRef>) -> bool {
    match events.iter_mut().find_map(|e| e.kind.attachments_mut()) {
        Some(list) => {
            list.extend(files);
            true
        }
        None => files.is_empty(),
    }
}

impl TicketEvent {
    /// Whether only staff may see this event: internal notes, the SLA's warnings and breaches, and
    /// whatever the helpdesk itself did (the SLA escalations' moves).
    pub fn is_staff_only(&self) -> bool {
        self.kind.is_internal()
            || matches!(self.kind, EventKind::SlaWarning { .. } | EventKind::SlaBreached { .. })
            || self.actor.role == crate::Role::System
    }
}
