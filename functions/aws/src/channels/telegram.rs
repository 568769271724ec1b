//! Telegram through the Bot API over HTTPS (`POST <base>/bot<token>/<method>`). The base URL is
//! configurable so that tests and the local runner talk to a fake. A 403 means the person blocked
//! the bot or left the chat: the contact is gone; a 429 says how long to wait.

use super::{Channel, HttpClient, Outgoing, SendError, Sending};
use helpdesk_core::notify::ChannelKind;
use serde::Deserialize;
use serde_json::{Value, json};

/// Telegram's own address; `TELEGRAM_API_URL` points elsewhere (a fake) in tests and locally.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// The longest text `sendMessage` takes.
pub const MAX_TEXT_CHARS: usize = 4096;

pub struct TelegramBot {
    http: HttpClient,
    base: String,
    token: String,
}

/// What every Bot API method answers.
#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u32>,
}

impl TelegramBot {
    pub fn new(http: HttpClient, base: &str, token: &str) -> Self {
        Self { http, base: base.trim_end_matches('/').to_string(), token: token.to_string() }
    }

    /// Calls a Bot API method; the bot token never appears in an error.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, SendError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token);
        let body = serde_json::to_vec(body).map_err(|e| SendError::Failed(e.to_string()))?;
        let response = self
            .http
            .post(&url, &[("content-type", b"application/json")], body)
            .await
            .map_err(|e| SendError::Failed(format!("Telegram {method}: {e}")))?;
        let status = response.status;
        let answer: Answer = serde_json::from_slice(&response.body)
            .map_err(|_| SendError::Failed(format!("Telegram {method}: HTTP {status}, not a Bot API answer")))?;
        if answer.ok {
            return Ok(answer.result);
        }
        let code = answer.error_code.unwrap_or(status);
        let detail = format!("Telegram {method}: {code} {}", answer.description.unwrap_or_default());
        Err(match code {
            403 => SendError::Gone(detail),
            429 => SendError::RetryAfter { seconds: answer.parameters.and_then(|p| p.retry_after).unwrap_or(30), detail },
            _ => SendError::Failed(detail),
        })
    }

    pub async fn send_text(&self, chat_id: &str, text: &str) -> Result<String, SendError> {
        let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
        let result =
            self.call("sendMessage", &json!({"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": true}})).await?;
        Ok(result.get("message_id").map(|id| format!("telegram:{chat_id}:{id}")).unwrap_or_default())
    }

    /// Long-polls for updates after `offset` (the local runner's stand-in for the webhook).
    pub async fn updates(&self, offset: i64, timeout_seconds: u32) -> Result<Vec<Value>, SendError> {
        let result =
            self.call("getUpdates", &json!({"offset": offset, "timeout": timeout_seconds, "allowed_updates": ["message"]})).await?;
        Ok(result.as_array().cloned().unwrap_or_default())
    }
}

impl Channel for TelegramBot {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let text = format!("{}\n\n{}", message.rendered.subject, message.rendered.text);
            self.send_text(&message.to, &text).await
        })
    }
}
