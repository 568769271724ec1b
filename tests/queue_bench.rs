//! Benchmark of the agents' queue (not a test: it prints figures). Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench queue                         # 10,000 and 1,000,000 tickets
//!     QUEUE_BENCH_SIZES=10000 cargo bench -p helpdesk-tests --bench queue
//!
//! For each size it loads that many tickets through the store (not the API: it is quicker) over
//! two groups, four priorities and three assignees, a fifth of them resolved, each with its SLA
//! targets. Then it asks the queue handler for a page of 50 in the views agents use (their
//! groups' open work by due time or priority, filtered by priority, by assignee, unassigned, page
//! two, and an admin's every group and one topic) and prints the handler's latency (p50, p95 of
//! 20 calls) with the items and read capacity each page consumed (counted by DynamoDB,
//! `ReturnConsumedCapacity`). The claim it checks: a page costs the same at a million tickets as
//! at ten thousand.

use chrono::{Duration, Utc};
use helpdesk_core::{Priority, sla, ticket::Status};
use helpdesk_tests::*;
use std::time::Instant;

const CALLS: usize = 20;
const PAGE: usize = 50;

/// What an agent (ivan, of the service desk: one of their groups or their own tickets) and an
/// admin ask for; the page-two view is added with the cursor of the first.
const VIEWS: [(&str, Option<&str>, &str); 7] = [
    ("agent: group, open, by due", AGENT, "group=service-desk&state=open"),
    ("agent: group, by priority", AGENT, "group=service-desk&state=open&sort=priority"),
    ("agent: group, urgent", AGENT, "group=service-desk&state=open&priority=urgent"),
    ("agent: group, unassigned", AGENT, "group=service-desk&state=open&assignee=none"),
    ("agent: assigned to me", AGENT, "state=open&assignee=ivan"),
    ("admin: every group, open", ADMIN, "state=open"),
    ("admin: one topic, resolved", ADMIN, "state=done&topic=printer"),
];

fn sizes() -> Vec<usize> {
    let listed = std::env::var("QUEUE_BENCH_SIZES").unwrap_or_else(|_| "10000,1000000".into());
    listed.split(',').filter_map(|n| n.trim().parse().ok()).collect()
}

/// `total` tickets created over the last 90 days, varied as a real queue is.
async fn load(t: &TestApp, config: &helpdesk_core::sla::SlaConfig, total: usize) {
    let now = Utc::now();
    let mut ids = ulid::Generator::new();
    let assignees = [Some("ivan"), None, Some("olga")];
    let mut batch = Vec::with_capacity(1000);
    for i in 0..total {
        let created = now - Duration::seconds((total - i) as i64 * 90 * 86_400 / total as i64);
        let mut ticket = loaded_ticket(&mut ids, 10_000 + i as u64, created);
        ticket.group = TEST_GROUPS[i % 2].0.into();
        ticket.priority = Priority::ALL[(i / 2) % 4];
        ticket.assignee = assignees[i % 3].map(String::from);
        ticket.requester = format!("user{}", i % 997);
        ticket.topic = if i % 5 == 4 { "network".into() } else { "printer".into() };
        ticket.status = if i % 5 == 0 { Status::Resolved } else { Status::Open };
        sla::refresh(&mut ticket, &[], config);
        batch.push(ticket);
        if batch.len() == 1000 || i + 1 == total {
            t.seed.import_tickets(&batch).await.expect("import tickets");
            batch.clear();
        }
    }
}

/// Calls `path` as `actor` [`CALLS`] times; prints and records latency and cost per page.
async fn measure(t: &TestApp, meter: &capacity::CapacityMeter, size: usize, label: &str, actor: Option<&str>, path: &str) -> Answer {
    let mut times = Vec::with_capacity(CALLS);
    let before = meter.usage();
    let mut last = None;
    for _ in 0..CALLS {
        let started = Instant::now();
        let answer = t.call("GET", path, actor, None).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(answer.status, 200, "{label}: {:?}", answer.body);
        last = Some(answer);
    }
    let used = meter.usage() - before;
    times.sort_by(f64::total_cmp);
    let answer = last.expect("called");
    let shown = answer.body["items"].as_array().map_or(0, Vec::len);
    let (items, units) = (used.items_read as f64 / CALLS as f64, used.read_units / CALLS as f64);
    println!(
        "{size:>9} tickets | {label:<28} | {shown:>2} shown | p50 {:>6.1} ms | p95 {:>6.1} ms | {items:>6.1} items read | {units:>5.1} RCU",
        quantile(&times, 0.5),
        quantile(&times, 0.95)
    );
    let name = format!("queue ({size} tickets), {label}");
    figure(&format!("{name}: p50"), quantile(&times, 0.5), "ms");
    figure(&format!("{name}: items read per page"), items, "items");
    figure(&format!("{name}: read units per page"), units, "RCU");
    answer
}

#[tokio::main]
async fn main() {
    for size in sizes() {
        let mut t = test_app().await;
        let config = round_the_clock();
        store_config(&t.seed, &config).await;
        let started = Instant::now();
        load(&t, &config, size).await;
        println!("loaded {size} tickets in {:.1} s", started.elapsed().as_secs_f64());
        let meter = t.meter_the_api().await;
        for (label, actor, filters) in VIEWS {
            let path = format!("/api/tickets?limit={PAGE}&{filters}");
            let first = measure(&t, &meter, size, label, actor, &path).await;
            if label == VIEWS[0].0 {
                let cursor = first.body["next_cursor"].as_str().expect("a second page at this size");
                let encoded: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                measure(&t, &meter, size, "agent: group, open, page 2", actor, &format!("{path}&cursor={encoded}")).await;
            }
        }
        t.finish().await;
    }
}
