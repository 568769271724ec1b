//! The committed OpenAPI document is the one the route table and the API types generate: it
//! cannot drift from what the server takes. After changing a route or an API type, rewrite it
//! with `UPDATE_OPENAPI=1 cargo test -p helpdesk-tests --test openapi`.

use serde_json::Value;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../functions/tickets-api/openapi.json");

#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = tickets_api::openapi::document_text().expect("the document serializes");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(COMMITTED, &generated).expect("write openapi.json");
        return;
    }
    assert!(
        tickets_api::OPENAPI == generated,
        "functions/tickets-api/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test -p helpdesk-tests --test openapi"
    );
}

/// The constraints the fuzzer found missing are in the document.
#[test]
fn the_document_carries_the_servers_constraints() {
    let doc: Value = serde_json::from_str(&tickets_api::openapi::document_text().unwrap()).unwrap();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["UpdateTicketRequest"]["properties"]["version"]["minimum"], 1, "no version 0 or below");
    assert_eq!(schemas["CreateTicketRequest"]["properties"]["subject"]["minLength"], 1, "no empty subject");
    assert_eq!(schemas["CreateTicketRequest"]["properties"]["subject"]["maxLength"], 200);
    assert_eq!(schemas["CreateTicketRequest"]["additionalProperties"], false, "unknown members are refused");
    assert!(schemas["UserInput"]["properties"]["id"]["pattern"].is_string());
    assert_eq!(schemas["FieldDef"]["properties"]["max"]["maximum"], 1e15);
    let get_user = &doc["paths"]["/api/users/{id}"]["get"];
    assert!(get_user["parameters"][0]["schema"]["pattern"].is_string(), "path ids have their pattern");
    let queue = &doc["paths"]["/api/tickets"]["get"]["parameters"];
    let limit = queue.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((limit["schema"]["minimum"].as_u64(), limit["schema"]["maximum"].as_u64()), (Some(1), Some(100)));
    let responses = doc["paths"]["/api/tickets/{id}"]["patch"]["responses"].as_object().unwrap();
    for status in ["200", "400", "401", "403", "404", "409", "413", "415", "422", "503"] {
        assert!(responses.contains_key(status), "PATCH /api/tickets/{{id}} documents {status}");
    }
}
