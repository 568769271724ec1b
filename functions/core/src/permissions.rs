//! Who may do what: one pure decision, (actor, action, ticket) → allow or deny, used by every route.

use crate::ticket::{Status, Ticket};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Requester,
    Agent,
    Admin,
    /// The helpdesk itself: the SLA scan's escalations and alerts.
    System,
}

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin | Role::System)
    }
}

/// The person acting: who they are and in which role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl Actor {
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Self { id: id.into(), role }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// File a ticket for oneself.
    CreateTicket,
    /// File a ticket for somebody else, e.g. log a phone call.
    CreateTicketFor,
    ViewTicket,
    /// See internal notes and the other agent-only parts of a ticket.
    ViewInternal,
    ListOwnTickets,
    ListQueues,
    Reply,
    AddInternalNote,
    ChangeStatus(Status),
    Assign,
    ChangeGroup,
    ChangePriority,
    ChangeFields,
    ManageTopics,
    /// See archived topics too.
    ViewAllTopics,
    /// See SLA clocks, plans and calendars.
    ViewSla,
    ManageSla,
}

/// Whether `actor` may do `action`, on `ticket` where the action is about one.
pub fn allows(actor: &Actor, action: Action, ticket: Option<&Ticket>) -> bool {
    let own = ticket.is_some_and(|t| t.requester == actor.id);
    match actor.role {
        Role::Admin | Role::System => true,
        Role::Agent => !matches!(action, Action::ManageTopics | Action::ManageSla),
        Role::Requester => match action {
            Action::CreateTicket | Action::ListOwnTickets => true,
            Action::ViewTicket | Action::Reply => own,
            // A requester may confirm a resolution by closing, or reopen what was resolved or closed.
            Action::ChangeStatus(to) => {
                own && ticket.is_some_and(|t| {
                    matches!((t.status, to), (Status::Resolved, Status::Closed) | (Status::Resolved | Status::Closed, Status::Reopened))
                })
            }
            Action::CreateTicketFor
            | Action::ViewInternal
            | Action::ListQueues
            | Action::AddInternalNote
            | Action::Assign
            | Action::ChangeGroup
            | Action::ChangePriority
            | Action::ChangeFields
            | Action::ManageTopics
            | Action::ViewAllTopics
            | Action::ViewSla
            | Action::ManageSla => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::FieldValues;
    use crate::ticket::{Channel, Priority, TicketNumber};
    use chrono::DateTime;

    fn ticket(requester: &str, status: Status) -> Ticket {
        Ticket {
            id: "t1".into(),
            number: TicketNumber(1001),
            subject: "s".into(),
            description: "d".into(),
            requester: requester.into(),
            topic: "printer".into(),
            priority: Priority::Medium,
            status,
            assignee: None,
            group: "service-desk".into(),
            channel: Channel::Web,
            fields: FieldValues::new(),
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            version: 1,
            sla_next_action: None,
        }
    }

    #[test]
    fn requesters_see_and_answer_only_their_own_tickets() {
        let anna = Actor::new("anna", Role::Requester);
        let t = ticket("anna", Status::Open);
        let other = ticket("boris", Status::Open);
        assert!(allows(&anna, Action::ViewTicket, Some(&t)));
        assert!(allows(&anna, Action::Reply, Some(&t)));
        assert!(!allows(&anna, Action::ViewTicket, Some(&other)));
        assert!(!allows(&anna, Action::Reply, Some(&other)));
        assert!(!allows(&anna, Action::ViewInternal, Some(&t)));
        assert!(!allows(&anna, Action::AddInternalNote, Some(&t)));
        assert!(!allows(&anna, Action::ListQueues, None));
        assert!(!allows(&anna, Action::ChangePriority, Some(&t)));
    }

    #[test]
    fn requesters_only_close_or_reopen() {
        let anna = Actor::new("anna", Role::Requester);
        assert!(allows(&anna, Action::ChangeStatus(Status::Reopened), Some(&ticket("anna", Status::Resolved))));
        assert!(allows(&anna, Action::ChangeStatus(Status::Closed), Some(&ticket("anna", Status::Resolved))));
        assert!(allows(&anna, Action::ChangeStatus(Status::Reopened), Some(&ticket("anna", Status::Closed))));
        assert!(!allows(&anna, Action::ChangeStatus(Status::Resolved), Some(&ticket("anna", Status::Open))));
        assert!(!allows(&anna, Action::ChangeStatus(Status::Closed), Some(&ticket("anna", Status::Open))));
        assert!(!allows(&anna, Action::ChangeStatus(Status::Reopened), Some(&ticket("boris", Status::Closed))));
    }

    #[test]
    fn agents_work_tickets_but_do_not_manage_topics() {
        let agent = Actor::new("ivan", Role::Agent);
        let t = ticket("anna", Status::Open);
        for action in
            [Action::ViewTicket, Action::ViewInternal, Action::AddInternalNote, Action::Assign, Action::CreateTicketFor, Action::ListQueues]
        {
            assert!(allows(&agent, action, Some(&t)), "{action:?}");
        }
        assert!(!allows(&agent, Action::ManageTopics, None));
        assert!(allows(&Actor::new("root", Role::Admin), Action::ManageTopics, None));
    }
}
