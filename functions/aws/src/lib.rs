//! Adapters to AWS behind the ports the handlers take. Today: the DynamoDB ticket store and the
//! table and bucket definitions read from the SAM template.

pub mod config;
pub mod dynamo;
pub mod keys;
pub mod ports;
pub mod template;

pub use aws_sdk_dynamodb;
pub use dynamo::DynamoStore;
pub use ports::{Listing, Page, StoreError, TicketStore};
