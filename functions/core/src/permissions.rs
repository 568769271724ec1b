//! Who may do what: one pure decision, (actor, action, resource) → allow or deny, used by every
//! route. Requesters reach their own tickets; agents the tickets of their groups (queues), the ones
//! assigned to them and the ones they filed; admins everything.

use crate::knowledge::{ArticleAccess, ArticleStatus, Visibility};
use crate::ticket::{Status, Ticket};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Requester,
    Agent,
    Admin,
    /// Reads the reports, the queues and their tickets, for every group or for the groups chosen
    /// for them (a team lead); works no ticket and administers nothing.
    Manager,
    /// The helpdesk itself: the SLA scan's escalations and alerts.
    System,
}

impl Role {
    /// The roles a person's account can have (`System` is the helpdesk itself).
    pub const PEOPLE: [Role; 4] = [Role::Requester, Role::Agent, Role::Manager, Role::Admin];

    /// Works tickets: their answers are the helpdesk's (SLA clocks, notifications, mail).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin | Role::System)
    }

    /// Reads the queues and the staff's side of tickets (internal notes): staff and managers.
    pub fn reads_queues(self) -> bool {
        self.is_staff() || self == Role::Manager
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
    /// An agent who may write knowledge-base articles (admins always may).
    #[serde(skip)]
    pub edits_knowledge: bool,
}

impl Actor {
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Self { id: id.into(), role, groups: Vec::new(), edits_knowledge: false }
    }

    pub fn editing_knowledge(mut self, edits: bool) -> Self {
        self.edits_knowledge = edits;
        self
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
    /// A ticket known by the parts that decide who reaches it (a search hit).
    Reach(Reach<'a>),
    /// A knowledge-base article.
    Article(ArticleAccess),
}

/// What decides who reaches a ticket: its requester, group and assignee.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    pub requester: &'a str,
    pub group: &'a str,
    pub assignee: Option<&'a str>,
}

impl<'a> Reach<'a> {
    pub fn of(ticket: &'a Ticket) -> Self {
        Reach { requester: &ticket.requester, group: &ticket.group, assignee: ticket.assignee.as_deref() }
    }
}

impl<'a> Resource<'a> {
    /// The ticket this resource is about, by its reach.
    fn reach(self) -> Option<Reach<'a>> {
        match self {
            Resource::Ticket(t) => Some(Reach::of(t)),
            Resource::Reach(r) => Some(r),
            Resource::None | Resource::Queue { .. } | Resource::Article(_) => None,
        }
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
    /// See people and groups (to assign, to log a call for someone).
    ViewDirectory,
    ManageDirectory,
    /// See the mail the intake kept aside, and try it again.
    ManageMail,
    /// Read a knowledge-base article: the one visibility check of every read path (list, page,
    /// search, suggestions).
    ViewArticle,
    /// Write, publish and restore articles; see their history.
    EditArticles,
    /// Mark a knowledge-base article as a ticket's answer.
    MarkSolution,
    /// Read the reply templates, to answer with one.
    UseReplyTemplates,
    /// Write and remove reply templates (knowledge editors and admins).
    ManageReplyTemplates,
    /// Read the reports (admins and managers; a scoped manager's reports hold only their groups).
    ViewReports,
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
            Action::ViewArticle,
            Action::EditArticles,
            Action::MarkSolution,
            Action::UseReplyTemplates,
            Action::ManageReplyTemplates,
            Action::ViewReports,
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
        Role::Manager => manager_allows(actor, action, resource),
        Role::Requester => requester_allows(actor, action, resource),
    }
}

/// Managers read the reports, the queues and the tickets in them and the configuration, for
/// every group or only for the groups chosen for them (none chosen: every group). Their own
/// requests they work as requesters do; nothing else.
fn manager_allows(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
    let in_scope = |group: &str| actor.groups.is_empty() || actor.groups.iter().any(|g| g == group);
    let reach = resource.reach();
    let own = reach.is_some_and(|r| r.requester == actor.id);
    match action {
        Action::ViewTicket => own || reach.is_some_and(|r| in_scope(r.group)),
        Action::ViewInternal => reach.is_some_and(|r| in_scope(r.group)),
        Action::Reply | Action::ChangeStatus(_) => own && requester_allows(actor, action, resource),
        Action::ListQueues => match resource {
            Resource::Queue { groups, .. } => actor.groups.is_empty() || (!groups.is_empty() && groups.iter().all(|g| in_scope(g))),
            Resource::None | Resource::Ticket(_) | Resource::Reach(_) | Resource::Article(_) => false,
        },
        Action::CreateTicket
        | Action::ListOwnTickets
        | Action::ViewAllTopics
        | Action::ViewSla
        | Action::ViewDirectory
        | Action::ViewReports => {
            matches!(resource, Resource::None)
        }
        Action::ViewArticle => matches!(resource, Resource::Article(a) if a.status == ArticleStatus::Published),
        Action::CreateTicketFor
        | Action::AddInternalNote
        | Action::Assign
        | Action::ChangeGroup
        | Action::ChangePriority
        | Action::ChangeFields
        | Action::ManageTopics
        | Action::ManageSla
        | Action::ManageDirectory
        | Action::ManageMail
        | Action::EditArticles
        | Action::MarkSolution
        | Action::UseReplyTemplates
        | Action::ManageReplyTemplates => false,
    }
}

/// Agents work the tickets in their reach: their groups' queues, their assignments, their own
/// requests. They read the configuration they work with and manage none of it.
fn agent_allows(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
    let in_reach =
        |r: Reach<'_>| r.requester == actor.id || actor.groups.iter().any(|g| g == r.group) || r.assignee == Some(actor.id.as_str());
    let reach = resource.reach();
    match action {
        Action::ViewTicket
        | Action::ViewInternal
        | Action::Reply
        | Action::AddInternalNote
        | Action::ChangeStatus(_)
        | Action::Assign
        | Action::ChangeGroup
        | Action::ChangePriority
        | Action::ChangeFields
        | Action::MarkSolution => reach.is_some_and(in_reach),
        // An agent's lists: a group of theirs, or what is assigned to them (never "nobody's").
        Action::ListQueues => match resource {
            Resource::Queue { groups, assignee } => {
                (!groups.is_empty() && groups.iter().all(|g| actor.groups.contains(g)))
                    || assignee.is_some_and(|a| a == actor.id && a != crate::api::UNASSIGNED)
            }
            Resource::None | Resource::Ticket(_) | Resource::Reach(_) | Resource::Article(_) => false,
        },
        Action::CreateTicket
        | Action::CreateTicketFor
        | Action::ListOwnTickets
        | Action::ViewAllTopics
        | Action::ViewSla
        | Action::ViewDirectory => match resource {
            Resource::None => true,
            Resource::Ticket(_) | Resource::Reach(_) => reach.is_some_and(in_reach),
            Resource::Queue { .. } | Resource::Article(_) => false,
        },
        // Staff read every published article, public or internal; drafts are the editors'.
        Action::ViewArticle => {
            matches!(resource, Resource::Article(a) if a.status == ArticleStatus::Published || actor.edits_knowledge)
        }
        Action::EditArticles => actor.edits_knowledge && matches!(resource, Resource::None | Resource::Article(_)),
        Action::UseReplyTemplates => matches!(resource, Resource::None),
        Action::ManageReplyTemplates => actor.edits_knowledge && matches!(resource, Resource::None),
        Action::ManageTopics | Action::ManageSla | Action::ManageDirectory | Action::ManageMail | Action::ViewReports => false,
    }
}

fn requester_allows(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
    let own = resource.reach().is_some_and(|r| r.requester == actor.id);
    match action {
        Action::CreateTicket | Action::ListOwnTickets => matches!(resource, Resource::None),
        Action::ViewTicket | Action::Reply => own,
        // Requesters read what is published for them, nothing internal, no drafts.
        Action::ViewArticle => {
            matches!(resource, Resource::Article(ArticleAccess { visibility: Visibility::Public, status: ArticleStatus::Published }))
        }
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
        | Action::ManageMail
        | Action::EditArticles
        | Action::MarkSolution
        | Action::UseReplyTemplates
        | Action::ManageReplyTemplates
        | Action::ViewReports => false,
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
            solution: None,
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
                | Action::ChangeFields
                | Action::MarkSolution => [false, true, false, false, false],
                Action::ListQueues => [false, false, false, true, false],
                Action::CreateTicket
                | Action::CreateTicketFor
                | Action::ListOwnTickets
                | Action::ViewAllTopics
                | Action::ViewSla
                | Action::ViewDirectory => [true, true, false, false, false],
                Action::ManageTopics
                | Action::ManageSla
                | Action::ManageDirectory
                | Action::ManageMail
                | Action::ViewArticle
                | Action::EditArticles
                | Action::ManageReplyTemplates
                | Action::ViewReports => [false; 5],
                Action::UseReplyTemplates => [true, false, false, false, false],
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
        assert_eq!(Action::all().len(), 25 + Status::ALL.len(), "Action::all lists every action");
    }

    #[test]
    fn nobody_lists_unassigned_tickets_by_calling_themselves_none() {
        let none = Actor::new(crate::api::UNASSIGNED, Role::Agent).in_groups(&["network"]);
        assert!(!allows(&none, Action::ListQueues, Resource::Queue { groups: &[], assignee: Some(crate::api::UNASSIGNED) }));
    }

    /// The knowledge base's visibility, whole: every role × public/internal × draft/published.
    #[test]
    fn articles_are_read_by_role_visibility_and_status() {
        use crate::knowledge::{ArticleAccess, ArticleStatus as S, Visibility as V};
        let requester = Actor::new("anna", Role::Requester);
        let agent = Actor::new("ivan", Role::Agent).in_groups(&["service-desk"]);
        let editor = agent.clone().editing_knowledge(true);
        let admin = Actor::new("root", Role::Admin);
        // Columns: public published, public draft, internal published, internal draft.
        let cases = [(V::Public, S::Published), (V::Public, S::Draft), (V::Internal, S::Published), (V::Internal, S::Draft)];
        let table = [
            (&requester, [true, false, false, false], false),
            (&agent, [true, false, true, false], false),
            (&editor, [true, true, true, true], true),
            (&admin, [true, true, true, true], true),
        ];
        for (actor, reads, edits) in table {
            for ((visibility, status), want) in cases.into_iter().zip(reads) {
                let access = Resource::Article(ArticleAccess { visibility, status });
                assert_eq!(allows(actor, Action::ViewArticle, access), want, "{} reads {visibility:?} {status:?}", actor.id);
                assert_eq!(allows(actor, Action::EditArticles, access), edits, "{} edits", actor.id);
            }
            assert_eq!(allows(actor, Action::EditArticles, Resource::None), edits, "{} writes new articles", actor.id);
            if actor.role != Role::Admin {
                assert!(!allows(actor, Action::ViewArticle, Resource::None), "an article check needs the article");
            }
        }
        let mut requester_editor = requester.clone();
        requester_editor.edits_knowledge = true;
        assert!(!allows(&requester_editor, Action::EditArticles, Resource::None), "the flag means nothing for a requester");
    }

    /// A search hit's reach decides like the ticket it stands for.
    #[test]
    fn a_tickets_reach_decides_like_the_ticket() {
        let people = [
            Actor::new("anna", Role::Requester),
            Actor::new("boris", Role::Requester),
            Actor::new("ivan", Role::Agent).in_groups(&["network"]),
            Actor::new("root", Role::Admin),
        ];
        let mut tickets = vec![ticket("anna", Status::Open), ticket("ivan", Status::Open)];
        let mut assigned = ticket("anna", Status::Open);
        assigned.assignee = Some("ivan".into());
        let mut network = ticket("boris", Status::Open);
        network.group = "network".into();
        tickets.extend([assigned, network]);
        for actor in &people {
            for t in &tickets {
                for action in [Action::ViewTicket, Action::ViewInternal] {
                    assert_eq!(
                        allows(actor, action, Resource::Reach(Reach::of(t))),
                        allows(actor, action, Resource::Ticket(t)),
                        "{} {action:?} {:?}",
                        actor.id,
                        Reach::of(t)
                    );
                }
            }
        }
    }
}
