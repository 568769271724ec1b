//! Sessions: a signed token (HS256) in an HttpOnly, SameSite=Strict cookie, and a CSRF token in a
//! second cookie the page can read and must echo in `x-csrf-token` on every state-changing
//! request. A token names the user's session version: bumping it (sign-out, disable, new
//! password) ends every session of the user at once.

use helpdesk_core::user::User;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "hd_session";
pub const CSRF_COOKIE: &str = "hd_csrf";
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
}

#[derive(Clone)]
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Cookies carry `Secure` outside local mode.
    secure: bool,
}

impl SessionKeys {
    pub fn new(secret: &[u8], secure: bool) -> Result<Self, String> {
        if secret.len() < MIN_KEY_BYTES {
            return Err(format!("the session signing key must be at least {MIN_KEY_BYTES} bytes"));
        }
        Ok(Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), secure })
    }

    /// A token for `user`, with a fresh CSRF token, issued at `now` (seconds since the epoch).
    pub fn issue(&self, user: &User, now: i64) -> Result<(String, Claims), String> {
        let claims = Claims {
            sub: user.id.clone(),
            sv: user.session_version,
            csrf: ulid::Ulid::new().to_string(),
            iat: now,
            exp: now + SESSION_SECONDS,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())?;
        Ok((token, claims))
    }

    /// The claims of a token this key signed that has not expired.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok().map(|data| data.claims)
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

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_core::Role;
    use helpdesk_core::user::AccountSource;

    fn user() -> User {
        User { session_version: 3, ..User::new("anna", "Anna", "anna@example.org", Role::Requester, &[], AccountSource::Local) }
    }

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn tokens_verify_until_they_expire_and_only_with_their_key() {
        let keys = SessionKeys::new(KEY, true).unwrap();
        let now = chrono::Utc::now().timestamp();
        let (token, claims) = keys.issue(&user(), now).unwrap();
        assert_eq!(keys.verify(&token), Some(claims.clone()));
        assert_eq!(claims.sv, 3);
        let (expired, _) = keys.issue(&user(), now - SESSION_SECONDS - 1).unwrap();
        assert_eq!(keys.verify(&expired), None, "expired");
        let other = SessionKeys::new(b"another key, also thirty-two bytes!", true).unwrap();
        assert_eq!(other.verify(&token), None, "wrong key");
        let mut tampered = token.clone();
        tampered.insert(tampered.len() / 2, 'x');
        assert_eq!(keys.verify(&tampered), None, "tampered");
        assert!(SessionKeys::new(b"short", true).is_err());
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_outside_local_mode() {
        let keys = SessionKeys::new(KEY, true).unwrap();
        let (token, claims) = keys.issue(&user(), 0).unwrap();
        let [session, csrf] = keys.cookies(&token, &claims);
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Secure"));
        assert!(!csrf.contains("HttpOnly"), "the page reads the CSRF token");
        let local = SessionKeys::new(KEY, false).unwrap();
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
