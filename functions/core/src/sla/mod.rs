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
use crate::event::{EventKind, TicketEvent};
use crate::permissions::{Actor, Role};
use crate::ticket::{Priority, Status, Ticket};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

mod plan;
pub use plan::*;

/// The actor of what the scan does.
pub const SLA_ACTOR_ID: &str = "sla";

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
mod tests;
