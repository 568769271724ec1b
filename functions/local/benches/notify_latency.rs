//! Benchmark (not a test: it prints figures) of the notification path end to end on the local
//! stack: an agent's reply through the runner's API → outbox → DynamoDB Local's stream → relay →
//! moto's bus → notify queue → notify handler → SES (moto), timed until the decision log says
//! "sent". Run with the local stack up:
//!
//!     cargo bench -p helpdesk-local --bench notify_latency          # 10 replies, window 1 s
//!     NOTIFY_BENCH_REPLIES=30 HELPDESK_NOTIFY_WINDOW_SECONDS=0 cargo bench -p helpdesk-local --bench notify_latency

use helpdesk_tests::local_runner::{call, sign_in, start};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let replies: usize = std::env::var("NOTIFY_BENCH_REPLIES").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let window = std::env::var("HELPDESK_NOTIFY_WINDOW_SECONDS").unwrap_or_else(|_| "1".into());
    let table = format!("bench-notify-{}", std::process::id());
    let _dropped_at_the_end = helpdesk_tests::TableGuard(table.clone());
    let runner = start(env!("CARGO_BIN_EXE_helpdesk-local"), &table, &[("HELPDESK_NOTIFY_WINDOW_SECONDS", window.as_str())]).await;
    let ivan = sign_in(&runner.base, "ivan.sidorov").await;
    let sent_to_anna = || async {
        let (_, log) = call(&runner.base, &ivan, "GET", "/api/tickets/HD-1001/notifications", None).await;
        log["items"].as_array().map_or(0, |items| items.iter().filter(|e| e["recipient"] == "anna.petrova" && e["state"] == "sent").count())
    };
    // Let the demo data's own notifications go first.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut samples = Vec::new();
    for i in 0..replies {
        let before = sent_to_anna().await;
        let written = Instant::now();
        let (status, _) =
            call(&runner.base, &ivan, "POST", "/api/tickets/HD-1001/replies", Some(json!({"body": format!("Step {i}")}))).await;
        assert_eq!(status, 200);
        while sent_to_anna().await == before {
            assert!(written.elapsed() < Duration::from_secs(60), "reply {i} was never sent");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        samples.push(written.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "write → sent, {replies} replies, coalescing window {window} s: median {:.0} ms, p90 {:.0} ms, min {:.0} ms, max {:.0} ms",
        at(0.5),
        at(0.9),
        samples[0],
        samples[samples.len() - 1]
    );
    drop(runner);
}
