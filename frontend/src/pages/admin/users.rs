//! Admin: the user accounts, searched by id or name and listed a page at a time (disabled
//! accounts on request), and the editor of one: profile, role, groups, language, password,
//! active; it warns when mail to the account's address bounced.

use super::editor::{Editor, Outcome, field_message, optional, pager, table_head, text_field};
use crate::api;
use crate::components::{ErrorBox, enum_option, language_of, language_options, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use chrono::{DateTime, Utc};
use helpdesk_core::Role;
use helpdesk_core::api::{Items, Paged, UserView};
use helpdesk_core::user::{Group, Language, UserInput};
use leptos::prelude::*;

const PAGE_SIZE: &str = "25";

fn user_input(u: &UserView) -> UserInput {
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
        knowledge_editor: u.knowledge_editor,
        active: u.active,
        password: None,
    }
}

fn blank() -> UserInput {
    UserInput {
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
        knowledge_editor: false,
        active: true,
        password: None,
    }
}

/// A user input's member as the form labels it.
fn label_of(i: I18n, field: &str) -> String {
    let key = match field.split('[').next().unwrap_or(field) {
        "id" => "admin.id",
        "name" => "admin.name",
        "email" => "admin.email",
        "phone" => "admin.phone",
        "department" => "admin.department",
        "location" => "admin.location",
        "telegram_chat_id" => "admin.telegram",
        "role" => "admin.role",
        "language" => "nav.language",
        "groups" => "nav.groups",
        "active" => "admin.active",
        "knowledge_editor" => "admin.knowledge_editor",
        "password" => "admin.new_password",
        _ => "admin.form",
    };
    i.t(key).to_string()
}

#[component]
pub fn Users() -> impl IntoView {
    let i = use_i18n();
    let editor = Editor::<UserInput>::new(label_of);
    // When mail to the open account's address bounced, as last read or saved.
    let bounced = RwSignal::new(None::<DateTime<Utc>>);
    let search = RwSignal::new(String::new());
    let everyone = RwSignal::new(false);
    // The cursors of the pages before this one, and of this one; a new search starts again.
    let cursors = RwSignal::new(Vec::<String>::new());
    let users = api::Fetched::<Paged<UserView>>::of(Signal::derive(move || {
        editor.reload.track();
        let pairs = [
            ("q", search.get().trim().to_string()),
            ("all", if everyone.get() { "true".into() } else { String::new() }),
            ("cursor", cursors.with(|c| c.last().cloned().unwrap_or_default())),
            ("limit", PAGE_SIZE.into()),
        ];
        api::with_query("/api/users", &pairs)
    }));
    let table = move || {
        Suspend::new(async move {
            match users.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(page) => {
                    let next = page.next_cursor.clone();
                    view! {
                        <div class="table-wrap"><table>
                            {table_head(&["admin.id", "admin.name", "admin.role", "nav.groups", "admin.active"])}
                            <tbody>{page.items.into_iter().map(|u| {
                                let role = wire(&u.role);
                                let input = user_input(&u);
                                let (id, bounced_at) = (u.id.clone(), u.mail_bounced_at);
                                view! {
                                    <tr>
                                        <td><button type="button" class="link" on:click=move |_| {
                                            bounced.set(bounced_at);
                                            editor.open(Some(id.clone()), input.clone())
                                        }>{u.id.clone()}</button></td>
                                        <td>{u.name.clone()}</td>
                                        <td>{move || i.t(&format!("role.{role}"))}</td>
                                        <td>{u.groups.join(", ")}</td>
                                        <td>{move || i.t(if u.active { "common.yes" } else { "common.no" })}</td>
                                    </tr>
                                }
                            }).collect_view()}</tbody>
                        </table></div>
                        {pager(i, cursors, next)}
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("nav.users")}</h1>
                <button type="button" class="primary" on:click=move |_| { bounced.set(None); editor.open(None, blank()) }>{move || i.t("admin.new_user")}</button>
            </div>
            <UserForm editor=editor bounced=bounced/>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <div class="filter">
                    <label for="user-search">{move || i.t("admin.search")}</label>
                    <input id="user-search" type="search" prop:value=search
                        on:input=move |ev| { search.set(event_target_value(&ev)); cursors.set(Vec::new()) }/>
                </div>
                <label class="choice">
                    <input type="checkbox" prop:checked=everyone
                        on:change=move |ev| { everyone.set(event_target_checked(&ev)); cursors.set(Vec::new()) }/>
                    {move || i.t("admin.show_disabled")}
                </label>
            </form>
            {loaded(table)}
        </section>
    }
}

/// The account being edited, if any; `bounced`: when mail to its stored address bounced.
#[component]
fn UserForm(editor: Editor<UserInput>, bounced: RwSignal<Option<DateTime<Utc>>>) -> impl IntoView {
    let i = use_i18n();
    let state = editor.state;
    let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
    let edit = move |f: &dyn Fn(&mut UserInput)| editor.edit(f);
    let get = move |f: &dyn Fn(&UserInput) -> String| editor.get(f);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A new address clears the bounce: the server says so in the stored record.
        editor.save_then::<UserView>(
            "/api/users",
            |input, id| input.id = Some(id),
            |u| (u.id.clone(), user_input(u)),
            move |u| bounced.set(u.mail_bounced_at),
        );
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
    move || {
        editor.editing.with(|e| e.as_ref().map(|(id, _)| id.clone())).map(|id| {
            let creating = id.is_none();
            view! {
                <form class="card" on:submit=save novalidate>
                    <h2>{move || if creating { i.t("admin.new_user").to_string() } else { format!("{}: {}", i.t("admin.user"), id.clone().unwrap_or_default()) }}</h2>
                    {creating.then(|| text_field(state, "user-id", "id", "admin.id", move || editor.new_id.get(), move |v| editor.new_id.set(v)))}
                    <div class="row">
                        {text_field(state, "user-name", "name", "admin.name", move || get(&|u| u.name.clone()), move |v| edit(&|u| u.name = v.clone()))}
                        {text_field(state, "user-email", "email", "admin.email", move || get(&|u| u.email.clone()), move |v| edit(&|u| u.email = v.clone()))}
                    </div>
                    {move || bounced.get().map(|at| view! {
                        <p class="warning" id="user-email-bounced">{move || i.t("admin.mail_bounced").replace("{when}", &i.when(at))}</p>
                    })}
                    <div class="row">
                        {text_field(state, "user-phone", "phone", "admin.phone", move || get(&|u| u.phone.clone().unwrap_or_default()), move |v| edit(&|u| u.phone = optional(v.clone())))}
                        {text_field(state, "user-department", "department", "admin.department", move || get(&|u| u.department.clone().unwrap_or_default()), move |v| edit(&|u| u.department = optional(v.clone())))}
                    </div>
                    <div class="row">
                        {text_field(state, "user-location", "location", "admin.location", move || get(&|u| u.location.clone().unwrap_or_default()), move |v| edit(&|u| u.location = optional(v.clone())))}
                        {text_field(state, "user-telegram", "telegram_chat_id", "admin.telegram", move || get(&|u| u.telegram_chat_id.clone().unwrap_or_default()), move |v| edit(&|u| u.telegram_chat_id = optional(v.clone())))}
                    </div>
                    <div class="row">
                        <div class="field">
                            <label for="user-role">{move || i.t("admin.role")}</label>
                            <select id="user-role" aria-invalid=state.invalid("role".into()) aria-describedby="user-role-error"
                                prop:value=move || get(&|u| wire(&u.role)) on:change=move |ev| {
                                let chosen = event_target_value(&ev);
                                // Writing articles is an agent's flag (admins may anyway): it goes with the role.
                                if let Some(r) = Role::PEOPLE.into_iter().find(|r| wire(r) == chosen) { edit(&|u| { u.role = r; u.knowledge_editor &= r == Role::Agent }) }
                            }>
                                {Role::PEOPLE.into_iter().map(|r| enum_option("role", wire(&r))).collect_view()}
                            </select>
                            {field_message(state, "role".into(), "user-role")}
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
                    <fieldset id="user-groups" aria-describedby="user-groups-error"
                        aria-invalid=move || state.problems.with(|p| p.iter().any(|p| p.field.starts_with("groups"))).to_string()>
                        <legend>{move || i.t("nav.groups")}</legend>
                        {group_choices}
                        {move || (get(&|u| wire(&u.role)) == wire(&Role::Manager)).then(|| view! { <p class="help">{move || i.t("admin.manager_groups")}</p> })}
                        {move || state.problems.with(|p| p.iter().find(|p| p.field.starts_with("groups")).cloned()).map(|p| {
                            view! { <p class="field-error" id="user-groups-error">{i.field_error(&p)}</p> }
                        })}
                    </fieldset>
                    {move || (get(&|u| wire(&u.role)) == wire(&Role::Agent)).then(|| view! {
                        <div><label class="choice">
                            <input type="checkbox" id="user-knowledge-editor" aria-describedby="user-knowledge-editor-error"
                                prop:checked=move || editor.editing.with(|e| e.as_ref().is_some_and(|(_, u)| u.knowledge_editor))
                                on:change=move |ev| { let on = event_target_checked(&ev); edit(&|u| u.knowledge_editor = on) }/>
                            {move || i.t("admin.knowledge_editor")}
                        </label></div>
                        {field_message(state, "knowledge_editor".into(), "user-knowledge-editor")}
                    })}
                    <label class="choice">
                        <input type="checkbox" prop:checked=move || editor.editing.with(|e| e.as_ref().is_some_and(|(_, u)| u.active))
                            on:change=move |ev| { let on = event_target_checked(&ev); edit(&|u| u.active = on) }/>
                        {move || i.t("admin.active")}
                    </label>
                    <div class="field">
                        <label for="user-password">{move || i.t("admin.new_password")}</label>
                        <input id="user-password" type="password" autocomplete="new-password"
                            aria-invalid=state.invalid("password".into()) aria-describedby="user-password-error"
                            prop:value=move || get(&|u| u.password.clone().unwrap_or_default())
                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|u| u.password = optional(v.clone())) }/>
                        {field_message(state, "password".into(), "user-password")}
                    </div>
                    <Outcome state=state/>
                    <button type="submit" class="primary">{move || i.t("common.save")}</button>
                </form>
            }
        })
    }
}
