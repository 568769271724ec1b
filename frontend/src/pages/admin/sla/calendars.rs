//! The editor of one business calendar: new at `/admin/sla/new-calendar`, stored at
//! `/admin/sla/calendars/:id`. Name, time zone, opening hours (24×7 or spans per weekday) and
//! holidays; a save sends the version it replaces, and a conflict offers to reload.

use super::calendar_form::{CalendarDraft, explain, label_of};
use super::calendar_hours::{holidays, opening_hours};
use super::{Conflict, back_link, segment, settle};
use crate::api;
use crate::components::{ErrorBox, loaded};
use crate::i18n::use_i18n;
use crate::pages::admin::editor::{FormState, Outcome, field_message, text_field};
use gloo_net::http::Method;
use helpdesk_core::calendar::Calendar;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params};
use leptos_router::params::Params;

/// The route's parameter: absent at `/admin/sla/new-calendar`.
#[derive(Params, Clone, PartialEq)]
struct CalendarParams {
    id: Option<String>,
}

#[component]
pub fn CalendarEditor() -> impl IntoView {
    let i = use_i18n();
    let params = use_params::<CalendarParams>();
    let id = move || params.with(|p| p.as_ref().ok().and_then(|p| p.id.clone()));
    let stored = id().is_some().then(|| {
        api::Fetched::<Calendar>::of(Signal::derive(move || format!("/api/sla/calendars/{}", segment(&id().unwrap_or_default()))))
    });
    let form = move || {
        Suspend::new(async move {
            let calendar = match stored {
                Some(stored) => stored.load().await.map(Some),
                None => Ok(None),
            };
            match calendar {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(calendar) => {
                    let existing = calendar.as_ref().map(|c| c.id.clone());
                    let draft = calendar.as_ref().map_or_else(CalendarDraft::blank, CalendarDraft::of);
                    view! { <CalendarForm existing=existing draft=draft/> }.into_any()
                }
            }
        })
    };
    view! {
        <section class="card sla-admin">
            {back_link()}
            <h1>{move || match id() {
                None => i.t("sla_admin.new_calendar").to_string(),
                Some(id) => format!("{}: {id}", i.t("sla_admin.calendar")),
            }}</h1>
            {loaded(form)}
        </section>
    }
}

#[component]
fn CalendarForm(existing: Option<String>, draft: CalendarDraft) -> impl IntoView {
    let i = use_i18n();
    let creating = existing.is_none();
    let draft = RwSignal::new(draft);
    let new_id = RwSignal::new(String::new());
    let conflict = RwSignal::new(false);
    // The draft as it was sent says which problem a span has (see `explain`).
    let state = FormState::new(label_of).explained(move |i, p| draft.with_untracked(|d| explain(i, p, d)));
    let navigate = use_navigate();
    let path = existing.as_ref().map(|id| format!("/api/sla/calendars/{}", segment(id)));
    let save = {
        let path = path.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut input = match draft.with_untracked(CalendarDraft::input) {
                Ok(input) => input,
                Err(problems) => {
                    state.clear();
                    state.problems.set(problems);
                    return;
                }
            };
            let (navigate, path) = (navigate.clone(), path.clone());
            spawn_local(async move {
                let answer = match &path {
                    None => {
                        input.id = Some(new_id.get_untracked().trim().to_string());
                        api::send::<Calendar>(Method::POST, "/api/sla/calendars", &input).await
                    }
                    Some(path) => api::send::<Calendar>(Method::PUT, path, &input).await,
                };
                match settle(state, conflict, answer) {
                    Some(c) if path.is_none() => navigate(&format!("/admin/sla/calendars/{}", segment(&c.id)), Default::default()),
                    Some(c) => draft.set(CalendarDraft::of(&c)),
                    None => {}
                }
            });
        }
    };
    // After a conflict: the stored calendar replaces what was typed.
    let reload = move |()| {
        let Some(path) = path.clone() else { return };
        spawn_local(async move {
            match api::get::<Calendar>(&path).await {
                Ok(c) => {
                    draft.set(CalendarDraft::of(&c));
                    state.clear();
                    conflict.set(false);
                }
                Err(f) => state.failure.set(Some(f)),
            }
        });
    };
    let zones = crate::pages::settings::known_zones().into_iter().map(|z| view! { <option value=z/> }).collect_view();
    view! {
        <form on:submit=save novalidate>
            {creating.then(|| view! {
                {text_field(state, "cal-id", "id", "admin.id", move || new_id.get(), move |v| new_id.set(v))}
                <p class="help">{move || i.t("sla_admin.id_help")}</p>
            })}
            <div class="row">
                {text_field(state, "cal-name", "name", "admin.name", move || draft.with(|d| d.name.clone()), move |v| draft.update(|d| d.name = v))}
                <div class="field">
                    <label for="cal-zone">{move || i.t("sla_admin.time_zone")}</label>
                    <input id="cal-zone" list="cal-zones" autocomplete="off" spellcheck="false"
                        aria-invalid=state.invalid("time_zone".into()) aria-describedby="cal-zone-help cal-zone-error"
                        prop:value=move || draft.with(|d| d.time_zone.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.time_zone = v) }/>
                    <datalist id="cal-zones">{zones}</datalist>
                    <p class="help" id="cal-zone-help">{move || i.t("sla_admin.time_zone_help")}</p>
                    {field_message(state, "time_zone".into(), "cal-zone")}
                </div>
            </div>
            {opening_hours(state, draft)}
            {holidays(state, draft)}
            <Conflict conflict=conflict reload=reload/>
            <Outcome state=state/>
            <button type="submit" class="primary">{move || i.t("common.save")}</button>
        </form>
    }
}
