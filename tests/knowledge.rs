//! The knowledge base and search: articles through the API (visibility, versions, revisions,
//! bad input), and search through the real indexer and the search function's handler over the
//! index in (moto's) S3 — what a requester may find, word forms in both languages, typos, and an
//! index that survives a cold start.

use helpdesk_aws::Directory;
use helpdesk_core::search::SearchResults;
use helpdesk_tests::*;
use lambda_http::Body;
use lambda_http::http::Request;
use search::bucket::IndexBucket;
use search::handler::SearchApp;
use serde_json::{Value, json};
use std::time::Duration;
use tickets_api::session::{CSRF_HEADER, SessionKeys};

fn article(en: (&str, &str), ru: Option<(&str, &str)>, visibility: &str, status: &str) -> Value {
    let mut translations = json!({"en": {"title": en.0, "body": en.1}});
    if let Some((title, body)) = ru {
        translations["ru"] = json!({"title": title, "body": body});
    }
    json!({"category": "Printing", "visibility": visibility, "status": status, "translations": translations})
}

#[tokio::test]
async fn articles_are_written_versioned_and_read_only_by_whom_they_are_for() {
    let t = test_app().await;
    let printer = article(
        ("Printer offline", "Restart the **printer**."),
        Some(("Принтер не в сети", "Перезапустите принтер.")),
        "public",
        "published",
    );
    let created = t.call("POST", "/api/kb/articles?lang=ru", ADMIN, Some(printer)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!((created.body["lang"].as_str(), created.body["title"].as_str()), (Some("ru"), Some("Принтер не в сети")));
    let internal = t
        .call(
            "POST",
            "/api/kb/articles",
            ADMIN,
            Some(article(("Gateway restart", "systemctl restart gpgw"), None, "internal", "published")),
        )
        .await;
    let draft = t.call("POST", "/api/kb/articles", ADMIN, Some(article(("Draft", "Not yet."), None, "public", "draft"))).await;
    let (internal, draft) = (internal.body["id"].as_str().unwrap().to_string(), draft.body["id"].as_str().unwrap().to_string());

    // Requesters: the public published one, in their language or with a fallback said so.
    let listed = t.call("GET", "/api/kb/articles?lang=ru", ANNA, None).await;
    let ids: Vec<&str> = listed.body["items"].as_array().unwrap().iter().filter_map(|a| a["id"].as_str()).collect();
    assert_eq!(ids, vec![id.as_str()]);
    for hidden in [&internal, &draft] {
        assert_eq!(t.call("GET", &format!("/api/kb/articles/{hidden}"), ANNA, None).await.status, 404);
    }
    let english = t.call("GET", &format!("/api/kb/articles/{internal}?lang=ru"), AGENT, None).await;
    assert_eq!((english.status, english.body["lang"].as_str()), (200, Some("en")), "no Russian version: English, said so");
    assert!(english.body.get("translations").is_none(), "only editors get the Markdown");
    assert_eq!(t.call("GET", &format!("/api/kb/articles/{draft}"), AGENT, None).await.status, 404, "drafts are the editors'");
    let page = t.call("GET", &format!("/api/kb/articles/{id}"), ANNA, None).await;
    assert!(page.body["html"].as_str().unwrap().contains("<strong>printer</strong>"));
    assert!(page.body.get("stats").is_none(), "requesters do not see counts");

    // Versions: a stale save is refused; revisions are kept and one comes back as the next version.
    let mut change = article(("Printer offline", "Turn it off and on."), None, "public", "published");
    change["version"] = json!(1);
    let saved = t.call("PUT", &format!("/api/kb/articles/{id}"), ADMIN, Some(change.clone())).await;
    assert_eq!((saved.status, saved.body["version"].as_u64()), (200, Some(2)));
    let stale = t.call("PUT", &format!("/api/kb/articles/{id}"), ADMIN, Some(change)).await;
    assert_eq!((stale.status, stale.code(), stale.body["current_version"].as_u64()), (409, "version_conflict", Some(2)));
    let history = t.call("GET", &format!("/api/kb/articles/{id}/revisions"), ADMIN, None).await;
    let versions: Vec<u64> = history.body["items"].as_array().unwrap().iter().filter_map(|r| r["version"].as_u64()).collect();
    assert_eq!(versions, vec![2, 1]);
    let restored =
        t.call("POST", &format!("/api/kb/articles/{id}/restore?lang=ru"), ADMIN, Some(json!({"revision": 1, "version": 2}))).await;
    assert_eq!(
        (restored.status, restored.body["version"].as_u64(), restored.body["title"].as_str()),
        (200, Some(3), Some("Принтер не в сети"))
    );

    // "This solved it", counted for staff to see.
    assert_eq!(t.call("POST", &format!("/api/kb/articles/{id}/deflections"), ANNA, Some(json!({"topic": "printer"}))).await.status, 204);
    assert_eq!(t.call("POST", &format!("/api/kb/articles/{internal}/deflections"), ANNA, Some(json!({}))).await.status, 404);
    let counted = t.call("GET", &format!("/api/kb/articles/{id}"), AGENT, None).await;
    assert_eq!(counted.body["stats"]["deflections"].as_u64(), Some(1));
    // The topic report says how often an article solved it, per topic and day; a topic with no
    // tickets gets a line of its own, and a group filter keeps the topics of that group.
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(t.call("POST", &format!("/api/kb/articles/{id}/deflections"), ANNA, Some(json!({"topic": "printer"}))).await.status, 204);
    assert_eq!(t.call("POST", &format!("/api/kb/articles/{id}/deflections"), ANNA, Some(json!({}))).await.status, 204);
    let today = chrono::Utc::now().date_naive();
    let deflected = |report: &Value, topic: &str| {
        report["lines"].as_array().unwrap().iter().find(|l| l["value"] == topic).map(|l| l["deflected"].clone())
    };
    let report = t.call("GET", &format!("/api/reports/topic?from={today}&to={today}"), ADMIN, None).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(deflected(&report.body, "printer"), Some(json!(2)), "{}", report.body);
    assert_eq!(deflected(&report.body, "-"), Some(json!(1)), "no topic chosen: {}", report.body);
    let network = t.call("GET", &format!("/api/reports/topic?from={today}&to={today}&group=network"), ADMIN, None).await;
    assert_eq!(deflected(&network.body, "printer"), None, "{}", network.body);
    let yesterday = today.pred_opt().unwrap();
    let before = t.call("GET", &format!("/api/reports/topic?from={yesterday}&to={yesterday}"), ADMIN, None).await;
    assert_eq!(before.body["lines"], json!([]), "counted on the day it happened");
    let csv = t.call("GET", &format!("/api/reports/topic?from={today}&to={today}&format=csv"), ADMIN, None).await;
    assert!(csv.body.as_str().unwrap().lines().next().unwrap().ends_with(",deflected"), "{}", csv.body);

    // Bad input: 4xx with a stable code, nothing stored.
    let before = t.item_count().await;
    let cases = [
        (article(("T", "B"), None, "public", "published"), "/api/kb/articles?lang=de", 400, "invalid_query"),
        (json!({"translations": {"de": {"title": "Drucker", "body": "x"}}}), "/api/kb/articles", 422, "validation_failed"),
        (json!({"translations": {"en": {"title": "x", "body": "y".repeat(30_000)}}}), "/api/kb/articles", 422, "validation_failed"),
        (json!({"translations": {"en": {"title": "x", "body": "y"}}, "colour": "red"}), "/api/kb/articles", 400, "unknown_field"),
        (json!({"translations": {}}), "/api/kb/articles", 422, "validation_failed"),
    ];
    for (body, path, status, code) in cases {
        let answer = t.call("POST", path, ADMIN, Some(body)).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{path}: {}", answer.body);
    }
    let huge =
        t.call("POST", "/api/kb/articles", ADMIN, Some(json!({"translations": {"en": {"title": "x", "body": "y".repeat(70_000)}}}))).await;
    assert_eq!(huge.status, 413);
    assert_eq!(t.call("POST", "/api/kb/articles", AGENT, Some(article(("x", "y"), None, "public", "draft"))).await.status, 403);
    assert_eq!(t.item_count().await, before, "nothing stored half-way");
    let hostile = t
        .call(
            "POST",
            "/api/kb/articles",
            ADMIN,
            Some(article(("<b>x</b>", "<script>alert(1)</script><img src=x onerror=alert(1)>"), None, "public", "published")),
        )
        .await;
    assert!(!hostile.body["html"].as_str().unwrap().contains("<script"), "{}", hostile.body["html"]);

    // An editor agent drafts an article from a ticket's public answer, never from a note.
    let ticket = t.call("POST", "/api/tickets", ANNA, Some(printer_ticket("Printer jams on tray 2"))).await;
    assert_eq!(ticket.status, 201, "{}", ticket.body);
    let number = ticket.body["ticket"]["id"].as_str().unwrap().to_string();
    let reply = t
        .call("POST", &format!("/api/tickets/{number}/replies"), AGENT, Some(json!({"body": "Open tray 2 and remove the torn sheet."})))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    t.call("POST", &format!("/api/tickets/{number}/notes"), AGENT, Some(json!({"body": "secret note"}))).await;
    let mut editor = t.seed.get_user("ivan").await.unwrap().unwrap().user;
    editor.knowledge_editor = true;
    editor.version += 1;
    t.seed.put_user(&editor, None).await.unwrap();
    let drafted = t.call("POST", &format!("/api/tickets/{number}/article-draft"), AGENT, None).await;
    assert_eq!(drafted.status, 201, "{}", drafted.body);
    assert_eq!((drafted.body["status"].as_str(), drafted.body["visibility"].as_str()), (Some("draft"), Some("internal")));
    let body = drafted.body["translations"]["en"]["body"].as_str().unwrap();
    assert!(body.contains("torn sheet") && !body.contains("secret"), "{body}");

    // An article marked as the ticket's answer: one the requester can read, shown to her, counted.
    let version = |answer: &Answer| answer.body["ticket"]["version"].as_u64().unwrap();
    let current = t.call("GET", &format!("/api/tickets/{number}"), AGENT, None).await;
    for (article, code) in
        [(internal.as_str(), "not_eligible"), (draft.as_str(), "not_eligible"), ("01NOSUCHARTICLE0000000000X", "not_found")]
    {
        let refused = t
            .call("PATCH", &format!("/api/tickets/{number}"), AGENT, Some(json!({"version": version(&current), "solution": article})))
            .await;
        assert_eq!((refused.status, refused.body["fields"][0]["code"].as_str()), (422, Some(code)), "{}", refused.body);
    }
    let by_requester =
        t.call("PATCH", &format!("/api/tickets/{number}"), ANNA, Some(json!({"version": version(&current), "solution": id}))).await;
    assert_eq!(by_requester.status, 403);
    let marked =
        t.call("PATCH", &format!("/api/tickets/{number}"), AGENT, Some(json!({"version": version(&current), "solution": id}))).await;
    assert_eq!(marked.status, 200, "{}", marked.body);
    let seen = t.call("GET", &format!("/api/tickets/{number}"), ANNA, None).await;
    assert_eq!(seen.body["ticket"]["solution"].as_str(), Some(id.as_str()));
    assert!(seen.body["events"].as_array().unwrap().iter().any(|e| e["kind"]["type"] == "solution_changed"));
    let count = |answer: Answer| answer.body["stats"]["solutions"].as_i64();
    assert_eq!(count(t.call("GET", &format!("/api/kb/articles/{id}"), AGENT, None).await), Some(1));
    let unmarked =
        t.call("PATCH", &format!("/api/tickets/{number}"), AGENT, Some(json!({"version": version(&marked), "solution": null}))).await;
    assert_eq!((unmarked.status, unmarked.body["ticket"].get("solution")), (200, None));
    assert_eq!(count(t.call("GET", &format!("/api/kb/articles/{id}"), AGENT, None).await), Some(0));
}

/// A search request as API Gateway hands it to the search function, as `actor`.
#[tokio::test]
async fn screenshots_are_attached_to_articles_and_shown_to_their_readers_only() {
    let t = test_app().await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-screenshot";
    let shot = ready_upload(&t, ADMIN, "tray.png", "image/png", png).await.id;
    let body = format!("Open tray 2.\n\n![The tray](attachment:{shot})");

    // Refused, nothing stored: an upload of someone else's, one that is no image, one that does not exist.
    let not_mine = ready_upload(&t, ANNA, "mine.png", "image/png", png).await.id;
    let text = ready_upload(&t, ADMIN, "notes.txt", "text/plain", b"plain words").await.id;
    let before = t.item_count().await;
    for (bad, code) in [(not_mine.as_str(), "not_found"), (text.as_str(), "not_eligible"), ("nonsense", "not_found")] {
        let answer = t
            .call(
                "POST",
                "/api/kb/articles",
                ADMIN,
                Some(article(("Tray", &format!("![x](attachment:{bad})")), None, "public", "published")),
            )
            .await;
        assert_eq!((answer.status, answer.body["fields"][0]["field"].as_str()), (422, Some("translations.en.body")), "{}", answer.body);
        assert_eq!(answer.body["fields"][0]["code"].as_str(), Some(code), "{}", answer.body);
    }
    assert_eq!(t.item_count().await, before, "nothing stored half-way");

    let created = t.call("POST", "/api/kb/articles", ADMIN, Some(article(("Paper jam", &body), None, "public", "draft"))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let image = format!("/api/kb/articles/{id}/images/{shot}");
    assert!(created.body["html"].as_str().unwrap().contains(&format!(r#"<img src="{image}" alt="The tray">"#)), "{}", created.body);
    // The upload is the article's now: no ticket or second article can take it.
    let mut ticket = printer_ticket("Tray");
    ticket["attachments"] = json!([shot]);
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    assert_eq!(t.call("POST", "/api/tickets", ADMIN, Some(ticket)).await.status, 422);
    let again = t.call("POST", "/api/kb/articles", ADMIN, Some(article(("Copy", &body), None, "public", "published"))).await;
    assert_eq!(again.status, 422, "{}", again.body);

    // A draft's image is the editors' only; published, everyone who may read the article gets it.
    assert_eq!(t.call("GET", &image, ANNA, None).await.status, 404);
    let mut publish = article(("Paper jam", &body), None, "public", "published");
    publish["version"] = json!(1);
    let published = t.call("PUT", &format!("/api/kb/articles/{id}"), ADMIN, Some(publish)).await;
    assert_eq!(published.status, 200, "the image it holds already is kept, not claimed again: {}", published.body);
    let shown = t.call("GET", &image, ANNA, None).await;
    assert_eq!(shown.status, 302, "{}", shown.body);
    let location = shown.location.expect("a Location");
    let bytes = reqwest::get(&location).await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), png);
    // Only the article's own images, through it.
    assert_eq!(t.call("GET", &format!("/api/kb/articles/{id}/images/{not_mine}"), ANNA, None).await.status, 404);
    assert_eq!(t.call("GET", &format!("/api/attachments/{shot}"), ANNA, None).await.status, 404);
}

async fn search(t: &TestApp, app: &SearchApp<helpdesk_aws::DynamoStore>, actor: Option<&str>, query: &str) -> (u16, Value) {
    let mut builder = Request::builder().method("GET").uri(format!("/api/search{query}"));
    if let Some(actor) = actor {
        let (cookie, csrf) = t.session_for(actor).await;
        builder = builder.header("cookie", cookie).header(CSRF_HEADER, csrf);
    }
    let response = search::handler::handle(app, builder.body(Body::Empty).unwrap()).await;
    let status = response.status().as_u16();
    let bytes: &[u8] = response.body().as_ref();
    (status, serde_json::from_slice(bytes).unwrap_or(Value::Null))
}

fn titles(body: &Value) -> Vec<String> {
    serde_json::from_value::<SearchResults>(body.clone()).map(|r| r.hits.into_iter().map(|h| h.title).collect()).unwrap_or_default()
}

#[tokio::test]
async fn search_finds_what_each_caller_may_see_through_the_real_indexer() {
    let t = test_app().await;
    let s3_sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let bucket = format!("{}-search", t.table);
    iam_calls::s3_client(&s3_sdk, iam_calls::SET_UP).create_bucket().bucket(&bucket).send().await.unwrap();
    iam_calls::bind(&bucket, helpdesk_aws::config::SEARCH_INDEX_BUCKET);
    // Each function with its own clients (their calls recorded for the IAM test).
    let indexer_store = function_store(INDEXER, &t.table).await;
    let mut indexer = indexer::Indexer::new(
        IndexBucket::new(iam_calls::s3_client(&s3_sdk, INDEXER), &bucket),
        search::scratch_dir(&format!("it-{}", t.table)),
    );
    let replica = |name: &str| {
        search::Replica::new(
            IndexBucket::new(iam_calls::s3_client(&s3_sdk, SEARCH), &bucket),
            search::scratch_dir(&format!("{name}-{}", t.table)),
            Duration::ZERO,
        )
    };
    let app = SearchApp {
        store: function_store(SEARCH, &t.table).await,
        sessions: Some(SessionKeys::new(TEST_SIGNING_KEY, TEST_AUDIENCE, false).unwrap()),
        origin_secrets: Vec::new(),
        replica: replica("search"),
    };
    // Before anything is indexed: an empty answer, not an error.
    assert_eq!(search(&t, &app, ANNA, "?q=printer").await, (200, json!({"hits": []})));

    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let mut subjects = Vec::new();
    for (who, subject, description) in [
        (ANNA, "Принтер не печатает", "Принтеры на третьем этаже молчат"),
        (BORIS, "Printers on floor 2 are offline", "Both printers show an error"),
        (ANNA, "VPN drops every hour", "The tunnel disconnects"),
    ] {
        let created = t
            .call(
                "POST",
                "/api/tickets",
                who,
                Some(
                    printer_ticket(subject)
                        .as_object()
                        .map(|o| {
                            let mut o = o.clone();
                            o.insert("description".into(), json!(description));
                            Value::Object(o)
                        })
                        .unwrap(),
                ),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        subjects.push(indexer::Subject::Ticket(created.body["ticket"]["id"].as_str().unwrap().to_string()));
    }
    let vpn = subjects[2].clone();
    let vpn_id = match &vpn {
        indexer::Subject::Ticket(id) => id.clone(),
        indexer::Subject::Article(_) => unreachable!(),
    };
    t.call("POST", &format!("/api/tickets/{vpn_id}/notes"), AGENT, Some(json!({"body": "Firmware of the concentrator is outdated"}))).await;
    for (body, visibility, status) in [
        (
            article(
                ("The printer does not print", "Check paper and toner."),
                Some(("Принтер не печатает", "Проверьте бумагу и тонер.")),
                "public",
                "published",
            ),
            "",
            "",
        ),
        (article(("Printer firmware rollback", "Internal steps."), None, "internal", "published"), "", ""),
        (article(("Printer draft", "Soon."), None, "public", "draft"), "", ""),
    ] {
        let _ = (visibility, status);
        let created = t.call("POST", "/api/kb/articles", ADMIN, Some(body)).await;
        subjects.push(indexer::Subject::Article(created.body["id"].as_str().unwrap().to_string()));
    }
    // Delivered twice and out of order: the index holds each subject once, as it is now.
    let mut twice = subjects.clone();
    twice.extend(subjects.iter().rev().cloned());
    let applied = indexer.apply(&indexer_store, &twice).await.unwrap();
    assert_eq!((applied.tickets, applied.articles), (3, 3));

    // Russian word forms meet; a requester finds her own tickets and public published articles only.
    let (status, anna) = search(&t, &app, ANNA, "?q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80%D0%B0&lang=ru").await; // "принтера"
    assert_eq!(status, 200, "{anna}");
    assert_eq!(
        titles(&anna),
        vec!["Принтер не печатает".to_string(), "Принтер не печатает".to_string()],
        "her ticket and the article, in Russian: {anna}"
    );
    let (_, boris) = search(&t, &app, BORIS, "?q=printer").await;
    assert_eq!(titles(&boris), vec!["Printers on floor 2 are offline".to_string(), "The printer does not print".to_string()], "{boris}");
    // Notes are staff-only text: the requester does not find her ticket by it; the agent does.
    assert_eq!(titles(&search(&t, &app, ANNA, "?q=firmware").await.1), Vec::<String>::new());
    let (_, agent) = search(&t, &app, AGENT, "?q=firmware&scope=tickets").await;
    assert_eq!(titles(&agent), vec!["VPN drops every hour".to_string()]);
    let (_, agent_articles) = search(&t, &app, AGENT, "?q=firmware&scope=articles").await;
    assert_eq!(titles(&agent_articles), vec!["Printer firmware rollback".to_string()], "staff read internal articles, not drafts");
    // An agent of another group sees no ticket of the service desk.
    assert!(search(&t, &app, OTHER_AGENT, "?q=printer&scope=tickets").await.1["hits"].as_array().unwrap().is_empty());
    // English plurals, a typo, a ticket number.
    assert_eq!(titles(&search(&t, &app, ADMIN, "?q=printers&scope=articles").await.1).len(), 3, "admins see drafts too");
    assert!(titles(&search(&t, &app, BORIS, "?q=offlnie").await.1).contains(&"Printers on floor 2 are offline".to_string()), "one typo");
    assert_eq!(titles(&search(&t, &app, ADMIN, "?q=HD-1003").await.1), vec!["VPN drops every hour".to_string()]);
    // Suggestions: articles only, the last word half typed.
    let suggest = |q: &'static str| search(&t, &app, BORIS, q);
    let (_, typed) = suggest("/suggest?q=my%20prin").await;
    assert_eq!(titles(&typed), vec!["The printer does not print".to_string()]);
    // Hostile and bad input: a safe empty answer or 400, never a 5xx.
    for q in ["?q=title:*%20OR%20kind:ticket", "?q=%22%5C%28%29%5B%5D%7B%7D%5E~*%3F:", "?q=)))((("] {
        let (status, body) = search(&t, &app, BORIS, q).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert!(titles(&body).iter().all(|t| !t.starts_with("VPN")), "{q} widened the query: {body}");
    }
    for q in ["?lang=de", "?scope=people", "?limit=0", "?from=yesterday", "/suggest?scope=tickets"] {
        assert_eq!(search(&t, &app, BORIS, q).await.0, 400, "{q}");
    }
    assert_eq!(search(&t, &app, None, "?q=printer").await.0, 401);

    // An edit is searchable after the indexer's next run; a new copy (a cold start) loads it too.
    let id = match &subjects[3] {
        indexer::Subject::Article(id) => id.clone(),
        indexer::Subject::Ticket(_) => unreachable!(),
    };
    let mut renamed = article(("Toner low warning", "Shake the cartridge."), None, "public", "published");
    renamed["version"] = json!(1);
    assert_eq!(t.call("PUT", &format!("/api/kb/articles/{id}"), ADMIN, Some(renamed)).await.status, 200);
    indexer.apply(&indexer_store, &[subjects[3].clone()]).await.unwrap();
    assert_eq!(titles(&search(&t, &app, BORIS, "?q=toner&scope=articles").await.1), vec!["Toner low warning".to_string()]);
    let cold = SearchApp {
        replica: replica("cold"),
        store: function_store(SEARCH, &t.table).await,
        sessions: app.sessions.clone(),
        origin_secrets: Vec::new(),
    };
    assert_eq!(titles(&search(&t, &cold, BORIS, "?q=cartridge").await.1), vec!["Toner low warning".to_string()]);
    // A rebuild from the table gives the same answers.
    let mut rebuilt = indexer::Indexer::new(
        IndexBucket::new(iam_calls::s3_client(&s3_sdk, INDEXER), &bucket),
        search::scratch_dir(&format!("rb-{}", t.table)),
    );
    let all = rebuilt.rebuild(&indexer_store).await.unwrap();
    assert_eq!((all.tickets, all.articles), (3, 3));
    assert_eq!(
        titles(&search(&t, &app, BORIS, "?q=printer").await.1),
        titles(&boris).into_iter().filter(|t| !t.starts_with("The printer")).collect::<Vec<_>>(),
        "the renamed article is no printer article any more"
    );
}

#[test]
fn the_template_gives_search_and_indexer_exactly_the_environment_they_read() {
    let template = helpdesk_aws::template::read_template().unwrap();
    for (function, reads) in [("SearchFunction", search::ENVIRONMENT), ("IndexerFunction", indexer::ENVIRONMENT)] {
        let mut given = helpdesk_aws::template::function_environment(&template, function).unwrap();
        given.remove("RUST_LOG");
        given.remove("SECRETS_REVISION");
        let read: std::collections::BTreeSet<String> = reads.iter().map(|v| v.to_string()).collect();
        assert_eq!(given, read, "{function}");
    }
    assert!(template.contains("ReservedConcurrentExecutions: 1"), "one indexer at a time");
}

#[tokio::test]
async fn reply_templates_are_written_by_editors_and_read_by_staff() {
    let t = test_app().await;
    let greeting = json!({"id": "greeting", "name": {"en": "Greeting", "ru": "Приветствие"},
        "bodies": {"en": "Hello {requester}, about {number}: {subject}. {agent}", "ru": "Здравствуйте, {requester}!"}});
    let created = t.call("POST", "/api/reply-templates", ADMIN, Some(greeting.clone())).await;
    assert_eq!((created.status, created.body["version"].as_u64()), (201, Some(1)), "{}", created.body);
    assert_eq!(t.call("POST", "/api/reply-templates", ADMIN, Some(greeting)).await.code(), "already_exists");
    let listed = t.call("GET", "/api/reply-templates", AGENT, None).await;
    assert_eq!(listed.body["items"][0]["bodies"]["ru"], "Здравствуйте, {requester}!");
    assert_eq!(t.call("GET", "/api/reply-templates", ANNA, None).await.status, 403, "requesters have no templates");
    let typo = json!({"id": "typo", "name": {"en": "Typo"}, "bodies": {"en": "Hi {requestor}"}});
    let refused = t.call("POST", "/api/reply-templates", ADMIN, Some(typo)).await;
    assert_eq!((refused.status, refused.body["fields"][0]["field"].as_str()), (422, Some("bodies.en")), "{}", refused.body);
    let change = json!({"name": {"en": "Hello"}, "bodies": {"en": "Hi {requester}"}, "version": 1});
    assert_eq!(t.call("PUT", "/api/reply-templates/greeting", ADMIN, Some(change.clone())).await.status, 200);
    let stale = t.call("PUT", "/api/reply-templates/greeting", ADMIN, Some(change)).await;
    assert_eq!((stale.status, stale.body["current_version"].as_u64()), (409, Some(2)));
    assert_eq!(t.call("DELETE", "/api/reply-templates/greeting?version=1", ADMIN, None).await.status, 409);
    assert_eq!(t.call("DELETE", "/api/reply-templates/greeting?version=2", ADMIN, None).await.status, 200);
    assert_eq!(t.call("DELETE", "/api/reply-templates/greeting?version=2", ADMIN, None).await.status, 404);
    assert_eq!(t.call("DELETE", "/api/reply-templates/greeting", ADMIN, None).await.code(), "invalid_query");
}
