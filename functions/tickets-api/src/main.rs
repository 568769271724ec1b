//! The Lambda entry point: builds the app once per cold start, then serves requests.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    helpdesk_aws::logging::init();
    let app = Arc::new(tickets_api::App::from_env().await?);
    lambda_http::run(lambda_http::service_fn(move |req| {
        let app = Arc::clone(&app);
        async move { Ok::<_, std::convert::Infallible>(tickets_api::handle(&app, req).await) }
    }))
    .await
}
