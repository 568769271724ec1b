//! Each function's IAM policy as the template would deploy it, evaluated for a given set of
//! parameters: the intrinsic functions resolved (`Ref`, `GetAtt`, `Sub`, `If`, `Join`), the
//! statements matched the way IAM matches them (`*` and `?` wildcards, actions without regard to
//! case, an explicit Deny winning). The `iam` test holds the recorded calls against it.

use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

pub const REGION: &str = "eu-central-1";
pub const ACCOUNT: &str = "123456789012";
pub const STACK: &str = "helpdesk-test";

/// The template with one choice of parameters.
pub struct Stack {
    resources: Mapping,
    globals: Mapping,
    parameters: BTreeMap<String, String>,
    conditions: Mapping,
}

/// One policy statement, resolved.
#[derive(Debug, Clone)]
pub struct Statement {
    pub allow: bool,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

/// A Lambda function of the template: its crate folder, policy and environment.
#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    pub crate_name: String,
    pub statements: Vec<Statement>,
    pub environment: BTreeMap<String, String>,
}

impl Stack {
    /// The template with its parameters' defaults, `overrides` on top.
    pub fn new(template: &str, overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let doc: Value = serde_yaml::from_str(template).map_err(|e| format!("template: {e}"))?;
        let section = |name: &str| doc.get(name).and_then(Value::as_mapping).cloned().unwrap_or_default();
        let mut parameters = BTreeMap::new();
        for (name, spec) in section("Parameters") {
            let name = name.as_str().ok_or("a parameter name is not a string")?.to_string();
            let default = spec.get("Default").map(scalar).transpose()?.unwrap_or_default();
            parameters.insert(name, default);
        }
        for (name, value) in overrides {
            if !parameters.contains_key(name) {
                return Err(format!("no parameter {name} in the template"));
            }
            parameters.insert(name.clone(), value.clone());
        }
        let globals = section("Globals").get("Function").and_then(Value::as_mapping).cloned().unwrap_or_default();
        Ok(Stack { resources: section("Resources"), globals, parameters, conditions: section("Conditions") })
    }

    /// The names of the parameters whose default is empty (the optional features).
    pub fn empty_parameters(template: &str) -> Result<Vec<String>, String> {
        let stack = Stack::new(template, &BTreeMap::new())?;
        Ok(stack.parameters.iter().filter(|(_, v)| v.is_empty()).map(|(k, _)| k.clone()).collect())
    }

    /// Every `AWS::Serverless::Function`, resolved.
    pub fn functions(&self) -> Result<Vec<Function>, String> {
        let mut out = Vec::new();
        for (id, resource) in &self.resources {
            let id = id.as_str().unwrap_or_default().to_string();
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            if let Some(condition) = resource.get("Condition").and_then(Value::as_str)
                && !self.condition(condition)?
            {
                continue;
            }
            let properties = resource.get("Properties").cloned().unwrap_or(Value::Null);
            let code_uri = properties.get("CodeUri").and_then(Value::as_str).ok_or(format!("{id}: no CodeUri"))?;
            let crate_name = code_uri.rsplit('/').next().unwrap_or_default().to_string();
            let mut environment = BTreeMap::new();
            for source in [self.globals.get("Environment"), properties.get("Environment")].into_iter().flatten() {
                for (name, value) in source.get("Variables").and_then(Value::as_mapping).cloned().unwrap_or_default() {
                    let name = name.as_str().unwrap_or_default().to_string();
                    if let Some(value) = self.resolve(&value).map_err(|e| format!("{id} environment {name}: {e}"))? {
                        environment.insert(name, scalar(&value)?);
                    }
                }
            }
            let mut statements = Vec::new();
            for policy in properties.get("Policies").and_then(Value::as_sequence).cloned().unwrap_or_default() {
                let Some(list) = policy.get("Statement").and_then(Value::as_sequence) else {
                    return Err(format!("{id}: write its policies inline (Version + Statement) so the IAM test can read them"));
                };
                for statement in list {
                    // A statement behind a condition (`!If [C, {…}, !Ref AWS::NoValue]`) is there only when C holds.
                    let Some(statement) = self.resolve(statement).map_err(|e| format!("{id}: {e}"))? else { continue };
                    statements.push(self.statement(&statement).map_err(|e| format!("{id}: {e}"))?);
                }
            }
            out.push(Function { logical_id: id, crate_name, statements, environment });
        }
        Ok(out)
    }

    fn statement(&self, statement: &Value) -> Result<Statement, String> {
        for unsupported in ["Condition", "NotAction", "NotResource", "Principal"] {
            if statement.get(unsupported).is_some() {
                return Err(format!("a statement with {unsupported}: teach tests/support/iam_policy.rs to evaluate it"));
            }
        }
        let allow = match statement.get("Effect").and_then(Value::as_str) {
            Some("Allow") => true,
            Some("Deny") => false,
            other => return Err(format!("statement effect {other:?}")),
        };
        let list = |key: &str| -> Result<Vec<String>, String> {
            let value = statement.get(key).ok_or(format!("statement without {key}"))?;
            let resolved = self.resolve(value)?.unwrap_or(Value::Sequence(vec![]));
            match resolved {
                Value::Sequence(items) => items.iter().map(scalar).collect(),
                other => Ok(vec![scalar(&other)?]),
            }
        };
        Ok(Statement { allow, actions: list("Action")?, resources: list("Resource")? })
    }

    fn condition(&self, name: &str) -> Result<bool, String> {
        let expression = self.conditions.get(name).ok_or(format!("no condition {name}"))?;
        self.truth(expression)
    }

    fn truth(&self, expression: &Value) -> Result<bool, String> {
        let Value::Tagged(tagged) = expression else {
            if let Some(name) = expression.get("Condition").and_then(Value::as_str) {
                return self.condition(name);
            }
            return Err(format!("condition {expression:?}"));
        };
        let args = tagged.value.as_sequence().cloned().unwrap_or_default();
        match tagged.tag.to_string().as_str() {
            "!Equals" => {
                let values: Vec<Value> =
                    args.iter().map(|a| self.resolve(a).map(|v| v.unwrap_or(Value::Null))).collect::<Result<_, _>>()?;
                Ok(values.len() == 2 && values[0] == values[1])
            }
            "!Not" => Ok(!self.truth(args.first().ok_or("!Not []")?)?),
            "!And" => args.iter().try_fold(true, |all, a| Ok(all && self.truth(a)?)),
            "!Or" => args.iter().try_fold(false, |any, a| Ok(any || self.truth(a)?)),
            "!Condition" => self.condition(tagged.value.as_str().unwrap_or_default()),
            other => Err(format!("condition function {other}")),
        }
    }

    /// The value CloudFormation would put in place of `value`; `None` for `AWS::NoValue`.
    pub fn resolve(&self, value: &Value) -> Result<Option<Value>, String> {
        match value {
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                let arg = &tagged.value;
                match tag.as_str() {
                    "!Ref" => {
                        let name = arg.as_str().ok_or("!Ref of a non-string")?;
                        if name == "AWS::NoValue" {
                            return Ok(None);
                        }
                        Ok(Some(Value::String(self.reference(name)?)))
                    }
                    "!GetAtt" => {
                        let text = arg.as_str().ok_or("!GetAtt in list form: write Resource.Attribute")?;
                        let (resource, attribute) = text.split_once('.').ok_or(format!("!GetAtt {text}"))?;
                        Ok(Some(Value::String(self.attribute(resource, attribute)?)))
                    }
                    "!Sub" => {
                        let (text, vars) = match arg {
                            Value::String(s) => (s.clone(), Mapping::new()),
                            Value::Sequence(items) => (
                                items.first().and_then(Value::as_str).ok_or("!Sub [text, vars]")?.to_string(),
                                items.get(1).and_then(Value::as_mapping).cloned().unwrap_or_default(),
                            ),
                            _ => return Err("!Sub of a non-string".into()),
                        };
                        Ok(Some(Value::String(self.substitute(&text, &vars)?)))
                    }
                    "!If" => {
                        let args = arg.as_sequence().ok_or("!If needs a list")?;
                        let [condition, then, otherwise] = args.as_slice() else { return Err("!If needs three items".into()) };
                        let chosen = if self.condition(condition.as_str().ok_or("!If condition name")?)? { then } else { otherwise };
                        self.resolve(chosen)
                    }
                    "!Join" => {
                        let args = arg.as_sequence().ok_or("!Join needs a list")?;
                        let separator = args.first().and_then(Value::as_str).unwrap_or_default();
                        let parts = match args.get(1).map(|v| self.resolve(v)).transpose()?.flatten() {
                            Some(Value::Sequence(items)) => items,
                            _ => return Err("!Join of a non-list".into()),
                        };
                        let parts: Vec<String> = parts.iter().map(scalar).collect::<Result<_, _>>()?;
                        Ok(Some(Value::String(parts.join(separator))))
                    }
                    other => Err(format!("intrinsic {other}: teach tests/support/iam_policy.rs")),
                }
            }
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for item in items {
                    if let Some(v) = self.resolve(item)? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Sequence(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn substitute(&self, text: &str, vars: &Mapping) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or(format!("!Sub {text}: unclosed ${{"))?;
            let name = &after[..end];
            let value = match vars.get(name) {
                Some(v) => scalar(&self.resolve(v)?.unwrap_or(Value::Null))?,
                None => match name.split_once('.') {
                    Some((resource, attribute)) if !name.starts_with("AWS::") => self.attribute(resource, attribute)?,
                    _ => self.reference(name)?,
                },
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn reference(&self, name: &str) -> Result<String, String> {
        match name {
            "AWS::Region" => return Ok(REGION.into()),
            "AWS::AccountId" => return Ok(ACCOUNT.into()),
            "AWS::Partition" => return Ok("aws".into()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            "AWS::StackName" => return Ok(STACK.into()),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(value.clone());
        }
        let (kind, physical) = self.physical(name)?;
        Ok(match kind.as_str() {
            // Ref of these gives the ARN or URL, not the name.
            "AWS::SNS::Topic" => format!("arn:aws:sns:{REGION}:{ACCOUNT}:{physical}"),
            "AWS::SQS::Queue" => format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical}"),
            "AWS::SecretsManager::Secret" => secret_arn(&physical),
            _ => physical,
        })
    }

    /// A resource's type and physical name: its name property when it sets one, else one made up
    /// from the stack and logical id as CloudFormation does.
    fn physical(&self, logical_id: &str) -> Result<(String, String), String> {
        let resource = self.resources.get(logical_id).ok_or(format!("no parameter or resource {logical_id}"))?;
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or_default().to_string();
        let properties = resource.get("Properties");
        let name_property = ["TableName", "Name", "BucketName", "QueueName", "TopicName", "FunctionName", "LogGroupName"]
            .into_iter()
            .find_map(|key| properties.and_then(|p| p.get(key)));
        let physical = match name_property {
            Some(value) => scalar(&self.resolve(value)?.unwrap_or(Value::Null))?,
            None => format!("{STACK}-{logical_id}-GENERATED"),
        };
        Ok((kind, physical))
    }

    fn attribute(&self, logical_id: &str, attribute: &str) -> Result<String, String> {
        let (kind, name) = self.physical(logical_id)?;
        let arn = match (kind.as_str(), attribute) {
            ("AWS::DynamoDB::Table", "Arn") => format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"),
            ("AWS::DynamoDB::Table", "StreamArn") => {
                format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/2026-01-01T00:00:00.000")
            }
            ("AWS::Events::EventBus", "Arn") => format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"),
            ("AWS::S3::Bucket", "Arn") => format!("arn:aws:s3:::{name}"),
            ("AWS::SQS::Queue", "Arn") => format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"),
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::SNS::Topic", "TopicArn") => format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}"),
            ("AWS::CloudFront::Distribution", "DomainName") => format!("{name}.cloudfront.net"),
            ("AWS::Serverless::Function", "Arn") => format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
            _ => return Err(format!("!GetAtt {logical_id}.{attribute} ({kind}): teach tests/support/iam_policy.rs")),
        };
        Ok(arn)
    }

    /// A recorded resource with the pseudo parameters and the function's environment filled in;
    /// `None` when it names a variable that is empty here (that feature is off, the code never
    /// makes the call).
    pub fn concrete(&self, resource: &str, function: &Function) -> Result<Option<String>, String> {
        let mut vars = Mapping::new();
        for (name, value) in &function.environment {
            if resource.contains(&format!("${{{name}}}")) && value.is_empty() {
                return Ok(None);
            }
            vars.insert(Value::String(name.clone()), Value::String(value.clone()));
        }
        let concrete = self.substitute(resource, &vars).map_err(|e| format!("{resource}: {e} (bind test names with iam_calls::bind)"))?;
        if let Some(url) = concrete.strip_prefix(crate::iam_calls::QUEUE_URL_PREFIX) {
            // https://sqs.<region>.amazonaws.com/<account>/<name> → the queue's ARN.
            let mut parts = url.rsplit('/');
            let (name, account) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            return Ok(Some(format!("arn:aws:sqs:{REGION}:{account}:{name}")));
        }
        Ok(Some(match concrete.strip_prefix(crate::iam_calls::SECRET_ID_PREFIX) {
            Some(id) if id.starts_with("arn:") => id.to_string(),
            Some(name) => secret_arn(name),
            None => concrete,
        }))
    }
}

/// The ARN of the secret named `name`: Secrets Manager appends a dash and six random characters.
fn secret_arn(name: &str) -> String {
    format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf")
}

fn scalar(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(format!("not a plain value: {other:?}")),
    }
}

/// IAM's wildcard match: `*` any run of characters (`/` and `:` included), `?` exactly one.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Statement {
    pub fn covers(&self, action: &str, resource: &str) -> bool {
        self.actions.iter().any(|a| matches(&a.to_lowercase(), &action.to_lowercase()))
            && self.resources.iter().any(|r| matches(r, resource))
    }
}

impl Function {
    /// Whether the policy lets the function do `action` on `resource`.
    pub fn allows(&self, action: &str, resource: &str) -> bool {
        let denied = self.statements.iter().any(|s| !s.allow && s.covers(action, resource));
        !denied && self.statements.iter().any(|s| s.allow && s.covers(action, resource))
    }
}
