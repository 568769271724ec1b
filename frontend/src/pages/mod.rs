pub mod admin;
mod bulk;
pub mod kb;
pub mod login;
pub mod new_ticket;
pub mod queue;
pub mod rate;
pub mod reports;
pub mod search;
pub mod settings;
pub mod ticket;
pub mod tickets;

/// Whether the person is typing in a field: keyboard shortcuts and live redraws wait then.
pub fn typing() -> bool {
    leptos::prelude::document().active_element().is_some_and(|e| matches!(e.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"))
}
