//! Every documented Klarna Payments flow through the real client against
//! the fake: payment request → customer flow → confirmation → transaction
//! with captures, refunds, void and chargebacks; signed webhooks verified
//! by the client's `WebhookVerifier`; idempotent replays; Klarna's error
//! body for each refusal; faults.

mod common;

use common::{api_error, Receiver};
use paygen::klarna_payments as kp;
use paygen::runtime::{HttpOptions, RetryPolicy};
use paygen_fake::klarna_payments::{Fake, Operation};
use paygen_fake::runtime::{Fault, Settings};

/// Any account id: the fake keeps one account.
const ACCOUNT: &str = "krn:partner:global:account:test:FAKE";

fn client(fake: &Fake) -> kp::Client {
    kp::Client::new(
        fake.config()
            .options(HttpOptions::default().retry(RetryPolicy::none())),
    )
    .expect("the client builds")
}

fn tee() -> kp::LineItem {
    kp::LineItem::new()
        .name("Oversized vintage trabant tee")
        .quantity(2)
        .total_amount(5000)
        .product_identifier("1234567890")
}

fn request_data() -> kp::PaymentRequestData {
    kp::PaymentRequestData::new(kp::Currency::Usd, 15000)
        .merchant_reference("order-5678")
        .payment_reference("partner-payref-1234")
        .line_items(vec![tee()])
        .config(kp::PaymentRequestConfig::new())
}

/// A payment request the customer has completed and the partner confirmed.
async fn authorized(fake: &Fake, client: &kp::Client) -> (kp::PaymentRequest, String) {
    let created = client
        .create_payment_request(kp::CreatePaymentRequestParams::new(), request_data())
        .await
        .expect("created");
    let pending = fake
        .authorize(&created.payment_request_id)
        .await
        .expect("the customer completes the flow");
    let token = pending
        .state_context
        .and_then(|c| c.payment_confirmation_token)
        .expect("a confirmation token");
    let confirmed = client
        .confirm_payment_request(
            &token,
            kp::ConfirmPaymentRequestParams::new(),
            kp::PaymentConfirmationRequest::new(kp::Currency::Usd, 15000)
                .payment_transaction_reference("partner-transaction-reference-4567")
                .config(kp::PaymentConfirmationConfig::new().capture(false)),
        )
        .await
        .expect("confirmed");
    let txn = confirmed
        .state_context
        .clone()
        .and_then(|c| c.payment_transaction_id)
        .expect("a transaction id");
    (confirmed, txn)
}

#[tokio::test]
async fn the_whole_lifecycle_with_webhooks_the_client_verifies() {
    let receiver = Receiver::ok().await;
    let fake = Fake::start_with(
        Settings::new()
            .webhook_key("whsec-chosen-by-the-test")
            .delivery_url(receiver.url("/klarna/webhooks")),
    )
    .await;
    let client = client(&fake);

    let created = client
        .create_payment_request(kp::CreatePaymentRequestParams::new(), request_data())
        .await
        .expect("created");
    assert_eq!(created.state, kp::PaymentRequestState::Submitted);
    assert!(created
        .payment_request_id
        .starts_with("krn:payment:eu1:request:"));
    assert_eq!(
        created.payment_request.as_ref().map(|d| d.payment_amount),
        Some(15000)
    );
    assert!(created.created_at.is_some());
    let read = client
        .read_payment_request(&created.payment_request_id)
        .await
        .expect("read");
    assert_eq!(read, created);

    // Updating is possible while SUBMITTED.
    let updated = client
        .update_payment_request(
            &created.payment_request_id,
            kp::UpdatePaymentRequestParams::new(),
            kp::PaymentRequestUpdate::new().merchant_reference("order-5679"),
        )
        .await
        .expect("updated");
    assert_eq!(
        updated
            .payment_request
            .unwrap()
            .merchant_reference
            .as_deref(),
        Some("order-5679")
    );

    let pending = fake.authorize(&created.payment_request_id).await.unwrap();
    assert_eq!(pending.state, kp::PaymentRequestState::PendingConfirmation);
    let token = pending
        .state_context
        .unwrap()
        .payment_confirmation_token
        .unwrap();

    // Not updatable any more: Klarna's 409.
    let err = api_error(
        client
            .update_payment_request(
                &created.payment_request_id,
                kp::UpdatePaymentRequestParams::new(),
                kp::PaymentRequestUpdate::new().merchant_reference("late"),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 409);
    assert_eq!(
        err.body.unwrap().error_code.as_deref(),
        Some("INVALID_STATE")
    );

    let confirmed = client
        .confirm_payment_request(
            &token,
            kp::ConfirmPaymentRequestParams::new(),
            kp::PaymentConfirmationRequest::new(kp::Currency::Usd, 15000),
        )
        .await
        .expect("confirmed");
    assert_eq!(confirmed.state, kp::PaymentRequestState::Authorized);
    let txn_id = confirmed
        .state_context
        .clone()
        .unwrap()
        .payment_transaction_id
        .unwrap();
    // Confirming again with the token answers the same request.
    let again = client
        .confirm_payment_request(
            &token,
            kp::ConfirmPaymentRequestParams::new(),
            kp::PaymentConfirmationRequest::new(kp::Currency::Usd, 15000),
        )
        .await
        .expect("idempotent");
    assert_eq!(again.state_context, confirmed.state_context);

    // Three webhooks, each verified by the real client's verifier.
    let verifier = kp::WebhookVerifier::new("whsec-chosen-by-the-test");
    let events: Vec<kp::WebhookEvent> = fake
        .deliveries()
        .iter()
        .map(|d| {
            assert!(d.acknowledged, "{d:?}");
            verifier
                .verify(&d.header_map(), &d.body)
                .expect("the signature verifies")
        })
        .collect();
    let types: Vec<_> = events
        .iter()
        .map(|e| e.metadata.event_type.clone())
        .collect();
    assert_eq!(
        types,
        [
            kp::WebhookEventType::PaymentRequestStateChangeSubmitted,
            kp::WebhookEventType::PaymentRequestStateChangePendingConfirmation,
            kp::WebhookEventType::PaymentRequestStateChangeAuthorized,
        ]
    );
    let last = &events[2].payload;
    assert_eq!(last.state, kp::PaymentRequestState::Authorized);
    assert_eq!(
        last.previous_state,
        Some(kp::PaymentRequestState::PendingConfirmation)
    );
    assert_eq!(last.merchant_reference.as_deref(), Some("order-5679"));
    assert_eq!(receiver.requests().await.len(), 3);
    // Another key does not verify.
    let d = &fake.deliveries()[0];
    assert!(kp::WebhookVerifier::new("other")
        .verify(&d.header_map(), &d.body)
        .is_err());

    // The transaction: two captures, a refund of one, a chargeback.
    let txn = client
        .read_payment_transaction(ACCOUNT, &txn_id)
        .await
        .expect("transaction");
    assert_eq!(txn.state, kp::PaymentTransactionState::Authorized);
    assert_eq!(txn.original_authorization_amount, Some(15000));
    assert_eq!(txn.merchant_reference.as_deref(), Some("order-5679"));
    let first = client
        .capture_payment_transaction(
            ACCOUNT,
            &txn_id,
            kp::CapturePaymentTransactionParams::new(),
            kp::CaptureRequest::new()
                .capture_amount(5000)
                .capture_reference("capture-reference-123")
                .line_items(vec![tee()]),
        )
        .await
        .expect("captured");
    assert_eq!(first.payment_capture_id, format!("{txn_id}:capture:1"));
    assert_eq!(first.capture_amount, Some(5000));
    assert_eq!(
        first.capture_reference.as_deref(),
        Some("capture-reference-123")
    );
    assert_eq!(first.line_items, Some(vec![tee()]));
    let txn = client
        .read_payment_transaction(ACCOUNT, &txn_id)
        .await
        .unwrap();
    assert_eq!(txn.state, kp::PaymentTransactionState::Authorized);
    assert_eq!(txn.remaining_authorization_amount, Some(10000));
    assert_eq!(txn.captures.as_ref().map(Vec::len), Some(1));

    // More than remains: a validation error on capture_amount.
    let err = api_error(
        client
            .capture_payment_transaction(
                ACCOUNT,
                &txn_id,
                kp::CapturePaymentTransactionParams::new(),
                kp::CaptureRequest::new().capture_amount(20000),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 400);
    let body = err.body.unwrap();
    assert_eq!(body.error_type, Some(kp::ErrorType::InputError));
    assert_eq!(
        body.validation_errors.unwrap()[0].parameter.as_deref(),
        Some("capture_amount")
    );

    // The rest: the transaction completes.
    let second = client
        .capture_payment_transaction(
            ACCOUNT,
            &txn_id,
            kp::CapturePaymentTransactionParams::new(),
            kp::CaptureRequest::new(),
        )
        .await
        .expect("captured");
    assert_eq!(second.capture_amount, Some(10000));
    let read_back = client
        .read_capture(ACCOUNT, &second.payment_capture_id)
        .await
        .expect("read capture");
    assert_eq!(read_back, second);
    let txn = client
        .read_payment_transaction(ACCOUNT, &txn_id)
        .await
        .unwrap();
    assert_eq!(txn.state, kp::PaymentTransactionState::Completed);
    assert_eq!(
        txn.previous_state,
        Some(kp::PaymentTransactionState::Authorized)
    );

    let refund = client
        .refund_capture(
            ACCOUNT,
            &first.payment_capture_id,
            kp::RefundCaptureParams::new(),
            kp::RefundRequest::new()
                .refund_amount(5000)
                .refund_reference("refund-reference-123"),
        )
        .await
        .expect("refunded");
    assert_eq!(
        refund.payment_capture_id.as_deref(),
        Some(first.payment_capture_id.as_str())
    );
    assert_eq!(refund.refund_amount, Some(5000));
    let read_refund = client
        .read_refund(ACCOUNT, &refund.payment_refund_id)
        .await
        .expect("read refund");
    assert_eq!(read_refund, refund);

    let charged_back = fake.chargeback(&txn_id).await.expect("chargeback");
    let cb = &charged_back.chargebacks.unwrap()[0];
    assert_eq!(cb.chargeback_amount, Some(10000));
    let read_cb = client
        .read_chargeback(ACCOUNT, &cb.payment_chargeback_id)
        .await
        .expect("read chargeback");
    assert_eq!(
        read_cb.chargeback_reason,
        Some(kp::ChargebackReason::DisputeMerchantLoss)
    );

    // Nothing left to refund.
    let err = client
        .refund_payment_transaction(
            ACCOUNT,
            &txn_id,
            kp::RefundPaymentTransactionParams::new(),
            kp::RefundRequest::new().refund_amount(1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn references_change_and_a_transaction_refund_is_kept() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let (_, txn_id) = authorized(&fake, &client).await;
    let updated = client
        .update_payment_transaction_references(
            ACCOUNT,
            &txn_id,
            kp::UpdatePaymentTransactionReferencesParams::new(),
            kp::PaymentTransactionReferencesUpdate::new()
                .merchant_reference("new-merchant-order-reference-5678")
                .payment_transaction_reference("new-payment-transaction-reference-1234"),
        )
        .await
        .expect("updated");
    assert_eq!(
        updated.merchant_reference.as_deref(),
        Some("new-merchant-order-reference-5678")
    );
    assert_eq!(
        updated.payment_transaction_reference.as_deref(),
        Some("new-payment-transaction-reference-1234")
    );
    // Nothing captured yet: nothing to refund.
    let err = api_error(
        client
            .refund_payment_transaction(
                ACCOUNT,
                &txn_id,
                kp::RefundPaymentTransactionParams::new(),
                kp::RefundRequest::new().refund_amount(100),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 400);
    client
        .capture_payment_transaction(
            ACCOUNT,
            &txn_id,
            kp::CapturePaymentTransactionParams::new(),
            kp::CaptureRequest::new().capture_amount(6000),
        )
        .await
        .unwrap();
    let refund = client
        .refund_payment_transaction(
            ACCOUNT,
            &txn_id,
            kp::RefundPaymentTransactionParams::new(),
            kp::RefundRequest::new()
                .refund_amount(5000)
                .refund_reference("refund-reference-123")
                .line_items(vec![tee()]),
        )
        .await
        .expect("refunded");
    assert_eq!(refund.payment_refund_id, format!("{txn_id}:refund:1"));
    assert_eq!(refund.payment_capture_id, None);
    assert_eq!(refund.line_items, Some(vec![tee()]));
    let txn = client
        .read_payment_transaction(ACCOUNT, &txn_id)
        .await
        .unwrap();
    assert_eq!(txn.refunds, Some(vec![refund]));
    // A refused request replays byte for byte under its key.
    let params = || {
        kp::RefundPaymentTransactionParams::new()
            .klarna_idempotency_key("0f8fad5b-d9cb-469f-a165-70867728950e")
    };
    let body = || kp::RefundRequest::new().refund_amount(99_999);
    let first = api_error(
        client
            .refund_payment_transaction(ACCOUNT, &txn_id, params(), body())
            .await
            .unwrap_err(),
    );
    let again = api_error(
        client
            .refund_payment_transaction(ACCOUNT, &txn_id, params(), body())
            .await
            .unwrap_err(),
    );
    assert_eq!(first.raw_body, again.raw_body);
}

#[tokio::test]
async fn a_transaction_can_be_voided_once_and_then_not_captured() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let (_, txn_id) = authorized(&fake, &client).await;
    let voided = client
        .void_payment_transaction(ACCOUNT, &txn_id, kp::VoidPaymentTransactionParams::new())
        .await
        .expect("voided");
    assert_eq!(voided.state, kp::PaymentTransactionState::Completed);
    assert_eq!(
        voided.state_reason,
        Some(kp::PaymentTransactionStateReason::Voided)
    );
    assert_eq!(voided.remaining_authorization_amount, Some(0));
    // The documented 403 for a capture or void that is not allowed.
    for err in [
        client
            .void_payment_transaction(ACCOUNT, &txn_id, kp::VoidPaymentTransactionParams::new())
            .await
            .map(|_| ())
            .unwrap_err(),
        client
            .capture_payment_transaction(
                ACCOUNT,
                &txn_id,
                kp::CapturePaymentTransactionParams::new(),
                kp::CaptureRequest::new().capture_amount(100),
            )
            .await
            .map(|_| ())
            .unwrap_err(),
    ] {
        let api = api_error(err);
        assert_eq!(api.status, 403);
        assert_eq!(
            api.body.unwrap().error_type,
            Some(kp::ErrorType::ResourceError)
        );
    }
}

#[tokio::test]
async fn a_cancelled_confirmation_returns_the_request_and_voids_the_token() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let created = client
        .create_payment_request(kp::CreatePaymentRequestParams::new(), request_data())
        .await
        .unwrap();
    let pending = fake.authorize(&created.payment_request_id).await.unwrap();
    let token = pending
        .state_context
        .unwrap()
        .payment_confirmation_token
        .unwrap();
    let back = client
        .cancel_payment_confirmation(&token)
        .await
        .expect("cancelled");
    assert_eq!(back.state, kp::PaymentRequestState::Submitted);
    let err = api_error(
        client
            .confirm_payment_request(
                &token,
                kp::ConfirmPaymentRequestParams::new(),
                kp::PaymentConfirmationRequest::new(kp::Currency::Usd, 15000),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 404);
    assert_eq!(err.body.unwrap().error_code.as_deref(), Some("NOT_FOUND"));
    // A declined request cannot be confirmed either.
    let declined = fake.decline(&created.payment_request_id).await.unwrap();
    assert_eq!(declined.state, kp::PaymentRequestState::Declined);
}

#[tokio::test]
async fn the_same_idempotency_key_replays_the_first_answer() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let key = "5f0c7a52-1b3e-4d6f-9a8b-2c4d6e8f0a1b";
    let params = || kp::CreatePaymentRequestParams::new().klarna_idempotency_key(key);
    let first = client
        .create_payment_request(params(), request_data())
        .await
        .unwrap();
    let replay = client
        .create_payment_request(params(), request_data())
        .await
        .unwrap();
    assert_eq!(replay, first, "the same payment request, not a second one");
    // The same key for another body: Klarna's idempotency conflict.
    let err = api_error(
        client
            .create_payment_request(params(), kp::PaymentRequestData::new(kp::Currency::Eur, 99))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 409);
    // A retried POST (after a 503) reuses its key and creates one request.
    let retrying = kp::Client::new(fake.config()).unwrap();
    fake.fault(
        Operation::CreatePaymentRequest,
        Fault::status(503).header("Retry-After", "0"),
    );
    let created = retrying
        .create_payment_request(kp::CreatePaymentRequestParams::new(), request_data())
        .await
        .expect("created after a retry");
    let attempts = fake.requests_to(Operation::CreatePaymentRequest);
    let keys: Vec<_> = attempts[attempts.len() - 2..]
        .iter()
        .map(|r| r.header("klarna-idempotency-key").unwrap().to_string())
        .collect();
    assert_eq!(keys[0], keys[1]);
    assert!(fake
        .resource("payment_request", &created.payment_request_id)
        .is_some());
}

#[tokio::test]
async fn klarnas_error_body_for_credentials_validation_and_unknown_ids() {
    let fake = Fake::start().await;
    let wrong =
        kp::Client::new(kp::Config::new("klarna_test_api_wrong").environment(fake.environment()))
            .unwrap();
    let err = api_error(
        wrong
            .read_payment_request("krn:payment:eu1:request:nope")
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 401);
    assert_eq!(
        err.body.unwrap().error_type,
        Some(kp::ErrorType::AccessError)
    );

    let client = client(&fake);
    // payment_amount must be at least 1.
    let err = api_error(
        client
            .create_payment_request(
                kp::CreatePaymentRequestParams::new(),
                kp::PaymentRequestData::new(kp::Currency::Usd, 0),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 400);
    let v = err.body.unwrap().validation_errors.unwrap();
    assert_eq!(v[0].parameter.as_deref(), Some("payment_amount"));
    // An unlisted currency is refused by the provider.
    let err = client
        .create_payment_request(
            kp::CreatePaymentRequestParams::new(),
            kp::PaymentRequestData::new(kp::Currency::Unknown("JPY".into()), 100),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    // Unknown ids.
    let err = api_error(
        client
            .read_payment_transaction(ACCOUNT, "krn:payment:eu1:transaction:nope")
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 404);
    assert_eq!(
        err.body.unwrap().error_type,
        Some(kp::ErrorType::ResourceError)
    );
    let err = client
        .read_capture(ACCOUNT, "krn:nope:capture:1")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn a_500_timeout_body_is_retried_with_the_same_key() {
    let fake = Fake::start().await;
    let (_, txn_id) = authorized(&fake, &client(&fake)).await;
    let retrying = kp::Client::new(fake.config()).unwrap();
    fake.fault(
        Operation::CapturePaymentTransaction,
        Fault::json(
            500,
            &serde_json::json!({"error_id": "e1", "error_type": "TECHNICAL_ERROR", "error_code": "TIMEOUT", "error_message": "Timeout"}),
        ),
    );
    let capture = retrying
        .capture_payment_transaction(
            ACCOUNT,
            &txn_id,
            kp::CapturePaymentTransactionParams::new(),
            kp::CaptureRequest::new().capture_amount(100),
        )
        .await
        .expect("captured on the retry");
    assert_eq!(capture.capture_amount, Some(100));
    assert_eq!(
        fake.requests_to(Operation::CapturePaymentTransaction).len(),
        2
    );
}
