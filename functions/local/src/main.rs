//! The local runner: the whole helpdesk in one process on one port, against the local AWS stack.
//!
//!   helpdesk-local [serve]   create missing tables and buckets, seed demo data once, then serve
//!   helpdesk-local setup     only create missing tables and buckets (from infra/template.yaml)
//!   helpdesk-local seed      only seed demo data (skipped when topics exist)
//!
//! Routes under /api go to the same handlers Lambda runs, under the same paths API Gateway uses;
//! everything else is the built frontend.

mod demo;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use helpdesk_aws::{DynamoStore, config, template};
use helpdesk_core::limits::MAX_REQUEST_BYTES;
use helpdesk_core::{ApiError, ErrorCode};
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
    frontend: PathBuf,
}

impl Settings {
    fn from_env() -> Result<Self, String> {
        let port = match std::env::var("HELPDESK_PORT") {
            Ok(p) => p.parse().map_err(|_| format!("HELPDESK_PORT={p} is not a port"))?,
            Err(_) => DEFAULT_PORT,
        };
        let table = std::env::var(config::TABLE_NAME).unwrap_or_else(|_| template::local_name(LOCAL_PREFIX, "HelpdeskTable"));
        // The built frontend if there is one, else the placeholder page.
        let frontend = std::env::var("HELPDESK_FRONTEND_DIR").map(PathBuf::from).unwrap_or_else(|_| {
            let built = PathBuf::from("frontend/dist");
            if built.join("index.html").is_file() { built } else { PathBuf::from("frontend/public") }
        });
        Ok(Settings { port, table, frontend })
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
    match command {
        "setup" => setup(&sdk, &dynamodb, &settings).await,
        "seed" => demo::seed(&store).await,
        "serve" => {
            setup(&sdk, &dynamodb, &settings).await?;
            demo::seed(&store).await?;
            serve(App { store, local_mode: true }, &settings).await
        }
        other => Err(format!("unknown command '{other}': serve, setup or seed")),
    }
}

/// Creates the template's tables and buckets that do not exist yet.
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
            tracing::info!(table = name, "created table");
        }
    }
    // Path-style addressing: the local stack serves buckets under its own host name.
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build());
    for bucket in &resources.buckets {
        let name = template::local_name(LOCAL_PREFIX, bucket);
        if ensure_bucket(&s3, &name).await? {
            tracing::info!(bucket = name, "created bucket");
        }
    }
    Ok(())
}

/// Creates a bucket unless it exists. Returns whether it created it.
async fn ensure_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<bool, String> {
    if client.head_bucket().bucket(name).send().await.is_ok() {
        return Ok(false);
    }
    client
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .map_err(|e| format!("creating bucket {name}: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    Ok(true)
}

async fn serve(app: App<DynamoStore>, settings: &Settings) -> Result<(), String> {
    let index = settings.frontend.join("index.html");
    let frontend = ServeDir::new(&settings.frontend).not_found_service(ServeFile::new(index));
    let router = Router::new()
        .route("/api", axum::routing::any(api))
        .route("/api/{*rest}", axum::routing::any(api))
        .fallback_service(frontend)
        .with_state(Arc::new(app));
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], settings.port));
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot listen on {address}: {e}"))?;
    tracing::info!("helpdesk at http://{address}/ (API under /api, frontend from {})", settings.frontend.display());
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// Hands a request to the Lambda handler as API Gateway would, and its answer back.
async fn api(State(app): State<Arc<App<DynamoStore>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let response = match axum::body::to_bytes(body, MAX_REQUEST_BYTES + 1).await {
        Ok(bytes) if bytes.len() <= MAX_REQUEST_BYTES => {
            let body = if bytes.is_empty() { lambda_http::Body::Empty } else { lambda_http::Body::Binary(bytes.to_vec()) };
            tickets_api::handle(&app, lambda_http::Request::from_parts(parts, body)).await
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
