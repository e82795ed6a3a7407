//! Klix callbacks and webhooks: `X-Signature` is base64 of an RSA PKCS#1 v1.5
//! signature over the SHA-256 of the raw body; the PEM key comes from
//! `GET public_key/`, fetched once per client and cached.

use base64::Engine as _;
use paygen::klix;
use paygen::runtime::{HeaderMap, VerifyError};
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PRIVATE: &str = include_str!("../keys/klix-test-private.pem");
const PUBLIC: &str = include_str!("../keys/klix-test-public.pem");

/// A paid purchase as Klix POSTs it to `success_callback`.
const CALLBACK: &str = r#"{"id":"3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a","type":"purchase","status":"paid","brand_id":"795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5","client":{"email":"test@test.com"},"purchase":{"currency":"EUR","products":[{"name":"Xiaomi Mi Smart Band 5","price":3000}],"total":3000},"is_test":true}"#;

fn sign(body: &[u8]) -> String {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(PRIVATE).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    base64::engine::general_purpose::STANDARD.encode(signer.sign(body).to_bytes())
}

fn headers(sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("X-Signature", sig.parse().unwrap());
    h
}

async fn klix_with_key(expected_fetches: u64) -> (MockServer, klix::Client) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public_key/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(PUBLIC))
        .expect(expected_fetches)
        .mount(&server)
        .await;
    let client =
        klix::Client::new(klix::Config::new("sk").base_url(format!("{}/api/v1", server.uri())))
            .unwrap();
    (server, client)
}

#[tokio::test]
async fn a_signed_callback_verifies_and_decodes_and_the_key_is_fetched_once() {
    let (server, client) = klix_with_key(1).await;
    let sig = sign(CALLBACK.as_bytes());
    for c in [client.clone(), client.clone()] {
        let verifier = c.webhook_verifier().await.expect("public key fetched");
        let purchase = verifier
            .verify(&headers(&sig), CALLBACK.as_bytes())
            .expect("verified");
        assert_eq!(purchase.status, Some(klix::PurchaseStatus::Paid));
        assert_eq!(
            purchase.id.as_deref(),
            Some("3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a")
        );
        assert_eq!(purchase.purchase.total, Some(3000));
    }
    server.verify().await;
}

#[tokio::test]
async fn tampered_bodies_wrong_keys_and_missing_headers_are_rejected() {
    let verifier = klix::WebhookVerifier::from_pem(PUBLIC).unwrap();
    let sig = sign(CALLBACK.as_bytes());
    let tampered = CALLBACK.replace("\"paid\"", "\"refunded\"");
    assert_eq!(
        verifier
            .verify(&headers(&sig), tampered.as_bytes())
            .unwrap_err(),
        VerifyError::Mismatch
    );
    // Signed over other bytes of the same JSON: still rejected.
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_str::<serde_json::Value>(CALLBACK).unwrap())
            .unwrap();
    assert_eq!(
        verifier.verify(&headers(&sig), &pretty).unwrap_err(),
        VerifyError::Mismatch
    );
    // A signature made with another key.
    let other = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let foreign = base64::engine::general_purpose::STANDARD.encode(
        rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(other)
            .sign(CALLBACK.as_bytes())
            .to_bytes(),
    );
    assert_eq!(
        verifier
            .verify(&headers(&foreign), CALLBACK.as_bytes())
            .unwrap_err(),
        VerifyError::Mismatch
    );
    assert_eq!(
        verifier
            .verify(&HeaderMap::new(), CALLBACK.as_bytes())
            .unwrap_err(),
        VerifyError::MissingSignature {
            header: "x-signature"
        }
    );
    assert_eq!(
        verifier
            .verify(&headers("%%%"), CALLBACK.as_bytes())
            .unwrap_err(),
        VerifyError::MalformedSignature {
            header: "x-signature"
        }
    );
}

#[tokio::test]
async fn a_public_key_that_is_not_pem_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path("/public_key/"))
        .respond_with(ResponseTemplate::new(200).set_body_json("not a key"))
        .mount(&server)
        .await;
    let client = klix::Client::new(klix::Config::new("sk").base_url(server.uri())).unwrap();
    let err = client.webhook_verifier().await.unwrap_err();
    assert!(
        matches!(&err, paygen::Error::Decode(d) if d.operation == "get_public_key" && d.raw_body == "not a key"),
        "{err:?}"
    );
}

#[test]
fn a_pkcs1_rsa_public_key_pem_verifies_too() {
    use rsa::pkcs1::EncodeRsaPublicKey as _;
    let private = rsa::RsaPrivateKey::from_pkcs1_pem(PRIVATE).unwrap();
    let pkcs1 = private
        .to_public_key()
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .unwrap();
    assert!(
        pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"),
        "{pkcs1}"
    );
    let verifier = klix::WebhookVerifier::from_pem(&pkcs1).expect("PKCS#1 PEM");
    let purchase = verifier
        .verify(&headers(&sign(CALLBACK.as_bytes())), CALLBACK.as_bytes())
        .expect("verified");
    assert_eq!(purchase.status, Some(klix::PurchaseStatus::Paid));
    // CRLF line ends and surrounding blank lines are fine.
    let crlf = format!("\r\n{}\r\n", PUBLIC.replace('\n', "\r\n"));
    klix::WebhookVerifier::from_pem(&crlf).expect("CRLF PEM");
}

#[test]
fn keys_shorter_than_2048_bits_and_other_pem_blocks_are_refused() {
    use rsa::pkcs8::EncodePublicKey as _;
    let small = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let pem = small
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap();
    let err = klix::WebhookVerifier::from_pem(&pem).unwrap_err();
    assert!(err.to_string().contains("1024-bit"), "{err}");
    let err = klix::WebhookVerifier::from_pem(PRIVATE).unwrap_err();
    assert!(err.to_string().contains("RSA PRIVATE KEY"), "{err}");
}

const ROTATED_PRIVATE: &str = include_str!("../keys/klix-rotated-private.pem");
const ROTATED_PUBLIC: &str = include_str!("../keys/klix-rotated-public.pem");

fn sign_rotated(body: &[u8]) -> String {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(ROTATED_PRIVATE).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    base64::engine::general_purpose::STANDARD.encode(signer.sign(body).to_bytes())
}

/// A server whose `public_key/` answers the old key first, then the rotated one.
async fn rotating_server() -> (MockServer, klix::Client) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/public_key/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(PUBLIC))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/public_key/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ROTATED_PUBLIC))
        .mount(&server)
        .await;
    let client = klix::Client::new(klix::Config::new("sk").base_url(server.uri())).unwrap();
    (server, client)
}

async fn key_fetches(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/public_key/")
        .count()
}

#[tokio::test]
async fn after_a_key_rotation_a_mismatch_fetches_the_key_once_more() {
    let (server, client) = rotating_server().await;
    // The cached key is the old one…
    let old = sign(CALLBACK.as_bytes());
    assert_eq!(
        client
            .verify_webhook(&headers(&old), CALLBACK.as_bytes())
            .await
            .unwrap()
            .status,
        Some(klix::PurchaseStatus::Paid)
    );
    assert_eq!(key_fetches(&server).await, 1);
    // …the provider rotates: the first delivery under the new key refetches.
    let new = sign_rotated(CALLBACK.as_bytes());
    let purchase = client
        .verify_webhook(&headers(&new), CALLBACK.as_bytes())
        .await
        .expect("verified with the refetched key");
    assert_eq!(purchase.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(key_fetches(&server).await, 2);
    // The new key is cached: no further fetch.
    client
        .verify_webhook(&headers(&new), CALLBACK.as_bytes())
        .await
        .unwrap();
    assert_eq!(key_fetches(&server).await, 2);
}

#[tokio::test]
async fn forged_deliveries_cannot_make_the_client_hammer_the_key_endpoint() {
    let (server, client) = rotating_server().await;
    let tampered = CALLBACK.replace("\"paid\"", "\"refunded\"");
    let sig = sign(CALLBACK.as_bytes());
    for _ in 0..5 {
        assert_eq!(
            client
                .verify_webhook(&headers(&sig), tampered.as_bytes())
                .await
                .unwrap_err(),
            VerifyError::Mismatch
        );
    }
    // One fetch for the cache, one refetch; the rest are rate-limited.
    assert_eq!(key_fetches(&server).await, 2);
}

#[tokio::test]
async fn a_failing_key_endpoint_is_asked_once_by_many_callers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/public_key/"))
        .respond_with(ResponseTemplate::new(503).set_delay(std::time::Duration::from_millis(200)))
        .mount(&server)
        .await;
    let client = klix::Client::new(klix::Config::new("sk").base_url(server.uri()).options(
        paygen::runtime::HttpOptions::default().retry(paygen::runtime::RetryPolicy::none()),
    ))
    .unwrap();
    let calls = (0..10).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.webhook_verifier().await })
    });
    for call in futures::future::join_all(calls).await {
        let err = call.unwrap().unwrap_err();
        assert_eq!(err.status(), Some(503), "{err}");
    }
    assert_eq!(key_fetches(&server).await, 1);
    // A delivery checked meanwhile says why nothing was verified.
    let err = client
        .verify_webhook(&headers(&sign(CALLBACK.as_bytes())), CALLBACK.as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, VerifyError::KeyUnavailable(m) if m.contains("HTTP 503")),
        "{err:?}"
    );
}
