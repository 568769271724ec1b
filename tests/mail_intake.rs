//! E-mail intake through the real handler against the local stack: each message is put under
//! `inbound/` in the test's bucket as SES puts it, and the mail-intake function takes it from
//! there. Tickets, replies and notes are read back through the API as their readers see them.

use helpdesk_aws::{Directory, DynamoStore, MailStore, NotificationLog, S3Objects};
use helpdesk_core::Role;
use helpdesk_core::user::{AccountSource, Language, User};
use helpdesk_tests::*;
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use mail_intake::{Report, Settings};
use serde_json::{Value, json};

const SUPPORT: &str = "support@helpdesk.example.com";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

struct Intake {
    t: TestApp,
    store: DynamoStore,
    objects: S3Objects,
    settings: Settings,
    /// Addresses unique to this test (moto's mailbox is shared by every test).
    anna: String,
    boris: String,
    ivan: String,
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn intake() -> Intake {
    let t = test_app().await;
    let unique = t.table.trim_start_matches("test-").to_string();
    let person = |id: &str, role: Role, groups: &[&str]| {
        User::new(id, &format!("{id} name"), &format!("{id}.{unique}@example.org"), role, groups, AccountSource::Local)
    };
    let (anna, boris, ivan) =
        (person("anna", Role::Requester, &[]), person("boris", Role::Requester, &[]), person("ivan", Role::Agent, &["service-desk"]));
    for user in [&anna, &boris, &ivan] {
        t.seed.put_user(user, None).await.expect("put user");
    }
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let general = json!({"id": "general", "name": {"en": "Other", "ru": "Другое"}, "default_group": "service-desk", "default_priority": "medium", "fields": []});
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(general)).await.status, 201);
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let settings = Settings {
        support_addresses: vec![SUPPORT.into(), "printers@helpdesk.example.com".into()],
        routes: vec![("printers@helpdesk.example.com".into(), "printer".into())],
        ..Settings::new(&t.bucket)
    };
    Intake {
        store: function_store(MAIL_INTAKE, &t.table).await,
        objects: S3Objects::new(iam_calls::s3_client(&sdk, MAIL_INTAKE)),
        settings,
        anna: anna.email,
        boris: boris.email,
        ivan: ivan.email,
        t,
    }
}

fn unique_id() -> String {
    format!("{}@mail.example.org", ulid::Ulid::new().to_string().to_lowercase())
}

/// A plain message from `from` to the support address.
fn mail<'a>(from: &'a str, subject: &'a str, text: &'a str) -> MessageBuilder<'a> {
    MessageBuilder::new().from(("Sender", from)).to(SUPPORT).subject(subject).message_id(unique_id()).text_body(text)
}

impl Intake {
    /// Puts `raw` where SES puts a received message and lets the function take it.
    async fn receive(&self, raw: &[u8]) -> Report {
        let key = format!("inbound/{}", ulid::Ulid::new().to_string().to_lowercase());
        self.put(&key, raw).await;
        self.take(&key).await
    }

    async fn put(&self, key: &str, raw: &[u8]) {
        let sdk = local_sdk("AWS_ENDPOINT_URL").await;
        let setup = iam_calls::s3_client(&sdk, iam_calls::SET_UP);
        let body = aws_sdk_s3::primitives::ByteStream::from(raw.to_vec());
        setup.put_object().bucket(&self.t.bucket).key(key).body(body).send().await.expect("put the message");
    }

    async fn take(&self, key: &str) -> Report {
        mail_intake::take_object(&self.store, &self.objects, &self.settings, key, chrono::Utc::now()).await.expect("mail intake")
    }

    /// The tickets `actor` lists as theirs, newest first.
    async fn mine(&self, actor: Option<&str>) -> Vec<Value> {
        self.t.call("GET", "/api/my/tickets", actor, None).await.body["items"].as_array().cloned().unwrap_or_default()
    }

    async fn ticket(&self, reference: &str, actor: Option<&str>) -> Value {
        let answer = self.t.call("GET", &format!("/api/tickets/{reference}"), actor, None).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }
}

fn messages(view: &Value) -> Vec<&Value> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| matches!(e["kind"]["type"].as_str(), Some("public_reply" | "internal_note")))
        .collect()
}

#[tokio::test]
async fn a_mail_becomes_a_ticket_with_its_file_and_the_same_mail_twice_makes_one() {
    let i = intake().await;
    let raw = mail(&i.anna, "The printer on floor 3 is jammed", "Paper is stuck in tray 2.")
        .attachment("image/png", "jam.png", PNG)
        .write_to_vec()
        .unwrap();
    assert_eq!(i.receive(&raw).await, Report { tickets: 1, ..Report::default() });
    let mine = i.mine(ANNA).await;
    assert_eq!(mine.len(), 1);
    let number = mine[0]["number"].as_str().unwrap().to_string();
    let view = i.ticket(&number, ANNA).await;
    assert_eq!(view["ticket"]["channel"], "email");
    assert_eq!(view["ticket"]["topic"], "general");
    assert_eq!(view["ticket"]["subject"], "The printer on floor 3 is jammed");
    assert_eq!(view["ticket"]["description"], "Paper is stuck in tray 2.");
    let created = &view["events"][0]["kind"];
    assert_eq!(created["mail"]["from"], i.anna.as_str());
    assert_eq!(
        (created["attachments"][0]["name"].as_str(), created["attachments"][0]["content_type"].as_str()),
        (Some("jam.png"), Some("image/png"))
    );
    // The file is served like any attachment, to whoever may read the ticket.
    let file = created["attachments"][0]["id"].as_str().unwrap();
    assert_eq!(i.t.call("GET", &format!("/api/attachments/{file}"), ANNA, None).await.status, 200);
    assert_eq!(i.t.call("GET", &format!("/api/attachments/{file}"), BORIS, None).await.status, 404);

    // The same S3 event again, and the same message delivered a second time (another object).
    let key_again = format!("inbound/{}", ulid::Ulid::new().to_string().to_lowercase());
    i.put(&key_again, &raw).await;
    assert_eq!(i.take(&key_again).await, Report { duplicates: 1, ..Report::default() });
    assert_eq!(i.take(&key_again).await, Report { duplicates: 1, ..Report::default() });
    assert_eq!(i.mine(ANNA).await.len(), 1, "one message, one ticket");
}

#[tokio::test]
async fn the_s3_event_is_read_as_s3_sends_it() {
    let i = intake().await;
    let raw = mail(&i.anna, "Monitor flickers", "Since this morning.").write_to_vec().unwrap();
    // SES writes the key as given; S3 URL-encodes it in the event (a '+' for a space).
    let key = "inbound/a message+1";
    i.put(key, &raw).await;
    let event: aws_lambda_events::event::s3::S3Event = serde_json::from_value(json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-28T10:00:00.000Z",
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:SES"}, "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {}, "s3": {"s3SchemaVersion": "1.0", "configurationId": "Received",
        "bucket": {"name": i.t.bucket, "ownerIdentity": {"principalId": "x"}, "arn": format!("arn:aws:s3:::{}", i.t.bucket)},
        "object": {"key": "inbound/a+message%2B1", "size": raw.len(), "sequencer": "1"}}}]}))
    .unwrap();
    let report = mail_intake::handle(&i.store, &i.objects, &i.settings, &event).await.unwrap();
    assert_eq!(report, Report { tickets: 1, ..Report::default() });
}

/// The acknowledgement the notify function mails for a new ticket, as moto received it, with the
/// Message-ID SES gives it.
async fn acknowledgement(i: &Intake, ticket_id: &str) -> (String, String) {
    let sender = "helpdesk@helpdesk.example.com";
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let _ = aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(sender).send().await;
    iam_calls::bind(sender, helpdesk_aws::config::MAIL_FROM);
    let channels = notify::Channels(vec![Box::new(helpdesk_aws::channels::SesMail::new(
        iam_calls::sesv2_client(&sdk, NOTIFY),
        sender,
        "IT Helpdesk",
    ))]);
    let settings = notify::Settings::new("https://help.example.com", sender, Some(SUPPORT));
    let notify_store = function_store(NOTIFY, &i.t.table).await;
    let events = queued_events(&i.t.table, ticket_id).await;
    notify::consume(&notify_store, &channels, &settings, events, chrono::Utc::now()).await.expect("notify");
    let deliveries = notify_store.deliveries(ticket_id).await.unwrap();
    let sent = deliveries
        .iter()
        .find(|d| d.channel == helpdesk_core::notify::ChannelKind::Email && d.recipient == "anna")
        .expect("the acknowledgement");
    let ses_id = sent.detail.clone().unwrap_or_default();
    let ack = mail_to(&i.anna).await.pop().expect("the acknowledgement in moto");
    (ses_id, ack.references)
}

#[tokio::test]
async fn a_reply_to_the_acknowledgement_lands_on_the_same_ticket() {
    if skipped_without(Need::SesV2Sending).await {
        return;
    }
    let i = intake().await;
    let first = mail(&i.anna, "VPN drops every hour", "It disconnects at :00.").write_to_vec().unwrap();
    assert_eq!(i.receive(&first).await.tickets, 1);
    let number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    let ticket_id = i.ticket(&number, ANNA).await["ticket"]["id"].as_str().unwrap().to_string();
    let (ses_id, references) = acknowledgement(&i, &ticket_id).await;
    assert!(!ses_id.is_empty() && !references.is_empty());

    // SES replaced our Message-ID with <ses id>@<region>.amazonses.com; the reply answers that,
    // quoting the acknowledgement under a marker, and keeps our References.
    let reply_text = format!(
        "Still broken after a restart.\n\nOn Sat, 28 Nov 2026 at 10:00, IT Helpdesk <{SUPPORT}> wrote:\n> We received your request.\n"
    );
    let ses_message_id = format!("{ses_id}@eu-west-1.amazonses.com");
    let mut refs: Vec<String> = references.split_whitespace().map(|r| r.trim_matches(['<', '>']).to_string()).collect();
    refs.push(ses_message_id.clone());
    let reply = mail(&i.anna, "Re: VPN drops every hour", &reply_text)
        .in_reply_to(ses_message_id.as_str())
        .references(refs)
        .write_to_vec()
        .unwrap();
    assert_eq!(i.receive(&reply).await, Report { replies: 1, ..Report::default() });
    let view = i.ticket(&number, ANNA).await;
    let said = messages(&view);
    assert_eq!(said.len(), 1);
    assert_eq!(said[0]["kind"]["body"], "Still broken after a restart.", "the quoted history is cut");
    assert_eq!(said[0]["actor"]["id"], "anna");
    assert_eq!(said[0]["kind"]["mail"]["trimmed"], true);
    assert_eq!(said[0]["kind"]["attachments"][0]["name"], "message.eml", "the whole message stays at hand");

    // Only SES's id, no References (a mail program that drops them): still threaded.
    let bare = mail(&i.anna, "Re: VPN", "And again at 11:00.").in_reply_to(ses_message_id.as_str()).write_to_vec().unwrap();
    assert_eq!(i.receive(&bare).await.replies, 1);
    // Only the reply address's token (no threading headers at all).
    let token_address = mail_to(&i.anna).await.pop().map(|m| m.reply_to).unwrap_or_default();
    assert!(token_address.contains("support+"), "{token_address}");
    let token_address = token_address.trim_matches(['<', '>']).to_string();
    let by_token = MessageBuilder::new()
        .from(i.anna.as_str())
        .to(token_address.as_str())
        .subject("no threading headers")
        .message_id(unique_id())
        .text_body("Third time today.")
        .write_to_vec()
        .unwrap();
    assert_eq!(i.receive(&by_token).await.replies, 1);
    assert_eq!(messages(&i.ticket(&number, ANNA).await).len(), 3);
    assert_eq!(i.mine(ANNA).await.len(), 1, "no reply became a ticket of its own");
}

#[tokio::test]
async fn the_subject_number_threads_only_for_people_on_the_ticket() {
    let i = intake().await;
    assert_eq!(i.receive(&mail(&i.anna, "Toner empty", "Floor 2.").write_to_vec().unwrap()).await.tickets, 1);
    let number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    let subject = format!("Re: [{number}] Toner empty");
    // Boris is not on Anna's ticket: his mail is a new ticket, marked as a possible follow-up.
    assert_eq!(i.receive(&mail(&i.boris, &subject, "Mine too.").write_to_vec().unwrap()).await.tickets, 1);
    let boris_ticket = i.mine(BORIS).await[0]["number"].as_str().unwrap().to_string();
    assert_ne!(boris_ticket, number);
    let view = i.ticket(&boris_ticket, AGENT).await;
    assert_eq!(view["events"][0]["kind"]["mail"]["possible_follow_up_of"], number.as_str());
    let for_boris = i.ticket(&boris_ticket, BORIS).await;
    assert_eq!(for_boris["events"][0]["kind"]["mail"]["possible_follow_up_of"], Value::Null, "another person's number is for staff only");
    assert!(messages(&i.ticket(&number, ADMIN).await).is_empty(), "never merged into Anna's ticket");
    // Anna's own mail with the number lands on her ticket.
    let report = i.receive(&mail(&i.anna, &subject, "Replaced it, fine now.").write_to_vec().unwrap()).await;
    assert_eq!(report, Report { replies: 1, ..Report::default() });
    // So does the agent's, as an agent reply (the status moves as for any agent reply).
    assert_eq!(i.receive(&mail(&i.ivan, &subject, "Glad to hear.").write_to_vec().unwrap()).await.replies, 1);
    let view = i.ticket(&number, ANNA).await;
    let said: Vec<(&str, &str)> =
        messages(&view).iter().map(|m| (m["actor"]["id"].as_str().unwrap(), m["kind"]["type"].as_str().unwrap())).collect();
    assert_eq!(said, [("anna", "public_reply"), ("ivan", "public_reply")]);
    assert_eq!(view["ticket"]["status"], "open");
}

#[tokio::test]
async fn strangers_on_a_thread_become_notes_and_unknown_senders_become_requesters() {
    let i = intake().await;
    let first = mail(&i.anna, "Need a new mouse", "The wheel is broken.").write_to_vec().unwrap();
    let first_id = mail_parser::MessageParser::default().parse(&first).unwrap().message_id().unwrap().to_string();
    assert_eq!(i.receive(&first).await.tickets, 1);
    let number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    // Someone Anna copied answers her message: agents see it, Anna does not, nobody is dropped.
    let stranger = format!("carol.{}@example.net", ulid::Ulid::new().to_string().to_lowercase());
    let cc_reply = mail(&stranger, "Re: Need a new mouse", "I have a spare one.").in_reply_to(first_id.as_str()).write_to_vec().unwrap();
    assert_eq!(i.receive(&cc_reply).await, Report { notes: 1, ..Report::default() });
    let for_agents = i.ticket(&number, AGENT).await;
    let note = messages(&for_agents)[0].clone();
    assert_eq!((note["kind"]["type"].as_str(), note["actor"]["id"].as_str()), (Some("internal_note"), Some("mail")));
    assert_eq!(note["kind"]["mail"]["from"], stranger.as_str());
    assert!(messages(&i.ticket(&number, ANNA).await).is_empty());

    // An unknown sender writing anew becomes a requester, in the language the message is in.
    let raw = String::from_utf8(fixture("unknown-sender.eml")).unwrap();
    let address = format!("new.person.{}@example.com", ulid::Ulid::new().to_string().to_lowercase());
    let raw = raw.replace("new.person@example.com", &address);
    assert_eq!(i.receive(raw.as_bytes()).await.tickets, 1);
    let user = i.store.user_by_email(&address).await.unwrap().expect("provisioned").user;
    assert_eq!((user.role, user.language, user.name.as_str()), (Role::Requester, Language::Ru, "New Person"));

    // A deployment that takes mail from its own domains only keeps a stranger's mail aside.
    let mut strict = i.settings.clone();
    strict.allowed_domains = vec!["example.org".into()];
    let key = format!("inbound/{}", ulid::Ulid::new().to_string().to_lowercase());
    i.put(&key, &mail("someone@elsewhere.net", "Hello", "Sell you a thing").write_to_vec().unwrap()).await;
    let report = mail_intake::take_object(&i.store, &i.objects, &strict, &key, chrono::Utc::now()).await.unwrap();
    assert_eq!(report, Report { rejected: 1, ..Report::default() });
    assert!(i.store.user_by_email("someone@elsewhere.net").await.unwrap().is_none());
}

#[tokio::test]
async fn auto_replies_are_kept_but_never_answered_and_bounces_mark_the_address() {
    let i = intake().await;
    let out_of_office = mail(&i.boris, "Out of office: back on Monday", "I am away.")
        .header("Auto-Submitted", Raw::new("auto-replied"))
        .write_to_vec()
        .unwrap();
    assert_eq!(i.receive(&out_of_office).await.tickets, 1);
    let number = i.mine(BORIS).await[0]["number"].as_str().unwrap().to_string();
    let view = i.ticket(&number, BORIS).await;
    assert_eq!(view["events"][0]["kind"]["mail"]["auto_submitted"], true);
    // The outbox announces it to the group, never to the machine that wrote it.
    let ticket_id = view["ticket"]["id"].as_str().unwrap().to_string();
    let outbox = outbox_of(&i.t.table, &ticket_id).await;
    let audience: Vec<_> = outbox.iter().flat_map(helpdesk_core::notify::audience::audience).collect();
    assert!(audience.iter().all(|(r, _)| *r != helpdesk_core::notify::audience::Recipient::User("boris".into())), "{audience:?}");

    // A bounce of mail about Anna's ticket: her address is marked, the ticket gets a note.
    assert_eq!(i.receive(&mail(&i.anna, "Keyboard", "Keys stick.").write_to_vec().unwrap()).await.tickets, 1);
    let anna_number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    let anna_ticket = i.ticket(&anna_number, ANNA).await["ticket"]["id"].as_str().unwrap().to_string();
    let our_id = format!("ack.{}@helpdesk.example.com", ulid::Ulid::new().to_string().to_lowercase());
    // As the notify function remembers the mail it sent about the ticket.
    function_store(NOTIFY, &i.t.table).await.remember_mail_ids(&anna_ticket, std::slice::from_ref(&our_id)).await.unwrap();
    let bounce = String::from_utf8(fixture("bounce.eml"))
        .unwrap()
        .replace("gone.user@example.org", &i.anna)
        .replace("PLACEHOLDER-ORIGINAL-ID", &our_id);
    assert_eq!(i.receive(bounce.as_bytes()).await, Report { bounces: 1, ..Report::default() });
    let anna = i.t.seed.get_user("anna").await.unwrap().unwrap().user;
    assert!(anna.mail_bounced_at.is_some());
    assert_eq!(helpdesk_core::notify::decide::address(&anna, helpdesk_core::notify::ChannelKind::Email), None, "no more mail there");
    let note = messages(&i.ticket(&anna_number, AGENT).await).into_iter().next().cloned().expect("a note");
    assert_eq!(note["kind"]["type"], "internal_note");
    assert!(note["kind"]["body"].as_str().unwrap().contains("could not be delivered"), "{note}");
    assert!(note["kind"]["body"].as_str().unwrap().contains("5.1.1"));
    // A new address is worth a try again.
    let mut changed = i.t.call("GET", "/api/users/anna", ADMIN, None).await.body;
    changed["email"] = json!(format!("anna.new.{}@example.org", ulid::Ulid::new()).to_lowercase());
    for key in ["id", "source", "mail_bounced_at"] {
        changed.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(changed.get("mail_bounced_at"), None);
    let replaced = i.t.call("PUT", "/api/users/anna", ADMIN, Some(changed)).await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert!(i.t.seed.get_user("anna").await.unwrap().unwrap().user.mail_bounced_at.is_none());
}

#[tokio::test]
async fn mail_it_cannot_take_is_kept_for_admins_and_a_retry_takes_it() {
    let i = intake().await;
    assert_eq!(i.receive(&fixture("garbage.eml")).await, Report { rejected: 1, ..Report::default() });
    assert_eq!(i.receive(&fixture("no-from.eml")).await, Report { rejected: 1, ..Report::default() });
    // Over the sender's hourly cap.
    let mut capped = i.settings.clone();
    capped.cap_per_hour = 1;
    let mut kept_key = String::new();
    for n in 0..2 {
        let key = format!("inbound/{}", ulid::Ulid::new().to_string().to_lowercase());
        i.put(&key, &mail(&i.boris, &format!("Spam {n}"), "again").write_to_vec().unwrap()).await;
        let report = mail_intake::take_object(&i.store, &i.objects, &capped, &key, chrono::Utc::now()).await.unwrap();
        assert_eq!(report.tickets + report.rejected, 1);
        kept_key = key;
    }
    let listed = i.t.call("GET", "/api/mail/rejected", ADMIN, None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let items = listed.body["items"].as_array().unwrap().clone();
    let reasons: Vec<&str> = items.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["rate_limited", "no_sender", "unreadable"], "newest first");
    assert_eq!(items[0]["from"], i.boris.as_str());
    assert_eq!(items[0]["object_key"], kept_key.as_str());
    // Not for agents or requesters.
    assert_eq!(i.t.call("GET", "/api/mail/rejected", AGENT, None).await.status, 403);
    let id = items[0]["id"].as_str().unwrap().to_string();
    assert_eq!(i.t.call("POST", &format!("/api/mail/rejected/{id}/retry"), AGENT, None).await.status, 403);

    // The admin retries once the cap allows: the copy under retry/ is taken like a new arrival.
    let retried = i.t.call("POST", &format!("/api/mail/rejected/{id}/retry"), ADMIN, None).await;
    assert_eq!(retried.status, 202, "{:?}", retried.body);
    assert_eq!(i.take(&format!("retry/{id}")).await, Report { tickets: 1, ..Report::default() });
    let left: Vec<String> = i.t.call("GET", "/api/mail/rejected", ADMIN, None).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!left.contains(&id), "a message taken on retry leaves the list");
    // Retrying what is still unreadable records another attempt.
    let unreadable = items[2]["id"].as_str().unwrap();
    assert_eq!(i.t.call("POST", &format!("/api/mail/rejected/{unreadable}/retry"), ADMIN, None).await.status, 202);
    assert_eq!(i.take(&format!("retry/{unreadable}")).await.rejected, 1);
    let again = i.store.rejected_mail(unreadable).await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    assert!(again.object_key.starts_with("inbound/"), "a retry copies the message as it arrived");
    // And once more (the copy is made from the original again, never onto itself).
    assert_eq!(i.t.call("POST", &format!("/api/mail/rejected/{unreadable}/retry"), ADMIN, None).await.status, 202);
    assert_eq!(i.take(&format!("retry/{unreadable}")).await.rejected, 1);
    assert_eq!(i.store.rejected_mail(unreadable).await.unwrap().unwrap().attempts, 3);
    assert_eq!(i.t.call("POST", "/api/mail/rejected/01JXXXXXXXXXXXXXXXXXXXXXXX/retry", ADMIN, None).await.status, 404);
}

#[tokio::test]
async fn russian_mail_in_koi8_r_windows_1251_and_utf_8_reads_right() {
    let i = intake().await;
    let cases = [("koi8r.eml", "KOI8-R"), ("windows1251.eml", "windows-1251"), ("utf8-rfc2231.eml", "UTF-8 with RFC 2231 names")];
    for (name, label) in cases {
        let raw = fixture(name);
        let parsed = mail_intake::parse::parse(&raw, &[SUPPORT.to_string()]).unwrap_or_else(|| panic!("{label}"));
        let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        assert!(cyrillic(&parsed.subject), "{label} subject: {}", parsed.subject);
        assert!(cyrillic(&parsed.text), "{label} text: {}", parsed.text);
        assert!(!parsed.text.contains('\u{FFFD}') && !parsed.subject.contains('\u{FFFD}'), "{label}: no replacement characters");
        assert_eq!(parsed.language.as_deref(), Some("ru"), "{label}");
        if name != "koi8r.eml" {
            let file = parsed.files.first().unwrap_or_else(|| panic!("{label}: a file"));
            assert!(cyrillic(&file.name), "{label} file name: {}", file.name);
        }
        assert_eq!(i.receive(&raw).await.tickets, 1, "{label}");
    }
}

#[tokio::test]
async fn a_local_smtp_client_files_through_the_same_path() {
    // The fixtures a mail client would send: HTML with an inline image, winmail.dat, a plus-address.
    let i = intake().await;
    let html = String::from_utf8(fixture("new-ticket-html-inline.eml")).unwrap().replace("carlos.mendes@example.org", &i.anna);
    assert_eq!(i.receive(html.as_bytes()).await.tickets, 1);
    let number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    let view = i.ticket(&number, ANNA).await;
    let description = view["ticket"]["description"].as_str().unwrap();
    assert!(!description.contains("<script") && !description.contains("alert(1)"), "{description}");
    let files = view["events"][0]["kind"]["attachments"].as_array().unwrap();
    let image =
        files.iter().find(|f| f["content_type"].as_str().is_some_and(|t| t.starts_with("image/"))).expect("the inline image is kept");
    // The HTML is kept, made safe, its image pointing at the stored file; the backbone leaves it out.
    let html = view["events"][0]["kind"]["mail"]["html"].as_str().expect("the sanitised HTML");
    assert!(html.contains(&format!("attachment:{}", image["id"].as_str().unwrap())), "{html}");
    assert!(!html.contains("<script") && !html.contains("onclick"), "{html}");
    let outbox = outbox_of(&i.t.table, view["ticket"]["id"].as_str().unwrap()).await;
    assert!(outbox.iter().all(|d| d.event.kind.mail().is_none_or(|m| m.html.is_none())), "no HTML on the bus");

    let winmail = String::from_utf8_lossy(&fixture("winmail.eml")).replace("dmitry.orlov@example.org", &i.anna);
    assert_eq!(i.receive(winmail.as_bytes()).await.tickets, 1);
    let number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    let files = i.ticket(&number, ANNA).await["events"][0]["kind"]["attachments"].clone();
    assert_eq!(files[0]["name"], "winmail.dat", "{files}");

    let plus = String::from_utf8(fixture("plus-address.eml")).unwrap().replace("anna.petrova@example.com", &i.anna);
    assert_eq!(i.receive(plus.as_bytes()).await.tickets, 1);
    let number = i.mine(ANNA).await[0]["number"].as_str().unwrap().to_string();
    assert_eq!(i.ticket(&number, ANNA).await["ticket"]["topic"], "printer", "support+printer@ files under the printer topic");
}

/// Every message of a public corpus of real and malformed mail (mail-parser's own test messages)
/// and of our fixtures: none crashes the function, and each becomes a ticket, a reply, a note, a
/// bounce or a rejection an admin can see.
#[tokio::test]
async fn a_corpus_of_real_and_malformed_mail_never_crashes_and_never_vanishes() {
    let i = intake().await;
    let dir = format!("{}/fixtures/mail", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(format!("{dir}/corpus"))
        .unwrap()
        .chain(std::fs::read_dir(&dir).unwrap())
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md" && e != "py"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 40, "the corpus is there: {} files", paths.len());
    let mut total = Report::default();
    let mut unparsed = 0;
    for path in &paths {
        let raw = std::fs::read(path).unwrap();
        let key = format!("inbound/{}", ulid::Ulid::new().to_string().to_lowercase());
        i.put(&key, &raw).await;
        let report = mail_intake::take_object(&i.store, &i.objects, &i.settings, &key, chrono::Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcomes = report.tickets + report.replies + report.notes + report.bounces + report.duplicates + report.rejected;
        assert_eq!(outcomes, 1, "{}: {report:?}", path.display());
        unparsed += usize::from(mail_intake::parse::parse(&raw, &[]).is_none());
        for (sum, n) in [
            (&mut total.tickets, report.tickets),
            (&mut total.replies, report.replies),
            (&mut total.notes, report.notes),
            (&mut total.bounces, report.bounces),
            (&mut total.duplicates, report.duplicates),
            (&mut total.rejected, report.rejected),
        ] {
            *sum += n;
        }
    }
    let mut listed = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = i.store.rejected_mails(cursor.as_deref(), 50).await.unwrap();
        listed += page.items.len();
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(listed, total.rejected, "every rejection is listed for admins");
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for rejected in i.store.rejected_mails(None, 1000).await.unwrap().items {
        *reasons.entry(helpdesk_core::wire_name(&rejected.reason)).or_default() += 1;
    }
    println!("rejected by reason: {reasons:?}");
    println!("corpus: {} messages, {} unparsable by mail-parser, crashed 0; {total:?}", paths.len(), unparsed);
}
