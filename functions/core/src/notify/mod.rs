//! Notifications, decided here and sent by the notify function: who hears of an event
//! ([`audience`]), through which channels and why not ([`decide`]), and what the message says
//! ([`render`]). Pure: the function brings the people, their preferences and the clock.

pub mod audience;
pub mod contacts;
pub mod decide;
pub mod delivery;
pub mod preferences;
pub mod render;

pub use audience::{Recipient, audience};
pub use contacts::{Contact, ContactSummary, MobilePlatform, Owner, PushPayload};
pub use decide::{Outcome, Suppression, decide};
pub use delivery::{Delivery, DeliveryState, NotificationSettings};
pub use preferences::{ChannelKind, Notice, Preferences, QuietHours};
pub use render::{Links, Rendered, render};
