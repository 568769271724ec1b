//! Admin: service levels. The overview at `/admin/sla` lists the plans (in order of precedence)
//! and the business calendars; each has its editor (`calendars`, `plans`), whose forms turn what
//! was typed into the API's input (`calendar_form`, `plan_form`). The plan editor previews the
//! due times of a ticket filed now (`preview`).

mod calendar_form;
mod calendar_hours;
mod calendars;
mod plan_form;
mod plan_parts;
mod plans;
mod preview;

pub use calendars::CalendarEditor;
pub use plans::PlanEditor;

use super::editor::{FormState, table_head};
use crate::api::{self, Answer, Failure};
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::ErrorCode;
use helpdesk_core::api::Items;
use helpdesk_core::calendar::Calendar;
use helpdesk_core::sla::SlaPlan;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// What an editor's draft is to its record (a calendar, a plan): the input it sends, the draft
/// of a stored record, and where both live.
trait Draft: Clone + Send + Sync + 'static {
    type Input: serde::Serialize + 'static;
    type Record: serde::de::DeserializeOwned + 'static;
    /// The collection in the API's and the admin pages' paths: `calendars`, `plans`.
    const COLLECTION: &'static str;
    fn to_input(&self) -> Result<Self::Input, Vec<helpdesk_core::FieldError>>;
    fn of_record(record: &Self::Record) -> Self;
    fn set_id(input: &mut Self::Input, id: String);
    fn id_of(record: &Self::Record) -> &str;
}

/// An editor's save (create at the collection, or replace `existing` with the version it read)
/// and, after a conflict, its reload of what is stored; both keep the form's state.
fn editor_actions<D: Draft>(
    existing: Option<&str>,
    draft: RwSignal<D>,
    new_id: RwSignal<String>,
    state: FormState,
    conflict: RwSignal<bool>,
) -> (impl Fn(leptos::ev::SubmitEvent) + 'static, impl Fn(()) + Clone + Send + Sync + 'static) {
    let path = existing.map(|id| format!("/api/sla/{}/{}", D::COLLECTION, segment(id)));
    let navigate = leptos_router::hooks::use_navigate();
    let save = {
        let path = path.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut input = match draft.with_untracked(D::to_input) {
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
                        D::set_id(&mut input, new_id.get_untracked().trim().to_string());
                        api::send::<D::Record>(Method::POST, &format!("/api/sla/{}", D::COLLECTION), &input).await
                    }
                    Some(path) => api::send::<D::Record>(Method::PUT, path, &input).await,
                };
                match settle(state, conflict, answer) {
                    Some(r) if path.is_none() => {
                        navigate(&format!("/admin/sla/{}/{}", D::COLLECTION, segment(D::id_of(&r))), Default::default())
                    }
                    Some(r) => draft.set(D::of_record(&r)),
                    None => {}
                }
            });
        }
    };
    // After a conflict: the stored record replaces what was typed.
    let reload = move |()| {
        let Some(path) = path.clone() else { return };
        spawn_local(async move {
            match api::get::<D::Record>(&path).await {
                Ok(r) => {
                    draft.set(D::of_record(&r));
                    state.clear();
                    conflict.set(false);
                }
                Err(f) => state.failure.set(Some(f)),
            }
        });
    };
    (save, reload)
}

/// An id as one segment of an API path.
fn segment(id: &str) -> String {
    js_sys::encode_uri_component(id).into()
}

/// Records how a save went, as [`FormState::finish`] does; a version conflict is set aside in
/// `conflict`, for the offer to reload.
fn settle<T>(state: FormState, conflict: RwSignal<bool>, answer: Answer<T>) -> Option<T> {
    conflict.set(false);
    match answer {
        Err(Failure::Api(e)) if e.code == ErrorCode::VersionConflict => {
            state.clear();
            conflict.set(true);
            None
        }
        other => state.finish(other),
    }
}

/// Someone saved the record since it was loaded: say so, and offer to load what is stored now.
#[component]
fn Conflict(conflict: RwSignal<bool>, #[prop(into)] reload: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    move || {
        conflict.get().then(|| {
            view! {
                <div class="error" role="alert">
                    <span>{move || i.t("sla_admin.conflict")}</span>
                    <button type="button" on:click=move |_| reload.run(())>{move || i.t("ticket.reload")}</button>
                </div>
            }
        })
    }
}

/// A length in minutes as hours and minutes: "2 h 30 min" (business time has no days).
fn hours_minutes(i: I18n, minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} {}", i.t("unit.minute")),
        (h, 0) => format!("{h} {}", i.t("unit.hour")),
        (h, m) => format!("{h} {} {m} {}", i.t("unit.hour"), i.t("unit.minute")),
    }
}

/// The conditions of a plan in a few words: "High, Urgent · printer · any group".
fn conditions_text(i: I18n, plan: &SlaPlan) -> String {
    let c = &plan.conditions;
    if c.priorities.is_empty() && c.topics.is_empty() && c.groups.is_empty() {
        return i.t("sla_admin.any_ticket").to_string();
    }
    let priorities: Vec<&str> = c.priorities.iter().map(|p| i.t(&format!("priority.{}", wire(p)))).collect();
    [priorities.join(", "), c.topics.join(", "), c.groups.join(", ")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")
}

/// The SLA overview: plans in the order they are tried, then the calendars they count in.
#[component]
pub fn Sla() -> impl IntoView {
    let i = use_i18n();
    let plans = api::Fetched::<Items<SlaPlan>>::fixed("/api/sla/plans");
    let calendars = api::Fetched::<Items<Calendar>>::fixed("/api/sla/calendars");
    let content = move || {
        Suspend::new(async move {
            let (plans, calendars) = match (plans.load().await, calendars.load().await) {
                (Err(f), _) | (_, Err(f)) => return view! { <ErrorBox failure=f/> }.into_any(),
                (Ok(p), Ok(c)) => (p.items, c.items),
            };
            let calendar_name = |id: &str| calendars.iter().find(|c| c.id == id).map_or(id.to_string(), |c| c.name.clone());
            let plan_rows = plans
                .into_iter()
                .map(|p| {
                    let (href, name, calendar) =
                        (format!("/admin/sla/plans/{}", segment(&p.id)), p.name.clone(), calendar_name(&p.calendar));
                    let (precedence, active) = (p.precedence, p.active);
                    view! {
                        <tr>
                            <td>{precedence}</td>
                            <td><A href=href>{name}</A></td>
                            <td>{move || conditions_text(i, &p)}</td>
                            <td>{calendar}</td>
                            <td>{move || i.t(if active { "common.yes" } else { "common.no" })}</td>
                        </tr>
                    }
                })
                .collect_view();
            let calendar_rows = calendars
                .into_iter()
                .map(|c| {
                    let round_the_clock = c.hours.is_none();
                    view! {
                        <tr>
                            <td><A href=format!("/admin/sla/calendars/{}", segment(&c.id))>{c.id.clone()}</A></td>
                            <td>{c.name.clone()}</td>
                            <td>{c.time_zone.clone()}</td>
                            <td>{move || i.t(if round_the_clock { "sla_admin.round_the_clock" } else { "sla_admin.weekly_hours" })}</td>
                            <td>{c.holidays.len()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section aria-labelledby="sla-plans">
                    <div class="title-row">
                        <h2 id="sla-plans">{move || i.t("sla_admin.plans")}</h2>
                        <A href="/admin/sla/new-plan" attr:class="button primary">{move || i.t("sla_admin.new_plan")}</A>
                    </div>
                    <p class="help">{move || i.t("sla_admin.plans_help")}</p>
                    <div class="table-wrap"><table>
                        {table_head(&["sla_admin.precedence", "admin.name", "sla_admin.conditions", "sla_admin.calendar", "admin.active"])}
                        <tbody>{plan_rows}</tbody>
                    </table></div>
                </section>
                <section aria-labelledby="sla-calendars">
                    <div class="title-row">
                        <h2 id="sla-calendars">{move || i.t("sla_admin.calendars")}</h2>
                        <A href="/admin/sla/new-calendar" attr:class="button primary">{move || i.t("sla_admin.new_calendar")}</A>
                    </div>
                    <div class="table-wrap"><table>
                        {table_head(&["admin.id", "admin.name", "sla_admin.time_zone", "sla_admin.hours", "sla_admin.holidays"])}
                        <tbody>{calendar_rows}</tbody>
                    </table></div>
                </section>
            }
            .into_any()
        })
    };
    view! {
        <section class="sla-admin">
            <h1>{move || i.t("sla_admin.title")}</h1>
            {loaded(content)}
        </section>
    }
}

/// The way back from an editor to the overview.
fn back_link() -> impl IntoView {
    let i = use_i18n();
    view! { <p><A href="/admin/sla">{move || i.t("sla_admin.back")}</A></p> }
}
