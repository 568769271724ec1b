//! The local runner as a person uses it: the real binary on a free port, over HTTP, against the
//! local AWS stack (for the runner's tests and benchmarks).

use serde_json::{Value, json};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A runner process; killed (SIGKILL) when dropped.
pub struct Runner {
    child: Child,
    pub base: String,
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

/// Starts `binary` (`env!("CARGO_BIN_EXE_helpdesk-local")`) serving `table` on a free port, with
/// extra environment `settings`, and waits until it answers.
pub async fn start(binary: &str, table: &str, settings: &[(&str, &str)]) -> Runner {
    let port = free_port();
    // Its log beside the build, for when a test fails.
    let logs = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/runner-logs"));
    std::fs::create_dir_all(logs).expect("log directory");
    let log_path = logs.join(format!("{table}-{port}.log"));
    let log = std::fs::File::create(&log_path).expect("runner log");
    let mut child = Command::new(binary)
        .arg("serve")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .envs(crate::local_aws_env())
        // A free SMTP port of its own (a test may name one in `settings`).
        .env("HELPDESK_SMTP_PORT", free_port().to_string())
        .envs(settings.iter().copied())
        .env("HELPDESK_PORT", port.to_string())
        .env("TABLE_NAME", table)
        // A bus of its own: runners started side by side must not hand each other their events.
        .env("EVENT_BUS_NAME", format!("{table}-bus"))
        .env("HELPDESK_LOCAL_MODE", "true")
        .env("NO_COLOR", "1")
        .stdout(log.try_clone().expect("runner log"))
        .stderr(log)
        .spawn()
        .expect("start helpdesk-local");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            let tail = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("the runner exited ({status}) before answering:\n{}", &tail[tail.len().saturating_sub(3000)..]);
        }
        if reqwest::get(format!("http://127.0.0.1:{port}/api/health")).await.is_ok_and(|r| r.status() == 200) {
            return Runner { child, base: format!("http://127.0.0.1:{port}") };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the runner did not answer within 60 s (is the local stack up? scripts/local-stack start); its log: {}", log_path.display());
}

/// A signed-in demo account: the session cookie and the CSRF token.
pub struct Session {
    cookie: String,
    csrf: String,
}

/// Signs in as a demo account (they all have the password `helpdesk-demo`).
pub async fn sign_in(base: &str, user: &str) -> Session {
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

pub async fn call(base: &str, session: &Session, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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
