//! API tokens for native apps: sign in once with a user name and password for a bearer token,
//! send it as `Authorization: Bearer <token>`. Tokens are listed and revoked from the profile (a
//! browser session); a bearer caller can revoke only its own token, by signing out. The secret is
//! stored only as its SHA-256: a leaked table opens nothing.

use crate::auth::authenticate;
use crate::ldap::LdapConfig;
use crate::session::SessionKeys;
use crate::{Reply, json, not_found, store_error};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use helpdesk_aws::{ApiTokens, Directory, StoredApiToken, new_id};
use helpdesk_core::api::{ApiTokenSummary, IssuedApiToken, Items, Me, NewApiToken, parse_body};
use helpdesk_core::{Actor, ApiError};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use sha2::{Digest, Sha256};

/// Every token starts so: secret scanners and people can tell what it is.
pub const TOKEN_PREFIX: &str = "hd_";

fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// `hd_<id>_<secret>` into its id and secret; ids are ULIDs (no `_`).
pub fn parse_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
    let plain = |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (plain(id) && plain(secret)).then_some((id, secret))
}

/// The user a bearer token belongs to, when it is one we issued and have not revoked.
pub async fn token_user<S: ApiTokens>(store: &S, token: &str) -> Result<Option<(String, String)>, ApiError> {
    let Some((id, secret)) = parse_token(token) else { return Ok(None) };
    let Some(stored) = store.api_token(id).await.map_err(store_error)? else { return Ok(None) };
    let matches = crate::identity::same_secret(secret_hash(secret).as_bytes(), stored.secret_hash.as_bytes());
    Ok(matches.then_some((stored.user, stored.summary.id)))
}

/// `POST /api/auth/tokens`: the same checks and throttles as the browser's sign-in.
pub async fn issue<S: Directory + ApiTokens>(
    store: &S,
    keys: Option<&SessionKeys>,
    ldap: Option<&LdapConfig>,
    through_our_cdn: bool,
    req: &Request,
    body: &[u8],
) -> Reply {
    let request: NewApiToken = parse_body(body)?;
    let name = request.check_name().map_err(ApiError::validation)?;
    let user = authenticate(store, keys, ldap, through_our_cdn, req, &request.username, &request.password).await?;
    let (stored, token) = mint(&user.id, &name);
    store.put_api_token(&stored).await.map_err(store_error)?;
    json(StatusCode::CREATED, &IssuedApiToken { token, summary: stored.summary, me: Me::of(user) })
}

/// A new token for `user`: what to store (the secret's hash only) and what to hand out.
pub fn mint(user: &str, name: &str) -> (StoredApiToken, String) {
    let secret = {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    };
    let summary = ApiTokenSummary { id: new_id(), name: name.to_string(), created_at: Utc::now() };
    let token = format!("{TOKEN_PREFIX}{}_{secret}", summary.id);
    (StoredApiToken { user: user.to_string(), secret_hash: secret_hash(&secret), summary }, token)
}

pub async fn list<S: ApiTokens>(store: &S, actor: &Actor) -> Reply {
    let mut items = store.api_tokens(&actor.id).await.map_err(store_error)?;
    items.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    json(StatusCode::OK, &Items { items })
}

pub async fn revoke<S: ApiTokens>(store: &S, actor: &Actor, id: &str) -> Reply {
    if !store.revoke_api_token(&actor.id, id).await.map_err(store_error)? {
        return Err(not_found("token"));
    }
    json(StatusCode::OK, &serde_json::json!({"revoked": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_into_id_and_secret_and_nothing_else_does() {
        assert_eq!(parse_token("hd_01ABC_sec-ret_x"), Some(("01ABC", "sec-ret_x")));
        for bad in ["01ABC_secret", "hd_", "hd_01ABC", "hd__secret", "hd_01ABC_", "hd_01 ABC_x", "Bearer hd_a_b"] {
            assert_eq!(parse_token(bad), None, "{bad}");
        }
        assert_eq!(secret_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
