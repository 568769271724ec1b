//! What the API stores names things that exist: assignees who can work the ticket, groups,
//! requesters, topics' groups; reserved words stay reserved; whole numbers stay whole; and a
//! create that fails takes no ticket number.

use helpdesk_aws::TicketStore;
use helpdesk_core::Role;
use helpdesk_core::user::{AccountSource, User};
use helpdesk_tests::*;
use serde_json::{Value, json};

async fn with_people() -> TestApp {
    let t = test_app().await;
    let people = [
        User::new("anna", "Anna", "anna@example.org", Role::Requester, &[], AccountSource::Local),
        User::new("ivan", "Ivan", "ivan@example.org", Role::Agent, &["service-desk"], AccountSource::Local),
        User::new("olga", "Olga", "olga@example.org", Role::Agent, &["network"], AccountSource::Local),
        User { active: false, ..User::new("gone", "Gone", "gone@example.org", Role::Agent, &["service-desk"], AccountSource::Local) },
        User::new("root", "Root", "root@example.org", Role::Admin, &[], AccountSource::Local),
    ];
    for person in &people {
        helpdesk_aws::Directory::put_user(&t.seed, person, None).await.unwrap();
    }
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("first"))).await.status, 201);
    t
}

fn field_code(answer: &Answer) -> (u16, String, String) {
    let first = &answer.body["fields"][0];
    (answer.status, first["field"].as_str().unwrap_or("").into(), first["code"].as_str().unwrap_or("").into())
}

#[tokio::test]
async fn assignees_groups_and_requesters_must_exist_and_fit() {
    let t = with_people().await;
    let t = &t;
    let patch = |body: Value| async move { t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(body)).await };
    let cases = [
        (json!({"version": 1, "assignee": "ghost.user.does.not.exist"}), "assignee", "not_found"),
        (json!({"version": 1, "assignee": "anna"}), "assignee", "not_eligible"),
        (json!({"version": 1, "assignee": "olga"}), "assignee", "not_eligible"),
        (json!({"version": 1, "assignee": "gone"}), "assignee", "not_eligible"),
        (json!({"version": 1, "group": "no-such-group"}), "group", "not_found"),
        (json!({"version": 1, "assignee": "none"}), "assignee", "invalid"),
    ];
    for (body, field, code) in cases {
        let answer = patch(body.clone()).await;
        assert_eq!(field_code(&answer), (422, field.into(), code.into()), "{body}: {:?}", answer.body);
    }
    let unchanged = t.call("GET", "/api/tickets/HD-1001", AGENT, None).await;
    assert_eq!(unchanged.body["ticket"]["version"], 1, "nothing was stored");
    assert_eq!(patch(json!({"version": 1, "assignee": "ivan"})).await.status, 200, "an active agent of the group");
    assert_eq!(patch(json!({"version": 2, "assignee": "root"})).await.status, 200, "an admin takes any ticket");
    let moved = patch(json!({"version": 3, "group": "network", "assignee": "olga"})).await;
    assert_eq!(moved.status, 200, "moved and assigned to an agent of the new group: {:?}", moved.body);
    // The ticket is out of ivan's reach now: the admin goes on.
    let as_admin = |body: Value| async move { t.call("PATCH", "/api/tickets/HD-1001", ADMIN, Some(body)).await };
    let away_from_olga = as_admin(json!({"version": 4, "group": "service-desk"})).await;
    assert_eq!(field_code(&away_from_olga), (422, "assignee".into(), "not_eligible".into()), "olga does not work the service desk");
    assert_eq!(as_admin(json!({"version": 4, "group": "service-desk", "assignee": null})).await.status, 200, "moved, and nobody's");
    assert_eq!(as_admin(json!({"version": 5, "assignee": "root"})).await.status, 200);
    assert_eq!(as_admin(json!({"version": 6, "group": "network"})).await.status, 200, "an admin assignee may stay anywhere");

    let on_behalf = |requester: &str| {
        let mut ticket = printer_ticket("for someone");
        ticket["requester"] = json!(requester);
        ticket["channel"] = json!("phone");
        ticket
    };
    for (requester, code) in [("ghost.nobody", "not_found"), ("gone", "not_eligible"), ("none", "invalid")] {
        let answer = t.call("POST", "/api/tickets", AGENT, Some(on_behalf(requester))).await;
        assert_eq!(field_code(&answer), (422, "requester".into(), code.into()), "{requester}: {:?}", answer.body);
    }
    assert_eq!(t.call("POST", "/api/tickets", AGENT, Some(on_behalf("anna"))).await.status, 201);

    let mut ghost_queue = printer_topic();
    ghost_queue["id"] = json!("ghost-queue");
    ghost_queue["default_group"] = json!("no-such-group");
    let answer = t.call("POST", "/api/topics", ADMIN, Some(ghost_queue)).await;
    assert_eq!(field_code(&answer), (422, "default_group".into(), "not_found".into()));
}

#[tokio::test]
async fn none_is_no_account_and_selects_no_partition_of_its_own() {
    let t = with_people().await;
    let none = json!({"id": "none", "name": "None", "email": "none@example.org", "role": "agent", "groups": ["service-desk"]});
    assert_eq!(field_code(&t.call("POST", "/api/users", ADMIN, Some(none)).await), (422, "id".into(), "invalid".into()));
    // Even an account named `none` slipped into the table (an old import) lists no other group's tickets.
    let none_agent = Some("agent:none:network");
    assert_eq!(t.call("GET", "/api/tickets?assignee=none", none_agent, None).await.status, 403);
    assert_eq!(t.call("GET", "/api/tickets?group=service-desk&assignee=none", AGENT, None).await.status, 200, "a group's unassigned");
    t.finish().await;
}

#[tokio::test]
async fn whole_number_fields_take_whole_numbers_and_show_them_so() {
    let t = test_app().await;
    let topic = json!({"id": "seats", "name": {"en": "Seats"}, "default_group": "service-desk",
        "fields": [{"key": "seats", "label": {"en": "Seats"}, "kind": "number", "integer": true, "min": 1, "max": 500}]});
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(topic)).await.status, 201);
    let ticket = |seats: Value| json!({"topic": "seats", "subject": "s", "description": "d", "fields": {"seats": seats}});
    let fractional = t.call("POST", "/api/tickets", ANNA, Some(ticket(json!(2.5)))).await;
    assert_eq!(field_code(&fractional), (422, "fields.seats".into(), "wrong_type".into()));
    let whole = t.call("POST", "/api/tickets", ANNA, Some(ticket(json!(3)))).await;
    assert_eq!(whole.status, 201);
    assert_eq!(whole.body["ticket"]["fields"]["seats"].to_string(), "3", "not 3.0");
    let stored = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert_eq!(stored.body["ticket"]["fields"]["seats"].to_string(), "3", "read back from the table as 3");
    let bad_topic = json!({"id": "bad", "name": {"en": "Bad"}, "default_group": "service-desk",
        "fields": [{"key": "t", "label": {"en": "T"}, "kind": "text", "integer": true}, {"key": "n", "label": {"en": "N"}, "kind": "number", "max": 1e300}]});
    let refused = t.call("POST", "/api/topics", ADMIN, Some(bad_topic)).await;
    let fields: Vec<&str> = refused.body["fields"].as_array().unwrap().iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["fields[0].integer", "fields[1].max"]);
    t.finish().await;
}

/// Before: a create that failed after its number was drawn left a gap (HD-1010, 1011, 1013 …).
#[tokio::test]
async fn a_failed_create_takes_no_number() {
    let t = with_people().await;
    let failing = [
        json!({"topic": "printer", "subject": "s", "description": "d", "fields": {"location": "x", "problem": "jam", "copies": 1e300}}),
        json!({"topic": "printer", "subject": "", "description": "d"}),
        json!({"topic": "nope", "subject": "s", "description": "d"}),
    ];
    for body in failing {
        assert!(t.call("POST", "/api/tickets", ANNA, Some(body)).await.status >= 400);
    }
    // A create the store itself refuses (two events with one id: the transaction is invalid).
    let refused = t
        .app
        .store
        .create_ticket(|number| {
            let mut change = helpdesk_core::commands::prepare_ticket(
                serde_json::from_value(printer_ticket("broken")).unwrap(),
                None.or(Some(&serde_json::from_value(printer_topic_record()).unwrap())),
                &helpdesk_core::Actor::new("anna", Role::Requester),
            )
            .unwrap()
            .into_ticket(ulid::Ulid::new().to_string(), number, "same".into(), chrono::Utc::now());
            change.events.push(change.events[0].clone());
            change
        })
        .await;
    assert!(refused.is_err(), "the store refuses a transaction that writes one item twice");
    let next = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("second"))).await;
    assert_eq!(next.body["ticket"]["number"], "HD-1002", "no number was lost: {:?}", next.body);
    t.finish().await;
}

/// The printer topic as the store holds it.
fn printer_topic_record() -> Value {
    let mut topic = printer_topic();
    topic["version"] = json!(1);
    topic["active"] = json!(true);
    topic["description"] = json!({});
    topic
}

/// User items written before the directory existed lack its attributes; set-up gives them those,
/// and then the directory lists them.
#[tokio::test]
async fn older_user_items_join_the_directory_after_set_up() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let t = test_app().await;
    let old = json!({"id": "legacy", "name": "Legacy Agent", "email": "l@example.org", "role": "agent", "groups": ["service-desk"], "active": true, "version": 1});
    t.client
        .put_item()
        .table_name(&t.table)
        .item("PK", AttributeValue::S("USERS".into()))
        .item("SK", AttributeValue::S("USER#legacy".into()))
        .item("version", AttributeValue::N("1".into()))
        .item("body", AttributeValue::S(old.to_string()))
        .send()
        .await
        .unwrap();
    let listed =
        async |t: &TestApp| t.call("GET", "/api/directory?q=legacy", AGENT, None).await.body["items"].as_array().map_or(0, Vec::len);
    assert_eq!(listed(&t).await, 0, "not listed before");
    assert_eq!(t.seed.backfill_user_attributes().await.unwrap(), 1);
    assert_eq!(listed(&t).await, 1, "listed after");
    assert_eq!(t.seed.backfill_user_attributes().await.unwrap(), 0, "idempotent");
    t.finish().await;
}

/// The directory pages through everybody once, filters by search, staff and group, and lists
/// active people only; admins' list includes the disabled with `all=true`.
#[tokio::test]
async fn the_directory_pages_and_filters() {
    let t = test_app().await;
    for i in 0..23 {
        let (role, groups): (Role, &[&str]) = if i % 3 == 0 { (Role::Agent, &["network"]) } else { (Role::Requester, &[]) };
        let mut person = User::new(&format!("p{i:02}"), &format!("Person {i}"), "p@example.org", role, groups, AccountSource::Local);
        person.active = i != 22;
        helpdesk_aws::Directory::put_user(&t.seed, &person, None).await.unwrap();
    }
    let boss = User::new("boss", "The Boss", "boss@example.org", Role::Admin, &[], AccountSource::Local);
    helpdesk_aws::Directory::put_user(&t.seed, &boss, None).await.unwrap();
    let mut seen = Vec::new();
    let mut path = "/api/directory?limit=5".to_string();
    loop {
        let page = t.call("GET", &path, AGENT, None).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/directory?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    let people: Vec<&String> = seen.iter().filter(|id| id.starts_with('p')).collect();
    assert_eq!(people.len(), 22, "every active person once: {seen:?}");
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no one twice");
    let ids = |answer: Answer| -> Vec<String> {
        answer.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(t.call("GET", "/api/directory?q=person%2015", AGENT, None).await), ["p15"]);
    let network_staff = ids(t.call("GET", "/api/directory?staff=true&group=network&limit=100", AGENT, None).await);
    assert!(
        network_staff.iter().all(|id| ["p00", "p03", "p06", "p09", "p12", "p15", "p18", "p21", "ivan", "root"].contains(&id.as_str())),
        "{network_staff:?}"
    );
    assert!(network_staff.contains(&"p21".to_string()) && !network_staff.contains(&"p01".to_string()));
    assert!(!network_staff.contains(&"boss".to_string()), "an admin outside the group is not offered: {network_staff:?}");
    assert_eq!(t.call("GET", "/api/directory?all=true", AGENT, None).await.code(), "invalid_query");
    let with_disabled = ids(t.call("GET", "/api/users?all=true&q=p22", ADMIN, None).await);
    assert_eq!(with_disabled, ["p22"], "admins see disabled accounts on request");
    t.finish().await;
}

/// SLA configuration is read once per warm function and kept briefly: a plan written behind the
/// function's back shows only after the cache's freshness, a plan written through it at once.
#[tokio::test]
async fn sla_configuration_is_cached_briefly_and_cleared_by_its_own_writes() {
    let t = test_app().await;
    let config = round_the_clock();
    store_config(&t.seed, &config).await;
    let plans = async |t: &TestApp| -> Vec<String> {
        let answer = t.call("GET", "/api/sla/plans", AGENT, None).await;
        answer.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(plans(&t).await, ["all"]);
    // Another function (or an operator) writes a plan straight into the table.
    let mut behind = config.plans[0].clone();
    behind.id = "behind".into();
    helpdesk_aws::TicketStore::put_sla_plan(&t.seed, &behind).await.unwrap();
    assert_eq!(plans(&t).await, ["all"], "served from the cache, no read of the partition");
    // A write through this function clears its cache at once.
    let plan = json!({"id": "through", "name": "Through", "calendar": "always", "precedence": 5,
        "targets": {"medium": {"first_response_minutes": 30}}});
    assert_eq!(t.call("POST", "/api/sla/plans", ADMIN, Some(plan)).await.status, 201);
    assert_eq!(plans(&t).await, ["all", "behind", "through"]);
    t.finish().await;
}

/// An app with the SLA configuration, the printer topic and one ticket of Anna's (HD-1001), and
/// that ticket's id.
async fn one_printer_ticket(subject: &str) -> (TestApp, String) {
    let t = test_app().await;
    store_config(&t.seed, &round_the_clock()).await;
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket(subject))).await.status, 201);
    let id = t.call("GET", "/api/tickets/HD-1001", ADMIN, None).await.body["ticket"]["id"].as_str().unwrap().to_string();
    (t, id)
}

/// Tickets written before the queue order carry the old queue keys (`<status rank>#<created>#<id>`)
/// and no next SLA target: the queues do not show them until set-up rewrites them, once, and
/// never over a newer write.
#[tokio::test]
async fn older_tickets_rejoin_the_queues_after_set_up() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (t, id) = one_printer_ticket("Written long ago").await;
    let old_key = AttributeValue::S(format!("1#2026-01-01T00:00:00.000000Z#{id}"));
    t.client
        .update_item()
        .table_name(&t.table)
        .key("PK", AttributeValue::S(format!("TICKET#{id}")))
        .key("SK", AttributeValue::S("META".into()))
        .update_expression("SET GSI2SK = :old, GSI3SK = :old, GSI4SK = :old REMOVE sla_due")
        .expression_attribute_values(":old", old_key)
        .send()
        .await
        .unwrap();
    let listed = async |t: &TestApp| t.call("GET", "/api/tickets?group=service-desk&state=open", AGENT, None).await.body["items"].clone();
    assert_eq!(listed(&t).await, json!([]), "not in the queue with the old keys");
    let config = t.seed.sla_config().await.unwrap();
    assert_eq!(t.seed.backfill_queue_order(&config).await.unwrap(), 1);
    let items = listed(&t).await;
    assert_eq!(items[0]["id"], id.as_str(), "back in the queue");
    assert!(items[0]["sla_due"]["due_at"].is_string(), "with its next SLA target: {items}");
    assert_eq!(items[0]["version"], 1, "a rewrite of keys, not a change");
    assert_eq!(t.seed.backfill_queue_order(&config).await.unwrap(), 0, "idempotent");
    t.finish().await;
}

/// A ticket's description is its own item beside the ticket item, so the queue indexes' copies of
/// every ticket write leave it out; the ticket's read has it, lists do not. Tickets written before
/// carry it inside: they read the same, and set-up moves it out once, without a new version.
#[tokio::test]
async fn a_description_lives_beside_its_ticket_out_of_the_index_copies() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (t, id) = one_printer_ticket("Its own item").await;
    let description = async || t.call("GET", "/api/tickets/HD-1001", ADMIN, None).await.body["ticket"]["description"].clone();
    assert_eq!(description().await, "It blinks orange.");
    let key = |sk: &str| {
        Some([("PK".to_string(), AttributeValue::S(format!("TICKET#{id}"))), ("SK".to_string(), AttributeValue::S(sk.into()))].into())
    };
    let item = async |sk: &str| t.client.get_item().table_name(&t.table).set_key(key(sk)).send().await.unwrap().item;
    let head = item("META").await.expect("the ticket item");
    assert!(!head.contains_key("description"), "the ticket item, which the indexes copy, has no description");
    let beside = item("DESCRIPTION").await.expect("the description item");
    assert_eq!(beside["description"], AttributeValue::S("It blinks orange.".into()));
    let listed = t.call("GET", "/api/tickets?state=open", ADMIN, None).await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());
    assert!(listed.body["items"][0].get("description").is_none(), "lists leave it out: {}", listed.body);

    // As an earlier version wrote it: the description inside the ticket item, none beside.
    let mut old = head.clone();
    old.insert("description".into(), AttributeValue::S("Written inside.".into()));
    t.client.put_item().table_name(&t.table).set_item(Some(old)).send().await.unwrap();
    t.client.delete_item().table_name(&t.table).set_key(key("DESCRIPTION")).send().await.unwrap();
    assert_eq!(description().await, "Written inside.", "read as before");
    let config = t.seed.sla_config().await.unwrap();
    assert_eq!(t.seed.backfill_queue_order(&config).await.unwrap(), 1);
    assert!(!item("META").await.unwrap().contains_key("description"), "moved out");
    assert_eq!(item("DESCRIPTION").await.unwrap()["description"], AttributeValue::S("Written inside.".into()));
    assert_eq!(description().await, "Written inside.");
    assert_eq!(t.call("GET", "/api/tickets/HD-1001", ADMIN, None).await.body["ticket"]["version"], 1, "a move, not a change");
    assert_eq!(t.seed.backfill_queue_order(&config).await.unwrap(), 0, "idempotent");
    t.finish().await;
}
