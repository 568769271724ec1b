//! Pieces the pages share: loading and error states, badges, and the topic form's fields.

use crate::api::Failure;
use crate::i18n::{I18n, use_i18n, wire};
use helpdesk_core::commands::FIELD_ERROR_PREFIX;
use helpdesk_core::form::{FieldDef, FieldKind, number_text};
use helpdesk_core::messages::{language_code, language_from_code, language_name};
use helpdesk_core::user::Language;
use helpdesk_core::{ErrorCode, FieldError};
use helpdesk_core::{Priority, Status};
use leptos::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a page shows once its resources have loaded: `content` awaits them (a `Suspend`) inside
/// a `<Transition>`: "Loading…" the first time, the old content while a later load runs.
pub fn loaded(content: impl Fn() -> Suspend<AnyView> + Send + Sync + 'static) -> impl IntoView {
    transition(std::sync::Arc::new(content))
}

/// One boundary type for every page (the content's type erased), so the suspense machinery is
/// compiled once, not once per page.
fn transition(content: std::sync::Arc<dyn Fn() -> Suspend<AnyView> + Send + Sync>) -> impl IntoView {
    view! { <Transition fallback=Loading>{move || content()}</Transition> }
}

#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! { <p class="loading" role="status" aria-live="polite">{move || i.t("common.loading")}</p> }
}

/// A failed request, in the user's language; `retry` offers to try again where trying again can
/// help (not for what is missing or not the user's to see).
#[component]
pub fn ErrorBox(failure: Failure, #[prop(optional, into)] retry: Option<Callback<()>>) -> impl IntoView {
    let i = use_i18n();
    let final_answer = matches!(&failure, Failure::Api(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::Forbidden));
    let retry = retry.filter(|_| !final_answer);
    view! {
        <div class="error" role="alert">
            <span>{move || i.failure(&failure)}</span>
            {retry.map(|retry| view! {
                <button type="button" class="link" on:click=move |_| retry.run(())>{move || i.t("common.retry")}</button>
            })}
        </div>
    }
}

/// A badge for an enum value: styled by `prefix-value`, labelled by the catalogue's `prefix.value`.
fn badge(prefix: &'static str, value: String) -> impl IntoView {
    let i = use_i18n();
    let class = format!("badge {prefix}-{value}");
    let key = format!("{prefix}.{value}");
    view! { <span class=class>{move || i.t(&key)}</span> }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    badge("status", wire(&status))
}

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    badge("priority", wire(&priority))
}

/// Field errors by the field they name (`subject`, `fields.model`, …).
pub type Errors = RwSignal<BTreeMap<String, FieldError>>;

pub fn errors_by_field(errors: Vec<FieldError>) -> BTreeMap<String, FieldError> {
    let mut map = BTreeMap::new();
    for e in errors {
        map.entry(e.field.clone()).or_insert(e);
    }
    map
}

/// The message under an input, linked to it by `aria-describedby`. `whole`: the input takes
/// whole numbers, and a value of the wrong type is a fraction.
#[component]
pub fn FieldMessage(errors: Errors, name: String, #[prop(optional)] whole: bool) -> impl IntoView {
    let i = use_i18n();
    let id = format!("{name}-error");
    let shown = name.clone();
    let message = move |e: &FieldError| match e.code {
        helpdesk_core::FieldErrorCode::WrongType if whole => i.t("field_error.whole_number"),
        _ => i.field_error(e),
    };
    move || {
        errors.with(|all| all.get(&shown).map(message)).map(|text| {
            view! { <p class="field-error" id=id.clone()>{text}</p> }
        })
    }
}

/// The input for one of a topic's form fields. Values are kept as the JSON the API takes; an
/// emptied input removes its key.
#[component]
pub fn FieldInput(def: FieldDef, values: RwSignal<BTreeMap<String, Value>>, errors: Errors) -> impl IntoView {
    let i = use_i18n();
    let key = def.key.clone();
    let name = format!("{FIELD_ERROR_PREFIX}{key}");
    let id = format!("field-{key}");
    let error_id = format!("{name}-error");
    let invalid = {
        let name = name.clone();
        move || errors.with(|e| e.contains_key(&name)).to_string()
    };
    let set = {
        let key = key.clone();
        move |value: Option<Value>| {
            values.update(|v| {
                match value {
                    Some(value) => v.insert(key.clone(), value),
                    None => v.remove(&key),
                };
            })
        }
    };
    let current = {
        let key = key.clone();
        move || values.with(|v| v.get(&key).cloned())
    };
    let text_of = {
        let current = current.clone();
        move || match current() {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.as_f64().map(number_text).unwrap_or_default(),
            _ => String::new(),
        }
    };
    let label = def.label.clone();
    let label_view = {
        let label = label.clone();
        let required = def.required;
        move || {
            let mark = if required { " *" } else { "" };
            format!("{}{mark}", i.local(&label))
        }
    };
    let help = def.help.clone().map(|help| view! { <p class="help">{move || i.local(&help)}</p> });
    let input = match def.kind {
        FieldKind::Text | FieldKind::AssetTag | FieldKind::Date | FieldKind::Number => {
            let kind = def.kind;
            let input_type = match kind {
                FieldKind::Date => "date",
                FieldKind::Number => "number",
                _ => "text",
            };
            let set = set.clone();
            // Number inputs: whole-number fields step by one; others take any decimal.
            let number = kind == FieldKind::Number;
            let step = number.then_some(if def.integer { "1" } else { "any" });
            let bound = |b: Option<f64>| if number { b.map(number_text) } else { None };
            view! {
                <input id=id.clone() type=input_type
                    required=def.required step=step min=bound(def.min) max=bound(def.max)
                    inputmode=(number && def.integer).then_some("numeric")
                    aria-invalid=invalid.clone() aria-describedby=error_id.clone()
                    prop:value=text_of.clone()
                    on:input=move |ev| {
                        let raw = event_target_value(&ev);
                        let value = match kind {
                            _ if raw.trim().is_empty() => None,
                            // A number the browser cannot read stays text, so the form check names it.
                            FieldKind::Number => Some(number_value(raw)),
                            _ => Some(Value::String(raw)),
                        };
                        set(value)
                    }/>
            }
            .into_any()
        }
        FieldKind::Multiline => {
            let set = set.clone();
            view! {
                <textarea id=id.clone() rows="4" required=def.required
                    aria-invalid=invalid.clone() aria-describedby=error_id.clone()
                    prop:value=text_of.clone()
                    on:input=move |ev| {
                        let raw = event_target_value(&ev);
                        set((!raw.trim().is_empty()).then_some(Value::String(raw)))
                    }></textarea>
            }
            .into_any()
        }
        FieldKind::Select => {
            let set = set.clone();
            let options = def.options.clone();
            view! {
                <select id=id.clone() required=def.required
                    aria-invalid=invalid.clone() aria-describedby=error_id.clone()
                    prop:value=text_of.clone()
                    on:change=move |ev| {
                        let raw = event_target_value(&ev);
                        set((!raw.is_empty()).then_some(Value::String(raw)))
                    }>
                    <option value="">{move || i.t("form.choose")}</option>
                    {options.into_iter().map(|o| {
                        let label = o.label.clone();
                        view! { <option value=o.value.clone()>{move || i.local(&label)}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        FieldKind::MultiSelect => {
            let options = def.options.clone();
            let key = key.clone();
            view! {
                <div class="choices" id=id.clone() role="group" aria-labelledby=format!("{id}-label") aria-describedby=error_id.clone()>
                    {options.into_iter().map(|o| {
                        let label = o.label.clone();
                        let value = o.value.clone();
                        let checked = {
                            let (key, value) = (key.clone(), value.clone());
                            move || values.with(|v| v.get(&key).and_then(Value::as_array).is_some_and(|a| a.iter().any(|x| x.as_str() == Some(value.as_str()))))
                        };
                        let key = key.clone();
                        view! {
                            <label class="choice">
                                <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    values.update(|v| {
                                        let mut list: Vec<Value> = v.get(&key).and_then(Value::as_array).cloned().unwrap_or_default();
                                        list.retain(|x| x.as_str() != Some(value.as_str()));
                                        if on { list.push(Value::String(value.clone())); }
                                        if list.is_empty() { v.remove(&key); } else { v.insert(key.clone(), Value::Array(list)); }
                                    })
                                }/>
                                {move || i.local(&label)}
                            </label>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        FieldKind::Checkbox => {
            let set = set.clone();
            let checked = move || current().and_then(|v| v.as_bool()).unwrap_or(false);
            view! {
                <input id=id.clone() type="checkbox" aria-describedby=error_id.clone()
                    prop:checked=checked
                    on:change=move |ev| set(event_target_checked(&ev).then_some(Value::Bool(true)))/>
            }
            .into_any()
        }
    };
    let is_group = def.kind == FieldKind::MultiSelect;
    view! {
        <div class="field" class:checkbox=def.kind == FieldKind::Checkbox>
            {if is_group {
                view! { <span class="label" id=format!("{id}-label")>{label_view.clone()}</span> }.into_any()
            } else {
                view! { <label for=id.clone()>{label_view.clone()}</label> }.into_any()
            }}
            {input}
            {help}
            <FieldMessage errors=errors name=name.clone() whole=def.integer/>
        </div>
    }
}

/// A stored field value as text: options by their label, flags as yes/no.
pub fn value_text(def: Option<&FieldDef>, value: &Value, i: I18n) -> String {
    let label_of =
        |v: &str| def.and_then(|d| d.options.iter().find(|o| o.value == v)).map_or(v.to_string(), |o| o.label.get(i.code()).to_string());
    let date = |v: &str| v.parse::<chrono::NaiveDate>().ok().filter(|_| def.is_some_and(|d| d.kind == FieldKind::Date));
    match value {
        Value::Bool(b) => i.t(if *b { "common.yes" } else { "common.no" }).to_string(),
        // A date field reads like every other date on the page.
        Value::String(s) if date(s).is_some() => date(s).map(|d| i.day(d)).unwrap_or_default(),
        Value::String(s) => label_of(s),
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(label_of).collect::<Vec<_>>().join(", "),
        Value::Number(n) => n.as_f64().map(number_text).unwrap_or_default(),
        _ => String::new(),
    }
}

/// What a number input holds, as the API takes it: whole numbers as integers (`3`, not `3.0`);
/// text the browser cannot read as a number stays text, so the form check names it.
fn number_value(raw: String) -> Value {
    match raw.trim().parse::<f64>() {
        Ok(n) if helpdesk_core::form::is_whole(n) => Value::from(n as i64),
        Ok(n) => serde_json::Number::from_f64(n).map_or(Value::String(raw), Value::Number),
        Err(_) => Value::String(raw),
    }
}

/// An `<option>` for an enum value, labelled from the catalogue entry `prefix.value`.
pub fn enum_option(prefix: &'static str, value: String) -> impl IntoView {
    let i = use_i18n();
    let key = format!("{prefix}.{value}");
    view! { <option value=value>{move || i.t(&key)}</option> }
}

/// The `<option>`s of a language picker: each language named in itself.
pub fn language_options() -> impl IntoView {
    Language::ALL.map(|l| view! { <option value=language_code(l)>{language_name(l)}</option> }).into_iter().collect_view()
}

/// The language an `<option>` value names (`en`, `ru`).
pub fn language_of(value: &str) -> Language {
    language_from_code(value).unwrap_or_default()
}
