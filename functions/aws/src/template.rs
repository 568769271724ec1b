//! Table and bucket definitions read from the SAM template, so the local stack gets exactly
//! what AWS gets. `helpdesk-local setup` and the test harness create resources from here.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use serde::Deserialize;
use serde_yaml::Value;

/// Where the template sits, relative to the workspace root.
pub const TEMPLATE_PATH: &str = "infra/template.yaml";

/// The template, found from the workspace root or any folder below it (tests run in crate folders).
pub fn read_template() -> Result<String, String> {
    let mut dir = std::env::current_dir().map_err(|e| e.to_string())?;
    loop {
        let candidate = dir.join(TEMPLATE_PATH);
        if candidate.is_file() {
            return std::fs::read_to_string(&candidate).map_err(|e| format!("{}: {e}", candidate.display()));
        }
        if !dir.pop() {
            return Err(format!("{TEMPLATE_PATH} not found above {}", std::env::current_dir().unwrap_or_default().display()));
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexDef {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionDef {
    pub projection_type: String,
}

/// The parts of an `AWS::DynamoDB::Table` that shape the data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDef {
    #[serde(skip)]
    pub logical_id: String,
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexDef>,
    /// The table's change stream (the event backbone's relay reads it).
    #[serde(default)]
    pub stream_specification: Option<StreamDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDef {
    pub stream_view_type: String,
}

impl StreamDef {
    fn specification(&self) -> Result<aws_sdk_dynamodb::types::StreamSpecification, String> {
        aws_sdk_dynamodb::types::StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(self.stream_view_type.as_str().into())
            .build()
            .map_err(|e| e.to_string())
    }
}

/// What the template declares for the local stack to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub tables: Vec<TableDef>,
    /// Logical ids of the `AWS::S3::Bucket` resources.
    pub buckets: Vec<String>,
    /// Logical ids of the `AWS::Events::EventBus` resources.
    pub event_buses: Vec<String>,
}

pub fn parse(template: &str) -> Result<Resources, String> {
    let doc: Value = serde_yaml::from_str(template).map_err(|e| format!("template: {e}"))?;
    let resources = doc.get("Resources").and_then(Value::as_mapping).ok_or("template: no Resources")?;
    let mut out = Resources { tables: Vec::new(), buckets: Vec::new(), event_buses: Vec::new() };
    for (id, resource) in resources {
        let id = id.as_str().ok_or("template: a resource id is not a string")?.to_string();
        match resource.get("Type").and_then(Value::as_str) {
            Some("AWS::DynamoDB::Table") => {
                let props = resource.get("Properties").cloned().ok_or_else(|| format!("{id}: no Properties"))?;
                let mut table: TableDef = serde_yaml::from_value(strip_unknown_table_props(props)).map_err(|e| format!("{id}: {e}"))?;
                table.logical_id = id;
                out.tables.push(table);
            }
            Some("AWS::S3::Bucket") => out.buckets.push(id),
            Some("AWS::Events::EventBus") => out.event_buses.push(id),
            _ => {}
        }
    }
    Ok(out)
}

/// Keeps only the table properties that shape the data and its stream (billing, recovery and
/// encryption are AWS concerns the local stack ignores).
fn strip_unknown_table_props(props: Value) -> Value {
    let keep = ["AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "StreamSpecification"];
    match props {
        Value::Mapping(map) => Value::Mapping(map.into_iter().filter(|(k, _)| k.as_str().is_some_and(|k| keep.contains(&k))).collect()),
        other => other,
    }
}

fn key_schema(elements: &[KeyElement]) -> Result<Vec<KeySchemaElement>, String> {
    elements
        .iter()
        .map(|e| {
            KeySchemaElement::builder()
                .attribute_name(&e.attribute_name)
                .key_type(KeyType::from(e.key_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// The template's definitions of the attributes `keys` use: DynamoDB wants exactly those.
fn attribute_definitions<'a>(table: &TableDef, keys: impl IntoIterator<Item = &'a KeyElement>) -> Result<Vec<AttributeDefinition>, String> {
    let used: Vec<&str> = keys.into_iter().map(|k| k.attribute_name.as_str()).collect();
    table
        .attribute_definitions
        .iter()
        .filter(|a| used.contains(&a.attribute_name.as_str()))
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn projection(index: &IndexDef) -> Projection {
    Projection::builder().projection_type(ProjectionType::from(index.projection.projection_type.as_str())).build()
}

/// Creates `table` under `name` unless a table of that name exists; an existing one gets the
/// indexes the template added since it was made (one at a time, as DynamoDB requires). Returns
/// whether it changed anything.
pub async fn ensure_table(client: &aws_sdk_dynamodb::Client, table: &TableDef, name: &str) -> Result<bool, String> {
    use aws_sdk_dynamodb::error::DisplayErrorContext;
    use aws_sdk_dynamodb::types::{CreateGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate};
    if let Ok(existing) = client.describe_table().table_name(name).send().await {
        let present: Vec<&str> =
            existing.table().map(|t| t.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect()).unwrap_or_default();
        let missing: Vec<&IndexDef> = table.global_secondary_indexes.iter().filter(|i| !present.contains(&i.index_name.as_str())).collect();
        for index in &missing {
            let create = CreateGlobalSecondaryIndexAction::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection(index))
                .build()
                .map_err(|e| e.to_string())?;
            client
                .update_table()
                .table_name(name)
                .set_attribute_definitions(Some(attribute_definitions(table, &index.key_schema)?))
                .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build())
                .send()
                .await
                .map_err(|e| format!("adding index {} to {name}: {}", index.index_name, DisplayErrorContext(&e)))?;
        }
        let has_stream = existing.table().and_then(|t| t.stream_specification()).is_some_and(|s| s.stream_enabled());
        let add_stream = match (&table.stream_specification, has_stream) {
            (Some(stream), false) => {
                client
                    .update_table()
                    .table_name(name)
                    .stream_specification(stream.specification()?)
                    .send()
                    .await
                    .map_err(|e| format!("enabling the stream of {name}: {}", DisplayErrorContext(&e)))?;
                true
            }
            _ => false,
        };
        return Ok(!missing.is_empty() || add_stream);
    }
    let indexes = table
        .global_secondary_indexes
        .iter()
        .map(|index| {
            GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection(index))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&table.key_schema)?))
        .set_attribute_definitions(Some(attribute_definitions(
            table,
            table.key_schema.iter().chain(table.global_secondary_indexes.iter().flat_map(|i| &i.key_schema)),
        )?))
        .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
        .set_stream_specification(table.stream_specification.as_ref().map(StreamDef::specification).transpose()?)
        .send()
        .await
        .map_err(|e| format!("creating table {name}: {}", DisplayErrorContext(&e)))?;
    Ok(true)
}

/// The local name of a template resource: `helpdesk-local-attachmentsbucket` for `AttachmentsBucket`.
pub fn local_name(prefix: &str, logical_id: &str) -> String {
    format!("{prefix}-{}", logical_id.to_ascii_lowercase())
}

/// The HTTP API routes (`METHOD /path`) the template's functions declare, with the function's
/// logical id: what API Gateway will send to which function.
pub fn http_routes(template: &str) -> Result<Vec<(String, String, String)>, String> {
    let doc: Value = serde_yaml::from_str(template).map_err(|e| format!("template: {e}"))?;
    let resources = doc.get("Resources").and_then(Value::as_mapping).ok_or("template: no Resources")?;
    let mut routes = Vec::new();
    for (id, resource) in resources {
        let events = resource.get("Properties").and_then(|p| p.get("Events")).and_then(Value::as_mapping);
        for event in events.into_iter().flat_map(|e| e.values()) {
            if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                continue;
            }
            let props = event.get("Properties");
            let field = |name: &str| props.and_then(|p| p.get(name)).and_then(Value::as_str).map(str::to_string);
            let (Some(method), Some(path)) = (field("Method"), field("Path")) else {
                return Err(format!("{id:?}: an HttpApi event without Method and Path"));
            };
            routes.push((id.as_str().unwrap_or_default().to_string(), method.to_ascii_uppercase(), path));
        }
    }
    Ok(routes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{self, INDEXES};

    fn resources() -> Resources {
        parse(&read_template().unwrap()).unwrap()
    }

    #[test]
    fn the_template_declares_the_indexes_the_code_queries() {
        let resources = resources();
        let table = resources.tables.iter().find(|t| t.logical_id == "HelpdeskTable").unwrap();
        let key = |elements: &[KeyElement]| elements.iter().map(|e| (e.attribute_name.clone(), e.key_type.clone())).collect::<Vec<_>>();
        assert_eq!(key(&table.key_schema), [(keys::PK.to_string(), "HASH".to_string()), (keys::SK.to_string(), "RANGE".to_string())]);
        let declared: Vec<(String, Vec<(String, String)>)> =
            table.global_secondary_indexes.iter().map(|i| (i.index_name.clone(), key(&i.key_schema))).collect();
        let used: Vec<(String, Vec<(String, String)>)> = INDEXES
            .iter()
            .map(|i| (i.name.to_string(), vec![(i.pk.to_string(), "HASH".to_string()), (i.sk.to_string(), "RANGE".to_string())]))
            .collect();
        assert_eq!(declared, used);
        for attribute in &table.attribute_definitions {
            assert_eq!(attribute.attribute_type, "S", "{}: every key is a string", attribute.attribute_name);
        }
        assert_eq!(table.attribute_definitions.len(), 2 + 2 * INDEXES.len());
    }

    #[test]
    fn every_function_policy_names_its_actions_and_resources() {
        let template = read_template().unwrap();
        let doc: Value = serde_yaml::from_str(&template).unwrap();
        let functions = functions(&template).unwrap();
        assert!(!functions.is_empty());
        for function in functions {
            let statements = doc["Resources"][function.as_str()]["Properties"]["Policies"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{function}: no inline policy"))
                .iter()
                .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
                .collect::<Vec<_>>();
            assert!(!statements.is_empty(), "{function}: no statements");
            for statement in statements {
                // `!If [condition, statement, !Ref AWS::NoValue]`: the statement when it holds.
                let statement = match &statement {
                    Value::Tagged(tagged) if tagged.tag == "If" => {
                        tagged.value.as_sequence().and_then(|s| s.get(1)).cloned().unwrap_or_default()
                    }
                    _ => statement,
                };
                let as_list = |v: &Value| match v {
                    Value::Sequence(items) => items.clone(),
                    other => vec![other.clone()],
                };
                for action in as_list(&statement["Action"]) {
                    let action = action.as_str().unwrap_or_default();
                    assert!(!action.is_empty() && !action.contains('*'), "{function}: action {action:?} is not a named action");
                }
                // The one exception: an SMS (SNS Publish to a phone number) has no resource ARN.
                let sms_only = as_list(&statement["Action"]).iter().all(|a| a.as_str() == Some("sns:Publish"));
                for resource in as_list(&statement["Resource"]) {
                    let allowed_everywhere = sms_only && statement["Effect"].as_str() == Some("Allow");
                    assert!(resource.as_str() != Some("*") || allowed_everywhere, "{function}: a statement on every resource");
                }
            }
        }
    }

    #[test]
    fn local_mode_is_never_deployed() {
        let template = read_template().unwrap();
        assert!(!template.contains(crate::config::LOCAL_MODE), "{} must never be set in AWS", crate::config::LOCAL_MODE);
    }

    #[test]
    fn the_template_declares_the_buckets() {
        assert_eq!(resources().buckets, ["AttachmentsBucket", "FrontendBucket", "SearchIndexBucket"]);
    }
}

/// The logical ids of the template's Lambda functions.
pub fn functions(template: &str) -> Result<Vec<String>, String> {
    let doc: Value = serde_yaml::from_str(template).map_err(|e| format!("template: {e}"))?;
    let resources = doc.get("Resources").and_then(Value::as_mapping).ok_or("template: no Resources")?;
    Ok(resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function"))
        .filter_map(|(id, _)| id.as_str().map(str::to_string))
        .collect())
}

/// The environment a function gets, each variable with its value as the template writes it
/// (intrinsic functions rendered as YAML text): the Globals' and its own.
pub fn function_environment_values(template: &str, function: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let doc: Value = serde_yaml::from_str(template).map_err(|e| format!("template: {e}"))?;
    let variables = |node: Option<&Value>| -> Vec<(String, String)> {
        node.and_then(|n| n.get("Environment"))
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping)
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), serde_yaml::to_string(v).unwrap_or_default()))).collect())
            .unwrap_or_default()
    };
    let function_props = doc.get("Resources").and_then(|r| r.get(function)).and_then(|f| f.get("Properties"));
    if function_props.is_none() {
        return Err(format!("template: no function {function}"));
    }
    let globals = doc.get("Globals").and_then(|g| g.get("Function"));
    Ok(variables(globals).into_iter().chain(variables(function_props)).collect())
}

/// The environment variable names a function gets: the Globals' and its own.
pub fn function_environment(template: &str, function: &str) -> Result<std::collections::BTreeSet<String>, String> {
    Ok(function_environment_values(template, function)?.into_keys().collect())
}

/// The security headers the template's CloudFront response-headers policy adds, as header name and
/// value: what the local runner sends too. `Strict-Transport-Security` only `with_hsts` (plain
/// http on a developer's machine must not pin https).
pub fn response_headers(template: &str, with_hsts: bool, files_origin: &str) -> Result<Vec<(String, String)>, String> {
    let doc: Value = serde_yaml::from_str(template).map_err(|e| format!("template: {e}"))?;
    let resources = doc.get("Resources").and_then(Value::as_mapping).ok_or("template: no Resources")?;
    let config = resources
        .values()
        .find(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::CloudFront::ResponseHeadersPolicy"))
        .and_then(|r| r.get("Properties")?.get("ResponseHeadersPolicyConfig")?.get("SecurityHeadersConfig"))
        .ok_or("template: no CloudFront response-headers policy with SecurityHeadersConfig")?;
    let text = |path: &[&str]| -> Result<String, String> {
        let mut node = config;
        for part in path {
            node = node.get(*part).ok_or_else(|| format!("template: SecurityHeadersConfig has no {}", path.join(".")))?;
        }
        match node {
            Value::String(s) => Ok(s.clone()),
            // The CSP names the attachments bucket's origin; locally, the local S3's.
            Value::Tagged(t) if t.tag == "!Sub" => match &t.value {
                Value::String(s) => Ok(s.replace(FILES_ORIGIN, files_origin)),
                _ => Err(format!("template: SecurityHeadersConfig.{} is a !Sub of a non-string", path.join("."))),
            },
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("template: SecurityHeadersConfig.{} is not a scalar", path.join("."))),
        }
    };
    let mut headers = vec![
        ("Content-Security-Policy".to_string(), text(&["ContentSecurityPolicy", "ContentSecurityPolicy"])?),
        ("X-Content-Type-Options".to_string(), "nosniff".to_string()),
        ("X-Frame-Options".to_string(), text(&["FrameOptions", "FrameOption"])?),
        ("Referrer-Policy".to_string(), text(&["ReferrerPolicy", "ReferrerPolicy"])?),
    ];
    if with_hsts {
        let subdomains = if text(&["StrictTransportSecurity", "IncludeSubdomains"])? == "true" { "; includeSubDomains" } else { "" };
        headers.push((
            "Strict-Transport-Security".to_string(),
            format!("max-age={}{subdomains}", text(&["StrictTransportSecurity", "AccessControlMaxAgeSec"])?),
        ));
    }
    Ok(headers)
}

/// How the template names the attachments bucket's origin in the CSP.
pub const FILES_ORIGIN: &str = "https://${AWS::StackName}-files-${AWS::AccountId}-${AWS::Region}.s3.${AWS::Region}.${AWS::URLSuffix}";

#[cfg(test)]
mod response_header_tests {
    use super::*;

    #[test]
    fn the_template_defines_the_security_headers_once() {
        let template = read_template().unwrap();
        let local = response_headers(&template, false, "http://127.0.0.1:5000").unwrap();
        let csp = &local.iter().find(|(n, _)| n == "Content-Security-Policy").unwrap().1;
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:5000;") && !csp.contains("${"), "{csp}");
        assert!(local.iter().all(|(n, _)| n != "Strict-Transport-Security"), "no HSTS on plain http");
        let deployed = response_headers(&template, true, "https://files.example").unwrap();
        assert!(deployed.iter().any(|(n, v)| n == "Strict-Transport-Security" && v.starts_with("max-age=63072000")));
    }
}
