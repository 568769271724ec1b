//! The open ticket page's pulse (docs/live-updates.md): every few seconds while the tab is
//! visible it says who is here and whether they are writing, hears the ticket's version and the
//! other staff on the page, and picks up others' changes in place.

use super::Page;
use crate::api;
use crate::i18n::use_i18n;
use gloo_net::http::Method;
use helpdesk_core::api::TicketView;
use helpdesk_core::presence::{Activity, PULSE_SECONDS, Presence, PresenceReport, TicketPulse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Starts the pulse for the page's life; the others on the page, for [`others_line`].
pub(super) fn start(page: Page) -> RwSignal<Vec<Presence>> {
    let others = RwSignal::new(Vec::new());
    let beat = move || {
        if document().hidden() {
            return;
        }
        let Some(path) = page.path() else { return };
        let activity = if page.replying.try_get_untracked() == Some(true) { Activity::Replying } else { Activity::Viewing };
        spawn_local(async move {
            let Ok(pulse) = api::send::<TicketPulse>(Method::POST, &format!("{path}/presence"), &PresenceReport { activity }).await else {
                return;
            };
            // The page may have gone while the answer travelled.
            if others.try_set(pulse.others).is_some() {
                return;
            }
            if pulse.version > page.version() && page.busy.try_get_untracked() == Some(false) {
                if crate::pages::typing() {
                    let _ = page.changed.try_set(true);
                } else {
                    refresh(page);
                }
            }
        });
    };
    if let Ok(handle) = set_interval_with_handle(beat, Duration::from_secs(PULSE_SECONDS)) {
        on_cleanup(move || handle.clear());
    }
    // The first beat once the ticket has loaded, so others see this viewer at once.
    Effect::new(move || {
        if page.loaded.get() {
            beat();
        }
    });
    others
}

/// Reads the ticket again and draws it in place (no loading state in between).
pub(super) fn refresh(page: Page) {
    let Some(path) = page.path() else { return };
    spawn_local(async move {
        // Dropped if the page moved to another ticket meanwhile.
        if let Ok(view) = api::get::<TicketView>(&path).await
            && page.path().as_deref() == Some(path.as_str())
        {
            let _ = page.changed.try_set(false);
            let _ = page.conflict.try_set(false);
            let _ = page.view.try_set(Some(Ok(view)));
        }
    });
}

/// "Olga is viewing this ticket · Ivan is writing a reply", announced politely to screen readers.
pub(super) fn others_line(others: RwSignal<Vec<Presence>>) -> impl IntoView {
    let i = use_i18n();
    let people = crate::people::use_people();
    move || {
        let list = others.get();
        (!list.is_empty()).then(|| {
            let text = list
                .iter()
                .map(|p| {
                    let key = match p.activity {
                        Activity::Viewing => "presence.viewing",
                        Activity::Replying => "presence.replying",
                    };
                    i.t(key).replace("{name}", &people.name(&p.user))
                })
                .collect::<Vec<_>>()
                .join(" · ");
            view! { <p class="presence" role="status">{text}</p> }
        })
    }
}
