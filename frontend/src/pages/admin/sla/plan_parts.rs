//! The plan form's parts: the conditions (chosen from lists), the targets per priority (minutes,
//! read back as hours and minutes), the warning, and the escalations.

use super::hours_minutes;
use super::plan_form::{KINDS, PlanDraft, WarningKind, whole};
use crate::components::enum_option;
use crate::i18n::{I18n, use_i18n, wire};
use crate::pages::admin::editor::{FormState, field_message};
use helpdesk_core::Priority;
use helpdesk_core::sla::{AlertLevel, Conditions, Escalation, EscalationAction, TargetKind};
use leptos::prelude::*;

type Draft = RwSignal<PlanDraft>;

/// The first problem with a member of a list (`conditions.topics[2]`), under the list.
fn list_message(state: FormState, prefix: &'static str, id: &'static str) -> impl IntoView {
    let i = use_i18n();
    move || {
        let problem = state.problems.with(|all| all.iter().find(|p| p.field.starts_with(prefix)).cloned());
        problem.map(|p| view! { <p class="field-error" id=format!("{id}-error")>{state.message(i, &p)}</p> })
    }
}

/// One list of the conditions: where it is in [`Conditions`].
pub struct ConditionList<T: 'static> {
    pub id: &'static str,
    pub legend: &'static str,
    /// The API's member: problems with `conditions.topics[2]` show under the topics.
    pub prefix: &'static str,
    pub read: fn(&Conditions) -> &Vec<T>,
    pub write: fn(&mut Conditions) -> &mut Vec<T>,
}

/// Checkboxes choosing some of `options` (value, label) for one list of the conditions.
pub fn condition_choices<T: Clone + PartialEq + Send + Sync + 'static>(
    state: FormState,
    draft: Draft,
    list: ConditionList<T>,
    options: Vec<(T, Signal<String>)>,
) -> impl IntoView {
    let i = use_i18n();
    let ConditionList { id, legend, prefix, read, write } = list;
    let boxes = options
        .into_iter()
        .map(|(value, label)| {
            let checked = {
                let value = value.clone();
                move || draft.with(|d| read(&d.conditions).contains(&value))
            };
            view! {
                <label class="choice">
                    <input type="checkbox" prop:checked=checked on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        draft.update(|d| {
                            let chosen = write(&mut d.conditions);
                            chosen.retain(|x| *x != value);
                            if on { chosen.push(value.clone()) }
                        })
                    }/>
                    {label}
                </label>
            }
        })
        .collect_view();
    let invalid = move || state.problems.with(|all| all.iter().any(|p| p.field.starts_with(prefix))).to_string();
    view! {
        <fieldset id=id aria-describedby=format!("{id}-error") aria-invalid=invalid>
            <legend>{move || i.t(legend)}</legend>
            <div class="choices">{boxes}</div>
            {list_message(state, prefix, id)}
        </fieldset>
    }
}

/// A number typed as text (so what was typed is what is checked), with what it means beneath:
/// `reading` turns a readable value into words ("= 2 h 30 min").
pub fn number_input(
    state: FormState,
    id: String,
    field: String,
    label: Signal<String>,
    text: impl Fn() -> String + Send + Sync + Copy + 'static,
    set: impl Fn(String) + Copy + 'static,
    reading: Option<fn(I18n, u32) -> String>,
) -> impl IntoView {
    let i = use_i18n();
    let hint = reading.map(|reading| {
        let hint_id = format!("{id}-hint");
        view! { <p class="help" id=hint_id>{move || whole(&text()).ok().flatten().map(|m| reading(i, m)).unwrap_or_default()}</p> }
    });
    let described = if reading.is_some() { format!("{id}-hint {id}-error") } else { format!("{id}-error") };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id.clone() inputmode="numeric" autocomplete="off" aria-invalid=state.invalid(field.clone()) aria-describedby=described
                prop:value=text on:input=move |ev| set(event_target_value(&ev))/>
            {hint}
            {field_message(state, field, &id)}
        </div>
    }
}

/// The targets: per priority, a minutes input per target; a priority left blank has no clocks.
pub fn targets(state: FormState, draft: Draft) -> impl IntoView {
    let i = use_i18n();
    let reading: fn(I18n, u32) -> String = |i, m| format!("= {}", hours_minutes(i, m));
    let rows = Priority::ALL.into_iter().enumerate().map(|(p, priority)| {
        let name = wire(&priority);
        let inputs = KINDS.iter().enumerate().map(|(k, (_, member, label))| {
            let label = *label;
            number_input(
                state,
                format!("plan-{name}-{member}"),
                format!("targets.{name}.{member}"),
                Signal::derive(move || format!("{} ({})", i.t(label), i.t("unit.minute"))),
                move || draft.with(|d| d.targets[p][k].clone()),
                move |v| draft.update(|d| d.targets[p][k] = v),
                Some(reading),
            )
        });
        let legend = format!("priority.{name}");
        view! {
            <fieldset class="targets" id=format!("plan-{name}")>
                <legend>{move || i.t(&legend)}</legend>
                <div class="row">{inputs.collect_view()}</div>
            </fieldset>
        }
    });
    view! {
        <section aria-labelledby="plan-targets-title" id="plan-targets" aria-describedby="plan-targets-help plan-targets-error">
            <h2 id="plan-targets-title">{move || i.t("sla_admin.targets")}</h2>
            <p class="help" id="plan-targets-help">{move || i.t("sla_admin.targets_help")}</p>
            {field_message(state, "targets".into(), "plan-targets")}
            {rows.collect_view()}
        </section>
    }
}

/// How early to warn: not at all, a number of minutes before, or a share of the target.
pub fn warning(state: FormState, draft: Draft) -> impl IntoView {
    let i = use_i18n();
    let kind = Memo::new(move |_| draft.with(|d| d.warning));
    let kind_name = move || match kind.get() {
        WarningKind::None => "none",
        WarningKind::Minutes => "minutes",
        WarningKind::Percent => "percent",
    };
    let choose = move |ev| {
        let kind = match event_target_value(&ev).as_str() {
            "minutes" => WarningKind::Minutes,
            "percent" => WarningKind::Percent,
            _ => WarningKind::None,
        };
        draft.update(|d| d.warning = kind)
    };
    view! {
        <div class="row">
            <div class="field">
                <label for="plan-warning">{move || i.t("sla_admin.warning")}</label>
                <select id="plan-warning" prop:value=kind_name on:change=choose>
                    <option value="none">{move || i.t("sla_admin.warning.none")}</option>
                    <option value="minutes">{move || i.t("sla_admin.warning.minutes")}</option>
                    <option value="percent">{move || i.t("sla_admin.warning.percent")}</option>
                </select>
            </div>
            {move || (kind.get() != WarningKind::None).then(|| {
                let field = draft.with_untracked(|d| d.warning_field()).to_string();
                let label = if kind.get_untracked() == WarningKind::Percent { "sla_admin.warning_percent" } else { "sla_admin.warning_minutes" };
                number_input(
                    state,
                    "plan-warning-value".into(),
                    field,
                    Signal::derive(move || i.t(label).to_string()),
                    move || draft.with(|d| d.warning_value.clone()),
                    move |v| draft.update(|d| d.warning_value = v),
                    None,
                )
            })}
        </div>
    }
}

const LEVELS: [(AlertLevel, &str); 2] = [(AlertLevel::Warning, "event.sla_warning"), (AlertLevel::Breach, "event.sla_breached")];
const ACTIONS: [&str; 3] = ["raise_priority", "set_priority", "move_to_group"];

fn action_name(action: &EscalationAction) -> &'static str {
    match action {
        EscalationAction::RaisePriority => ACTIONS[0],
        EscalationAction::SetPriority { .. } => ACTIONS[1],
        EscalationAction::MoveToGroup { .. } => ACTIONS[2],
    }
}

/// The escalations: what happens on a warning or a breach.
pub fn escalations(state: FormState, draft: Draft, groups: Vec<(String, String)>) -> impl IntoView {
    let i = use_i18n();
    let count = Memo::new(move |_| draft.with(|d| d.escalations.len()));
    let groups = StoredValue::new(groups);
    let rows = move || (0..count.get()).map(|n| escalation_row(state, draft, groups, n)).collect_view();
    let add = move |_| {
        let new = Escalation { on: AlertLevel::Breach, target: None, action: EscalationAction::RaisePriority };
        draft.update(|d| d.escalations.push(new))
    };
    view! {
        <section aria-labelledby="plan-escalations-title">
            <h2 id="plan-escalations-title">{move || i.t("sla_admin.escalations")}</h2>
            {rows}
            <button type="button" on:click=add>{move || i.t("sla_admin.add_escalation")}</button>
        </section>
    }
}

fn escalation_row(state: FormState, draft: Draft, groups: StoredValue<Vec<(String, String)>>, n: usize) -> impl IntoView {
    let i = use_i18n();
    let id = move |part: &str| format!("plan-esc{n}-{part}");
    let get = move |f: fn(&Escalation) -> String| draft.with(|d| d.escalations.get(n).map(f).unwrap_or_default());
    let edit = move |f: &dyn Fn(&mut Escalation)| {
        draft.update(|d| {
            if let Some(e) = d.escalations.get_mut(n) {
                f(e)
            }
        })
    };
    let action = Memo::new(move |_| get(|e| action_name(&e.action).to_string()));
    let set_action = move |ev| {
        let chosen = event_target_value(&ev);
        let first_group = groups.with_value(|g| g.first().map(|(id, _)| id.clone()).unwrap_or_default());
        let action = match chosen.as_str() {
            "set_priority" => EscalationAction::SetPriority { priority: Priority::Urgent },
            "move_to_group" => EscalationAction::MoveToGroup { group: first_group },
            _ => EscalationAction::RaisePriority,
        };
        edit(&|e| e.action = action.clone())
    };
    let group_field = format!("escalations[{n}].action.group");
    let detail = move || {
        match action.get().as_str() {
        "set_priority" => Some(view! {
            <div class="field">
                <label for=id("priority")>{move || i.t("ticket.priority")}</label>
                <select id=id("priority") prop:value=move || get(|e| match &e.action { EscalationAction::SetPriority { priority } => wire(priority), _ => String::new() })
                    on:change=move |ev| { if let Ok(priority) = event_target_value(&ev).parse::<Priority>() { edit(&|e| e.action = EscalationAction::SetPriority { priority }) } }>
                    {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                </select>
            </div>
        }.into_any()),
        "move_to_group" => Some(view! {
            <div class="field">
                <label for=id("group")>{move || i.t("ticket.group")}</label>
                <select id=id("group") aria-invalid=state.invalid(group_field.clone()) aria-describedby=format!("{}-error", id("group"))
                    prop:value=move || get(|e| match &e.action { EscalationAction::MoveToGroup { group } => group.clone(), _ => String::new() })
                    on:change=move |ev| { let group = event_target_value(&ev); edit(&|e| e.action = EscalationAction::MoveToGroup { group: group.clone() }) }>
                    {groups.get_value().into_iter().map(|(value, name)| view! { <option value=value>{name}</option> }).collect_view()}
                </select>
                {field_message(state, group_field.clone(), &id("group"))}
            </div>
        }.into_any()),
        _ => None,
    }
    };
    let targets =
        [None, Some(TargetKind::FirstResponse), Some(TargetKind::NextResponse), Some(TargetKind::Resolution), Some(TargetKind::Deadline)];
    view! {
        <fieldset class="escalation" id=id("row")>
            <legend>{move || format!("{} {}", i.t("sla_admin.escalation"), n + 1)}</legend>
            <div class="row">
                <div class="field">
                    <label for=id("on")>{move || i.t("sla_admin.escalation_on")}</label>
                    <select id=id("on") prop:value=move || get(|e| wire(&e.on)) on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        if let Some((level, _)) = LEVELS.iter().find(|(l, _)| wire(l) == chosen) { edit(&|e| e.on = *level) }
                    }>
                        {LEVELS.map(|(level, key)| view! { <option value=wire(&level)>{move || i.t(key)}</option> }).into_iter().collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=id("target")>{move || i.t("sla_admin.escalation_target")}</label>
                    <select id=id("target") prop:value=move || get(|e| e.target.map(|t| wire(&t)).unwrap_or_default()) on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        let target = targets.into_iter().flatten().find(|t| wire(t) == chosen);
                        edit(&|e| e.target = target)
                    }>
                        {targets.map(|t| {
                            let key = t.map_or("sla_admin.any_target".to_string(), |t| format!("sla.{}", wire(&t)));
                            view! { <option value=t.map(|t| wire(&t)).unwrap_or_default()>{move || i.t(&key)}</option> }
                        }).into_iter().collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=id("action")>{move || i.t("sla_admin.escalation_action")}</label>
                    <select id=id("action") prop:value=move || action.get() on:change=set_action>
                        {ACTIONS.map(|a| { let key = format!("sla_admin.action.{a}"); view! { <option value=a>{move || i.t(&key)}</option> } }).into_iter().collect_view()}
                    </select>
                </div>
                {detail}
            </div>
            <button type="button" class="link" on:click=move |_| draft.update(|d| { if n < d.escalations.len() { d.escalations.remove(n); } })>
                {move || i.t("sla_admin.remove_escalation")}
            </button>
        </fieldset>
    }
}
