//! Text being typed, kept in this tab's session storage until it is sent: a session that ends
//! meanwhile (signed out in another tab, expired) costs nobody what they wrote. After signing in
//! again the page comes back with the draft in place.

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The key of a draft: whose it is and what it belongs to (`reply`, `HD-1042`).
pub fn key(user: &str, kind: &str, of: &str) -> String {
    format!("helpdesk.draft.{user}.{kind}.{of}")
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

pub fn save(key: &str, draft: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, draft);
    }
}

pub fn clear(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}
