//! Secrets read from Secrets Manager at cold start ([`secret_value`]), and the notification
//! channels' secrets: the Telegram bot token, the webhook's secret token and the VAPID private
//! key. In AWS one Secrets Manager secret (JSON) named by `CHANNELS_SECRET_ID`; on a developer's
//! machine (no id set) the environment of scripts/local-env.sh. A channel whose secret is absent
//! is off.

use crate::config;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSecrets {
    #[serde(default)]
    pub telegram_bot_token: Option<String>,
    /// What Telegram sends in `X-Telegram-Bot-Api-Secret-Token` (set with `setWebhook`).
    #[serde(default)]
    pub telegram_webhook_secret: Option<String>,
    /// Base64url of the raw P-256 private scalar (32 bytes).
    #[serde(default)]
    pub vapid_private_key: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ChannelSecrets {
    /// Parses the secret's JSON; empty values count as absent.
    pub fn parse(json: &str) -> Result<Self, String> {
        let secrets: ChannelSecrets =
            serde_json::from_str(json).map_err(|e| format!("the channels secret is not the expected JSON: {e}"))?;
        let keep = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        Ok(ChannelSecrets {
            telegram_bot_token: keep(secrets.telegram_bot_token),
            telegram_webhook_secret: keep(secrets.telegram_webhook_secret),
            vapid_private_key: keep(secrets.vapid_private_key),
        })
    }

    pub async fn load(sdk: &config::SdkConfig) -> Result<Self, String> {
        let Some(id) = var(config::CHANNELS_SECRET_ID) else {
            return Ok(ChannelSecrets {
                telegram_bot_token: var("TELEGRAM_BOT_TOKEN"),
                telegram_webhook_secret: var("TELEGRAM_WEBHOOK_SECRET"),
                vapid_private_key: var("VAPID_PRIVATE_KEY"),
            });
        };
        Self::from_secrets_manager(&aws_sdk_secretsmanager::Client::new(sdk), &id).await
    }

    /// Reads the secret `id` names (its name or ARN); one without a string value holds nothing.
    pub async fn from_secrets_manager(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<Self, String> {
        Self::parse(secret_value(client, id).await?.as_deref().unwrap_or("{}"))
    }
}

/// The string value of the secret `id` names (its name or ARN), if it has one. Every secret a
/// function reads at cold start comes through here.
pub async fn secret_value(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<Option<String>, String> {
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| format!("reading secret {id}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(&e)))?;
    Ok(out.secret_string().map(str::to_string))
}

/// The VAPID public key browsers subscribe with (`applicationServerKey`): base64url of the
/// uncompressed P-256 point of the private key (base64url of its raw 32-byte scalar).
pub fn vapid_public_key(private_key: &str) -> Result<String, String> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let bytes =
        URL_SAFE_NO_PAD.decode(private_key.trim().trim_end_matches('=')).map_err(|e| format!("the VAPID key is not base64url: {e}"))?;
    let secret = p256::SecretKey::from_slice(&bytes).map_err(|_| "the VAPID key is not a P-256 private key".to_string())?;
    Ok(URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_unknown_keys_are_refused() {
        let s = ChannelSecrets::parse(r#"{"telegram_bot_token": "123:abc", "vapid_private_key": " "}"#).unwrap();
        assert_eq!(s.telegram_bot_token.as_deref(), Some("123:abc"));
        assert_eq!(s.vapid_private_key, None);
        assert_eq!(ChannelSecrets::parse("{}").unwrap(), ChannelSecrets::default());
        assert!(ChannelSecrets::parse(r#"{"telegram_token": "x"}"#).is_err(), "a misspelt key is an error, not a silent off");
    }

    #[test]
    fn the_public_key_is_the_uncompressed_point_of_the_private_one() {
        use base64::Engine;
        // RFC 8291's example: the user agent's private key and its public key.
        let public = vapid_public_key("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94").unwrap();
        assert_eq!(public, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
        assert_eq!(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&public).unwrap().len(), 65);
        assert!(vapid_public_key("not a key").is_err());
    }
}
