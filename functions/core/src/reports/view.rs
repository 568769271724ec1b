//! Reading the buckets: a report's question ([`ReportQuery`], checked as the API and the page
//! both check it), its lines with medians and percentiles, and the same as CSV.

use super::{BucketKey, Counters, Dimension};
use crate::sla::TargetKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest date range a report takes, in days.
pub const MAX_REPORT_DAYS: i64 = 400;

/// The most lines a report with a `limit` shows (a top N).
pub const MAX_REPORT_LIMIT: usize = 1000;

/// Which lines come first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportSort {
    /// The most tickets created and resolved (the default).
    #[default]
    Volume,
    /// The most SLA breaches, then volume: the problem requesters and equipment.
    Breaches,
}

/// A report's question: one dimension over a date range, maybe within a group and a topic,
/// maybe only its top `limit` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub dimension: Dimension,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: Option<String>,
    pub topic: Option<String>,
    pub sort: ReportSort,
    pub limit: Option<usize>,
    /// The groups the reader may see (a team lead's); empty: every group.
    pub within: Vec<String>,
}

impl ReportQuery {
    /// Every group and topic, every line.
    pub fn new(dimension: Dimension, from: NaiveDate, to: NaiveDate) -> Self {
        ReportQuery { dimension, from, to, group: None, topic: None, sort: ReportSort::default(), limit: None, within: Vec::new() }
    }

    /// Reads `from`, `to` (YYYY-MM-DD, both included, at most [`MAX_REPORT_DAYS`]), `group`,
    /// `topic`, `sort` (`volume`, `breaches`) and `limit`; anything else, or a bad value, is
    /// `invalid_query`.
    pub fn from_pairs<'a>(dimension: Dimension, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, crate::ApiError> {
        use crate::query::bad_query;
        let (mut from, mut to, mut group, mut topic) = (None, None, None, None);
        let (mut sort, mut limit) = (ReportSort::default(), None);
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
                "sort" => {
                    sort = serde_json::from_value(serde_json::Value::String(value.into()))
                        .map_err(|_| bad_query(name, "volume or breaches"))?
                }
                "limit" => {
                    limit = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|n| (1..=MAX_REPORT_LIMIT).contains(n))
                            .ok_or_else(|| bad_query(name, &format!("1 to {MAX_REPORT_LIMIT}")))?,
                    )
                }
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
        Ok(ReportQuery { group, topic, sort, limit, ..ReportQuery::new(dimension, from, to) })
    }

    /// Whether a bucket is one this report reads.
    pub fn takes(&self, key: &BucketKey) -> bool {
        key.dimension == self.dimension
            && (self.from..=self.to).contains(&key.day)
            && self.group.as_ref().is_none_or(|g| *g == key.group)
            && self.topic.as_ref().is_none_or(|t| *t == key.topic)
            && (self.within.is_empty() || self.within.contains(&key.group))
    }

    /// The groups whose tickets this report reads: the one asked for, else the reader's (none:
    /// every group).
    pub fn groups(&self) -> Vec<String> {
        match &self.group {
            Some(g) => vec![g.clone()],
            None => self.within.clone(),
        }
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
    /// SLA targets met in time, per target.
    pub met: BTreeMap<TargetKind, i64>,
    /// Per target: met ÷ (met + breached), for the targets with either.
    pub compliance: BTreeMap<TargetKind, f64>,
    /// Satisfaction ratings given in the range (one per resolution at most).
    pub rated_good: i64,
    pub rated_bad: i64,
    /// Good ÷ rated; `None` when nobody rated.
    pub satisfaction: Option<f64>,
    /// The topic report only: how often a knowledge-base article solved the problem instead
    /// ("this solved my problem" on the new-ticket form, under the topic chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deflected: Option<i64>,
    /// Tickets open now (whatever the range), where the report can tell: every dimension but
    /// the SLA plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_now: Option<i64>,
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

/// One line: a value's figures.
fn line_of(value: &str, c: &Counters) -> ReportLine {
    ReportLine {
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
        compliance: compliance(c),
        rated_good: c.rated_good,
        rated_bad: c.rated_bad,
        satisfaction: (c.rated_good + c.rated_bad > 0).then(|| c.rated_good as f64 / (c.rated_good + c.rated_bad) as f64),
        deflected: None,
        breaches: c.breaches.clone(),
        met: c.met.clone(),
        open_now: None,
    }
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
        .map(|(value, c)| line_of(value, &c))
        .collect();
    let volume = |l: &ReportLine| l.created + l.resolved;
    let breaches = |l: &ReportLine| l.breaches.values().sum::<i64>();
    match query.sort {
        ReportSort::Volume => lines.sort_by(|a, b| volume(b).cmp(&volume(a)).then_with(|| a.value.cmp(&b.value))),
        ReportSort::Breaches => {
            lines.sort_by(|a, b| breaches(b).cmp(&breaches(a)).then_with(|| volume(b).cmp(&volume(a))).then_with(|| a.value.cmp(&b.value)))
        }
    }
    if let Some(limit) = query.limit {
        lines.truncate(limit);
    }
    lines
}

/// All the buckets the query takes as one line (value `""`): a range's totals. Read it from the
/// group dimension, where each ticket counts once.
pub fn summary<'a>(query: &ReportQuery, buckets: impl IntoIterator<Item = (&'a BucketKey, &'a Counters)>) -> ReportLine {
    let mut sum = Counters::default();
    for (_, counters) in buckets.into_iter().filter(|(k, _)| query.takes(k)) {
        sum.merge(counters, 1);
    }
    line_of("", &sum)
}

/// Puts the knowledge base's deflections on a topic report's lines: a topic with deflections but
/// no tickets gets a line of its own. `group_of` names a topic's group, for the report's group
/// filter and the reader's scope (a topic of no known group is left out of a filtered report).
pub fn with_deflections(
    lines: &mut Vec<ReportLine>,
    query: &ReportQuery,
    deflections: &BTreeMap<String, i64>,
    group_of: impl Fn(&str) -> Option<String>,
) {
    for line in lines.iter_mut() {
        line.deflected = Some(0);
    }
    let groups = query.groups();
    for (topic, count) in deflections {
        let in_topic = query.topic.as_ref().is_none_or(|t| t == topic);
        let in_groups = groups.is_empty() || group_of(topic).is_some_and(|g| groups.contains(&g));
        if !(in_topic && in_groups) {
            continue;
        }
        match lines.iter_mut().find(|l| l.value == *topic) {
            Some(line) => line.deflected = Some(*count),
            None => {
                let mut line = line_of(topic, &Counters::default());
                line.deflected = Some(*count);
                lines.push(line);
            }
        }
    }
    if let Some(limit) = query.limit {
        lines.truncate(limit);
    }
}

fn compliance(c: &Counters) -> BTreeMap<TargetKind, f64> {
    let mut out = BTreeMap::new();
    for target in c.met.keys().chain(c.breaches.keys()) {
        let met = c.met.get(target).copied().unwrap_or(0);
        let breached = c.breaches.get(target).copied().unwrap_or(0);
        if met + breached > 0 {
            out.insert(*target, met as f64 / (met + breached) as f64);
        }
    }
    out
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
    header.extend(targets.iter().map(|t| format!("met_{}", crate::wire_name(t))));
    header.extend(targets.iter().map(|t| format!("compliance_{}", crate::wire_name(t))));
    header.extend(
        [
            "first_response_median_minutes",
            "first_response_p90_minutes",
            "resolution_median_minutes",
            "resolution_p90_minutes",
            "open_now",
            "rated_good",
            "rated_bad",
            "satisfaction",
            "deflected",
        ]
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
        row.extend(targets.iter().map(|t| line.met.get(t).copied().unwrap_or(0).to_string()));
        row.extend(targets.iter().map(|t| line.compliance.get(t).map(|c| format!("{c:.3}")).unwrap_or_default()));
        row.extend([
            minutes(line.first_response_median_minutes),
            minutes(line.first_response_p90_minutes),
            minutes(line.resolution_median_minutes),
            minutes(line.resolution_p90_minutes),
            minutes(line.open_now),
            line.rated_good.to_string(),
            line.rated_bad.to_string(),
            line.satisfaction.map(|s| format!("{s:.3}")).unwrap_or_default(),
            line.deflected.map(|n| n.to_string()).unwrap_or_default(),
        ]);
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}
