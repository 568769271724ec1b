//! Admin: the groups (queues) tickets go to, and the editor of one.

use super::editor::{Editor, Outcome, optional, table_head, text_field};
use super::group_telegram::GroupTelegram;
use crate::api;
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n};
use helpdesk_core::api::Items;
use helpdesk_core::user::{Group, GroupInput};
use leptos::prelude::*;

fn group_input(g: &Group) -> GroupInput {
    GroupInput { id: None, version: Some(g.version), name: g.name.clone(), names: g.names.clone(), description: g.description.clone() }
}

/// A group input's member as the form labels it.
fn label_of(i: I18n, field: &str) -> String {
    i.t(match field {
        "id" => "admin.id",
        "name" => "admin.name",
        "names.ru" => "admin.name_ru",
        "description" => "admin.description",
        _ => "admin.form",
    })
    .to_string()
}

#[component]
pub fn Groups() -> impl IntoView {
    let i = use_i18n();
    let editor = Editor::<GroupInput>::new(label_of);
    let state = editor.state;
    let groups = api::Fetched::<Items<Group>>::of(Signal::derive(move || {
        editor.reload.track();
        "/api/groups".to_string()
    }));
    let edit = move |f: &dyn Fn(&mut GroupInput)| editor.edit(f);
    let get = move |f: &dyn Fn(&GroupInput) -> String| editor.get(f);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editor.save::<Group>("/api/groups", |input, id| input.id = Some(id), |g| (g.id.clone(), group_input(g)));
    };
    let table = move || {
        Suspend::new(async move {
            match groups.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(list) => view! {
                    <table>
                        {table_head(&["admin.id", "admin.name", "admin.name_ru"])}
                        <tbody>{list.items.into_iter().map(|g| {
                            let input = group_input(&g);
                            let id = g.id.clone();
                            view! {
                                <tr>
                                    <td><button type="button" class="link" on:click=move |_| editor.open(Some(id.clone()), input.clone())>{g.id.clone()}</button></td>
                                    <td>{g.name.clone()}</td>
                                    <td>{g.names.0.get("ru").cloned().unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }
                .into_any(),
            }
        })
    };
    let form = move || {
        editor.editing.with(|e| e.as_ref().map(|(id, _)| id.is_none())).map(|creating| view! {
            <form class="card" on:submit=save novalidate>
                {creating.then(|| text_field(state, "group-id", "id", "admin.id", move || editor.new_id.get(), move |v| editor.new_id.set(v)))}
                {text_field(state, "group-name", "name", "admin.name", move || get(&|g| g.name.clone()), move |v| edit(&|g| g.name = v.clone()))}
                {text_field(state, "group-name-ru", "names.ru", "admin.name_ru", move || get(&|g| g.names.0.get("ru").cloned().unwrap_or_default()), move |v| edit(&|g| { g.names.0.insert("ru".into(), v.clone()); }))}
                {text_field(state, "group-description", "description", "admin.description", move || get(&|g| g.description.clone().unwrap_or_default()), move |v| edit(&|g| g.description = optional(v.clone())))}
                <Outcome state=state/>
                <button type="submit" class="primary">{move || i.t("common.save")}</button>
            </form>
        })
    };
    // The group open in the editor, once it exists: a memo, so typing in the form does not draw
    // the Telegram section (and load its chat) anew.
    let saved_group = Memo::new(move |_| editor.editing.with(|e| e.as_ref().and_then(|(id, _)| id.clone())));
    let telegram = move || saved_group.get().map(|group| view! { <GroupTelegram group=group/> });
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("nav.groups")}</h1>
                <button type="button" class="primary"
                    on:click=move |_| editor.open(None, GroupInput { id: None, version: None, name: String::new(), names: Default::default(), description: None })>{move || i.t("admin.new_group")}</button>
            </div>
            {form}
            {telegram}
            {loaded(table)}
        </section>
    }
}
