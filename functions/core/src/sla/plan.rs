//! What admins configure: plans (conditions, targets per priority, warning, escalations) with
//! the checks a plan must pass, and the whole configuration that picks a ticket's plan.

use crate::calendar::Calendar;
use crate::error::{FieldError, FieldErrorCode as Code};
use crate::ticket::{Priority, Ticket};
use crate::topic::{is_plain_id, is_slug};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// How long before a target of `target_seconds` the warning comes.
    pub fn lead(self, target_seconds: i64) -> i64 {
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
        self.takes(t.priority, &t.topic, &t.group)
    }

    /// Whether a ticket of this priority, topic and group meets them (an empty list takes any).
    pub fn takes(&self, priority: Priority, topic: &str, group: &str) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&priority))
            && (self.topics.is_empty() || self.topics.iter().any(|t| t == topic))
            && (self.groups.is_empty() || self.groups.iter().any(|g| g == group))
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
        first_covering(&self.plans, &self.calendars, |conditions| conditions.matches(ticket))
    }
}

/// The first active plan by precedence (then id) whose conditions `take` and whose calendar
/// exists, with that calendar.
pub fn first_covering<'a, 'c>(
    plans: &'a [SlaPlan],
    calendars: &'c [Calendar],
    take: impl Fn(&Conditions) -> bool,
) -> Option<(&'a SlaPlan, &'c Calendar)> {
    let mut candidates: Vec<&SlaPlan> = plans.iter().filter(|p| p.active && take(&p.conditions)).collect();
    candidates.sort_by(|a, b| (a.precedence, &a.id).cmp(&(b.precedence, &b.id)));
    candidates.into_iter().find_map(|plan| Some((plan, calendars.iter().find(|c| c.id == plan.calendar)?)))
}
