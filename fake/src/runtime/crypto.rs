//! Signing and hashing: the fake's RSA key (Klix-style callbacks), HMAC
//! signatures, credential digests and the JWTs a token endpoint issues.

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;

/// An RSA key pair and its public key as PEM.
pub(crate) struct RsaKey {
    pair: aws_lc_rs::rsa::KeyPair,
    pub pem: String,
}

/// The process's RSA key, made on first use (2048 bits); `None` if the
/// crypto library could not make one.
pub(crate) fn rsa_key() -> Option<&'static RsaKey> {
    static KEY: OnceLock<Option<RsaKey>> = OnceLock::new();
    KEY.get_or_init(|| {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).ok()?;
        let der = pair.public_key().as_der().ok()?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).ok()?);
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        Some(RsaKey { pair, pem })
    })
    .as_ref()
}

impl RsaKey {
    /// Base64 of the RSA PKCS#1 v1.5 SHA-256 signature of `body`.
    pub fn sign(&self, body: &[u8]) -> Option<String> {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                body,
                &mut sig,
            )
            .ok()?;
        Some(base64::engine::general_purpose::STANDARD.encode(sig))
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex HMAC-SHA256 of `body` under `key`.
pub(crate) fn hmac_hex(key: &[u8], body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    hex(aws_lc_rs::hmac::sign(&key, body).as_ref())
}

/// A credential digest, lowercase hex.
pub(crate) fn digest(hash: super::spec::Hash, secret: &str) -> String {
    match hash {
        super::spec::Hash::Md5 => {
            use md5::Digest as _;
            hex(&md5::Md5::digest(secret.as_bytes()))
        }
        super::spec::Hash::Sha384 => {
            hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA384, secret.as_bytes()).as_ref())
        }
    }
}

/// Constant-time equality of two texts.
pub(crate) fn same(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An HS256 JWT for `subject`, valid `lifetime` seconds from `now`, with id `jti`.
pub(crate) fn jwt(secret: &[u8], subject: &str, now: i64, lifetime: u64, jti: &str) -> String {
    let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let exp = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let claims = serde_json::json!({"sub": subject, "iat": now, "exp": exp, "jti": jti});
    let payload = b64url(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let sig = b64url(aws_lc_rs::hmac::sign(&key, signing_input.as_bytes()).as_ref());
    format!("{signing_input}.{sig}")
}

/// Why a JWT is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtError {
    Malformed,
    BadSignature,
    Expired,
}

/// The `jti` of a JWT signed with `secret` and not expired at `now`.
pub(crate) fn verify_jwt(secret: &[u8], token: &str, now: i64) -> Result<String, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| JwtError::Malformed)?;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    aws_lc_rs::hmac::verify(&key, format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| JwtError::BadSignature)?;
    let claims: serde_json::Value = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    let exp = claims
        .get("exp")
        .and_then(serde_json::Value::as_i64)
        .ok_or(JwtError::Malformed)?;
    if now >= exp {
        return Err(JwtError::Expired);
    }
    claims
        .get("jti")
        .and_then(|j| j.as_str())
        .map(str::to_string)
        .ok_or(JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_verifies_until_it_expires_and_not_under_another_secret() {
        let token = jwt(b"secret", "ak", 1_000, 60, "t1");
        assert_eq!(verify_jwt(b"secret", &token, 1_059), Ok("t1".into()));
        assert_eq!(verify_jwt(b"secret", &token, 1_060), Err(JwtError::Expired));
        assert_eq!(
            verify_jwt(b"other", &token, 1_000),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            verify_jwt(b"secret", "a.b", 1_000),
            Err(JwtError::Malformed)
        );
    }

    #[test]
    fn digests_are_lowercase_hex() {
        assert_eq!(
            digest(super::super::spec::Hash::Md5, "abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(digest(super::super::spec::Hash::Sha384, "abc").len(), 96);
        assert_eq!(
            hmac_hex(b"key", b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
