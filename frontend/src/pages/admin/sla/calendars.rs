//! The editor of one business calendar: new at `/admin/sla/new-calendar`, stored at
//! `/admin/sla/calendars/:id`. Name, time zone, opening hours (24×7 or spans per weekday) and
//! holidays; a save sends the version it replaces, and a conflict offers to reload.

use super::calendar_form::{CalendarDraft, explain, label_of};
use super::calendar_hours::{holidays, opening_hours};
use super::{Conflict, Draft, back_link, editor_actions, segment};
use crate::api;
use crate::components::{ErrorBox, loaded};
use crate::i18n::use_i18n;
use crate::pages::admin::editor::{FormState, Outcome, field_message, text_field};
use helpdesk_core::FieldError;
use helpdesk_core::calendar::{Calendar, CalendarInput};
use leptos::prelude::*;
use leptos_router::hooks::use_params;
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
    let (save, reload) = editor_actions(existing.as_deref(), draft, new_id, state, conflict);
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

impl Draft for CalendarDraft {
    type Input = CalendarInput;
    type Record = Calendar;
    const COLLECTION: &'static str = "calendars";
    fn to_input(&self) -> Result<CalendarInput, Vec<FieldError>> {
        self.input()
    }
    fn of_record(calendar: &Calendar) -> Self {
        CalendarDraft::of(calendar)
    }
    fn set_id(input: &mut CalendarInput, id: String) {
        input.id = Some(id);
    }
    fn id_of(calendar: &Calendar) -> &str {
        &calendar.id
    }
}
