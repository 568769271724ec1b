//! Reply templates (canned responses): a name and a body per language, with placeholders the
//! ticket page fills in before the agent edits and sends the reply.

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::limits::MAX_MESSAGE_BYTES;
use crate::text::LocalizedText;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 120;

/// What a body may name: `{requester}` (the requester's name), `{number}` (`HD-1042`),
/// `{subject}`, `{agent}` (the agent's name).
pub const PLACEHOLDERS: [&str; 4] = ["requester", "number", "subject", "agent"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyTemplate {
    pub id: String,
    pub name: LocalizedText,
    /// The reply's text per language; the English one is required.
    pub bodies: LocalizedText,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyTemplateInput {
    /// Creating: the new template's id (lower-case letters, digits, dashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: LocalizedText,
    pub bodies: LocalizedText,
    /// Replacing: the version being replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

/// The placeholders `body` names that are not in [`PLACEHOLDERS`].
fn unknown_placeholders(body: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !PLACEHOLDERS.contains(&name) && !unknown.iter().any(|u| u == name) {
                    unknown.push(name.to_string());
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    unknown
}

impl ReplyTemplateInput {
    pub fn into_template(self, id: &str, version: u64) -> Result<ReplyTemplate, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !crate::topic::is_slug(id) {
            errors.push(FieldError::new("id", Code::Invalid, "1 to 40 lower-case letters, digits or dashes"));
        }
        if let Some(problem) = self.name.problem(MAX_NAME_CHARS) {
            errors.push(FieldError::new("name", Code::Invalid, problem));
        }
        if let Some(problem) = self.bodies.problem(MAX_MESSAGE_BYTES) {
            errors.push(FieldError::new("bodies", Code::Invalid, problem));
        }
        for (lang, body) in &self.bodies.0 {
            if body.len() > MAX_MESSAGE_BYTES {
                errors.push(FieldError::new(format!("bodies.{lang}"), Code::TooLong, format!("at most {MAX_MESSAGE_BYTES} bytes")));
            }
            let unknown = unknown_placeholders(body);
            if !unknown.is_empty() {
                let known: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
                errors.push(FieldError::new(
                    format!("bodies.{lang}"),
                    Code::Invalid,
                    format!(
                        "unknown placeholder {}; use {}",
                        unknown.iter().map(|u| format!("{{{u}}}")).collect::<Vec<_>>().join(", "),
                        known.join(", ")
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ReplyTemplate { id: id.to_string(), name: self.name, bodies: self.bodies, version })
    }
}

/// What the placeholders stand for on one ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filling {
    pub requester: String,
    pub number: String,
    pub subject: String,
    pub agent: String,
}

/// `body` with its placeholders filled in.
pub fn fill(body: &str, with: &Filling) -> String {
    body.replace("{requester}", &with.requester)
        .replace("{number}", &with.number)
        .replace("{subject}", &with.subject)
        .replace("{agent}", &with.agent)
}

impl ReplyTemplate {
    /// The body for a reader of `lang` (else English), filled in.
    pub fn reply_for(&self, lang: &str, with: &Filling) -> String {
        fill(self.bodies.get(lang), with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(en: &str) -> ReplyTemplateInput {
        ReplyTemplateInput {
            id: None,
            name: LocalizedText::new(&[("en", "Restart")]),
            bodies: LocalizedText::new(&[("en", en), ("ru", "Здравствуйте, {requester}! Заявка {number}.")]),
            version: None,
        }
    }

    #[test]
    fn placeholders_are_checked_and_filled_in_the_readers_language() {
        let template = input("Hello {requester}, about {number} ({subject}): restart it. {agent}").into_template("restart", 1).unwrap();
        let with = Filling { requester: "Anna".into(), number: "HD-1042".into(), subject: "Printer".into(), agent: "Ivan".into() };
        assert_eq!(template.reply_for("en", &with), "Hello Anna, about HD-1042 (Printer): restart it. Ivan");
        assert_eq!(template.reply_for("ru", &with), "Здравствуйте, Anna! Заявка HD-1042.");
        assert_eq!(template.reply_for("de", &with), template.reply_for("en", &with), "English when the language is missing");
        let errors = input("Hi {name} and {requester} {name}").into_template("Bad Id", 1).unwrap_err();
        let fields: Vec<(&str, Code)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(fields, vec![("id", Code::Invalid), ("bodies.en", Code::Invalid)]);
        assert!(errors[1].message.contains("{name}") && errors[1].message.matches("{name}").count() == 1, "{}", errors[1].message);
    }
}
