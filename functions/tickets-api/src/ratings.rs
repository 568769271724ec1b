//! `POST /api/ratings`: a requester's satisfaction rating through the link of a "resolved"
//! notification, without signing in: the link's token is the right to rate that one resolution,
//! once (docs/reports.md). The rating is an event of the ticket's log, so staff see it on the
//! ticket and the reports count it like any other fact.

use crate::{Reply, SlaCache, json, store_error};
use chrono::Utc;
use helpdesk_aws::{RatingLinks, StoreError, TicketStore, new_id};
use helpdesk_core::api::parse_body;
use helpdesk_core::rating::{self, RatingReceipt, RatingRequest};
use helpdesk_core::{ApiError, ErrorCode};
use lambda_http::http::StatusCode;

/// Tries when the ticket changed between reading and writing it.
const TRIES: u32 = 3;

fn invalid_link() -> ApiError {
    ApiError::new(ErrorCode::RatingLinkInvalid, "this rating link is not valid (mistyped, altered or expired)")
}

pub async fn rate<S: TicketStore + RatingLinks>(store: &S, sla: &SlaCache, body: &[u8]) -> Reply {
    let request: RatingRequest = parse_body(body)?;
    if !rating::is_token(&request.token) {
        return Err(invalid_link());
    }
    let (ticket_id, resolution) = store.rating_target(&request.token, Utc::now()).await.map_err(store_error)?.ok_or_else(invalid_link)?;
    for _ in 0..TRIES {
        let (ticket, events) = store.get_ticket(&ticket_id).await.map_err(store_error)?.ok_or_else(invalid_link)?;
        let mut change = rating::rate(&ticket, &events, &resolution, &request, Utc::now(), new_id())?;
        // The log gains an event: the SLA fields are worked out from the whole of it, as on every write.
        let mut log = events;
        log.extend(change.events.iter().cloned());
        helpdesk_core::sla::refresh(&mut change.ticket, &log, &*sla.get(store).await.map_err(store_error)?);
        match store.save_ticket(&change.ticket, &change.events).await {
            Ok(()) => {
                return json(StatusCode::CREATED, &RatingReceipt { ticket: ticket.number.to_string(), rating: request.rating });
            }
            // Somebody changed the ticket meanwhile (or rated it: the next read says so).
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(store_error(e)),
        }
    }
    Err(ApiError::new(ErrorCode::ServiceBusy, "the ticket is changing right now; try again in a moment").retry_after(1))
}
