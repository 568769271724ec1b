//! Who is calling. A signed session cookie (see [`crate::session`]) identifies the caller
//! everywhere; state-changing requests must also echo the session's CSRF token.
//!
//! LOCAL MODE ONLY: with `HELPDESK_LOCAL_MODE=true` and no session cookie, the header
//! `x-helpdesk-local-actor: <role>:<user-id>[:<group>,<group>…]` is taken instead, so curl and
//! the tests can act as anyone. Nothing else honours it, and the template never sets local mode.

use crate::session::{CSRF_HEADER, SESSION_COOKIE, SessionKeys, cookie};
use helpdesk_aws::Directory;
use helpdesk_core::topic::is_plain_id;
use helpdesk_core::{Actor, ApiError, ErrorCode, Role};
use lambda_http::http::{Method, header};
use lambda_http::{Request, RequestExt};

pub const LOCAL_ACTOR_HEADER: &str = "x-helpdesk-local-actor";

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

pub async fn caller<D: Directory>(
    req: &Request,
    directory: &D,
    sessions: Option<&SessionKeys>,
    local_mode: bool,
) -> Result<Actor, ApiError> {
    if let Some(token) = session_token(req) {
        let claims = sessions
            .and_then(|keys| keys.verify(token))
            .ok_or_else(|| unauthenticated("the session is invalid or expired: sign in again"))?;
        let (user, _) = directory
            .get_user(&claims.sub)
            .await
            .map_err(crate::store_error)?
            .ok_or_else(|| unauthenticated("the session's user no longer exists"))?;
        if !user.active || user.session_version != claims.sv {
            return Err(unauthenticated("the session has ended: sign in again"));
        }
        if changes_state(req.method()) && req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some(claims.csrf.as_str()) {
            return Err(ApiError::new(
                ErrorCode::CsrfMismatch,
                format!("send the {CSRF_HEADER} header with the value of the hd_csrf cookie"),
            ));
        }
        return Ok(user.actor());
    }
    if local_mode && let Some(header) = req.headers().get(LOCAL_ACTOR_HEADER) {
        return local_actor(header.to_str().map_err(|_| unauthenticated("the actor header is not text"))?);
    }
    Err(unauthenticated("sign in first"))
}

fn local_actor(value: &str) -> Result<Actor, ApiError> {
    let mut parts = value.splitn(3, ':');
    let (Some(role), Some(id)) = (parts.next(), parts.next()) else {
        return Err(unauthenticated("the actor header is <role>:<user-id>[:<group>,…]"));
    };
    let groups: Vec<&str> = parts.next().map(|g| g.split(',').filter(|g| !g.is_empty()).collect()).unwrap_or_default();
    let role = match role {
        "requester" => Role::Requester,
        "agent" => Role::Agent,
        "admin" => Role::Admin,
        _ => return Err(unauthenticated("the role is requester, agent or admin")),
    };
    if !is_plain_id(id) || groups.iter().any(|g| !is_plain_id(g)) {
        return Err(unauthenticated("the user or a group id is empty or has spaces or '#'"));
    }
    Ok(Actor::new(id, role).in_groups(&groups))
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
