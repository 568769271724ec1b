//! The backlog view: per day the tickets opened and resolved (bars) and the open count at the
//! day's end (a line), the same as a table, and the open tickets by age.

use crate::i18n::{I18n, wire};
use helpdesk_core::reports::Backlog;
use leptos::prelude::*;

fn chart(i: I18n, b: &Backlog) -> impl IntoView {
    let days = &b.days;
    let most = days.iter().map(|d| d.created.max(d.resolved).max(d.open_at_end.unwrap_or(0))).max().unwrap_or(0).max(1) as f64;
    let (left, top, width, height) = (40.0, 10.0, 640.0, 200.0);
    let step = width / days.len().max(1) as f64;
    let bar = (step / 3.0).clamp(1.0, 12.0);
    let y = |v: i64| top + height - v.max(0) as f64 / most * height;
    let bars = days
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let x = left + step * n as f64 + step / 2.0 - bar;
            view! {
                <rect x=x y=y(d.created) width=bar height=top + height - y(d.created) class="bar-created"></rect>
                <rect x=x + bar y=y(d.resolved) width=bar height=top + height - y(d.resolved) class="bar-resolved"></rect>
            }
        })
        .collect_view();
    let line: Vec<String> = days
        .iter()
        .enumerate()
        .filter_map(|(n, d)| d.open_at_end.map(|open| format!("{:.1},{:.1}", left + step * n as f64 + step / 2.0, y(open))))
        .collect();
    let summary = days
        .iter()
        .map(|d| {
            let open = d.open_at_end.map(|n| format!(", {} {n}", i.t("reports.open_at_end"))).unwrap_or_default();
            format!("{}: {} {}, {} {}{open}", i.day(d.day), i.t("reports.created"), d.created, i.t("reports.resolved"), d.resolved)
        })
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <figure class="report-chart">
            <svg viewBox=format!("0 0 {} {}", left + width + 10.0, top + height + 20.0) role="img" aria-labelledby="backlog-title backlog-desc">
                <title id="backlog-title">{i.t("reports.backlog_chart_title")}</title>
                <desc id="backlog-desc">{summary}</desc>
                <line x1=left y1=top + height x2=left + width y2=top + height class="axis"></line>
                <text x=left - 6.0 y=top + 8.0 text-anchor="end" class="chart-value">{most as i64}</text>
                <text x=left - 6.0 y=top + height text-anchor="end" class="chart-value">"0"</text>
                {bars}
                <polyline points=line.join(" ") class="line-open"></polyline>
            </svg>
            <figcaption class="legend">
                <span class="key key-created"></span>{i.t("reports.created")}
                <span class="key key-resolved"></span>{i.t("reports.resolved")}
                <span class="key key-open"></span>{i.t("reports.open_at_end")}
            </figcaption>
        </figure>
    }
}

pub fn view(i: I18n, b: Backlog) -> impl IntoView {
    let rules = i.t("reports.backlog_rules").replace("{zone}", &b.time_zone);
    let chart = chart(i, &b);
    let open_now = b.open_now;
    view! {
        <p class="help" id="report-rules">{rules}</p>
        <p class="count" role="status">{i.t("reports.open_now")}": "{open_now}</p>
        {chart}
        <h2>{i.t("reports.ageing")}</h2>
        <div class="table-wrap"><table class="report ageing">
            <thead><tr>
                <th scope="col">{i.t("reports.age")}</th>
                <th scope="col" class="num">{i.t("reports.open_now")}</th>
            </tr></thead>
            <tbody>{b.ageing.iter().map(|(band, n)| {
                let key = format!("reports.age.{}", wire(band));
                view! { <tr><th scope="row">{i.t(&key)}</th><td class="num">{*n}</td></tr> }
            }).collect_view()}</tbody>
        </table></div>
        <h2>{i.t("reports.per_day")}</h2>
        <div class="table-wrap"><table class="report backlog">
            <thead><tr>
                <th scope="col">{i.t("reports.day")}</th>
                <th scope="col" class="num">{i.t("reports.created")}</th>
                <th scope="col" class="num">{i.t("reports.resolved")}</th>
                <th scope="col" class="num">{i.t("reports.reopened")}</th>
                <th scope="col" class="num">{i.t("reports.open_at_end")}</th>
            </tr></thead>
            <tbody>{b.days.into_iter().map(|d| view! {
                <tr>
                    <th scope="row">{i.day(d.day)}</th>
                    <td class="num">{d.created}</td>
                    <td class="num">{d.resolved}</td>
                    <td class="num">{d.reopened}</td>
                    <td class="num">{d.open_at_end.map_or_else(|| "—".to_string(), |n| n.to_string())}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
    }
}
