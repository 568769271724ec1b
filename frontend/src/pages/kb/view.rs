//! An article's page (`/kb/<id>`): its text in the reader's language, or in another with a note
//! saying so; staff see how often it helped; editors see Edit, and the history of saved versions
//! with Restore (the restored content becomes the next version; nothing is lost).

use super::{ArticleParams, api_path, article_path, state_badges};
use crate::api::{self, Failure, segment};
use crate::app::use_session;
use crate::components::{ErrorBox, Loading, loaded};
use crate::i18n::{use_i18n, wire};
use crate::people::use_people;
use gloo_net::http::Method;
use helpdesk_core::ErrorCode;
use helpdesk_core::api::Items;
use helpdesk_core::knowledge::{ArticleView, RestoreInput, RevisionSummary};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params;

#[component]
pub fn ArticlePage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params::<ArticleParams>();
    let id = move || params.with(|p| p.as_ref().ok().and_then(|p| p.id.clone())).unwrap_or_default();
    // Counts the reloads: after a restore, or to see what someone else saved.
    let reload = RwSignal::new(0u32);
    // What the last restore brought back, said above the page it reloaded.
    let restored = RwSignal::new(None::<u64>);
    let article = api::Fetched::<ArticleView>::of(Signal::derive(move || {
        reload.track();
        api_path(&id(), i.code())
    }));
    let content = move || {
        Suspend::new(async move {
            match article.load().await {
                Err(f) => view! { <ErrorBox failure=f retry=Callback::new(move |_| reload.update(|n| *n += 1))/> }.into_any(),
                Ok(v) => view! { <Article article=v reload=reload restored=restored/> }.into_any(),
            }
        })
    };
    view! {
        <section class="article-page">
            <p><A href="/kb">{move || i.t("kb.back")}</A></p>
            {loaded(content)}
        </section>
    }
}

#[component]
fn Article(article: ArticleView, reload: RwSignal<u32>, restored: RwSignal<Option<u64>>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let people = use_people();
    let staff = session.is_staff();
    // The API gives the Markdown to those who may edit it.
    let editor = article.translations.is_some() && session.edits_articles();
    let shown = article.lang.clone();
    let fallback = move || {
        (shown != i.code()).then(|| {
            let key = format!("kb.not_in.{}", i.code());
            view! { <p class="notice" role="note">{i.t(&key)}</p> }
        })
    };
    let (updated_at, updated_by) = (article.updated_at, article.updated_by.clone());
    let updated = move || {
        let when = i.when(updated_at);
        if staff {
            i.t("kb.updated_by").replace("{when}", &when).replace("{name}", &people.name(&updated_by))
        } else {
            i.t("kb.updated_at").replace("{when}", &when)
        }
    };
    let stats = article.stats.filter(|_| staff).map(|stats| {
        view! {
            <section class="kb-stats" aria-labelledby="kb-stats-title">
                <h2 id="kb-stats-title">{move || i.t("kb.stats")}</h2>
                <dl class="details">
                    <dt>{move || i.t("kb.deflections")}</dt>
                    <dd>{stats.deflections}</dd>
                    <dt>{move || i.t("kb.solutions")}</dt>
                    <dd>{stats.solutions}</dd>
                </dl>
            </section>
        }
    });
    let source = article.source_ticket.clone().filter(|_| staff).map(|ticket| {
        view! {
            <p class="muted">
                {move || i.t("kb.source_ticket")}": "
                <A href=format!("/tickets/{}", segment(&ticket))>{move || i.t("kb.open_ticket")}</A>
            </p>
        }
    });
    let (id, version) = (article.id.clone(), article.version);
    // The article's words are in its language; the page's own words (the notice, the category,
    // who updated it) in the UI's.
    let lang = article.lang.clone();
    view! {
        {move || restored.get().map(|v| view! {
            <p class="ok" role="status">{move || i.t("kb.restored").replace("{version}", &v.to_string())}</p>
        })}
        <article class="card kb-article">
            <div class="title-row">
                <h1 lang=lang.clone()>{article.title.clone()}</h1>
                <div class="actions">
                    {staff.then(|| state_badges(i, article.status, article.visibility))}
                    {editor.then(|| view! {
                        <A href=format!("{}/edit", article_path(&id)) attr:class="button">{move || i.t("kb.edit")}</A>
                    })}
                </div>
            </div>
            {fallback}
            {(!article.category.is_empty()).then(|| view! {
                <p class="muted">{move || i.t("kb.category")}": "{article.category.clone()}</p>
            })}
            <div class="kb-body" lang=lang inner_html=article.html></div>
            <p class="muted">{updated}</p>
        </article>
        {stats}
        {source}
        {editor.then(|| view! { <History id=article.id.clone() version=version reload=reload restored=restored/> })}
    }
}

/// The saved versions, newest first, loaded when opened; any but the current may be restored.
#[component]
fn History(id: String, version: u64, reload: RwSignal<u32>, restored: RwSignal<Option<u64>>) -> impl IntoView {
    let i = use_i18n();
    let people = use_people();
    let open = RwSignal::new(false);
    let path = format!("/api/kb/articles/{}", segment(&id));
    let revisions = {
        let path = path.clone();
        api::Fetched::<Items<RevisionSummary>>::new(Signal::derive(move || open.get().then(|| format!("{path}/revisions"))))
    };
    let failure = RwSignal::new(None::<Failure>);
    let conflict = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let restore = StoredValue::new(move |revision: u64| {
        let url = api::with_query(&format!("{path}/restore"), &[("lang", i.code().to_string())]);
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let answer = api::send::<ArticleView>(Method::POST, &url, &RestoreInput { revision, version }).await;
            match answer {
                Ok(_) => {
                    // The page is drawn anew with the restored content (this section with it).
                    restored.try_set(Some(revision));
                    reload.try_update(|n| *n += 1);
                }
                Err(Failure::Api(e)) if e.code == ErrorCode::VersionConflict => {
                    conflict.try_set(true);
                }
                Err(f) => {
                    failure.try_set(Some(f));
                }
            }
            busy.try_set(false);
        });
    });
    let rows = move || match revisions.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(f)) => view! { <ErrorBox failure=f/> }.into_any(),
        Some(Ok(list)) => view! {
            <div class="table-wrap"><table class="revisions">
                <thead><tr>
                    <th scope="col">{move || i.t("kb.version")}</th>
                    <th scope="col">{move || i.t("kb.saved_at")}</th>
                    <th scope="col">{move || i.t("kb.saved_by")}</th>
                    <th scope="col">{move || i.t("kb.state")}</th>
                    <th scope="col">{move || i.t("kb.article_title")}</th>
                    <th scope="col"><span class="sr-only">{move || i.t("kb.restore")}</span></th>
                </tr></thead>
                <tbody>{list.items.into_iter().map(|r| {
                    let by = r.updated_by.clone();
                    let titles = r.titles.iter().map(|(lang, title)| view! {
                        <span class="kb-title" lang=lang.clone()>{title.clone()}</span>
                    }).collect_view();
                    let (status, visibility) = (format!("kb.status.{}", wire(&r.status)), format!("kb.visibility.{}", wire(&r.visibility)));
                    let current = r.version == version;
                    let revision = r.version;
                    view! {
                        <tr>
                            <td>{r.version}{current.then(|| view! { " "<span class="muted">{move || i.t("kb.current")}</span> })}</td>
                            <td class="updated">{move || i.when(r.updated_at)}</td>
                            <td>{move || people.name(&by)}</td>
                            <td>{move || format!("{}, {}", i.t(&status), i.t(&visibility))}</td>
                            <td class="subject">{titles}</td>
                            <td>{(!current).then(|| view! {
                                <button type="button" disabled=busy
                                    aria-label=move || i.t("kb.restore_named").replace("{version}", &revision.to_string())
                                    on:click=move |_| restore.with_value(|restore| restore(revision))>
                                    {move || i.t("kb.restore")}
                                </button>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table></div>
        }
        .into_any(),
    };
    view! {
        <section class="card kb-history">
            <h2>
                <button type="button" class="disclosure" aria-expanded=move || open.get().to_string() aria-controls="kb-history-list"
                    on:click=move |_| open.update(|o| *o = !*o)>{move || i.t("kb.history")}</button>
            </h2>
            {move || conflict.get().then(|| view! {
                <div class="error" role="alert">
                    <span>{move || i.t("kb.conflict")}</span>
                    <button type="button" on:click=move |_| { restored.set(None); reload.update(|n| *n += 1) }>{move || i.t("ticket.reload")}</button>
                </div>
            })}
            {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
            <div id="kb-history-list" hidden=move || !open.get()>{move || open.get().then(rows)}</div>
        </section>
    }
}
