//! Text being typed, kept in this tab's session storage until it is sent: a session that ends
//! meanwhile (signed out in another tab, expired) costs nobody what they wrote. After signing in
//! again the page comes back with the draft in place.

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

const PREFIX: &str = "helpdesk.draft.";

/// The key of a draft: whose it is and what it belongs to (`reply`, `HD-1042`).
pub fn key(user: &str, kind: &str, of: &str) -> String {
    format!("{PREFIX}{user}.{kind}.{of}")
}

/// Forgets every draft of this tab: signing out on purpose leaves nothing for the next person.
pub fn forget_all() {
    let Some(storage) = storage() else { return };
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..count).filter_map(|i| storage.key(i).ok().flatten()).filter(|k| k.starts_with(PREFIX)).collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
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
