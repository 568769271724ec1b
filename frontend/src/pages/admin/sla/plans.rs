//! The editor of one SLA plan: new at `/admin/sla/new-plan`, stored at `/admin/sla/plans/:id`.
//! Name, activity, precedence, conditions (priorities, topics, groups that exist), calendar,
//! targets per priority, warning and escalations, with a preview of what a ticket filed now would
//! be promised. A save sends the version it replaces, and a conflict offers to reload.

use super::plan_form::{PlanDraft, explain, label_of};
use super::plan_parts::{ConditionList, condition_choices, escalations, number_input, targets, warning};
use super::preview::Preview;
use super::{Conflict, Draft, back_link, editor_actions, segment};
use crate::api;
use crate::components::{ErrorBox, loaded};
use crate::i18n::{use_i18n, wire};
use crate::pages::admin::editor::{FormState, Outcome, field_message, text_field};
use helpdesk_core::api::{Items, TopicList};
use helpdesk_core::calendar::Calendar;
use helpdesk_core::sla::{SlaPlan, SlaPlanInput};
use helpdesk_core::user::Group;
use helpdesk_core::{FieldError, Priority, Topic};
use leptos::prelude::*;
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

/// The route's parameter: absent at `/admin/sla/new-plan`.
#[derive(Params, Clone, PartialEq)]
struct PlanParams {
    id: Option<String>,
}

/// What the form offers besides the plan: the calendars, topics and groups to choose from, and
/// the other plans (for the preview's "which plan applies").
#[derive(Clone)]
struct Choices {
    calendars: Vec<Calendar>,
    topics: Vec<Topic>,
    groups: Vec<Group>,
    plans: Vec<SlaPlan>,
}

#[component]
pub fn PlanEditor() -> impl IntoView {
    let i = use_i18n();
    let params = use_params::<PlanParams>();
    let id = move || params.with(|p| p.as_ref().ok().and_then(|p| p.id.clone()));
    let stored = id()
        .is_some()
        .then(|| api::Fetched::<SlaPlan>::of(Signal::derive(move || format!("/api/sla/plans/{}", segment(&id().unwrap_or_default())))));
    let calendars = api::Fetched::<Items<Calendar>>::fixed("/api/sla/calendars");
    let topics = api::Fetched::<TopicList>::fixed("/api/topics?all=true");
    let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
    let plans = api::Fetched::<Items<SlaPlan>>::fixed("/api/sla/plans");
    let form = move || {
        Suspend::new(async move {
            let plan = match stored {
                Some(stored) => stored.load().await.map(Some),
                None => Ok(None),
            };
            let loaded = (plan, calendars.load().await, topics.load().await, groups.load().await, plans.load().await);
            match loaded {
                (Err(f), ..) | (_, Err(f), ..) | (_, _, Err(f), ..) | (.., Err(f), _) | (.., Err(f)) => {
                    view! { <ErrorBox failure=f/> }.into_any()
                }
                (Ok(plan), Ok(calendars), Ok(topics), Ok(groups), Ok(plans)) => {
                    let existing = plan.as_ref().map(|p| p.id.clone());
                    let first_calendar = calendars.items.first().map(|c| c.id.as_str());
                    let draft = plan.as_ref().map_or_else(|| PlanDraft::blank(first_calendar), PlanDraft::of);
                    let choices = Choices { calendars: calendars.items, topics: topics.items, groups: groups.items, plans: plans.items };
                    view! { <PlanForm existing=existing draft=draft choices=choices/> }.into_any()
                }
            }
        })
    };
    view! {
        <section class="card sla-admin">
            {back_link()}
            <h1>{move || match id() {
                None => i.t("sla_admin.new_plan").to_string(),
                Some(id) => format!("{}: {id}", i.t("sla_admin.plan")),
            }}</h1>
            {loaded(form)}
        </section>
    }
}

/// Each stored value stays a choice even if it is gone, so the form shows what is stored.
fn with_stored(mut choices: Vec<(String, String)>, stored: &[String]) -> Vec<(String, String)> {
    for id in stored {
        if !choices.iter().any(|(c, _)| c == id) {
            choices.push((id.clone(), id.clone()));
        }
    }
    choices
}

#[component]
fn PlanForm(existing: Option<String>, draft: PlanDraft, choices: Choices) -> impl IntoView {
    let i = use_i18n();
    let creating = existing.is_none();
    let draft = RwSignal::new(draft);
    let new_id = RwSignal::new(String::new());
    let conflict = RwSignal::new(false);
    let state = FormState::new(label_of).explained(explain);
    let (save, reload) = editor_actions(existing.as_deref(), draft, new_id, state, conflict);
    let Choices { calendars, topics, groups, plans } = choices;
    let stored = draft.with_untracked(|d| d.clone());
    let calendar_choices =
        with_stored(calendars.iter().map(|c| (c.id.clone(), c.name.clone())).collect(), std::slice::from_ref(&stored.calendar));
    let group_choices: Vec<(String, String)> = groups.iter().map(|g| (g.id.clone(), g.name.clone())).collect();
    let priority_options = Priority::ALL.map(|p| (p, Signal::derive(move || i.t(&format!("priority.{}", wire(&p))).to_string()))).to_vec();
    let topic_options = {
        let named: Vec<(String, String)> = topics.iter().map(|t| (t.id.clone(), t.id.clone())).collect();
        with_stored(named, &stored.conditions.topics)
            .into_iter()
            .map(|(id, _)| {
                let name = topics.iter().find(|t| t.id == id).map(|t| t.name.clone());
                let label_id = id.clone();
                (id, Signal::derive(move || name.as_ref().map_or(label_id.clone(), |n| i.local(n))))
            })
            .collect()
    };
    let group_options =
        with_stored(group_choices.clone(), &stored.conditions.groups).into_iter().map(|(id, name)| (id, Signal::stored(name))).collect();
    let draft_id = Signal::derive(move || existing.clone().unwrap_or_else(|| new_id.get()));
    view! {
        <form on:submit=save novalidate>
            {creating.then(|| view! {
                {text_field(state, "plan-id", "id", "admin.id", move || new_id.get(), move |v| new_id.set(v))}
                <p class="help">{move || i.t("sla_admin.id_help")}</p>
            })}
            <div class="row">
                {text_field(state, "plan-name", "name", "admin.name", move || draft.with(|d| d.name.clone()), move |v| draft.update(|d| d.name = v))}
                {number_input(state, "plan-precedence".into(), "precedence".into(), Signal::derive(move || i.t("sla_admin.precedence").to_string()),
                    move || draft.with(|d| d.precedence.clone()), move |v| draft.update(|d| d.precedence = v), None)}
            </div>
            <p class="help">{move || i.t("sla_admin.precedence_help")}</p>
            <label class="choice">
                <input type="checkbox" prop:checked=move || draft.with(|d| d.active)
                    on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.active = on) }/>
                {move || i.t("admin.active")}
            </label>
            <div class="field">
                <label for="plan-calendar">{move || i.t("sla_admin.calendar")}</label>
                <select id="plan-calendar" aria-invalid=state.invalid("calendar".into()) aria-describedby="plan-calendar-error"
                    prop:value=move || draft.with(|d| d.calendar.clone())
                    on:change=move |ev| { let c = event_target_value(&ev); draft.update(|d| d.calendar = c) }>
                    {calendar_choices.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                {field_message(state, "calendar".into(), "plan-calendar")}
            </div>
            <h2>{move || i.t("sla_admin.conditions")}</h2>
            <p class="help">{move || i.t("sla_admin.conditions_help")}</p>
            {condition_choices(state, draft, ConditionList { id: "plan-priorities", legend: "sla_admin.priorities", prefix: "conditions.priorities",
                read: |c| &c.priorities, write: |c| &mut c.priorities }, priority_options)}
            {condition_choices(state, draft, ConditionList { id: "plan-topics", legend: "sla_admin.topics", prefix: "conditions.topics",
                read: |c| &c.topics, write: |c| &mut c.topics }, topic_options)}
            {condition_choices(state, draft, ConditionList { id: "plan-groups", legend: "nav.groups", prefix: "conditions.groups",
                read: |c| &c.groups, write: |c| &mut c.groups }, group_options)}
            {targets(state, draft)}
            {warning(state, draft)}
            {escalations(state, draft, group_choices)}
            <Preview draft=draft id=draft_id calendars=calendars topics=topics plans=plans/>
            <Conflict conflict=conflict reload=reload/>
            <Outcome state=state/>
            <button type="submit" class="primary">{move || i.t("common.save")}</button>
        </form>
    }
}

impl Draft for PlanDraft {
    type Input = SlaPlanInput;
    type Record = SlaPlan;
    const COLLECTION: &'static str = "plans";
    fn to_input(&self) -> Result<SlaPlanInput, Vec<FieldError>> {
        self.input()
    }
    fn of_record(plan: &SlaPlan) -> Self {
        PlanDraft::of(plan)
    }
    fn set_id(input: &mut SlaPlanInput, id: String) {
        input.id = Some(id);
    }
    fn id_of(plan: &SlaPlan) -> &str {
        &plan.id
    }
}
