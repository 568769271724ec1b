//! The agent console's queue: all of the agent's groups (the default), one of them, what is
//! assigned to the agent, or (admins) every queue; open tickets unless asked for done ones; what
//! falls due first unless sorted by priority. Every choice lives in the address, so Back, reload
//! and a shared link restore the view.

use crate::api;
use crate::app::use_session;
use crate::i18n::{use_i18n, wire};
use crate::pages::tickets::{PAGES_PARAM, TicketTable, use_set_params};
use helpdesk_core::api::{Items, QueueOrder, TopicList, UNASSIGNED};
use helpdesk_core::user::Group;
use helpdesk_core::{Priority, Status};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Views beside the single groups.
const ALL_QUEUES: &str = "all";
const MY_GROUPS: &str = "groups";
const ASSIGNED_TO_ME: &str = "mine";
/// The `state` choice that shows open and done tickets together.
const EVERY_STATE: &str = "all";

#[component]
pub fn Queue() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let set_params = use_set_params();
    let param = move |name: &'static str| Signal::derive(move || query.with(|q| q.get(name).unwrap_or_default()));
    let my_groups = move || session.me.with(|m| m.as_ref().map(|m| m.groups.clone()).unwrap_or_default());
    let default_view = move || {
        if session.sees_every_group() {
            ALL_QUEUES
        } else if my_groups().is_empty() {
            ASSIGNED_TO_ME
        } else {
            MY_GROUPS
        }
    };
    let view_of = Signal::derive(move || Some(param("view").get()).filter(|v| !v.is_empty()).unwrap_or_else(|| default_view().to_string()));
    let (assignee, status, priority, topic) = (param("assignee"), param("status"), param("priority"), param("topic"));
    let state = Signal::derive(move || Some(param("state").get()).filter(|v| !v.is_empty()).unwrap_or_else(|| "open".into()));
    let sort =
        Signal::derive(move || Some(param("sort").get()).filter(|v| !v.is_empty()).unwrap_or_else(|| QueueOrder::Due.as_str().into()));
    let topics = api::Fetched::<TopicList>::fixed("/api/topics");
    let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
    let me = session.id();
    let source = Signal::derive(move || {
        let mut pairs = vec![("priority", priority.get()), ("topic", topic.get()), ("sort", sort.get()), ("limit", "25".into())];
        // A status names its own part of the lifecycle.
        match (status.get(), state.get()) {
            (s, _) if !s.is_empty() => pairs.push(("status", s)),
            (_, s) if s == EVERY_STATE => {}
            (_, s) => pairs.push(("state", s)),
        }
        let chosen_assignee = match assignee.get().as_str() {
            "me" => me.clone(),
            "none" => UNASSIGNED.to_string(),
            _ => String::new(),
        };
        match view_of.get().as_str() {
            ASSIGNED_TO_ME => pairs.push(("assignee", me.clone())),
            ALL_QUEUES => pairs.push(("assignee", chosen_assignee)),
            MY_GROUPS => {
                pairs.extend(my_groups().into_iter().map(|g| ("group", g)));
                pairs.push(("assignee", chosen_assignee));
            }
            group => pairs.extend([("group", group.to_string()), ("assignee", chosen_assignee)]),
        }
        api::with_query("/api/tickets", &pairs)
    });
    // A changed filter starts again at the first page.
    let choose = move |name: &'static str| {
        let set_params = set_params.clone();
        move |ev: leptos::ev::Event| set_params(&[(name, Some(event_target_value(&ev))), (PAGES_PARAM, None)])
    };
    let group_options = move || {
        // Admins (and managers of every group) reach every queue; others their own groups.
        let names: Vec<(String, String)> = match groups.get() {
            Some(Ok(all)) => all
                .items
                .into_iter()
                .filter(|g| session.sees_every_group() || my_groups().contains(&g.id))
                .map(|g| (g.id.clone(), g.name_in(i.code()).to_string()))
                .collect(),
            _ => my_groups().into_iter().map(|g| (g.clone(), g)).collect(),
        };
        names
            .into_iter()
            .map(|(id, name)| {
                let value = id.clone();
                view! { <option value=id selected=move || view_of.get() == value>{name}</option> }
            })
            .collect_view()
    };
    let topic_options = move || {
        topics.get().and_then(Result::ok).map(|list| {
            list.items
                .into_iter()
                .map(|t| {
                    let name = t.name.clone();
                    let value = t.id.clone();
                    view! { <option value=t.id.clone() selected=move || topic.get() == value>{move || i.local(&name)}</option> }
                })
                .collect_view()
        })
    };
    // An option of a fixed choice, selected when the address says so.
    let choice = move |current: Signal<String>, value: &'static str, label: &'static str| {
        view! { <option value=value selected=move || current.get() == value>{move || i.t(label)}</option> }
    };
    let enum_choice = move |current: Signal<String>, prefix: &'static str, value: String| {
        let key = format!("{prefix}.{value}");
        let chosen = value.clone();
        view! { <option value=value selected=move || current.get() == chosen>{move || i.t(&key)}</option> }
    };
    view! {
        <section>
            <h1>{move || i.t("queue.title")}</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div class="filter">
                    <label for="queue-view">{move || i.t("queue.view")}</label>
                    <select id="queue-view" on:change=choose("view")>
                        {session.sees_every_group().then(|| choice(view_of, ALL_QUEUES, "queue.all"))}
                        {move || (!session.sees_every_group() && !my_groups().is_empty()).then(|| choice(view_of, MY_GROUPS, "queue.groups"))}
                        {group_options}
                        {choice(view_of, ASSIGNED_TO_ME, "queue.mine")}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-state">{move || i.t("queue.state")}</label>
                    <select id="queue-state" on:change=choose("state") disabled=move || !status.get().is_empty()>
                        {choice(state, "open", "queue.state.open")}
                        {choice(state, "done", "queue.state.done")}
                        {choice(state, EVERY_STATE, "queue.state.all")}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-assignee">{move || i.t("ticket.assignee")}</label>
                    <select id="queue-assignee" disabled=move || view_of.get() == ASSIGNED_TO_ME on:change=choose("assignee")>
                        {choice(assignee, "", "queue.any")}
                        {choice(assignee, "me", "queue.me")}
                        {choice(assignee, "none", "queue.unassigned")}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-status">{move || i.t("ticket.status")}</label>
                    <select id="queue-status" on:change=choose("status")>
                        {choice(status, "", "queue.any")}
                        {Status::ALL.into_iter().map(|s| enum_choice(status, "status", wire(&s))).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-priority">{move || i.t("ticket.priority")}</label>
                    <select id="queue-priority" on:change=choose("priority")>
                        {choice(priority, "", "queue.any")}
                        {Priority::ALL.into_iter().map(|p| enum_choice(priority, "priority", wire(&p))).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-topic">{move || i.t("ticket.topic")}</label>
                    <select id="queue-topic" on:change=choose("topic")>
                        {choice(topic, "", "queue.any_topic")}
                        {topic_options}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-sort">{move || i.t("list.sort")}</label>
                    <select id="queue-sort" on:change=choose("sort")>
                        {choice(sort, "due", "sort.due")}
                        {choice(sort, "priority", "sort.priority")}
                    </select>
                </div>
            </form>
            <TicketTable source=source staff=true/>
        </section>
    }
}
