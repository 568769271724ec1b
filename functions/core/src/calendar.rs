//! Business calendars: weekly opening hours in an IANA time zone, holidays, or round the clock.
//! SLA clocks count only the time a calendar is open. Local times are turned into instants with
//! the zone's rules, so DST changes shorten or lengthen the day exactly as a wall clock does.

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::topic::is_slug;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How far ahead a due time is searched for: a calendar open less than that is treated as never open.
const SEARCH_DAYS: i64 = 5 * 366;

/// An opening span within one day, `start` < `end`; an `end` of `00:00` means midnight at the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Opening hours per weekday; a missing day is closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeekHours {
    #[serde(default)]
    pub mon: Vec<Span>,
    #[serde(default)]
    pub tue: Vec<Span>,
    #[serde(default)]
    pub wed: Vec<Span>,
    #[serde(default)]
    pub thu: Vec<Span>,
    #[serde(default)]
    pub fri: Vec<Span>,
    #[serde(default)]
    pub sat: Vec<Span>,
    #[serde(default)]
    pub sun: Vec<Span>,
}

impl WeekHours {
    fn day(&self, weekday: chrono::Weekday) -> &[Span] {
        use chrono::Weekday::*;
        match weekday {
            Mon => &self.mon,
            Tue => &self.tue,
            Wed => &self.wed,
            Thu => &self.thu,
            Fri => &self.fri,
            Sat => &self.sat,
            Sun => &self.sun,
        }
    }

    fn days(&self) -> [(&'static str, &[Span]); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Calendar {
    pub id: String,
    pub name: String,
    /// An IANA zone such as `Europe/Berlin`.
    pub time_zone: String,
    /// Opening hours; absent means open round the clock (24×7).
    #[serde(default)]
    pub hours: Option<WeekHours>,
    /// Whole local days the calendar is closed, in date order.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    pub version: u64,
}

/// A day the calendar is closed, with its name ("Christmas Day"). Read also as a bare date, as
/// calendars were stored before holidays had names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    pub date: NaiveDate,
    #[serde(default)]
    pub name: String,
}

impl<'de> Deserialize<'de> for Holiday {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Date(NaiveDate),
            Named {
                date: NaiveDate,
                #[serde(default)]
                name: String,
            },
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Date(date) => Holiday { date, name: String::new() },
            Stored::Named { date, name } => Holiday { date, name },
        })
    }
}

/// The longest holiday name.
pub const MAX_HOLIDAY_NAME_CHARS: usize = 80;

/// What an admin sends to create or replace a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: Option<u64>,
    pub name: String,
    pub time_zone: String,
    #[serde(default)]
    pub hours: Option<WeekHours>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

impl CalendarInput {
    pub fn into_calendar(self, id: &str, version: u64) -> Result<Calendar, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_slug(id) {
            errors.push(FieldError::new("id", Code::Invalid, "1 to 40 lower-case letters, digits or dashes"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            errors.push(FieldError::new("name", Code::Invalid, "1 to 120 characters"));
        }
        if self.time_zone.parse::<Tz>().is_err() {
            errors.push(FieldError::new("time_zone", Code::Invalid, "an IANA time zone such as Europe/Berlin"));
        }
        if let Some(hours) = &self.hours {
            for (day, spans) in hours.days() {
                for (i, span) in spans.iter().enumerate() {
                    if span.end != NaiveTime::MIN && span.end <= span.start {
                        errors.push(FieldError::new(format!("hours.{day}[{i}]"), Code::Invalid, "end must be after start"));
                    }
                    if spans[..i].iter().any(|other| overlaps(other, span)) {
                        errors.push(FieldError::new(format!("hours.{day}[{i}]"), Code::Invalid, "overlaps another span of the day"));
                    }
                }
            }
            if hours.days().iter().all(|(_, spans)| spans.is_empty()) {
                errors.push(FieldError::new("hours", Code::Required, "open at least one span a week, or leave hours out for 24×7"));
            }
        }
        if self.holidays.len() > 1000 {
            errors.push(FieldError::new("holidays", Code::TooLong, "at most 1000 holidays"));
        }
        for (i, holiday) in self.holidays.iter().enumerate() {
            let name = holiday.name.trim();
            if name.chars().count() > MAX_HOLIDAY_NAME_CHARS || name.chars().any(char::is_control) {
                let why = format!("at most {MAX_HOLIDAY_NAME_CHARS} printable characters");
                errors.push(FieldError::new(format!("holidays[{i}].name"), Code::Invalid, why));
            }
            if self.holidays[..i].iter().any(|other| other.date == holiday.date) {
                errors.push(FieldError::new(format!("holidays[{i}].date"), Code::Invalid, "this day is a holiday already"));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut holidays: Vec<Holiday> = self.holidays.into_iter().map(|h| Holiday { name: h.name.trim().to_string(), ..h }).collect();
        holidays.sort();
        Ok(Calendar { id: id.into(), name: self.name.trim().into(), time_zone: self.time_zone, hours: self.hours, holidays, version })
    }
}

fn span_end_seconds(span: &Span) -> u32 {
    if span.end == NaiveTime::MIN { 86_400 } else { span.end.num_seconds_from_midnight() }
}

fn overlaps(a: &Span, b: &Span) -> bool {
    a.start.num_seconds_from_midnight() < span_end_seconds(b) && b.start.num_seconds_from_midnight() < span_end_seconds(a)
}

/// A zone's rules: its local times as instants and back. The server uses chrono-tz's database
/// ([`Tz`]); the web UI passes the browser's own (Intl), which spares the bundle the database.
pub trait ZoneRules {
    /// The instant(s) a local time names: none in a spring-forward gap, two in a fall-back overlap.
    fn instants_of(&self, local: NaiveDateTime) -> LocalResult<DateTime<Utc>>;
    /// The local time at an instant.
    fn to_local(&self, at: DateTime<Utc>) -> NaiveDateTime;
}

impl ZoneRules for Tz {
    fn instants_of(&self, local: NaiveDateTime) -> LocalResult<DateTime<Utc>> {
        self.from_local_datetime(&local).map(|t| t.with_timezone(&Utc))
    }

    fn to_local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(self).naive_local()
    }
}

/// A local time as an instant. In a spring-forward gap the clock jumps, so the first instant after
/// the gap is taken; in a fall-back overlap, the earlier instant for a start and the later for an end.
fn instant(tz: &impl ZoneRules, local: NaiveDateTime, is_end: bool) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..(4 * 60) {
        match tz.instants_of(probe) {
            LocalResult::Single(t) => return t,
            LocalResult::Ambiguous(early, late) => return if is_end { late } else { early },
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    // No zone has a gap of four hours; fall back to reading the time as UTC.
    Utc.from_utc_datetime(&local)
}

impl Calendar {
    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// The open intervals of one local day, as instants, in order.
    fn open_on(&self, tz: &impl ZoneRules, day: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holidays.binary_search_by_key(&day, |h| h.date).is_ok() {
            return Vec::new();
        }
        let whole_day = [Span { start: NaiveTime::MIN, end: NaiveTime::MIN }];
        let spans: &[Span] = match &self.hours {
            None => &whole_day,
            Some(hours) => hours.day(day.weekday()),
        };
        let mut open: Vec<(DateTime<Utc>, DateTime<Utc>)> = spans
            .iter()
            .map(|span| {
                let start = instant(tz, day.and_time(span.start), false);
                let end_local =
                    if span.end == NaiveTime::MIN { (day + Duration::days(1)).and_time(NaiveTime::MIN) } else { day.and_time(span.end) };
                (start, instant(tz, end_local, true))
            })
            .filter(|(s, e)| s < e)
            .collect();
        open.sort();
        open
    }

    /// Open intervals from the local day containing `from` on, clipped to start at `from`.
    fn open_from<'a>(&'a self, tz: &'a impl ZoneRules, from: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + 'a {
        let first_day = tz.to_local(from).date() - Duration::days(1);
        (0..SEARCH_DAYS)
            .flat_map(move |i| self.open_on(tz, first_day + Duration::days(i)))
            .filter(move |(_, end)| *end > from)
            .map(move |(start, end)| (start.max(from), end))
    }

    /// Open time between two instants, in seconds.
    pub fn business_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let tz = self.zone();
        self.open_from(&tz, from).take_while(|(start, _)| *start < to).map(|(start, end)| (end.min(to) - start).num_seconds()).sum()
    }

    /// The instant `seconds` of open time after `from`; `None` if the calendar is not open that
    /// long within five years.
    pub fn add_business_seconds(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        self.add_business_seconds_in(&self.zone(), from, seconds)
    }

    /// [`Calendar::add_business_seconds`] with the zone's rules given (`tz` must be the
    /// calendar's own zone).
    pub fn add_business_seconds_in(&self, tz: &impl ZoneRules, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        if seconds <= 0 {
            return Some(from);
        }
        let mut left = seconds;
        for (start, end) in self.open_from(tz, from) {
            let open = (end - start).num_seconds();
            if left <= open {
                return Some(start + Duration::seconds(left));
            }
            left -= open;
        }
        None
    }
}

/// A Monday-to-Friday, nine-to-five calendar, for tests here and in the SLA module.
#[cfg(test)]
pub(crate) fn office(zone: &str) -> Calendar {
    let nine_to_five = vec![Span { start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(17, 0, 0).unwrap() }];
    let hours = WeekHours {
        mon: nine_to_five.clone(),
        tue: nine_to_five.clone(),
        wed: nine_to_five.clone(),
        thu: nine_to_five.clone(),
        fri: nine_to_five,
        ..Default::default()
    };
    Calendar { id: "office".into(), name: "Office".into(), time_zone: zone.into(), hours: Some(hours), holidays: vec![], version: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const H: i64 = 3600;

    #[test]
    fn spans_parse_from_hours_and_minutes() {
        let span: Span = serde_json::from_str(r#"{"start": "09:00", "end": "17:30"}"#).unwrap();
        assert_eq!(span.end, NaiveTime::from_hms_opt(17, 30, 0).unwrap());
    }

    #[test]
    fn a_weekend_is_skipped() {
        // Friday 16:00 Berlin (15:00 UTC in winter) + 2 business hours = Monday 10:00 Berlin.
        let cal = office("Europe/Berlin");
        assert_eq!(cal.add_business_seconds(utc("2026-11-27T15:00:00Z"), 2 * H), Some(utc("2026-11-30T09:00:00Z")));
        assert_eq!(cal.business_seconds(utc("2026-11-27T15:00:00Z"), utc("2026-11-30T09:00:00Z")), 2 * H);
    }

    #[test]
    fn a_holiday_is_skipped() {
        let mut cal = office("Europe/Berlin");
        cal.holidays = [(24, "Christmas Eve"), (25, "Christmas Day")]
            .map(|(day, name)| Holiday { date: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(), name: name.into() })
            .to_vec();
        // Wednesday 23 Dec 16:00 + 4 h: one hour on Wednesday, Thu 24 and Fri 25 closed, weekend, Monday 28 until 12:00.
        assert_eq!(cal.add_business_seconds(utc("2026-12-23T15:00:00Z"), 4 * H), Some(utc("2026-12-28T11:00:00Z")));
    }

    #[test]
    fn outside_hours_the_clock_starts_at_opening() {
        let cal = office("America/New_York");
        // Tuesday 06:00 New York (11:00 UTC) + 30 min = 09:30 New York = 14:30 UTC.
        assert_eq!(cal.add_business_seconds(utc("2026-11-24T11:00:00Z"), 1800), Some(utc("2026-11-24T14:30:00Z")));
    }

    #[test]
    fn spring_forward_in_berlin() {
        // Sunday 29 March 2026, 02:00 → 03:00. A 24×7 calendar counts real time across the jump:
        // Saturday 23:00 local (22:00 UTC) + 4 h = 03:00 UTC = 05:00 local (CEST).
        let mut cal = office("Europe/Berlin");
        cal.hours = None;
        assert_eq!(cal.add_business_seconds(utc("2026-03-28T22:00:00Z"), 4 * H), Some(utc("2026-03-29T02:00:00Z")));
        // That Sunday is 23 hours long.
        assert_eq!(cal.business_seconds(utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z")), 23 * H);
        // Office hours: Friday 16:00 CET + 2 h = Monday 10:00 CEST, which is 08:00 UTC.
        let office = office("Europe/Berlin");
        assert_eq!(office.add_business_seconds(utc("2026-03-27T15:00:00Z"), 2 * H), Some(utc("2026-03-30T08:00:00Z")));
    }

    #[test]
    fn fall_back_in_new_york() {
        // Sunday 1 November 2026, 02:00 EDT → 01:00 EST: the day is 25 hours long.
        let mut cal = office("America/New_York");
        cal.hours = None;
        assert_eq!(cal.business_seconds(utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z")), 25 * H);
        // Office hours: Friday 30 Oct 16:00 EDT (20:00 UTC) + 2 h = Monday 10:00 EST = 15:00 UTC.
        let office = office("America/New_York");
        assert_eq!(office.add_business_seconds(utc("2026-10-30T20:00:00Z"), 2 * H), Some(utc("2026-11-02T15:00:00Z")));
    }

    #[test]
    fn fall_back_in_berlin() {
        // Sunday 25 October 2026, 03:00 CEST → 02:00 CET: the day is 25 hours long.
        let mut cal = office("Europe/Berlin");
        cal.hours = None;
        assert_eq!(cal.business_seconds(utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z")), 25 * H);
        // Office hours: Friday 23 Oct 16:00 CEST (14:00 UTC) + 2 h = Monday 10:00 CET = 09:00 UTC.
        let office = office("Europe/Berlin");
        assert_eq!(office.add_business_seconds(utc("2026-10-23T14:00:00Z"), 2 * H), Some(utc("2026-10-26T09:00:00Z")));
    }

    #[test]
    fn spring_forward_in_new_york() {
        // Sunday 8 March 2026, 02:00 EST → 03:00 EDT: the day is 23 hours long.
        let mut cal = office("America/New_York");
        cal.hours = None;
        assert_eq!(cal.business_seconds(utc("2026-03-08T05:00:00Z"), utc("2026-03-09T04:00:00Z")), 23 * H);
        // Office hours: Friday 6 Mar 16:00 EST (21:00 UTC) + 2 h = Monday 10:00 EDT = 14:00 UTC.
        let office = office("America/New_York");
        assert_eq!(office.add_business_seconds(utc("2026-03-06T21:00:00Z"), 2 * H), Some(utc("2026-03-09T14:00:00Z")));
    }

    #[test]
    fn spans_inside_a_dst_gap_start_when_the_clock_resumes() {
        // A span 02:30–04:00 on the spring-forward Sunday in Berlin: 02:30 does not exist, so it
        // opens at 03:00 CEST (01:00 UTC) and is 1 hour long.
        let span = Span { start: NaiveTime::from_hms_opt(2, 30, 0).unwrap(), end: NaiveTime::from_hms_opt(4, 0, 0).unwrap() };
        let cal = Calendar { hours: Some(WeekHours { sun: vec![span], ..Default::default() }), ..office("Europe/Berlin") };
        assert_eq!(cal.business_seconds(utc("2026-03-28T00:00:00Z"), utc("2026-03-30T00:00:00Z")), H);
    }

    #[test]
    fn a_calendar_that_never_opens_has_no_due_time() {
        let mut cal = office("Europe/Berlin");
        cal.hours = Some(WeekHours::default());
        assert_eq!(cal.add_business_seconds(utc("2026-11-27T15:00:00Z"), 60), None);
    }

    #[test]
    fn calendars_are_validated() {
        let input = |v: serde_json::Value| serde_json::from_value::<CalendarInput>(v).unwrap();
        let errors = input(serde_json::json!({"name": "", "time_zone": "Mars/Olympus",
            "hours": {"mon": [{"start": "17:00", "end": "09:00"}, {"start": "08:00", "end": "18:00"}]}}))
        .into_calendar("Office", 1)
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "name", "time_zone", "hours.mon[0]", "hours.mon[1]"]);
        // A bare date (as stored before names) still reads; a day named twice is refused at its row.
        let bare = input(serde_json::json!({"name": "Always", "time_zone": "UTC", "holidays": ["2026-12-25"]}));
        assert_eq!(
            bare.into_calendar("always", 1).unwrap().holidays,
            [Holiday { date: "2026-12-25".parse().unwrap(), name: String::new() }]
        );
        let named = input(serde_json::json!({"name": "Always", "time_zone": "UTC",
            "holidays": [{"date": "2026-12-26", "name": " Boxing Day "}, {"date": "2026-12-25", "name": "Christmas Day"}]}));
        let holidays = named.into_calendar("always", 1).unwrap().holidays;
        assert_eq!(holidays.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), ["Christmas Day", "Boxing Day"], "in date order, trimmed");
        let twice = input(
            serde_json::json!({"name": "Always", "time_zone": "UTC", "holidays": ["2026-12-25", {"date": "2026-12-25", "name": "x"}]}),
        );
        assert_eq!(twice.into_calendar("always", 1).unwrap_err()[0].field, "holidays[1].date");
        let long =
            input(serde_json::json!({"name": "Always", "time_zone": "UTC", "holidays": [{"date": "2026-12-25", "name": "x".repeat(81)}]}));
        assert_eq!(long.into_calendar("always", 1).unwrap_err()[0].field, "holidays[0].name");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn zones() -> impl Strategy<Value = &'static str> {
            prop_oneof![Just("Europe/Berlin"), Just("America/New_York"), Just("Asia/Kolkata"), Just("UTC")]
        }

        proptest! {
            #[test]
            fn due_times_never_precede_the_start(zone in zones(), start in 1_700_000_000i64..1_900_000_000, seconds in 0i64..2_000_000, round_the_clock: bool) {
                let mut cal = office(zone);
                if round_the_clock { cal.hours = None; }
                let from = DateTime::from_timestamp(start, 0).unwrap();
                let due = cal.add_business_seconds(from, seconds).unwrap();
                prop_assert!(due >= from);
                prop_assert_eq!(cal.business_seconds(from, due), seconds);
            }

            #[test]
            fn business_time_is_monotonic(zone in zones(), start in 1_700_000_000i64..1_900_000_000, a in 0i64..3_000_000, b in 0i64..3_000_000) {
                let cal = office(zone);
                let from = DateTime::from_timestamp(start, 0).unwrap();
                let (near, far) = (a.min(b), a.max(b));
                let to_near = cal.business_seconds(from, from + Duration::seconds(near));
                let to_far = cal.business_seconds(from, from + Duration::seconds(far));
                prop_assert!(to_near <= to_far);
                prop_assert!(to_far - to_near <= far - near, "open time cannot outrun real time");
            }
        }
    }
}
