//! Klarna webhook deliveries: `Klarna-Signature` (HMAC-SHA256 of the raw
//! body) is checked before the typed event is decoded.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use paygen::klarna_payments as kp;
use paygen::runtime::{HeaderMap, VerifyError};
use sha2::Sha256;

/// The `payment.request.state-change.submitted` example from the vendor page,
/// as the raw bytes a delivery carries.
const SUBMITTED: &str = r#"{"metadata":{"event_type":"payment.request.state-change.submitted","event_id":"d9f9b1a0-5b1a-4b0e-9b0a-9e9b1a0d5b1a","event_version":"v1","occurred_at":"2024-01-01T12:00:00Z","correlation_id":"2d1557e8-17c3-466c-924a-bbc3e91c2a02","account_id":"krn:partner:account:206bbb83-9b6e-46fa-940d-337153c04a58","product_instance_id":"krn:partner:product:payment:ad71bc48-8a07-4919-a2c1-103dba3fc918","webhook_id":"krn:partner:global:notification:webhook:120e5b7e-abcd-4def-8a90-dca726e639b5","live":true},"payload":{"payment_request_id":"krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4","payment_reference":"partner-payref-1234","merchant_reference":"order-5678","state":"SUBMITTED"}}"#;

const KEY: &str = "whsec-test-signing-key";

fn signature(key: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn headers(sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Klarna-Signature", sig.parse().unwrap());
    h.insert("Klarna-Signing-Key-Id", "key-1".parse().unwrap());
    h
}

#[test]
fn a_correctly_signed_delivery_decodes_to_the_typed_event() {
    let verifier = kp::WebhookVerifier::new(KEY);
    let sig = signature(KEY, SUBMITTED.as_bytes());
    for encoded in [
        hex(&sig),
        base64::engine::general_purpose::STANDARD.encode(&sig),
    ] {
        let event = verifier
            .verify(&headers(&encoded), SUBMITTED.as_bytes())
            .expect("verified");
        assert_eq!(
            event.metadata.event_type,
            kp::WebhookEventType::PaymentRequestStateChangeSubmitted
        );
        assert_eq!(
            event.metadata.occurred_at.to_string(),
            "2024-01-01T12:00:00Z"
        );
        assert_eq!(
            event.payload.payment_request_id,
            "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4"
        );
        assert_eq!(event.payload.state, kp::PaymentRequestState::Submitted);
        assert_eq!(
            event.payload.merchant_reference.as_deref(),
            Some("order-5678")
        );
    }
}

#[test]
fn a_tampered_body_is_rejected() {
    let verifier = kp::WebhookVerifier::new(KEY);
    let sig = hex(&signature(KEY, SUBMITTED.as_bytes()));
    let tampered = SUBMITTED.replace("\"state\":\"SUBMITTED\"", "\"state\":\"AUTHORIZED\"");
    assert_eq!(
        verifier
            .verify(&headers(&sig), tampered.as_bytes())
            .unwrap_err(),
        VerifyError::Mismatch
    );
    // The same JSON with other whitespace is other bytes: only the raw body verifies.
    let reserialised =
        serde_json::to_vec_pretty(&serde_json::from_str::<serde_json::Value>(SUBMITTED).unwrap())
            .unwrap();
    assert_ne!(reserialised, SUBMITTED.as_bytes());
    assert_eq!(
        verifier.verify(&headers(&sig), &reserialised).unwrap_err(),
        VerifyError::Mismatch
    );
}

#[test]
fn a_wrong_key_is_rejected() {
    let sig = hex(&signature("another-key", SUBMITTED.as_bytes()));
    let err = kp::WebhookVerifier::new(KEY)
        .verify(&headers(&sig), SUBMITTED.as_bytes())
        .unwrap_err();
    assert_eq!(err, VerifyError::Mismatch);
}

#[test]
fn a_missing_or_malformed_header_is_rejected() {
    let verifier = kp::WebhookVerifier::new(KEY);
    assert_eq!(
        verifier
            .verify(&HeaderMap::new(), SUBMITTED.as_bytes())
            .unwrap_err(),
        VerifyError::MissingSignature {
            header: "klarna-signature"
        }
    );
    assert_eq!(
        verifier
            .verify(&headers("deadbeef"), SUBMITTED.as_bytes())
            .unwrap_err(),
        VerifyError::MalformedSignature {
            header: "klarna-signature"
        }
    );
}

#[test]
fn an_authentic_body_that_is_not_an_event_is_a_decode_error() {
    let body = br#"{"hello":"world"}"#;
    let sig = hex(&signature(KEY, body));
    let err = kp::WebhookVerifier::new(KEY)
        .verify(&headers(&sig), body)
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::Decode(ref m) if m.contains("metadata")),
        "{err:?}"
    );
}

#[test]
fn the_signing_key_never_prints() {
    let verifier = kp::WebhookVerifier::new(KEY);
    assert!(!format!("{verifier:?}").contains(KEY));
    let err = verifier
        .verify(&headers(&hex(&signature("x", b"{}"))), b"{}")
        .unwrap_err();
    assert!(!format!("{err:?} {err}").contains(KEY));
}

fn headers_with_key_id(sig: &str, key_id: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Klarna-Signature", sig.parse().unwrap());
    if let Some(id) = key_id {
        h.insert("Klarna-Signing-Key-Id", id.parse().unwrap());
    }
    h
}

#[test]
fn during_a_rotation_both_keys_verify_and_a_key_id_picks_one() {
    use paygen::runtime::HmacKey;
    const OLD: &str = "whsec-old";
    const NEW: &str = "whsec-new";
    let verifier = kp::WebhookVerifier::with_keys([
        HmacKey::with_id(OLD.to_string().into(), "key-1"),
        HmacKey::with_id(NEW.to_string().into(), "key-2"),
    ]);
    let old = hex(&signature(OLD, SUBMITTED.as_bytes()));
    let new = hex(&signature(NEW, SUBMITTED.as_bytes()));
    // Named keys: each delivery is checked against the key it names.
    assert!(verifier
        .verify(
            &headers_with_key_id(&old, Some("key-1")),
            SUBMITTED.as_bytes()
        )
        .is_ok());
    assert!(verifier
        .verify(
            &headers_with_key_id(&new, Some("key-2")),
            SUBMITTED.as_bytes()
        )
        .is_ok());
    // A delivery signed with the old key but naming the new one is refused.
    assert_eq!(
        verifier
            .verify(
                &headers_with_key_id(&old, Some("key-2")),
                SUBMITTED.as_bytes()
            )
            .unwrap_err(),
        VerifyError::Mismatch
    );
    // Without a key id, any configured key verifies.
    let event = verifier
        .verify(&headers_with_key_id(&new, None), SUBMITTED.as_bytes())
        .unwrap();
    assert_eq!(
        event.metadata.event_id,
        "d9f9b1a0-5b1a-4b0e-9b0a-9e9b1a0d5b1a"
    );
    assert_eq!(
        verifier
            .verify(
                &headers_with_key_id(&hex(&signature("other", SUBMITTED.as_bytes())), None),
                SUBMITTED.as_bytes()
            )
            .unwrap_err(),
        VerifyError::Mismatch
    );
}
