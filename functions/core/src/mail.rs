//! Mail that came in: what a ticket's event records of the message it came from, who speaks for
//! it on the ticket, and the messages the intake could not take (listed for admins, who may try
//! them again). Parsing and storage live in the mail-intake function; the rules live here.

use crate::permissions::{Action, Actor, Resource, Role, allows};
use crate::ticket::{Ticket, TicketNumber};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The author of what the helpdesk itself writes from mail: notes of replies from people who
/// are not on the ticket, and of bounces.
pub const MAIL_ACTOR_ID: &str = "mail";

/// Placeholder text of a message that brought only files.
pub const NO_TEXT: &str = "(no text)";
/// Placeholder subject of a message without one.
pub const NO_SUBJECT: &str = "(no subject)";

fn is_false(b: &bool) -> bool {
    !b
}

/// What a ticket's event records of the mail it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailOrigin {
    /// The sender's address.
    pub from: String,
    /// The message's Message-ID without angle brackets (empty when it had none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_id: String,
    /// An automatic message (an out-of-office, a list, a bounce): kept, never answered.
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_submitted: bool,
    /// Quoted history was cut from the text; the whole message is attached as an `.eml` file.
    #[serde(default, skip_serializing_if = "is_false")]
    pub trimmed: bool,
    /// The subject named this ticket but the sender is not on it: a new ticket that may follow
    /// it up, never merged into it silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "HD-1042"))]
    pub possible_follow_up_of: Option<TicketNumber>,
    /// The message's HTML, sanitised by the intake (no scripts, styles, handlers or remote
    /// images; its own images as `attachment:<id>`). Not carried on the event backbone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// How mail from a sender lands on an existing ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailVoice {
    /// A message the requester sees, written by the sender (the requester, or an agent of it).
    Reply(Actor),
    /// A note only agents see, written by the helpdesk (someone not on the ticket, an unknown
    /// address): never dropped, never shown to the requester.
    Note(Actor),
}

/// The voice of `sender` (their account, when the address is known) on `ticket`.
pub fn voice(ticket: &Ticket, sender: Option<&Actor>) -> MailVoice {
    match sender {
        Some(actor) if allows(actor, Action::Reply, Resource::Ticket(ticket)) => MailVoice::Reply(actor.clone()),
        _ => MailVoice::Note(Actor::new(MAIL_ACTOR_ID, Role::System)),
    }
}

/// Whether someone whose mail names `ticket` only by its number in the subject may add to it:
/// its requester, its assignee, anyone who wrote on it already, or an agent who works it. Anyone
/// else's mail becomes a new ticket marked as a possible follow-up (an old subject line is no
/// proof of anything).
pub fn may_thread_by_subject(ticket: &Ticket, authors: &[&str], sender: &Actor) -> bool {
    let id = sender.id.as_str();
    ticket.requester == id
        || ticket.assignee.as_deref() == Some(id)
        || authors.contains(&id)
        || (sender.role.is_staff() && allows(sender, Action::Reply, Resource::Ticket(ticket)))
}

/// The ticket number a subject names as `[HD-1042]`, if it names one.
pub fn subject_number(subject: &str) -> Option<TicketNumber> {
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find(']')
            && let Ok(number) = after[..close].trim().parse::<TicketNumber>()
        {
            return Some(number);
        }
        rest = after;
    }
    None
}

/// Cuts `text` to at most `max` bytes at a character boundary, marking the cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    const MARK: &str = "\n[…]";
    let mut end = max.saturating_sub(MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &text[..end])
}

/// Why the intake could not take a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailRejection {
    /// Not a message the parser could read at all.
    Unreadable,
    /// No sender address to answer or to file for.
    NoSender,
    /// The sender's domain may not file tickets by mail (the deployment's allowed domains).
    SenderNotAllowed,
    /// The sender sent more mail in the last hour than the cap allows.
    RateLimited,
    /// The message is larger than the helpdesk takes.
    TooLarge,
}

/// A message the intake kept aside: its raw bytes stay in the bucket for an admin to look at or
/// to try again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedMail {
    /// A ULID (sorts by arrival).
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub reason: MailRejection,
    /// What exactly was wrong, in English, for the admin.
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The raw message's key in the files bucket.
    pub object_key: String,
    /// How many times it was tried (1 at arrival).
    pub attempts: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Channel, Priority, Status};

    fn ticket() -> Ticket {
        Ticket {
            id: "t".into(),
            number: TicketNumber(1042),
            subject: "s".into(),
            description: "d".into(),
            requester: "anna".into(),
            topic: "printer".into(),
            priority: Priority::Low,
            status: Status::Open,
            assignee: Some("ivan".into()),
            group: "service-desk".into(),
            channel: Channel::Email,
            fields: Default::default(),
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            version: 1,
            sla_next_action: None,
            sla_due: None,
            solution: None,
        }
    }

    #[test]
    fn the_subject_number_is_found_in_brackets_only() {
        assert_eq!(subject_number("Re: [HD-1042] Printer"), Some(TicketNumber(1042)));
        assert_eq!(subject_number("AW: [list] [ HD-7 ]"), Some(TicketNumber(7)));
        assert_eq!(subject_number("HD-1042 without brackets"), None);
        assert_eq!(subject_number("[HD-x] [HD-"), None);
    }

    #[test]
    fn only_people_on_the_ticket_thread_by_subject() {
        let t = ticket();
        let requester = |id: &str| Actor::new(id, Role::Requester);
        assert!(may_thread_by_subject(&t, &[], &requester("anna")));
        assert!(may_thread_by_subject(&t, &[], &Actor::new("ivan", Role::Agent)));
        assert!(may_thread_by_subject(&t, &["boris"], &requester("boris")));
        assert!(!may_thread_by_subject(&t, &["boris"], &requester("eve")));
        assert!(may_thread_by_subject(&t, &[], &Actor::new("olga", Role::Agent).in_groups(&["service-desk"])), "an agent who works it");
        assert!(!may_thread_by_subject(&t, &[], &Actor::new("olga", Role::Agent).in_groups(&["network"])), "an agent of another group");
    }

    #[test]
    fn people_not_on_the_ticket_become_a_note() {
        let t = ticket();
        let anna = Actor::new("anna", Role::Requester);
        assert_eq!(voice(&t, Some(&anna)), MailVoice::Reply(anna));
        let agent = Actor::new("ivan", Role::Agent).in_groups(&["service-desk"]);
        assert_eq!(voice(&t, Some(&agent)), MailVoice::Reply(agent));
        let stranger = Actor::new("boris", Role::Requester);
        assert!(matches!(voice(&t, Some(&stranger)), MailVoice::Note(a) if a.id == MAIL_ACTOR_ID));
        assert!(matches!(voice(&t, None), MailVoice::Note(_)));
    }

    #[test]
    fn fit_cuts_at_a_character_boundary() {
        assert_eq!(fit("abc", 10), "abc");
        let cut = fit(&"я".repeat(100), 51);
        assert!(cut.len() <= 51 && cut.ends_with("[…]"), "{cut}");
    }
}
