//! The SLA engine against hand-worked clocks: business hours, holidays, pauses, reopening, next
//! responses, alerts and escalations.

use super::*;
use crate::calendar::office;
use crate::form::FieldValues;
use crate::ticket::{Channel, TicketNumber};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const MIN: i64 = 60;

fn plan() -> SlaPlan {
    let medium = Targets {
        first_response_minutes: Some(60),
        next_response_minutes: Some(120),
        resolution_minutes: Some(480),
        deadline_minutes: Some(2880),
    };
    let high = Targets { first_response_minutes: Some(30), ..medium };
    SlaPlan {
        id: "standard".into(),
        name: "Standard".into(),
        active: true,
        precedence: 10,
        conditions: Conditions::default(),
        calendar: "office".into(),
        targets: [(Priority::Medium, medium), (Priority::High, high)].into(),
        warning: Some(Warning::Percent(20)),
        escalations: vec![Escalation {
            on: AlertLevel::Breach,
            target: Some(TargetKind::FirstResponse),
            action: EscalationAction::RaisePriority,
        }],
        version: 1,
    }
}

fn config() -> SlaConfig {
    SlaConfig { plans: vec![plan()], calendars: vec![office("Europe/Berlin")] }
}

/// A medium ticket created at `created` (UTC).
fn ticket(created: &str) -> Ticket {
    Ticket {
        id: "t".into(),
        number: TicketNumber(1001),
        subject: "s".into(),
        description: "d".into(),
        requester: "anna".into(),
        topic: "printer".into(),
        priority: Priority::Medium,
        status: Status::New,
        assignee: None,
        group: "service-desk".into(),
        channel: Channel::Web,
        fields: FieldValues::new(),
        created_at: at(created),
        updated_at: at(created),
        version: 1,
        sla_next_action: None,
        sla_due: None,
        solution: None,
    }
}

fn event(when: &str, role: Role, kind: EventKind) -> TicketEvent {
    TicketEvent { id: when.into(), at: at(when), actor: Actor::new(if role == Role::Requester { "anna" } else { "ivan" }, role), kind }
}
fn agent_reply(when: &str) -> TicketEvent {
    event(when, Role::Agent, EventKind::PublicReply { body: "x".into(), attachments: vec![], mail: None })
}
fn requester_reply(when: &str) -> TicketEvent {
    event(when, Role::Requester, EventKind::PublicReply { body: "x".into(), attachments: vec![], mail: None })
}
fn note(when: &str) -> TicketEvent {
    event(when, Role::Agent, EventKind::InternalNote { body: "x".into(), attachments: vec![], mail: None })
}
fn status(when: &str, from: Status, to: Status) -> TicketEvent {
    event(when, Role::Agent, EventKind::StatusChanged { from, to })
}

fn target(t: &Ticket, events: &[TicketEvent], kind: TargetKind, now: &str) -> TargetStatus {
    let (plan, cal) = (plan(), office("Europe/Berlin"));
    evaluate(t, events, &plan, &cal, at(now)).status.targets.into_iter().find(|s| s.target == kind).unwrap()
}

// Monday 23 Nov 2026, Berlin is UTC+1: 09:00 local = 08:00Z.

#[test]
fn first_response_stops_at_the_first_public_staff_reply_not_at_a_note() {
    let t = ticket("2026-11-23T08:00:00Z");
    let noted = [note("2026-11-23T08:30:00Z")];
    let fr = target(&t, &noted, TargetKind::FirstResponse, "2026-11-23T08:40:00Z");
    assert_eq!((fr.state, fr.elapsed_seconds, fr.due_at), (ClockState::Running, 40 * MIN, Some(at("2026-11-23T09:00:00Z"))));
    let answered = [note("2026-11-23T08:30:00Z"), agent_reply("2026-11-23T08:45:00Z")];
    let fr = target(&t, &answered, TargetKind::FirstResponse, "2026-11-23T12:00:00Z");
    assert_eq!((fr.state, fr.elapsed_seconds, fr.stopped_at), (ClockState::Met, 45 * MIN, Some(at("2026-11-23T08:45:00Z"))));
    let late = [agent_reply("2026-11-23T09:30:00Z")];
    assert_eq!(target(&t, &late, TargetKind::FirstResponse, "2026-11-23T12:00:00Z").state, ClockState::Breached);
}

#[test]
fn the_weekend_does_not_count() {
    // Friday 16:30 Berlin + 60 business minutes = Monday 09:30 Berlin.
    let t = ticket("2026-11-27T15:30:00Z");
    let fr = target(&t, &[], TargetKind::FirstResponse, "2026-11-28T12:00:00Z");
    assert_eq!((fr.state, fr.elapsed_seconds, fr.due_at), (ClockState::Running, 30 * MIN, Some(at("2026-11-30T08:30:00Z"))));
    // The deadline is real time: 48 hours later.
    let deadline = target(&t, &[], TargetKind::Deadline, "2026-11-28T12:00:00Z");
    assert_eq!(deadline.due_at, Some(at("2026-11-29T15:30:00Z")));
}

#[test]
fn the_queue_shows_the_next_target_still_to_meet() {
    let t = ticket("2026-11-23T08:00:00Z");
    let office = office("Europe/Berlin");
    let due = |events: &[TicketEvent]| evaluate(&t, events, &plan(), &office, at("2026-11-23T08:00:00Z")).next_due();
    let first = due(&[]).unwrap();
    assert_eq!((first.target, first.paused), (TargetKind::FirstResponse, false), "first response falls due first");
    let due_at = first.due_at.unwrap();
    assert_eq!(first.state_at(due_at - Duration::hours(2)), DueState::Running);
    assert_eq!(first.state_at(first.warn_at.unwrap()), DueState::Warning);
    assert_eq!(first.state_at(due_at), DueState::Breached);
    // Answered: the resolution is next; waiting for the requester pauses it, with no due time.
    let answered = [agent_reply("2026-11-23T08:30:00Z")];
    assert_eq!(due(&answered).unwrap().target, TargetKind::Resolution);
    let waiting = [agent_reply("2026-11-23T08:30:00Z"), status("2026-11-23T09:00:00Z", Status::New, Status::WaitingForRequester)];
    let paused = due(&waiting).unwrap();
    assert!(paused.paused && paused.due_at.is_none());
    assert_eq!(paused.state_at(at("2030-01-01T00:00:00Z")), DueState::Paused, "a paused clock never breaches by waiting");
    let resolved = [status("2026-11-23T09:00:00Z", Status::New, Status::Resolved)];
    assert_eq!(due(&resolved), None, "every clock stopped");
}

#[test]
fn waiting_for_the_requester_pauses_the_clocks() {
    let t = ticket("2026-11-23T08:00:00Z");
    let waiting = [agent_reply("2026-11-23T08:30:00Z"), status("2026-11-23T09:00:00Z", Status::New, Status::WaitingForRequester)];
    let paused = target(&t, &waiting, TargetKind::Resolution, "2026-11-23T11:00:00Z");
    assert_eq!((paused.state, paused.elapsed_seconds, paused.due_at), (ClockState::Paused, 60 * MIN, None));
    let eval = evaluate(&t, &waiting, &plan(), &office("Europe/Berlin"), at("2026-11-23T11:00:00Z"));
    assert_eq!(eval.status.paused_seconds, 2 * 3600);
    assert_eq!(eval.next_action(&waiting), None, "a paused ticket leaves the due index");

    // The requester answers on Tuesday 10:00 Berlin: 420 minutes remain → due Tuesday 17:00.
    let mut resumed = waiting.to_vec();
    resumed.push(requester_reply("2026-11-24T09:00:00Z"));
    resumed.push(event(
        "2026-11-24T09:00:00Z",
        Role::Requester,
        EventKind::StatusChanged { from: Status::WaitingForRequester, to: Status::Open },
    ));
    let res = target(&t, &resumed, TargetKind::Resolution, "2026-11-24T10:00:00Z");
    assert_eq!((res.state, res.elapsed_seconds, res.due_at), (ClockState::Running, 120 * MIN, Some(at("2026-11-24T16:00:00Z"))));
    let eval = evaluate(&t, &resumed, &plan(), &office("Europe/Berlin"), at("2026-11-24T10:00:00Z"));
    assert_eq!(eval.status.paused_seconds, 24 * 3600, "the wait is recorded");
    // The requester's message starts a next-response cycle, due 2 business hours later.
    let nr = target(&t, &resumed, TargetKind::NextResponse, "2026-11-24T10:00:00Z");
    assert_eq!((nr.cycle, nr.state, nr.due_at), (1, ClockState::Running, Some(at("2026-11-24T11:00:00Z"))));
    // The deadline counts real time, but not the wait: 1 h on Monday, 1 h on Tuesday.
    assert_eq!(target(&t, &resumed, TargetKind::Deadline, "2026-11-24T10:00:00Z").elapsed_seconds, 2 * 3600);
}

#[test]
fn resolution_stops_at_resolved_and_resumes_on_reopen() {
    let t = ticket("2026-11-23T08:00:00Z");
    let resolved = [agent_reply("2026-11-23T08:10:00Z"), status("2026-11-23T10:00:00Z", Status::Open, Status::Resolved)];
    let res = target(&t, &resolved, TargetKind::Resolution, "2026-11-24T10:00:00Z");
    assert_eq!((res.state, res.elapsed_seconds), (ClockState::Met, 120 * MIN));
    assert_eq!(evaluate(&t, &resolved, &plan(), &office("Europe/Berlin"), at("2026-11-24T10:00:00Z")).next_action(&resolved), None);
    // Reopened Wednesday 09:00 Berlin: 360 minutes remain → due Wednesday 15:00 Berlin.
    let mut reopened = resolved.to_vec();
    reopened.push(status("2026-11-25T08:00:00Z", Status::Resolved, Status::Reopened));
    let res = target(&t, &reopened, TargetKind::Resolution, "2026-11-25T09:00:00Z");
    assert_eq!((res.state, res.elapsed_seconds, res.due_at), (ClockState::Running, 180 * MIN, Some(at("2026-11-25T14:00:00Z"))));
}

#[test]
fn a_plan_change_recomputes_from_the_log() {
    // Created medium (first response 60 min); raised to high (30 min) ten minutes later.
    let mut t = ticket("2026-11-23T08:00:00Z");
    assert_eq!(target(&t, &[], TargetKind::FirstResponse, "2026-11-23T08:10:00Z").due_at, Some(at("2026-11-23T09:00:00Z")));
    t.priority = Priority::High;
    let fr = target(&t, &[], TargetKind::FirstResponse, "2026-11-23T08:10:00Z");
    assert_eq!((fr.target_seconds, fr.due_at), (30 * MIN, Some(at("2026-11-23T08:30:00Z"))));
    // A priority without targets has no clocks.
    t.priority = Priority::Low;
    assert!(evaluate(&t, &[], &plan(), &office("Europe/Berlin"), at("2026-11-23T08:10:00Z")).status.targets.is_empty());
}

#[test]
fn warnings_then_breaches_once_each() {
    let t = ticket("2026-11-23T08:00:00Z");
    let cfg = config();
    let (plan, cal) = cfg.plan_for(&t).unwrap();
    // First response: 60 min, warn at 20 % before → 08:48Z; due 09:00Z.
    let eval = |events: &[TicketEvent], now: &str| evaluate(&t, events, plan, cal, at(now));
    assert_eq!(eval(&[], "2026-11-23T08:00:00Z").next_action(&[]), Some(at("2026-11-23T08:48:00Z")));
    assert!(eval(&[], "2026-11-23T08:47:00Z").alerts_due(&[], at("2026-11-23T08:47:00Z")).is_empty());
    let warned = eval(&[], "2026-11-23T08:50:00Z").alerts_due(&[], at("2026-11-23T08:50:00Z"));
    assert_eq!(
        warned,
        [Alert { target: TargetKind::FirstResponse, cycle: 0, level: AlertLevel::Warning, due_at: at("2026-11-23T09:00:00Z") }]
    );
    // Past due with nothing recorded: the breach alone.
    let late = eval(&[], "2026-11-23T09:05:00Z").alerts_due(&[], at("2026-11-23T09:05:00Z"));
    assert_eq!(late.iter().map(|a| a.level).collect::<Vec<_>>(), [AlertLevel::Breach]);

    let mut ids = (0..).map(|i| format!("id{i}"));
    let mut new_id = || ids.next().unwrap();
    let (first, alerts) = run_due(&t, &[], &cfg, at("2026-11-23T08:50:00Z"), &mut new_id).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(first.ticket.sla_next_action, Some(at("2026-11-23T09:00:00Z")), "next: the breach");
    assert!(run_due(&first.ticket, &first.events, &cfg, at("2026-11-23T08:55:00Z"), &mut new_id).is_none(), "warned once");

    let (second, _) = run_due(&first.ticket, &first.events, &cfg, at("2026-11-23T09:01:00Z"), &mut new_id).unwrap();
    let kinds: Vec<&EventKind> = second.events.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds[0], EventKind::SlaBreached { target: TargetKind::FirstResponse, .. }));
    assert!(matches!(kinds[1], EventKind::PriorityChanged { from: Priority::Medium, to: Priority::High }), "escalated");
    assert_eq!(second.ticket.priority, Priority::High);
    assert_eq!(second.events[0].actor.role, Role::System);
    let log: Vec<TicketEvent> = first.events.iter().chain(&second.events).cloned().collect();
    assert!(run_due(&second.ticket, &log, &cfg, at("2026-11-23T09:02:00Z"), &mut new_id).is_none(), "breached once");
    // Next: the resolution warning (480 min, warn 96 min before 17:00 Berlin → 14:24Z).
    assert_eq!(second.ticket.sla_next_action, Some(at("2026-11-23T14:24:00Z")));
}

#[test]
fn a_late_answer_is_still_recorded_as_a_breach() {
    let t = ticket("2026-11-23T08:00:00Z");
    let events = [agent_reply("2026-11-23T09:30:00Z")];
    let eval = evaluate(&t, &events, &plan(), &office("Europe/Berlin"), at("2026-11-23T10:00:00Z"));
    let alerts = eval.alerts_due(&events, at("2026-11-23T10:00:00Z"));
    assert!(alerts.iter().any(|a| a.target == TargetKind::FirstResponse && a.level == AlertLevel::Breach));
    assert_eq!(eval.next_action(&events), Some(at("2026-11-23T08:48:00Z")), "due at once: the scan records it");
}

#[test]
fn plans_apply_in_order_of_precedence() {
    let mut urgent = plan();
    urgent.id = "urgent".into();
    urgent.precedence = 1;
    urgent.conditions.priorities = vec![Priority::Urgent];
    let mut inactive = plan();
    inactive.id = "old".into();
    inactive.precedence = 0;
    inactive.active = false;
    let cfg = SlaConfig { plans: vec![plan(), urgent, inactive], calendars: vec![office("Europe/Berlin")] };
    let mut t = ticket("2026-11-23T08:00:00Z");
    assert_eq!(cfg.plan_for(&t).unwrap().0.id, "standard");
    t.priority = Priority::Urgent;
    assert_eq!(cfg.plan_for(&t).unwrap().0.id, "urgent");
    let no_calendar = SlaConfig { plans: vec![plan()], calendars: vec![] };
    assert!(no_calendar.plan_for(&t).is_none());
}

#[test]
fn plans_are_validated() {
    let input: SlaPlanInput = serde_json::from_value(serde_json::json!({
        "name": "x", "calendar": "nope", "targets": {"high": {"first_response_minutes": 0}}, "warning": {"percent": 100},
        "escalations": [{"on": "breach", "action": {"type": "move_to_group", "group": "has space"}}]
    }))
    .unwrap();
    let fields: Vec<String> = input.into_plan("x", 1, false).unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["calendar", "targets.high.first_response_minutes", "warning.percent", "escalations[0].action.group"]);
}
