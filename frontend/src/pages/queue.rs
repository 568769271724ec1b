//! The agent console's queue: one of the agent's groups (or, for admins, all of them), or what
//! is assigned to the agent; filters by assignee (anyone, me, nobody), status, priority and topic.

use crate::api;
use crate::app::use_session;
use crate::components::enum_option;
use crate::i18n::{use_i18n, wire};
use crate::pages::tickets::TicketTable;
use helpdesk_core::api::{Items, TopicList, UNASSIGNED};
use helpdesk_core::user::Group;
use helpdesk_core::{Priority, Status};
use leptos::prelude::*;

const ALL_QUEUES: &str = "";
const ASSIGNED_TO_ME: &str = "@me";

#[component]
pub fn Queue() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    // The queue: a group id, `ALL_QUEUES` (admins) or `ASSIGNED_TO_ME`.
    let my_groups = move || session.me.with(|m| m.as_ref().map(|m| m.groups.clone()).unwrap_or_default());
    let first_view =
        if session.is_admin() { ALL_QUEUES.to_string() } else { my_groups().first().cloned().unwrap_or(ASSIGNED_TO_ME.into()) };
    let view_of = RwSignal::new(first_view);
    let assignee = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let priority = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let topics = api::Fetched::<TopicList>::fixed("/api/topics");
    let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
    let me = session.id();
    let source = Signal::derive(move || {
        let mut pairs = vec![("status", status.get()), ("priority", priority.get()), ("topic", topic.get()), ("limit", "25".into())];
        let chosen_assignee = match assignee.get().as_str() {
            "me" => me.clone(),
            "none" => UNASSIGNED.to_string(),
            _ => String::new(),
        };
        match view_of.get().as_str() {
            ASSIGNED_TO_ME => pairs.push(("assignee", me.clone())),
            ALL_QUEUES => pairs.push(("assignee", chosen_assignee)),
            group => pairs.extend([("group", group.to_string()), ("assignee", chosen_assignee)]),
        }
        api::with_query("/api/tickets", &pairs)
    });
    let group_options = move || {
        // Admins reach every queue; agents their own groups.
        let names: Vec<(String, String)> = match groups.get() {
            Some(Ok(all)) => {
                all.items.into_iter().filter(|g| session.is_admin() || my_groups().contains(&g.id)).map(|g| (g.id, g.name)).collect()
            }
            _ => my_groups().into_iter().map(|g| (g.clone(), g)).collect(),
        };
        let selected = view_of.get_untracked();
        names.into_iter().map(|(id, name)| view! { <option value=id.clone() selected=id == selected>{name}</option> }).collect_view()
    };
    let topic_options = move || {
        topics.get().and_then(Result::ok).map(|list| {
            list.items
                .into_iter()
                .map(|t| {
                    let name = t.name.clone();
                    view! { <option value=t.id.clone()>{move || i.local(&name)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <section>
            <h1>{move || i.t("queue.title")}</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div class="filter">
                    <label for="queue-view">{move || i.t("queue.view")}</label>
                    <select id="queue-view" on:change=move |ev| view_of.set(event_target_value(&ev))>
                        {session.is_admin().then(|| view! { <option value=ALL_QUEUES>{move || i.t("queue.all")}</option> })}
                        {group_options}
                        <option value=ASSIGNED_TO_ME>{move || i.t("queue.mine")}</option>
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-assignee">{move || i.t("ticket.assignee")}</label>
                    <select id="queue-assignee" disabled=move || view_of.get() == ASSIGNED_TO_ME
                        on:change=move |ev| assignee.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        <option value="me">{move || i.t("queue.me")}</option>
                        <option value="none">{move || i.t("queue.unassigned")}</option>
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-status">{move || i.t("ticket.status")}</label>
                    <select id="queue-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        {Status::ALL.into_iter().map(|s| enum_option("status", wire(&s))).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-priority">{move || i.t("ticket.priority")}</label>
                    <select id="queue-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="queue-topic">{move || i.t("ticket.topic")}</label>
                    <select id="queue-topic" on:change=move |ev| topic.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        {topic_options}
                    </select>
                </div>
            </form>
            <TicketTable source=source staff=true/>
        </section>
    }
}
