//! Ticket routes: create, read, list, reply, note, change. Every write keeps the ticket's place in
//! the SLA due index current.

use crate::attachments::Files;
use crate::{Reply, SlaCache, json, not_found, query_pairs, require, store_error};
use chrono::Utc;
use helpdesk_aws::{Directory, Knowledge, Listing, TicketStore, Uploads, new_id};
use helpdesk_core::api::{CreateTicketRequest, MessageRequest, TicketPage, TicketQuery, TicketView, UpdateTicketRequest, parse_body};
use helpdesk_core::commands::{self, Change};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::sla::{self, SlaConfig};
use helpdesk_core::topic::is_slug;
use helpdesk_core::{Actor, ApiError, ErrorCode, FieldError, FieldErrorCode, Role, Ticket, TicketEvent, TicketNumber, Topic};
use lambda_http::Request;
use lambda_http::http::{HeaderValue, StatusCode, header};

/// A ticket by id or by number (`HD-1042`), if the actor may see it. Tickets the actor may not
/// see answer 404 like missing ones, so ids cannot be probed.
pub async fn load<S: TicketStore>(store: &S, actor: &Actor, reference: &str) -> Result<(Ticket, Vec<TicketEvent>), ApiError> {
    let id = ticket_id(store, reference).await?;
    let (ticket, events) = store.get_ticket(&id).await.map_err(store_error)?.ok_or_else(|| not_found("ticket"))?;
    if !allows(actor, Action::ViewTicket, Resource::Ticket(&ticket)) {
        return Err(not_found("ticket"));
    }
    Ok((ticket, events))
}

/// The ticket `reference` names (`HD-1042` or its id) without its events, if `actor` may see it.
pub async fn load_head<S: TicketStore>(store: &S, actor: &Actor, reference: &str) -> Result<Ticket, ApiError> {
    let id = ticket_id(store, reference).await?;
    let ticket = store.get_ticket_head(&id).await.map_err(store_error)?.ok_or_else(|| not_found("ticket"))?;
    if !allows(actor, Action::ViewTicket, Resource::Ticket(&ticket)) {
        return Err(not_found("ticket"));
    }
    Ok(ticket)
}

async fn ticket_id<S: TicketStore>(store: &S, reference: &str) -> Result<String, ApiError> {
    match reference.parse::<TicketNumber>() {
        Ok(number) => store.find_ticket_id(number.0).await.map_err(store_error)?.ok_or_else(|| not_found("ticket")),
        Err(()) if ulid::Ulid::from_string(reference).is_ok() => Ok(reference.to_string()),
        Err(()) => Err(not_found("ticket")),
    }
}

/// What `actor` may see of a ticket: staff-only events and fields left out for requesters, the
/// SLA clocks for staff only, and its topic (`known`: the caller read it already).
async fn view<S: TicketStore + Directory>(
    store: &S,
    sla: &SlaCache,
    actor: &Actor,
    ticket: Ticket,
    events: &[TicketEvent],
    known: Option<Topic>,
) -> Result<TicketView, ApiError> {
    let clocks = if allows(actor, Action::ViewSla, Resource::Ticket(&ticket)) {
        sla::status(&ticket, events, &*sla.get(store).await.map_err(store_error)?, Utc::now())
    } else {
        None
    };
    let visible = commands::visible_events(actor, &ticket, events).into_iter().map(|e| commands::event_for(actor, &ticket, e)).collect();
    let allowed_statuses = commands::allowed_statuses(actor, &ticket);
    let topic = match known.filter(|t| t.id == ticket.topic) {
        Some(topic) => Some(topic),
        None => store.get_topic(&ticket.topic).await.map_err(store_error)?,
    };
    let mut view = TicketView {
        allowed_statuses,
        events: visible,
        ticket: commands::ticket_for(actor, ticket),
        sla: clocks,
        topic,
        people: Default::default(),
    };
    let ids: Vec<String> = view.people_to_name().into_iter().collect();
    view.people = store.people_by_id(&ids).await.map_err(store_error)?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(view)
}

pub async fn get<S: TicketStore + Directory>(store: &S, sla: &SlaCache, actor: &Actor, reference: &str) -> Reply {
    let (ticket, events) = load(store, actor, reference).await?;
    json(StatusCode::OK, &view(store, sla, actor, ticket, &events, None).await?)
}

/// Writes a change with the ticket's next SLA action recomputed from the whole log.
async fn save<S: TicketStore + Directory>(
    store: &S,
    sla: &SlaCache,
    actor: &Actor,
    ticket: Ticket,
    mut events: Vec<TicketEvent>,
    change: Option<Change>,
    topic: Option<Topic>,
) -> Reply {
    let Some(mut change) = change else {
        return json(StatusCode::OK, &view(store, sla, actor, ticket, &events, topic).await?);
    };
    let config = sla.get(store).await.map_err(store_error)?;
    events.extend(change.events.iter().cloned());
    sla::refresh(&mut change.ticket, &events, &config);
    store.save_ticket(&change.ticket, &change.events).await.map_err(store_error)?;
    json(StatusCode::OK, &view(store, sla, actor, change.ticket, &events, topic).await?)
}

/// Why `id` cannot take tickets of `group`, if it cannot: it must be an active agent of the group
/// or an active admin.
async fn assignee_problem<D: Directory>(directory: &D, id: &str, group: &str) -> Result<Option<FieldError>, ApiError> {
    let problem = match directory.get_user(id).await.map_err(store_error)? {
        None => Some((FieldErrorCode::NotFound, format!("there is no user '{id}'"))),
        Some(stored) => {
            let user = stored.user;
            let eligible =
                user.active && (user.role == Role::Admin || (user.role == Role::Agent && user.groups.iter().any(|g| g == group)));
            (!eligible).then(|| (FieldErrorCode::NotEligible, format!("'{id}' is not an active agent of the group '{group}'")))
        }
    };
    Ok(problem.map(|(code, message)| FieldError::new("assignee", code, message)))
}

/// The ids a change names that do not exist or cannot be used: a new group must exist, and the
/// assignee must be able to work the ticket's group (a move to another group with an assignee
/// who does not work it is refused: assign someone there, or nobody, in the same change).
async fn check_references<D: Directory>(directory: &D, before: &Ticket, after: &Ticket) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if after.group != before.group {
        errors.extend(crate::admin::unknown_groups(directory, &[("group".to_string(), after.group.as_str())]).await?);
    }
    // A new assignee, or the old one in a new group: they must be able to work the ticket there.
    if (after.assignee != before.assignee || after.group != before.group)
        && let Some(assignee) = &after.assignee
    {
        errors.extend(assignee_problem(directory, assignee, &after.group).await?);
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

pub async fn update<S: TicketStore + Directory + Knowledge>(
    store: &S,
    sla: &SlaCache,
    actor: &Actor,
    reference: &str,
    body: &[u8],
) -> Reply {
    let request: UpdateTicketRequest = parse_body(body)?;
    let (ticket, events) = load(store, actor, reference).await?;
    let topic = match request.fields {
        Some(_) => store.get_topic(&ticket.topic).await.map_err(store_error)?,
        None => None,
    };
    let change = commands::update_ticket(&ticket, topic.as_ref(), actor, request, Utc::now(), &mut new_id)?;
    let mut solution = None;
    if let Some(change) = &change {
        check_references(store, &ticket, &change.ticket).await?;
        if change.ticket.solution != ticket.solution {
            if let Some(article) = &change.ticket.solution {
                check_solution(store, &change.ticket, article).await?;
            }
            solution = Some((ticket.solution.clone(), change.ticket.solution.clone()));
        }
    }
    let reply = Box::pin(save(store, sla, actor, ticket, events, change, topic)).await?;
    // Counted once the ticket change is saved (a count lost to a crash here is only a count).
    if let Some((from, to)) = solution {
        for (article, step) in [(from, -1), (to, 1)] {
            if let Some(article) = article
                && let Err(e) = store.count_solution(&article, step).await
            {
                tracing::warn!(error = %e, article, "an article's solution count was not updated");
            }
        }
    }
    Ok(reply)
}

/// The article marked as a ticket's answer must exist and be one the ticket's requester may read
/// (public and published): the answer is shown to them.
async fn check_solution<S: Knowledge>(store: &S, ticket: &Ticket, article: &str) -> Result<(), ApiError> {
    let requester = Actor::new(&ticket.requester, Role::Requester);
    let problem = match store.get_article(article).await.map_err(store_error)? {
        None => Some((FieldErrorCode::NotFound, format!("there is no article '{article}'"))),
        Some(a) if !crate::kb::readable(&requester, &a) => {
            Some((FieldErrorCode::NotEligible, "the requester cannot read this article: publish it for requesters first".to_string()))
        }
        Some(_) => None,
    };
    match problem {
        Some((code, message)) => Err(ApiError::validation(vec![FieldError::new("solution", code, message)])),
        None => Ok(()),
    }
}

pub async fn add_message<S: TicketStore + Directory + Uploads>(
    store: &S,
    sla: &SlaCache,
    files: Option<&Files>,
    actor: &Actor,
    reference: &str,
    body: &[u8],
    internal: bool,
) -> Reply {
    let request: MessageRequest = parse_body(body)?;
    let (ticket, events) = load(store, actor, reference).await?;
    let attachments = request.attachments.clone();
    let mut change = commands::add_message(&ticket, actor, request, internal, Utc::now(), &mut new_id)?;
    // Files are claimed only once everything else passed.
    helpdesk_core::event::attach(&mut change.events, crate::attachments::claim(store, files, actor, &attachments).await?);
    save(store, sla, actor, ticket, events, Some(change), None).await
}

/// Somebody a ticket is filed for must be an active account.
async fn check_requester<D: Directory>(directory: &D, actor: &Actor, requester: &str) -> Result<(), ApiError> {
    if requester == actor.id {
        return Ok(());
    }
    let problem = match directory.get_user(requester).await.map_err(store_error)? {
        None => Some((FieldErrorCode::NotFound, format!("there is no user '{requester}'"))),
        Some(stored) if !stored.user.active => Some((FieldErrorCode::NotEligible, format!("'{requester}' is disabled"))),
        Some(_) => None,
    };
    match problem {
        Some((code, message)) => Err(ApiError::validation(vec![FieldError::new("requester", code, message)])),
        None => Ok(()),
    }
}

pub async fn create<S: TicketStore + Directory + Uploads>(
    store: &S,
    sla: &SlaCache,
    files: Option<&Files>,
    actor: &Actor,
    body: &[u8],
) -> Reply {
    let request: CreateTicketRequest = parse_body(body)?;
    let attachments = request.attachments.clone();
    let topic = if is_slug(&request.topic) { store.get_topic(&request.topic).await.map_err(store_error)? } else { None };
    // Everything is checked before the store is written; the number is taken in the same
    // transaction as the ticket, so bad input stores nothing at all.
    let draft = commands::prepare_ticket(request, topic.as_ref(), actor)?;
    check_requester(store, actor, draft.requester()).await?;
    let files = crate::attachments::claim(store, files, actor, &attachments).await?;
    let config: std::sync::Arc<SlaConfig> = sla.get(store).await.map_err(store_error)?;
    let now = Utc::now();
    let change = store
        .create_ticket(|number| {
            let mut change = draft.clone().into_ticket(new_id(), number, new_id(), now);
            helpdesk_core::event::attach(&mut change.events, files.clone());
            sla::refresh(&mut change.ticket, &change.events, &config);
            change
        })
        .await
        .map_err(store_error)?;
    let location = format!("/api/tickets/{}", change.ticket.number);
    let mut response = json(StatusCode::CREATED, &view(store, sla, actor, change.ticket, &change.events, topic).await?)?;
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
            let queue = Resource::Queue { groups: &query.groups, assignee: query.assignee.as_deref() };
            require(allows(actor, Action::ListQueues, queue), "see this queue: filter by one of your groups or assignee=<you>")?
        }
        Listing::OfRequester(_) => {
            require(allows(actor, Action::ListOwnTickets, Resource::None), "list tickets")?;
            if pairs.iter().any(|(name, _)| name == "sort") {
                let why = "query parameter 'sort': your own tickets are listed newest first";
                return Err(ApiError::new(ErrorCode::InvalidQuery, why));
            }
        }
    }
    // A queue's every page carries its total (a shared link may open on page 3), counted while
    // the page is read.
    let (page, total) = match listing {
        Listing::Queues => {
            // Boxed: two store futures side by side would overflow a debug build's stack.
            let (page, total) = tokio::join!(Box::pin(store.list_tickets(listing, &query)), Box::pin(store.count_queue(&query)));
            (page, Some(total.map_err(store_error)?))
        }
        Listing::OfRequester(_) => (store.list_tickets(listing, &query).await, None),
    };
    let page = page.map_err(store_error)?;
    let items = page.items.into_iter().map(|t| commands::ticket_for(actor, t)).collect();
    json(StatusCode::OK, &TicketPage { items, next_cursor: page.next_cursor, total })
}
