//! Klarna Customer Token through the real client against the fake: read a
//! token, place orders with it, cancel it; Basic auth, validation and
//! TOKEN_NOT_FOUND answers; idempotent order creation.

mod common;

use common::api_error;
use paygen::klarna_customer_token as kct;
use paygen::runtime::{HttpOptions, RetryPolicy};
use paygen_fake::klarna_customer_token::{Fake, Operation};

fn client(fake: &Fake) -> kct::Client {
    kct::Client::new(
        fake.config()
            .options(HttpOptions::default().retry(RetryPolicy::none())),
    )
    .expect("the client builds")
}

fn order() -> kct::CustomerTokenOrderRequest {
    kct::CustomerTokenOrderRequest::new(
        2500,
        vec![kct::OrderLine::new()
            .name("Running shoe")
            .quantity(1)
            .unit_price(2500)
            .total_amount(2500)
            .tax_rate(1900)
            .total_tax_amount(399)],
        kct::Currency::Gbp,
    )
    .merchant_reference1("ON4711")
    .auto_capture(false)
}

#[tokio::test]
async fn a_token_is_read_charged_and_cancelled() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let token = fake.add_card_token().await.expect("issued");
    assert_eq!(token.resource.status, kct::CustomerTokenStatus::Active);

    let details = client.read_customer_token(&token.id).await.expect("read");
    assert_eq!(details.payment_method_type, "CARD");
    assert_eq!(details.status, kct::CustomerTokenStatus::Active);
    assert_eq!(
        details.card.and_then(|c| c.masked_number).as_deref(),
        Some("************1234")
    );

    let placed = client
        .create_order_from_token(&token.id, kct::CreateOrderFromTokenParams::new(), order())
        .await
        .expect("ordered");
    assert_eq!(placed.fraud_status, "ACCEPTED");
    assert!(!placed.order_id.is_empty());
    assert!(placed.redirect_url.starts_with(&fake.base_url()));
    assert_eq!(
        placed
            .authorized_payment_method
            .and_then(|m| m.r#type)
            .as_deref(),
        Some("CARD")
    );
    // Each order is a new one.
    let second = client
        .create_order_from_token(&token.id, kct::CreateOrderFromTokenParams::new(), order())
        .await
        .unwrap();
    assert_ne!(second.order_id, placed.order_id);

    client
        .update_customer_token_status(
            &token.id,
            kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
        )
        .await
        .expect("cancelled (202, no body)");
    assert_eq!(
        fake.requests_to(Operation::UpdateCustomerTokenStatus)[0].status,
        Some(202)
    );
    let details = client.read_customer_token(&token.id).await.unwrap();
    assert_eq!(details.status, kct::CustomerTokenStatus::Cancelled);

    // Orders with a cancelled token: Klarna's 409.
    let err = api_error(
        client
            .create_order_from_token(&token.id, kct::CreateOrderFromTokenParams::new(), order())
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 409);
    let body = err.body.expect("Klarna's error body");
    assert_eq!(body.error_code.as_deref(), Some("TOKEN_NOT_ACTIVE"));
    assert!(body.correlation_id.is_some());
}

#[tokio::test]
async fn a_suspended_token_takes_no_orders() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let token = fake.add_customer_token().await.unwrap();
    assert_eq!(token.resource.payment_method_type, "INVOICE");
    let suspended = fake.suspend(&token.id).await.unwrap();
    assert_eq!(suspended.status, kct::CustomerTokenStatus::Suspended);
    let err = client
        .create_order_from_token(&token.id, kct::CreateOrderFromTokenParams::new(), order())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn unknown_tokens_wrong_passwords_and_invalid_orders_are_refused() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let err = api_error(
        client
            .read_customer_token("no-such-token")
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 404);
    let body = err.body.unwrap();
    assert_eq!(body.error_code.as_deref(), Some("TOKEN_NOT_FOUND"));
    assert_eq!(
        body.error_messages,
        Some(vec!["The customer token could not be found.".to_string()])
    );

    let wrong = kct::Client::new(
        kct::Config::new(fake.username(), "wrong-password").environment(fake.environment()),
    )
    .unwrap();
    let err = api_error(wrong.read_customer_token("x").await.unwrap_err());
    assert_eq!(err.status, 401);

    let token = fake.add_customer_token().await.unwrap();
    // order_lines needs at least one line; order_amount at least 1.
    let err = api_error(
        client
            .create_order_from_token(
                &token.id,
                kct::CreateOrderFromTokenParams::new(),
                kct::CustomerTokenOrderRequest::new(0, Vec::new(), kct::Currency::Gbp),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 400);
    let messages = err.body.unwrap().error_messages.unwrap();
    assert!(
        messages.iter().any(|m| m.starts_with("order_amount:")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("order_lines:")),
        "{messages:?}"
    );
}

#[tokio::test]
async fn a_repeated_order_key_replays_the_first_order() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let token = fake.add_customer_token().await.unwrap();
    let params = || {
        kct::CreateOrderFromTokenParams::new()
            .klarna_idempotency_key("7b0e7c8e-1d7e-4a57-9c3c-0b5b8f1c2d3e")
    };
    let first = client
        .create_order_from_token(&token.id, params(), order())
        .await
        .unwrap();
    let again = client
        .create_order_from_token(&token.id, params(), order())
        .await
        .unwrap();
    assert_eq!(again, first);
}
