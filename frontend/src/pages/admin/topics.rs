//! Admin: the topics and their forms. The list, and the editor of one topic (new at
//! `/admin/new-topic`, stored at `/admin/topics/:id`): names, default group (one of the existing
//! groups) and priority, and the form's fields with their kind, labels, options and order.

use super::editor::{FormState, Outcome, field_message, table_head, text_field, text_input};
use crate::api;
use crate::components::{ErrorBox, enum_option, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::api::{Items, TopicList};
use helpdesk_core::form::{FieldDef, FieldKind, FieldOption};
use helpdesk_core::text::LocalizedText;
use helpdesk_core::topic::TopicInput;
use helpdesk_core::user::Group;
use helpdesk_core::{Priority, Topic};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params};
use leptos_router::params::Params;

#[component]
pub fn Topics() -> impl IntoView {
    let i = use_i18n();
    let topics = api::Fetched::<TopicList>::fixed("/api/topics?all=true");
    let list = move || {
        Suspend::new(async move {
            match topics.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(list) => view! {
                    <table>
                        {table_head(&["admin.id", "admin.name", "admin.fields", "admin.active"])}
                        <tbody>{list.items.into_iter().map(|t| {
                            let name = t.name.clone();
                            view! {
                                <tr>
                                    <td><A href=format!("/admin/topics/{}", t.id)>{t.id.clone()}</A></td>
                                    <td>{move || i.local(&name)}</td>
                                    <td>{t.fields.len()}</td>
                                    <td>{move || i.t(if t.active { "common.yes" } else { "common.no" })}</td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }
                .into_any(),
            }
        })
    };
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("admin.topics")}</h1>
                <A href="/admin/new-topic" attr:class="button primary">{move || i.t("admin.new_topic")}</A>
            </div>
            {loaded(list)}
        </section>
    }
}

/// The route's parameter: absent at `/admin/new-topic`.
#[derive(Params, Clone, PartialEq)]
struct TopicParams {
    id: Option<String>,
}

fn empty_topic() -> TopicInput {
    TopicInput {
        id: None,
        version: None,
        name: LocalizedText::default(),
        description: LocalizedText::default(),
        fields: Vec::new(),
        default_group: "service-desk".into(),
        default_priority: Priority::Medium,
        active: true,
    }
}

fn topic_input(t: Topic) -> TopicInput {
    TopicInput {
        id: None,
        version: Some(t.version),
        name: t.name,
        description: t.description,
        fields: t.fields,
        default_group: t.default_group,
        default_priority: t.default_priority,
        active: t.active,
    }
}

/// Creates a topic (at `/admin/new-topic`) or edits one (at `/admin/topics/:id`): the stored
/// topic and the groups it may go to load first, then the form.
#[component]
pub fn TopicEditor() -> impl IntoView {
    let i = use_i18n();
    let params = use_params::<TopicParams>();
    let id = move || params.with(|p| p.as_ref().ok().and_then(|p| p.id.clone()));
    // Only a stored topic is fetched (again when the address names another).
    let stored = id().is_some().then(|| {
        api::Fetched::<Topic>::of(Signal::derive(move || {
            format!("/api/topics/{}", String::from(js_sys::encode_uri_component(&id().unwrap_or_default())))
        }))
    });
    let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
    let form = move || {
        Suspend::new(async move {
            let topic = match stored {
                Some(stored) => stored.load().await.map(Some),
                None => Ok(None),
            };
            match (topic, groups.load().await) {
                (Err(f), _) | (_, Err(f)) => view! { <ErrorBox failure=f/> }.into_any(),
                (Ok(topic), Ok(groups)) => {
                    let existing = topic.as_ref().map(|t| t.id.clone());
                    let input = topic.map_or_else(empty_topic, topic_input);
                    view! { <TopicForm existing=existing input=input groups=groups.items/> }.into_any()
                }
            }
        })
    };
    view! {
        <section class="card">
            <h1>{move || match id() {
                None => i.t("admin.new_topic").to_string(),
                Some(id) => format!("{}: {id}", i.t("admin.topic")),
            }}</h1>
            {loaded(form)}
        </section>
    }
}

/// Changes a field's kind, dropping what the new kind does not take (options, bounds).
fn set_kind(field: &mut FieldDef, kind: FieldKind) {
    field.kind = kind;
    if !kind.has_options() {
        field.options.clear();
    }
    if kind != FieldKind::Number {
        (field.min, field.max, field.integer) = (None, None, false);
    }
}

/// Sets one language of a text; blank removes that language.
fn set_lang(text: &mut LocalizedText, lang: &str, value: String) {
    if value.trim().is_empty() {
        text.0.remove(lang);
    } else {
        text.0.insert(lang.to_string(), value);
    }
}

fn lang_of(text: &LocalizedText, lang: &str) -> String {
    text.0.get(lang).cloned().unwrap_or_default()
}

/// A topic input's member (`name`, `fields[2].options[0].label`) as the editor labels it.
fn label_of(i: I18n, field: &str) -> String {
    let key = match field {
        "id" => "admin.id",
        "name" => "admin.name_en",
        "description" => "admin.description_en",
        "default_group" => "ticket.group",
        "default_priority" => "ticket.priority",
        "fields" => "admin.fields",
        _ => return field_label(i, field).unwrap_or_else(|| i.t("admin.form").to_string()),
    };
    i.t(key).to_string()
}

/// `fields[2].options[0].value` → "Field 3: Option value 1".
fn field_label(i: I18n, field: &str) -> Option<String> {
    let (n, part) = field.strip_prefix("fields[")?.split_once("].")?;
    let n: usize = n.parse().ok()?;
    let whole = format!("{} {}", i.t("admin.field"), n + 1);
    let part = match part.split_once('[') {
        Some(("options", rest)) => {
            let (j, member) = rest.split_once("].")?;
            let j = j.parse::<usize>().ok()? + 1;
            match member {
                "value" => format!("{} {j}", i.t("admin.option_value")),
                _ => format!("{} (en) {j}", i.t("admin.label")),
            }
        }
        _ => match part {
            "key" => i.t("admin.key").to_string(),
            "kind" => i.t("admin.kind").to_string(),
            "label" => i.t("admin.label_en").to_string(),
            "options" => i.t("admin.options").to_string(),
            "required" => i.t("admin.required").to_string(),
            "integer" => i.t("admin.whole_numbers").to_string(),
            _ => return Some(whole),
        },
    };
    Some(format!("{whole}: {part}"))
}

/// The editor's form, over the loaded topic (or a blank one) and the existing groups.
#[component]
fn TopicForm(existing: Option<String>, input: TopicInput, groups: Vec<Group>) -> impl IntoView {
    let i = use_i18n();
    let creating = existing.is_none();
    let draft = RwSignal::new(input);
    let new_id = RwSignal::new(String::new());
    let state = FormState::new(label_of);
    let navigate = use_navigate();
    // Rows are rebuilt only when the form's shape changes, not at every keystroke.
    let shape = Memo::new(move |_| draft.with(|d| d.fields.iter().map(|f| (f.kind, f.options.len())).collect::<Vec<_>>()));
    let edit = move |f: &dyn Fn(&mut TopicInput)| draft.update(|d| f(d));
    let top = move |f: &dyn Fn(&TopicInput) -> String| draft.with(|d| f(d));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut input = draft.get_untracked();
        let navigate = navigate.clone();
        let existing = existing.clone();
        spawn_local(async move {
            let answer = match &existing {
                None => {
                    input.id = Some(new_id.get_untracked());
                    api::send::<Topic>(Method::POST, "/api/topics", &input).await
                }
                Some(id) => api::send::<Topic>(Method::PUT, &format!("/api/topics/{id}"), &input).await,
            };
            match state.finish(answer) {
                Some(t) if existing.is_none() => navigate(&format!("/admin/topics/{}", t.id), Default::default()),
                Some(t) => draft.set(topic_input(t)),
                None => {}
            }
        });
    };
    // The stored group stays a choice even if it is gone, so the form shows what is stored.
    let current_group = draft.with_untracked(|d| d.default_group.clone());
    let mut group_choices: Vec<(String, String)> = groups.into_iter().map(|g| (g.id, g.name)).collect();
    if !group_choices.iter().any(|(id, _)| *id == current_group) {
        group_choices.push((current_group.clone(), current_group));
    }
    view! {
        <form on:submit=save novalidate>
            {creating.then(|| text_field(state, "topic-id", "id", "admin.id", move || new_id.get(), move |v| new_id.set(v)))}
            <div class="row">
                {text_field(state, "name-en", "name", "admin.name_en", move || top(&|d| lang_of(&d.name, "en")), move |v| edit(&|d| set_lang(&mut d.name, "en", v.clone())))}
                {text_field(state, "name-ru", "name.ru", "admin.name_ru", move || top(&|d| lang_of(&d.name, "ru")), move |v| edit(&|d| set_lang(&mut d.name, "ru", v.clone())))}
            </div>
            <div class="row">
                {text_field(state, "description-en", "description", "admin.description_en", move || top(&|d| lang_of(&d.description, "en")), move |v| edit(&|d| set_lang(&mut d.description, "en", v.clone())))}
                {text_field(state, "description-ru", "description.ru", "admin.description_ru", move || top(&|d| lang_of(&d.description, "ru")), move |v| edit(&|d| set_lang(&mut d.description, "ru", v.clone())))}
            </div>
            <div class="row">
                <div class="field">
                    <label for="topic-group">{move || i.t("ticket.group")}</label>
                    <select id="topic-group" aria-invalid=state.invalid("default_group".into()) aria-describedby="topic-group-error"
                        prop:value=move || top(&|d| d.default_group.clone())
                        on:change=move |ev| { let g = event_target_value(&ev); edit(&|d| d.default_group = g.clone()) }>
                        {group_choices.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                    {field_message(state, "default_group".into(), "topic-group")}
                </div>
                <div class="field">
                    <label for="topic-priority">{move || i.t("ticket.priority")}</label>
                    <select id="topic-priority" prop:value=move || top(&|d| wire(&d.default_priority))
                        on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<Priority>() { edit(&|d| d.default_priority = p) } }>
                        {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                    </select>
                </div>
            </div>
            <label class="choice">
                <input type="checkbox" prop:checked=move || draft.with(|d| d.active)
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(&|d| d.active = on) }/>
                {move || i.t("admin.active")}
            </label>
            <h2>{move || i.t("admin.fields")}</h2>
            {move || (0..shape.with(Vec::len)).map(|n| field_row(state, draft, shape, n)).collect_view()}
            <button type="button" id="topic-fields" aria-describedby="topic-fields-error"
                on:click=move |_| edit(&|d| d.fields.push(FieldDef::new("", LocalizedText::default(), FieldKind::Text, false)))>
                {move || i.t("admin.add_field")}
            </button>
            {field_message(state, "fields".into(), "topic-fields")}
            <Outcome state=state/>
            <button type="submit" class="primary">{move || i.t("common.save")}</button>
        </form>
    }
}

type Shape = Memo<Vec<(FieldKind, usize)>>;

/// The editor of the topic's field `n`.
fn field_row(state: FormState, draft: RwSignal<TopicInput>, shape: Shape, n: usize) -> impl IntoView {
    let i = use_i18n();
    let at = move |part: &str| format!("fields[{n}].{part}");
    let edit = move |f: &dyn Fn(&mut TopicInput)| draft.update(|d| f(d));
    let field = move |f: &dyn Fn(&FieldDef) -> String| draft.with(|d| d.fields.get(n).map(f).unwrap_or_default());
    let edit_field = move |f: &dyn Fn(&mut FieldDef)| {
        edit(&|d| {
            if let Some(x) = d.fields.get_mut(n) {
                f(x)
            }
        })
    };
    // Read tracked: the list of rows is rebuilt when the form's shape changes.
    let kind = shape.with(|s| s.get(n).map(|(k, _)| *k)).unwrap_or(FieldKind::Text);
    let option_count = shape.with(|s| s.get(n).map(|(_, c)| *c)).unwrap_or(0);
    let options = (0..option_count).map(move |j| {
        let option = move |f: &dyn Fn(&FieldOption) -> String| field(&|d| d.options.get(j).map(f).unwrap_or_default());
        let edit_option = move |f: &dyn Fn(&mut FieldOption)| {
            edit_field(&|d| {
                if let Some(o) = d.options.get_mut(j) {
                    f(o)
                }
            })
        };
        let input = move |member: &'static str, lang: Option<&'static str>| {
            let id = format!("f{n}-o{j}-{member}{}", lang.map_or(String::new(), |l| format!("-{l}")));
            let field = at(&format!("options[{j}].{member}"));
            let label = move || match lang {
                None => format!("{} {}", i.t("admin.option_value"), j + 1),
                Some(l) => format!("{} ({l}) {}", i.t("admin.label"), j + 1),
            };
            // Only the first input of a member carries its message.
            let marked = lang != Some("ru");
            view! {
                <input id=id.clone() aria-label=label
                    aria-invalid=state.invalid(if marked { field.clone() } else { String::new() }) aria-describedby=format!("{id}-error")
                    prop:value=move || option(&|o| match lang { None => o.value.clone(), Some(l) => lang_of(&o.label, l) })
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit_option(&|o| match lang { None => o.value = v.clone(), Some(l) => set_lang(&mut o.label, l, v.clone()) })
                    }/>
                {marked.then(|| field_message(state, field.clone(), &id))}
            }
        };
        view! {
            <div class="option-row">
                {input("value", None)}
                {input("label", Some("en"))}
                {input("label", Some("ru"))}
                <button type="button" class="link" on:click=move |_| edit_field(&|d| { if j < d.options.len() { d.options.remove(j); } })>
                    {move || i.t("admin.remove")}
                </button>
            </div>
        }
    });
    let labelled = move |key: &'static str| move || i.t(key).to_string();
    view! {
        <fieldset class="field-def">
            <legend>{move || format!("{} {}", i.t("admin.field"), n + 1)}</legend>
            <div class="row">
                {text_input(state, format!("f{n}-key"), at("key"), labelled("admin.key"), move || field(&|d| d.key.clone()), move |v| edit_field(&|d| d.key = v.clone()))}
                <div class="field">
                    <label for=format!("f{n}-kind")>{move || i.t("admin.kind")}</label>
                    <select id=format!("f{n}-kind") prop:value=wire(&kind) on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        if let Some(k) = FieldKind::ALL.into_iter().find(|k| wire(k) == chosen) {
                            edit_field(&|d| set_kind(d, k))
                        }
                    }>
                        {FieldKind::ALL.into_iter().map(|k| enum_option("kind", wire(&k))).collect_view()}
                    </select>
                </div>
            </div>
            <div class="row">
                {text_input(state, format!("f{n}-label-en"), at("label"), labelled("admin.label_en"), move || field(&|d| lang_of(&d.label, "en")), move |v| edit_field(&|d| set_lang(&mut d.label, "en", v.clone())))}
                {text_input(state, format!("f{n}-label-ru"), at("label.ru"), labelled("admin.label_ru"), move || field(&|d| lang_of(&d.label, "ru")), move |v| edit_field(&|d| set_lang(&mut d.label, "ru", v.clone())))}
            </div>
            <label class="choice">
                <input type="checkbox" prop:checked=move || draft.with(|d| d.fields.get(n).is_some_and(|f| f.required))
                    on:change=move |ev| { let on = event_target_checked(&ev); edit_field(&|d| d.required = on) }/>
                {move || i.t("admin.required")}
            </label>
            {(kind == FieldKind::Number).then(|| view! {
                <label class="choice">
                    <input type="checkbox" id=format!("f{n}-integer") aria-invalid=state.invalid(at("integer"))
                        prop:checked=move || draft.with(|d| d.fields.get(n).is_some_and(|f| f.integer))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit_field(&|d| d.integer = on) }/>
                    {move || i.t("admin.whole_numbers")}
                </label>
            })}
            {kind.has_options().then(|| view! {
                <div class="options" id=format!("f{n}-options") role="group" aria-labelledby=format!("f{n}-options-label")
                    aria-invalid=state.invalid(at("options")) aria-describedby=format!("f{n}-options-error")>
                    <p class="label" id=format!("f{n}-options-label")>{move || i.t("admin.options")}</p>
                    {options.collect_view()}
                    <button type="button" on:click=move |_| edit_field(&|d| d.options.push(FieldOption { value: String::new(), label: LocalizedText::default() }))>
                        {move || i.t("admin.add_option")}
                    </button>
                    {field_message(state, at("options"), &format!("f{n}-options"))}
                </div>
            })}
            // Problems with parts the editor has no input for (help, bounds, length).
            {["help", "min", "max", "max_length"].map(|part| field_message(state, at(part), &format!("f{n}-{part}"))).into_iter().collect_view()}
            <div class="actions">
                <button type="button" disabled=n == 0 on:click=move |_| edit(&|d| if n > 0 && n < d.fields.len() { d.fields.swap(n - 1, n) })>{move || i.t("admin.move_up")}</button>
                <button type="button" on:click=move |_| edit(&|d| if n + 1 < d.fields.len() { d.fields.swap(n, n + 1) })>{move || i.t("admin.move_down")}</button>
                <button type="button" class="link" on:click=move |_| edit(&|d| { if n < d.fields.len() { d.fields.remove(n); } })>{move || i.t("admin.remove_field")}</button>
            </div>
        </fieldset>
    }
}
