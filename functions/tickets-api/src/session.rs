//! Sessions: a signed token (HS256) in an HttpOnly, SameSite=Strict cookie, and a CSRF token in a
//! second cookie the page can read and must echo in `x-csrf-token` on every state-changing
//! request. A token names the user's session version: bumping it (sign-out, disable, new
//! password) ends every session of the user at once.

use helpdesk_core::user::User;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "hd_session";
pub const CSRF_COOKIE: &str = "hd_csrf";
/// Names the account this browser signed in to before: sign-ins from a known device are not
/// held back by the per-account limit an attacker elsewhere could exhaust (OWASP's "device
/// cookies"). Sent to the sign-in route only.
pub const DEVICE_COOKIE: &str = "hd_device";
/// How long a browser stays a known device.
pub const DEVICE_SECONDS: i64 = 180 * 24 * 3600;
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;
/// The shortest signing key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's session version when the token was issued.
    pub sv: u64,
    /// The CSRF token the page must echo.
    pub csrf: String,
    pub iat: i64,
    pub exp: i64,
    /// The stack that issued the token (issuer and audience alike): a token of one deployment
    /// (dev) is refused by another (prod) even where both were given the same key.
    pub iss: String,
    pub aud: String,
}

/// What a known-device cookie says: this browser signed in as `sub`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DeviceClaims {
    sub: String,
    /// Always `device`: a device token is never a session token, nor the other way round.
    kind: String,
    exp: i64,
    iss: String,
    aud: String,
}

const DEVICE_KIND: &str = "device";

#[derive(Clone)]
pub struct SessionKeys {
    encoding: EncodingKey,
    /// The current key first, then the previous one while a rotation is under way.
    decoding: Vec<DecodingKey>,
    /// Cookies carry `Secure` outside local mode.
    secure: bool,
    /// The deployment these keys issue tokens for and accept tokens of (the stack name in AWS).
    audience: String,
}

fn checked_key(secret: &[u8]) -> Result<&[u8], String> {
    if secret.len() < MIN_KEY_BYTES {
        return Err(format!("the session signing key must be at least {MIN_KEY_BYTES} bytes"));
    }
    Ok(secret)
}

impl SessionKeys {
    /// Keys that sign with `secret` for the deployment `audience` (never empty).
    pub fn new(secret: &[u8], audience: &str, secure: bool) -> Result<Self, String> {
        let secret = checked_key(secret)?;
        if audience.trim().is_empty() {
            return Err("the session audience (the deployment's name) must not be empty".into());
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: vec![DecodingKey::from_secret(secret)],
            secure,
            audience: audience.to_string(),
        })
    }

    /// Also accepts tokens signed with `previous`, so that sessions survive a key rotation; new
    /// tokens are signed with the current key only.
    pub fn with_previous(mut self, previous: &[u8]) -> Result<Self, String> {
        self.decoding.push(DecodingKey::from_secret(checked_key(previous)?));
        Ok(self)
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, token: &str, required: &[&str]) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(required);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&[&self.audience]);
        self.decoding.iter().find_map(|key| jsonwebtoken::decode::<T>(token, key, &validation).ok()).map(|data| data.claims)
    }

    /// A token for `user`, with a fresh CSRF token, issued at `now` (seconds since the epoch).
    pub fn issue(&self, user: &User, now: i64) -> Result<(String, Claims), String> {
        let claims = Claims {
            sub: user.id.clone(),
            sv: user.session_version,
            csrf: ulid::Ulid::new().to_string(),
            iat: now,
            exp: now + SESSION_SECONDS,
            iss: self.audience.clone(),
            aud: self.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())?;
        Ok((token, claims))
    }

    /// The claims of a session token these keys signed that has not expired.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        self.decode(token, &["exp", "sub", "iss", "aud"])
    }

    /// The `Set-Cookie` value that marks this browser as a known device of `user_id`.
    pub fn device_cookie(&self, user_id: &str, now: i64) -> Result<String, String> {
        let claims = DeviceClaims {
            sub: user_id.to_string(),
            kind: DEVICE_KIND.to_string(),
            exp: now + DEVICE_SECONDS,
            iss: self.audience.clone(),
            aud: self.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())?;
        let secure = if self.secure { "; Secure" } else { "" };
        Ok(format!("{DEVICE_COOKIE}={token}; HttpOnly; Path=/api/auth; SameSite=Strict; Max-Age={DEVICE_SECONDS}{secure}"))
    }

    /// The account a known-device token names, if these keys signed it and it has not expired.
    pub fn device_user(&self, token: &str) -> Option<String> {
        self.decode::<DeviceClaims>(token, &["exp", "sub", "iss", "aud"]).filter(|c| c.kind == DEVICE_KIND).map(|c| c.sub)
    }

    fn attributes(&self, max_age: i64) -> String {
        format!("Path=/; SameSite=Strict; Max-Age={max_age}{}", if self.secure { "; Secure" } else { "" })
    }

    /// The two `Set-Cookie` values that start a session.
    pub fn cookies(&self, token: &str, claims: &Claims) -> [String; 2] {
        let attributes = self.attributes(SESSION_SECONDS);
        [format!("{SESSION_COOKIE}={token}; HttpOnly; {attributes}"), format!("{CSRF_COOKIE}={}; {attributes}", claims.csrf)]
    }

    /// The two `Set-Cookie` values that end it.
    pub fn cleared_cookies(&self) -> [String; 2] {
        let attributes = self.attributes(0);
        [format!("{SESSION_COOKIE}=; HttpOnly; {attributes}"), format!("{CSRF_COOKIE}=; {attributes}")]
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn password_matches(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash nobody's password matches, made with the same parameters as real ones: sign-ins for
/// unknown, disabled or password-less accounts verify against it, so every attempt costs the
/// same time and timing tells no account's existence.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&ulid::Ulid::new().to_string()).unwrap_or_default());

/// Checks `password` against `hash` when there is one, else spends the same work on the dummy
/// hash and answers no.
pub fn password_matches_or_waste(password: &str, hash: Option<&str>) -> bool {
    match hash {
        Some(hash) => password_matches(password, hash),
        None => {
            let _ = password_matches(password, &DUMMY_HASH);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_core::Role;
    use helpdesk_core::user::AccountSource;

    fn user() -> User {
        User { session_version: 3, ..User::new("anna", "Anna", "anna@example.org", Role::Requester, &[], AccountSource::Local) }
    }

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const AUD: &str = "helpdesk-dev";

    #[test]
    fn a_token_of_one_deployment_is_refused_by_another_with_the_same_key() {
        let dev = SessionKeys::new(KEY, "helpdesk-dev", true).unwrap();
        let prod = SessionKeys::new(KEY, "helpdesk-prod", true).unwrap();
        let now = chrono::Utc::now().timestamp();
        let (token, claims) = dev.issue(&user(), now).unwrap();
        assert_eq!((claims.iss.as_str(), claims.aud.as_str()), ("helpdesk-dev", "helpdesk-dev"));
        assert!(dev.verify(&token).is_some());
        assert!(prod.verify(&token).is_none(), "a dev session opens nothing in prod");
        let device = dev.device_cookie("anna", now).unwrap();
        let device = device.split(';').next().and_then(|c| c.strip_prefix("hd_device=")).unwrap();
        assert!(prod.device_user(device).is_none(), "nor does a dev device cookie");
        // A token without an audience (as issued before this change) is refused too.
        let bare = serde_json::json!({"sub": "anna", "sv": 3, "csrf": "c", "iat": now, "exp": now + 60});
        let bare = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &bare, &EncodingKey::from_secret(KEY)).unwrap();
        assert!(prod.verify(&bare).is_none());
        assert!(SessionKeys::new(KEY, " ", true).is_err(), "an audience must be named");
    }

    #[test]
    fn tokens_verify_until_they_expire_and_only_with_their_key() {
        let keys = SessionKeys::new(KEY, AUD, true).unwrap();
        let now = chrono::Utc::now().timestamp();
        let (token, claims) = keys.issue(&user(), now).unwrap();
        assert_eq!(keys.verify(&token), Some(claims.clone()));
        assert_eq!(claims.sv, 3);
        let (expired, _) = keys.issue(&user(), now - SESSION_SECONDS - 1).unwrap();
        assert_eq!(keys.verify(&expired), None, "expired");
        let other = SessionKeys::new(b"another key, also thirty-two bytes!", AUD, true).unwrap();
        assert_eq!(other.verify(&token), None, "wrong key");
        let mut tampered = token.clone();
        tampered.insert(tampered.len() / 2, 'x');
        assert_eq!(keys.verify(&tampered), None, "tampered");
        assert!(SessionKeys::new(b"short", AUD, true).is_err());
    }

    #[test]
    fn a_rotation_accepts_the_previous_key_and_signs_with_the_new() {
        let old = SessionKeys::new(KEY, AUD, true).unwrap();
        let (old_token, _) = old.issue(&user(), chrono::Utc::now().timestamp()).unwrap();
        let new_key = b"the next key, also 32 bytes or more";
        let rotating = SessionKeys::new(new_key, AUD, true).unwrap().with_previous(KEY).unwrap();
        assert!(rotating.verify(&old_token).is_some(), "sessions survive the rotation");
        let (new_token, _) = rotating.issue(&user(), chrono::Utc::now().timestamp()).unwrap();
        assert!(SessionKeys::new(new_key, AUD, true).unwrap().verify(&new_token).is_some(), "signed with the new key");
        assert!(old.verify(&new_token).is_none());
        assert!(SessionKeys::new(new_key, AUD, true).unwrap().verify(&old_token).is_none(), "after the rotation the old key is gone");
    }

    #[test]
    fn device_tokens_and_session_tokens_are_not_interchangeable() {
        let keys = SessionKeys::new(KEY, AUD, true).unwrap();
        let now = chrono::Utc::now().timestamp();
        let cookie = keys.device_cookie("anna", now).unwrap();
        let token = cookie.split(';').next().and_then(|c| c.strip_prefix("hd_device=")).unwrap();
        assert_eq!(keys.device_user(token).as_deref(), Some("anna"));
        assert!(keys.verify(token).is_none(), "a device token opens no session");
        let (session, _) = keys.issue(&user(), now).unwrap();
        assert!(keys.device_user(&session).is_none(), "a session token is no device token");
        assert!(cookie.contains("HttpOnly") && cookie.contains("Path=/api/auth") && cookie.contains("Secure"));
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_outside_local_mode() {
        let keys = SessionKeys::new(KEY, AUD, true).unwrap();
        let (token, claims) = keys.issue(&user(), 0).unwrap();
        let [session, csrf] = keys.cookies(&token, &claims);
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Secure"));
        assert!(!csrf.contains("HttpOnly"), "the page reads the CSRF token");
        let local = SessionKeys::new(KEY, AUD, false).unwrap();
        assert!(!local.cookies(&token, &claims)[0].contains("Secure"));
        assert_eq!(cookie("a=1; hd_session=tok; hd_csrf=c", SESSION_COOKIE), Some("tok"));
    }

    #[test]
    fn passwords_hash_with_salt_and_verify() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &a));
        assert!(!password_matches("wrong horse battery", &a));
        assert!(!password_matches("x", "not a hash"));
    }
}
