//! TEMPORARY identity seam — LOCAL MODE ONLY.
//!
//! Until login lands (the identity issue), the caller says who they are in one header,
//! `x-helpdesk-local-actor: <role>:<user-id>[:<group>,<group>…]` (e.g. `agent:ivan:service-desk`),
//! and only when the process runs with `HELPDESK_LOCAL_MODE=true`. Everywhere else no header is trusted and every route that needs
//! a caller answers 401. This file is the one place to replace with real sessions.

use helpdesk_core::topic::is_plain_id;
use helpdesk_core::{Actor, ApiError, ErrorCode, Role};
use lambda_http::Request;

pub const LOCAL_ACTOR_HEADER: &str = "x-helpdesk-local-actor";

pub fn caller(req: &Request, local_mode: bool) -> Result<Actor, ApiError> {
    let unauthenticated = |why: &str| ApiError::new(ErrorCode::Unauthenticated, why);
    if !local_mode {
        return Err(unauthenticated("sign-in is not available yet on this deployment"));
    }
    let header = req
        .headers()
        .get(LOCAL_ACTOR_HEADER)
        .ok_or_else(|| unauthenticated(&format!("local mode: send {LOCAL_ACTOR_HEADER}: <requester|agent|admin>:<user-id>")))?;
    let value = header.to_str().map_err(|_| unauthenticated("the actor header is not text"))?;
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
