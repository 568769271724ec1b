//! Ticket lists: the requester's own tickets, and the table the agent queues share. The server
//! keeps the order across the whole list; the page a list is on lives in the address (`at`), so
//! Back, reload and a shared link open the same page.

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::clock;
use crate::components::{ErrorBox, Loading, PriorityBadge, StatusBadge};
use crate::i18n::{I18n, use_i18n};
use crate::pages::bulk::{self, Selected};
use crate::people::use_people;
use chrono::{DateTime, Utc};
use helpdesk_core::Ticket;
use helpdesk_core::api::{Items, TicketPage, TopicList, Total};
use helpdesk_core::sla::{DueState, SlaDue};
use helpdesk_core::user::Group;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The address parameter holding the cursors of the pages before this one and of this one,
/// joined by `.` (cursors are base64url, which has none).
pub const PAGES_PARAM: &str = "at";
/// How often a list is read again while it is on screen.
const QUEUE_REFRESH_SECONDS: u64 = 30;

/// A filter's `<option>`, selected while the address names it (`current`).
fn chosen_option(current: Signal<String>, value: String, label: String) -> impl IntoView {
    let chosen = value.clone();
    view! { <option value=value selected=move || current.get() == chosen>{label}</option> }
}

/// Every topic as a filter's options, in the reader's language.
pub fn topic_options(i: I18n, topics: api::Fetched<TopicList>, current: Signal<String>) -> impl IntoView {
    move || {
        topics
            .get()
            .and_then(Result::ok)
            .map(|list| list.items.into_iter().map(|t| chosen_option(current, t.id.clone(), i.local(&t.name))).collect_view())
    }
}

/// Every group as a filter's options, in the reader's language.
/// The groups as options, only those in `within` unless it is empty.
pub fn group_options(i: I18n, groups: api::Fetched<Items<Group>>, current: Signal<String>, within: Vec<String>) -> impl IntoView {
    move || {
        groups.get().and_then(Result::ok).map(|list| {
            list.items
                .into_iter()
                .filter(|g| within.is_empty() || within.contains(&g.id))
                .map(|g| chosen_option(current, g.id.clone(), g.name_in(i.code()).to_string()))
                .collect_view()
        })
    }
}

/// The address's query parameters with some replaced or removed (`None`), pushed as a new history
/// entry so Back returns to the list as it was.
pub fn use_set_params() -> impl Fn(&[(&str, Option<String>)]) + Clone + 'static {
    let query = use_query_map();
    let navigate = use_navigate();
    move |changes: &[(&str, Option<String>)]| {
        let mut pairs: Vec<(String, String)> = query.with_untracked(|q| q.clone().into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        for (name, value) in changes {
            pairs.retain(|(k, _)| k != name);
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                pairs.push((name.to_string(), v.clone()));
            }
        }
        let path = window().location().pathname().unwrap_or_default();
        let encoded: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        navigate(&api::with_query(&path, &encoded), Default::default());
    }
}

#[component]
pub fn MyTickets() -> impl IntoView {
    let i = use_i18n();
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("my.title")}</h1>
                <A href="/new" attr:class="button primary">{move || i.t("nav.new_ticket")}</A>
            </div>
            <TicketTable source=Signal::derive(|| "/api/my/tickets".to_string()) staff=false/>
        </section>
    }
}

/// How a row's next SLA target reads at `now`: its state, and "in 25 min" / "3 h overdue".
fn due_text(i: I18n, due: &SlaDue, now: DateTime<Utc>) -> (DueState, String) {
    let state = due.state_at(now);
    let text = match (state, due.due_at) {
        (DueState::Paused, _) | (_, None) => i.t("due.state.paused").to_string(),
        (DueState::Breached, Some(at)) => i.t("due.overdue").replace("{d}", &i.duration((now - at).num_seconds())),
        (_, Some(at)) => i.t("due.in").replace("{d}", &i.duration((at - now).num_seconds())),
    };
    (state, text)
}

fn state_name(state: DueState) -> &'static str {
    match state {
        DueState::Running => "running",
        DueState::Paused => "paused",
        DueState::Warning => "warning",
        DueState::Breached => "breached",
    }
}

fn total_text(i: I18n, total: Total) -> String {
    i.count(if total.more { "list.total_more" } else { "list.total" }, total.count)
}

/// A page of tickets from `source` (a list URL with its filters and order) with previous and next
/// pages; staff see the SLA column, breached and warning rows marked for the eye and for screen
/// readers, and select tickets to change them together (not managers, who read the queues only).
/// A new `source` starts again at the first page.
#[component]
pub fn TicketTable(#[prop(into)] source: Signal<String>, staff: bool) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let changes = staff && session.is_staff();
    let query = use_query_map();
    let set_params = use_set_params();
    let page = RwSignal::new(None::<Result<TicketPage, Failure>>);
    let selected = RwSignal::new(Vec::<Selected>::new());
    if changes {
        bulk::queue_keys();
    }
    let cursors = Memo::new(move |_| -> Vec<String> {
        query.with(|q| {
            q.get(PAGES_PARAM).map(|at| at.split('.').filter(|c| !c.is_empty()).map(str::to_string).collect()).unwrap_or_default()
        })
    });
    let now = clock::ticking(30);
    // The list's URL with the page's cursor (tracked where called reactively).
    let page_url = move || {
        let base = source.get();
        match cursors.get().last() {
            Some(c) => api::with_query(&base, &[("cursor", c.clone())]),
            None => base,
        }
    };
    // Each load gets a number: an answer that lands after a newer request began is dropped, so a
    // slow old page never shows under a new address.
    let generation = StoredValue::new(0u64);
    let load = move || {
        let url = page_url();
        page.set(None);
        selected.set(Vec::new());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            let answer = api::get::<TicketPage>(&url).await;
            // `try_`: the list may have gone while the answer travelled.
            if generation.try_get_value() == Some(mine) {
                let _ = page.try_set(Some(answer));
            }
        });
    };
    Effect::new(load);
    // Others' changes show within half a minute: the page is read again while the tab is visible,
    // and redrawn only when it changed.
    let refresh = move || {
        if document().hidden() || !matches!(page.get_untracked(), Some(Ok(_))) {
            return;
        }
        let url = untrack(page_url);
        let mine = generation.get_value();
        spawn_local(async move {
            if let Ok(fresh) = api::get::<TicketPage>(&url).await
                && generation.try_get_value() == Some(mine)
                && page.try_with_untracked(|p| !matches!(p, Some(Ok(shown)) if *shown == fresh)) == Some(true)
            {
                // What is selected keeps to the rows shown, at the versions shown.
                selected.try_update(|s| s.retain(|row| fresh.items.iter().any(|t| t.number == row.number && t.version == row.version)));
                let _ = page.try_set(Some(Ok(fresh)));
            }
        });
    };
    if let Ok(handle) = set_interval_with_handle(refresh, std::time::Duration::from_secs(QUEUE_REFRESH_SECONDS)) {
        on_cleanup(move || handle.clear());
    }
    let go = {
        let set_params = set_params.clone();
        move |pages: Vec<String>| set_params(&[(PAGES_PARAM, Some(pages.join(".")))])
    };
    let next = {
        let go = go.clone();
        move |_| {
            if let Some(Ok(p)) = page.get_untracked()
                && let Some(c) = p.next_cursor
            {
                let mut pages = cursors.get_untracked();
                pages.push(c);
                go(pages);
            }
        }
    };
    let previous = move |_| {
        let mut pages = cursors.get_untracked();
        pages.pop();
        go(pages);
    };
    let me = session.id();
    let rows = move || {
        let me = me.clone();
        page.get().map(|answer| match answer {
            Err(failure) => view! { <ErrorBox failure=failure retry=Callback::new(move |_| load())/> }.into_any(),
            Ok(p) if p.items.is_empty() && p.next_cursor.is_none() && cursors.with(Vec::is_empty) => view! { <p class="empty">{move || i.t("list.empty")}</p> }.into_any(),
            Ok(p) => {
                let has_next = p.next_cursor.is_some();
                let total = p.total;
                let me = me.clone();
                view! {
                    {total.map(|total| view! { <p class="count" aria-live="polite">{move || total_text(i, total)}</p> })}
                    <div class="table-wrap">
                    <table class="tickets">
                        <thead><tr>
                            {changes.then(|| {
                                let on_page: Vec<Selected> = p.items.iter().map(|t| Selected { number: t.number, version: t.version }).collect();
                                let all = on_page.clone();
                                view! {
                                    <th scope="col" class="select">
                                        <input type="checkbox" aria-label=move || i.t("bulk.select_page")
                                            prop:checked=move || !all.is_empty() && selected.with(|s| s.len() == all.len())
                                            on:change=move |ev| selected.set(if event_target_checked(&ev) { on_page.clone() } else { Vec::new() })/>
                                    </th>
                                }
                            })}
                            <th scope="col">{move || i.t("ticket.number")}</th>
                            <th scope="col">{move || i.t("ticket.subject")}</th>
                            <th scope="col">{move || i.t("ticket.status")}</th>
                            <th scope="col">{move || i.t("ticket.priority")}</th>
                            {staff.then(|| view! {
                                <th scope="col">{move || i.t("due.column")}</th>
                                <th scope="col">{move || i.t("ticket.requester")}</th>
                                <th scope="col">{move || i.t("ticket.assignee")}</th>
                            })}
                            <th scope="col">{move || i.t("ticket.updated")}</th>
                        </tr></thead>
                        <tbody>
                            {p.items.into_iter().map(|t| row(i, t, staff, changes.then_some(selected), &me, now)).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <div class="pager">
                        <button type="button" on:click=previous.clone() disabled=move || cursors.with(Vec::is_empty)>{move || i.t("list.previous")}</button>
                        <button type="button" on:click=next.clone() disabled=!has_next>{move || i.t("list.next")}</button>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="list">
            {changes.then(|| bulk::bar(selected, Callback::new(move |_| load())))}
            {move || rows().unwrap_or_else(|| view! { <Loading/> }.into_any())}
            {changes.then(|| view! { <p class="muted keys">{move || i.t("queue.keys")}</p> })}
        </div>
    }
}

/// One ticket's row; `staff`: the queue's columns; `selected`: the queue's selection (those who
/// change tickets), which the row's box joins.
fn row(
    i: I18n,
    t: Ticket,
    staff: bool,
    selected: Option<RwSignal<Vec<Selected>>>,
    me: &str,
    now: ReadSignal<DateTime<Utc>>,
) -> impl IntoView + use<> {
    let people = use_people();
    let this = Selected { number: t.number, version: t.version };
    let number = t.number.to_string();
    let mine = t.assignee.as_deref() == Some(me);
    let (requester, assignee) = (t.requester.clone(), t.assignee.clone());
    let assignee = move || match &assignee {
        _ if mine => i.t("queue.me").to_string(),
        Some(a) => people.name(a),
        None => "—".into(),
    };
    let due = t.sla_due;
    let state = move || due.map(|d| d.state_at(now.get()));
    let row_class = move || match state() {
        Some(DueState::Breached) => "due-breached",
        Some(DueState::Warning) => "due-warning",
        _ => "",
    };
    let due_cell = move || match due {
        None => view! { <span class="due-none">{move || i.t("due.none")}</span> }.into_any(),
        Some(d) => {
            let (state, text) = due_text(i, &d, now.get());
            let label = i.t(&format!("due.state.{}", state_name(state)));
            let title = d.due_at.map(|at| i.when(at)).unwrap_or_default();
            view! {
                <span class=format!("due due-{}", state_name(state)) title=title>
                    <span class="sr-only">{label}": "</span>
                    {(state != DueState::Paused).then_some(text.clone())}
                    {(state == DueState::Paused).then_some(label)}
                </span>
            }
            .into_any()
        }
    };
    view! {
        <tr class=row_class>
            {selected.map(|selected| view! {
                <td class="select">
                    <input type="checkbox" aria-label=move || i.t("bulk.select").replace("{number}", &this.number.to_string())
                        prop:checked=move || selected.with(|s| s.contains(&this))
                        on:change=move |ev| selected.update(|s| {
                            s.retain(|r| *r != this);
                            if event_target_checked(&ev) { s.push(this) }
                        })/>
                </td>
            })}
            <td class="number"><A href=format!("/tickets/{number}")>{number.clone()}</A></td>
            <td class="subject">{t.subject.clone()}</td>
            <td><StatusBadge status=t.status/></td>
            <td><PriorityBadge priority=t.priority/></td>
            {staff.then(|| view! {
                <td class="due-cell">{due_cell}</td>
                <td>{move || people.name(&requester)}</td>
                <td>{assignee}</td>
            })}
            <td class="updated">{move || i.when(t.updated_at)}</td>
        </tr>
    }
}
