//! Where a person (or an agent group) is reached beyond mail and SMS: linking a Telegram chat by a
//! one-time deep link, browsers' push subscriptions, phones' push tokens, and the Telegram webhook
//! that completes a link.

use crate::notifications::settings;
use crate::{Reply, json, not_found, require, store_error};
use chrono::{DateTime, Duration, Utc};
use helpdesk_aws::{Contacts, Directory, NotificationLog};
use helpdesk_core::api::parse_body;
use helpdesk_core::notify::contacts::{
    NewDevice, NewPushSubscription, TELEGRAM_LINK_SECONDS, TelegramLinkOffer, device_id, start_token, web_push_id,
};
use helpdesk_core::notify::{Contact, MobilePlatform, Owner};
use helpdesk_core::{Actor, ApiError, ErrorCode, Role};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

/// The header Telegram sends the webhook's secret token in.
pub const TELEGRAM_SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What this deployment can reach people through, as configured at cold start.
#[derive(Clone, Default)]
pub struct ChannelSetup {
    /// The bot's user name (deep links); `None`: no Telegram.
    pub telegram_bot: Option<String>,
    /// What Telegram must send in [`TELEGRAM_SECRET_HEADER`]; without it the webhook refuses all.
    pub telegram_webhook_secret: Option<String>,
    /// The VAPID public key browsers subscribe with; `None`: no web push.
    pub web_push_key: Option<String>,
    /// SNS, and the platform applications phones register under.
    pub sns: Option<helpdesk_aws::aws_sdk_sns::Client>,
    pub fcm_application: Option<String>,
    pub apns_application: Option<String>,
}

impl ChannelSetup {
    /// From the environment and the channels' secrets (cold start).
    pub async fn from_env(sdk: &helpdesk_aws::config::SdkConfig) -> Result<Self, String> {
        use helpdesk_aws::config;
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let secrets = helpdesk_aws::secrets::ChannelSecrets::load(sdk).await?;
        let web_push_key = match &secrets.vapid_private_key {
            Some(key) => Some(helpdesk_aws::secrets::vapid_public_key(key)?),
            None => None,
        };
        let (fcm_application, apns_application) = (var(config::FCM_APPLICATION_ARN), var(config::APNS_APPLICATION_ARN));
        let sns = (fcm_application.is_some() || apns_application.is_some()).then(|| helpdesk_aws::aws_sdk_sns::Client::new(sdk));
        Ok(ChannelSetup {
            telegram_bot: var(config::TELEGRAM_BOT_NAME),
            telegram_webhook_secret: secrets.telegram_webhook_secret,
            web_push_key,
            sns,
            fcm_application,
            apns_application,
        })
    }
}

fn not_configured(what: &str) -> ApiError {
    ApiError::new(ErrorCode::ChannelNotConfigured, format!("{what} is not set up on this helpdesk"))
}

/// A fresh link token: `u` (a person's) or `g` (a group's) and 32 random base64url characters.
fn link_token(prefix: char) -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    use base64::Engine;
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

async fn offer<S: Contacts>(store: &S, setup: &ChannelSetup, owner: Owner, now: DateTime<Utc>) -> Reply {
    let bot = setup.telegram_bot.as_deref().ok_or_else(|| not_configured("Telegram"))?;
    let (prefix, parameter) = match owner {
        Owner::User(_) => ('u', "start"),
        Owner::Group(_) => ('g', "startgroup"),
    };
    let token = link_token(prefix);
    let expires_at = now + Duration::seconds(TELEGRAM_LINK_SECONDS);
    store.offer_link(&token, &owner, expires_at).await.map_err(store_error)?;
    json(StatusCode::CREATED, &TelegramLinkOffer { url: format!("https://t.me/{bot}?{parameter}={token}"), expires_at })
}

/// `POST /api/auth/me/telegram`: a one-time link that ties the Telegram chat opening it to the caller.
pub async fn link_my_telegram<S: Contacts>(store: &S, setup: &ChannelSetup, actor: &Actor) -> Reply {
    offer(store, setup, Owner::User(actor.id.clone()), Utc::now()).await
}

pub async fn add_push_subscription<S: Directory + NotificationLog + Contacts>(
    store: &S,
    setup: &ChannelSetup,
    local_mode: bool,
    actor: &Actor,
    body: &[u8],
) -> Reply {
    if setup.web_push_key.is_none() {
        return Err(not_configured("Web push"));
    }
    let new: NewPushSubscription = parse_body(body)?;
    new.validate(local_mode).map_err(ApiError::validation)?;
    let contact = Contact::WebPush {
        id: web_push_id(&new.endpoint),
        endpoint: new.endpoint,
        p256dh: new.keys.p256dh,
        auth: new.keys.auth,
        device: new.device.map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).unwrap_or_else(|| "Browser".into()),
        created_at: Utc::now(),
    };
    store.put_contact(&Owner::User(actor.id.clone()), &contact).await.map_err(store_error)?;
    with_status(settings(store, setup, actor).await, StatusCode::CREATED)
}

pub async fn register_device<S: Directory + NotificationLog + Contacts>(
    store: &S,
    setup: &ChannelSetup,
    actor: &Actor,
    body: &[u8],
) -> Reply {
    let new: NewDevice = parse_body(body)?;
    new.validate().map_err(ApiError::validation)?;
    let application = match new.platform {
        MobilePlatform::Fcm => setup.fcm_application.as_deref(),
        MobilePlatform::Apns => setup.apns_application.as_deref(),
    };
    let (Some(sns), Some(application)) = (&setup.sns, application) else {
        return Err(not_configured("Mobile push for this platform"));
    };
    let token = new.token.trim();
    let owner = Owner::User(actor.id.clone());
    let id = device_id(token);
    // A phone that changes hands: it stops being its previous owner's contact.
    if let Some(previous) = store.claim_device(&id, &owner).await.map_err(store_error)?
        && previous != owner
    {
        store.remove_contact(&previous, &id).await.map_err(store_error)?;
    }
    let endpoint_arn = helpdesk_aws::platform_endpoints::register_endpoint(sns, application, token, &actor.id).await.map_err(|e| {
        tracing::error!(error = %e, "registering a phone with SNS failed");
        ApiError::new(ErrorCode::ServiceBusy, "the push service did not take the device; try again shortly").retry_after(5)
    })?;
    let contact = Contact::Mobile {
        id,
        platform: new.platform,
        token: token.to_string(),
        endpoint_arn,
        device: new.device.map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).unwrap_or_else(|| "Phone".into()),
        created_at: Utc::now(),
    };
    store.put_contact(&owner, &contact).await.map_err(store_error)?;
    with_status(settings(store, setup, actor).await, StatusCode::CREATED)
}

/// `DELETE /api/auth/me/contacts/{id}`: a Telegram chat, a browser or a phone of the caller's.
pub async fn remove_contact<S: Directory + NotificationLog + Contacts>(store: &S, setup: &ChannelSetup, actor: &Actor, id: &str) -> Reply {
    let removed = store.remove_contact(&Owner::User(actor.id.clone()), id).await.map_err(store_error)?;
    match removed {
        None => return Err(not_found("contact")),
        Some(Contact::Mobile { endpoint_arn, .. }) => {
            if let Some(sns) = &setup.sns
                && let Err(e) = helpdesk_aws::platform_endpoints::delete_endpoint(sns, &endpoint_arn).await
            {
                tracing::warn!(error = %e, "could not delete a removed phone's endpoint");
            }
        }
        Some(_) => {}
    }
    settings(store, setup, actor).await
}

fn with_status(reply: Reply, status: StatusCode) -> Reply {
    reply.map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

/// Admins, and agents of the group, manage its Telegram chat.
async fn group_owner<S: Directory>(store: &S, actor: &Actor, group: &str) -> Result<Owner, ApiError> {
    let member = actor.role.is_staff() && actor.groups.iter().any(|g| g == group);
    require(actor.role == Role::Admin || member, "manage this group's Telegram chat")?;
    store.get_group(group).await.map_err(store_error)?.ok_or_else(|| not_found("group"))?;
    Ok(Owner::Group(group.to_string()))
}

async fn group_chat<S: Contacts>(store: &S, owner: &Owner) -> Result<serde_json::Value, ApiError> {
    let contacts = store.contacts(owner).await.map_err(store_error)?;
    let chat = contacts.iter().find(|c| matches!(c, Contact::Telegram { .. })).map(Contact::summary);
    Ok(json!({ "chat": chat }))
}

pub async fn group_telegram<S: Directory + Contacts>(store: &S, actor: &Actor, group: &str) -> Reply {
    let owner = group_owner(store, actor, group).await?;
    json(StatusCode::OK, &group_chat(store, &owner).await?)
}

pub async fn link_group_telegram<S: Directory + Contacts>(store: &S, setup: &ChannelSetup, actor: &Actor, group: &str) -> Reply {
    let owner = group_owner(store, actor, group).await?;
    offer(store, setup, owner, Utc::now()).await
}

pub async fn unlink_group_telegram<S: Directory + Contacts>(store: &S, actor: &Actor, group: &str) -> Reply {
    let owner = group_owner(store, actor, group).await?;
    store.remove_contact(&owner, "telegram").await.map_err(store_error)?;
    json(StatusCode::OK, &group_chat(store, &owner).await?)
}

/// The parts of a Telegram update the link needs.
#[derive(Debug, Deserialize)]
pub struct Update {
    #[serde(default)]
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<Message>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub chat: Chat,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub from: Option<From>,
}

#[derive(Debug, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct From {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub username: Option<String>,
}

/// What the bot answers in the chat, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotReply {
    pub chat_id: i64,
    pub text: String,
}

fn bot_text(language: helpdesk_core::user::Language, key: &str) -> String {
    helpdesk_core::messages::text(language, key).to_string()
}

/// Applies one update: a `/start <token>` from a deep link links the chat (a person's link in a
/// private chat, a group's in a group chat), once; anything else in a private chat gets a hint.
/// The webhook and the local runner's long poll both call this.
pub async fn apply_update<S: Directory + Contacts>(store: &S, update: &Update, now: DateTime<Utc>) -> Result<Option<BotReply>, ApiError> {
    use helpdesk_core::user::Language;
    let Some(message) = &update.message else { return Ok(None) };
    let private = message.chat.kind == "private";
    let reply = |language: Language, key: &str| Ok(Some(BotReply { chat_id: message.chat.id, text: bot_text(language, key) }));
    let Some(token) = message.text.as_deref().and_then(start_token) else {
        return if private { reply(Language::En, "bot.help") } else { Ok(None) };
    };
    // A person's link works in a private chat only, a group's in a group only: checked before
    // the one-time token is spent.
    let wants_group = token.starts_with('g');
    if wants_group == private {
        return reply(Language::En, if private { "bot.group_link_in_private" } else { "bot.personal_link_in_group" });
    }
    let Some(owner) = store.take_link(token, now).await.map_err(store_error)? else {
        return reply(Language::En, "bot.link_expired");
    };
    let title = match (&message.chat.title, &message.from) {
        (Some(title), _) => title.clone(),
        (None, Some(from)) => from.username.as_ref().map_or_else(|| from.first_name.clone(), |u| format!("@{u}")),
        (None, None) => String::new(),
    };
    let contact = Contact::Telegram { chat_id: message.chat.id, title, linked_at: now };
    store.put_contact(&owner, &contact).await.map_err(store_error)?;
    match &owner {
        Owner::User(id) => {
            let language = store.get_user(id).await.map_err(store_error)?.map(|u| u.user.language).unwrap_or_default();
            reply(language, "bot.linked")
        }
        Owner::Group(_) => reply(Language::En, "bot.group_linked"),
    }
}

/// `POST /api/telegram/webhook`: Telegram's calls, proved by the secret token set with
/// `setWebhook`. The bot's answer rides on the response (a Bot API method call), so this function
/// needs no bot token.
pub async fn webhook<S: Directory + Contacts>(store: &S, setup: &ChannelSetup, req: &Request, body: &[u8]) -> Reply {
    let sent = req.headers().get(TELEGRAM_SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    let proved = setup.telegram_webhook_secret.as_deref().is_some_and(|secret| crate::identity::same_secret(sent, secret.as_bytes()));
    if !proved {
        return Err(ApiError::new(ErrorCode::Forbidden, "not Telegram"));
    }
    let update: Update =
        serde_json::from_slice(body).map_err(|e| ApiError::new(ErrorCode::MalformedJson, format!("not a Telegram update: {e}")))?;
    match apply_update(store, &update, Utc::now()).await? {
        Some(reply) => json(StatusCode::OK, &json!({"method": "sendMessage", "chat_id": reply.chat_id, "text": reply.text})),
        None => json(StatusCode::OK, &json!({})),
    }
}
