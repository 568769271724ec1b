//! One ticket: its details, SLA clocks (staff), the conversation and history, the reply box
//! (staff choose public reply or internal note), and the changes the viewer may make. A write
//! based on an old version is refused by the server (409); the page says so and offers a reload.

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::components::{ErrorBox, Errors, FieldInput, Loading, PriorityBadge, StatusBadge, enum_option, errors_by_field, value_text};
use crate::i18n::{I18n, use_i18n, wire};
use crate::pages::new_ticket::focus_first;
use gloo_net::http::Method;
use helpdesk_core::api::{Items, MessageRequest, TicketView, UpdateTicketRequest};
use helpdesk_core::event::{EventKind, TicketEvent};
use helpdesk_core::sla::{ClockState, SlaStatus};
use helpdesk_core::user::{Group, User};
use helpdesk_core::{ErrorCode, Priority, Status, Ticket, Topic};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
struct Page {
    view: RwSignal<Option<Result<TicketView, Failure>>>,
    /// The last write failed because the ticket had moved on.
    conflict: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
    busy: RwSignal<bool>,
}

impl Page {
    fn path(self) -> Option<String> {
        self.view.with_untracked(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map(|v| format!("/api/tickets/{}", v.ticket.number)))
    }

    fn version(self) -> u64 {
        self.view.with_untracked(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map_or(0, |v| v.ticket.version))
    }

    /// Sends a change; the answer is the ticket as it now is. `on_invalid` gets field errors.
    fn write<B: serde::Serialize + 'static>(
        self,
        method: Method,
        suffix: &str,
        body: B,
        done: impl FnOnce(Result<(), Vec<helpdesk_core::FieldError>>) + 'static,
    ) {
        let Some(path) = self.path() else { return };
        let url = format!("{path}{suffix}");
        self.busy.set(true);
        self.failure.set(None);
        spawn_local(async move {
            match api::send::<TicketView>(method, &url, &body).await {
                Ok(view) => {
                    self.conflict.set(false);
                    self.view.set(Some(Ok(view)));
                    done(Ok(()));
                }
                Err(Failure::Api(e)) if e.code == ErrorCode::VersionConflict => self.conflict.set(true),
                Err(Failure::Api(e)) if e.code == ErrorCode::ValidationFailed => done(Err(e.fields)),
                Err(f) => self.failure.set(Some(f)),
            }
            self.busy.set(false);
        });
    }
}

/// The people and groups staff assign tickets to: fetched once per ticket page, not again after
/// every write re-renders the controls.
#[derive(Clone, Copy)]
struct Directory {
    people: LocalResource<Result<Items<User>, Failure>>,
    groups: LocalResource<Result<Items<Group>, Failure>>,
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let page = Page { view: RwSignal::new(None), conflict: RwSignal::new(false), failure: RwSignal::new(None), busy: RwSignal::new(false) };
    let topic = RwSignal::new(None::<Topic>);
    let load = move || {
        let number = params.with_untracked(|p| p.get("number").unwrap_or_default());
        page.view.set(None);
        page.conflict.set(false);
        spawn_local(async move {
            let answer = api::get::<TicketView>(&format!("/api/tickets/{}", String::from(js_sys::encode_uri_component(&number)))).await;
            if let Ok(view) = &answer
                && topic.with_untracked(|t| t.as_ref().is_none_or(|t| t.id != view.ticket.topic))
            {
                topic.set(api::get::<Topic>(&format!("/api/topics/{}", view.ticket.topic)).await.ok());
            }
            page.view.set(Some(answer));
        });
    };
    Effect::new(move || {
        params.track();
        load();
    });
    let staff = session.is_staff();
    let directory = staff.then(|| Directory {
        people: LocalResource::new(|| api::get::<Items<User>>("/api/users")),
        groups: LocalResource::new(|| api::get::<Items<Group>>("/api/groups")),
    });
    let body = move || {
        page.view.get().map(|answer| match answer {
            Err(f) => view! { <ErrorBox failure=f retry=Callback::new(move |_| load())/> }.into_any(),
            Ok(v) => {
                let ticket = v.ticket.clone();
                let topic_now = topic.get();
                view! {
                    <div class="title-row">
                        <h1><span class="number">{ticket.number.to_string()}</span>" "{ticket.subject.clone()}</h1>
                        <StatusBadge status=ticket.status/>
                    </div>
                    {move || page.conflict.get().then(|| view! {
                        <div class="error" role="alert">
                            <span>{move || i.t("ticket.conflict")}</span>
                            <button type="button" on:click=move |_| load()>{move || i.t("ticket.reload")}</button>
                        </div>
                    })}
                    {move || page.failure.get().map(|f| view! { <ErrorBox failure=f/> })}
                    <div class="ticket-layout">
                        <div class="conversation">
                            <Conversation view=v.clone()/>
                            <ReplyBox page=page staff=staff/>
                        </div>
                        <aside>
                            <Details ticket=ticket.clone() topic=topic_now.clone()/>
                            {v.sla.clone().map(|sla| view! { <SlaBox sla=sla/> })}
                            {match directory {
                                Some(directory) => view! { <StaffControls page=page view=v.clone() topic=topic_now directory=directory/> }.into_any(),
                                None => view! { <RequesterControls page=page allowed=v.allowed_statuses.clone()/> }.into_any(),
                            }}
                        </aside>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! { <section class="ticket">{move || body().unwrap_or_else(|| view! { <Loading/> }.into_any())}</section> }
}

#[component]
fn Details(ticket: Ticket, topic: Option<Topic>) -> impl IntoView {
    let i = use_i18n();
    let (topic_id, topic_name) = (ticket.topic.clone(), topic.as_ref().map(|t| t.name.clone()));
    // In the form's order; values of fields the topic no longer has come last, by key.
    let position = |key: &str| topic.as_ref().and_then(|t| t.fields.iter().position(|f| f.key == key)).unwrap_or(usize::MAX);
    let mut fields: Vec<(String, Value, Option<helpdesk_core::form::FieldDef>)> = ticket
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json(), topic.as_ref().and_then(|t| t.fields.iter().find(|f| &f.key == k).cloned())))
        .collect();
    fields.sort_by_key(|(key, _, _)| position(key));
    view! {
        <dl class="details">
            <dt>{move || i.t("ticket.topic")}</dt>
            <dd>{move || topic_name.as_ref().map_or(topic_id.clone(), |name| i.local(name))}</dd>
            <dt>{move || i.t("ticket.priority")}</dt>
            <dd><PriorityBadge priority=ticket.priority/></dd>
            <dt>{move || i.t("ticket.requester")}</dt>
            <dd>{ticket.requester.clone()}</dd>
            <dt>{move || i.t("ticket.assignee")}</dt>
            <dd>{ticket.assignee.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>{move || i.t("ticket.group")}</dt>
            <dd>{ticket.group.clone()}</dd>
            <dt>{move || i.t("ticket.channel")}</dt>
            <dd>{move || i.t(&format!("channel.{}", wire(&ticket.channel)))}</dd>
            <dt>{move || i.t("ticket.created")}</dt>
            <dd>{move || i.when(ticket.created_at)}</dd>
            {fields.into_iter().map(|(key, value, def)| {
                let label = def.as_ref().map(|d| d.label.clone());
                view! {
                    <dt>{move || label.as_ref().map_or(key.clone(), |l| i.local(l))}</dt>
                    <dd>{move || value_text(def.as_ref(), &value, i.code(), i.t("common.yes"), i.t("common.no"))}</dd>
                }
            }).collect_view()}
        </dl>
    }
}

#[component]
fn SlaBox(sla: SlaStatus) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="sla" aria-labelledby="sla-title">
            <h2 id="sla-title">{move || i.t("sla.title")}</h2>
            <ul>
                {sla.targets.into_iter().map(|t| {
                    let state = wire(&t.state);
                    let class = format!("badge clock-{state}");
                    view! {
                        <li>
                            <span>{move || i.t(&format!("sla.{}", wire(&t.target)))}</span>" "
                            <span class=class.clone()>{move || i.t(&format!("clock.{state}"))}</span>
                            <span class="muted">{move || {
                                let elapsed = format!("{} / {}", i.duration(t.elapsed_seconds), i.duration(t.target_seconds));
                                match (t.state, t.due_at) {
                                    (ClockState::Running | ClockState::Breached, Some(due)) => format!("{elapsed} · {} {}", i.t("sla.due"), i.when(due)),
                                    _ => elapsed,
                                }
                            }}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(sla.paused_seconds > 0).then(|| view! { <p class="muted">{move || format!("{}: {}", i.t("sla.paused"), i.duration(sla.paused_seconds))}</p> })}
        </section>
    }
}

fn describe(i: I18n, kind: &EventKind) -> String {
    let status = |s: &Status| i.t(&format!("status.{}", wire(s))).to_string();
    let priority = |p: &Priority| i.t(&format!("priority.{}", wire(p))).to_string();
    let nobody = || i.t("event.nobody").to_string();
    match kind {
        EventKind::Created { channel } => format!("{} ({})", i.t("event.created"), i.t(&format!("channel.{}", wire(channel)))),
        EventKind::StatusChanged { from, to } => format!("{}: {} → {}", i.t("event.status"), status(from), status(to)),
        EventKind::AssigneeChanged { from, to } => {
            format!("{}: {} → {}", i.t("event.assignee"), from.clone().unwrap_or_else(nobody), to.clone().unwrap_or_else(nobody))
        }
        EventKind::GroupChanged { from, to } => format!("{}: {from} → {to}", i.t("event.group")),
        EventKind::PriorityChanged { from, to } => format!("{}: {} → {}", i.t("event.priority"), priority(from), priority(to)),
        EventKind::FieldsChanged { changes } => {
            format!("{}: {}", i.t("event.fields"), changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>().join(", "))
        }
        EventKind::SlaWarning { target, .. } => format!("{}: {}", i.t("event.sla_warning"), i.t(&format!("sla.{}", wire(target)))),
        EventKind::SlaBreached { target, .. } => format!("{}: {}", i.t("event.sla_breached"), i.t(&format!("sla.{}", wire(target)))),
        EventKind::PublicReply { body } | EventKind::InternalNote { body } => body.clone(),
    }
}

#[component]
fn Conversation(view: TicketView) -> impl IntoView {
    let i = use_i18n();
    let ticket = view.ticket;
    let message = |author: String, at, body: String, note: bool| {
        let class = if note { "message note" } else { "message" };
        view! {
            <article class=class>
                <header>
                    <strong>{author}</strong>
                    {note.then(|| view! { <span class="badge note-badge">{move || i.t("ticket.internal_note")}</span> })}
                    <time>{move || i.when(at)}</time>
                </header>
                <p class="body">{body}</p>
            </article>
        }
        .into_any()
    };
    let items = view.events.iter().map(|e: &TicketEvent| match &e.kind {
        EventKind::PublicReply { body } => message(e.actor.id.clone(), e.at, body.clone(), false),
        EventKind::InternalNote { body } => message(e.actor.id.clone(), e.at, body.clone(), true),
        kind => {
            let (kind, actor, at) = (kind.clone(), e.actor.id.clone(), e.at);
            view! { <p class="event"><span>{move || describe(i, &kind)}</span>" · "{actor}" · "<time>{move || i.when(at)}</time></p> }
                .into_any()
        }
    });
    view! {
        <div class="messages" aria-live="polite">
            {message(ticket.requester.clone(), ticket.created_at, ticket.description.clone(), false)}
            {items.collect_view()}
        </div>
    }
}

#[component]
fn ReplyBox(page: Page, staff: bool) -> impl IntoView {
    let i = use_i18n();
    let text = RwSignal::new(String::new());
    let internal = RwSignal::new(false);
    let empty = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            empty.set(true);
            return;
        }
        empty.set(false);
        let suffix = if internal.get_untracked() { "/notes" } else { "/replies" };
        page.write(Method::POST, suffix, MessageRequest { body, version: Some(page.version()) }, move |r| {
            if r.is_ok() {
                text.set(String::new())
            }
        });
    };
    view! {
        <form class="reply" on:submit=submit>
            {staff.then(|| view! {
                <fieldset class="kind">
                    <legend class="sr-only">{move || i.t("reply.kind")}</legend>
                    <label><input type="radio" name="kind" prop:checked=move || !internal.get() on:change=move |_| internal.set(false)/>{move || i.t("reply.public")}</label>
                    <label><input type="radio" name="kind" id="kind-note" prop:checked=internal on:change=move |_| internal.set(true)/>{move || i.t("reply.internal")}</label>
                </fieldset>
            })}
            <label for="reply-text">{move || if internal.get() { i.t("reply.note_label") } else { i.t("reply.label") }}</label>
            <textarea id="reply-text" rows="4" prop:value=text aria-describedby="reply-error"
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {move || empty.get().then(|| view! { <p class="field-error" id="reply-error">{move || i.t("field_error.required")}</p> })}
            <button type="submit" class="primary" disabled=page.busy>
                {move || if internal.get() { i.t("reply.add_note") } else { i.t("reply.send") }}
            </button>
        </form>
    }
}

#[component]
fn RequesterControls(page: Page, allowed: Vec<Status>) -> impl IntoView {
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
fn StaffControls(page: Page, view: TicketView, topic: Option<Topic>, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let ticket = view.ticket.clone();
    let status = RwSignal::new(wire(&ticket.status));
    let priority = RwSignal::new(wire(&ticket.priority));
    let assignee = RwSignal::new(ticket.assignee.clone().unwrap_or_default());
    let group = RwSignal::new(ticket.group.clone());
    let Directory { people, groups } = directory;
    let me = session.id();
    let original = ticket.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
        page.write(Method::PATCH, "", change, |_| {});
    };
    let take = {
        let me = me.clone();
        move |_| {
            page.write(
                Method::PATCH,
                "",
                UpdateTicketRequest { version: page.version(), assignee: Some(Some(me.clone())), ..Default::default() },
                |_| {},
            )
        }
    };
    let statuses: Vec<Status> = std::iter::once(ticket.status).chain(view.allowed_statuses.iter().copied()).collect();
    let agents = move || match people.get() {
        Some(Ok(list)) => list
            .items
            .into_iter()
            .filter(|u| u.active && u.role.is_staff())
            .map(|u| {
                let id = u.id.clone();
                view! { <option value=u.id.clone() selected=move || assignee.with(|a| *a == id)>{u.name.clone()}</option> }
            })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    };
    let current_group = ticket.group.clone();
    let group_options = move || match groups.get() {
        Some(Ok(list)) => list
            .items
            .into_iter()
            .map(|g| {
                let id = g.id.clone();
                view! { <option value=g.id.clone() selected=move || group.with(|x| *x == id)>{g.name.clone()}</option> }
            })
            .collect_view()
            .into_any(),
        _ => view! { <option value=current_group.clone()>{current_group.clone()}</option> }.into_any(),
    };
    let mine = ticket.assignee.as_deref() == Some(me.as_str());
    view! {
        <form class="controls" on:submit=save>
            <h2>{move || i.t("ticket.change")}</h2>
            {(!mine).then(|| view! { <button type="button" on:click=take disabled=page.busy>{move || i.t("action.take")}</button> })}
            <div class="field">
                <label for="set-status">{move || i.t("ticket.status")}</label>
                <select id="set-status" prop:value=status on:change=move |ev| status.set(event_target_value(&ev))>
                    {statuses.into_iter().map(|s| enum_option("status", wire(&s))).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="set-priority">{move || i.t("ticket.priority")}</label>
                <select id="set-priority" prop:value=priority on:change=move |ev| priority.set(event_target_value(&ev))>
                    {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="set-assignee">{move || i.t("ticket.assignee")}</label>
                <select id="set-assignee" prop:value=assignee on:change=move |ev| assignee.set(event_target_value(&ev))>
                    <option value="">{move || i.t("event.nobody")}</option>
                    {agents}
                </select>
            </div>
            <div class="field">
                <label for="set-group">{move || i.t("ticket.group")}</label>
                <select id="set-group" prop:value=group on:change=move |ev| group.set(event_target_value(&ev))>
                    {group_options}
                </select>
            </div>
            <button type="submit" class="primary" disabled=page.busy>{move || i.t("common.save")}</button>
        </form>
        {topic.filter(|t| !t.fields.is_empty()).map(|t| view! { <FieldEditor page=page topic=t ticket=ticket.clone()/> })}
    }
}

/// Staff correct the topic's field values with the same inputs and checks as the new-ticket form.
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
        page.write(
            Method::PATCH,
            "",
            UpdateTicketRequest { version: page.version(), fields: Some(changed), ..Default::default() },
            move |r| {
                if let Err(problems) = r {
                    errors.set(errors_by_field(problems))
                }
            },
        );
    };
    view! {
        <form class="controls" on:submit=save>
            <h2>{move || i.t("ticket.fields")}</h2>
            {topic.fields.into_iter().map(|def| view! { <FieldInput def=def values=values errors=errors/> }).collect_view()}
            <button type="submit" disabled=page.busy>{move || i.t("ticket.save_fields")}</button>
        </form>
    }
}
