//! Who is calling: a signed session cookie (see [`crate::session`]) identifies the caller;
//! state-changing requests must also echo the session's CSRF token. Nothing else is trusted.

use crate::session::{CSRF_HEADER, SESSION_COOKIE, SessionKeys, cookie};
use helpdesk_aws::Directory;
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

pub async fn caller<D: Directory>(req: &Request, directory: &D, sessions: Option<&SessionKeys>) -> Result<Actor, ApiError> {
    let token = session_token(req).ok_or_else(|| unauthenticated("sign in first"))?;
    let claims =
        sessions.and_then(|keys| keys.verify(token)).ok_or_else(|| unauthenticated("the session is invalid or expired: sign in again"))?;
    let (user, _) = directory
        .get_user(&claims.sub)
        .await
        .map_err(crate::store_error)?
        .ok_or_else(|| unauthenticated("the session's user no longer exists"))?;
    if !user.active || user.session_version != claims.sv {
        return Err(unauthenticated("the session has ended: sign in again"));
    }
    if changes_state(req.method()) && req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some(claims.csrf.as_str()) {
        return Err(ApiError::new(ErrorCode::CsrfMismatch, format!("send the {CSRF_HEADER} header with the value of the hd_csrf cookie")));
    }
    Ok(user.actor())
}

/// The caller's network address: API Gateway's view of it, else the first forwarded address.
pub fn client_address(req: &Request) -> String {
    use lambda_http::request::RequestContext;
    if let Some(RequestContext::ApiGatewayV2(context)) = req.request_context_ref()
        && let Some(ip) = &context.http.source_ip
    {
        return ip.clone();
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}
