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

pub async fn report<S: Reports>(store: &S, zone: Tz, actor: &Actor, dimension: &str, req: &Request) -> Reply {
    require(allows(actor, Action::ViewReports, Resource::None), "see reports")?;
    let dimension: Dimension = serde_json::from_value(serde_json::Value::String(dimension.to_string())).map_err(|_| not_found("report"))?;
    let pairs = query_pairs(req);
    let query = ReportQuery::from_pairs(dimension, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let buckets = store.report_buckets(&query).await.map_err(store_error)?;
    let lines = reports::lines(&query, buckets.iter().map(|(k, c)| (k, c)));
    json(StatusCode::OK, &Report { dimension, from: query.from, to: query.to, time_zone: zone.name().to_string(), lines })
}
