//! The deployment rules of infra/template.yaml, held for every resource so that each new function,
//! queue or bucket follows them without anyone remembering: names derive from the stack (two
//! stages in one account never collide), failures land in a queue and alarm, logs exist before the
//! first invocation, data is protected.

use serde_yaml::{Mapping, Value};

fn template() -> Mapping {
    let text = helpdesk_aws::template::read_template().unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    doc.get("Resources").and_then(Value::as_mapping).cloned().unwrap()
}

fn of_type<'a>(resources: &'a Mapping, kind: &str) -> Vec<(&'a str, &'a Value)> {
    resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
        .map(|(id, r)| (id.as_str().unwrap_or_default(), r))
        .collect()
}

fn tag(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(t) => Some((t.tag.to_string(), &t.value)),
        _ => None,
    }
}

/// `!Ref X` → X.
fn ref_of(value: &Value) -> Option<&str> {
    tag(value).filter(|(t, _)| t == "!Ref").and_then(|(_, v)| v.as_str())
}

/// `!GetAtt X.Attr` → X.Attr.
fn get_att(value: &Value) -> Option<&str> {
    tag(value).filter(|(t, _)| t == "!GetAtt").and_then(|(_, v)| v.as_str())
}

fn props(resource: &Value) -> &Value {
    resource.get("Properties").unwrap_or(&Value::Null)
}

const NAME_PROPERTIES: [&str; 8] =
    ["Name", "QueueName", "TopicName", "AlarmName", "LogGroupName", "TableName", "BucketName", "FunctionName"];

#[test]
fn every_name_a_resource_sets_derives_from_the_stack_name() {
    let resources = template();
    let mut bad = Vec::new();
    for (id, resource) in &resources {
        let p = props(resource);
        for key in NAME_PROPERTIES {
            // The SES identity is the sender's address itself (ManageSenderIdentity handles sharing).
            if let Some(name) = p.get(key).filter(|_| resource.get("Type").and_then(Value::as_str) != Some("AWS::SES::EmailIdentity")) {
                let derived = tag(name).is_some_and(|(t, v)| t == "!Sub" && v.as_str().is_some_and(|s| s.contains("${AWS::StackName}")));
                if !derived {
                    bad.push(format!("{}.{key} = {name:?}", id.as_str().unwrap_or_default()));
                }
            }
        }
    }
    // The schedule sits inside the function's events.
    for (id, function) in of_type(&resources, "AWS::Serverless::Function") {
        for (event, spec) in props(function).get("Events").and_then(Value::as_mapping).cloned().unwrap_or_default() {
            if spec.get("Type").and_then(Value::as_str) == Some("ScheduleV2") {
                let name = spec.get("Properties").and_then(|p| p.get("Name"));
                let derived =
                    name.and_then(tag).is_some_and(|(t, v)| t == "!Sub" && v.as_str().is_some_and(|s| s.contains("${AWS::StackName}")));
                if !derived {
                    bad.push(format!("{id}.Events.{} has no stack-derived Name", event.as_str().unwrap_or_default()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "names that would collide between two stacks in one account:\n{}", bad.join("\n"));
}

#[test]
fn sessions_are_bound_to_the_stack() {
    let resources = template();
    let api = resources.get("TicketsApiFunction").unwrap();
    let audience = props(api).get("Environment").and_then(|e| e.get("Variables")).and_then(|v| v.get("SESSION_AUDIENCE"));
    assert_eq!(audience.and_then(ref_of), Some("AWS::StackName"));
}

#[test]
fn every_function_logs_json_to_a_log_group_of_its_own_with_a_retention() {
    let resources = template();
    let mut groups = Vec::new();
    for (id, function) in of_type(&resources, "AWS::Serverless::Function") {
        let logging = props(function).get("LoggingConfig").unwrap_or_else(|| panic!("{id}: no LoggingConfig"));
        assert_eq!(logging.get("LogFormat").and_then(Value::as_str), Some("JSON"), "{id}");
        let group = logging.get("LogGroup").and_then(ref_of).unwrap_or_else(|| panic!("{id}: LogGroup is no !Ref"));
        let group_resource = resources.get(group).unwrap_or_else(|| panic!("{id}: no resource {group}"));
        assert_eq!(group_resource.get("Type").and_then(Value::as_str), Some("AWS::Logs::LogGroup"));
        assert!(props(group_resource).get("RetentionInDays").is_some(), "{group} keeps logs forever");
        assert!(!groups.contains(&group), "{id} shares {group}");
        groups.push(group);
    }
}

/// Event sources through which Lambda is invoked asynchronously (retries and destinations apply).
const ASYNC_EVENTS: [&str; 6] = ["ScheduleV2", "Schedule", "EventBridgeRule", "CloudWatchEvent", "S3", "SNS"];

#[test]
fn every_asynchronous_invocation_retries_then_lands_in_an_alarmed_queue() {
    let resources = template();
    for (id, function) in of_type(&resources, "AWS::Serverless::Function") {
        let events = props(function).get("Events").and_then(Value::as_mapping).cloned().unwrap_or_default();
        let kinds: Vec<String> = events.values().filter_map(|e| e.get("Type").and_then(Value::as_str).map(str::to_string)).collect();
        if !kinds.iter().any(|k| ASYNC_EVENTS.contains(&k.as_str())) {
            continue;
        }
        let invoke = props(function).get("EventInvokeConfig").unwrap_or_else(|| panic!("{id}: no EventInvokeConfig"));
        assert!(invoke.get("MaximumRetryAttempts").is_some(), "{id}: retry policy");
        let on_failure =
            invoke.get("DestinationConfig").and_then(|d| d.get("OnFailure")).unwrap_or_else(|| panic!("{id}: no on-failure destination"));
        assert_eq!(on_failure.get("Type").and_then(Value::as_str), Some("SQS"), "{id}");
        let queue = on_failure
            .get("Destination")
            .and_then(get_att)
            .and_then(|a| a.strip_suffix(".Arn"))
            .unwrap_or_else(|| panic!("{id}: destination"));
        assert!(resources.contains_key(queue), "{id}: {queue}");
        for (event, spec) in &events {
            if spec.get("Type").and_then(Value::as_str) == Some("ScheduleV2") {
                let p = spec.get("Properties").unwrap_or(&Value::Null);
                assert!(p.get("RetryPolicy").is_some(), "{id}.{event:?}: retry policy");
                assert!(
                    p.get("DeadLetterConfig").and_then(|d| d.get("Arn")).and_then(get_att).is_some(),
                    "{id}.{event:?}: dead-letter queue"
                );
            }
        }
    }
}

/// Alarms on `metric` whose dimension `dimension` points at `target` (by `!Ref` or `!GetAtt`).
fn alarms_on<'a>(resources: &'a Mapping, metric: &str, target: &str) -> Vec<&'a Value> {
    of_type(resources, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| props(a).get("MetricName").and_then(Value::as_str) == Some(metric))
        .filter(|a| {
            props(a).get("Dimensions").and_then(Value::as_sequence).is_some_and(|dims| {
                dims.iter().any(|d| {
                    let value = d.get("Value").unwrap_or(&Value::Null);
                    ref_of(value) == Some(target) || get_att(value).is_some_and(|g| g.split('.').next() == Some(target))
                })
            })
        })
        .collect()
}

#[test]
fn failures_alarm_and_every_alarm_reaches_the_alarm_topic() {
    let resources = template();
    let mut missing = Vec::new();
    for (id, _) in of_type(&resources, "AWS::Serverless::Function") {
        for metric in ["Errors", "Throttles"] {
            if alarms_on(&resources, metric, id).is_empty() {
                missing.push(format!("{id}: no {metric} alarm"));
            }
        }
    }
    for (id, _) in of_type(&resources, "AWS::SQS::Queue") {
        if alarms_on(&resources, "ApproximateNumberOfMessagesVisible", id).is_empty() {
            missing.push(format!("{id}: nothing alarms on its depth"));
        }
    }
    for (id, _) in of_type(&resources, "AWS::Serverless::HttpApi") {
        if alarms_on(&resources, "5xx", id).is_empty() {
            missing.push(format!("{id}: no 5xx alarm"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    for (id, alarm) in of_type(&resources, "AWS::CloudWatch::Alarm") {
        let actions = props(alarm).get("AlarmActions").and_then(Value::as_sequence).cloned().unwrap_or_default();
        assert!(actions.iter().any(|a| ref_of(a) == Some("AlarmTopic")), "{id} tells nobody");
    }
}

#[test]
fn data_is_protected_and_buckets_refuse_plain_http() {
    let resources = template();
    let table = resources.get("HelpdeskTable").unwrap();
    assert_eq!(props(table).get("DeletionProtectionEnabled").and_then(Value::as_bool), Some(true));
    assert_eq!(table.get("DeletionPolicy").and_then(Value::as_str), Some("Retain"));
    let policies = of_type(&resources, "AWS::S3::BucketPolicy");
    for (id, bucket) in of_type(&resources, "AWS::S3::Bucket") {
        assert_eq!(
            props(bucket).get("VersioningConfiguration").and_then(|v| v.get("Status")).and_then(Value::as_str),
            Some("Enabled"),
            "{id}: versioning"
        );
        let rules = props(bucket)
            .get("LifecycleConfiguration")
            .and_then(|l| l.get("Rules"))
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        assert!(rules.iter().any(|r| r.get("NoncurrentVersionExpiration").is_some()), "{id}: old versions never expire");
        assert!(rules.iter().any(|r| r.get("AbortIncompleteMultipartUpload").is_some()), "{id}: incomplete uploads never end");
        let policy = policies
            .iter()
            .find(|(_, p)| props(p).get("Bucket").and_then(ref_of) == Some(id))
            .unwrap_or_else(|| panic!("{id}: no bucket policy"));
        assert!(policy.1.get("Condition").is_none(), "{id}: the TLS-only policy must always exist");
        if id == "AttachmentsBucket" {
            // Uploads nobody attached keep their staged tag; this rule removes them.
            let staged = rules.iter().any(|r| {
                r.get("Prefix").and_then(Value::as_str) == Some("uploads/")
                    && r.get("TagFilters").and_then(Value::as_sequence).is_some_and(|tags| {
                        tags.iter().any(|t| {
                            t.get("Key").and_then(Value::as_str) == Some("staged") && t.get("Value").and_then(Value::as_str) == Some("true")
                        })
                    })
                    && r.get("ExpirationInDays").is_some()
            });
            assert!(staged, "{id}: unattached uploads never expire");
        }
        let statements =
            props(policy.1).get("PolicyDocument").and_then(|d| d.get("Statement")).and_then(Value::as_sequence).cloned().unwrap();
        let tls_only = statements.iter().any(|s| {
            s.get("Effect").and_then(Value::as_str) == Some("Deny")
                && s.get("Condition").and_then(|c| c.get("Bool")).and_then(|b| b.get("aws:SecureTransport")).and_then(Value::as_str)
                    == Some("false")
        });
        assert!(tls_only, "{id}: plain-http requests are not refused");
    }
}
