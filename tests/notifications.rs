//! Notifications end to end on the local stack: the API's writes put domain events in the outbox,
//! the notify handler turns them into mail (SES v2 on moto) and SMS (SNS on moto), and every
//! decision is on the ticket's log. The queue in between is the test itself: it hands the
//! outbox's events to the handler as the notification queue would.

use helpdesk_aws::{Directory, DynamoStore, NotificationLog};
use helpdesk_core::Role;
use helpdesk_core::user::Language;
use helpdesk_tests::*;
use notify::{Channels, QueueMessage, Settings};
use serde_json::{Value, json};

const SENDER: &str = "helpdesk@example.com";
const SUPPORT: &str = "support@example.com";

struct Setup {
    t: TestApp,
    store: DynamoStore,
    settings: Settings,
    channels: Channels,
    /// Addresses unique to this test (moto's mailbox is shared by every test).
    anna_mail: String,
    anna_phone: String,
    ivan_mail: String,
    olga_mail: String,
}

async fn setup() -> Setup {
    let t = test_app().await;
    let unique = t.table.trim_start_matches("test-").to_string();
    let person = |id: &str, role: Role, groups: &[&str], language: Language| t.person(id, role, groups, language);
    let mut anna = person("anna", Role::Requester, &[], Language::Ru);
    anna.name = "Анна Петрова".into();
    // A number no other test uses: the last digits of the table's id.
    let digits: String = unique.chars().filter(char::is_ascii_digit).chain(std::iter::repeat('7')).take(7).collect();
    anna.phone = Some(format!("+1555{digits}"));
    let ivan = person("ivan", Role::Agent, &["service-desk"], Language::En);
    let olga = person("olga", Role::Agent, &["network"], Language::En);
    for user in [&anna, &ivan, &olga] {
        t.seed.put_user(user, None).await.expect("put user");
    }
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    // moto sends only from verified identities.
    let setup = aws_sdk_sesv2::Client::new(&sdk);
    let _ = setup.create_email_identity().email_identity(SENDER).send().await;
    iam_calls::bind(SENDER, helpdesk_aws::config::MAIL_FROM);
    let channels = Channels(vec![
        Box::new(helpdesk_aws::channels::SesMail::new(iam_calls::sesv2_client(&sdk, NOTIFY), SENDER, "IT Helpdesk")),
        Box::new(helpdesk_aws::channels::SnsSms::new(iam_calls::sns_client(&sdk, NOTIFY))),
    ]);
    let store = function_store(NOTIFY, &t.table).await;
    Setup {
        settings: Settings::new("https://help.example.com", SENDER, Some(SUPPORT)),
        channels,
        store,
        anna_mail: anna.email,
        anna_phone: anna.phone.unwrap_or_default(),
        ivan_mail: ivan.email,
        olga_mail: olga.email,
        t,
    }
}

impl Setup {
    /// Hands the ticket's outbox to the notify handler as the queue would (all of it, in one
    /// batch: the coalescing window), except the events already handed over `skip` times.
    async fn deliver(&self, ticket_id: &str, after: usize) -> notify::Report {
        let messages: Vec<QueueMessage> = queued_events(&self.t.table, ticket_id).await.into_iter().skip(after).collect();
        let (report, _) = notify::consume(&self.store, &self.channels, &self.settings, messages, chrono::Utc::now()).await.expect("notify");
        report
    }

    async fn ticket_id(&self, number: &str) -> String {
        self.t.call("GET", &format!("/api/tickets/{number}"), ADMIN, None).await.body["ticket"]["id"].as_str().expect("id").to_string()
    }

    async fn log(&self, number: &str) -> Vec<Value> {
        let answer = self.t.call("GET", &format!("/api/tickets/{number}/notifications"), AGENT, None).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["items"].as_array().cloned().unwrap_or_default()
    }
}

fn entries<'a>(log: &'a [Value], recipient: &str, channel: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| e["recipient"] == recipient && e["channel"] == channel).collect()
}

#[tokio::test]
async fn an_agent_reply_reaches_the_requester_in_her_language_threaded_and_explained() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Принтер мнёт бумагу"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    let filed = s.deliver(&id, 0).await;
    assert_eq!((filed.sent, filed.failed), (2, 0), "the requester's acknowledgement and the group's agent: {filed:?}");
    let ack = mail_to(&s.anna_mail).await;
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].subject, "[HD-1001] Мы получили ваше обращение: Принтер мнёт бумагу");
    let new_ticket = mail_to(&s.ivan_mail).await;
    assert_eq!(new_ticket.len(), 1, "the service desk's agent hears of the new ticket");
    assert_eq!(new_ticket[0].subject, "[HD-1001] New ticket from Анна Петрова: Принтер мнёт бумагу");
    assert!(new_ticket[0].text.contains("> It blinks orange."), "the agent reads the description: {}", new_ticket[0].text);

    let reply = json!({"body": "Откройте лоток 2 и уберите бумагу."});
    assert_eq!(s.t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(reply)).await.status, 200);
    let replied = s.deliver(&id, 1).await;
    assert_eq!((replied.sent, replied.failed), (1, 0), "{replied:?}");
    let mails = mail_to(&s.anna_mail).await;
    assert_eq!(mails.len(), 2);
    let mail = mails.iter().find(|m| m.subject.contains("Ответ от")).expect("the reply's mail");
    assert_eq!(mail.subject, "[HD-1001] Ответ от: ivan name: Принтер мнёт бумагу");
    assert!(
        mail.text.contains("> Откройте лоток 2 и уберите бумагу.") && mail.text.contains("https://help.example.com/tickets/HD-1001"),
        "{}",
        mail.text
    );
    assert!(
        mail.html.contains("Откройте лоток 2") && mail.html.contains("href=\"https://help.example.com/tickets/HD-1001\""),
        "{}",
        mail.html
    );
    // Threading: every mail of the ticket refers to its root id, which SES leaves alone.
    let root = format!("<{}@example.com>", id.to_lowercase());
    assert!(mail.references.contains(&root) && mail.in_reply_to.contains(&root), "{mail:?}");
    assert!(
        mail.reply_to.starts_with("<support+") && mail.reply_to.ends_with("@example.com>"),
        "a per-ticket reply address: {}",
        mail.reply_to
    );
    assert_eq!(ack[0].reply_to, mail.reply_to, "one token per ticket");
    assert_eq!(mail.auto_submitted, "auto-generated", "auto-responders do not answer");

    let log = s.log("HD-1001").await;
    let to_anna = entries(&log, "anna", "email");
    assert_eq!(to_anna.len(), 2);
    assert!(to_anna.iter().all(|e| e["state"] == "sent" && e["detail"].as_str().is_some_and(|d| !d.is_empty())), "{to_anna:?}");
    assert!(entries(&log, "ivan", "email").iter().all(|e| e["notice"] != "reply"), "the author hears nothing of his own reply");
    let sms = entries(&log, "anna", "sms");
    assert!(sms.iter().all(|e| e["state"] == "suppressed" && e["reason"] == "preference"), "SMS is opt-in: {sms:?}");
    // Requesters never see the log.
    assert_eq!(s.t.call("GET", "/api/tickets/HD-1001/notifications", ANNA, None).await.code(), "forbidden");
    assert_eq!(
        s.t.call("GET", "/api/tickets/HD-1001/notifications", OTHER_AGENT, None).await.code(),
        "not_found",
        "not their group's ticket"
    );
    assert_eq!(s.t.call("GET", "/api/tickets/HD-9999/notifications", AGENT, None).await.code(), "not_found");
    s.t.finish().await;
}

#[tokio::test]
async fn preferences_are_honoured_and_the_log_says_why() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    // Anna: SMS for replies too; no mail when resolved.
    let mine = s.t.call("GET", "/api/auth/me/notifications", ANNA, None).await;
    assert_eq!(mine.body["has_phone"], true);
    assert_eq!(mine.body["notices"], json!(["ticket_filed", "reply", "resolved", "waiting_for_you"]));
    let mut preferences = mine.body["preferences"].clone();
    assert_eq!(preferences["version"], 0);
    preferences["channels"]["reply"] = json!(["email", "sms"]);
    preferences["channels"]["resolved"] = json!([]);
    let saved = s.t.call("PUT", "/api/auth/me/notifications", ANNA, Some(preferences.clone())).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["preferences"]["version"], 1);
    assert_eq!(s.t.call("PUT", "/api/auth/me/notifications", ANNA, Some(preferences)).await.code(), "version_conflict");
    // Ivan: quiet hours around now, in his zone.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo);
    let quiet = json!({"channels": {"reply": ["email"], "new_ticket": ["email"]}, "time_zone": "Asia/Tokyo", "version": 0,
        "quiet_hours": {"from": (now - chrono::Duration::hours(1)).format("%H:%M").to_string(), "until": (now + chrono::Duration::hours(1)).format("%H:%M").to_string()}});
    assert_eq!(s.t.call("PUT", "/api/auth/me/notifications", AGENT, Some(quiet)).await.status, 200);

    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    s.deliver(&id, 0).await;
    assert_eq!(s.t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "On my way"}))).await.status, 200);
    let version = s.t.call("GET", "/api/tickets/HD-1001", AGENT, None).await.body["ticket"]["version"].clone();
    let resolve = s.t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": version, "status": "resolved"}))).await;
    assert_eq!(resolve.status, 200, "{:?}", resolve.body);
    let report = s.deliver(&id, 1).await;
    assert_eq!(report.failed, 0, "{report:?}");
    let texts = sms_to(&s.anna_phone).await;
    assert_eq!(texts.len(), 1, "one SMS for the reply: {texts:?}");
    assert!(texts[0].contains("HD-1001"), "{texts:?}");
    assert!(
        mail_to(&s.anna_mail).await.iter().all(|m| !m.text.contains("resolved") && !m.subject.contains("решено")),
        "resolution mail is off"
    );

    let log = s.log("HD-1001").await;
    let resolved: Vec<&Value> = log.iter().filter(|e| e["recipient"] == "anna" && e["notice"] == "resolved").collect();
    assert!(!resolved.is_empty() && resolved.iter().all(|e| e["reason"] == "preference"), "{resolved:?}");
    let quiet: Vec<&Value> =
        log.iter().filter(|e| e["recipient"] == "ivan" && e["notice"] == "new_ticket" && e["channel"] == "email").collect();
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0]["reason"], "quiet_hours", "{quiet:?}");
    assert!(mail_to(&s.ivan_mail).await.is_empty(), "nothing in quiet hours");
    s.t.finish().await;
}

#[tokio::test]
async fn events_close_together_make_one_message_and_notes_stay_with_staff() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    s.deliver(&id, 0).await;
    let before = mail_to(&s.anna_mail).await.len();
    for body in [json!({"body": "First, open tray 2."}), json!({"body": "Then restart it."})] {
        assert_eq!(s.t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(body)).await.status, 200);
    }
    // The admin mentions the service desk's agent and another group's, who may not see the ticket.
    let note = json!({"body": "SECRET vendor case 42; @ivan and @olga can you check the switch? cc @nobody.here"});
    assert_eq!(s.t.call("POST", "/api/tickets/HD-1001/notes", ADMIN, Some(note)).await.status, 200);
    let report = s.deliver(&id, 1).await;
    assert_eq!(report.failed, 0, "{report:?}");
    let mails = mail_to(&s.anna_mail).await;
    assert_eq!(mails.len(), before + 1, "two replies in one window: one message");
    let both = mails.iter().find(|m| m.text.contains("tray 2")).expect("the coalesced mail");
    assert!(both.text.contains("restart it") && both.subject.contains("2"), "{both:?}");
    assert!(mails.iter().all(|m| !m.text.contains("SECRET") && !m.html.contains("SECRET")), "a note never reaches the requester");
    let ivan: Vec<Mail> = mail_to(&s.ivan_mail).await.into_iter().filter(|m| m.subject.contains("mentioned you")).collect();
    assert_eq!(ivan.len(), 1, "the mentioned agent hears of the note");
    assert!(ivan[0].text.contains("SECRET vendor case"), "{:?}", ivan[0]);
    assert!(mail_to(&s.olga_mail).await.is_empty(), "a mention never shows a note to one who may not see the ticket");
    let log = s.log("HD-1001").await;
    let olga = entries(&log, "olga", "email");
    assert_eq!(olga.first().map(|e| e["reason"].clone()), Some(json!("no_access")), "{olga:?}");
    let typo = entries(&log, "nobody.here", "email");
    assert_eq!(typo.first().map(|e| e["reason"].clone()), Some(json!("no_recipient")), "a mention of nobody is logged: {log:?}");
    let replies = entries(&log, "anna", "email").into_iter().filter(|e| e["notice"] == "reply").collect::<Vec<_>>();
    assert_eq!(replies.len(), 2);
    assert!(replies.iter().all(|e| e["events_in_message"] == 2 && e["state"] == "sent"), "{replies:?}");
    s.t.finish().await;
}

#[tokio::test]
async fn the_same_event_delivered_twice_sends_one_message() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    // Twice at once (two pollers), then once more (a redelivery).
    let (a, b) = tokio::join!(s.deliver(&id, 0), s.deliver(&id, 0));
    let again = s.deliver(&id, 0).await;
    assert_eq!(a.sent + b.sent + again.sent, 2, "{a:?} {b:?} {again:?}");
    assert_eq!(mail_to(&s.anna_mail).await.len(), 1);
    assert_eq!(mail_to(&s.ivan_mail).await.len(), 1);
    let log = s.log("HD-1001").await;
    assert!(entries(&log, "anna", "email").iter().all(|e| e["attempts"] == 1), "{log:?}");
    s.t.finish().await;
}

#[tokio::test]
async fn a_failing_channel_is_retried_and_the_others_are_unaffected() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let mut s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let mut sms_too = s.t.call("GET", "/api/auth/me/notifications", ANNA, None).await.body["preferences"].clone();
    sms_too["channels"]["ticket_filed"] = json!(["email", "sms"]);
    assert_eq!(s.t.call("PUT", "/api/auth/me/notifications", ANNA, Some(sms_too)).await.status, 200);
    // Mail from an identity moto never verified: SES refuses every message.
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    s.channels.0[0] = Box::new(helpdesk_aws::channels::SesMail::new(aws_sdk_sesv2::Client::new(&sdk), "nobody@unverified.example", "X"));
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    let first = s.deliver(&id, 0).await;
    assert_eq!((first.sent, first.failed), (1, 2), "the SMS went; both mails failed: {first:?}");
    assert_eq!(first.retry.len(), 1, "the event is retried");
    let log = s.log("HD-1001").await;
    let failed = entries(&log, "anna", "email");
    assert_eq!(failed[0]["state"], "failed");
    assert!(
        failed[0]["detail"].as_str().is_some_and(|d| d.contains("authority") || d.contains("verif")),
        "the provider's answer: {failed:?}"
    );
    // The retry sends the mail again once SES takes it, and not the SMS.
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    s.channels.0[0] = Box::new(helpdesk_aws::channels::SesMail::new(aws_sdk_sesv2::Client::new(&sdk), SENDER, "IT Helpdesk"));
    let retried = s.deliver(&id, 0).await;
    assert_eq!((retried.sent, retried.failed, retried.already_decided), (2, 0, 1), "{retried:?}");
    assert_eq!(sms_to(&s.anna_phone).await.len(), 1, "the SMS is not sent twice");
    let log = s.log("HD-1001").await;
    let mail = entries(&log, "anna", "email");
    assert_eq!((mail[0]["state"].as_str(), mail[0]["attempts"].as_u64()), (Some("sent"), Some(2)), "{mail:?}");
    s.t.finish().await;
}

#[tokio::test]
async fn preferences_refuse_bad_input_with_stable_codes() {
    let s = setup().await;
    let put = |body: Value| s.t.call("PUT", "/api/auth/me/notifications", ANNA, Some(body));
    let bad_zone = put(json!({"channels": {}, "time_zone": "Mars/Olympus", "version": 0})).await;
    assert_eq!((bad_zone.status, bad_zone.code()), (422, "validation_failed"));
    assert_eq!(bad_zone.body["fields"][0]["field"], "time_zone");
    let not_hers = put(json!({"channels": {"sla_breached": ["email"]}, "version": 0})).await;
    assert_eq!(not_hers.body["fields"][0]["field"], "channels.sla_breached");
    let empty_span = put(json!({"channels": {}, "quiet_hours": {"from": "08:00", "until": "08:00"}, "version": 0})).await;
    assert_eq!(empty_span.body["fields"][0]["field"], "quiet_hours");
    assert_eq!(put(json!({"channels": {"reply": ["fax"]}, "version": 0})).await.status, 400);
    assert_eq!(put(json!({"channels": {}, "quiet_hours": {"from": "25:00", "until": "07:00"}, "version": 0})).await.status, 400);
    assert_eq!(put(json!({"channels": {}, "version": 0, "extra": 1})).await.status, 400);
    assert_eq!(put(json!({"channels": {}, "version": 5})).await.code(), "version_conflict");
    assert_eq!(s.t.call("GET", "/api/auth/me/notifications", None, None).await.status, 401);
    // Nothing half-stored: the defaults still stand.
    assert_eq!(s.store.preferences("anna").await.unwrap(), None);
    s.t.finish().await;
}

#[tokio::test]
async fn the_relay_puts_each_outbox_record_on_the_bus_in_order() {
    let s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Hi"}))).await.status, 200);
    let waiting = s.t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": 2, "status": "waiting"}))).await;
    assert_eq!(waiting.status, 200, "{:?}", waiting.body);
    let id = s.ticket_id("HD-1001").await;
    // The records as the stream gives them: the keys of the ticket's items, new.
    let items =
        s.t.client
            .query()
            .table_name(&s.t.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(helpdesk_aws::keys::ticket_pk(&id)))
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default();
    // Each outbox item expires a day after its event, whatever the ticket's own times say.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(23)).timestamp();
    for item in items.iter().filter(|i| i["SK"].as_s().is_ok_and(|sk| sk.starts_with(helpdesk_aws::keys::OUTBOX_SK_PREFIX))) {
        let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
        assert!(expires > tomorrow && expires < tomorrow + 7200, "{item:?}");
    }
    let records: Vec<relay::StreamRecord> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let keys: std::collections::HashMap<_, _> = item.into_iter().filter(|(k, _)| k == "PK" || k == "SK").collect();
            relay::StreamRecord { sequence_number: format!("{}", 100 + i), event_name: "INSERT".into(), keys: keys.into() }
        })
        .collect();
    let store = function_store(RELAY, &s.t.table).await;
    let publisher = test_publisher(RELAY).await;
    let relayed = relay::relay(&store, &publisher, &records).await;
    let outbox = outbox_of(&s.t.table, &id).await;
    let kinds: Vec<&str> = outbox.iter().map(|d| d.detail_type()).collect();
    assert_eq!(kinds, ["TicketCreated", "PublicReply", "StatusChanged", "StatusChanged"], "new → open with the reply, then waiting");
    assert_eq!((relayed.published, relayed.skipped, relayed.failed_at), (4, records.len() - 4, None));
    // A bus that refuses: the relay names the first record it could not publish.
    let failed = relay::relay(&store, &Refusing, &records).await;
    let first_outbox = records.iter().find(|r| relay::outbox_key(r).is_some()).unwrap();
    assert_eq!(failed.failed_at.map(|(sequence, _)| sequence), Some(first_outbox.sequence_number.clone()));
    s.t.finish().await;
}

struct Refusing;

impl helpdesk_aws::EventPublisher for Refusing {
    async fn publish(&self, _: &[helpdesk_aws::OutboxMessage]) -> Result<(), helpdesk_aws::StoreError> {
        Err(helpdesk_aws::StoreError::Backend("the bus refused".into()))
    }
}

#[tokio::test]
async fn a_failed_message_waits_longer_each_try() {
    assert_eq!([1, 2, 3, 4, 5, 6, 9].map(notify::retry_delay_seconds), [30, 60, 120, 240, 480, 900, 900]);
    // The backoff through the queue, as the function does it (and the IAM check sees).
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let setup = aws_sdk_sqs::Client::new(&sdk);
    let name = format!("test-notify-{}", ulid::Ulid::new().to_string().to_lowercase());
    let url = setup.create_queue().queue_name(&name).send().await.unwrap().queue_url.unwrap();
    iam_calls::bind(&url, helpdesk_aws::config::NOTIFY_QUEUE_URL);
    setup.send_message().queue_url(&url).message_body("{}").send().await.unwrap();
    let received = setup.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap_or_default();
    let receipt = received[0].receipt_handle().unwrap();
    notify::back_off(&iam_calls::sqs_client(&sdk, NOTIFY), &url, receipt, 0).await;
    let again = setup.receive_message().queue_url(&url).wait_time_seconds(1).send().await.unwrap().messages.unwrap_or_default();
    assert_eq!(again.len(), 1, "a zero wait hands the message out again at once");
}

#[tokio::test]
async fn automatic_mail_to_one_person_stops_at_the_hourly_cap() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let mut s = setup().await;
    s.settings.mail_cap_per_hour = 1;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    s.deliver(&id, 0).await;
    assert_eq!(s.t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "A loop, maybe"}))).await.status, 200);
    let second = s.deliver(&id, 1).await;
    assert_eq!((second.sent, second.failed), (0, 0), "{second:?}");
    assert_eq!(mail_to(&s.anna_mail).await.len(), 1, "the acknowledgement only");
    let log = s.log("HD-1001").await;
    let capped: Vec<&Value> = entries(&log, "anna", "email").into_iter().filter(|e| e["notice"] == "reply").collect();
    assert_eq!((capped[0]["state"].as_str(), capped[0]["reason"].as_str()), (Some("suppressed"), Some("cap")), "{capped:?}");
    s.t.finish().await;
}

#[tokio::test]
async fn an_sla_breach_reaches_the_group_while_nobody_is_assigned_and_never_the_requester() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let s = setup().await;
    store_config(&s.t.seed, &round_the_clock()).await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Nobody looked"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    s.deliver(&id, 0).await;
    let report = sla_scan::scan(&function_store(SLA_SCAN, &s.t.table).await, chrono::Utc::now() + chrono::Duration::days(1)).await.unwrap();
    assert!(report.breaches > 0, "{report:?}");
    let delivered = s.deliver(&id, 1).await;
    assert_eq!(delivered.failed, 0, "{delivered:?}");
    let ivan = mail_to(&s.ivan_mail).await;
    // The three targets missed at once: one message.
    let breach = ivan.iter().find(|m| m.text.contains("SLA breached")).unwrap_or_else(|| panic!("{ivan:?}"));
    assert!(
        breach.subject.starts_with("[HD-1001]") && breach.text.contains("First response") && breach.text.contains("Deadline"),
        "{breach:?}"
    );
    assert!(mail_to(&s.anna_mail).await.iter().all(|m| !m.text.contains("SLA")), "staff only");
    let log = s.log("HD-1001").await;
    assert!(log.iter().all(|e| e["recipient"] != "anna" || e["notice"] == "ticket_filed"), "{log:?}");
    s.t.finish().await;
}

#[tokio::test]
async fn a_resolution_is_rated_once_through_its_mail_link_and_the_reports_count_it() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let s = setup().await;
    assert_eq!(s.t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(s.t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Принтер мнёт бумагу"))).await.status, 201);
    let id = s.ticket_id("HD-1001").await;
    s.deliver(&id, 0).await;
    assert!(mail_to(&s.anna_mail).await.iter().all(|m| !m.text.contains("/rate?")), "only a resolution asks for a rating");
    let version = s.t.call("GET", "/api/tickets/HD-1001", AGENT, None).await.body["ticket"]["version"].clone();
    let resolve = s.t.call("PATCH", "/api/tickets/HD-1001", AGENT, Some(json!({"version": version, "status": "resolved"}))).await;
    assert_eq!(resolve.status, 200, "{:?}", resolve.body);
    s.deliver(&id, 1).await;
    let mails = mail_to(&s.anna_mail).await;
    let resolved = mails.iter().find(|m| m.text.contains("/rate?")).expect("the resolution's mail asks for a rating");
    let start = resolved.text.find("https://help.example.com/rate?token=").expect("a rating link");
    let url: String = resolved.text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(url.ends_with("&rating=good"), "{url}");
    assert!(resolved.html.contains("/rate?token=") && resolved.html.contains("rating=bad"), "{}", resolved.html);
    let token = url.split("token=").nth(1).and_then(|t| t.split('&').next()).expect("the token").to_string();
    // The link opens a page; the page sends what the click chose (no session needed).
    let rate = |token: &str, rating: &str, comment: Option<&str>| {
        let mut body = json!({"token": token, "rating": rating});
        if let Some(c) = comment {
            body["comment"] = json!(c);
        }
        s.t.call("POST", "/api/ratings", None, Some(body))
    };
    let mut tampered = token.clone();
    tampered.replace_range(25.., if token.ends_with('0') { "1" } else { "0" });
    for (bad, code) in [(tampered.as_str(), "rating_link_invalid"), ("../../etc", "rating_link_invalid")] {
        let answer = rate(bad, "good", None).await;
        assert_eq!((answer.status, answer.code()), (403, code), "{bad}: {:?}", answer.body);
    }
    let answer = rate(&token, "excellent", None).await;
    assert_eq!((answer.status, answer.code()), (400, "invalid_body"), "{:?}", answer.body);
    let answer = rate(&token, "bad", Some(&"x".repeat(2_001))).await;
    assert_eq!((answer.status, answer.code()), (422, "validation_failed"), "{:?}", answer.body);

    let first = rate(&token, "bad", Some("Three days without a printer")).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body, json!({"ticket": "HD-1001", "rating": "bad"}));
    // The link used again counts once, whatever it says now.
    let again = rate(&token, "good", None).await;
    assert_eq!((again.status, again.code()), (409, "already_rated"), "{:?}", again.body);

    let ticket = s.t.call("GET", "/api/tickets/HD-1001", AGENT, None).await.body;
    let ratings: Vec<&Value> = ticket["events"].as_array().expect("events").iter().filter(|e| e["kind"]["type"] == "rated").collect();
    assert_eq!(ratings.len(), 1, "{ratings:?}");
    assert_eq!(ratings[0]["kind"]["rating"], "bad");
    assert_eq!(ratings[0]["kind"]["comment"], "Three days without a printer");
    assert_eq!(ratings[0]["actor"]["id"], "anna");

    // The reports count the one rating, for the ticket's agent.
    let reports_store = function_store(iam_calls::REPORTS, &s.t.table).await;
    reports::apply(&reports_store, chrono_tz::UTC, std::slice::from_ref(&id)).await.expect("reports");
    let today = chrono::Utc::now().date_naive();
    let query = helpdesk_core::reports::ReportQuery::new(helpdesk_core::reports::Dimension::Topic, today, today);
    let buckets = helpdesk_aws::Reports::report_buckets(&reports_store, &query).await.expect("buckets");
    let lines = helpdesk_core::reports::lines(&query, buckets.iter().map(|(k, c)| (k, c)));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!((lines[0].rated_good, lines[0].rated_bad, lines[0].satisfaction), (0, 1, Some(0.0)));
}
