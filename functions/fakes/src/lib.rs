//! Fakes of the services the notify function calls over HTTPS, for the local runner and tests:
//! [`telegram`] (the Bot API methods the helpdesk uses, with a control surface to play the user)
//! and [`push`] (a push service that decrypts each message with the subscription's private key).

pub mod push;
pub mod smtp;
pub mod telegram;

/// Serves `router` on a free loopback port; answers its base URL.
pub async fn serve_on_loopback(router: axum::Router) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{address}"))
}
