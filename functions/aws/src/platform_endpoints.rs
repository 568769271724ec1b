//! SNS platform endpoints: one per phone token under the platform application (FCM or APNs) the
//! template names. The API registers them; the notify function publishes to them.

use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;

/// Creates (or finds: SNS answers the same ARN for the same token) the platform endpoint of a
/// phone's token, enabled, with `user` as its custom data.
pub async fn register_endpoint(client: &Client, application_arn: &str, token: &str, user: &str) -> Result<String, String> {
    let created = client
        .create_platform_endpoint()
        .platform_application_arn(application_arn)
        .token(token)
        .custom_user_data(user)
        .send()
        .await
        .map_err(|e| DisplayErrorContext(&e).to_string())?;
    let arn = created.endpoint_arn.ok_or("SNS gave no endpoint ARN")?;
    // A token registered again after its endpoint was disabled: enable it again.
    client
        .set_endpoint_attributes()
        .endpoint_arn(&arn)
        .attributes("Enabled", "true")
        .attributes("CustomUserData", user)
        .send()
        .await
        .map_err(|e| DisplayErrorContext(&e).to_string())?;
    Ok(arn)
}

/// Deletes a phone's endpoint (the person removed the device). A missing one is fine.
pub async fn delete_endpoint(client: &Client, arn: &str) -> Result<(), String> {
    client.delete_endpoint().endpoint_arn(arn).send().await.map(|_| ()).map_err(|e| DisplayErrorContext(&e).to_string())
}

/// Creates a platform application. CloudFormation has no resource for them, so in AWS the
/// operators make them (infra/README.md); the local runner and the tests make theirs in the local stack.
pub async fn create_application(client: &Client, name: &str, platform: &str) -> Result<String, String> {
    let created = client
        .create_platform_application()
        .name(name)
        .platform(platform)
        // A principal too, though FCM needs none: LocalStack refuses a credential without one.
        .attributes("PlatformCredential", "local-fake-credential")
        .attributes("PlatformPrincipal", "local-fake-principal")
        .send()
        .await
        .map_err(|e| format!("creating platform application {name}: {}", DisplayErrorContext(&e)))?;
    created.platform_application_arn.ok_or_else(|| format!("no ARN for platform application {name}"))
}
