//! Notification routes: a person's own preferences, and a ticket's decision log (staff only).

use crate::channels::ChannelSetup;
use crate::tickets::load;
use crate::{Reply, json, require, store_error};
use helpdesk_aws::{Contacts, Directory, NotificationLog, StoreError, TicketStore};
use helpdesk_core::api::{Items, parse_body};
use helpdesk_core::notify::{ChannelKind, Contact, NotificationSettings, Owner, Preferences};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::{Actor, ApiError};
use lambda_http::http::StatusCode;

async fn settings_of<S: Directory + NotificationLog + Contacts>(
    store: &S,
    setup: &ChannelSetup,
    actor: &Actor,
    preferences: Option<Preferences>,
) -> Reply {
    let preferences = match preferences {
        Some(p) => p,
        None => store.preferences(&actor.id).await.map_err(store_error)?.unwrap_or_else(|| Preferences::defaults(actor.role)),
    };
    let user = store.get_user(&actor.id).await.map_err(store_error)?;
    let has_phone = user.is_some_and(|u| u.user.phone.is_some_and(|p| !p.trim().is_empty()));
    let mut contacts: Vec<_> =
        store.contacts(&Owner::User(actor.id.clone())).await.map_err(store_error)?.iter().map(Contact::summary).collect();
    contacts.sort_by_key(|c| c.added_at);
    let settings = NotificationSettings {
        preferences,
        notices: helpdesk_core::notify::Notice::for_role(actor.role).to_vec(),
        channels: ChannelKind::ALL.to_vec(),
        has_phone,
        contacts,
        web_push_key: setup.web_push_key.clone(),
        telegram: setup.telegram_bot.is_some(),
    };
    json(StatusCode::OK, &settings)
}

pub async fn settings<S: Directory + NotificationLog + Contacts>(store: &S, setup: &ChannelSetup, actor: &Actor) -> Reply {
    settings_of(store, setup, actor, None).await
}

/// Saves the caller's preferences over the version they read (0: the defaults, never saved).
pub async fn save_settings<S: Directory + NotificationLog + Contacts>(
    store: &S,
    setup: &ChannelSetup,
    actor: &Actor,
    body: &[u8],
) -> Reply {
    let mut preferences: Preferences = parse_body(body)?;
    preferences.validate(actor.role).map_err(ApiError::validation)?;
    let read = preferences.version;
    preferences.version = read + 1;
    match store.put_preferences(&actor.id, &preferences).await {
        Ok(()) => settings_of(store, setup, actor, Some(preferences)).await,
        // Saved by another tab or device since: say which version is current.
        Err(StoreError::AlreadyExists | StoreError::Missing) => {
            let current = store.preferences(&actor.id).await.map_err(store_error)?.map_or(0, |p| p.version);
            Err(ApiError::version_conflict(current))
        }
        Err(e) => Err(store_error(e)),
    }
}

/// Every notification decision on a ticket: staff who may see its internal side only.
pub async fn ticket_log<S: TicketStore + NotificationLog>(store: &S, actor: &Actor, reference: &str) -> Reply {
    let (ticket, _) = load(store, actor, reference).await?;
    require(allows(actor, Action::ViewInternal, Resource::Ticket(&ticket)), "see this ticket's notifications")?;
    let mut items = store.deliveries(&ticket.id).await.map_err(store_error)?;
    items.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.event_id.cmp(&b.event_id)));
    json(StatusCode::OK, &Items { items })
}
