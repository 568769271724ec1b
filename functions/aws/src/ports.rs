//! The ports the handlers take: small traits, one implementation per backend.

use helpdesk_core::api::TicketQuery;
use helpdesk_core::{Ticket, TicketEvent, Topic};
use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record changed since it was read; `current` is its version now.
    #[error("version conflict: the record is at version {current}")]
    VersionConflict { current: u64 },
    #[error("the record already exists")]
    AlreadyExists,
    #[error("the record does not exist")]
    Missing,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("storage backend: {0}")]
    Backend(String),
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which tickets a list reads.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    /// One requester's tickets, newest first; filters apply.
    OfRequester(&'a str),
    /// The queues, oldest first within each status: the filters pick the index.
    Queues,
}

pub trait TicketStore: Send + Sync {
    /// Takes the next ticket number (atomic; a failed create leaves a gap, never a duplicate).
    fn next_ticket_number(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Writes a new ticket, its number and its first events in one transaction.
    fn create_ticket(&self, ticket: &Ticket, events: &[TicketEvent]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A ticket and its events in order.
    fn get_ticket(&self, id: &str) -> impl Future<Output = Result<Option<(Ticket, Vec<TicketEvent>)>, StoreError>> + Send;
    fn find_ticket_id(&self, number: u64) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Writes the changed ticket and its new events in one transaction, if the stored ticket is
    /// still at `ticket.version - 1`.
    fn save_ticket(&self, ticket: &Ticket, events: &[TicketEvent]) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn list_tickets(&self, listing: Listing<'_>, query: &TicketQuery) -> impl Future<Output = Result<Page<Ticket>, StoreError>> + Send;

    /// Writes a topic: a new one when `topic.version == 1`, else only over `topic.version - 1`.
    fn put_topic(&self, topic: &Topic) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get_topic(&self, id: &str) -> impl Future<Output = Result<Option<Topic>, StoreError>> + Send;
    fn list_topics(&self) -> impl Future<Output = Result<Vec<Topic>, StoreError>> + Send;
}
