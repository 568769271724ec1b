//! Benchmark of the reports (not a test: it prints figures). Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench reports                       # 10,000 and 1,000,000 tickets
//!     REPORTS_BENCH_TICKETS=10000 cargo bench -p helpdesk-tests --bench reports
//!
//! For each size it generates a year of ticket history in memory (replies, reassignments,
//! resolutions, reopenings, breaches; 5 groups of 8 agents, 3 topics each), computes every
//! ticket's contribution as the reports function does and writes the summed agent and topic
//! buckets in batches, as a rebuild does (the other dimensions are left out to keep the load
//! short: their reads follow the same keys). Then it asks the agents report through the API
//! handler, as an admin, over 7, 30, 90 and 365 days, and prints the handler's latency (p50, p95
//! of 20 calls) and the items and read capacity a call's own reads consume, buckets and names
//! (counted by DynamoDB through the capacity meter on the API's client). The claim it checks:
//! items read grow with the date range and the number of agents, groups and topics, not with
//! the tickets in the table.

use chrono::{DateTime, Duration, Utc};
use helpdesk_core::reports::{self as figures, Contribution, Dimension};
use helpdesk_core::{Actor, EventKind, Role, TicketEvent, ticket::Status};
use helpdesk_tests::*;
use std::time::Instant;

const GROUPS: usize = 5;
const AGENTS_PER_GROUP: usize = 8;
const TOPICS_PER_GROUP: usize = 3;
const HISTORY_DAYS: i64 = 365;
const RANGES: [i64; 4] = [7, 30, 90, 365];
const CALLS: usize = 20;

/// A small deterministic generator: the same history every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % sides
    }
}

fn event(at: DateTime<Utc>, actor: &Actor, kind: EventKind) -> TicketEvent {
    TicketEvent { id: String::new(), at, actor: actor.clone(), kind }
}

/// One ticket's life, `i` of `total` spread evenly over the history: filed, answered, often
/// handed to a colleague, mostly resolved, sometimes reopened, sometimes late.
fn history(dice: &mut Dice, i: usize, total: usize, start: DateTime<Utc>) -> (helpdesk_core::Ticket, Vec<TicketEvent>) {
    let created = start + Duration::seconds((i as i64) * HISTORY_DAYS * 86_400 / total as i64);
    let mut ticket = loaded_ticket(&mut ulid::Generator::new(), i as u64, created);
    let group = dice.roll(GROUPS as u64) as usize;
    ticket.group = format!("group-{group}");
    ticket.topic = format!("topic-{group}-{}", dice.roll(TOPICS_PER_GROUP as u64));
    ticket.requester = format!("user{}", dice.roll(5_000));
    let agent = |n: u64| Actor::new(format!("agent-{group}-{n}"), Role::Agent);
    let requester = Actor::new(&ticket.requester, Role::Requester);
    let mut first = agent(dice.roll(AGENTS_PER_GROUP as u64));
    let mut at = created;
    let mut events = vec![event(at, &requester, EventKind::Created { channel: ticket.channel, attachments: vec![], mail: None })];
    at += Duration::minutes(5 + dice.roll(600) as i64);
    ticket.assignee = Some(first.id.clone());
    events.push(event(at, &first, EventKind::AssigneeChanged { from: None, to: ticket.assignee.clone() }));
    events.push(event(at, &first, EventKind::PublicReply { body: "On it.".into(), attachments: vec![], mail: None }));
    if dice.roll(4) == 0 {
        let to = agent(dice.roll(AGENTS_PER_GROUP as u64));
        at += Duration::minutes(30 + dice.roll(300) as i64);
        events.push(event(at, &to, EventKind::AssigneeChanged { from: ticket.assignee.clone(), to: Some(to.id.clone()) }));
        ticket.assignee = Some(to.id.clone());
        first = to;
    }
    if dice.roll(10) == 0 {
        let target = helpdesk_core::sla::TargetKind::Resolution;
        events.push(event(at, &Actor::new("sla", Role::System), EventKind::SlaBreached { target, cycle: 0, due_at: at }));
    }
    let resolves = if dice.roll(20) == 0 { 2 } else { 1 };
    if dice.roll(10) < 9 {
        for round in 0..resolves {
            at += Duration::minutes(60 + dice.roll(4_000) as i64);
            events.push(event(at, &first, EventKind::StatusChanged { from: ticket.status, to: Status::Resolved }));
            ticket.status = Status::Resolved;
            if round + 1 < resolves {
                at += Duration::minutes(60 + dice.roll(2_000) as i64);
                events.push(event(at, &requester, EventKind::StatusChanged { from: Status::Resolved, to: Status::Reopened }));
                ticket.status = Status::Reopened;
            }
        }
    }
    ticket.updated_at = at;
    (ticket, events)
}

/// The agent and topic buckets of `total` tickets' history, summed.
fn buckets(total: usize, start: DateTime<Utc>) -> Contribution {
    let mut dice = Dice(7);
    let mut sum = Contribution::new();
    for i in 0..total {
        let (ticket, events) = history(&mut dice, i, total, start);
        for (key, counters) in figures::contribution(&ticket, &events, None, &[], chrono_tz::UTC) {
            if matches!(key.dimension, Dimension::Agent | Dimension::Topic) {
                sum.entry(key).or_default().merge(&counters, 1);
            }
        }
    }
    sum.retain(|_, c| !c.is_empty());
    sum
}

async fn run(total: usize) {
    let mut t = test_app().await;
    let start: DateTime<Utc> = "2025-11-01T00:00:00Z".parse().expect("a time");
    let last = (start + Duration::days(HISTORY_DAYS - 1)).date_naive();
    let started = Instant::now();
    let sum = buckets(total, start);
    let computed = started.elapsed();
    let started = Instant::now();
    t.seed.put_report_buckets(&sum).await.expect("write buckets");
    println!(
        "\n{total} tickets over {HISTORY_DAYS} days: contributions summed in {:.1} s, {} agent and topic buckets written in {:.1} s",
        computed.as_secs_f64(),
        sum.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{:>6} {:>12} {:>10} {:>10} {:>10} {:>7}", "days", "items read", "RCU", "p50 ms", "p95 ms", "lines");
    // The handler's own reads, as DynamoDB counts them: the buckets and the names it shows.
    let meter = t.meter_the_api().await;
    for days in RANGES {
        let from = last - Duration::days(days - 1);
        let before = meter.usage();
        let path = format!("/api/reports/agent?from={from}&to={last}");
        let mut times = Vec::new();
        let mut lines = 0;
        for _ in 0..CALLS {
            let began = Instant::now();
            let answer = t.call("GET", &path, Some("admin:bench-admin"), None).await;
            times.push(began.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
            lines = answer.body["lines"].as_array().map_or(0, Vec::len);
        }
        times.sort_by(f64::total_cmp);
        let used = meter.usage() - before;
        let (items, capacity) = (used.items_read / CALLS as u64, used.read_units / CALLS as f64);
        println!("{days:>6} {items:>12} {capacity:>10.1} {:>10.1} {:>10.1} {lines:>7}", quantile(&times, 0.5), quantile(&times, 0.95));
        figure(&format!("reports: agents over {days} days at {total} tickets, p50"), quantile(&times, 0.5), "ms");
        figure(&format!("reports: agents over {days} days at {total} tickets, items read"), items as f64, "items");
    }
    t.finish().await;
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("REPORTS_BENCH_TICKETS")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    println!("agents report: handler latency (admin, no filters) and what a call reads (buckets and names)");
    for total in sizes {
        run(total).await;
    }
}
