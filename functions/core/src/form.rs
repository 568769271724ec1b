//! Form schemas of topics and the validation of submitted values. The browser runs the same code
//! before sending, the server runs it again before storing.

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::limits::{DEFAULT_MULTILINE_FIELD_CHARS, DEFAULT_TEXT_FIELD_CHARS, MAX_FIELD_NUMBER, MIN_FIELD_NUMBER};
use crate::text::LocalizedText;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Multiline,
    Number,
    Select,
    MultiSelect,
    Checkbox,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An equipment or asset tag such as `LT-04211`: letters, digits and dashes, stored upper-case.
    AssetTag,
}

impl FieldKind {
    pub const ALL: [FieldKind; 8] = [
        FieldKind::Text,
        FieldKind::Multiline,
        FieldKind::Number,
        FieldKind::Select,
        FieldKind::MultiSelect,
        FieldKind::Checkbox,
        FieldKind::Date,
        FieldKind::AssetTag,
    ];

    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Select | FieldKind::MultiSelect)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldOption {
    pub value: String,
    pub label: LocalizedText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The key values are stored under: lower-case letters, digits and `_`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z][a-z0-9_]{0,39}$"))]
    pub key: String,
    pub label: LocalizedText,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<LocalizedText>,
    /// Choices of `select` and `multi_select` fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub options: Vec<FieldOption>,
    /// Bounds of `number` fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = -1000000000000000.0, maximum = 1000000000000000.0))]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = -1000000000000000.0, maximum = 1000000000000000.0))]
    pub max: Option<f64>,
    /// `number` fields that take whole numbers only (seats, copies), shown without decimals.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub integer: bool,
    /// Length limit of text fields, in characters; at most the kind's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 8000))]
    pub max_length: Option<usize>,
}

impl FieldDef {
    pub fn new(key: &str, label: LocalizedText, kind: FieldKind, required: bool) -> Self {
        Self { key: key.into(), label, kind, required, help: None, options: vec![], min: None, max: None, integer: false, max_length: None }
    }

    pub fn with_options(mut self, options: &[(&str, &str, &str)]) -> Self {
        self.options = options
            .iter()
            .map(|(value, en, ru)| FieldOption { value: value.to_string(), label: LocalizedText::new(&[("en", en), ("ru", ru)]) })
            .collect();
        self
    }

    pub fn with_range(mut self, min: f64, max: f64) -> Self {
        (self.min, self.max) = (Some(min), Some(max));
        self
    }

    /// A `number` field of whole numbers.
    pub fn whole_numbers(mut self) -> Self {
        self.integer = true;
        self
    }

    /// The most `max_length` may be for this field's kind.
    pub fn length_ceiling(&self) -> usize {
        match self.kind {
            FieldKind::Multiline => DEFAULT_MULTILINE_FIELD_CHARS,
            _ => DEFAULT_TEXT_FIELD_CHARS,
        }
    }

    /// The longest text this field takes, in characters.
    pub fn max_chars(&self) -> usize {
        self.max_length.map_or(self.length_ceiling(), |m| m.min(self.length_ceiling()))
    }
}

/// A validated field value. Its JSON is plain (`"HP 402"`, `3`, `2.5`, `true`, `["vpn","mail"]`;
/// whole numbers without a fraction); the schema, not the value, says which kind it is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum FieldValue {
    Flag(bool),
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl Serialize for FieldValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Flag(b) => serializer.serialize_bool(*b),
            FieldValue::Number(n) if is_whole(*n) => serializer.serialize_i64(*n as i64),
            FieldValue::Number(n) => serializer.serialize_f64(*n),
            FieldValue::Text(t) => serializer.serialize_str(t),
            FieldValue::List(items) => items.serialize(serializer),
        }
    }
}

impl FieldValue {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Whether a number has no fraction and fits an `i64` exactly (the field limits keep it so).
pub fn is_whole(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() <= MAX_FIELD_NUMBER
}

/// A number as people read it: `3`, `2.5`, never `3.0`.
pub fn number_text(n: f64) -> String {
    if is_whole(n) { (n as i64).to_string() } else { n.to_string() }
}

/// Why a number cannot be a field value or bound, if it cannot.
pub fn number_problem(n: f64) -> Option<String> {
    let magnitude = n.abs();
    (!n.is_finite() || magnitude > MAX_FIELD_NUMBER || (magnitude != 0.0 && magnitude < MIN_FIELD_NUMBER))
        .then(|| format!("numbers from -{MAX_FIELD_NUMBER:e} to {MAX_FIELD_NUMBER:e}, to six decimal places"))
}

pub type FieldValues = BTreeMap<String, FieldValue>;

/// Stored values as the raw JSON a form submits: to merge a change over them, or to prefill an
/// edit form.
pub fn raw_values(values: &FieldValues) -> BTreeMap<String, Value> {
    values.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()
}

/// Validates raw submitted values against a topic's fields. A `null` counts as not given.
/// Returns every problem at once, so a form can mark all its fields in one round trip.
pub fn validate_values(fields: &[FieldDef], input: &BTreeMap<String, Value>) -> Result<FieldValues, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = input
        .keys()
        .filter(|key| !fields.iter().any(|f| &f.key == *key))
        .map(|key| FieldError::new(key.as_str(), Code::UnknownField, "this topic has no such field"))
        .collect();
    let mut values = FieldValues::new();
    for def in fields {
        match input.get(&def.key).filter(|v| !v.is_null()) {
            None if def.required => errors.push(FieldError::new(&def.key, Code::Required, "this field is required")),
            None => {}
            Some(raw) => match validate_value(def, raw) {
                Ok(Some(value)) => {
                    values.insert(def.key.clone(), value);
                }
                Ok(None) if def.required => errors.push(FieldError::new(&def.key, Code::Required, "this field is required")),
                Ok(None) => {}
                Err(e) => errors.push(e),
            },
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

/// One value against its definition; `Ok(None)` for an empty value (blank text, no choices,
/// an unticked box).
fn validate_value(def: &FieldDef, raw: &Value) -> Result<Option<FieldValue>, FieldError> {
    let err = |code, message: String| FieldError::new(&def.key, code, message);
    let wrong_type = |expected: &str| err(Code::WrongType, format!("expected {expected}"));
    match def.kind {
        FieldKind::Text | FieldKind::Multiline => {
            let text = raw.as_str().ok_or_else(|| wrong_type("a string"))?.trim();
            if text.chars().count() > def.max_chars() {
                return Err(err(Code::TooLong, format!("at most {} characters", def.max_chars())));
            }
            Ok((!text.is_empty()).then(|| FieldValue::Text(text.to_string())))
        }
        FieldKind::Number => {
            let n = raw.as_f64().filter(|n| n.is_finite()).ok_or_else(|| wrong_type("a number"))?;
            if let Some(problem) = number_problem(n) {
                return Err(err(Code::OutOfRange, problem));
            }
            if def.integer && n.fract() != 0.0 {
                return Err(err(Code::WrongType, "expected a whole number".into()));
            }
            if def.min.is_some_and(|min| n < min) || def.max.is_some_and(|max| n > max) {
                let bound = |b: Option<f64>| b.map_or("…".to_string(), number_text);
                return Err(err(Code::OutOfRange, format!("must be between {} and {}", bound(def.min), bound(def.max))));
            }
            Ok(Some(FieldValue::Number(n)))
        }
        FieldKind::Select => {
            let choice = raw.as_str().ok_or_else(|| wrong_type("one of the options"))?;
            if choice.is_empty() {
                return Ok(None);
            }
            check_option(def, choice)?;
            Ok(Some(FieldValue::Text(choice.to_string())))
        }
        FieldKind::MultiSelect => {
            let items = raw.as_array().ok_or_else(|| wrong_type("a list of options"))?;
            let mut chosen = Vec::with_capacity(items.len());
            for item in items {
                let choice = item.as_str().ok_or_else(|| wrong_type("a list of options"))?;
                check_option(def, choice)?;
                if !chosen.iter().any(|c| c == choice) {
                    chosen.push(choice.to_string());
                }
            }
            Ok((!chosen.is_empty()).then_some(FieldValue::List(chosen)))
        }
        FieldKind::Checkbox => {
            let ticked = raw.as_bool().ok_or_else(|| wrong_type("true or false"))?;
            // A required checkbox is a confirmation: only a tick satisfies it.
            Ok(if ticked || !def.required { Some(FieldValue::Flag(ticked)) } else { None })
        }
        FieldKind::Date => {
            let text = raw.as_str().ok_or_else(|| wrong_type("a date (YYYY-MM-DD)"))?.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let date =
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| err(Code::InvalidDate, "expected a date as YYYY-MM-DD".into()))?;
            Ok(Some(FieldValue::Text(date.format("%Y-%m-%d").to_string())))
        }
        FieldKind::AssetTag => {
            let tag = raw.as_str().ok_or_else(|| wrong_type("an asset tag"))?.trim().to_ascii_uppercase();
            if tag.is_empty() {
                return Ok(None);
            }
            if !is_asset_tag(&tag) {
                return Err(err(Code::InvalidAssetTag, "2 to 32 letters, digits or dashes, starting with a letter or digit".into()));
            }
            Ok(Some(FieldValue::Text(tag)))
        }
    }
}

fn check_option(def: &FieldDef, choice: &str) -> Result<(), FieldError> {
    if def.options.iter().any(|o| o.value == choice) {
        Ok(())
    } else {
        Err(FieldError::new(&def.key, Code::UnknownOption, format!("'{choice}' is not one of the options")))
    }
}

fn is_asset_tag(tag: &str) -> bool {
    (2..=32).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') && !tag.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label(en: &str) -> LocalizedText {
        LocalizedText::new(&[("en", en)])
    }

    fn schema() -> Vec<FieldDef> {
        vec![
            FieldDef::new("model", label("Model"), FieldKind::Text, true),
            FieldDef::new("copies", label("Copies"), FieldKind::Number, false).with_range(1.0, 500.0),
            FieldDef::new("color", label("Colour"), FieldKind::Select, false)
                .with_options(&[("mono", "Mono", "Ч/б"), ("color", "Colour", "Цвет")]),
            FieldDef::new("apps", label("Apps"), FieldKind::MultiSelect, false)
                .with_options(&[("mail", "Mail", "Почта"), ("vpn", "VPN", "VPN")]),
            FieldDef::new("agree", label("I agree"), FieldKind::Checkbox, true),
            FieldDef::new("needed_by", label("Needed by"), FieldKind::Date, false),
            FieldDef::new("asset", label("Asset tag"), FieldKind::AssetTag, false),
            FieldDef::new("details", label("Details"), FieldKind::Multiline, false),
        ]
    }

    fn input(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, Code)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    #[test]
    fn accepts_and_normalises_good_values() {
        let values = validate_values(
            &schema(),
            &input(json!({
                "model": "  HP LaserJet 402  ", "copies": 3, "color": "mono", "apps": ["vpn", "mail", "vpn"],
                "agree": true, "needed_by": "2026-12-01", "asset": "lt-0042", "details": null
            })),
        )
        .unwrap();
        assert_eq!(values["model"], FieldValue::Text("HP LaserJet 402".into()));
        assert_eq!(values["copies"], FieldValue::Number(3.0));
        assert_eq!(values["apps"], FieldValue::List(vec!["vpn".into(), "mail".into()]));
        assert_eq!(values["asset"], FieldValue::Text("LT-0042".into()));
        assert!(!values.contains_key("details"));
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errors = validate_values(
            &schema(),
            &input(json!({
                "model": 42, "copies": 501, "color": "purple", "apps": "vpn", "agree": false,
                "needed_by": "2026-02-30", "asset": "-X", "colour": "mono"
            })),
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                ("colour", Code::UnknownField),
                ("model", Code::WrongType),
                ("copies", Code::OutOfRange),
                ("color", Code::UnknownOption),
                ("apps", Code::WrongType),
                ("agree", Code::Required),
                ("needed_by", Code::InvalidDate),
                ("asset", Code::InvalidAssetTag),
            ]
        );
    }

    #[test]
    fn blank_required_text_is_missing() {
        let errors = validate_values(&schema(), &input(json!({"model": "   ", "agree": true}))).unwrap_err();
        assert_eq!(codes(&errors), vec![("model", Code::Required)]);
        let errors = validate_values(&schema(), &input(json!({"agree": true}))).unwrap_err();
        assert_eq!(codes(&errors), vec![("model", Code::Required)]);
    }

    #[test]
    fn text_length_is_limited() {
        let long = "x".repeat(DEFAULT_TEXT_FIELD_CHARS + 1);
        let errors = validate_values(&schema(), &input(json!({"model": long, "agree": true}))).unwrap_err();
        assert_eq!(codes(&errors), vec![("model", Code::TooLong)]);
        let multiline_ok = "y".repeat(DEFAULT_TEXT_FIELD_CHARS + 1);
        assert!(validate_values(&schema(), &input(json!({"model": "m", "agree": true, "details": multiline_ok}))).is_ok());
    }

    #[test]
    fn numbers_stay_within_what_is_stored_exactly() {
        let schema = vec![
            FieldDef::new("seats", label("Seats"), FieldKind::Number, false).whole_numbers(),
            FieldDef::new("weight", label("Weight"), FieldKind::Number, false),
        ];
        for hostile in [json!(1e300), json!(-1e200), json!(5e-324), json!(1e16)] {
            let errors = validate_values(&schema, &input(json!({ "weight": hostile }))).unwrap_err();
            assert_eq!(codes(&errors), vec![("weight", Code::OutOfRange)], "{hostile}");
        }
        let errors = validate_values(&schema, &input(json!({"seats": 2.5}))).unwrap_err();
        assert_eq!(codes(&errors), vec![("seats", Code::WrongType)]);
        let values = validate_values(&schema, &input(json!({"seats": 3, "weight": 2.5}))).unwrap();
        assert_eq!((values["seats"].to_json(), values["weight"].to_json()), (json!(3), json!(2.5)));
        assert_eq!((number_text(3.0), number_text(2.5), number_text(-0.0)), ("3".to_string(), "2.5".to_string(), "0".to_string()));
    }

    #[test]
    fn values_serialize_plainly() {
        let values = validate_values(&schema(), &input(json!({"model": "m", "agree": true, "copies": 2}))).unwrap();
        assert_eq!(serde_json::to_value(&values).unwrap(), json!({"agree": true, "copies": 2, "model": "m"}));
    }
}
