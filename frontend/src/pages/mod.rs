pub mod admin;
pub mod login;
pub mod new_ticket;
pub mod queue;
pub mod ticket;
pub mod tickets;
