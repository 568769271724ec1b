//! The tickets API end to end: the real handler, the real DynamoDB engine (DynamoDB Local), a
//! fresh table per test created from the SAM template.

use helpdesk_tests::*;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn with_printer_topic() -> TestApp {
    let t = test_app().await;
    let created = t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    t
}

#[tokio::test]
async fn create_list_reply_and_notes() {
    let t = with_printer_topic().await;

    let created = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Printer jammed"))).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let ticket = &created.body["ticket"];
    assert_eq!(ticket["number"], "HD-1001");
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["group"], "service-desk");
    assert_eq!(ticket["fields"]["asset_tag"], "PR-0042", "asset tags are normalised");
    assert_eq!(created.body["events"][0]["kind"]["type"], "created");

    // by number and by id
    let by_number = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert_eq!(by_number.status, 200);
    let id = by_number.body["ticket"]["id"].as_str().unwrap().to_string();
    assert_eq!(t.call("GET", &format!("/api/tickets/{id}"), AGENT, None).await.body["ticket"]["number"], "HD-1001");

    let mine = t.call("GET", "/api/my/tickets", ANNA, None).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    assert!(t.call("GET", "/api/my/tickets", BORIS, None).await.body["items"].as_array().unwrap().is_empty());
    let queue = t.call("GET", "/api/tickets?status=new&group=service-desk", AGENT, None).await;
    assert_eq!(queue.body["items"][0]["id"], id.as_str());

    let reply = t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "On my way with a new drum."}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["ticket"]["status"], "open", "the first agent reply opens the ticket");
    assert_eq!(reply.body["ticket"]["version"], 2);

    let note = t.call("POST", "/api/tickets/HD-1001/notes", AGENT, Some(json!({"body": "Drum is out of stock, borrowing one."}))).await;
    assert_eq!(note.status, 200);
    assert_eq!(note.body["ticket"]["status"], "open", "a note changes no status");

    let seen_by_anna = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    let kinds: Vec<&str> = seen_by_anna.body["events"].as_array().unwrap().iter().map(|e| e["kind"]["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "public_reply", "status_changed"], "requesters never see internal notes");
    assert!(!seen_by_anna.body.to_string().contains("out of stock"));
    let seen_by_agent = t.call("GET", "/api/tickets/HD-1001", AGENT, None).await;
    assert_eq!(seen_by_agent.body["events"].as_array().unwrap().len(), 4);

    // the requester's answer, then resolve, then the requester reopens by replying
    let answer = t.call("POST", "/api/tickets/HD-1001/replies", ANNA, Some(json!({"body": "Thanks!"}))).await;
    assert_eq!(answer.status, 200);
    let resolved = t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": 4, "status": "resolved"}))).await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    assert_eq!(resolved.body["allowed_statuses"], json!(["closed", "reopened"]));
    let again = t.call("POST", "/api/tickets/HD-1001/replies", ANNA, Some(json!({"body": "It jams again."}))).await;
    assert_eq!(again.body["ticket"]["status"], "reopened");

    // others cannot see or touch it; requesters cannot write notes
    assert_eq!(t.call("GET", "/api/tickets/HD-1001", BORIS, None).await.status, 404);
    assert_eq!(t.call("GET", "/api/tickets/HD-1001", OTHER_AGENT, None).await.status, 404, "an agent of another group");
    assert_eq!(t.call("GET", "/api/tickets?group=service-desk", OTHER_AGENT, None).await.code(), "forbidden");
    assert_eq!(t.call("GET", "/api/tickets", AGENT, None).await.code(), "forbidden", "all queues: admins only");
    assert_eq!(t.call("POST", "/api/tickets/HD-1001/replies", BORIS, Some(json!({"body": "hi"}))).await.status, 404);
    assert_eq!(t.call("POST", "/api/tickets/HD-1001/notes", ANNA, Some(json!({"body": "hi"}))).await.code(), "forbidden");
    assert_eq!(t.call("GET", "/api/tickets", ANNA, None).await.code(), "forbidden");
    t.finish().await;
}

#[tokio::test]
async fn two_concurrent_writers_exactly_one_gets_409() {
    let t = with_printer_topic().await;
    for round in 0..5 {
        let created = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket(&format!("race {round}")))).await;
        let path = format!("/api/tickets/{}", created.body["ticket"]["number"].as_str().unwrap());
        let (a, b) = tokio::join!(
            t.call("PATCH", &path, AGENT, Some(json!({"version": 1, "priority": "urgent"}))),
            t.call("PATCH", &path, Some("agent:lena:service-desk"), Some(json!({"version": 1, "assignee": "lena"}))),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {a:?} {b:?}");
        let loser = if a.status == 409 { &a } else { &b };
        assert_eq!(loser.code(), "version_conflict");
        assert_eq!(loser.body["current_version"], 2);
        let now = t.call("GET", &path, AGENT, None).await;
        assert_eq!(now.body["ticket"]["version"], 2, "exactly one change landed");
        assert_eq!(now.body["events"].as_array().unwrap().len(), 2);
    }
    // a stale reply loses too
    let stale = t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "x", "version": 1}))).await;
    assert_eq!((stale.status, stale.code()), (409, "version_conflict"));
    t.finish().await;
}

async fn collect_pages(t: &TestApp, actor: Option<&str>, path: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=25&cursor={c}"),
            None => format!("{path}{sep}limit=25"),
        };
        let page = t.call("GET", &url, actor, None).await;
        assert_eq!(page.status, 200, "{url}: {:?}", page.body);
        pages += 1;
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 25);
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return (ids, pages),
        }
        assert!(pages < 50, "paging does not end");
    }
}

fn assert_unique(ids: &[String], expected: usize, what: &str) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: duplicates");
    assert_eq!(ids.len(), expected, "{what}: missing items");
}

#[tokio::test]
async fn paging_over_120_tickets_has_no_duplicate_or_missing_item() {
    let t = with_printer_topic().await;
    let mut urgent = 0;
    for i in 0..120 {
        let who = if i % 3 == 0 { BORIS } else { ANNA };
        let mut body = printer_ticket(&format!("ticket {i}"));
        if i % 4 == 0 {
            body["priority"] = json!("urgent");
            urgent += 1;
        }
        let created = t.call("POST", "/api/tickets", who, Some(body)).await;
        assert_eq!(created.status, 201);
    }
    let (all, pages) = collect_pages(&t, ADMIN, "/api/tickets").await;
    assert_unique(&all, 120, "all tickets");
    assert_eq!(pages, 5, "4 full pages and an empty last one, or 5 pages");

    let (by_group, _) = collect_pages(&t, AGENT, "/api/tickets?group=service-desk&status=new").await;
    assert_unique(&by_group, 120, "group queue");
    let (unassigned, _) = collect_pages(&t, ADMIN, "/api/tickets?assignee=none").await;
    assert_unique(&unassigned, 120, "unassigned");
    let (urgent_ids, _) = collect_pages(&t, AGENT, "/api/tickets?group=service-desk&priority=urgent").await;
    assert_unique(&urgent_ids, urgent, "filtered by priority");
    let (annas, _) = collect_pages(&t, ANNA, "/api/my/tickets").await;
    assert_unique(&annas, 80, "anna's tickets");
    let (none, _) = collect_pages(&t, AGENT, "/api/tickets?group=service-desk&status=closed").await;
    assert!(none.is_empty());

    // a cursor is bound to its list
    let first = t.call("GET", "/api/my/tickets?limit=5", ANNA, None).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(t.call("GET", &format!("/api/my/tickets?cursor={cursor}"), BORIS, None).await.code(), "invalid_cursor");
    assert_eq!(t.call("GET", "/api/tickets?cursor=bm9wZQ", ADMIN, None).await.code(), "invalid_cursor");
    t.finish().await;
}

#[tokio::test]
async fn bad_input_gets_its_code_and_stores_nothing() {
    let t = with_printer_topic().await;
    t.session_for(ANNA.unwrap()).await; // her user item exists before counting
    let before = t.item_count().await;
    let ticket = printer_ticket("s");
    let with = |patch: Value| {
        let mut body = ticket.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let cases: Vec<(&str, Vec<u8>, &str, u16, &str)> = vec![
        ("malformed JSON", b"{\"topic\": \"printer\",".to_vec(), "application/json", 400, "malformed_json"),
        ("unknown topic", with(json!({"topic": "coffee"})).to_string().into(), "application/json", 422, "unknown_topic"),
        (
            "missing required field",
            with(json!({"fields": {"problem": "jam"}})).to_string().into(),
            "application/json",
            422,
            "validation_failed",
        ),
        (
            "wrong field type",
            with(json!({"fields": {"location": "x", "problem": "jam", "copies": "two"}})).to_string().into(),
            "application/json",
            422,
            "validation_failed",
        ),
        ("wrong member type", with(json!({"subject": 42})).to_string().into(), "application/json", 400, "invalid_body"),
        (
            "64 KiB+ body",
            with(json!({"description": "x".repeat(65 * 1024)})).to_string().into(),
            "application/json",
            413,
            "payload_too_large",
        ),
        (
            "description over its limit",
            with(json!({"description": "x".repeat(40 * 1024)})).to_string().into(),
            "application/json",
            422,
            "validation_failed",
        ),
        ("unknown member", with(json!({"cc": "boss"})).to_string().into(), "application/json", 400, "unknown_field"),
        ("not JSON", b"topic=printer".to_vec(), "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("email channel", with(json!({"channel": "email"})).to_string().into(), "application/json", 422, "validation_failed"),
    ];
    for (what, body, content_type, status, code) in cases {
        let answer = t.call_raw("POST", "/api/tickets", ANNA, body, content_type).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{what}: {:?}", answer.body);
    }
    let missing = t.call("POST", "/api/tickets", ANNA, Some(with(json!({"fields": {"problem": "jam"}})))).await;
    assert_eq!(missing.body["fields"][0]["field"], "fields.location");
    assert_eq!(missing.body["fields"][0]["code"], "required");
    let wrong = t.call("POST", "/api/tickets", ANNA, Some(with(json!({"fields": {"location": "x", "problem": "ink"}})))).await;
    assert_eq!(wrong.body["fields"][0]["code"], "unknown_option");
    assert_eq!(t.item_count().await, before, "bad input stored something");

    // the counter did not move either: the first good ticket is the first number
    let good = t.call("POST", "/api/tickets", ANNA, Some(ticket)).await;
    assert_eq!(good.body["ticket"]["number"], "HD-1001");

    // bad updates leave the ticket as it was
    t.session_for(AGENT.unwrap()).await; // his user item exists before counting
    let after_create = t.item_count().await;
    for (body, status, code) in [
        (json!({"version": 1, "status": "reopened"}), 422, "illegal_transition"),
        (json!({"version": 1, "fields": {"location": null}}), 422, "validation_failed"),
        (json!({"version": 1, "assignee": "has space"}), 422, "validation_failed"),
        (json!({"priority": "high"}), 400, "invalid_body"),
        (json!({"version": 1, "status": "pending"}), 400, "invalid_body"),
    ] {
        let answer = t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(body.clone())).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{body}: {:?}", answer.body);
    }
    assert_eq!(t.call("GET", "/api/tickets/HD-1001", AGENT, None).await.body["ticket"]["version"], 1);
    assert_eq!(t.item_count().await, after_create);
    t.finish().await;
}

#[tokio::test]
async fn routes_identity_and_queries() {
    let t = with_printer_topic().await;
    assert_eq!(t.call("GET", "/api/health", None, None).await.status, 200);
    assert_eq!(t.call("GET", "/api/nope", AGENT, None).await.code(), "route_not_found");
    assert_eq!(t.call("DELETE", "/api/tickets", AGENT, None).await.code(), "method_not_allowed");
    assert_eq!(t.call("GET", "/api/my/tickets", None, None).await.status, 401);
    assert_eq!(t.call("GET", "/api/tickets?sort=asc", ADMIN, None).await.code(), "invalid_query");
    assert_eq!(t.call("GET", "/api/tickets/HD-99999", AGENT, None).await.status, 404);
    assert_eq!(t.call("GET", "/api/tickets/not-an-id", AGENT, None).await.status, 404);

    // Only a session names the caller: the old local header means nothing.
    let request = lambda_http::http::Request::builder()
        .uri("/api/my/tickets")
        .header("x-helpdesk-local-actor", "admin:root")
        .body(lambda_http::Body::Empty)
        .unwrap();
    assert_eq!(t.send(request).await.status, 401);
    t.finish().await;
}

#[tokio::test]
async fn topics_are_managed_by_admins_with_versions() {
    let t = with_printer_topic().await;
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.code(), "already_exists");
    assert_eq!(t.call("POST", "/api/topics", AGENT, Some(printer_topic())).await.code(), "forbidden");
    let mut bad = printer_topic();
    bad["fields"][2]["options"] = json!([]);
    let refused = t
        .call(
            "POST",
            "/api/topics",
            ADMIN,
            Some(json!({"id": "other", "name": {"en": "x"}, "default_group": "g", "fields": bad["fields"]})),
        )
        .await;
    assert_eq!((refused.status, refused.body["fields"][0]["field"].as_str()), (422, Some("fields[2].options")));

    let mut changed = printer_topic();
    changed["version"] = json!(1);
    changed["name"]["en"] = json!("Printers and scanners");
    let replaced = t.call("PUT", "/api/topics/printer", ADMIN, Some(changed.clone())).await;
    assert_eq!((replaced.status, replaced.body["version"].as_u64()), (200, Some(2)));
    let stale = t.call("PUT", "/api/topics/printer", ADMIN, Some(changed)).await;
    assert_eq!((stale.code(), stale.body["current_version"].as_u64()), ("version_conflict", Some(2)));

    let archived = t.call("DELETE", "/api/topics/printer", ADMIN, None).await;
    assert_eq!(archived.body["active"], false);
    assert!(t.call("GET", "/api/topics", ANNA, None).await.body["items"].as_array().unwrap().is_empty());
    assert_eq!(t.call("GET", "/api/topics?all=true", ADMIN, None).await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(t.call("GET", "/api/topics?all=true", ANNA, None).await.code(), "forbidden");
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("s"))).await.code(), "unknown_topic");
    t.finish().await;
}

/// Every sample payload in events/api goes through the handler the way Lambda delivers it.
#[tokio::test]
async fn sample_api_gateway_events_are_served() {
    let t = with_printer_topic().await;
    let expected = [
        ("health", 200),
        ("create-ticket", 201),
        ("get-ticket", 200),
        ("list-queue", 200),
        ("list-mine", 200),
        ("update-ticket", 200),
        ("reply", 200),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/api");
    let files = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(files, expected.len(), "every sample in {dir} has an expectation here");
    for (name, status) in expected {
        let text = std::fs::read_to_string(format!("{dir}/{name}.json")).unwrap();
        let mut request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The samples carry no session (it would expire): sign the caller in as the sample intends.
        let caller = if name.contains("mine") || name == "create-ticket" {
            "requester:anna.petrova"
        } else {
            "agent:ivan.sidorov:service-desk,field-service"
        };
        if name != "health" {
            let (cookie, csrf) = t.session_for(caller).await;
            request.headers_mut().insert("cookie", cookie.parse().unwrap());
            request.headers_mut().insert("x-csrf-token", csrf.parse().unwrap());
        }
        let answer = t.send(request).await;
        assert_eq!(answer.status, status, "{name}: {:?}", answer.body);
    }
    let ticket = t.call("GET", "/api/tickets/HD-1001", AGENT, None).await;
    assert_eq!(ticket.body["ticket"]["assignee"], "ivan.sidorov");
    assert_eq!(ticket.body["ticket"]["status"], "open");
    t.finish().await;
}

/// A table made before the template gained an index gets it at the next setup.
#[tokio::test]
async fn setup_adds_the_indexes_the_template_gained() {
    use helpdesk_aws::template;
    let client = dynamodb_client().await;
    let resources = template::parse(&template::read_template().unwrap()).unwrap();
    let full = resources.tables.iter().find(|t| t.logical_id == "HelpdeskTable").unwrap();
    let mut older = full.clone();
    let added = older.global_secondary_indexes.pop().unwrap();
    let name = format!("upgrade-{}", ulid::Ulid::new().to_string().to_lowercase());
    assert!(template::ensure_table(&client, &older, &name).await.unwrap());
    assert!(template::ensure_table(&client, full, &name).await.unwrap(), "the missing index is added");
    assert!(!template::ensure_table(&client, full, &name).await.unwrap(), "nothing left to do");
    let described = client.describe_table().table_name(&name).send().await.unwrap();
    let names: Vec<&str> = described.table().unwrap().global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
    assert!(names.contains(&added.index_name.as_str()), "{names:?}");
    let _ = client.delete_table().table_name(&name).send().await;
}

#[tokio::test]
async fn an_open_ticket_page_hears_the_version_and_who_else_is_there() {
    let t = with_printer_topic().await;
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Screen flickers"))).await.status, 201);
    let pulse = |actor, activity: &str| t.call("POST", "/api/tickets/HD-1001/presence", actor, Some(json!({"activity": activity})));
    let first = pulse(AGENT, "viewing").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!((first.body["version"].as_u64(), first.body["others"].as_array().map(Vec::len)), (Some(1), Some(0)));
    // The admin writes a reply: the agent hears him, and the new version.
    assert_eq!(pulse(ADMIN, "replying").await.body["others"][0]["user"], "ivan");
    let seen = pulse(AGENT, "viewing").await;
    assert_eq!(seen.body["others"], json!([{"user": "root", "activity": "replying", "at": seen.body["others"][0]["at"]}]));
    let reply = t.call("POST", "/api/tickets/HD-1001/replies", ADMIN, Some(json!({"body": "On it."}))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(pulse(AGENT, "viewing").await.body["version"], 2, "the change is heard without reading the ticket");
    // The requester hears the version and sees no one; nor is she seen.
    let hers = pulse(ANNA, "replying").await;
    assert_eq!((hers.body["version"].as_u64(), hers.body["others"].clone()), (Some(2), json!([])));
    let others: Vec<Value> = pulse(AGENT, "viewing").await.body["others"].as_array().cloned().unwrap_or_default();
    assert!(others.iter().all(|p| p["user"] != "anna"), "{others:?}");
    // A page that stopped asking drops out when its mark runs out, whether or not TTL removed it.
    let id = reference_id(&t, "HD-1001").await;
    let gone = helpdesk_core::presence::Presence {
        user: "olga".into(),
        activity: helpdesk_core::presence::Activity::Replying,
        at: chrono::Utc::now() - chrono::Duration::seconds(40),
    };
    helpdesk_aws::Presences::mark_presence(&t.seed, &id, &gone, chrono::Utc::now() - chrono::Duration::seconds(1)).await.unwrap();
    let still: Vec<Value> = pulse(AGENT, "viewing").await.body["others"].as_array().cloned().unwrap_or_default();
    assert!(still.iter().all(|p| p["user"] != "olga"), "{still:?}");
    for bad in [json!({"activity": "dancing"}), json!({}), json!({"activity": "viewing", "x": 1})] {
        let answer = t.call("POST", "/api/tickets/HD-1001/presence", AGENT, Some(bad.clone())).await;
        assert_eq!(answer.status, 400, "{bad}");
    }
    t.finish().await;
}

async fn reference_id(t: &TestApp, number: &str) -> String {
    let found = t.call("GET", &format!("/api/tickets/{number}"), ADMIN, None).await;
    found.body["ticket"]["id"].as_str().expect("ticket id").to_string()
}

#[tokio::test]
async fn pages_name_people_by_their_names() {
    use helpdesk_aws::Directory;
    use helpdesk_core::Role;
    use helpdesk_core::user::{AccountSource, User};
    let t = with_printer_topic().await;
    let mut gone = User::new("olga", "Olga Left", "olga@example.org", Role::Agent, &["service-desk"], AccountSource::Local);
    gone.active = false;
    for user in [
        User::new("anna", "Anna Petrova", "anna@example.org", Role::Requester, &[], AccountSource::Local),
        User::new("ivan", "Ivan Sidorov", "ivan@example.org", Role::Agent, &["service-desk"], AccountSource::Local),
        gone,
    ] {
        t.seed.put_user(&user, None).await.unwrap();
    }
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Names"))).await.status, 201);
    let assigned = t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": 1, "assignee": "ivan"}))).await;
    assert_eq!(assigned.status, 200, "{:?}", assigned.body);
    let reply = t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Coming."}))).await;
    assert_eq!(reply.body["people"], json!({"anna": "Anna Petrova", "ivan": "Ivan Sidorov"}));
    // The requester's page names who works her ticket too.
    let hers = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert_eq!(hers.body["people"]["ivan"], "Ivan Sidorov");

    // Staff look names up by id, people who left included; nothing else goes with `id`.
    let names = t.call("GET", "/api/directory?id=olga&id=anna&id=nobody", AGENT, None).await;
    assert_eq!(names.status, 200, "{:?}", names.body);
    let found: Vec<(&str, &str)> =
        names.body["items"].as_array().unwrap().iter().map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap())).collect();
    assert_eq!(found, [("olga", "Olga Left"), ("anna", "Anna Petrova")], "in the order asked, the unknown left out");
    assert_eq!(t.call("GET", "/api/directory?id=olga&q=ol", AGENT, None).await.code(), "invalid_query");
    let many: String = (0..51).map(|i| format!("id=u{i}&")).collect();
    assert_eq!(t.call("GET", &format!("/api/directory?{many}"), AGENT, None).await.code(), "invalid_query");
    assert_eq!(t.call("GET", "/api/directory?id=anna", ANNA, None).await.status, 403, "requesters have no directory");
    t.finish().await;
}

#[tokio::test]
async fn a_requester_withdraws_a_request_she_no_longer_needs() {
    let t = with_printer_topic().await;
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Fixed itself"))).await.status, 201);
    let view = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert_eq!(view.body["allowed_statuses"], json!(["closed"]));
    let resolve = t.call("PATCH", "/api/tickets/HD-1001", ANNA, Some(json!({"version": 1, "status": "resolved"}))).await;
    assert_eq!(resolve.status, 403, "resolving is the agents' call");
    let close = t.call("PATCH", "/api/tickets/HD-1001", ANNA, Some(json!({"version": 1, "status": "closed"}))).await;
    assert_eq!((close.status, close.body["ticket"]["status"].as_str()), (200, Some("closed")), "{:?}", close.body);
    assert_eq!(t.call("PATCH", "/api/tickets/HD-1001", BORIS, Some(json!({"version": 2, "status": "reopened"}))).await.status, 404);
    t.finish().await;
}
