//! Who hears of an event, and as what.

use super::preferences::Notice;
use crate::backbone::DomainEvent;
use crate::event::EventKind;
use crate::ticket::Status;
use crate::topic::is_plain_id;

/// A person, or every active agent of a group (the function expands it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Recipient {
    User(String),
    Group(String),
}

/// Everyone an event concerns, before anyone's preferences: the requester of their own ticket's
/// news, the assignee (or the group while nobody is assigned) of the requester's words, status
/// changes they must act on, and SLA alerts; a new assignee; agents mentioned in a note.
/// The author is listed too where the rule names them: [`super::decide`] says why they get nothing.
pub fn audience(domain: &DomainEvent) -> Vec<(Recipient, Notice)> {
    let ticket = &domain.ticket;
    let requester = || Recipient::User(ticket.requester.clone());
    let handler = || match &ticket.assignee {
        Some(agent) => Recipient::User(agent.clone()),
        None => Recipient::Group(ticket.group.clone()),
    };
    match &domain.event.kind {
        // An automatic message (an out-of-office) is never answered: no acknowledgement to it.
        EventKind::Created { mail: Some(origin), .. } if origin.auto_submitted => {
            vec![(Recipient::Group(ticket.group.clone()), Notice::NewTicket)]
        }
        EventKind::Created { .. } => vec![(requester(), Notice::TicketFiled), (Recipient::Group(ticket.group.clone()), Notice::NewTicket)],
        EventKind::PublicReply { .. } if domain.event.actor.id == ticket.requester => vec![(handler(), Notice::Reply)],
        EventKind::PublicReply { .. } => vec![(requester(), Notice::Reply)],
        EventKind::StatusChanged { to: Status::Resolved, .. } => vec![(requester(), Notice::Resolved)],
        EventKind::StatusChanged { to: Status::WaitingForRequester, .. } => vec![(requester(), Notice::WaitingForYou)],
        EventKind::StatusChanged { to: Status::Reopened, .. } => vec![(handler(), Notice::Reopened)],
        EventKind::AssigneeChanged { to: Some(agent), .. } => vec![(Recipient::User(agent.clone()), Notice::Assigned)],
        EventKind::SlaWarning { .. } => vec![(handler(), Notice::SlaWarning)],
        EventKind::SlaBreached { .. } => vec![(handler(), Notice::SlaBreached)],
        EventKind::InternalNote { body, .. } => mentions(body).into_iter().map(|id| (Recipient::User(id), Notice::Mentioned)).collect(),
        _ => Vec::new(),
    }
}

/// The account ids mentioned as `@id` in a note, each once, in order. An `@` inside a word (an
/// e-mail address) is not a mention.
pub fn mentions(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous = ' ';
    for (at, c) in body.char_indices() {
        if c == '@' && !previous.is_alphanumeric() {
            let rest = &body[at + 1..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c))).unwrap_or(rest.len());
            // A sentence may end right after the mention: "ask @anna.petrova."
            let id = rest[..end].trim_end_matches(['.', '-', '_']).to_lowercase();
            if is_plain_id(&id) && !found.contains(&id) {
                found.push(id);
            }
        }
        previous = c;
    }
    found
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::TicketEvent;
    use crate::permissions::{Actor, Role};
    use crate::sla::TargetKind;
    use crate::ticket::{Channel, Priority, Ticket, TicketNumber};
    use chrono::{TimeZone, Utc};

    pub(crate) fn ticket(assignee: Option<&str>) -> Ticket {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        Ticket {
            id: "01TICKET".into(),
            number: TicketNumber(1042),
            subject: "Printer jams".into(),
            description: "Paper jam on floor 3".into(),
            requester: "ivan".into(),
            topic: "printer".into(),
            priority: Priority::High,
            status: Status::Open,
            assignee: assignee.map(Into::into),
            group: "service-desk".into(),
            channel: Channel::Web,
            fields: Default::default(),
            created_at: at,
            updated_at: at,
            version: 2,
            sla_next_action: None,
            sla_due: None,
            solution: None,
        }
    }

    fn event(ticket: Ticket, actor: &str, role: Role, kind: EventKind) -> DomainEvent {
        let at = ticket.updated_at;
        DomainEvent { ticket, event: TicketEvent { id: "01EVENT".into(), at, actor: Actor::new(actor, role), kind } }
    }

    fn reply(body: &str) -> EventKind {
        EventKind::PublicReply { body: body.into(), attachments: vec![], mail: None }
    }

    #[test]
    fn a_reply_goes_to_the_other_side() {
        let by_agent = event(ticket(Some("anna")), "anna", Role::Agent, reply("Try this"));
        assert_eq!(audience(&by_agent), [(Recipient::User("ivan".into()), Notice::Reply)]);
        let by_requester = event(ticket(Some("anna")), "ivan", Role::Requester, reply("Still broken"));
        assert_eq!(audience(&by_requester), [(Recipient::User("anna".into()), Notice::Reply)]);
        let unassigned = event(ticket(None), "ivan", Role::Requester, reply("Anyone?"));
        assert_eq!(audience(&unassigned), [(Recipient::Group("service-desk".into()), Notice::Reply)]);
    }

    #[test]
    fn each_kind_reaches_whom_it_concerns() {
        let created =
            event(ticket(None), "ivan", Role::Requester, EventKind::Created { channel: Channel::Web, attachments: vec![], mail: None });
        assert_eq!(
            audience(&created),
            [(Recipient::User("ivan".into()), Notice::TicketFiled), (Recipient::Group("service-desk".into()), Notice::NewTicket)]
        );
        let origin = crate::mail::MailOrigin { from: "ivan@example.com".into(), auto_submitted: true, ..Default::default() };
        let out_of_office = event(
            ticket(None),
            "ivan",
            Role::Requester,
            EventKind::Created { channel: Channel::Email, attachments: vec![], mail: Some(origin) },
        );
        assert_eq!(
            audience(&out_of_office),
            [(Recipient::Group("service-desk".into()), Notice::NewTicket)],
            "an auto-reply is never answered"
        );
        let status = |to| event(ticket(Some("anna")), "anna", Role::Agent, EventKind::StatusChanged { from: Status::Open, to });
        assert_eq!(audience(&status(Status::Resolved)), [(Recipient::User("ivan".into()), Notice::Resolved)]);
        assert_eq!(audience(&status(Status::WaitingForRequester)), [(Recipient::User("ivan".into()), Notice::WaitingForYou)]);
        assert_eq!(audience(&status(Status::Reopened)), [(Recipient::User("anna".into()), Notice::Reopened)]);
        assert!(audience(&status(Status::Open)).is_empty());
        let assigned =
            event(ticket(Some("boris")), "anna", Role::Agent, EventKind::AssigneeChanged { from: None, to: Some("boris".into()) });
        assert_eq!(audience(&assigned), [(Recipient::User("boris".into()), Notice::Assigned)]);
        let due_at = Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap();
        let breach =
            event(ticket(None), "sla", Role::System, EventKind::SlaBreached { target: TargetKind::FirstResponse, cycle: 1, due_at });
        assert_eq!(audience(&breach), [(Recipient::Group("service-desk".into()), Notice::SlaBreached)]);
        let priority = event(ticket(None), "anna", Role::Agent, EventKind::PriorityChanged { from: Priority::Low, to: Priority::High });
        assert!(audience(&priority).is_empty());
    }

    #[test]
    fn a_note_reaches_only_the_agents_it_mentions() {
        let note = event(
            ticket(Some("anna")),
            "anna",
            Role::Agent,
            EventKind::InternalNote {
                body: "@boris.k please look; cc @Olga. mail ivan@example.com, @boris.k again".into(),
                attachments: vec![],
                mail: None,
            },
        );
        assert_eq!(
            audience(&note),
            [(Recipient::User("boris.k".into()), Notice::Mentioned), (Recipient::User("olga".into()), Notice::Mentioned)]
        );
        assert!(mentions("no one @ all, a@b").is_empty());
    }
}
