//! The knowledge base: the list of articles (by category, or found by search), an article's page
//! ([`view`]), the editor ([`editor`]), and the articles suggested while a requester describes a
//! problem ([`suggest`]). Each article lives at `/kb/<id>`. What a reader may see is the server's
//! decision: the list and search answer only that; the pages only hide what would be refused.

mod editor;
pub mod suggest;
mod view;

use crate::api::{self, segment};
use crate::app::use_session;
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use crate::pages::search::hit_list;
use crate::pages::tickets::{PAGES_PARAM, use_set_params};
use helpdesk_core::api::Paged;
use helpdesk_core::knowledge::{ArticleStatus, ArticleSummary, Visibility};
use helpdesk_core::limits::MAX_PAGE_SIZE;
use helpdesk_core::search::SearchResults;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use leptos_router::params::Params;
use std::time::Duration;

pub use editor::ArticleEditor;
pub use view::ArticlePage;

/// Articles a page of the list holds.
const PAGE_SIZE: &str = "25";

/// The route's parameter: `/kb/:id` (absent at `/kb/new`).
#[derive(Params, Clone, PartialEq)]
struct ArticleParams {
    id: Option<String>,
}

/// An article's page in the UI.
pub fn article_path(id: &str) -> String {
    format!("/kb/{}", segment(id))
}

/// An article in the API, in the reader's language (`lang`).
fn api_path(id: &str, lang: &str) -> String {
    api::with_query(&format!("/api/kb/articles/{}", segment(id)), &[("lang", lang.to_string())])
}

/// Badges for what not everyone sees: a draft, an internal article.
pub fn state_badges(i: I18n, status: ArticleStatus, visibility: Visibility) -> impl IntoView {
    let badge = move |on: bool, class: &'static str, key: String| {
        on.then(|| view! { <span class=format!("badge {class}")>{move || i.t(&key)}</span> })
    };
    view! {
        {badge(status == ArticleStatus::Draft, "kb-draft", format!("kb.status.{}", wire(&status)))}
        {badge(visibility == Visibility::Internal, "kb-internal", format!("kb.visibility.{}", wire(&visibility)))}
    }
}

/// `source` as it was `ms` milliseconds after it last changed: what typing asks for once it pauses.
pub fn debounced(source: impl Fn() -> String + 'static, ms: u64) -> ReadSignal<String> {
    let (settled, set_settled) = signal(String::new());
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move || {
        let value = source();
        if let Some(pending) = timer.get_value() {
            pending.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                set_settled.try_set(value);
            },
            Duration::from_millis(ms),
        );
        timer.set_value(handle.ok());
    });
    on_cleanup(move || {
        if let Some(Some(pending)) = timer.try_get_value() {
            pending.clear()
        }
    });
    settled
}

/// `/kb`: the articles the reader may read, a category at a time, or those a search finds; the
/// category, the search and the page live in the address.
#[component]
pub fn KnowledgeBase() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let set_params = use_set_params();
    let param = move |name: &'static str| Signal::derive(move || query.with(|q| q.get(name).unwrap_or_default()));
    let (q, category) = (param("q"), param("category"));
    let cursors = Memo::new(move |_| -> Vec<String> {
        query.with(|q| {
            q.get(PAGES_PARAM).map(|at| at.split('.').filter(|c| !c.is_empty()).map(str::to_string).collect()).unwrap_or_default()
        })
    });
    // The search box follows the address (Back, a shared link).
    let typed = RwSignal::new(String::new());
    Effect::new(move || typed.set(q.get()));
    let searching = move || !q.with(|q| q.trim().is_empty());
    let articles = api::Fetched::<Paged<ArticleSummary>>::new(Signal::derive(move || {
        (!searching()).then(|| {
            let pairs = [
                ("lang", i.code().to_string()),
                ("category", category.get()),
                ("cursor", cursors.with(|c| c.last().cloned().unwrap_or_default())),
                ("limit", PAGE_SIZE.to_string()),
            ];
            api::with_query("/api/kb/articles", &pairs)
        })
    }));
    let found = api::Fetched::<SearchResults>::new(Signal::derive(move || {
        searching().then(|| {
            let pairs =
                [("q", q.get().trim().to_string()), ("scope", "articles".into()), ("lang", i.code().into()), ("limit", "50".into())];
            api::with_query("/api/search", &pairs)
        })
    }));
    // The categories to choose from: those of the first articles (the API has no list of them).
    let everything = api::Fetched::<Paged<ArticleSummary>>::fixed(&format!("/api/kb/articles?limit={MAX_PAGE_SIZE}"));
    let category_options = move || {
        let mut names: Vec<String> =
            everything.get().and_then(Result::ok).map(|p| p.items.into_iter().map(|a| a.category).collect()).unwrap_or_default();
        names.push(category.get());
        names.retain(|c| !c.is_empty());
        names.sort();
        names.dedup();
        names
            .into_iter()
            .map(|name| {
                let chosen = name.clone();
                view! { <option value=name.clone() selected=move || category.get() == chosen>{name.clone()}</option> }
            })
            .collect_view()
    };
    let search = {
        let set_params = set_params.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            set_params(&[("q", Some(typed.get_untracked().trim().to_string())), (PAGES_PARAM, None)]);
        }
    };
    let choose_category = {
        let set_params = set_params.clone();
        move |ev: leptos::ev::Event| set_params(&[("category", Some(event_target_value(&ev))), (PAGES_PARAM, None)])
    };
    // Kept aside: the navigation is not `Send`, which what awaits the list must be.
    let go = StoredValue::new_local(move |pages: Vec<String>| set_params(&[(PAGES_PARAM, Some(pages.join(".")))]));
    let staff = session.is_staff();
    let content = move || {
        let searching = searching();
        Suspend::new(async move {
            if searching {
                return match found.load().await {
                    Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                    Ok(results) => hit_list(i, results.hits).into_any(),
                };
            }
            match articles.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(page) if page.items.is_empty() && cursors.with_untracked(Vec::is_empty) => {
                    view! { <p class="empty">{move || i.t("kb.empty")}</p> }.into_any()
                }
                Ok(page) => {
                    let next = page.next_cursor.clone();
                    view! {
                        <div class="table-wrap"><table class="articles">
                            <thead><tr>
                                <th scope="col">{move || i.t("kb.article_title")}</th>
                                <th scope="col">{move || i.t("kb.category")}</th>
                                {staff.then(|| view! { <th scope="col">{move || i.t("kb.state")}</th> })}
                                <th scope="col">{move || i.t("ticket.updated")}</th>
                            </tr></thead>
                            <tbody>{page.items.into_iter().map(|a| view! {
                                <tr>
                                    <td class="subject"><A href=article_path(&a.id)><span lang=a.lang.clone()>{a.title.clone()}</span></A></td>
                                    <td>{a.category.clone()}</td>
                                    {staff.then(|| view! { <td>{state_badges(i, a.status, a.visibility)}</td> })}
                                    <td class="updated">{move || i.when(a.updated_at)}</td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table></div>
                        <div class="pager">
                            <button type="button" disabled=move || cursors.with(Vec::is_empty) on:click=move |_| {
                                let mut pages = cursors.get_untracked();
                                pages.pop();
                                go.with_value(|go| go(pages))
                            }>{move || i.t("list.previous")}</button>
                            <button type="button" disabled=next.is_none() on:click=move |_| {
                                if let Some(c) = next.clone() {
                                    let mut pages = cursors.get_untracked();
                                    pages.push(c);
                                    go.with_value(|go| go(pages))
                                }
                            }>{move || i.t("list.next")}</button>
                        </div>
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section class="kb">
            <div class="title-row">
                <h1>{move || i.t("nav.kb")}</h1>
                {move || session.edits_articles().then(|| view! {
                    <A href="/kb/new" attr:class="button primary">{move || i.t("kb.new")}</A>
                })}
            </div>
            <form class="filters" role="search" on:submit=search>
                <div class="filter grow">
                    <label for="kb-search">{move || i.t("kb.search")}</label>
                    <div class="search-row">
                        <input id="kb-search" type="search" maxlength=helpdesk_core::search::MAX_QUERY_CHARS.to_string()
                            prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev))/>
                        <button type="submit">{move || i.t("search.submit")}</button>
                    </div>
                </div>
                <div class="filter">
                    <label for="kb-category">{move || i.t("kb.category")}</label>
                    <select id="kb-category" on:change=choose_category disabled=searching>
                        <option value="" selected=move || category.with(String::is_empty)>{move || i.t("kb.any_category")}</option>
                        {category_options}
                    </select>
                </div>
            </form>
            {loaded(content)}
        </section>
    }
}
