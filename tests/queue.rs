//! The queue's order and paging against the local stack: what falls due first and by priority,
//! across the whole queue and not a page; open or done; the total; several groups at once.

use chrono::{DateTime, Duration, Utc};
use helpdesk_core::sla;
use helpdesk_core::{Priority, Status, Ticket};
use helpdesk_tests::*;
use serde_json::Value;
use std::collections::HashSet;

/// 70 service-desk tickets (every tenth resolved, every tenth from the fifth on covered by no
/// plan, the others under the round-the-clock plan and created 0–7 h ago, so many are overdue)
/// and 5 network ones; the newest is the only urgent one.
async fn load(t: &TestApp) -> Vec<Ticket> {
    let config = round_the_clock();
    store_config(&t.seed, &config).await;
    let now = Utc::now();
    let mut generator = ulid::Generator::new();
    let tickets: Vec<Ticket> = (0..75)
        .map(|i| {
            let created = now - Duration::minutes(6 * (75 - i as i64));
            let mut ticket = Ticket {
                requester: if i % 2 == 0 { "anna".into() } else { "boris".into() },
                priority: if i == 69 { Priority::Urgent } else { [Priority::Low, Priority::Medium, Priority::High][i % 3] },
                status: if i % 10 == 9 && i != 69 { Status::Resolved } else { Status::Open },
                group: if i < 70 { "service-desk".into() } else { "network".into() },
                ..loaded_ticket(&mut generator, 5000 + i as u64, created)
            };
            if ticket.status == Status::Open && i % 10 != 4 {
                sla::refresh(&mut ticket, &[], &config);
            }
            ticket
        })
        .collect();
    t.seed.import_tickets(&tickets).await.expect("import");
    tickets
}

/// Every page of `path`, 25 at a time: the items in order, and the first page's total.
async fn pages(t: &TestApp, actor: Option<&str>, path: &str) -> (Vec<Value>, Value) {
    let (mut items, mut total, mut cursor) = (Vec::new(), Value::Null, None::<String>);
    for page in 0.. {
        assert!(page < 20, "paging does not end");
        let url = match &cursor {
            Some(c) => format!("{path}&limit=25&cursor={c}"),
            None => format!("{path}&limit=25"),
        };
        let answer = t.call("GET", &url, actor, None).await;
        assert_eq!(answer.status, 200, "{url}: {:?}", answer.body);
        if page == 0 {
            total = answer.body["total"].clone();
        } else {
            assert_eq!(answer.body["total"], total, "every page carries the same total");
        }
        items.extend(answer.body["items"].as_array().expect("items").iter().cloned());
        match answer.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    (items, total)
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().expect("id").to_string()).collect()
}

fn expected(tickets: &[Ticket], keep: impl Fn(&Ticket) -> bool) -> HashSet<String> {
    tickets.iter().filter(|t| keep(t)).map(|t| t.id.clone()).collect()
}

/// The due order of a listed ticket: its next target's due time (none last), then age.
fn due_key(item: &Value) -> (bool, Option<DateTime<Utc>>, DateTime<Utc>) {
    let due = item["sla_due"]["due_at"].as_str().map(|d| d.parse().expect("due time"));
    (due.is_none(), due, item["created_at"].as_str().expect("created").parse().expect("created time"))
}

fn priority_rank(item: &Value) -> usize {
    ["urgent", "high", "medium", "low"].iter().position(|p| item["priority"] == *p).expect("priority")
}

#[tokio::test]
async fn the_queue_is_ordered_across_every_page_not_within_one() {
    let t = test_app().await;
    let tickets = load(&t).await;
    let open_desk = expected(&tickets, |t| t.group == "service-desk" && t.status == Status::Open);

    // What falls due first: overdue first, then the soonest, the ones no plan covers last.
    let (due, total) = pages(&t, AGENT, "/api/tickets?group=service-desk&state=open&sort=due").await;
    assert_eq!(ids(&due).len(), open_desk.len(), "no duplicates");
    assert_eq!(ids(&due).into_iter().collect::<HashSet<_>>(), open_desk, "every open ticket once, no resolved one");
    assert_eq!(total, serde_json::json!({"count": open_desk.len(), "more": false}));
    let keys: Vec<_> = due.iter().map(due_key).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "due order across pages: {keys:?}");
    let now = Utc::now();
    assert!(keys[0].1.is_some_and(|d| d < now), "an overdue ticket comes first");
    assert!(keys.last().is_some_and(|k| k.0), "tickets without an SLA come last");

    // By priority: the one urgent ticket, the newest of all, leads the first page.
    let (by_priority, _) = pages(&t, AGENT, "/api/tickets?group=service-desk&state=open&sort=priority").await;
    assert_eq!(by_priority[0]["priority"], "urgent");
    assert_eq!(by_priority[0]["number"], "HD-5069");
    let ranks: Vec<_> = by_priority.iter().map(|i| (priority_rank(i), due_key(i))).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "priority, then due, across pages");
    assert_eq!(ids(&by_priority).into_iter().collect::<HashSet<_>>(), open_desk);

    // Done, and both: open first, then done.
    let (done, total) = pages(&t, AGENT, "/api/tickets?group=service-desk&state=done").await;
    assert_eq!(
        ids(&done).into_iter().collect::<HashSet<_>>(),
        expected(&tickets, |t| t.group == "service-desk" && t.status == Status::Resolved)
    );
    assert_eq!(total["count"], done.len());
    let (all, _) = pages(&t, AGENT, "/api/tickets?group=service-desk").await;
    assert_eq!(all.len(), 70);
    let first_done = all.iter().position(|i| i["status"] == "resolved").expect("a resolved one");
    assert!(all[first_done..].iter().all(|i| i["status"] == "resolved"), "open tickets first, then done ones");

    // A filter narrows the merged order without breaking it.
    let (high, total) = pages(&t, AGENT, "/api/tickets?group=service-desk&state=open&priority=high").await;
    assert!(high.iter().all(|i| i["priority"] == "high") && !high.is_empty());
    assert_eq!(total["count"], high.len());
    let keys: Vec<_> = high.iter().map(due_key).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    t.finish().await;
}

#[tokio::test]
async fn several_groups_at_once_and_what_a_queue_query_refuses() {
    let t = test_app().await;
    let tickets = load(&t).await;
    let (both, total) = pages(&t, ADMIN, "/api/tickets?group=service-desk&group=network&state=open").await;
    let open = expected(&tickets, |t| t.status == Status::Open);
    assert_eq!(ids(&both).into_iter().collect::<HashSet<_>>(), open);
    assert_eq!(total["count"], open.len());
    let keys: Vec<_> = both.iter().map(due_key).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "one due order over both groups");

    let other = t.call("GET", "/api/tickets?group=service-desk&group=network", AGENT, None).await;
    assert_eq!((other.status, other.code()), (403, "forbidden"), "one of the groups is not his");
    for bad in ["/api/tickets?group=service-desk&state=done&status=open", "/api/tickets?group=service-desk&sort=newest"] {
        assert_eq!(t.call("GET", bad, AGENT, None).await.code(), "invalid_query", "{bad}");
    }
    let mine = t.call("GET", "/api/my/tickets?sort=due", ANNA, None).await;
    assert_eq!((mine.status, mine.code()), (400, "invalid_query"), "a requester's list has one order");
    // A requester's list shows no SLA.
    let mine = t.call("GET", "/api/my/tickets?state=open", ANNA, None).await;
    let items = mine.body["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.iter().all(|i| i.get("sla_due").is_none() && i["status"] == "open"), "{items:?}");
    // A cursor of one order does not serve another's runs.
    let first = t.call("GET", "/api/tickets?group=service-desk&sort=priority&limit=5", AGENT, None).await;
    let cursor = first.body["next_cursor"].as_str().expect("cursor");
    let crossed = t.call("GET", &format!("/api/tickets?group=service-desk&sort=due&cursor={cursor}"), AGENT, None).await;
    assert_eq!(crossed.code(), "invalid_cursor");
    t.finish().await;
}

#[tokio::test]
async fn cursors_stay_short_when_every_run_is_partway() {
    let t = test_app().await;
    let config = round_the_clock();
    store_config(&t.seed, &config).await;
    let agent = "an-agent-with-a-rather-long-identifier-for-the-cursor";
    let now = Utc::now();
    let mut generator = ulid::Generator::new();
    let tickets: Vec<Ticket> = (0..40)
        .map(|i| {
            let created = now - Duration::minutes(i as i64);
            let mut ticket = Ticket {
                priority: Priority::ALL[i % 4],
                assignee: Some(agent.into()),
                ..loaded_ticket(&mut generator, 7000 + i as u64, created)
            };
            sla::refresh(&mut ticket, &[], &config);
            ticket
        })
        .collect();
    t.seed.import_tickets(&tickets).await.expect("import");
    let (mut seen, mut cursor, mut longest) = (Vec::new(), None::<String>, 0);
    for _ in 0..20 {
        let url = match &cursor {
            Some(c) => format!("/api/tickets?assignee={agent}&limit=5&cursor={c}"),
            None => format!("/api/tickets?assignee={agent}&limit=5"),
        };
        let page = t.call("GET", &url, ADMIN, None).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        seen.extend(ids(page.body["items"].as_array().unwrap()));
        match page.body["next_cursor"].as_str() {
            Some(c) => {
                longest = longest.max(c.len());
                cursor = Some(c.to_string());
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 40, "every ticket once");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 40);
    assert!(longest < 700, "a cursor of four runs partway is {longest} characters");
    t.finish().await;
}
