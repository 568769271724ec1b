//! Reports (`/reports`, admins and managers): one dimension (agent, group, topic, …) or the
//! backlog over a date range, maybe within a group and a topic, all in the address. The figures
//! come from the report buckets (docs/reports.md): a bar chart of the busiest values (created and
//! resolved), a table with medians and 90th percentiles — SLA compliance per target for plans and
//! priorities, the top problem requesters and equipment by breaches with their tickets a click
//! away — the rules the figures follow, and the same report as CSV.

use crate::api;
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use crate::pages::tickets::{group_options, topic_options, use_set_params};
use crate::people::use_people;
use helpdesk_core::api::{Items, TopicList};
use helpdesk_core::reports::{Dimension, Report, ReportLine, ReportQuery};
use helpdesk_core::sla::TargetKind;
use helpdesk_core::user::Group;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

mod backlog;

/// Values the chart shows at most (the table has them all).
const CHARTED: usize = 10;
/// The `by` of the backlog view, beside the dimensions.
const BACKLOG: &str = "backlog";
/// Problem requesters and equipment: how many the page lists.
const TOP: usize = 20;

/// The dimensions whose report is a "top N by breaches" with the tickets a click away.
fn is_problem_list(dimension: Dimension) -> bool {
    matches!(dimension, Dimension::Requester | Dimension::Asset)
}

/// The dimensions whose table shows SLA compliance per target.
fn shows_compliance(dimension: Dimension) -> bool {
    matches!(dimension, Dimension::Plan | Dimension::Priority)
}

/// A day as the API takes it, `days` before today in the browser's calendar.
fn day_before(days: u32) -> String {
    let date = js_sys::Date::new_0();
    date.set_time(date.get_time() - f64::from(days) * 86_400_000.0);
    format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date())
}

/// What a value is called on the page: people by name, groups and topics by the names in `names`
/// (in the UI's language, by id: those the filters list), the rest by their label or id.
fn label(
    i: I18n,
    people: crate::people::People,
    names: StoredValue<BTreeMap<String, String>>,
    dimension: Dimension,
    value: &str,
) -> String {
    match dimension {
        Dimension::Group | Dimension::Topic if value != helpdesk_core::reports::NONE => {
            names.with_value(|n| n.get(value).cloned()).unwrap_or_else(|| value.to_string())
        }
        Dimension::Agent if value == helpdesk_core::reports::NONE => i.t("reports.unassigned").to_string(),
        Dimension::Agent | Dimension::Requester => people.name(value),
        Dimension::Priority => i.t(&format!("priority.{value}")).to_string(),
        Dimension::Channel => i.t(&format!("channel.{value}")).to_string(),
        Dimension::Plan if value == helpdesk_core::reports::NONE => i.t("reports.no_plan").to_string(),
        // Deflections where the requester chose no topic (an article read on its own).
        Dimension::Topic if value == helpdesk_core::reports::NONE => i.t("reports.no_topic").to_string(),
        _ => value.to_string(),
    }
}

/// Horizontal bars, created and resolved, for the busiest values; described for screen readers.
/// `name` says what a value is called (names come in after the first drawing).
fn chart(i: I18n, lines: &[ReportLine], name: impl Fn(&str) -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    let shown: Vec<ReportLine> = lines.iter().take(CHARTED).cloned().collect();
    let most = shown.iter().map(|l| l.created.max(l.resolved)).max().unwrap_or(0).max(1) as f64;
    let (row, bar, left, width) = (34.0, 12.0, 180.0, 420.0);
    let height = row * shown.len() as f64 + 24.0;
    let described = shown.clone();
    let summary = move || {
        described
            .iter()
            .map(|l| format!("{}: {} {}, {} {}", name(&l.value), l.created, i.t("reports.created"), l.resolved, i.t("reports.resolved")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let bars = shown
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let value = l.value.clone();
            let y = 8.0 + row * n as f64;
            let w = |v: i64| (v.max(0) as f64 / most * width).max(if v > 0 { 2.0 } else { 0.0 });
            view! {
                <g>
                    <text x=left - 8.0 y=y + bar text-anchor="end" class="chart-label">{move || name(&value)}</text>
                    <rect x=left y=y width=w(l.created) height=bar class="bar-created"></rect>
                    <text x=left + w(l.created) + 4.0 y=y + bar - 2.0 class="chart-value">{l.created}</text>
                    <rect x=left y=y + bar + 2.0 width=w(l.resolved) height=bar class="bar-resolved"></rect>
                    <text x=left + w(l.resolved) + 4.0 y=y + 2.0 * bar class="chart-value">{l.resolved}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="report-chart">
            <svg viewBox=format!("0 0 {} {height}", left + width + 40.0) role="img" aria-labelledby="chart-title chart-desc">
                <title id="chart-title">{i.t("reports.chart_title")}</title>
                <desc id="chart-desc">{summary}</desc>
                {bars}
            </svg>
            <figcaption class="legend">
                <span class="key key-created"></span>{i.t("reports.created")}
                <span class="key key-resolved"></span>{i.t("reports.resolved")}
            </figcaption>
        </figure>
    }
}

/// Where a report's line leads: the tickets behind a problem requester or asset (search), a
/// topic's trend (its backlog).
fn drill_down(dimension: Dimension, value: &str, from: &str, to: &str) -> Option<(String, &'static str)> {
    let pairs = |extra: [(&'static str, String); 2]| {
        let mut pairs = vec![("from", from.to_string()), ("to", to.to_string())];
        pairs.extend(extra);
        pairs
    };
    match dimension {
        Dimension::Requester | Dimension::Asset => {
            Some((api::with_query("/search", &pairs([("scope", "tickets".into()), ("q", value.to_string())])), "reports.tickets"))
        }
        Dimension::Topic => {
            Some((api::with_query("/reports", &pairs([("by", BACKLOG.into()), ("topic", value.to_string())])), "reports.trend"))
        }
        _ => None,
    }
}

/// "80 % (4/5)": good ratings among all, or a dash when nobody rated.
fn satisfaction(line: &ReportLine) -> String {
    match line.satisfaction {
        Some(share) => format!("{:.0} % ({}/{})", share * 100.0, line.rated_good, line.rated_good + line.rated_bad),
        None => "—".into(),
    }
}

fn table(i: I18n, report: Report, name: impl Fn(&str) -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    let dimension = report.dimension;
    let (from, to) = (report.from.to_string(), report.to.to_string());
    let minutes = move |m: Option<i64>| m.map(|m| i.duration(m * 60)).unwrap_or_else(|| "—".into());
    let head = format!("reports.dimension.{}", wire(&dimension));
    let compliance = shows_compliance(dimension);
    let breach_targets = [TargetKind::FirstResponse, TargetKind::Resolution];
    let compliance_targets = [TargetKind::FirstResponse, TargetKind::NextResponse, TargetKind::Resolution, TargetKind::Deadline];
    let open_now = report.lines.iter().any(|l| l.open_now.is_some());
    let deflected = report.lines.iter().any(|l| l.deflected.is_some());
    let links = drill_down(dimension, "", &from, &to).is_some();
    let th = move |key: &'static str| view! { <th scope="col" class="num">{i.t(key)}</th> };
    view! {
        <div class="table-wrap"><table class="report">
            <thead><tr>
                <th scope="col">{i.t(&head)}</th>
                {th("reports.created")}
                {th("reports.first_responses")}
                {th("reports.resolved")}
                {th("reports.reopened")}
                {th("reports.reopen_rate")}
                {open_now.then(|| th("reports.open_now"))}
                {th("reports.satisfaction")}
                {deflected.then(|| th("reports.deflected"))}
                {(!compliance).then(|| breach_targets.map(|t| th(if t == TargetKind::FirstResponse { "reports.breaches.first_response" } else { "reports.breaches.resolution" })))}
                {compliance.then(|| compliance_targets.map(|t| {
                    let key = format!("sla.{}", wire(&t));
                    view! { <th scope="col" class="num">{i.t(&key)}" · "{i.t("reports.compliance")}</th> }
                }))}
                {th("reports.first_response_median")}
                {th("reports.first_response_p90")}
                {th("reports.resolution_median")}
                {th("reports.resolution_p90")}
                {links.then(|| view! { <th scope="col"><span class="sr-only">{i.t("reports.more")}</span></th> })}
            </tr></thead>
            <tbody>{report.lines.into_iter().map(|l| {
                let value = l.value.clone();
                let link = drill_down(dimension, &l.value, &from, &to);
                view! {
                <tr>
                    <th scope="row">{move || name(&value)}</th>
                    <td class="num">{l.created}</td>
                    <td class="num">{l.first_responses}</td>
                    <td class="num">{l.resolved}</td>
                    <td class="num">{l.reopened}</td>
                    <td class="num">{format!("{:.0} %", l.reopen_rate * 100.0)}</td>
                    {open_now.then(|| view! { <td class="num">{l.open_now.unwrap_or(0)}</td> })}
                    <td class="num">{satisfaction(&l)}</td>
                    {deflected.then(|| view! { <td class="num">{l.deflected.unwrap_or(0)}</td> })}
                    {(!compliance).then(|| breach_targets.map(|t| view! { <td class="num">{l.breaches.get(&t).copied().unwrap_or(0)}</td> }))}
                    {compliance.then(|| compliance_targets.map(|t| {
                        let (met, breached) = (l.met.get(&t).copied().unwrap_or(0), l.breaches.get(&t).copied().unwrap_or(0));
                        let share = l.compliance.get(&t).map(|c| format!(" ({:.0} %)", c * 100.0)).unwrap_or_default();
                        let text = move || if met + breached == 0 { "—".to_string() } else {
                            format!("{met} {} / {breached} {}{share}", i.t("reports.met"), i.t("reports.breached"))
                        };
                        view! { <td class="num">{text}</td> }
                    }))}
                    <td class="num">{minutes(l.first_response_median_minutes)}</td>
                    <td class="num">{minutes(l.first_response_p90_minutes)}</td>
                    <td class="num">{minutes(l.resolution_median_minutes)}</td>
                    <td class="num">{minutes(l.resolution_p90_minutes)}</td>
                    {link.map(|(href, key)| view! { <td><a href=href>{i.t(key)}</a></td> })}
                </tr>
            }}).collect_view()}</tbody>
        </table></div>
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i = use_i18n();
    let session = crate::app::use_session();
    let people = use_people();
    let query = use_query_map();
    let set_params = use_set_params();
    let param = move |name: &'static str| Signal::derive(move || query.with(|q| q.get(name).unwrap_or_default()));
    let (topic, group) = (param("topic"), param("group"));
    let backlog_shown = Signal::derive(move || param("by").get() == BACKLOG);
    let dimension = Signal::derive(move || {
        let named = param("by").get();
        Dimension::ALL.into_iter().find(|d| wire(d) == named).unwrap_or(Dimension::Agent)
    });
    let from = Signal::derive(move || Some(param("from").get()).filter(|d| !d.is_empty()).unwrap_or_else(|| day_before(29)));
    let to = Signal::derive(move || Some(param("to").get()).filter(|d| !d.is_empty()).unwrap_or_else(|| day_before(0)));
    let pairs = move || {
        let mut pairs = vec![("from", from.get()), ("to", to.get())];
        pairs.extend([("group", group.get()), ("topic", topic.get())].into_iter().filter(|(_, v)| !v.is_empty()));
        if !backlog_shown.get() && is_problem_list(dimension.get()) {
            pairs.extend([("sort", "breaches".to_string()), ("limit", TOP.to_string())]);
        }
        pairs
    };
    let path =
        move || if backlog_shown.get() { format!("/api/reports/{BACKLOG}") } else { format!("/api/reports/{}", wire(&dimension.get())) };
    // The server's own check of the question, here first: a range it would refuse is said so.
    let valid = Signal::derive(move || {
        let pairs = pairs();
        ReportQuery::from_pairs(dimension.get(), pairs.iter().map(|(k, v)| (*k, v.as_str()))).is_ok()
    });
    let report = api::Fetched::<Report>::new(Signal::derive(move || {
        (valid.get() && !backlog_shown.get()).then(|| api::with_query(&path(), &pairs()))
    }));
    let backlog = api::Fetched::<helpdesk_core::reports::Backlog>::new(Signal::derive(move || {
        (valid.get() && backlog_shown.get()).then(|| api::with_query(&path(), &pairs()))
    }));
    let csv = move || {
        let mut pairs = pairs();
        pairs.push(("format", "csv".into()));
        api::with_query(&path(), &pairs)
    };
    let topics = api::Fetched::<TopicList>::fixed("/api/topics");
    let groups = api::Fetched::<Items<Group>>::fixed("/api/groups");
    let choose = {
        let set_params = set_params.clone();
        move |name: &'static str| {
            let set_params = set_params.clone();
            move |ev: leptos::ev::Event| set_params(&[(name, Some(event_target_value(&ev)))])
        }
    };
    let content = move || {
        let valid = valid.get();
        Suspend::new(async move {
            if !valid {
                return view! { <p class="error" role="alert">{i.t("reports.range_invalid")}</p> }.into_any();
            }
            if backlog_shown.get_untracked() {
                return match backlog.load().await {
                    Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                    Ok(b) => backlog::view(i, b).into_any(),
                };
            }
            match report.load().await {
                Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
                Ok(report) => {
                    let zone = report.time_zone.clone();
                    let rules = view! { <p class="help" id="report-rules">{i.t("reports.rules").replace("{zone}", &zone)}</p> };
                    if report.lines.is_empty() {
                        return view! { {rules} <p class="empty" role="status">{i.t("reports.none")}</p> }.into_any();
                    }
                    let dimension = report.dimension;
                    let known: BTreeMap<String, String> = match dimension {
                        Dimension::Group => groups
                            .load()
                            .await
                            .map(|g| g.items)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|g| {
                                let name = g.name_in(i.code()).to_string();
                                (g.id, name)
                            })
                            .collect(),
                        Dimension::Topic => topics
                            .load()
                            .await
                            .map(|t| t.items)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|t| (t.id.clone(), i.local(&t.name)))
                            .collect(),
                        _ => BTreeMap::new(),
                    };
                    let names = StoredValue::new(known);
                    let name = move |value: &str| label(i, people, names, dimension, value);
                    let chart = chart(i, &report.lines, name);
                    let top = is_problem_list(dimension)
                        .then(|| view! { <p class="help">{i.t("reports.top_note").replace("{n}", &TOP.to_string())}</p> });
                    view! { {rules} {top} {chart} {table(i, report, name)} }.into_any()
                }
            }
        })
    };
    view! {
        <section class="reports">
            <h1>{move || i.t("reports.title")}</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default() aria-describedby="report-rules">
                <div class="filter">
                    <label for="report-by">{move || i.t("reports.by")}</label>
                    <select id="report-by" on:change=choose("by")>
                        {Dimension::ALL.map(|d| {
                            let (value, key) = (wire(&d), format!("reports.dimension.{}", wire(&d)));
                            view! { <option value=value selected=move || !backlog_shown.get() && dimension.get() == d>{move || i.t(&key)}</option> }
                        }).into_iter().collect_view()}
                        <option value=BACKLOG selected=backlog_shown>{move || i.t("reports.dimension.backlog")}</option>
                    </select>
                </div>
                <div class="filter">
                    <label for="report-from">{move || i.t("reports.from")}</label>
                    <input id="report-from" type="date" prop:value=from on:change=choose("from")/>
                </div>
                <div class="filter">
                    <label for="report-to">{move || i.t("reports.to")}</label>
                    <input id="report-to" type="date" prop:value=to on:change=choose("to")/>
                </div>
                <div class="filter">
                    <label for="report-group">{move || i.t("ticket.group")}</label>
                    <select id="report-group" on:change=choose("group")>
                        <option value="" selected=move || group.with(String::is_empty)>{move || i.t("queue.any")}</option>
                        {group_options(i, groups, group, session.report_scope())}
                    </select>
                </div>
                <div class="filter">
                    <label for="report-topic">{move || i.t("ticket.topic")}</label>
                    <select id="report-topic" on:change=choose("topic")>
                        <option value="" selected=move || topic.with(String::is_empty)>{move || i.t("queue.any_topic")}</option>
                        {topic_options(i, topics, topic)}
                    </select>
                </div>
                // No file for a question the server would refuse (the page says what is wrong).
                {move || valid.get().then(|| view! {
                    <div class="filter end">
                        <a class="button" href=csv download="">{move || i.t("reports.download_csv")}</a>
                    </div>
                })}
            </form>
            {loaded(content)}
        </section>
    }
}
