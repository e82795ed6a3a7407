//! Wire tests of the generated Klarna Payments client (`paygen::klarna_payments`)
//! against the vendor page `vendor-docs/klarna-payments-api-v1.txt`.
//!
//! Every request is built with the typed client from the page's example and
//! checked field for field against the example JSON (copied from the page);
//! every response is the page's example, decoded into typed values.

use std::time::Duration;

use paygen::klarna_payments as kp;
use paygen::runtime::{ApiError, Date, DateTime, Error, HttpOptions, RetryPolicy};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const API_KEY: &str = "klarna_test_api_abc";
const PARTNER: &str = "krn:partner:account:x";
const ACCOUNT_ID: &str = "krn:partner:global:account:live:LWT2XJSE";
const PAYMENT_REQUEST_ID: &str = "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4";
const CONFIRMATION_TOKEN: &str = "0b1d9815-165e-42e2-8867-35bc03789e00";
const TRANSACTION_ID_US: &str = "krn:payment:us1:transaction:4b8b6350-6b72-42c5-b946-f088adcdc216";
const TRANSACTION_ID_EU: &str = "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162";
const CAPTURE_ID: &str =
    "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162:capture:1";
const REFUND_ID: &str = "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162:refund:1";
const CHARGEBACK_ID: &str =
    "krn:payment:eu1:transaction:f9669608-a24d-43ef-9f34-ec3d785dc1ae:chargeback:1";
const PRICE_PLAN_ID: &str =
    "krn:partner:global:pricing:payments:price-plan:2a3ced5d-270b-319d-7aa4-a4bcf3a2f4b6";
const PROGRAM_ID: &str =
    "krn:partner:global:pricing:payments:program:a5cd46f7e-573d-4b02-bab8-1f1c0e343291";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn client_with(server: &MockServer, options: HttpOptions) -> kp::Client {
    kp::Client::new(
        kp::Config::new(API_KEY)
            .base_url(server.uri())
            .klarna_partner_account(PARTNER)
            .options(options),
    )
    .expect("client builds")
}

fn client(server: &MockServer) -> kp::Client {
    client_with(server, HttpOptions::default())
}

fn no_retry_client(server: &MockServer) -> kp::Client {
    client_with(server, HttpOptions::default().retry(RetryPolicy::none()))
}

fn fast_retry_client(server: &MockServer) -> kp::Client {
    client_with(
        server,
        HttpOptions::default().retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        }),
    )
}

fn dt(s: &str) -> DateTime {
    DateTime::parse(s).expect("RFC 3339 date-time")
}

/// Mounts the route `method path` answering `status` with `body`, expected once.
async fn mount(server: &MockServer, m: &str, p: &str, status: u16, body: Value) {
    Mock::given(method(m))
        .and(path(p))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .named(format!("{m} {p}"))
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

async fn only_request(server: &MockServer) -> Request {
    let mut all = received(server).await;
    assert_eq!(all.len(), 1, "exactly one request expected: {all:#?}");
    all.remove(0)
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header value"))
}

/// `8-4-4-4-12` lowercase or uppercase hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn idempotency_key(req: &Request) -> String {
    header(req, "klarna-idempotency-key")
        .expect("Klarna-Idempotency-Key is sent")
        .to_string()
}

/// Method, exact raw path, authentication, partner header, idempotency key and
/// content type, as the server saw them.
fn assert_request(req: &Request, m: &str, p: &str, body: Option<&Value>) {
    assert_eq!(req.method.as_str(), m, "method");
    assert_eq!(req.url.path(), p, "raw path");
    assert_eq!(req.url.query(), None, "no query string");
    assert_eq!(
        header(req, "authorization"),
        Some("Basic klarna_test_api_abc"),
        "the API key is sent as is after `Basic `"
    );
    assert_eq!(header(req, "klarna-partner-account"), Some(PARTNER));
    if m == "POST" || m == "PATCH" {
        let key = idempotency_key(req);
        assert!(is_uuid(&key), "idempotency key `{key}` is not a UUID");
    } else {
        assert_eq!(
            header(req, "klarna-idempotency-key"),
            None,
            "no idempotency key on {m}"
        );
    }
    match body {
        Some(expected) => {
            assert_eq!(header(req, "content-type"), Some("application/json"));
            let sent: Value = serde_json::from_slice(&req.body).expect("JSON body");
            assert_eq!(
                &sent, expected,
                "request body differs from the documented example"
            );
        }
        None => {
            assert_eq!(
                header(req, "content-type"),
                None,
                "no content type without a body"
            );
            assert!(req.body.is_empty(), "no body expected, got {:?}", req.body);
        }
    }
}

fn api_error<E: std::fmt::Debug>(err: Error<E>) -> Box<ApiError<E>> {
    match err {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Documented examples (vendor page), as JSON
// ---------------------------------------------------------------------------

/// Response of create / read / update / cancel: a payment request in SUBMITTED.
fn submitted_payment_request_json() -> Value {
    json!({
        "payment_request_id": "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4",
        "state": "SUBMITTED",
        "state_expires_at": "2024-01-01T15:00:00Z",
        "expires_at": "2024-01-02T13:00:00Z",
        "created_at": "2024-01-01T12:00:00Z",
        "updated_at": "2024-01-01T13:00:00Z",
        "payment_request": {
            "currency": "USD",
            "payment_amount": 1000,
            "config": {}
        }
    })
}

fn authorized_payment_request_json() -> Value {
    json!({
        "payment_request_id": "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4",
        "state": "AUTHORIZED",
        "state_expires_at": "2024-01-01T15:00:00Z",
        "state_context": {
            "payment_transaction_id": "krn:payment:eu1:transaction:6debe89e-98c0-486e-b7a5-08a4f6df94b0",
            "payment_pricing": {
                "rate": {
                    "fixed": 100,
                    "variable": 1200000
                }
            }
        },
        "expires_at": "2024-01-02T13:00:00Z",
        "created_at": "2024-01-01T12:00:00Z",
        "updated_at": "2024-01-01T13:00:00Z",
        "payment_request": {
            "currency": "USD",
            "payment_amount": 1000,
            "config": {}
        }
    })
}

/// The `payment_pricing` block shared by the page's transaction examples.
fn payment_pricing_json() -> Value {
    json!({
        "rate": {
            "fixed": 100,
            "variable": 1200000
        },
        "details": {
            "price_plan_id": "krn:partner:global:pricing:payments:price-plan:2a3ced5d-270b-319d-7aa4-a4bcf3a2f4b6",
            "program_id": "krn:partner:global:pricing:payments:program:a5cd46f7e-573d-4b02-bab8-1f1c0e343291",
            "price_plan_rate": {
                "fixed": 100,
                "variable": 1200000,
                "price_cap": 3100000
            },
            "country": "US",
            "merchant_category_code": "5111",
            "discount": {
                "fixed": 0,
                "variable": 0
            },
            "penalty": {
                "fixed": 0,
                "variable": 0
            },
            "price_cap_applied": false,
            "evaluated_at": "2024-01-01T13:00:00Z"
        },
        "applicable_rate": {
            "fixed": {
                "amount": 100,
                "currency": "USD"
            },
            "variable_fee": {
                "percentage": 120
            },
            "unit": "CAPTURE"
        },
        "evaluation_parameters": {
            "price_plan_id": "krn:partner:global:pricing:payments:price-plan:2a3ced5d-270b-319d-7aa4-a4bcf3a2f4b6",
            "program_id": "krn:partner:global:pricing:payments:program:a5cd46f7e-573d-4b02-bab8-1f1c0e343291",
            "country": "US",
            "merchant_category_code": "5111",
            "channel": "ECOMMERCE",
            "evaluated_at": "2024-01-01T13:00:00Z"
        }
    })
}

/// Read a payment transaction: "created but not yet acted upon".
fn authorized_transaction_json() -> Value {
    json!({
        "payment_transaction_id": "krn:payment:us1:transaction:4b8b6350-6b72-42c5-b946-f088adcdc216",
        "currency": "USD",
        "payment_amount": 2100,
        "acquiring_channel": "ECOMMERCE",
        "merchant_reference": "merchant-order-reference-5678",
        "payment_transaction_reference": "payment-transaction-reference-1234",
        "line_items": [
            {
                "name": "Black fountain pen",
                "quantity": 2,
                "total_amount": 2000,
                "product_identifier": "1234567890"
            },
            {
                "name": "Sales tax",
                "quantity": 1,
                "total_amount": 100,
                "total_tax_amount": 100
            }
        ],
        "shipping": [
            {
                "recipient": {
                    "given_name": "Klara",
                    "family_name": "Angel"
                },
                "address": {
                    "street_address": "629 N High St",
                    "street_address2": "Suite 300",
                    "postal_code": "43215",
                    "city": "Columbus",
                    "region": "OH",
                    "country": "US"
                }
            }
        ],
        "captures": [],
        "refunds": [],
        "chargebacks": [],
        "state": "AUTHORIZED",
        "state_reason": "AUTHORIZED",
        "created_at": "2024-01-01T13:00:00Z",
        "expires_at": "2024-01-29T13:00:00Z",
        "original_authorization_amount": 2100,
        "remaining_authorization_amount": 2100,
        "payment_pricing": payment_pricing_json()
    })
}

/// Update a payment transaction: the same transaction with new references.
fn updated_transaction_json() -> Value {
    let mut v = authorized_transaction_json();
    v["merchant_reference"] = json!("new-merchant-order-reference-5678");
    v["payment_transaction_reference"] = json!("new-payment-transaction-reference-1234");
    v["updated_at"] = json!("2024-01-02T13:00:00Z");
    v
}

fn capture_json() -> Value {
    json!({
        "payment_capture_id": "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162:capture:1",
        "capture_amount": 5000,
        "capture_reference": "capture-reference-123",
        "captured_at": "2024-01-02T13:00:00Z",
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            }
        ],
        "shipments": [
            {
                "delivery": {
                    "tracking_number": "DHL123456789",
                    "shipping_carrier": "DHL",
                    "shipping_type": "TO_DOOR",
                    "shipping_type_attribute": "SIGNATURE_REQUIRED",
                    "estimated_delivery_date": "2024-01-05"
                },
                "return": {
                    "tracking_number": "DHL987654321",
                    "shipping_carrier": "DHL"
                }
            }
        ]
    })
}

/// Void: "partially captured and completed upon a void operation".
fn voided_transaction_json() -> Value {
    json!({
        "payment_transaction_id": "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162",
        "currency": "EUR",
        "payment_amount": 15000,
        "acquiring_channel": "ECOMMERCE",
        "merchant_reference": "merchant-order-reference-5678",
        "payment_transaction_reference": "payment-transaction-reference-1234",
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            },
            {
                "name": "Custom Berlin Wall Art Skateboard",
                "quantity": 1,
                "total_amount": 10000,
                "product_identifier": "5566778899"
            }
        ],
        "shipping": [
            {
                "recipient": {
                    "given_name": "Klara",
                    "family_name": "Angel"
                },
                "address": {
                    "street_address": "Kurfürstendamm 100",
                    "postal_code": "10709",
                    "city": "Berlin",
                    "region": "Berlin",
                    "country": "DE"
                }
            }
        ],
        "captures": [capture_json()],
        "refunds": [],
        "chargebacks": [],
        "state": "COMPLETED",
        "state_reason": "VOIDED",
        "previous_state": "AUTHORIZED",
        "created_at": "2024-01-01T13:00:00Z",
        "updated_at": "2024-01-02T13:00:00Z",
        "expires_at": "2024-01-29T13:00:00Z",
        "original_authorization_amount": 15000,
        "remaining_authorization_amount": 0,
        "payment_pricing": payment_pricing_json()
    })
}

fn transaction_refund_json() -> Value {
    json!({
        "payment_refund_id": "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162:refund:1",
        "refund_amount": 5000,
        "refund_reference": "refund-reference-123",
        "refunded_at": "2024-01-02T13:00:00Z",
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            }
        ]
    })
}

fn capture_refund_json() -> Value {
    json!({
        "payment_refund_id": "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162:refund:1",
        "payment_capture_id": "krn:payment:eu1:transaction:bc42b6ff-b222-463c-b4b2-d8d6a82e0162:capture:1",
        "refund_amount": 5000,
        "refund_reference": "refund-reference-123",
        "refunded_at": "2024-01-02T13:00:00Z",
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            }
        ]
    })
}

fn chargeback_json() -> Value {
    json!({
        "payment_dispute_id": "krn:payment:eu1:transaction:f9669608-a24d-43ef-9f34-ec3d785dc1ae:dispute:1",
        "payment_chargeback_id": "krn:payment:eu1:transaction:f9669608-a24d-43ef-9f34-ec3d785dc1ae:chargeback:1",
        "chargeback_amount": 5000,
        "chargeback_reason": "DISPUTE_MERCHANT_LOSS",
        "chargeback_at": "2024-01-02T13:00:00Z",
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            }
        ]
    })
}

// Request examples.

fn create_example_json() -> Value {
    // "Minimum payment request for a 10 USD purchase"
    json!({
        "currency": "USD",
        "payment_amount": 1000,
        "config": {}
    })
}

fn update_example_json() -> Value {
    // The page's example ends `"buyer": {...}, }` (a trailing comma, nothing after
    // it); the JSON below is the example without that stray comma.
    json!({
        "currency": "USD",
        "payment_amount": 2000,
        "payment_reference": "partner-payment-reference-12345",
        "merchant_reference": "merchant-order-9876",
        "line_items": [
            {
                "name": "Black fountain pen",
                "quantity": 2,
                "total_amount": 2000,
                "total_tax_amount": 0,
                "unit_price": 1000,
                "product_identifier": "3270220049012",
                "reference": "cart-item-1234"
            }
        ],
        "shipping": [
            {
                "recipient": {
                    "given_name": "John",
                    "family_name": "Doe",
                    "email": "john.doe@example.com",
                    "phone": "844-552-7621",
                    "attention": "string"
                },
                "address": {
                    "street_address": "800 N. High St",
                    "street_address2": "Ste. 400",
                    "postal_code": "43215",
                    "city": "Columbus",
                    "region": "OH",
                    "country": "US"
                }
            }
        ],
        "buyer": {
            "given_name": "John",
            "family_name": "Doe",
            "email": "john.doe@example.com",
            "phone": "844-552-7621",
            "address": {
                "street_address": "800 N. High St",
                "street_address2": "Ste. 400",
                "postal_code": "43215",
                "city": "Columbus",
                "region": "OH",
                "country": "US"
            }
        }
    })
}

fn confirm_example_json() -> Value {
    json!({
        "currency": "USD",
        "payment_amount": 2000,
        "payment_transaction_reference": "partner-transaction-reference-4567",
        "config": {
            "capture": false
        }
    })
}

fn update_references_example_json() -> Value {
    json!({
        "merchant_reference": "new-merchant-order-reference-5678",
        "payment_transaction_reference": "new-payment-transaction-reference-1234"
    })
}

fn capture_example_json() -> Value {
    json!({
        "capture_amount": 5000,
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            }
        ]
    })
}

fn refund_example_json() -> Value {
    json!({
        "refund_amount": 5000,
        "refund_reference": "refund-reference-123",
        "line_items": [
            {
                "name": "Oversized vintage trabant tee",
                "quantity": 2,
                "total_amount": 5000,
                "product_identifier": "1234567890"
            }
        ]
    })
}

// ---------------------------------------------------------------------------
// The same examples built with the typed client
// ---------------------------------------------------------------------------

fn create_body() -> kp::PaymentRequestData {
    kp::PaymentRequestData::new(kp::Currency::Usd, 1000).config(kp::PaymentRequestConfig::new())
}

fn columbus_address() -> kp::Address {
    kp::Address::new()
        .street_address("800 N. High St")
        .street_address2("Ste. 400")
        .postal_code("43215")
        .city("Columbus")
        .region("OH")
        .country("US")
}

fn update_body() -> kp::PaymentRequestUpdate {
    kp::PaymentRequestUpdate::new()
        .currency(kp::Currency::Usd)
        .payment_amount(2000)
        .payment_reference("partner-payment-reference-12345")
        .merchant_reference("merchant-order-9876")
        .line_items(vec![kp::LineItem::new()
            .name("Black fountain pen")
            .quantity(2)
            .total_amount(2000)
            .total_tax_amount(0)
            .unit_price(1000)
            .product_identifier("3270220049012")
            .reference("cart-item-1234")])
        .shipping(vec![kp::Shipping::new()
            .recipient(
                kp::Recipient::new()
                    .given_name("John")
                    .family_name("Doe")
                    .email("john.doe@example.com")
                    .phone("844-552-7621")
                    .attention("string"),
            )
            .address(columbus_address())])
        .buyer(
            kp::Buyer::new()
                .given_name("John")
                .family_name("Doe")
                .email("john.doe@example.com")
                .phone("844-552-7621")
                .address(columbus_address()),
        )
}

fn confirm_body() -> kp::PaymentConfirmationRequest {
    kp::PaymentConfirmationRequest::new(kp::Currency::Usd, 2000)
        .payment_transaction_reference("partner-transaction-reference-4567")
        .config(kp::PaymentConfirmationConfig::new().capture(false))
}

fn update_references_body() -> kp::PaymentTransactionReferencesUpdate {
    kp::PaymentTransactionReferencesUpdate::new()
        .merchant_reference("new-merchant-order-reference-5678")
        .payment_transaction_reference("new-payment-transaction-reference-1234")
}

fn tee_line() -> kp::LineItem {
    kp::LineItem::new()
        .name("Oversized vintage trabant tee")
        .quantity(2)
        .total_amount(5000)
        .product_identifier("1234567890")
}

fn capture_body() -> kp::CaptureRequest {
    kp::CaptureRequest::new()
        .capture_amount(5000)
        .line_items(vec![tee_line()])
}

fn refund_body() -> kp::RefundRequest {
    kp::RefundRequest::new()
        .refund_amount(5000)
        .refund_reference("refund-reference-123")
        .line_items(vec![tee_line()])
}

// Expected typed values of the response examples.

fn expected_submitted() -> kp::PaymentRequest {
    kp::PaymentRequest::new(PAYMENT_REQUEST_ID, kp::PaymentRequestState::Submitted)
        .state_expires_at(dt("2024-01-01T15:00:00Z"))
        .expires_at(dt("2024-01-02T13:00:00Z"))
        .created_at(dt("2024-01-01T12:00:00Z"))
        .updated_at(dt("2024-01-01T13:00:00Z"))
        .payment_request(
            kp::PaymentRequestData::new(kp::Currency::Usd, 1000)
                .config(kp::PaymentRequestConfig::new()),
        )
}

fn expected_pricing() -> kp::PaymentPricing {
    kp::PaymentPricing::new()
        .rate(kp::PricingRate::new().fixed(100).variable(1_200_000))
        .details(
            kp::PricingDetails::new()
                .price_plan_id(PRICE_PLAN_ID)
                .program_id(PROGRAM_ID)
                .price_plan_rate(
                    kp::PricePlanRate::new()
                        .fixed(100)
                        .variable(1_200_000)
                        .price_cap(3_100_000),
                )
                .country("US")
                .merchant_category_code("5111")
                .discount(kp::PricingRate::new().fixed(0).variable(0))
                .penalty(kp::PricingRate::new().fixed(0).variable(0))
                .price_cap_applied(false)
                .evaluated_at(dt("2024-01-01T13:00:00Z")),
        )
        .applicable_rate(
            kp::ApplicableRate::new()
                .fixed(
                    kp::MoneyAmount::new()
                        .amount(100)
                        .currency(kp::Currency::Usd),
                )
                .variable_fee(kp::VariableFee::new().percentage(120))
                .unit(kp::PricingUnit::Capture),
        )
        .evaluation_parameters(
            kp::PricingEvaluationParameters::new()
                .price_plan_id(PRICE_PLAN_ID)
                .program_id(PROGRAM_ID)
                .country("US")
                .merchant_category_code("5111")
                .channel(kp::AcquiringChannel::Ecommerce)
                .evaluated_at(dt("2024-01-01T13:00:00Z")),
        )
}

fn expected_authorized_transaction() -> kp::PaymentTransaction {
    kp::PaymentTransaction::new(TRANSACTION_ID_US, kp::PaymentTransactionState::Authorized)
        .currency(kp::Currency::Usd)
        .payment_amount(2100)
        .acquiring_channel(kp::AcquiringChannel::Ecommerce)
        .merchant_reference("merchant-order-reference-5678")
        .payment_transaction_reference("payment-transaction-reference-1234")
        .line_items(vec![
            kp::LineItem::new()
                .name("Black fountain pen")
                .quantity(2)
                .total_amount(2000)
                .product_identifier("1234567890"),
            kp::LineItem::new()
                .name("Sales tax")
                .quantity(1)
                .total_amount(100)
                .total_tax_amount(100),
        ])
        .shipping(vec![kp::Shipping::new()
            .recipient(
                kp::Recipient::new()
                    .given_name("Klara")
                    .family_name("Angel"),
            )
            .address(
                kp::Address::new()
                    .street_address("629 N High St")
                    .street_address2("Suite 300")
                    .postal_code("43215")
                    .city("Columbus")
                    .region("OH")
                    .country("US"),
            )])
        .captures(vec![])
        .refunds(vec![])
        .chargebacks(vec![])
        .state_reason(kp::PaymentTransactionStateReason::Authorized)
        .created_at(dt("2024-01-01T13:00:00Z"))
        .expires_at(dt("2024-01-29T13:00:00Z"))
        .original_authorization_amount(2100)
        .remaining_authorization_amount(2100)
        .payment_pricing(expected_pricing())
}

fn expected_capture() -> kp::PaymentCapture {
    kp::PaymentCapture::new(CAPTURE_ID)
        .capture_amount(5000)
        .capture_reference("capture-reference-123")
        .captured_at(dt("2024-01-02T13:00:00Z"))
        .line_items(vec![tee_line()])
        .shipments(vec![kp::Shipment::new()
            .delivery(
                kp::ShipmentDelivery::new()
                    .tracking_number("DHL123456789")
                    .shipping_carrier("DHL")
                    .shipping_type(kp::ShippingType::ToDoor)
                    .shipping_type_attribute(kp::ShippingTypeAttribute::SignatureRequired)
                    .estimated_delivery_date(Date::parse("2024-01-05").unwrap()),
            )
            .r#return(
                kp::ShipmentReturn::new()
                    .tracking_number("DHL987654321")
                    .shipping_carrier("DHL"),
            )])
}

fn expected_transaction_refund() -> kp::PaymentRefund {
    kp::PaymentRefund::new(REFUND_ID)
        .refund_amount(5000)
        .refund_reference("refund-reference-123")
        .refunded_at(dt("2024-01-02T13:00:00Z"))
        .line_items(vec![tee_line()])
}

// ---------------------------------------------------------------------------
// One test per operation: request on the wire, typed response
// ---------------------------------------------------------------------------

#[tokio::test]
async fn create_payment_request_sends_the_documented_example() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v1/payment/requests",
        201,
        submitted_payment_request_json(),
    )
    .await;

    let got = client(&server)
        .create_payment_request(kp::CreatePaymentRequestParams::new(), create_body())
        .await
        .expect("201 decodes");

    let req = only_request(&server).await;
    assert_request(
        &req,
        "POST",
        "/v1/payment/requests",
        Some(&create_example_json()),
    );
    assert_eq!(got, expected_submitted());
    // Spot checks in plain terms: state as a variant, amounts in minor units,
    // date-times as instants.
    assert_eq!(got.state, kp::PaymentRequestState::Submitted);
    assert_eq!(got.payment_request_id, PAYMENT_REQUEST_ID);
    let pr = got.payment_request.as_ref().unwrap();
    assert_eq!(pr.payment_amount, 1000_i64);
    assert_eq!(pr.currency, kp::Currency::Usd);
    assert_eq!(got.created_at.unwrap().0.unix_timestamp(), 1_704_110_400);
    assert_eq!(
        got.state_expires_at.unwrap().0.unix_timestamp(),
        1_704_121_200
    );
    server.verify().await;
}

#[tokio::test]
async fn read_payment_request_routes_the_krn_id_as_one_segment() {
    let server = MockServer::start().await;
    // The route is the exact path with the id as Klarna prints it.
    mount(
        &server,
        "GET",
        "/v1/payment/requests/krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4",
        200,
        submitted_payment_request_json(),
    )
    .await;

    let got = client(&server)
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(
        &req,
        "GET",
        "/v1/payment/requests/krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4",
        None,
    );
    assert_eq!(got, expected_submitted());
    server.verify().await;
}

#[tokio::test]
async fn update_payment_request_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/requests/{PAYMENT_REQUEST_ID}");
    mount(&server, "PATCH", &p, 200, submitted_payment_request_json()).await;

    let got = client(&server)
        .update_payment_request(
            PAYMENT_REQUEST_ID,
            kp::UpdatePaymentRequestParams::new(),
            update_body(),
        )
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "PATCH", &p, Some(&update_example_json()));
    assert_eq!(got, expected_submitted());
    server.verify().await;
}

#[tokio::test]
async fn confirm_payment_request_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/confirmation-tokens/{CONFIRMATION_TOKEN}/confirm");
    mount(&server, "POST", &p, 200, authorized_payment_request_json()).await;

    let got = client(&server)
        .confirm_payment_request(
            CONFIRMATION_TOKEN,
            kp::ConfirmPaymentRequestParams::new(),
            confirm_body(),
        )
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "POST", &p, Some(&confirm_example_json()));
    let expected = kp::PaymentRequest::new(PAYMENT_REQUEST_ID, kp::PaymentRequestState::Authorized)
        .state_expires_at(dt("2024-01-01T15:00:00Z"))
        .state_context(
            kp::PaymentRequestStateContext::new()
                .payment_transaction_id(
                    "krn:payment:eu1:transaction:6debe89e-98c0-486e-b7a5-08a4f6df94b0",
                )
                .payment_pricing(
                    kp::PaymentPricing::new()
                        .rate(kp::PricingRate::new().fixed(100).variable(1_200_000)),
                ),
        )
        .expires_at(dt("2024-01-02T13:00:00Z"))
        .created_at(dt("2024-01-01T12:00:00Z"))
        .updated_at(dt("2024-01-01T13:00:00Z"))
        .payment_request(
            kp::PaymentRequestData::new(kp::Currency::Usd, 1000)
                .config(kp::PaymentRequestConfig::new()),
        );
    assert_eq!(got, expected);
    assert_eq!(got.state, kp::PaymentRequestState::Authorized);
    server.verify().await;
}

#[tokio::test]
async fn cancel_payment_confirmation_sends_a_bodyless_delete() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/confirmation-tokens/{CONFIRMATION_TOKEN}");
    mount(&server, "DELETE", &p, 200, submitted_payment_request_json()).await;

    let got = client(&server)
        .cancel_payment_confirmation(CONFIRMATION_TOKEN)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "DELETE", &p, None);
    assert_eq!(got, expected_submitted());
    server.verify().await;
}

#[tokio::test]
async fn read_payment_transaction_decodes_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_US}");
    assert_eq!(
        p,
        "/v1/accounts/krn:partner:global:account:live:LWT2XJSE/payment/transactions/krn:payment:us1:transaction:4b8b6350-6b72-42c5-b946-f088adcdc216"
    );
    mount(&server, "GET", &p, 200, authorized_transaction_json()).await;

    let got = client(&server)
        .read_payment_transaction(ACCOUNT_ID, TRANSACTION_ID_US)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "GET", &p, None);
    assert_eq!(got, expected_authorized_transaction());
    assert_eq!(got.state, kp::PaymentTransactionState::Authorized);
    assert_eq!(got.remaining_authorization_amount, Some(2100));
    server.verify().await;
}

#[tokio::test]
async fn update_payment_transaction_references_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_US}");
    mount(&server, "PATCH", &p, 200, updated_transaction_json()).await;

    let got = client(&server)
        .update_payment_transaction_references(
            ACCOUNT_ID,
            TRANSACTION_ID_US,
            kp::UpdatePaymentTransactionReferencesParams::new(),
            update_references_body(),
        )
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "PATCH", &p, Some(&update_references_example_json()));
    let expected = expected_authorized_transaction()
        .merchant_reference("new-merchant-order-reference-5678")
        .payment_transaction_reference("new-payment-transaction-reference-1234")
        .updated_at(dt("2024-01-02T13:00:00Z"));
    assert_eq!(got, expected);
    server.verify().await;
}

#[tokio::test]
async fn capture_payment_transaction_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_EU}/captures");
    mount(&server, "POST", &p, 201, capture_json()).await;

    let got = client(&server)
        .capture_payment_transaction(
            ACCOUNT_ID,
            TRANSACTION_ID_EU,
            kp::CapturePaymentTransactionParams::new(),
            capture_body(),
        )
        .await
        .expect("201 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "POST", &p, Some(&capture_example_json()));
    assert_eq!(got, expected_capture());
    assert_eq!(
        got.shipments.as_ref().unwrap()[0]
            .delivery
            .as_ref()
            .unwrap()
            .estimated_delivery_date
            .unwrap()
            .to_string(),
        "2024-01-05"
    );
    server.verify().await;
}

#[tokio::test]
async fn refund_payment_transaction_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_EU}/refunds");
    mount(&server, "POST", &p, 201, transaction_refund_json()).await;

    let got = client(&server)
        .refund_payment_transaction(
            ACCOUNT_ID,
            TRANSACTION_ID_EU,
            kp::RefundPaymentTransactionParams::new(),
            refund_body(),
        )
        .await
        .expect("201 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "POST", &p, Some(&refund_example_json()));
    assert_eq!(got, expected_transaction_refund());
    server.verify().await;
}

#[tokio::test]
async fn void_payment_transaction_sends_a_bodyless_post() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_EU}/void");
    mount(&server, "POST", &p, 200, voided_transaction_json()).await;

    let got = client(&server)
        .void_payment_transaction(
            ACCOUNT_ID,
            TRANSACTION_ID_EU,
            kp::VoidPaymentTransactionParams::new(),
        )
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    // The page's curl example sends no body; the idempotency key is still sent.
    assert_request(&req, "POST", &p, None);
    let expected =
        kp::PaymentTransaction::new(TRANSACTION_ID_EU, kp::PaymentTransactionState::Completed)
            .currency(kp::Currency::Eur)
            .payment_amount(15000)
            .acquiring_channel(kp::AcquiringChannel::Ecommerce)
            .merchant_reference("merchant-order-reference-5678")
            .payment_transaction_reference("payment-transaction-reference-1234")
            .line_items(vec![
                tee_line(),
                kp::LineItem::new()
                    .name("Custom Berlin Wall Art Skateboard")
                    .quantity(1)
                    .total_amount(10000)
                    .product_identifier("5566778899"),
            ])
            .shipping(vec![kp::Shipping::new()
                .recipient(
                    kp::Recipient::new()
                        .given_name("Klara")
                        .family_name("Angel"),
                )
                .address(
                    kp::Address::new()
                        .street_address("Kurfürstendamm 100")
                        .postal_code("10709")
                        .city("Berlin")
                        .region("Berlin")
                        .country("DE"),
                )])
            .captures(vec![expected_capture()])
            .refunds(vec![])
            .chargebacks(vec![])
            .state_reason(kp::PaymentTransactionStateReason::Voided)
            .previous_state(kp::PaymentTransactionState::Authorized)
            .created_at(dt("2024-01-01T13:00:00Z"))
            .updated_at(dt("2024-01-02T13:00:00Z"))
            .expires_at(dt("2024-01-29T13:00:00Z"))
            .original_authorization_amount(15000)
            .remaining_authorization_amount(0)
            .payment_pricing(expected_pricing());
    assert_eq!(got, expected);
    server.verify().await;
}

#[tokio::test]
async fn read_capture_decodes_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/captures/{CAPTURE_ID}");
    mount(&server, "GET", &p, 200, capture_json()).await;

    let got = client(&server)
        .read_capture(ACCOUNT_ID, CAPTURE_ID)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "GET", &p, None);
    assert_eq!(got, expected_capture());
    server.verify().await;
}

#[tokio::test]
async fn refund_capture_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/captures/{CAPTURE_ID}/refunds");
    mount(&server, "POST", &p, 201, capture_refund_json()).await;

    let got = client(&server)
        .refund_capture(
            ACCOUNT_ID,
            CAPTURE_ID,
            kp::RefundCaptureParams::new(),
            refund_body(),
        )
        .await
        .expect("201 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "POST", &p, Some(&refund_example_json()));
    assert_eq!(
        got,
        expected_transaction_refund().payment_capture_id(CAPTURE_ID)
    );
    server.verify().await;
}

#[tokio::test]
async fn read_refund_decodes_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/refunds/{REFUND_ID}");
    mount(&server, "GET", &p, 200, transaction_refund_json()).await;

    let got = client(&server)
        .read_refund(ACCOUNT_ID, REFUND_ID)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "GET", &p, None);
    assert_eq!(got, expected_transaction_refund());
    server.verify().await;
}

#[tokio::test]
async fn read_chargeback_decodes_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/chargebacks/{CHARGEBACK_ID}");
    mount(&server, "GET", &p, 200, chargeback_json()).await;

    let got = client(&server)
        .read_chargeback(ACCOUNT_ID, CHARGEBACK_ID)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "GET", &p, None);
    let expected = kp::PaymentChargeback::new(CHARGEBACK_ID)
        .payment_dispute_id(
            "krn:payment:eu1:transaction:f9669608-a24d-43ef-9f34-ec3d785dc1ae:dispute:1",
        )
        .chargeback_amount(5000)
        .chargeback_reason(kp::ChargebackReason::DisputeMerchantLoss)
        .chargeback_at(dt("2024-01-02T13:00:00Z"))
        .line_items(vec![tee_line()]);
    assert_eq!(got, expected);
    server.verify().await;
}

#[tokio::test]
async fn partner_account_header_is_absent_unless_configured() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/requests/{PAYMENT_REQUEST_ID}");
    mount(&server, "GET", &p, 200, submitted_payment_request_json()).await;

    let plain = kp::Client::new(kp::Config::new(API_KEY).base_url(server.uri())).unwrap();
    plain
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .unwrap();

    let req = only_request(&server).await;
    assert_eq!(header(&req, "klarna-partner-account"), None);
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic klarna_test_api_abc")
    );
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Every operation, table-driven: errors and idempotency keys
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    CreatePaymentRequest,
    ReadPaymentRequest,
    UpdatePaymentRequest,
    ConfirmPaymentRequest,
    CancelPaymentConfirmation,
    ReadPaymentTransaction,
    UpdatePaymentTransactionReferences,
    CapturePaymentTransaction,
    RefundPaymentTransaction,
    VoidPaymentTransaction,
    ReadCapture,
    RefundCapture,
    ReadRefund,
    ReadChargeback,
}

impl Op {
    const ALL: [Op; 14] = [
        Op::CreatePaymentRequest,
        Op::ReadPaymentRequest,
        Op::UpdatePaymentRequest,
        Op::ConfirmPaymentRequest,
        Op::CancelPaymentConfirmation,
        Op::ReadPaymentTransaction,
        Op::UpdatePaymentTransactionReferences,
        Op::CapturePaymentTransaction,
        Op::RefundPaymentTransaction,
        Op::VoidPaymentTransaction,
        Op::ReadCapture,
        Op::RefundCapture,
        Op::ReadRefund,
        Op::ReadChargeback,
    ];

    fn method(self) -> &'static str {
        match self {
            Op::ReadPaymentRequest
            | Op::ReadPaymentTransaction
            | Op::ReadCapture
            | Op::ReadRefund
            | Op::ReadChargeback => "GET",
            Op::UpdatePaymentRequest | Op::UpdatePaymentTransactionReferences => "PATCH",
            Op::CancelPaymentConfirmation => "DELETE",
            _ => "POST",
        }
    }

    fn path(self) -> String {
        let txn = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_EU}");
        match self {
            Op::CreatePaymentRequest => "/v1/payment/requests".into(),
            Op::ReadPaymentRequest | Op::UpdatePaymentRequest => {
                format!("/v1/payment/requests/{PAYMENT_REQUEST_ID}")
            }
            Op::ConfirmPaymentRequest => {
                format!("/v1/payment/confirmation-tokens/{CONFIRMATION_TOKEN}/confirm")
            }
            Op::CancelPaymentConfirmation => {
                format!("/v1/payment/confirmation-tokens/{CONFIRMATION_TOKEN}")
            }
            Op::ReadPaymentTransaction | Op::UpdatePaymentTransactionReferences => txn,
            Op::CapturePaymentTransaction => format!("{txn}/captures"),
            Op::RefundPaymentTransaction => format!("{txn}/refunds"),
            Op::VoidPaymentTransaction => format!("{txn}/void"),
            Op::ReadCapture => format!("/v1/accounts/{ACCOUNT_ID}/payment/captures/{CAPTURE_ID}"),
            Op::RefundCapture => {
                format!("/v1/accounts/{ACCOUNT_ID}/payment/captures/{CAPTURE_ID}/refunds")
            }
            Op::ReadRefund => format!("/v1/accounts/{ACCOUNT_ID}/payment/refunds/{REFUND_ID}"),
            Op::ReadChargeback => {
                format!("/v1/accounts/{ACCOUNT_ID}/payment/chargebacks/{CHARGEBACK_ID}")
            }
        }
    }

    /// The error statuses the vendor page lists for the operation.
    fn documented_errors(self) -> &'static [u16] {
        match self {
            Op::CreatePaymentRequest => &[400, 401, 429, 500, 503],
            Op::ReadPaymentRequest
            | Op::CancelPaymentConfirmation
            | Op::ReadPaymentTransaction
            | Op::ReadCapture
            | Op::ReadRefund
            | Op::ReadChargeback => &[401, 404, 429, 500, 503],
            Op::UpdatePaymentRequest | Op::ConfirmPaymentRequest => {
                &[400, 401, 404, 409, 429, 500, 503]
            }
            Op::UpdatePaymentTransactionReferences => &[400, 401, 404, 429, 500, 503],
            Op::CapturePaymentTransaction
            | Op::RefundPaymentTransaction
            | Op::VoidPaymentTransaction
            | Op::RefundCapture => &[400, 401, 403, 404, 429, 500, 503],
        }
    }

    fn success(self) -> (u16, Value) {
        match self {
            Op::CreatePaymentRequest => (201, submitted_payment_request_json()),
            Op::ReadPaymentRequest | Op::UpdatePaymentRequest | Op::CancelPaymentConfirmation => {
                (200, submitted_payment_request_json())
            }
            Op::ConfirmPaymentRequest => (200, authorized_payment_request_json()),
            Op::ReadPaymentTransaction => (200, authorized_transaction_json()),
            Op::UpdatePaymentTransactionReferences => (200, updated_transaction_json()),
            Op::CapturePaymentTransaction => (201, capture_json()),
            Op::RefundPaymentTransaction => (201, transaction_refund_json()),
            Op::VoidPaymentTransaction => (200, voided_transaction_json()),
            Op::ReadCapture => (200, capture_json()),
            Op::RefundCapture => (201, capture_refund_json()),
            Op::ReadRefund => (200, transaction_refund_json()),
            Op::ReadChargeback => (200, chargeback_json()),
        }
    }

    fn takes_idempotency_key(self) -> bool {
        matches!(self.method(), "POST" | "PATCH")
    }
}

/// Calls `op` with the page's example; `key` goes through the params struct.
async fn call(client: &kp::Client, op: Op, key: Option<&str>) -> Result<(), Error<kp::ErrorModel>> {
    let key = key.map(str::to_string);
    match op {
        Op::CreatePaymentRequest => client
            .create_payment_request(
                kp::CreatePaymentRequestParams {
                    klarna_idempotency_key: key,
                },
                create_body(),
            )
            .await
            .map(drop),
        Op::ReadPaymentRequest => client
            .read_payment_request(PAYMENT_REQUEST_ID)
            .await
            .map(drop),
        Op::UpdatePaymentRequest => client
            .update_payment_request(
                PAYMENT_REQUEST_ID,
                kp::UpdatePaymentRequestParams {
                    klarna_idempotency_key: key,
                },
                update_body(),
            )
            .await
            .map(drop),
        Op::ConfirmPaymentRequest => client
            .confirm_payment_request(
                CONFIRMATION_TOKEN,
                kp::ConfirmPaymentRequestParams {
                    klarna_idempotency_key: key,
                },
                confirm_body(),
            )
            .await
            .map(drop),
        Op::CancelPaymentConfirmation => client
            .cancel_payment_confirmation(CONFIRMATION_TOKEN)
            .await
            .map(drop),
        Op::ReadPaymentTransaction => client
            .read_payment_transaction(ACCOUNT_ID, TRANSACTION_ID_EU)
            .await
            .map(drop),
        Op::UpdatePaymentTransactionReferences => client
            .update_payment_transaction_references(
                ACCOUNT_ID,
                TRANSACTION_ID_EU,
                kp::UpdatePaymentTransactionReferencesParams {
                    klarna_idempotency_key: key,
                },
                update_references_body(),
            )
            .await
            .map(drop),
        Op::CapturePaymentTransaction => client
            .capture_payment_transaction(
                ACCOUNT_ID,
                TRANSACTION_ID_EU,
                kp::CapturePaymentTransactionParams {
                    klarna_idempotency_key: key,
                },
                capture_body(),
            )
            .await
            .map(drop),
        Op::RefundPaymentTransaction => client
            .refund_payment_transaction(
                ACCOUNT_ID,
                TRANSACTION_ID_EU,
                kp::RefundPaymentTransactionParams {
                    klarna_idempotency_key: key,
                },
                refund_body(),
            )
            .await
            .map(drop),
        Op::VoidPaymentTransaction => client
            .void_payment_transaction(
                ACCOUNT_ID,
                TRANSACTION_ID_EU,
                kp::VoidPaymentTransactionParams {
                    klarna_idempotency_key: key,
                },
            )
            .await
            .map(drop),
        Op::ReadCapture => client.read_capture(ACCOUNT_ID, CAPTURE_ID).await.map(drop),
        Op::RefundCapture => client
            .refund_capture(
                ACCOUNT_ID,
                CAPTURE_ID,
                kp::RefundCaptureParams {
                    klarna_idempotency_key: key,
                },
                refund_body(),
            )
            .await
            .map(drop),
        Op::ReadRefund => client.read_refund(ACCOUNT_ID, REFUND_ID).await.map(drop),
        Op::ReadChargeback => client
            .read_chargeback(ACCOUNT_ID, CHARGEBACK_ID)
            .await
            .map(drop),
    }
}

/// A documented-shape error body for `status`:
/// `{error_id, error_type, error_code, error_message, doc_url}`.
fn error_example(status: u16) -> (Value, kp::ErrorType, &'static str) {
    let (error_type, ty, code) = match status {
        400 => ("INPUT_ERROR", kp::ErrorType::InputError, "VALIDATION_ERROR"),
        401 => ("ACCESS_ERROR", kp::ErrorType::AccessError, "UNAUTHORIZED"),
        403 => ("ACCESS_ERROR", kp::ErrorType::AccessError, "FORBIDDEN"),
        404 => ("RESOURCE_ERROR", kp::ErrorType::ResourceError, "NOT_FOUND"),
        409 => ("RESOURCE_ERROR", kp::ErrorType::ResourceError, "CONFLICT"),
        429 => ("ACCESS_ERROR", kp::ErrorType::AccessError, "RATE_LIMITED"),
        500 => (
            "TECHNICAL_ERROR",
            kp::ErrorType::TechnicalError,
            "INTERNAL_ERROR",
        ),
        503 => (
            "TECHNICAL_ERROR",
            kp::ErrorType::TechnicalError,
            "TEMPORARILY_UNAVAILABLE",
        ),
        other => panic!("no example for {other}"),
    };
    let mut body = json!({
        "error_id": format!("1653c9db-2a4e-4c5f-9b1d-0000000{status:05}"),
        "error_type": error_type,
        "error_code": code,
        "error_message": format!("HTTP {status}: the request failed"),
        "doc_url": "https://docs.klarna.com/api/errors"
    });
    if status == 400 {
        body["validation_errors"] = json!([{
            "parameter": "payment_amount",
            "reason": "must be at least 1",
            "doc_url": "https://docs.klarna.com/api/errors#validation"
        }]);
    }
    (body, ty, code)
}

#[tokio::test]
async fn every_documented_error_status_maps_to_a_typed_api_error() {
    let server = MockServer::start().await;
    let client = no_retry_client(&server);
    let mut checked = 0;
    for op in Op::ALL {
        for &status in op.documented_errors() {
            let (body, error_type, code) = error_example(status);
            mount(&server, op.method(), &op.path(), status, body.clone()).await;

            let err = call(&client, op, None)
                .await
                .expect_err("an error status is an error");
            let api = api_error(err);
            assert_eq!(api.status, status, "{op:?}");
            assert_eq!(
                api.attempts, 1,
                "{op:?} {status}: no retry with RetryPolicy::none()"
            );
            let typed = api
                .body
                .as_ref()
                .unwrap_or_else(|| panic!("{op:?} {status}: the error body decodes"));
            assert_eq!(typed.error_id.as_deref(), body["error_id"].as_str());
            assert_eq!(typed.error_type.as_ref(), Some(&error_type));
            assert_eq!(typed.error_code.as_deref(), Some(code));
            assert_eq!(
                typed.error_message.as_deref(),
                Some(format!("HTTP {status}: the request failed").as_str())
            );
            assert_eq!(
                typed.doc_url.as_deref(),
                Some("https://docs.klarna.com/api/errors")
            );
            if status == 400 {
                let v = typed.validation_errors.as_ref().expect("validation errors");
                assert_eq!(v[0].parameter.as_deref(), Some("payment_amount"));
                assert_eq!(v[0].reason.as_deref(), Some("must be at least 1"));
            }
            let raw: Value = serde_json::from_str(&api.raw_body).expect("raw body kept");
            assert_eq!(raw, body);

            server.verify().await; // exactly one request
            server.reset().await;
            checked += 1;
        }
    }
    assert_eq!(checked, 83);
}

#[tokio::test]
async fn an_error_body_that_does_not_match_is_kept_raw() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/requests/{PAYMENT_REQUEST_ID}");
    Mock::given(method("GET"))
        .and(path(p.as_str()))
        .respond_with(
            ResponseTemplate::new(503).set_body_raw("<html>upstream down</html>", "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server)
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .unwrap_err();
    let api = api_error(err);
    assert_eq!(api.status, 503);
    assert!(api.body.is_none());
    assert_eq!(api.raw_body, "<html>upstream down</html>");
    server.verify().await;
}

#[tokio::test]
async fn post_and_patch_carry_a_fresh_uuid_key_get_and_delete_carry_none() {
    let server = MockServer::start().await;
    let client = client(&server);
    for op in Op::ALL {
        let (status, body) = op.success();
        Mock::given(method(op.method()))
            .and(path(op.path()))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(2)
            .mount(&server)
            .await;

        call(&client, op, None).await.expect("success");
        call(&client, op, None).await.expect("success");

        let reqs = received(&server).await;
        assert_eq!(reqs.len(), 2, "{op:?}");
        if op.takes_idempotency_key() {
            let (a, b) = (idempotency_key(&reqs[0]), idempotency_key(&reqs[1]));
            assert!(is_uuid(&a) && is_uuid(&b), "{op:?}: {a} / {b}");
            assert_ne!(a, b, "{op:?}: every call gets a fresh key");
        } else {
            for r in &reqs {
                assert_eq!(header(r, "klarna-idempotency-key"), None, "{op:?}");
            }
        }
        server.verify().await;
        server.reset().await;
    }
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_is_sent_unchanged() {
    const KEY: &str = "5c1f0a8e-3b7d-4e2a-9f6c-8d4b2a1e0c7f";
    let server = MockServer::start().await;
    let client = client(&server);
    let mut checked = 0;
    for op in Op::ALL.into_iter().filter(|op| op.takes_idempotency_key()) {
        let (status, body) = op.success();
        mount(&server, op.method(), &op.path(), status, body).await;

        call(&client, op, Some(KEY)).await.expect("success");

        let req = only_request(&server).await;
        let all: Vec<_> = req
            .headers
            .get_all("klarna-idempotency-key")
            .iter()
            .collect();
        assert_eq!(all, [KEY], "{op:?}: one key, the caller's");
        server.verify().await;
        server.reset().await;
        checked += 1;
    }
    assert_eq!(checked, 8);
}

// ---------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_retried_post_reuses_its_idempotency_key() {
    let server = MockServer::start().await;
    let (unavailable, _, _) = error_example(503);
    Mock::given(method("POST"))
        .and(path("/v1/payment/requests"))
        .respond_with(ResponseTemplate::new(503).set_body_json(unavailable))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "POST",
        "/v1/payment/requests",
        201,
        submitted_payment_request_json(),
    )
    .await;

    let got = fast_retry_client(&server)
        .create_payment_request(kp::CreatePaymentRequestParams::new(), create_body())
        .await
        .expect("the retry succeeds");
    assert_eq!(got, expected_submitted());

    let reqs = received(&server).await;
    assert_eq!(reqs.len(), 2);
    let first = idempotency_key(&reqs[0]);
    assert!(is_uuid(&first));
    assert_eq!(first, idempotency_key(&reqs[1]), "same key on the retry");
    assert_eq!(reqs[0].body, reqs[1].body, "same body on the retry");
    for r in &reqs {
        assert_request(
            r,
            "POST",
            "/v1/payment/requests",
            Some(&create_example_json()),
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn a_retried_post_resends_the_callers_key() {
    const KEY: &str = "0f8e2d4c-6b1a-4c3e-8d7f-9a0b1c2d3e4f";
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_EU}/captures");
    let (limited, _, _) = error_example(429);
    Mock::given(method("POST"))
        .and(path(p.as_str()))
        .respond_with(ResponseTemplate::new(429).set_body_json(limited))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, "POST", &p, 201, capture_json()).await;

    let got = fast_retry_client(&server)
        .capture_payment_transaction(
            ACCOUNT_ID,
            TRANSACTION_ID_EU,
            kp::CapturePaymentTransactionParams::new().klarna_idempotency_key(KEY),
            capture_body(),
        )
        .await
        .expect("the retry succeeds");
    assert_eq!(got, expected_capture());

    let keys: Vec<String> = received(&server)
        .await
        .iter()
        .map(idempotency_key)
        .collect();
    assert_eq!(keys, [KEY, KEY]);
    server.verify().await;
}

#[tokio::test]
async fn exhausted_retries_report_the_last_error_with_one_key_throughout() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/requests/{PAYMENT_REQUEST_ID}");
    let (unavailable, _, _) = error_example(503);
    Mock::given(method("PATCH"))
        .and(path(p.as_str()))
        .respond_with(ResponseTemplate::new(503).set_body_json(unavailable))
        .expect(3)
        .mount(&server)
        .await;

    let err = fast_retry_client(&server)
        .update_payment_request(
            PAYMENT_REQUEST_ID,
            kp::UpdatePaymentRequestParams::new(),
            update_body(),
        )
        .await
        .unwrap_err();
    let api = api_error(err);
    assert_eq!(api.status, 503);
    assert_eq!(api.attempts, 3);
    assert_eq!(
        api.body.as_ref().unwrap().error_code.as_deref(),
        Some("TEMPORARILY_UNAVAILABLE")
    );

    let keys: Vec<String> = received(&server)
        .await
        .iter()
        .map(idempotency_key)
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
    server.verify().await;
}

/// Klarna: a 500 with `error_code` TIMEOUT or INTERNAL_ERROR is safe to retry
/// with the same idempotency key; any other 500 is not retried.
#[tokio::test]
async fn a_500_is_retried_only_for_timeout_and_internal_error() {
    let (internal, _, _) = error_example(500);
    assert_eq!(internal["error_code"], "INTERNAL_ERROR");
    for (body, expected_attempts) in [
        (internal.clone(), 3u64),
        (
            {
                let mut b = internal.clone();
                b["error_code"] = serde_json::json!("TIMEOUT");
                b
            },
            3,
        ),
        (
            {
                let mut b = internal.clone();
                b["error_code"] = serde_json::json!("PAYMENT_METHOD_FAILED");
                b
            },
            1,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/payment/requests"))
            .respond_with(ResponseTemplate::new(500).set_body_json(&body))
            .expect(expected_attempts)
            .mount(&server)
            .await;
        let err = fast_retry_client(&server)
            .create_payment_request(kp::CreatePaymentRequestParams::new(), create_body())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(500));
        assert_eq!(u64::from(err.attempts()), expected_attempts, "{body}");
        let keys: Vec<String> = received(&server)
            .await
            .iter()
            .map(idempotency_key)
            .collect();
        assert!(
            keys.iter().all(|k| k == &keys[0]),
            "one key for every attempt: {keys:?}"
        );
        server.verify().await;
    }
}

// ---------------------------------------------------------------------------
// Path segments
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reserved_characters_in_ids_are_encoded_into_one_segment() {
    let server = MockServer::start().await;
    let id = "krn:payment:eu1:request:a/b?c#d e%f";
    let encoded = "/v1/payment/requests/krn:payment:eu1:request:a%2Fb%3Fc%23d%20e%25f";
    mount(
        &server,
        "GET",
        encoded,
        200,
        submitted_payment_request_json(),
    )
    .await;

    client(&server)
        .read_payment_request(id)
        .await
        .expect("routed");

    let req = only_request(&server).await;
    assert_eq!(req.url.path(), encoded);
    assert_eq!(req.url.query(), None, "`?` did not start a query");
    assert_eq!(req.url.fragment(), None, "`#` did not start a fragment");
    server.verify().await;
}

#[tokio::test]
async fn reserved_characters_stay_in_their_own_slot_with_two_ids() {
    let server = MockServer::start().await;
    let account = "acct/../x";
    let capture = "cap?x=1#y %";
    let encoded = "/v1/accounts/acct%2F..%2Fx/payment/captures/cap%3Fx%3D1%23y%20%25/refunds";
    mount(&server, "POST", encoded, 201, capture_refund_json()).await;

    client(&server)
        .refund_capture(
            account,
            capture,
            kp::RefundCaptureParams::new(),
            refund_body(),
        )
        .await
        .expect("routed");

    let req = only_request(&server).await;
    assert_request(&req, "POST", encoded, Some(&refund_example_json()));
    server.verify().await;
}

/// `.` and `..` would be resolved as dot segments by any URL parser, even
/// percent-encoded, so they are refused before anything is sent.
#[tokio::test]
async fn dot_segment_and_empty_ids_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(submitted_payment_request_json()))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    for id in ["..", ".", ""] {
        match client.read_payment_request(id).await {
            Err(Error::InvalidRequest { operation, message }) => {
                assert_eq!(operation, "read_payment_request");
                assert!(message.contains("`payment_request_id`"), "{message}");
            }
            other => panic!("id {id:?} must be refused, got {other:?}"),
        }
    }
    // The account id of a two-id path too.
    let err = client.read_capture("..", CAPTURE_ID).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message, .. } if message.contains("`account_id`")),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Open enums and unknown fields
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unknown_enum_values_and_fields_decode() {
    let server = MockServer::start().await;
    let p = format!("/v1/payment/requests/{PAYMENT_REQUEST_ID}");
    let mut body = submitted_payment_request_json();
    body["state"] = json!("SOMETHING_NEW");
    body["state_reason"] = json!("A_NEW_REASON");
    body["payment_request"]["currency"] = json!("JPY");
    body["a_field_added_later"] = json!({"nested": [1, 2, 3]});
    body["payment_request"]["another_new_field"] = json!(true);
    mount(&server, "GET", &p, 200, body).await;

    let got = client(&server)
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .expect("unknown values decode");

    assert_eq!(
        got.state,
        kp::PaymentRequestState::Unknown("SOMETHING_NEW".into())
    );
    assert_eq!(
        got.state_reason,
        Some(kp::PaymentRequestStateReason::Unknown(
            "A_NEW_REASON".into()
        ))
    );
    let pr = got.payment_request.as_ref().unwrap();
    assert_eq!(pr.currency, kp::Currency::Unknown("JPY".into()));
    assert_eq!(pr.payment_amount, 1000);
    assert_eq!(got.created_at, Some(dt("2024-01-01T12:00:00Z")));
    server.verify().await;
}

#[tokio::test]
async fn unknown_transaction_state_and_reasons_decode() {
    let server = MockServer::start().await;
    let p = format!("/v1/accounts/{ACCOUNT_ID}/payment/transactions/{TRANSACTION_ID_EU}");
    let mut body = voided_transaction_json();
    body["state"] = json!("PARTIALLY_REFUNDED");
    body["state_reason"] = json!("SOMETHING_ELSE");
    body["acquiring_channel"] = json!("IN_STORE");
    body["captures"][0]["shipments"][0]["delivery"]["shipping_type"] = json!("PICK_UP_STORE");
    body["payment_pricing"]["applicable_rate"]["unit"] = json!("REFUND");
    mount(&server, "GET", &p, 200, body).await;

    let got = client(&server)
        .read_payment_transaction(ACCOUNT_ID, TRANSACTION_ID_EU)
        .await
        .expect("unknown values decode");
    assert_eq!(
        got.state,
        kp::PaymentTransactionState::Unknown("PARTIALLY_REFUNDED".into())
    );
    assert_eq!(
        got.state_reason,
        Some(kp::PaymentTransactionStateReason::Unknown(
            "SOMETHING_ELSE".into()
        ))
    );
    assert_eq!(
        got.acquiring_channel,
        Some(kp::AcquiringChannel::Unknown("IN_STORE".into()))
    );
    let delivery = got.captures.as_ref().unwrap()[0]
        .shipments
        .as_ref()
        .unwrap()[0]
        .delivery
        .clone()
        .unwrap();
    assert_eq!(
        delivery.shipping_type,
        Some(kp::ShippingType::Unknown("PICK_UP_STORE".into()))
    );
    assert_eq!(
        got.payment_pricing.unwrap().applicable_rate.unwrap().unit,
        Some(kp::PricingUnit::Unknown("REFUND".into()))
    );
    server.verify().await;
}

#[test]
fn an_unknown_currency_is_sent_as_given() {
    let body = kp::PaymentRequestData::new(kp::Currency::Unknown("JPY".into()), 1000);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"currency": "JPY", "payment_amount": 1000})
    );
}

// ---------------------------------------------------------------------------
// Webhooks (component schema `WebhookEvent`, examples from the page)
// ---------------------------------------------------------------------------

#[test]
fn documented_webhook_examples_decode() {
    let submitted = json!({
        "metadata": {
            "event_type": "payment.request.state-change.submitted",
            "event_id": "d9f9b1a0-5b1a-4b0e-9b0a-9e9b1a0d5b1a",
            "event_version": "v1",
            "occurred_at": "2024-01-01T12:00:00Z",
            "correlation_id": "2d1557e8-17c3-466c-924a-bbc3e91c2a02",
            "account_id": "krn:partner:account:206bbb83-9b6e-46fa-940d-337153c04a58",
            "product_instance_id": "krn:partner:product:payment:ad71bc48-8a07-4919-a2c1-103dba3fc918",
            "webhook_id": "krn:partner:global:notification:webhook:120e5b7e-abcd-4def-8a90-dca726e639b5",
            "live": true
        },
        "payload": {
            "payment_request_id": "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4",
            "payment_reference": "partner-payref-1234",
            "merchant_reference": "order-5678",
            "state": "SUBMITTED"
        }
    });
    let mut authorized = submitted.clone();
    authorized["metadata"]["event_type"] = json!("payment.request.state-change.authorized");
    authorized["payload"]["state"] = json!("AUTHORIZED");
    authorized["payload"]["previous_state"] = json!("PENDING_CONFIRMATION");
    authorized["payload"]["payment_Transaction_id"] =
        json!("krn:payment:eu1:transaction:6debe89e-98c0-486e-b7a5-08a4f6df94b0");

    let event: kp::WebhookEvent = serde_json::from_value(submitted).unwrap();
    assert_eq!(
        event.metadata.event_type,
        kp::WebhookEventType::PaymentRequestStateChangeSubmitted
    );
    assert_eq!(event.metadata.occurred_at, dt("2024-01-01T12:00:00Z"));
    assert_eq!(event.metadata.live, Some(true));
    assert_eq!(event.payload.payment_request_id, PAYMENT_REQUEST_ID);
    assert_eq!(event.payload.state, kp::PaymentRequestState::Submitted);

    let event: kp::WebhookEvent = serde_json::from_value(authorized).unwrap();
    assert_eq!(
        event.metadata.event_type,
        kp::WebhookEventType::PaymentRequestStateChangeAuthorized
    );
    assert_eq!(event.payload.state, kp::PaymentRequestState::Authorized);
    assert_eq!(
        event.payload.previous_state,
        Some(kp::PaymentRequestState::PendingConfirmation)
    );
    assert_eq!(
        event.payload.payment_transaction_id.as_deref(),
        Some("krn:payment:eu1:transaction:6debe89e-98c0-486e-b7a5-08a4f6df94b0")
    );
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_api_key_never_prints() {
    let server = MockServer::start().await;
    let config = kp::Config::new(API_KEY)
        .base_url(server.uri())
        .klarna_partner_account(PARTNER);
    let shown = format!("{config:?}");
    assert!(!shown.contains(API_KEY), "{shown}");
    assert!(!shown.contains("klarna_test_api"), "{shown}");

    let client = kp::Client::new(config.clone()).unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains(API_KEY), "{shown}");

    // Nor does an error of a call made with it.
    let (body, _, _) = error_example(401);
    mount(&server, "POST", "/v1/payment/requests", 401, body).await;
    let err = client
        .create_payment_request(kp::CreatePaymentRequestParams::new(), create_body())
        .await
        .unwrap_err();
    for shown in [format!("{err:?}"), err.to_string()] {
        assert!(!shown.contains(API_KEY), "{shown}");
    }
    server.verify().await;
}

/// `Display` says why, in Klarna's words.
#[tokio::test]
async fn api_errors_say_why() {
    let server = MockServer::start().await;
    let (body, _, _) = error_example(400);
    mount(&server, "POST", "/v1/payment/requests", 400, body).await;
    let err = no_retry_client(&server)
        .create_payment_request(kp::CreatePaymentRequestParams::new(), create_body())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "create_payment_request failed with HTTP 400 after 1 attempt(s): VALIDATION_ERROR: HTTP \
         400: the request failed"
    );
}
