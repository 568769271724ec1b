//! A plan as its form holds it: numbers as typed, so that a negative or broken number is refused
//! at its own input (the API's types cannot carry it) and every other check is the server's.
//! Problems are named by the API's members (`targets.high.first_response_minutes`,
//! `warning.percent`, `escalations[0].action.group`), as the server names them.

use crate::i18n::{I18n, wire};
use helpdesk_core::sla::{Conditions, Escalation, SlaPlan, SlaPlanInput, TargetKind, Targets, Warning};
use helpdesk_core::{FieldError, FieldErrorCode, Priority};
use std::collections::BTreeMap;

/// The targets a priority has: the member of [`Targets`] and the catalogue key of its name.
pub const KINDS: [(TargetKind, &str, &str); 4] = [
    (TargetKind::FirstResponse, "first_response_minutes", "sla.first_response"),
    (TargetKind::NextResponse, "next_response_minutes", "sla.next_response"),
    (TargetKind::Resolution, "resolution_minutes", "sla.resolution"),
    (TargetKind::Deadline, "deadline_minutes", "sla.deadline"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    None,
    Minutes,
    Percent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanDraft {
    pub name: String,
    pub active: bool,
    pub precedence: String,
    pub conditions: Conditions,
    pub calendar: String,
    /// Minutes as typed, by priority (in [`Priority::ALL`] order), then target (in [`KINDS`] order).
    pub targets: [[String; 4]; 4],
    pub warning: WarningKind,
    pub warning_value: String,
    pub escalations: Vec<Escalation>,
    pub version: Option<u64>,
}

fn minutes_of(t: &Targets) -> [Option<u32>; 4] {
    [t.first_response_minutes, t.next_response_minutes, t.resolution_minutes, t.deadline_minutes]
}

/// What a number input (minutes, precedence, percent) holds: blank is none; a fraction, words or a
/// negative number are refused.
pub fn whole(text: &str) -> Result<Option<u32>, FieldErrorCode> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let n: i64 = text.parse().map_err(|_| FieldErrorCode::WrongType)?;
    u32::try_from(n).map(Some).map_err(|_| FieldErrorCode::OutOfRange)
}

impl PlanDraft {
    /// A new plan: active, in the first calendar, with nothing set yet.
    pub fn blank(calendar: Option<&str>) -> Self {
        PlanDraft {
            name: String::new(),
            active: true,
            precedence: "10".into(),
            conditions: Conditions::default(),
            calendar: calendar.unwrap_or_default().to_string(),
            targets: Default::default(),
            warning: WarningKind::None,
            warning_value: String::new(),
            escalations: Vec::new(),
            version: None,
        }
    }

    pub fn of(p: &SlaPlan) -> Self {
        let targets = Priority::ALL.map(|priority| {
            let t = p.targets.get(&priority).copied().unwrap_or_default();
            minutes_of(&t).map(|m| m.map(|m| m.to_string()).unwrap_or_default())
        });
        let (warning, warning_value) = match p.warning {
            None => (WarningKind::None, String::new()),
            Some(Warning::Minutes(m)) => (WarningKind::Minutes, m.to_string()),
            Some(Warning::Percent(n)) => (WarningKind::Percent, n.to_string()),
        };
        PlanDraft {
            name: p.name.clone(),
            active: p.active,
            precedence: p.precedence.to_string(),
            conditions: p.conditions.clone(),
            calendar: p.calendar.clone(),
            targets,
            warning,
            warning_value,
            escalations: p.escalations.clone(),
            version: Some(p.version),
        }
    }

    /// The member of the warning's value: `warning.minutes` or `warning.percent`.
    pub fn warning_field(&self) -> &'static str {
        if self.warning == WarningKind::Percent { "warning.percent" } else { "warning.minutes" }
    }

    /// The targets per priority, leaving out priorities with none typed; `problems` hears the
    /// numbers that cannot be sent.
    fn targets(&self, problems: &mut Vec<FieldError>) -> BTreeMap<Priority, Targets> {
        let mut all = BTreeMap::new();
        for (p, priority) in Priority::ALL.into_iter().enumerate() {
            let typed = &self.targets[p];
            if typed.iter().all(|t| t.trim().is_empty()) {
                continue;
            }
            let mut values = [None; 4];
            for (k, (_, member, _)) in KINDS.iter().enumerate() {
                match whole(&typed[k]) {
                    Ok(m) => values[k] = m,
                    Err(code) => problems.push(FieldError::new(format!("targets.{}.{member}", wire(&priority)), code, "minutes")),
                }
            }
            let [first_response_minutes, next_response_minutes, resolution_minutes, deadline_minutes] = values;
            all.insert(priority, Targets { first_response_minutes, next_response_minutes, resolution_minutes, deadline_minutes });
        }
        all
    }

    fn warning(&self, problems: &mut Vec<FieldError>) -> Option<Warning> {
        let value = match self.warning {
            WarningKind::None => return None,
            _ => whole(&self.warning_value).and_then(|v| v.ok_or(FieldErrorCode::Required)),
        };
        let value = match (self.warning, value) {
            (WarningKind::Percent, Ok(n)) => u8::try_from(n).map_err(|_| FieldErrorCode::OutOfRange).map(Warning::Percent),
            (_, value) => value.map(Warning::Minutes),
        };
        value.map_err(|code| problems.push(FieldError::new(self.warning_field(), code, "a number"))).ok()
    }

    /// The input to send, or the problems the browser sees already.
    pub fn input(&self) -> Result<SlaPlanInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let precedence = match whole(&self.precedence) {
            Ok(Some(n)) => n,
            Ok(None) => {
                problems.push(FieldError::new("precedence", FieldErrorCode::Required, "a number"));
                0
            }
            Err(code) => {
                problems.push(FieldError::new("precedence", code, "a whole number"));
                0
            }
        };
        let targets = self.targets(&mut problems);
        let warning = self.warning(&mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(SlaPlanInput {
            id: None,
            version: self.version,
            name: self.name.clone(),
            active: self.active,
            precedence,
            conditions: self.conditions.clone(),
            calendar: self.calendar.clone(),
            targets,
            warning,
            escalations: self.escalations.clone(),
        })
    }

    /// The plan as it would be saved, for the preview: numbers that cannot be read are left out.
    pub fn preview_plan(&self, id: &str) -> SlaPlan {
        let mut ignored = Vec::new();
        SlaPlan {
            id: id.to_string(),
            name: self.name.clone(),
            active: self.active,
            precedence: whole(&self.precedence).ok().flatten().unwrap_or_default(),
            conditions: self.conditions.clone(),
            calendar: self.calendar.clone(),
            targets: self.targets(&mut ignored),
            warning: self.warning(&mut ignored),
            escalations: Vec::new(),
            version: 0,
        }
    }
}

/// `targets.high.first_response_minutes` → (High, first response).
fn target_of(field: &str) -> Option<(Priority, usize)> {
    let (priority, member) = field.strip_prefix("targets.")?.split_once('.')?;
    let priority = Priority::ALL.into_iter().find(|p| wire(p) == priority)?;
    Some((priority, KINDS.iter().position(|(_, m, _)| *m == member)?))
}

/// `escalations[1].action.group` → (1, `action.group`).
fn escalation_of(field: &str) -> Option<(usize, &str)> {
    let (n, rest) = field.strip_prefix("escalations[")?.split_once(']')?;
    Some((n.parse().ok()?, rest.trim_start_matches('.')))
}

/// A plan input's member as the form labels it.
pub fn label_of(i: I18n, field: &str) -> String {
    if let Some((priority, k)) = target_of(field) {
        return format!("{}: {}", i.t(&format!("priority.{}", wire(&priority))), i.t(KINDS[k].2));
    }
    if let Some((n, part)) = escalation_of(field) {
        let whole = format!("{} {}", i.t("sla_admin.escalation"), n + 1);
        return if part == "action.group" { format!("{whole}: {}", i.t("ticket.group")) } else { whole };
    }
    let key = match field.split('[').next().unwrap_or(field) {
        "id" => "admin.id",
        "name" => "admin.name",
        "active" => "admin.active",
        "precedence" => "sla_admin.precedence",
        "calendar" => "sla_admin.calendar",
        "targets" => "sla_admin.targets",
        "conditions.priorities" => "sla_admin.priorities",
        "conditions.topics" => "sla_admin.topics",
        "conditions.groups" => "nav.groups",
        "warning" | "warning.percent" | "warning.minutes" => "sla_admin.warning",
        "escalations" => "sla_admin.escalations",
        _ => "admin.form",
    };
    i.t(key).to_string()
}

/// The plan form's own words for problems the general ones do not explain.
pub fn explain(i: I18n, problem: &FieldError) -> Option<&'static str> {
    use FieldErrorCode::*;
    let field = problem.field.as_str();
    let key = match (field, problem.code) {
        (_, WrongType) => "field_error.whole_number",
        (_, OutOfRange) if target_of(field).is_some() => "sla_admin.minutes_range",
        ("warning.percent", OutOfRange) => "sla_admin.percent_range",
        ("warning.minutes" | "precedence", OutOfRange) => "sla_admin.not_negative",
        ("targets", Required) => "sla_admin.targets_required",
        ("calendar", UnknownOption) => "sla_admin.calendar_unknown",
        ("id", Invalid) => "sla_admin.id_invalid",
        ("name", Invalid) => "sla_admin.name_invalid",
        _ => return None,
    };
    Some(i.t(key))
}
