//! Topics: what a ticket is about. Each carries the form requesters fill in, and where its
//! tickets go by default.

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::form::FieldDef;
use crate::limits::{DEFAULT_TEXT_FIELD_CHARS, MAX_FIELD_OPTIONS, MAX_ID_CHARS, MAX_TOPIC_FIELDS};
use crate::text::LocalizedText;
use crate::ticket::Priority;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topic {
    /// A slug such as `printer`: lower-case letters, digits and dashes.
    pub id: String,
    pub name: LocalizedText,
    #[serde(default)]
    pub description: LocalizedText,
    pub fields: Vec<FieldDef>,
    /// The queue new tickets of this topic land in.
    pub default_group: String,
    pub default_priority: Priority,
    /// Archived topics keep their tickets but are no longer offered for new ones.
    pub active: bool,
    pub version: u64,
}

/// What an admin sends to create or replace a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopicInput {
    /// Required when creating; when replacing, it may repeat the id in the path.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub id: Option<String>,
    /// Required when replacing: the version being replaced.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: Option<u64>,
    pub name: LocalizedText,
    #[serde(default)]
    pub description: LocalizedText,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 40))]
    pub fields: Vec<FieldDef>,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub default_group: String,
    #[serde(default = "default_priority")]
    pub default_priority: Priority,
    #[serde(default = "yes")]
    pub active: bool,
}

fn default_priority() -> Priority {
    Priority::Medium
}

fn yes() -> bool {
    true
}

pub fn is_slug(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_field_key(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && s.as_bytes()[0].is_ascii_lowercase()
}

/// A user, agent or group id: printable, no spaces, no `#` (it separates key parts in storage).
pub fn is_plain_id(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= MAX_ID_CHARS && s.chars().all(|c| c.is_ascii_graphic() && c != '#')
}

impl TopicInput {
    /// Checks an admin's topic and turns it into a topic at `version`.
    pub fn into_topic(self, id: &str, version: u64) -> Result<Topic, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_slug(id) {
            errors.push(FieldError::new("id", Code::Invalid, "1 to 40 lower-case letters, digits or dashes"));
        }
        if let Some(p) = self.name.problem(120) {
            errors.push(FieldError::new("name", Code::Invalid, p));
        }
        if !self.description.0.is_empty()
            && let Some(p) = self.description.problem(2_000)
        {
            errors.push(FieldError::new("description", Code::Invalid, p));
        }
        if !is_slug(&self.default_group) {
            errors.push(FieldError::new("default_group", Code::Invalid, "a group id"));
        }
        if self.fields.len() > MAX_TOPIC_FIELDS {
            errors.push(FieldError::new("fields", Code::TooLong, format!("at most {MAX_TOPIC_FIELDS} fields")));
        }
        for (i, field) in self.fields.iter().enumerate() {
            field_problems(i, field, &self.fields[..i], &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Topic {
            id: id.to_string(),
            name: self.name,
            description: self.description,
            fields: self.fields,
            default_group: self.default_group,
            default_priority: self.default_priority,
            active: self.active,
            version,
        })
    }
}

fn field_problems(i: usize, field: &FieldDef, earlier: &[FieldDef], errors: &mut Vec<FieldError>) {
    let at = |part: &str| format!("fields[{i}].{part}");
    if !is_field_key(&field.key) {
        errors.push(FieldError::new(at("key"), Code::Invalid, "1 to 40 lower-case letters, digits or '_', starting with a letter"));
    }
    if earlier.iter().any(|f| f.key == field.key) {
        errors.push(FieldError::new(at("key"), Code::Duplicate, format!("the key '{}' is used twice", field.key)));
    }
    if let Some(p) = field.label.problem(120) {
        errors.push(FieldError::new(at("label"), Code::Invalid, p));
    }
    if let Some(p) = field.help.as_ref().and_then(|h| h.problem(DEFAULT_TEXT_FIELD_CHARS)) {
        errors.push(FieldError::new(at("help"), Code::Invalid, p));
    }
    if field.kind.has_options() {
        if field.options.is_empty() {
            errors.push(FieldError::new(at("options"), Code::Required, "a choice field needs options"));
        }
        if field.options.len() > MAX_FIELD_OPTIONS {
            errors.push(FieldError::new(at("options"), Code::TooLong, format!("at most {MAX_FIELD_OPTIONS} options")));
        }
        for (j, option) in field.options.iter().enumerate() {
            if option.value.trim().is_empty() || option.value.len() > 100 {
                errors.push(FieldError::new(at(&format!("options[{j}].value")), Code::Invalid, "1 to 100 characters"));
            }
            if field.options[..j].iter().any(|o| o.value == option.value) {
                errors.push(FieldError::new(at(&format!("options[{j}].value")), Code::Duplicate, "this option is listed twice"));
            }
            if let Some(p) = option.label.problem(120) {
                errors.push(FieldError::new(at(&format!("options[{j}].label")), Code::Invalid, p));
            }
        }
    } else if !field.options.is_empty() {
        errors.push(FieldError::new(at("options"), Code::Invalid, "only select and multi_select fields take options"));
    }
    for (part, bound) in [("min", field.min), ("max", field.max)] {
        if let Some(problem) = bound.and_then(crate::form::number_problem) {
            errors.push(FieldError::new(at(part), Code::OutOfRange, problem));
        }
    }
    if field.integer && field.kind != crate::form::FieldKind::Number {
        errors.push(FieldError::new(at("integer"), Code::Invalid, "only number fields take whole numbers"));
    }
    match (field.min, field.max) {
        (Some(min), Some(max)) if min > max => errors.push(FieldError::new(at("min"), Code::OutOfRange, "min is above max")),
        (min, max) if (min.is_some() || max.is_some()) && field.kind != crate::form::FieldKind::Number => {
            errors.push(FieldError::new(at("min"), Code::Invalid, "only number fields take min and max"))
        }
        _ => {}
    }
    if field.max_length.is_some_and(|m| m == 0 || m > field.length_ceiling()) {
        errors.push(FieldError::new(at("max_length"), Code::OutOfRange, format!("between 1 and {}", field.length_ceiling())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> TopicInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_good_topic_passes() {
        let topic = input(json!({
            "name": {"en": "Printer", "ru": "Принтер"},
            "default_group": "service-desk",
            "fields": [
                {"key": "model", "label": {"en": "Model"}, "kind": "text", "required": true},
                {"key": "color", "label": {"en": "Colour"}, "kind": "select", "options": [{"value": "mono", "label": {"en": "Mono"}}]}
            ]
        }))
        .into_topic("printer", 1)
        .unwrap();
        assert_eq!(topic.default_priority, Priority::Medium);
        assert!(topic.active);
    }

    #[test]
    fn bad_topics_name_each_problem() {
        let errors = input(json!({
            "name": {"ru": "Принтер"},
            "default_group": "service desk",
            "fields": [
                {"key": "Model", "label": {"en": "Model"}, "kind": "text"},
                {"key": "color", "label": {"en": "Colour"}, "kind": "select"},
                {"key": "color", "label": {"en": "Again"}, "kind": "text", "options": [{"value": "x", "label": {"en": "X"}}]},
                {"key": "copies", "label": {"en": "Copies"}, "kind": "number", "min": 5, "max": 1}
            ]
        }))
        .into_topic("Printer!", 1)
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "id",
                "name",
                "default_group",
                "fields[0].key",
                "fields[1].options",
                "fields[2].key",
                "fields[2].options",
                "fields[3].min"
            ]
        );
    }

    #[test]
    fn unknown_members_are_refused() {
        let result: Result<TopicInput, _> = serde_json::from_value(json!({"name": {"en": "x"}, "default_group": "g", "colour": 1}));
        assert!(result.unwrap_err().to_string().contains("unknown field"));
    }
}
