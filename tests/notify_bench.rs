//! Benchmark (not a test: it prints figures) of the notify handler on the local stack: tickets
//! filed and answered through the API, their outbox handed to the handler in batches of 100 (as
//! the queue's event source does); the requester hears of replies on all five channels: mail, SMS
//! and mobile push to moto, Telegram to the fake Bot API, web push (encrypted) to the fake push
//! service. Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench notify                  # 100 tickets
//!     NOTIFY_BENCH_TICKETS=300 cargo bench -p helpdesk-tests --bench notify

use helpdesk_aws::secrets::ChannelSecrets;
use helpdesk_aws::{Contacts, Directory, NotificationLog};
use helpdesk_core::Role;
use helpdesk_core::notify::contacts::{NewPushSubscription, device_id, web_push_id};
use helpdesk_core::notify::{ChannelKind, Contact, MobilePlatform, Notice, Owner, Preferences};
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
    // Anna's chat, browser and phone, and replies on every channel.
    let telegram = helpdesk_fakes::telegram::FakeTelegram::default();
    let telegram_api = helpdesk_fakes::serve_on_loopback(telegram.router()).await.expect("fake Bot API");
    let push = helpdesk_fakes::push::FakePush::on_loopback().await.expect("fake push service");
    let subscription: NewPushSubscription = serde_json::from_value(push.subscription("bench")).expect("subscription");
    let sns = aws_sdk_sns::Client::new(&sdk);
    let application =
        helpdesk_aws::platform_endpoints::create_application(&sns, &format!("bench-{unique}"), "GCM").await.expect("platform application");
    let endpoint_arn =
        helpdesk_aws::platform_endpoints::register_endpoint(&sns, &application, "bench-token", "anna").await.expect("endpoint");
    let now = chrono::Utc::now();
    let anna = Owner::User("anna".into());
    let contacts = [
        Contact::Telegram { chat_id: 42, title: "anna".into(), linked_at: now },
        Contact::WebPush {
            id: web_push_id(&subscription.endpoint),
            endpoint: subscription.endpoint.clone(),
            p256dh: subscription.keys.p256dh.clone(),
            auth: subscription.keys.auth.clone(),
            device: "bench".into(),
            created_at: now,
        },
        Contact::Mobile {
            id: device_id("bench-token"),
            platform: MobilePlatform::Fcm,
            token: "bench-token".into(),
            endpoint_arn,
            device: "bench".into(),
            created_at: now,
        },
    ];
    for contact in &contacts {
        t.seed.put_contact(&anna, contact).await.expect("contact");
    }
    let mut preferences = Preferences::defaults(Role::Requester);
    preferences.channels.insert(Notice::Reply, ChannelKind::ALL.to_vec());
    preferences.version = 1;
    t.seed.put_preferences("anna", &preferences).await.expect("preferences");
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
        messages.extend(queued_events(&t.table, id).await);
    }
    let events = messages.len();
    let store = function_store(iam_calls::SET_UP, &t.table).await;
    let secrets = ChannelSecrets {
        telegram_bot_token: Some("1:bench".into()),
        vapid_private_key: Some("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94".into()),
        ..ChannelSecrets::default()
    };
    let channels = notify::channels(&sdk, "helpdesk@example.com", &secrets, &telegram_api, true).expect("channels");
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
    println!("  of which Telegram {}, web push {} (decrypted by the fake)", telegram.sent().len(), push.received().len());
    println!(
        "notify handler: {events} events → {sent} messages sent, {decided} decisions logged in {seconds:.1} s: {:.0} messages/s, {:.0} events/s",
        sent as f64 / seconds,
        events as f64 / seconds
    );
    figure("notify: messages sent per second", sent as f64 / seconds, "msg/s");
    figure("notify: events handled per second", events as f64 / seconds, "events/s");
    t.finish().await;
}
