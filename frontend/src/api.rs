//! The HTTP API, as the browser calls it: same-origin JSON with the session cookie, and the CSRF
//! token (the `hd_csrf` cookie) echoed in `x-csrf-token` on every state-changing request.

use gloo_net::http::{Method, RequestBuilder};
use helpdesk_core::{ApiError, ErrorCode};
use leptos::prelude::{Get, LocalResource, Signal};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::marker::PhantomData;
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

/// Sends the request; the body of a successful answer. Not generic, so the HTTP handling is
/// compiled once rather than once per answer type.
async fn run(builder: RequestBuilder, body: Option<String>) -> Result<String, Failure> {
    let request = match body {
        Some(json) => builder.header("content-type", "application/json").body(json),
        None => builder.build(),
    }
    .map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    let text = response.text().await.map_err(|_| Failure::Network)?;
    if response.ok() {
        return Ok(text);
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

fn decode<T: DeserializeOwned>(answer: Result<String, Failure>) -> Answer<T> {
    serde_json::from_str(&answer?).map_err(|e| Failure::Api(ApiError::new(ErrorCode::Internal, e.to_string())))
}

async fn get_text(path: &str) -> Result<String, Failure> {
    run(RequestBuilder::new(path).method(Method::GET), None).await
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Answer<T> {
    decode(get_text(path).await)
}

async fn send_text(method: Method, path: &str, json: String) -> Result<String, Failure> {
    let mut builder = RequestBuilder::new(path).method(method);
    if let Some(token) = csrf_token() {
        builder = builder.header("x-csrf-token", &token);
    }
    run(builder, Some(json)).await
}

/// POST, PUT, PATCH or DELETE with a JSON body.
pub async fn send<T: DeserializeOwned>(method: Method, path: &str, body: &impl Serialize) -> Answer<T> {
    let json = serde_json::to_string(body).map_err(|_| Failure::Network)?;
    decode(send_text(method, path, json).await)
}

/// [`send`] for answers without a body (204 No Content): only whether it worked.
pub async fn send_only(method: Method, path: &str, body: &impl Serialize) -> Result<(), Failure> {
    let json = serde_json::to_string(body).map_err(|_| Failure::Network)?;
    send_text(method, path, json).await.map(|_| ())
}

/// An id as one segment of an API path or an address.
pub fn segment(id: &str) -> String {
    js_sys::encode_uri_component(id).into()
}

/// The answer at an address, fetched again whenever the address changes; not loaded while there
/// is none. The resource holds the answer's text and each read decodes it, so every resource is of
/// one type and the async machinery is compiled once, not once per answer type.
pub struct Fetched<T> {
    text: LocalResource<Option<Result<String, Failure>>>,
    answer: PhantomData<fn() -> T>,
}

impl<T> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetched<T> {}

impl<T: DeserializeOwned> Fetched<T> {
    pub fn new(url: Signal<Option<String>>) -> Self {
        Fetched { text: text_resource(url), answer: PhantomData }
    }

    pub fn of(url: Signal<String>) -> Self {
        Self::new(Signal::derive(move || Some(url.get())))
    }

    /// An address that does not change.
    pub fn fixed(url: &str) -> Self {
        Self::new(Signal::stored(Some(url.to_string())))
    }

    /// The answer once it is in (reactive), like `LocalResource::get`.
    pub fn get(&self) -> Option<Answer<T>> {
        self.text.get().flatten().map(decode)
    }

    /// Waits for the answer: for `Suspend` inside `<Suspense>`/`<Transition>`. Only for resources
    /// that always have an address (an address-less one answers as unreachable).
    pub async fn load(self) -> Answer<T> {
        decode(self.text.await.unwrap_or(Err(Failure::Network)))
    }
}

fn text_resource(url: Signal<Option<String>>) -> LocalResource<Option<Result<String, Failure>>> {
    LocalResource::new(move || {
        let url = url.get();
        // No address: nothing to wait for (a future that never ends would stall later loads).
        async move {
            match url {
                Some(url) => Some(get_text(&url).await),
                None => None,
            }
        }
    })
}

/// Builds `path?name=value&…`, leaving out empty values.
pub fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect();
    let separator = if path.contains('?') { '&' } else { '?' };
    if query.is_empty() { path.to_string() } else { format!("{path}{separator}{}", query.join("&")) }
}
