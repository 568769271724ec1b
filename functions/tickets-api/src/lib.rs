//! The tickets and topics API: one Lambda behind API Gateway's HTTP API. The handler lives here
//! so that tests and the local runner call exactly what Lambda calls.

mod admin;
pub mod attachments;
pub mod auth;
pub mod channels;
mod directory;
pub mod identity;
mod kb;
pub mod ldap;
mod mail;
pub mod notifications;
#[cfg(feature = "openapi")]
pub mod openapi;
mod presence;
mod ratings;
mod reply_templates;
mod reports;
pub mod routes;
pub mod secrets;
pub mod session;
mod sla_cache;
mod tickets;
pub mod tokens;

pub use sla_cache::SlaCache;

use helpdesk_aws::{
    ApiTokens, Contacts, Directory, DynamoStore, Knowledge, Listing, MailStore, NotificationLog, Presences, RatingLinks, Reports,
    StoreError, TicketStore, Uploads,
};
use helpdesk_core::limits::{MAX_ID_CHARS, MAX_REQUEST_BYTES};
use helpdesk_core::{ApiError, ErrorCode};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use routes::{Matched, Route};
use serde::Serialize;

/// The environment variables this function reads in AWS (the local-mode switch aside); the
/// template gives it exactly these. Secrets are named here, never given: see [`secrets`].
pub fn environment() -> Vec<&'static str> {
    use helpdesk_aws::config;
    let mut names = vec![
        config::TABLE_NAME,
        config::SESSION_AUDIENCE,
        config::SESSION_SECRET_ID,
        config::LDAP_BIND_PASSWORD_SECRET_ID,
        config::ORIGIN_SECRET_ID,
        config::ATTACHMENTS_BUCKET,
        config::MAX_ATTACHMENT_BYTES,
        config::MAX_ATTACHMENTS,
        config::CHANNELS_SECRET_ID,
        config::TELEGRAM_BOT_NAME,
        config::FCM_APPLICATION_ARN,
        config::APNS_APPLICATION_ARN,
        config::REPORT_TIME_ZONE,
    ];
    names.extend(ldap::LdapConfig::ENVIRONMENT);
    names
}

/// The OpenAPI 3.1 document of this API, served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub struct App<S> {
    pub store: S,
    /// A developer's machine: session cookies go without `Secure` (plain http://localhost).
    pub local_mode: bool,
    /// Signs and checks session tokens; without it nobody can sign in.
    pub sessions: Option<session::SessionKeys>,
    /// The organisation's directory, when sign-in through LDAP is configured.
    pub ldap: Option<ldap::LdapConfig>,
    /// The values our CloudFront may send in [`identity::ORIGIN_HEADER`] (current, then previous
    /// during a rotation). When set, requests without one are refused; when empty (no CloudFront,
    /// the local runner) every request is served and no viewer address is trusted.
    pub origin_secrets: Vec<String>,
    /// SLA plans and calendars, read at most every few seconds per warm function.
    pub sla: SlaCache,
    /// The attachments bucket; without it the upload and download routes answer 404.
    pub files: Option<attachments::Files>,
    /// Telegram, web push and mobile push as set up; each absent part answers `channel_not_configured`.
    pub channels: channels::ChannelSetup,
    /// The report time zone: reports name it (the reports function buckets days in it).
    pub report_zone: chrono_tz::Tz,
}

impl<S> App<S> {
    /// An app over `store` with the given session keys, everything else off; the caller sets
    /// what it needs (`local_mode`, `ldap`, `origin_secrets`).
    pub fn new(store: S, sessions: Option<session::SessionKeys>) -> Self {
        App {
            store,
            local_mode: false,
            sessions,
            ldap: None,
            origin_secrets: Vec::new(),
            sla: SlaCache::default(),
            files: None,
            channels: channels::ChannelSetup::default(),
            report_zone: chrono_tz::UTC,
        }
    }
}

impl App<DynamoStore> {
    /// Builds the app at cold start from the environment (`TABLE_NAME`, the secrets' ids,
    /// `HELPDESK_LOCAL_MODE`, LDAP settings, the AWS SDK's own) and Secrets Manager.
    pub async fn from_env() -> Result<Self, String> {
        use helpdesk_aws::config;
        let table = config::required(config::TABLE_NAME)?;
        let sdk = config::sdk_config().await;
        let local_mode = std::env::var(config::LOCAL_MODE).is_ok_and(|v| v == "true");
        let secrets = secrets::Secrets::load(&sdk).await?;
        let sessions = secrets.session_keys(&config::required(config::SESSION_AUDIENCE)?, !local_mode)?;
        let ldap = ldap::LdapConfig::from_env(secrets.ldap_bind_password.clone())?;
        let store = DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), table);
        // A local S3 (moto) is addressed by path; AWS by the bucket's own host name.
        let files = attachments::Files::from_env(&sdk, local_mode)?;
        let channels = channels::ChannelSetup::from_env(&sdk).await?;
        let report_zone = config::report_time_zone()?;
        Ok(App {
            local_mode,
            ldap,
            origin_secrets: secrets.origin_secrets,
            files,
            channels,
            report_zone,
            ..App::new(store, Some(sessions))
        })
    }
}

type Reply = Result<Response<Body>, ApiError>;

/// Serves one request. Never fails: every error becomes a JSON error response. API answers are
/// never stored by caches (they are per person and change all the time).
pub async fn handle<
    S: TicketStore + Directory + Uploads + NotificationLog + Contacts + ApiTokens + MailStore + Presences + Knowledge + Reports + RatingLinks,
>(
    app: &App<S>,
    req: Request,
) -> Response<Body> {
    let started = std::time::Instant::now();
    let mut response = dispatch(app, &req).await.unwrap_or_else(|e| error_response(&e));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    tracing::info!(
        method = %req.method(),
        path = req.uri().path(),
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// An id in a path: an id of any record is printable ASCII without `#` and at most
/// [`MAX_ID_CHARS`] long (ticket numbers and ULIDs included); anything else names nothing.
fn path_id(raw: Option<String>) -> Result<String, ApiError> {
    match raw {
        None => Ok(String::new()),
        Some(id) if helpdesk_core::topic::is_plain_id(&id) && id.len() <= MAX_ID_CHARS => Ok(id),
        Some(_) => Err(not_found("record")),
    }
}

async fn dispatch<
    S: TicketStore + Directory + Uploads + NotificationLog + Contacts + ApiTokens + MailStore + Presences + Knowledge + Reports + RatingLinks,
>(
    app: &App<S>,
    req: &Request,
) -> Reply {
    // Behind our CloudFront the raw execute-api address is closed: only requests carrying the
    // origin secret CloudFront adds get further (the throttles and the WAF live at the edge).
    let through_our_cdn = identity::through_our_cdn(req, &app.origin_secrets);
    if !app.origin_secrets.is_empty() && !through_our_cdn {
        return Err(ApiError::new(ErrorCode::DirectAccessRefused, "call the API through the site's own address"));
    }
    let (route, id, item) = match routes::match_route(req.method().as_str(), req.uri().path()) {
        Matched::Found { route, id, item } => (route, path_id(id)?, path_id(item)?),
        Matched::WrongMethod { allowed } => {
            let mut response = error_response(&ApiError::new(ErrorCode::MethodNotAllowed, format!("{} is not allowed here", req.method())));
            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return Ok(response);
        }
        Matched::NotFound => return Err(ApiError::new(ErrorCode::RouteNotFound, "no such route")),
    };
    let body = body_bytes(req)?;
    let store = &app.store;
    // The routes open to anybody.
    match route {
        Route::Health => return json(StatusCode::OK, &serde_json::json!({"status": "ok"})),
        Route::OpenApi => return Ok(with_type(Response::new(Body::Text(OPENAPI.into())), "application/json")),
        Route::Login => {
            return auth::login(store, app.sessions.as_ref(), app.ldap.as_ref(), through_our_cdn, req, body).await;
        }
        Route::IssueToken => {
            return tokens::issue(store, app.sessions.as_ref(), app.ldap.as_ref(), through_our_cdn, req, body).await;
        }
        // Telegram proves itself with the webhook's secret token, not a session.
        Route::TelegramWebhook => return channels::webhook(store, &app.channels, req, body).await,
        // A satisfaction link's token is the right to rate, not a session.
        Route::Rate => return ratings::rate(store, &app.sla, body).await,
        _ => {}
    }
    let caller = identity::caller(req, store, app.sessions.as_ref()).await?;
    if route.needs_session() && caller.api_token.is_some() {
        return Err(ApiError::new(ErrorCode::SessionRequired, "manage API tokens from the helpdesk's web page"));
    }
    let actor = caller.actor;
    let sla = &app.sla;
    let setup = &app.channels;
    match route {
        Route::Health | Route::OpenApi | Route::Login | Route::IssueToken | Route::TelegramWebhook | Route::Rate => {
            unreachable!("answered above")
        }
        // An app signing out revokes its own token; a browser ends its sessions.
        Route::Logout => match &caller.api_token {
            Some(token) => tokens::revoke(store, &actor, token).await,
            None => auth::logout(store, app.sessions.as_ref(), &actor, req).await,
        },
        Route::Me => auth::me(store, &actor).await,
        Route::UpdateMe => auth::update_me(store, &actor, body).await,
        Route::People => directory::people(store, &actor, req).await,
        Route::ListUsers => admin::list_users(store, &actor, req).await,
        Route::CreateUser => admin::create_user(store, &actor, body).await,
        Route::GetUser => admin::get_user(store, &actor, &id).await,
        Route::ReplaceUser => admin::replace_user(store, &actor, &id, body).await,
        Route::ListGroups => admin::list_groups(store, &actor).await,
        Route::CreateGroup => admin::create_group(store, &actor, body).await,
        Route::GetGroup => admin::get_group(store, &actor, &id).await,
        Route::ReplaceGroup => admin::replace_group(store, &actor, &id, body).await,
        Route::ListTopics => admin::list_topics(store, &actor, req).await,
        Route::CreateTopic => admin::create_topic(store, &actor, body).await,
        Route::GetTopic => admin::get_topic(store, &actor, &id).await,
        Route::ReplaceTopic => admin::replace_topic(store, &actor, &id, body).await,
        Route::ArchiveTopic => admin::archive_topic(store, &actor, &id).await,
        Route::ListCalendars => admin::list_calendars(store, sla, &actor).await,
        Route::CreateCalendar => admin::create_calendar(store, sla, &actor, body).await,
        Route::GetCalendar => admin::get_calendar(store, sla, &actor, &id).await,
        Route::ReplaceCalendar => admin::replace_calendar(store, sla, &actor, &id, body).await,
        Route::ListPlans => admin::list_plans(store, sla, &actor).await,
        Route::CreatePlan => admin::create_plan(store, sla, &actor, body).await,
        Route::GetPlan => admin::get_plan(store, sla, &actor, &id).await,
        Route::ReplacePlan => admin::replace_plan(store, sla, &actor, &id, body).await,
        Route::CreateTicket => tickets::create(store, sla, app.files.as_ref(), &actor, body).await,
        Route::ListQueue => tickets::list(store, &actor, Listing::Queues, req).await,
        Route::ListMine => tickets::list(store, &actor, Listing::OfRequester(&actor.id), req).await,
        Route::GetTicket => tickets::get(store, sla, &actor, &id).await,
        // Boxed: its future is large (a debug build would overflow the stack).
        Route::UpdateTicket => Box::pin(tickets::update(store, sla, &actor, &id, body)).await,
        Route::Reply => tickets::add_message(store, sla, app.files.as_ref(), &actor, &id, body, false).await,
        Route::AddNote => tickets::add_message(store, sla, app.files.as_ref(), &actor, &id, body, true).await,
        Route::CreateUpload => attachments::request_upload(store, app.files.as_ref(), &actor, body).await,
        Route::GetUpload => attachments::get_upload(store, &actor, &id).await,
        Route::GetAttachment => attachments::download(store, app.files.as_ref(), &actor, &id).await,
        Route::MyNotifications => notifications::settings(store, setup, &actor).await,
        Route::SaveMyNotifications => notifications::save_settings(store, setup, &actor, body).await,
        Route::ListTokens => tokens::list(store, &actor).await,
        Route::RevokeToken => tokens::revoke(store, &actor, &id).await,
        Route::LinkMyTelegram => channels::link_my_telegram(store, setup, &actor).await,
        Route::AddPushSubscription => channels::add_push_subscription(store, setup, app.local_mode, &actor, body).await,
        Route::RegisterDevice => channels::register_device(store, setup, &actor, body).await,
        Route::RemoveContact => channels::remove_contact(store, setup, &actor, &id).await,
        Route::GroupTelegram => channels::group_telegram(store, &actor, &id).await,
        Route::LinkGroupTelegram => channels::link_group_telegram(store, setup, &actor, &id).await,
        Route::UnlinkGroupTelegram => channels::unlink_group_telegram(store, &actor, &id).await,
        Route::TicketNotifications => notifications::ticket_log(store, &actor, &id).await,
        Route::TicketPresence => presence::pulse(store, &actor, &id, body).await,
        Route::ListRejectedMail => mail::list_rejected(store, &actor, req).await,
        Route::RetryRejectedMail => mail::retry_rejected(store, app.files.as_ref(), &actor, &id).await,
        Route::ListArticles => Box::pin(kb::list(store, &actor, req)).await,
        // Boxed like UpdateTicket: their futures are large.
        Route::CreateArticle => Box::pin(kb::create(store, app.files.as_ref(), &actor, req, body)).await,
        Route::GetArticle => Box::pin(kb::get(store, &actor, &id, req)).await,
        Route::ReplaceArticle => Box::pin(kb::replace(store, app.files.as_ref(), &actor, &id, req, body)).await,
        // Boxed: reading the open tickets makes their futures large.
        Route::Report => Box::pin(reports::report(store, app.report_zone, &actor, &id, req)).await,
        Route::Backlog => Box::pin(reports::backlog(store, app.report_zone, &actor, req)).await,
        Route::ArticleImage => kb::image(store, app.files.as_ref(), &actor, &id, &item).await,
        Route::ArticleRevisions => Box::pin(kb::revisions(store, &actor, &id)).await,
        Route::RestoreArticle => Box::pin(kb::restore(store, &actor, &id, req, body)).await,
        Route::DeflectByArticle => kb::deflect(store, app.report_zone, &actor, &id, body).await,
        Route::DraftArticleFromTicket => Box::pin(kb::draft_from_ticket(store, &actor, &id, req)).await,
        Route::ListReplyTemplates => reply_templates::list(store, &actor).await,
        Route::CreateReplyTemplate => reply_templates::create(store, &actor, body).await,
        Route::ReplaceReplyTemplate => reply_templates::replace(store, &actor, &id, body).await,
        Route::RemoveReplyTemplate => reply_templates::remove(store, &actor, &id, req).await,
    }
}

pub(crate) fn require(allowed: bool, what: &str) -> Result<(), ApiError> {
    if allowed { Ok(()) } else { Err(ApiError::new(ErrorCode::Forbidden, format!("you may not {what}"))) }
}

/// The body, refused when too large or not declared as JSON. A body without a Content-Type is
/// refused too: a cross-site form can send one (login CSRF), never `application/json`.
pub(crate) fn body_bytes(req: &Request) -> Result<&[u8], ApiError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_REQUEST_BYTES {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than {MAX_REQUEST_BYTES} bytes")));
    }
    if !body.is_empty() {
        let is_json = req.headers().get(header::CONTENT_TYPE).is_some_and(|content_type| {
            content_type.to_str().is_ok_and(|ct| ct.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")))
        });
        if !is_json {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
        }
    }
    Ok(body)
}

pub(crate) fn query_pairs(req: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect()
}

pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::VersionConflict { current } => ApiError::version_conflict(current),
        StoreError::Missing => ApiError::new(ErrorCode::NotFound, "it no longer exists"),
        StoreError::InvalidCursor => ApiError::new(ErrorCode::InvalidCursor, "the cursor is not one this list gave out"),
        StoreError::UploadTaken => ApiError::validation(vec![helpdesk_core::FieldError::new(
            "attachments",
            helpdesk_core::FieldErrorCode::NotEligible,
            "a file was attached elsewhere meanwhile",
        )]),
        StoreError::Throttled => {
            tracing::warn!("the database throttled a request");
            ApiError::new(ErrorCode::ServiceBusy, "the helpdesk is busy; try again in a moment").retry_after(1)
        }
        StoreError::AlreadyExists | StoreError::Backend(_) => {
            tracing::error!(error = %e, "store failed");
            ApiError::new(ErrorCode::Internal, "internal error; it has been logged")
        }
    }
}

pub(crate) fn not_found(what: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no such {what}"))
}

fn with_type(mut response: Response<Body>, content_type: &'static str) -> Response<Body> {
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    let text = serde_json::to_string(value).map_err(|e| {
        tracing::error!(error = %e, "response did not serialize");
        ApiError::new(ErrorCode::Internal, "internal error; it has been logged")
    })?;
    let mut response = with_type(Response::new(Body::Text(text)), "application/json");
    *response.status_mut() = status;
    Ok(response)
}

pub fn error_response(e: &ApiError) -> Response<Body> {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = serde_json::to_string(e).unwrap_or_else(|_| r#"{"code":"internal","message":"internal error"}"#.into());
    let mut response = with_type(Response::new(Body::Text(text)), "application/json");
    *response.status_mut() = status;
    if let Some(seconds) = e.retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_answers_503_with_retry_after_and_a_stable_code() {
        let response = error_response(&store_error(StoreError::Throttled));
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("1"));
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
        assert_eq!(body["code"], "service_busy");
        let other = error_response(&store_error(StoreError::Backend("boom".into())));
        assert_eq!((other.status().as_u16(), other.headers().get(header::RETRY_AFTER)), (500, None));
    }

    #[test]
    fn path_ids_are_bounded_and_plain() {
        assert_eq!(path_id(Some("HD-1042".into())).ok().as_deref(), Some("HD-1042"));
        for hostile in ["x".repeat(MAX_ID_CHARS + 1), "a#b".into(), String::new(), "a b".into(), "é".into()] {
            assert_eq!(path_id(Some(hostile.clone())).map_err(|e| e.code), Err(ErrorCode::NotFound), "{hostile:?}");
        }
    }
}
