//! Reports through the real reports function over the local table: a generated history of
//! tickets (replies, reassignments, resolutions, reopenings, breaches, ratings) written in stages, each
//! stage's events delivered twice and out of order, must leave exactly the buckets a rebuild from
//! the logs gives, and exactly the sum of the tickets' contributions.

use chrono::{DateTime, Duration, Utc};
use helpdesk_aws::{Reports, TicketStore};
use helpdesk_core::commands::Change;
use helpdesk_core::event::{EventKind, TicketEvent};
use helpdesk_core::rating::Rating;
use helpdesk_core::reports::{self as figures, BucketKey, Contribution, Counters, Dimension, ReportQuery};
use helpdesk_core::sla::TargetKind;
use helpdesk_core::ticket::{Channel, Priority, Status};
use helpdesk_core::{Actor, Role, Ticket};
use helpdesk_tests::*;

const TICKETS: usize = 240;

/// A small deterministic generator: the same history every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % sides
    }
}

fn event(at: DateTime<Utc>, actor: Actor, kind: EventKind) -> TicketEvent {
    // Ids sort as the events happened, like the store's ULIDs.
    TicketEvent { id: ulid::Ulid::from_parts(at.timestamp_millis() as u64, rand_bits(at)).to_string(), at, actor, kind }
}

fn rand_bits(at: DateTime<Utc>) -> u128 {
    u128::from(at.timestamp_subsec_nanos()) + 1
}

/// One more step of a ticket's life: its new state and the events that say so.
fn step(dice: &mut Dice, ticket: &Ticket, at: DateTime<Utc>) -> (Ticket, Vec<TicketEvent>) {
    let mut next = ticket.clone();
    let agents = ["ivan", "olga", "petr"];
    let agent = Actor::new(agents[dice.roll(3) as usize], Role::Agent);
    let done = matches!(ticket.status, Status::Resolved | Status::Closed);
    let events = match dice.roll(6) {
        0 if !done => vec![event(at, agent, EventKind::PublicReply { body: "On it.".into(), attachments: vec![], mail: None })],
        1 if !done => {
            let to = Some(agents[dice.roll(3) as usize].to_string());
            next.assignee = to.clone();
            vec![event(at, agent, EventKind::AssigneeChanged { from: ticket.assignee.clone(), to })]
        }
        2 | 3 if !done => {
            next.status = if dice.roll(2) == 0 { Status::Resolved } else { Status::Closed };
            vec![event(at, agent, EventKind::StatusChanged { from: ticket.status, to: next.status })]
        }
        4 if done => {
            next.status = Status::Reopened;
            vec![event(
                at,
                Actor::new(&ticket.requester, Role::Requester),
                EventKind::StatusChanged { from: ticket.status, to: next.status },
            )]
        }
        3 if done => {
            let rating = [Rating::Good, Rating::Bad][dice.roll(2) as usize];
            let kind = EventKind::Rated { resolution: format!("resolution-{}", ticket.version), rating, comment: None };
            vec![event(at, Actor::new(&ticket.requester, Role::Requester), kind)]
        }
        5 => {
            let target = [TargetKind::FirstResponse, TargetKind::Resolution][dice.roll(2) as usize];
            vec![event(at, Actor::new("sla", Role::System), EventKind::SlaBreached { target, cycle: 0, due_at: at })]
        }
        _ => vec![event(
            at,
            Actor::new(&ticket.requester, Role::Requester),
            EventKind::PublicReply { body: "Any news?".into(), attachments: vec![], mail: None },
        )],
    };
    next.version += 1;
    next.updated_at = at;
    (next, events)
}

/// Every bucket of every dimension over the history's days, added up.
async fn all_buckets(store: &helpdesk_aws::DynamoStore) -> Contribution {
    let mut read: Vec<(BucketKey, Counters)> = Vec::new();
    for dimension in Dimension::ALL {
        let query = ReportQuery::new(dimension, "2026-01-01".parse().unwrap(), "2026-04-30".parse().unwrap());
        read.extend(store.report_buckets(&query).await.unwrap());
    }
    figures::total(read.iter().map(|(k, c)| (k, c)))
}

#[tokio::test]
async fn incremental_buckets_equal_a_rebuild_under_repeated_and_reordered_delivery() {
    let t = test_app().await;
    let store = function_store(iam_calls::REPORTS, &t.table).await;
    let zone = chrono_tz::Europe::Berlin;
    let mut dice = Dice(42);
    let start: DateTime<Utc> = "2026-01-05T07:00:00Z".parse().unwrap();
    let mut tickets: Vec<Ticket> = Vec::new();
    for i in 0..TICKETS {
        let created = start + Duration::minutes(i as i64 * 337);
        let mut ticket = loaded_ticket(&mut ulid::Generator::new(), 0, created);
        ticket.priority = Priority::ALL[i % 4];
        ticket.channel = [Channel::Web, Channel::Email, Channel::Phone][i % 3];
        ticket.topic = ["printer", "network"][i % 2].into();
        ticket.requester = format!("user{}", i % 17);
        let created_event = event(
            created,
            Actor::new(&ticket.requester, Role::Requester),
            EventKind::Created { channel: ticket.channel, attachments: vec![], mail: None },
        );
        let stored = t
            .seed
            .create_ticket(|number| Change { ticket: Ticket { number, ..ticket.clone() }, events: vec![created_event.clone()] })
            .await
            .unwrap();
        tickets.push(stored.ticket);
    }
    // Stages of every ticket's life; after each, its events are delivered.
    for stage in 0..4 {
        for ticket in tickets.iter_mut() {
            let steps = dice.roll(3);
            for s in 0..steps {
                let at = ticket.updated_at + Duration::minutes(30 + (dice.roll(3000) as i64) + s as i64);
                let (next, events) = step(&mut dice, ticket, at);
                t.seed.save_ticket(&next, &events).await.unwrap();
                *ticket = next;
            }
        }
        // Two consumers at once, each given every ticket of the stage, in opposite orders: each
        // ticket's figures are applied twice, and the two race on the same records.
        let forward: Vec<String> = tickets.iter().map(|t| t.id.clone()).collect();
        let backward: Vec<String> = forward.iter().rev().cloned().collect();
        let (a, b) = tokio::join!(reports::apply(&store, zone, &forward), reports::apply(&store, zone, &backward));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.changed + a.unchanged + b.changed + b.unchanged, 2 * TICKETS, "stage {stage}");
    }
    let incremental = all_buckets(&store).await;

    // The sum of every ticket's contribution as it stands, computed here from the logs.
    let config = helpdesk_aws::TicketStore::sla_config(&t.seed).await.unwrap();
    let mut expected: Vec<(BucketKey, Counters)> = Vec::new();
    for ticket in &tickets {
        let (now, events) = t.seed.get_ticket(&ticket.id).await.unwrap().unwrap();
        let sla = helpdesk_core::sla::status(&now, &events, &config, now.updated_at);
        expected.extend(figures::contribution(&now, &events, sla.as_ref(), &[], zone));
    }
    let expected = figures::total(expected.iter().map(|(k, c)| (k, c)));
    assert!(!incremental.is_empty());
    assert_eq!(incremental, expected, "the increments add up to the tickets' contributions");
    let created: i64 = incremental.iter().filter(|(k, _)| k.dimension == Dimension::Topic).map(|(_, c)| c.created).sum();
    assert_eq!(created, TICKETS as i64, "each ticket created once, whatever was delivered twice");
    let rated: i64 = incremental.iter().filter(|(k, _)| k.dimension == Dimension::Topic).map(|(_, c)| c.rated_good + c.rated_bad).sum();
    assert!(rated > 0, "the history has ratings, counted");

    // A rebuild from nothing agrees exactly.
    let counted = reports::rebuild(&store, zone).await.unwrap();
    assert_eq!(counted, TICKETS);
    assert_eq!(all_buckets(&store).await, incremental, "the rebuild equals the increments");
    // And a repeat of everything changes nothing.
    let ids: Vec<String> = tickets.iter().map(|t| t.id.clone()).collect();
    let again = reports::apply(&store, zone, &ids).await.unwrap();
    assert_eq!((again.changed, again.unchanged), (0, TICKETS));
    assert_eq!(store.reported(&ids[0]).await.unwrap().map(|(n, _)| n > 0), Some(true));
}

#[test]
fn the_template_gives_the_reports_function_exactly_the_environment_it_reads() {
    let template = helpdesk_aws::template::read_template().unwrap();
    let mut given = helpdesk_aws::template::function_environment(&template, "ReportsFunction").unwrap();
    given.remove("RUST_LOG");
    given.remove("SECRETS_REVISION");
    let read: std::collections::BTreeSet<String> = reports::ENVIRONMENT.iter().map(|v| v.to_string()).collect();
    assert_eq!(given, read);
}

#[tokio::test]
async fn the_agent_report_gives_a_small_history_s_figures_as_worked_by_hand() {
    let t = test_app().await;
    let store = function_store(iam_calls::REPORTS, &t.table).await;
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let olga = helpdesk_core::user::User::new(
        "olga",
        "Olga",
        "olga@example.org",
        Role::Agent,
        &["service-desk"],
        helpdesk_core::user::AccountSource::Local,
    );
    helpdesk_aws::Directory::put_user(&t.seed, &olga, None).await.unwrap();
    // Three tickets filed by Anna; Ivan answers the first within the minute and resolves it, the
    // second is reassigned to Olga, resolved, reopened and resolved again; the third stays open
    // with nobody on it.
    let mut ids = Vec::new();
    for subject in ["Jammed", "Offline", "Toner"] {
        let filed = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket(subject))).await;
        assert_eq!(filed.status, 201, "{}", filed.body);
        ids.push(filed.body["ticket"]["number"].as_str().unwrap().to_string());
    }
    let version = |answer: &Answer| answer.body["ticket"]["version"].as_u64().unwrap();
    let path = |n: &str| format!("/api/tickets/{n}");
    let answered = t.call("POST", &format!("{}/replies", path(&ids[0])), AGENT, Some(serde_json::json!({"body": "Open tray 2."}))).await;
    let resolved = t
        .call(
            "PATCH",
            &path(&ids[0]),
            AGENT,
            Some(serde_json::json!({"version": version(&answered), "status": "resolved", "assignee": "ivan"})),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    let current = t.call("GET", &path(&ids[1]), AGENT, None).await;
    let mut v = version(&current);
    for change in [
        serde_json::json!({"assignee": "olga"}),
        serde_json::json!({"status": "resolved"}),
        serde_json::json!({"status": "reopened"}),
        serde_json::json!({"status": "resolved"}),
    ] {
        let mut change = change;
        change["version"] = v.into();
        let answer = t.call("PATCH", &path(&ids[1]), ADMIN, Some(change)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        v = version(&answer);
    }
    let all: Vec<String> = t.seed.all_ticket_ids().await.unwrap();
    reports::apply(&store, chrono_tz::UTC, &all).await.unwrap();

    let today = Utc::now().date_naive();
    let report = t.call("GET", &format!("/api/reports/agent?from={today}&to={today}"), ADMIN, None).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.body["time_zone"], "UTC");
    let line = |who: &str| report.body["lines"].as_array().unwrap().iter().find(|l| l["value"] == who).cloned().unwrap_or_default();
    let (ivan, olga) = (line("ivan"), line("olga"));
    assert_eq!(
        (ivan["created"].as_i64(), ivan["first_responses"].as_i64(), ivan["resolved"].as_i64(), ivan["reopened"].as_i64()),
        (Some(1), Some(1), Some(1), Some(0))
    );
    assert_eq!(
        (olga["created"].as_i64(), olga["resolved"].as_i64(), olga["reopened"].as_i64(), olga["reopen_rate"].as_f64()),
        (Some(1), Some(2), Some(1), Some(0.5))
    );
    assert_eq!(olga["first_responses"].as_i64(), Some(0), "nobody answered her ticket in public");
    assert_eq!(ivan["first_response_median_minutes"].as_i64(), Some(0), "answered within the minute");
    let nobody = line("-");
    assert_eq!((nobody["created"].as_i64(), nobody["open_now"].as_i64()), (Some(1), Some(1)), "{nobody}");
    assert_eq!((ivan["open_now"].as_i64(), olga["open_now"].as_i64()), (Some(0), Some(0)));
    // Problem equipment: every ticket named the same printer; the top 1 by breaches.
    let assets = t.call("GET", &format!("/api/reports/asset?from={today}&to={today}&sort=breaches&limit=1"), ADMIN, None).await;
    assert_eq!(assets.status, 200, "{}", assets.body);
    let printer = &assets.body["lines"][0];
    assert_eq!((printer["value"].as_str(), printer["created"].as_i64(), printer["open_now"].as_i64()), (Some("PR-0042"), Some(3), Some(1)));
    assert_eq!(assets.body["lines"].as_array().map(Vec::len), Some(1));

    // The backlog: three opened, three resolutions and one reopening today; one open at the
    // day's end and now, under a day old; tomorrow has no end yet.
    let tomorrow = today.succ_opt().unwrap();
    let backlog = t.call("GET", &format!("/api/reports/backlog?from={today}&to={tomorrow}"), ADMIN, None).await;
    assert_eq!(backlog.status, 200, "{}", backlog.body);
    let day = &backlog.body["days"][0];
    assert_eq!(
        (day["created"].as_i64(), day["resolved"].as_i64(), day["reopened"].as_i64(), day["open_at_end"].as_i64()),
        (Some(3), Some(3), Some(1), Some(1)),
        "{}",
        backlog.body
    );
    assert!(backlog.body["days"][1]["open_at_end"].is_null(), "{}", backlog.body);
    assert_eq!(backlog.body["open_now"], 1);
    assert_eq!(backlog.body["ageing"][0], serde_json::json!(["under_one_day", 1]));
    let backlog_csv = t.call("GET", &format!("/api/reports/backlog?from={today}&to={today}&format=csv"), ADMIN, None).await;
    assert!(backlog_csv.body.as_str().unwrap().contains(&format!("{today},3,3,1,1\r\n")), "{}", backlog_csv.body);

    // Managers: one for every group reads the same; a team lead of another group reads none of
    // it and may not ask for it; neither may read the tickets' own reports as agents do not.
    let everyone = Some("manager:mona");
    let lead = Some("manager:tom:network");
    let as_mona = t.call("GET", &format!("/api/reports/agent?from={today}&to={today}"), everyone, None).await;
    assert_eq!(as_mona.body["lines"], report.body["lines"]);
    let as_tom = t.call("GET", &format!("/api/reports/agent?from={today}&to={today}"), lead, None).await;
    assert_eq!((as_tom.status, &as_tom.body["lines"]), (200, &serde_json::json!([])), "{}", as_tom.body);
    let tom_backlog = t.call("GET", &format!("/api/reports/backlog?from={today}&to={today}"), lead, None).await;
    assert_eq!((tom_backlog.body["open_now"].as_i64(), tom_backlog.body["days"][0]["created"].as_i64()), (Some(0), Some(0)));
    let other_group = format!("/api/reports/agent?from={today}&to={today}&group=service-desk");
    assert_eq!(t.call("GET", &other_group, lead, None).await.status, 403);
    assert_eq!(t.call("GET", &other_group, everyone, None).await.status, 200);
    // The same report as a spreadsheet file: a byte-order mark, a header, a row per line.
    let csv = t.call("GET", &format!("/api/reports/agent?from={today}&to={today}&format=csv"), ADMIN, None).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let text = csv.body.as_str().unwrap();
    assert!(text.starts_with("\u{feff}agent,created,first_responses,resolved,reopened,reopen_rate,"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("olga,1,0,2,1,0.500,")), "{text}");
    assert_eq!(text.lines().count(), 1 + report.body["lines"].as_array().unwrap().len());
    // Within a topic nobody filed under: nothing. Bad questions: 4xx.
    let other = t.call("GET", &format!("/api/reports/agent?from={today}&to={today}&topic=network"), ADMIN, None).await;
    assert_eq!(other.body["lines"], serde_json::json!([]));
    for (query, status) in [
        (format!("/api/reports/agent?from={today}"), 400),
        (format!("/api/reports/agent?from={today}&to=2020-01-01"), 400),
        ("/api/reports/agent?from=2026-01-01&to=2027-12-31".to_string(), 400),
        (format!("/api/reports/colour?from={today}&to={today}"), 404),
        (format!("/api/reports/agent?from={today}&to={today}&group=a%23b"), 400),
        (format!("/api/reports/agent?from={today}&to={today}&format=xlsx"), 400),
        (format!("/api/reports/agent?from={today}&to={today}&sort=slowest"), 400),
        (format!("/api/reports/agent?from={today}&to={today}&limit=0"), 400),
        (format!("/api/reports/backlog?from={today}&to=2020-01-01"), 400),
    ] {
        assert_eq!(t.call("GET", &query, ADMIN, None).await.status, status, "{query}");
    }
    for path in [format!("/api/reports/agent?from={today}&to={today}"), format!("/api/reports/backlog?from={today}&to={today}")] {
        assert_eq!(t.call("GET", &path, AGENT, None).await.status, 403, "{path}");
        assert_eq!(t.call("GET", &path, ANNA, None).await.status, 403, "{path}");
    }
}

/// One bucket of a hand-made history: `counters` on `day` of November 2026.
fn hand_bucket(dimension: Dimension, day: u32, group: &str, value: &str, counters: &Counters) -> (BucketKey, Counters) {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, day).expect("a day");
    (BucketKey { dimension, day, group: group.into(), topic: "printer".into(), value: value.into() }, counters.clone())
}

#[tokio::test]
async fn the_weekly_report_mails_each_reader_their_groups_once_and_a_failed_mail_is_sent_by_the_next_run() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    use helpdesk_aws::{Directory, NotificationLog};
    use helpdesk_core::notify::{Notice, Preferences};
    use helpdesk_core::user::Language;

    let t = test_app().await;
    let person = |id: &str, role: Role, groups: &[&str], language: Language| t.person(id, role, groups, language);
    let head = person("pavel", Role::Manager, &[], Language::Ru);
    let lead = person("tamara", Role::Manager, &["network"], Language::En);
    let admin = person("root", Role::Admin, &[], Language::En);
    let mut gone = person("gone", Role::Manager, &[], Language::En);
    gone.active = false;
    for user in [
        &head,
        &lead,
        &admin,
        &gone,
        &person("ivan", Role::Agent, &["service-desk"], Language::En),
        &person("olga", Role::Agent, &["network"], Language::En),
    ] {
        t.seed.put_user(user, None).await.expect("put user");
    }
    // The admin turned the weekly report off.
    let mut quiet = Preferences::defaults(Role::Admin);
    quiet.channels.insert(Notice::WeeklyReport, vec![]);
    quiet.version = 1;
    t.seed.put_preferences("root", &quiet).await.expect("preferences");

    // Last week (16–22 Nov): the service desk 3 created, 2 resolved (one late); the network 1 and 1.
    // The week before: the service desk 2 and 2. Every figure by group, agent and equipment.
    let mut desk = Counters { created: 3, resolved: 2, ..Counters::default() };
    desk.resolution.add(60);
    desk.resolution.add(600);
    desk.breaches.insert(TargetKind::Resolution, 1);
    desk.met.insert(TargetKind::Resolution, 1);
    let mut network = Counters { created: 1, resolved: 1, ..Counters::default() };
    network.resolution.add(30);
    network.met.insert(TargetKind::Resolution, 1);
    let before = Counters { created: 2, resolved: 2, ..Counters::default() };
    let history: Contribution = [
        hand_bucket(Dimension::Group, 17, "service-desk", "service-desk", &desk),
        hand_bucket(Dimension::Agent, 17, "service-desk", "ivan", &desk),
        hand_bucket(Dimension::Asset, 17, "service-desk", "PC-7", &desk),
        hand_bucket(Dimension::Group, 18, "network", "network", &network),
        hand_bucket(Dimension::Agent, 18, "network", "olga", &network),
        hand_bucket(Dimension::Group, 10, "service-desk", "service-desk", &before),
        // The week after (today's week) counts in neither.
        hand_bucket(Dimension::Group, 23, "network", "network", &desk),
    ]
    .into_iter()
    .collect();
    t.seed.apply_report("hand-made", None, &history, &history).await.expect("buckets");

    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    const SENDER: &str = "reports@example.com";
    let _ = aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(SENDER).send().await;
    iam_calls::bind(SENDER, helpdesk_aws::config::MAIL_FROM);
    let mail = |client, from: &str| notify::Channels(vec![Box::new(helpdesk_aws::channels::SesMail::new(client, from, "IT Helpdesk"))]);
    let settings = notify::Settings::new("https://help.example.com", SENDER, None);
    let store = function_store(NOTIFY, &t.table).await;
    // Monday 23 Nov, 08:00 UTC.
    let monday = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 23, 8, 0, 0).unwrap();
    let week = chrono::NaiveDate::from_ymd_opt(2026, 11, 16).expect("a day");

    // A sender moto refuses (not verified): nothing goes, and the claims stay open for a retry.
    let refused = mail(aws_sdk_sesv2::Client::new(&sdk), "unverified@example.net");
    let run = notify::send_weekly_reports(&store, &refused, &settings, chrono_tz::UTC, monday).await.expect("run");
    assert_eq!(run, notify::WeeklyRun { week, sent: 0, not_wanted: 1, already_sent: 0, failed: 2 });

    let channels = mail(iam_calls::sesv2_client(&sdk, NOTIFY), SENDER);
    let run = notify::send_weekly_reports(&store, &channels, &settings, chrono_tz::UTC, monday).await.expect("run");
    assert_eq!(run, notify::WeeklyRun { week, sent: 2, not_wanted: 1, already_sent: 0, failed: 0 });
    let again = notify::send_weekly_reports(&store, &channels, &settings, chrono_tz::UTC, monday + Duration::hours(1)).await.expect("run");
    assert_eq!(again, notify::WeeklyRun { week, sent: 0, not_wanted: 1, already_sent: 2, failed: 0 }, "once a week");

    let to_head = mail_to(&head.email).await;
    assert_eq!(to_head.len(), 1, "one mail for the head of IT");
    assert_eq!(to_head[0].subject, "Еженедельный отчёт службы поддержки, 2026-11-16 – 2026-11-22");
    let text = &to_head[0].text;
    for expected in [
        "Создано: 4 (позапрошлая: 2)",
        "Решено: 3 (позапрошлая: 2)",
        "ivan name: решено 2",
        "olga name: решено 1",
        "PC-7: 1 нарушение SLA, новых 3",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(text.contains("https://help.example.com/reports?from=2026-11-16&to=2026-11-22"), "{text}");
    assert!(to_head[0].html.contains("<table"), "{}", to_head[0].html);

    let to_lead = mail_to(&lead.email).await;
    assert_eq!(to_lead.len(), 1);
    let text = &to_lead[0].text;
    assert!(text.contains("Created: 1 (week before: 0)") && text.contains("olga name: 1 resolved"), "{text}");
    assert!(!text.contains("ivan name") && !text.contains("PC-7"), "the team lead reads the network's figures only:\n{text}");
    assert!(mail_to(&admin.email).await.is_empty(), "the admin turned it off");
    assert!(mail_to(&gone.email).await.is_empty(), "a disabled account gets nothing");
}
