//! Reports: what one ticket adds to the day buckets the report views read.
//!
//! A ticket's whole contribution ([`Contribution`]) is computed from its current state and its
//! event log, never from one event: the reports function replaces a ticket's previous
//! contribution with the new one by adding the difference ([`difference`]). A repeated, late or
//! reordered event therefore changes nothing a later one did not, and a rebuild from the logs
//! gives exactly what the increments gave.
//!
//! The rules the views state:
//! - every figure follows the ticket's **current** agent, group, topic, priority, requester,
//!   asset tags and SLA plan (a reassigned ticket moves with its figures);
//! - a day is a calendar day in the one report time zone;
//! - *created* counts on the day it was filed, *first response* on the day staff first answered
//!   in public, *resolved* on each day it was resolved or closed from an open state, *reopened* on
//!   each day it was opened again, a *breach* on the day the SLA scan recorded it, a target *met*
//!   on the day its clock stopped in time (compliance: met ÷ (met + breached), per target), a
//!   *rating* on the day the requester gave it (satisfaction: good ÷ rated);
//! - time to resolution runs to the ticket's **last** resolution (a reopened ticket's earlier
//!   resolution no longer counts), time to first response to the first public staff answer; both
//!   in the SLA plan's business minutes when a plan covers the ticket, else in real minutes.

use crate::event::{EventKind, TicketEvent};
use crate::sla::{ClockState, SlaStatus, TargetKind};
use crate::ticket::{Status, Ticket};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod backlog;
pub mod digest;
mod view;
pub use backlog::{AgeBand, Backlog, BacklogDay, backlog, backlog_csv};
pub use view::{MAX_REPORT_DAYS, MAX_REPORT_LIMIT, Report, ReportLine, ReportQuery, ReportSort, csv, lines, summary, with_deflections};

/// How a report groups tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Agent,
    Group,
    Topic,
    Priority,
    Channel,
    Requester,
    Asset,
    Plan,
}

impl Dimension {
    pub const ALL: [Dimension; 8] = [
        Dimension::Agent,
        Dimension::Group,
        Dimension::Topic,
        Dimension::Priority,
        Dimension::Channel,
        Dimension::Requester,
        Dimension::Asset,
        Dimension::Plan,
    ];
}

/// The groups whose figures `actor` may read: a manager's chosen groups (none chosen: all of
/// them); empty for everyone else (who reads all of them, or none, by their permissions).
pub fn scope(actor: &crate::Actor) -> Vec<String> {
    match actor.role {
        crate::Role::Manager => actor.groups.clone(),
        crate::Role::Requester | crate::Role::Agent | crate::Role::Admin | crate::Role::System => Vec::new(),
    }
}

/// What a ticket without an agent (or plan) is grouped under.
pub const NONE: &str = "-";

/// One bucket: a day, a dimension's value, and the ticket's group and topic (the views' filters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BucketKey {
    pub dimension: Dimension,
    pub day: NaiveDate,
    pub group: String,
    pub topic: String,
    pub value: String,
}

/// Durations in minutes in log-spaced bins, each 10 % wider than the one before: merged by
/// adding, a ticket's value taken back out by subtracting, and a percentile read to within a
/// bin's width (the views show medians and 90th percentiles, never averages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin → how many values fell in it (bin 0: under a minute).
    pub bins: BTreeMap<u16, i64>,
}

const GROWTH: f64 = 1.1;

impl Histogram {
    pub fn bin_of(minutes: i64) -> u16 {
        if minutes < 1 {
            return 0;
        }
        // ln(minutes)/ln(1.1) is at most ~170 for a year of minutes: it fits.
        1 + ((minutes as f64).ln() / GROWTH.ln()).floor() as u16
    }

    /// The bin's middle, in minutes (its lower bound for the first two).
    pub fn minutes_of(bin: u16) -> i64 {
        match bin {
            0 => 0,
            b => {
                let low = GROWTH.powi(i32::from(b) - 1);
                ((low * GROWTH.sqrt()).round() as i64).max(low.ceil() as i64)
            }
        }
    }

    pub fn add(&mut self, minutes: i64) {
        *self.bins.entry(Self::bin_of(minutes)).or_default() += 1;
    }

    /// Adds `other` times `sign` (1: merge, -1: take back out); empty bins go.
    pub fn merge(&mut self, other: &Histogram, sign: i64) {
        for (bin, n) in &other.bins {
            *self.bins.entry(*bin).or_default() += sign * n;
        }
        self.bins.retain(|_, n| *n != 0);
    }

    pub fn count(&self) -> i64 {
        self.bins.values().sum()
    }

    /// The `q` quantile (0.5: the median), in minutes; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        let total = self.count();
        if total <= 0 {
            return None;
        }
        // The smallest value with at least q of all at or below it (nearest rank).
        let rank = ((q * total as f64).ceil() as i64).clamp(1, total);
        let mut seen = 0;
        for (bin, n) in &self.bins {
            seen += n;
            if seen >= rank {
                return Some(Self::minutes_of(*bin));
            }
        }
        self.bins.keys().last().map(|b| Self::minutes_of(*b))
    }
}

/// What one bucket holds: counts, and the durations' histograms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
// Records written before a counter existed read it as zero.
#[serde(default)]
pub struct Counters {
    pub created: i64,
    pub first_responses: i64,
    pub resolved: i64,
    pub reopened: i64,
    /// SLA breaches recorded, per target.
    pub breaches: BTreeMap<TargetKind, i64>,
    /// SLA targets met (the clock stopped in time), per target, on the day it stopped.
    pub met: BTreeMap<TargetKind, i64>,
    /// Satisfaction ratings, on the day the requester rated.
    pub rated_good: i64,
    pub rated_bad: i64,
    /// Minutes to first response (business minutes under a plan).
    pub first_response: Histogram,
    /// Minutes to the last resolution (business minutes under a plan).
    pub resolution: Histogram,
}

impl Counters {
    /// Adds `other` times `sign`.
    pub fn merge(&mut self, other: &Counters, sign: i64) {
        self.created += sign * other.created;
        self.first_responses += sign * other.first_responses;
        self.resolved += sign * other.resolved;
        self.reopened += sign * other.reopened;
        self.rated_good += sign * other.rated_good;
        self.rated_bad += sign * other.rated_bad;
        for (target, n) in &other.breaches {
            *self.breaches.entry(*target).or_default() += sign * n;
        }
        self.breaches.retain(|_, n| *n != 0);
        for (target, n) in &other.met {
            *self.met.entry(*target).or_default() += sign * n;
        }
        self.met.retain(|_, n| *n != 0);
        self.first_response.merge(&other.first_response, sign);
        self.resolution.merge(&other.resolution, sign);
    }

    pub fn is_empty(&self) -> bool {
        *self == Counters::default()
    }
}

/// Everything one ticket adds, bucket by bucket.
pub type Contribution = BTreeMap<BucketKey, Counters>;

fn is_done(status: Status) -> bool {
    matches!(status, Status::Resolved | Status::Closed)
}

fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_minutes().max(0)
}

/// A stopped SLA clock's business minutes, if the plan has the target and it stopped.
fn business_minutes(sla: Option<&SlaStatus>, target: TargetKind) -> Option<i64> {
    let status = sla?.targets.iter().rfind(|t| t.target == target)?;
    (status.stopped_at.is_some() || matches!(status.state, ClockState::Met)).then_some(status.elapsed_seconds / 60)
}

/// The ticket's contribution: `sla` is its SLA status (when a plan covers it), `asset_tags` the
/// values of its topic's asset-tag fields, `zone` the report time zone.
pub fn contribution(ticket: &Ticket, events: &[TicketEvent], sla: Option<&SlaStatus>, asset_tags: &[String], zone: Tz) -> Contribution {
    let day = |at: DateTime<Utc>| at.with_timezone(&zone).date_naive();
    // (day, what happened) for every fact of the ticket.
    let mut facts: Vec<(NaiveDate, Counters)> = Vec::new();
    let mut fact = |at: DateTime<Utc>, f: &dyn Fn(&mut Counters)| {
        let mut c = Counters::default();
        f(&mut c);
        facts.push((day(at), c));
    };
    fact(ticket.created_at, &|c| c.created = 1);
    let answer = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::PublicReply { .. }) && matches!(e.actor.role, crate::Role::Agent | crate::Role::Admin));
    if let Some(answer) = answer {
        let minutes = business_minutes(sla, TargetKind::FirstResponse).unwrap_or_else(|| minutes_between(ticket.created_at, answer.at));
        fact(answer.at, &|c| {
            c.first_responses = 1;
            c.first_response.add(minutes);
        });
    }
    let mut last_resolution = None;
    for event in events {
        match &event.kind {
            EventKind::StatusChanged { from, to } if is_done(*to) && !is_done(*from) => {
                fact(event.at, &|c| c.resolved = 1);
                last_resolution = Some(event.at);
            }
            EventKind::StatusChanged { from, to } if is_done(*from) && !is_done(*to) => {
                fact(event.at, &|c| c.reopened = 1);
                last_resolution = None;
            }
            EventKind::SlaBreached { target, .. } => fact(event.at, &|c| {
                c.breaches.insert(*target, 1);
            }),
            EventKind::Rated { rating, .. } => fact(event.at, &|c| match rating {
                crate::rating::Rating::Good => c.rated_good = 1,
                crate::rating::Rating::Bad => c.rated_bad = 1,
            }),
            _ => {}
        }
    }
    // A target met counts on the day its clock stopped; one still running or breached does not.
    for status in sla.map(|s| s.targets.as_slice()).unwrap_or_default() {
        if let (ClockState::Met, Some(stopped)) = (status.state, status.stopped_at) {
            fact(stopped, &|c| {
                *c.met.entry(status.target).or_default() += 1;
            });
        }
    }
    if let Some(at) = last_resolution.filter(|_| is_done(ticket.status)) {
        let minutes = business_minutes(sla, TargetKind::Resolution).unwrap_or_else(|| minutes_between(ticket.created_at, at));
        fact(at, &|c| c.resolution.add(minutes));
    }

    let plan = sla.map_or(NONE.to_string(), |s| s.plan.clone());
    let mut values = values(ticket, asset_tags);
    values.push((Dimension::Plan, plan));

    let mut out = Contribution::new();
    for (day, counters) in &facts {
        for (dimension, value) in &values {
            let key = BucketKey {
                dimension: *dimension,
                day: *day,
                group: ticket.group.clone(),
                topic: ticket.topic.clone(),
                value: value.clone(),
            };
            out.entry(key).or_default().merge(counters, 1);
        }
    }
    out.retain(|_, c| !c.is_empty());
    out
}

/// The values a ticket has in every dimension but the SLA plan (which needs its status): one
/// each, and one per asset tag.
pub fn values(ticket: &Ticket, asset_tags: &[String]) -> Vec<(Dimension, String)> {
    let mut values: Vec<(Dimension, String)> = vec![
        (Dimension::Agent, ticket.assignee.clone().unwrap_or_else(|| NONE.to_string())),
        (Dimension::Group, ticket.group.clone()),
        (Dimension::Topic, ticket.topic.clone()),
        (Dimension::Priority, crate::wire_name(&ticket.priority)),
        (Dimension::Channel, crate::wire_name(&ticket.channel)),
        (Dimension::Requester, ticket.requester.clone()),
    ];
    values.extend(asset_tags.iter().map(|tag| (Dimension::Asset, tag.clone())));
    values
}

/// The ticket's asset tags: the values of its topic's asset-tag fields.
pub fn asset_tags(ticket: &Ticket, topic: Option<&crate::topic::Topic>) -> Vec<String> {
    let Some(topic) = topic else { return Vec::new() };
    topic
        .fields
        .iter()
        .filter(|f| f.kind == crate::form::FieldKind::AssetTag)
        .filter_map(|f| match ticket.fields.get(&f.key) {
            Some(crate::form::FieldValue::Text(tag)) if !tag.is_empty() => Some(tag.clone()),
            _ => None,
        })
        .collect()
}

/// What turns `old` into `new`: per bucket, the new counters minus the old (unchanged buckets
/// left out).
pub fn difference(old: &Contribution, new: &Contribution) -> Contribution {
    let mut out = Contribution::new();
    for (key, counters) in new {
        out.entry(key.clone()).or_default().merge(counters, 1);
    }
    for (key, counters) in old {
        out.entry(key.clone()).or_default().merge(counters, -1);
    }
    out.retain(|_, c| !c.is_empty());
    out
}

/// Buckets added up: several tickets' contributions, or bucket items read back (zeros left out).
pub fn total<'a>(parts: impl IntoIterator<Item = (&'a BucketKey, &'a Counters)>) -> Contribution {
    let mut out = Contribution::new();
    add(&mut out, parts);
    out.retain(|_, c| !c.is_empty());
    out
}

/// Adds `parts` to `sum`, bucket by bucket (buckets that come to zero stay: see [`total`]).
pub fn add<'a>(sum: &mut Contribution, parts: impl IntoIterator<Item = (&'a BucketKey, &'a Counters)>) {
    for (key, counters) in parts {
        sum.entry(key.clone()).or_default().merge(counters, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::{Actor, Role};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Filed Monday 2 March 2026, 09:00 in Berlin, assigned to Ivan.
    fn ticket(status: Status) -> Ticket {
        let created = at("2026-03-02T08:00:00Z");
        Ticket { status, created_at: created, updated_at: created, ..crate::notify::audience::tests::ticket(Some("ivan")) }
    }

    fn event(when: &str, role: Role, kind: EventKind) -> TicketEvent {
        TicketEvent { id: when.into(), at: at(when), actor: Actor::new(if role == Role::Requester { "anna" } else { "ivan" }, role), kind }
    }

    fn status(when: &str, from: Status, to: Status) -> TicketEvent {
        event(when, Role::Agent, EventKind::StatusChanged { from, to })
    }

    /// Created Monday 09:00 in Berlin, answered at 10:00, resolved Tuesday 00:30 Berlin (23:30
    /// UTC Monday), reopened Wednesday, resolved again Wednesday; a first-response breach.
    fn history() -> Vec<TicketEvent> {
        vec![
            event("2026-03-02T08:30:00Z", Role::Requester, EventKind::PublicReply { body: "x".into(), attachments: vec![], mail: None }),
            event("2026-03-02T09:00:00Z", Role::Agent, EventKind::PublicReply { body: "x".into(), attachments: vec![], mail: None }),
            event(
                "2026-03-02T09:05:00Z",
                Role::System,
                EventKind::SlaBreached { target: TargetKind::FirstResponse, cycle: 0, due_at: at("2026-03-02T08:30:00Z") },
            ),
            status("2026-03-02T23:30:00Z", Status::Open, Status::Resolved),
            status("2026-03-04T09:00:00Z", Status::Resolved, Status::Reopened),
            status("2026-03-04T10:00:00Z", Status::Reopened, Status::Closed),
        ]
    }

    fn agent_day(c: &Contribution, day: &str) -> Counters {
        let key = BucketKey {
            dimension: Dimension::Agent,
            day: day.parse().unwrap(),
            group: "service-desk".into(),
            topic: "printer".into(),
            value: "ivan".into(),
        };
        c.get(&key).cloned().unwrap_or_default()
    }

    #[test]
    fn a_ticket_counts_on_its_days_in_the_report_zone_with_its_last_resolution() {
        let c = contribution(&ticket(Status::Closed), &history(), None, &["LT-0042".into()], chrono_tz::Europe::Berlin);
        let monday = agent_day(&c, "2026-03-02");
        assert_eq!((monday.created, monday.first_responses, monday.resolved), (1, 1, 0));
        assert_eq!(monday.first_response.quantile(0.5), Some(Histogram::minutes_of(Histogram::bin_of(60))));
        assert_eq!(monday.breaches.get(&TargetKind::FirstResponse), Some(&1));
        let tuesday = agent_day(&c, "2026-03-03");
        assert_eq!((tuesday.resolved, tuesday.resolution.count()), (1, 0), "00:30 in Berlin is Tuesday; a later resolution replaced it");
        let wednesday = agent_day(&c, "2026-03-04");
        assert_eq!((wednesday.reopened, wednesday.resolved, wednesday.resolution.count()), (1, 1, 1));
        // Every dimension carries the same facts; the asset tag too.
        let asset = c.keys().filter(|k| k.dimension == Dimension::Asset).map(|k| k.value.as_str()).collect::<Vec<_>>();
        assert_eq!(asset, ["LT-0042"; 3]);
        assert_eq!(c.keys().filter(|k| k.dimension == Dimension::Plan).map(|k| k.value.as_str()).next(), Some(NONE));
    }

    #[test]
    fn targets_met_count_on_the_day_their_clock_stopped_and_give_compliance() {
        let target = |target, state, stopped: Option<&str>| crate::sla::TargetStatus {
            target,
            cycle: 0,
            state,
            target_seconds: 3600,
            elapsed_seconds: 1800,
            due_at: None,
            warn_at: None,
            stopped_at: stopped.map(at),
        };
        let sla = SlaStatus {
            plan: "standard".into(),
            calendar: "office".into(),
            targets: vec![
                target(TargetKind::FirstResponse, ClockState::Met, Some("2026-03-02T09:00:00Z")),
                target(TargetKind::Resolution, ClockState::Met, Some("2026-03-04T10:00:00Z")),
                target(TargetKind::Deadline, ClockState::Breached, None),
            ],
            paused_seconds: 0,
        };
        let c = contribution(&ticket(Status::Closed), &history(), Some(&sla), &[], chrono_tz::Europe::Berlin);
        assert_eq!(agent_day(&c, "2026-03-02").met.get(&TargetKind::FirstResponse), Some(&1));
        assert_eq!(agent_day(&c, "2026-03-04").met.get(&TargetKind::Resolution), Some(&1));
        assert!(c.values().all(|c| !c.met.contains_key(&TargetKind::Deadline)), "a breached clock is not met");
        let query = ReportQuery::from_pairs(Dimension::Plan, [("from", "2026-03-01"), ("to", "2026-03-31")]).unwrap();
        let line = &lines(&query, &c)[0];
        assert_eq!(line.value, "standard");
        // First response: met once, breached once (the scan's event in the history): 50 %.
        assert_eq!(line.compliance.get(&TargetKind::FirstResponse), Some(&0.5));
        assert_eq!(line.compliance.get(&TargetKind::Resolution), Some(&1.0));
        assert_eq!(line.compliance.get(&TargetKind::Deadline), None, "no breach event was recorded for it");
    }

    #[test]
    fn the_differences_of_each_step_add_up_to_the_whole_and_repeats_add_nothing() {
        let events = history();
        let zone = chrono_tz::UTC;
        let mut applied = Contribution::new();
        let mut previous = Contribution::new();
        for n in 0..=events.len() {
            let mut now = ticket(if n == events.len() { Status::Closed } else { Status::Open });
            if n >= 4 {
                now.assignee = Some("olga".into());
            }
            let next = contribution(&now, &events[..n], None, &[], zone);
            for (key, delta) in difference(&previous, &next) {
                applied.entry(key).or_default().merge(&delta, 1);
            }
            applied.retain(|_, c| !c.is_empty());
            assert!(difference(&next, &next).is_empty(), "the same state again adds nothing");
            previous = next;
        }
        assert_eq!(applied, previous, "increments equal the whole");
        assert!(applied.keys().all(|k| k.dimension != Dimension::Agent || k.value == "olga"), "figures moved with the reassignment");
    }

    #[test]
    fn a_report_reads_its_range_and_filters_and_names_its_figures() {
        let parse = |q: &str| {
            let pairs: Vec<(&str, &str)> = q.split('&').filter(|p| !p.is_empty()).filter_map(|p| p.split_once('=')).collect();
            ReportQuery::from_pairs(Dimension::Agent, pairs).map_err(|e| e.code)
        };
        let query = parse("from=2026-03-02&to=2026-03-03&group=service-desk").unwrap();
        for bad in [
            "from=2026-03-02",
            "from=2026-03-04&to=2026-03-02",
            "from=02.03.2026&to=2026-03-03",
            "from=2025-01-01&to=2026-03-03",
            "from=2026-03-02&to=2026-03-03&group=a#b",
            "from=2026-03-02&to=2026-03-03&x=1",
        ] {
            assert_eq!(parse(bad).err(), Some(crate::ErrorCode::InvalidQuery), "{bad}");
        }
        let c = contribution(&ticket(Status::Closed), &history(), None, &[], chrono_tz::Europe::Berlin);
        let lines = lines(&query, &c);
        assert_eq!(lines.len(), 1);
        let ivan = lines[0].clone();
        assert_eq!((ivan.value.as_str(), ivan.created, ivan.first_responses, ivan.resolved, ivan.reopened), ("ivan", 1, 1, 1, 0));
        assert_eq!(ivan.first_response_median_minutes, Some(Histogram::minutes_of(Histogram::bin_of(60))));
        assert_eq!(ivan.resolution_median_minutes, None, "the last resolution is on Wednesday, outside the range");
        let mut report = Report { dimension: Dimension::Agent, from: query.from, to: query.to, time_zone: "Europe/Berlin".into(), lines };
        report.lines[0].value = "Иванов, И.".into();
        let csv = csv(&report);
        assert!(csv.starts_with("\u{feff}agent,created,"), "{csv}");
        assert!(csv.contains("\r\n\"Иванов, И.\",1,1,1,0,0.000,1,0,0,0,"), "{csv}");
        let other_group = parse("from=2026-03-02&to=2026-03-04&group=network").unwrap();
        assert!(super::lines(&other_group, &c).is_empty());
    }

    #[test]
    fn histogram_percentiles_are_within_a_bin_and_values_come_back_out() {
        let mut h = Histogram::default();
        for minutes in 1..=100 {
            h.add(minutes);
        }
        let median = h.quantile(0.5).unwrap();
        assert!((46..=55).contains(&median), "{median}");
        let p90 = h.quantile(0.9).unwrap();
        assert!((85..=99).contains(&p90), "{p90}");
        assert_eq!(Histogram::bin_of(0), 0);
        let mut copy = h.clone();
        let mut one = Histogram::default();
        one.add(42);
        copy.merge(&one, 1);
        copy.merge(&one, -1);
        assert_eq!(copy, h, "merging then taking back out is the identity");
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
