//! Every route × {anonymous, requester A, requester B, agent in the ticket's group, agent outside
//! it, admin}, through real session cookies and again through bearer tokens (native apps): who is refused (401), forbidden (403), kept from
//! seeing (404), or let through (anything else — the handler then judges the request itself).

use helpdesk_aws::Directory;
use helpdesk_core::Role;
use helpdesk_core::user::{AccountSource, User};
use helpdesk_tests::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tickets_api::routes::ROUTES;
use tickets_api::session::{CSRF_HEADER, SESSION_COOKIE, SessionKeys};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Refused,
    Forbidden,
    Hidden,
    Through,
}
use Expect::*;

/// (method, route template, concrete path, body, expectations per caller in the test's order)
type Row = (&'static str, &'static str, &'static str, Option<Value>, [Expect; 8]);

/// A published article of `visibility`, written by the admin; its id.
async fn seed_article(
    store: &helpdesk_aws::DynamoStore,
    visibility: helpdesk_core::knowledge::Visibility,
    images: &[helpdesk_core::attachment::AttachmentRef],
) -> String {
    use helpdesk_core::knowledge::{ArticleInput, ArticleStatus, Translation};
    let input = ArticleInput {
        category: "Printing".into(),
        visibility,
        status: ArticleStatus::Published,
        translations: [("en".to_string(), Translation { title: "Printer".into(), body: "Restart it.".into() })].into(),
        version: None,
    };
    let mut article = input.into_article(&ulid::Ulid::new().to_string(), "boss", chrono::Utc::now());
    article.images = images.to_vec();
    helpdesk_aws::Knowledge::save_article(store, &article, &ulid::Ulid::new().to_string(), images).await.unwrap();
    article.id
}

fn user(id: &str, role: Role, groups: &[&str]) -> User {
    User::new(id, id, &format!("{id}@example.org"), role, groups, AccountSource::Local)
}

#[tokio::test]
async fn every_route_denies_whom_it_must() {
    let t = test_app().await;
    let people = [
        user("req-a", Role::Requester, &[]),
        user("req-b", Role::Requester, &[]),
        user("agent-in", Role::Agent, &["service-desk"]),
        user("agent-out", Role::Agent, &["network"]),
        user("chief", Role::Manager, &[]),
        user("lead-out", Role::Manager, &["network"]),
        user("boss", Role::Admin, &[]),
    ];
    for p in &people {
        t.seed.put_user(p, None).await.unwrap();
    }
    // The resources the paths name: a ticket of requester A in the service desk's queue (the
    // harness made the group), topics, a calendar, a plan.
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let mut spare = printer_topic();
    spare["id"] = json!("spare");
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(spare)).await.status, 201);
    // A file of requester A on her ticket, and an upload of hers not attached yet.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let mut uploads = Vec::new();
    // The admin's is a screenshot in an article.
    let mut shots = Vec::new();
    for (name, uploader) in [("on-ticket.png", "requester:req-a"), ("staged.png", "requester:req-a"), ("article.png", "admin:boss")] {
        let ready = ready_upload(&t, Some(uploader), name, "image/png", png).await;
        if uploader.starts_with("admin") {
            shots.push(ready.reference());
        }
        uploads.push(ready.id);
    }
    let mut mine = printer_ticket("mine");
    mine["attachments"] = json!([uploads[0]]);
    assert_eq!(t.call("POST", "/api/tickets", Some("requester:req-a"), Some(mine)).await.status, 201);
    let attachment_path: &'static str = Box::leak(format!("/api/attachments/{}", uploads[0]).into_boxed_str());
    let upload_path: &'static str = Box::leak(format!("/api/uploads/{}", uploads[1]).into_boxed_str());
    assert_eq!(
        t.call("POST", "/api/sla/calendars", ADMIN, Some(json!({"id": "always", "name": "Always", "time_zone": "UTC"}))).await.status,
        201
    );
    let plan = json!({"id": "all", "name": "All", "calendar": "always", "targets": {"medium": {"first_response_minutes": 30}}});
    assert_eq!(t.call("POST", "/api/sla/plans", ADMIN, Some(plan)).await.status, 201);

    // A message the mail intake kept aside, its raw bytes in the bucket (a retry copies them).
    let s3 = iam_calls::s3_client(&local_sdk("AWS_ENDPOINT_URL").await, iam_calls::SET_UP);
    let raw = aws_sdk_s3::primitives::ByteStream::from_static(b"not a message");
    s3.put_object().bucket(&t.bucket).key("inbound/kept-aside").body(raw).send().await.unwrap();
    let rejected = helpdesk_core::mail::RejectedMail {
        id: ulid::Ulid::new().to_string(),
        received_at: chrono::Utc::now(),
        reason: helpdesk_core::mail::MailRejection::Unreadable,
        detail: "not an e-mail message".into(),
        from: None,
        subject: None,
        object_key: "inbound/kept-aside".into(),
        attempts: 1,
    };
    helpdesk_aws::MailStore::put_rejected_mail(&t.seed, &rejected).await.unwrap();
    let retry_path: &'static str = Box::leak(format!("/api/mail/rejected/{}/retry", rejected.id).into_boxed_str());

    // Articles: one public, one internal (staff only); nobody here but the admin edits.
    let public_article = seed_article(&t.seed, helpdesk_core::knowledge::Visibility::Public, &[]).await;
    let internal_article = seed_article(&t.seed, helpdesk_core::knowledge::Visibility::Internal, &shots).await;
    let image_path: &'static str = Box::leak(format!("/api/kb/articles/{internal_article}/images/{}", uploads[2]).into_boxed_str());
    let public_path: &'static str = Box::leak(format!("/api/kb/articles/{public_article}").into_boxed_str());
    let internal_path: &'static str = Box::leak(format!("/api/kb/articles/{internal_article}").into_boxed_str());
    let revisions_path: &'static str = Box::leak(format!("{internal_path}/revisions").into_boxed_str());
    let restore_path: &'static str = Box::leak(format!("{internal_path}/restore").into_boxed_str());
    let deflect_path: &'static str = Box::leak(format!("{public_path}/deflections").into_boxed_str());
    let article = json!({"visibility": "internal", "status": "published", "translations": {"en": {"title": "Printer", "body": "Restart it."}}, "version": 1});

    let greeting = helpdesk_core::templates::ReplyTemplate {
        id: "greeting".into(),
        name: helpdesk_core::text::LocalizedText::new(&[("en", "Greeting")]),
        bodies: helpdesk_core::text::LocalizedText::new(&[("en", "Hello {requester}")]),
        version: 1,
    };
    helpdesk_aws::Knowledge::put_reply_template(&t.seed, &greeting).await.unwrap();
    let template = json!({"name": {"en": "Greeting"}, "bodies": {"en": "Hello {requester}"}, "version": 1});

    let keys = SessionKeys::new(TEST_SIGNING_KEY, TEST_AUDIENCE, false).unwrap();
    let now = chrono::Utc::now().timestamp();
    let sessions: Vec<Option<(String, String)>> = std::iter::once(None)
        .chain(people.iter().map(|p| {
            let (token, claims) = keys.issue(p, now).unwrap();
            Some((format!("{SESSION_COOKIE}={token}"), claims.csrf))
        }))
        .collect();
    let actors = ["anonymous", "requester A", "requester B", "agent in group", "agent outside", "manager", "team lead outside", "admin"];

    let empty = json!({});
    let matrix: Vec<Row> = vec![
        ("GET", "/api/health", "/api/health", None, [Through; 8]),
        ("GET", "/api/openapi.json", "/api/openapi.json", None, [Through; 8]),
        ("POST", "/api/auth/login", "/api/auth/login", Some(empty.clone()), [Through; 8]),
        ("GET", "/api/auth/me", "/api/auth/me", None, [Refused, Through, Through, Through, Through, Through, Through, Through]),
        (
            "PATCH",
            "/api/auth/me",
            "/api/auth/me",
            Some(json!({"language": "en"})),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "GET",
            "/api/auth/me/notifications",
            "/api/auth/me/notifications",
            None,
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "PUT",
            "/api/auth/me/notifications",
            "/api/auth/me/notifications",
            Some(json!({"channels": {}, "version": 0})),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "GET",
            "/api/directory",
            "/api/directory?staff=true",
            None,
            [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through],
        ),
        ("GET", "/api/users", "/api/users", None, [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through]),
        (
            "POST",
            "/api/users",
            "/api/users",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/users/{id}",
            "/api/users/req-a",
            None,
            [Refused, Through, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "PUT",
            "/api/users/{id}",
            "/api/users/req-a",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        ("GET", "/api/groups", "/api/groups", None, [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through]),
        (
            "POST",
            "/api/groups",
            "/api/groups",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/groups/{id}",
            "/api/groups/service-desk",
            None,
            [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through],
        ),
        (
            "PUT",
            "/api/groups/{id}",
            "/api/groups/service-desk",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        ("GET", "/api/topics", "/api/topics", None, [Refused, Through, Through, Through, Through, Through, Through, Through]),
        (
            "POST",
            "/api/topics",
            "/api/topics",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        ("GET", "/api/topics/{id}", "/api/topics/printer", None, [Refused, Through, Through, Through, Through, Through, Through, Through]),
        (
            "PUT",
            "/api/topics/{id}",
            "/api/topics/printer",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "DELETE",
            "/api/topics/{id}",
            "/api/topics/spare",
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/sla/calendars",
            "/api/sla/calendars",
            None,
            [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through],
        ),
        (
            "POST",
            "/api/sla/calendars",
            "/api/sla/calendars",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/sla/calendars/{id}",
            "/api/sla/calendars/always",
            None,
            [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through],
        ),
        (
            "PUT",
            "/api/sla/calendars/{id}",
            "/api/sla/calendars/always",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        ("GET", "/api/sla/plans", "/api/sla/plans", None, [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through]),
        (
            "POST",
            "/api/sla/plans",
            "/api/sla/plans",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/sla/plans/{id}",
            "/api/sla/plans/all",
            None,
            [Refused, Forbidden, Forbidden, Through, Through, Through, Through, Through],
        ),
        (
            "PUT",
            "/api/sla/plans/{id}",
            "/api/sla/plans/all",
            Some(empty.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "POST",
            "/api/tickets",
            "/api/tickets",
            Some(empty.clone()),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "GET",
            "/api/tickets",
            "/api/tickets?group=service-desk",
            None,
            [Refused, Forbidden, Forbidden, Through, Forbidden, Through, Forbidden, Through],
        ),
        ("GET", "/api/my/tickets", "/api/my/tickets", None, [Refused, Through, Through, Through, Through, Through, Through, Through]),
        ("GET", "/api/tickets/{id}", "/api/tickets/HD-1001", None, [Refused, Through, Hidden, Through, Hidden, Through, Hidden, Through]),
        (
            "PATCH",
            "/api/tickets/{id}",
            "/api/tickets/HD-1001",
            Some(json!({"version": 1, "priority": "urgent"})),
            [Refused, Forbidden, Hidden, Through, Hidden, Forbidden, Hidden, Through],
        ),
        (
            "POST",
            "/api/tickets/{id}/replies",
            "/api/tickets/HD-1001/replies",
            Some(json!({"body": "hello"})),
            [Refused, Through, Hidden, Through, Hidden, Forbidden, Hidden, Through],
        ),
        (
            "POST",
            "/api/tickets/{id}/notes",
            "/api/tickets/HD-1001/notes",
            Some(json!({"body": "note"})),
            [Refused, Forbidden, Hidden, Through, Hidden, Forbidden, Hidden, Through],
        ),
        // The decision log: staff who may see the ticket's internal side.
        (
            "GET",
            "/api/tickets/{id}/notifications",
            "/api/tickets/HD-1001/notifications",
            None,
            [Refused, Forbidden, Hidden, Through, Hidden, Through, Hidden, Through],
        ),
        // An open ticket page's pulse: whoever may see the ticket (only staff are recorded).
        (
            "POST",
            "/api/tickets/{id}/presence",
            "/api/tickets/HD-1001/presence",
            Some(json!({"activity": "viewing"})),
            [Refused, Through, Hidden, Through, Hidden, Through, Hidden, Through],
        ),
        (
            "POST",
            "/api/uploads",
            "/api/uploads",
            Some(empty.clone()),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        // An upload is its uploader's alone until attached.
        ("GET", "/api/uploads/{id}", upload_path, None, [Refused, Through, Hidden, Hidden, Hidden, Hidden, Hidden, Hidden]),
        // A file: whoever may read the message that carries it.
        ("GET", "/api/attachments/{id}", attachment_path, None, [Refused, Through, Hidden, Through, Hidden, Through, Hidden, Through]),
        // Mail the intake kept aside: admins only.
        (
            "GET",
            "/api/mail/rejected",
            "/api/mail/rejected",
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "POST",
            "/api/mail/rejected/{id}/retry",
            retry_path,
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        // Apps sign in for a token with a password, as browsers do: open to all.
        ("POST", "/api/auth/tokens", "/api/auth/tokens", Some(empty.clone()), [Through; 8]),
        (
            "GET",
            "/api/auth/me/tokens",
            "/api/auth/me/tokens",
            None,
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        // Nobody here has a token of that id: each caller's own list is all they can reach.
        (
            "DELETE",
            "/api/auth/me/tokens/{id}",
            "/api/auth/me/tokens/01J0000000000000000000000Z",
            None,
            [Refused, Hidden, Hidden, Hidden, Hidden, Hidden, Hidden, Hidden],
        ),
        (
            "POST",
            "/api/auth/me/telegram",
            "/api/auth/me/telegram",
            None,
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "POST",
            "/api/auth/me/push-subscriptions",
            "/api/auth/me/push-subscriptions",
            Some(empty.clone()),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "POST",
            "/api/auth/me/devices",
            "/api/auth/me/devices",
            Some(empty.clone()),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "DELETE",
            "/api/auth/me/contacts/{id}",
            "/api/auth/me/contacts/telegram",
            None,
            [Refused, Hidden, Hidden, Hidden, Hidden, Hidden, Hidden, Hidden],
        ),
        // A group's Telegram chat: admins and the group's own agents.
        (
            "GET",
            "/api/groups/{id}/telegram",
            "/api/groups/service-desk/telegram",
            None,
            [Refused, Forbidden, Forbidden, Through, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "POST",
            "/api/groups/{id}/telegram",
            "/api/groups/service-desk/telegram",
            None,
            [Refused, Forbidden, Forbidden, Through, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "DELETE",
            "/api/groups/{id}/telegram",
            "/api/groups/service-desk/telegram",
            None,
            [Refused, Forbidden, Forbidden, Through, Forbidden, Forbidden, Forbidden, Through],
        ),
        ("GET", "/api/kb/articles", "/api/kb/articles", None, [Refused, Through, Through, Through, Through, Through, Through, Through]),
        (
            "POST",
            "/api/kb/articles",
            "/api/kb/articles",
            Some(article.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        // Requesters never see an internal article: it is hidden like a missing one.
        ("GET", "/api/kb/articles/{id}", internal_path, None, [Refused, Hidden, Hidden, Through, Through, Through, Through, Through]),
        (
            "PUT",
            "/api/kb/articles/{id}",
            internal_path,
            Some(article.clone()),
            [Refused, Hidden, Hidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/kb/articles/{id}/revisions",
            revisions_path,
            None,
            [Refused, Hidden, Hidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "POST",
            "/api/kb/articles/{id}/restore",
            restore_path,
            Some(json!({"revision": 1, "version": 1})),
            [Refused, Hidden, Hidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        // An internal article's screenshot: staff only, hidden from requesters like the article.
        (
            "GET",
            "/api/kb/articles/{id}/images/{item}",
            image_path,
            None,
            [Refused, Hidden, Hidden, Through, Through, Through, Through, Through],
        ),
        (
            "POST",
            "/api/kb/articles/{id}/deflections",
            deflect_path,
            Some(json!({})),
            [Refused, Through, Through, Through, Through, Through, Through, Through],
        ),
        (
            "POST",
            "/api/tickets/{id}/article-draft",
            "/api/tickets/HD-1001/article-draft",
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "GET",
            "/api/reply-templates",
            "/api/reply-templates",
            None,
            [Refused, Forbidden, Forbidden, Through, Through, Forbidden, Forbidden, Through],
        ),
        (
            "POST",
            "/api/reply-templates",
            "/api/reply-templates",
            Some(json!({"id": "thanks", "name": {"en": "Thanks"}, "bodies": {"en": "Thank you, {requester}."}})),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        (
            "PUT",
            "/api/reply-templates/{id}",
            "/api/reply-templates/greeting",
            Some(template.clone()),
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        // A version nobody has: the admin gets 409 each pass, and the template stays.
        (
            "DELETE",
            "/api/reply-templates/{id}",
            "/api/reply-templates/greeting?version=99",
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Through],
        ),
        // Reports: admins and managers (a team lead asking for another group's: refused).
        (
            "GET",
            "/api/reports/{id}",
            "/api/reports/agent?from=2026-01-01&to=2026-01-31&group=service-desk",
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Through, Forbidden, Through],
        ),
        (
            "GET",
            "/api/reports/backlog",
            "/api/reports/backlog?from=2026-01-01&to=2026-01-31",
            None,
            [Refused, Forbidden, Forbidden, Forbidden, Forbidden, Through, Through, Through],
        ),
        // Only a satisfaction link's token rates, whoever sends it: this one names nothing.
        ("POST", "/api/ratings", "/api/ratings", Some(json!({"token": "01jc5z8q3k4m6n7p8r9s0t1v2w", "rating": "good"})), [Forbidden; 8]),
        // Only Telegram, with the webhook's secret header, gets past it: nobody here has it.
        ("POST", "/api/telegram/webhook", "/api/telegram/webhook", Some(json!({"update_id": 1})), [Forbidden; 8]),
        // Logging out ends each person's session: it runs last.
        ("POST", "/api/auth/logout", "/api/auth/logout", None, [Refused, Through, Through, Through, Through, Through, Through, Through]),
    ];

    let covered: BTreeSet<(&str, &str)> = matrix.iter().map(|(m, route, ..)| (*m, *route)).collect();
    let served: BTreeSet<(&str, &str)> = ROUTES.iter().map(|r| (r.method, r.path)).collect();
    assert_eq!(covered, served, "the matrix covers every route, once");

    // The same people as native apps: a bearer token each, no cookie, no CSRF token. They get what
    // their sessions got, except where a browser session is required (managing tokens).
    let mut bearers: Vec<Option<String>> = vec![None];
    for p in &people {
        let (stored, token) = tickets_api::tokens::mint(&p.id, "denial matrix");
        helpdesk_aws::ApiTokens::put_api_token(&t.seed, &stored).await.unwrap();
        bearers.push(Some(format!("Bearer {token}")));
    }

    let mut failures = Vec::new();
    for (credential, via_bearer) in [("session", false), ("bearer token", true)] {
        for (method, route, path, body, expected) in &matrix {
            let session_only = ROUTES.iter().any(|r| r.method == *method && r.path == *route && r.route.needs_session());
            for (who, (session, expect)) in sessions.iter().zip(expected).enumerate() {
                let mut body = body.clone();
                // A change names the version it read: the current one, so that who may make it
                // is what is judged.
                if let Some(change) = body.as_mut().filter(|b| b.get("version").is_some() && *method == "PATCH") {
                    let current = t.call("GET", "/api/tickets/HD-1001", ADMIN, None).await.body["ticket"].clone();
                    change["version"] = current["version"].clone();
                    // A priority other than the current one: never a no-op.
                    change["priority"] = json!(if current["priority"] == "urgent" { "low" } else { "urgent" });
                }
                let bytes = body.as_ref().map(|b| b.to_string().into_bytes()).unwrap_or_default();
                let headers: Vec<(&str, &str)> = match (session, &bearers[who]) {
                    (Some(_), Some(bearer)) if via_bearer => vec![("authorization", bearer.as_str())],
                    (Some((cookie, csrf)), _) => vec![("cookie", cookie.as_str()), (CSRF_HEADER, csrf.as_str())],
                    _ => vec![],
                };
                let expect = if via_bearer && session_only && session.is_some() { &Forbidden } else { expect };
                let answer = t.call_with(method, path, None, bytes, "application/json", &headers).await;
                if answer.status >= 500 {
                    failures.push(format!("{method} {path} as {} ({credential}): {} {}", actors[who], answer.status, answer.body));
                    continue;
                }
                let got = match answer.status {
                    401 => Refused,
                    403 => Forbidden,
                    404 => Hidden,
                    _ => Through,
                };
                if got != *expect {
                    failures.push(format!(
                        "{method} {path} as {} ({credential}): expected {expect:?}, got {} {}",
                        actors[who], answer.status, answer.body
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong answers:\n{}", failures.len(), failures.join("\n"));
    t.finish().await;
}
