//! Every documented Klix flow through the real client against the fake:
//! single payment with its signed callback, reservations (capture, partial
//! capture, release), recurring tokens, refunds, cancellation, the error
//! answers the client decodes, faults and the request log.

mod common;

use std::time::Duration;

use common::{api_error, Receiver};
use paygen::klix;
use paygen::runtime::{HttpOptions, RetryPolicy};
use paygen_fake::klix::{Fake, Operation};
use paygen_fake::runtime::{ControlError, Fault, RequestBody};

const BRAND: &str = "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5";

fn client(fake: &Fake) -> klix::Client {
    klix::Client::new(
        fake.config()
            .options(HttpOptions::default().retry(RetryPolicy::none())),
    )
    .expect("the client builds")
}

/// The page's single-payment order: band and screen protector, 31.00 EUR.
fn band_purchase() -> klix::Purchase {
    klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![
            klix::Product::new("Xiaomi Mi Smart Band 5", 3000),
            klix::Product::new("Screen protector for Xiaomi Mi Smart Band 5", 100),
        ])
        .language("lv"),
        BRAND,
    )
    .success_redirect("https://your.site/ok")
    .failure_redirect("https://your.site/failed")
    .cancel_redirect("https://your.site/back")
    .reference("Your order id")
}

async fn created(client: &klix::Client, purchase: klix::Purchase) -> String {
    let p = client.create_purchase(purchase).await.expect("created");
    assert_eq!(p.status, Some(klix::PurchaseStatus::Created));
    p.id.expect("an id")
}

#[tokio::test]
async fn single_payment_with_a_signed_callback_the_clients_verifier_accepts() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let receiver = Receiver::ok().await;

    let methods = client
        .list_payment_methods(klix::ListPaymentMethodsParams::new(BRAND, "EUR"))
        .await
        .expect("payment methods");
    assert_eq!(methods.names.unwrap()["klix"], "Card payment");

    let purchase = client
        .create_purchase(band_purchase().success_callback(receiver.url("/klix/callback")))
        .await
        .expect("created");
    let id = purchase.id.clone().expect("an id");
    assert_eq!(purchase.status, Some(klix::PurchaseStatus::Created));
    assert_eq!(purchase.purchase.total, Some(3100));
    assert_eq!(purchase.purchase.currency.as_deref(), Some("EUR"));
    assert_eq!(purchase.brand_id, BRAND);
    assert_eq!(purchase.reference.as_deref(), Some("Your order id"));
    assert_eq!(
        purchase.checkout_url.as_deref(),
        Some(format!("{}/p/{id}/", fake.base_url()).as_str())
    );
    assert_eq!(purchase.is_test, Some(true));

    // The customer pays; the fake POSTs the signed purchase to the callback.
    let paid = fake.pay(&id).await.expect("paid");
    assert_eq!(paid.status, Some(klix::PurchaseStatus::Paid));
    let deliveries = fake.deliveries();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(d.event, "purchase.paid");
    assert!(d.acknowledged, "{d:?}");
    assert_eq!(receiver.bodies().await, vec![d.body.clone()]);

    // The real client's verifier (key from GET public_key/) accepts it.
    let verifier = client.webhook_verifier().await.expect("public key");
    let callback = verifier
        .verify(&d.header_map(), &d.body)
        .expect("the signature verifies");
    assert_eq!(callback.id.as_deref(), Some(id.as_str()));
    assert_eq!(callback.status, Some(klix::PurchaseStatus::Paid));
    // A tampered body does not.
    let tampered = String::from_utf8(d.body.clone())
        .unwrap()
        .replace("\"paid\"", "\"refunded\"");
    assert!(verifier
        .verify(&d.header_map(), tampered.as_bytes())
        .is_err());

    // Trust the status, not the redirect.
    let read = client.get_purchase(&id).await.expect("read");
    assert_eq!(read.status, Some(klix::PurchaseStatus::Paid));
    let payment = read.payment.expect("a payment block");
    assert_eq!(payment.amount, Some(3100));
    assert_eq!(payment.currency.as_deref(), Some("EUR"));
    assert_eq!(read.refundable_amount, Some(3100));
    let history: Vec<_> = read
        .status_history
        .unwrap()
        .into_iter()
        .map(|h| h.status.unwrap())
        .collect();
    assert_eq!(
        history,
        [klix::PurchaseStatus::Created, klix::PurchaseStatus::Paid]
    );
    // Paying twice is not a step the fake allows.
    assert!(matches!(
        fake.pay(&id).await,
        Err(ControlError::NotAllowed { status, .. }) if status == "paid"
    ));
}

#[tokio::test]
async fn a_reservation_is_held_then_partly_captured() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let id = created(&client, band_purchase().skip_capture(true)).await;
    // Capturing before the customer paid is refused like Klix does.
    let err = api_error(client.capture_purchase(&id, None).await.unwrap_err());
    assert_eq!(err.status, 400);
    let Some(klix::CapturePurchaseError::BadRequest(fields)) = &err.body else {
        panic!("{err:?}")
    };
    let klix::FieldErrorEntry::FieldErrorList(all) = &fields["__all__"] else {
        panic!("{fields:?}")
    };
    assert_eq!(all[0].code.as_deref(), Some("purchase_capture_error"));

    let held = fake.pay(&id).await.expect("held");
    assert_eq!(held.status, Some(klix::PurchaseStatus::Hold));
    assert_eq!(held.payment, None);
    // Capturing more than is held is a field error on `amount`.
    let err = api_error(
        client
            .capture_purchase(&id, Some(klix::CaptureRequest::new().amount(5000)))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 400);
    assert!(err.raw_body.contains("\"amount\""), "{}", err.raw_body);

    let captured = client
        .capture_purchase(&id, Some(klix::CaptureRequest::new().amount(5)))
        .await
        .expect("captured");
    assert_eq!(captured.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(captured.payment.unwrap().amount, Some(5));
    assert_eq!(captured.refundable_amount, Some(5));
    // Released after capture: not allowed.
    let err = api_error(client.release_purchase(&id).await.unwrap_err());
    assert_eq!(err.status, 400);
}

#[tokio::test]
async fn a_reservation_can_be_released() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let id = created(&client, band_purchase().skip_capture(true)).await;
    fake.pay(&id).await.expect("held");
    let released = client.release_purchase(&id).await.expect("released");
    assert_eq!(released.status, Some(klix::PurchaseStatus::Released));
    let full = client.capture_purchase(&id, None).await.unwrap_err();
    assert_eq!(full.status(), Some(400));
}

#[tokio::test]
async fn a_recurring_token_charges_later_purchases_until_it_is_deleted() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let token = created(&client, band_purchase().force_recurring(true)).await;
    // Not a token before it is paid.
    let month = created(&client, band_purchase()).await;
    let err = api_error(
        client
            .charge_purchase(&month, klix::ChargeRequest::new().recurring_token(&token))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 400);
    assert!(err.raw_body.contains("recurring_token"), "{}", err.raw_body);

    let paid = fake.pay(&token).await.expect("paid");
    assert_eq!(paid.is_recurring_token, Some(true));
    let charged = client
        .charge_purchase(&month, klix::ChargeRequest::new().recurring_token(&token))
        .await
        .expect("charged");
    assert_eq!(charged.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(charged.recurring_token.as_deref(), Some(token.as_str()));
    assert_eq!(charged.payment.unwrap().amount, Some(3100));

    // A reservation charged with the token is held.
    let charge = created(&client, band_purchase().skip_capture(true)).await;
    let held = client
        .charge_purchase(&charge, klix::ChargeRequest::new().recurring_token(&token))
        .await
        .expect("held");
    assert_eq!(held.status, Some(klix::PurchaseStatus::Hold));

    let deleted = client
        .delete_recurring_token(&token)
        .await
        .expect("deleted");
    assert_eq!(deleted.is_recurring_token, Some(false));
    let next = created(&client, band_purchase()).await;
    let err = client
        .charge_purchase(&next, klix::ChargeRequest::new().recurring_token(&token))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    // Deleting twice: the purchase is no token any more.
    let err = api_error(client.delete_recurring_token(&token).await.unwrap_err());
    assert!(err
        .raw_body
        .contains("purchase_delete_recurring_token_error"));
}

#[tokio::test]
async fn partial_then_full_refunds_answer_refund_payments() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let id = created(&client, band_purchase()).await;
    // Nothing to refund before payment.
    assert_eq!(
        client
            .refund_purchase(&id, None)
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
    fake.pay(&id).await.expect("paid");

    let refund = client
        .refund_purchase(&id, Some(klix::RefundRequest::new().amount(1000)))
        .await
        .expect("refunded");
    let klix::RefundResult::Payment(refund) = refund else {
        panic!("a refund answers its Payment, got {refund:?}")
    };
    let details = refund.payment.expect("payment details");
    assert_eq!(details.amount, Some(1000));
    assert_eq!(details.is_outgoing, Some(true));
    assert_eq!(details.payment_type, Some(klix::PaymentType::Refund));
    assert_eq!(refund.related_to.unwrap().id.as_deref(), Some(id.as_str()));
    let p = client.get_purchase(&id).await.unwrap();
    assert_eq!(p.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(p.refundable_amount, Some(2100));

    // More than is left: a field error.
    let err = client
        .refund_purchase(&id, Some(klix::RefundRequest::new().amount(5000)))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));

    // The rest, without a body.
    let rest = client.refund_purchase(&id, None).await.expect("refunded");
    let klix::RefundResult::Payment(rest) = rest else {
        panic!("{rest:?}")
    };
    assert_eq!(rest.payment.unwrap().amount, Some(2100));
    let p = client.get_purchase(&id).await.unwrap();
    assert_eq!(p.status, Some(klix::PurchaseStatus::Refunded));
    assert_eq!(p.refundable_amount, Some(0));
}

#[tokio::test]
async fn an_unpaid_purchase_can_be_cancelled_once() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let id = created(&client, band_purchase()).await;
    let cancelled = client.cancel_purchase(&id).await.expect("cancelled");
    assert_eq!(cancelled.status, Some(klix::PurchaseStatus::Cancelled));
    let err = api_error(client.cancel_purchase(&id).await.unwrap_err());
    assert_eq!(err.status, 400);
    assert!(err.raw_body.contains("purchase_cancel_error"));
    assert!(fake.pay(&id).await.is_err());
}

#[tokio::test]
async fn invalid_requests_get_klix_field_errors_by_path() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let bad = klix::Purchase::new(
        klix::ClientDetails::new("not-an-email"),
        klix::PurchaseDetails::new(vec![
            klix::Product::new("ok", 100),
            klix::Product::new("negative", -1),
        ]),
        "not-a-uuid",
    )
    .reference("x".repeat(129));
    let err = api_error(client.create_purchase(bad).await.unwrap_err());
    assert_eq!(err.status, 400);
    let Some(klix::CreatePurchaseError::BadRequest(fields)) = &err.body else {
        panic!("{err:?}")
    };
    let list = |e: &klix::FieldErrorEntry| match e {
        klix::FieldErrorEntry::FieldErrorList(l) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        list(&fields["brand_id"])[0].message,
        "Must be a valid UUID."
    );
    assert_eq!(
        list(&fields["reference"])[0].code.as_deref(),
        Some("max_length")
    );
    let klix::FieldErrorEntry::FieldErrors(client_errors) = &fields["client"] else {
        panic!("{fields:?}")
    };
    assert_eq!(
        list(&client_errors["email"])[0].message,
        "Enter a valid email address."
    );
    let klix::FieldErrorEntry::FieldErrors(purchase) = &fields["purchase"] else {
        panic!("{fields:?}")
    };
    let klix::FieldErrorEntry::FieldErrorsList(items) = &purchase["products"] else {
        panic!("{purchase:?}")
    };
    assert!(items[0].is_empty());
    assert_eq!(
        list(&items[1]["price"])[0].code.as_deref(),
        Some("min_value")
    );
    // Nothing was created.
    assert!(fake.requests_to(Operation::CreatePurchase)[0].status == Some(400));
}

#[tokio::test]
async fn wrong_credentials_and_unknown_ids_are_klixs_401_and_404() {
    let fake = Fake::start().await;
    let wrong =
        klix::Client::new(klix::Config::new("sk-wrong").environment(fake.environment())).unwrap();
    let err = api_error(
        wrong
            .list_payment_methods(klix::ListPaymentMethodsParams::new(BRAND, "EUR"))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 401);
    assert_eq!(
        err.body,
        Some(klix::ListPaymentMethodsError::Other(
            klix::ErrorBody::new().detail("Invalid token.")
        ))
    );
    let err = api_error(
        client(&fake)
            .get_purchase("3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a")
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status, 404);
    assert_eq!(
        err.body,
        Some(klix::GetPurchaseError::NotFound(
            klix::NotFound::new().detail("Not found.")
        ))
    );
    assert!(matches!(
        fake.pay("3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a").await,
        Err(ControlError::UnknownId { .. })
    ));
}

#[tokio::test]
async fn faults_answer_delay_or_drop_the_next_call() {
    let fake = Fake::start().await;
    let client = client(&fake);
    let id = created(&client, band_purchase()).await;

    fake.fault(
        Operation::GetPurchase,
        Fault::json(503, &serde_json::json!({"detail": "Service unavailable."}))
            .header("Retry-After", "0"),
    );
    let err = api_error(client.get_purchase(&id).await.unwrap_err());
    assert_eq!(err.status, 503);
    assert_eq!(
        err.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("0")
    );
    // Only the next call.
    assert!(client.get_purchase(&id).await.is_ok());

    // The default policy retries a GET after a 503.
    let retrying = klix::Client::new(fake.config()).unwrap();
    fake.fault(
        Operation::GetPurchase,
        Fault::status(503).header("Retry-After", "0"),
    );
    assert!(retrying.get_purchase(&id).await.is_ok());
    assert_eq!(fake.requests_to(Operation::GetPurchase).len(), 4);

    // A slow answer meets the client's timeout.
    fake.fault(
        Operation::GetPurchase,
        Fault::delay(Duration::from_millis(400)),
    );
    let impatient = klix::Client::new(
        fake.config().options(
            HttpOptions::default()
                .timeout(Duration::from_millis(100))
                .retry(RetryPolicy::none()),
        ),
    )
    .unwrap();
    let err = impatient.get_purchase(&id).await.unwrap_err();
    assert!(matches!(err, paygen::Error::Timeout { .. }), "{err:?}");

    // A dropped connection is a transport error.
    fake.fault(Operation::CreatePurchase, Fault::drop_connection());
    let err = client.create_purchase(band_purchase()).await.unwrap_err();
    assert!(
        matches!(
            err,
            paygen::Error::Transport { .. } | paygen::Error::Connect { .. }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_request_log_has_decoded_bodies_and_no_secret() {
    let fake = Fake::start().await;
    let client = client(&fake);
    created(&client, band_purchase()).await;
    let log = fake.requests_to(Operation::CreatePurchase);
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/v1/purchases/");
    assert_eq!(r.status, Some(201));
    assert_eq!(r.header("authorization"), Some("[REDACTED]"));
    let RequestBody::Json(body) = &r.body else {
        panic!("{:?}", r.body)
    };
    assert_eq!(body["brand_id"], BRAND);
    assert_eq!(body["purchase"]["products"][0]["price"], 3000);
    let all = format!("{:?}", fake.requests());
    assert!(!all.contains(&fake.token()), "the token never shows");
}

#[tokio::test]
async fn fakes_in_parallel_keep_their_own_state() {
    let (a, b) = tokio::join!(Fake::start(), Fake::start());
    assert_ne!(a.base_url(), b.base_url());
    let id = created(&client(&a), band_purchase()).await;
    assert!(client(&a).get_purchase(&id).await.is_ok());
    assert_eq!(
        client(&b).get_purchase(&id).await.unwrap_err().status(),
        Some(404)
    );
}
