//! People's names, for every page: lists, pickers, conversations and history show names, never
//! login ids. One cache for the session: a ticket page's answer brings the names it shows, and
//! staff pages ask the directory for the ids they show that are still unknown, in one batched
//! request (`/api/directory?id=…`), never by fetching every user.

use crate::api;
use crate::app::use_session;
use helpdesk_core::api::{MAX_IDS_PER_LOOKUP, Paged, PersonSummary};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[derive(Clone, Copy)]
pub struct People {
    known: RwSignal<HashMap<String, String>>,
    /// Asked for once: an id the directory does not know stays shown as itself.
    asked: StoredValue<HashSet<String>>,
    pending: StoredValue<Vec<String>>,
    /// Only staff and managers may read the directory; requesters' pages bring their names with them.
    may_look_up: Signal<bool>,
}

pub fn provide() {
    let session = use_session();
    provide_context(People {
        known: RwSignal::new(HashMap::new()),
        asked: StoredValue::new(HashSet::new()),
        pending: StoredValue::new(Vec::new()),
        may_look_up: Signal::derive(move || session.reads_queues()),
    });
}

pub fn use_people() -> People {
    expect_context()
}

impl People {
    /// Names the page already has (a ticket's answer).
    pub fn learn(self, names: impl IntoIterator<Item = (String, String)>) {
        let fresh: Vec<(String, String)> =
            names.into_iter().filter(|(id, name)| self.known.with_untracked(|k| k.get(id) != Some(name))).collect();
        if !fresh.is_empty() {
            self.known.update(|k| k.extend(fresh));
        }
    }

    /// The name of `id` (tracked): the id itself until the name has come.
    pub fn name(self, id: &str) -> String {
        match self.known.with(|k| k.get(id).cloned()) {
            Some(name) => name,
            None => {
                self.want(id);
                id.to_string()
            }
        }
    }

    fn want(self, id: &str) {
        if id.is_empty() || !self.may_look_up.get_untracked() || self.asked.with_value(|a| a.contains(id)) {
            return;
        }
        self.asked.update_value(|a| {
            a.insert(id.to_string());
        });
        let first = self.pending.with_value(Vec::is_empty);
        self.pending.update_value(|p| p.push(id.to_string()));
        // The ids a page draws in one go share one request.
        if first {
            set_timeout(move || self.flush(), Duration::ZERO);
        }
    }

    fn flush(self) {
        let ids = self.pending.try_update_value(std::mem::take).unwrap_or_default();
        for chunk in ids.chunks(MAX_IDS_PER_LOOKUP) {
            let pairs: Vec<(&str, String)> = chunk.iter().map(|id| ("id", id.clone())).collect();
            let url = api::with_query("/api/directory", &pairs);
            let asked: Vec<String> = chunk.to_vec();
            spawn_local(async move {
                match api::get::<Paged<PersonSummary>>(&url).await {
                    Ok(found) => self.learn(found.items.into_iter().map(|p| (p.id, p.name))),
                    // Asked again the next time a page shows them.
                    Err(_) => self.asked.update_value(|a| {
                        asked.iter().for_each(|id| {
                            a.remove(id);
                        })
                    }),
                }
            });
        }
    }
}
