//! The UI's message catalogue: every string people see in the web app, in English and Russian,
//! with plural rules. Keys are dotted names (`nav.queue`, `status.waiting`); the wire names of
//! statuses, priorities and error codes are part of their keys, so a new variant needs a new
//! entry (the tests check that every variant has one).
//!
//! A counted phrase has one entry per plural category of the language (`list.count.one`,
//! `list.count.few`, …) and `{n}` where the number goes.

use crate::user::Language;

mod en;
mod ru;
use en::EN;
use ru::RU;

/// The ISO code of a language: `en`, `ru`.
pub fn language_code(language: Language) -> &'static str {
    match language {
        Language::En => "en",
        Language::Ru => "ru",
    }
}

/// The language an ISO code names, if it is one of ours.
pub fn language_from_code(code: &str) -> Option<Language> {
    Language::ALL.into_iter().find(|l| language_code(*l) == code)
}

/// A language's name in itself, as language pickers show it whatever the UI's language.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Ru => "Русский",
    }
}

fn catalogue(language: Language) -> &'static [(&'static str, &'static str)] {
    match language {
        Language::En => EN,
        Language::Ru => RU,
    }
}

/// The text of `key`, falling back to English; empty for an unknown key (the tests keep the
/// catalogues complete, so that never shows).
pub fn text(language: Language, key: &str) -> &'static str {
    let find = |lang| catalogue(lang).iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    find(language).or_else(|| find(Language::En)).unwrap_or("")
}

/// The plural category of `n` in the language (CLDR rules for whole numbers).
pub fn plural_category(language: Language, n: u64) -> &'static str {
    match language {
        Language::En => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
        Language::Ru => match (n % 10, n % 100) {
            (1, m) if m != 11 => "one",
            (2..=4, m) if !(12..=14).contains(&m) => "few",
            _ => "many",
        },
    }
}

/// The categories the catalogue must give each counted phrase in the language.
pub fn plural_categories(language: Language) -> &'static [&'static str] {
    match language {
        Language::En => &["one", "other"],
        Language::Ru => &["one", "few", "many"],
    }
}

/// A counted phrase: `plural(Ru, "list.count", 3)` → "3 заявки".
pub fn plural(language: Language, key: &str, n: u64) -> String {
    let form = text(language, &format!("{key}.{}", plural_category(language, n)));
    form.replace("{n}", &n.to_string())
}

/// A duration in whole minutes, hours or days: "2 h 5 min".
pub fn duration(language: Language, seconds: i64) -> String {
    let minutes = seconds.unsigned_abs() / 60;
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} {}", text(language, "unit.day")));
    }
    if hours > 0 {
        parts.push(format!("{hours} {}", text(language, "unit.hour")));
    }
    if mins > 0 || parts.is_empty() {
        parts.push(format!("{mins} {}", text(language, "unit.minute")));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::attachment::RejectReason;
    use crate::error::{ErrorCode, FieldErrorCode};
    use crate::form::FieldKind;
    use crate::mail::MailRejection;
    use crate::notify::{ChannelKind, Notice, Suppression};
    use crate::sla::{ClockState, TargetKind};
    use crate::ticket::{Channel, Priority, Status};
    use serde::Serialize;
    use std::collections::BTreeSet;

    const LANGUAGES: [Language; 2] = Language::ALL;

    fn wire<T: Serialize>(v: &T) -> String {
        serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
    }

    /// A key without its plural category: `list.count.one` → `list.count`.
    fn base(key: &str) -> &str {
        ["one", "few", "many", "other"].iter().find_map(|c| key.strip_suffix(&format!(".{c}"))).unwrap_or(key)
    }

    fn keys(language: Language) -> BTreeSet<&'static str> {
        catalogue(language).iter().map(|(k, _)| base(k)).collect()
    }

    #[test]
    fn both_catalogues_hold_the_same_keys_once_each() {
        for language in LANGUAGES {
            let mut seen = BTreeSet::new();
            for (key, value) in catalogue(language) {
                assert!(seen.insert(*key), "{key} twice in {language:?}");
                assert!(!value.trim().is_empty(), "{key} is blank in {language:?}");
            }
        }
        assert_eq!(keys(Language::En), keys(Language::Ru));
    }

    #[test]
    fn counted_phrases_have_every_form_their_language_needs() {
        for language in LANGUAGES {
            let counted: BTreeSet<&str> = catalogue(language).iter().filter(|(k, _)| base(k) != *k).map(|(k, _)| base(k)).collect();
            assert!(!counted.is_empty());
            for key in counted {
                for category in plural_categories(language) {
                    let form = text(language, &format!("{key}.{category}"));
                    assert!(form.contains("{n}"), "{key}.{category} in {language:?}");
                }
            }
        }
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let forms: Vec<String> =
            [1, 2, 5, 11, 12, 21, 22, 25, 101, 111, 0].iter().map(|n| plural(Language::Ru, "list.total", *n)).collect();
        let words: Vec<&str> = forms.iter().map(|f| f.split(' ').nth(1).unwrap()).collect();
        assert_eq!(words, ["заявка", "заявки", "заявок", "заявок", "заявок", "заявка", "заявки", "заявок", "заявка", "заявок", "заявок"]);
        assert_eq!(plural(Language::En, "list.total", 1), "1 ticket");
        assert_eq!(plural(Language::En, "list.total", 0), "0 tickets");
    }

    #[test]
    fn every_variant_the_ui_names_has_an_entry() {
        let mut needed: Vec<String> = Vec::new();
        needed.extend(Status::ALL.iter().map(|s| format!("status.{}", wire(s))));
        needed.extend(Status::ALL.iter().map(|s| format!("action.{}", wire(s))));
        needed.extend(Priority::ALL.iter().map(|p| format!("priority.{}", wire(p))));
        needed.extend(ErrorCode::ALL.iter().map(|c| format!("error.{}", wire(c))));
        needed.extend([Channel::Web, Channel::Email, Channel::Phone, Channel::Api].iter().map(|c| format!("channel.{}", wire(c))));
        needed.extend(Notice::ALL.iter().map(|n| format!("notice.{}", wire(n))));
        needed.extend(ChannelKind::ALL.iter().map(|c| format!("via.{}", wire(c))));
        needed.extend(
            [
                Suppression::Author,
                Suppression::Preference,
                Suppression::QuietHours,
                Suppression::NoAddress,
                Suppression::Inactive,
                Suppression::NotStaff,
                Suppression::Cap,
                Suppression::NoAccess,
                Suppression::NoRecipient,
            ]
            .iter()
            .map(|s| format!("suppression.{}", wire(s))),
        );
        needed.extend(Role::PEOPLE.iter().chain([&Role::System]).map(|r| format!("role.{}", wire(r))));
        needed.extend(
            [TargetKind::FirstResponse, TargetKind::NextResponse, TargetKind::Resolution, TargetKind::Deadline]
                .iter()
                .map(|t| format!("sla.{}", wire(t))),
        );
        needed.extend(
            [ClockState::Running, ClockState::Paused, ClockState::Met, ClockState::Breached].iter().map(|c| format!("clock.{}", wire(c))),
        );
        needed.extend(FieldKind::ALL.iter().map(|k| format!("kind.{}", wire(k))));
        needed.extend(
            [RejectReason::TooLarge, RejectReason::SizeMismatch, RejectReason::TypeNotAllowed, RejectReason::Empty]
                .iter()
                .map(|r| format!("upload.rejected.{}", wire(r))),
        );
        needed.extend(
            [
                MailRejection::Unreadable,
                MailRejection::NoSender,
                MailRejection::SenderNotAllowed,
                MailRejection::RateLimited,
                MailRejection::TooLarge,
            ]
            .iter()
            .map(|r| format!("rejected.reason.{}", wire(r))),
        );
        needed.extend(
            [
                FieldErrorCode::Required,
                FieldErrorCode::WrongType,
                FieldErrorCode::TooLong,
                FieldErrorCode::OutOfRange,
                FieldErrorCode::UnknownOption,
                FieldErrorCode::UnknownField,
                FieldErrorCode::InvalidDate,
                FieldErrorCode::InvalidAssetTag,
                FieldErrorCode::Invalid,
                FieldErrorCode::Duplicate,
            ]
            .iter()
            .map(|c| format!("field_error.{}", wire(c))),
        );
        for key in needed {
            assert!(!text(Language::En, &key).is_empty(), "no entry {key}");
        }
    }

    /// Every key the web UI names literally (`i.t("…")`, `i.count("…")`) is in the catalogue.
    #[test]
    fn every_key_the_frontend_uses_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/src");
        let mut files = vec![root];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for call in [".t(\"", ".count(\""] {
                for (at, _) in source.match_indices(call) {
                    let rest = &source[at + call.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    let key_found = catalogue(Language::En).iter().any(|(k, _)| *k == key || base(k) == key);
                    assert!(key_found, "{} uses '{key}', which the catalogue lacks", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "only {checked} keys found: did the frontend move?");
    }
}
