//! A fake Telegram Bot API: `sendMessage` (recorded; 403 for a chat that "blocked the bot", 429
//! with `retry_after` when told to throttle) and `getUpdates` (long poll over updates the control
//! routes inject, as a person pressing Start on a deep link would). Control routes:
//! `POST /_control/start {chat_id, token, type?, title?, first_name?}`, `GET /_control/messages`,
//! `POST /_control/block/{chat_id}`, `POST /_control/throttle/{count}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Default)]
struct Inner {
    updates: Vec<Value>,
    messages: Vec<Value>,
    blocked: Vec<i64>,
    throttle: u32,
}

#[derive(Clone, Default)]
pub struct FakeTelegram {
    inner: Arc<Mutex<Inner>>,
    arrived: Arc<Notify>,
}

impl FakeTelegram {
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{bot}/{method}", post(method))
            .route("/_control/start", post(start))
            .route("/_control/messages", get(messages))
            .route("/_control/block/{chat}", post(block))
            .route("/_control/throttle/{count}", post(throttle))
            .with_state(self.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The messages the bot sent: `{chat_id, text}`.
    pub fn sent(&self) -> Vec<Value> {
        self.lock().messages.clone()
    }

    /// Answers 403 to messages for `chat`, as when the person blocked the bot.
    pub fn block(&self, chat: i64) {
        self.lock().blocked.push(chat);
    }

    /// Answers the next `count` messages with 429 (`retry_after` 3).
    pub fn throttle(&self, count: u32) {
        self.lock().throttle = count;
    }

    /// A person (or a group, `kind` "group") sends `/start <token>` from a deep link.
    pub fn press_start(&self, chat_id: i64, kind: &str, token: &str) {
        let mut inner = self.lock();
        let update_id = inner.updates.len() as i64 + 1;
        let chat = json!({"id": chat_id, "type": kind, "title": if kind == "private" { Value::Null } else { json!("Service desk") }});
        let update = json!({"update_id": update_id, "message": {"message_id": update_id, "chat": chat,
            "from": {"id": chat_id, "first_name": "Anna", "username": "anna_p"}, "text": format!("/start {token}")}});
        inner.updates.push(update);
        drop(inner);
        self.arrived.notify_waiters();
    }
}

fn refused(code: u16, description: &str, retry_after: Option<u32>) -> (StatusCode, Json<Value>) {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(seconds) = retry_after {
        body["parameters"] = json!({"retry_after": seconds});
    }
    (StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST), Json(body))
}

async fn method(
    State(fake): State<FakeTelegram>,
    Path((bot, method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !bot.starts_with("bot") || bot.len() < 4 {
        return refused(404, "Not Found", None);
    }
    match method.as_str() {
        "sendMessage" => {
            let chat_id = body["chat_id"].as_str().and_then(|c| c.parse().ok()).or_else(|| body["chat_id"].as_i64()).unwrap_or(0);
            let mut inner = fake.lock();
            if inner.throttle > 0 {
                inner.throttle -= 1;
                return refused(429, "Too Many Requests: retry after 3", Some(3));
            }
            if inner.blocked.contains(&chat_id) {
                return refused(403, "Forbidden: bot was blocked by the user", None);
            }
            inner.messages.push(json!({"chat_id": chat_id, "text": body["text"]}));
            let id = inner.messages.len();
            (StatusCode::OK, Json(json!({"ok": true, "result": {"message_id": id, "chat": {"id": chat_id}}})))
        }
        "getUpdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let timeout = body["timeout"].as_u64().unwrap_or(0).min(30);
            let pending = |fake: &FakeTelegram| -> Vec<Value> {
                fake.lock().updates.iter().filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset).cloned().collect()
            };
            let mut found = pending(&fake);
            if found.is_empty() && timeout > 0 {
                let _ = tokio::time::timeout(Duration::from_secs(timeout), fake.arrived.notified()).await;
                found = pending(&fake);
            }
            (StatusCode::OK, Json(json!({"ok": true, "result": found})))
        }
        "getMe" => (StatusCode::OK, Json(json!({"ok": true, "result": {"id": 1, "is_bot": true, "username": "helpdesk_local_bot"}}))),
        _ => refused(404, "Not Found: method not found", None),
    }
}

async fn start(State(fake): State<FakeTelegram>, Json(body): Json<Value>) -> StatusCode {
    let kind = body["type"].as_str().unwrap_or("private");
    match (body["chat_id"].as_i64(), body["token"].as_str()) {
        (Some(chat), Some(token)) => {
            fake.press_start(chat, kind, token);
            StatusCode::NO_CONTENT
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

async fn messages(State(fake): State<FakeTelegram>) -> Json<Value> {
    Json(json!({"messages": fake.sent()}))
}

async fn block(State(fake): State<FakeTelegram>, Path(chat): Path<i64>) -> StatusCode {
    fake.block(chat);
    StatusCode::NO_CONTENT
}

async fn throttle(State(fake): State<FakeTelegram>, Path(count): Path<u32>) -> StatusCode {
    fake.throttle(count);
    StatusCode::NO_CONTENT
}
