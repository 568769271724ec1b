//! Ticket commands. Each takes the current state and a request, checks permission and the rules,
//! and returns the new state with the events to append. Nothing here stores anything, so the
//! handler can validate everything before it writes (or takes a ticket number).

use crate::api::{CreateTicketRequest, MessageRequest, UpdateTicketRequest};
use crate::error::{ApiError, ErrorCode, FieldError, FieldErrorCode};
use crate::event::{EventKind, FieldChange, TicketEvent};
use crate::form::{FieldDef, FieldValues, raw_values, validate_values};
use crate::lifecycle::{self, Author};
use crate::limits::{MAX_MESSAGE_BYTES, MAX_SUBJECT_CHARS};
use crate::mail::{self, MailOrigin, MailVoice};
use crate::permissions::{Action, Actor, Resource, allows};
use crate::ticket::{Channel, Priority, Status, Ticket, TicketNumber};
use crate::topic::{Topic, is_slug};
use crate::user::is_user_id;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A changed ticket and what happened to it, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
}

/// A ticket that passed every check and waits only for its id and number.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketDraft {
    subject: String,
    description: String,
    requester: String,
    topic: String,
    priority: Priority,
    group: String,
    channel: Channel,
    fields: FieldValues,
    actor: Actor,
    mail: Option<MailOrigin>,
}

fn forbidden(what: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, format!("you may not {what}"))
}

/// Checks a new ticket against its topic (`None` when the topic does not exist).
pub fn prepare_ticket(req: CreateTicketRequest, topic: Option<&Topic>, actor: &Actor) -> Result<TicketDraft, ApiError> {
    if !allows(actor, Action::CreateTicket, Resource::None) {
        return Err(forbidden("file tickets"));
    }
    let topic = topic
        .filter(|t| t.active)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownTopic, format!("there is no open topic '{}'", req.topic)))?;
    let (mut errors, TicketForm { subject, description, fields }) = check_ticket_form(&req, topic);
    let requester = req.requester.unwrap_or_else(|| actor.id.clone());
    if requester != actor.id && !allows(actor, Action::CreateTicketFor, Resource::None) {
        return Err(forbidden("file tickets for somebody else"));
    }
    if !is_user_id(&requester) {
        errors.push(FieldError::new("requester", FieldErrorCode::Invalid, "a user id"));
    }
    let channel = req.channel.unwrap_or(Channel::Web);
    match channel {
        Channel::Email => errors.push(FieldError::new("channel", FieldErrorCode::Invalid, "email tickets come in by mail only")),
        Channel::Phone if !allows(actor, Action::CreateTicketFor, Resource::None) => return Err(forbidden("log calls")),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(TicketDraft {
        subject,
        description,
        requester,
        topic: topic.id.clone(),
        priority: req.priority.unwrap_or(topic.default_priority),
        group: topic.default_group.clone(),
        channel,
        fields,
        actor: actor.clone(),
        mail: None,
    })
}

/// What a requester types into a topic's form, checked and trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketForm {
    pub subject: String,
    pub description: String,
    pub fields: FieldValues,
}

/// The checks of a new ticket's form that need neither permissions nor storage: the browser runs
/// them before it sends, the server again before it stores. Errors name `subject`,
/// `description` and `fields.<key>`, in that order.
pub fn check_ticket_form(req: &CreateTicketRequest, topic: &Topic) -> (Vec<FieldError>, TicketForm) {
    let mut errors = Vec::new();
    let subject = checked_text("subject", &req.subject, MAX_SUBJECT_CHARS, Unit::Chars, &mut errors);
    let description = checked_text("description", &req.description, MAX_MESSAGE_BYTES, Unit::Bytes, &mut errors);
    let fields = check_field_values(&topic.fields, &req.fields).unwrap_or_else(|field_errors| {
        errors.extend(field_errors);
        FieldValues::new()
    });
    (errors, TicketForm { subject, description, fields })
}

/// Errors about a topic's form fields are named `fields.<key>`.
pub const FIELD_ERROR_PREFIX: &str = "fields.";

/// [`validate_values`] as a ticket's form sees it: each problem named `fields.<key>`, beside the
/// ticket's own members (`subject`, `description`).
pub fn check_field_values(fields: &[FieldDef], input: &BTreeMap<String, serde_json::Value>) -> Result<FieldValues, Vec<FieldError>> {
    validate_values(fields, input)
        .map_err(|errors| errors.into_iter().map(|e| FieldError { field: format!("{FIELD_ERROR_PREFIX}{}", e.field), ..e }).collect())
}

impl TicketDraft {
    /// A ticket filed by mail: the sender's subject and text as they came (cut to the limits, a
    /// placeholder for a blank one), the topic's defaults, and no form fields: mail cannot fill
    /// them, so agents do.
    pub fn from_mail(subject: &str, text: &str, requester: &Actor, topic: &Topic, mail: MailOrigin) -> TicketDraft {
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        let subject = if subject.is_empty() { mail::NO_SUBJECT.to_string() } else { subject.chars().take(MAX_SUBJECT_CHARS).collect() };
        let text = text.trim();
        TicketDraft {
            subject,
            description: if text.is_empty() { mail::NO_TEXT.to_string() } else { mail::fit(text, MAX_MESSAGE_BYTES) },
            requester: requester.id.clone(),
            topic: topic.id.clone(),
            priority: topic.default_priority,
            group: topic.default_group.clone(),
            channel: Channel::Email,
            fields: FieldValues::new(),
            actor: requester.clone(),
            mail: Some(mail),
        }
    }

    /// Who the ticket is for.
    pub fn requester(&self) -> &str {
        &self.requester
    }

    pub fn into_ticket(self, id: String, number: TicketNumber, event_id: String, now: DateTime<Utc>) -> Change {
        let event = TicketEvent {
            id: event_id,
            at: now,
            actor: self.actor,
            kind: EventKind::Created { channel: self.channel, attachments: vec![], mail: self.mail },
        };
        let ticket = Ticket {
            id,
            number,
            subject: self.subject,
            description: self.description,
            requester: self.requester,
            topic: self.topic,
            priority: self.priority,
            status: Status::New,
            assignee: None,
            group: self.group,
            channel: self.channel,
            fields: self.fields,
            created_at: now,
            updated_at: now,
            version: 1,
            sla_next_action: None,
            sla_due: None,
            solution: None,
        };
        Change { ticket, events: vec![event] }
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Chars,
    Bytes,
}

/// Trims `text` and checks it is neither blank nor over `max`; problems go to `errors`.
fn checked_text(field: &str, text: &str, max: usize, unit: Unit, errors: &mut Vec<FieldError>) -> String {
    let text = text.trim();
    let (size, unit_name) = match unit {
        Unit::Chars => (text.chars().count(), "characters"),
        Unit::Bytes => (text.len(), "bytes"),
    };
    if text.is_empty() {
        errors.push(FieldError::new(field, FieldErrorCode::Required, "must not be empty"));
    } else if size > max {
        errors.push(FieldError::new(field, FieldErrorCode::TooLong, format!("at most {max} {unit_name}")));
    }
    text.to_string()
}

fn check_version(ticket: &Ticket, seen: Option<u64>) -> Result<(), ApiError> {
    match seen {
        Some(v) if v != ticket.version => Err(ApiError::version_conflict(ticket.version)),
        _ => Ok(()),
    }
}

/// Adds a public reply or an internal note. A public reply may move the status (see
/// [`lifecycle::status_after_public_message`]).
pub fn add_message(
    ticket: &Ticket,
    actor: &Actor,
    req: MessageRequest,
    internal: bool,
    now: DateTime<Utc>,
    new_id: &mut impl FnMut() -> String,
) -> Result<Change, ApiError> {
    let (action, what) = if internal { (Action::AddInternalNote, "add internal notes") } else { (Action::Reply, "reply to this ticket") };
    if !allows(actor, action, Resource::Ticket(ticket)) {
        return Err(forbidden(what));
    }
    check_version(ticket, req.version)?;
    let mut errors = Vec::new();
    let body = checked_text("body", &req.body, MAX_MESSAGE_BYTES, Unit::Bytes, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut next = ticket.clone();
    let mut events = Vec::new();
    if internal {
        events.push(TicketEvent {
            id: new_id(),
            at: now,
            actor: actor.clone(),
            kind: EventKind::InternalNote { body, attachments: vec![], mail: None },
        });
    } else {
        let author = if actor.role.is_staff() { Author::Agent } else { Author::Requester };
        let new_status = lifecycle::status_after_public_message(ticket.status, author)
            .map_err(|lifecycle::TicketIsClosed| ApiError::new(ErrorCode::TicketClosed, "the ticket is closed: reopen it to continue"))?;
        events.push(TicketEvent {
            id: new_id(),
            at: now,
            actor: actor.clone(),
            kind: EventKind::PublicReply { body, attachments: vec![], mail: None },
        });
        if let Some(to) = new_status {
            events.push(TicketEvent {
                id: new_id(),
                at: now,
                actor: actor.clone(),
                kind: EventKind::StatusChanged { from: ticket.status, to },
            });
            next.status = to;
        }
    }
    Ok(finish(next, events, now))
}

/// A message that came by mail onto `ticket`, in the sender's [`MailVoice`]: a public reply of
/// theirs (which may move the status, as any reply), or a note for agents. Fails only when the
/// ticket is closed (the mail then opens a follow-up ticket).
pub fn mail_message(
    ticket: &Ticket,
    voice: MailVoice,
    text: &str,
    origin: MailOrigin,
    now: DateTime<Utc>,
    new_id: &mut impl FnMut() -> String,
) -> Result<Change, ApiError> {
    let text = text.trim();
    let body = if text.is_empty() { mail::NO_TEXT.to_string() } else { mail::fit(text, MAX_MESSAGE_BYTES) };
    let request = MessageRequest { body, version: None, attachments: vec![] };
    let (actor, internal) = match voice {
        MailVoice::Reply(actor) => (actor, false),
        MailVoice::Note(actor) => (actor, true),
    };
    // A reply to a closed ticket fails here as any reply does (`ticket_closed`).
    let mut change = add_message(ticket, &actor, request, internal, now, new_id)?;
    if let Some(first) = change.events.first_mut() {
        first.kind.set_mail(origin);
    }
    Ok(change)
}

fn finish(mut ticket: Ticket, events: Vec<TicketEvent>, now: DateTime<Utc>) -> Change {
    ticket.version += 1;
    ticket.updated_at = now;
    Change { ticket, events }
}

/// Changes status, assignee, group, priority or field values. `Ok(None)` when the request changes
/// nothing (no write, no event).
pub fn update_ticket(
    ticket: &Ticket,
    topic: Option<&Topic>,
    actor: &Actor,
    req: UpdateTicketRequest,
    now: DateTime<Utc>,
    new_id: &mut impl FnMut() -> String,
) -> Result<Option<Change>, ApiError> {
    check_version(ticket, Some(req.version))?;
    let mut next = ticket.clone();
    let mut kinds = Vec::new();
    let mut errors = Vec::new();

    if let Some(to) = req.status.filter(|&s| s != ticket.status) {
        if !allows(actor, Action::ChangeStatus(to), Resource::Ticket(ticket)) {
            return Err(forbidden(&format!("set this ticket to {to}")));
        }
        if !lifecycle::can_move(ticket.status, to) {
            let allowed: Vec<&str> = lifecycle::moves_from(ticket.status).into_iter().map(Status::as_str).collect();
            return Err(ApiError::new(
                ErrorCode::IllegalTransition,
                format!("a {} ticket cannot become {to}; it can become: {}", ticket.status, allowed.join(", ")),
            ));
        }
        kinds.push(EventKind::StatusChanged { from: ticket.status, to });
        next.status = to;
    }
    if let Some(to) = req.assignee.filter(|a| *a != ticket.assignee) {
        if !allows(actor, Action::Assign, Resource::Ticket(ticket)) {
            return Err(forbidden("assign tickets"));
        }
        if to.as_deref().is_some_and(|a| !is_user_id(a)) {
            errors.push(FieldError::new("assignee", FieldErrorCode::Invalid, "an agent's user id, or null"));
        }
        kinds.push(EventKind::AssigneeChanged { from: ticket.assignee.clone(), to: to.clone() });
        next.assignee = to;
    }
    if let Some(to) = req.group.filter(|g| *g != ticket.group) {
        if !allows(actor, Action::ChangeGroup, Resource::Ticket(ticket)) {
            return Err(forbidden("move tickets between groups"));
        }
        if !is_slug(&to) {
            errors.push(FieldError::new("group", FieldErrorCode::Invalid, "a group id"));
        }
        kinds.push(EventKind::GroupChanged { from: ticket.group.clone(), to: to.clone() });
        next.group = to;
    }
    if let Some(to) = req.priority.filter(|&p| p != ticket.priority) {
        if !allows(actor, Action::ChangePriority, Resource::Ticket(ticket)) {
            return Err(forbidden("change the priority"));
        }
        kinds.push(EventKind::PriorityChanged { from: ticket.priority, to });
        next.priority = to;
    }
    if let Some(patch) = req.fields {
        if !allows(actor, Action::ChangeFields, Resource::Ticket(ticket)) {
            return Err(forbidden("change field values"));
        }
        let topic = topic.ok_or_else(|| ApiError::new(ErrorCode::UnknownTopic, format!("the topic '{}' is gone", ticket.topic)))?;
        // Merge the patch over the current values and validate the whole form again, so that
        // clearing a required field is caught like leaving it out.
        let mut merged = raw_values(&ticket.fields);
        merged.extend(patch);
        match check_field_values(&topic.fields, &merged) {
            Ok(values) => {
                let changes = field_changes(&ticket.fields, &values);
                if !changes.is_empty() {
                    kinds.push(EventKind::FieldsChanged { changes });
                    next.fields = values;
                }
            }
            Err(field_errors) => errors.extend(field_errors),
        }
    }
    if let Some(to) = req.solution.filter(|s| *s != ticket.solution) {
        if !allows(actor, Action::MarkSolution, Resource::Ticket(ticket)) {
            return Err(forbidden("mark a ticket's solution"));
        }
        if to.as_deref().is_some_and(|a| !crate::topic::is_plain_id(a) || a.len() > crate::limits::MAX_ID_CHARS) {
            errors.push(FieldError::new("solution", FieldErrorCode::Invalid, "an article's id, or null"));
        }
        kinds.push(EventKind::SolutionChanged { from: ticket.solution.clone(), to: to.clone() });
        next.solution = to;
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if kinds.is_empty() {
        return Ok(None);
    }
    let events = kinds.into_iter().map(|kind| TicketEvent { id: new_id(), at: now, actor: actor.clone(), kind }).collect();
    Ok(Some(finish(next, events, now)))
}

fn field_changes(before: &FieldValues, after: &FieldValues) -> Vec<FieldChange> {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| FieldChange { field: k.clone(), from: before.get(k).map(|v| v.to_json()), to: after.get(k).map(|v| v.to_json()) })
        .collect()
}

/// What `viewer` may see of a ticket's events: requesters never see internal notes, SLA warnings
/// and breaches, or the moves the SLA escalations made.
pub fn visible_events<'a>(viewer: &Actor, ticket: &Ticket, events: &'a [TicketEvent]) -> Vec<&'a TicketEvent> {
    let internal_ok = allows(viewer, Action::ViewInternal, Resource::Ticket(ticket));
    events.iter().filter(|e| internal_ok || !e.is_staff_only()).collect()
}

/// An event as `viewer` sees it: which other ticket a mail may follow up is staff only (a
/// requester must not learn other people's ticket numbers).
pub fn event_for(viewer: &Actor, ticket: &Ticket, event: &TicketEvent) -> TicketEvent {
    let mut event = event.clone();
    if !allows(viewer, Action::ViewInternal, Resource::Ticket(ticket))
        && let Some(origin) = event.kind.mail().filter(|m| m.possible_follow_up_of.is_some())
    {
        let origin = crate::mail::MailOrigin { possible_follow_up_of: None, ..origin.clone() };
        event.kind.set_mail(origin);
    }
    event
}

/// What `viewer` may see of the ticket record itself: the SLA's scheduling time is staff only.
pub fn ticket_for(viewer: &Actor, mut ticket: Ticket) -> Ticket {
    if !allows(viewer, Action::ViewSla, Resource::Ticket(&ticket)) {
        ticket.sla_next_action = None;
        ticket.sla_due = None;
    }
    ticket
}

/// The statuses `viewer` may move the ticket to now.
pub fn allowed_statuses(viewer: &Actor, ticket: &Ticket) -> Vec<Status> {
    lifecycle::moves_from(ticket.status)
        .into_iter()
        .filter(|&to| allows(viewer, Action::ChangeStatus(to), Resource::Ticket(ticket)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{FieldDef, FieldKind};
    use crate::permissions::Role;
    use crate::text::LocalizedText;
    use serde_json::json;

    fn printer() -> Topic {
        Topic {
            id: "printer".into(),
            name: LocalizedText::new(&[("en", "Printer")]),
            description: LocalizedText::default(),
            fields: vec![
                FieldDef::new("model", LocalizedText::new(&[("en", "Model")]), FieldKind::Text, true),
                FieldDef::new("copies", LocalizedText::new(&[("en", "Copies")]), FieldKind::Number, false),
            ],
            default_group: "service-desk".into(),
            default_priority: Priority::Low,
            active: true,
            version: 1,
        }
    }

    fn anna() -> Actor {
        Actor::new("anna", Role::Requester)
    }

    fn ivan() -> Actor {
        Actor::new("ivan", Role::Agent).in_groups(&["service-desk"])
    }

    fn request(v: serde_json::Value) -> CreateTicketRequest {
        serde_json::from_value(v).unwrap()
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("e{n}")
        }
    }

    fn new_ticket() -> Ticket {
        let draft = prepare_ticket(
            request(json!({"topic": "printer", "subject": " Jammed ", "description": "Paper jam", "fields": {"model": "HP 402"}})),
            Some(&printer()),
            &anna(),
        )
        .unwrap();
        draft.into_ticket("t1".into(), TicketNumber(1001), "e0".into(), DateTime::UNIX_EPOCH).ticket
    }

    #[test]
    fn a_new_ticket_takes_the_topic_defaults() {
        let t = new_ticket();
        assert_eq!((t.status, t.priority, t.group.as_str(), t.subject.as_str()), (Status::New, Priority::Low, "service-desk", "Jammed"));
        assert_eq!((t.requester.as_str(), t.channel, t.version), ("anna", Channel::Web, 1));
    }

    #[test]
    fn creation_checks_topic_text_and_fields_together() {
        let unknown = prepare_ticket(request(json!({"topic": "x", "subject": "s", "description": "d"})), None, &anna());
        assert_eq!(unknown.unwrap_err().code, ErrorCode::UnknownTopic);
        let mut archived = printer();
        archived.active = false;
        let r = prepare_ticket(request(json!({"topic": "printer", "subject": "s", "description": "d"})), Some(&archived), &anna());
        assert_eq!(r.unwrap_err().code, ErrorCode::UnknownTopic);

        let long = "x".repeat(MAX_MESSAGE_BYTES + 1);
        let err = prepare_ticket(
            request(json!({"topic": "printer", "subject": "  ", "description": long, "fields": {"copies": "two"}})),
            Some(&printer()),
            &anna(),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        let fields: Vec<(&str, FieldErrorCode)> = err.fields.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("subject", FieldErrorCode::Required),
                ("description", FieldErrorCode::TooLong),
                ("fields.model", FieldErrorCode::Required),
                ("fields.copies", FieldErrorCode::WrongType),
            ]
        );
    }

    #[test]
    fn only_staff_file_for_others_or_log_calls() {
        let body = json!({"topic": "printer", "subject": "s", "description": "d", "fields": {"model": "m"}, "requester": "boris", "channel": "phone"});
        assert_eq!(prepare_ticket(request(body.clone()), Some(&printer()), &anna()).unwrap_err().code, ErrorCode::Forbidden);
        let change = prepare_ticket(request(body), Some(&printer()), &ivan()).unwrap().into_ticket(
            "t".into(),
            TicketNumber(1),
            "e".into(),
            DateTime::UNIX_EPOCH,
        );
        assert_eq!((change.ticket.requester.as_str(), change.ticket.channel), ("boris", Channel::Phone));
        assert_eq!(change.events[0].actor.id, "ivan");
        let by_mail = json!({"topic": "printer", "subject": "s", "description": "d", "fields": {"model": "m"}, "channel": "email"});
        assert_eq!(prepare_ticket(request(by_mail), Some(&printer()), &ivan()).unwrap_err().code, ErrorCode::ValidationFailed);
    }

    #[test]
    fn replies_bump_the_version_and_move_the_status() {
        let t = new_ticket();
        let reply = |body: &str| MessageRequest { body: body.into(), version: None, attachments: vec![] };
        let agent_reply = add_message(&t, &ivan(), reply("On my way"), false, DateTime::UNIX_EPOCH, &mut ids()).unwrap();
        assert_eq!(agent_reply.ticket.status, Status::Open);
        assert_eq!(agent_reply.ticket.version, 2);
        assert!(matches!(agent_reply.events[1].kind, EventKind::StatusChanged { from: Status::New, to: Status::Open }));

        let note = add_message(&t, &ivan(), reply("driver issue"), true, DateTime::UNIX_EPOCH, &mut ids()).unwrap();
        assert_eq!(note.ticket.status, Status::New, "a note is no response");
        assert_eq!(add_message(&t, &anna(), reply("x"), true, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err().code, ErrorCode::Forbidden);

        let stale = MessageRequest { body: "x".into(), version: Some(7), attachments: vec![] };
        let err = add_message(&t, &anna(), stale, false, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err();
        assert_eq!((err.code, err.current_version), (ErrorCode::VersionConflict, Some(1)));

        let mut closed = t.clone();
        closed.status = Status::Closed;
        assert_eq!(
            add_message(&closed, &anna(), reply("x"), false, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err().code,
            ErrorCode::TicketClosed
        );
        assert_eq!(
            add_message(&t, &anna(), reply("   "), false, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err().code,
            ErrorCode::ValidationFailed
        );
    }

    #[test]
    fn updates_record_each_change_and_refuse_illegal_ones() {
        let t = new_ticket();
        let req: UpdateTicketRequest = serde_json::from_value(json!({
            "version": 1, "status": "open", "assignee": "ivan", "priority": "urgent", "fields": {"copies": 3}
        }))
        .unwrap();
        let change = update_ticket(&t, Some(&printer()), &ivan(), req, DateTime::UNIX_EPOCH, &mut ids()).unwrap().unwrap();
        let kinds: Vec<String> =
            change.events.iter().map(|e| serde_json::to_value(&e.kind).unwrap()["type"].as_str().unwrap().to_owned()).collect();
        assert_eq!(kinds, ["status_changed", "assignee_changed", "priority_changed", "fields_changed"]);
        assert_eq!(change.ticket.assignee.as_deref(), Some("ivan"));

        let nothing: UpdateTicketRequest = serde_json::from_value(json!({"version": 1, "status": "new", "priority": "low"})).unwrap();
        assert_eq!(update_ticket(&t, Some(&printer()), &ivan(), nothing, DateTime::UNIX_EPOCH, &mut ids()).unwrap(), None);

        let illegal: UpdateTicketRequest = serde_json::from_value(json!({"version": 1, "status": "reopened"})).unwrap();
        assert_eq!(
            update_ticket(&t, Some(&printer()), &ivan(), illegal, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err().code,
            ErrorCode::IllegalTransition
        );

        let clear_required: UpdateTicketRequest = serde_json::from_value(json!({"version": 1, "fields": {"model": null}})).unwrap();
        let err = update_ticket(&t, Some(&printer()), &ivan(), clear_required, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err();
        assert_eq!(err.fields[0].field, "fields.model");

        let stale: UpdateTicketRequest = serde_json::from_value(json!({"version": 0, "priority": "high"})).unwrap();
        assert_eq!(
            update_ticket(&t, Some(&printer()), &ivan(), stale, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err().code,
            ErrorCode::VersionConflict
        );

        let by_requester: UpdateTicketRequest = serde_json::from_value(json!({"version": 1, "priority": "urgent"})).unwrap();
        assert_eq!(
            update_ticket(&t, Some(&printer()), &anna(), by_requester, DateTime::UNIX_EPOCH, &mut ids()).unwrap_err().code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn requesters_never_see_internal_notes() {
        let t = new_ticket();
        let note = add_message(
            &t,
            &ivan(),
            MessageRequest { body: "secret".into(), version: None, attachments: vec![] },
            true,
            DateTime::UNIX_EPOCH,
            &mut ids(),
        )
        .unwrap();
        assert!(visible_events(&anna(), &t, &note.events).is_empty());
        assert_eq!(visible_events(&ivan(), &t, &note.events).len(), 1);
        let system = Actor::new("sla", Role::System);
        let due_at = DateTime::UNIX_EPOCH;
        let target = crate::sla::TargetKind::FirstResponse;
        let staff_only = [
            TicketEvent { id: "w".into(), at: due_at, actor: system.clone(), kind: EventKind::SlaWarning { target, cycle: 1, due_at } },
            TicketEvent { id: "b".into(), at: due_at, actor: system.clone(), kind: EventKind::SlaBreached { target, cycle: 1, due_at } },
            TicketEvent {
                id: "p".into(),
                at: due_at,
                actor: system,
                kind: EventKind::PriorityChanged { from: Priority::Low, to: Priority::High },
            },
        ];
        assert!(visible_events(&anna(), &t, &staff_only).is_empty(), "SLA events and escalation moves are staff only");
        assert_eq!(visible_events(&ivan(), &t, &staff_only).len(), 3);
        let mut scheduled = t.clone();
        scheduled.sla_next_action = Some(due_at);
        assert_eq!(ticket_for(&anna(), scheduled.clone()).sla_next_action, None);
        assert_eq!(ticket_for(&ivan(), scheduled).sla_next_action, Some(due_at));
        assert_eq!(allowed_statuses(&anna(), &t), vec![Status::Closed], "she may only withdraw a new ticket");
        assert_eq!(allowed_statuses(&ivan(), &t), vec![Status::Open, Status::WaitingForRequester, Status::Resolved, Status::Closed]);
    }
}
