//! `GET /api/reports/{dimension}`: one report over a date range, read from the buckets the reports
//! function keeps (docs/reports.md) — never from the tickets, so what it reads depends on the
//! range, not on how many tickets there are.

use crate::{Reply, json, not_found, query_pairs, require, store_error};
use chrono_tz::Tz;
use helpdesk_aws::Reports;
use helpdesk_core::Actor;
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::reports::{self, Dimension, Report, ReportQuery};
use lambda_http::Request;
use lambda_http::http::StatusCode;

/// `format=csv`: the same report as a spreadsheet file (UTF-8 with a byte-order mark, so that
/// spreadsheet programs read Cyrillic right).
const CSV: &str = "csv";

pub async fn report<S: Reports>(store: &S, zone: Tz, actor: &Actor, dimension: &str, req: &Request) -> Reply {
    require(allows(actor, Action::ViewReports, Resource::None), "see reports")?;
    let dimension: Dimension = serde_json::from_value(serde_json::Value::String(dimension.to_string())).map_err(|_| not_found("report"))?;
    let mut pairs = query_pairs(req);
    let format = pairs.iter().find(|(k, _)| k == "format").map(|(_, v)| v.clone());
    pairs.retain(|(k, _)| k != "format");
    if format.as_deref().is_some_and(|f| f != CSV) {
        return Err(helpdesk_core::query::bad_query("format", "csv, or none for JSON"));
    }
    let query = ReportQuery::from_pairs(dimension, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let buckets = store.report_buckets(&query).await.map_err(store_error)?;
    let lines = reports::lines(&query, buckets.iter().map(|(k, c)| (k, c)));
    let report = Report { dimension, from: query.from, to: query.to, time_zone: zone.name().to_string(), lines };
    if format.is_none() {
        return json(StatusCode::OK, &report);
    }
    let name = format!("report-{}-{}-{}.csv", helpdesk_core::wire_name(&dimension), report.from, report.to);
    lambda_http::Response::builder()
        .status(StatusCode::OK)
        .header(lambda_http::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(lambda_http::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))
        .body(lambda_http::Body::Text(reports::csv(&report)))
        .map_err(|_| helpdesk_core::ApiError::new(helpdesk_core::ErrorCode::Internal, "internal error"))
}
