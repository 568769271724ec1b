//! Where a person, or an agent group, is reached beyond their profile's e-mail and phone: a linked
//! Telegram chat, the browsers subscribed to web push, the phones registered for mobile push. The
//! notify function reads them; the profile page lists and removes them.

use super::preferences::ChannelKind;
use crate::error::{FieldError, FieldErrorCode as Code};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a contact belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    User(String),
    /// An agent group: its linked Telegram chat hears the group's notices.
    Group(String),
}

impl Owner {
    /// How the decision log and the store name it: `anna.petrova`, `group:service-desk`.
    pub fn name(&self) -> String {
        match self {
            Owner::User(id) => id.clone(),
            Owner::Group(id) => format!("group:{id}"),
        }
    }

    pub fn parse(name: &str) -> Option<Owner> {
        match name.strip_prefix("group:") {
            Some(group) if !group.is_empty() => Some(Owner::Group(group.into())),
            Some(_) => None,
            None if !name.is_empty() => Some(Owner::User(name.into())),
            None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MobilePlatform {
    /// Android, through Firebase Cloud Messaging.
    Fcm,
    Apns,
}

/// One way to reach an owner, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Contact {
    Telegram {
        chat_id: i64,
        /// The chat's title (a group) or the person's Telegram name, as Telegram told it.
        #[serde(default)]
        title: String,
        linked_at: DateTime<Utc>,
    },
    WebPush {
        /// Derived from the endpoint: the same browser subscribing again replaces its entry.
        id: String,
        endpoint: String,
        /// The browser's P-256 public key and auth secret, base64url (RFC 8291).
        p256dh: String,
        auth: String,
        /// What the person called it, or the browser's description.
        device: String,
        created_at: DateTime<Utc>,
    },
    Mobile {
        /// Derived from the token: registering the same phone again updates its entry.
        id: String,
        platform: MobilePlatform,
        token: String,
        /// The SNS platform endpoint messages are published to.
        endpoint_arn: String,
        device: String,
        created_at: DateTime<Utc>,
    },
}

impl Contact {
    pub fn channel(&self) -> ChannelKind {
        match self {
            Contact::Telegram { .. } => ChannelKind::Telegram,
            Contact::WebPush { .. } => ChannelKind::WebPush,
            Contact::Mobile { .. } => ChannelKind::MobilePush,
        }
    }

    /// Its id among the owner's contacts (a person has one Telegram chat).
    pub fn id(&self) -> &str {
        match self {
            Contact::Telegram { .. } => "telegram",
            Contact::WebPush { id, .. } | Contact::Mobile { id, .. } => id,
        }
    }

    /// The address the channel sends to: the chat id, the subscription (as JSON), the endpoint ARN.
    pub fn address(&self) -> String {
        match self {
            Contact::Telegram { chat_id, .. } => chat_id.to_string(),
            Contact::WebPush { endpoint, p256dh, auth, .. } => {
                serde_json::json!({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}).to_string()
            }
            Contact::Mobile { endpoint_arn, .. } => endpoint_arn.clone(),
        }
    }

    /// What the profile page shows: no keys, no tokens.
    pub fn summary(&self) -> ContactSummary {
        let (device, at) = match self {
            Contact::Telegram { title, linked_at, .. } => (title.clone(), *linked_at),
            Contact::WebPush { device, created_at, .. } | Contact::Mobile { device, created_at, .. } => (device.clone(), *created_at),
        };
        let platform = match self {
            Contact::Mobile { platform, .. } => Some(*platform),
            _ => None,
        };
        ContactSummary { id: self.id().to_string(), channel: self.channel(), device, platform, added_at: at }
    }
}

/// A contact as its owner sees it in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactSummary {
    pub id: String,
    pub channel: ChannelKind,
    /// The browser, phone or chat, in words.
    pub device: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<MobilePlatform>,
    pub added_at: DateTime<Utc>,
}

/// A browser's contact id, from its push endpoint (the page finds its own entry by it).
pub fn web_push_id(endpoint: &str) -> String {
    contact_id("w", endpoint)
}

/// A phone's contact id, from its push token.
pub fn device_id(token: &str) -> String {
    contact_id("m", token)
}

/// A short stable id for a subscription endpoint or a device token (FNV-1a, 64 bits, hex): the same
/// browser or phone registering twice lands on the same entry.
fn contact_id(prefix: &str, value: &str) -> String {
    let hash = value.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{prefix}{hash:016x}")
}

/// The longest device name kept.
pub const MAX_DEVICE_CHARS: usize = 80;
/// Push endpoints and device tokens longer than this are no real ones (FCM tokens are ~160
/// characters, push endpoints a few hundred).
pub const MAX_ENDPOINT_CHARS: usize = 1024;

/// `POST /api/auth/me/push-subscriptions`: what `PushSubscription.toJSON()` gives in the browser,
/// plus a name for the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPushSubscription {
    pub endpoint: String,
    pub keys: PushKeys,
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<f64>,
    #[serde(default)]
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKeys {
    pub p256dh: String,
    pub auth: String,
}

fn base64url_bytes(text: &str) -> Option<usize> {
    let ok = !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=');
    ok.then(|| text.trim_end_matches('=').len() * 3 / 4)
}

/// Whether the notify function may POST to `endpoint`: an `https` URL with a host name, never an
/// address literal or `localhost` (a subscription must not aim our function at its own network).
/// `allow_loopback` lets the local stack's fake push service on `http://127.0.0.1` through.
pub fn push_endpoint_allowed(endpoint: &str, allow_loopback: bool) -> bool {
    let (scheme, rest) = match endpoint.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') || authority.is_empty() {
        return false;
    }
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or("").to_ascii_lowercase()
    };
    let loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
    if loopback {
        return allow_loopback && (scheme == "http" || scheme == "https");
    }
    let literal =
        host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok() || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    scheme == "https" && !literal && host.contains('.') && !host.ends_with(".localhost") && !host.ends_with(".internal")
}

impl NewPushSubscription {
    pub fn validate(&self, allow_loopback: bool) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.endpoint.len() > MAX_ENDPOINT_CHARS || !push_endpoint_allowed(&self.endpoint, allow_loopback) {
            errors.push(FieldError::new("endpoint", Code::Invalid, "not a push service's https address"));
        }
        // An uncompressed P-256 point is 65 bytes; the auth secret 16.
        if base64url_bytes(&self.keys.p256dh) != Some(65) {
            errors.push(FieldError::new("keys.p256dh", Code::Invalid, "not a base64url P-256 public key"));
        }
        if base64url_bytes(&self.keys.auth) != Some(16) {
            errors.push(FieldError::new("keys.auth", Code::Invalid, "not a base64url 16-byte auth secret"));
        }
        check_device(&self.device, &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// `POST /api/auth/me/devices`: a phone's push token from FCM or APNs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub platform: MobilePlatform,
    pub token: String,
    #[serde(default)]
    pub device: Option<String>,
}

impl NewDevice {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let token = self.token.trim();
        let plain = token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b));
        if token.len() < 8 || token.len() > MAX_ENDPOINT_CHARS || !plain {
            errors.push(FieldError::new("token", Code::Invalid, "not a push token"));
        }
        check_device(&self.device, &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn check_device(device: &Option<String>, errors: &mut Vec<FieldError>) {
    if device.as_ref().is_some_and(|d| d.chars().count() > MAX_DEVICE_CHARS || d.chars().any(char::is_control)) {
        errors.push(FieldError::new("device", Code::TooLong, format!("at most {MAX_DEVICE_CHARS} printable characters")));
    }
}

/// `POST /api/auth/me/telegram` (and a group's): the one-time link to open in Telegram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramLinkOffer {
    /// `https://t.me/<bot>?start=<token>` (for a group: `startgroup=`).
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// How long a Telegram link offer stays usable.
pub const TELEGRAM_LINK_SECONDS: i64 = 15 * 60;

/// The payload of a `/start <token>` command, as Telegram delivers a deep link (`/start@bot token`
/// in a group). Tokens are at most 64 characters of `[A-Za-z0-9_-]`.
pub fn start_token(text: &str) -> Option<&str> {
    let mut words = text.split_whitespace();
    let command = words.next()?;
    let command = command.split('@').next()?;
    let token = words.next()?;
    let plain = token.len() <= 64 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (command == "/start" && plain && words.next().is_none()).then_some(token)
}

/// The push message a browser's service worker shows: small, well inside the 4 KiB the push
/// services take once encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPayload {
    pub title: String,
    pub body: String,
    /// The page to open on a click.
    pub url: String,
    /// One notification per ticket: a newer one replaces it.
    pub tag: String,
}

/// The most bytes of a push payload before encryption (the services' limit is 4096 encrypted).
pub const MAX_PUSH_PAYLOAD_BYTES: usize = 3000;

impl PushPayload {
    /// The JSON sent, with the body shortened (on a character boundary) to fit.
    pub fn to_json(&self) -> String {
        let mut payload = self.clone();
        loop {
            let text = serde_json::to_string(&payload).unwrap_or_default();
            if text.len() <= MAX_PUSH_PAYLOAD_BYTES || payload.body.is_empty() {
                return text;
            }
            // Bytes over, plus room for the ellipsis; cut on a character boundary.
            let mut keep = payload.body.trim_end_matches('…').len().saturating_sub(text.len() - MAX_PUSH_PAYLOAD_BYTES + '…'.len_utf8());
            while !payload.body.is_char_boundary(keep) {
                keep -= 1;
            }
            payload.body = format!("{}…", &payload.body[..keep]);
            if keep == 0 {
                payload.body.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_endpoints_are_public_https_hosts_only() {
        for good in ["https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/x"] {
            assert!(push_endpoint_allowed(good, false), "{good}");
        }
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://localhost/x",
            "https://user@fcm.googleapis.com/x",
            "https://metadata.internal/x",
            "ftp://fcm.googleapis.com/x",
            "fcm.googleapis.com",
            "https:///x",
        ] {
            assert!(!push_endpoint_allowed(bad, false), "{bad}");
        }
        assert!(push_endpoint_allowed("http://127.0.0.1:8080/_fake/push/1", true), "the local fake");
        assert!(!push_endpoint_allowed("http://10.0.0.1/x", true));
    }

    #[test]
    fn start_tokens_come_from_deep_links_only() {
        assert_eq!(start_token("/start abc_DEF-1"), Some("abc_DEF-1"));
        assert_eq!(start_token("/start@helpdesk_bot abc"), Some("abc"));
        assert_eq!(start_token("/start"), None);
        assert_eq!(start_token("/stop abc"), None);
        assert_eq!(start_token("/start abc def"), None);
        assert_eq!(start_token(&format!("/start {}", "a".repeat(65))), None);
        assert_eq!(start_token("/start a%b"), None);
    }

    #[test]
    fn payloads_fit_the_push_services_limit() {
        let long =
            PushPayload { title: "[HD-1] t".into(), body: "й".repeat(5000), url: "https://x/tickets/HD-1".into(), tag: "HD-1".into() };
        let json = long.to_json();
        assert!(json.len() <= MAX_PUSH_PAYLOAD_BYTES, "{}", json.len());
        let back: PushPayload = serde_json::from_str(&json).unwrap();
        assert!(back.body.ends_with('…') && back.url == long.url);
    }

    #[test]
    fn contact_ids_are_stable_and_owners_round_trip() {
        assert_eq!(web_push_id("https://a/b"), web_push_id("https://a/b"));
        assert_ne!(web_push_id("x"), device_id("x"));
        assert_ne!(web_push_id("https://a/b"), web_push_id("https://a/c"));
        for owner in [Owner::User("anna".into()), Owner::Group("service-desk".into())] {
            assert_eq!(Owner::parse(&owner.name()), Some(owner));
        }
        assert_eq!(Owner::parse("group:"), None);
    }

    #[test]
    fn subscriptions_and_devices_are_checked_field_by_field() {
        let key = "B".to_string() + &"A".repeat(86);
        let good = NewPushSubscription {
            endpoint: "https://fcm.googleapis.com/fcm/send/x".into(),
            keys: PushKeys { p256dh: key.clone(), auth: "A".repeat(22) },
            expiration_time: None,
            device: Some("Firefox on Linux".into()),
        };
        assert_eq!(good.validate(false), Ok(()));
        let bad = NewPushSubscription {
            endpoint: "http://10.0.0.1/".into(),
            keys: PushKeys { p256dh: "short".into(), auth: "!!".into() },
            expiration_time: None,
            device: Some("x".repeat(81)),
        };
        let fields: Vec<String> = bad.validate(false).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["endpoint", "keys.p256dh", "keys.auth", "device"]);
        let device = NewDevice { platform: MobilePlatform::Fcm, token: "tok with spaces".into(), device: None };
        assert_eq!(device.validate().unwrap_err()[0].field, "token");
    }
}
