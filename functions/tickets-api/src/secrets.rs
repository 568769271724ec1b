//! Secrets, read from Secrets Manager once per cold start, never from the function's environment
//! (which anyone with `lambda:GetFunctionConfiguration` can read, and which only a redeploy
//! changes). The environment names the secrets, not their values. On a developer's machine,
//! where no secret ids are set, the values come from the environment (scripts/local-env.sh).

use aws_sdk_secretsmanager::Client;
use helpdesk_aws::config;
use serde::Deserialize;

/// What the function needs to keep secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub session_key: String,
    /// The key before the last rotation: tokens it signed stay valid until they expire.
    pub previous_session_key: Option<String>,
    pub ldap_bind_password: Option<String>,
    /// The values CloudFront may send in `x-origin-verify`: the current one, and the previous
    /// while a rotation reaches every edge. Empty when the API is not behind our CloudFront.
    pub origin_secrets: Vec<String>,
}

/// A rotating secret (the session key, the origin value): a plain value, or the pair a rotation holds.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RotatingKey {
    current: String,
    #[serde(default)]
    previous: Option<String>,
}

fn rotating(value: &str) -> Result<(String, Option<String>), String> {
    if value.trim_start().starts_with('{') {
        let pair: RotatingKey =
            serde_json::from_str(value).map_err(|e| format!("a rotating secret is JSON but not {{\"current\", \"previous\"}}: {e}"))?;
        Ok((pair.current, pair.previous.filter(|p| !p.is_empty())))
    } else {
        Ok((value.to_string(), None))
    }
}

async fn secret_string(client: &Client, id: &str) -> Result<String, String> {
    helpdesk_aws::secrets::secret_value(client, id).await?.ok_or_else(|| format!("secret {id} has no string value"))
}

/// The secret `id` names, if it names one.
async fn optional_secret(client: &Client, id: Option<String>) -> Result<Option<String>, String> {
    match id {
        Some(id) => secret_string(client, &id).await.map(Some),
        None => Ok(None),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Secrets {
    /// From Secrets Manager when `SESSION_SECRET_ID` is set (AWS), else from the environment.
    pub async fn load(sdk: &config::SdkConfig) -> Result<Self, String> {
        match var(config::SESSION_SECRET_ID) {
            Some(session_id) => {
                let ids = [Some(session_id), var(config::LDAP_BIND_PASSWORD_SECRET_ID), var(config::ORIGIN_SECRET_ID)];
                Self::from_secrets_manager(&Client::new(sdk), ids).await
            }
            None => Ok(Secrets {
                session_key: config::required(config::SESSION_SIGNING_KEY)?,
                previous_session_key: None,
                ldap_bind_password: var("LDAP_BIND_PASSWORD"),
                origin_secrets: Vec::new(),
            }),
        }
    }

    /// Reads the secrets whose ids are given: session key, LDAP bind password, origin secret.
    pub async fn from_secrets_manager(client: &Client, [session, ldap, origin]: [Option<String>; 3]) -> Result<Self, String> {
        let session = session.ok_or("no session secret named")?;
        let (session_key, previous_session_key) = rotating(&secret_string(client, &session).await?)?;
        let ldap_bind_password = optional_secret(client, ldap).await?;
        let origin_secrets = match optional_secret(client, origin).await? {
            Some(value) => {
                let (current, previous) = rotating(&value)?;
                std::iter::once(current).chain(previous).filter(|v| !v.is_empty()).collect()
            }
            None => Vec::new(),
        };
        Ok(Secrets { session_key, previous_session_key, ldap_bind_password, origin_secrets })
    }

    /// The session keys these secrets give: the current one, and the previous while rotating.
    pub fn session_keys(&self, audience: &str, secure: bool) -> Result<crate::session::SessionKeys, String> {
        let keys = crate::session::SessionKeys::new(self.session_key.as_bytes(), audience, secure)?;
        match &self.previous_session_key {
            Some(previous) => keys.with_previous(previous.as_bytes()),
            None => Ok(keys),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_secret_is_a_key_or_a_rotation() {
        assert_eq!(rotating("k".repeat(40).as_str()).unwrap(), ("k".repeat(40), None));
        assert_eq!(rotating(r#"{"current": "new", "previous": "old"}"#).unwrap(), ("new".into(), Some("old".into())));
        assert_eq!(rotating(r#"{"current": "new", "previous": ""}"#).unwrap(), ("new".into(), None));
        assert!(rotating(r#"{"curent": "typo"}"#).is_err());
    }
}
