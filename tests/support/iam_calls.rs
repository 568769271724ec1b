//! Records every AWS operation a function's code performs in the tests, as IAM sees it: the
//! action and the resource ARN, per function. DynamoDB Local and moto enforce no IAM, so the
//! `iam` test holds these records against each function's policy in the template instead.
//!
//! The harness gives a function's code clients built by [`dynamodb`], [`eventbridge`] and
//! [`secrets_manager`] (tagged with the function's crate folder name); seeding goes through
//! untagged clients, so test set-up never counts as the function's own need. Names of test
//! resources are written in terms of the environment variable that hands them to the function
//! (`table/${TABLE_NAME}`), so the check can resolve them from the template. Records go to
//! `$HELPDESK_IAM_CALLS/<process>.jsonl` when that variable is set (scripts/test sets it).

use aws_sdk_dynamodb::config::interceptors::{BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::sync::{LazyLock, Mutex};

/// Where the records go; unset, nothing is recorded.
pub const CALLS_DIR_VARIABLE: &str = "HELPDESK_IAM_CALLS";

/// The function crates whose code the tests run (their folder names under `functions/`).
pub const TICKETS_API: &str = "tickets-api";
pub const SLA_SCAN: &str = "sla-scan";
pub const ATTACHMENTS: &str = "attachments";
pub const RELAY: &str = "relay";
pub const NOTIFY: &str = "notify";
pub const MAIL_INTAKE: &str = "mail-intake";
pub const SEARCH: &str = "search";
pub const INDEXER: &str = "indexer";
pub const REPORTS: &str = "reports";

/// One operation as IAM authorises it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Call {
    /// The function's crate folder name, e.g. `sla-scan`.
    pub function: String,
    /// `dynamodb:UpdateItem`.
    pub action: String,
    /// The ARN, with `${AWS::Region}`-style pseudo parameters and `${ENV_VAR}` for test names.
    pub resource: String,
}

/// Test resource names → the function environment variable that names them.
static BINDINGS: LazyLock<Mutex<BTreeMap<String, String>>> = LazyLock::new(Default::default);
static SEEN: LazyLock<Mutex<HashSet<Call>>> = LazyLock::new(Default::default);

/// Says that `name` (a test table, bus or secret) reaches the function through `variable`.
pub fn bind(name: &str, variable: &str) {
    if let Ok(mut bindings) = BINDINGS.lock() {
        bindings.insert(name.to_string(), variable.to_string());
    }
}

/// `name` as the template would know it: `${VARIABLE}` when bound, else as it is (so the check
/// reports it: an unbound name is a resource the template never gives the function).
fn symbolic(name: &str) -> String {
    let bound = BINDINGS.lock().ok().and_then(|b| b.get(name).cloned());
    bound.map(|variable| format!("${{{variable}}}")).unwrap_or_else(|| name.to_string())
}

const ARN_PREFIX: &str = "arn:${AWS::Partition}";
/// Marks a recorded Secrets Manager id (name or ARN) that the check turns into the secret's ARN.
pub const SECRET_ID_PREFIX: &str = "secret-id:";
/// Marks a recorded SQS queue URL that the check turns into the queue's ARN.
pub const QUEUE_URL_PREFIX: &str = "queue-url:";
const REGION_ACCOUNT: &str = "${AWS::Region}:${AWS::AccountId}";

/// The interceptor: one per client, tagged with its function.
#[derive(Debug, Clone)]
pub struct Recorder {
    function: &'static str,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "IamCallRecorder"
    }

    // S3 from its input, before serialization: presigned requests (which IAM authorises as the
    // signer's own) stop before they are sent, and the bucket is not in the serialized path.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>() else { return Ok(()) };
        let calls = match metadata.service() {
            "S3" => s3(metadata.name(), context.input()),
            // SNS speaks the query protocol: its body is a form, so the resources come from the input.
            "SNS" => sns(metadata.name(), context.input()),
            _ => Vec::new(),
        };
        for (action, resource) in calls {
            record(Call { function: self.function.to_string(), action, resource });
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>().filter(|m| m.service() != "S3" && m.service() != "SNS") else { return Ok(()) };
        let body: Value = context.request().body().bytes().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or(Value::Null);
        for (action, resource) in authorised_as(metadata.service(), metadata.name(), &body) {
            record(Call { function: self.function.to_string(), action, resource });
        }
        Ok(())
    }
}

/// What tests tag their own set-up with: never recorded.
pub const SET_UP: &str = "test set-up";

fn record(call: Call) {
    let Ok(dir) = std::env::var(CALLS_DIR_VARIABLE) else { return };
    if call.function == SET_UP {
        return;
    }
    let fresh = SEEN.lock().map(|mut seen| seen.insert(call.clone())).unwrap_or(false);
    if !fresh {
        return;
    }
    let _ = std::fs::create_dir_all(&dir);
    let path = std::path::Path::new(&dir).join(format!("{}.jsonl", std::process::id()));
    let Ok(line) = serde_json::to_string(&call) else { return };
    // One write of the whole line under a lock: `writeln!` on a File writes the text and the
    // newline separately, and two test threads interleaved them (CI read `{…}{…}` on one line).
    let Ok(_writing) = WRITING.lock() else { return };
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

static WRITING: Mutex<()> = Mutex::new(());

/// What IAM checks for one SDK operation: `(action, resource)` pairs. An operation this does not
/// know yet is recorded as unmapped, and the check fails until it is taught here.
pub fn authorised_as(service: &str, operation: &str, body: &Value) -> Vec<(String, String)> {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    match service {
        "DynamoDB" => dynamodb(operation, body),
        // The id may be a name or an ARN, as the function's environment gives it: the check
        // turns it into the ARN IAM sees (iam_policy::Stack::concrete).
        "Secrets Manager" => vec![(format!("secretsmanager:{operation}"), format!("{SECRET_ID_PREFIX}{}", symbolic(&text("SecretId"))))],
        "EventBridge" => {
            let entries = body.get("Entries").and_then(Value::as_array).cloned().unwrap_or_default();
            let buses: std::collections::BTreeSet<String> =
                entries.iter().map(|e| e.get("EventBusName").and_then(Value::as_str).unwrap_or("default").to_string()).collect();
            buses.into_iter().map(|bus| (format!("events:{operation}"), event_bus_arn(&bus))).collect()
        }
        // SES v2's SendEmail, raw content or not, is authorised as ses:SendEmail on the sender's identity.
        "SESv2" if operation == "SendEmail" => {
            vec![("ses:SendEmail".into(), format!("{ARN_PREFIX}:ses:{REGION_ACCOUNT}:identity/{}", symbolic(&text("FromEmailAddress"))))]
        }
        "SQS" => vec![(format!("sqs:{operation}"), format!("{QUEUE_URL_PREFIX}{}", symbolic(&text("QueueUrl"))))],
        _ => vec![(format!("{service}:{operation}"), "unmapped: teach tests/support/iam_calls.rs how IAM authorises it".into())],
    }
}

/// The local stack's ARN prefix for SNS, and the template's.
const LOCAL_SNS_PREFIX: &str = "arn:aws:sns:us-east-1:123456789012:";

/// SNS actions from the operation's input: a platform application (bound to its variable), an
/// endpoint (`endpoint/…` under the template's region and account), or "*" for an SMS.
fn sns(operation: &str, input: &aws_smithy_runtime_api::client::interceptors::context::Input) -> Vec<(String, String)> {
    use aws_sdk_sns::operation::{
        create_platform_endpoint::CreatePlatformEndpointInput, delete_endpoint::DeleteEndpointInput, publish::PublishInput,
        set_endpoint_attributes::SetEndpointAttributesInput,
    };
    let endpoint = |arn: Option<&str>| match arn.unwrap_or_default().strip_prefix(LOCAL_SNS_PREFIX) {
        Some(rest) => format!("{ARN_PREFIX}:sns:{REGION_ACCOUNT}:{rest}"),
        None => symbolic(arn.unwrap_or_default()),
    };
    let action = format!("sns:{operation}");
    let resource = if let Some(publish) = input.downcast_ref::<PublishInput>() {
        // A phone number (SMS) has no resource ARN: IAM sees "*". The notify function never
        // publishes to a topic.
        match publish.target_arn() {
            Some(arn) => endpoint(Some(arn)),
            None => "*".into(),
        }
    } else if let Some(create) = input.downcast_ref::<CreatePlatformEndpointInput>() {
        symbolic(create.platform_application_arn().unwrap_or_default())
    } else if let Some(set) = input.downcast_ref::<SetEndpointAttributesInput>() {
        endpoint(set.endpoint_arn())
    } else if let Some(delete) = input.downcast_ref::<DeleteEndpointInput>() {
        endpoint(delete.endpoint_arn())
    } else {
        "unmapped: teach tests/support/iam_calls.rs how IAM authorises it".into()
    };
    vec![(action, resource)]
}

/// S3 actions on `arn:aws:s3:::bucket/key`, read from the operation's input.
fn s3(operation: &str, input: &aws_smithy_runtime_api::client::interceptors::context::Input) -> Vec<(String, String)> {
    use aws_sdk_s3::operation::{
        copy_object::CopyObjectInput, delete_object::DeleteObjectInput, delete_object_tagging::DeleteObjectTaggingInput,
        get_object::GetObjectInput, head_object::HeadObjectInput, put_object::PutObjectInput,
    };
    // Naming a version needs the action's "Version" form.
    let versioned =
        |name: &str, version: Option<&str>| if version.is_some() { name.replace("Object", "ObjectVersion") } else { name.to_string() };
    let object = |bucket: Option<&str>, key: Option<&str>| {
        format!("{ARN_PREFIX}:s3:::{}/{}", symbolic(bucket.unwrap_or_default()), key.unwrap_or_default())
    };
    let action = |name: &str, resource: &str| (format!("s3:{name}"), resource.to_string());
    if let Some(put) = input.downcast_ref::<PutObjectInput>() {
        let resource = object(put.bucket(), put.key());
        let mut out = vec![action("PutObject", &resource)];
        // Tags sent with the object need their own grant.
        if put.tagging().is_some() {
            out.push(action("PutObjectTagging", &resource));
        }
        return out;
    }
    // A copy reads its source (`bucket/key`, URL-encoded) and writes its destination.
    if let Some(copy) = input.downcast_ref::<CopyObjectInput>() {
        let source = copy.copy_source().unwrap_or_default();
        let source = percent_encoding::percent_decode_str(source.split("?versionId=").next().unwrap_or_default()).decode_utf8_lossy();
        let (bucket, key) = source.trim_start_matches('/').split_once('/').unwrap_or_default();
        return vec![action("GetObject", &object(Some(bucket), Some(key))), action("PutObject", &object(copy.bucket(), copy.key()))];
    }
    if let Some(get) = input.downcast_ref::<GetObjectInput>() {
        return vec![action(&versioned("GetObject", get.version_id()), &object(get.bucket(), get.key()))];
    }
    if let Some(head) = input.downcast_ref::<HeadObjectInput>() {
        return vec![action(&versioned("GetObject", head.version_id()), &object(head.bucket(), head.key()))];
    }
    if let Some(delete) = input.downcast_ref::<DeleteObjectInput>() {
        return vec![action(&versioned("DeleteObject", delete.version_id()), &object(delete.bucket(), delete.key()))];
    }
    if let Some(list) = input.downcast_ref::<aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Input>() {
        return vec![action("ListBucket", &format!("{ARN_PREFIX}:s3:::{}", symbolic(list.bucket().unwrap_or_default())))];
    }
    if let Some(untag) = input.downcast_ref::<DeleteObjectTaggingInput>() {
        return vec![action(&versioned("DeleteObjectTagging", untag.version_id()), &object(untag.bucket(), untag.key()))];
    }
    vec![(format!("s3:{operation}"), "unmapped: teach tests/support/iam_calls.rs how IAM authorises it".into())]
}

fn table_arn(table: &str) -> String {
    if table.starts_with("arn:") { table.to_string() } else { format!("{ARN_PREFIX}:dynamodb:{REGION_ACCOUNT}:table/{}", symbolic(table)) }
}

fn event_bus_arn(bus: &str) -> String {
    if bus.starts_with("arn:") { bus.to_string() } else { format!("{ARN_PREFIX}:events:{REGION_ACCOUNT}:event-bus/{}", symbolic(bus)) }
}

fn dynamodb(operation: &str, body: &Value) -> Vec<(String, String)> {
    let table = body.get("TableName").and_then(Value::as_str).unwrap_or_default();
    match operation {
        // A transaction is authorised item by item, as the single-item action on its table.
        "TransactWriteItems" | "TransactGetItems" => {
            let items = body.get("TransactItems").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut out: Vec<(String, String)> = items
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|item| item.iter())
                .map(|(kind, part)| {
                    let action = match kind.as_str() {
                        "Put" => "PutItem",
                        "Update" => "UpdateItem",
                        "Delete" => "DeleteItem",
                        "ConditionCheck" => "ConditionCheckItem",
                        "Get" => "GetItem",
                        other => other,
                    };
                    (format!("dynamodb:{action}"), table_arn(part.get("TableName").and_then(Value::as_str).unwrap_or_default()))
                })
                .collect();
            out.sort();
            out.dedup();
            out
        }
        "BatchWriteItem" | "BatchGetItem" => {
            let tables =
                body.get("RequestItems").and_then(Value::as_object).map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            tables.iter().map(|t| (format!("dynamodb:{operation}"), table_arn(t))).collect()
        }
        "Query" | "Scan" => {
            let resource = match body.get("IndexName").and_then(Value::as_str) {
                Some(index) => format!("{}/index/{index}", table_arn(table)),
                None => table_arn(table),
            };
            vec![(format!("dynamodb:{operation}"), resource)]
        }
        _ => vec![(format!("dynamodb:{operation}"), table_arn(table))],
    }
}

/// A DynamoDB client whose calls count as `function`'s.
pub fn dynamodb_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(Recorder { function }).build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// An EventBridge client whose calls count as `function`'s.
pub fn eventbridge_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_eventbridge::Client {
    let config = aws_sdk_eventbridge::config::Builder::from(sdk).interceptor(Recorder { function }).build();
    aws_sdk_eventbridge::Client::from_conf(config)
}

/// An SES v2 client whose calls count as `function`'s.
pub fn sesv2_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(sdk).interceptor(Recorder { function }).build())
}

/// An SNS client whose calls count as `function`'s.
pub fn sns_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::from_conf(aws_sdk_sns::config::Builder::from(sdk).interceptor(Recorder { function }).build())
}

/// An SQS client whose calls count as `function`'s.
pub fn sqs_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(sdk).interceptor(Recorder { function }).build())
}

/// A Secrets Manager client whose calls count as `function`'s.
pub fn secrets_manager_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::config::Builder::from(sdk).interceptor(Recorder { function }).build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// An S3 client (checksums "when required", path-style for the local stack) whose calls count as
/// `function`'s.
pub fn s3_client(sdk: &aws_config::SdkConfig, function: &'static str) -> aws_sdk_s3::Client {
    let config = helpdesk_aws::objects::s3_config(sdk, true).interceptor(Recorder { function }).build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Every call recorded under `dir` (all test processes of one run).
pub fn read_calls(dir: &std::path::Path) -> Result<Vec<Call>, String> {
    let mut calls = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            calls.push(serde_json::from_str(line).map_err(|e| format!("{}: {e}: {line}", entry.path().display()))?);
        }
    }
    calls.sort();
    calls.dedup();
    Ok(calls)
}
