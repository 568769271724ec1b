//! The local runner as a person uses it: the real binary on a free port, over HTTP, against the
//! local AWS stack, on a fresh table.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use serde_json::json;
use std::time::{Duration, Instant};

use helpdesk_tests::local_runner::{call, sign_in};

async fn start(table: &str) -> helpdesk_tests::local_runner::Runner {
    start_with(table, &[]).await
}

async fn start_with(table: &str, settings: &[(&str, &str)]) -> helpdesk_tests::local_runner::Runner {
    helpdesk_tests::local_runner::start(env!("CARGO_BIN_EXE_helpdesk-local"), table, settings).await
}

#[tokio::test]
async fn serves_the_api_and_the_frontend_with_demo_data_seeded_once() {
    let table = format!("runner-{}", std::process::id());
    let _dropped_at_the_end = helpdesk_tests::TableGuard(table.clone());
    let runner = start(&table).await;
    let base = runner.base.clone();
    let (anna, ivan, admin) = (sign_in(&base, "anna.petrova").await, sign_in(&base, "ivan.sidorov").await, sign_in(&base, "admin").await);

    let (status, topics) = call(&base, &anna, "GET", "/api/topics", None).await;
    assert_eq!(status, 200);
    assert_eq!(topics["items"].as_array().unwrap().len(), 6, "six demo topics");
    let (_, queue) = call(&base, &admin, "GET", "/api/tickets?limit=100", None).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 6 + 48, "six demo tickets and 48 of past history");
    let (_, open) = call(&base, &admin, "GET", "/api/tickets?state=open", None).await;
    assert_eq!(open["items"].as_array().unwrap().len(), 5, "the past history is all resolved");

    // create, list, reply: what the README shows with curl
    let ticket = json!({"topic": "printer", "subject": "Toner empty", "description": "Prints blank pages.",
        "fields": {"location": "2nd floor", "problem": "toner"}});
    let (status, created) = call(&base, &anna, "POST", "/api/tickets", Some(ticket)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["ticket"]["number"], "HD-1055");
    let (_, mine) = call(&base, &anna, "GET", "/api/my/tickets?limit=1", None).await;
    assert_eq!(mine["items"][0]["number"], "HD-1055", "newest first");
    let (status, replied) = call(&base, &ivan, "POST", "/api/tickets/HD-1055/replies", Some(json!({"body": "Replaced."}))).await;
    assert_eq!((status, replied["ticket"]["status"].as_str()), (200, Some("open")));

    // a pasted screenshot: presigned PUT to the local S3, the bucket's event delivered by the runner
    // to the attachments function, then on a reply the agent opens
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let (status, grant) =
        call(&base, &anna, "POST", "/api/uploads", Some(json!({"file_name": "shot.png", "size": png.len(), "content_type": "image/png"})))
            .await;
    assert_eq!(status, 201, "{grant}");
    assert_eq!(helpdesk_tests::put_granted(&grant, png.to_vec()).await.status(), 200);
    let upload = format!("/api/uploads/{}", grant["upload"]["id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(15);
    while call(&base, &anna, "GET", &upload, None).await.1["state"] != "ready" {
        assert!(Instant::now() < deadline, "the runner never delivered the upload's S3 event");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reply = json!({"body": "Here is what I see.", "attachments": [grant["upload"]["id"]]});
    let (status, replied) = call(&base, &anna, "POST", "/api/tickets/HD-1055/replies", Some(reply)).await;
    assert_eq!(status, 200, "{replied}");
    let (status, link) = call(&base, &ivan, "GET", &format!("/api/attachments/{}", grant["upload"]["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(reqwest::get(link["url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap().as_ref(), png);

    // a body over the limit is refused by the runner as by API Gateway's handler
    let big = json!({"body": "x".repeat(70 * 1024)});
    let (status, refused) = call(&base, &ivan, "POST", "/api/tickets/HD-1055/replies", Some(big)).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("payload_too_large")));

    // the frontend, with unknown paths falling back to index.html for client-side routing
    let page = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Helpdesk</title>"));
    let deep = reqwest::get(format!("{base}/tickets/HD-1055")).await.unwrap();
    assert!(deep.text().await.unwrap().contains("<title>Helpdesk</title>"));

    // the security headers of the template's CloudFront policy, on the page and on the API
    let template = helpdesk_aws::template::read_template().unwrap();
    let storage = helpdesk_tests::local_endpoint("AWS_ENDPOINT_URL");
    for url in [format!("{base}/"), format!("{base}/api/health")] {
        let answer = reqwest::get(&url).await.unwrap();
        for (name, value) in helpdesk_aws::template::response_headers(&template, false, &storage).unwrap() {
            assert_eq!(answer.headers().get(name.as_str()).and_then(|v| v.to_str().ok()), Some(value.as_str()), "{name} on {url}");
        }
        assert!(answer.headers().get("strict-transport-security").is_none(), "no HSTS on plain http");
    }
    let api = reqwest::get(format!("{base}/api/health")).await.unwrap();
    assert_eq!(api.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let wrong_method = reqwest::Client::new().delete(format!("{base}/api/tickets")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST"));

    // a static path no file can have is a 404, not an error of the file system
    for path in [format!("/{}", "a".repeat(300)), format!("/x/{}", "b/".repeat(600))] {
        let answer = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(answer.status(), 404, "{} bytes", path.len());
    }
    drop(runner);

    // a second start on the same table seeds nothing more
    let again = start(&table).await;
    let (admin, anna) = (sign_in(&again.base, "admin").await, sign_in(&again.base, "anna.petrova").await);
    let (_, queue) = call(&again.base, &admin, "GET", "/api/tickets?limit=100", None).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 6 + 48 + 1);
    let (_, topics) = call(&again.base, &anna, "GET", "/api/topics", None).await;
    assert_eq!(topics["items"].as_array().unwrap().len(), 6);
    drop(again);
}

/// Mail to `address` whose text contains `marker`.
async fn mails_with(address: &str, marker: &str) -> usize {
    helpdesk_tests::mail_to(address).await.iter().filter(|m| m.text.contains(marker)).count()
}

#[tokio::test]
async fn a_reply_mails_the_requester_once_even_when_the_runner_dies_before_sending() {
    if helpdesk_tests::skipped_without(helpdesk_tests::Need::SesV2Sending).await {
        return;
    }
    let table = format!("runner-notify-{}", std::process::id());
    let _dropped_at_the_end = helpdesk_tests::TableGuard(table.clone());
    // A long coalescing window: the runner is killed before it could send. Claims and the queue's
    // visibility short, so the restarted runner need not wait long for a message the dead one held.
    let slow = [("HELPDESK_NOTIFY_WINDOW_SECONDS", "5"), ("HELPDESK_NOTIFY_CLAIM_SECONDS", "2")];
    let runner = start_with(&table, &slow).await;
    let admin = sign_in(&runner.base, "admin").await;
    let marker = format!("Toner replaced ({table})");
    let (status, _) = call(&runner.base, &admin, "POST", "/api/tickets/HD-1001/replies", Some(json!({"body": marker}))).await;
    assert_eq!(status, 200);
    let written = Instant::now();
    drop(runner); // SIGKILL: no shutdown, no flush
    let requester = "anna.petrova@example.org";
    eprintln!("sent before the kill: {}", mails_with(requester, &marker).await);

    let again = start_with(&table, &[("HELPDESK_NOTIFY_WINDOW_SECONDS", "1"), ("HELPDESK_NOTIFY_CLAIM_SECONDS", "2")]).await;
    // Generous: the suite runs other runners and tests beside this one on two cores.
    let deadline = Instant::now() + Duration::from_secs(120);
    while mails_with(requester, &marker).await == 0 {
        assert!(Instant::now() < deadline, "the reply's mail never came after the restart");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("write → mail across a kill and a restart: {:.1} s", written.elapsed().as_secs_f64());
    // Later deliveries (the dead runner's held message coming back) send nothing more.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(mails_with(requester, &marker).await, 1, "sent once");
    let admin = sign_in(&again.base, "admin").await; // a new process, a new session key
    let (status, log) = call(&again.base, &admin, "GET", "/api/tickets/HD-1001/notifications", None).await;
    assert_eq!(status, 200);
    let sent = log["items"].as_array().unwrap().iter().filter(|e| e["recipient"] == "anna.petrova" && e["state"] == "sent").count();
    assert!(sent >= 1, "the decision log shows the mail: {log}");
    drop(again);
}

#[tokio::test]
async fn a_channel_that_keeps_failing_is_retried_then_dead_lettered_and_the_log_says_why() {
    if helpdesk_tests::skipped_without(helpdesk_tests::Need::SesV2Sending).await {
        return;
    }
    let table = format!("runner-dead-{}", std::process::id());
    let _dropped_at_the_end = helpdesk_tests::TableGuard(table.clone());
    // A sender of its own, which moto stops accepting once the runner has started.
    let sender = format!("{table}@failing.example");
    let settings = [
        ("MAIL_FROM", sender.as_str()),
        ("HELPDESK_NOTIFY_WINDOW_SECONDS", "0"),
        ("HELPDESK_NOTIFY_CLAIM_SECONDS", "1"),
        // Every backoff one second: six tries within seconds.
        ("HELPDESK_NOTIFY_BACKOFF_SCALE", "1000"),
    ];
    let runner = start_with(&table, &settings).await;
    let sdk = helpdesk_tests::local_sdk("AWS_ENDPOINT_URL").await;
    aws_sdk_sesv2::Client::new(&sdk).delete_email_identity().email_identity(&sender).send().await.unwrap();
    let ivan = sign_in(&runner.base, "ivan.sidorov").await;
    let (status, reply) =
        call(&runner.base, &ivan, "POST", "/api/tickets/HD-1001/replies", Some(json!({"body": "This mail cannot go"}))).await;
    assert_eq!(status, 200, "{reply}");
    let reply_id = reply["events"]
        .as_array()
        .and_then(|e| e.iter().rev().find(|e| e["kind"]["type"] == "public_reply"))
        .map(|e| e["id"].clone())
        .unwrap();

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let dead = sqs.get_queue_url().queue_name(format!("{table}-notify-dead-letters")).send().await.unwrap().queue_url.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut dead_lettered = Vec::new();
    while dead_lettered.is_empty() {
        assert!(Instant::now() < deadline, "nothing reached the dead-letter queue");
        let out = sqs.receive_message().queue_url(&dead).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
        dead_lettered
            .extend(out.messages.unwrap_or_default().into_iter().filter(|m| m.body().is_some_and(|b| b.contains("This mail cannot go"))));
    }
    let (_, log) = call(&runner.base, &ivan, "GET", "/api/tickets/HD-1001/notifications", None).await;
    let mail = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_id"] == reply_id && e["recipient"] == "anna.petrova" && e["channel"] == "email")
        .cloned()
        .unwrap_or_else(|| panic!("no decision for the reply's mail: {log}"));
    assert_eq!(mail["state"], "failed", "{mail}");
    assert_eq!(mail["attempts"], 6, "tried as often as the queue hands it out: {mail}");
    assert!(mail["detail"].as_str().is_some_and(|d| d.contains("authority")), "the provider's answer: {mail}");
    drop(runner);
}

/// Sends one message over SMTP as a mail client does; panics on any refusal.
async fn smtp_send(port: u16, from: &str, to: &str, data: &[u8]) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("the runner's SMTP port");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut expect = async |code: &str| {
        // Multi-line replies ("250-…") end with "250 …".
        loop {
            let line = lines.next_line().await.unwrap().expect("a reply");
            assert!(line.starts_with(code), "expected {code}, got {line}");
            if line.as_bytes().get(3) == Some(&b' ') {
                break;
            }
        }
    };
    expect("220").await;
    for (command, code) in [
        ("EHLO test.example.org".to_string(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".into(), "354"),
    ] {
        write.write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
        expect(code).await;
    }
    // Dot-stuffing, as a client does.
    let text = String::from_utf8_lossy(data).replace("\r\n.", "\r\n..");
    write.write_all(text.as_bytes()).await.unwrap();
    write.write_all(b"\r\n.\r\n").await.unwrap();
    expect("250").await;
    write.write_all(b"QUIT\r\n").await.unwrap();
}

#[tokio::test]
async fn mail_to_the_smtp_port_files_a_ticket_and_a_reply_to_the_acknowledgement_lands_on_it() {
    if helpdesk_tests::skipped_without(helpdesk_tests::Need::SesV2Sending).await {
        return;
    }
    use mail_builder::MessageBuilder;
    let table = format!("runner-mail-{}", std::process::id());
    let _dropped_at_the_end = helpdesk_tests::TableGuard(table.clone());
    let smtp = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let runner = start_with(&table, &[("HELPDESK_SMTP_PORT", &smtp.to_string()), ("HELPDESK_NOTIFY_WINDOW_SECONDS", "1")]).await;
    let anna = sign_in(&runner.base, "anna.petrova").await;
    let requester = "anna.petrova@example.org";
    let subject = format!("Projector in room 4 is dead ({table})");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let first = MessageBuilder::new()
        .from(("Anna Petrova", requester))
        .to("support@helpdesk.localhost")
        .subject(subject.as_str())
        .text_body("It does not turn on.")
        .attachment("image/png", "projector.png", &png[..])
        .write_to_vec()
        .unwrap();
    smtp_send(smtp, requester, "support@helpdesk.localhost", &first).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let number = loop {
        let (_, mine) = call(&runner.base, &anna, "GET", "/api/my/tickets", None).await;
        if let Some(t) = mine["items"].as_array().unwrap().iter().find(|t| t["subject"] == subject.as_str()) {
            break t["number"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "the mail never became a ticket");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (_, view) = call(&runner.base, &anna, "GET", &format!("/api/tickets/{number}"), None).await;
    assert_eq!(view["ticket"]["channel"], "email");
    assert_eq!(view["events"][0]["kind"]["attachments"][0]["name"], "projector.png");

    // The acknowledgement reaches moto's mailbox; Anna answers it from her mail program.
    let ack = loop {
        let acks: Vec<helpdesk_tests::Mail> = helpdesk_tests::mail_to(requester)
            .await
            .into_iter()
            .filter(|m| m.subject.contains(&number) && m.subject.contains(&subject[..10]))
            .collect();
        if let Some(ack) = acks.into_iter().next() {
            break ack;
        }
        assert!(Instant::now() < deadline, "no acknowledgement was mailed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(ack.reply_to.contains("support+"), "replies go to the ticket's reply address: {}", ack.reply_to);
    let reply_to = ack.reply_to.trim_matches(['<', '>']).to_string();
    let reply = MessageBuilder::new()
        .from(("Anna Petrova", requester))
        .to(reply_to.as_str())
        .subject(format!("Re: {}", ack.subject))
        .in_reply_to(ack.message_id.as_str())
        .references(ack.message_id.as_str())
        .text_body(format!(
            "The cable is missing too.\n\nOn Sat, 28 Nov 2026, IT Helpdesk wrote:\n> {}\n",
            ack.text.lines().next().unwrap_or_default()
        ))
        .write_to_vec()
        .unwrap();
    smtp_send(smtp, requester, &reply_to, &reply).await;
    loop {
        let (_, view) = call(&runner.base, &anna, "GET", &format!("/api/tickets/{number}"), None).await;
        let replies: Vec<&serde_json::Value> =
            view["events"].as_array().unwrap().iter().filter(|e| e["kind"]["type"] == "public_reply").collect();
        if let Some(reply) = replies.first() {
            assert_eq!(reply["kind"]["body"], "The cable is missing too.");
            assert_eq!(reply["actor"]["id"], "anna.petrova");
            break;
        }
        assert!(Instant::now() < deadline, "the reply never landed on {number}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, mine) = call(&runner.base, &anna, "GET", "/api/my/tickets", None).await;
    assert_eq!(
        mine["items"].as_array().unwrap().iter().filter(|t| t["subject"].as_str().is_some_and(|s| s.contains(&table))).count(),
        1,
        "the reply made no ticket of its own"
    );
}
