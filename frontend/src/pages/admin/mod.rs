//! Admin pages, a module per area: topics and their forms, users, groups (and a group's Telegram
//! chat); `editor` holds what their forms share.

mod editor;
mod group_telegram;
mod groups;
mod topics;
mod users;

pub use groups::Groups;
pub use topics::{TopicEditor, Topics};
pub use users::Users;
