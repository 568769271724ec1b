//! The knowledge base on the ticket page, for staff: a link to an article inserted into the reply
//! (found by search as the agent types) or the article marked as the ticket's solution, and, for editors, a draft article made from the ticket's
//! subject and its last public answer, opened in the editor.

use super::Page;
use crate::api::{self, Failure};
use crate::components::ErrorBox;
use crate::i18n::use_i18n;
use crate::pages::kb::{article_path, debounced, state_badges};
use gloo_net::http::Method;
use helpdesk_core::knowledge::{ArticleStatus, ArticleView, Visibility};
use helpdesk_core::search::{MAX_QUERY_CHARS, SearchResults};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// Articles a search for a link offers.
const OFFERED: &str = "8";

/// An article's title and address at this site, `Title: https://helpdesk/kb/<id>`: replies are
/// plain text on the page and in mail, where a bare address is what readers can follow.
fn article_link(title: &str, id: &str) -> String {
    let origin = window().location().origin().unwrap_or_default();
    format!("{title}: {origin}{}", article_path(id))
}

/// "Insert article link" beside the reply box: opens a search; a chosen article's link goes at
/// the end of `text`, and `changed` hears of it (the draft is kept as if typed).
pub fn insert_link(page: Page, text: RwSignal<String>, changed: impl Fn() + 'static) -> impl IntoView {
    let i = use_i18n();
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let words = debounced(move || typed.get().trim().to_string(), 300);
    let found = api::Fetched::<SearchResults>::new(Signal::derive(move || {
        let words = words.get();
        (open.get() && !words.is_empty()).then(|| {
            let pairs = [("q", words), ("scope", "articles".into()), ("lang", i.code().to_string()), ("limit", OFFERED.into())];
            api::with_query("/api/search", &pairs)
        })
    }));
    let focus_reply = || {
        use wasm_bindgen::JsCast;
        if let Some(reply) = document().get_element_by_id("reply-text").and_then(|el| el.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
            let _ = reply.focus();
            let end = reply.value().encode_utf16().count() as u32;
            let _ = reply.set_selection_range(end, end);
        }
    };
    // Kept aside: what hears of the change need not be `Send`, which the list's redraw must be.
    let changed = StoredValue::new_local(changed);
    let results = move || {
        match found.get() {
        None => ().into_any(),
        Some(Err(f)) => view! { <ErrorBox failure=f/> }.into_any(),
        Some(Ok(r)) if r.hits.is_empty() => view! { <p class="muted" role="status">{move || i.t("search.none")}</p> }.into_any(),
        Some(Ok(r)) => view! {
            <ul class="article-links">{r.hits.into_iter().map(|hit| {
                let link = article_link(&hit.title, &hit.id);
                let insert = move |_| {
                    text.update(|t| {
                        if !t.is_empty() && !t.ends_with(char::is_whitespace) {
                            t.push(' ');
                        }
                        t.push_str(&link);
                    });
                    changed.with_value(|changed| changed());
                    open.set(false);
                    typed.set(String::new());
                    focus_reply();
                };
                view! {
                    <li>
                        <button type="button" class="link" on:click=insert>
                            <span class="sr-only">{move || i.t("kb.insert_prefix")}" "</span>
                            <span lang=hit.lang.clone()>{hit.title.clone()}</span>
                        </button>
                        // A draft's or internal article's link does not open for the requester: said beside it.
                        {state_badges(i, hit.article_status.unwrap_or(ArticleStatus::Published), hit.visibility.unwrap_or(Visibility::Public))}
                        {(!hit.snippet.is_empty()).then(|| view! { <p class="snippet muted">{hit.snippet.clone()}</p> })}
                        {(hit.article_status == Some(ArticleStatus::Published) && hit.visibility == Some(Visibility::Public)).then(|| {
                            let id = hit.id.clone();
                            view! {
                                <button type="button" class="link mark-solution" on:click=move |_| {
                                    page.mark_solution(Some(id.clone()));
                                    open.set(false);
                                }>{move || i.t("kb.mark_solution")}</button>
                            }
                        })}
                    </li>
                }
            }).collect_view()}</ul>
        }
        .into_any(),
    }
    };
    view! {
        <div class="insert-article">
            <button type="button" class="disclosure" aria-expanded=move || open.get().to_string() aria-controls="insert-article-panel"
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    // Opened: the search field takes the keyboard (once it is shown).
                    if open.get_untracked() {
                        request_animation_frame(|| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = document()
                                .get_element_by_id("insert-article-search")
                                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
                            {
                                let _ = input.focus();
                            }
                        });
                    }
                }>{move || i.t("kb.insert_link")}</button>
            <div id="insert-article-panel" hidden=move || !open.get()>
                <label for="insert-article-search">{move || i.t("kb.find_article")}</label>
                <input id="insert-article-search" type="search" autocomplete="off" maxlength=MAX_QUERY_CHARS.to_string()
                    prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev))
                    on:keydown=|ev| if ev.key() == "Enter" { ev.prevent_default() }/>
                <div aria-live="polite">{results}</div>
            </div>
        </div>
    }
}

/// "Draft an article from this ticket" (editors): the draft opens in the article editor.
#[component]
pub fn DraftArticle(page: Page) -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let draft = move |_| {
        let Some(number) = page.number() else { return };
        let url = api::with_query(&format!("/api/tickets/{}/article-draft", api::segment(&number)), &[("lang", i.code().to_string())]);
        let navigate = navigate.clone();
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match api::send::<ArticleView>(Method::POST, &url, &serde_json::json!({})).await {
                Ok(article) => navigate(&format!("{}/edit", article_path(&article.id)), Default::default()),
                Err(f) => {
                    failure.try_set(Some(f));
                }
            }
            busy.try_set(false);
        });
    };
    view! {
        <section class="kb-from-ticket" aria-labelledby="kb-draft-title">
            <h2 id="kb-draft-title">{move || i.t("nav.kb")}</h2>
            <p class="help">{move || i.t("kb.draft_help")}</p>
            <button type="button" on:click=draft disabled=busy>{move || i.t("kb.draft_from_ticket")}</button>
            {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
        </section>
    }
}
