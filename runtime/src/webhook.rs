//! Verifying webhook and callback deliveries before trusting them.
//!
//! The signature is checked over the raw body bytes exactly as received
//! (never a re-serialised body), the comparison is constant-time, and only
//! then is the body decoded into the provider's typed event.

#[cfg(any(feature = "hmac", feature = "rsa"))]
use std::fmt;

#[cfg(any(feature = "hmac", feature = "rsa"))]
use http::HeaderMap;
#[cfg(any(feature = "hmac", feature = "form"))]
use secrecy::{ExposeSecret, SecretString};
#[cfg(any(feature = "hmac", feature = "rsa"))]
use serde::de::DeserializeOwned;

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
    /// The provider's public key could not be fetched, so nothing was
    /// verified (the error of the key request, bounded).
    #[error("the provider's public key is not available: {0}")]
    KeyUnavailable(String),
}

impl VerifyError {
    /// [`VerifyError::KeyUnavailable`] for the error of a key request.
    pub fn key_unavailable(error: impl std::fmt::Display) -> Self {
        VerifyError::KeyUnavailable(crate::error::clipped(
            &error.to_string(),
            crate::QUOTE_LIMIT,
        ))
    }
}

/// The signature header's text: missing and unreadable are told apart.
#[cfg(any(feature = "hmac", feature = "rsa"))]
fn signature_text<'h>(
    headers: &'h HeaderMap,
    header: &'static str,
) -> Result<&'h str, VerifyError> {
    Ok(headers
        .get(header)
        .ok_or(VerifyError::MissingSignature { header })?
        .to_str()
        .map_err(|_| VerifyError::MalformedSignature { header })?
        .trim())
}

#[cfg(feature = "hmac")]
/// HMAC-SHA256 over the raw body, sent hex- or base64-encoded in a header
/// (an optional `sha256=` prefix is accepted).
///
/// Several signing keys can be configured, for key rotation. When the
/// delivery names its key in the key-id header (if one was configured) and
/// a configured key has that id, only that key is tried; otherwise every
/// key is tried. Each comparison is constant-time; the delivery is
/// authentic when any key matches.
#[derive(Clone)]
pub struct HmacSha256Verifier {
    keys: Vec<HmacKey>,
    header: &'static str,
    key_id_header: Option<&'static str>,
}

#[cfg(feature = "hmac")]
/// One HMAC signing key, optionally with the id deliveries name it by
/// (Klarna's `Klarna-Signing-Key-Id`).
#[derive(Clone)]
pub struct HmacKey {
    id: Option<String>,
    key: aws_lc_rs::hmac::Key,
}

#[cfg(feature = "hmac")]
impl HmacKey {
    /// A key without an id: tried for every delivery.
    pub fn new(secret: SecretString) -> Self {
        HmacKey {
            id: None,
            key: aws_lc_rs::hmac::Key::new(
                aws_lc_rs::hmac::HMAC_SHA256,
                secret.expose_secret().as_bytes(),
            ),
        }
    }

    /// A key that deliveries naming `id` in the key-id header are checked
    /// against.
    pub fn with_id(secret: SecretString, id: impl Into<String>) -> Self {
        HmacKey {
            id: Some(id.into()),
            ..HmacKey::new(secret)
        }
    }

    /// The key's id, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

#[cfg(feature = "hmac")]
impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("id", &self.id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

#[cfg(feature = "hmac")]
impl fmt::Debug for HmacSha256Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSha256Verifier")
            .field("header", &self.header)
            .field("key_id_header", &self.key_id_header)
            .field("keys", &self.keys)
            .finish()
    }
}

#[cfg(feature = "hmac")]
impl HmacSha256Verifier {
    /// One key without an id. `header` is the lowercase name of the
    /// signature header.
    pub fn new(key: SecretString, header: &'static str) -> Self {
        HmacSha256Verifier::with_keys(vec![HmacKey::new(key)], header, None)
    }

    /// Several keys (during a rotation, the old and the new). `header` is
    /// the lowercase name of the signature header; `key_id_header`, when
    /// given, the lowercase name of the header naming the key a delivery
    /// was signed with.
    pub fn with_keys(
        keys: Vec<HmacKey>,
        header: &'static str,
        key_id_header: Option<&'static str>,
    ) -> Self {
        HmacSha256Verifier {
            keys,
            header,
            key_id_header,
        }
    }

    /// Checks the signature of `body`; `Ok` only when it matches.
    pub fn verify_signature(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        let header = self.header;
        let value = signature_text(headers, header)?;
        let value = value.strip_prefix("sha256=").unwrap_or(value);
        let signature =
            decode_signature(value).ok_or(VerifyError::MalformedSignature { header })?;
        let named = self
            .key_id_header
            .and_then(|h| headers.get(h))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|id| self.keys.iter().any(|k| k.id.as_deref() == Some(*id)));
        let mut matched = false;
        for key in &self.keys {
            if named.is_some_and(|id| key.id.as_deref() != Some(id)) {
                continue;
            }
            // Constant-time comparison; every candidate key is tried.
            matched |= aws_lc_rs::hmac::verify(&key.key, body, &signature).is_ok();
        }
        if matched {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }

    /// Checks the signature, then decodes the body as `T`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, VerifyError> {
        self.verify_signature(headers, body)?;
        decode_verified(body)
    }
}

#[cfg(feature = "rsa")]
/// RSA PKCS#1 v1.5 with SHA-256 over the raw body, base64 in a header
/// (Klix's `X-Signature`). The public key is PEM (SPKI `PUBLIC KEY` or
/// PKCS#1 `RSA PUBLIC KEY`), 2048 to 8192 bits.
#[derive(Clone)]
pub struct RsaSha256Verifier {
    key: std::sync::Arc<aws_lc_rs::signature::ParsedPublicKey>,
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
        let der = pem_body(pem)?;
        // Either DER form: aws-lc reads PKCS#1 `RSAPublicKey` and SPKI.
        let rsa = aws_lc_rs::rsa::PublicKey::from_der(&der)
            .map_err(|e| KeyError(format!("not an RSA public key ({e})")))?;
        let bits = modulus_bits(rsa.as_ref())
            .ok_or_else(|| KeyError("the key's modulus could not be read".into()))?;
        if !(2048..=8192).contains(&bits) {
            return Err(KeyError(format!(
                "a {bits}-bit key; 2048 to 8192 bits are accepted"
            )));
        }
        let key = aws_lc_rs::signature::ParsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &der,
        )
        .map_err(|e| KeyError(format!("not an RSA public key ({e})")))?;
        Ok(RsaSha256Verifier {
            key: std::sync::Arc::new(key),
            header,
        })
    }

    /// Checks the signature of `body`; `Ok` only when it matches.
    pub fn verify_signature(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        use base64::Engine as _;
        let header = self.header;
        let value = signature_text(headers, header)?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| VerifyError::MalformedSignature { header })?;
        self.key
            .verify_sig(body, &signature)
            .map_err(|_| VerifyError::Mismatch)
    }

    /// Checks the signature, then decodes the body as `T`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, VerifyError> {
        self.verify_signature(headers, body)?;
        decode_verified(body)
    }
}

#[cfg(feature = "rsa")]
/// The size in bits of the modulus of a PKCS#1 `RSAPublicKey` in DER
/// (`SEQUENCE { INTEGER n, INTEGER e }`), as aws-lc writes it.
fn modulus_bits(der: &[u8]) -> Option<usize> {
    /// Reads a tag and a definite length; returns the contents and the rest.
    fn item(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = der.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > std::mem::size_of::<usize>() || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| rest.split_at(len))
    }
    let (sequence, _) = item(der, 0x30)?;
    let (n, _) = item(sequence, 0x02)?;
    let first = n.iter().position(|&b| b != 0)?;
    let leading = n[first].leading_zeros() as usize;
    Some((n.len() - first) * 8 - leading)
}

#[cfg(feature = "rsa")]
/// The DER bytes of a PEM block labelled `PUBLIC KEY` or `RSA PUBLIC KEY`.
fn pem_body(pem: &str) -> Result<Vec<u8>, KeyError> {
    use base64::Engine as _;
    let pem = pem.trim();
    let (label, rest) = pem
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split_once("-----"))
        .ok_or_else(|| KeyError("no `-----BEGIN …-----` line".into()))?;
    if label != "PUBLIC KEY" && label != "RSA PUBLIC KEY" {
        return Err(KeyError(format!(
            "a `{}` block; `PUBLIC KEY` or `RSA PUBLIC KEY` was expected",
            crate::error::clipped(label, 40)
        )));
    }
    let end = format!("-----END {label}-----");
    let inner = rest
        .strip_suffix(end.as_str())
        .ok_or_else(|| KeyError(format!("no `{end}` line at the end")))?;
    let text: String = inner.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| KeyError("the PEM body is not base64".into()))
}

#[cfg(any(feature = "hmac", feature = "rsa"))]
/// Decodes an authentic body; the error is bounded (serde may quote data).
fn decode_verified<T: DeserializeOwned>(body: &[u8]) -> Result<T, VerifyError> {
    serde_json::from_slice(body).map_err(|e| {
        VerifyError::Decode(crate::error::clipped_middle(
            &e.to_string(),
            crate::error::MESSAGE_LIMIT,
        ))
    })
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
    let received = received
        .ok_or(VerifyError::MissingKey { field })?
        .trim()
        .to_ascii_lowercase();
    let expected = expected.expose_secret().to_ascii_lowercase();
    // Constant time in the contents (a length difference fails at once;
    // the expected digest's length is no secret).
    let equal =
        aws_lc_rs::constant_time::verify_slices_are_equal(received.as_bytes(), expected.as_bytes());
    if equal.is_ok() {
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
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes());
        aws_lc_rs::hmac::sign(&key, body).as_ref().to_vec()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("klarna-signature", value.parse().unwrap());
        h
    }

    fn with_key_id(value: &str, id: &str) -> HeaderMap {
        let mut h = headers(value);
        h.insert("klarna-signing-key-id", id.parse().unwrap());
        h
    }

    #[test]
    fn a_known_hmac_sha256_vector_verifies() {
        // RFC 4231, test case 2.
        let v = HmacSha256Verifier::new("Jefe".to_string().into(), "klarna-signature");
        let sig = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            v.verify_signature(&headers(sig), b"what do ya want for nothing?"),
            Ok(())
        );
    }

    #[test]
    fn hex_and_base64_signatures_are_accepted() {
        let v = HmacSha256Verifier::new("k3y".to_string().into(), "klarna-signature");
        let body = br#"{"a":1}"#;
        let sig = sign("k3y", body);
        let hex = hex(&sig);
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
        let sig = hex(&sign("k3y", b"{}"));
        assert_eq!(
            v.verify_signature(&headers(&sig), b"{ }"),
            Err(VerifyError::Mismatch)
        );
        let other = hex(&sign("other", b"{}"));
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

    fn rotating() -> HmacSha256Verifier {
        HmacSha256Verifier::with_keys(
            vec![
                HmacKey::with_id("old-SECRET".to_string().into(), "k-old"),
                HmacKey::with_id("new-SECRET".to_string().into(), "k-new"),
                HmacKey::new("unnamed-SECRET".to_string().into()),
            ],
            "klarna-signature",
            Some("klarna-signing-key-id"),
        )
    }

    #[test]
    fn during_a_rotation_any_configured_key_verifies() {
        let v = rotating();
        let body = br#"{"event":1}"#;
        for key in ["old-SECRET", "new-SECRET", "unnamed-SECRET"] {
            let sig = hex(&sign(key, body));
            assert_eq!(v.verify_signature(&headers(&sig), body), Ok(()), "{key}");
            // A key id that names no configured key: every key is tried.
            assert_eq!(
                v.verify_signature(&with_key_id(&sig, "k-unknown"), body),
                Ok(()),
                "{key}"
            );
        }
        assert_eq!(
            v.verify_signature(&headers(&hex(&sign("stranger", body))), body),
            Err(VerifyError::Mismatch)
        );
        let shown = format!("{v:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("k-old"), "{shown}");
    }

    #[test]
    fn a_named_key_id_restricts_verification_to_that_key() {
        let v = rotating();
        let body = br#"{"event":2}"#;
        let by_old = hex(&sign("old-SECRET", body));
        assert_eq!(
            v.verify_signature(&with_key_id(&by_old, "k-old"), body),
            Ok(())
        );
        // Signed with the old key but claiming the new one: only the new
        // key is tried, so it fails.
        assert_eq!(
            v.verify_signature(&with_key_id(&by_old, "k-new"), body),
            Err(VerifyError::Mismatch)
        );
        let by_unnamed = hex(&sign("unnamed-SECRET", body));
        assert_eq!(
            v.verify_signature(&with_key_id(&by_unnamed, "k-new"), body),
            Err(VerifyError::Mismatch)
        );
        // Without a key-id header configured, the delivery's header is ignored.
        let plain = HmacSha256Verifier::with_keys(
            vec![
                HmacKey::with_id("old-SECRET".to_string().into(), "k-old"),
                HmacKey::with_id("new-SECRET".to_string().into(), "k-new"),
            ],
            "klarna-signature",
            None,
        );
        assert_eq!(
            plain.verify_signature(&with_key_id(&by_old, "k-new"), body),
            Ok(())
        );
    }

    #[test]
    fn a_decode_error_of_an_authentic_body_is_bounded() {
        let v = HmacSha256Verifier::new("k3y".to_string().into(), "klarna-signature");
        let body = format!("{{\"n\": \"{}\"}}", "A".repeat(1 << 20));
        let sig = hex(&sign("k3y", body.as_bytes()));
        #[derive(Debug, serde::Deserialize)]
        struct N {
            #[allow(dead_code)]
            n: u64,
        }
        let err = v.verify::<N>(&headers(&sig), body.as_bytes()).unwrap_err();
        assert!(err.to_string().len() < 1024, "{}", err.to_string().len());
    }
}

#[cfg(all(test, feature = "rsa"))]
mod rsa_tests {
    use super::*;

    #[test]
    fn pem_blocks_are_read_and_other_labels_refused() {
        assert!(matches!(
            RsaSha256Verifier::from_pem(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "x"
            ),
            Err(KeyError(_))
        ));
        assert!(RsaSha256Verifier::from_pem("not pem", "x").is_err());
        assert!(RsaSha256Verifier::from_pem(
            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----",
            "x"
        )
        .is_err());
        assert!(RsaSha256Verifier::from_pem(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "x"
        )
        .is_err());
    }

    #[test]
    fn modulus_sizes_are_read_from_der() {
        // SEQUENCE { INTEGER 0x00 0x80 <255 more bytes>, INTEGER 65537 }: 2048 bits.
        let mut n = vec![0x00, 0x80];
        n.extend(std::iter::repeat_n(0x11, 255));
        let mut body = vec![0x02, 0x82, 0x01, 0x01];
        body.extend(&n);
        body.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let mut der = vec![0x30, 0x82];
        der.extend(u16::try_from(body.len()).unwrap().to_be_bytes());
        der.extend(&body);
        assert_eq!(modulus_bits(&der), Some(2048));
        // A 1024-bit modulus with a high bit of 0x40: 1023 bits.
        let mut small = vec![0x30, 0x81, 0x88, 0x02, 0x81, 0x80, 0x40];
        small.extend(std::iter::repeat_n(0x11, 127));
        small.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        assert_eq!(modulus_bits(&small), Some(1023));
        for broken in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x02],
            &[0x31, 0x00],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert_eq!(modulus_bits(broken), None, "{broken:?}");
        }
    }
}
