//! The backlog view: per day the tickets opened, resolved and reopened and the open count at the
//! day's end, and how old the open tickets are now.
//!
//! The open count at a day's end is worked back from the tickets open now: now less every day's
//! net change after that day (created + reopened − resolved, which over a ticket's whole life
//! adds up to 1 while it is open and 0 once it is done). So it reads the days from the range's
//! start to today, never the whole history.

use super::{BucketKey, Counters, Dimension};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How old an open ticket is, in real time since it was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    UnderOneDay,
    OneToThreeDays,
    ThreeToSevenDays,
    OneToFourWeeks,
    OverFourWeeks,
}

impl AgeBand {
    pub const ALL: [AgeBand; 5] =
        [AgeBand::UnderOneDay, AgeBand::OneToThreeDays, AgeBand::ThreeToSevenDays, AgeBand::OneToFourWeeks, AgeBand::OverFourWeeks];

    pub fn of(age: chrono::Duration) -> AgeBand {
        match age.num_hours() {
            h if h < 24 => AgeBand::UnderOneDay,
            h if h < 72 => AgeBand::OneToThreeDays,
            h if h < 7 * 24 => AgeBand::ThreeToSevenDays,
            h if h < 28 * 24 => AgeBand::OneToFourWeeks,
            _ => AgeBand::OverFourWeeks,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BacklogDay {
    pub day: NaiveDate,
    pub created: i64,
    pub resolved: i64,
    pub reopened: i64,
    /// Open at the day's end; absent for days still to come.
    pub open_at_end: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Backlog {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The report time zone (an IANA name): every day is a day there.
    pub time_zone: String,
    pub open_now: i64,
    pub days: Vec<BacklogDay>,
    /// The open tickets by age, every band listed (zero included), youngest first.
    pub ageing: Vec<(AgeBand, i64)>,
}

/// The backlog from the `Group` buckets of `from`..=`today` (one per ticket and day, so nothing
/// counts twice), within the query's filters, and the filing times of the tickets open now.
pub fn backlog<'a>(
    query: &super::ReportQuery,
    today: NaiveDate,
    buckets: impl IntoIterator<Item = (&'a BucketKey, &'a Counters)>,
    open_since: &[DateTime<Utc>],
    now: DateTime<Utc>,
    time_zone: &str,
) -> Backlog {
    let mut by_day: BTreeMap<NaiveDate, Counters> = BTreeMap::new();
    let reads = super::ReportQuery { dimension: Dimension::Group, to: today.max(query.to), ..query.clone() };
    for (key, counters) in buckets.into_iter().filter(|(k, _)| reads.takes(k)) {
        by_day.entry(key.day).or_default().merge(counters, 1);
    }
    let net = |c: &Counters| c.created + c.reopened - c.resolved;
    let open_now = open_since.len() as i64;
    let mut days = Vec::new();
    let mut day = query.from;
    while day <= query.to {
        let c = by_day.get(&day).cloned().unwrap_or_default();
        let open_at_end =
            (day <= today).then(|| open_now - by_day.range(day.succ_opt().unwrap_or(day)..).map(|(_, c)| net(c)).sum::<i64>());
        days.push(BacklogDay { day, created: c.created, resolved: c.resolved, reopened: c.reopened, open_at_end });
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    let mut ageing: BTreeMap<AgeBand, i64> = AgeBand::ALL.into_iter().map(|b| (b, 0)).collect();
    for since in open_since {
        *ageing.entry(AgeBand::of(now - *since)).or_default() += 1;
    }
    Backlog { from: query.from, to: query.to, time_zone: time_zone.to_string(), open_now, days, ageing: ageing.into_iter().collect() }
}

/// The backlog as CSV: one row per day, then the open tickets by age.
pub fn backlog_csv(b: &Backlog) -> String {
    let mut out = String::from("\u{feff}day,created,resolved,reopened,open_at_end\r\n");
    for d in &b.days {
        let open = d.open_at_end.map(|n| n.to_string()).unwrap_or_default();
        out.push_str(&format!("{},{},{},{},{open}\r\n", d.day, d.created, d.resolved, d.reopened));
    }
    out.push_str("\r\nage,open_now\r\n");
    for (band, n) in &b.ageing {
        out.push_str(&format!("{},{n}\r\n", crate::wire_name(band)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::ReportQuery;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn bucket(day: &str, group: &str, created: i64, resolved: i64, reopened: i64) -> (BucketKey, Counters) {
        let key = BucketKey {
            dimension: Dimension::Group,
            day: day.parse().unwrap(),
            group: group.into(),
            topic: "printer".into(),
            value: group.into(),
        };
        (key, Counters { created, resolved, reopened, ..Default::default() })
    }

    #[test]
    fn open_counts_are_worked_back_from_now_and_ages_banded() {
        // Two open now: filed 1 March (resolved 2nd, reopened 4th) and 3 March; one filed 2
        // March and resolved the 3rd. Another group's ticket is filtered out.
        let buckets = [
            bucket("2026-03-01", "desk", 1, 0, 0),
            bucket("2026-03-02", "desk", 1, 1, 0),
            bucket("2026-03-03", "desk", 1, 1, 0),
            bucket("2026-03-04", "desk", 0, 0, 1),
            bucket("2026-03-03", "network", 5, 0, 0),
        ];
        let query = ReportQuery::from_pairs(Dimension::Group, [("from", "2026-03-02"), ("to", "2026-03-06"), ("group", "desk")]).unwrap();
        let now = at("2026-03-05T12:00:00Z");
        let open = [at("2026-03-01T09:00:00Z"), at("2026-03-03T09:00:00Z")];
        let b = backlog(&query, "2026-03-05".parse().unwrap(), buckets.iter().map(|(k, c)| (k, c)), &open, now, "UTC");
        let ends: Vec<Option<i64>> = b.days.iter().map(|d| d.open_at_end).collect();
        assert_eq!(ends, [Some(1), Some(1), Some(2), Some(2), None], "2nd: 1 (the 1st's was resolved, the 2nd's open)");
        assert_eq!((b.days[1].created, b.days[1].resolved), (1, 1));
        assert_eq!(b.open_now, 2);
        assert_eq!(
            b.ageing,
            [
                (AgeBand::UnderOneDay, 0),
                (AgeBand::OneToThreeDays, 1),
                (AgeBand::ThreeToSevenDays, 1),
                (AgeBand::OneToFourWeeks, 0),
                (AgeBand::OverFourWeeks, 0)
            ]
        );
        let csv = backlog_csv(&b);
        assert!(csv.starts_with("\u{feff}day,created,resolved,reopened,open_at_end\r\n2026-03-02,1,1,0,1\r\n"), "{csv}");
        assert!(csv.contains("2026-03-06,0,0,0,\r\n") && csv.contains("one_to_three_days,1\r\n"), "{csv}");
    }
}
