//! Benchmark of the SLA scan (not a test: it prints figures). Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench sla_scan            # 100,000 open tickets, 100 due
//!     SLA_BENCH_TICKETS=20000 SLA_BENCH_DUE=50 cargo bench -p helpdesk-tests --bench sla_scan
//!
//! It prints the due-index items read per ticket due (goal ≤ 1.1) and the scan handler's time,
//! then times a burst: `SLA_BENCH_BURST` (10,000) tickets falling due at once, as when office
//! hours start on Monday, against the scheduled minute.

use chrono::Utc;
use helpdesk_tests::*;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let (total, due) = (setting("SLA_BENCH_TICKETS", 100_000), setting("SLA_BENCH_DUE", 100));
    let t = test_app().await;
    let config = round_the_clock();
    store_config(&t.seed, &config).await;
    let now = Utc::now();
    let started = std::time::Instant::now();
    load_open_tickets(&t.seed, &config, total, due, now).await;
    println!("loaded {total} open tickets ({due} due) in {:.1} s", started.elapsed().as_secs_f64());

    let started = std::time::Instant::now();
    let report = sla_scan::scan(&t.seed, now).await.expect("scan");
    let elapsed = started.elapsed();
    println!("scan: {report:?}");
    println!("index items read per ticket due: {:.3} (goal <= 1.1)", report.index_items_read as f64 / report.tickets_due.max(1) as f64);
    figure(
        &format!("sla scan: index items read per due ticket ({total} open)"),
        report.index_items_read as f64 / report.tickets_due.max(1) as f64,
        "items",
    );
    println!(
        "scan handler time: {:.0} ms for {} due tickets ({:.1} ms each)",
        elapsed.as_secs_f64() * 1000.0,
        report.tickets_due,
        elapsed.as_secs_f64() * 1000.0 / report.tickets_due.max(1) as f64
    );

    let started = std::time::Instant::now();
    let idle = sla_scan::scan(&t.seed, now).await.expect("scan");
    println!("idle scan (nothing due): {} index items read, {:.0} ms", idle.index_items_read, started.elapsed().as_secs_f64() * 1000.0);
    t.finish().await;

    let burst = setting("SLA_BENCH_BURST", 10_000);
    let t = test_app().await;
    store_config(&t.seed, &config).await;
    let now = Utc::now();
    load_open_tickets(&t.seed, &config, burst, burst, now).await;
    let started = std::time::Instant::now();
    let report = sla_scan::scan(&t.seed, now).await.expect("scan");
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "burst: {} tickets due at once recorded in {elapsed:.1} s ({:.0} tickets/s, {} at a time; the scheduled minute holds {:.0}); {report:?}",
        report.tickets_due,
        report.tickets_due as f64 / elapsed,
        sla_scan::CONCURRENCY,
        report.tickets_due as f64 / elapsed * (60.0 - sla_scan::STOP_MARGIN.as_secs_f64()),
    );
    figure(&format!("sla scan: burst of {burst} due at once"), elapsed, "s");
    figure("sla scan: burst tickets per second", report.tickets_due as f64 / elapsed, "tickets/s");
    t.finish().await;
}
