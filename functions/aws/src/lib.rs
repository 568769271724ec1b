//! Adapters to AWS behind the ports the handlers take: the DynamoDB ticket store, the EventBridge
//! publisher, and the table and bucket definitions read from the SAM template.

#[cfg(feature = "channels")]
pub mod channels;
pub mod config;
pub mod dynamo;
pub mod events;
pub mod ids;
pub mod keys;
pub mod logging;
pub mod objects;
#[cfg(feature = "mobile-endpoints")]
pub mod platform_endpoints;
pub mod ports;
#[cfg(feature = "secrets")]
pub mod secrets;
#[cfg(feature = "template")]
pub mod template;

pub use aws_sdk_dynamodb;
pub use aws_sdk_eventbridge;
pub use aws_sdk_s3;
#[cfg(feature = "mobile-endpoints")]
pub use aws_sdk_sns;
pub use dynamo::DynamoStore;
pub use events::EventBridgePublisher;
pub use ids::new_id;
pub use objects::S3Objects;
pub use ports::{
    ApiTokens, Contacts, Directory, DueTickets, EventPublisher, Knowledge, Listing, MailStore, NotificationLog, ObjectStart, ObjectStore,
    Outbox, OutboxMessage, Page, Presences, RatingLinks, Reports, StoreError, StoredApiToken, StoredUser, TicketStore, Uploads,
};
