//! The plan editor's preview: the due times a ticket of a chosen priority and topic, filed now,
//! would be given by the plan as it is being edited (not yet saved) and its calendar, computed
//! here by the domain crate with the rules the server's clocks use; and whether this plan would
//! be the one to cover such a ticket at all.

use super::plan_form::PlanDraft;
use crate::clock::BrowserZone;
use crate::clock::ticking;
use crate::components::enum_option;
use crate::i18n::{I18n, use_i18n, wire};
use chrono::{DateTime, Utc};
use helpdesk_core::calendar::Calendar;
use helpdesk_core::sla::SlaPlan;
use helpdesk_core::sla_preview::{Promise, Sample, covering, matches, promises};
use helpdesk_core::{Priority, Topic};
use leptos::prelude::*;

/// What the preview says: the promises, or why there are none, and a note on which plan applies.
#[derive(PartialEq)]
struct Outlook {
    promises: Vec<Promise>,
    /// Why there are no due times, or why this plan would not be the one used.
    notes: Vec<String>,
}

fn outlook(i: I18n, draft: &PlanDraft, id: &str, sample: Sample<'_>, choices: &Choices, at: DateTime<Utc>) -> Outlook {
    let plan = draft.preview_plan(id);
    let mut notes = Vec::new();
    let calendar = choices.calendars.iter().find(|c| c.id == plan.calendar);
    // The other plans as stored, this one as edited.
    let mut plans: Vec<SlaPlan> = choices.plans.iter().filter(|p| p.id != plan.id).cloned().collect();
    plans.push(plan.clone());
    if !plan.active {
        notes.push(i.t("sla_admin.preview_inactive").to_string());
    } else if !matches(&plan, sample) {
        notes.push(i.t("sla_admin.preview_no_match").to_string());
    } else if let Some(other) = covering(&plans, &choices.calendars, sample).filter(|p| p.id != plan.id) {
        notes.push(i.t("sla_admin.preview_other_plan").replace("{plan}", &other.name));
    }
    let targets = plan.targets.get(&sample.priority);
    let promises = match (calendar, targets) {
        (None, _) => {
            notes.push(i.t("sla_admin.preview_no_calendar").to_string());
            Vec::new()
        }
        (_, None) => {
            notes.push(i.t("sla_admin.preview_no_targets").to_string());
            Vec::new()
        }
        (Some(calendar), Some(targets)) => match BrowserZone::new(&calendar.time_zone) {
            Some(zone) => promises(targets, plan.warning, calendar, &zone, at),
            None => {
                notes.push(i.t("sla_admin.preview_unknown_zone").to_string());
                Vec::new()
            }
        },
    };
    Outlook { promises, notes }
}

#[derive(Clone)]
struct Choices {
    calendars: Vec<Calendar>,
    topics: Vec<Topic>,
    plans: Vec<SlaPlan>,
}

#[component]
pub fn Preview(
    draft: RwSignal<PlanDraft>,
    id: Signal<String>,
    calendars: Vec<Calendar>,
    topics: Vec<Topic>,
    plans: Vec<SlaPlan>,
) -> impl IntoView {
    let i = use_i18n();
    // Start from a ticket the plan is about: its first priority and topic, if it names some.
    let (first_priority, first_topic) =
        draft.with_untracked(|d| (d.conditions.priorities.first().copied(), d.conditions.topics.first().cloned()));
    let priority = RwSignal::new(first_priority.unwrap_or(Priority::High));
    let topic = RwSignal::new(first_topic.or_else(|| topics.iter().find(|t| t.active).map(|t| t.id.clone())).unwrap_or_default());
    // "Now" moves on while the page is open.
    let at = ticking(30);
    let topic_choices: Vec<(String, helpdesk_core::text::LocalizedText)> =
        topics.iter().filter(|t| t.active).map(|t| (t.id.clone(), t.name.clone())).collect();
    let choices = StoredValue::new(Choices { calendars, topics, plans });
    let result = Memo::new(move |_| {
        let (topic_id, at) = (topic.get(), at.get());
        let group = choices.with_value(|c| c.topics.iter().find(|t| t.id == topic_id).map(|t| t.default_group.clone())).unwrap_or_default();
        let sample = Sample { priority: priority.get(), topic: &topic_id, group: &group };
        let id = id.get();
        draft.with(|d| choices.with_value(|c| outlook(i, d, &id, sample, c, at)))
    });
    let topic_name = move || {
        let id = topic.get();
        choices.with_value(|c| c.topics.iter().find(|t| t.id == id).map_or(id.clone(), |t| i.local(&t.name)))
    };
    let sentence = move || {
        i.t("sla_admin.preview_sentence")
            .replace("{priority}", i.t(&format!("priority.{}", wire(&priority.get()))))
            .replace("{topic}", &topic_name())
            .replace("{now}", &i.when(at.get()))
    };
    let lines = move || {
        result.with(|r| {
            r.promises
                .iter()
                .map(|p| {
                    let (target, due, warn) = (wire(&p.target), p.due_at, p.warn_at);
                    let label = format!("sla.{target}");
                    view! {
                        <li data-target=target>
                            <span>{move || i.t(&label)}</span>": "
                            <time>{move || due.map_or_else(|| i.t("sla_admin.preview_never").to_string(), |d| i.when(d))}</time>
                            {warn.map(|w| view! { " " <span class="muted">{move || i.t("sla_admin.preview_warning").replace("{when}", &i.when(w))}</span> })}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let notes = move || result.with(|r| r.notes.iter().map(|n| view! { <p class="warning">{n.clone()}</p> }).collect_view());
    view! {
        <section class="sla-preview" id="sla-preview" aria-labelledby="sla-preview-title">
            <h2 id="sla-preview-title">{move || i.t("sla_admin.preview")}</h2>
            <div class="row">
                <div class="field">
                    <label for="preview-priority">{move || i.t("ticket.priority")}</label>
                    <select id="preview-priority" prop:value=move || wire(&priority.get())
                        on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<Priority>() { priority.set(p) } }>
                        {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="preview-topic">{move || i.t("ticket.topic")}</label>
                    <select id="preview-topic" prop:value=move || topic.get() on:change=move |ev| topic.set(event_target_value(&ev))>
                        {topic_choices.into_iter().map(|(id, name)| view! { <option value=id>{move || i.local(&name)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <div aria-live="polite">
                <p>{sentence}</p>
                <ul>{lines}</ul>
                {notes}
            </div>
        </section>
    }
}
