//! Each audience gets its own shape: the JSON keys each role receives, walked recursively. A
//! requester sees no staff-only field or event; pickers see names and roles, not contact details;
//! no answer carries account state (session version, password hash).

use helpdesk_core::sla::{AlertLevel, Escalation, EscalationAction};
use helpdesk_tests::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every object key anywhere in `value`, and every event `type` and actor role.
fn keys(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                into.insert(k.clone());
                if (k == "type" || k == "role")
                    && let Some(s) = v.as_str()
                {
                    into.insert(format!("{k}={s}"));
                }
                keys(v, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, into)),
        _ => {}
    }
}

fn all_keys(value: &Value) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    keys(value, &mut set);
    set
}

#[tokio::test]
async fn each_role_receives_only_its_own_keys() {
    let t = test_app().await;
    let mut config = round_the_clock();
    config.plans[0].escalations = vec![Escalation { on: AlertLevel::Breach, target: None, action: EscalationAction::RaisePriority }];
    store_config(&t.seed, &config).await;
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("mine"))).await.status, 201);
    assert_eq!(t.call("POST", "/api/tickets/HD-1001/notes", AGENT, Some(json!({"body": "internal"}))).await.status, 200);
    // Three days on, every clock is breached: the scan records warnings and breaches and raises
    // the priority as the helpdesk itself.
    let report = sla_scan::scan(&function_store(SLA_SCAN, &t.table).await, chrono::Utc::now() + chrono::Duration::days(3)).await.unwrap();
    assert!(report.tickets_due > 0, "{report:?}");

    let staff = all_keys(&t.call("GET", "/api/tickets/HD-1001", AGENT, None).await.body);
    for expected in ["sla", "type=internal_note", "type=sla_breached", "role=system"] {
        assert!(staff.contains(expected), "staff see {expected}: {staff:?}");
    }
    let requester_view = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert_eq!(requester_view.status, 200);
    let requester_lists = t.call("GET", "/api/my/tickets", ANNA, None).await;
    for answer in [&requester_view.body, &requester_lists.body] {
        let seen = all_keys(answer);
        for hidden in ["sla", "sla_next_action", "type=internal_note", "type=sla_warning", "type=sla_breached", "role=system"] {
            assert!(!seen.contains(hidden), "a requester receives {hidden}: {answer}");
        }
    }

    // Pickers: names and roles only.
    let directory = t.call("GET", "/api/directory?staff=true", AGENT, None).await;
    assert_eq!(directory.status, 200);
    let person_keys = all_keys(&directory.body["items"]);
    let allowed: BTreeSet<String> = ["id", "name", "role", "groups"].into_iter().map(String::from).collect();
    assert!(person_keys.iter().filter(|k| !k.starts_with("role=")).all(|k| allowed.contains(k)), "{person_keys:?}");
    assert!(!directory.body["items"].as_array().unwrap().is_empty());
    assert_eq!(t.call("GET", "/api/users", AGENT, None).await.status, 403, "contact details are the admins'");

    // Accounts: never the session version or a hash, not even to admins or the person.
    for answer in [t.call("GET", "/api/users", ADMIN, None).await, t.call("GET", "/api/auth/me", ANNA, None).await] {
        let seen = all_keys(&answer.body);
        assert!(seen.contains("email"), "{:?}", answer.body);
        assert!(!seen.contains("session_version") && !seen.contains("password_hash"), "{:?}", answer.body);
    }

    // Archived topics: admins only.
    assert_eq!(t.call("DELETE", "/api/topics/printer", ADMIN, None).await.status, 200);
    assert_eq!(t.call("GET", "/api/topics/printer", ANNA, None).await.status, 404);
    assert_eq!(t.call("GET", "/api/topics/printer", ADMIN, None).await.status, 200);
    // Her ticket still names its fields: the ticket view carries its topic, archived or not.
    let her_ticket = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert_eq!((her_ticket.body["topic"]["id"].as_str(), her_ticket.body["topic"]["active"].as_bool()), (Some("printer"), Some(false)));
    t.finish().await;
}
