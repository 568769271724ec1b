//! A fake push service. `POST /subscribe/{name}` answers a subscription ({endpoint, keys}) whose
//! keys derive from the name (the same name, the same keys, across restarts); `POST /push/{name}`
//! takes an RFC 8291 message, checks the VAPID header, decrypts it and records the plaintext;
//! `GET /messages` lists them; `POST /gone/{name}` makes the endpoint answer 410 from then on.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;

#[derive(Default)]
struct Inner {
    received: Vec<Value>,
    gone: Vec<String>,
}

#[derive(Clone)]
pub struct FakePush {
    /// The base URL endpoints are made under (where the router is served).
    base: String,
    inner: Arc<Mutex<Inner>>,
}

/// The private key and auth secret of subscription `name`.
fn keys_of(name: &str) -> (p256::SecretKey, [u8; 16]) {
    let mut seed = Sha256::digest(format!("fake-push-key:{name}").as_bytes());
    loop {
        if let Ok(key) = p256::SecretKey::from_slice(&seed) {
            let auth = Sha256::digest(format!("fake-push-auth:{name}").as_bytes());
            let mut secret = [0u8; 16];
            secret.copy_from_slice(&auth[..16]);
            return (key, secret);
        }
        seed = Sha256::digest(seed);
    }
}

impl FakePush {
    pub fn new(base: &str) -> Self {
        FakePush { base: base.trim_end_matches('/').to_string(), inner: Arc::default() }
    }

    /// A fake of its own on a free loopback port (its endpoints name that port).
    pub async fn on_loopback() -> std::io::Result<FakePush> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let push = FakePush::new(&format!("http://{}", listener.local_addr()?));
        let router = push.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(push)
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/subscribe/{name}", post(subscribe))
            .route("/push/{name}", post(push))
            .route("/messages", get(messages))
            .route("/gone/{name}", post(gone))
            .with_state(self.clone())
    }

    /// What a browser's `PushSubscription.toJSON()` would give for subscription `name`.
    pub fn subscription(&self, name: &str) -> Value {
        let (key, auth) = keys_of(name);
        json!({
            "endpoint": format!("{}/push/{name}", self.base),
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(key.public_key().to_encoded_point(false).as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(auth),
            }
        })
    }

    /// The decrypted messages: `{name, payload}` (payload parsed when JSON).
    pub fn received(&self) -> Vec<Value> {
        self.inner.lock().map(|i| i.received.clone()).unwrap_or_default()
    }

    pub fn make_gone(&self, name: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.gone.push(name.to_string());
        }
    }
}

async fn subscribe(State(fake): State<FakePush>, Path(name): Path<String>) -> Json<Value> {
    Json(fake.subscription(&name))
}

async fn push(State(fake): State<FakePush>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if fake.inner.lock().map(|i| i.gone.contains(&name)).unwrap_or(false) {
        return (StatusCode::GONE, "push subscription has unsubscribed or expired".into());
    }
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if header("content-encoding") != "aes128gcm" || !header("authorization").starts_with("vapid t=") || header("ttl").is_empty() {
        return (StatusCode::BAD_REQUEST, "not an RFC 8291 push with VAPID".into());
    }
    let (key, auth) = keys_of(&name);
    let auth = web_push_native::Auth::clone_from_slice(&auth);
    let plain = match web_push_native::decrypt(body.to_vec(), &key, &auth) {
        Ok(plain) => plain,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("cannot decrypt: {e}")),
    };
    let text = String::from_utf8_lossy(&plain).to_string();
    let payload = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
    let size = body.len();
    if let Ok(mut inner) = fake.inner.lock() {
        inner.received.push(json!({"name": name, "payload": payload, "encrypted_bytes": size}));
    }
    (StatusCode::CREATED, String::new())
}

async fn messages(State(fake): State<FakePush>) -> Json<Value> {
    Json(json!({"messages": fake.received()}))
}

async fn gone(State(fake): State<FakePush>, Path(name): Path<String>) -> StatusCode {
    fake.make_gone(&name);
    StatusCode::NO_CONTENT
}
