//! Admin pages: topics and their forms, users, groups.

use crate::api::{self, Failure};
use crate::components::{ErrorBox, Loading, enum_option, language_of, language_options};
use crate::i18n::{I18n, use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::api::{Items, TopicList};
use helpdesk_core::form::{FieldDef, FieldKind, FieldOption};
use helpdesk_core::text::LocalizedText;
use helpdesk_core::topic::TopicInput;
use helpdesk_core::user::{Group, GroupInput, Language, User, UserInput};
use helpdesk_core::{ErrorCode, FieldError, Priority, Role, Topic};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

/// What a save came to: nothing yet, saved, or refused with field problems or a failure.
#[derive(Clone, Default)]
struct Outcome {
    saved: bool,
    problems: Vec<FieldError>,
    failure: Option<Failure>,
}

fn outcome<T>(answer: Result<T, Failure>) -> Outcome {
    match answer {
        Ok(_) => Outcome { saved: true, ..Default::default() },
        Err(Failure::Api(e)) if e.code == ErrorCode::ValidationFailed => Outcome { problems: e.fields, ..Default::default() },
        Err(f) => Outcome { failure: Some(f), ..Default::default() },
    }
}

#[component]
fn OutcomeView(outcome: RwSignal<Outcome>) -> impl IntoView {
    let i = use_i18n();
    move || {
        let o = outcome.get();
        view! {
            {o.saved.then(|| view! { <p class="ok" role="status">{move || i.t("admin.saved")}</p> })}
            {(!o.problems.is_empty()).then(|| view! {
                <div class="error" role="alert">
                    <p>{move || i.t("form.fix_marked")}</p>
                    <ul>{o.problems.iter().map(|p| {
                        let (field, text) = (p.field.clone(), i.field_error(p));
                        view! { <li><code>{field}</code>": "{text}</li> }
                    }).collect_view()}</ul>
                </div>
            })}
            {o.failure.map(|f| view! { <ErrorBox failure=f/> })}
        }
    }
}

fn text_input(
    i: I18n,
    id: String,
    label_key: &'static str,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || i.t(label_key)}</label>
            <input id=id prop:value=get on:input=move |ev| set(event_target_value(&ev))/>
        </div>
    }
}

/// Changes a field's kind, dropping what the new kind does not take (options, bounds).
fn set_kind(field: &mut FieldDef, kind: FieldKind) {
    field.kind = kind;
    if !kind.has_options() {
        field.options.clear();
    }
    if kind != FieldKind::Number {
        (field.min, field.max) = (None, None);
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

#[component]
pub fn Topics() -> impl IntoView {
    let i = use_i18n();
    let topics = LocalResource::new(|| api::get::<TopicList>("/api/topics?all=true"));
    let list = move || {
        topics.get().map(|answer| match answer {
            Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
            Ok(list) => view! {
                <table>
                    <thead><tr>
                        <th scope="col">{move || i.t("admin.id")}</th>
                        <th scope="col">{move || i.t("admin.name")}</th>
                        <th scope="col">{move || i.t("admin.fields")}</th>
                        <th scope="col">{move || i.t("admin.active")}</th>
                    </tr></thead>
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
        })
    };
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("admin.topics")}</h1>
                <A href="/admin/new-topic" attr:class="button primary">{move || i.t("admin.new_topic")}</A>
            </div>
            {move || list().unwrap_or_else(|| view! { <Loading/> }.into_any())}
        </section>
    }
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

/// Creates a topic (at `/admin/new-topic`) or edits one (at `/admin/topics/:id`).
#[component]
pub fn TopicEditor() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let existing = params.with_untracked(|p| p.get("id"));
    let creating = existing.is_none();
    let draft = RwSignal::new(None::<TopicInput>);
    let new_id = RwSignal::new(String::new());
    let load_failure = RwSignal::new(None::<Failure>);
    let result = RwSignal::new(Outcome::default());
    let navigate = use_navigate();
    match existing.clone() {
        None => draft.set(Some(empty_topic())),
        Some(id) => spawn_local(async move {
            match api::get::<Topic>(&format!("/api/topics/{id}")).await {
                Ok(t) => draft.set(Some(topic_input(t))),
                Err(f) => load_failure.set(Some(f)),
            }
        }),
    }
    // Rows are rebuilt only when the form's shape changes, not at every keystroke.
    let shape = Memo::new(move |_| {
        draft.with(|d| d.as_ref().map(|d| d.fields.iter().map(|f| (f.kind, f.options.len())).collect::<Vec<_>>()).unwrap_or_default())
    });
    let edit = move |f: &dyn Fn(&mut TopicInput)| {
        draft.update(|d| {
            if let Some(d) = d.as_mut() {
                f(d)
            }
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(mut input) = draft.get_untracked() else { return };
        let navigate = navigate.clone();
        let existing = existing.clone();
        spawn_local(async move {
            let answer = match &existing {
                None => {
                    let id = new_id.get_untracked();
                    input.id = Some(id.clone());
                    let r = api::send::<Topic>(Method::POST, "/api/topics", &input).await;
                    if r.is_ok() {
                        navigate(&format!("/admin/topics/{id}"), Default::default());
                    }
                    r
                }
                Some(id) => api::send::<Topic>(Method::PUT, &format!("/api/topics/{id}"), &input).await,
            };
            if let Ok(t) = &answer {
                draft.set(Some(topic_input(t.clone())));
            }
            result.set(outcome(answer));
        });
    };
    let field_row = move |n: usize| {
        let field =
            move |f: &dyn Fn(&FieldDef) -> String| draft.with(|d| d.as_ref().and_then(|d| d.fields.get(n)).map(f).unwrap_or_default());
        let edit_field = move |f: &dyn Fn(&mut FieldDef)| {
            edit(&|d| {
                if let Some(x) = d.fields.get_mut(n) {
                    f(x)
                }
            })
        };
        let kind = shape.with(|s| s.get(n).map(|(k, _)| *k)).unwrap_or(FieldKind::Text);
        let option_count = shape.with(|s| s.get(n).map(|(_, c)| *c)).unwrap_or(0);
        let options = (0..option_count).map(move |j| {
            let option = move |f: &dyn Fn(&FieldOption) -> String| field(&|d| d.options.get(j).map(f).unwrap_or_default());
            let edit_option = move |f: &dyn Fn(&mut FieldOption)| edit_field(&|d| if let Some(o) = d.options.get_mut(j) { f(o) });
            view! {
                <div class="option-row">
                    <input aria-label=move || format!("{} {}", i.t("admin.option_value"), j + 1) prop:value=move || option(&|o| o.value.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); edit_option(&|o| o.value = v.clone()) }/>
                    <input aria-label=move || format!("{} (en) {}", i.t("admin.label"), j + 1) prop:value=move || option(&|o| lang_of(&o.label, "en"))
                        on:input=move |ev| { let v = event_target_value(&ev); edit_option(&|o| set_lang(&mut o.label, "en", v.clone())) }/>
                    <input aria-label=move || format!("{} (ru) {}", i.t("admin.label"), j + 1) prop:value=move || option(&|o| lang_of(&o.label, "ru"))
                        on:input=move |ev| { let v = event_target_value(&ev); edit_option(&|o| set_lang(&mut o.label, "ru", v.clone())) }/>
                    <button type="button" class="link" on:click=move |_| edit_field(&|d| { if j < d.options.len() { d.options.remove(j); } })>
                        {move || i.t("admin.remove")}
                    </button>
                </div>
            }
        });
        view! {
            <fieldset class="field-def">
                <legend>{move || format!("{} {}", i.t("admin.field"), n + 1)}</legend>
                <div class="row">
                    {text_input(i, format!("f{n}-key"), "admin.key", move || field(&|d| d.key.clone()), move |v| edit_field(&|d| d.key = v.clone()))}
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
                    {text_input(i, format!("f{n}-label-en"), "admin.label_en", move || field(&|d| lang_of(&d.label, "en")), move |v| edit_field(&|d| set_lang(&mut d.label, "en", v.clone())))}
                    {text_input(i, format!("f{n}-label-ru"), "admin.label_ru", move || field(&|d| lang_of(&d.label, "ru")), move |v| edit_field(&|d| set_lang(&mut d.label, "ru", v.clone())))}
                </div>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || draft.with(|d| d.as_ref().and_then(|d| d.fields.get(n)).is_some_and(|f| f.required))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit_field(&|d| d.required = on) }/>
                    {move || i.t("admin.required")}
                </label>
                {kind.has_options().then(|| view! {
                    <div class="options">
                        <p class="label">{move || i.t("admin.options")}</p>
                        {options.collect_view()}
                        <button type="button" on:click=move |_| edit_field(&|d| d.options.push(FieldOption { value: String::new(), label: LocalizedText::default() }))>
                            {move || i.t("admin.add_option")}
                        </button>
                    </div>
                })}
                <div class="actions">
                    <button type="button" disabled=n == 0 on:click=move |_| edit(&|d| if n > 0 && n < d.fields.len() { d.fields.swap(n - 1, n) })>{move || i.t("admin.move_up")}</button>
                    <button type="button" on:click=move |_| edit(&|d| if n + 1 < d.fields.len() { d.fields.swap(n, n + 1) })>{move || i.t("admin.move_down")}</button>
                    <button type="button" class="link" on:click=move |_| edit(&|d| { if n < d.fields.len() { d.fields.remove(n); } })>{move || i.t("admin.remove_field")}</button>
                </div>
            </fieldset>
        }
    };
    let top = move |f: &dyn Fn(&TopicInput) -> String| draft.with(|d| d.as_ref().map(f).unwrap_or_default());
    let form = move || {
        let save = save.clone();
        draft.with(Option::is_some).then(|| view! {
            <form on:submit=save>
                {creating.then(|| text_input(i, "topic-id".into(), "admin.id", move || new_id.get(), move |v| new_id.set(v)))}
                <div class="row">
                    {text_input(i, "name-en".into(), "admin.name_en", move || top(&|d| lang_of(&d.name, "en")), move |v| edit(&|d| set_lang(&mut d.name, "en", v.clone())))}
                    {text_input(i, "name-ru".into(), "admin.name_ru", move || top(&|d| lang_of(&d.name, "ru")), move |v| edit(&|d| set_lang(&mut d.name, "ru", v.clone())))}
                </div>
                <div class="row">
                    {text_input(i, "topic-group".into(), "ticket.group", move || top(&|d| d.default_group.clone()), move |v| edit(&|d| d.default_group = v.clone()))}
                    <div class="field">
                        <label for="topic-priority">{move || i.t("ticket.priority")}</label>
                        <select id="topic-priority" prop:value=move || top(&|d| wire(&d.default_priority))
                            on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<Priority>() { edit(&|d| d.default_priority = p) } }>
                            {Priority::ALL.into_iter().map(|p| enum_option("priority", wire(&p))).collect_view()}
                        </select>
                    </div>
                </div>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.active))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit(&|d| d.active = on) }/>
                    {move || i.t("admin.active")}
                </label>
                <h2>{move || i.t("admin.fields")}</h2>
                {move || (0..shape.with(Vec::len)).map(field_row).collect_view()}
                <button type="button" on:click=move |_| edit(&|d| d.fields.push(FieldDef::new("", LocalizedText::default(), FieldKind::Text, false)))>
                    {move || i.t("admin.add_field")}
                </button>
                <OutcomeView outcome=result/>
                <button type="submit" class="primary">{move || i.t("common.save")}</button>
            </form>
        })
    };
    view! {
        <section class="card">
            <h1>{move || if creating { i.t("admin.new_topic").to_string() } else { format!("{}: {}", i.t("admin.topic"), params.with(|p| p.get("id").unwrap_or_default())) }}</h1>
            {move || match load_failure.get() {
                Some(f) => view! { <ErrorBox failure=f/> }.into_any(),
                None if draft.with(Option::is_none) => view! { <Loading/> }.into_any(),
                None => ().into_any(),
            }}
            {form}
        </section>
    }
}

/// The record a directory page (users, groups) is editing: its id (`None` while new) and the
/// input, the id typed for a new one, the last save's outcome, and a counter that reloads the list.
struct Editor<I: Send + Sync + 'static> {
    editing: RwSignal<Option<(Option<String>, I)>>,
    new_id: RwSignal<String>,
    result: RwSignal<Outcome>,
    reload: RwSignal<u32>,
}

impl<I: Send + Sync + 'static> Clone for Editor<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: Send + Sync + 'static> Copy for Editor<I> {}

impl<I: Clone + serde::Serialize + Send + Sync + 'static> Editor<I> {
    fn new() -> Self {
        Editor {
            editing: RwSignal::new(None),
            new_id: RwSignal::new(String::new()),
            result: RwSignal::new(Outcome::default()),
            reload: RwSignal::new(0),
        }
    }

    /// Starts editing `input` (of the record `id`, or a new one).
    fn open(self, id: Option<String>, input: I) {
        self.result.set(Outcome::default());
        self.new_id.set(String::new());
        self.editing.set(Some((id, input)));
    }

    fn edit(self, f: &dyn Fn(&mut I)) {
        self.editing.update(|e| {
            if let Some((_, input)) = e.as_mut() {
                f(input)
            }
        })
    }

    fn get(self, f: &dyn Fn(&I) -> String) -> String {
        self.editing.with(|e| e.as_ref().map(|(_, input)| f(input)).unwrap_or_default())
    }

    /// Creates (POST to `collection`) or replaces (PUT to `collection/{id}`) the record; a saved
    /// record stays open as stored, and the list reloads.
    fn save<T: serde::de::DeserializeOwned + 'static>(
        self,
        collection: &'static str,
        set_id: fn(&mut I, String),
        stored: fn(&T) -> (String, I),
    ) {
        let Some((id, mut input)) = self.editing.get_untracked() else { return };
        spawn_local(async move {
            let answer = match id {
                None => {
                    set_id(&mut input, self.new_id.get_untracked());
                    api::send::<T>(Method::POST, collection, &input).await
                }
                Some(id) => api::send::<T>(Method::PUT, &format!("{collection}/{id}"), &input).await,
            };
            if let Ok(record) = &answer {
                let (id, input) = stored(record);
                self.editing.set(Some((Some(id), input)));
                self.reload.update(|n| *n += 1);
            }
            self.result.set(outcome(answer));
        });
    }
}

fn user_input(u: &User) -> UserInput {
    UserInput {
        id: None,
        version: Some(u.version),
        name: u.name.clone(),
        email: u.email.clone(),
        phone: u.phone.clone(),
        language: u.language,
        department: u.department.clone(),
        location: u.location.clone(),
        telegram_chat_id: u.telegram_chat_id.clone(),
        role: u.role,
        groups: u.groups.clone(),
        active: u.active,
        password: None,
    }
}

fn optional(v: String) -> Option<String> {
    (!v.trim().is_empty()).then_some(v)
}

#[component]
pub fn Users() -> impl IntoView {
    let i = use_i18n();
    let editor = Editor::<UserInput>::new();
    let users = LocalResource::new(move || {
        editor.reload.track();
        api::get::<Items<User>>("/api/users")
    });
    let groups = LocalResource::new(|| api::get::<Items<Group>>("/api/groups"));
    let blank = || UserInput {
        id: None,
        version: None,
        name: String::new(),
        email: String::new(),
        phone: None,
        language: Language::En,
        department: None,
        location: None,
        telegram_chat_id: None,
        role: Role::Requester,
        groups: Vec::new(),
        active: true,
        password: None,
    };
    let edit = move |f: &dyn Fn(&mut UserInput)| editor.edit(f);
    let get = move |f: &dyn Fn(&UserInput) -> String| editor.get(f);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editor.save::<User>("/api/users", |input, id| input.id = Some(id), |u| (u.id.clone(), user_input(u)));
    };
    let table = move || {
        users.get().map(|answer| match answer {
            Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
            Ok(list) => view! {
                <div class="table-wrap"><table>
                    <thead><tr>
                        <th scope="col">{move || i.t("admin.id")}</th>
                        <th scope="col">{move || i.t("admin.name")}</th>
                        <th scope="col">{move || i.t("admin.role")}</th>
                        <th scope="col">{move || i.t("nav.groups")}</th>
                        <th scope="col">{move || i.t("admin.active")}</th>
                    </tr></thead>
                    <tbody>{list.items.into_iter().map(|u| {
                        let role = wire(&u.role);
                        let input = user_input(&u);
                        let id = u.id.clone();
                        view! {
                            <tr>
                                <td><button type="button" class="link" on:click=move |_| editor.open(Some(id.clone()), input.clone())>{u.id.clone()}</button></td>
                                <td>{u.name.clone()}</td>
                                <td>{move || i.t(&format!("role.{role}"))}</td>
                                <td>{u.groups.join(", ")}</td>
                                <td>{move || i.t(if u.active { "common.yes" } else { "common.no" })}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table></div>
            }
            .into_any(),
        })
    };
    let group_choices = move || {
        groups.get().and_then(Result::ok).map(|list| {
            list.items
                .into_iter()
                .map(|g| {
                    let id = g.id.clone();
                    let has = {
                        let id = id.clone();
                        move || editor.editing.with(|e| e.as_ref().is_some_and(|(_, u)| u.groups.contains(&id)))
                    };
                    view! {
                        <label class="choice">
                            <input type="checkbox" prop:checked=has on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit(&|u| { u.groups.retain(|x| x != &id); if on { u.groups.push(id.clone()) } })
                            }/>
                            {g.name.clone()}
                        </label>
                    }
                })
                .collect_view()
        })
    };
    let form = move || {
        editor.editing.with(|e| e.as_ref().map(|(id, _)| id.clone())).map(|id| {
            let creating = id.is_none();
            view! {
                <form class="card" on:submit=save>
                    <h2>{move || if creating { i.t("admin.new_user").to_string() } else { format!("{}: {}", i.t("admin.user"), id.clone().unwrap_or_default()) }}</h2>
                    {creating.then(|| text_input(i, "user-id".into(), "admin.id", move || editor.new_id.get(), move |v| editor.new_id.set(v)))}
                    <div class="row">
                        {text_input(i, "user-name".into(), "admin.name", move || get(&|u| u.name.clone()), move |v| edit(&|u| u.name = v.clone()))}
                        {text_input(i, "user-email".into(), "admin.email", move || get(&|u| u.email.clone()), move |v| edit(&|u| u.email = v.clone()))}
                    </div>
                    <div class="row">
                        {text_input(i, "user-phone".into(), "admin.phone", move || get(&|u| u.phone.clone().unwrap_or_default()), move |v| edit(&|u| u.phone = optional(v.clone())))}
                        {text_input(i, "user-department".into(), "admin.department", move || get(&|u| u.department.clone().unwrap_or_default()), move |v| edit(&|u| u.department = optional(v.clone())))}
                    </div>
                    <div class="row">
                        {text_input(i, "user-location".into(), "admin.location", move || get(&|u| u.location.clone().unwrap_or_default()), move |v| edit(&|u| u.location = optional(v.clone())))}
                        {text_input(i, "user-telegram".into(), "admin.telegram", move || get(&|u| u.telegram_chat_id.clone().unwrap_or_default()), move |v| edit(&|u| u.telegram_chat_id = optional(v.clone())))}
                    </div>
                    <div class="row">
                        <div class="field">
                            <label for="user-role">{move || i.t("admin.role")}</label>
                            <select id="user-role" prop:value=move || get(&|u| wire(&u.role)) on:change=move |ev| {
                                let chosen = event_target_value(&ev);
                                if let Some(r) = Role::PEOPLE.into_iter().find(|r| wire(r) == chosen) { edit(&|u| u.role = r) }
                            }>
                                {Role::PEOPLE.into_iter().map(|r| enum_option("role", wire(&r))).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="user-language">{move || i.t("nav.language")}</label>
                            <select id="user-language" prop:value=move || get(&|u| helpdesk_core::messages::language_code(u.language).to_string()) on:change=move |ev| {
                                let language = language_of(&event_target_value(&ev));
                                edit(&|u| u.language = language)
                            }>
                                {language_options()}
                            </select>
                        </div>
                    </div>
                    <fieldset><legend>{move || i.t("nav.groups")}</legend>{group_choices}</fieldset>
                    <label class="choice">
                        <input type="checkbox" prop:checked=move || editor.editing.with(|e| e.as_ref().is_some_and(|(_, u)| u.active))
                            on:change=move |ev| { let on = event_target_checked(&ev); edit(&|u| u.active = on) }/>
                        {move || i.t("admin.active")}
                    </label>
                    <div class="field">
                        <label for="user-password">{move || i.t("admin.new_password")}</label>
                        <input id="user-password" type="password" autocomplete="new-password"
                            prop:value=move || get(&|u| u.password.clone().unwrap_or_default())
                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|u| u.password = optional(v.clone())) }/>
                    </div>
                    <OutcomeView outcome=editor.result/>
                    <button type="submit" class="primary">{move || i.t("common.save")}</button>
                </form>
            }
        })
    };
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("nav.users")}</h1>
                <button type="button" class="primary" on:click=move |_| editor.open(None, blank())>{move || i.t("admin.new_user")}</button>
            </div>
            {form}
            {move || table().unwrap_or_else(|| view! { <Loading/> }.into_any())}
        </section>
    }
}

fn group_input(g: &Group) -> GroupInput {
    GroupInput { id: None, version: Some(g.version), name: g.name.clone(), description: g.description.clone() }
}

#[component]
pub fn Groups() -> impl IntoView {
    let i = use_i18n();
    let editor = Editor::<GroupInput>::new();
    let groups = LocalResource::new(move || {
        editor.reload.track();
        api::get::<Items<Group>>("/api/groups")
    });
    let edit = move |f: &dyn Fn(&mut GroupInput)| editor.edit(f);
    let get = move |f: &dyn Fn(&GroupInput) -> String| editor.get(f);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editor.save::<Group>("/api/groups", |input, id| input.id = Some(id), |g| (g.id.clone(), group_input(g)));
    };
    let table = move || {
        groups.get().map(|answer| match answer {
            Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
            Ok(list) => view! {
                <table>
                    <thead><tr><th scope="col">{move || i.t("admin.id")}</th><th scope="col">{move || i.t("admin.name")}</th></tr></thead>
                    <tbody>{list.items.into_iter().map(|g| {
                        let input = group_input(&g);
                        let id = g.id.clone();
                        view! {
                            <tr>
                                <td><button type="button" class="link" on:click=move |_| editor.open(Some(id.clone()), input.clone())>{g.id.clone()}</button></td>
                                <td>{g.name.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            }
            .into_any(),
        })
    };
    let form = move || {
        editor.editing.with(|e| e.as_ref().map(|(id, _)| id.is_none())).map(|creating| view! {
            <form class="card" on:submit=save>
                {creating.then(|| text_input(i, "group-id".into(), "admin.id", move || editor.new_id.get(), move |v| editor.new_id.set(v)))}
                {text_input(i, "group-name".into(), "admin.name", move || get(&|g| g.name.clone()), move |v| edit(&|g| g.name = v.clone()))}
                {text_input(i, "group-description".into(), "admin.description", move || get(&|g| g.description.clone().unwrap_or_default()), move |v| edit(&|g| g.description = optional(v.clone())))}
                <OutcomeView outcome=editor.result/>
                <button type="submit" class="primary">{move || i.t("common.save")}</button>
            </form>
        })
    };
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("nav.groups")}</h1>
                <button type="button" class="primary"
                    on:click=move |_| editor.open(None, GroupInput { id: None, version: None, name: String::new(), description: None })>{move || i.t("admin.new_group")}</button>
            </div>
            {form}
            {move || table().unwrap_or_else(|| view! { <Loading/> }.into_any())}
        </section>
    }
}
