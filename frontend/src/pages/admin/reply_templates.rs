//! Admin: reply templates (canned responses) agents insert into replies, a name and a text per
//! language with placeholders the ticket page fills in. Knowledge editors and admins write them.

use super::editor::{Editor, Outcome, field_message, table_head, text_field};
use crate::api;
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n};
use helpdesk_core::api::Items;
use helpdesk_core::templates::{PLACEHOLDERS, ReplyTemplate, ReplyTemplateInput};
use leptos::prelude::*;

fn template_input(t: &ReplyTemplate) -> ReplyTemplateInput {
    ReplyTemplateInput { id: None, name: t.name.clone(), bodies: t.bodies.clone(), version: Some(t.version) }
}

fn label_of(i: I18n, field: &str) -> String {
    i.t(match field {
        "id" => "admin.id",
        "name" => "admin.name",
        "bodies" | "bodies.en" => "templates.body_en",
        "bodies.ru" => "templates.body_ru",
        _ => "admin.form",
    })
    .to_string()
}

/// A labelled text area for the body in `lang`.
fn body_field(editor: Editor<ReplyTemplateInput>, lang: &'static str, label_key: &'static str) -> impl IntoView {
    let i = use_i18n();
    let id = format!("template-body-{lang}");
    let field = format!("bodies.{lang}");
    view! {
        <div class="field">
            <label for=id.clone()>{move || i.t(label_key)}</label>
            <textarea id=id.clone() rows="6" aria-invalid=editor.state.invalid(field.clone()) aria-describedby=format!("{id}-error")
                prop:value=move || editor.get(&|t| t.bodies.0.get(lang).cloned().unwrap_or_default())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    editor.edit(&|t| {
                        if value.is_empty() { t.bodies.0.remove(lang); } else { t.bodies.0.insert(lang.into(), value.clone()); }
                    })
                }></textarea>
            {field_message(editor.state, field, &id)}
        </div>
    }
}

#[component]
pub fn ReplyTemplates() -> impl IntoView {
    let i = use_i18n();
    let editor = Editor::<ReplyTemplateInput>::new(label_of);
    let state = editor.state;
    let templates = api::Fetched::<Items<ReplyTemplate>>::of(Signal::derive(move || {
        editor.reload.track();
        "/api/reply-templates".to_string()
    }));
    let name = move |lang: &'static str| {
        (
            move || editor.get(&|t| t.name.0.get(lang).cloned().unwrap_or_default()),
            move |v: String| {
                editor.edit(&|t| {
                    if v.is_empty() {
                        t.name.0.remove(lang);
                    } else {
                        t.name.0.insert(lang.into(), v.clone());
                    }
                })
            },
        )
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editor.save::<ReplyTemplate>("/api/reply-templates", |input, id| input.id = Some(id), |t| (t.id.clone(), template_input(t)));
    };
    let table = move || {
        Suspend::new(async move {
            match templates.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(list) if list.items.is_empty() => view! { <p class="muted">{move || i.t("templates.none")}</p> }.into_any(),
                Ok(list) => view! {
                    <table>
                        {table_head(&["admin.id", "admin.name", "templates.languages"])}
                        <tbody>{list.items.into_iter().map(|t| {
                            let input = template_input(&t);
                            let id = t.id.clone();
                            view! {
                                <tr>
                                    <td><button type="button" class="link" on:click=move |_| editor.open(Some(id.clone()), input.clone())>{t.id.clone()}</button></td>
                                    <td>{t.name.get(i.code()).to_string()}</td>
                                    <td>{t.bodies.0.keys().cloned().collect::<Vec<_>>().join(", ")}</td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }
                .into_any(),
            }
        })
    };
    let placeholders = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ");
    let form = move || {
        let placeholders = placeholders.clone();
        editor.editing.with(|e| e.as_ref().map(|(id, _)| id.is_none())).map(|creating| {
            let (name_en, set_en) = name("en");
            let (name_ru, set_ru) = name("ru");
            view! {
                <form class="card" on:submit=save novalidate>
                    {creating.then(|| text_field(state, "template-id", "id", "admin.id", move || editor.new_id.get(), move |v| editor.new_id.set(v)))}
                    {text_field(state, "template-name", "name", "admin.name", name_en, set_en)}
                    {text_field(state, "template-name-ru", "name.ru", "admin.name_ru", name_ru, set_ru)}
                    <p class="help">{move || i.t("templates.placeholders")}" "<code>{placeholders.clone()}</code></p>
                    {body_field(editor, "en", "templates.body_en")}
                    {body_field(editor, "ru", "templates.body_ru")}
                    <Outcome state=state/>
                    <button type="submit" class="primary">{move || i.t("common.save")}</button>
                </form>
            }
        })
    };
    view! {
        <section>
            <div class="title-row">
                <h1>{move || i.t("nav.templates")}</h1>
                <button type="button" class="primary"
                    on:click=move |_| editor.open(None, ReplyTemplateInput { id: None, name: Default::default(), bodies: Default::default(), version: None })>{move || i.t("templates.new")}</button>
            </div>
            {form}
            {loaded(table)}
        </section>
    }
}
