//! Several tickets at once: the queue's selected rows get one assignee, status or priority. Each
//! ticket is still written with the version its row showed, so one that changed meanwhile is
//! refused (409) and listed, and the others are changed.

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::i18n::{I18n, use_i18n, wire};
use crate::people::use_people;
use gloo_net::http::Method;
use helpdesk_core::api::{Paged, PersonSummary, TicketView, UpdateTicketRequest};
use helpdesk_core::limits::MAX_PAGE_SIZE;
use helpdesk_core::{ErrorCode, Priority, Status, TicketNumber};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// A selected row: the ticket and the version it was shown at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub number: TicketNumber,
    pub version: u64,
}

/// What one bulk change did to one ticket that it could not change.
#[derive(Debug, Clone)]
struct Refusal {
    number: TicketNumber,
    why: String,
}

/// The value of the "assign to" picker that unassigns.
const NOBODY: &str = "-";

fn why(i: I18n, failure: &Failure) -> String {
    match failure {
        Failure::Api(e) if e.code == ErrorCode::VersionConflict => i.t("bulk.changed_meanwhile").to_string(),
        Failure::Api(e) if e.code == ErrorCode::ValidationFailed => {
            e.fields.first().map_or_else(|| i.failure(failure), |f| format!("{}: {}", f.field, i.field_error(f)))
        }
        other => i.failure(other),
    }
}

/// The bar above the table while rows are selected; `done` redraws the list after a change.
pub fn bar(selected: RwSignal<Vec<Selected>>, done: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let people = use_people();
    let busy = RwSignal::new(false);
    let refusals = RwSignal::new(None::<(usize, Vec<Refusal>)>);
    let agents = api::Fetched::<Paged<PersonSummary>>::fixed(&api::with_query(
        "/api/directory",
        &[("staff", "true".into()), ("limit", MAX_PAGE_SIZE.to_string())],
    ));
    let (assignee, status, priority) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let me = StoredValue::new(session.id());
    // A cleared selection starts the next one with nothing chosen.
    let clear = move || {
        selected.set(Vec::new());
        assignee.set(String::new());
        status.set(String::new());
        priority.set(String::new());
    };
    let apply = move |_| {
        let mut change = UpdateTicketRequest::default();
        match assignee.get_untracked().as_str() {
            "" => {}
            NOBODY => change.assignee = Some(None),
            id => change.assignee = Some(Some(id.to_string())),
        }
        change.status = status.get_untracked().parse::<Status>().ok();
        change.priority = priority.get_untracked().parse::<Priority>().ok();
        if change == (UpdateTicketRequest::default()) {
            return;
        }
        let chosen = selected.get_untracked();
        busy.set(true);
        refusals.set(None);
        spawn_local(async move {
            let mut refused = Vec::new();
            for row in &chosen {
                let body = UpdateTicketRequest { version: row.version, ..change.clone() };
                if let Err(f) = api::send::<TicketView>(Method::PATCH, &format!("/api/tickets/{}", row.number), &body).await {
                    refused.push(Refusal { number: row.number, why: why(i, &f) });
                }
            }
            // The queue may have gone while the changes were sent.
            if refusals.try_set(Some((chosen.len() - refused.len(), refused))).is_some() {
                return;
            }
            busy.set(false);
            clear();
            done.run(());
        });
    };
    let agent_options = move || {
        agents.get().and_then(Result::ok).map(|page| {
            page.items
                .into_iter()
                .filter(|p| me.with_value(|m| *m != p.id))
                .map(|p| {
                    people.learn([(p.id.clone(), p.name.clone())]);
                    view! { <option value=p.id>{p.name}</option> }
                })
                .collect_view()
        })
    };
    let any_selected = Memo::new(move |_| !selected.with(Vec::is_empty));
    let report = move || {
        refusals.get().map(|(changed, refused)| {
            view! {
                <div class="bulk-report" role="status">
                    <p>{i.count("bulk.changed", changed as u64)}</p>
                    {(!refused.is_empty()).then(|| view! {
                        <p class="error">{i.count("bulk.refused", refused.len() as u64)}</p>
                        <ul>{refused.into_iter().map(|r| view! { <li><strong>{r.number.to_string()}</strong>": "{r.why}</li> }).collect_view()}</ul>
                    })}
                </div>
            }
        })
    };
    view! {
        {report}
        // Drawn when a selection starts, not at each row ticked, so the choices stay as made.
        {move || any_selected.get().then(|| view! {
            <form class="bulk filters" on:submit=|ev| ev.prevent_default() aria-label=move || i.t("bulk.title")>
                <p class="bulk-count">{move || i.count("bulk.selected", selected.with(Vec::len) as u64)}</p>
                <div class="filter">
                    <label for="bulk-assignee">{move || i.t("bulk.assign")}</label>
                    <select id="bulk-assignee" prop:value=assignee on:change=move |ev| assignee.set(event_target_value(&ev))>
                        <option value="">{move || i.t("bulk.keep")}</option>
                        <option value=session.id()>{move || i.t("queue.me")}</option>
                        <option value=NOBODY>{move || i.t("queue.unassigned")}</option>
                        {agent_options}
                    </select>
                </div>
                <div class="filter">
                    <label for="bulk-status">{move || i.t("ticket.status")}</label>
                    <select id="bulk-status" prop:value=status on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{move || i.t("bulk.keep")}</option>
                        {Status::ALL.into_iter().map(|s| {
                            let key = format!("status.{}", wire(&s));
                            view! { <option value=wire(&s)>{move || i.t(&key)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="bulk-priority">{move || i.t("ticket.priority")}</label>
                    <select id="bulk-priority" prop:value=priority on:change=move |ev| priority.set(event_target_value(&ev))>
                        <option value="">{move || i.t("bulk.keep")}</option>
                        {Priority::ALL.into_iter().map(|p| {
                            let key = format!("priority.{}", wire(&p));
                            view! { <option value=wire(&p)>{move || i.t(&key)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="button" class="primary" on:click=apply disabled=busy>{move || i.t("bulk.apply")}</button>
                <button type="button" on:click=move |_| clear()>{move || i.t("bulk.clear")}</button>
            </form>
        })}
    }
}

/// The queue's keys: `j`/`k` move between rows, `x` selects the row in focus, Enter opens it
/// (the row's link has the focus). Not while typing in a field.
pub fn queue_keys() {
    let handle = window_event_listener(leptos::ev::keydown, |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || crate::pages::typing() {
            return;
        }
        let links = document().query_selector_all("table.tickets td.number a").ok();
        let Some(links) = links else { return };
        let count = links.length();
        let focused =
            (0..count).find(|n| links.item(*n).is_some_and(|l| document().active_element().is_some_and(|a| a.is_same_node(Some(&l)))));
        let focus = |n: u32| {
            if let Some(link) = links.item(n).and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = link.focus();
            }
        };
        match e.key().as_str() {
            "j" if count > 0 => focus(focused.map_or(0, |n| (n + 1).min(count - 1))),
            "k" if count > 0 => focus(focused.map_or(0, |n| n.saturating_sub(1))),
            "x" => {
                let row_box = focused
                    .and_then(|n| links.item(n))
                    .and_then(|l| l.parent_element()?.parent_element()?.query_selector("input[type=checkbox]").ok()?);
                if let Some(check) = row_box.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                    check.click();
                }
            }
            _ => return,
        }
        e.prevent_default();
    });
    on_cleanup(move || handle.remove());
}
