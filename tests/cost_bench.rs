//! Benchmark (not a test: it prints figures): what a thousand tickets cost in AWS, priced from
//! what the local stack measured. Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench cost              # 1,000 tickets
//!     COST_BENCH_TICKETS=200 cargo bench -p helpdesk-tests --bench cost
//!
//! Each ticket lives a usual life through the real handlers: the requester files it on the web
//! form (a description of the usual few sentences), an agent opens the queue and the ticket, replies, the requester reads the answer, the
//! agent resolves it. Then its domain events go down the backbone (docs/events.md) as in AWS:
//! the relay reads the outbox and puts the events on the bus, and notify, reports and the search
//! indexer consume them in the batches their event sources hand them (the template's batch
//! sizes). DynamoDB counts every read and write unit (`ReturnConsumedCapacity`, indexes
//! included, through a capacity meter on each function's client); each handler's time is summed
//! into Lambda GB-seconds at its function's memory size in the template; EventBridge, S3 and
//! SQS requests are counted or derived from the events. Per-message charges (mail, SMS) are
//! listed apart. Lambda durations are this machine's (2 cores, debug-free release build, a local
//! DynamoDB): AWS's own latency differs, so the GB-seconds are an order of magnitude, the
//! capacity units exact.

use helpdesk_aws::{Directory, DynamoStore, EventBridgePublisher};
use helpdesk_core::Role;
use helpdesk_core::user::{AccountSource, User};
use helpdesk_tests::capacity::{CallCounter, CapacityMeter, Usage};
use helpdesk_tests::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// On-demand list prices, us-east-1, US dollars, as AWS's price pages gave them when last
/// checked (the date is printed with every run).
mod price {
    pub const CHECKED: &str = "2025 list prices (AWS price pages), us-east-1, on demand";
    pub const DYNAMODB_PER_MILLION_WRITE_UNITS: f64 = 0.625;
    pub const DYNAMODB_PER_MILLION_READ_UNITS: f64 = 0.125;
    pub const LAMBDA_ARM_PER_GB_SECOND: f64 = 0.000_013_333_4;
    pub const LAMBDA_PER_MILLION_REQUESTS: f64 = 0.20;
    pub const HTTP_API_PER_MILLION_REQUESTS: f64 = 1.00;
    pub const EVENTBRIDGE_PER_MILLION_EVENTS: f64 = 1.00;
    pub const SQS_PER_MILLION_REQUESTS: f64 = 0.40;
    pub const S3_PER_THOUSAND_WRITES: f64 = 0.005;
    pub const S3_PER_THOUSAND_READS: f64 = 0.000_4;
    pub const SES_PER_THOUSAND_MAILS: f64 = 0.10;
}

/// A description of the length requesters write (a few sentences, ~600 bytes), so items weigh
/// what they weigh in use: a write unit is 1 KB, a copy into an index another.
const DESCRIPTION: &str = "Since this morning the printer on the third floor (next to the kitchen) shows an orange \
    light and prints nothing. I switched it off and on twice and checked the paper tray: it is full. \
    The display says \"Paper jam in tray 2\", but there is no paper stuck that I can see. Colleagues \
    in accounting cannot print either, and we need to send the monthly invoices today. The last \
    thing printed was a 40-page report around 9:15. Could someone come and look at it, or tell us \
    which other printer we may use meanwhile? I am at my desk until 17:00, extension 4412.";

/// The queues the bus feeds, each read by one consumer (docs/events.md).
const CONSUMER_QUEUES: usize = 3;

/// One function's share: its DynamoDB use, handler time and invocations.
#[derive(Default)]
struct Share {
    meter: CapacityMeter,
    busy: Duration,
    invocations: u64,
}

impl Share {
    async fn store(&self, table: &str) -> DynamoStore {
        DynamoStore::new(self.meter.client(&local_sdk("AWS_ENDPOINT_URL_DYNAMODB").await), table)
    }
}

/// The template's memory size for a function (its own, else the Globals'), in GB.
fn memory_gb(template: &serde_yaml::Value, logical_id: &str) -> f64 {
    let own = template["Resources"][logical_id]["Properties"]["MemorySize"].as_u64();
    let global = template["Globals"]["Function"]["MemorySize"].as_u64();
    own.or(global).unwrap_or(128) as f64 / 1024.0
}

/// The batch size of a function's first event source in the template.
fn batch_size(template: &serde_yaml::Value, logical_id: &str) -> usize {
    let events = template["Resources"][logical_id]["Properties"]["Events"].as_mapping().cloned().unwrap_or_default();
    events.values().find_map(|e| e["Properties"]["BatchSize"].as_u64()).unwrap_or(10) as usize
}

async fn timed<T>(share: &mut Share, work: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = work.await;
    share.busy += started.elapsed();
    share.invocations += 1;
    out
}

#[tokio::main]
async fn main() {
    let tickets: usize = std::env::var("COST_BENCH_TICKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let template: serde_yaml::Value =
        serde_yaml::from_str(&helpdesk_aws::template::read_template().expect("template")).expect("the template's YAML");
    let mut t = test_app().await;
    // A requester of her own per ticket, as in use: nobody reaches the hourly cap on automatic
    // mail, which a run that packs a month into minutes would otherwise hit.
    let requesters: Vec<String> = (0..tickets).map(|i| format!("req{i}")).collect();
    let people = requesters.iter().map(|id| (id.as_str(), Role::Requester, vec![])).chain([("ivan", Role::Agent, vec!["service-desk"])]);
    for (id, role, groups) in people {
        let user = User::new(id, id, &format!("{id}.{}@example.org", t.table), role, &groups, AccountSource::Local);
        t.seed.put_user(&user, None).await.expect("user");
    }
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let _ = aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity("helpdesk@example.com").send().await;

    // The API: every call one Lambda invocation (and one HTTP API request).
    let mut api = Share { meter: t.meter_the_api().await, ..Share::default() };
    let started = Instant::now();
    let mut ids = Vec::new();
    for (i, requester) in requesters.iter().enumerate() {
        let requester = Some(format!("requester:{requester}"));
        let mut form = printer_ticket(&format!("Printer on the third floor prints nothing ({i})"));
        form["description"] = json!(DESCRIPTION);
        let created = timed(&mut api, t.call("POST", "/api/tickets", requester.as_deref(), Some(form))).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let number = created.body["ticket"]["number"].as_str().expect("number").to_string();
        let path = format!("/api/tickets/{number}");
        timed(&mut api, t.call("GET", "/api/tickets?limit=50&group=service-desk&state=open", AGENT, None)).await;
        timed(&mut api, t.call("GET", &path, AGENT, None)).await;
        let replied = timed(&mut api, t.call("POST", &format!("{path}/replies"), AGENT, Some(json!({"body": "On it"})))).await;
        assert_eq!(replied.status, 200, "{:?}", replied.body);
        timed(&mut api, t.call("GET", &path, requester.as_deref(), None)).await;
        let version = replied.body["ticket"]["version"].as_u64().expect("version");
        let resolved = timed(&mut api, t.call("PATCH", &path, AGENT, Some(json!({"version": version, "status": "resolved"})))).await;
        assert_eq!(resolved.status, 200, "{:?}", resolved.body);
        ids.push(created.body["ticket"]["id"].as_str().expect("id").to_string());
    }
    println!("{tickets} tickets filed, answered and resolved through the API in {:.1} s", started.elapsed().as_secs_f64());

    // The relay: the stream names each outbox item; batches as the stream's event source.
    let mut relay_share = Share::default();
    let relay_store = relay_share.store(&t.table).await;
    let bus_calls = CallCounter::default();
    let bus = format!("cost-{}", t.table);
    let events_client =
        aws_sdk_eventbridge::Client::from_conf(aws_sdk_eventbridge::config::Builder::from(&sdk).interceptor(bus_calls.clone()).build());
    aws_sdk_eventbridge::Client::new(&sdk).create_event_bus().name(&bus).send().await.expect("bus");
    let publisher = EventBridgePublisher::new(events_client, bus);
    // Each ticket's outbox read once: the stream's records name its items, the queues carry them.
    let mut records = Vec::new();
    let mut domains = Vec::new();
    for id in &ids {
        for domain in outbox_of(&t.table, id).await {
            let keys = std::collections::HashMap::from([
                ("PK".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(helpdesk_aws::keys::ticket_pk(id))),
                ("SK".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(helpdesk_aws::keys::outbox_sk(&domain.event.id))),
            ]);
            let sequence_number = format!("{}", records.len() + 1);
            records.push(relay::StreamRecord { sequence_number, event_name: "INSERT".into(), keys: keys.into() });
            domains.push(domain);
        }
    }
    let messages: Vec<notify::QueueMessage> = domains.iter().map(queue_message).collect();
    let events = messages.len();
    for batch in records.chunks(batch_size(&template, "RelayFunction")) {
        let relayed = timed(&mut relay_share, relay::relay(&relay_store, &publisher, batch)).await;
        assert_eq!((relayed.published, &relayed.failed_at), (batch.len(), &None), "{relayed:?}");
    }

    // The consumers, each from its own queue.
    let mut notify_share = Share::default();
    let notify_store = notify_share.store(&t.table).await;
    let channels = notify::channels(&sdk, "helpdesk@example.com", &Default::default(), "http://127.0.0.1:9", true).expect("channels");
    let settings = notify::Settings::new("https://help.example.com", "helpdesk@example.com", Some("support@example.com"));
    let mut mails = 0;
    for batch in domains.chunks(batch_size(&template, "NotifyFunction")) {
        let batch = batch.iter().map(queue_message).collect();
        let consumed = notify::consume(&notify_store, &channels, &settings, batch, chrono::Utc::now());
        let (report, retry) = timed(&mut notify_share, consumed).await.expect("notify");
        assert!(retry.is_empty(), "{report:?}");
        mails += report.sent;
    }
    let mut reports_share = Share::default();
    let reports_store = reports_share.store(&t.table).await;
    for batch in messages.chunks(batch_size(&template, "ReportsFunction")) {
        let ticket_ids: Vec<String> = batch.iter().filter_map(|m| reports::ticket_of(&m.body)).collect();
        timed(&mut reports_share, reports::apply(&reports_store, chrono_tz::UTC, &ticket_ids)).await.expect("reports");
    }
    let mut indexer_share = Share::default();
    let indexer_store = indexer_share.store(&t.table).await;
    let index_calls = CallCounter::default();
    let index_bucket = format!("{}-search", t.table);
    aws_sdk_s3::Client::from_conf(helpdesk_aws::objects::s3_config(&sdk, true).build())
        .create_bucket()
        .bucket(&index_bucket)
        .send()
        .await
        .expect("index bucket");
    let s3 = aws_sdk_s3::Client::from_conf(helpdesk_aws::objects::s3_config(&sdk, true).interceptor(index_calls.clone()).build());
    let mut indexer =
        indexer::Indexer::new(search::bucket::IndexBucket::new(s3, &index_bucket), search::scratch_dir(&format!("cost-{}", t.table)));
    for batch in messages.chunks(batch_size(&template, "IndexerFunction")) {
        let subjects: Vec<indexer::Subject> = batch.iter().filter_map(|m| indexer::subject_of(&m.body)).collect();
        timed(&mut indexer_share, indexer.apply(&indexer_store, &subjects)).await.expect("indexer");
    }

    // The bill.
    let per_thousand = 1000.0 / tickets as f64;
    let functions = [
        ("tickets-api", "TicketsApiFunction", &api),
        ("relay", "RelayFunction", &relay_share),
        ("notify", "NotifyFunction", &notify_share),
        ("reports", "ReportsFunction", &reports_share),
        ("indexer", "IndexerFunction", &indexer_share),
    ];
    println!("\nper 1,000 tickets ({events} domain events for {tickets} tickets; {})", price::CHECKED);
    println!(
        "{:<12} {:>10} {:>11} {:>14} {:>12} {:>11} {:>10}",
        "function", "read units", "write units", "of which index", "invocations", "GB-seconds", "USD"
    );
    let mut total = 0.0;
    let mut all = Usage::default();
    for (name, logical_id, share) in functions {
        let usage = share.meter.usage();
        all.read_units += usage.read_units;
        all.write_units += usage.write_units;
        all.index_write_units += usage.index_write_units;
        let gb_seconds = share.busy.as_secs_f64() * memory_gb(&template, logical_id);
        let usd = usage.read_units * price::DYNAMODB_PER_MILLION_READ_UNITS / 1e6
            + usage.write_units * price::DYNAMODB_PER_MILLION_WRITE_UNITS / 1e6
            + gb_seconds * price::LAMBDA_ARM_PER_GB_SECOND
            + share.invocations as f64 * price::LAMBDA_PER_MILLION_REQUESTS / 1e6;
        total += usd;
        println!(
            "{name:<12} {:>10.0} {:>11.0} {:>14.0} {:>12.0} {:>11.1} {:>10.5}",
            usage.read_units * per_thousand,
            usage.write_units * per_thousand,
            usage.index_write_units * per_thousand,
            share.invocations as f64 * per_thousand,
            gb_seconds * per_thousand,
            usd * per_thousand
        );
        figure(&format!("cost: {name} read units per 1,000 tickets"), usage.read_units * per_thousand, "RRU");
        figure(&format!("cost: {name} write units per 1,000 tickets"), usage.write_units * per_thousand, "WRU");
    }
    let http_requests = api.invocations as f64;
    let put_events = bus_calls.of("EventBridge", &["PutEvents"]) as f64;
    // Each event enters every consumer's queue once; each batch is received and deleted once.
    let sqs_requests: f64 = events as f64 * CONSUMER_QUEUES as f64
        + 2.0 * [&notify_share, &reports_share, &indexer_share].iter().map(|s| s.invocations as f64).sum::<f64>();
    let s3_writes = index_calls.of("S3", &["Put", "Copy", "Post", "List", "CreateMultipart", "UploadPart", "CompleteMultipart"]) as f64;
    let s3_reads = index_calls.of("S3", &["Get", "Head"]) as f64;
    let other = [
        ("HTTP API requests", http_requests, http_requests * price::HTTP_API_PER_MILLION_REQUESTS / 1e6),
        ("EventBridge events (PutEvents entries)", events as f64, events as f64 * price::EVENTBRIDGE_PER_MILLION_EVENTS / 1e6),
        ("SQS requests (sends, receives, deletes)", sqs_requests, sqs_requests * price::SQS_PER_MILLION_REQUESTS / 1e6),
        ("S3 writes (search index)", s3_writes, s3_writes * price::S3_PER_THOUSAND_WRITES / 1e3),
        ("S3 reads (search index)", s3_reads, s3_reads * price::S3_PER_THOUSAND_READS / 1e3),
    ];
    for (what, count, usd) in other {
        total += usd;
        println!("{what:<40} {:>10.0} {:>12.5}", count * per_thousand, usd * per_thousand);
    }
    println!("{:<40} {:>10} {:>12.4}", "total (USD per 1,000 tickets)", "", total * per_thousand);
    println!("(PutEvents calls: {put_events:.0} for {events} events, ten entries a call)");
    let mail_usd = mails as f64 * price::SES_PER_THOUSAND_MAILS / 1e3;
    println!(
        "apart, per message: {:.0} mails (SES, {:.4} USD); SMS, Telegram and pushes only where people chose them (SNS SMS is priced per country)",
        mails as f64 * per_thousand,
        mail_usd * per_thousand
    );
    println!(
        "DynamoDB in all: {:.0} read units, {:.0} write units ({:.0} of them copies into the indexes) per 1,000 tickets",
        all.read_units * per_thousand,
        all.write_units * per_thousand,
        all.index_write_units * per_thousand
    );
    figure("cost: DynamoDB index write units per 1,000 tickets", all.index_write_units * per_thousand, "WRU");
    figure("cost: USD per 1,000 tickets (without per-message charges)", total * per_thousand, "USD");
    figure("cost: DynamoDB write units per 1,000 tickets", all.write_units * per_thousand, "WRU");
    figure("cost: DynamoDB read units per 1,000 tickets", all.read_units * per_thousand, "RRU");
    let _ = std::fs::remove_dir_all(search::scratch_dir(&format!("cost-{}", t.table)));
    t.finish().await;
}
