//! Klavi through the real client against the fake: auth → participants →
//! payment → status polling in the documented order; JWT lifetime and
//! one-token-per-payment rules; rejection and expiry; errors and faults.

mod common;

use std::time::Duration;

use common::api_error;
use paygen::klavi;
use paygen::runtime::{PollError, PollOptions};
use paygen_fake::klavi::{Fake, Operation};
use paygen_fake::runtime::{Fault, RequestBody, Settings};
use serde_json::json;

fn fast_poll() -> PollOptions {
    PollOptions::default()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(5))
}

fn payment() -> klavi::PaymentRequest {
    klavi::PaymentRequest::new(
        "order-1001",
        "participant-0042",
        klavi::Customer::new(klavi::IdentifierType::Cpf, "12345678909").name("Maria Silva"),
        "1333.04".parse().expect("an amount"),
        klavi::Currency::Brl,
        "https://shop.example/klavi/return",
        klavi::Account::new()
            .ispb("12345678")
            .number("1234567")
            .account_type(klavi::AccountType::Cacc),
    )
}

#[tokio::test]
async fn the_happy_path_polls_through_every_documented_status() {
    let fake = Fake::start().await;
    let client = klavi::Client::new(fake.config()).unwrap();

    let participants = client.list_participants().await.expect("participants");
    assert_eq!(
        participants[0].participant_id.as_deref(),
        Some("participant-0042")
    );
    assert_eq!(participants[1].ispb.as_deref(), Some("87654321"));

    let created = client.create_payment(payment()).await.expect("created");
    let id = created.id.clone().expect("an id");
    assert_eq!(created.status, Some(klavi::Status::Started));
    assert_eq!(created.client_request_id.as_deref(), Some("order-1001"));
    assert_eq!(
        created.consent_url.as_deref(),
        Some(format!("{}/consent/{id}", fake.base_url()).as_str())
    );

    // Until the payer consents, polling waits at the consent step.
    let poll = || async { client.get_payment_status(&id).await.unwrap() };
    let first = poll().await;
    assert_eq!(first.status, Some(klavi::Status::Started));
    assert_eq!(first.amount, Some("1333.04".parse().unwrap()));
    assert_eq!(first.currency, Some(klavi::Currency::Brl));
    assert_eq!(
        poll().await.status,
        Some(klavi::Status::ConsentAwaitingAuthorization)
    );
    // One poll, then the wait is over: the interval is longer than the
    // timeout, so no poll is left in flight (an abandoned request the fake
    // answered after `authorize` would take a status step from the loop
    // below).
    let err = client
        .wait_for_final_status(
            &id,
            PollOptions::default()
                .interval(Duration::from_secs(5))
                .timeout(Duration::from_secs(2)),
        )
        .await
        .unwrap_err();
    let PollError::Timeout { polls, last, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(polls, 1);
    assert_eq!(
        last.and_then(|s| s.status),
        Some(klavi::Status::ConsentAwaitingAuthorization)
    );

    // After consent each poll shows the next status, in the documented order.
    fake.authorize(&id).await.expect("consented");
    let mut seen = Vec::new();
    loop {
        let s = poll().await.status.unwrap();
        seen.push(s.clone());
        if s == klavi::Status::PaymentCompleted {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            klavi::Status::ConsentAuthorized,
            klavi::Status::PaymentPartiallyAccepted,
            klavi::Status::PaymentPending,
            klavi::Status::PaymentScheduled,
            klavi::Status::PaymentSettlementProcessing,
            klavi::Status::PaymentCompleted,
        ]
    );
    // The client's own polling reaches the same end.
    let id2 = client.create_payment(payment()).await.unwrap().id.unwrap();
    fake.authorize(&id2).await.unwrap();
    let done = client
        .wait_for_final_status(&id2, fast_poll())
        .await
        .expect("final");
    assert_eq!(done.status, Some(klavi::Status::PaymentCompleted));
    let record = fake.resource("payment", &id).unwrap();
    assert_eq!(record["status"], "PAYMENT_COMPLETED");
}

#[tokio::test]
async fn rejected_expired_and_failed_payments_end_with_their_reason() {
    let fake = Fake::start().await;
    let client = klavi::Client::new(fake.config()).unwrap();
    for (control, expected, code) in [
        ("reject", klavi::Status::ConsentRejected, "CONSENT_REJECTED"),
        ("expire", klavi::Status::Expired, "EXPIRED"),
        (
            "fail_settlement",
            klavi::Status::PaymentRejected,
            "INSUFFICIENT_FUNDS",
        ),
    ] {
        let id = client.create_payment(payment()).await.unwrap().id.unwrap();
        match control {
            "reject" => drop(fake.reject(&id).await.unwrap()),
            "expire" => drop(fake.expire(&id).await.unwrap()),
            _ => {
                fake.authorize(&id).await.unwrap();
                client.get_payment_status(&id).await.unwrap();
                fake.fail_settlement(&id).await.unwrap();
            }
        }
        let done = client
            .wait_for_final_status(&id, fast_poll())
            .await
            .unwrap();
        assert_eq!(done.status, Some(expected));
        assert_eq!(done.status_reason.unwrap().code.as_deref(), Some(code));
    }
}

#[tokio::test]
async fn tokens_expire_and_serve_one_payment_each() {
    let fake = Fake::start_with(Settings::new().token_lifetime(Duration::from_secs(2))).await;
    let client = klavi::Client::new(fake.config()).unwrap();
    client.list_participants().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // The client renews its expired token by itself.
    client.list_participants().await.unwrap();
    let auth_calls = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/payment/customer/v1/auth")
        .count();
    assert_eq!(auth_calls, 2);
    // Credentials in the log are redacted.
    let auth = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/payment/customer/v1/auth")
        .unwrap();
    let RequestBody::Json(body) = auth.body else {
        panic!()
    };
    assert_eq!(body["secretKey"], "[REDACTED]");

    // What the client does not do, by hand: an expired token is a 401, and
    // a token that initiated a payment does not initiate another.
    let http = reqwest::Client::new();
    let base = fake.base_url();
    let fake = &fake;
    let token = |lifetime: u64| {
        let http = http.clone();
        let base = base.clone();
        let (ak, sk) = (fake.access_key(), fake.secret_key());
        async move {
            fake.set_token_lifetime(Duration::from_secs(lifetime));
            let resp = http
                .post(format!("{base}/payment/customer/v1/auth"))
                .header("content-type", "application/json")
                .body(json!({"accessKey": ak, "secretKey": sk}).to_string())
                .send()
                .await
                .unwrap();
            let v: serde_json::Value =
                serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            assert_eq!(v["expireIn"], lifetime);
            v["accessToken"].as_str().unwrap().to_string()
        }
    };
    let short = token(1).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let resp = http
        .get(format!("{base}/payment/customer/v1/participants"))
        .bearer_auth(&short)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["message"], "The access token has expired.");

    let once = token(300).await;
    let body = serde_json::to_value(payment()).unwrap();
    for expected in [200, 401] {
        let resp = http
            .post(format!("{base}/payment/customer/v1/instant/payments"))
            .bearer_auth(&once)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected);
    }
    // The real client takes a new token for each payment.
    client.create_payment(payment()).await.unwrap();
    client.create_payment(payment()).await.unwrap();
}

#[tokio::test]
async fn wrong_keys_bad_payments_and_unknown_ids_are_refused() {
    let fake = Fake::start().await;
    let wrong = klavi::Client::new(
        klavi::Config::new(fake.access_key(), "not-the-secret").environment(fake.environment()),
    )
    .unwrap();
    let err = wrong.list_participants().await.unwrap_err();
    assert!(matches!(err, paygen::Error::Auth { .. }), "{err:?}");

    let client = klavi::Client::new(fake.config()).unwrap();
    let err = api_error(client.get_payment_status("nope").await.unwrap_err());
    assert_eq!(err.status, 404);
    assert_eq!(err.body.unwrap().code.as_deref(), Some("NOT_FOUND"));

    // An unknown currency is the provider's 400, field named.
    let mut bad = payment();
    bad.currency = klavi::Currency::Unknown("USD".into());
    let err = api_error(client.create_payment(bad).await.unwrap_err());
    assert_eq!(err.status, 400);
    let body = err.body.unwrap();
    assert_eq!(body.code.as_deref(), Some("INVALID_PARAMETER"));
    assert!(body.message.unwrap().starts_with("currency:"));
}

#[tokio::test]
async fn a_failed_poll_ends_the_wait_with_that_error_and_a_429_is_retried() {
    let fake = Fake::start().await;
    let client = klavi::Client::new(fake.config()).unwrap();
    let id = client.create_payment(payment()).await.unwrap().id.unwrap();
    fake.authorize(&id).await.unwrap();
    fake.fault(
        Operation::GetPaymentStatus,
        Fault::json(
            429,
            &json!({"code": "RATE_LIMITED", "message": "Slow down"}),
        )
        .header("Retry-After", "0"),
    );
    let done = client
        .wait_for_final_status(&id, fast_poll())
        .await
        .unwrap();
    assert_eq!(done.status, Some(klavi::Status::PaymentCompleted));

    fake.fault(
        Operation::GetPaymentStatus,
        Fault::json(400, &json!({"code": "BAD", "message": "no"})),
    );
    let err = client
        .wait_for_final_status(&id, fast_poll())
        .await
        .unwrap_err();
    let PollError::Request(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(err.status(), Some(400));
}
