//! A new ticket: choose a topic, fill in its form. Agents also "log a call": the same form on
//! behalf of a caller, with the phone as the channel. The form is checked here with the domain
//! crate's own rules before it is sent; the server checks it again. As a requester describes the
//! problem, articles that may answer it are suggested ([`Suggestions`]); one that does ends the
//! form without a ticket.

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::attach::{Uploads, attach, submit_button};
use crate::components::{ErrorBox, Errors, FieldInput, FieldMessage, Loading, enum_option, errors_by_field};
use crate::drafts;
use crate::i18n::{use_i18n, wire};
use crate::pages::kb::suggest::Suggestions;
use gloo_net::http::Method;
use helpdesk_core::api::{CreateTicketRequest, Paged, PersonSummary, TicketView, TopicList};
use helpdesk_core::commands::check_ticket_form;
use helpdesk_core::{Channel, ErrorCode, Priority, Topic};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::Value;
use std::collections::BTreeMap;

#[component]
pub fn NewTicket(call: bool) -> impl IntoView {
    let i = use_i18n();
    let topics = api::Fetched::<TopicList>::fixed("/api/topics");
    // Callers (staff only): the people directory, searched by part of the name or id as the agent types.
    let search = RwSignal::new(String::new());
    let people = call.then(|| {
        api::Fetched::<Paged<PersonSummary>>::of(Signal::derive(move || {
            api::with_query("/api/directory", &[("q", search.get().trim().to_string()), ("limit", "20".into())])
        }))
    });
    let chosen = RwSignal::new(None::<Topic>);
    let subject = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let priority = RwSignal::new(None::<Priority>);
    let requester = RwSignal::new(String::new());
    let values = RwSignal::new(BTreeMap::<String, Value>::new());
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let logged = RwSignal::new(None::<(String, String)>);
    // An article answered the problem: no ticket is filed.
    let solved = RwSignal::new(false);
    let up = Uploads::default();
    let session = use_session();
    let navigate = use_navigate();
    // A form refused because the session had ended is kept in the tab and filled in again here
    // after signing in: its topic once the topics have loaded.
    let draft_key = drafts::key(&session.id(), if call { "call" } else { "new" }, "ticket");
    let kept = drafts::load(&draft_key).and_then(|json| serde_json::from_str::<CreateTicketRequest>(&json).ok());
    let kept_topic = StoredValue::new(kept.as_ref().map(|k| k.topic.clone()));
    if let Some(k) = kept {
        subject.set(k.subject);
        description.set(k.description);
        priority.set(k.priority);
        values.set(k.fields);
        requester.set(k.requester.unwrap_or_default());
    }
    {
        let draft_key = draft_key.clone();
        Effect::new(move || {
            if let Some(Ok(list)) = topics.get()
                && let Some(id) = kept_topic.get_value()
            {
                kept_topic.set_value(None);
                chosen.set(list.items.into_iter().find(|t| t.id == id));
                drafts::clear(&draft_key);
            }
        });
    }

    let choose = move |id: String| {
        let topic = topics.get().and_then(Result::ok).and_then(|list| list.items.into_iter().find(|t| t.id == id));
        priority.set(topic.as_ref().map(|t| t.default_priority));
        values.set(BTreeMap::new());
        errors.set(BTreeMap::new());
        chosen.set(topic);
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(topic) = chosen.get_untracked() else { return };
        // The button waits for the files; a submit by the Enter key too.
        let Some(attachments) = up.ready() else { return };
        let request = CreateTicketRequest {
            topic: topic.id.clone(),
            subject: subject.get_untracked(),
            description: description.get_untracked(),
            priority: priority.get_untracked(),
            fields: values.get_untracked(),
            requester: call.then(|| requester.get_untracked()),
            channel: call.then_some(Channel::Phone),
            attachments,
        };
        let (mut problems, _) = check_ticket_form(&request, &topic);
        if call && request.requester.as_deref().is_none_or(str::is_empty) {
            problems.push(helpdesk_core::FieldError::new("requester", helpdesk_core::FieldErrorCode::Required, ""));
        }
        failure.set(None);
        logged.set(None);
        if !problems.is_empty() {
            focus_first(&problems);
            errors.set(errors_by_field(problems));
            return;
        }
        errors.set(BTreeMap::new());
        busy.set(true);
        let navigate = navigate.clone();
        let draft_key = draft_key.clone();
        spawn_local(async move {
            match api::send::<TicketView>(Method::POST, "/api/tickets", &request).await {
                // A call logged for another team's queue leaves the agent's reach: say where it went.
                Ok(view) if !session.may_see(&view.ticket) => {
                    logged.set(Some((view.ticket.number.to_string(), view.ticket.group.clone())));
                    chosen.set(None);
                    subject.set(String::new());
                    description.set(String::new());
                    requester.set(String::new());
                    search.set(String::new());
                    up.clear();
                }
                Ok(view) => navigate(&format!("/tickets/{}", view.ticket.number), Default::default()),
                Err(Failure::Api(e)) if e.code == ErrorCode::ValidationFailed => {
                    up.refused(&e.fields);
                    focus_first(&e.fields);
                    errors.set(errors_by_field(e.fields));
                }
                // The session ended (the app offers sign-in): keep the form for afterwards.
                Err(Failure::Api(e)) if e.code == ErrorCode::Unauthenticated => {
                    if let Ok(json) = serde_json::to_string(&request) {
                        drafts::save(&draft_key, &json)
                    }
                }
                Err(f) => failure.set(Some(f)),
            }
            busy.set(false);
        });
    };

    let topic_picker = move || match topics.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(f)) => view! { <ErrorBox failure=f/> }.into_any(),
        Some(Ok(list)) => view! {
            <div class="field">
                <label for="topic">{move || i.t("ticket.topic")}</label>
                <select id="topic" required on:change=move |ev| choose(event_target_value(&ev))
                    prop:value=move || chosen.with(|t| t.as_ref().map(|t| t.id.clone()).unwrap_or_default())>
                    <option value="">{move || i.t("form.choose")}</option>
                    {list.items.into_iter().map(|t| {
                        let name = t.name.clone();
                        view! { <option value=t.id.clone()>{move || i.local(&name)}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
        .into_any(),
    };

    let requester_picker = move || {
        call.then(|| {
            let options = move || match people.and_then(|p| p.get()) {
                Some(Ok(Paged { items: found, .. })) => {
                    let chosen = requester.get_untracked();
                    let listed = found.iter().any(|p| p.id == chosen);
                    // The caller chosen before this search stays chosen.
                    let kept =
                        (!chosen.is_empty() && !listed).then(|| view! { <option value=chosen.clone() selected>{chosen.clone()}</option> });
                    let empty = found.is_empty().then(|| view! { <option value="" disabled>{move || i.t("call.no_match")}</option> });
                    let found = found.into_iter().map(|p| {
                        let selected = p.id == chosen;
                        view! { <option value=p.id.clone() selected=selected>{format!("{} ({})", p.name, p.id)}</option> }
                    });
                    view! { {kept}{found.collect_view()}{empty} }.into_any()
                }
                _ => ().into_any(),
            };
            view! {
                <div class="field">
                    <label for="requester-search">{move || i.t("call.find_caller")}</label>
                    <input id="requester-search" type="search" autocomplete="off"
                        prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="requester">{move || i.t("call.caller")}</label>
                    <select id="requester" required aria-describedby="requester-error"
                        aria-invalid=move || errors.with(|e| e.contains_key("requester")).to_string()
                        prop:value=requester on:change=move |ev| requester.set(event_target_value(&ev))>
                        <option value="">{move || i.t("form.choose")}</option>
                        {options}
                    </select>
                    <FieldMessage errors=errors name="requester".to_string()/>
                </div>
            }
        })
    };

    let form_body = move || {
        chosen.get().map(|topic| {
            let description_text = topic.description.clone();
            view! {
                {(!description_text.0.is_empty()).then(|| view! { <p class="help">{move || i.local(&description_text)}</p> })}
                <div class="field">
                    <label for="subject">{move || format!("{} *", i.t("ticket.subject"))}</label>
                    <input id="subject" required aria-describedby="subject-error"
                        aria-invalid=move || errors.with(|e| e.contains_key("subject")).to_string()
                        prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev))/>
                    <FieldMessage errors=errors name="subject".to_string()/>
                </div>
                {topic.fields.iter().cloned().map(|def| view! { <FieldInput def=def values=values errors=errors/> }).collect_view()}
                <div class="field">
                    <label for="description">{move || format!("{} *", i.t("ticket.description"))}</label>
                    <textarea id="description" rows="6" required aria-describedby="description-error"
                        aria-invalid=move || errors.with(|e| e.contains_key("description")).to_string()
                        prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <FieldMessage errors=errors name="description".to_string()/>
                </div>
                {(!call).then(|| view! {
                    <Suggestions subject=subject description=description solved=solved
                        topic=Signal::derive(move || chosen.with(|t| t.as_ref().map(|t| t.id.clone())))/>
                })}
                <div class="field">
                    <label for="priority">{move || i.t("ticket.priority")}</label>
                    <select id="priority" prop:value=move || priority.get().map(|p| wire(&p)).unwrap_or_default()
                        on:change=move |ev| priority.set(event_target_value(&ev).parse().ok())>
                        {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                    </select>
                </div>
                {move || errors.with(|e| !e.is_empty()).then(|| view! { <p class="error" role="alert">{move || i.t("form.fix_marked")}</p> })}
                {attach(up)}
                {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
                {submit_button(up, busy, ["new.submit", "call.submit"], RwSignal::new(call))}
            }
        })
    };

    view! {
        <section class="card">
            <h1>{move || i.t(if call { "call.title" } else { "new.title" })}</h1>
            {move || logged.get().map(|(number, group)| view! {
                <p class="ok" role="status">{move || i.t("call.logged").replace("{number}", &number).replace("{group}", &group)}</p>
            })}
            {move || solved.get().then(|| view! {
                <div class="ok solved" id="solved" tabindex="-1" role="status">
                    <p>{move || i.t("kb.glad")}</p>
                    <A href="/my">{move || i.t("nav.my_tickets")}</A>
                    " "
                    // The "New ticket" link leads to this same page: this is the way back to the form.
                    <button type="button" class="link" on:click=move |_| {
                        chosen.set(None);
                        subject.set(String::new());
                        description.set(String::new());
                        values.set(BTreeMap::new());
                        errors.set(BTreeMap::new());
                        up.clear();
                        solved.set(false);
                        request_animation_frame(|| {
                            use wasm_bindgen::JsCast;
                            if let Some(el) = document().get_element_by_id("topic").and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                                let _ = el.focus();
                            }
                        });
                    }>{move || i.t("kb.another_problem")}</button>
                </div>
            })}
            <form on:submit=submit novalidate hidden=solved>
                {requester_picker}
                {topic_picker}
                {form_body}
            </form>
        </section>
    }
}

/// Moves the keyboard focus to the first field with a problem.
pub fn focus_first(problems: &[helpdesk_core::FieldError]) {
    use wasm_bindgen::JsCast;
    let Some(first) = problems.first() else { return };
    let id = match first.field.strip_prefix(helpdesk_core::commands::FIELD_ERROR_PREFIX) {
        Some(key) => format!("field-{key}"),
        None => first.field.clone(),
    };
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id))
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}
