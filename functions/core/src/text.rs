//! Text in several languages, as used by topic names and form labels.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The languages the product ships complete catalogues for.
pub const SUPPORTED_LANGUAGES: [&str; 2] = ["en", "ru"];
/// The language every localized text must have, and the fallback when a translation is missing.
pub const DEFAULT_LANGUAGE: &str = "en";

/// A text keyed by language code: `{"en": "Printer", "ru": "Принтер"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        Self(pairs.iter().map(|(lang, text)| (lang.to_string(), text.to_string())).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text in `lang`, else in the default language, else any.
    pub fn get(&self, lang: &str) -> &str {
        self.0.get(lang).or_else(|| self.0.get(DEFAULT_LANGUAGE)).or_else(|| self.0.values().next()).map(String::as_str).unwrap_or("")
    }

    /// Why this text is unusable as a label, if it is: it needs a non-blank default-language
    /// entry, only supported languages, and no blank or over-long entries.
    pub fn problem(&self, max_chars: usize) -> Option<String> {
        if self.0.get(DEFAULT_LANGUAGE).is_none_or(|t| t.trim().is_empty()) {
            return Some(format!("needs a non-empty '{DEFAULT_LANGUAGE}' text"));
        }
        for (lang, text) in &self.0 {
            if !SUPPORTED_LANGUAGES.contains(&lang.as_str()) {
                return Some(format!("unsupported language '{lang}'"));
            }
            if text.trim().is_empty() {
                return Some(format!("the '{lang}' text is blank"));
            }
            if text.chars().count() > max_chars {
                return Some(format!("the '{lang}' text is longer than {max_chars} characters"));
            }
        }
        None
    }
}
