//! "What did the local stack deliver?": the mail, SMS and mobile pushes the functions sent, read
//! from the emulator's own inspection endpoints, so one test body runs on moto and on LocalStack.
//! moto keeps everything in `/moto-api/data.json`; LocalStack serves `/_aws/ses`,
//! `/_aws/sns/sms-messages` and `/_aws/sns/platform-endpoint-messages`.
//!
//! What a stack cannot do is skipped by name, never silently: a test that needs it starts with
//! `if skipped_without(Need::…).await { return; }`, which prints the reason and records the skip
//! in `$HELPDESK_SKIPPED_TESTS` for scripts/test to list.

use super::Mail;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use serde_json::Value;
use tokio::sync::OnceCell;

/// The emulator behind `AWS_ENDPOINT_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emulator {
    Moto,
    LocalStack,
}

/// What a test needs of the local stack beyond the calls every emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Sending mail through SES v2 (notify, mail intake's acknowledgement, the weekly report).
    SesV2Sending,
}

/// The local stack the tests run against, found out once per test process.
#[derive(Debug)]
pub struct LocalStack {
    pub emulator: Emulator,
    endpoint: String,
    /// Why SES v2 cannot send here, when it cannot.
    ses_v2_missing: Option<String>,
}

static STACK: OnceCell<LocalStack> = OnceCell::const_new();

/// The stack behind `AWS_ENDPOINT_URL`: LocalStack when its health endpoint answers, else moto.
pub async fn local_stack() -> &'static LocalStack {
    STACK.get_or_init(LocalStack::detect).await
}

/// True when this stack cannot do what the test needs: says why and records the skip by the
/// test's name. The test then returns without asserting anything.
pub async fn skipped_without(need: Need) -> bool {
    let Some(reason) = local_stack().await.lacks(need) else { return false };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("unnamed test");
    eprintln!("SKIPPED {test}: {reason}");
    if let Ok(dir) = std::env::var("HELPDESK_SKIPPED_TESTS") {
        let file = std::path::Path::new(&dir).join(test.replace("::", "-"));
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, format!("{test}: {reason}\n")));
        written.unwrap_or_else(|e| panic!("recording the skip in {}: {e}", file.display()));
    }
    true
}

impl LocalStack {
    async fn detect() -> LocalStack {
        let endpoint = super::local_endpoint("AWS_ENDPOINT_URL");
        let health = reqwest::get(format!("{endpoint}/_localstack/health")).await;
        let emulator = match health {
            Ok(answer) if answer.status().is_success() => Emulator::LocalStack,
            _ => Emulator::Moto,
        };
        // moto serves everything the tests need: nothing is ever skipped on it. LocalStack is
        // asked rather than assumed: its paid image serves SES v2, its free one does not.
        let ses_v2_missing = match emulator {
            Emulator::Moto => None,
            Emulator::LocalStack => {
                let sesv2 = aws_sdk_sesv2::Client::new(&super::local_sdk("AWS_ENDPOINT_URL").await);
                match sesv2.list_email_identities().send().await {
                    Ok(_) => None,
                    Err(e) => Some(format!(
                        "LocalStack here does not send mail through SES v2 (ListEmailIdentities: {}); its free edition has none",
                        e.code().unwrap_or("no answer")
                    )),
                }
            }
        };
        LocalStack { emulator, endpoint, ses_v2_missing }
    }

    /// Why this stack cannot meet `need`, or None when it can.
    pub fn lacks(&self, need: Need) -> Option<&str> {
        match need {
            Need::SesV2Sending => self.ses_v2_missing.as_deref(),
        }
    }

    /// The mail sent to `address` (by any test: filter on what is yours), parsed.
    pub async fn mail_to(&self, address: &str) -> Vec<Mail> {
        let raw = match self.emulator {
            Emulator::Moto => moto::mail_to(&self.endpoint, address).await,
            Emulator::LocalStack => localstack::mail_to(&self.endpoint, address).await,
        };
        raw.iter().map(|raw| Mail::parse(raw)).collect()
    }

    /// The SMS sent to `phone`, each as the emulator recorded it (the text is inside).
    pub async fn sms_to(&self, phone: &str) -> Vec<String> {
        match self.emulator {
            Emulator::Moto => moto::sms_to(&self.endpoint, phone).await,
            Emulator::LocalStack => localstack::sms_to(&self.endpoint, phone).await,
        }
    }

    /// What the push service (FCM or APNs) received for a mobile endpoint: one payload a push,
    /// the part of the message meant for the endpoint's platform.
    pub async fn push_payloads(&self, endpoint_arn: &str) -> Vec<Value> {
        match self.emulator {
            Emulator::Moto => moto::push_payloads(&self.endpoint, endpoint_arn).await,
            Emulator::LocalStack => localstack::push_payloads(&self.endpoint, endpoint_arn).await,
        }
    }
}

/// An inspection endpoint's JSON, asked again when the emulator answers midway through a change
/// (moto builds its dump while a runner's indexer writes).
async fn inspect(url: &str) -> Value {
    let mut last = String::new();
    for _ in 0..10 {
        match reqwest::get(url).await {
            Ok(answer) => match answer.json::<Value>().await {
                Ok(data) => return data,
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the local stack's record at {url}: {last}")
}

/// A string field holding JSON, decoded (LocalStack encodes a push payload twice).
fn decoded(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::String(inner)) => decoded(&inner),
        Ok(value) => value,
        Err(_) => Value::String(text.to_string()),
    }
}

/// The platform an endpoint ARN names (`…:endpoint/GCM/app/id` → `GCM`).
fn platform_of(endpoint_arn: &str) -> &str {
    endpoint_arn.split(":endpoint/").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default()
}

mod moto {
    use super::{Value, decoded, inspect, platform_of};

    async fn data(endpoint: &str) -> Value {
        inspect(&format!("{endpoint}/moto-api/data.json")).await
    }

    fn list(value: &Value) -> Vec<Value> {
        value.as_array().cloned().unwrap_or_default()
    }

    pub async fn mail_to(endpoint: &str, address: &str) -> Vec<String> {
        list(&data(endpoint).await["ses"]["RawMessage"])
            .iter()
            .filter(|m| m["destinations"].as_array().is_some_and(|d| d.iter().any(|a| a.as_str().is_some_and(|a| a.contains(address)))))
            .map(|m| m["raw_data"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub async fn sms_to(endpoint: &str, phone: &str) -> Vec<String> {
        list(&data(endpoint).await["sns"]["SMS"]).iter().map(Value::to_string).filter(|m| m.contains(phone)).collect()
    }

    /// moto keeps each whole message (every platform's part) under its endpoint.
    pub async fn push_payloads(endpoint: &str, endpoint_arn: &str) -> Vec<Value> {
        let platform = platform_of(endpoint_arn);
        let endpoints = list(&data(endpoint).await["sns"]["PlatformEndpoint"]);
        let Some(mine) = endpoints.iter().find(|e| e["arn"] == endpoint_arn) else { return vec![] };
        let messages = mine["messages"].as_object().map(|m| m.values().cloned().collect::<Vec<_>>()).unwrap_or_default();
        messages.iter().filter_map(|m| m.as_str()).map(|m| decoded(decoded(m)[platform].as_str().unwrap_or_default())).collect()
    }
}

mod localstack {
    use super::{Value, decoded, inspect};

    /// LocalStack records a raw message without its recipients: they are in its headers.
    pub async fn mail_to(endpoint: &str, address: &str) -> Vec<String> {
        let data = inspect(&format!("{endpoint}/_aws/ses")).await;
        let messages = data["messages"].as_array().cloned().unwrap_or_default();
        messages
            .iter()
            .filter_map(|m| m["RawData"].as_str())
            .filter(|raw| {
                let message = mail_parser::MessageParser::default().parse(raw.as_bytes());
                let recipients = message.map(|m| {
                    [m.to(), m.cc(), m.bcc()]
                        .into_iter()
                        .flatten()
                        .flat_map(|a| a.iter())
                        .filter_map(|a| a.address())
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                });
                recipients.unwrap_or_default().iter().any(|a| a.contains(address))
            })
            .map(str::to_string)
            .collect()
    }

    pub async fn sms_to(endpoint: &str, phone: &str) -> Vec<String> {
        let data = inspect(&format!("{endpoint}/_aws/sns/sms-messages")).await;
        data["sms_messages"][phone].as_array().cloned().unwrap_or_default().iter().map(Value::to_string).collect()
    }

    /// LocalStack keeps only the part meant for the endpoint's platform.
    pub async fn push_payloads(endpoint: &str, endpoint_arn: &str) -> Vec<Value> {
        let data = inspect(&format!("{endpoint}/_aws/sns/platform-endpoint-messages?endpointArn={endpoint_arn}")).await;
        let messages = data["platform_endpoint_messages"][endpoint_arn].as_array().cloned().unwrap_or_default();
        messages.iter().map(|m| decoded(m["Message"].as_str().unwrap_or_default())).collect()
    }
}
