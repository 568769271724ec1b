//! Sign-in, sign-out and "who am I". Failed sign-ins are counted per user and per address; the
//! sixth within a minute is refused with 429 before any password is checked.

use crate::identity::{self, session_token};
use crate::ldap::{DirectoryPerson, LdapConfig};
use crate::session::{self, SessionKeys};
use crate::{Reply, json, store_error};
use chrono::{DateTime, Timelike, Utc};
use helpdesk_aws::Directory;
use helpdesk_core::api::{Me, MyPreferences, parse_body};
use helpdesk_core::user::{AccountSource, User, is_user_id};
use helpdesk_core::{Actor, ApiError, ErrorCode, Role};
use lambda_http::Request;
use lambda_http::http::{HeaderValue, StatusCode, header};
use serde::Deserialize;

/// Failed sign-ins allowed per user and per address in a minute.
pub const FAILURES_PER_MINUTE: u32 = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

fn minute(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(now)
}

fn invalid() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "the user name or password is wrong, or the account is disabled")
}

fn with_cookies(mut response: lambda_http::Response<lambda_http::Body>, cookies: [String; 2]) -> Reply {
    for c in cookies {
        let value = HeaderValue::from_str(&c).map_err(|_| ApiError::new(ErrorCode::Internal, "a cookie did not encode"))?;
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn login<D: Directory>(
    directory: &D,
    sessions: Option<&SessionKeys>,
    ldap: Option<&LdapConfig>,
    req: &Request,
    body: &[u8],
) -> Reply {
    let keys = sessions.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "sign-in is not configured (no session signing key)"))?;
    let request: LoginRequest = parse_body(body)?;
    let username = request.username.trim().to_ascii_lowercase();
    let now = Utc::now();
    let window = minute(now);
    let throttle = [format!("user:{username}"), format!("addr:{}", identity::client_address(req))];
    if directory.failures(&throttle, window).await.map_err(store_error)? >= FAILURES_PER_MINUTE {
        let retry = 60 - now.second();
        let mut response =
            crate::error_response(&ApiError::new(ErrorCode::TooManyAttempts, format!("too many failed sign-ins: try again in {retry} s")));
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry));
        return Ok(response);
    }
    let found = directory.get_user(&username).await.map_err(store_error)?;
    let user = match found {
        // Local accounts are checked here, whatever the directory holds.
        Some((user, hash)) if user.source == AccountSource::Local => {
            hash.filter(|hash| user.active && session::password_matches(&request.password, hash)).map(|_| user)
        }
        existing => match ldap {
            Some(config) if is_user_id(&username) => match config.authenticate(&username, &request.password).await {
                Ok(Some(person)) => Some(provision(directory, existing.map(|(u, _)| u), &username, person).await?).filter(|u| u.active),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "LDAP sign-in failed");
                    return Err(ApiError::new(ErrorCode::DirectoryUnavailable, "the directory did not answer; try again shortly"));
                }
            },
            _ => None,
        },
    };
    let Some(user) = user else {
        directory.record_failure(&throttle, window).await.map_err(store_error)?;
        return Err(invalid());
    };
    let (token, claims) = keys.issue(&user, now.timestamp()).map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    let me = Me::of(user);
    with_cookies(json(StatusCode::OK, &me)?, keys.cookies(&token, &claims))
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
        && let Some((mut user, hash)) = directory.get_user(&actor.id).await.map_err(store_error)?
    {
        user.session_version += 1;
        user.version += 1;
        directory.put_user(&user, hash.as_deref()).await.map_err(store_error)?;
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
    let (mut user, hash) = directory.get_user(&actor.id).await.map_err(store_error)?.ok_or_else(|| crate::not_found("user"))?;
    if let Some(language) = preferences.language {
        user.language = language;
    }
    user.version += 1;
    directory.put_user(&user, hash.as_deref()).await.map_err(store_error)?;
    json(StatusCode::OK, &Me::of(user))
}

pub async fn me<D: Directory>(directory: &D, actor: &Actor) -> Reply {
    let user = directory.get_user(&actor.id).await.map_err(store_error)?.map(|(u, _)| u);
    json(StatusCode::OK, &Me { id: actor.id.clone(), role: actor.role, groups: actor.groups.clone(), user })
}
