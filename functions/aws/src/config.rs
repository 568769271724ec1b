//! Configuration read from the environment: the names, in one place.

/// The DynamoDB table (the template passes `!Ref HelpdeskTable`).
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The EventBridge bus domain events go to (the template passes `!Ref HelpdeskEventBus`).
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// The key that signs session tokens (at least 32 bytes), on a developer's machine only
/// (scripts/local-env.sh makes one); in AWS the key comes from Secrets Manager.
pub const SESSION_SIGNING_KEY: &str = "SESSION_SIGNING_KEY";
/// The Secrets Manager secret (name or ARN) holding the session signing key: a plain string, or
/// `{"current": "…", "previous": "…"}` while a rotation is under way.
pub const SESSION_SECRET_ID: &str = "SESSION_SECRET_ID";
/// The deployment session tokens are issued for and accepted from (the template passes the stack
/// name), so a token of one stage is refused by another.
pub const SESSION_AUDIENCE: &str = "SESSION_AUDIENCE";
/// The secret holding the LDAP service account's password; empty for none.
pub const LDAP_BIND_PASSWORD_SECRET_ID: &str = "LDAP_BIND_PASSWORD_SECRET_ID";
/// The secret holding the value our CloudFront sends in `x-origin-verify`; empty for none.
pub const ORIGIN_SECRET_ID: &str = "ORIGIN_SECRET_ID";
/// `true` only on a developer's machine (plain http, so cookies without `Secure`). Never set in AWS.
pub const LOCAL_MODE: &str = "HELPDESK_LOCAL_MODE";

/// The bucket attachments are uploaded to and served from.
pub const ATTACHMENTS_BUCKET: &str = "ATTACHMENTS_BUCKET";
/// The bucket the search index lives in (docs/search.md).
pub const SEARCH_INDEX_BUCKET: &str = "SEARCH_INDEX_BUCKET";
/// The report time zone (an IANA name, default UTC): every report day is a day there.
pub const REPORT_TIME_ZONE: &str = "REPORT_TIME_ZONE";
/// The report time zone of the environment; an unknown name is an error (at cold start).
pub fn report_time_zone() -> Result<chrono_tz::Tz, String> {
    match std::env::var(REPORT_TIME_ZONE) {
        Err(_) => Ok(chrono_tz::UTC),
        Ok(name) => name.parse().map_err(|_| format!("{REPORT_TIME_ZONE}: no time zone is called '{name}'")),
    }
}
/// The largest attachment in bytes, and the most files per ticket or message (defaults when unset).
pub const MAX_ATTACHMENT_BYTES: &str = "MAX_ATTACHMENT_BYTES";
pub const MAX_ATTACHMENTS: &str = "MAX_ATTACHMENTS";

/// The attachment limits the environment sets, the defaults for those it does not.
pub fn attachment_limits() -> Result<helpdesk_core::attachment::Limits, String> {
    let mut limits = helpdesk_core::attachment::Limits::default();
    if let Some(v) = std::env::var(MAX_ATTACHMENT_BYTES).ok().filter(|v| !v.is_empty()) {
        limits.max_bytes = v.parse().map_err(|_| format!("{MAX_ATTACHMENT_BYTES} is not a number of bytes: {v}"))?;
    }
    if let Some(v) = std::env::var(MAX_ATTACHMENTS).ok().filter(|v| !v.is_empty()) {
        limits.max_files = v.parse().map_err(|_| format!("{MAX_ATTACHMENTS} is not a number: {v}"))?;
    }
    Ok(limits)
}

pub use aws_config::SdkConfig;

/// The AWS SDK configuration from the usual sources. `AWS_ENDPOINT_URL` and
/// `AWS_ENDPOINT_URL_DYNAMODB` point it at a local stack.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(sdk_http_client()).load().await
}

/// The HTTP client of every AWS SDK client: hyper with rustls on ring (Cargo.toml says why not
/// the SDK's default aws-lc-rs).
pub fn sdk_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)).build_https()
}

/// Reads a required variable, naming it when it is missing.
pub fn required(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
}

/// The address notifications are sent from (an SES-verified identity).
pub const MAIL_FROM: &str = "MAIL_FROM";
/// The shared support address mail intake receives; notifications reply to `local+token@domain`
/// of it. Empty for none (replies then go to `MAIL_FROM`).
pub const SUPPORT_ADDRESS: &str = "SUPPORT_ADDRESS";
/// The site people open (`https://help.example.com`): links in notifications point there.
pub const SITE_URL: &str = "SITE_URL";
/// The queue the event bus fills for the notify function: failed messages wait there longer each try.
pub const NOTIFY_QUEUE_URL: &str = "NOTIFY_QUEUE_URL";
/// The Secrets Manager secret (JSON) holding the notification channels' secrets
/// ([`crate::secrets`]). Its id, never its value.
pub const CHANNELS_SECRET_ID: &str = "CHANNELS_SECRET_ID";
/// The Bot API's base URL (Telegram's own by default; a fake in tests and locally).
pub const TELEGRAM_API_URL: &str = "TELEGRAM_API_URL";
/// The bot's user name, for deep links (`https://t.me/<name>?start=…`); empty: no Telegram.
pub const TELEGRAM_BOT_NAME: &str = "TELEGRAM_BOT_NAME";
/// The SNS platform applications phones register under; empty: that platform is off.
pub const FCM_APPLICATION_ARN: &str = "FCM_APPLICATION_ARN";
pub const APNS_APPLICATION_ARN: &str = "APNS_APPLICATION_ARN";
