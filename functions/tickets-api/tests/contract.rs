//! The routes the handler serves, the routes the SAM template sends it, and the routes the
//! OpenAPI document describes are one and the same list.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use helpdesk_core::ErrorCode;
use std::collections::BTreeSet;
use tickets_api::routes::ROUTES;

fn served() -> BTreeSet<(String, String)> {
    ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect()
}

#[test]
fn the_template_routes_every_served_route_to_this_function() {
    let template = helpdesk_aws::template::read_template().unwrap();
    let routes = helpdesk_aws::template::http_routes(&template).unwrap();
    let declared: BTreeSet<(String, String)> =
        routes.iter().filter(|(function, _, _)| function == "TicketsApiFunction").map(|(_, m, p)| (m.clone(), p.clone())).collect();
    assert_eq!(declared, served());
    let searching: BTreeSet<(String, String)> =
        routes.iter().filter(|(function, _, _)| function == "SearchFunction").map(|(_, m, p)| (m.clone(), p.clone())).collect();
    assert_eq!(searching, search_routes(), "the search function's routes go to it");
    assert_eq!(routes.len(), ROUTES.len() + searching.len(), "a route is declared twice or on another function");
}

/// The search function's routes: one API, two functions.
fn search_routes() -> BTreeSet<(String, String)> {
    [helpdesk_core::search::SEARCH_PATH, helpdesk_core::search::SUGGEST_PATH].iter().map(|p| ("GET".to_string(), p.to_string())).collect()
}

#[test]
fn the_openapi_document_describes_every_served_route_and_no_other() {
    let doc: serde_json::Value = serde_json::from_str(tickets_api::OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().keys().filter(|k| methods.contains(&k.as_str())).map(|m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect();
    let mut whole_api = served();
    whole_api.extend(search_routes());
    assert_eq!(documented, whole_api);
}

#[test]
fn the_openapi_document_lists_every_error_code() {
    let doc: serde_json::Value = serde_json::from_str(tickets_api::OPENAPI).unwrap();
    assert_eq!(doc["components"]["schemas"]["ApiError"]["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode");
    let documented: Vec<String> =
        doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let codes: Vec<String> = ErrorCode::ALL.iter().map(|c| serde_json::to_value(c).unwrap().as_str().unwrap().to_string()).collect();
    assert_eq!(documented, codes);
}

#[test]
fn the_template_gives_the_function_exactly_the_environment_it_reads() {
    let template = helpdesk_aws::template::read_template().unwrap();
    let mut given = helpdesk_aws::template::function_environment(&template, "TicketsApiFunction").unwrap();
    assert!(given.remove("RUST_LOG"), "the log filter is set");
    assert!(given.remove("SECRETS_REVISION"), "raising it restarts every instance (key rotation)");
    let read: BTreeSet<String> = tickets_api::environment().iter().map(|v| v.to_string()).collect();
    assert_eq!(given, read);
}
