//! People and groups. A user signs in with a local password or through LDAP; agents work the
//! queues of their groups.

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::permissions::{Actor, Role};
use crate::text::{LocalizedText, SUPPORTED_LANGUAGES};
use crate::topic::{is_plain_id, is_slug};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Ru,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Ru];
}

/// Where the account's password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountSource {
    #[default]
    Local,
    /// Provisioned and refreshed from the directory at each sign-in.
    Ldap,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The sign-in name, e.g. `anna.petrova`.
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// For Telegram notifications.
    #[serde(default)]
    pub telegram_chat_id: Option<String>,
    pub role: Role,
    /// Groups (queues) an agent works.
    #[serde(default)]
    pub groups: Vec<String>,
    /// An agent who may write knowledge-base articles.
    #[serde(default)]
    pub knowledge_editor: bool,
    pub active: bool,
    #[serde(default)]
    pub source: AccountSource,
    /// Bumped to end every session of the user at once (sign-out, disable, new password).
    #[serde(default)]
    pub session_version: u64,
    /// When mail to `email` last bounced: no mail goes there until the address changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_bounced_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: u64,
}

impl User {
    /// An active account with the essentials; the optional profile fields empty.
    pub fn new(id: &str, name: &str, email: &str, role: Role, groups: &[&str], source: AccountSource) -> Self {
        User {
            id: id.into(),
            name: name.into(),
            email: email.into(),
            phone: None,
            language: Language::default(),
            department: None,
            location: None,
            telegram_chat_id: None,
            role,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            knowledge_editor: false,
            active: true,
            source,
            session_version: 0,
            mail_bounced_at: None,
            version: 1,
        }
    }

    pub fn actor(&self) -> Actor {
        let groups: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        Actor::new(&self.id, self.role).in_groups(&groups).editing_knowledge(self.knowledge_editor)
    }
}

/// What an admin sends to create or replace a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(?!none$)[a-z0-9._-]{1,64}$"))]
    pub id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 120))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub telegram_chat_id: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub groups: Vec<String>,
    /// An agent who may write knowledge-base articles.
    #[serde(default)]
    pub knowledge_editor: bool,
    #[serde(default = "yes")]
    pub active: bool,
    /// A new local password (at least 10 characters); absent keeps the current one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: Option<String>,
}

fn yes() -> bool {
    true
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// Words no account may take: the API gives them a meaning of their own (`assignee=none`).
pub const RESERVED_USER_IDS: [&str; 1] = [crate::api::UNASSIGNED];

/// A user id: 1 to 64 lower-case letters, digits, `.`, `-` or `_`, and not a reserved word.
pub fn is_user_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'))
        && !RESERVED_USER_IDS.contains(&s)
}

fn optional_text(field: &str, value: &Option<String>, max: usize, errors: &mut Vec<FieldError>) {
    if value.as_ref().is_some_and(|v| v.trim().is_empty() || v.chars().count() > max) {
        errors.push(FieldError::new(field, Code::Invalid, format!("1 to {max} characters, or leave it out")));
    }
}

impl UserInput {
    /// Checks the input; `existing` is the user being replaced. Returns the user and the new
    /// password to hash, if one was given.
    pub fn into_user(self, id: &str, existing: Option<&User>) -> Result<(User, Option<String>), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_user_id(id) {
            errors.push(FieldError::new("id", Code::Invalid, "1 to 64 lower-case letters, digits, '.', '-' or '_'; not 'none'"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            errors.push(FieldError::new("name", Code::Invalid, "1 to 120 characters"));
        }
        let email = self.email.trim().to_ascii_lowercase();
        let valid_email = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !email.contains(' '));
        if !valid_email {
            errors.push(FieldError::new("email", Code::Invalid, "an email address"));
        }
        optional_text("phone", &self.phone, 40, &mut errors);
        optional_text("department", &self.department, 120, &mut errors);
        optional_text("location", &self.location, 120, &mut errors);
        optional_text("telegram_chat_id", &self.telegram_chat_id, 40, &mut errors);
        if self.role == Role::System {
            errors.push(FieldError::new("role", Code::Invalid, "requester, agent or admin"));
        }
        for (i, group) in self.groups.iter().enumerate() {
            if !is_plain_id(group) {
                errors.push(FieldError::new(format!("groups[{i}]"), Code::Invalid, "a group id"));
            }
        }
        if self.password.as_ref().is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS || p.len() > 1024) {
            errors.push(FieldError::new("password", Code::Invalid, format!("at least {MIN_PASSWORD_CHARS} characters")));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let session_version = existing.map_or(0, |u| {
            // A new password or a disabled account ends the sessions it had.
            u.session_version + u64::from(self.password.is_some() || !self.active)
        });
        let self_email = email.clone();
        let user = User {
            id: id.into(),
            name: self.name.trim().into(),
            email,
            phone: self.phone,
            language: self.language,
            department: self.department,
            location: self.location,
            telegram_chat_id: self.telegram_chat_id,
            role: self.role,
            groups: self.groups,
            knowledge_editor: self.knowledge_editor,
            active: self.active,
            source: existing.map_or(AccountSource::Local, |u| u.source),
            session_version,
            // A bounce is about the address: a new address is worth a try.
            mail_bounced_at: existing.filter(|u| u.email == self_email).and_then(|u| u.mail_bounced_at),
            version: existing.map_or(1, |u| u.version + 1),
        };
        Ok((user, self.password))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: String,
    /// The name in the default language (English), and where no translation is given.
    pub name: String,
    /// The name in other languages, by language code (`ru`).
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub names: LocalizedText,
    #[serde(default)]
    pub description: Option<String>,
    pub version: u64,
}

impl Group {
    /// The group's name in `lang`.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.0.get(lang).map_or(&self.name, String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"))]
    pub id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 120))]
    pub name: String,
    /// Translations of the name (`{"ru": "Первая линия"}`); the languages the UI speaks.
    #[serde(default)]
    pub names: LocalizedText,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub description: Option<String>,
}

impl GroupInput {
    pub fn into_group(self, id: &str, version: u64) -> Result<Group, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_slug(id) {
            errors.push(FieldError::new("id", Code::Invalid, "1 to 40 lower-case letters, digits or dashes"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            errors.push(FieldError::new("name", Code::Invalid, "1 to 120 characters"));
        }
        optional_text("description", &self.description, 2000, &mut errors);
        let names = LocalizedText(
            self.names.0.into_iter().map(|(lang, text)| (lang, text.trim().to_string())).filter(|(_, t)| !t.is_empty()).collect(),
        );
        for (lang, text) in &names.0 {
            if !SUPPORTED_LANGUAGES.contains(&lang.as_str()) || text.chars().count() > 120 {
                errors.push(FieldError::new(format!("names.{lang}"), Code::Invalid, "a supported language, 1 to 120 characters"));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Group { id: id.into(), name: self.name.trim().into(), names, description: self.description, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_has_a_name_per_language() {
        let input = |names: serde_json::Value| -> GroupInput {
            serde_json::from_value(serde_json::json!({"name": "Service desk", "names": names})).unwrap()
        };
        let group = input(serde_json::json!({"ru": " Первая линия ", "en": ""})).into_group("service-desk", 1).unwrap();
        assert_eq!((group.name_in("ru"), group.name_in("en"), group.name_in("de")), ("Первая линия", "Service desk", "Service desk"));
        assert_eq!(group.names, LocalizedText::new(&[("ru", "Первая линия")]), "trimmed, blank ones dropped");
        let unknown = input(serde_json::json!({"de": "Erste Linie"})).into_group("service-desk", 1).unwrap_err();
        assert_eq!(unknown[0].field, "names.de");
    }
    use serde_json::json;

    fn input(v: serde_json::Value) -> UserInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_user_is_checked_and_normalised() {
        let (user, password) = input(json!({"name": " Anna Petrova ", "email": "Anna@Example.COM", "role": "requester",
            "language": "ru", "password": "correct horse battery"}))
        .into_user("anna.petrova", None)
        .unwrap();
        assert_eq!(
            (user.name.as_str(), user.email.as_str(), user.language, user.version),
            ("Anna Petrova", "anna@example.com", Language::Ru, 1)
        );
        assert_eq!(password.as_deref(), Some("correct horse battery"));
        let errors = input(json!({"name": "", "email": "nope", "role": "system", "password": "short", "groups": ["a b"]}))
            .into_user("Anna", None)
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "name", "email", "role", "groups[0]", "password"]);
    }

    #[test]
    fn reserved_words_are_no_user_ids() {
        assert!(is_user_id("anna.petrova") && is_user_id("nonentity"));
        assert!(!is_user_id("none"), "'none' selects unassigned tickets");
        let errors = input(json!({"name": "N", "email": "n@x.org", "role": "agent"})).into_user("none", None).unwrap_err();
        assert_eq!(errors[0].field, "id");
    }

    #[test]
    fn a_new_password_or_disabling_ends_sessions() {
        let (user, _) = input(json!({"name": "A", "email": "a@x.org", "role": "agent"})).into_user("a", None).unwrap();
        let (same, _) = input(json!({"name": "A", "email": "a@x.org", "role": "agent"})).into_user("a", Some(&user)).unwrap();
        assert_eq!((same.session_version, same.version), (0, 2));
        let (new_password, _) =
            input(json!({"name": "A", "email": "a@x.org", "role": "agent", "password": "0123456789"})).into_user("a", Some(&user)).unwrap();
        assert_eq!(new_password.session_version, 1);
        let (disabled, _) =
            input(json!({"name": "A", "email": "a@x.org", "role": "agent", "active": false})).into_user("a", Some(&user)).unwrap();
        assert_eq!(disabled.session_version, 1);
    }
}
