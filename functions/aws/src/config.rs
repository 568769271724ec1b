//! Configuration read from the environment: the names, in one place.

/// The DynamoDB table (the template passes `!Ref HelpdeskTable`).
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The EventBridge bus domain events go to (the template passes `!Ref HelpdeskEventBus`).
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// The secret that signs session tokens (at least 32 bytes); from Secrets Manager in AWS.
pub const SESSION_SIGNING_KEY: &str = "SESSION_SIGNING_KEY";
/// `true` only on a developer's machine (plain http, so cookies without `Secure`). Never set in AWS.
pub const LOCAL_MODE: &str = "HELPDESK_LOCAL_MODE";

pub use aws_config::SdkConfig;

/// The AWS SDK configuration from the usual sources. `AWS_ENDPOINT_URL` and
/// `AWS_ENDPOINT_URL_DYNAMODB` point it at a local stack.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// Reads a required variable, naming it when it is missing.
pub fn required(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
}
