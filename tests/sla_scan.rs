//! The SLA scan against the local stack: it reads only what is due, records each warning and
//! breach once even when two scans overlap or a run's time runs out, escalates, and announces
//! each through the outbox.

use chrono::Utc;
use helpdesk_aws::TicketStore;
use helpdesk_core::EventKind;
use helpdesk_core::sla::{AlertLevel, Escalation, EscalationAction, TargetKind};
use helpdesk_tests::*;
use serde_json::json;
use std::collections::HashMap;

#[tokio::test]
async fn ten_thousand_open_tickets_fifty_due_two_scans_at_once() {
    let t = test_app().await;
    let store = &t.seed;
    let scanner = function_store(SLA_SCAN, &t.table).await;
    let config = round_the_clock();
    store_config(store, &config).await;
    let now = Utc::now();
    let started = std::time::Instant::now();
    let due = load_open_tickets(store, &config, 10_000, 50, now).await;
    eprintln!("loaded 10,000 tickets in {:.1} s", started.elapsed().as_secs_f64());

    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(sla_scan::scan(&scanner, now), sla_scan::scan(&scanner, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    eprintln!("two concurrent scans in {:.0} ms: {a:?} / {b:?}", started.elapsed().as_secs_f64() * 1000.0);
    assert_eq!(a.index_items_read, 50, "the scan reads the due tickets' index items and no others");
    assert_eq!(b.index_items_read, 50);

    // Every clock of a due ticket was missed: first response, resolution, deadline; once each.
    assert_eq!(a.breaches + b.breaches, 50 * 3, "each breach recorded by exactly one scan");
    assert_eq!(a.warnings + b.warnings, 0, "past due, a warning says nothing the breach does not");
    for id in &due {
        let (ticket, events) = store.get_ticket(id).await.unwrap().unwrap();
        let mut breaches: HashMap<(TargetKind, u32), usize> = HashMap::new();
        for e in &events {
            if let EventKind::SlaBreached { target, cycle, .. } = e.kind {
                *breaches.entry((target, cycle)).or_default() += 1;
            }
        }
        assert_eq!(breaches.len(), 3, "{id}: {breaches:?}");
        assert!(breaches.values().all(|&n| n == 1), "{id}: {breaches:?}");
        assert_eq!(ticket.sla_next_action, None, "all recorded: the ticket leaves the due index");
        // Each breach announced once, in the same write that recorded it.
        let announced: Vec<String> = outbox_of(&t.table, id).await.into_iter().map(|d| d.event.id).collect();
        let recorded: Vec<String> =
            events.iter().filter(|e| matches!(e.kind, EventKind::SlaBreached { .. })).map(|e| e.id.clone()).collect();
        assert_eq!(announced, recorded, "{id}");
    }

    // Nothing is due any more: the next run reads nothing.
    let again = sla_scan::scan(&scanner, now).await.unwrap();
    assert_eq!((again.index_items_read, again.breaches), (0, 0));
    t.finish().await;
}

/// Office hours start and every clock falls due at once: a run whose time runs out takes no more
/// tickets, and the next run takes exactly the rest, each breach recorded once.
#[tokio::test]
async fn a_burst_the_run_cannot_finish_is_finished_by_the_next_run_with_nothing_lost_or_doubled() {
    const BURST: usize = 400;
    let t = test_app().await;
    let scanner = function_store(SLA_SCAN, &t.table).await;
    let config = round_the_clock();
    store_config(&t.seed, &config).await;
    let now = Utc::now();
    let due = load_open_tickets(&t.seed, &config, BURST, BURST, now).await;

    // Out of time from the start: nothing is taken, everything stays due.
    let none = sla_scan::scan_until(&scanner, now, Some(std::time::Instant::now())).await.unwrap();
    assert_eq!((none.tickets_due, none.left_for_next_run, none.breaches), (BURST, BURST, 0));
    // Out of time partway: what was taken is recorded whole (three breaches a ticket)…
    let stop_at = std::time::Instant::now() + std::time::Duration::from_millis(300);
    let first = sla_scan::scan_until(&scanner, now, Some(stop_at)).await.unwrap();
    assert_eq!(first.tickets_due, BURST);
    assert_eq!(first.breaches, 3 * (BURST - first.left_for_next_run), "{first:?}");
    // …and the next run finds exactly the rest due, and records it.
    let second = sla_scan::scan(&scanner, now).await.unwrap();
    assert_eq!((second.tickets_due, second.left_for_next_run), (first.left_for_next_run, 0), "{second:?}");
    assert_eq!(first.breaches + second.breaches, 3 * BURST);
    eprintln!("burst of {BURST}: {} taken before the stop, {} by the next run", BURST - first.left_for_next_run, second.tickets_due);
    for id in &due {
        let (_, events) = t.seed.get_ticket(id).await.unwrap().unwrap();
        let breaches = events.iter().filter(|e| matches!(e.kind, EventKind::SlaBreached { .. })).count();
        assert_eq!(breaches, 3, "{id}: each clock breached once");
    }
    assert_eq!(sla_scan::scan(&scanner, now).await.unwrap().tickets_due, 0);
}

#[tokio::test]
async fn escalations_apply_when_a_target_is_missed() {
    let t = test_app().await;
    let store = &t.seed;
    let scanner = function_store(SLA_SCAN, &t.table).await;
    let mut config = round_the_clock();
    config.plans[0].escalations = vec![
        Escalation {
            on: AlertLevel::Breach,
            target: Some(TargetKind::FirstResponse),
            action: EscalationAction::MoveToGroup { group: "escalations".into() },
        },
        Escalation { on: AlertLevel::Breach, target: None, action: EscalationAction::RaisePriority },
    ];
    store_config(store, &config).await;
    let now = Utc::now();
    let due = load_open_tickets(store, &config, 3, 1, now).await;
    let report = sla_scan::scan(&scanner, now).await.unwrap();
    assert_eq!((report.tickets_due, report.breaches), (1, 3));
    let (ticket, events) = store.get_ticket(&due[0]).await.unwrap().unwrap();
    let announced: Vec<String> = outbox_of(&t.table, &due[0]).await.into_iter().map(|d| d.event.id).collect();
    let recorded: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(announced, recorded, "the breaches and the escalations' moves, each announced once");
    assert_eq!(ticket.group, "escalations");
    assert_eq!(ticket.priority, helpdesk_core::Priority::Urgent, "raised once per breach, up to urgent");
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::GroupChanged { to, .. } if to == "escalations")));
    assert!(events.iter().all(|e| e.actor.id == helpdesk_core::sla::SLA_ACTOR_ID));
    t.finish().await;
}

#[tokio::test]
async fn clocks_follow_the_ticket_through_the_api() {
    let t = test_app().await;
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let calendar = json!({"id": "office", "name": "Office", "time_zone": "Europe/Berlin",
        "hours": {"mon": [{"start": "09:00", "end": "17:00"}], "tue": [{"start": "09:00", "end": "17:00"}]}});
    assert_eq!(t.call("POST", "/api/sla/calendars", AGENT, Some(calendar.clone())).await.code(), "forbidden");
    assert_eq!(t.call("POST", "/api/sla/calendars", ADMIN, Some(calendar.clone())).await.status, 201);
    assert_eq!(t.call("POST", "/api/sla/calendars", ADMIN, Some(calendar)).await.code(), "already_exists");
    let always = json!({"id": "always", "name": "Always", "time_zone": "UTC"});
    assert_eq!(t.call("POST", "/api/sla/calendars", ADMIN, Some(always)).await.status, 201);
    let plan = json!({"id": "all", "name": "All", "calendar": "always", "warning": {"minutes": 5},
        "targets": {"medium": {"first_response_minutes": 30, "resolution_minutes": 240}}});
    let bad_plan = json!({"id": "bad", "name": "Bad", "calendar": "nowhere", "targets": {"medium": {"first_response_minutes": 30}}});
    assert_eq!(t.call("POST", "/api/sla/plans", ADMIN, Some(bad_plan)).await.body["fields"][0]["field"], "calendar");
    assert_eq!(t.call("POST", "/api/sla/plans", ADMIN, Some(plan)).await.status, 201);
    assert_eq!(t.call("GET", "/api/sla/plans", AGENT, None).await.body["items"][0]["id"], "all");
    assert_eq!(t.call("GET", "/api/sla/plans", ANNA, None).await.code(), "forbidden");

    let created = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("s"))).await;
    assert!(created.body.get("sla").is_none(), "requesters do not see SLA clocks");
    assert!(created.body["ticket"].get("sla_next_action").is_none(), "nor when the scan looks at their ticket");
    let seen = t.call("GET", "/api/tickets/HD-1001", AGENT, None).await;
    assert!(seen.body["ticket"]["sla_next_action"].is_string(), "a new ticket enters the due index");
    let sla = &seen.body["sla"];
    assert_eq!(sla["plan"], "all");
    let first = sla["targets"].as_array().unwrap().iter().find(|t| t["target"] == "first_response").unwrap();
    assert_eq!((first["state"].as_str(), first["target_seconds"].as_i64()), (Some("running"), Some(1800)));

    let waiting = t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": 1, "status": "waiting"}))).await;
    assert_eq!(waiting.body["ticket"]["sla_next_action"], serde_json::Value::Null, "a paused ticket leaves the due index");
    assert!(waiting.body["sla"]["targets"].as_array().unwrap().iter().all(|t| t["state"] == "paused"));
    let back = t.call("POST", "/api/tickets/HD-1001/replies", ANNA, Some(json!({"body": "Here is the info."}))).await;
    assert_eq!(back.body["ticket"]["status"], "open");
    let back = t.call("GET", "/api/tickets/HD-1001", AGENT, None).await;
    assert!(back.body["ticket"]["sla_next_action"].is_string(), "the answer resumes the clocks");
    let answered = t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Fixed."}))).await;
    let first = answered.body["sla"]["targets"].as_array().unwrap().iter().find(|t| t["target"] == "first_response").unwrap().clone();
    assert_eq!(first["state"], "met");
    let resolved = t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": 4, "status": "resolved"}))).await;
    assert_eq!(resolved.body["ticket"]["sla_next_action"], serde_json::Value::Null, "a resolved ticket leaves the due index");
    assert!(resolved.body["sla"]["targets"].as_array().unwrap().iter().all(|t| t["state"] == "met"));
    t.finish().await;
}
