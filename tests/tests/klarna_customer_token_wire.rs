//! Wire tests of the generated Klarna Customer Token client
//! (`paygen::klarna_customer_token`) against the vendor page
//! `vendor-docs/klarna-customer-token-api-v1.txt`.

use std::time::Duration;

use paygen::klarna_customer_token as kct;
use paygen::runtime::{ApiError, Error, HttpOptions, RetryPolicy};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USERNAME: &str = "K123456_abcd";
const PASSWORD: &str = "s3cr3t-p@ss";
/// `Basic ` + base64("K123456_abcd:s3cr3t-p@ss"), computed independently.
const BASIC: &str = "Basic SzEyMzQ1Nl9hYmNkOnMzY3IzdC1wQHNz";
const TOKEN: &str =
    "krn:partner:us1:test:identity:customer-token:8c3e1f7a-2b4d-4e6f-9a1c-3d5e7f9b1c2e";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn client_with(server: &MockServer, options: HttpOptions) -> kct::Client {
    kct::Client::new(
        kct::Config::new(USERNAME, PASSWORD)
            .base_url(server.uri())
            .options(options),
    )
    .expect("client builds")
}

fn client(server: &MockServer) -> kct::Client {
    client_with(server, HttpOptions::default())
}

fn no_retry_client(server: &MockServer) -> kct::Client {
    client_with(server, HttpOptions::default().retry(RetryPolicy::none()))
}

fn fast_retry_client(server: &MockServer) -> kct::Client {
    client_with(
        server,
        HttpOptions::default().retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        }),
    )
}

async fn mount(server: &MockServer, m: &str, p: &str, status: u16, body: Option<Value>) {
    let response = match body {
        Some(b) => ResponseTemplate::new(status).set_body_json(b),
        None => ResponseTemplate::new(status),
    };
    Mock::given(method(m))
        .and(path(p))
        .respond_with(response)
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

fn assert_request(req: &Request, m: &str, p: &str, body: Option<&Value>) {
    assert_eq!(req.method.as_str(), m, "method");
    assert_eq!(req.url.path(), p, "raw path");
    assert_eq!(req.url.query(), None, "no query string");
    assert_eq!(header(req, "authorization"), Some(BASIC), "HTTP Basic");
    assert_eq!(header(req, "klarna-partner-account"), None);
    if m == "POST" || m == "PATCH" {
        let key = idempotency_key(req);
        assert!(is_uuid(&key), "idempotency key `{key}` is not a UUID");
    } else {
        assert_eq!(header(req, "klarna-idempotency-key"), None, "none on {m}");
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
            assert_eq!(header(req, "content-type"), None);
            assert!(req.body.is_empty());
        }
    }
}

fn api_error<E: std::fmt::Debug>(err: Error<E>) -> Box<ApiError<E>> {
    match err {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn token_path() -> String {
    format!("/customer-token/v1/tokens/{TOKEN}")
}

// ---------------------------------------------------------------------------
// Documented examples (vendor page)
// ---------------------------------------------------------------------------

fn token_details_json() -> Value {
    json!({
        "card": {
            "brand": "VISA",
            "expiry_date": "12/2020",
            "masked_number": "************1234"
        },
        "direct_debit": {
            "masked_number": "**********124"
        },
        "payment_method_type": "INVOICE",
        "status": "ACTIVE"
    })
}

/// The body of the page's curl example (shell quoting `'\''` undone).
fn order_example_json() -> Value {
    json!({
        "attachment": {
            "body": "{\"customer_account_info\":[{\"unique_account_identifier\":\"test@gmail.com\",\"account_registration_date\":\"2017-02-13T10:49:20Z\",\"account_last_modified\":\"2019-03-13T11:45:27Z\"}]}",
            "content_type": "application/vnd.klarna.internal.emd-v2+json"
        },
        "auto_capture": false,
        "merchant_data": "{\"order_specific\":[{\"substore\":\"Women's Fashion\",\"product_name\":\"Women Sweatshirt\"}]}",
        "merchant_reference1": "ON4711",
        "merchant_reference2": "ON4711",
        "merchant_urls": {
            "confirmation": "string",
            "push": "string"
        },
        "order_amount": 1,
        "order_lines": [
            {
                "image_url": "https://www.exampleobjects.com/logo.png",
                "merchant_data": "{\"customer_account_info\":[{\"unique_account_identifier\":\"test@gmail.com\",\"account_registration_date\":\"2017-02-13T10:49:20Z\",\"account_last_modified\":\"2019-03-13T11:45:27Z\"}]}",
                "name": "Running shoe",
                "product_identifiers": {
                    "brand": "shoe-brand",
                    "category_path": "Shoes > Running",
                    "global_trade_item_number": "4912345678904",
                    "manufacturer_part_number": "AD6654412-334.22",
                    "color": "white",
                    "size": "small"
                },
                "product_url": "https://.../AD6654412.html",
                "quantity": 1,
                "quantity_unit": "pcs",
                "reference": "AD6654412",
                "tax_rate": 1900,
                "total_amount": 2500,
                "total_discount_amount": 500,
                "total_tax_amount": 475,
                "type": "physical",
                "unit_price": 2500,
                "subscription": {
                    "name": "string",
                    "interval": "DAY",
                    "interval_count": 1
                }
            }
        ],
        "order_tax_amount": 0,
        "purchase_currency": "GBP",
        "shipping_address": {
            "attention": "Attn",
            "city": "London",
            "country": "GB",
            "email": "test.sam@test.com",
            "family_name": "Andersson",
            "given_name": "Adam",
            "organization_name": "string",
            "phone": "+44795465131",
            "postal_code": "W1G 0PW",
            "region": "OH",
            "street_address": "33 Cavendish Square",
            "street_address2": "Floor 22 / Flat 2",
            "title": "Mr."
        }
    })
}

fn order_response_json() -> Value {
    json!({
        "authorized_payment_method": {
            "number_of_days": 0,
            "number_of_installments": 0,
            "type": "invoice"
        },
        "fraud_status": "string",
        "order_id": "string",
        "redirect_url": "https://credit.klarna.com/v1/sessions/0b1d9815-165e-42e2-8867-35bc03789e00/redirect"
    })
}

fn status_example_json() -> Value {
    json!({ "status": "CANCELLED" })
}

const EMD: &str = "{\"customer_account_info\":[{\"unique_account_identifier\":\"test@gmail.com\",\"account_registration_date\":\"2017-02-13T10:49:20Z\",\"account_last_modified\":\"2019-03-13T11:45:27Z\"}]}";

fn order_body() -> kct::CustomerTokenOrderRequest {
    let line = kct::OrderLine::new()
        .image_url("https://www.exampleobjects.com/logo.png")
        .merchant_data(EMD)
        .name("Running shoe")
        .product_identifiers(
            kct::ProductIdentifiers::new()
                .brand("shoe-brand")
                .category_path("Shoes > Running")
                .global_trade_item_number("4912345678904")
                .manufacturer_part_number("AD6654412-334.22")
                .color("white")
                .size("small"),
        )
        .product_url("https://.../AD6654412.html")
        .quantity(1)
        .quantity_unit("pcs")
        .reference("AD6654412")
        .tax_rate(1900)
        .total_amount(2500)
        .total_discount_amount(500)
        .total_tax_amount(475)
        .r#type("physical")
        .unit_price(2500)
        .subscription(
            kct::Subscription::new()
                .name("string")
                .interval("DAY")
                .interval_count(1),
        );
    kct::CustomerTokenOrderRequest::new(1, vec![line], kct::Currency::Gbp)
        .attachment(
            kct::Attachment::new()
                .body(EMD)
                .content_type("application/vnd.klarna.internal.emd-v2+json"),
        )
        .auto_capture(false)
        .merchant_data(
            "{\"order_specific\":[{\"substore\":\"Women's Fashion\",\"product_name\":\"Women Sweatshirt\"}]}",
        )
        .merchant_reference1("ON4711")
        .merchant_reference2("ON4711")
        .merchant_urls(kct::MerchantUrls::new().confirmation("string").push("string"))
        .order_tax_amount(0)
        .shipping_address(
            kct::Address::new()
                .attention("Attn")
                .city("London")
                .country("GB")
                .email("test.sam@test.com")
                .family_name("Andersson")
                .given_name("Adam")
                .organization_name("string")
                .phone("+44795465131")
                .postal_code("W1G 0PW")
                .region("OH")
                .street_address("33 Cavendish Square")
                .street_address2("Floor 22 / Flat 2")
                .title("Mr."),
        )
}

fn expected_order_response() -> kct::CustomerTokenOrderResponse {
    kct::CustomerTokenOrderResponse::new(
        "string",
        "string",
        "https://credit.klarna.com/v1/sessions/0b1d9815-165e-42e2-8867-35bc03789e00/redirect",
    )
    .authorized_payment_method(
        kct::AuthorizedPaymentMethod::new()
            .number_of_days(0)
            .number_of_installments(0)
            .r#type("invoice"),
    )
}

// ---------------------------------------------------------------------------
// One test per operation
// ---------------------------------------------------------------------------

#[tokio::test]
async fn read_customer_token_routes_the_token_and_decodes_the_example() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/customer-token/v1/tokens/krn:partner:us1:test:identity:customer-token:8c3e1f7a-2b4d-4e6f-9a1c-3d5e7f9b1c2e",
        200,
        Some(token_details_json()),
    )
    .await;

    let got = client(&server)
        .read_customer_token(TOKEN)
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "GET", &token_path(), None);
    let expected = kct::CustomerTokenDetails::new("INVOICE", kct::CustomerTokenStatus::Active)
        .card(
            kct::CardInformation::new()
                .brand("VISA")
                .expiry_date("12/2020")
                .masked_number("************1234"),
        )
        .direct_debit(kct::DirectDebitInformation::new().masked_number("**********124"));
    assert_eq!(got, expected);
    assert_eq!(got.status, kct::CustomerTokenStatus::Active);
    server.verify().await;
}

#[tokio::test]
async fn create_order_from_token_sends_the_documented_example() {
    let server = MockServer::start().await;
    let p = format!("{}/order", token_path());
    mount(&server, "POST", &p, 200, Some(order_response_json())).await;

    let got = client(&server)
        .create_order_from_token(TOKEN, kct::CreateOrderFromTokenParams::new(), order_body())
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    assert_request(&req, "POST", &p, Some(&order_example_json()));
    assert_eq!(got, expected_order_response());
    server.verify().await;
}

#[tokio::test]
async fn update_customer_token_status_accepts_a_bodyless_202() {
    let server = MockServer::start().await;
    let p = format!("{}/status", token_path());
    mount(&server, "PATCH", &p, 202, None).await;

    let outcome: Result<(), _> = client(&server)
        .update_customer_token_status(
            TOKEN,
            kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
        )
        .await;
    assert!(outcome.is_ok(), "202 without a body is Ok: {outcome:?}");

    let req = only_request(&server).await;
    // PATCH: the client adds a fresh idempotency key (the runtime does so on every
    // POST and PATCH) even though the page declares it only for the order call.
    assert_request(&req, "PATCH", &p, Some(&status_example_json()));
    server.verify().await;
}

#[tokio::test]
async fn other_bodyless_success_responses_are_ok() {
    let server = MockServer::start().await;
    let p = format!("{}/status", token_path());
    for status in [200, 202, 204] {
        mount(&server, "PATCH", &p, status, None).await;
        client(&server)
            .update_customer_token_status(
                TOKEN,
                kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
            )
            .await
            .unwrap_or_else(|e| panic!("{status} without a body: {e:?}"));
        server.verify().await;
        server.reset().await;
    }
    // A 202 that does carry a body is still Ok (the body is not documented).
    Mock::given(method("PATCH"))
        .and(path(p.as_str()))
        .respond_with(ResponseTemplate::new(202).set_body_string("accepted"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .update_customer_token_status(
            TOKEN,
            kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
        )
        .await
        .expect("202 with an undocumented body is Ok");
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Op {
    Read,
    CreateOrder,
    UpdateStatus,
}

impl Op {
    const ALL: [Op; 3] = [Op::Read, Op::CreateOrder, Op::UpdateStatus];

    fn method(self) -> &'static str {
        match self {
            Op::Read => "GET",
            Op::CreateOrder => "POST",
            Op::UpdateStatus => "PATCH",
        }
    }

    fn path(self) -> String {
        match self {
            Op::Read => token_path(),
            Op::CreateOrder => format!("{}/order", token_path()),
            Op::UpdateStatus => format!("{}/status", token_path()),
        }
    }

    /// Error statuses declared in `specs/klarna-customer-token/openapi.yaml`.
    fn declared_errors(self) -> &'static [u16] {
        match self {
            Op::Read => &[401, 403, 404, 429],
            Op::CreateOrder | Op::UpdateStatus => &[400, 401, 403, 404, 409, 429],
        }
    }
}

async fn call(client: &kct::Client, op: Op) -> Result<(), Error<kct::ErrorResponse>> {
    match op {
        Op::Read => client.read_customer_token(TOKEN).await.map(drop),
        Op::CreateOrder => client
            .create_order_from_token(TOKEN, kct::CreateOrderFromTokenParams::new(), order_body())
            .await
            .map(drop),
        Op::UpdateStatus => {
            client
                .update_customer_token_status(
                    TOKEN,
                    kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
                )
                .await
        }
    }
}

fn error_code(status: u16) -> &'static str {
    match status {
        400 => "BAD_VALUE",
        401 => "UNAUTHORIZED",
        403 => "NOT_ALLOWED",
        404 => "TOKEN_NOT_FOUND",
        409 => "CONFLICT",
        429 => "RATE_LIMIT_EXCEEDED",
        other => panic!("no example for {other}"),
    }
}

#[tokio::test]
async fn every_declared_error_status_maps_to_a_typed_api_error() {
    let server = MockServer::start().await;
    let client = no_retry_client(&server);
    let mut checked = 0;
    for op in Op::ALL {
        for &status in op.declared_errors() {
            let correlation_id = format!("6a9b1cb1-9f5c-4b8e-8d0b-2f6a4f0{status:05}");
            let body = json!({
                "error_code": error_code(status),
                "error_messages": [format!("HTTP {status}"), "second message"],
                "correlation_id": correlation_id
            });
            mount(&server, op.method(), &op.path(), status, Some(body.clone())).await;

            let api = api_error(call(&client, op).await.expect_err("an error status"));
            assert_eq!(api.status, status, "{op:?}");
            assert_eq!(api.attempts, 1, "{op:?} {status}");
            let typed = api
                .body
                .as_ref()
                .unwrap_or_else(|| panic!("{op:?} {status}: the error body decodes"));
            assert_eq!(typed.error_code.as_deref(), Some(error_code(status)));
            assert_eq!(
                typed.error_messages,
                Some(vec![format!("HTTP {status}"), "second message".to_string()])
            );
            assert_eq!(typed.error_message, None);
            assert_eq!(
                typed.correlation_id.as_deref(),
                Some(correlation_id.as_str())
            );
            assert_eq!(serde_json::from_str::<Value>(&api.raw_body).unwrap(), body);

            server.verify().await;
            server.reset().await;
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}

#[tokio::test]
async fn the_documented_token_not_found_and_the_single_message_variant_decode() {
    let server = MockServer::start().await;
    // The spec's 404 example.
    mount(
        &server,
        "GET",
        &token_path(),
        404,
        Some(json!({
            "error_code": "TOKEN_NOT_FOUND",
            "error_messages": ["The customer token could not be found."],
            "correlation_id": "6a9b1cb1-9f5c-4b8e-8d0b-2f6a4f0a9c11"
        })),
    )
    .await;
    let api = api_error(
        no_retry_client(&server)
            .read_customer_token(TOKEN)
            .await
            .unwrap_err(),
    );
    let body = api.body.as_ref().unwrap();
    assert_eq!(body.error_code.as_deref(), Some("TOKEN_NOT_FOUND"));
    assert_eq!(
        body.error_messages.as_deref(),
        Some(&["The customer token could not be found.".to_string()][..])
    );
    assert_eq!(
        body.correlation_id.as_deref(),
        Some("6a9b1cb1-9f5c-4b8e-8d0b-2f6a4f0a9c11")
    );
    server.verify().await;
    server.reset().await;

    // "some APIs use `error_message`" (vendor notes).
    let p = format!("{}/order", token_path());
    mount(
        &server,
        "POST",
        &p,
        409,
        Some(json!({
            "error_code": "DUPLICATE_IDEMPOTENCY_KEY",
            "error_message": "The key was used with another request.",
            "correlation_id": "c0ffee00-1234-4abc-8def-000000000409"
        })),
    )
    .await;
    let api = api_error(
        no_retry_client(&server)
            .create_order_from_token(TOKEN, kct::CreateOrderFromTokenParams::new(), order_body())
            .await
            .unwrap_err(),
    );
    let body = api.body.as_ref().unwrap();
    assert_eq!(api.status, 409);
    assert_eq!(
        body.error_code.as_deref(),
        Some("DUPLICATE_IDEMPOTENCY_KEY")
    );
    assert_eq!(
        body.error_message.as_deref(),
        Some("The key was used with another request.")
    );
    assert_eq!(body.error_messages, None);
    assert_eq!(
        body.correlation_id.as_deref(),
        Some("c0ffee00-1234-4abc-8def-000000000409")
    );
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Idempotency and retries
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_caller_supplied_idempotency_key_is_sent_unchanged() {
    const KEY: &str = "order-2024-0001-retry-safe";
    let server = MockServer::start().await;
    let p = format!("{}/order", token_path());
    mount(&server, "POST", &p, 200, Some(order_response_json())).await;

    client(&server)
        .create_order_from_token(
            TOKEN,
            kct::CreateOrderFromTokenParams::new().klarna_idempotency_key(KEY),
            order_body(),
        )
        .await
        .expect("200 decodes");

    let req = only_request(&server).await;
    let all: Vec<_> = req
        .headers
        .get_all("klarna-idempotency-key")
        .iter()
        .collect();
    assert_eq!(all, [KEY]);
    server.verify().await;
}

#[tokio::test]
async fn a_retried_order_reuses_its_idempotency_key() {
    let server = MockServer::start().await;
    let p = format!("{}/order", token_path());
    Mock::given(method("POST"))
        .and(path(p.as_str()))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error_code": "SERVICE_UNAVAILABLE",
            "error_messages": ["try again"],
            "correlation_id": "1b2c3d4e-0000-4000-8000-000000000503"
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, "POST", &p, 200, Some(order_response_json())).await;

    let got = fast_retry_client(&server)
        .create_order_from_token(TOKEN, kct::CreateOrderFromTokenParams::new(), order_body())
        .await
        .expect("the retry succeeds");
    assert_eq!(got, expected_order_response());

    let reqs = received(&server).await;
    assert_eq!(reqs.len(), 2);
    let key = idempotency_key(&reqs[0]);
    assert!(is_uuid(&key));
    assert_eq!(key, idempotency_key(&reqs[1]));
    for r in &reqs {
        assert_request(r, "POST", &p, Some(&order_example_json()));
    }
    server.verify().await;
}

#[tokio::test]
async fn a_retried_order_resends_the_callers_key() {
    const KEY: &str = "4f1d2c3b-5a6e-4d7c-8b9a-0e1f2d3c4b5a";
    let server = MockServer::start().await;
    let p = format!("{}/order", token_path());
    Mock::given(method("POST"))
        .and(path(p.as_str()))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "error_code": "RATE_LIMIT_EXCEEDED"
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, "POST", &p, 200, Some(order_response_json())).await;

    fast_retry_client(&server)
        .create_order_from_token(
            TOKEN,
            kct::CreateOrderFromTokenParams::new().klarna_idempotency_key(KEY),
            order_body(),
        )
        .await
        .expect("the retry succeeds");
    let keys: Vec<String> = received(&server)
        .await
        .iter()
        .map(idempotency_key)
        .collect();
    assert_eq!(keys, [KEY, KEY]);
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Path segments
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reserved_characters_in_the_token_are_encoded_into_one_segment() {
    let server = MockServer::start().await;
    let token = "tok/1?x=2#frag 50%";
    let encoded = "/customer-token/v1/tokens/tok%2F1%3Fx%3D2%23frag%2050%25/status";
    mount(&server, "PATCH", encoded, 202, None).await;

    client(&server)
        .update_customer_token_status(
            token,
            kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
        )
        .await
        .expect("routed");

    let req = only_request(&server).await;
    assert_request(&req, "PATCH", encoded, Some(&status_example_json()));
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Open enums and unknown fields
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unknown_status_and_fields_decode() {
    let server = MockServer::start().await;
    let mut body = token_details_json();
    body["status"] = json!("PAUSED");
    body["payment_method_type"] = json!("CARD");
    body["card"]["issuer_country"] = json!("SE");
    body["a_field_added_later"] = json!([{"x": 1}]);
    mount(&server, "GET", &token_path(), 200, Some(body)).await;

    let got = client(&server).read_customer_token(TOKEN).await.unwrap();
    assert_eq!(
        got.status,
        kct::CustomerTokenStatus::Unknown("PAUSED".into())
    );
    assert_eq!(got.payment_method_type, "CARD");
    assert_eq!(got.card.unwrap().brand.as_deref(), Some("VISA"));
    server.verify().await;
}

#[test]
fn unknown_currency_round_trips() {
    let c: kct::Currency = serde_json::from_value(json!("JPY")).unwrap();
    assert_eq!(c, kct::Currency::Unknown("JPY".into()));
    let c: kct::Currency = serde_json::from_value(json!("GBP")).unwrap();
    assert_eq!(c, kct::Currency::Gbp);
    let order = kct::CustomerTokenOrderRequest::new(
        100,
        vec![kct::OrderLine::new()],
        kct::Currency::Unknown("JPY".into()),
    );
    assert_eq!(
        serde_json::to_value(&order).unwrap(),
        json!({"order_amount": 100, "order_lines": [{}], "purchase_currency": "JPY"})
    );
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_credentials_never_print() {
    let server = MockServer::start().await;
    let config = kct::Config::new(USERNAME, PASSWORD).base_url(server.uri());
    let encoded = BASIC.trim_start_matches("Basic ");
    let shown = format!("{config:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains(USERNAME), "{shown}");
    assert!(!shown.contains(encoded), "{shown}");

    let client = kct::Client::new(config).unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains(encoded), "{shown}");

    mount(
        &server,
        "GET",
        &token_path(),
        401,
        Some(json!({"error_code": "UNAUTHORIZED"})),
    )
    .await;
    let err = client.read_customer_token(TOKEN).await.unwrap_err();
    for shown in [format!("{err:?}"), err.to_string()] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(!shown.contains(encoded), "{shown}");
    }
    server.verify().await;
}

/// `Display` says why: the code, the messages and the correlation id to
/// give Klarna's support.
#[tokio::test]
async fn api_errors_say_why() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &token_path(),
        404,
        Some(json!({
            "error_code": "TOKEN_NOT_FOUND",
            "error_messages": ["The customer token could not be found."],
            "correlation_id": "6a9b1cb1-9f5c-4b8e-8d0b-2f6a4f0a9c11"
        })),
    )
    .await;
    let err = no_retry_client(&server)
        .read_customer_token(TOKEN)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "read_customer_token failed with HTTP 404 after 1 attempt(s): TOKEN_NOT_FOUND: The \
         customer token could not be found. (correlation_id 6a9b1cb1-9f5c-4b8e-8d0b-2f6a4f0a9c11)"
    );
}
