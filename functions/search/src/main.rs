//! The Lambda entry point: API Gateway's `/api/search` routes.

use lambda_http::{Request, service_fn};
use search::handler::{SearchApp, handle};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    helpdesk_aws::logging::init();
    let app = Arc::new(SearchApp::from_env(search::scratch_dir("search")).await?);
    // The index is pulled during init, not by the first request.
    if let Err(e) = app.replica.searcher().await {
        tracing::warn!(error = %e, "the search index is not loaded yet");
    }
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, std::convert::Infallible>(handle(&app, req).await) }
    }))
    .await
}
