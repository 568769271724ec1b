//! Adapters to AWS behind the ports the handlers take: the DynamoDB ticket store, the EventBridge
//! publisher, and the table and bucket definitions read from the SAM template.

pub mod config;
pub mod dynamo;
pub mod events;
pub mod ids;
pub mod keys;
pub mod ports;
#[cfg(feature = "template")]
pub mod template;

pub use aws_sdk_dynamodb;
pub use aws_sdk_eventbridge;
pub use dynamo::DynamoStore;
pub use events::EventBridgePublisher;
pub use ids::new_id;
pub use ports::{Directory, DueTickets, EventPublisher, Listing, OutboxMessage, Page, StoreError, StoredUser, TicketStore};
