//! Ticket lists: the requester's own tickets, and the table the agent queues share.

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::components::{ErrorBox, Loading, PriorityBadge, StatusBadge};
use crate::i18n::use_i18n;
use helpdesk_core::Ticket;
use helpdesk_core::api::TicketPage;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

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

#[derive(Clone, Copy, PartialEq)]
enum SortBy {
    Updated,
    Created,
    Priority,
    Status,
}

impl SortBy {
    const ALL: [(SortBy, &'static str); 4] =
        [(SortBy::Updated, "updated"), (SortBy::Created, "created"), (SortBy::Priority, "priority"), (SortBy::Status, "status")];

    fn sort(self, items: &mut [Ticket]) {
        match self {
            SortBy::Updated => items.sort_by_key(|t| std::cmp::Reverse(t.updated_at)),
            SortBy::Created => items.sort_by_key(|t| std::cmp::Reverse(t.created_at)),
            SortBy::Priority => items.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.updated_at.cmp(&a.updated_at))),
            SortBy::Status => items.sort_by_key(|t| (t.status.queue_rank(), std::cmp::Reverse(t.updated_at))),
        }
    }
}

/// A page of tickets from `source` (a list URL with its filters), sortable, with previous and
/// next pages; a new `source` starts again at the first page.
#[component]
pub fn TicketTable(#[prop(into)] source: Signal<String>, staff: bool) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let page = RwSignal::new(None::<Result<TicketPage, Failure>>);
    // The cursors of the pages before this one, and of this one.
    let cursors = RwSignal::new(Vec::<String>::new());
    let sort = RwSignal::new(SortBy::Updated);
    let load = move |cursor: Option<String>| {
        page.set(None);
        let base = source.get_untracked();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = match cursor {
            Some(c) => format!("{base}{separator}cursor={}", String::from(js_sys::encode_uri_component(&c))),
            None => base,
        };
        spawn_local(async move { page.set(Some(api::get::<TicketPage>(&url).await)) });
    };
    Effect::new(move || {
        source.track();
        cursors.set(Vec::new());
        load(None);
    });
    let next = move |_| {
        if let Some(Ok(p)) = page.get_untracked()
            && let Some(c) = p.next_cursor
        {
            cursors.update(|cs| cs.push(c.clone()));
            load(Some(c));
        }
    };
    let previous = move |_| {
        cursors.update(|cs| {
            cs.pop();
        });
        load(cursors.get_untracked().last().cloned());
    };
    let me = session.id();
    let rows = move || {
        let me = me.clone();
        page.get().map(|answer| match answer {
            Err(failure) => view! { <ErrorBox failure=failure retry=Callback::new(move |_| load(cursors.get_untracked().last().cloned()))/> }.into_any(),
            Ok(p) if p.items.is_empty() => view! { <p class="empty">{move || i.t("list.empty")}</p> }.into_any(),
            Ok(p) => {
                let mut items = p.items.clone();
                sort.get().sort(&mut items);
                let count = items.len() as u64;
                let has_next = p.next_cursor.is_some();
                let me = me.clone();
                view! {
                    <p class="count" aria-live="polite">{move || i.count("list.count", count)}</p>
                    <div class="table-wrap">
                    <table class="tickets">
                        <thead><tr>
                            <th scope="col">{move || i.t("ticket.number")}</th>
                            <th scope="col">{move || i.t("ticket.subject")}</th>
                            <th scope="col">{move || i.t("ticket.status")}</th>
                            <th scope="col">{move || i.t("ticket.priority")}</th>
                            {staff.then(|| view! {
                                <th scope="col">{move || i.t("ticket.requester")}</th>
                                <th scope="col">{move || i.t("ticket.assignee")}</th>
                            })}
                            <th scope="col">{move || i.t("ticket.updated")}</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|t| {
                                let number = t.number.to_string();
                                let assignee = t.assignee.clone().map(|a| if a == me { i.t("queue.me").to_string() } else { a });
                                view! {
                                    <tr>
                                        <td><A href=format!("/tickets/{number}")>{number.clone()}</A></td>
                                        <td class="subject">{t.subject.clone()}</td>
                                        <td><StatusBadge status=t.status/></td>
                                        <td><PriorityBadge priority=t.priority/></td>
                                        {staff.then(|| view! {
                                            <td>{t.requester.clone()}</td>
                                            <td>{assignee.unwrap_or_else(|| "—".into())}</td>
                                        })}
                                        <td>{move || i.when(t.updated_at)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <div class="pager">
                        <button type="button" on:click=previous disabled=move || cursors.with(Vec::is_empty)>{move || i.t("list.previous")}</button>
                        <button type="button" on:click=next disabled=!has_next>{move || i.t("list.next")}</button>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="list">
            <div class="inline">
                <label for="sort">{move || i.t("list.sort")}</label>
                <select id="sort" on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some((by, _)) = SortBy::ALL.iter().find(|(_, name)| *name == chosen) { sort.set(*by) }
                }>
                    {SortBy::ALL.iter().map(|(_, name)| view! { <option value=*name>{move || i.t(&format!("sort.{name}"))}</option> }).collect_view()}
                </select>
            </div>
            {move || rows().unwrap_or_else(|| view! { <Loading/> }.into_any())}
        </div>
    }
}
