//! The local runner as a person uses it: the real binary on a free port, over HTTP, against the
//! local AWS stack, on a fresh table.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Runner {
    child: Child,
    base: String,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn start(table: &str) -> Runner {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_helpdesk-local"))
        .arg("serve")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .envs(helpdesk_tests::local_aws_env())
        .env("HELPDESK_PORT", port.to_string())
        .env("TABLE_NAME", table)
        .env("HELPDESK_LOCAL_MODE", "true")
        .stdout(Stdio::null())
        .spawn()
        .expect("start helpdesk-local");
    let runner = Runner { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(format!("{}/api/health", runner.base)).await.is_ok_and(|r| r.status() == 200) {
            return runner;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the runner did not answer within 30 s (is the local stack up? scripts/local-stack start)");
}

/// A signed-in demo account: the session cookie and the CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

/// Signs in as a demo account (they all have the password `helpdesk-demo`).
async fn sign_in(base: &str, user: &str) -> Session {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": user, "password": "helpdesk-demo"}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 200, "signing in as {user}");
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()?.split(';').next()).map(str::to_string).collect();
    let value = |name: &str| cookies.iter().find_map(|c| c.strip_prefix(&format!("{name}="))).map(str::to_string).expect("a cookie");
    Session { cookie: format!("hd_session={}", value("hd_session")), csrf: value("hd_csrf") }
}

async fn call(base: &str, session: &Session, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
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
    assert_eq!(topics["items"].as_array().unwrap().len(), 5, "five demo topics");
    let (_, queue) = call(&base, &admin, "GET", "/api/tickets", None).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 6, "six demo tickets");

    // create, list, reply: what the README shows with curl
    let ticket = json!({"topic": "printer", "subject": "Toner empty", "description": "Prints blank pages.",
        "fields": {"location": "2nd floor", "problem": "toner"}});
    let (status, created) = call(&base, &anna, "POST", "/api/tickets", Some(ticket)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["ticket"]["number"], "HD-1007");
    let (_, mine) = call(&base, &anna, "GET", "/api/my/tickets?limit=1", None).await;
    assert_eq!(mine["items"][0]["number"], "HD-1007", "newest first");
    let (status, replied) = call(&base, &ivan, "POST", "/api/tickets/HD-1007/replies", Some(json!({"body": "Replaced."}))).await;
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
    let (status, replied) = call(&base, &anna, "POST", "/api/tickets/HD-1007/replies", Some(reply)).await;
    assert_eq!(status, 200, "{replied}");
    let (status, link) = call(&base, &ivan, "GET", &format!("/api/attachments/{}", grant["upload"]["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(reqwest::get(link["url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap().as_ref(), png);

    // a body over the limit is refused by the runner as by API Gateway's handler
    let big = json!({"body": "x".repeat(70 * 1024)});
    let (status, refused) = call(&base, &ivan, "POST", "/api/tickets/HD-1007/replies", Some(big)).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("payload_too_large")));

    // the frontend, with unknown paths falling back to index.html for client-side routing
    let page = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Helpdesk</title>"));
    let deep = reqwest::get(format!("{base}/tickets/HD-1007")).await.unwrap();
    assert!(deep.text().await.unwrap().contains("<title>Helpdesk</title>"));

    // the security headers of the template's CloudFront policy, on the page and on the API
    let template = helpdesk_aws::template::read_template().unwrap();
    for url in [format!("{base}/"), format!("{base}/api/health")] {
        let answer = reqwest::get(&url).await.unwrap();
        for (name, value) in helpdesk_aws::template::response_headers(&template, false, "http://127.0.0.1:5000").unwrap() {
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
    let (_, queue) = call(&again.base, &admin, "GET", "/api/tickets", None).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 7);
    let (_, topics) = call(&again.base, &anna, "GET", "/api/topics", None).await;
    assert_eq!(topics["items"].as_array().unwrap().len(), 5);
    drop(again);
}
