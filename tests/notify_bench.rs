//! Benchmark (not a test: it prints figures) of the notify handler on the local stack: tickets
//! filed and answered through the API, their outbox handed to the handler in batches of 100 (as
//! the queue's event source does), mail and SMS sent to moto. Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench notify                  # 100 tickets
//!     NOTIFY_BENCH_TICKETS=300 cargo bench -p helpdesk-tests --bench notify

use helpdesk_aws::Directory;
use helpdesk_core::Role;
use helpdesk_core::user::{AccountSource, User};
use helpdesk_tests::*;
use notify::{QueueMessage, Settings};
use serde_json::json;

#[tokio::main]
async fn main() {
    let tickets: usize = std::env::var("NOTIFY_BENCH_TICKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let t = test_app().await;
    let unique = t.table.clone();
    for (id, role, groups) in [("anna", Role::Requester, vec![]), ("ivan", Role::Agent, vec!["service-desk"])] {
        let mut user = User::new(id, id, &format!("{id}.{unique}@example.org"), role, &groups, AccountSource::Local);
        user.phone = Some("+15550100".into());
        t.seed.put_user(&user, None).await.expect("user");
    }
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let _ = aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity("helpdesk@example.com").send().await;
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for i in 0..tickets {
        let created = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket(&format!("Bench {i}")))).await;
        let number = created.body["ticket"]["number"].as_str().expect("number").to_string();
        assert_eq!(t.call("POST", &format!("/api/tickets/{number}/replies"), AGENT, Some(json!({"body": "On it"}))).await.status, 200);
        ids.push(created.body["ticket"]["id"].as_str().expect("id").to_string());
    }
    println!("filed and answered {tickets} tickets through the API in {:.1} s", started.elapsed().as_secs_f64());
    let mut messages = Vec::new();
    for id in &ids {
        for domain in outbox_of(&t.table, id).await {
            let body = json!({"source": "helpdesk", "detail-type": domain.detail_type(), "detail": domain}).to_string();
            messages.push(QueueMessage { id: domain.event.id.clone(), body, receive_count: 1 });
        }
    }
    let events = messages.len();
    let store = function_store(iam_calls::SET_UP, &t.table).await;
    let channels = notify::channels(&sdk, "helpdesk@example.com", &Default::default(), "", true).expect("channels");
    let settings = Settings::new("https://help.example.com", "helpdesk@example.com", Some("support@example.com"));
    let started = std::time::Instant::now();
    let (mut sent, mut decided) = (0, 0);
    while !messages.is_empty() {
        let batch: Vec<QueueMessage> = messages.drain(..messages.len().min(100)).collect();
        let (report, retry) = notify::consume(&store, &channels, &settings, batch, chrono::Utc::now()).await.expect("notify");
        assert!(retry.is_empty(), "{report:?}");
        sent += report.sent;
        decided += report.sent + report.suppressed;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "notify handler: {events} events → {sent} messages sent, {decided} decisions logged in {seconds:.1} s: {:.0} messages/s, {:.0} events/s",
        sent as f64 / seconds,
        events as f64 / seconds
    );
    t.finish().await;
}
