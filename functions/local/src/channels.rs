//! The notification channels on a developer's machine: Telegram and web push go to the fakes this
//! runner serves itself (`/_fake/telegram`, `/_fake/push`, see helpdesk-fakes) unless
//! `TELEGRAM_API_URL` names another Bot API; phones register with SNS platform applications the
//! runner creates in moto. Telegram's updates come by long polling (`getUpdates`), where AWS uses
//! the webhook; both go through `tickets_api::channels::apply_update`.

use helpdesk_aws::channels::TelegramBot;
use helpdesk_aws::config;
use helpdesk_aws::platform_endpoints::create_application;
use helpdesk_aws::secrets::ChannelSecrets;
use helpdesk_aws::{Contacts, DynamoStore, NotificationLog};
use helpdesk_core::Role;
use helpdesk_core::notify::contacts::{NewPushSubscription, device_id, web_push_id};
use helpdesk_core::notify::{ChannelKind, Contact, MobilePlatform, Notice, Owner, Preferences};
use helpdesk_fakes::push::FakePush;
use helpdesk_fakes::telegram::FakeTelegram;
use tickets_api::channels::{ChannelSetup, Update, apply_update};

/// The local bot's name in deep links.
pub const LOCAL_BOT_NAME: &str = "helpdesk_local_bot";
/// A VAPID key for the local stack only (the fake push service does not check it against
/// anything); AWS reads the real one from Secrets Manager.
const LOCAL_VAPID_KEY: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
const LOCAL_BOT_TOKEN: &str = "0:local-fake-bot";

/// The fakes and where they are served.
pub struct Fakes {
    pub telegram: FakeTelegram,
    pub push: FakePush,
    pub telegram_url: String,
}

impl Fakes {
    pub fn new(site_url: &str) -> Self {
        let site = site_url.trim_end_matches('/');
        Fakes {
            telegram: FakeTelegram::default(),
            push: FakePush::new(&format!("{site}/_fake/push")),
            telegram_url: format!("{site}/_fake/telegram"),
        }
    }

    /// Both fakes, to mount at the site's root.
    pub fn router(&self) -> axum::Router {
        axum::Router::new().nest("/_fake/telegram", self.telegram.router()).nest("/_fake/push", self.push.router())
    }
}

/// The secrets as the environment gives them, with the local stand-ins for what it does not.
pub fn local_secrets(mut secrets: ChannelSecrets) -> ChannelSecrets {
    secrets.telegram_bot_token.get_or_insert_with(|| LOCAL_BOT_TOKEN.into());
    secrets.vapid_private_key.get_or_insert_with(|| LOCAL_VAPID_KEY.into());
    secrets
}

pub fn telegram_api(fakes: &Fakes) -> String {
    std::env::var(config::TELEGRAM_API_URL).ok().filter(|u| !u.is_empty()).unwrap_or_else(|| fakes.telegram_url.clone())
}

/// What the API offers: the local bot, the VAPID key, platform applications in moto.
pub async fn setup(sdk: &config::SdkConfig, secrets: &ChannelSecrets) -> Result<ChannelSetup, String> {
    let sns = helpdesk_aws::aws_sdk_sns::Client::new(sdk);
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let fcm = match var(config::FCM_APPLICATION_ARN) {
        Some(arn) => arn,
        None => create_application(&sns, "helpdesk-local-fcm", "GCM").await?,
    };
    let apns = match var(config::APNS_APPLICATION_ARN) {
        Some(arn) => arn,
        None => create_application(&sns, "helpdesk-local-apns", "APNS_SANDBOX").await?,
    };
    let web_push_key = match &secrets.vapid_private_key {
        Some(key) => Some(helpdesk_aws::secrets::vapid_public_key(key)?),
        None => None,
    };
    Ok(ChannelSetup {
        telegram_bot: Some(var(config::TELEGRAM_BOT_NAME).unwrap_or_else(|| LOCAL_BOT_NAME.into())),
        telegram_webhook_secret: secrets.telegram_webhook_secret.clone(),
        web_push_key,
        sns: Some(sns),
        fcm_application: Some(fcm),
        apns_application: Some(apns),
    })
}

/// Long-polls the bot's updates for ever and applies them as the webhook would.
pub async fn poll_telegram(store: DynamoStore, bot: TelegramBot) {
    let mut offset = 0i64;
    loop {
        match bot.updates(offset, 20).await {
            Ok(updates) => {
                for raw in updates {
                    let update: Update = match serde_json::from_value(raw) {
                        Ok(update) => update,
                        Err(e) => {
                            tracing::warn!(error = %e, "an unreadable Telegram update");
                            offset += 1;
                            continue;
                        }
                    };
                    offset = offset.max(update.update_id + 1);
                    match apply_update(&store, &update, chrono::Utc::now()).await {
                        Ok(Some(reply)) => {
                            if let Err(e) = bot.send_text(&reply.chat_id.to_string(), &reply.text).await {
                                tracing::warn!(error = %e, "the bot's answer was not sent");
                            }
                        }
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = ?e, "a Telegram update failed"),
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "Telegram getUpdates failed; trying again shortly");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        }
    }
}

/// The demo requester who hears of replies on every channel.
const CHANNELS_DEMO_USER: &str = "anna.petrova";
/// Her Telegram chat in the fake Bot API.
pub const DEMO_TELEGRAM_CHAT: i64 = 100_1001;

/// Links anna.petrova's Telegram chat, a browser (subscribed at the fake push service) and a
/// phone (an SNS endpoint in moto), and asks for replies on all of them, unless she has contacts.
pub async fn seed_demo<S: NotificationLog + Contacts>(
    store: &S,
    push: &helpdesk_fakes::push::FakePush,
    setup: &tickets_api::channels::ChannelSetup,
) -> Result<(), String> {
    let owner = Owner::User(CHANNELS_DEMO_USER.into());
    if !store.contacts(&owner).await.map_err(|e| e.to_string())?.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let subscription: NewPushSubscription =
        serde_json::from_value(push.subscription("anna-laptop")).map_err(|e| format!("the fake's subscription: {e}"))?;
    let mut contacts = vec![
        Contact::Telegram { chat_id: DEMO_TELEGRAM_CHAT, title: "@anna_p".into(), linked_at: now },
        Contact::WebPush {
            id: web_push_id(&subscription.endpoint),
            endpoint: subscription.endpoint,
            p256dh: subscription.keys.p256dh,
            auth: subscription.keys.auth,
            device: "Firefox on the demo laptop".into(),
            created_at: now,
        },
    ];
    if let (Some(sns), Some(application)) = (&setup.sns, &setup.fcm_application) {
        let token = "demo-anna-pixel-fcm-token";
        let endpoint_arn = helpdesk_aws::platform_endpoints::register_endpoint(sns, application, token, CHANNELS_DEMO_USER).await?;
        contacts.push(Contact::Mobile {
            id: device_id(token),
            platform: MobilePlatform::Fcm,
            token: token.into(),
            endpoint_arn,
            device: "Pixel (demo)".into(),
            created_at: now,
        });
    }
    for contact in &contacts {
        store.put_contact(&owner, contact).await.map_err(|e| e.to_string())?;
    }
    if store.preferences(CHANNELS_DEMO_USER).await.map_err(|e| e.to_string())?.is_none() {
        let mut preferences = Preferences::defaults(Role::Requester);
        preferences
            .channels
            .insert(Notice::Reply, vec![ChannelKind::Email, ChannelKind::Telegram, ChannelKind::WebPush, ChannelKind::MobilePush]);
        preferences.version = 1;
        store.put_preferences(CHANNELS_DEMO_USER, &preferences).await.map_err(|e| e.to_string())?;
    }
    tracing::info!("demo data: anna.petrova's Telegram chat, browser and phone");
    Ok(())
}
