//! Verifying webhook and callback deliveries before trusting them.
//!
//! The signature is checked over the raw body bytes exactly as received
//! (never a re-serialised body), the comparison is constant-time, and only
//! then is the body decoded into the provider's typed event.

#[cfg(any(feature = "hmac", feature = "rsa"))]
use std::fmt;

#[cfg(feature = "hmac")]
use hmac::{Hmac, Mac};
#[cfg(any(feature = "hmac", feature = "rsa"))]
use http::HeaderMap;
#[cfg(any(feature = "hmac", feature = "form"))]
use secrecy::{ExposeSecret, SecretString};
#[cfg(any(feature = "hmac", feature = "rsa"))]
use serde::de::DeserializeOwned;
#[cfg(any(feature = "hmac", feature = "rsa"))]
use sha2::Sha256;

/// Why a delivery was rejected. No variant carries the key or the expected
/// signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature header is absent.
    #[error("the `{header}` header is missing")]
    MissingSignature {
        /// The header's name.
        header: &'static str,
    },
    /// The header is present but is neither hex nor base64.
    #[error("the `{header}` header is not a hex or base64 signature")]
    MalformedSignature {
        /// The header's name.
        header: &'static str,
    },
    /// The body has no shared-key field.
    #[error("the `{field}` field is missing")]
    MissingKey {
        /// The field's name.
        field: &'static str,
    },
    /// The signature does not match the body: tampered, or signed with another key.
    #[error("the signature does not match the body")]
    Mismatch,
    /// Authentic, but the body is not the documented event.
    #[error("the verified body is not a valid event: {0}")]
    Decode(String),
}

#[cfg(feature = "hmac")]
/// HMAC-SHA256 over the raw body, sent hex- or base64-encoded in a header
/// (an optional `sha256=` prefix is accepted).
#[derive(Clone)]
pub struct HmacSha256Verifier {
    key: SecretString,
    header: &'static str,
}

#[cfg(feature = "hmac")]
impl fmt::Debug for HmacSha256Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSha256Verifier")
            .field("header", &self.header)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

#[cfg(feature = "hmac")]
impl HmacSha256Verifier {
    /// `header` is the lowercase name of the signature header.
    pub fn new(key: SecretString, header: &'static str) -> Self {
        HmacSha256Verifier { key, header }
    }

    /// Checks the signature of `body`; `Ok` only when it matches.
    pub fn verify_signature(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        let header = self.header;
        let value = headers
            .get(header)
            .ok_or(VerifyError::MissingSignature { header })?
            .to_str()
            .map_err(|_| VerifyError::MalformedSignature { header })?
            .trim();
        let value = value.strip_prefix("sha256=").unwrap_or(value);
        let signature =
            decode_signature(value).ok_or(VerifyError::MalformedSignature { header })?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.expose_secret().as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(body);
        // `verify_slice` compares in constant time.
        mac.verify_slice(&signature)
            .map_err(|_| VerifyError::Mismatch)
    }

    /// Checks the signature, then decodes the body as `T`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, VerifyError> {
        self.verify_signature(headers, body)?;
        serde_json::from_slice(body).map_err(|e| VerifyError::Decode(e.to_string()))
    }
}

#[cfg(feature = "rsa")]
/// RSA PKCS#1 v1.5 with SHA-256 over the raw body, base64 in a header
/// (Klix's `X-Signature`). The public key is PEM (SPKI `PUBLIC KEY` or
/// PKCS#1 `RSA PUBLIC KEY`).
#[derive(Clone)]
pub struct RsaSha256Verifier {
    key: rsa::pkcs1v15::VerifyingKey<Sha256>,
    header: &'static str,
}

#[cfg(feature = "rsa")]
impl fmt::Debug for RsaSha256Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSha256Verifier")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "rsa")]
/// The public key could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the public key is not an RSA public key in PEM: {0}")]
pub struct KeyError(String);

#[cfg(feature = "rsa")]
impl RsaSha256Verifier {
    /// `header` is the lowercase name of the signature header.
    pub fn from_pem(pem: &str, header: &'static str) -> Result<Self, KeyError> {
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        use rsa::pkcs8::DecodePublicKey as _;
        let pem = pem.trim();
        let key = rsa::RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|e| KeyError(e.to_string()))?;
        Ok(RsaSha256Verifier {
            key: rsa::pkcs1v15::VerifyingKey::new(key),
            header,
        })
    }

    /// Checks the signature of `body`; `Ok` only when it matches.
    pub fn verify_signature(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        use base64::Engine as _;
        use rsa::signature::Verifier as _;
        let header = self.header;
        let value = headers
            .get(header)
            .ok_or(VerifyError::MissingSignature { header })?
            .to_str()
            .map_err(|_| VerifyError::MalformedSignature { header })?
            .trim();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| VerifyError::MalformedSignature { header })?;
        let signature = rsa::pkcs1v15::Signature::try_from(raw.as_slice())
            .map_err(|_| VerifyError::MalformedSignature { header })?;
        self.key
            .verify(body, &signature)
            .map_err(|_| VerifyError::Mismatch)
    }

    /// Checks the signature, then decodes the body as `T`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, VerifyError> {
        self.verify_signature(headers, body)?;
        serde_json::from_slice(body).map_err(|e| VerifyError::Decode(e.to_string()))
    }
}

#[cfg(feature = "form")]
/// Checks a shared key sent in a notification body (PAYONE's `key`, the hex
/// digest of the portal key) against the expected one, in constant time.
/// Hex case is ignored.
pub fn verify_shared_key(
    received: Option<&str>,
    field: &'static str,
    expected: &SecretString,
) -> Result<(), VerifyError> {
    use subtle::ConstantTimeEq as _;
    let received = received
        .ok_or(VerifyError::MissingKey { field })?
        .trim()
        .to_ascii_lowercase();
    let expected = expected.expose_secret().to_ascii_lowercase();
    if bool::from(received.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(feature = "hmac")]
/// A 32-byte HMAC-SHA256 value from hex or (standard or URL-safe) base64.
fn decode_signature(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (0..64)
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
            .collect();
    }
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines
        .iter()
        .find_map(|e| e.decode(s).ok())
        .filter(|bytes| bytes.len() == 32)
}

#[cfg(all(test, feature = "hmac"))]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn sign(key: &str, body: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("klarna-signature", value.parse().unwrap());
        h
    }

    #[test]
    fn hex_and_base64_signatures_are_accepted() {
        let v = HmacSha256Verifier::new("k3y".to_string().into(), "klarna-signature");
        let body = br#"{"a":1}"#;
        let sig = sign("k3y", body);
        let hex: String = sig.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&sig);
        assert_eq!(v.verify_signature(&headers(&hex), body), Ok(()));
        assert_eq!(
            v.verify_signature(&headers(&hex.to_uppercase()), body),
            Ok(())
        );
        assert_eq!(v.verify_signature(&headers(&b64), body), Ok(()));
        assert_eq!(
            v.verify_signature(&headers(&format!("sha256={hex}")), body),
            Ok(())
        );
    }

    #[test]
    fn tampering_a_wrong_key_and_a_missing_header_are_rejected() {
        let v = HmacSha256Verifier::new("k3y".to_string().into(), "klarna-signature");
        let sig: String = sign("k3y", b"{}")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            v.verify_signature(&headers(&sig), b"{ }"),
            Err(VerifyError::Mismatch)
        );
        let other: String = sign("other", b"{}")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            v.verify_signature(&headers(&other), b"{}"),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            v.verify_signature(&HeaderMap::new(), b"{}"),
            Err(VerifyError::MissingSignature {
                header: "klarna-signature"
            })
        );
        assert_eq!(
            v.verify_signature(&headers("not a signature"), b"{}"),
            Err(VerifyError::MalformedSignature {
                header: "klarna-signature"
            })
        );
        assert!(!format!("{v:?}").contains("k3y"));
    }
}
