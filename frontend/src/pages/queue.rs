//! The agent console's queue: the tickets of the agent's groups (all groups for admins), with
//! views for "assigned to me", "unassigned" and one group, and filters by status, priority and
//! topic.

use crate::api;
use crate::app::use_session;
use crate::components::enum_option;
use crate::i18n::{use_i18n, wire};
use crate::pages::tickets::TicketTable;
use helpdesk_core::api::{Items, TopicList, UNASSIGNED};
use helpdesk_core::user::Group;
use helpdesk_core::{Priority, Status};
use leptos::prelude::*;

#[component]
pub fn Queue() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let view_of = RwSignal::new(String::from("all"));
    let status = RwSignal::new(String::new());
    let priority = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let topics = LocalResource::new(|| api::get::<TopicList>("/api/topics"));
    let groups = LocalResource::new(|| api::get::<Items<Group>>("/api/groups"));
    let me = session.id();
    let source = Signal::derive(move || {
        let mut pairs = vec![("status", status.get()), ("priority", priority.get()), ("topic", topic.get()), ("limit", "25".into())];
        match view_of.get().as_str() {
            "mine" => pairs.push(("assignee", me.clone())),
            "unassigned" => pairs.push(("assignee", UNASSIGNED.to_string())),
            group => {
                if let Some(g) = group.strip_prefix("group:") {
                    pairs.push(("group", g.to_string()))
                }
            }
        }
        api::with_query("/api/tickets", &pairs)
    });
    let my_groups = move || session.me.with(|m| m.as_ref().map(|m| m.groups.clone()).unwrap_or_default());
    let group_options = move || {
        // Admins reach every queue; agents their own groups.
        let names: Vec<(String, String)> = match groups.get() {
            Some(Ok(all)) => {
                all.items.into_iter().filter(|g| session.is_admin() || my_groups().contains(&g.id)).map(|g| (g.id, g.name)).collect()
            }
            _ => my_groups().into_iter().map(|g| (g.clone(), g)).collect(),
        };
        names
            .into_iter()
            .map(|(id, name)| view! { <option value=format!("group:{id}")>{move || format!("{}: {name}", i.t("queue.group"))}</option> })
            .collect_view()
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
                <label>{move || i.t("queue.view")}
                    <select id="queue-view" on:change=move |ev| view_of.set(event_target_value(&ev))>
                        <option value="all">{move || i.t("queue.all")}</option>
                        <option value="mine">{move || i.t("queue.mine")}</option>
                        <option value="unassigned">{move || i.t("queue.unassigned")}</option>
                        {group_options}
                    </select>
                </label>
                <label>{move || i.t("ticket.status")}
                    <select id="queue-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        {Status::ALL.into_iter().map(|s| enum_option("status", wire(&s))).collect_view()}
                    </select>
                </label>
                <label>{move || i.t("ticket.priority")}
                    <select id="queue-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                    </select>
                </label>
                <label>{move || i.t("ticket.topic")}
                    <select id="queue-topic" on:change=move |ev| topic.set(event_target_value(&ev))>
                        <option value="">{move || i.t("queue.any")}</option>
                        {topic_options}
                    </select>
                </label>
            </form>
            <TicketTable source=source staff=true/>
        </section>
    }
}
