//! `POST /api/tickets/{id}/presence`: an open ticket page says who is on it and hears the
//! ticket's version and the other staff there (docs/live-updates.md). Staff are recorded and see
//! each other; a requester's page only hears the version.

use crate::tickets::load_head;
use crate::{Reply, json, store_error};
use chrono::{Duration, Utc};
use helpdesk_aws::{Presences, TicketStore};
use helpdesk_core::Actor;
use helpdesk_core::api::parse_body;
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::presence::{PRESENCE_SECONDS, Presence, PresenceReport, TicketPulse};
use lambda_http::http::StatusCode;

pub async fn pulse<S: TicketStore + Presences>(store: &S, actor: &Actor, reference: &str, body: &[u8]) -> Reply {
    let report: PresenceReport = parse_body(body)?;
    let ticket = load_head(store, actor, reference).await?;
    let now = Utc::now();
    let mut others = Vec::new();
    // Who works the ticket's internal side: the same people who see its notes.
    if allows(actor, Action::ViewInternal, Resource::Ticket(&ticket)) {
        let mine = Presence { user: actor.id.clone(), activity: report.activity, at: now };
        let (marked, standing) = tokio::join!(
            store.mark_presence(&ticket.id, &mine, now + Duration::seconds(PRESENCE_SECONDS)),
            store.presences(&ticket.id, now)
        );
        marked.map_err(store_error)?;
        others = standing.map_err(store_error)?.into_iter().filter(|p| p.user != actor.id).collect();
        others.sort_by(|a, b| a.user.cmp(&b.user));
    }
    json(StatusCode::OK, &TicketPulse { version: ticket.version, updated_at: ticket.updated_at, others })
}
