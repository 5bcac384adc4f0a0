//! Access tokens (HS256 JWTs, short-lived) and refresh tokens (random, stored hashed).

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

const ISSUER: &str = "eoex";

/// The claims of an access token. `sid` is the refresh-token family (the session): an
/// access token stops working as soon as its session is revoked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub tenant_id: Uuid,
    pub role: String,
    pub sid: Uuid,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: Duration) -> TokenKeys {
        // The algorithm is fixed here, never read from the token: a token claiming
        // `none` or an asymmetric algorithm fails validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        tenant_id: Uuid,
        role: &str,
        session_id: Uuid,
    ) -> jsonwebtoken::errors::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            tenant_id,
            role: role.to_owned(),
            sid: session_id,
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str) -> jsonwebtoken::errors::Result<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// What the database keeps of a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 64], Duration::from_secs(60))
    }

    #[test]
    fn round_trip() {
        let (user, tenant, sid) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let token = keys().issue(user, tenant, "admin", sid).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(
            (
                claims.sub,
                claims.tenant_id,
                claims.sid,
                claims.role.as_str()
            ),
            (user, tenant, sid, "admin")
        );
    }

    #[test]
    fn refuses_other_algorithms_and_secrets() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let now = Utc::now().timestamp();
        let payload = format!(
            r#"{{"sub":"{}","tenant_id":"{}","role":"owner","sid":"{}","iss":"eoex","iat":{now},"exp":{}}}"#,
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            now + 60
        );
        let unsigned = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&payload)
        );
        assert!(keys().verify(&unsigned).is_err());
        let other = TokenKeys::new(&[8u8; 64], Duration::from_secs(60));
        let forged = other
            .issue(Uuid::new_v4(), Uuid::new_v4(), "owner", Uuid::new_v4())
            .unwrap();
        assert!(keys().verify(&forged).is_err());
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &serde_json::from_str::<serde_json::Value>(&payload).unwrap(),
            &EncodingKey::from_secret(&[7u8; 64]),
        )
        .unwrap();
        assert!(keys().verify(&hs512).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(hash_refresh_token(&a).len(), 64);
        assert_ne!(hash_refresh_token(&a), a);
    }
}
