//! The local runner: the whole helpdesk in one process on one port, against the local AWS stack.
//!
//!   helpdesk-local [serve]   create missing tables, buckets and buses, seed demo data once, then
//!                            serve and run the scheduled jobs on their timers
//!   helpdesk-local setup     only create missing tables, buckets and buses (from infra/template.yaml)
//!   helpdesk-local backfill  only bring data written by older versions up to date (any table)
//!   helpdesk-local seed      only seed demo data (skipped when topics exist)
//!   helpdesk-local scan      run the SLA scan once and print its report
//!   helpdesk-local reindex   rebuild the search index from the table
//!   helpdesk-local rereport  recompute the report buckets from the tickets' logs
//!   helpdesk-local weekly-report  mail last week's report to its readers now (the Monday schedule)
//!
//! Routes under /api go to the same handlers Lambda runs, under the same paths API Gateway uses;
//! everything else is the built frontend. The SLA scan runs every `HELPDESK_SCAN_SECONDS` (60),
//! as the EventBridge schedule runs it in AWS; S3's upload events reach the attachments function
//! through a local queue (`uploads`); mail sent to the SMTP port (`HELPDESK_SMTP_PORT`, 2525)
//! goes under `inbound/` and reaches the mail-intake function the same way (`mail`); the table's
//! stream reaches the relay, and the bus the notify function, as in AWS (`backbone`). Sent mail
//! and SMS are in moto: `/moto-api/data.json`.

mod backbone;
mod channels;
mod demo;
mod demo_articles;
mod mail;
mod queues;
mod uploads;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use helpdesk_aws::{DynamoStore, EventBridgePublisher, config, template};
use helpdesk_core::limits::MAX_REQUEST_BYTES;
use helpdesk_core::{ApiError, ErrorCode};
use search::handler::SearchApp;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tickets_api::App;
use tower_http::services::{ServeDir, ServeFile};

/// Prefix of local resource names: the table is `helpdesk-local-helpdesktable`.
const LOCAL_PREFIX: &str = "helpdesk-local";
const DEFAULT_PORT: u16 = 3000;

struct Settings {
    port: u16,
    table: String,
    event_bus: String,
    /// Named after the table, so runners on different tables (a test beside `scripts/up`) never
    /// see each other's uploads or events.
    attachments_bucket: String,
    /// The search index's bucket, named after the table too.
    search_bucket: String,
    frontend: PathBuf,
    scan_every: std::time::Duration,
    /// The coalescing window: what reaches the notification queue within it is one batch.
    notify_window: std::time::Duration,
    /// How long a notification send stays claimed (the function's timeout in AWS).
    notify_claim_seconds: i64,
    mail_from: String,
    site_url: String,
    /// Where the local SMTP server listens (`HELPDESK_SMTP_PORT`; 0 takes any free port).
    smtp_port: u16,
}

fn seconds(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(s) => s.parse().map_err(|_| format!("{name}={s} is not a number of seconds")),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self, String> {
        let port = match std::env::var("HELPDESK_PORT") {
            Ok(p) => p.parse().map_err(|_| format!("HELPDESK_PORT={p} is not a port"))?,
            Err(_) => DEFAULT_PORT,
        };
        let table = std::env::var(config::TABLE_NAME).unwrap_or_else(|_| template::local_name(LOCAL_PREFIX, "HelpdeskTable"));
        let event_bus = std::env::var(config::EVENT_BUS_NAME).unwrap_or_else(|_| template::local_name(LOCAL_PREFIX, "HelpdeskEventBus"));
        let bucket_of_table = |suffix: &str| {
            let name: String =
                format!("{table}-{suffix}").to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            name.chars().skip(name.len().saturating_sub(63)).collect::<String>()
        };
        let attachments_bucket = std::env::var(config::ATTACHMENTS_BUCKET).unwrap_or_else(|_| bucket_of_table("files"));
        let search_bucket = std::env::var(config::SEARCH_INDEX_BUCKET).unwrap_or_else(|_| bucket_of_table("search"));
        let scan_every = match std::env::var("HELPDESK_SCAN_SECONDS") {
            Ok(s) => {
                s.parse().ok().filter(|&n: &u64| n > 0).ok_or_else(|| format!("HELPDESK_SCAN_SECONDS={s} is not a positive number"))?
            }
            Err(_) => 60,
        };
        // The built frontend if there is one, else the placeholder page.
        let frontend = std::env::var("HELPDESK_FRONTEND_DIR").map(PathBuf::from).unwrap_or_else(|_| {
            let built = PathBuf::from("frontend/dist");
            if built.join("index.html").is_file() { built } else { PathBuf::from("frontend/public") }
        });
        Ok(Settings {
            port,
            table,
            event_bus,
            attachments_bucket,
            search_bucket,
            frontend,
            scan_every: std::time::Duration::from_secs(scan_every),
            notify_window: std::time::Duration::from_secs(seconds("HELPDESK_NOTIFY_WINDOW_SECONDS", 2)?),
            notify_claim_seconds: seconds("HELPDESK_NOTIFY_CLAIM_SECONDS", notify::CLAIM_SECONDS as u64)? as i64,
            mail_from: std::env::var(config::MAIL_FROM).unwrap_or_else(|_| "helpdesk@example.com".into()),
            site_url: std::env::var(config::SITE_URL).unwrap_or_else(|_| format!("http://127.0.0.1:{port}")),
            smtp_port: match std::env::var("HELPDESK_SMTP_PORT") {
                Ok(p) => p.parse().map_err(|_| format!("HELPDESK_SMTP_PORT={p} is not a port"))?,
                Err(_) => mail::DEFAULT_SMTP_PORT,
            },
        })
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    if let Err(e) = run(std::env::args().nth(1).as_deref().unwrap_or("serve")).await {
        eprintln!("helpdesk-local: {e}");
        std::process::exit(1);
    }
}

async fn run(command: &str) -> Result<(), String> {
    let settings = Settings::from_env()?;
    let sdk = config::sdk_config().await;
    let dynamodb = helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk);
    let store = DynamoStore::new(dynamodb.clone(), &settings.table);
    let publisher = EventBridgePublisher::new(helpdesk_aws::aws_sdk_eventbridge::Client::new(&sdk), &settings.event_bus);
    match command {
        "setup" => {
            setup(&sdk, &dynamodb, &settings).await?;
            backfill(&store).await
        }
        // Only bring older data up to date: also against a deployed table (TABLE_NAME, AWS
        // credentials, no local endpoints), after an upgrade (infra/README.md).
        "backfill" => backfill(&store).await,
        "seed" => {
            if demo::seed(&store).await? {
                reindex(&sdk, &settings, &store).await?;
            }
            demo_articles::seed(&store).await
        }
        // Index every ticket and article again (what `{"rebuild": true}` does to the indexer in AWS).
        "reindex" => {
            let applied = reindex(&sdk, &settings, &store).await?;
            println!("indexed {} tickets and {} articles (generation {})", applied.tickets, applied.articles, applied.generation);
            Ok(())
        }
        // Recompute every report bucket (what `{"rebuild": true}` does to the reports function).
        "rereport" => {
            let tickets = reports::rebuild(&store, config::report_time_zone()?).await?;
            println!("report buckets recomputed from {tickets} tickets");
            Ok(())
        }
        "weekly-report" => {
            let from = notify::sender(&settings.mail_from).ok_or("MAIL_FROM is empty: the weekly report goes by mail")?;
            backbone::verify_sender(&sdk, &from).await?;
            let secrets = helpdesk_aws::secrets::ChannelSecrets::load(&sdk).await?;
            let channels = notify::channels(&sdk, &settings.mail_from, &secrets, helpdesk_aws::channels::telegram::DEFAULT_API_URL, true)?;
            let notify_settings = notify::Settings::new(&settings.site_url, &settings.mail_from, None);
            let zone = config::report_time_zone()?;
            let run = notify::send_weekly_reports(&store, &channels, &notify_settings, zone, chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "weekly report of the week from {}: {run:?} (the mail is in the local stack: moto /moto-api/data.json, LocalStack /_aws/ses)",
                run.week
            );
            Ok(())
        }
        "scan" => {
            let report = sla_scan::scan(&store, chrono::Utc::now()).await.map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
            Ok(())
        }
        "serve" => {
            setup(&sdk, &dynamodb, &settings).await?;
            backfill(&store).await?;
            // The demo's past tickets come without events on the bus: the index takes them in
            // by a rebuild (the reports by theirs, below).
            if demo::seed(&store).await? {
                reindex(&sdk, &settings, &store).await?;
            }
            tokio::spawn(run_scans(store.clone(), settings.scan_every));
            // The key scripts/local-env.sh made, or a fresh one (sessions then end with the process).
            let key = std::env::var(config::SESSION_SIGNING_KEY).unwrap_or_else(|_| {
                tracing::warn!("{} is not set: using a key that lasts until this process ends", config::SESSION_SIGNING_KEY);
                format!("{}{}", helpdesk_aws::new_id(), helpdesk_aws::new_id())
            });
            let sessions = tickets_api::session::SessionKeys::new(key.as_bytes(), "helpdesk-local", false)?;
            let ldap = tickets_api::ldap::LdapConfig::from_env(None)?;
            let files = start_attachments(&sdk, &store, &settings).await?;
            let fakes = channels::Fakes::new(&format!("http://127.0.0.1:{}", settings.port));
            let secrets = channels::local_secrets(helpdesk_aws::secrets::ChannelSecrets::load(&sdk).await?);
            let setup = channels::setup(&sdk, &secrets).await?;
            channels::seed_demo(&store, &fakes.push, &setup).await?;
            start_backbone(&sdk, &store, &dynamodb, publisher, &settings, &secrets, &channels::telegram_api(&fakes)).await?;
            demo_articles::seed(&store).await?;
            let search = search::handler::SearchApp {
                store: store.clone(),
                sessions: Some(sessions.clone()),
                origin_secrets: Vec::new(),
                replica: search::Replica::new(search_bucket(&sdk, &settings), search::scratch_dir("search"), search::REFRESH),
            };
            let app = App { local_mode: true, ldap, files: Some(files), channels: setup, ..App::new(store, Some(sessions)) };
            serve(app, search, &settings, fakes.router()).await
        }
        other => Err(format!("unknown command '{other}': serve, setup, backfill, seed, reindex, rereport, weekly-report or scan")),
    }
}

/// The attachments bucket for the API, and the attachments function fed by the bucket's events.
async fn start_attachments(
    sdk: &config::SdkConfig,
    store: &DynamoStore,
    settings: &Settings,
) -> Result<tickets_api::attachments::Files, String> {
    let bucket = settings.attachments_bucket.clone();
    let s3 = tickets_api::attachments::Files::client(sdk, true);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let origins = [format!("http://127.0.0.1:{}", settings.port), format!("http://localhost:{}", settings.port)];
    let queues = (format!("{bucket}-events"), format!("{bucket}-mail"));
    let (uploads_url, mail_url) = uploads::configure(&s3, &sqs, &bucket, (&queues.0, &queues.1), &origins).await?;
    let limits = config::attachment_limits()?;
    let objects = helpdesk_aws::S3Objects::new(s3.clone());
    tokio::spawn(uploads::deliver(store.clone(), objects.clone(), sqs.clone(), uploads_url, bucket.clone(), limits));
    let mut intake = mail_intake::Settings::from_env(&bucket)?;
    if std::env::var(config::SUPPORT_ADDRESS).is_err() {
        intake.support_addresses.insert(0, mail::LOCAL_SUPPORT_ADDRESS.into());
    }
    tokio::spawn(mail::deliver(store.clone(), objects, sqs, mail_url, intake));
    // Another runner holding the port (scripts/up beside a test) costs only local SMTP.
    if let Err(e) = mail::listen(s3.clone(), bucket.clone(), settings.smtp_port).await {
        tracing::warn!("{e}: no local SMTP (set HELPDESK_SMTP_PORT to a free port)");
    }
    Ok(tickets_api::attachments::Files::new(s3, bucket, limits))
}

/// The table's stream → relay → bus → notification queue → notify, as in AWS.
async fn start_backbone(
    sdk: &config::SdkConfig,
    store: &DynamoStore,
    dynamodb: &helpdesk_aws::aws_sdk_dynamodb::Client,
    publisher: EventBridgePublisher,
    settings: &Settings,
    secrets: &helpdesk_aws::secrets::ChannelSecrets,
    telegram_api: &str,
) -> Result<(), String> {
    // Named after the table, like the attachments bucket: runners on different tables never meet.
    let queue = format!("{}-notify", settings.table);
    let queue_url =
        backbone::configure_bus(sdk, &settings.event_bus, &queue, &[helpdesk_core::backbone::EVENT_SOURCE], settings.notify_claim_seconds)
            .await?;
    // Search: its own rule and queue, both sources (tickets and articles), as the template's
    // SearchRule; in place before the relay starts, so no event passes it by.
    let sources = [helpdesk_core::backbone::EVENT_SOURCE, helpdesk_core::backbone::KNOWLEDGE_SOURCE];
    let search_queue = backbone::configure_bus(sdk, &settings.event_bus, &format!("{}-search", settings.table), &sources, 60).await?;
    let indexer = indexer::Indexer::new(search_bucket(sdk, settings), search::scratch_dir("indexer"));
    // Reports: ticket events only, as the template's ReportsRule.
    let reports_queue = backbone::configure_bus(
        sdk,
        &settings.event_bus,
        &format!("{}-reports", settings.table),
        &[helpdesk_core::backbone::EVENT_SOURCE],
        60,
    )
    .await?;
    if let Some(from) = notify::sender(&settings.mail_from) {
        backbone::verify_sender(sdk, &from).await?;
    }
    // DynamoDB Local serves its streams on its own endpoint.
    let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(sdk);
    if std::env::var("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").is_err()
        && let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
    {
        streams = streams.endpoint_url(endpoint);
    }
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams.build());
    tokio::spawn(backbone::relay_stream(store.clone(), streams, dynamodb.clone(), publisher));
    let support = std::env::var(config::SUPPORT_ADDRESS).unwrap_or_else(|_| mail::LOCAL_SUPPORT_ADDRESS.into());
    let mut notify_settings = notify::Settings::new(&settings.site_url, &settings.mail_from, Some(&support));
    notify_settings.claim_seconds = settings.notify_claim_seconds;
    let channels = notify::channels(sdk, &settings.mail_from, secrets, telegram_api, true)?;
    if let Some(token) = &secrets.telegram_bot_token {
        let bot = helpdesk_aws::channels::TelegramBot::new(helpdesk_aws::channels::HttpClient::new()?, telegram_api, token);
        tokio::spawn(channels::poll_telegram(store.clone(), bot));
    }
    let sqs = aws_sdk_sqs::Client::new(sdk);
    tokio::spawn(backbone::deliver_notifications(store.clone(), channels, notify_settings, sqs.clone(), queue_url, settings.notify_window));
    tokio::spawn(backbone::index_for_search(store.clone(), indexer, sqs.clone(), search_queue));
    // Past tickets are counted before the consumer starts (a rebuild must not race it), while
    // the helpdesk already serves: the first start's rebuild takes a while on DynamoDB Local.
    let (zone, reports_store) = (config::report_time_zone()?, store.clone());
    tokio::spawn(async move {
        if let Err(e) = count_past_tickets(&reports_store).await {
            tracing::error!(error = %e, "past tickets not counted for the reports (helpdesk-local rereport counts them)");
        }
        backbone::count_for_reports(reports_store, zone, sqs, reports_queue).await
    });
    Ok(())
}

/// Every ticket and article indexed again, published to the search bucket.
async fn reindex(sdk: &config::SdkConfig, settings: &Settings, store: &DynamoStore) -> Result<indexer::Applied, String> {
    let mut indexer = indexer::Indexer::new(search_bucket(sdk, settings), search::scratch_dir("reindex"));
    indexer.rebuild(store).await
}

/// A table from before the reports function has tickets and no report buckets: they are
/// counted once, before the backbone's consumers start (a rebuild must not race them).
async fn count_past_tickets(store: &DynamoStore) -> Result<(), String> {
    use helpdesk_aws::Reports;
    let today = chrono::Utc::now().date_naive();
    let query = helpdesk_core::reports::ReportQuery::new(
        helpdesk_core::reports::Dimension::Topic,
        today - chrono::Duration::days(helpdesk_core::reports::MAX_REPORT_DAYS - 1),
        today,
    );
    if store.report_buckets(&query).await.map_err(|e| e.to_string())?.is_empty() && store.has_tickets().await.map_err(|e| e.to_string())? {
        let tickets = reports::rebuild(store, config::report_time_zone()?).await?;
        tracing::info!(tickets, "report buckets counted for the tickets already here");
    }
    Ok(())
}

/// The search index's bucket, addressed by path as the local stack serves it.
fn search_bucket(sdk: &config::SdkConfig, settings: &Settings) -> search::bucket::IndexBucket {
    search::bucket::IndexBucket::new(tickets_api::attachments::Files::client(sdk, true), &settings.search_bucket)
}

/// Brings data written by older versions up to what this one reads.
async fn backfill(store: &DynamoStore) -> Result<(), String> {
    let e = |e: helpdesk_aws::StoreError| e.to_string();
    let users = store.backfill_user_attributes().await.map_err(e)?;
    if users > 0 {
        tracing::info!(users, "gave older user items the directory's attributes");
    }
    let config = helpdesk_aws::TicketStore::sla_config(store).await.map_err(e)?;
    let tickets = store.backfill_queue_order(&config).await.map_err(e)?;
    if tickets > 0 {
        tracing::info!(tickets, "gave older tickets their next SLA target and the queue indexes' keys");
    }
    Ok(())
}

/// The EventBridge schedule's stand-in: the SLA scan on a timer.
async fn run_scans(store: DynamoStore, every: std::time::Duration) {
    let mut timer = tokio::time::interval(every);
    loop {
        timer.tick().await;
        match sla_scan::scan(&store, chrono::Utc::now()).await {
            Ok(report) if report.tickets_due > 0 => tracing::info!(?report, "sla scan"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sla scan failed"),
        }
    }
}

/// Creates the template's tables, buckets and event buses that do not exist yet.
async fn setup(
    sdk: &helpdesk_aws::config::SdkConfig,
    dynamodb: &helpdesk_aws::aws_sdk_dynamodb::Client,
    settings: &Settings,
) -> Result<(), String> {
    let resources = template::parse(&template::read_template()?)?;
    for table in &resources.tables {
        let name = if table.logical_id == "HelpdeskTable" {
            settings.table.clone()
        } else {
            template::local_name(LOCAL_PREFIX, &table.logical_id)
        };
        if template::ensure_table(dynamodb, table, &name).await? {
            tracing::info!(table = name, "created or brought up to date with the template");
        }
    }
    // Path-style addressing: the local stack serves buckets under its own host name.
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build());
    for bucket in &resources.buckets {
        let name = match bucket.as_str() {
            "AttachmentsBucket" => settings.attachments_bucket.clone(),
            "SearchIndexBucket" => settings.search_bucket.clone(),
            _ => template::local_name(LOCAL_PREFIX, bucket),
        };
        if ensure_bucket(&s3, &name).await? {
            tracing::info!(bucket = name, "created bucket");
        }
    }
    let events = helpdesk_aws::aws_sdk_eventbridge::Client::new(sdk);
    for bus in &resources.event_buses {
        let name = if bus == "HelpdeskEventBus" { settings.event_bus.clone() } else { template::local_name(LOCAL_PREFIX, bus) };
        if events.describe_event_bus().name(&name).send().await.is_err() {
            // Another runner on the same stack may create it at the same moment: that is fine too.
            match events.create_event_bus().name(&name).send().await {
                Ok(_) => tracing::info!(bus = name, "created event bus"),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_already_exists_exception()) => {}
                Err(e) => {
                    let e = helpdesk_aws::aws_sdk_eventbridge::error::DisplayErrorContext(&e);
                    return Err(format!("creating event bus {name}: {e}"));
                }
            }
        }
    }
    Ok(())
}

/// Creates a bucket unless it exists. Returns whether it created it.
async fn ensure_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<bool, String> {
    if client.head_bucket().bucket(name).send().await.is_ok() {
        return Ok(false);
    }
    match client.create_bucket().bucket(name).send().await {
        Ok(_) => Ok(true),
        // Another runner on the same stack created it a moment ago.
        Err(e) if e.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => Ok(false),
        Err(e) => Err(format!("creating bucket {name}: {}", aws_sdk_s3::error::DisplayErrorContext(&e))),
    }
}

/// The longest path the runner looks up on disk; longer ones name no file (and a file system
/// would refuse a name segment over 255 bytes).
const MAX_STATIC_PATH_BYTES: usize = 1024;

/// Static paths no file can have answer 404 before the disk is asked.
async fn refuse_impossible_paths(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.len() > MAX_STATIC_PATH_BYTES || path.split('/').any(|segment| segment.len() > 255) {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// The security headers CloudFront adds in AWS (read from the template), on every answer.
async fn add_security_headers(headers: Arc<Vec<(HeaderName, HeaderValue)>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in headers.iter() {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

fn security_headers() -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    // Uploads go to the local S3 (moto), so the CSP names its origin where AWS has the bucket's.
    let files_origin = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".into());
    template::response_headers(&template::read_template()?, false, files_origin.trim_end_matches('/'))?
        .into_iter()
        .map(|(name, value)| {
            let name = HeaderName::try_from(name.as_str()).map_err(|e| format!("header {name}: {e}"))?;
            let value = HeaderValue::try_from(value.as_str()).map_err(|e| format!("header {name}: {e}"))?;
            Ok((name, value))
        })
        .collect()
}

async fn serve(app: App<DynamoStore>, search: SearchApp<DynamoStore>, settings: &Settings, fakes: Router) -> Result<(), String> {
    let index = settings.frontend.join("index.html");
    // Client-side routes (/tickets/HD-1042, …) get the app's index.html, with 200.
    let frontend = ServeDir::new(&settings.frontend).fallback(ServeFile::new(index));
    let frontend = Router::new().fallback_service(frontend).layer(axum::middleware::from_fn(refuse_impossible_paths));
    let headers = Arc::new(security_headers()?);
    // The search function's paths, as API Gateway routes them to it.
    let search = Router::new()
        .route("/api/search", axum::routing::any(search_api))
        .route("/api/search/{*rest}", axum::routing::any(search_api))
        .with_state(Arc::new(search));
    let router = Router::new()
        .merge(search)
        .route("/api", axum::routing::any(api))
        .route("/api/{*rest}", axum::routing::any(api))
        .with_state(Arc::new(app))
        .merge(fakes)
        .fallback_service(frontend)
        .layer(axum::middleware::from_fn(move |request, next| add_security_headers(headers.clone(), request, next)));
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], settings.port));
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot listen on {address}: {e}"))?;
    tracing::info!("helpdesk at http://{address}/ (API under /api, frontend from {})", settings.frontend.display());
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// Hands a request to the search function's handler as API Gateway would.
async fn search_api(State(app): State<Arc<SearchApp<DynamoStore>>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let request = lambda_http::Request::from_parts(parts, lambda_http::Body::Empty);
    let (parts, body) = search::handler::handle(&app, request).await.into_parts();
    let bytes: &[u8] = body.as_ref();
    Response::from_parts(parts, axum::body::Body::from(bytes.to_vec()))
}

/// Hands a request to the Lambda handler as API Gateway would (with the caller's address as its
/// source IP), and its answer back.
async fn api(State(app): State<Arc<App<DynamoStore>>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request) -> Response {
    use lambda_http::RequestExt;
    use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
    use lambda_http::request::RequestContext;
    let (parts, body) = request.into_parts();
    let response = match axum::body::to_bytes(body, MAX_REQUEST_BYTES + 1).await {
        Ok(bytes) if bytes.len() <= MAX_REQUEST_BYTES => {
            let body = if bytes.is_empty() { lambda_http::Body::Empty } else { lambda_http::Body::Binary(bytes.to_vec()) };
            let mut context = ApiGatewayV2httpRequestContext::default();
            context.http.source_ip = Some(peer.ip().to_string());
            let request = lambda_http::Request::from_parts(parts, body).with_request_context(RequestContext::ApiGatewayV2(context));
            tickets_api::handle(&app, request).await
        }
        _ => tickets_api::error_response(&ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {MAX_REQUEST_BYTES} bytes"),
        )),
    };
    let (parts, body) = response.into_parts();
    let bytes: &[u8] = body.as_ref();
    Response::from_parts(parts, axum::body::Body::from(bytes.to_vec()))
}
