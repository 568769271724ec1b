//! The HTTP API, as the browser calls it: same-origin JSON with the session cookie, and the CSRF
//! token (the `hd_csrf` cookie) echoed in `x-csrf-token` on every state-changing request.

use gloo_net::http::{Method, RequestBuilder};
use helpdesk_core::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// Why a request failed: the API said no (with its stable code), or it could not be reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Api(ApiError),
    Network,
}

pub type Answer<T> = Result<T, Failure>;

thread_local! {
    /// What to do when the session has ended (expired, signed out elsewhere): the app shows sign-in.
    static ON_SIGNED_OUT: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

pub fn on_signed_out(f: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|cell| *cell.borrow_mut() = Some(Box::new(f)));
}

fn csrf_token() -> Option<String> {
    let document = web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()?;
    let cookies = document.cookie().ok()?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix("hd_csrf=").map(str::to_string))
}

async fn run<T: DeserializeOwned>(builder: RequestBuilder, body: Option<String>) -> Answer<T> {
    let request = match body {
        Some(json) => builder.header("content-type", "application/json").body(json),
        None => builder.build(),
    }
    .map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    let text = response.text().await.map_err(|_| Failure::Network)?;
    if response.ok() {
        return serde_json::from_str(&text).map_err(|e| Failure::Api(ApiError::new(ErrorCode::Internal, e.to_string())));
    }
    let error = serde_json::from_str::<ApiError>(&text)
        .unwrap_or_else(|_| ApiError::new(ErrorCode::Internal, format!("HTTP {}", response.status())));
    if error.code == ErrorCode::Unauthenticated {
        ON_SIGNED_OUT.with(|cell| {
            if let Some(f) = cell.borrow().as_ref() {
                f()
            }
        });
    }
    Err(Failure::Api(error))
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Answer<T> {
    run(RequestBuilder::new(path).method(Method::GET), None).await
}

/// POST, PUT, PATCH or DELETE with a JSON body.
pub async fn send<T: DeserializeOwned>(method: Method, path: &str, body: &impl Serialize) -> Answer<T> {
    let json = serde_json::to_string(body).map_err(|_| Failure::Network)?;
    let mut builder = RequestBuilder::new(path).method(method);
    if let Some(token) = csrf_token() {
        builder = builder.header("x-csrf-token", &token);
    }
    run(builder, Some(json)).await
}

/// Builds `path?name=value&…`, leaving out empty values.
pub fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect();
    if query.is_empty() { path.to_string() } else { format!("{path}?{}", query.join("&")) }
}
