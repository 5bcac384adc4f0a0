//! Which publishers this host accepts packages from.

use crate::RegistryError;
use crate::signing::{FormatError, Signature, VerifyingKey, parse_public_key};

/// The host's trusted publisher keys. In development mode any publisher is accepted,
/// including none (an unsigned package); a signature that does not verify is refused
/// even then, since it means the bytes changed after signing.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    pub trusted: Vec<VerifyingKey>,
    pub development: bool,
}

impl TrustPolicy {
    /// Parses keys in their text form, `ed25519:<hex>`.
    pub fn parse_keys<I>(keys: I) -> Result<Vec<VerifyingKey>, FormatError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        keys.into_iter()
            .map(|key| parse_public_key(key.as_ref()))
            .collect()
    }

    /// Checks the signature of the component `bytes`; returns the publisher's key
    /// (hex), `None` for an unsigned package accepted in development mode.
    pub fn verify(
        &self,
        bytes: &[u8],
        signature: Option<&Signature>,
    ) -> Result<Option<String>, RegistryError> {
        let Some(signature) = signature else {
            self.check_publisher(None)?;
            return Ok(None);
        };
        if !signature.verifies(bytes) {
            return Err(RegistryError::BadSignature);
        }
        let publisher = signature.publisher();
        self.check_publisher(Some(&publisher))?;
        Ok(Some(publisher))
    }

    /// Whether a package published by `publisher_key` (hex, `None` when unsigned) may
    /// be recorded or loaded under this policy. Checked again at load time, so a key
    /// removed from the trusted list stops its packages from loading.
    pub fn check_publisher(&self, publisher_key: Option<&str>) -> Result<(), RegistryError> {
        match publisher_key {
            _ if self.development => Ok(()),
            None => Err(RegistryError::Unsigned),
            Some(key)
                if self
                    .trusted
                    .iter()
                    .any(|trusted| hex::encode(trusted.as_bytes()) == key) =>
            {
                Ok(())
            }
            Some(key) => Err(RegistryError::UntrustedKey {
                key: key.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{SigningKey, public_key_text, sign};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn trusting(seed: u8) -> TrustPolicy {
        TrustPolicy {
            trusted: vec![key(seed).verifying_key()],
            development: false,
        }
    }

    #[test]
    fn a_trusted_signature_names_its_publisher() {
        let signature = sign(&key(1), b"component");
        let publisher = trusting(1).verify(b"component", Some(&signature)).unwrap();
        assert_eq!(
            publisher,
            Some(hex::encode(key(1).verifying_key().as_bytes()))
        );
    }

    #[test]
    fn a_changed_byte_breaks_the_signature() {
        let signature = sign(&key(1), b"component");
        let err = trusting(1)
            .verify(b"componenT", Some(&signature))
            .unwrap_err();
        assert!(matches!(err, RegistryError::BadSignature), "{err}");
    }

    #[test]
    fn an_unknown_key_is_untrusted() {
        let signature = sign(&key(2), b"component");
        let err = trusting(1)
            .verify(b"component", Some(&signature))
            .unwrap_err();
        assert!(
            matches!(&err, RegistryError::UntrustedKey { key } if *key == signature.publisher()),
            "{err}"
        );
    }

    #[test]
    fn unsigned_is_refused_unless_in_development() {
        let err = trusting(1).verify(b"component", None).unwrap_err();
        assert!(matches!(err, RegistryError::Unsigned), "{err}");
        let development = TrustPolicy {
            development: true,
            ..trusting(1)
        };
        assert_eq!(development.verify(b"component", None).unwrap(), None);
    }

    #[test]
    fn development_accepts_any_publisher_but_never_a_broken_signature() {
        let development = TrustPolicy {
            trusted: vec![],
            development: true,
        };
        let signature = sign(&key(2), b"component");
        assert_eq!(
            development.verify(b"component", Some(&signature)).unwrap(),
            Some(signature.publisher())
        );
        let err = development
            .verify(b"componenT", Some(&signature))
            .unwrap_err();
        assert!(matches!(err, RegistryError::BadSignature), "{err}");
    }

    #[test]
    fn keys_parse_from_their_text_form() {
        let text = public_key_text(&key(1).verifying_key());
        let keys = TrustPolicy::parse_keys([text.as_str()]).unwrap();
        assert_eq!(keys, vec![key(1).verifying_key()]);
        assert!(TrustPolicy::parse_keys(["ed25519:nothex"]).is_err());
    }
}
