//! The calendar form's opening hours (24×7, or spans per weekday) and holidays. Each day's rows
//! are rebuilt only when its number of spans changes, so typing never loses focus, and the
//! buttons that add rows stay where they were.

use super::calendar_form::{CalendarDraft, DAYS, HolidayText, SpanText, label_of};
use crate::i18n::{I18n, use_i18n};
use crate::pages::admin::editor::{FormState, field_message};
use leptos::prelude::*;

/// 24×7 or weekly hours, and the weekly hours when chosen.
pub fn opening_hours(state: FormState, draft: RwSignal<CalendarDraft>) -> impl IntoView {
    let i = use_i18n();
    let round_the_clock = Memo::new(move |_| draft.with(|d| d.round_the_clock));
    let choose = move |on: bool| draft.update(|d| d.round_the_clock = on);
    view! {
        <fieldset id="cal-hours" aria-describedby="cal-hours-error" aria-invalid=state.invalid("hours".into())>
            <legend>{move || i.t("sla_admin.hours")}</legend>
            <label class="choice">
                <input type="radio" name="cal-open" prop:checked=round_the_clock on:change=move |_| choose(true)/>
                {move || i.t("sla_admin.round_the_clock")}
            </label>
            <label class="choice">
                <input type="radio" name="cal-open" prop:checked=move || !round_the_clock.get() on:change=move |_| choose(false)/>
                {move || i.t("sla_admin.weekly_hours")}
            </label>
            {field_message(state, "hours".into(), "cal-hours")}
            {move || (!round_the_clock.get()).then(|| view! {
                <p class="help">{move || i.t("sla_admin.hours_help")}</p>
                <div class="week">{(0..DAYS.len()).map(|d| day_hours(state, draft, d)).collect_view()}</div>
                <button type="button" on:click=move |_| draft.update(|x| {
                    let monday = x.days[0].clone();
                    x.days[1..5].iter_mut().for_each(|day| *day = monday.clone());
                })>{move || i.t("sla_admin.copy_monday")}</button>
            })}
        </fieldset>
    }
}

/// One weekday: its spans, or "closed".
fn day_hours(state: FormState, draft: RwSignal<CalendarDraft>, d: usize) -> impl IntoView {
    let i = use_i18n();
    let (day, name_key) = DAYS[d];
    let count = Memo::new(move |_| draft.with(|x| x.days[d].len()));
    let rows = move || {
        if count.get() == 0 {
            return view! { <p class="muted">{move || i.t("sla_admin.closed")}</p> }.into_any();
        }
        (0..count.get()).map(|j| span_row(state, draft, d, j)).collect_view().into_any()
    };
    view! {
        <fieldset class="day" id=format!("cal-{day}")>
            <legend>{move || i.t(name_key)}</legend>
            {rows}
            <button type="button" on:click=move |_| draft.update(|x| x.days[d].push(SpanText::default()))>
                {move || i.t("sla_admin.add_span")}
            </button>
        </fieldset>
    }
}

/// The span `j` of day `d`: opens, closes, remove; the server's problem with it beneath.
fn span_row(state: FormState, draft: RwSignal<CalendarDraft>, d: usize, j: usize) -> impl IntoView {
    let i = use_i18n();
    let day = DAYS[d].0;
    let field = format!("hours.{day}[{j}]");
    let id = format!("cal-{day}-{j}");
    let get =
        move |end: bool| draft.with(|x| x.days[d].get(j).map(|s| if end { s.end.clone() } else { s.start.clone() }).unwrap_or_default());
    let set = move |end: bool, value: String| {
        draft.update(|x| {
            if let Some(s) = x.days[d].get_mut(j) {
                if end { s.end = value } else { s.start = value }
            }
        })
    };
    let input = |end: bool| {
        let input_id = format!("{id}-{}", if end { "end" } else { "start" });
        view! {
            <div class="field">
                <label for=input_id.clone()>{move || i.t(if end { "sla_admin.closes" } else { "sla_admin.opens" })}</label>
                <input id=input_id type="time" aria-invalid=state.invalid(field.clone()) aria-describedby=format!("{id}-error")
                    prop:value=move || get(end) on:input=move |ev| set(end, event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <div class="span-row">
            {input(false)}
            {input(true)}
            <button type="button" class="link" aria-label=move || remove_named(i, &label_of(i, &format!("hours.{day}[{j}]")))
                on:click=move |_| draft.update(|x| { if j < x.days[d].len() { x.days[d].remove(j); } })>
                {move || i.t("admin.remove")}
            </button>
            {field_message(state, format!("hours.{day}[{j}]"), &id)}
        </div>
    }
}

/// The holidays: a date and a name each, and a button for another.
pub fn holidays(state: FormState, draft: RwSignal<CalendarDraft>) -> impl IntoView {
    let i = use_i18n();
    let count = Memo::new(move |_| draft.with(|x| x.holidays.len()));
    let rows = move || {
        (0..count.get())
            .map(|j| {
                let (date_id, name_id) = (format!("cal-holiday-{j}"), format!("cal-holiday-{j}-name"));
                let (date_field, name_field) = (format!("holidays[{j}].date"), format!("holidays[{j}].name"));
                view! {
                    <div class="span-row">
                        <div class="field">
                            <label for=date_id.clone()>{move || label_of(i, &format!("holidays[{j}].date"))}</label>
                            <input id=date_id.clone() type="date" aria-invalid=state.invalid(date_field.clone()) aria-describedby=format!("{date_id}-error")
                                prop:value=move || draft.with(|x| x.holidays.get(j).map(|h| h.date.clone()).unwrap_or_default())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    draft.update(|x| if let Some(h) = x.holidays.get_mut(j) { h.date = v })
                                }/>
                            {field_message(state, date_field.clone(), &date_id)}
                        </div>
                        <div class="field">
                            <label for=name_id.clone()>{move || label_of(i, &format!("holidays[{j}].name"))}</label>
                            <input id=name_id.clone() type="text" maxlength="80" aria-invalid=state.invalid(name_field.clone()) aria-describedby=format!("{name_id}-error")
                                prop:value=move || draft.with(|x| x.holidays.get(j).map(|h| h.name.clone()).unwrap_or_default())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    draft.update(|x| if let Some(h) = x.holidays.get_mut(j) { h.name = v })
                                }/>
                            {field_message(state, name_field.clone(), &name_id)}
                        </div>
                        <button type="button" class="link" aria-label=move || remove_named(i, &format!("{} {}", i.t("sla_admin.holiday"), j + 1))
                            on:click=move |_| draft.update(|x| { if j < x.holidays.len() { x.holidays.remove(j); } })>
                            {move || i.t("admin.remove")}
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset id="cal-holidays" aria-describedby="cal-holidays-error">
            <legend>{move || i.t("sla_admin.holidays")}</legend>
            <p class="help">{move || i.t("sla_admin.holidays_help")}</p>
            {rows}
            <button type="button" on:click=move |_| draft.update(|x| x.holidays.push(HolidayText::default()))>{move || i.t("sla_admin.add_holiday")}</button>
            {field_message(state, "holidays".into(), "cal-holidays")}
        </fieldset>
    }
}

/// "Remove Monday, hours 2": what a remove button removes, for those who do not see its row.
fn remove_named(i: I18n, what: &str) -> String {
    i.t("sla_admin.remove_named").replace("{what}", what)
}
