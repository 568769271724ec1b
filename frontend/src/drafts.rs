//! Text being typed, kept in this tab's session storage until it is sent: a session that ends
//! meanwhile (signed out in another tab, expired) costs nobody what they wrote. After signing in
//! again the page comes back with the draft in place.

use serde::Serialize;
use serde::de::DeserializeOwned;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The key of a draft: whose it is and what it belongs to (`reply`, `HD-1042`).
pub fn key(user: &str, kind: &str, of: &str) -> String {
    format!("helpdesk.draft.{user}.{kind}.{of}")
}

pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

pub fn save<T: Serialize>(key: &str, draft: &T) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(draft)) {
        let _ = storage.set_item(key, &json);
    }
}

pub fn clear(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}
