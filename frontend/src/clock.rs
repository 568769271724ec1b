//! The browser's clock: the moment now, a signal that moves on by itself so "in 25 min" and
//! "3 h overdue" stay true while a page stays open, and time zones by the browser's own rules.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use helpdesk_core::calendar::ZoneRules;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The moment the browser says it is.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The time now, updated every `seconds` while the calling component lives.
pub fn ticking(seconds: u64) -> ReadSignal<DateTime<Utc>> {
    let (time, set_time) = signal(now());
    if let Ok(handle) = set_interval_with_handle(move || set_time.set(now()), std::time::Duration::from_secs(seconds)) {
        on_cleanup(move || handle.clear());
    }
    time
}

/// A time zone's rules as the browser knows them (Intl), for the domain crate's calendar
/// arithmetic in the web UI: the same answers as the server's zone database without shipping it.
pub struct BrowserZone {
    format: js_sys::Intl::DateTimeFormat,
}

impl BrowserZone {
    /// The zone named `name` (`Europe/Berlin`), if the browser knows it.
    pub fn new(name: &str) -> Option<Self> {
        let options = js_sys::Object::new();
        for (key, value) in [
            ("timeZone", name),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "2-digit"),
            ("day", "2-digit"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("second", "2-digit"),
        ] {
            js_sys::Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        // Constructed through Reflect so that an unknown zone (a RangeError) is an answer, not a trap.
        let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let constructor: js_sys::Function = js_sys::Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
        let args = js_sys::Array::of2(&"en-US".into(), &options);
        let format = js_sys::Reflect::construct(&constructor, &args).ok()?;
        Some(BrowserZone { format: format.unchecked_into() })
    }

    /// The zone's offset from UTC at `at`, in seconds.
    fn offset(&self, at: DateTime<Utc>) -> i64 {
        (self.to_local(at) - at.naive_utc()).num_seconds()
    }
}

impl ZoneRules for BrowserZone {
    fn instants_of(&self, local: NaiveDateTime) -> LocalResult<DateTime<Utc>> {
        // The offsets in force half a day either side cover any single transition: each gives a
        // candidate, kept if the zone reads it back as `local`.
        let guess = Utc.from_utc_datetime(&local);
        let mut found: Vec<DateTime<Utc>> = [guess - Duration::hours(12), guess + Duration::hours(12)]
            .into_iter()
            .map(|probe| guess - Duration::seconds(self.offset(probe)))
            .filter(|candidate| self.to_local(*candidate) == local)
            .collect();
        found.sort();
        found.dedup();
        match found.as_slice() {
            [] => LocalResult::None,
            [one] => LocalResult::Single(*one),
            [early, .., late] => LocalResult::Ambiguous(*early, *late),
        }
    }

    fn to_local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
        let parts = self.format.format_to_parts(&date);
        let part = |name: &str| -> u32 {
            parts
                .iter()
                .find(|p| js_sys::Reflect::get(p, &"type".into()).ok().and_then(|t| t.as_string()).as_deref() == Some(name))
                .and_then(|p| js_sys::Reflect::get(&p, &"value".into()).ok()?.as_string()?.parse().ok())
                .unwrap_or_default()
        };
        NaiveDate::from_ymd_opt(part("year") as i32, part("month"), part("day"))
            .and_then(|d| d.and_hms_opt(part("hour"), part("minute"), part("second")))
            // Intl always gives every part; a browser that did not would read as UTC.
            .unwrap_or_else(|| at.naive_utc())
    }
}
