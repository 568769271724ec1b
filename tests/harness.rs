//! Set-up shared by the integration tests. Each test gets a fresh table, created from the SAM
//! template on the local stack (`scripts/local-stack start`), and calls the real handler.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::Credentials;
use chrono::{DateTime, Duration, Utc};
use helpdesk_aws::Directory;
use helpdesk_aws::{DynamoStore, EventBridgePublisher, TicketStore, template};
use helpdesk_core::Role;
use helpdesk_core::calendar::Calendar;
use helpdesk_core::sla::{self, SlaConfig, SlaPlan, Targets, Warning};
use helpdesk_core::user::{AccountSource, User};
use helpdesk_core::{Channel, Priority, Status, Ticket, TicketNumber};
use lambda_http::Body;
use lambda_http::http::{Method, Request};
use serde_json::Value;
use tickets_api::App;
use tickets_api::session::{CSRF_HEADER, SESSION_COOKIE, SessionKeys};

#[path = "support/capacity.rs"]
pub mod capacity;
#[path = "support/delivered.rs"]
pub mod delivered;
#[path = "support/iam_calls.rs"]
pub mod iam_calls;
#[path = "support/iam_policy.rs"]
pub mod iam_policy;
#[path = "support/local_runner.rs"]
pub mod local_runner;

pub use delivered::{Need, local_stack, skipped_without};
pub use iam_calls::{ATTACHMENTS, INDEXER, MAIL_INTAKE, NOTIFY, RELAY, SEARCH, SLA_SCAN, TICKETS_API};

/// The key test sessions are signed with.
pub const TEST_SIGNING_KEY: &[u8] = b"test-only signing key, 32+ bytes long";
/// The deployment test sessions belong to.
pub const TEST_AUDIENCE: &str = "helpdesk-test";

/// The environment that points a process at the local stack (as scripts/local-env.sh does), with
/// the caller's own endpoints where set.
pub fn local_aws_env() -> Vec<(&'static str, String)> {
    let endpoint = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    vec![
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_ENDPOINT_URL", endpoint("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")),
    ]
}

/// Where the local stack serves `variable`'s services (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_DYNAMODB`).
pub fn local_endpoint(variable: &str) -> String {
    local_aws_env().into_iter().find(|(k, _)| *k == variable).map(|(_, v)| v).unwrap_or_default()
}

pub async fn local_sdk(endpoint_variable: &str) -> aws_config::SdkConfig {
    let endpoint = local_endpoint(endpoint_variable);
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(helpdesk_aws::config::sdk_http_client())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// A DynamoDB client for the local stack, whatever this process's environment says.
pub async fn dynamodb_client() -> Client {
    Client::new(&local_sdk("AWS_ENDPOINT_URL_DYNAMODB").await)
}

/// A publisher to a fresh event bus on the local stack, its calls counted as `function`'s.
pub async fn test_publisher(function: &'static str) -> EventBridgePublisher {
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let bus = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let setup = aws_sdk_eventbridge::Client::new(&sdk);
    setup.create_event_bus().name(&bus).send().await.unwrap_or_else(|e| panic!("create event bus on the local stack: {e:?}"));
    iam_calls::bind(&bus, helpdesk_aws::config::EVENT_BUS_NAME);
    EventBridgePublisher::new(iam_calls::eventbridge_client(&sdk, function), bus)
}

/// The domain events a ticket's outbox holds (docs/events.md), in order: what the relay puts on the bus.
pub async fn outbox_of(table: &str, ticket_id: &str) -> Vec<helpdesk_core::backbone::DomainEvent> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let out = dynamodb_client()
        .await
        .query()
        .table_name(table)
        .key_condition_expression("PK = :pk AND begins_with(SK, :outbox)")
        .expression_attribute_values(":pk", AttributeValue::S(helpdesk_aws::keys::ticket_pk(ticket_id)))
        .expression_attribute_values(":outbox", AttributeValue::S(helpdesk_aws::keys::OUTBOX_SK_PREFIX.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("query the outbox");
    out.items()
        .iter()
        .map(|item| serde_json::from_str(item[helpdesk_aws::keys::OUTBOX_DETAIL].as_s().expect("detail")).expect("a domain event"))
        .collect()
}

/// The ticket's outbox as the notification queue hands it to the notify function: each domain
/// event in the EventBridge envelope the bus rule puts on the queue, received once.
pub async fn queued_events(table: &str, ticket_id: &str) -> Vec<notify::QueueMessage> {
    outbox_of(table, ticket_id).await.iter().map(queue_message).collect()
}

/// A domain event as a consumer's queue hands it over: in the EventBridge envelope the bus rule
/// puts on the queue, received once.
pub fn queue_message(domain: &helpdesk_core::backbone::DomainEvent) -> notify::QueueMessage {
    notify::QueueMessage {
        id: domain.event.id.clone(),
        body: serde_json::json!({"source": "helpdesk", "detail-type": domain.detail_type(), "detail": domain}).to_string(),
        receive_count: 1,
    }
}

/// The mail the local stack holds for `address` (sent by any test: filter on what is yours), parsed.
pub async fn mail_to(address: &str) -> Vec<Mail> {
    local_stack().await.mail_to(address).await
}

/// The SMS the local stack holds for `phone`.
pub async fn sms_to(phone: &str) -> Vec<String> {
    local_stack().await.sms_to(phone).await
}

/// A sent mail as the local stack keeps it, parsed.
#[derive(Debug)]
pub struct Mail {
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub references: String,
    pub in_reply_to: String,
    pub reply_to: String,
    pub auto_submitted: String,
}

impl Mail {
    pub fn parse(raw: &str) -> Mail {
        let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("a MIME message");
        let header = |name: &str| message.header_raw(name).unwrap_or_default().trim().to_string();
        Mail {
            message_id: message.message_id().unwrap_or_default().to_string(),
            subject: message.subject().unwrap_or_default().to_string(),
            text: message.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
            html: message.body_html(0).map(|b| b.to_string()).unwrap_or_default(),
            references: header("References"),
            in_reply_to: header("In-Reply-To"),
            reply_to: header("Reply-To"),
            auto_submitted: header("Auto-Submitted"),
        }
    }
}

/// A round-the-clock calendar and one plan for every ticket: first response 30 min, resolution
/// 4 h, deadline 8 h, warning at 20 %.
pub fn round_the_clock() -> SlaConfig {
    let calendar =
        Calendar { id: "always".into(), name: "Always".into(), time_zone: "UTC".into(), hours: None, holidays: vec![], version: 1 };
    let targets = Targets {
        first_response_minutes: Some(30),
        next_response_minutes: Some(60),
        resolution_minutes: Some(240),
        deadline_minutes: Some(480),
    };
    let plan = SlaPlan {
        id: "all".into(),
        name: "All tickets".into(),
        active: true,
        precedence: 1,
        conditions: Default::default(),
        calendar: "always".into(),
        targets: Priority::ALL.into_iter().map(|p| (p, targets)).collect(),
        warning: Some(Warning::Percent(20)),
        escalations: vec![],
        version: 1,
    };
    SlaConfig { plans: vec![plan], calendars: vec![calendar] }
}

pub async fn store_config(store: &DynamoStore, config: &SlaConfig) {
    for calendar in &config.calendars {
        store.put_calendar(calendar).await.expect("put calendar");
    }
    for plan in &config.plans {
        store.put_sla_plan(plan).await.expect("put plan");
    }
}

impl TestApp {
    /// A local account named after `id` ("<id> name"), with an address unique to this test's
    /// table (the local mailbox is shared by every test), in `language`.
    pub fn person(&self, id: &str, role: Role, groups: &[&str], language: helpdesk_core::user::Language) -> User {
        let unique = self.table.trim_start_matches("test-");
        let mut user = User::new(id, &format!("{id} name"), &format!("{id}.{unique}@example.org"), role, groups, AccountSource::Local);
        user.language = language;
        user
    }
}

/// A ticket as the bulk loaders write it, before their own changes: open, medium, a printer
/// ticket of anna's in the service desk, created (and last changed) at `created`, no SLA times.
pub fn loaded_ticket(ids: &mut ulid::Generator, number: u64, created: DateTime<Utc>) -> Ticket {
    Ticket {
        id: ids.generate().expect("ulid").to_string(),
        number: TicketNumber(number),
        subject: format!("Ticket {number}"),
        description: "Loaded for a test.".into(),
        requester: "anna".into(),
        topic: "printer".into(),
        priority: Priority::Medium,
        status: Status::Open,
        assignee: None,
        group: "service-desk".into(),
        channel: Channel::Web,
        fields: Default::default(),
        created_at: created,
        updated_at: created,
        version: 1,
        sla_next_action: None,
        sla_due: None,
        solution: None,
    }
}

/// Loads `total` open tickets, of which `due` have every SLA clock long past due (created three
/// days before `now`) and the rest were created a minute ago. Returns the ids of the due ones.
pub async fn load_open_tickets(store: &DynamoStore, config: &SlaConfig, total: usize, due: usize, now: DateTime<Utc>) -> Vec<String> {
    let mut generator = ulid::Generator::new();
    let tickets: Vec<Ticket> = (0..total)
        .map(|i| {
            let created = if i < due { now - Duration::days(3) } else { now - Duration::minutes(1) };
            let mut ticket = Ticket {
                requester: format!("user{}", i % 97),
                priority: Priority::ALL[i % 4],
                ..loaded_ticket(&mut generator, 10_000 + i as u64, created)
            };
            sla::refresh(&mut ticket, &[], config);
            ticket
        })
        .collect();
    for chunk in tickets.chunks(1000) {
        store.import_tickets(chunk).await.expect("import tickets");
    }
    tickets[..due].iter().map(|t| t.id.clone()).collect()
}

pub struct TestApp {
    /// The API, its store's calls counted as tickets-api's (the IAM test checks them).
    pub app: App<DynamoStore>,
    /// The same table for the test's own set-up and checks: calls through it count as nobody's.
    pub seed: DynamoStore,
    pub client: Client,
    pub table: String,
    /// The test's own attachments bucket on the local stack.
    pub bucket: String,
}

/// A fresh table from the template and the API over it, in local mode.
pub async fn test_app() -> TestApp {
    let client = dynamodb_client().await;
    let template = template::read_template().expect("read the SAM template");
    let resources = template::parse(&template).expect("parse the SAM template");
    let mut table_def = resources.tables.iter().find(|t| t.logical_id == "HelpdeskTable").expect("HelpdeskTable in the template").clone();
    // No stream: DynamoDB Local writes ~20× slower with one (46 ms a put against 2.5 ms here), and
    // these tests read the outbox directly (`outbox_of`); the runner's tables keep theirs.
    table_def.stream_specification = None;
    let table_def = &table_def;
    let table = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
    template::ensure_table(&client, table_def, &table)
        .await
        .unwrap_or_else(|e| panic!("{e}\nIs the local stack up? Run scripts/local-stack start"));
    iam_calls::bind(&table, helpdesk_aws::config::TABLE_NAME);
    let sessions = SessionKeys::new(TEST_SIGNING_KEY, TEST_AUDIENCE, false).expect("test key");
    let seed = DynamoStore::new(client.clone(), &table);
    // The groups the test people and topics name (the API checks that groups exist).
    for (id, name) in TEST_GROUPS {
        let group =
            helpdesk_core::user::Group { id: id.into(), name: name.into(), names: Default::default(), description: None, version: 1 };
        seed.put_group(&group).await.expect("put group");
    }
    let store = function_store(TICKETS_API, &table).await;
    let bucket = format!("{table}-files");
    let s3_sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let setup = iam_calls::s3_client(&s3_sdk, iam_calls::SET_UP);
    setup.create_bucket().bucket(&bucket).send().await.unwrap_or_else(|e| panic!("create bucket on the local stack: {e:?}"));
    // Versioned, as the template's bucket: downloads name the checked version.
    let enabled = aws_sdk_s3::types::VersioningConfiguration::builder().status(aws_sdk_s3::types::BucketVersioningStatus::Enabled).build();
    setup.put_bucket_versioning().bucket(&bucket).versioning_configuration(enabled).send().await.expect("bucket versioning");
    iam_calls::bind(&bucket, helpdesk_aws::config::ATTACHMENTS_BUCKET);
    let files = tickets_api::attachments::Files::new(iam_calls::s3_client(&s3_sdk, TICKETS_API), &bucket, Default::default());
    TestApp { app: App { local_mode: true, files: Some(files), ..App::new(store, Some(sessions)) }, seed, client, table, bucket }
}

/// A store over `table` whose calls count as `function`'s.
pub async fn function_store(function: &'static str, table: &str) -> DynamoStore {
    DynamoStore::new(iam_calls::dynamodb_client(&local_sdk("AWS_ENDPOINT_URL_DYNAMODB").await, function), table)
}

/// The groups every test table starts with.
pub const TEST_GROUPS: [(&str, &str); 2] = [("service-desk", "Service desk"), ("network", "Network")];

/// What came back: status and JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub cookies: Vec<String>,
    pub retry_after: Option<String>,
    /// A redirect's target.
    pub location: Option<String>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The value a `Set-Cookie` of this answer gives `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find_map(|c| c.split(';').next()?.strip_prefix(&format!("{name}=")).map(str::to_string))
    }
}

impl TestApp {
    /// A signed-in session for `actor`, written `<role>:<user-id>[:<group>,…]`: the user is
    /// created on first use. Returns the `Cookie` header value and the CSRF token.
    pub async fn session_for(&self, actor: &str) -> (String, String) {
        let mut parts = actor.splitn(3, ':');
        let (role, id) = (parts.next().unwrap_or_default(), parts.next().expect("actor is <role>:<id>[:<groups>]"));
        let groups: Vec<String> = parts.next().map(|g| g.split(',').map(str::to_string).collect()).unwrap_or_default();
        let user = match self.seed.get_user(id).await.expect("get user") {
            Some(stored) => stored.user,
            None => {
                let role: Role = serde_json::from_value(Value::String(role.into())).expect("a role");
                let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
                let user = User::new(id, id, &format!("{id}@example.org"), role, &groups, AccountSource::Local);
                match self.seed.put_user(&user, None).await {
                    Ok(()) | Err(helpdesk_aws::StoreError::AlreadyExists) => {}
                    Err(e) => panic!("put user: {e}"),
                }
                self.seed.get_user(id).await.expect("get user").expect("the user").user
            }
        };
        let keys = SessionKeys::new(TEST_SIGNING_KEY, TEST_AUDIENCE, false).expect("test key");
        let (token, claims) = keys.issue(&user, Utc::now().timestamp()).expect("token");
        (format!("{SESSION_COOKIE}={token}"), claims.csrf)
    }

    /// Calls the handler as `actor` (`"agent:ivan:service-desk"`; `None` for nobody) with a JSON body.
    pub async fn call(&self, method: &str, path: &str, actor: Option<&str>, body: Option<Value>) -> Answer {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.call_raw(method, path, actor, bytes, "application/json").await
    }

    pub async fn call_raw(&self, method: &str, path: &str, actor: Option<&str>, body: Vec<u8>, content_type: &str) -> Answer {
        self.call_with(method, path, actor, body, content_type, &[]).await
    }

    /// A call with extra headers (cookies, CSRF token, forwarded address).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        actor: Option<&str>,
        body: Vec<u8>,
        content_type: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("method")).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if let Some(actor) = actor {
            let (cookie, csrf) = self.session_for(actor).await;
            builder = builder.header("cookie", cookie).header(CSRF_HEADER, csrf);
        }
        if !body.is_empty() {
            builder = builder.header("content-type", content_type);
        }
        let body = if body.is_empty() { Body::Empty } else { Body::Binary(body) };
        let request = builder.body(body).expect("request");
        self.send(request).await
    }

    /// A call as API Gateway passes it on: from `address` (its view of the caller's IP), with
    /// extra headers, no session.
    pub async fn call_from(&self, method: &str, path: &str, body: Option<Value>, address: &str, headers: &[(&str, &str)]) -> Answer {
        use lambda_http::RequestExt;
        use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
        use lambda_http::request::RequestContext;
        let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("method")).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        if !bytes.is_empty() {
            builder = builder.header("content-type", "application/json");
        }
        let body = if bytes.is_empty() { Body::Empty } else { Body::Binary(bytes) };
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.http.source_ip = Some(address.to_string());
        let request = builder.body(body).expect("request").with_request_context(RequestContext::ApiGatewayV2(context));
        self.send(request).await
    }

    pub async fn send(&self, request: lambda_http::Request) -> Answer {
        // Boxed: the handler's future is large, and a test's own future holds it (debug builds).
        let response = Box::pin(tickets_api::handle(&self.app, request)).await;
        let status = response.status().as_u16();
        let cookies = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (retry_after, location) = (header("retry-after"), header("location"));
        let bytes: &[u8] = response.body().as_ref();
        let text = header("content-type").is_some_and(|t| t.starts_with("text/"));
        let body = match bytes {
            [] => Value::Null,
            // A file (CSV): its text as is.
            _ if text => Value::String(String::from_utf8(bytes.to_vec()).expect("UTF-8 text")),
            _ => serde_json::from_slice(bytes).expect("the API answers JSON"),
        };
        Answer { status, body, cookies, retry_after, location }
    }

    /// Every item in the table (a Scan: tests only, to prove nothing was stored).
    pub async fn item_count(&self) -> usize {
        let mut count = 0;
        let mut start = None;
        loop {
            let out = self.client.scan().table_name(&self.table).set_exclusive_start_key(start).send().await.expect("scan");
            count += out.count() as usize;
            start = out.last_evaluated_key;
            if start.is_none() {
                return count;
            }
        }
    }

    /// Ends the test: its table is dropped (as it is when the test panics, by `Drop`).
    pub async fn finish(self) {}

    /// Counts what the API's own store calls consume from now on (the benchmarks price it).
    pub async fn meter_the_api(&mut self) -> capacity::CapacityMeter {
        let meter = capacity::CapacityMeter::default();
        self.app.store = DynamoStore::new(meter.client(&local_sdk("AWS_ENDPOINT_URL_DYNAMODB").await), &self.table);
        meter
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop_table(&self.table);
    }
}

/// Drops a test's table when it goes out of scope, however the test ends (a panic included).
pub struct TableGuard(pub String);

impl Drop for TableGuard {
    fn drop(&mut self) {
        drop_table(&self.0);
    }
}

/// Drops a table from a thread of its own with a client of its own: the test's runtime may be
/// unwinding, or gone.
fn drop_table(table: &str) {
    let table = table.to_string();
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async {
            let _ = dynamodb_client().await.delete_table().table_name(&table).send().await;
        })
    });
    let _ = dropped.join();
}

/// Sends `bytes` as a browser does with an upload grant (`POST /api/uploads`'s answer): a PUT to
/// its URL with exactly the headers it lists.
pub async fn put_granted(grant: &Value, bytes: Vec<u8>) -> reqwest::Response {
    let mut put = reqwest::Client::new().put(grant["url"].as_str().expect("the grant's url")).body(bytes);
    for (header, value) in grant["headers"].as_object().expect("the grant's headers") {
        put = put.header(header, value.as_str().expect("a header value"));
    }
    put.send().await.expect("PUT to the grant's url")
}

/// An upload of `actor`'s with `bytes`, recorded ready as the attachments function would (its
/// checks have their own tests; the bucket is versioned, and the version checked is recorded).
pub async fn ready_upload(
    t: &TestApp,
    actor: Option<&str>,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> helpdesk_core::attachment::Upload {
    let grant = t
        .call(
            "POST",
            "/api/uploads",
            actor,
            Some(serde_json::json!({"file_name": name, "size": bytes.len(), "content_type": content_type})),
        )
        .await;
    assert_eq!(grant.status, 201, "{}", grant.body);
    let stored = put_granted(&grant.body, bytes.to_vec()).await;
    assert_eq!(stored.status(), 200);
    let version = stored.headers().get("x-amz-version-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let upload: helpdesk_core::attachment::Upload = serde_json::from_value(grant.body["upload"].clone()).unwrap();
    let ready =
        helpdesk_core::attachment::Upload { state: helpdesk_core::attachment::UploadState::Ready, object_version: version, ..upload };
    assert!(helpdesk_aws::Uploads::settle_upload(&t.seed, &ready).await.unwrap());
    ready
}

/// The printer topic the tests file tickets under.
pub fn printer_topic() -> Value {
    serde_json::json!({
        "id": "printer",
        "name": {"en": "Printer", "ru": "Принтер"},
        "default_group": "service-desk",
        "default_priority": "medium",
        "fields": [
            {"key": "location", "label": {"en": "Where is it?", "ru": "Где он?"}, "kind": "text", "required": true},
            {"key": "copies", "label": {"en": "Copies affected"}, "kind": "number", "min": 1, "max": 1000},
            {"key": "problem", "label": {"en": "Problem"}, "kind": "select", "required": true,
             "options": [{"value": "jam", "label": {"en": "Paper jam"}}, {"value": "toner", "label": {"en": "Toner"}}]},
            {"key": "asset_tag", "label": {"en": "Asset tag"}, "kind": "asset_tag"}
        ]
    })
}

pub const ADMIN: Option<&str> = Some("admin:root");
/// An agent of the service desk, the printer topic's group.
pub const AGENT: Option<&str> = Some("agent:ivan:service-desk");
/// An agent of another group.
pub const OTHER_AGENT: Option<&str> = Some("agent:olga:network");
pub const ANNA: Option<&str> = Some("requester:anna");
pub const BORIS: Option<&str> = Some("requester:boris");

pub fn printer_ticket(subject: &str) -> Value {
    serde_json::json!({
        "topic": "printer", "subject": subject, "description": "It blinks orange.",
        "fields": {"location": "3rd floor", "problem": "jam", "copies": 2, "asset_tag": "pr-0042"}
    })
}

/// One figure for scripts/bench's table and JSON: a `BENCH {...}` line on standard output (the
/// benches' own lines stay for people).
/// The `q` quantile (nearest rank) of `sorted`, which must not be empty: `quantile(&t, 0.95)`.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

pub fn figure(name: &str, value: f64, unit: &str) {
    println!("BENCH {}", serde_json::json!({ "name": name, "value": (value * 1000.0).round() / 1000.0, "unit": unit }));
}
