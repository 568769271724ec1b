//! Reading the buckets: a report's question ([`ReportQuery`], checked as the API and the page
//! both check it), its lines with medians and percentiles, and the same as CSV.

use super::{BucketKey, Counters, Dimension};
use crate::sla::TargetKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest date range a report takes, in days.
pub const MAX_REPORT_DAYS: i64 = 400;

/// A report's question: one dimension over a date range, maybe within a group and a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub dimension: Dimension,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: Option<String>,
    pub topic: Option<String>,
}

impl ReportQuery {
    /// Reads `from`, `to` (YYYY-MM-DD, both included, at most [`MAX_REPORT_DAYS`]), `group` and
    /// `topic`; anything else, or a bad value, is `invalid_query`.
    pub fn from_pairs<'a>(dimension: Dimension, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, crate::ApiError> {
        use crate::query::bad_query;
        let (mut from, mut to, mut group, mut topic) = (None, None, None, None);
        for (name, value) in pairs {
            let day = || NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad_query(name, "a date, YYYY-MM-DD"));
            match name {
                "from" => from = Some(day()?),
                "to" => to = Some(day()?),
                "group" | "topic" if crate::topic::is_slug(value) => {
                    if name == "group" {
                        group = Some(value.to_string())
                    } else {
                        topic = Some(value.to_string())
                    }
                }
                "group" | "topic" => return Err(bad_query(name, "an id")),
                _ => return Err(bad_query(name, "unknown parameter")),
            }
        }
        let (Some(from), Some(to)) = (from, to) else {
            return Err(bad_query(if from.is_none() { "from" } else { "to" }, "required"));
        };
        if to < from {
            return Err(bad_query("to", "on or after from"));
        }
        if (to - from).num_days() >= MAX_REPORT_DAYS {
            return Err(bad_query("to", &format!("at most {MAX_REPORT_DAYS} days after from")));
        }
        Ok(ReportQuery { dimension, from, to, group, topic })
    }

    /// Whether a bucket is one this report reads.
    pub fn takes(&self, key: &BucketKey) -> bool {
        key.dimension == self.dimension
            && (self.from..=self.to).contains(&key.day)
            && self.group.as_ref().is_none_or(|g| *g == key.group)
            && self.topic.as_ref().is_none_or(|t| *t == key.topic)
    }
}

/// One line of a report: a dimension's value and its figures over the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportLine {
    /// The agent's, requester's or group's id, the topic, priority, channel, asset tag or plan.
    pub value: String,
    pub created: i64,
    pub first_responses: i64,
    pub resolved: i64,
    pub reopened: i64,
    /// Reopened per resolved (0 when nothing was resolved).
    pub reopen_rate: f64,
    /// SLA breaches per target (`first_response`, `next_response`, `resolution`, `deadline`).
    pub breaches: BTreeMap<TargetKind, i64>,
    pub first_response_median_minutes: Option<i64>,
    pub first_response_p90_minutes: Option<i64>,
    pub resolution_median_minutes: Option<i64>,
    pub resolution_p90_minutes: Option<i64>,
}

/// A report: its lines, busiest first, and the time zone its days are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub dimension: Dimension,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The report time zone (an IANA name): every day is a day there.
    pub time_zone: String,
    pub lines: Vec<ReportLine>,
}

/// The report's lines from the buckets it read (others are left out).
pub fn lines<'a>(query: &ReportQuery, buckets: impl IntoIterator<Item = (&'a BucketKey, &'a Counters)>) -> Vec<ReportLine> {
    let mut by_value: BTreeMap<&str, Counters> = BTreeMap::new();
    for (key, counters) in buckets.into_iter().filter(|(k, _)| query.takes(k)) {
        by_value.entry(key.value.as_str()).or_default().merge(counters, 1);
    }
    let mut lines: Vec<ReportLine> = by_value
        .into_iter()
        // A value whose figures all moved elsewhere (a reassigned ticket) has nothing to show.
        .filter(|(_, c)| !c.is_empty())
        .map(|(value, c)| ReportLine {
            value: value.to_string(),
            created: c.created,
            first_responses: c.first_responses,
            resolved: c.resolved,
            reopened: c.reopened,
            reopen_rate: if c.resolved > 0 { c.reopened as f64 / c.resolved as f64 } else { 0.0 },
            first_response_median_minutes: c.first_response.quantile(0.5),
            first_response_p90_minutes: c.first_response.quantile(0.9),
            resolution_median_minutes: c.resolution.quantile(0.5),
            resolution_p90_minutes: c.resolution.quantile(0.9),
            breaches: c.breaches,
        })
        .collect();
    lines.sort_by(|a, b| (b.created + b.resolved).cmp(&(a.created + a.resolved)).then_with(|| a.value.cmp(&b.value)));
    lines
}

/// The report as CSV: a byte-order mark, a header row, one row per line (the file's name says
/// the range, `csv` callers the time zone).
pub fn csv(report: &Report) -> String {
    fn cell(value: &str) -> String {
        if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_string() }
    }
    let minutes = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
    let mut out = String::from("\u{feff}");
    let targets = [TargetKind::FirstResponse, TargetKind::NextResponse, TargetKind::Resolution, TargetKind::Deadline];
    let mut header: Vec<String> = vec![
        crate::wire_name(&report.dimension),
        "created".into(),
        "first_responses".into(),
        "resolved".into(),
        "reopened".into(),
        "reopen_rate".into(),
    ];
    header.extend(targets.iter().map(|t| format!("breaches_{}", crate::wire_name(t))));
    header.extend(
        ["first_response_median_minutes", "first_response_p90_minutes", "resolution_median_minutes", "resolution_p90_minutes"]
            .map(String::from),
    );
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for line in &report.lines {
        let mut row = vec![
            cell(&line.value),
            line.created.to_string(),
            line.first_responses.to_string(),
            line.resolved.to_string(),
            line.reopened.to_string(),
            format!("{:.3}", line.reopen_rate),
        ];
        row.extend(targets.iter().map(|t| line.breaches.get(t).copied().unwrap_or(0).to_string()));
        row.extend([
            minutes(line.first_response_median_minutes),
            minutes(line.first_response_p90_minutes),
            minutes(line.resolution_median_minutes),
            minutes(line.resolution_p90_minutes),
        ]);
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}
