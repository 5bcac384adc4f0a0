//! The package signature scheme, shared by the CLI (which signs) and the host (which
//! verifies).
//!
//! A publisher signs, with ed25519, `eoex-package-v1\n` followed by the component's
//! sha256 digest in hex: the signature binds exactly those bytes, and the prefix keeps
//! it from being valid for anything but an EOEX package. Its one-line text form,
//! `ed25519:<public key hex>:<signature hex>`, travels in a detached `<file>.sig` and in
//! an HTTP header. The secret key stays in a file on the author's machine.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::TryRngCore;
use zeroize::Zeroizing;

use crate::blobs::digest;

/// Precedes the digest in the signed message; a new scheme gets a new prefix.
const SIGNED_PREFIX: &str = "eoex-package-v1\n";
/// The first line of a signing-key file.
const KEY_FILE_HEADER: &str = "eoex-signing-key-v1";
const SCHEME: &str = "ed25519";

/// Text that is not a well-formed key or signature; the message says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(String);

/// A publisher's signature over one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub public_key: VerifyingKey,
    pub signature: ed25519_dalek::Signature,
}

impl Signature {
    /// Whether this is `public_key`'s signature of exactly `bytes`. Strict
    /// verification: weak keys and malleable signatures are refused.
    pub fn verifies(&self, bytes: &[u8]) -> bool {
        self.public_key
            .verify_strict(&signed_message(bytes), &self.signature)
            .is_ok()
    }

    /// The publisher's public key in hex, as the index records it.
    pub fn publisher(&self) -> String {
        hex::encode(self.public_key.as_bytes())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME}:{}:{}",
            self.publisher(),
            hex::encode(self.signature.to_bytes())
        )
    }
}

impl FromStr for Signature {
    type Err = FormatError;

    /// Parses `ed25519:<public key hex>:<signature hex>`; surrounding whitespace (the
    /// newline of a `.sig` file) is ignored.
    fn from_str(text: &str) -> Result<Signature, FormatError> {
        let mut parts = text.trim().split(':');
        let (Some(scheme), Some(key), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(FormatError(
                "a signature reads ed25519:<public key hex>:<signature hex>".into(),
            ));
        };
        check_scheme(scheme)?;
        Ok(Signature {
            public_key: verifying_key(key)?,
            signature: ed25519_dalek::Signature::from_bytes(&hex_array(
                signature,
                "the signature",
            )?),
        })
    }
}

/// Signs the component `bytes` with `key`.
pub fn sign(key: &SigningKey, bytes: &[u8]) -> Signature {
    use ed25519_dalek::Signer;
    Signature {
        public_key: key.verifying_key(),
        signature: key.sign(&signed_message(bytes)),
    }
}

fn signed_message(bytes: &[u8]) -> Vec<u8> {
    format!("{SIGNED_PREFIX}{}", digest(bytes)).into_bytes()
}

/// Where the detached signature of the component at `path` lives: `<path>.sig`.
pub fn signature_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// A new signing key from the operating system's random number generator.
///
/// # Panics
///
/// If the operating system cannot provide randomness.
pub fn generate() -> SigningKey {
    let mut secret = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng
        .try_fill_bytes(secret.as_mut())
        .expect("the operating system's random number generator failed");
    SigningKey::from_bytes(&secret)
}

/// The text form of a public key, `ed25519:<hex>`, as hosts list trusted keys.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{SCHEME}:{}", hex::encode(key.as_bytes()))
}

/// Parses `ed25519:<hex>`; surrounding whitespace is ignored.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, FormatError> {
    let Some((scheme, key)) = text.trim().split_once(':') else {
        return Err(FormatError(format!(
            "a public key reads ed25519:<64 hex digits>, not {:?}",
            text.trim()
        )));
    };
    check_scheme(scheme)?;
    verifying_key(key)
}

/// The contents of a signing-key file: `eoex-signing-key-v1`, then the secret in hex.
pub fn encode_signing_key(key: &SigningKey) -> Zeroizing<String> {
    let secret = Zeroizing::new(hex::encode(key.as_bytes()));
    Zeroizing::new(format!("{KEY_FILE_HEADER}\n{}\n", secret.as_str()))
}

pub fn decode_signing_key(text: &str) -> Result<SigningKey, FormatError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some(KEY_FILE_HEADER) {
        return Err(FormatError(format!(
            "not an EOEX signing key: the first line must be {KEY_FILE_HEADER}"
        )));
    }
    let (Some(secret), None) = (lines.next(), lines.next()) else {
        return Err(FormatError(
            "a signing key file holds the secret key on its second line, and nothing else".into(),
        ));
    };
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(secret, bytes.as_mut())
        .map_err(|_| FormatError("the secret key must be 64 hex digits".into()))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Writes `key` to a new file readable by its owner only (mode 0600 on Unix). An
/// existing file is never overwritten: losing a key means losing the publisher
/// identity hosts trust.
pub fn write_signing_key(path: &Path, key: &SigningKey) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(encode_signing_key(key).as_bytes())?;
    file.sync_all()
}

pub fn read_signing_key(path: &Path) -> io::Result<SigningKey> {
    let text = Zeroizing::new(fs::read_to_string(path)?);
    decode_signing_key(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

fn check_scheme(scheme: &str) -> Result<(), FormatError> {
    if scheme == SCHEME {
        Ok(())
    } else {
        Err(FormatError(format!(
            "unsupported scheme {scheme:?}: only {SCHEME} is supported"
        )))
    }
}

fn verifying_key(hex_text: &str) -> Result<VerifyingKey, FormatError> {
    VerifyingKey::from_bytes(&hex_array(hex_text, "the public key")?)
        .map_err(|_| FormatError("the public key is not a valid ed25519 key".into()))
}

fn hex_array<const N: usize>(hex_text: &str, what: &str) -> Result<[u8; N], FormatError> {
    let mut bytes = [0u8; N];
    hex::decode_to_slice(hex_text, &mut bytes)
        .map_err(|_| FormatError(format!("{what} must be {} hex digits", 2 * N)))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signature_verifies_exactly_the_signed_bytes() {
        let signature = sign(&key(1), b"component");
        assert!(signature.verifies(b"component"));
        assert!(!signature.verifies(b"componenT"));
        let forged = Signature {
            public_key: key(2).verifying_key(),
            ..signature
        };
        assert!(!forged.verifies(b"component"));
    }

    /// Pins the wire format: the CLI and every host must agree on it byte for byte.
    #[test]
    fn the_scheme_is_stable() {
        let key = key(7);
        let signature = sign(&key, b"component");
        let message = format!("eoex-package-v1\n{}", digest(b"component"));
        key.verifying_key()
            .verify_strict(message.as_bytes(), &signature.signature)
            .unwrap();
        assert_eq!(signature.to_string(), GOLDEN);
    }

    /// Computed independently (Python `cryptography`) from the secret `[7; 32]`.
    const GOLDEN: &str = "ed25519:ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c:\
        179e92e720ca1fef591598ed7fbb16858b50155baddb1504af9fbc68e07e8612\
        afb16b90099c21396fdd4400eb4dc2fbccb2b14cb1a06258ee823a11b9e01502";

    #[test]
    fn the_text_form_round_trips() {
        let signature = sign(&generate(), b"component");
        let text = signature.to_string();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(format!("{text}\n").parse::<Signature>().unwrap(), signature);
        let public = signature.public_key;
        assert_eq!(parse_public_key(&public_key_text(&public)).unwrap(), public);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let good = sign(&key(1), b"component").to_string();
        let (_, rest) = good.split_once(':').unwrap();
        let (public, signature) = rest.split_once(':').unwrap();
        let cases = [
            (String::new(), "reads ed25519:"),
            ("ed25519:abc".to_owned(), "reads ed25519:"),
            (format!("rsa:{public}:{signature}"), "unsupported scheme"),
            (format!("ed25519:{public}:{signature}:x"), "reads ed25519:"),
            (
                format!("ed25519:zz{}:{signature}", &public[2..]),
                "public key",
            ),
            (
                format!("ed25519:{public}:{}", &signature[2..]),
                "signature must be 128",
            ),
        ];
        for (text, expected) in cases {
            let err = text.parse::<Signature>().unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        for text in ["", "ed25519", "ed25519:12", &format!("x25519:{public}")] {
            assert!(parse_public_key(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_key_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("publisher.key");
        let key = generate();
        write_signing_key(&path, &key).unwrap();
        assert_eq!(read_signing_key(&path).unwrap().to_bytes(), key.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = write_signing_key(&path, &generate()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(read_signing_key(&path).unwrap().to_bytes(), key.to_bytes());
    }

    #[test]
    fn malformed_key_files_are_refused() {
        let secret = "ab".repeat(32);
        for text in [
            String::new(),
            secret.clone(),
            format!("eoex-signing-key-v2\n{secret}\n"),
            "eoex-signing-key-v1\n".to_owned(),
            "eoex-signing-key-v1\nabcd\n".to_owned(),
            format!("eoex-signing-key-v1\n{secret}\n{secret}\n"),
        ] {
            assert!(decode_signing_key(&text).is_err(), "{text:?}");
        }
        assert!(decode_signing_key(&format!("eoex-signing-key-v1\n{secret}\n")).is_ok());
    }

    #[test]
    fn the_signature_file_sits_beside_the_component() {
        assert_eq!(
            signature_path(Path::new("out/crm.wasm")),
            Path::new("out/crm.wasm.sig")
        );
    }
}
