//! Web push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), by
//! `web-push-native` (pure Rust). The address is the browser's subscription as JSON; 404 or 410
//! from the push service means the subscription is gone.

use super::{Channel, HttpClient, Outgoing, SendError, Sending};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpdesk_core::notify::{ChannelKind, PushPayload};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use web_push_native::{Auth, WebPushBuilder};

pub struct WebPush {
    http: HttpClient,
    key: SigningKey,
    /// The key's public half as push services read it in `k=` (base64url, uncompressed point).
    public_key: String,
    /// The VAPID `sub`: how a push service reaches the sender (`mailto:` or `https:`).
    contact: String,
    /// Whether subscriptions on loopback are served (the local stack's fake push service).
    allow_loopback: bool,
}

fn decode(text: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).map_err(|e| e.to_string())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The VAPID signing key from its private key (base64url, the raw 32-byte scalar).
fn signing_key(private_key: &str) -> Result<SigningKey, String> {
    SigningKey::from_slice(&decode(private_key.trim())?).map_err(|_| "not a P-256 private key".to_string())
}

/// The VAPID `Authorization` value (RFC 8292): an ES256 JWT for the push service's origin, valid
/// 12 hours, and the public key. Signed here rather than by a JWT library: the one web-push-native
/// offers brings RSA code with a known advisory.
fn vapid_header(key: &SigningKey, public_key: &str, endpoint: &str, contact: &str, now: i64) -> Result<String, String> {
    let origin = endpoint.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = serde_json::json!({"aud": origin, "exp": now + 12 * 3600, "sub": contact});
    let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature: Signature = key.sign(signed.as_bytes());
    Ok(format!("vapid t={signed}.{}, k={public_key}", URL_SAFE_NO_PAD.encode(signature.to_bytes())))
}

#[derive(serde::Deserialize)]
struct Subscription {
    endpoint: String,
    keys: Keys,
}

#[derive(serde::Deserialize)]
struct Keys {
    p256dh: String,
    auth: String,
}

impl WebPush {
    pub fn new(http: HttpClient, private_key: &str, contact: &str, allow_loopback: bool) -> Result<Self, String> {
        let key = signing_key(private_key)?;
        let public_key = URL_SAFE_NO_PAD.encode(key.verifying_key().to_encoded_point(false).as_bytes());
        Ok(Self { http, key, public_key, contact: contact.to_string(), allow_loopback })
    }

    async fn push(&self, subscription: &str, payload: &str) -> Result<String, SendError> {
        let gone = |why: &str| SendError::Gone(format!("the subscription is unusable: {why}"));
        let subscription: Subscription = serde_json::from_str(subscription).map_err(|e| gone(&e.to_string()))?;
        // Checked again here, not only when stored: no subscription aims this function at its own network.
        if !helpdesk_core::notify::contacts::push_endpoint_allowed(&subscription.endpoint, self.allow_loopback) {
            return Err(gone("the endpoint is not a push service's https address"));
        }
        let public = web_push_native::p256::PublicKey::from_sec1_bytes(&decode(&subscription.keys.p256dh).map_err(|e| gone(&e))?)
            .map_err(|e| gone(&e.to_string()))?;
        let auth = decode(&subscription.keys.auth).map_err(|e| gone(&e))?;
        if auth.len() != 16 {
            return Err(gone("the auth secret is not 16 bytes"));
        }
        let endpoint = subscription.endpoint.parse().map_err(|_| gone("the endpoint is not a URL"))?;
        let request = WebPushBuilder::new(endpoint, public, Auth::clone_from_slice(&auth))
            .build(payload.as_bytes().to_vec())
            .map_err(|e| SendError::Failed(format!("encrypting the push: {e}")))?;
        let vapid =
            vapid_header(&self.key, &self.public_key, &subscription.endpoint, &self.contact, unix_now()).map_err(SendError::Failed)?;
        let (parts, body) = request.into_parts();
        let mut headers: Vec<(&str, &[u8])> = parts.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
        headers.push(("urgency", b"normal"));
        headers.push(("authorization", vapid.as_bytes()));
        let response =
            self.http.post(&subscription.endpoint, &headers, body).await.map_err(|e| SendError::Failed(format!("push service: {e}")))?;
        let status = response.status;
        let header = |name: &str| response.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let location = header("location");
        let retry_after = header("retry-after").trim().parse().ok();
        let detail = format!("push service: HTTP {status}");
        match status {
            200..=299 => Ok(if location.is_empty() { detail } else { location }),
            404 | 410 => Err(SendError::Gone(detail)),
            429 => Err(SendError::RetryAfter { seconds: retry_after.unwrap_or(60), detail }),
            _ => Err(SendError::Failed(detail)),
        }
    }
}

impl Channel for WebPush {
    fn kind(&self) -> ChannelKind {
        ChannelKind::WebPush
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let payload = PushPayload {
                title: message.rendered.subject.clone(),
                body: message.rendered.preview.clone(),
                url: message.link.clone(),
                tag: message.tag.clone(),
            };
            self.push(&message.to, &payload.to_json()).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8291 §5: the example message decrypts with the user agent's keys.
    #[test]
    fn the_vapid_token_verifies_with_the_public_key_and_names_the_origin() {
        use p256::ecdsa::VerifyingKey;
        use p256::ecdsa::signature::Verifier;
        let key = signing_key("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94").unwrap();
        let public = URL_SAFE_NO_PAD.encode(key.verifying_key().to_encoded_point(false).as_bytes());
        let header = vapid_header(&key, &public, "https://push.example.net/wpush/v2/abc", "mailto:help@example.com", 1_000).unwrap();
        let (token, k) = header.strip_prefix("vapid t=").and_then(|r| r.split_once(", k=")).unwrap();
        assert_eq!(k, public);
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&decode(signed.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["exp"], 1_000 + 12 * 3600);
        let verifying = VerifyingKey::from_sec1_bytes(&decode(k).unwrap()).unwrap();
        let signature = Signature::from_slice(&decode(signature).unwrap()).unwrap();
        assert!(verifying.verify(signed.as_bytes(), &signature).is_ok());
    }

    #[test]
    fn the_rfc_8291_example_decrypts() {
        let ua_private = decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94").unwrap();
        let auth = decode("BTBZMqHH6r4Tts7J_aSIgg").unwrap();
        let body = decode(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
        )
        .unwrap();
        let secret = web_push_native::p256::SecretKey::from_slice(&ua_private).unwrap();
        let plain = web_push_native::decrypt(body, &secret, &Auth::clone_from_slice(&auth)).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), "When I grow up, I want to be a watermelon");
    }
}
