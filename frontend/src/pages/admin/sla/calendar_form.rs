//! A calendar as its form holds it: times and dates as typed, so that what the browser cannot
//! read is refused at its own input, and the rest is sent for the server to check. Problems are
//! named by the API's members (`hours.mon[1]`, `holidays[0]`, `time_zone`), as the server names them.

use crate::i18n::I18n;
use crate::pages::settings::{hh_mm, time_of};
use helpdesk_core::calendar::{Calendar, CalendarInput, Holiday, Span, WeekHours};
use helpdesk_core::{FieldError, FieldErrorCode};

/// The days of the week: the API's member and the catalogue key of its name.
pub const DAYS: [(&str, &str); 7] = [
    ("mon", "sla_admin.day.mon"),
    ("tue", "sla_admin.day.tue"),
    ("wed", "sla_admin.day.wed"),
    ("thu", "sla_admin.day.thu"),
    ("fri", "sla_admin.day.fri"),
    ("sat", "sla_admin.day.sat"),
    ("sun", "sla_admin.day.sun"),
];

/// An opening span as typed (`09:00`; empty while not given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpanText {
    pub start: String,
    pub end: String,
}

/// A holiday as typed: its date (`2026-12-24`) and name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HolidayText {
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDraft {
    pub name: String,
    pub time_zone: String,
    /// 24×7: the weekly hours are kept (for switching back) but not sent.
    pub round_the_clock: bool,
    /// Spans per day, in [`DAYS`] order.
    pub days: [Vec<SpanText>; 7],
    /// Holidays as typed.
    pub holidays: Vec<HolidayText>,
    pub version: Option<u64>,
}

fn office_day() -> Vec<SpanText> {
    vec![SpanText { start: "09:00".into(), end: "17:00".into() }]
}

impl CalendarDraft {
    /// A new calendar: office hours on weekdays, in the browser's zone.
    pub fn blank() -> Self {
        let zone = crate::pages::settings::browser_zone().unwrap_or_else(|| "UTC".into());
        CalendarDraft {
            name: String::new(),
            time_zone: zone,
            round_the_clock: false,
            days: [office_day(), office_day(), office_day(), office_day(), office_day(), Vec::new(), Vec::new()],
            holidays: Vec::new(),
            version: None,
        }
    }

    pub fn of(c: &Calendar) -> Self {
        let hours = c.hours.clone().unwrap_or_default();
        let spans = |spans: &[Span]| spans.iter().map(|s| SpanText { start: hh_mm(s.start), end: hh_mm(s.end) }).collect();
        let days = [&hours.mon, &hours.tue, &hours.wed, &hours.thu, &hours.fri, &hours.sat, &hours.sun].map(|d| spans(d));
        CalendarDraft {
            name: c.name.clone(),
            time_zone: c.time_zone.clone(),
            round_the_clock: c.hours.is_none(),
            // A 24×7 calendar offers office hours when switched to weekly hours.
            days: if c.hours.is_none() { CalendarDraft::blank().days } else { days },
            holidays: c.holidays.iter().map(|h| HolidayText { date: h.date.to_string(), name: h.name.clone() }).collect(),
            version: Some(c.version),
        }
    }

    /// The input to send, or the problems the browser sees already (times and dates it cannot read).
    pub fn input(&self) -> Result<CalendarInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut week: [Vec<Span>; 7] = Default::default();
        for (d, (day, _)) in DAYS.iter().enumerate() {
            for (j, span) in self.days[d].iter().enumerate() {
                match (time_of(&span.start), time_of(&span.end)) {
                    (Some(start), Some(end)) => week[d].push(Span { start, end }),
                    _ => problems.push(FieldError::new(format!("hours.{day}[{j}]"), FieldErrorCode::Required, "both times as HH:MM")),
                }
            }
        }
        let mut holidays = Vec::new();
        for (j, typed) in self.holidays.iter().enumerate() {
            match typed.date.trim().parse() {
                Ok(date) => holidays.push(Holiday { date, name: typed.name.clone() }),
                Err(_) => problems.push(FieldError::new(format!("holidays[{j}].date"), FieldErrorCode::InvalidDate, "a date")),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let [mon, tue, wed, thu, fri, sat, sun] = week;
        Ok(CalendarInput {
            id: None,
            version: self.version,
            name: self.name.clone(),
            time_zone: self.time_zone.trim().to_string(),
            hours: (!self.round_the_clock).then_some(WeekHours { mon, tue, wed, thu, fri, sat, sun }),
            holidays,
        })
    }
}

/// `hours.mon[1]` → the index of Monday and the span 1.
pub fn span_of(field: &str) -> Option<(usize, usize)> {
    let (day, rest) = field.strip_prefix("hours.")?.split_once('[')?;
    let j = rest.strip_suffix(']')?.parse().ok()?;
    Some((DAYS.iter().position(|(d, _)| *d == day)?, j))
}

/// `holidays[2]`, `holidays[2].date` → 2 and no part, or the part; `holidays[2].name` → 2 and
/// the name.
pub fn holiday_of(field: &str) -> Option<(usize, bool)> {
    let (j, rest) = field.strip_prefix("holidays[")?.split_once(']')?;
    let name = match rest {
        "" | ".date" => false,
        ".name" => true,
        _ => return None,
    };
    Some((j.parse().ok()?, name))
}

/// A calendar input's member as the form labels it.
pub fn label_of(i: I18n, field: &str) -> String {
    if let Some((d, j)) = span_of(field) {
        return format!("{}, {} {}", i.t(DAYS[d].1), i.t("sla_admin.span"), j + 1);
    }
    if let Some((j, name)) = holiday_of(field) {
        let part = if name { i.t("sla_admin.holiday_name") } else { i.t("sla_admin.holiday_date") };
        return format!("{} {}, {}", i.t("sla_admin.holiday"), j + 1, part);
    }
    let key = match field {
        "id" => "admin.id",
        "name" => "admin.name",
        "time_zone" => "sla_admin.time_zone",
        "hours" => "sla_admin.hours",
        "holidays" => "sla_admin.holidays",
        _ => "admin.form",
    };
    i.t(key).to_string()
}

/// The calendar form's own words for its problems: which is wrong with a span (the server says
/// "invalid" for both an end before the start and an overlap), an unknown zone, a week never open.
pub fn explain(i: I18n, problem: &FieldError, draft: &CalendarDraft) -> Option<&'static str> {
    use FieldErrorCode::*;
    if let Some((d, j)) = span_of(&problem.field) {
        let span = draft.days[d].get(j)?;
        let key = match (time_of(&span.start), time_of(&span.end)) {
            (Some(start), Some(end)) if end != chrono::NaiveTime::MIN && end <= start => "sla_admin.span_order",
            (Some(_), Some(_)) => "sla_admin.span_overlap",
            _ => "sla_admin.span_times",
        };
        return Some(i.t(key));
    }
    let key = match (problem.field.as_str(), problem.code) {
        ("time_zone", Invalid) => "settings.time_zone_invalid",
        ("hours", Required) => "sla_admin.hours_required",
        ("id", Invalid) => "sla_admin.id_invalid",
        ("name", Invalid) => "sla_admin.name_invalid",
        _ => return None,
    };
    Some(i.t(key))
}
