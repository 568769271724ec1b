//! Who may do what: one pure decision, (actor, action, resource) → allow or deny, used by every
//! route. Requesters reach their own tickets; agents the tickets of their groups (queues), the ones
//! assigned to them and the ones they filed; admins everything.

use crate::ticket::{Status, Ticket};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Requester,
    Agent,
    Admin,
    /// The helpdesk itself: the SLA scan's escalations and alerts.
    System,
}

impl Role {
    /// The roles a person's account can have (`System` is the helpdesk itself).
    pub const PEOPLE: [Role; 3] = [Role::Requester, Role::Agent, Role::Admin];

    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin | Role::System)
    }
}

/// The person acting: who they are, in which role, and (for agents) which groups they work.
/// Events record only the id and role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: String,
    pub role: Role,
    #[serde(skip)]
    pub groups: Vec<String>,
}

impl Actor {
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Self { id: id.into(), role, groups: Vec::new() }
    }

    pub fn in_groups(mut self, groups: &[&str]) -> Self {
        self.groups = groups.iter().map(|g| g.to_string()).collect();
        self
    }
}

/// What an action is about.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    None,
    Ticket(&'a Ticket),
    /// A ticket list: the groups (any of them; none: every group) and assignee it is filtered to.
    Queue {
        groups: &'a [String],
        assignee: Option<&'a str>,
    },
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
    /// See people and groups (to assign, to log a call for someone).
    ViewDirectory,
    ManageDirectory,
    /// See the mail the intake kept aside, and try it again.
    ManageMail,
}

impl Action {
    /// Every action, each status change once: the tests hold every role's answers to this list.
    pub fn all() -> Vec<Action> {
        let mut all = vec![
            Action::CreateTicket,
            Action::CreateTicketFor,
            Action::ViewTicket,
            Action::ViewInternal,
            Action::ListOwnTickets,
            Action::ListQueues,
            Action::Reply,
            Action::AddInternalNote,
            Action::Assign,
            Action::ChangeGroup,
            Action::ChangePriority,
            Action::ChangeFields,
            Action::ManageTopics,
            Action::ViewAllTopics,
            Action::ViewSla,
            Action::ManageSla,
            Action::ViewDirectory,
            Action::ManageDirectory,
            Action::ManageMail,
        ];
        all.extend(Status::ALL.into_iter().map(Action::ChangeStatus));
        all
    }
}

/// Whether `actor` may do `action` on `resource`. Every arm names its actions: an action nobody
/// listed for a role is a compile error here, never a silent yes.
pub fn allows(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
    match actor.role {
        Role::Admin | Role::System => true,
        Role::Agent => agent_allows(actor, action, resource),
        Role::Requester => requester_allows(actor, action, resource),
    }
}

/// Agents work the tickets in their reach: their groups' queues, their assignments, their own
/// requests. They read the configuration they work with and manage none of it.
fn agent_allows(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
    let in_reach =
        |t: &Ticket| t.requester == actor.id || actor.groups.contains(&t.group) || t.assignee.as_deref() == Some(actor.id.as_str());
    match action {
        Action::ViewTicket
        | Action::ViewInternal
        | Action::Reply
        | Action::AddInternalNote
        | Action::ChangeStatus(_)
        | Action::Assign
        | Action::ChangeGroup
        | Action::ChangePriority
        | Action::ChangeFields => matches!(resource, Resource::Ticket(t) if in_reach(t)),
        // An agent's lists: a group of theirs, or what is assigned to them (never "nobody's").
        Action::ListQueues => match resource {
            Resource::Queue { groups, assignee } => {
                (!groups.is_empty() && groups.iter().all(|g| actor.groups.contains(g)))
                    || assignee.is_some_and(|a| a == actor.id && a != crate::api::UNASSIGNED)
            }
            Resource::None | Resource::Ticket(_) => false,
        },
        Action::CreateTicket
        | Action::CreateTicketFor
        | Action::ListOwnTickets
        | Action::ViewAllTopics
        | Action::ViewSla
        | Action::ViewDirectory => match resource {
            Resource::None => true,
            Resource::Ticket(t) => in_reach(t),
            Resource::Queue { .. } => false,
        },
        Action::ManageTopics | Action::ManageSla | Action::ManageDirectory | Action::ManageMail => false,
    }
}

fn requester_allows(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
    let own = matches!(resource, Resource::Ticket(t) if t.requester == actor.id);
    match action {
        Action::CreateTicket | Action::ListOwnTickets => matches!(resource, Resource::None),
        Action::ViewTicket | Action::Reply => own,
        // A requester may confirm a resolution by closing, or reopen what was resolved or closed.
        Action::ChangeStatus(to) => {
            own && matches!(resource, Resource::Ticket(t) if matches!(
                (t.status, to),
                // Closing withdraws a request that is no longer needed, at any stage.
                (Status::New | Status::Open | Status::WaitingForRequester | Status::Reopened | Status::Resolved, Status::Closed)
                    | (Status::Resolved | Status::Closed, Status::Reopened)
            ))
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
        | Action::ManageSla
        | Action::ViewDirectory
        | Action::ManageDirectory
        | Action::ManageMail => false,
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
            sla_due: None,
        }
    }

    #[test]
    fn requesters_see_and_answer_only_their_own_tickets() {
        let anna = Actor::new("anna", Role::Requester);
        let t = ticket("anna", Status::Open);
        let other = ticket("boris", Status::Open);
        assert!(allows(&anna, Action::ViewTicket, Resource::Ticket(&t)));
        assert!(allows(&anna, Action::Reply, Resource::Ticket(&t)));
        assert!(!allows(&anna, Action::ViewTicket, Resource::Ticket(&other)));
        assert!(!allows(&anna, Action::Reply, Resource::Ticket(&other)));
        assert!(!allows(&anna, Action::ViewInternal, Resource::Ticket(&t)));
        assert!(!allows(&anna, Action::AddInternalNote, Resource::Ticket(&t)));
        assert!(!allows(&anna, Action::ListQueues, Resource::None));
        assert!(!allows(&anna, Action::ChangePriority, Resource::Ticket(&t)));
    }

    #[test]
    fn requesters_only_close_or_reopen() {
        let anna = Actor::new("anna", Role::Requester);
        assert!(allows(&anna, Action::ChangeStatus(Status::Reopened), Resource::Ticket(&ticket("anna", Status::Resolved))));
        assert!(allows(&anna, Action::ChangeStatus(Status::Closed), Resource::Ticket(&ticket("anna", Status::Resolved))));
        assert!(allows(&anna, Action::ChangeStatus(Status::Reopened), Resource::Ticket(&ticket("anna", Status::Closed))));
        assert!(!allows(&anna, Action::ChangeStatus(Status::Resolved), Resource::Ticket(&ticket("anna", Status::Open))));
        for open in [Status::New, Status::Open, Status::WaitingForRequester, Status::Reopened] {
            assert!(allows(&anna, Action::ChangeStatus(Status::Closed), Resource::Ticket(&ticket("anna", open))), "withdraw from {open}");
        }
        assert!(!allows(&anna, Action::ChangeStatus(Status::Closed), Resource::Ticket(&ticket("boris", Status::Open))), "not another's");
        assert!(!allows(&anna, Action::ChangeStatus(Status::WaitingForRequester), Resource::Ticket(&ticket("anna", Status::Open))));
        assert!(!allows(&anna, Action::ChangeStatus(Status::Reopened), Resource::Ticket(&ticket("boris", Status::Closed))));
    }

    #[test]
    fn agents_reach_their_groups_their_assignments_and_their_own_tickets() {
        let agent = Actor::new("ivan", Role::Agent).in_groups(&["network"]);
        let elsewhere = ticket("anna", Status::Open);
        assert!(!allows(&agent, Action::ViewTicket, Resource::Ticket(&elsewhere)), "another group's ticket");
        assert!(!allows(&agent, Action::Reply, Resource::Ticket(&elsewhere)));
        let mut assigned = elsewhere.clone();
        assigned.assignee = Some("ivan".into());
        assert!(allows(&agent, Action::AddInternalNote, Resource::Ticket(&assigned)), "assigned to him");
        let mut in_group = elsewhere.clone();
        in_group.group = "network".into();
        assert!(allows(&agent, Action::ChangePriority, Resource::Ticket(&in_group)), "his group's ticket");
        assert!(allows(&agent, Action::ViewTicket, Resource::Ticket(&ticket("ivan", Status::Open))), "his own request");
        let groups = |names: &[&str]| names.iter().map(|g| g.to_string()).collect::<Vec<_>>();
        let (network, both, desk) = (groups(&["network"]), groups(&["network", "service-desk"]), groups(&["service-desk"]));
        let queue = |groups, assignee| Resource::Queue { groups, assignee };
        assert!(allows(&agent, Action::ListQueues, queue(&network, None)));
        assert!(allows(&agent, Action::ListQueues, queue(&[], Some("ivan"))));
        assert!(!allows(&agent, Action::ListQueues, queue(&desk, None)));
        assert!(!allows(&agent, Action::ListQueues, queue(&both, None)), "one group not his");
        assert!(!allows(&agent, Action::ListQueues, queue(&[], None)), "all queues: admins only");
        assert!(allows(&Actor::new("root", Role::Admin), Action::ListQueues, queue(&[], None)));
    }

    #[test]
    fn agents_work_tickets_but_do_not_manage_topics() {
        let agent = Actor::new("ivan", Role::Agent).in_groups(&["service-desk"]);
        let t = ticket("anna", Status::Open);
        for action in [Action::ViewTicket, Action::ViewInternal, Action::AddInternalNote, Action::Assign, Action::CreateTicketFor] {
            assert!(allows(&agent, action, Resource::Ticket(&t)), "{action:?}");
        }
        assert!(!allows(&agent, Action::ManageTopics, Resource::None));
        assert!(allows(&Actor::new("root", Role::Admin), Action::ManageTopics, Resource::None));
    }

    /// Every action × every kind of resource, for an agent: the whole table, written out. A new
    /// action fails this test until somebody decides what agents may do with it.
    #[test]
    fn agents_are_denied_what_nobody_listed() {
        let agent = Actor::new("ivan", Role::Agent).in_groups(&["service-desk"]);
        let mine = ticket("anna", Status::Open);
        let mut elsewhere = ticket("anna", Status::Open);
        elsewhere.group = "network".into();
        let (desk, network) = (["service-desk".to_string()], ["network".to_string()]);
        let own_queue = Resource::Queue { groups: &desk, assignee: None };
        let other_queue = Resource::Queue { groups: &network, assignee: None };
        let resources = [Resource::None, Resource::Ticket(&mine), Resource::Ticket(&elsewhere), own_queue, other_queue];
        let expected = |action: Action| -> [bool; 5] {
            match action {
                Action::ViewTicket
                | Action::ViewInternal
                | Action::Reply
                | Action::AddInternalNote
                | Action::ChangeStatus(_)
                | Action::Assign
                | Action::ChangeGroup
                | Action::ChangePriority
                | Action::ChangeFields => [false, true, false, false, false],
                Action::ListQueues => [false, false, false, true, false],
                Action::CreateTicket
                | Action::CreateTicketFor
                | Action::ListOwnTickets
                | Action::ViewAllTopics
                | Action::ViewSla
                | Action::ViewDirectory => [true, true, false, false, false],
                Action::ManageTopics | Action::ManageSla | Action::ManageDirectory | Action::ManageMail => [false; 5],
            }
        };
        let mut wrong = Vec::new();
        for action in Action::all() {
            for (resource, want) in resources.iter().zip(expected(action)) {
                if allows(&agent, action, *resource) != want {
                    wrong.push(format!("{action:?} on {resource:?}: expected {want}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(Action::all().len(), 19 + Status::ALL.len(), "Action::all lists every action");
    }

    #[test]
    fn nobody_lists_unassigned_tickets_by_calling_themselves_none() {
        let none = Actor::new(crate::api::UNASSIGNED, Role::Agent).in_groups(&["network"]);
        assert!(!allows(&none, Action::ListQueues, Resource::Queue { groups: &[], assignee: Some(crate::api::UNASSIGNED) }));
    }
}
