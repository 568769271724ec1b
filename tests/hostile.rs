//! Hostile input on every route: over-long and malformed ids, cursors, query values, headers,
//! bodies and numbers, as an API fuzzer or an attacker sends them. Whatever comes in, the answer
//! is a 2xx or a 4xx with a stable error code, never a 5xx.

use base64::Engine;
use helpdesk_tests::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use tickets_api::routes::ROUTES;

/// A runtime and an app with a ticket and two topics, one of them with an unbounded number field.
fn app() -> (tokio::runtime::Runtime, TestApp) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let app = runtime.block_on(async {
        let t = test_app().await;
        assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
        // A number field without bounds: only the field limits stand between it and the store.
        let unbounded = json!({"id": "survey", "name": {"en": "Survey"}, "default_group": "service-desk",
                "fields": [{"key": "count", "label": {"en": "Count"}, "kind": "number"}]});
        assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(unbounded)).await.status, 201);
        assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("target"))).await.status, 201);
        t
    });
    (runtime, app)
}

fn forged_cursor(key: Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_string())
}

fn hostile_strings() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "x".repeat(1024),
        "y".repeat(2100),
        "none".into(),
        "*".into(),
        "../../etc/passwd".into(),
        "%00".into(),
        "\u{0}".into(),
        "a#b".into(),
        "HD-0".into(),
        "HD-99999999999999999999999".into(),
        "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
        "Ивaн".into(),
        "😀".repeat(300),
        forged_cursor(json!({"PK": "", "SK": "", "GSI3PK": "", "GSI3SK": ""})),
        forged_cursor(json!({"PK": "x".repeat(3000), "SK": "y", "GSI3PK": "GRP#service-desk", "GSI3SK": "z"})),
        forged_cursor(json!({"PK": "USERS", "SK": ""})),
        "!!not-base64!!".into(),
    ]
}

fn hostile_values() -> Vec<Value> {
    let mut values: Vec<Value> = hostile_strings().into_iter().map(Value::String).collect();
    values.extend([
        json!(1e300),
        json!(-1e200),
        json!(5e-324),
        json!(1e126),
        json!(-1e-131),
        json!(f64::MAX),
        json!(f64::MIN_POSITIVE),
        json!(123_456_789_012_345_678_901_234_567_890_f64),
        json!(-0.0),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(null),
        json!(true),
        json!([]),
        json!([1e300, "x"]),
        json!({"a": {"b": {"c": [1, 2, {"d": "e"}]}}}),
        json!({"count": 1e300}),
        json!({"count": 5e-324, "location": "y".repeat(3000)}),
    ]);
    values
}

/// The members the API's bodies take, to put hostile values under.
const MEMBERS: &[&str] = &[
    "fields.count",
    "fields.location",
    "fields.copies",
    "username",
    "password",
    "topic",
    "subject",
    "description",
    "fields",
    "requester",
    "channel",
    "priority",
    "status",
    "assignee",
    "group",
    "version",
    "body",
    "id",
    "name",
    "email",
    "role",
    "groups",
    "language",
    "default_group",
    "calendar",
    "time_zone",
    "targets",
    "active",
    "options",
    "min",
    "max",
    "integer",
    "hours",
    "holidays",
];

const QUERY_NAMES: &[&str] = &["cursor", "limit", "status", "priority", "topic", "assignee", "group", "q", "staff", "all"];

const ACTORS: &[Option<&str>] = &[None, ANNA, AGENT, OTHER_AGENT, ADMIN];

#[derive(Debug, Clone)]
struct Case {
    route: usize,
    id: usize,
    query: Option<(usize, usize)>,
    body: Vec<(usize, usize)>,
    raw_body: Option<usize>,
    header: Option<usize>,
    actor: usize,
}

fn cases(route: usize) -> impl Strategy<Value = Case> {
    let strings = hostile_strings().len();
    let values = hostile_values().len();
    (
        Just(route),
        0..strings + 2,
        proptest::option::of((0..QUERY_NAMES.len(), 0..strings)),
        proptest::collection::vec((0..MEMBERS.len(), 0..values), 1..3),
        proptest::option::weighted(0.1, 0..4usize),
        proptest::option::weighted(0.3, 0..4usize),
        // Mostly signed in, so the checks behind authentication are reached.
        prop_oneof![1 => Just(0usize), 6 => 1..ACTORS.len()],
    )
        .prop_map(|(route, id, query, body, raw_body, header, actor)| Case { route, id, query, body, raw_body, header, actor })
}

/// A well-formed body for the route, so that hostile members reach the checks behind parsing.
fn base_body(method: &str, path: &str, id: usize) -> Value {
    let fields = if id.is_multiple_of(2) { json!({"count": 1}) } else { json!({"location": "l", "problem": "jam"}) };
    let topic = if id.is_multiple_of(2) { "survey" } else { "printer" };
    match (method, path) {
        ("POST", "/api/auth/login") => json!({"username": "anna", "password": "wrong password"}),
        ("POST", "/api/tickets") => json!({"topic": topic, "subject": "s", "description": "d", "fields": fields}),
        ("PATCH", "/api/tickets/{id}") => json!({"version": 1, "fields": {}}),
        ("POST", "/api/tickets/{id}/replies") | ("POST", "/api/tickets/{id}/notes") => json!({"body": "hello"}),
        ("POST", "/api/topics") | ("PUT", "/api/topics/{id}") => printer_topic(),
        ("POST", "/api/users") | ("PUT", "/api/users/{id}") => {
            json!({"id": "new.user", "name": "N", "email": "n@example.org", "role": "agent"})
        }
        ("POST", "/api/groups") | ("PUT", "/api/groups/{id}") => json!({"id": "new-group", "name": "New"}),
        ("PATCH", "/api/auth/me") => json!({"language": "ru"}),
        _ => json!({}),
    }
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn run(t: &TestApp, case: &Case) -> (String, Answer) {
    let strings = hostile_strings();
    let route = &ROUTES[case.route];
    // Mostly hostile ids; sometimes ones that exist, so the body checks are reached.
    let existing = match route.path {
        p if p.starts_with("/api/tickets/") => "HD-1001",
        // Changes go to a spare topic: the tickets' topics must stay open for the other cases.
        p if p.starts_with("/api/topics/") => "spare",
        p if p.starts_with("/api/users/") => "anna",
        p if p.starts_with("/api/groups/") => "network",
        _ => "printer",
    };
    let id = match case.id {
        i if i < strings.len() => encode(&strings[i]),
        _ => existing.to_string(),
    };
    let mut path = route.path.replace("{id}", &id);
    if let Some((name, value)) = case.query {
        path = format!("{path}?{}={}", QUERY_NAMES[name], encode(&strings[value]));
    }
    let values = hostile_values();
    // A body the route would take, with hostile values put over some of its members.
    let mut body = match base_body(route.method, route.path, case.id) {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    // Mostly the members this route's body has, sometimes any member at all.
    let own: Vec<String> = body
        .iter()
        .flat_map(|(key, value)| match value {
            Value::Object(fields) if key == "fields" => fields.keys().map(|k| format!("fields.{k}")).collect(),
            _ => vec![key.clone()],
        })
        .collect();
    let names: Vec<String> = own.into_iter().chain(MEMBERS.iter().take(3).map(|m| m.to_string())).collect();
    for (member, value) in &case.body {
        let name = if *member % 8 == 0 { MEMBERS[*member].to_string() } else { names[*member % names.len()].clone() };
        match name.strip_prefix("fields.") {
            Some(field) => {
                let fields = body.entry("fields").or_insert_with(|| json!({}));
                if let Some(fields) = fields.as_object_mut() {
                    fields.insert(field.to_string(), values[*value].clone());
                }
            }
            None => {
                body.insert(name.clone(), values[*value].clone());
            }
        }
    }
    let (bytes, content_type) = match case.raw_body {
        Some(0) => (b"{\"body\": ".to_vec(), "application/json"),
        Some(1) => (vec![0xff, 0xfe, 0x00], "application/json"),
        Some(2) => (b"username=a&password=b".to_vec(), "application/x-www-form-urlencoded"),
        Some(_) => (format!("[{}]", "[".repeat(200)).into_bytes(), "application/json"),
        None if route.method == "GET" || route.method == "DELETE" => (Vec::new(), "application/json"),
        None => (Value::Object(body).to_string().into_bytes(), "application/json"),
    };
    let long = "z".repeat(2100);
    let headers: Vec<(&str, &str)> = match case.header {
        Some(0) => vec![("x-forwarded-for", long.as_str())],
        Some(1) => vec![("cookie", long.as_str())],
        Some(2) => vec![("x-origin-verify", long.as_str()), ("x-forwarded-for", "not an address, 1.2.3.4")],
        Some(_) => vec![("cookie", "hd_session=; hd_device=garbage.garbage.garbage")],
        None => vec![],
    };
    let answer = t.call_with(route.method, &path, ACTORS[case.actor], bytes, content_type, &headers).await;
    (format!("{} {path} as {:?}", route.method, ACTORS[case.actor]), answer)
}

/// Cases per route.
const CASES_PER_ROUTE: u32 = 100;

/// The routes are fuzzed in parts, each a test of its own on its own table, so that a test
/// runner can run them side by side (one part took minutes). One list names the tests and counts
/// the parts: a part added there is a test and a share of the routes at once.
macro_rules! fuzz_in_parts {
    ($($test:ident),+ $(,)?) => {
        const PARTS: usize = [$(stringify!($test)),+].len();
        fuzz_in_parts!(@tests 0usize, $($test),+);
    };
    (@tests $part:expr, $test:ident $(, $rest:ident)*) => {
        #[test]
        fn $test() {
            no_input_makes_the_api_fail($part);
        }
        fuzz_in_parts!(@tests $part + 1, $($rest),*);
    };
    (@tests $part:expr,) => {};
}

fuzz_in_parts!(
    no_input_makes_the_api_fail_part_1,
    no_input_makes_the_api_fail_part_2,
    no_input_makes_the_api_fail_part_3,
    no_input_makes_the_api_fail_part_4,
);

/// Every route of `part` gets its own run of cases; one table serves them all (a table per case
/// would take minutes) and is dropped when the test ends.
fn no_input_makes_the_api_fail(part: usize) {
    let (runtime, t) = app();
    let mut failures = Vec::new();
    for route in (0..ROUTES.len()).filter(|route| route % PARTS == part) {
        let config = ProptestConfig { cases: CASES_PER_ROUTE, failure_persistence: None, ..ProptestConfig::default() };
        let mut runner = proptest::test_runner::TestRunner::new(config);
        let result = runner.run(&cases(route), |case| {
            let (what, answer) = runtime.block_on(run(&t, &case));
            prop_assert!(answer.status < 500, "{what}: {} {}", answer.status, answer.body);
            prop_assert!(answer.status < 400 || !answer.code().is_empty(), "{what}: an error without a code: {}", answer.body);
            Ok(())
        });
        if let Err(e) = result {
            failures.push(e.to_string());
        }
    }
    drop(t);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The inputs the fuzzer and the penetration test found, each as it was sent.
#[test]
fn the_inputs_that_answered_500_now_answer_4xx() {
    let (runtime, t) = app();
    runtime.block_on(async {
        let login = |username: String| json!({"username": username, "password": "x"});
        let long_name = t.call("POST", "/api/auth/login", None, Some(login("u".repeat(1500)))).await;
        assert_eq!(long_name.status, 401, "{:?}", long_name.body);
        let xff = "1".repeat(2048);
        let long_xff = t
            .call_with(
                "POST",
                "/api/auth/login",
                None,
                login("anna".into()).to_string().into_bytes(),
                "application/json",
                &[("x-forwarded-for", &xff)],
            )
            .await;
        assert_eq!(long_xff.status, 401);
        for path in [format!("/api/groups/{}", "g".repeat(1000)), format!("/api/users/{}", "u".repeat(1000))] {
            assert_eq!(t.call("GET", &path, ADMIN, None).await.status, 404, "{path}");
        }
        let empty_key = forged_cursor(json!({"PK": "", "SK": "", "GSI3PK": "GRP#service-desk", "GSI3SK": ""}));
        let cursor = t.call("GET", &format!("/api/tickets?group=service-desk&cursor={empty_key}"), AGENT, None).await;
        assert_eq!((cursor.status, cursor.code()), (400, "invalid_cursor"));
        for number in [json!(1e300), json!(-1e200), json!(5e-324)] {
            let ticket = json!({"topic": "survey", "subject": "s", "description": "d", "fields": {"count": number}});
            let answer = t.call("POST", "/api/tickets", ANNA, Some(ticket)).await;
            assert_eq!((answer.status, answer.body["fields"][0]["code"].as_str()), (422, Some("out_of_range")), "{number}");
        }
    });
    drop(t);
}
