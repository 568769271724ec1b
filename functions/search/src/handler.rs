//! The search function's HTTP side: its routes, the caller (the same sessions, tokens and origin
//! check as the tickets API, through its `identity`), and the answer.

use crate::Replica;
use helpdesk_aws::{ApiTokens, Directory, DynamoStore};
use helpdesk_core::search::{SUGGESTIONS, SearchQuery, SearchResults};
use helpdesk_core::{ApiError, ErrorCode};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use tickets_api::{error_response, identity, session::SessionKeys};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Search,
    Suggest,
}

/// Every route this function serves: API Gateway sends these paths here (infra/template.yaml).
pub const ROUTES: &[(&str, &str, Route)] =
    &[("GET", helpdesk_core::search::SEARCH_PATH, Route::Search), ("GET", helpdesk_core::search::SUGGEST_PATH, Route::Suggest)];

pub struct SearchApp<S> {
    pub store: S,
    pub sessions: Option<SessionKeys>,
    /// As the tickets API's: when set, only requests through our CloudFront are served.
    pub origin_secrets: Vec<String>,
    pub replica: Replica,
}

impl SearchApp<DynamoStore> {
    /// At cold start: the table, the session keys and origin values from Secrets Manager, and the
    /// index's bucket.
    pub async fn from_env(replica_dir: std::path::PathBuf) -> Result<Self, String> {
        use helpdesk_aws::config;
        let sdk = config::sdk_config().await;
        let local_mode = std::env::var(config::LOCAL_MODE).is_ok_and(|v| v == "true");
        let secrets = tickets_api::secrets::Secrets::load(&sdk).await?;
        let sessions = secrets.session_keys(&config::required(config::SESSION_AUDIENCE)?, !local_mode)?;
        let store = DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), config::required(config::TABLE_NAME)?);
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(local_mode).build());
        let bucket = crate::bucket::IndexBucket::new(s3, config::required(config::SEARCH_INDEX_BUCKET)?);
        Ok(SearchApp {
            store,
            sessions: Some(sessions),
            origin_secrets: secrets.origin_secrets,
            replica: Replica::new(bucket, replica_dir, crate::REFRESH),
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(text) => {
            let mut response = Response::new(Body::Text(text));
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(_) => error_response(&ApiError::new(ErrorCode::Internal, "internal error; it has been logged")),
    }
}

/// Serves one request; every error is a JSON error answer, never a panic.
pub async fn handle<S: Directory + ApiTokens>(app: &SearchApp<S>, req: Request) -> Response<Body> {
    let started = std::time::Instant::now();
    let mut response = dispatch(app, &req).await.unwrap_or_else(|e| error_response(&e));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    tracing::info!(path = req.uri().path(), status = response.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    response
}

async fn dispatch<S: Directory + ApiTokens>(app: &SearchApp<S>, req: &Request) -> Result<Response<Body>, ApiError> {
    if !app.origin_secrets.is_empty() && !identity::through_our_cdn(req, &app.origin_secrets) {
        return Err(ApiError::new(ErrorCode::DirectAccessRefused, "call the API through the site's own address"));
    }
    let path = req.uri().path();
    let Some(&(_, _, route)) = ROUTES.iter().find(|(_, p, _)| *p == path) else {
        return Err(ApiError::new(ErrorCode::RouteNotFound, "no such route"));
    };
    if req.method() != lambda_http::http::Method::GET {
        let mut response = error_response(&ApiError::new(ErrorCode::MethodNotAllowed, format!("{} is not allowed here", req.method())));
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
        return Ok(response);
    }
    let actor = identity::caller(req, &app.store, app.sessions.as_ref()).await?.actor;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
    let mut query = SearchQuery::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))?;
    let suggest = route == Route::Suggest;
    if suggest {
        // The topic gives context to the words (a printer topic, printer articles); it filters nothing.
        if let Some(topic) = query.topic.take() {
            query.text = format!("{} {}", query.text, topic.replace(['-', '_'], " "));
        }
        if query.filters_tickets() || query.scope != Default::default() {
            return Err(ApiError::new(ErrorCode::InvalidQuery, "suggestions take q, lang, topic and limit"));
        }
        query.limit = query.limit.min(SUGGESTIONS);
    }
    let busy = |e: String| {
        tracing::error!(error = %e, "search failed");
        ApiError::new(ErrorCode::ServiceBusy, "search is not available right now; try again in a moment").retry_after(2)
    };
    let (searcher, fields) = app.replica.searcher().await.map_err(busy)?;
    let hits = crate::query::run(&searcher, &fields, &actor, &query, suggest).map_err(|e| busy(e.to_string()))?;
    let mut response = json(&SearchResults { hits });
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}
