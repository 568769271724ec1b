//! The browser's clock: the moment now, and a signal that moves on by itself so "in 25 min" and
//! "3 h overdue" stay true while a page stays open.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::time::Duration;

/// The moment the browser says it is.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The time now, updated every `seconds` while the calling component lives.
pub fn ticking(seconds: u64) -> ReadSignal<DateTime<Utc>> {
    let (time, set_time) = signal(now());
    if let Ok(handle) = set_interval_with_handle(move || set_time.set(now()), Duration::from_secs(seconds)) {
        on_cleanup(move || handle.clear());
    }
    time
}
