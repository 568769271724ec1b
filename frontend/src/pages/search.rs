//! Search over tickets and articles (`/search`): the words, where to look, and for tickets their
//! status, topic, group and creation days, all in the address (Back, reload and a shared link
//! restore them). The server answers only what the reader may see: staff their reach and the
//! articles, requesters their own tickets and public articles. Staff reach it from the search box
//! in the navigation.

use crate::api;
use crate::app::use_session;
use crate::components::{ErrorBox, StatusBadge, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use crate::pages::kb::{article_path, state_badges};
use crate::pages::tickets::{group_options, topic_options, use_set_params};
use helpdesk_core::api::{Items, TopicList};
use helpdesk_core::knowledge::{ArticleStatus, Visibility};
use helpdesk_core::search::{HitKind, MAX_HITS, MAX_QUERY_CHARS, SearchHit, SearchResults};
use helpdesk_core::user::Group;
use helpdesk_core::{Status, TicketNumber};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The ticket filters, as named in the address and the API.
const TICKET_FILTERS: [&str; 5] = ["status", "topic", "group", "from", "to"];

/// The search box in the staff navigation: it opens `/search` with the words.
#[component]
pub fn NavSearch() -> impl IntoView {
    let i = use_i18n();
    let typed = RwSignal::new(String::new());
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let words = typed.get_untracked().trim().to_string();
        if !words.is_empty() {
            navigate(&api::with_query("/search", &[("q", words)]), Default::default());
        }
    };
    view! {
        <form class="nav-search" role="search" on:submit=submit>
            <label for="nav-search" class="sr-only">{move || i.t("nav.search_label")}</label>
            <input id="nav-search" type="search" maxlength=MAX_QUERY_CHARS.to_string() placeholder=move || i.t("nav.search_placeholder")
                prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev))/>
        </form>
    }
}

/// Found tickets and articles, each linked to its page.
pub fn hit_list(i: I18n, hits: Vec<SearchHit>) -> impl IntoView {
    if hits.is_empty() {
        return view! { <p class="empty" role="status">{move || i.t("search.none")}</p> }.into_any();
    }
    let count = hits.len() as u64;
    view! {
        <p class="count" role="status">{move || i.count("search.results", count)}</p>
        <ol class="hits">{hits.into_iter().map(|hit| hit_item(i, hit)).collect_view()}</ol>
    }
    .into_any()
}

fn hit_item(i: I18n, hit: SearchHit) -> impl IntoView {
    let kind = match hit.kind {
        HitKind::Ticket => "ticket",
        HitKind::Article => "article",
    };
    let kind_key = format!("search.kind.{kind}");
    let heading = match hit.kind {
        HitKind::Ticket => {
            let number = hit.number.map(|n| TicketNumber(n).to_string());
            let href = format!("/tickets/{}", api::segment(number.as_deref().unwrap_or(&hit.id)));
            view! {
                <A href=href>{number.map(|n| view! { <span class="number">{n}</span>" " })}{hit.title.clone()}</A>
                {hit.status.map(|status| view! { <StatusBadge status=status/> })}
            }
            .into_any()
        }
        HitKind::Article => {
            let lang = hit.lang.clone().unwrap_or_default();
            let other = lang.clone();
            let status = hit.article_status.unwrap_or(ArticleStatus::Published);
            let visibility = hit.visibility.unwrap_or(Visibility::Public);
            view! {
                <A href=article_path(&hit.id)><span lang=lang.clone()>{hit.title.clone()}</span></A>
                {state_badges(i, status, visibility)}
                {move || (!other.is_empty() && other != i.code()).then(|| {
                    let key = format!("search.in_language.{other}");
                    view! { <span class="muted">{i.t(&key)}</span> }
                })}
            }
            .into_any()
        }
    };
    let (snippet, at) = (hit.snippet, hit.updated_at);
    view! {
        <li class=format!("hit hit-{kind}")>
            <div class="hit-head">
                <span class="badge kind">{move || i.t(&kind_key)}</span>
                {heading}
            </div>
            {(!snippet.is_empty()).then(|| view! { <p class="snippet">{snippet}</p> })}
            <p class="muted">{move || format!("{} {}", i.t("ticket.updated"), i.when(at))}</p>
        </li>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    // Ticket filters for those who read the queues (staff, managers).
    let staff = session.reads_queues();
    let query = use_query_map();
    let set_params = use_set_params();
    let param = move |name: &'static str| Signal::derive(move || query.with(|q| q.get(name).unwrap_or_default()));
    let (q, topic, group, from, to) = (param("q"), param("topic"), param("group"), param("from"), param("to"));
    let scope = Signal::derive(move || Some(param("scope").get()).filter(|s| !s.is_empty()).unwrap_or_else(|| "all".into()));
    // Statuses: several, joined by commas in the address; repeated in the API's query.
    let statuses = Signal::derive(move || {
        query.with(|q| {
            q.get("status").map(|s| s.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>()).unwrap_or_default()
        })
    });
    let typed = RwSignal::new(String::new());
    Effect::new(move || typed.set(q.get()));
    let for_tickets = move || scope.get() != "articles";
    let filtering =
        move || for_tickets() && (!statuses.with(Vec::is_empty) || [topic, group, from, to].iter().any(|f| !f.with(String::is_empty)));
    let results = api::Fetched::<SearchResults>::new(Signal::derive(move || {
        let words = q.get().trim().to_string();
        if words.is_empty() {
            return None;
        }
        let mut pairs = vec![("q", words), ("scope", scope.get()), ("lang", i.code().to_string()), ("limit", MAX_HITS.to_string())];
        if for_tickets() {
            pairs.extend(statuses.get().into_iter().map(|s| ("status", s)));
            pairs.extend([("topic", topic.get()), ("from", from.get()), ("to", to.get())]);
            if staff {
                pairs.push(("group", group.get()));
            }
        }
        Some(api::with_query("/api/search", &pairs))
    }));
    let topics = api::Fetched::<TopicList>::fixed("/api/topics");
    let groups = staff.then(|| api::Fetched::<Items<Group>>::fixed("/api/groups"));
    let submit = {
        let set_params = set_params.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            set_params(&[("q", Some(typed.get_untracked().trim().to_string()))]);
        }
    };
    let choose = {
        let set_params = set_params.clone();
        move |name: &'static str| {
            let set_params = set_params.clone();
            move |ev: leptos::ev::Event| set_params(&[(name, Some(event_target_value(&ev)))])
        }
    };
    let toggle_status = {
        let set_params = set_params.clone();
        move |status: String, on: bool| {
            let mut chosen = statuses.get_untracked();
            chosen.retain(|s| *s != status);
            if on {
                chosen.push(status);
            }
            set_params(&[("status", Some(chosen.join(",")))]);
        }
    };
    let clear = {
        let set_params = set_params.clone();
        move |_| set_params(&TICKET_FILTERS.map(|f| (f, None)))
    };
    let scope_option = move |value: &'static str| {
        let key = format!("search.scope.{value}");
        view! { <option value=value selected=move || scope.get() == value>{move || i.t(&key)}</option> }
    };
    let content = move || {
        let searching = !q.with(|q| q.trim().is_empty());
        Suspend::new(async move {
            if !searching {
                return view! { <p class="muted">{move || i.t("search.prompt")}</p> }.into_any();
            }
            match results.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(found) => hit_list(i, found.hits).into_any(),
            }
        })
    };
    view! {
        <section class="search">
            <h1>{move || i.t("search.title")}</h1>
            <form class="filters" role="search" on:submit=submit>
                <div class="filter grow">
                    <label for="search-q">{move || i.t("search.query")}</label>
                    <div class="search-row">
                        <input id="search-q" type="search" maxlength=MAX_QUERY_CHARS.to_string()
                            prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev))/>
                        <button type="submit" class="primary">{move || i.t("search.submit")}</button>
                    </div>
                </div>
                <div class="filter">
                    <label for="search-scope">{move || i.t("search.scope")}</label>
                    <select id="search-scope" on:change=choose("scope")>
                        {scope_option("all")}
                        {scope_option("tickets")}
                        {scope_option("articles")}
                    </select>
                </div>
            </form>
            <form class="filters" on:submit=|ev| ev.prevent_default() aria-label=move || i.t("search.ticket_filters")>
                <fieldset class="filter statuses" disabled=move || !for_tickets()>
                    <legend>{move || i.t("ticket.status")}</legend>
                    {Status::ALL.into_iter().map(|s| {
                        let name = wire(&s);
                        let (checked, toggled) = (name.clone(), name.clone());
                        let toggle = toggle_status.clone();
                        view! {
                            <label class="choice">
                                <input type="checkbox" prop:checked=move || statuses.with(|c| c.contains(&checked))
                                    on:change=move |ev| toggle(toggled.clone(), event_target_checked(&ev))/>
                                {move || i.t(&format!("status.{name}"))}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="filter">
                    <label for="search-topic">{move || i.t("ticket.topic")}</label>
                    <select id="search-topic" on:change=choose("topic") disabled=move || !for_tickets()>
                        <option value="" selected=move || topic.with(String::is_empty)>{move || i.t("queue.any_topic")}</option>
                        {topic_options(i, topics, topic)}
                    </select>
                </div>
                {staff.then(|| view! {
                    <div class="filter">
                        <label for="search-group">{move || i.t("ticket.group")}</label>
                        <select id="search-group" on:change=choose("group") disabled=move || !for_tickets()>
                            <option value="" selected=move || group.with(String::is_empty)>{move || i.t("queue.any")}</option>
                            {groups.map(|g| group_options(i, g, group, Vec::new()))}
                        </select>
                    </div>
                })}
                <div class="filter">
                    <label for="search-from">{move || i.t("search.from")}</label>
                    <input id="search-from" type="date" prop:value=from on:change=choose("from") disabled=move || !for_tickets()/>
                </div>
                <div class="filter">
                    <label for="search-to">{move || i.t("search.to")}</label>
                    <input id="search-to" type="date" prop:value=to on:change=choose("to") disabled=move || !for_tickets()/>
                </div>
                <div class="filter end">
                    <button type="button" on:click=clear disabled=move || !filtering()>{move || i.t("search.clear")}</button>
                </div>
            </form>
            {move || (filtering() && scope.get() == "all").then(|| view! { <p class="muted">{move || i.t("search.filters_hint")}</p> })}
            {loaded(content)}
        </section>
    }
}
