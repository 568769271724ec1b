//! IAM proven by the suite: every AWS call a function's code made in the integration tests
//! (recorded by `iam_calls`) must be allowed by that function's policy in the template, and every
//! action and resource the policy grants must be used by some call (least privilege both ways).
//! The check runs once per set of parameters that changes what the policy names: the defaults, and
//! every optional parameter set (LDAP password, origin secret, sender address…).
//!
//! `scripts/test` runs the suite with `HELPDESK_IAM_CALLS` set, then this file's ignored test (through nextest).

use helpdesk_tests::iam_calls::{self, CALLS_DIR_VARIABLE, Call};
use helpdesk_tests::iam_policy::{Function, Stack, matches};
use std::collections::BTreeMap;

/// The parameter sets the check runs under: as deployed by default, and every optional parameter
/// given a value (so the optional grants are checked as well).
fn parameter_sets(template: &str) -> Vec<(&'static str, BTreeMap<String, String>)> {
    let optional = Stack::empty_parameters(template).expect("parameters");
    let all_set = optional.into_iter().map(|name| (name.clone(), format!("given-{}", name.to_lowercase()))).collect();
    vec![("defaults", BTreeMap::new()), ("every optional parameter set", all_set)]
}

/// What is wrong with the policies, as lines a reader can act on; empty when all is well.
fn policy_findings(template: &str, calls: &[Call]) -> Vec<String> {
    let mut findings = Vec::new();
    for (label, parameters) in parameter_sets(template) {
        let stack = match Stack::new(template, &parameters) {
            Ok(stack) => stack,
            Err(e) => return vec![e],
        };
        let functions = match stack.functions() {
            Ok(functions) => functions,
            Err(e) => return vec![e],
        };
        for call in calls {
            if !functions.iter().any(|f| f.crate_name == call.function) {
                findings.push(format!("{}: no function in the template has CodeUri functions/{}", call.function, call.function));
            }
        }
        for function in &functions {
            let mine: Vec<&Call> = calls.iter().filter(|c| c.function == function.crate_name).collect();
            if mine.is_empty() {
                findings.push(format!(
                    "{}: no test made a call as functions/{} (build its clients with iam_calls)",
                    function.logical_id, function.crate_name
                ));
                continue;
            }
            let mut used: Vec<(String, String)> = Vec::new();
            for call in mine {
                match stack.concrete(&call.resource, function) {
                    Err(e) => findings.push(format!("{} [{label}]: {e}", function.logical_id)),
                    Ok(None) => {}
                    Ok(Some(resource)) => {
                        if !function.allows(&call.action, &resource) {
                            findings.push(format!("{} [{label}]: DENIED {} on {resource}", function.logical_id, call.action));
                        }
                        used.push((call.action.clone(), resource));
                    }
                }
            }
            findings.extend(unused_grants(function, &used).into_iter().map(|f| format!("{} [{label}]: {f}", function.logical_id)));
        }
    }
    findings.sort();
    findings.dedup();
    findings
}

/// The grants of `function`'s Allow statements that no call used: each action, and each resource.
fn unused_grants(function: &Function, used: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    // A statement whose resources all resolved away (an optional feature off) grants nothing.
    for statement in function.statements.iter().filter(|s| s.allow && !s.resources.is_empty()) {
        for action in &statement.actions {
            let exercised = used.iter().any(|(a, r)| matches(&action.to_lowercase(), &a.to_lowercase()) && statement.covers(a, r));
            if !exercised {
                out.push(format!("grants {action}, which no code path uses"));
            }
        }
        for resource in &statement.resources {
            let exercised = used.iter().any(|(a, r)| matches(resource, r) && statement.covers(a, r));
            if !exercised {
                out.push(format!("grants access to {resource}, which no code path uses"));
            }
        }
    }
    out
}

#[test]
#[ignore = "needs the calls the whole suite recorded: scripts/test runs it after the suite"]
fn every_recorded_call_is_allowed_and_every_grant_is_used() {
    let dir =
        std::env::var(CALLS_DIR_VARIABLE).unwrap_or_else(|_| panic!("set {CALLS_DIR_VARIABLE} to where the suite recorded its calls"));
    let calls = iam_calls::read_calls(std::path::Path::new(&dir)).unwrap();
    assert!(!calls.is_empty(), "no calls recorded under {dir}: run the suite with {CALLS_DIR_VARIABLE}={dir} first");
    eprintln!("{} distinct calls recorded:", calls.len());
    for call in &calls {
        eprintln!("  {} {} {}", call.function, call.action, call.resource);
    }
    let template = helpdesk_aws::template::read_template().unwrap();
    let findings = policy_findings(&template, &calls);
    assert!(findings.is_empty(), "the template's IAM policies do not fit the code:\n  {}", findings.join("\n  "));
}

// The checker itself, on small templates: it must deny what IAM would deny.

const SMALL: &str = r#"
Parameters:
  SecretName: { Type: String, Default: "" }
Conditions:
  HasSecret: !Not [!Equals [!Ref SecretName, ""]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Scan:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../functions/scan
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          SECRET_ID: !Ref SecretName
      Policies:
        - Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:Query]
              Resource: [!GetAtt Table.Arn, !Sub "${Table.Arn}/index/*"]
            - Effect: Allow
              Action: secretsmanager:GetSecretValue
              Resource: !If
                - HasSecret
                - !Sub "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SecretName}-??????"
                - !Ref AWS::NoValue
"#;

fn call(action: &str, resource: &str) -> Call {
    Call { function: "scan".into(), action: action.into(), resource: resource.into() }
}

fn small_calls() -> Vec<Call> {
    let table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TABLE_NAME}";
    vec![
        call("dynamodb:GetItem", table),
        call("dynamodb:Query", &format!("{table}/index/GSI1")),
        call("secretsmanager:GetSecretValue", "secret-id:${SECRET_ID}"),
    ]
}

#[test]
fn a_policy_that_fits_the_calls_passes_in_every_parameter_set() {
    assert_eq!(policy_findings(SMALL, &small_calls()), Vec::<String>::new());
}

#[test]
fn a_call_the_policy_lacks_is_denied() {
    let mut calls = small_calls();
    calls.push(call("dynamodb:UpdateItem", "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TABLE_NAME}"));
    let findings = policy_findings(SMALL, &calls);
    assert!(findings.iter().any(|f| f.contains("DENIED dynamodb:UpdateItem")), "{findings:?}");
}

#[test]
fn a_call_on_another_resource_is_denied() {
    let mut calls = small_calls();
    calls.push(call("dynamodb:GetItem", "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/someone-elses"));
    let findings = policy_findings(SMALL, &calls);
    assert!(findings.iter().any(|f| f.contains("DENIED dynamodb:GetItem") && f.contains("someone-elses")), "{findings:?}");
}

#[test]
fn a_grant_no_call_uses_is_reported() {
    let calls: Vec<Call> = small_calls().into_iter().filter(|c| c.action != "dynamodb:Query").collect();
    let findings = policy_findings(SMALL, &calls);
    assert!(findings.iter().any(|f| f.contains("grants dynamodb:Query")), "{findings:?}");
    assert!(findings.iter().any(|f| f.contains("/index/*, which no code path uses")), "{findings:?}");
}

#[test]
fn a_function_no_test_exercised_is_reported() {
    let findings = policy_findings(SMALL, &[]);
    assert!(findings.iter().any(|f| f.contains("no test made a call as functions/scan")), "{findings:?}");
}

#[test]
fn a_secret_grant_matches_the_name_and_its_six_character_suffix_only() {
    assert!(matches("arn:aws:secretsmanager:r:a:secret:hd/key-??????", "arn:aws:secretsmanager:r:a:secret:hd/key-AbCdEf"));
    assert!(!matches("arn:aws:secretsmanager:r:a:secret:hd/key-??????", "arn:aws:secretsmanager:r:a:secret:hd/key-old-AbCdEf"));
    assert!(matches("arn:aws:dynamodb:r:a:table/t/index/*", "arn:aws:dynamodb:r:a:table/t/index/GSI1"));
    assert!(!matches("arn:aws:dynamodb:r:a:table/t", "arn:aws:dynamodb:r:a:table/t/index/GSI1"));
}

#[test]
fn every_function_policy_of_the_real_template_resolves() {
    let template = helpdesk_aws::template::read_template().unwrap();
    for (label, parameters) in parameter_sets(&template) {
        let functions = Stack::new(&template, &parameters).and_then(|s| s.functions()).unwrap_or_else(|e| panic!("[{label}] {e}"));
        assert!(functions.len() >= 2, "{functions:?}");
        assert!(functions.iter().all(|f| !f.statements.is_empty()), "[{label}] every function has a policy");
    }
}
