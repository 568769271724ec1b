//! Admin pages, a module per area: topics and their forms, users, groups; `editor` holds what
//! their forms share.

mod editor;
mod groups;
mod topics;
mod users;

pub use groups::Groups;
pub use topics::{TopicEditor, Topics};
pub use users::Users;
