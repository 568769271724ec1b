//! Attachments through the real handlers against the local stack: a grant (presigned PUT), the
//! bytes over HTTP to moto's S3, the S3 event from the bucket's notification queue to the
//! attachments function, the file on the ticket, and a download link only for those who may read
//! the message that carries it.

use helpdesk_tests::*;
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x80\0\0\0PE\0\0";

/// The attachments function, fed by the test bucket's notifications as S3 feeds it in AWS.
struct Checker {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    store: helpdesk_aws::DynamoStore,
    objects: helpdesk_aws::S3Objects,
    bucket: String,
}

impl Checker {
    async fn new(t: &TestApp) -> Self {
        use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
        let sdk = local_sdk("AWS_ENDPOINT_URL").await;
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let queue_url = sqs.create_queue().queue_name(format!("{}-events", t.bucket)).send().await.unwrap().queue_url.unwrap();
        let arn_attribute = aws_sdk_sqs::types::QueueAttributeName::QueueArn;
        let attributes = sqs.get_queue_attributes().queue_url(&queue_url).attribute_names(arn_attribute.clone()).send().await.unwrap();
        let queue_arn = attributes.attributes().unwrap()[&arn_attribute].clone();
        let setup = iam_calls::s3_client(&sdk, iam_calls::SET_UP);
        let queue = QueueConfiguration::builder().queue_arn(queue_arn).events(Event::from("s3:ObjectCreated:*")).build().unwrap();
        let notifications = NotificationConfiguration::builder().queue_configurations(queue).build();
        setup.put_bucket_notification_configuration().bucket(&t.bucket).notification_configuration(notifications).send().await.unwrap();
        let objects = helpdesk_aws::S3Objects::new(iam_calls::s3_client(&sdk, ATTACHMENTS));
        Checker { sqs, queue_url, store: function_store(ATTACHMENTS, &t.table).await, objects, bucket: t.bucket.clone() }
    }

    /// The S3 events waiting in the queue (S3's test event left out), taken off it. Once the
    /// first has come, the queue is asked again until a one-second wait brings nothing: moto
    /// queues S3's events as the upload is answered, LocalStack a moment later.
    async fn events(&self) -> Vec<aws_lambda_events::event::s3::S3Event> {
        let mut events = Vec::new();
        for _ in 0..20 {
            let wait = if events.is_empty() { 0 } else { 1 };
            let receive = self.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).wait_time_seconds(wait);
            let out = receive.send().await.unwrap();
            let received = out.messages.as_ref().is_some_and(|m| !m.is_empty());
            for message in out.messages.unwrap_or_default() {
                if let Some(event) = attachments::notification(message.body().unwrap()).unwrap() {
                    events.push(event);
                }
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
            if !events.is_empty() && !received {
                return events;
            }
            if events.is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
        assert!(!events.is_empty(), "no S3 event arrived");
        events
    }

    async fn run(&self, event: &aws_lambda_events::event::s3::S3Event) -> attachments::Report {
        attachments::handle(&self.store, &self.objects, &self.bucket, &Default::default(), event).await.unwrap()
    }

    /// Delivers whatever S3 announced to the function.
    async fn deliver(&self) -> attachments::Report {
        let mut total = attachments::Report::default();
        for event in self.events().await {
            let report = self.run(&event).await;
            total.ready += report.ready;
            total.rejected += report.rejected;
            total.ignored += report.ignored;
        }
        total
    }
}

/// Asks for an upload as `actor` and sends `bytes` to the URL it gives, as a browser does.
async fn upload(t: &TestApp, actor: Option<&str>, name: &str, content_type: &str, declared: usize, bytes: &[u8]) -> (Value, u16) {
    let grant =
        t.call("POST", "/api/uploads", actor, Some(json!({"file_name": name, "size": declared, "content_type": content_type}))).await;
    assert_eq!(grant.status, 201, "{:?}", grant.body);
    let status = put_granted(&grant.body, bytes.to_vec()).await.status().as_u16();
    (grant.body, status)
}

fn id(grant: &Value) -> String {
    grant["upload"]["id"].as_str().unwrap().to_string()
}

async fn with_topic() -> TestApp {
    let t = test_app().await;
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    t
}

fn ticket_with(files: &[&str]) -> Value {
    let mut ticket = printer_ticket("The screen shows an error");
    ticket["attachments"] = json!(files);
    ticket
}

#[tokio::test]
async fn a_pasted_screenshot_reaches_the_agent_and_nobody_else() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    let (grant, put) = upload(&t, ANNA, "Screenshot 2026-11-28.png", "image/png", PNG.len(), PNG).await;
    assert_eq!(put, 200);
    // The URL binds the size, the type and the staged tag, and no checksum of an empty body.
    let url = grant["url"].as_str().unwrap();
    let signed = url.split("X-Amz-SignedHeaders=").nth(1).unwrap().split('&').next().unwrap();
    assert_eq!(signed, "content-length%3Bcontent-type%3Bhost%3Bx-amz-tagging");
    assert!(!url.to_ascii_lowercase().contains("checksum"), "{url}");
    assert_eq!(grant["headers"], json!({"content-type": "image/png", "x-amz-tagging": "staged=true"}));
    assert_eq!(grant["upload"]["state"], "pending");

    assert_eq!(checker.deliver().await, attachments::Report { ready: 1, rejected: 0, ignored: 0 });
    let ready = t.call("GET", &format!("/api/uploads/{}", id(&grant)), ANNA, None).await;
    assert_eq!((ready.body["state"].as_str(), ready.body["content_type"].as_str()), (Some("ready"), Some("image/png")));
    assert_eq!(t.call("GET", &format!("/api/uploads/{}", id(&grant)), BORIS, None).await.status, 404, "only the uploader asks");

    let created = t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&[&id(&grant)]))).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let files = &created.body["events"][0]["kind"]["attachments"];
    assert_eq!(files[0]["name"], "Screenshot 2026-11-28.png");
    assert_eq!(files[0]["size"], PNG.len());

    let link = t.call("GET", &format!("/api/attachments/{}", id(&grant)), AGENT, None).await;
    assert_eq!((link.status, link.body["inline"].as_bool()), (200, Some(true)), "{:?}", link.body);
    let download = reqwest::get(link.body["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(download.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG, "the bytes that were pasted");
    assert_eq!(t.call("GET", &format!("/api/attachments/{}", id(&grant)), ANNA, None).await.status, 200, "the requester's own");
    for outsider in [BORIS, OTHER_AGENT] {
        let refused = t.call("GET", &format!("/api/attachments/{}", id(&grant)), outsider, None).await;
        assert_eq!((refused.status, refused.code()), (404, "not_found"), "{outsider:?}");
    }
    // Attached once: naming it again is refused.
    let again = t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&[&id(&grant)]))).await;
    assert_eq!((again.status, again.body["fields"][0]["field"].as_str()), (422, Some("attachments[0]")));
    t.finish().await;
}

#[tokio::test]
async fn a_file_put_again_over_a_checked_one_never_reaches_anyone() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    let (grant, _) = upload(&t, ANNA, "shot.png", "image/png", PNG.len(), PNG).await;
    assert_eq!(checker.deliver().await.ready, 1);
    // The same presigned PUT, within its minutes, with other bytes of the same length.
    let mut swapped = EXE.to_vec();
    swapped.resize(PNG.len(), 0);
    assert_eq!(put_granted(&grant, swapped.clone()).await.status(), 200, "S3 takes it: the signature allows it");
    assert_eq!(checker.deliver().await, attachments::Report { ready: 0, rejected: 0, ignored: 1 });
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&[&id(&grant)]))).await.status, 201);
    // After attaching, once more: removed again, and the checked bytes are what is served.
    assert_eq!(put_granted(&grant, swapped).await.status(), 200);
    checker.deliver().await;
    let link = t.call("GET", &format!("/api/attachments/{}", id(&grant)), AGENT, None).await;
    assert_eq!(reqwest::get(link.body["url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap().as_ref(), PNG);
    let s3 = iam_calls::s3_client(&local_sdk("AWS_ENDPOINT_URL").await, iam_calls::SET_UP);
    let key = format!("uploads/{}", id(&grant));
    let current = s3.get_object().bucket(&t.bucket).key(&key).send().await.unwrap();
    assert_eq!(current.body.collect().await.unwrap().into_bytes().as_ref(), PNG, "the checked version is the current one again");
    let tags = s3.get_object_tagging().bucket(&t.bucket).key(&key).send().await.unwrap();
    assert!(tags.tag_set().is_empty(), "and it has no staged tag, so the lifecycle rule leaves it be");
    t.finish().await;
}

#[tokio::test]
async fn a_declared_size_over_the_limit_is_refused_before_anything_is_stored() {
    let t = with_topic().await;
    t.call("GET", "/api/auth/me", ANNA, None).await; // her account exists before the count
    let before = t.item_count().await;
    let too_big = helpdesk_core::attachment::DEFAULT_MAX_BYTES + 1;
    for (body, field) in [
        (json!({"file_name": "video.mp4", "size": too_big, "content_type": "video/mp4"}), "size"),
        (json!({"file_name": "empty.txt", "size": 0, "content_type": "text/plain"}), "size"),
        (json!({"file_name": "page.html", "size": 10, "content_type": "text/html"}), "content_type"),
        (json!({"file_name": "logo.svg", "size": 10, "content_type": "image/svg+xml"}), "content_type"),
    ] {
        let refused = t.call("POST", "/api/uploads", ANNA, Some(body)).await;
        assert_eq!((refused.status, refused.body["fields"][0]["field"].as_str()), (422, Some(field)), "{:?}", refused.body);
    }
    for malformed in [
        json!({"file_name": "a.png"}),
        json!({"file_name": "a.png", "size": -1, "content_type": "image/png"}),
        json!({"file_name": "a.png", "size": 1, "content_type": "image/png", "bucket": "x"}),
    ] {
        let refused = t.call("POST", "/api/uploads", ANNA, Some(malformed.clone())).await;
        assert_eq!(refused.status, 400, "{malformed}: {:?}", refused.body);
    }
    assert_eq!(
        t.call("POST", "/api/uploads", None, Some(json!({"file_name": "a.png", "size": 1, "content_type": "image/png"}))).await.status,
        401
    );
    assert_eq!(t.item_count().await, before, "nothing stored");
    t.finish().await;
}

#[tokio::test]
async fn more_bytes_than_signed_and_executables_named_png_are_rejected_and_deleted() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    // S3 refuses a body longer than the signed length, and so does LocalStack; moto checks no
    // signature, and then the function holds the size that arrived to the one announced.
    let (long, long_put) = upload(&t, ANNA, "shot.png", "image/png", PNG.len() - 10, PNG).await;
    let storage_refused = long_put >= 400;
    let (exe, _) = upload(&t, ANNA, "screenshot.png", "image/png", EXE.len(), EXE).await;
    let rejected = if storage_refused { 1 } else { 2 };
    assert_eq!(
        checker.deliver().await,
        attachments::Report { ready: 0, rejected, ignored: 0 },
        "refused by the storage: {storage_refused}"
    );
    let long_outcome = if storage_refused { ("pending", None) } else { ("rejected", Some("size_mismatch")) };
    for (grant, (state, reason)) in [(&long, long_outcome), (&exe, ("rejected", Some("type_not_allowed")))] {
        let seen = t.call("GET", &format!("/api/uploads/{}", id(grant)), ANNA, None).await;
        assert_eq!((seen.body["state"].as_str(), seen.body["reason"].as_str()), (Some(state), reason));
        let s3 = iam_calls::s3_client(&local_sdk("AWS_ENDPOINT_URL").await, iam_calls::SET_UP);
        let key = format!("uploads/{}", id(grant));
        assert!(s3.head_object().bucket(&t.bucket).key(&key).send().await.is_err(), "{key} is deleted");
        let attach = t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&[&id(grant)]))).await;
        assert_eq!((attach.status, attach.body["fields"][0]["code"].as_str()), (422, Some("not_eligible")));
    }
    t.finish().await;
}

#[tokio::test]
async fn the_same_event_delivered_twice_registers_once() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    let (grant, _) = upload(&t, ANNA, "log.txt", "text/plain", 12, b"printer: E42").await;
    let events = checker.events().await;
    assert_eq!(checker.run(&events[0]).await.ready, 1);
    assert_eq!(checker.run(&events[0]).await, attachments::Report { ready: 0, rejected: 0, ignored: 1 });
    let seen = t.call("GET", &format!("/api/uploads/{}", id(&grant)), ANNA, None).await;
    assert_eq!((seen.body["state"].as_str(), seen.body["content_type"].as_str()), (Some("ready"), Some("text/plain")));
    let created = t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&[&id(&grant)]))).await;
    assert_eq!(created.body["events"][0]["kind"]["attachments"].as_array().map(Vec::len), Some(1));
    let link = t.call("GET", &format!("/api/attachments/{}", id(&grant)), ANNA, None).await;
    assert_eq!(link.body["inline"], false, "text downloads, never renders");
    t.finish().await;
}

#[tokio::test]
async fn a_notes_files_never_reach_the_requester() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Jam"))).await.status, 201);
    let (grant, _) = upload(&t, AGENT, "internal.png", "image/png", PNG.len(), PNG).await;
    checker.deliver().await;
    let note = t.call("POST", "/api/tickets/HD-1001/notes", AGENT, Some(json!({"body": "Config dump", "attachments": [id(&grant)]}))).await;
    assert_eq!(note.status, 200, "{:?}", note.body);
    let view = t.call("GET", "/api/tickets/HD-1001", ANNA, None).await;
    assert!(!view.body.to_string().contains(&id(&grant)), "the requester's view names no note file");
    assert_eq!(t.call("GET", &format!("/api/attachments/{}", id(&grant)), ANNA, None).await.status, 404);
    assert_eq!(t.call("GET", &format!("/api/attachments/{}", id(&grant)), AGENT, None).await.status, 200);
    t.finish().await;
}

#[tokio::test]
async fn uploads_that_are_not_the_writers_or_not_ready_are_refused_and_nothing_is_stored() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    let (borises, _) = upload(&t, BORIS, "his.png", "image/png", PNG.len(), PNG).await;
    checker.deliver().await;
    let (pending, _) = upload(&t, ANNA, "mine.png", "image/png", PNG.len(), PNG).await;
    let before = t.item_count().await;
    for (files, code) in [
        (vec![borises["upload"]["id"].as_str().unwrap().to_string()], "not_found"),
        (vec!["01J0000000000000000000000Z".to_string()], "not_found"),
        (vec!["not-an-id".to_string()], "not_found"),
        (vec![id(&pending)], "not_eligible"),
    ] {
        let refused = t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&files.iter().map(String::as_str).collect::<Vec<_>>()))).await;
        assert_eq!((refused.status, refused.body["fields"][0]["code"].as_str()), (422, Some(code)), "{files:?}: {:?}", refused.body);
    }
    let eleven: Vec<String> = (0..11).map(|_| id(&pending)).collect();
    let too_many = t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&eleven.iter().map(String::as_str).collect::<Vec<_>>()))).await;
    assert_eq!((too_many.status, too_many.body["fields"][0]["field"].as_str()), (422, Some("attachments")));
    assert_eq!(t.item_count().await, before, "no ticket, no number, no claim");
    assert_eq!(t.call("GET", "/api/my/tickets", ANNA, None).await.body["items"].as_array().map(Vec::len), Some(0));
    t.finish().await;
}

#[tokio::test]
async fn unattached_uploads_expire_and_attached_ones_stay() {
    let t = with_topic().await;
    let checker = Checker::new(&t).await;
    let (kept, _) = upload(&t, ANNA, "kept.png", "image/png", PNG.len(), PNG).await;
    let (left, _) = upload(&t, ANNA, "left.png", "image/png", PNG.len(), PNG).await;
    checker.deliver().await;
    assert_eq!(t.call("POST", "/api/tickets", ANNA, Some(ticket_with(&[&id(&kept)]))).await.status, 201);
    let s3 = iam_calls::s3_client(&local_sdk("AWS_ENDPOINT_URL").await, iam_calls::SET_UP);
    let tags = |key: String| {
        let s3 = s3.clone();
        let bucket = t.bucket.clone();
        async move {
            let out = s3.get_object_tagging().bucket(bucket).key(key).send().await.unwrap();
            out.tag_set().iter().map(|tag| format!("{}={}", tag.key(), tag.value())).collect::<Vec<_>>()
        }
    };
    let expiry = |upload: String| {
        let client = t.client.clone();
        let table = t.table.clone();
        async move {
            let item = client
                .get_item()
                .table_name(table)
                .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(format!("UPLOAD#{upload}")))
                .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("UPLOAD".into()))
                .send()
                .await
                .unwrap()
                .item
                .unwrap();
            item.get("expires_at").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok())
        }
    };
    // Left alone: the record expires (DynamoDB TTL) within a day, the object by the bucket's
    // lifecycle rule on its staged tag.
    assert_eq!(tags(format!("uploads/{}", id(&left))).await, ["staged=true"]);
    let expires = expiry(id(&left)).await.expect("a staged upload expires");
    let in_a_day = chrono::Utc::now().timestamp() + helpdesk_core::attachment::STAGED_SECONDS;
    assert!((in_a_day - 60..=in_a_day).contains(&expires), "{expires} vs {in_a_day}");
    // Attached: neither expires.
    assert!(tags(format!("uploads/{}", id(&kept))).await.is_empty(), "the staged tag is off");
    assert_eq!(expiry(id(&kept)).await, None);
    t.finish().await;
}
