//! `GET /api/reports/{dimension}` and `GET /api/reports/backlog`: reports over a date range, read
//! from the buckets the reports function keeps (docs/reports.md) — never from the whole ticket
//! history, so what they read depends on the range (and on the tickets open now), not on how many
//! tickets there are.

use crate::{Reply, json, not_found, query_pairs, require, store_error};
use chrono::Utc;
use chrono_tz::Tz;
use helpdesk_aws::{Listing, Reports, TicketStore};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::query::{TicketQuery, TicketState};
use helpdesk_core::reports::{self, Dimension, Report, ReportQuery};
use helpdesk_core::{Actor, Ticket};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use std::collections::BTreeMap;

/// `format=csv`: the same report as a spreadsheet file (UTF-8 with a byte-order mark, so that
/// spreadsheet programs read Cyrillic right).
const CSV: &str = "csv";

/// The query string less `format`, checked, within what the reader may see.
fn question(actor: &Actor, dimension: Dimension, req: &Request) -> Result<(ReportQuery, Option<String>), helpdesk_core::ApiError> {
    require(allows(actor, Action::ViewReports, Resource::None), "see reports")?;
    let mut pairs = query_pairs(req);
    let format = pairs.iter().find(|(k, _)| k == "format").map(|(_, v)| v.clone());
    pairs.retain(|(k, _)| k != "format");
    if format.as_deref().is_some_and(|f| f != CSV) {
        return Err(helpdesk_core::query::bad_query("format", "csv, or none for JSON"));
    }
    let mut query = ReportQuery::from_pairs(dimension, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    query.within = reports::scope(actor);
    if let Some(group) = &query.group {
        require(query.within.is_empty() || query.within.contains(group), "see this group's reports")?;
    }
    Ok((query, format))
}

/// The tickets open now within the report's groups and topic, read from the queue index (only
/// open tickets, never the done ones).
async fn open_tickets<S: TicketStore>(store: &S, query: &ReportQuery) -> Result<Vec<Ticket>, helpdesk_core::ApiError> {
    let mut list = TicketQuery {
        state: Some(TicketState::Open),
        topic: query.topic.clone(),
        groups: query.groups(),
        limit: helpdesk_core::limits::MAX_PAGE_SIZE,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = store.list_tickets(Listing::Queues, &list).await.map_err(store_error)?;
        out.extend(page.items);
        match page.next_cursor {
            Some(cursor) => list.cursor = Some(cursor),
            None => return Ok(out),
        }
    }
}

fn csv_file(name: String, body: String) -> Reply {
    lambda_http::Response::builder()
        .status(StatusCode::OK)
        .header(lambda_http::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(lambda_http::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))
        .body(lambda_http::Body::Text(body))
        .map_err(|_| helpdesk_core::ApiError::new(helpdesk_core::ErrorCode::Internal, "internal error"))
}

pub async fn report<S: Reports + TicketStore>(store: &S, zone: Tz, actor: &Actor, dimension: &str, req: &Request) -> Reply {
    let dimension: Dimension = serde_json::from_value(serde_json::Value::String(dimension.to_string())).map_err(|_| not_found("report"))?;
    let (query, format) = question(actor, dimension, req)?;
    let buckets = store.report_buckets(&query).await.map_err(store_error)?;
    let mut lines = reports::lines(&query, buckets.iter().map(|(k, c)| (k, c)));
    let topics =
        if matches!(dimension, Dimension::Asset | Dimension::Topic) { store.list_topics().await.map_err(store_error)? } else { Vec::new() };
    if dimension == Dimension::Topic {
        let deflections = store.deflections(query.from, query.to).await.map_err(store_error)?;
        let group_of = |topic: &str| topics.iter().find(|t| t.id == topic).map(|t| t.default_group.clone());
        reports::with_deflections(&mut lines, &query, &deflections, group_of);
    }
    // The SLA plan of an open ticket needs its clocks: that dimension has no "open now".
    if dimension != Dimension::Plan {
        let mut open: BTreeMap<String, i64> = BTreeMap::new();
        for ticket in open_tickets(store, &query).await? {
            let tags = reports::asset_tags(&ticket, topics.iter().find(|t| t.id == ticket.topic));
            for (_, value) in reports::values(&ticket, &tags).into_iter().filter(|(d, _)| *d == dimension) {
                *open.entry(value).or_default() += 1;
            }
        }
        for line in &mut lines {
            line.open_now = Some(open.get(&line.value).copied().unwrap_or(0));
        }
    }
    let report = Report { dimension, from: query.from, to: query.to, time_zone: zone.name().to_string(), lines };
    match format {
        None => json(StatusCode::OK, &report),
        Some(_) => {
            csv_file(format!("report-{}-{}-{}.csv", helpdesk_core::wire_name(&dimension), report.from, report.to), reports::csv(&report))
        }
    }
}

pub async fn backlog<S: Reports + TicketStore>(store: &S, zone: Tz, actor: &Actor, req: &Request) -> Reply {
    let (query, format) = question(actor, Dimension::Group, req)?;
    let now = Utc::now();
    let today = now.with_timezone(&zone).date_naive();
    // Every day from the range's start to today: the open counts are worked back from now.
    let reads = ReportQuery { to: today.max(query.to), ..query.clone() };
    let buckets = store.report_buckets(&reads).await.map_err(store_error)?;
    let open: Vec<_> = open_tickets(store, &query).await?.iter().map(|t| t.created_at).collect();
    let backlog = reports::backlog(&query, today, buckets.iter().map(|(k, c)| (k, c)), &open, now, zone.name());
    match format {
        None => json(StatusCode::OK, &backlog),
        Some(_) => csv_file(format!("report-backlog-{}-{}.csv", backlog.from, backlog.to), reports::backlog_csv(&backlog)),
    }
}
