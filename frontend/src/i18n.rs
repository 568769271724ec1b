//! The UI's language: every visible string comes from the catalogue in the domain crate
//! (`helpdesk_core::messages`), in the language of the user's profile. Choosing another stores
//! it in the profile (so it follows them to other devices and into their notifications) and in
//! this browser, for the sign-in page.

use crate::api::Failure;
use chrono::{DateTime, Utc};
use helpdesk_core::FieldError;
use helpdesk_core::messages;
use helpdesk_core::text::LocalizedText;
use helpdesk_core::user::Language;
use leptos::prelude::*;
use serde::Serialize;

#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Language>,
}

pub fn use_i18n() -> I18n {
    expect_context()
}

/// The wire name of an enum value: `waiting`, `version_conflict`, `multi_select`.
pub fn wire<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Where this browser keeps the last language chosen in it.
const STORAGE_KEY: &str = "helpdesk.language";

/// The language last chosen in this browser, for the page before sign-in.
pub fn remembered() -> Option<Language> {
    messages::language_from_code(&storage()?.get_item(STORAGE_KEY).ok()??)
}

/// The first of the browser's preferred languages that we speak (`ru-RU` → Russian): what a
/// page before sign-in (the sign-in page, a rating link) speaks until someone chooses.
pub fn preferred_by_browser() -> Option<Language> {
    let languages = web_sys::window()?.navigator().languages();
    languages.iter().filter_map(|l| l.as_string()).find_map(|tag| {
        let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        messages::language_from_code(&primary)
    })
}

impl I18n {
    pub fn t(self, key: &str) -> &'static str {
        messages::text(self.lang.get(), key)
    }

    /// A counted phrase in the language's plural form: "3 tickets", "3 заявки".
    pub fn count(self, key: &str, n: u64) -> String {
        messages::plural(self.lang.get(), key, n)
    }

    pub fn code(self) -> &'static str {
        messages::language_code(self.lang.get())
    }

    /// A topic name or form label in the UI's language.
    pub fn local(self, text: &LocalizedText) -> String {
        text.get(self.code()).to_string()
    }

    /// Switches the UI; remembers the choice in this browser and, when someone is signed in,
    /// in their profile.
    pub fn choose(self, language: Language, signed_in: bool) {
        self.lang.set(language);
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORAGE_KEY, messages::language_code(language));
        }
        if signed_in {
            let preferences = helpdesk_core::api::MyPreferences { language: Some(language) };
            leptos::task::spawn_local(async move {
                // The UI has switched already; a failure here only means the profile keeps the old one.
                let _ = crate::api::send::<serde_json::Value>(gloo_net::http::Method::PATCH, "/api/auth/me", &preferences).await;
            });
        }
    }

    /// What went wrong, for people: by the error's stable code, never the server's English text.
    pub fn failure(self, failure: &Failure) -> String {
        match failure {
            Failure::Network => self.t("error.network").to_string(),
            Failure::Api(e) => {
                let key = format!("error.{}", wire(&e.code));
                let text = self.t(&key);
                if text.is_empty() { self.t("error.internal").to_string() } else { text.to_string() }
            }
        }
    }

    pub fn field_error(self, error: &FieldError) -> &'static str {
        self.t(&format!("field_error.{}", wire(&error.code)))
    }

    /// A moment in the browser's time zone, in the UI language's style.
    pub fn when(self, at: DateTime<Utc>) -> String {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
        let options = js_sys::Object::new();
        for (name, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
            let _ = js_sys::Reflect::set(&options, &name.into(), &value.into());
        }
        date.to_locale_string(self.t("locale"), &options).into()
    }

    /// A calendar day in the UI language's style ("1 Dec 2026", "1 дек. 2026 г.").
    pub fn day(self, day: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        // Local noon: the same day whatever the browser's zone does at midnight.
        let date = js_sys::Date::new_with_year_month_day_hr_min_sec(day.year() as u32, day.month0() as i32, day.day() as i32, 12, 0, 0);
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        date.to_locale_date_string(self.t("locale"), &options).into()
    }

    /// A duration in whole minutes, hours or days: "2 h 5 min".
    pub fn duration(self, seconds: i64) -> String {
        messages::duration(self.lang.get(), seconds)
    }
}
