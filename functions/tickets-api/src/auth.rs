//! Sign-in, sign-out and "who am I". Sign-in attempts are counted per minute, per account and
//! address, per address, and per account from browsers that never signed in to it (so somebody
//! elsewhere cannot lock the owner out: the owner's browser carries a known-device cookie); a
//! successful one is taken back, so the limits count failures. Over a limit the attempt is
//! refused with 429 before any password is checked. Every attempt that gets that far costs one
//! password hash, whether or not the account exists.

use crate::identity::{self, session_token};
use crate::ldap::{DirectoryPerson, LdapConfig};
use crate::session::{self, DEVICE_COOKIE, SessionKeys, cookie};
use crate::{Reply, json, store_error};
use chrono::{DateTime, Timelike, Utc};
use helpdesk_aws::{Directory, StoredUser};
use helpdesk_core::api::{Me, MyPreferences, parse_body};
use helpdesk_core::user::{AccountSource, User, is_user_id};
use helpdesk_core::{Actor, ApiError, ErrorCode, Role};
use lambda_http::Request;
use lambda_http::http::{HeaderValue, StatusCode, header};
use serde::Deserialize;

/// Failed sign-ins allowed for one account from one address, over this minute and the last.
pub const FAILURES_PER_ACCOUNT_AND_ADDRESS: u32 = 5;
/// Failed sign-ins allowed from one address, whatever the accounts, over this minute and the last.
pub const FAILURES_PER_ADDRESS: u32 = 20;
/// Failed sign-ins allowed for one account from browsers it is not known on, over this minute and
/// the last.
pub const FAILURES_PER_ACCOUNT: u32 = 20;
/// The longest password a sign-in takes (argon2 hashes any length; a limit bounds the work).
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

fn minute(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(now)
}

/// How long a throttled caller waits: until last minute's attempts drop out of the count at the
/// turn of the minute, or, when this minute's alone are over the limit, until they drop out too.
fn seconds_to_wait(this_minute: u32, limit: u32, second: u32) -> u32 {
    let to_next_minute = 60 - second.min(59);
    if this_minute > limit { to_next_minute + 60 } else { to_next_minute }
}

fn invalid() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "the user name or password is wrong, or the account is disabled")
}

fn with_cookies(mut response: lambda_http::Response<lambda_http::Body>, cookies: impl IntoIterator<Item = String>) -> Reply {
    for c in cookies {
        let value = HeaderValue::from_str(&c).map_err(|_| ApiError::new(ErrorCode::Internal, "a cookie did not encode"))?;
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The throttle counters one attempt is held against, each with its limit.
fn throttles(username: &str, address: &str, known_device: bool) -> Vec<(String, u32)> {
    let mut keys = vec![
        (format!("account-address:{username}|{address}"), FAILURES_PER_ACCOUNT_AND_ADDRESS),
        (format!("address:{address}"), FAILURES_PER_ADDRESS),
    ];
    if !known_device {
        keys.push((format!("account:{username}"), FAILURES_PER_ACCOUNT));
    }
    keys
}

/// Whether the request carries a known-device cookie for `username`.
fn known_device(req: &Request, keys: &SessionKeys, username: &str) -> bool {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, DEVICE_COOKIE))
        .and_then(|token| keys.device_user(token))
        .is_some_and(|user| user == username)
}

pub async fn login<D: Directory>(
    directory: &D,
    sessions: Option<&SessionKeys>,
    ldap: Option<&LdapConfig>,
    through_our_cdn: bool,
    req: &Request,
    body: &[u8],
) -> Reply {
    let keys = sessions.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "sign-in is not configured (no session signing key)"))?;
    let request: LoginRequest = parse_body(body)?;
    let user = authenticate(directory, Some(keys), ldap, through_our_cdn, req, &request.username, &request.password).await?;
    let now = Utc::now();
    let (token, claims) = keys.issue(&user, now.timestamp()).map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    let device = keys.device_cookie(&user.id, now.timestamp()).map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    let [session_cookie, csrf_cookie] = keys.cookies(&token, &claims);
    with_cookies(json(StatusCode::OK, &Me::of(user))?, [session_cookie, csrf_cookie, device])
}

/// Checks a user name and password (local accounts here, others through LDAP when configured),
/// under the sign-in throttles; answers the active account they open. The browser sign-in and
/// the API-token sign-in of apps share it, limits included.
pub(crate) async fn authenticate<D: Directory>(
    directory: &D,
    keys: Option<&SessionKeys>,
    ldap: Option<&LdapConfig>,
    through_our_cdn: bool,
    req: &Request,
    username: &str,
    password: &str,
) -> Result<User, ApiError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid());
    }
    let username = username.trim().to_ascii_lowercase();
    let now = Utc::now();
    let window = minute(now);
    let address = identity::client_address(req, through_our_cdn);
    // A name no account can have is counted against the address only (it is no storage key).
    let well_formed = is_user_id(&username);
    let throttle: Vec<(String, u32)> = if well_formed {
        throttles(&username, &address, keys.is_some_and(|keys| known_device(req, keys, &username)))
    } else {
        vec![(format!("address:{address}"), FAILURES_PER_ADDRESS)]
    };
    let counter_keys: Vec<String> = throttle.iter().map(|(k, _)| k.clone()).collect();
    // The attempt is counted before its password is checked, atomically, so that attempts sent
    // all at once each see their own place in the count; a success takes its attempt back. Last
    // minute's attempts count too: a limit cannot be dodged by waiting for the turn of a minute.
    let last_minute = directory.attempts(&counter_keys, window - chrono::Duration::minutes(1)).await.map_err(store_error)?;
    let this_minute = directory.count_attempt(&counter_keys, window, window + chrono::Duration::hours(1)).await.map_err(store_error)?;
    let over = throttle.iter().zip(this_minute.iter().zip(&last_minute)).find(|((_, limit), (this, before))| *this + *before > *limit);
    if let Some(((_, limit), (this, _))) = over {
        let retry = seconds_to_wait(*this, *limit, now.second());
        return Err(
            ApiError::new(ErrorCode::TooManyAttempts, format!("too many failed sign-ins: try again in {retry} s")).retry_after(retry)
        );
    }
    let found = if well_formed { directory.get_user(&username).await.map_err(store_error)? } else { None };
    let user = match found {
        // Local accounts are checked here, whatever the directory holds; the hash is verified
        // before the account's state is looked at, so a disabled account answers as slowly.
        Some(StoredUser { user, password_hash }) if user.source == AccountSource::Local => {
            Some(user).filter(|_| session::password_matches_or_waste(password, password_hash.as_deref())).filter(|u| u.active)
        }
        existing => match ldap {
            Some(config) if well_formed => match config.authenticate(&username, password).await {
                Ok(Some(person)) => Some(provision(directory, existing.map(|s| s.user), &username, person).await?).filter(|u| u.active),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "LDAP sign-in failed");
                    return Err(ApiError::new(ErrorCode::DirectoryUnavailable, "the directory did not answer; try again shortly"));
                }
            },
            _ => {
                session::password_matches_or_waste(password, None);
                None
            }
        },
    };
    let Some(user) = user else { return Err(invalid()) };
    directory.forget_attempt(&counter_keys, window).await.map_err(store_error)?;
    Ok(user)
}

/// Creates a directory user at first sign-in, and refreshes them from the directory at each.
/// Whether the account is active stays the helpdesk's decision.
async fn provision<D: Directory>(directory: &D, existing: Option<User>, id: &str, person: DirectoryPerson) -> Result<User, ApiError> {
    let mut user = existing.unwrap_or_else(|| User { version: 0, ..User::new(id, id, "", Role::Requester, &[], AccountSource::Ldap) });
    user.name = if person.name.is_empty() { id.to_string() } else { person.name };
    user.email = person.email;
    user.phone = person.phone;
    user.language = person.language;
    user.department = person.department;
    user.role = person.role;
    user.groups = person.groups;
    user.version += 1;
    directory.put_user(&user, None).await.map_err(store_error)?;
    Ok(user)
}

/// Ends every session of the caller (the session version moves on) and clears the cookies.
pub async fn logout<D: Directory>(directory: &D, sessions: Option<&SessionKeys>, actor: &Actor, req: &Request) -> Reply {
    if session_token(req).is_some()
        && let Some(StoredUser { mut user, password_hash }) = directory.get_user(&actor.id).await.map_err(store_error)?
    {
        user.session_version += 1;
        user.version += 1;
        directory.put_user(&user, password_hash.as_deref()).await.map_err(store_error)?;
    }
    let response = json(StatusCode::OK, &serde_json::json!({"signed_out": true}))?;
    match sessions {
        Some(keys) => with_cookies(response, keys.cleared_cookies()),
        None => Ok(response),
    }
}

/// Changes the caller's own preferences; answers like `me`, with the stored profile.
pub async fn update_me<D: Directory>(directory: &D, actor: &Actor, body: &[u8]) -> Reply {
    let preferences: MyPreferences = parse_body(body)?;
    let StoredUser { mut user, password_hash } =
        directory.get_user(&actor.id).await.map_err(store_error)?.ok_or_else(|| crate::not_found("user"))?;
    if let Some(language) = preferences.language {
        user.language = language;
    }
    user.version += 1;
    directory.put_user(&user, password_hash.as_deref()).await.map_err(store_error)?;
    json(StatusCode::OK, &Me::of(user))
}

pub async fn me<D: Directory>(directory: &D, actor: &Actor) -> Reply {
    let user = directory.get_user(&actor.id).await.map_err(store_error)?.map(|stored| stored.user.into());
    json(StatusCode::OK, &Me { id: actor.id.clone(), role: actor.role, groups: actor.groups.clone(), user })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_lasts_until_the_count_is_under_the_limit_again() {
        // 6 attempts this minute (limit 5): last minute's and this minute's must both pass.
        assert_eq!(seconds_to_wait(6, 5, 11), 109);
        // Over only with last minute's: the turn of the minute is enough.
        assert_eq!(seconds_to_wait(2, 5, 11), 49);
        assert_eq!(seconds_to_wait(2, 5, 59), 1);
    }
}
