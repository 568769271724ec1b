//! The changes a viewer may make to a ticket: requesters reopen, close or resolve; staff change
//! status, priority, assignee (agents of the ticket's group, from the people directory) and
//! group, and correct the topic's field values. A change sends only what the person changed.

use super::Page;
use crate::api;
use crate::app::use_session;
use crate::components::{Errors, FieldInput, FieldMessage, enum_option, errors_by_field};
use crate::i18n::{use_i18n, wire};
use crate::pages::new_ticket::focus_first;
use gloo_net::http::Method;
use helpdesk_core::api::{Items, Paged, PersonSummary, TicketView, UpdateTicketRequest};
use helpdesk_core::limits::MAX_PAGE_SIZE;
use helpdesk_core::user::Group;
use helpdesk_core::{Priority, Status, Ticket, Topic};
use leptos::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// The agents who may take the ticket (those of its group, and admins) and the groups it may
/// move to: fetched once per ticket page and again only when the ticket changes group, not after
/// every write re-renders the controls.
#[derive(Clone, Copy)]
pub struct Directory {
    agents: api::Fetched<Paged<PersonSummary>>,
    pub groups: api::Fetched<Items<Group>>,
}

impl Directory {
    pub fn new(page: Page) -> Self {
        // The ticket's group; kept while the page reloads the ticket.
        let group = Memo::new(move |previous: Option<&Option<String>>| {
            page.view
                .with(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map(|v| v.ticket.group.clone()))
                .or_else(|| previous.cloned().flatten())
        });
        // Not loaded until the ticket (and so its group) has.
        let agents = api::Fetched::new(Signal::derive(move || {
            let group = group.get()?;
            Some(api::with_query("/api/directory", &[("staff", "true".into()), ("group", group), ("limit", MAX_PAGE_SIZE.to_string())]))
        }));
        let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
        Directory { agents, groups }
    }
}

/// The summary above a form whose fields are marked.
fn fix_marked(errors: Errors) -> impl IntoView {
    let i = use_i18n();
    move || errors.with(|e| !e.is_empty()).then(|| view! { <p class="error" role="alert">{move || i.t("form.fix_marked")}</p> })
}

#[component]
pub fn RequesterControls(page: Page, allowed: Vec<Status>) -> impl IntoView {
    let i = use_i18n();
    let offered: Vec<Status> = allowed.into_iter().filter(|s| matches!(s, Status::Reopened | Status::Closed | Status::Resolved)).collect();
    let any = !offered.is_empty();
    let buttons = offered.into_iter().map(|status| {
        let name = wire(&status);
        let change = move |_| {
            page.write(
                Method::PATCH,
                "",
                UpdateTicketRequest { version: page.version(), status: Some(status), ..Default::default() },
                |_| {},
            )
        };
        view! { <button type="button" on:click=change disabled=page.busy>{move || i.t(&format!("action.{name}"))}</button> }
    });
    any.then(|| view! { <div class="actions">{buttons.collect_view()}</div> })
}

#[component]
pub fn StaffControls(page: Page, view: TicketView, topic: Option<Topic>, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let ticket = view.ticket.clone();
    let status = RwSignal::new(wire(&ticket.status));
    let priority = RwSignal::new(wire(&ticket.priority));
    let assignee = RwSignal::new(ticket.assignee.clone().unwrap_or_default());
    let group = RwSignal::new(ticket.group.clone());
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let Directory { agents, groups } = directory;
    let me = session.id();
    let original = ticket.clone();
    let done = move |r: Result<(), Vec<helpdesk_core::FieldError>>| errors.set(errors_by_field(r.err().unwrap_or_default()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Only what was changed: an untouched control is left out of the request.
        let mut change = UpdateTicketRequest { version: page.version(), ..Default::default() };
        if status.get_untracked() != wire(&original.status) {
            change.status = status.get_untracked().parse().ok();
        }
        if priority.get_untracked() != wire(&original.priority) {
            change.priority = priority.get_untracked().parse().ok();
        }
        let chosen = Some(assignee.get_untracked()).filter(|a| !a.is_empty());
        if chosen != original.assignee {
            change.assignee = Some(chosen);
        }
        if group.get_untracked() != original.group {
            change.group = Some(group.get_untracked());
        }
        page.write(Method::PATCH, "", change, done);
    };
    let take = {
        let me = me.clone();
        move |_| {
            let change = UpdateTicketRequest { version: page.version(), assignee: Some(Some(me.clone())), ..Default::default() };
            page.write(Method::PATCH, "", change, done)
        }
    };
    let statuses: Vec<Status> = std::iter::once(ticket.status).chain(view.allowed_statuses.iter().copied()).collect();
    let current_assignee = ticket.assignee.clone();
    let agent_options = move || {
        let mut people: Vec<(String, String)> = match agents.get() {
            Some(Ok(page)) => page.items.into_iter().map(|p| (p.id, p.name)).collect(),
            _ => Vec::new(),
        };
        // Whoever has the ticket stays listed, even if they are no longer an agent of its group.
        if let Some(current) = &current_assignee
            && !people.iter().any(|(id, _)| id == current)
        {
            people.push((current.clone(), current.clone()));
        }
        people
            .into_iter()
            .map(|(id, name)| {
                let value = id.clone();
                view! { <option value=id selected=move || assignee.with(|a| *a == value)>{name}</option> }
            })
            .collect_view()
    };
    let current_group = ticket.group.clone();
    let group_options = move || match groups.get() {
        Some(Ok(list)) => list
            .items
            .into_iter()
            .map(|g| {
                let id = g.id.clone();
                let name = g.name_in(i.code()).to_string();
                view! { <option value=g.id.clone() selected=move || group.with(|x| *x == id)>{name}</option> }
            })
            .collect_view()
            .into_any(),
        _ => view! { <option value=current_group.clone()>{current_group.clone()}</option> }.into_any(),
    };
    let invalid = move |name: &'static str| move || errors.with(|e| e.contains_key(name)).to_string();
    let mine = ticket.assignee.as_deref() == Some(me.as_str());
    view! {
        <form class="controls" on:submit=save novalidate>
            <h2>{move || i.t("ticket.change")}</h2>
            {(!mine).then(|| view! { <button type="button" on:click=take disabled=page.busy>{move || i.t("action.take")}</button> })}
            <div class="field">
                <label for="set-status">{move || i.t("ticket.status")}</label>
                <select id="set-status" prop:value=status aria-invalid=invalid("status") aria-describedby="status-error"
                    on:change=move |ev| status.set(event_target_value(&ev))>
                    {statuses.into_iter().map(|s| enum_option("status", wire(&s))).collect_view()}
                </select>
                <FieldMessage errors=errors name="status".to_string()/>
            </div>
            <div class="field">
                <label for="set-priority">{move || i.t("ticket.priority")}</label>
                <select id="set-priority" prop:value=priority aria-invalid=invalid("priority") aria-describedby="priority-error"
                    on:change=move |ev| priority.set(event_target_value(&ev))>
                    {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                </select>
                <FieldMessage errors=errors name="priority".to_string()/>
            </div>
            <div class="field">
                <label for="set-assignee">{move || i.t("ticket.assignee")}</label>
                <select id="set-assignee" prop:value=assignee aria-invalid=invalid("assignee") aria-describedby="assignee-error"
                    on:change=move |ev| assignee.set(event_target_value(&ev))>
                    <option value="">{move || i.t("event.nobody")}</option>
                    {agent_options}
                </select>
                <FieldMessage errors=errors name="assignee".to_string()/>
            </div>
            <div class="field">
                <label for="set-group">{move || i.t("ticket.group")}</label>
                <select id="set-group" prop:value=group aria-invalid=invalid("group") aria-describedby="group-error"
                    on:change=move |ev| group.set(event_target_value(&ev))>
                    {group_options}
                </select>
                <FieldMessage errors=errors name="group".to_string()/>
            </div>
            {fix_marked(errors)}
            <button type="submit" class="primary" disabled=page.busy>{move || i.t("common.save")}</button>
        </form>
        {topic.filter(|t| !t.fields.is_empty()).map(|t| view! { <FieldEditor page=page topic=t ticket=ticket.clone()/> })}
    }
}

/// Staff correct the topic's field values with the same inputs and checks as the new-ticket form.
/// The browser's own validation is off (`novalidate`): the shared check marks each field with
/// the catalogue's message, and a summary says why nothing was saved.
#[component]
fn FieldEditor(page: Page, topic: Topic, ticket: Ticket) -> impl IntoView {
    let i = use_i18n();
    let values = RwSignal::new(helpdesk_core::form::raw_values(&ticket.fields));
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let fields = topic.fields.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let current = values.get_untracked();
        if let Err(problems) = helpdesk_core::commands::check_field_values(&fields, &current) {
            focus_first(&problems);
            errors.set(errors_by_field(problems));
            return;
        }
        errors.set(BTreeMap::new());
        // Fields left empty are cleared.
        let mut changed: BTreeMap<String, Value> = fields.iter().map(|f| (f.key.clone(), Value::Null)).collect();
        changed.extend(current);
        let change = UpdateTicketRequest { version: page.version(), fields: Some(changed), ..Default::default() };
        page.write(Method::PATCH, "", change, move |r| {
            if let Err(problems) = r {
                focus_first(&problems);
                errors.set(errors_by_field(problems))
            }
        });
    };
    view! {
        <form class="controls" on:submit=save novalidate>
            <h2>{move || i.t("ticket.fields")}</h2>
            {topic.fields.into_iter().map(|def| view! { <FieldInput def=def values=values errors=errors/> }).collect_view()}
            {fix_marked(errors)}
            <button type="submit" disabled=page.busy>{move || i.t("ticket.save_fields")}</button>
        </form>
    }
}
