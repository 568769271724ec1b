//! One ticket: its details, SLA clocks (staff), the conversation and history (what came by mail
//! marked as such, in [`mail`]), the reply box (staff choose public reply or internal note), the
//! changes the viewer may make (in [`controls`]) and, for staff, what became of each notification
//! (in [`deliveries`]). A write based on an old version is refused by the server (409); the page
//! says so and offers a reload.

mod answers;
mod articles;
mod controls;
mod deliveries;
mod live;
mod mail;

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::attach::{Uploads, attach, files, submit_button};
use crate::components::{ErrorBox, Loading, PriorityBadge, StatusBadge, value_text};
use crate::drafts;
use crate::i18n::{I18n, use_i18n, wire};
use crate::people::use_people;
use controls::{Directory, RequesterControls, StaffControls};
use deliveries::DeliveryLog;
use gloo_net::http::Method;
use helpdesk_core::api::{Items, MessageRequest, TicketView};
use helpdesk_core::attachment::AttachmentRef;
use helpdesk_core::event::{EventKind, FieldChange, TicketEvent};
use helpdesk_core::mail::MailOrigin;
use helpdesk_core::sla::{ClockState, SlaStatus};
use helpdesk_core::user::Group;
use helpdesk_core::{ErrorCode, Priority, Status, Ticket, Topic};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params;
use leptos_router::params::Params;
use serde_json::Value;

/// The route's parameter: `/tickets/:number`.
#[derive(Params, Clone, PartialEq)]
struct TicketParams {
    number: Option<String>,
}

#[derive(Clone, Copy)]
pub(crate) struct Page {
    view: RwSignal<Option<Result<TicketView, Failure>>>,
    /// The last write failed because the ticket had moved on.
    conflict: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
    busy: RwSignal<bool>,
    /// The reply box's files: kept while the page shows the ticket anew after a change.
    uploads: Uploads,
    /// The reply box holds text: the pulse says "writing a reply".
    replying: RwSignal<bool>,
    /// Someone else changed the ticket while the viewer was typing (shown, not redrawn).
    changed: RwSignal<bool>,
    /// The ticket has loaded once.
    loaded: Memo<bool>,
    /// Why the article chosen as the solution was refused (the requester cannot read it).
    solution_refused: RwSignal<Option<String>>,
}

impl Page {
    // These read with `try_`: an answer may land after the page has gone (the reader left).
    fn path(self) -> Option<String> {
        self.view
            .try_with_untracked(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map(|v| format!("/api/tickets/{}", v.ticket.number)))
            .flatten()
    }

    /// The ticket's number, once it has loaded.
    fn number(self) -> Option<String> {
        self.view.try_with_untracked(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map(|v| v.ticket.number.to_string())).flatten()
    }

    fn version(self) -> u64 {
        self.view.try_with_untracked(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map_or(0, |v| v.ticket.version)).unwrap_or(0)
    }

    /// Sends a change; the answer is the ticket as it now is. `done` hears that it was stored, or
    /// the field errors it was refused with; a conflict or another failure shows on the page.
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
                // The session ended: the app says so and offers sign-in; drafts are kept.
                Err(Failure::Api(e)) if e.code == ErrorCode::Unauthenticated => {}
                Err(f) => self.failure.set(Some(f)),
            }
            self.busy.set(false);
        });
    }
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let params = use_params::<TicketParams>();
    let number_of = move || params.try_with_untracked(|p| p.as_ref().ok().and_then(|p| p.number.clone())).flatten().unwrap_or_default();
    let view = RwSignal::new(None::<Result<TicketView, Failure>>);
    let page = Page {
        view,
        conflict: RwSignal::new(false),
        failure: RwSignal::new(None),
        busy: RwSignal::new(false),
        uploads: Uploads::default(),
        replying: RwSignal::new(false),
        changed: RwSignal::new(false),
        loaded: Memo::new(move |_| view.with(|v| matches!(v, Some(Ok(_))))),
        solution_refused: RwSignal::new(None),
    };
    let load = move || {
        let number = number_of();
        page.view.set(None);
        page.conflict.set(false);
        spawn_local(async move {
            // The answer carries the ticket's topic (archived ones too) for the field labels.
            let answer = api::get::<TicketView>(&format!("/api/tickets/{}", String::from(js_sys::encode_uri_component(&number)))).await;
            // Dropped if the address names another ticket by now.
            if number_of() == number {
                let _ = page.view.try_set(Some(answer));
            }
        });
    };
    Effect::new(move || {
        params.track();
        load();
    });
    let staff = session.is_staff();
    let editor = staff && session.edits_articles();
    let people = use_people();
    // The names the answer brings serve the whole page (and every page after it).
    Effect::new(move || {
        page.view.with(|v| {
            if let Some(Ok(v)) = v {
                people.learn(v.people.clone());
            }
        })
    });
    let others = live::start(page);
    // `r` starts a reply (the queue's keys say so).
    let keys = window_event_listener(leptos::ev::keydown, |e| {
        if e.key() == "r" && !(e.ctrl_key() || e.meta_key() || e.alt_key() || crate::pages::typing()) {
            use wasm_bindgen::JsCast;
            if let Some(reply) = document().get_element_by_id("reply-text").and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                e.prevent_default();
                let _ = reply.focus();
            }
        }
    });
    on_cleanup(move || keys.remove());
    let directory = staff.then(|| Directory::new(page));
    // The notification decision log: staff only (a requester's page never asks for it).
    let log = staff.then(|| DeliveryLog::new(page));
    let body = move || {
        page.view.get().map(|answer| match answer {
            Err(f) => view! { <ErrorBox failure=f retry=Callback::new(move |_| load())/> }.into_any(),
            Ok(v) => {
                let ticket = v.ticket.clone();
                let topic_now = v.topic.clone();
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
                    {move || page.changed.get().then(|| view! {
                        <div class="notice" role="status">
                            <span>{move || i.t("ticket.changed")}</span>
                            <button type="button" on:click=move |_| live::refresh(page)>{move || i.t("ticket.show_changes")}</button>
                        </div>
                    })}
                    {live::others_line(others)}
                    {move || page.failure.get().map(|f| view! { <ErrorBox failure=f/> })}
                    <div class="ticket-layout">
                        <div class="conversation">
                            <answers::SolutionBox page=page staff=staff/>
                            <Conversation view=v.clone() topic=topic_now.clone() staff=staff/>
                            // Managers read others' tickets; they answer only their own.
                            {session.may(helpdesk_core::Action::Reply, &ticket).then(|| view! { <ReplyBox page=page staff=staff/> })}
                            {log.map(deliveries::section)}
                        </div>
                        <aside>
                            <Details ticket=ticket.clone() topic=topic_now.clone() groups=directory.map(|d| d.groups)/>
                            {v.sla.clone().map(|sla| view! { <SlaBox sla=sla/> })}
                            {match directory {
                                Some(directory) => view! { <StaffControls page=page view=v.clone() topic=topic_now directory=directory/> }.into_any(),
                                None => view! { <RequesterControls page=page allowed=v.allowed_statuses.clone()/> }.into_any(),
                            }}
                            {editor.then(|| view! { <articles::DraftArticle page=page/> })}
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
fn Details(ticket: Ticket, topic: Option<Topic>, groups: Option<api::Fetched<Items<Group>>>) -> impl IntoView {
    let i = use_i18n();
    let people = use_people();
    let (requester, assignee) = (ticket.requester.clone(), ticket.assignee.clone());
    // The group by its name in the UI's language, once the groups have loaded (staff).
    let group_id = ticket.group.clone();
    let group = move || {
        let named = groups.and_then(|g| g.get()).and_then(Result::ok);
        named
            .and_then(|list| list.items.iter().find(|g| g.id == group_id).map(|g| g.name_in(i.code()).to_string()))
            .unwrap_or_else(|| group_id.clone())
    };
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
            <dd>{move || people.name(&requester)}</dd>
            <dt>{move || i.t("ticket.assignee")}</dt>
            <dd>{move || assignee.as_deref().map_or_else(|| "—".into(), |a| people.name(a))}</dd>
            <dt>{move || i.t("ticket.group")}</dt>
            <dd>{group}</dd>
            <dt>{move || i.t("ticket.channel")}</dt>
            <dd>{move || i.t(&format!("channel.{}", wire(&ticket.channel)))}</dd>
            <dt>{move || i.t("ticket.created")}</dt>
            <dd>{move || i.when(ticket.created_at)}</dd>
            {fields.into_iter().map(|(key, value, def)| {
                let label = def.as_ref().map(|d| d.label.clone());
                view! {
                    <dt>{move || label.as_ref().map_or(key.clone(), |l| i.local(l))}</dt>
                    <dd>{move || value_text(def.as_ref(), &value, i)}</dd>
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

fn describe(i: I18n, kind: &EventKind, topic: Option<&Topic>) -> String {
    let status = |s: &Status| i.t(&format!("status.{}", wire(s))).to_string();
    let priority = |p: &Priority| i.t(&format!("priority.{}", wire(p))).to_string();
    let people = use_people();
    let person = |id: &Option<String>| id.as_deref().map_or_else(|| i.t("event.nobody").to_string(), |id| people.name(id));
    match kind {
        EventKind::Created { channel, .. } => format!("{} ({})", i.t("event.created"), i.t(&format!("channel.{}", wire(channel)))),
        EventKind::StatusChanged { from, to } => format!("{}: {} → {}", i.t("event.status"), status(from), status(to)),
        EventKind::AssigneeChanged { from, to } => {
            format!("{}: {} → {}", i.t("event.assignee"), person(from), person(to))
        }
        EventKind::GroupChanged { from, to } => format!("{}: {from} → {to}", i.t("event.group")),
        EventKind::PriorityChanged { from, to } => format!("{}: {} → {}", i.t("event.priority"), priority(from), priority(to)),
        EventKind::FieldsChanged { changes } => {
            format!("{}: {}", i.t("event.fields"), changes.iter().map(|c| field_change(i, c, topic)).collect::<Vec<_>>().join("; "))
        }
        EventKind::SlaWarning { target, .. } => format!("{}: {}", i.t("event.sla_warning"), i.t(&format!("sla.{}", wire(target)))),
        EventKind::SlaBreached { target, .. } => format!("{}: {}", i.t("event.sla_breached"), i.t(&format!("sla.{}", wire(target)))),
        EventKind::SolutionChanged { to: Some(_), .. } => i.t("event.solution_marked").to_string(),
        EventKind::SolutionChanged { to: None, .. } => i.t("event.solution_removed").to_string(),
        EventKind::Rated { rating, comment, .. } => {
            let said = comment.as_deref().map(|c| format!(": “{c}”")).unwrap_or_default();
            format!("{}: {}{said}", i.t("event.rated"), i.t(&format!("rate.{}", wire(rating))))
        }
        EventKind::PublicReply { body, .. } | EventKind::InternalNote { body, .. } => body.clone(),
    }
}

/// One field's change as people read it: "Seats: 2 → 3", by the topic's label and option labels.
fn field_change(i: I18n, change: &FieldChange, topic: Option<&Topic>) -> String {
    let def = topic.and_then(|t| t.fields.iter().find(|f| f.key == change.field));
    let value = |v: &Option<Value>| v.as_ref().map_or_else(|| "—".to_string(), |v| value_text(def, v, i));
    let name = def.map_or_else(|| change.field.clone(), |d| i.local(&d.label));
    format!("{name}: {} → {}", value(&change.from), value(&change.to))
}

/// The conversation; `staff`: the viewer is staff (what came by mail says more to them).
#[component]
fn Conversation(view: TicketView, topic: Option<Topic>, staff: bool) -> impl IntoView {
    let i = use_i18n();
    let ticket = view.ticket;
    let people = use_people();
    // `caller`: the person a logged call was for, when the author is the agent who logged it.
    let message = |id: &str,
                   (author, caller): (String, Option<String>),
                   at,
                   body: String,
                   note: bool,
                   attached: &[AttachmentRef],
                   origin: Option<&MailOrigin>| {
        let text = mail::body(i, id, body, origin, attached);
        let attached = attached.to_vec();
        let class = if note { "message note" } else { "message" };
        let (by_mail, about_mail) = (mail::header(i, origin), mail::footer(i, origin, staff));
        view! {
            <article class=class>
                <header>
                    <strong>{move || mail::author(i, &author)}</strong>
                    {caller.map(|caller| view! { <span class="logged-call">{move || i.t("ticket.logged_call").replace("{name}", &people.name(&caller))}</span> })}
                    {note.then(|| view! { <span class="badge note-badge">{move || i.t("ticket.internal_note")}</span> })}
                    <time>{move || i.when(at)}</time>
                    {by_mail}
                </header>
                {text}
                {about_mail}
                {files(attached)}
            </article>
        }
        .into_any()
    };
    let items = view.events.iter().map(|e: &TicketEvent| match &e.kind {
        EventKind::PublicReply { body, attachments, mail } => message(&e.id, (e.actor.id.clone(), None), e.at, body.clone(), false, attachments, mail.as_ref()),
        EventKind::InternalNote { body, attachments, mail } => message(&e.id, (e.actor.id.clone(), None), e.at, body.clone(), true, attachments, mail.as_ref()),
        kind => {
            let (kind, actor, at, topic) = (kind.clone(), e.actor.id.clone(), e.at, topic.clone());
            view! {
                <p class="event">
                    <span>{move || describe(i, &kind, topic.as_ref())}</span>" · "{move || mail::author(i, &actor)}" · "<time>{move || i.when(at)}</time>
                </p>
            }
            .into_any()
        }
    });
    // The files filed with the ticket, and the mail it came from, belong to its description.
    let created = view.events.iter().find(|e| matches!(e.kind, EventKind::Created { .. }));
    let id = created.map_or("description", |e| e.id.as_str());
    // Staff who filed it for someone (a logged call) wrote the description, not the caller.
    let author = match created {
        Some(e) if e.actor.id != ticket.requester && matches!(e.actor.role, helpdesk_core::Role::Agent | helpdesk_core::Role::Admin) => {
            (e.actor.id.clone(), Some(ticket.requester.clone()))
        }
        _ => (ticket.requester.clone(), None),
    };
    let created = created.map(|e| &e.kind);
    let (filed, origin) = (created.map_or(&[][..], EventKind::attachments), created.and_then(EventKind::mail));
    view! {
        <div class="messages" aria-live="polite">
            {message(id, author, ticket.created_at, ticket.description.clone(), false, filed, origin)}
            {items.collect_view()}
        </div>
    }
}

/// How a kept draft says what it is.
const NOTE_MARK: &str = "note:";
const REPLY_MARK: &str = "reply:";

#[component]
fn ReplyBox(page: Page, staff: bool) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let key = drafts::key(&session.id(), "reply", &page.number().unwrap_or_default());
    // What the box held, kept in the tab's storage until it is sent: an internal note is restored
    // as one (the mark before the text), never as a public reply.
    let kept = drafts::load(&key).unwrap_or_default();
    let (note, body) = match kept.strip_prefix(NOTE_MARK) {
        Some(body) => (true, body.to_string()),
        None => (false, kept.strip_prefix(REPLY_MARK).unwrap_or_default().to_string()),
    };
    page.replying.set(!body.trim().is_empty());
    let text = RwSignal::new(body);
    let internal = RwSignal::new(staff && note);
    let empty = RwSignal::new(false);
    let up = page.uploads;
    let keep = {
        let key = key.clone();
        move || {
            let body = text.get_untracked();
            let mark = if internal.get_untracked() { NOTE_MARK } else { REPLY_MARK };
            if body.is_empty() { drafts::clear(&key) } else { drafts::save(&key, &format!("{mark}{body}")) }
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            empty.set(true);
            return;
        }
        empty.set(false);
        let Some(attachments) = up.ready() else { return };
        let suffix = if internal.get_untracked() { "/notes" } else { "/replies" };
        let key = key.clone();
        page.write(Method::POST, suffix, MessageRequest { body, version: Some(page.version()), attachments }, move |r| match r {
            Ok(()) => {
                text.set(String::new());
                page.replying.set(false);
                // The box is drawn anew from the draft: a note's kind stays chosen (the next file
                // never goes to the requester by mistake).
                if internal.get_untracked() {
                    drafts::save(&key, NOTE_MARK)
                } else {
                    drafts::clear(&key)
                }
                up.clear();
            }
            Err(fields) => up.refused(&fields),
        });
    };
    let keep_kind = keep.clone();
    let keep_note = keep.clone();
    let inserted = {
        let keep = keep.clone();
        move || {
            page.replying.set(!text.get_untracked().trim().is_empty());
            keep()
        }
    };
    view! {
        <form class="reply" on:submit=submit>
            {staff.then(|| view! {
                <fieldset class="kind">
                    <legend class="sr-only">{move || i.t("reply.kind")}</legend>
                    <label><input type="radio" name="kind" prop:checked=move || !internal.get() on:change=move |_| { internal.set(false); keep_kind() }/>{move || i.t("reply.public")}</label>
                    <label><input type="radio" name="kind" id="kind-note" prop:checked=internal on:change=move |_| { internal.set(true); keep_note() }/>{move || i.t("reply.internal")}</label>
                </fieldset>
            })}
            <label for="reply-text">{move || if internal.get() { i.t("reply.note_label") } else { i.t("reply.label") }}</label>
            <textarea id="reply-text" rows="4" prop:value=text aria-describedby="reply-error"
                on:input=move |ev| { text.set(event_target_value(&ev)); page.replying.set(!text.get_untracked().trim().is_empty()); keep() }></textarea>
            {move || empty.get().then(|| view! { <p class="field-error" id="reply-error">{move || i.t("field_error.required")}</p> })}
            {staff.then(|| articles::insert_link(page, text, inserted.clone()))}
            {staff.then(|| answers::template_picker(page, text, inserted))}
            {attach(up)}
            {submit_button(up, page.busy, ["reply.send", "reply.add_note"], internal)}
        </form>
    }
}
