//! The article editor (`/kb/new`, `/kb/<id>/edit`), for knowledge-base editors: category, who may
//! read it, draft or published, and a tab per language with its title and Markdown text (the
//! server renders it). A language left empty is left out. The domain crate's own check runs
//! before sending; the server's problems show under their inputs. A save based on an old version
//! is refused (409): the editor keeps the text and offers to compare, load the saved version, or
//! save over it. A save refused because the session ended is kept in the tab for after sign-in.

use super::{ArticleParams, api_path, article_path};
use crate::api::{self, Failure};
use crate::app::use_session;
use crate::attach::{Uploads, attach, submit_button};
use crate::components::{ErrorBox, Errors, FieldMessage, errors_by_field, loaded};
use crate::drafts;
use crate::i18n::{use_i18n, wire};
use crate::pages::new_ticket::focus_first;
use gloo_net::http::Method;
use helpdesk_core::knowledge::{
    ArticleInput, ArticleStatus, ArticleView, IMAGE_SCHEME, MAX_CATEGORY_CHARS, MAX_TITLE_CHARS, Translation, Visibility,
};
use helpdesk_core::messages::{language_from_code, language_name};
use helpdesk_core::text::SUPPORTED_LANGUAGES;
use helpdesk_core::{ApiError, ErrorCode, FieldError, FieldErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params};
use std::collections::BTreeMap;

/// Uploaded screenshots the text does not show yet go at the end of `lang`'s text, one line
/// each (`![Screenshot](attachment:<id>)`), for the author to move where they belong.
fn place_screenshots(input: &mut ArticleInput, lang: &str, shots: &[String], alt: &str) {
    let shown = |id: &str| input.translations.values().any(|t| t.body.contains(&format!("{IMAGE_SCHEME}{id})")));
    let missing: Vec<String> = shots.iter().filter(|id| !shown(id)).cloned().collect();
    if let Some(t) = input.translations.get_mut(lang) {
        for id in missing {
            t.body = format!("{}\n\n![{alt}]({IMAGE_SCHEME}{id})", t.body.trim_end()).trim_start().to_string();
        }
    }
}

/// The input with a (maybe empty) translation for every language, one tab each.
fn with_every_language(mut input: ArticleInput) -> ArticleInput {
    for lang in SUPPORTED_LANGUAGES {
        input.translations.entry(lang.to_string()).or_insert_with(|| Translation { title: String::new(), body: String::new() });
    }
    input
}

/// What the form starts from: the stored article (its Markdown), or a new internal draft.
fn input_of(article: Option<&ArticleView>) -> ArticleInput {
    with_every_language(ArticleInput {
        category: article.map(|a| a.category.clone()).unwrap_or_default(),
        visibility: article.map_or(Visibility::Internal, |a| a.visibility),
        status: article.map_or(ArticleStatus::Draft, |a| a.status),
        translations: article.and_then(|a| a.translations.clone()).unwrap_or_default(),
        version: article.map(|a| a.version),
    })
}

/// What is sent: the languages with something written.
fn sendable(mut input: ArticleInput) -> ArticleInput {
    input.translations.retain(|_, t| !(t.title.trim().is_empty() && t.body.trim().is_empty()));
    input
}

/// The language a problem's field belongs to: `translations.ru.title` → `ru`.
fn language_of_field(field: &str) -> Option<&str> {
    field.strip_prefix("translations.")?.split('.').next()
}

#[component]
pub fn ArticleEditor() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let params = use_params::<ArticleParams>();
    let id = move || params.with(|p| p.as_ref().ok().and_then(|p| p.id.clone()));
    // Read once: switching the UI's language must not reload the form over what is typed.
    let lang = untrack(|| i.code());
    let stored = id().is_some().then(|| api::Fetched::<ArticleView>::of(Signal::derive(move || api_path(&id().unwrap_or_default(), lang))));
    let forbidden = || Failure::Api(ApiError::new(ErrorCode::Forbidden, "knowledge-base editors only"));
    let form = move || {
        let allowed = session.edits_articles();
        Suspend::new(async move {
            if !allowed {
                return view! { <ErrorBox failure=forbidden()/> }.into_any();
            }
            let article = match stored {
                Some(stored) => stored.load().await.map(Some),
                None => Ok(None),
            };
            match article {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                // Without the Markdown there is nothing to edit (the server says who may).
                Ok(Some(a)) if a.translations.is_none() => view! { <ErrorBox failure=forbidden()/> }.into_any(),
                Ok(a) => view! { <ArticleForm existing=a.as_ref().map(|a| a.id.clone()) input=input_of(a.as_ref())/> }.into_any(),
            }
        })
    };
    view! {
        <section class="kb-edit">
            <h1>{move || i.t(if id().is_some() { "kb.edit_title" } else { "kb.new" })}</h1>
            {loaded(form)}
        </section>
    }
}

#[component]
fn ArticleForm(existing: Option<String>, input: ArticleInput) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let draft_key = drafts::key(&session.id(), "article", existing.as_deref().unwrap_or("new"));
    // What was typed when the session ended comes back after signing in again.
    let input = drafts::load(&draft_key).and_then(|json| serde_json::from_str(&json).ok()).map(with_every_language).unwrap_or(input);
    drafts::clear(&draft_key);
    let draft = RwSignal::new(input);
    let tab = RwSignal::new(untrack(|| i.code()).to_string());
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let failure = RwSignal::new(None::<Failure>);
    // Someone saved meanwhile: the version stored now, if the server said.
    let conflict = RwSignal::new(None::<Option<u64>>);
    let busy = RwSignal::new(false);
    // Screenshots: uploaded in the attachment box, placed in the text on saving.
    let up = Uploads::default();
    // `try_`: the answer may come after the reader has left the page.
    let show = move |problems: Vec<FieldError>| {
        if let Some(lang) = problems.first().and_then(|p| language_of_field(&p.field)) {
            tab.try_set(lang.to_string());
        }
        errors.try_set(errors_by_field(problems.clone()));
        // Once the problem's tab is shown.
        request_animation_frame(move || focus_first(&problems));
    };
    let lang = untrack(|| i.code());
    let save = {
        let (existing, navigate) = (existing.clone(), navigate.clone());
        move |over: Option<u64>| {
            if let Some(version) = over {
                draft.update(|d| d.version = Some(version));
            }
            let Some(shots) = up.ready() else {
                failure.set(None);
                return;
            };
            let alt = i.t("kb.screenshot");
            draft.update(|d| place_screenshots(d, &tab.get_untracked(), &shots, alt));
            let input = sendable(draft.get_untracked());
            failure.set(None);
            let mut problems = input.problems();
            if input.translations.is_empty() {
                // Nothing written in any language: what is missing is the shown tab's title and
                // text, marked at their inputs (the list of languages is no input to focus).
                let lang = tab.get_untracked();
                problems.retain(|p| p.field != "translations");
                for field in ["title", "body"] {
                    problems.push(FieldError::new(format!("translations.{lang}.{field}"), FieldErrorCode::Required, ""));
                }
            }
            if !problems.is_empty() {
                show(problems);
                return;
            }
            errors.set(BTreeMap::new());
            conflict.set(None);
            busy.set(true);
            let (existing, navigate, draft_key) = (existing.clone(), navigate.clone(), draft_key.clone());
            spawn_local(async move {
                let answer = match &existing {
                    None => {
                        let url = api::with_query("/api/kb/articles", &[("lang", lang.to_string())]);
                        api::send::<ArticleView>(Method::POST, &url, &input).await
                    }
                    Some(id) => api::send::<ArticleView>(Method::PUT, &api_path(id, lang), &input).await,
                };
                match answer {
                    Ok(saved) => navigate(&article_path(&saved.id), Default::default()),
                    Err(Failure::Api(e)) if e.code == ErrorCode::VersionConflict => {
                        conflict.try_set(Some(e.current_version));
                    }
                    Err(Failure::Api(e)) if e.code == ErrorCode::ValidationFailed => show(e.fields),
                    // The app offers sign-in; the text waits in the tab.
                    Err(Failure::Api(e)) if e.code == ErrorCode::Unauthenticated => {
                        if let Ok(json) = serde_json::to_string(&input) {
                            drafts::save(&draft_key, &json)
                        }
                    }
                    Err(f) => {
                        failure.try_set(Some(f));
                    }
                }
                busy.try_set(false);
            });
        }
    };
    let save = StoredValue::new_local(save);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.with_value(|save| save(None));
    };
    // After a conflict: what is stored now replaces what was typed.
    let load_saved = {
        let existing = existing.clone();
        move |_| {
            let Some(id) = existing.clone() else { return };
            spawn_local(async move {
                match api::get::<ArticleView>(&api_path(&id, lang)).await {
                    Ok(stored) => {
                        draft.try_set(input_of(Some(&stored)));
                        errors.try_set(BTreeMap::new());
                        conflict.try_set(None);
                    }
                    Err(f) => {
                        failure.try_set(Some(f));
                    }
                }
            });
        }
    };
    let saved_href = existing.as_deref().map(article_path).unwrap_or_default();
    let conflict_box = move || {
        conflict.get().map(|current| {
            let load_saved = load_saved.clone();
            view! {
                <div class="error" role="alert">
                    <p>{move || i.t("kb.editor_conflict")}</p>
                    <a href=saved_href.clone() target="_blank" rel="noopener">
                        {move || i.t("kb.open_saved")}<span class="sr-only">" "{move || i.t("kb.new_tab")}</span>
                    </a>
                    <button type="button" on:click=load_saved>{move || i.t("kb.load_saved")}</button>
                    {current.map(|version| view! {
                        <button type="button" on:click=move |_| save.with_value(|save| save(Some(version)))>{move || i.t("kb.save_anyway")}</button>
                    })}
                </div>
            }
        })
    };
    let invalid = move |field: &'static str| move || errors.with(|e| e.contains_key(field)).to_string();
    let cancel = existing.as_deref().map_or_else(|| "/kb".to_string(), article_path);
    view! {
        <form class="card kb-editor" on:submit=submit novalidate>
            <div class="row">
                <div class="field">
                    <label for="category">{move || i.t("kb.category")}</label>
                    <input id="category" maxlength=MAX_CATEGORY_CHARS.to_string() aria-invalid=invalid("category")
                        aria-describedby="category-help category-error"
                        prop:value=move || draft.with(|d| d.category.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.category = v) }/>
                    <p class="help" id="category-help">{move || i.t("kb.category_help")}</p>
                    <FieldMessage errors=errors name="category".to_string()/>
                </div>
                <div class="field">
                    <label for="visibility">{move || i.t("kb.visibility")}</label>
                    <select id="visibility" aria-describedby="visibility-help"
                        prop:value=move || draft.with(|d| wire(&d.visibility))
                        on:change=move |ev| {
                            let v = if event_target_value(&ev) == "public" { Visibility::Public } else { Visibility::Internal };
                            draft.update(|d| d.visibility = v)
                        }>
                        {[Visibility::Internal, Visibility::Public].map(|v| {
                            let key = format!("kb.visibility.{}", wire(&v));
                            view! { <option value=wire(&v)>{move || i.t(&key)}</option> }
                        }).into_iter().collect_view()}
                    </select>
                    <p class="help" id="visibility-help">{move || i.t("kb.visibility_help")}</p>
                </div>
                <div class="field">
                    <label for="status">{move || i.t("kb.state")}</label>
                    <select id="status" aria-describedby="status-help"
                        prop:value=move || draft.with(|d| wire(&d.status))
                        on:change=move |ev| {
                            let s = if event_target_value(&ev) == "published" { ArticleStatus::Published } else { ArticleStatus::Draft };
                            draft.update(|d| d.status = s)
                        }>
                        {[ArticleStatus::Draft, ArticleStatus::Published].map(|s| {
                            let key = format!("kb.status.{}", wire(&s));
                            view! { <option value=wire(&s)>{move || i.t(&key)}</option> }
                        }).into_iter().collect_view()}
                    </select>
                    <p class="help" id="status-help">{move || i.t("kb.status_help")}</p>
                </div>
            </div>
            <Tabs tab=tab errors=errors/>
            {SUPPORTED_LANGUAGES.map(|lang| view! { <Panel lang=lang tab=tab draft=draft errors=errors/> }).into_iter().collect_view()}
            <section class="screenshots" aria-labelledby="screenshots-title">
                <h2 id="screenshots-title">{move || i.t("kb.screenshots")}</h2>
                <p class="help">{move || i.t("kb.screenshots_help")}</p>
                {attach(up)}
            </section>
            <FieldMessage errors=errors name="translations".to_string()/>
            {move || errors.with(|e| !e.is_empty()).then(|| view! { <p class="error" role="alert">{move || i.t("form.fix_marked")}</p> })}
            {conflict_box}
            {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
            <div class="actions">
                {submit_button(up, busy, ["common.save", "common.save"], RwSignal::new(false))}
                <A href=cancel attr:class="button">{move || i.t("kb.cancel")}</A>
            </div>
        </form>
    }
}

/// A tab per language (the ARIA tabs pattern: arrow keys move between them); a tab whose
/// language has a problem says so.
#[component]
fn Tabs(tab: RwSignal<String>, errors: Errors) -> impl IntoView {
    let i = use_i18n();
    let choose = move |lang: &str, focus: bool| {
        tab.set(lang.to_string());
        if focus && let Some(el) = document().get_element_by_id(&format!("tab-{lang}")) {
            use wasm_bindgen::JsCast;
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    };
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        let langs = SUPPORTED_LANGUAGES;
        let at = langs.iter().position(|l| *l == tab.get_untracked()).unwrap_or(0);
        let to = match ev.key().as_str() {
            "ArrowRight" => (at + 1) % langs.len(),
            "ArrowLeft" => (at + langs.len() - 1) % langs.len(),
            "Home" => 0,
            "End" => langs.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        choose(langs[to], true);
    };
    view! {
        <div class="tabs" role="tablist" aria-label=move || i.t("kb.languages") id="translations" on:keydown=keys>
            {SUPPORTED_LANGUAGES.map(|lang| {
                let selected = move || tab.get() == lang;
                let prefix = format!("translations.{lang}");
                let troubled = Memo::new(move |_| errors.with(|e| e.keys().any(|k| k.starts_with(&prefix))));
                let name = language_from_code(lang).map_or(lang, language_name);
                view! {
                    <button type="button" role="tab" id=format!("tab-{lang}") aria-controls=format!("panel-{lang}")
                        aria-selected=move || selected().to_string() tabindex=move || if selected() { "0" } else { "-1" }
                        class:troubled=troubled on:click=move |_| choose(lang, false)>
                        <span lang=lang>{name}</span>
                        {move || troubled.get().then(|| view! {
                            <span aria-hidden="true">" ⚠"</span><span class="sr-only">" "{move || i.t("kb.has_problems")}</span>
                        })}
                    </button>
                }
            }).into_iter().collect_view()}
        </div>
    }
}

/// One language's title and text.
#[component]
fn Panel(lang: &'static str, tab: RwSignal<String>, draft: RwSignal<ArticleInput>, errors: Errors) -> impl IntoView {
    let i = use_i18n();
    let (title, body) = (format!("translations.{lang}.title"), format!("translations.{lang}.body"));
    let get =
        move |f: fn(&Translation) -> &String| move || draft.with(|d| d.translations.get(lang).map(|t| f(t).clone()).unwrap_or_default());
    let set = move |f: fn(&mut Translation, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update(|d| {
                if let Some(t) = d.translations.get_mut(lang) {
                    f(t, value)
                }
            })
        }
    };
    let invalid = move |field: String| move || errors.with(|e| e.contains_key(&field)).to_string();
    view! {
        <div role="tabpanel" class="tab-panel" id=format!("panel-{lang}") aria-labelledby=format!("tab-{lang}") hidden=move || tab.get() != lang>
            <div class="field">
                <label for=title.clone()>{move || i.t("kb.article_title")}</label>
                <input id=title.clone() lang=lang maxlength=MAX_TITLE_CHARS.to_string() aria-invalid=invalid(title.clone())
                    aria-describedby=format!("{title}-error") prop:value=get(|t| &t.title) on:input=set(|t, v| t.title = v)/>
                <FieldMessage errors=errors name=title.clone()/>
            </div>
            <div class="field">
                <label for=body.clone()>{move || i.t("kb.body")}</label>
                <textarea id=body.clone() lang=lang rows="16" class="markdown" aria-invalid=invalid(body.clone())
                    aria-describedby=format!("{body}-help {body}-error") prop:value=get(|t| &t.body) on:input=set(|t, v| t.body = v)></textarea>
                <p class="help" id=format!("{body}-help")>{move || i.t("kb.body_help")}</p>
                <FieldMessage errors=errors name=body.clone()/>
            </div>
        </div>
    }
}
