//! Ticket routes: create, read, list, reply, note, change. Every write keeps the ticket's place in
//! the SLA due index current.

use crate::{Reply, json, not_found, query_pairs, require, store_error};
use chrono::Utc;
use helpdesk_aws::{Listing, TicketStore, new_id};
use helpdesk_core::api::{CreateTicketRequest, MessageRequest, TicketPage, TicketQuery, TicketView, UpdateTicketRequest, parse_body};
use helpdesk_core::commands::{self, Change};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::sla::{self, SlaConfig};
use helpdesk_core::topic::is_slug;
use helpdesk_core::{Actor, ApiError, Ticket, TicketEvent, TicketNumber};
use lambda_http::Request;
use lambda_http::http::{HeaderValue, StatusCode, header};

/// A ticket by id or by number (`HD-1042`), if the actor may see it. Tickets the actor may not
/// see answer 404 like missing ones, so ids cannot be probed.
pub async fn load<S: TicketStore>(store: &S, actor: &Actor, reference: &str) -> Result<(Ticket, Vec<TicketEvent>), ApiError> {
    let id = match reference.parse::<TicketNumber>() {
        Ok(number) => store.find_ticket_id(number.0).await.map_err(store_error)?.ok_or_else(|| not_found("ticket"))?,
        Err(()) if ulid::Ulid::from_string(reference).is_ok() => reference.to_string(),
        Err(()) => return Err(not_found("ticket")),
    };
    let (ticket, events) = store.get_ticket(&id).await.map_err(store_error)?.ok_or_else(|| not_found("ticket"))?;
    if !allows(actor, Action::ViewTicket, Resource::Ticket(&ticket)) {
        return Err(not_found("ticket"));
    }
    Ok((ticket, events))
}

/// What `actor` may see of a ticket; the SLA clocks for staff only.
async fn view<S: TicketStore>(
    store: &S,
    actor: &Actor,
    ticket: Ticket,
    events: &[TicketEvent],
    config: Option<&SlaConfig>,
) -> Result<TicketView, ApiError> {
    let sla = if allows(actor, Action::ViewSla, Resource::Ticket(&ticket)) {
        let loaded;
        let config = match config {
            Some(c) => c,
            None => {
                loaded = store.sla_config().await.map_err(store_error)?;
                &loaded
            }
        };
        sla::status(&ticket, events, config, Utc::now())
    } else {
        None
    };
    let visible = commands::visible_events(actor, &ticket, events).into_iter().cloned().collect();
    Ok(TicketView { allowed_statuses: commands::allowed_statuses(actor, &ticket), events: visible, ticket, sla })
}

pub async fn get<S: TicketStore>(store: &S, actor: &Actor, reference: &str) -> Reply {
    let (ticket, events) = load(store, actor, reference).await?;
    json(StatusCode::OK, &view(store, actor, ticket, &events, None).await?)
}

/// Writes a change with the ticket's next SLA action recomputed from the whole log.
async fn save<S: TicketStore>(store: &S, actor: &Actor, ticket: Ticket, mut events: Vec<TicketEvent>, change: Option<Change>) -> Reply {
    let Some(mut change) = change else {
        return json(StatusCode::OK, &view(store, actor, ticket, &events, None).await?);
    };
    let config = store.sla_config().await.map_err(store_error)?;
    events.extend(change.events.iter().cloned());
    change.ticket.sla_next_action = sla::next_action(&change.ticket, &events, &config);
    store.save_ticket(&change.ticket, &change.events, &[]).await.map_err(store_error)?;
    json(StatusCode::OK, &view(store, actor, change.ticket, &events, Some(&config)).await?)
}

pub async fn update<S: TicketStore>(store: &S, actor: &Actor, reference: &str, body: &[u8]) -> Reply {
    let request: UpdateTicketRequest = parse_body(body)?;
    let (ticket, events) = load(store, actor, reference).await?;
    let topic = match request.fields {
        Some(_) => store.get_topic(&ticket.topic).await.map_err(store_error)?,
        None => None,
    };
    let change = commands::update_ticket(&ticket, topic.as_ref(), actor, request, Utc::now(), &mut new_id)?;
    save(store, actor, ticket, events, change).await
}

pub async fn add_message<S: TicketStore>(store: &S, actor: &Actor, reference: &str, body: &[u8], internal: bool) -> Reply {
    let request: MessageRequest = parse_body(body)?;
    let (ticket, events) = load(store, actor, reference).await?;
    let change = commands::add_message(&ticket, actor, request, internal, Utc::now(), &mut new_id)?;
    save(store, actor, ticket, events, Some(change)).await
}

pub async fn create<S: TicketStore>(store: &S, actor: &Actor, body: &[u8]) -> Reply {
    let request: CreateTicketRequest = parse_body(body)?;
    let topic = if is_slug(&request.topic) { store.get_topic(&request.topic).await.map_err(store_error)? } else { None };
    // Everything is checked before a number is taken, so bad input stores nothing at all.
    let draft = commands::prepare_ticket(request, topic.as_ref(), actor)?;
    let config = store.sla_config().await.map_err(store_error)?;
    let number = store.next_ticket_number().await.map_err(store_error)?;
    let mut change = draft.into_ticket(new_id(), TicketNumber(number), new_id(), Utc::now());
    change.ticket.sla_next_action = sla::next_action(&change.ticket, &change.events, &config);
    store.create_ticket(&change.ticket, &change.events).await.map_err(store_error)?;
    let location = format!("/api/tickets/{}", change.ticket.number);
    let mut response = json(StatusCode::CREATED, &view(store, actor, change.ticket, &change.events, Some(&config)).await?)?;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

pub async fn list<S: TicketStore>(store: &S, actor: &Actor, listing: Listing<'_>, req: &Request) -> Reply {
    let pairs = query_pairs(req);
    let query = TicketQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    match listing {
        Listing::Queues => {
            let queue = Resource::Queue { group: query.group.as_deref(), assignee: query.assignee.as_deref() };
            require(allows(actor, Action::ListQueues, queue), "see this queue: filter by one of your groups or assignee=<you>")?
        }
        Listing::OfRequester(_) => require(allows(actor, Action::ListOwnTickets, Resource::None), "list tickets")?,
    }
    let page = store.list_tickets(listing, &query).await.map_err(store_error)?;
    json(StatusCode::OK, &TicketPage { items: page.items, next_cursor: page.next_cursor })
}
