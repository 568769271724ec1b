//! SLA plans and clocks. A plan is chosen by conditions (priority, topic, group) in order of
//! precedence and sets, per priority, first-response, next-response and resolution targets in
//! business time, plus an optional deadline in real time. Clocks are computed from the ticket's
//! event log only, so a plan change, a pause or a reopen is always accounted for the same way:
//!
//! - first response runs from creation to the first public reply by staff (internal notes never
//!   count); resolving before any reply stops it too;
//! - next response runs from each requester message after the first response to the next public
//!   staff reply;
//! - resolution runs from creation until resolved or closed, and resumes on reopen;
//! - the deadline is like resolution but counts real time, ignoring the calendar;
//! - time in "waiting for requester" is excluded from every clock (a true pause), so paused
//!   tickets leave the due index.
//!
//! Warnings and breaches are recorded in the log as events, once each; `next_action` tells the
//! scan when this ticket next needs it, and that time is what the due index holds.

use crate::calendar::Calendar;
use crate::commands::Change;
use crate::error::{FieldError, FieldErrorCode as Code};
use crate::event::{EventKind, TicketEvent};
use crate::permissions::{Actor, Role};
use crate::ticket::{Priority, Status, Ticket};
use crate::topic::{is_plain_id, is_slug};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The actor of what the scan does.
pub const SLA_ACTOR_ID: &str = "sla";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    FirstResponse,
    NextResponse,
    Resolution,
    Deadline,
}

/// Targets for one priority, in minutes; business minutes except the deadline (real minutes,
/// paused like the others while waiting for the requester).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_minutes: Option<u32>,
}

/// How early to warn: a fixed lead, or a share of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    Minutes(u32),
    Percent(u8),
}

impl Warning {
    /// The lead before the target at which to warn, in seconds.
    fn lead(self, target_seconds: i64) -> i64 {
        match self {
            Warning::Minutes(m) => i64::from(m) * 60,
            Warning::Percent(p) => target_seconds * i64::from(p) / 100,
        }
    }
}

/// Which tickets a plan covers; an empty list matches anything.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl Conditions {
    fn matches(&self, t: &Ticket) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && (self.topics.is_empty() || self.topics.contains(&t.topic))
            && (self.groups.is_empty() || self.groups.contains(&t.group))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Warning,
    Breach,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EscalationAction {
    /// One step up, up to urgent.
    RaisePriority,
    SetPriority {
        priority: Priority,
    },
    MoveToGroup {
        group: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub on: AlertLevel,
    /// The target it watches; absent for any.
    #[serde(default)]
    pub target: Option<TargetKind>,
    pub action: EscalationAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPlan {
    pub id: String,
    pub name: String,
    pub active: bool,
    /// Lower goes first; the first active plan whose conditions match a ticket applies.
    pub precedence: u32,
    pub conditions: Conditions,
    /// The calendar business time is counted in.
    pub calendar: String,
    /// Targets per priority; a priority without targets has no clocks.
    pub targets: BTreeMap<Priority, Targets>,
    #[serde(default)]
    pub warning: Option<Warning>,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    pub version: u64,
}

/// What an admin sends to create or replace a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPlanInput {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: Option<u64>,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub precedence: u32,
    #[serde(default)]
    pub conditions: Conditions,
    pub calendar: String,
    pub targets: BTreeMap<Priority, Targets>,
    #[serde(default)]
    pub warning: Option<Warning>,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
}

fn yes() -> bool {
    true
}

/// Ten years, in minutes: longer targets are typing mistakes.
const MAX_TARGET_MINUTES: u32 = 10 * 366 * 24 * 60;

impl SlaPlanInput {
    /// Checks a plan; `calendar_exists` says whether its calendar is known.
    pub fn into_plan(self, id: &str, version: u64, calendar_exists: bool) -> Result<SlaPlan, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_slug(id) {
            errors.push(FieldError::new("id", Code::Invalid, "1 to 40 lower-case letters, digits or dashes"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            errors.push(FieldError::new("name", Code::Invalid, "1 to 120 characters"));
        }
        if !calendar_exists {
            errors.push(FieldError::new("calendar", Code::UnknownOption, format!("there is no calendar '{}'", self.calendar)));
        }
        if self.targets.is_empty() {
            errors.push(FieldError::new("targets", Code::Required, "targets for at least one priority"));
        }
        for (priority, targets) in &self.targets {
            let minutes = [
                ("first_response_minutes", targets.first_response_minutes),
                ("next_response_minutes", targets.next_response_minutes),
                ("resolution_minutes", targets.resolution_minutes),
                ("deadline_minutes", targets.deadline_minutes),
            ];
            for (name, value) in minutes {
                if value.is_some_and(|m| m == 0 || m > MAX_TARGET_MINUTES) {
                    errors.push(FieldError::new(format!("targets.{priority}.{name}"), Code::OutOfRange, "from 1 minute to 10 years"));
                }
            }
        }
        if let Some(Warning::Percent(p)) = self.warning
            && !(1..=99).contains(&p)
        {
            errors.push(FieldError::new("warning.percent", Code::OutOfRange, "from 1 to 99"));
        }
        for (i, topic) in self.conditions.topics.iter().enumerate() {
            if !is_slug(topic) {
                errors.push(FieldError::new(format!("conditions.topics[{i}]"), Code::Invalid, "a topic id"));
            }
        }
        for (i, group) in self.conditions.groups.iter().enumerate() {
            if !is_plain_id(group) {
                errors.push(FieldError::new(format!("conditions.groups[{i}]"), Code::Invalid, "a group id"));
            }
        }
        for (i, escalation) in self.escalations.iter().enumerate() {
            if let EscalationAction::MoveToGroup { group } = &escalation.action
                && !is_plain_id(group)
            {
                errors.push(FieldError::new(format!("escalations[{i}].action.group"), Code::Invalid, "a group id"));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SlaPlan {
            id: id.into(),
            name: self.name.trim().into(),
            active: self.active,
            precedence: self.precedence,
            conditions: self.conditions,
            calendar: self.calendar,
            targets: self.targets,
            warning: self.warning,
            escalations: self.escalations,
            version,
        })
    }
}

/// All plans and calendars: small, read whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlaConfig {
    pub plans: Vec<SlaPlan>,
    pub calendars: Vec<Calendar>,
}

impl SlaConfig {
    /// The plan that covers `ticket`, with its calendar.
    pub fn plan_for(&self, ticket: &Ticket) -> Option<(&SlaPlan, &Calendar)> {
        let mut plans: Vec<&SlaPlan> = self.plans.iter().filter(|p| p.active && p.conditions.matches(ticket)).collect();
        plans.sort_by(|a, b| (a.precedence, &a.id).cmp(&(b.precedence, &b.id)));
        plans.into_iter().find_map(|plan| Some((plan, self.calendars.iter().find(|c| c.id == plan.calendar)?)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Met,
    Breached,
}

/// One target's clock as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetStatus {
    pub target: TargetKind,
    /// 0, except for next response: the requester message it answers, counted from 1.
    pub cycle: u32,
    pub state: ClockState,
    pub target_seconds: i64,
    /// Business time counted so far (real time for the deadline).
    pub elapsed_seconds: i64,
    /// When the target falls (or fell) due; absent while paused before it.
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    /// When the clock stopped (met, or answered late).
    pub stopped_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaStatus {
    pub plan: String,
    pub calendar: String,
    pub targets: Vec<TargetStatus>,
    /// Real time spent waiting for the requester, excluded from every clock.
    pub paused_seconds: i64,
}

/// The ticket's next SLA target as the queue shows and sorts it: the earliest due time among
/// the clocks still to stop. Written with the ticket at every write; whether it is in warning or
/// breached by now is [`SlaDue::state_at`], so the stored value never goes stale with time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaDue {
    pub target: TargetKind,
    /// Absent while every clock still to stop is paused (waiting for the requester) short of its
    /// target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at: Option<DateTime<Utc>>,
    /// The clock waits for the requester.
    #[serde(default)]
    pub paused: bool,
}

/// What a queue row says about its next target at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    Running,
    Paused,
    Warning,
    Breached,
}

impl SlaDue {
    pub fn state_at(&self, now: DateTime<Utc>) -> DueState {
        match self.due_at {
            Some(due) if due <= now => DueState::Breached,
            _ if self.paused => DueState::Paused,
            None => DueState::Paused,
            Some(_) if self.warn_at.is_some_and(|w| w <= now) => DueState::Warning,
            Some(_) => DueState::Running,
        }
    }
}

/// A warning or breach to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub target: TargetKind,
    pub cycle: u32,
    pub level: AlertLevel,
    pub due_at: DateTime<Utc>,
}

/// A clock made of the real-time segments it ran in.
#[derive(Debug, Clone)]
struct Clock {
    target: TargetKind,
    cycle: u32,
    target_seconds: i64,
    /// Business time (the calendar) or real time (the deadline).
    business: bool,
    segments: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    stopped_at: Option<DateTime<Utc>>,
}

impl Clock {
    fn new(target: TargetKind, cycle: u32, minutes: u32, business: bool) -> Self {
        Clock { target, cycle, target_seconds: i64::from(minutes) * 60, business, segments: Vec::new(), stopped_at: None }
    }

    fn running(&self) -> bool {
        self.segments.last().is_some_and(|(_, end)| end.is_none())
    }

    fn run(&mut self, at: DateTime<Utc>) {
        if !self.running() && self.stopped_at.is_none() {
            self.segments.push((at, None));
        }
    }

    fn halt(&mut self, at: DateTime<Utc>) {
        if let Some((_, end @ None)) = self.segments.last_mut() {
            *end = Some(at);
        }
    }

    fn stop(&mut self, at: DateTime<Utc>) {
        if self.stopped_at.is_none() {
            self.halt(at);
            self.stopped_at = Some(at);
        }
    }

    fn reopen(&mut self, at: DateTime<Utc>, paused: bool) {
        self.stopped_at = None;
        if !paused {
            self.run(at);
        }
    }

    fn span(&self, calendar: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if self.business { calendar.business_seconds(from, to) } else { (to - from).num_seconds().max(0) }
    }

    fn advance(&self, calendar: &Calendar, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        if self.business { calendar.add_business_seconds(from, seconds) } else { Some(from + Duration::seconds(seconds)) }
    }

    fn elapsed(&self, calendar: &Calendar, now: DateTime<Utc>) -> i64 {
        self.segments.iter().map(|&(start, end)| self.span(calendar, start, end.unwrap_or(now).min(now))).sum()
    }

    /// The instant the clock reaches `threshold` seconds, if it has or will while running.
    fn reaches(&self, calendar: &Calendar, threshold: i64) -> Option<DateTime<Utc>> {
        let mut left = threshold;
        for &(start, end) in &self.segments {
            match end {
                None => return self.advance(calendar, start, left),
                Some(end) => {
                    let counted = self.span(calendar, start, end);
                    if counted >= left {
                        return self.advance(calendar, start, left);
                    }
                    left -= counted;
                }
            }
        }
        None
    }

    fn status(&self, calendar: &Calendar, warning: Option<Warning>, now: DateTime<Utc>) -> TargetStatus {
        let due_at = self.reaches(calendar, self.target_seconds);
        let lead = warning.map(|w| w.lead(self.target_seconds)).filter(|&lead| lead > 0 && lead < self.target_seconds);
        let warn_at = lead.and_then(|lead| self.reaches(calendar, self.target_seconds - lead));
        let reached = |due: DateTime<Utc>| due <= self.stopped_at.unwrap_or(now).min(now);
        let state = match (due_at, self.stopped_at) {
            (Some(due), _) if reached(due) && self.stopped_at.is_none_or(|s| due < s) => ClockState::Breached,
            (_, Some(_)) => ClockState::Met,
            _ if self.running() => ClockState::Running,
            _ => ClockState::Paused,
        };
        TargetStatus {
            target: self.target,
            cycle: self.cycle,
            state,
            target_seconds: self.target_seconds,
            elapsed_seconds: self.elapsed(calendar, now),
            due_at,
            warn_at,
            stopped_at: self.stopped_at,
        }
    }
}

/// Replays the log into clocks; also returns the real time spent waiting up to `now`.
fn replay(ticket: &Ticket, events: &[TicketEvent], targets: &Targets, now: DateTime<Utc>) -> (Vec<Clock>, i64) {
    let start = ticket.created_at;
    let business = |t: TargetKind, m: Option<u32>| m.map(|m| Clock::new(t, 0, m, true));
    let mut first = business(TargetKind::FirstResponse, targets.first_response_minutes);
    let mut resolution = business(TargetKind::Resolution, targets.resolution_minutes);
    let mut deadline = targets.deadline_minutes.map(|m| Clock::new(TargetKind::Deadline, 0, m, false));
    let mut cycles: Vec<Clock> = Vec::new();
    for clock in [&mut first, &mut resolution, &mut deadline].into_iter().flatten() {
        clock.run(start);
    }
    let mut responded = false;
    let mut status = Status::New;
    let mut waiting_since: Option<DateTime<Utc>> = None;
    let mut paused_seconds = 0;

    // Every clock a wait pauses.
    macro_rules! clocks {
        () => {
            first.iter_mut().chain(resolution.iter_mut()).chain(cycles.iter_mut()).chain(deadline.iter_mut())
        };
    }
    for event in events {
        let at = event.at.max(start);
        match &event.kind {
            EventKind::StatusChanged { to, .. } => {
                let (was_waiting, was_done) = (status == Status::WaitingForRequester, matches!(status, Status::Resolved | Status::Closed));
                status = *to;
                let (waiting, done) = (status == Status::WaitingForRequester, matches!(status, Status::Resolved | Status::Closed));
                if waiting && !was_waiting {
                    waiting_since = Some(at);
                    clocks!().for_each(|c| c.halt(at));
                }
                if was_waiting && !waiting {
                    paused_seconds += waiting_since.take().map_or(0, |since| (at - since).num_seconds());
                    if !done {
                        clocks!().for_each(|c| c.run(at));
                    }
                }
                if done && !was_done {
                    // Resolving answers whatever was still open.
                    responded = true;
                    clocks!().for_each(|c| c.stop(at));
                }
                if was_done && !done {
                    resolution.iter_mut().chain(deadline.iter_mut()).for_each(|c| c.reopen(at, waiting));
                }
            }
            EventKind::PublicReply { .. } if event.actor.role.is_staff() => {
                responded = true;
                first.iter_mut().for_each(|c| c.stop(at));
                cycles.iter_mut().for_each(|c| c.stop(at));
            }
            EventKind::PublicReply { .. } => {
                let open_cycle = cycles.last().is_some_and(|c| c.stopped_at.is_none());
                if let (true, false, Some(m)) = (responded, open_cycle, targets.next_response_minutes) {
                    let mut cycle = Clock::new(TargetKind::NextResponse, cycles.len() as u32 + 1, m, true);
                    if status != Status::WaitingForRequester {
                        cycle.run(at);
                    } else {
                        // Started while waiting: the status change this message brings resumes it.
                        cycle.segments.clear();
                    }
                    cycles.push(cycle);
                }
            }
            _ => {}
        }
    }
    if let Some(since) = waiting_since {
        paused_seconds += (now - since).num_seconds().max(0);
    }
    let clocks = first.into_iter().chain(cycles).chain(resolution).chain(deadline).collect();
    (clocks, paused_seconds)
}

/// The clocks of `ticket` under `plan`, as of `now`.
pub struct Evaluation {
    pub status: SlaStatus,
    /// Every clock, every next-response cycle included.
    all: Vec<TargetStatus>,
    /// The clocks counting now (the others are stopped or paused).
    running: Vec<(TargetKind, u32)>,
}

pub fn evaluate(ticket: &Ticket, events: &[TicketEvent], plan: &SlaPlan, calendar: &Calendar, now: DateTime<Utc>) -> Evaluation {
    let targets = plan.targets.get(&ticket.priority).copied().unwrap_or_default();
    let (clocks, paused_seconds) = replay(ticket, events, &targets, now);
    let all: Vec<TargetStatus> = clocks.iter().map(|c| c.status(calendar, plan.warning, now)).collect();
    // The console shows the latest next-response cycle only.
    let last_cycle = all.iter().filter(|t| t.target == TargetKind::NextResponse).map(|t| t.cycle).max();
    let shown = all.iter().filter(|t| t.target != TargetKind::NextResponse || Some(t.cycle) == last_cycle).cloned().collect();
    let running = clocks.iter().filter(|c| c.running()).map(|c| (c.target, c.cycle)).collect();
    Evaluation { status: SlaStatus { plan: plan.id.clone(), calendar: calendar.id.clone(), targets: shown, paused_seconds }, all, running }
}

fn recorded(events: &[TicketEvent], target: TargetKind, cycle: u32, level: AlertLevel) -> bool {
    events.iter().any(|e| match (&e.kind, level) {
        (EventKind::SlaWarning { target: t, cycle: c, .. }, AlertLevel::Warning) => *t == target && *c == cycle,
        (EventKind::SlaBreached { target: t, cycle: c, .. }, AlertLevel::Breach) => *t == target && *c == cycle,
        _ => false,
    })
}

impl Evaluation {
    /// The alerts the log does not hold yet, each with the time it falls due. A warning is only
    /// given while the clock still runs before its due time; a breach replaces it.
    fn unrecorded(&self, events: &[TicketEvent]) -> Vec<(DateTime<Utc>, Alert)> {
        let mut out = Vec::new();
        for t in &self.all {
            let Some(due) = t.due_at else { continue };
            let missed = t.stopped_at.is_none_or(|s| due < s);
            let breach_recorded = recorded(events, t.target, t.cycle, AlertLevel::Breach);
            if missed && !breach_recorded {
                out.push((due, Alert { target: t.target, cycle: t.cycle, level: AlertLevel::Breach, due_at: due }));
            }
            if let Some(warn) = t.warn_at
                && t.stopped_at.is_none_or(|s| warn < s)
                && !breach_recorded
                && !recorded(events, t.target, t.cycle, AlertLevel::Warning)
            {
                out.push((warn, Alert { target: t.target, cycle: t.cycle, level: AlertLevel::Warning, due_at: due }));
            }
        }
        out
    }

    /// What to record at `now`.
    pub fn alerts_due(&self, events: &[TicketEvent], now: DateTime<Utc>) -> Vec<Alert> {
        let pending: Vec<Alert> = self.unrecorded(events).into_iter().filter(|(at, _)| *at <= now).map(|(_, a)| a).collect();
        // Past the due time a warning says nothing the breach does not.
        pending
            .iter()
            .filter(|a| {
                a.level == AlertLevel::Breach
                    || !pending.iter().any(|b| b.level == AlertLevel::Breach && b.target == a.target && b.cycle == a.cycle)
            })
            .copied()
            .collect()
    }

    /// The next target still to meet, if any clock has not stopped.
    pub fn next_due(&self) -> Option<SlaDue> {
        let open = self.all.iter().filter(|t| t.stopped_at.is_none());
        let as_due = |t: &TargetStatus| SlaDue {
            target: t.target,
            due_at: t.due_at,
            warn_at: t.warn_at,
            paused: !self.running.contains(&(t.target, t.cycle)),
        };
        // Due times first, soonest first; then a paused clock with none yet.
        open.min_by_key(|t| (t.due_at.is_none(), t.due_at, t.target)).map(as_due)
    }

    /// When the scan next has something to record; `None` while no clock can fire.
    pub fn next_action(&self, events: &[TicketEvent]) -> Option<DateTime<Utc>> {
        self.unrecorded(events).into_iter().map(|(at, _)| at).min()
    }
}

/// The ticket's SLA as the console shows it, if a plan covers it.
pub fn status(ticket: &Ticket, events: &[TicketEvent], config: &SlaConfig, now: DateTime<Utc>) -> Option<SlaStatus> {
    let (plan, calendar) = config.plan_for(ticket)?;
    Some(evaluate(ticket, events, plan, calendar, now).status)
}

/// Brings the ticket's SLA times up to date with its log (`events`, the whole log) and the
/// configuration: when the scan next has something to record, and the next target the queue
/// shows and sorts by. Every ticket write calls it.
pub fn refresh(ticket: &mut Ticket, events: &[TicketEvent], config: &SlaConfig) {
    let evaluation = config.plan_for(ticket).map(|(plan, calendar)| evaluate(ticket, events, plan, calendar, ticket.updated_at));
    ticket.sla_next_action = evaluation.as_ref().and_then(|e| e.next_action(events));
    ticket.sla_due = evaluation.and_then(|e| e.next_due());
}

fn raised(p: Priority) -> Priority {
    match p {
        Priority::Low => Priority::Medium,
        Priority::Medium => Priority::High,
        Priority::High | Priority::Urgent => Priority::Urgent,
    }
}

/// Records the alerts due at `now` and applies the plan's escalations; `None` when nothing is due.
/// The result's SLA times are already brought up to date ([`refresh`]).
pub fn run_due(
    ticket: &Ticket,
    events: &[TicketEvent],
    config: &SlaConfig,
    now: DateTime<Utc>,
    new_id: &mut impl FnMut() -> String,
) -> Option<(Change, Vec<Alert>)> {
    let (plan, calendar) = config.plan_for(ticket)?;
    let alerts = evaluate(ticket, events, plan, calendar, now).alerts_due(events, now);
    if alerts.is_empty() {
        return None;
    }
    let actor = Actor::new(SLA_ACTOR_ID, Role::System);
    let mut next = ticket.clone();
    let mut new_events = Vec::new();
    let mut push = |kind: EventKind, new_events: &mut Vec<TicketEvent>| {
        new_events.push(TicketEvent { id: new_id(), at: now, actor: actor.clone(), kind })
    };
    for alert in &alerts {
        let kind = match alert.level {
            AlertLevel::Warning => EventKind::SlaWarning { target: alert.target, cycle: alert.cycle, due_at: alert.due_at },
            AlertLevel::Breach => EventKind::SlaBreached { target: alert.target, cycle: alert.cycle, due_at: alert.due_at },
        };
        push(kind, &mut new_events);
        for escalation in plan.escalations.iter().filter(|e| e.on == alert.level && e.target.is_none_or(|t| t == alert.target)) {
            match &escalation.action {
                EscalationAction::RaisePriority | EscalationAction::SetPriority { .. } => {
                    let to = match &escalation.action {
                        EscalationAction::SetPriority { priority } => *priority,
                        _ => raised(next.priority),
                    };
                    if to != next.priority {
                        push(EventKind::PriorityChanged { from: next.priority, to }, &mut new_events);
                        next.priority = to;
                    }
                }
                EscalationAction::MoveToGroup { group } if *group != next.group => {
                    push(EventKind::GroupChanged { from: next.group.clone(), to: group.clone() }, &mut new_events);
                    next.group = group.clone();
                }
                EscalationAction::MoveToGroup { .. } => {}
            }
        }
    }
    next.version += 1;
    next.updated_at = now;
    let all_events: Vec<TicketEvent> = events.iter().chain(&new_events).cloned().collect();
    refresh(&mut next, &all_events, config);
    Some((Change { ticket: next, events: new_events }, alerts))
}

#[cfg(test)]
mod tests {
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
}
