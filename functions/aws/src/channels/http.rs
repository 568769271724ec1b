//! A small HTTPS client for the providers called over plain HTTP APIs (Telegram, push services),
//! on the stack the AWS SDK already brings: hyper with rustls on ring (the workspace's one
//! TLS provider) and the system's root certificates. Plain http is allowed for the local fakes.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::HeaderMap;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// How long one call may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct HttpClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// A provider's answer.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpClient {
    pub fn new() -> Result<Self, String> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("the system's root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpClient { client: Client::builder(TokioExecutor::new()).build(connector) })
    }

    /// POSTs `body` with `headers`; errors never carry the URL (a bot token is in Telegram's).
    pub async fn post(&self, url: &str, headers: &[(&str, &[u8])], body: Vec<u8>) -> Result<Answer, String> {
        let mut request = Request::post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body))).map_err(|_| "an unusable request".to_string())?;
        let call = async {
            let response = self.client.request(request).await.map_err(|e| format!("no answer: {}", source_chain(&e)))?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| format!("the answer broke off: {e}"))?.to_bytes();
            Ok(Answer { status: parts.status.as_u16(), headers: parts.headers, body })
        };
        tokio::time::timeout(TIMEOUT, call).await.map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
