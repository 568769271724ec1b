//! What a plan promises before it is saved: the due times a ticket filed now would get, and which
//! plan would cover it. The plan editor shows these in the browser from the values being edited;
//! the rules are those of [`crate::sla`] (the tests hold the two to the same answers).

use crate::calendar::{Calendar, ZoneRules};
use crate::sla::{SlaPlan, TargetKind, Targets, Warning, first_covering};
use crate::ticket::Priority;
use chrono::{DateTime, Duration, Utc};

/// One target of a new ticket: when it falls due, and when the warning comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promise {
    pub target: TargetKind,
    pub minutes: u32,
    /// `None` when the calendar does not open long enough within five years.
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
}

/// The clocks a ticket created at `created` starts with, in the order the ticket page lists them:
/// first response and resolution in the calendar's open time, the deadline in real time. Next
/// response is left out: it starts only with a requester's message after the first answer.
///
/// `zone` holds the rules of the calendar's zone (the web UI passes the browser's own).
pub fn promises(
    targets: &Targets,
    warning: Option<Warning>,
    calendar: &Calendar,
    zone: &impl ZoneRules,
    created: DateTime<Utc>,
) -> Vec<Promise> {
    let kinds = [
        (TargetKind::FirstResponse, targets.first_response_minutes, true),
        (TargetKind::Resolution, targets.resolution_minutes, true),
        (TargetKind::Deadline, targets.deadline_minutes, false),
    ];
    kinds
        .into_iter()
        .filter_map(|(target, minutes, business)| {
            let minutes = minutes?;
            let seconds = i64::from(minutes) * 60;
            let at =
                |s: i64| if business { calendar.add_business_seconds_in(zone, created, s) } else { Some(created + Duration::seconds(s)) };
            // As the clocks do: a warning only strictly inside the target.
            let lead = warning.map(|w| w.lead(seconds)).filter(|&lead| lead > 0 && lead < seconds);
            Some(Promise { target, minutes, due_at: at(seconds), warn_at: lead.and_then(|lead| at(seconds - lead)) })
        })
        .collect()
}

/// A new ticket as plans see it: its priority, topic and group (the topic's default group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample<'a> {
    pub priority: Priority,
    pub topic: &'a str,
    pub group: &'a str,
}

/// Whether `plan`'s conditions take the sample ticket (activity and calendar aside).
pub fn matches(plan: &SlaPlan, sample: Sample<'_>) -> bool {
    plan.conditions.takes(sample.priority, sample.topic, sample.group)
}

/// The plan that would cover the sample ticket, chosen as [`crate::sla::SlaConfig::plan_for`]
/// chooses a stored ticket's.
pub fn covering<'a>(plans: &'a [SlaPlan], calendars: &[Calendar], sample: Sample<'_>) -> Option<&'a SlaPlan> {
    first_covering(plans, calendars, |conditions| conditions.takes(sample.priority, sample.topic, sample.group)).map(|(plan, _)| plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Span, WeekHours};
    use crate::sla::{self, ClockState, Conditions, SlaConfig};
    use crate::ticket::Ticket;
    use chrono::{NaiveDate, NaiveTime};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn office() -> Calendar {
        let day = vec![Span { start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(17, 0, 0).unwrap() }];
        let hours = WeekHours { mon: day.clone(), tue: day.clone(), wed: day.clone(), thu: day.clone(), fri: day, ..Default::default() };
        Calendar {
            id: "office".into(),
            name: "Office".into(),
            time_zone: "Europe/Berlin".into(),
            hours: Some(hours),
            holidays: vec![crate::calendar::Holiday { date: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(), name: "Christmas Eve".into() }],
            version: 1,
        }
    }

    fn plan(id: &str, precedence: u32, conditions: Conditions) -> SlaPlan {
        let targets = Targets {
            first_response_minutes: Some(60),
            next_response_minutes: Some(120),
            resolution_minutes: Some(480),
            deadline_minutes: Some(2880),
        };
        SlaPlan {
            id: id.into(),
            name: id.into(),
            active: true,
            precedence,
            conditions,
            calendar: "office".into(),
            targets: [(Priority::High, targets)].into(),
            warning: Some(Warning::Percent(25)),
            escalations: vec![],
            version: 1,
        }
    }

    /// A new ticket, read from JSON so that members with defaults need not be spelled out.
    fn ticket(priority: Priority, topic: &str, group: &str, created: DateTime<Utc>) -> Ticket {
        serde_json::from_value(serde_json::json!({
            "id": "t", "number": "HD-1", "subject": "s", "description": "d", "requester": "anna",
            "topic": topic, "priority": priority, "status": "new", "assignee": null, "group": group,
            "channel": "web", "fields": {}, "created_at": created, "updated_at": created, "version": 1
        }))
        .unwrap()
    }

    #[test]
    fn promises_agree_with_the_clocks_of_a_new_ticket() {
        let cal = office();
        let p = plan("standard", 10, Conditions::default());
        // Across a weekend, a holiday, DST's end, inside and outside opening hours.
        for created in
            ["2026-11-27T15:30:00Z", "2026-12-23T15:00:00Z", "2026-10-23T14:00:00Z", "2026-11-24T03:00:00Z", "2026-11-24T09:10:00Z"]
        {
            let created = at(created);
            let t = ticket(Priority::High, "printer", "service-desk", created);
            let clocks = sla::evaluate(&t, &[], &p, &cal, created).status.targets;
            let promised = promises(&p.targets[&Priority::High], p.warning, &cal, &cal.zone(), created);
            assert_eq!(promised.len(), 3);
            for promise in promised {
                let clock = clocks.iter().find(|c| c.target == promise.target).unwrap();
                assert_eq!(clock.state, ClockState::Running);
                assert_eq!((promise.due_at, promise.warn_at), (clock.due_at, clock.warn_at), "{:?} at {created}", promise.target);
            }
        }
    }

    #[test]
    fn a_friday_afternoon_ticket_is_due_on_monday() {
        // Friday 16:30 Berlin + 60 business minutes = Monday 09:30 Berlin; the deadline is 48 real hours.
        let targets = Targets { first_response_minutes: Some(60), deadline_minutes: Some(2880), ..Default::default() };
        let promised = promises(&targets, Some(Warning::Minutes(15)), &office(), &office().zone(), at("2026-11-27T15:30:00Z"));
        assert_eq!(
            promised,
            [
                Promise {
                    target: TargetKind::FirstResponse,
                    minutes: 60,
                    due_at: Some(at("2026-11-30T08:30:00Z")),
                    warn_at: Some(at("2026-11-30T08:15:00Z")),
                },
                Promise {
                    target: TargetKind::Deadline,
                    minutes: 2880,
                    due_at: Some(at("2026-11-29T15:30:00Z")),
                    warn_at: Some(at("2026-11-29T15:15:00Z")),
                },
            ]
        );
    }

    #[test]
    fn a_calendar_that_never_opens_promises_nothing() {
        let mut closed = office();
        closed.hours = Some(WeekHours::default());
        let targets = Targets { resolution_minutes: Some(30), ..Default::default() };
        assert_eq!(promises(&targets, None, &closed, &closed.zone(), at("2026-11-27T15:30:00Z"))[0].due_at, None);
        // A warning as long as the target is no warning.
        let promised = promises(&targets, Some(Warning::Minutes(30)), &office(), &office().zone(), at("2026-11-27T15:30:00Z"));
        assert_eq!(promised[0].warn_at, None);
    }

    #[test]
    fn the_covering_plan_is_the_one_the_clocks_use() {
        let printer_high = Conditions { priorities: vec![Priority::High], topics: vec!["printer".into()], ..Default::default() };
        let network = Conditions { groups: vec!["network".into()], ..Default::default() };
        let mut inactive = plan("inactive", 0, Conditions::default());
        inactive.active = false;
        let mut no_calendar = plan("no-calendar", 1, Conditions::default());
        no_calendar.calendar = "gone".into();
        let plans = vec![
            plan("standard", 100, Conditions::default()),
            plan("printers", 10, printer_high),
            plan("network", 10, network),
            inactive,
            no_calendar,
        ];
        let config = SlaConfig { plans: plans.clone(), calendars: vec![office()] };
        for priority in Priority::ALL {
            for topic in ["printer", "general"] {
                for group in ["service-desk", "network"] {
                    let sample = Sample { priority, topic, group };
                    let expected = config.plan_for(&ticket(priority, topic, group, at("2026-11-27T15:30:00Z"))).map(|(p, _)| &p.id);
                    assert_eq!(covering(&plans, &config.calendars, sample).map(|p| &p.id), expected, "{sample:?}");
                }
            }
        }
        let sample = Sample { priority: Priority::High, topic: "printer", group: "network" };
        assert_eq!(covering(&plans, &config.calendars, sample).map(|p| p.id.as_str()), Some("network"), "ties go by id");
        assert!(!matches(&plans[1], Sample { priority: Priority::Low, ..sample }));
    }
}
