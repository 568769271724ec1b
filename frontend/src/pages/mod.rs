pub mod admin;
pub mod login;
pub mod new_ticket;
pub mod queue;
pub mod settings;
pub mod ticket;
pub mod tickets;
