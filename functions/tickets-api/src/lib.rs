//! The tickets and topics API: one Lambda behind API Gateway's HTTP API. The handler lives here
//! so that tests and the local runner call exactly what Lambda calls.

pub mod identity;
pub mod routes;

use chrono::Utc;
use helpdesk_aws::{DynamoStore, Listing, StoreError, TicketStore};
use helpdesk_core::api::{
    CreateTicketRequest, MessageRequest, TicketPage, TicketQuery, TicketView, TopicList, UpdateTicketRequest, parse_body,
};
use helpdesk_core::commands::{self, Change};
use helpdesk_core::limits::MAX_REQUEST_BYTES;
use helpdesk_core::permissions::{Action, allows};
use helpdesk_core::topic::{TopicInput, is_slug};
use helpdesk_core::{Actor, ApiError, ErrorCode, FieldError, FieldErrorCode, Ticket, TicketEvent, TicketNumber, Topic};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use routes::{Matched, Route};
use serde::Serialize;

/// The environment variables this function reads in AWS (the local-only seam switch aside); the
/// template gives it exactly these.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME];

/// The OpenAPI 3.1 document of this API, served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub struct App<S> {
    pub store: S,
    /// Accept the local identity seam (see [`identity`]). Only ever true on a developer's machine.
    pub local_mode: bool,
}

impl App<DynamoStore> {
    /// Builds the app from the environment: `TABLE_NAME`, `HELPDESK_LOCAL_MODE`, and the AWS SDK's own.
    pub async fn from_env() -> Result<Self, String> {
        use helpdesk_aws::config;
        let table = config::required(config::TABLE_NAME)?;
        let sdk = config::sdk_config().await;
        let local_mode = std::env::var(config::LOCAL_MODE).is_ok_and(|v| v == "true");
        Ok(App { store: DynamoStore::new(helpdesk_aws::aws_sdk_dynamodb::Client::new(&sdk), table), local_mode })
    }
}

type Reply = Result<Response<Body>, ApiError>;

/// Serves one request. Never fails: every error becomes a JSON error response.
pub async fn handle<S: TicketStore>(app: &App<S>, req: Request) -> Response<Body> {
    let started = std::time::Instant::now();
    let response = dispatch(app, &req).await.unwrap_or_else(|e| error_response(&e));
    tracing::info!(
        method = %req.method(),
        path = req.uri().path(),
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn dispatch<S: TicketStore>(app: &App<S>, req: &Request) -> Reply {
    let (route, id) = match routes::match_route(req.method().as_str(), req.uri().path()) {
        Matched::Found { route, id } => (route, id.unwrap_or_default()),
        Matched::WrongMethod => return Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("{} is not allowed here", req.method()))),
        Matched::NotFound => return Err(ApiError::new(ErrorCode::RouteNotFound, format!("no route {}", req.uri().path()))),
    };
    match route {
        Route::Health => return json(StatusCode::OK, &serde_json::json!({"status": "ok"})),
        Route::OpenApi => return Ok(with_type(Response::new(Body::Text(OPENAPI.into())), "application/json")),
        _ => {}
    }
    let actor = identity::caller(req, app.local_mode)?;
    let body = body_bytes(req)?;
    let store = &app.store;
    match route {
        Route::Health | Route::OpenApi => unreachable!("answered above"),
        Route::ListTopics => list_topics(store, &actor, req).await,
        Route::CreateTopic => create_topic(store, &actor, body).await,
        Route::GetTopic => json(StatusCode::OK, &load_topic(store, &id).await?),
        Route::ReplaceTopic => replace_topic(store, &actor, &id, body).await,
        Route::ArchiveTopic => archive_topic(store, &actor, &id).await,
        Route::CreateTicket => create_ticket(store, &actor, body).await,
        Route::ListQueue => {
            require(allows(&actor, Action::ListQueues, None), "see the queues")?;
            list(store, Listing::Queues, req).await
        }
        Route::ListMine => {
            require(allows(&actor, Action::ListOwnTickets, None), "list tickets")?;
            list(store, Listing::OfRequester(&actor.id), req).await
        }
        Route::GetTicket => {
            let (ticket, events) = load_ticket(store, &actor, &id).await?;
            json(StatusCode::OK, &view(&actor, ticket, &events))
        }
        Route::UpdateTicket => {
            let request: UpdateTicketRequest = parse_body(body)?;
            let (ticket, events) = load_ticket(store, &actor, &id).await?;
            let topic = match request.fields {
                Some(_) => store.get_topic(&ticket.topic).await.map_err(store_error)?,
                None => None,
            };
            let change = commands::update_ticket(&ticket, topic.as_ref(), &actor, request, Utc::now(), &mut new_id)?;
            save(store, &actor, ticket, events, change).await
        }
        Route::Reply | Route::AddNote => {
            let request: MessageRequest = parse_body(body)?;
            let (ticket, events) = load_ticket(store, &actor, &id).await?;
            let change = commands::add_message(&ticket, &actor, request, route == Route::AddNote, Utc::now(), &mut new_id)?;
            save(store, &actor, ticket, events, Some(change)).await
        }
    }
}

/// A fresh ULID. Monotonic within this process, so events made in the same millisecond keep the
/// order they were made in (their sort keys are these ids).
pub fn new_id() -> String {
    static GENERATOR: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let mut generator = GENERATOR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    generator.generate().unwrap_or_else(|_| ulid::Ulid::new()).to_string()
}

fn require(allowed: bool, what: &str) -> Result<(), ApiError> {
    if allowed { Ok(()) } else { Err(ApiError::new(ErrorCode::Forbidden, format!("you may not {what}"))) }
}

/// The body, refused when too large or not JSON.
fn body_bytes(req: &Request) -> Result<&[u8], ApiError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_REQUEST_BYTES {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than {MAX_REQUEST_BYTES} bytes")));
    }
    if !body.is_empty()
        && let Some(content_type) = req.headers().get(header::CONTENT_TYPE)
    {
        let is_json =
            content_type.to_str().is_ok_and(|ct| ct.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
        if !is_json {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
        }
    }
    Ok(body)
}

fn query_pairs(req: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect()
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::VersionConflict { current } => ApiError::version_conflict(current),
        StoreError::Missing => ApiError::new(ErrorCode::NotFound, "it no longer exists"),
        StoreError::InvalidCursor => ApiError::new(ErrorCode::InvalidCursor, "the cursor is not one this list gave out"),
        StoreError::AlreadyExists | StoreError::Backend(_) => {
            tracing::error!(error = %e, "store failed");
            ApiError::new(ErrorCode::Internal, "internal error; it has been logged")
        }
    }
}

fn not_found(what: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no such {what}"))
}

/// A ticket by id or by number (`HD-1042`), if the actor may see it. Tickets the actor may not
/// see answer 404 like missing ones, so ids cannot be probed.
async fn load_ticket<S: TicketStore>(store: &S, actor: &Actor, reference: &str) -> Result<(Ticket, Vec<TicketEvent>), ApiError> {
    let id = match reference.parse::<TicketNumber>() {
        Ok(number) => store.find_ticket_id(number.0).await.map_err(store_error)?.ok_or_else(|| not_found("ticket"))?,
        Err(()) if ulid::Ulid::from_string(reference).is_ok() => reference.to_string(),
        Err(()) => return Err(not_found("ticket")),
    };
    let (ticket, events) = store.get_ticket(&id).await.map_err(store_error)?.ok_or_else(|| not_found("ticket"))?;
    if !allows(actor, Action::ViewTicket, Some(&ticket)) {
        return Err(not_found("ticket"));
    }
    Ok((ticket, events))
}

fn view(actor: &Actor, ticket: Ticket, events: &[TicketEvent]) -> TicketView {
    let visible = commands::visible_events(actor, &ticket, events).into_iter().cloned().collect();
    TicketView { allowed_statuses: commands::allowed_statuses(actor, &ticket), events: visible, ticket }
}

async fn save<S: TicketStore>(store: &S, actor: &Actor, ticket: Ticket, mut events: Vec<TicketEvent>, change: Option<Change>) -> Reply {
    let Some(change) = change else {
        return json(StatusCode::OK, &view(actor, ticket, &events));
    };
    store.save_ticket(&change.ticket, &change.events).await.map_err(store_error)?;
    events.extend(change.events);
    json(StatusCode::OK, &view(actor, change.ticket, &events))
}

async fn create_ticket<S: TicketStore>(store: &S, actor: &Actor, body: &[u8]) -> Reply {
    let request: CreateTicketRequest = parse_body(body)?;
    let topic = if is_slug(&request.topic) { store.get_topic(&request.topic).await.map_err(store_error)? } else { None };
    // Everything is checked before a number is taken, so bad input stores nothing at all.
    let draft = commands::prepare_ticket(request, topic.as_ref(), actor)?;
    let number = store.next_ticket_number().await.map_err(store_error)?;
    let change = draft.into_ticket(new_id(), TicketNumber(number), new_id(), Utc::now());
    store.create_ticket(&change.ticket, &change.events).await.map_err(store_error)?;
    let location = format!("/api/tickets/{}", change.ticket.number);
    let mut response = json(StatusCode::CREATED, &view(actor, change.ticket, &change.events))?;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn list<S: TicketStore>(store: &S, listing: Listing<'_>, req: &Request) -> Reply {
    let pairs = query_pairs(req);
    let query = TicketQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let page = store.list_tickets(listing, &query).await.map_err(store_error)?;
    json(StatusCode::OK, &TicketPage { items: page.items, next_cursor: page.next_cursor })
}

async fn load_topic<S: TicketStore>(store: &S, id: &str) -> Result<Topic, ApiError> {
    if !is_slug(id) {
        return Err(not_found("topic"));
    }
    store.get_topic(id).await.map_err(store_error)?.ok_or_else(|| not_found("topic"))
}

async fn list_topics<S: TicketStore>(store: &S, actor: &Actor, req: &Request) -> Reply {
    let mut include_archived = false;
    for (name, value) in query_pairs(req) {
        match (name.as_str(), value.as_str()) {
            ("all", "true") => include_archived = true,
            ("all", "false") => include_archived = false,
            _ => return Err(ApiError::new(ErrorCode::InvalidQuery, format!("query parameter '{name}': unknown or not true/false"))),
        }
    }
    if include_archived {
        require(allows(actor, Action::ViewAllTopics, None), "see archived topics")?;
    }
    let mut items = store.list_topics().await.map_err(store_error)?;
    items.retain(|t| include_archived || t.active);
    json(StatusCode::OK, &TopicList { items })
}

async fn create_topic<S: TicketStore>(store: &S, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageTopics, None), "manage topics")?;
    let mut input: TopicInput = parse_body(body)?;
    let id = input
        .id
        .take()
        .ok_or_else(|| ApiError::validation(vec![FieldError::new("id", FieldErrorCode::Required, "a new topic needs an id")]))?;
    let topic = input.into_topic(&id, 1).map_err(ApiError::validation)?;
    match store.put_topic(&topic).await {
        Err(StoreError::AlreadyExists) => Err(ApiError::new(ErrorCode::TopicExists, format!("a topic '{id}' exists already"))),
        other => {
            other.map_err(store_error)?;
            json(StatusCode::CREATED, &topic)
        }
    }
}

async fn replace_topic<S: TicketStore>(store: &S, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageTopics, None), "manage topics")?;
    let mut input: TopicInput = parse_body(body)?;
    if input.id.take().is_some_and(|body_id| body_id != id) {
        return Err(ApiError::validation(vec![FieldError::new("id", FieldErrorCode::Invalid, "differs from the topic in the path")]));
    }
    let seen = input.version.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("version", FieldErrorCode::Required, "send the version you are replacing")])
    })?;
    let current = load_topic(store, id).await?;
    if current.version != seen {
        return Err(ApiError::version_conflict(current.version));
    }
    let topic = input.into_topic(id, seen + 1).map_err(ApiError::validation)?;
    store.put_topic(&topic).await.map_err(store_error)?;
    json(StatusCode::OK, &topic)
}

/// Topics are archived, not erased: their tickets keep pointing at them.
async fn archive_topic<S: TicketStore>(store: &S, actor: &Actor, id: &str) -> Reply {
    require(allows(actor, Action::ManageTopics, None), "manage topics")?;
    let mut topic = load_topic(store, id).await?;
    if topic.active {
        topic.active = false;
        topic.version += 1;
        store.put_topic(&topic).await.map_err(store_error)?;
    }
    json(StatusCode::OK, &topic)
}

fn with_type(mut response: Response<Body>, content_type: &'static str) -> Response<Body> {
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
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
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_made_in_one_millisecond_keep_their_order() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}
