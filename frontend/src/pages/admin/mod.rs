//! Admin pages, a module per area: topics and their forms, users, groups (and a group's Telegram
//! chat), the mail the intake rejected, reply templates, service levels (SLA plans and business calendars);
//! `editor` holds what their forms share.

mod editor;
mod group_telegram;
mod groups;
mod mail;
mod reply_templates;
mod sla;
mod topics;
mod users;

pub use groups::Groups;
pub use mail::RejectedMessages;
pub use reply_templates::ReplyTemplates;
pub use sla::{CalendarEditor, PlanEditor, Sla};
pub use topics::{TopicEditor, Topics};
pub use users::Users;
