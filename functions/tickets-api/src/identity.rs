//! Who is calling: a signed session cookie (see [`crate::session`]) identifies the caller;
//! state-changing requests must also echo the session's CSRF token. Nothing else is trusted.

use crate::session::{CSRF_HEADER, SESSION_COOKIE, SessionKeys, cookie};
use helpdesk_aws::{ApiTokens, Directory};
use helpdesk_core::{Actor, ApiError, ErrorCode};
use lambda_http::http::{Method, header};
use lambda_http::{Request, RequestExt};

fn unauthenticated(why: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, why)
}

/// The session token the request carries, if any.
pub fn session_token(req: &Request) -> Option<&str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, SESSION_COOKIE))
        .filter(|t| !t.is_empty())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Who is calling, and how they proved it.
pub struct Caller {
    pub actor: Actor,
    /// The API token's id when the call came with `Authorization: Bearer`, not a session cookie.
    pub api_token: Option<String>,
}

/// The bearer token in `Authorization`, if the request has that header (malformed: `Some("")`).
fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or_default().trim();
    Some(text.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map_or("", |(_, token)| token.trim()))
}

/// A bearer token (a native app's) or a session cookie (a browser's). A bearer call needs no CSRF
/// token: no browser adds the header by itself. An API token is only ever read from that header.
pub async fn caller<D: Directory + ApiTokens>(req: &Request, directory: &D, sessions: Option<&SessionKeys>) -> Result<Caller, ApiError> {
    if let Some(token) = bearer(req) {
        let (user_id, token_id) = crate::tokens::token_user(directory, token)
            .await?
            .ok_or_else(|| unauthenticated("the API token is invalid or revoked: sign in again"))?;
        let user = directory.get_user(&user_id).await.map_err(crate::store_error)?.map(|u| u.user);
        return match user {
            Some(user) if user.active => Ok(Caller { actor: user.actor(), api_token: Some(token_id) }),
            _ => Err(unauthenticated("the API token's account is disabled or gone")),
        };
    }
    session_caller(req, directory, sessions).await.map(|actor| Caller { actor, api_token: None })
}

async fn session_caller<D: Directory>(req: &Request, directory: &D, sessions: Option<&SessionKeys>) -> Result<Actor, ApiError> {
    let token = session_token(req).ok_or_else(|| unauthenticated("sign in first"))?;
    let claims =
        sessions.and_then(|keys| keys.verify(token)).ok_or_else(|| unauthenticated("the session is invalid or expired: sign in again"))?;
    let user = directory
        .get_user(&claims.sub)
        .await
        .map_err(crate::store_error)?
        .ok_or_else(|| unauthenticated("the session's user no longer exists"))?
        .user;
    if !user.active || user.session_version != claims.sv {
        return Err(unauthenticated("the session has ended: sign in again"));
    }
    if changes_state(req.method()) && req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some(claims.csrf.as_str()) {
        return Err(ApiError::new(ErrorCode::CsrfMismatch, format!("send the {CSRF_HEADER} header with the value of the hd_csrf cookie")));
    }
    Ok(user.actor())
}

/// The header our CloudFront adds to every request it forwards, with a secret value: the proof
/// that a request came through it (and so that its viewer-address header is CloudFront's own).
pub const ORIGIN_HEADER: &str = "x-origin-verify";
/// The viewer's `ip:port` as CloudFront saw it; CloudFront sets it (a viewer cannot), when the
/// origin request policy asks for it (infra/template.yaml does).
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    // Constant time in the length of the secret: no early exit on the first differing byte.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The address in CloudFront's `ip:port` value (IPv6 addresses carry colons of their own).
fn viewer_ip(value: &str) -> Option<std::net::IpAddr> {
    let (ip, _port) = value.trim().rsplit_once(':')?;
    ip.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Whether the request proves it came through our CloudFront: [`ORIGIN_HEADER`] carries one of
/// `origin_secrets` (the current value, or the previous during a rotation).
pub fn through_our_cdn(req: &Request, origin_secrets: &[String]) -> bool {
    let Some(sent) = req.headers().get(ORIGIN_HEADER) else { return false };
    origin_secrets.iter().filter(|s| !s.is_empty()).any(|secret| same_secret(sent.as_bytes(), secret.as_bytes()))
}

/// The caller's network address, for throttling sign-ins. Behind our CloudFront (proved by
/// [`through_our_cdn`]), the viewer address CloudFront reports; otherwise the source address API
/// Gateway saw (the local runner puts the socket's peer there). Never a header value a client
/// chose (`X-Forwarded-For` is not read), and always a parsed IP address.
pub fn client_address(req: &Request, through_our_cdn: bool) -> String {
    use lambda_http::request::RequestContext;
    if through_our_cdn && let Some(viewer) = req.headers().get(VIEWER_ADDRESS_HEADER).and_then(|v| v.to_str().ok()).and_then(viewer_ip) {
        return viewer.to_string();
    }
    if let Some(RequestContext::ApiGatewayV2(context)) = req.request_context_ref()
        && let Some(ip) = context.http.source_ip.as_deref().and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
    {
        return ip.to_string();
    }
    "unknown".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_addresses_parse_with_their_port() {
        assert_eq!(viewer_ip("198.51.100.10:46532").map(|ip| ip.to_string()).as_deref(), Some("198.51.100.10"));
        assert_eq!(viewer_ip("2001:db8::1:443").map(|ip| ip.to_string()).as_deref(), Some("2001:db8::1"));
        assert_eq!(viewer_ip("[2001:db8::2]:443").map(|ip| ip.to_string()).as_deref(), Some("2001:db8::2"));
        assert_eq!(viewer_ip("not an address"), None);
        assert_eq!(viewer_ip(&"1".repeat(2048)), None);
    }
}
