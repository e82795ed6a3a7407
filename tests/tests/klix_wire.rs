//! Wire tests of the generated Klix client against the vendor's page
//! (`vendor-docs/klix-api.txt`): every request example on the page is built
//! with the typed client, and the request a mock server receives must equal
//! the documented one (method, full path, query, headers, JSON body field for
//! field). Responses are shaped like the spec's examples, and the decoded
//! values are checked; then the error kinds a caller matches on.

// The purchase response below is one large `json!` literal.
#![recursion_limit = "256"]

use paygen::klix;
use paygen::runtime::{Error, HttpOptions, RetryPolicy};
use serde_json::{json, Value};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "test-secret-key";
const BRAND: &str = "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5";
/// The purchase a test creates, captures, releases...
const PURCHASE_ID: &str = "3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a";
/// The initial `force_recurring` purchase: its id is the recurring token.
const RECURRING_TOKEN: &str = "ae0b7a46-5b1a-4a7b-8c0d-4b5a1e2f3c4d";
/// A purchase created for one recurring payment, then charged.
const RECURRING_PURCHASE_ID: &str = "c6f1d2e3-4a5b-4c6d-9e8f-7a6b5c4d3e2f";

const SUCCESS_CALLBACK: &str =
    "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point";
const SUCCESS_REDIRECT: &str =
    "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment";
const FAILURE_REDIRECT: &str =
    "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment";
const CANCEL_REDIRECT: &str = "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment";

// ---------------------------------------------------------------------------
// The request bodies of the vendor page, copied as they are. Placeholders are
// replaced by `documented`.
// ---------------------------------------------------------------------------

/// "Create available payment methods purchase".
const SINGLE_PURCHASE: &str = r#"{
   "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
   "success_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment",
   "failure_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment",
   "cancel_redirect": "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment",
   "purchase": {
      "language": "lv",
      "products": [
         {
            "price": 3000,
            "name": "Xiaomi Mi Smart Band 5"
         },
         {
            "price": 100,
            "name": "Screen protector for Xiaomi Mi Smart Band 5"
         }
      ]
   },
   "client": {
      "email": "test@test.com"
   },
   "brand_id": "<Brand ID goes here>",
   "reference": "Your order id"
}"#;

/// "Create whitelisted payment method purchase".
const WHITELISTED_PURCHASE: &str = r#"{
   "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
   "success_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment",
   "failure_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment",
   "cancel_redirect": "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment",
   "purchase": {
      "language": "lv",
      "products": [
         {
            "price": 3000,
            "name": "Xiaomi Mi Smart Band 5"
         },
         {
            "price": 100,
            "name": "Screen protector for Xiaomi Mi Smart Band 5"
         }
      ]
   },
   "client": {
      "email": "test@test.com"
   },
   "payment_method_whitelist": ["klix"],
   "brand_id": "<Brand ID goes here>",
   "reference": "Your order id"
}"#;

/// "Create an initial purchase to register card for subsequent recurring payments".
const RECURRING_INITIAL_PURCHASE: &str = r#"{
   "force_recurring": true,
   "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
   "success_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment",
   "failure_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment",
   "cancel_redirect": "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment",
   "purchase": {
      "language": "lv",
      "products": [
         {
            "price": 700,
            "name": "XYZ service subscription"
         }
      ]
   },
   "client": {
      "email": "test@test.com"
   },
   "brand_id": "<Brand ID goes here>",
   "reference": "Your order id"
}"#;

/// "Create recurring payment".
const RECURRING_PURCHASE: &str = r#"{
   "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
   "purchase": {
      "language": "lv",
      "products": [
         {
            "price": 700,
            "name": "XYZ service subscription fee for December 2020"
         }
      ]
   },
   "client": {
      "email": "test@test.com"
   },
   "brand_id": "<Brand ID goes here>",
   "reference": "Your order id"
}"#;

/// "Charge customer card as a recurring payment" and "Reserve recurring
/// payment initial amount" (the same body).
const CHARGE: &str = r#"{
   "recurring_token": "<Recurring payment token>"
}"#;

/// "Create a reservation purchase".
const RESERVATION_PURCHASE: &str = r#"{
   "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
   "success_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment",
   "failure_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment",
   "cancel_redirect": "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment",
   "purchase": {
      "language": "lv",
      "products": [
         {
            "price": 3000,
            "name": "Xiaomi Mi Smart Band 5"
         },
         {
            "price": 100,
            "name": "Screen protector for Xiaomi Mi Smart Band 5"
         }
      ]
   },
   "skip_capture": true,
   "client": {
      "email": "test@test.com"
   },
   "payment_method_whitelist": ["klix"],
   "brand_id": "<Brand ID goes here>",
   "reference": "Your order id"
}"#;

/// "Capture partial funds reserved by previously created purchase".
const PARTIAL_CAPTURE: &str = r#"{
    "amount": 5
}
"#;

/// "Create recurring payment for reservation". Note `"skip_capture": "true"`:
/// a string on the page, although the API field is a boolean.
const RECURRING_RESERVATION_PURCHASE: &str = r#"{
   "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
   "purchase": {
      "language": "lv",
      "products": [
         {
            "price": 5000,
            "name": "Electric car charge"
         }
      ]
   },
   "client": {
      "email": "test@test.com"
   },
   "skip_capture": "true",
   "brand_id": "<Brand ID goes here>",
   "reference": "Your order id"
}"#;

/// "Create a bulk payment purchase". The page has a stray backtick after the
/// brand placeholder (`"<Brand ID goes here>`"`), a typo in its example and not
/// part of the value; it is left out here.
const BULK_PURCHASE: &str = r#"{
    "purchase": {
        "products": [
            {
                "name": "Description of payment to John Doe",
                "price": 2
            },
            {
                "name": "Description of payment to Jane Doe",
                "price": 1
            }
        ],
        "payment_method_details": {
            "pis_bulk_purchase": [
                {
                    "creditor_name": "John Doe",
                    "creditor_iban": "LVXXPARX0000000000001"
                },
                {
                    "creditor_name": "Jane Doe",
                    "creditor_iban": "LVXXHABA0000000000001"
                }
            ]
        }
    },
    "client": {
        "email": "test@test.com"
    },
    "payment_method_whitelist": ["swedbank_lv_pis"],
    "brand_id": "<Brand ID goes here>",
    "reference": "Your order id"
}"#;

/// The page's error answer when a bulk creditor IBAN is not whitelisted.
const BULK_IBAN_NOT_WHITELISTED: &str = r#"{
    "__all__": [
        {
            "message": "Creditor's IBAN 'LVXXPARX0000000000001' is not whitelisted. Please ensure the creditor's IBAN is added to the whitelist and try again.",
            "code": "invalid"
        }
    ]
}"#;

/// A documented body with the page's placeholders filled in.
fn documented(text: &str) -> Value {
    let text = text
        .replace("<Brand ID goes here>", BRAND)
        .replace("<Recurring payment token>", RECURRING_TOKEN);
    serde_json::from_str(&text).expect("the documented body is JSON")
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// A mock Klix server and a client pointed at its `/api/v1`, so paths are
/// checked in full. No retries: each call is exactly one request.
struct Klix {
    server: MockServer,
    client: klix::Client,
}

impl Klix {
    async fn start() -> Self {
        let server = MockServer::start().await;
        let client = client_for(&server, RetryPolicy::none());
        Klix { server, client }
    }

    /// Answers the next request with `response`, runs `call`, and returns its
    /// result together with the one request the server received.
    async fn exchange<F: std::future::Future>(
        &self,
        response: ResponseTemplate,
        call: F,
    ) -> (F::Output, Request) {
        self.server.reset().await;
        Mock::given(any())
            .respond_with(response)
            .mount(&self.server)
            .await;
        let output = call.await;
        let mut received = self
            .server
            .received_requests()
            .await
            .expect("request recording is on");
        assert_eq!(received.len(), 1, "exactly one request is sent");
        (output, received.remove(0))
    }
}

fn client_for(server: &MockServer, retry: RetryPolicy) -> klix::Client {
    klix::Client::new(
        klix::Config::new(SECRET)
            .base_url(format!("{}/api/v1", server.uri()))
            .options(HttpOptions::default().retry(retry)),
    )
    .expect("the client builds")
}

/// Method, full path, query pairs (in any order) and the headers every Klix
/// request carries.
fn assert_route(req: &Request, verb: &str, full_path: &str, query: &[(&str, &str)]) {
    assert_eq!(req.method.as_str(), verb, "method");
    assert_eq!(req.url.path(), full_path, "path");
    let mut sent: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
    let mut expected: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    sent.sort();
    expected.sort();
    assert_eq!(sent, expected, "query pairs");
    assert_eq!(header(req, "authorization"), Some("Bearer test-secret-key"));
    assert_eq!(header(req, "accept"), Some("application/json"));
}

/// A request whose body must equal `body`, field for field.
fn assert_json_request(req: &Request, verb: &str, full_path: &str, body: &Value) {
    assert_route(req, verb, full_path, &[]);
    assert_eq!(header(req, "content-type"), Some("application/json"));
    let sent: Value = serde_json::from_slice(&req.body).expect("the body is JSON");
    assert_eq!(&sent, body, "request body");
}

/// A request that must carry no body at all.
fn assert_bodyless_request(req: &Request, verb: &str, full_path: &str) {
    assert_route(req, verb, full_path, &[]);
    assert!(
        req.body.is_empty(),
        "no body is sent, got {:?}",
        String::from_utf8_lossy(&req.body)
    );
}

fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn purchase_path(id: &str, action: &str) -> String {
    format!("/api/v1/purchases/{id}/{action}")
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A purchase as Klix answers it (the shape of the spec's `201` example),
/// with the given id, status and products; the total is their sum.
fn purchase_response(id: &str, status: &str, products: &[(&str, i64)]) -> Value {
    let total: i64 = products.iter().map(|(_, price)| price).sum();
    let products: Vec<Value> = products
        .iter()
        .map(|(name, price)| {
            json!({
                "name": name, "quantity": "1.0000", "price": price, "discount": 0,
                "tax_percent": "0.00", "category": "", "total_price_override": null
            })
        })
        .collect();
    let client = json!({
        "email": "test@test.com", "phone": "", "full_name": "", "personal_code": "",
        "street_address": "", "country": "", "city": "", "zip_code": "", "state": "",
        "shipping_street_address": "", "shipping_country": "", "shipping_city": "",
        "shipping_zip_code": "", "shipping_state": "", "cc": [], "bcc": [],
        "legal_name": "", "brand_name": "", "registration_number": "", "tax_number": "",
        "bank_account": "", "bank_code": "",
        "delivery_methods": [{"method": "email", "options": {}}]
    });
    let details = json!({
        "currency": "EUR", "products": products, "total": total, "language": "lv",
        "notes": "", "debt": 0, "subtotal_override": null, "total_tax_override": null,
        "total_discount_override": null, "total_override": null,
        "request_client_details": [], "timezone": "Europe/Riga", "due_strict": false,
        "email_message": "", "shipping_options": [], "metadata": {}, "single_attempt": false
    });
    json!({
        "type": "purchase",
        "id": id,
        "created_on": 1701427200,
        "updated_on": 1701427200,
        "client": client,
        "purchase": details,
        "payment": null,
        "issuer_details": {
            "website": "https://your.site", "legal_street_address": "Brivibas iela 1",
            "legal_country": "LV", "legal_city": "Riga", "legal_zip_code": "LV-1010",
            "bank_accounts": [{"bank_account": "LV80BANK0000435195001", "bank_code": "BANKLV2X"}],
            "legal_name": "Your Shop SIA", "brand_name": "Your Shop",
            "registration_number": "40000000000", "tax_number": "LV40000000000"
        },
        "transaction_data": {"payment_method": "", "extra": {}, "country": "", "attempts": []},
        "status": status,
        "status_history": [{"status": "created", "timestamp": 1701427200}],
        "viewed_on": null,
        "company_id": "c0a8012e-5d3b-4f6a-9e21-7b4c8d9e0f12",
        "is_test": true,
        "user_id": null,
        "brand_id": BRAND,
        "billing_template_id": null,
        "client_id": null,
        "send_receipt": false,
        "is_recurring_token": false,
        "recurring_token": null,
        "skip_capture": false,
        "force_recurring": false,
        "reference_generated": "KX1024",
        "reference": "Your order id",
        "issued": "2023-12-01",
        "due": 1701430800,
        "refund_availability": "none",
        "refundable_amount": 0,
        "currency_conversion": null,
        "payment_method_whitelist": [],
        "success_callback": SUCCESS_CALLBACK,
        "success_redirect": SUCCESS_REDIRECT,
        "failure_redirect": FAILURE_REDIRECT,
        "cancel_redirect": CANCEL_REDIRECT,
        "creator_agent": "",
        "platform": "api",
        "product": "purchases",
        "created_from_ip": "203.0.113.10",
        "invoice_url": null,
        "checkout_url": checkout_url(id),
        "marked_as_paid": false,
        "order_id": "",
        "upsell_campaigns": [],
        "referral_campaign_id": null,
        "referral_code": "",
        "referral_code_generated": "",
        "referral_code_details": {},
        "retain_level_details": {}
    })
}

fn checkout_url(id: &str) -> String {
    format!("https://portal.klix.app/p/{id}/")
}

/// The `payment` block of a purchase once money moved.
fn payment_block(amount: i64) -> Value {
    json!({
        "is_outgoing": false, "payment_type": "purchase", "amount": amount, "currency": "EUR",
        "net_amount": amount, "fee_amount": 0, "pending_amount": 0,
        "pending_unfreeze_on": null, "description": "",
        "paid_on": 1701427320, "remote_paid_on": 1701427320
    })
}

const BAND: (&str, i64) = ("Xiaomi Mi Smart Band 5", 3000);
const PROTECTOR: (&str, i64) = ("Screen protector for Xiaomi Mi Smart Band 5", 100);

/// The order of the single-payment and reservation examples: band and
/// screen protector, all three redirects, the callback and the reference.
fn band_purchase() -> klix::Purchase {
    klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![
            klix::Product::new(BAND.0, BAND.1),
            klix::Product::new(PROTECTOR.0, PROTECTOR.1),
        ])
        .language("lv"),
        BRAND,
    )
    .success_callback(SUCCESS_CALLBACK)
    .success_redirect(SUCCESS_REDIRECT)
    .failure_redirect(FAILURE_REDIRECT)
    .cancel_redirect(CANCEL_REDIRECT)
    .reference("Your order id")
}

fn assert_created(p: &klix::Purchase, id: &str, total: i64) {
    assert_eq!(p.id.as_deref(), Some(id));
    assert_eq!(p.status, Some(klix::PurchaseStatus::Created));
    assert_eq!(p.checkout_url.as_deref(), Some(checkout_url(id).as_str()));
    assert_eq!(p.purchase.total, Some(total));
    assert_eq!(p.brand_id, BRAND);
}

// ---------------------------------------------------------------------------
// Single payment
// ---------------------------------------------------------------------------

#[tokio::test]
async fn list_payment_methods_sends_the_documented_query() {
    let k = Klix::start().await;
    let methods = json!({
        "available_payment_methods": ["klix", "klix_apple_pay", "swedbank_lv_pis", "seb_lv_pis"],
        "by_country": {"any": ["klix", "klix_apple_pay"], "LV": ["swedbank_lv_pis", "seb_lv_pis"]},
        "country_names": {"any": "Other", "LV": "Latvia"},
        "names": {"klix": "Card payment", "klix_apple_pay": "Apple Pay",
                  "swedbank_lv_pis": "Swedbank", "seb_lv_pis": "SEB"},
        "logos": {"klix": ["/static/images/icon-visa.svg", "/static/images/icon-mastercard.svg"],
                  "klix_apple_pay": "/static/images/icon-apple-pay.svg",
                  "swedbank_lv_pis": "/static/images/icon-swedbank.svg",
                  "seb_lv_pis": "/static/images/icon-seb.svg"},
        "card_methods": ["klix", "klix_apple_pay"],
        "payment_method_groups": [{"name": "banks", "logo": "/static/images/icon-bank.svg",
                                   "label": "Bank link", "methods": ["swedbank_lv_pis", "seb_lv_pis"]}]
    });

    let (result, req) = k
        .exchange(
            json_response(200, &methods),
            k.client
                .list_payment_methods(klix::ListPaymentMethodsParams::new(BRAND, "EUR")),
        )
        .await;

    // GET /api/v1/payment_methods/?currency=EUR&brand_id=<Brand ID goes here>
    assert_route(
        &req,
        "GET",
        "/api/v1/payment_methods/",
        &[("currency", "EUR"), ("brand_id", BRAND)],
    );
    assert!(req.body.is_empty());
    let methods = result.expect("payment methods");
    assert_eq!(
        methods.available_payment_methods.as_deref(),
        Some(&["klix", "klix_apple_pay", "swedbank_lv_pis", "seb_lv_pis"].map(String::from)[..])
    );
    assert_eq!(
        methods.by_country.as_ref().unwrap()["LV"],
        ["swedbank_lv_pis", "seb_lv_pis"]
    );
    assert_eq!(methods.names.as_ref().unwrap()["klix"], "Card payment");
    let logos = methods.logos.as_ref().unwrap();
    assert_eq!(
        logos["klix"],
        klix::PaymentMethodsLogosValue::StringList(vec![
            "/static/images/icon-visa.svg".into(),
            "/static/images/icon-mastercard.svg".into()
        ])
    );
    assert_eq!(
        logos["seb_lv_pis"],
        klix::PaymentMethodsLogosValue::String("/static/images/icon-seb.svg".into())
    );
    let groups = methods.payment_method_groups.as_ref().unwrap();
    assert_eq!(groups[0].label.as_deref(), Some("Bank link"));
}

#[tokio::test]
async fn single_purchase_matches_the_documented_request() {
    let k = Klix::start().await;
    let (result, req) = k
        .exchange(
            json_response(
                201,
                &purchase_response(PURCHASE_ID, "created", &[BAND, PROTECTOR]),
            ),
            k.client.create_purchase(band_purchase()),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(SINGLE_PURCHASE),
    );
    let p = result.expect("created purchase");
    assert_created(&p, PURCHASE_ID, 3100);
    assert_eq!(p.purchase.products[0].name, BAND.0);
    assert_eq!(p.purchase.products[0].price, 3000);
    assert_eq!(p.purchase.products[1].price, 100);
    assert_eq!(p.reference.as_deref(), Some("Your order id"));
}

#[tokio::test]
async fn whitelisted_purchase_matches_the_documented_request() {
    let k = Klix::start().await;
    let mut answer = purchase_response(PURCHASE_ID, "created", &[BAND, PROTECTOR]);
    answer["payment_method_whitelist"] = json!(["klix"]);
    let (result, req) = k
        .exchange(
            json_response(201, &answer),
            k.client
                .create_purchase(band_purchase().payment_method_whitelist(vec!["klix".into()])),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(WHITELISTED_PURCHASE),
    );
    let p = result.expect("created purchase");
    assert_created(&p, PURCHASE_ID, 3100);
    assert_eq!(p.payment_method_whitelist, Some(vec!["klix".to_string()]));
}

#[tokio::test]
async fn get_purchase_sends_the_documented_request_and_decodes_a_paid_purchase() {
    let k = Klix::start().await;
    let mut answer = purchase_response(PURCHASE_ID, "paid", &[BAND, PROTECTOR]);
    answer["payment"] = payment_block(3100);
    answer["transaction_data"]["payment_method"] = json!("klix");
    answer["refund_availability"] = json!("all");
    answer["refundable_amount"] = json!(3100);

    let (result, req) = k
        .exchange(
            json_response(200, &answer),
            k.client.get_purchase(PURCHASE_ID),
        )
        .await;

    assert_bodyless_request(&req, "GET", &purchase_path(PURCHASE_ID, ""));
    let p = result.expect("purchase");
    assert_eq!(p.id.as_deref(), Some(PURCHASE_ID));
    assert_eq!(p.status, Some(klix::PurchaseStatus::Paid));
    let payment = p.payment.expect("payment block");
    assert_eq!(payment.amount, Some(3100));
    assert_eq!(payment.currency.as_deref(), Some("EUR"));
    assert_eq!(
        p.transaction_data.and_then(|t| t.payment_method).as_deref(),
        Some("klix")
    );
    assert_eq!(p.refund_availability, Some(klix::RefundAvailability::All));
    assert_eq!(p.refundable_amount, Some(3100));
}

// ---------------------------------------------------------------------------
// Recurring payments
// ---------------------------------------------------------------------------

#[tokio::test]
async fn recurring_initial_purchase_matches_the_documented_request() {
    let k = Klix::start().await;
    let subscription = ("XYZ service subscription", 700);
    let mut answer = purchase_response(RECURRING_TOKEN, "created", &[subscription]);
    answer["force_recurring"] = json!(true);
    let purchase = klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![klix::Product::new(subscription.0, subscription.1)])
            .language("lv"),
        BRAND,
    )
    .force_recurring(true)
    .success_callback(SUCCESS_CALLBACK)
    .success_redirect(SUCCESS_REDIRECT)
    .failure_redirect(FAILURE_REDIRECT)
    .cancel_redirect(CANCEL_REDIRECT)
    .reference("Your order id");

    let (result, req) = k
        .exchange(
            json_response(201, &answer),
            k.client.create_purchase(purchase),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(RECURRING_INITIAL_PURCHASE),
    );
    let p = result.expect("created purchase");
    assert_created(&p, RECURRING_TOKEN, 700);
    assert_eq!(p.force_recurring, Some(true));
}

/// The purchase of one recurring payment: only a callback, no redirects.
fn recurring_purchase(product: (&str, i64)) -> klix::Purchase {
    klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![klix::Product::new(product.0, product.1)]).language("lv"),
        BRAND,
    )
    .success_callback(SUCCESS_CALLBACK)
    .reference("Your order id")
}

#[tokio::test]
async fn recurring_purchase_and_its_charge_match_the_documented_requests() {
    let k = Klix::start().await;
    let fee = ("XYZ service subscription fee for December 2020", 700);

    // Step 2: create the purchase of this month's payment.
    let (created, req) = k
        .exchange(
            json_response(
                201,
                &purchase_response(RECURRING_PURCHASE_ID, "created", &[fee]),
            ),
            k.client.create_purchase(recurring_purchase(fee)),
        )
        .await;
    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(RECURRING_PURCHASE),
    );
    let created = created.expect("created purchase");
    assert_created(&created, RECURRING_PURCHASE_ID, 700);

    // Step 3: charge it with the token (the id of the initial purchase).
    let mut paid = purchase_response(RECURRING_PURCHASE_ID, "paid", &[fee]);
    paid["payment"] = payment_block(700);
    paid["recurring_token"] = json!(RECURRING_TOKEN);
    let (charged, req) = k
        .exchange(
            json_response(200, &paid),
            k.client.charge_purchase(
                created.id.as_deref().unwrap(),
                klix::ChargeRequest::new().recurring_token(RECURRING_TOKEN),
            ),
        )
        .await;
    // The page's curl omits the trailing slash of `charge/`; every Klix path has one.
    assert_json_request(
        &req,
        "POST",
        &purchase_path(RECURRING_PURCHASE_ID, "charge/"),
        &documented(CHARGE),
    );
    let charged = charged.expect("charged purchase");
    assert_eq!(charged.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(charged.recurring_token.as_deref(), Some(RECURRING_TOKEN));
    assert_eq!(charged.payment.and_then(|p| p.amount), Some(700));
}

// ---------------------------------------------------------------------------
// Reservations
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reservation_purchase_matches_the_documented_request() {
    let k = Klix::start().await;
    let mut answer = purchase_response(PURCHASE_ID, "created", &[BAND, PROTECTOR]);
    answer["skip_capture"] = json!(true);
    answer["payment_method_whitelist"] = json!(["klix"]);
    let purchase = band_purchase()
        .skip_capture(true)
        .payment_method_whitelist(vec!["klix".into()]);

    let (result, req) = k
        .exchange(
            json_response(201, &answer),
            k.client.create_purchase(purchase),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(RESERVATION_PURCHASE),
    );
    let p = result.expect("created purchase");
    assert_created(&p, PURCHASE_ID, 3100);
    assert_eq!(p.skip_capture, Some(true));
}

/// A reservation after the customer paid: funds on hold.
fn held(status: &str, captured: Option<i64>) -> Value {
    let mut answer = purchase_response(PURCHASE_ID, status, &[BAND, PROTECTOR]);
    answer["skip_capture"] = json!(true);
    if let Some(amount) = captured {
        answer["payment"] = payment_block(amount);
    }
    answer
}

#[tokio::test]
async fn full_capture_sends_no_body() {
    let k = Klix::start().await;
    let (result, req) = k
        .exchange(
            json_response(200, &held("paid", Some(3100))),
            k.client.capture_purchase(PURCHASE_ID, None),
        )
        .await;

    assert_bodyless_request(&req, "POST", &purchase_path(PURCHASE_ID, "capture/"));
    let p = result.expect("captured purchase");
    assert_eq!(p.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(p.payment.and_then(|p| p.amount), Some(3100));
}

#[tokio::test]
async fn partial_capture_sends_the_documented_amount() {
    let k = Klix::start().await;
    let (result, req) = k
        .exchange(
            json_response(200, &held("paid", Some(5))),
            k.client
                .capture_purchase(PURCHASE_ID, Some(klix::CaptureRequest::new().amount(5))),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        &purchase_path(PURCHASE_ID, "capture/"),
        &documented(PARTIAL_CAPTURE),
    );
    let p = result.expect("captured purchase");
    assert_eq!(p.status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(p.payment.and_then(|p| p.amount), Some(5));
}

#[tokio::test]
async fn release_sends_the_documented_request() {
    let k = Klix::start().await;
    let (result, req) = k
        .exchange(
            json_response(200, &held("released", None)),
            k.client.release_purchase(PURCHASE_ID),
        )
        .await;

    assert_bodyless_request(&req, "POST", &purchase_path(PURCHASE_ID, "release/"));
    let p = result.expect("released purchase");
    assert_eq!(p.status, Some(klix::PurchaseStatus::Released));
    assert_eq!(p.payment, None);
}

#[tokio::test]
async fn recurring_reservation_purchase_and_charge_match_the_documented_requests() {
    let k = Klix::start().await;
    let charge = ("Electric car charge", 5000);
    let mut answer = purchase_response(RECURRING_PURCHASE_ID, "created", &[charge]);
    answer["skip_capture"] = json!(true);

    let (created, req) = k
        .exchange(
            json_response(201, &answer),
            k.client
                .create_purchase(recurring_purchase(charge).skip_capture(true)),
        )
        .await;
    let mut expected = documented(RECURRING_RESERVATION_PURCHASE);
    // Known deviation: the page sends `"skip_capture": "true"` (a string) in
    // this one example, while the API field is a boolean (as in the plain
    // reservation example). The client sends the boolean `true`.
    expected["skip_capture"] = json!(true);
    assert_json_request(&req, "POST", "/api/v1/purchases/", &expected);
    let created = created.expect("created purchase");
    assert_created(&created, RECURRING_PURCHASE_ID, 5000);
    assert_eq!(created.skip_capture, Some(true));

    // Charging a `skip_capture` purchase reserves the amount: status `hold`.
    answer["status"] = json!("hold");
    answer["recurring_token"] = json!(RECURRING_TOKEN);
    let (held, req) = k
        .exchange(
            json_response(200, &answer),
            k.client.charge_purchase(
                RECURRING_PURCHASE_ID,
                klix::ChargeRequest::new().recurring_token(RECURRING_TOKEN),
            ),
        )
        .await;
    assert_json_request(
        &req,
        "POST",
        &purchase_path(RECURRING_PURCHASE_ID, "charge/"),
        &documented(CHARGE),
    );
    let held = held.expect("held purchase");
    assert_eq!(held.status, Some(klix::PurchaseStatus::Hold));
    assert_eq!(held.recurring_token.as_deref(), Some(RECURRING_TOKEN));
}

// ---------------------------------------------------------------------------
// Bulk payments
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bulk_purchase_matches_the_documented_request() {
    let k = Klix::start().await;
    let john = ("Description of payment to John Doe", 2);
    let jane = ("Description of payment to Jane Doe", 1);
    let mut answer = purchase_response(PURCHASE_ID, "created", &[john, jane]);
    answer["payment_method_whitelist"] = json!(["swedbank_lv_pis"]);
    let purchase = klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![
            klix::Product::new(john.0, john.1),
            klix::Product::new(jane.0, jane.1),
        ])
        .payment_method_details(klix::PaymentMethodDetails::new().pis_bulk_purchase(
            vec![
                klix::PisBulkPurchase::new("John Doe", "LVXXPARX0000000000001"),
                klix::PisBulkPurchase::new("Jane Doe", "LVXXHABA0000000000001"),
            ],
        )),
        BRAND,
    )
    .payment_method_whitelist(vec!["swedbank_lv_pis".into()])
    .reference("Your order id");

    let (result, req) = k
        .exchange(
            json_response(201, &answer),
            k.client.create_purchase(purchase),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(BULK_PURCHASE),
    );
    let p = result.expect("created purchase");
    assert_created(&p, PURCHASE_ID, 3);
    assert_eq!(
        p.payment_method_whitelist,
        Some(vec!["swedbank_lv_pis".to_string()])
    );
}

// ---------------------------------------------------------------------------
// Operations beyond the page's examples
// ---------------------------------------------------------------------------

#[tokio::test]
async fn cancel_purchase_posts_without_body() {
    let k = Klix::start().await;
    let answer = purchase_response(PURCHASE_ID, "cancelled", &[BAND, PROTECTOR]);
    let (result, req) = k
        .exchange(
            json_response(200, &answer),
            k.client.cancel_purchase(PURCHASE_ID),
        )
        .await;

    assert_bodyless_request(&req, "POST", &purchase_path(PURCHASE_ID, "cancel/"));
    assert_eq!(
        result.expect("cancelled purchase").status,
        Some(klix::PurchaseStatus::Cancelled)
    );
}

#[tokio::test]
async fn refund_sends_the_amount_or_no_body_and_decodes_the_refund_payment() {
    let k = Klix::start().await;
    let refund = json!({
        "type": "payment",
        "id": "9d2e4f60-1a3b-4c5d-8e7f-a0b1c2d3e4f5",
        "created_on": 1701513720,
        "updated_on": 1701513720,
        "client": {"email": "test@test.com", "full_name": ""},
        "payment": {
            "is_outgoing": true, "payment_type": "refund", "amount": 1000, "currency": "EUR",
            "net_amount": 1000, "fee_amount": 0, "pending_amount": 0,
            "pending_unfreeze_on": null, "description": "",
            "paid_on": 1701513720, "remote_paid_on": 1701513720
        },
        "transaction_data": {},
        "related_to": {"type": "purchase", "id": PURCHASE_ID},
        "reference_generated": "KX1025",
        "reference": "Your order id",
        "account_id": "5b7e9c1d-2f4a-4b6c-8d0e-1f2a3b4c5d6e",
        "company_id": "c0a8012e-5d3b-4f6a-9e21-7b4c8d9e0f12",
        "is_test": true,
        "user_id": null,
        "brand_id": BRAND
    });

    // Partial refund: `{"amount": 1000}` (the spec's example).
    let (result, req) = k
        .exchange(
            json_response(200, &refund),
            k.client
                .refund_purchase(PURCHASE_ID, Some(klix::RefundRequest::new().amount(1000))),
        )
        .await;
    assert_json_request(
        &req,
        "POST",
        &purchase_path(PURCHASE_ID, "refund/"),
        &json!({"amount": 1000}),
    );
    let klix::RefundResult::Payment(payment) = result.expect("refund payment") else {
        panic!("a `type: payment` answer decodes as the refund payment")
    };
    assert_eq!(
        payment.id.as_deref(),
        Some("9d2e4f60-1a3b-4c5d-8e7f-a0b1c2d3e4f5")
    );
    let details = payment.payment.expect("payment details");
    assert_eq!(details.amount, Some(1000));
    assert_eq!(details.is_outgoing, Some(true));
    assert_eq!(details.payment_type, Some(klix::PaymentType::Refund));
    let related = payment.related_to.expect("related purchase");
    assert_eq!(related.id.as_deref(), Some(PURCHASE_ID));

    // Full refund: no body at all.
    let (result, req) = k
        .exchange(
            json_response(200, &refund),
            k.client.refund_purchase(PURCHASE_ID, None),
        )
        .await;
    assert_bodyless_request(&req, "POST", &purchase_path(PURCHASE_ID, "refund/"));
    assert!(matches!(result, Ok(klix::RefundResult::Payment(_))));

    // A slow refund answers with the purchase, pending.
    let pending = purchase_response(PURCHASE_ID, "pending_refund", &[("Band 5", 3000)]);
    let (result, _) = k
        .exchange(
            json_response(200, &pending),
            k.client.refund_purchase(PURCHASE_ID, None),
        )
        .await;
    let klix::RefundResult::Purchase(purchase) = result.expect("pending refund") else {
        panic!("a `type: purchase` answer decodes as the purchase")
    };
    assert_eq!(purchase.status, Some(klix::PurchaseStatus::PendingRefund));
}

#[tokio::test]
async fn delete_recurring_token_posts_without_body() {
    let k = Klix::start().await;
    let mut answer = purchase_response(
        RECURRING_TOKEN,
        "paid",
        &[("XYZ service subscription", 700)],
    );
    answer["force_recurring"] = json!(true);
    answer["is_recurring_token"] = json!(false);
    let (result, req) = k
        .exchange(
            json_response(200, &answer),
            k.client.delete_recurring_token(RECURRING_TOKEN),
        )
        .await;

    assert_bodyless_request(
        &req,
        "POST",
        &purchase_path(RECURRING_TOKEN, "delete_recurring_token/"),
    );
    let p = result.expect("purchase");
    assert_eq!(p.id.as_deref(), Some(RECURRING_TOKEN));
    assert_eq!(p.is_recurring_token, Some(false));
}

#[tokio::test]
async fn public_key_is_a_json_string_with_the_pem() {
    let k = Klix::start().await;
    let pem = "-----BEGIN PUBLIC KEY-----\n\
               MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n\
               mwIDAQAB\n\
               -----END PUBLIC KEY-----\n";
    let (result, req) = k
        .exchange(json_response(200, &json!(pem)), k.client.get_public_key())
        .await;

    assert_bodyless_request(&req, "GET", "/api/v1/public_key/");
    assert_eq!(result.expect("public key"), pem);
}

#[tokio::test]
async fn unknown_status_decodes_as_unknown_and_unknown_fields_are_ignored() {
    let k = Klix::start().await;
    let mut answer = purchase_response(PURCHASE_ID, "settled", &[BAND, PROTECTOR]);
    answer["status_history"] = json!([
        {"status": "paid", "timestamp": 1701427320},
        {"status": "settled", "timestamp": 1701513600}
    ]);
    answer["settlement"] = json!({"batch": "2023-12-02", "fees": [1, 2]});
    answer["purchase"]["installments"] = json!(null);
    answer["client"]["loyalty_tier"] = json!("gold");

    let (result, _) = k
        .exchange(
            json_response(200, &answer),
            k.client.get_purchase(PURCHASE_ID),
        )
        .await;

    let p = result.expect("a purchase with unknown values still decodes");
    assert_eq!(
        p.status,
        Some(klix::PurchaseStatus::Unknown("settled".into()))
    );
    let history = p.status_history.expect("history");
    assert_eq!(history[0].status, Some(klix::PurchaseStatus::Paid));
    assert_eq!(
        history[1].status,
        Some(klix::PurchaseStatus::Unknown("settled".into()))
    );
    assert_eq!(p.purchase.total, Some(3100));
    assert_eq!(p.client.email, "test@test.com");
}

#[tokio::test]
async fn read_only_fields_set_on_the_request_are_not_sent() {
    let k = Klix::start().await;
    // A purchase as it came back from Klix, sent again as a new purchase.
    let mut purchase = band_purchase();
    purchase.id = Some(PURCHASE_ID.into());
    purchase.status = Some(klix::PurchaseStatus::Paid);
    purchase.checkout_url = Some(checkout_url(PURCHASE_ID));
    purchase.created_on = Some(1701427200);
    purchase.is_test = Some(true);
    purchase.is_recurring_token = Some(true);
    purchase.recurring_token = Some(RECURRING_TOKEN.into());
    purchase.refundable_amount = Some(3100);
    purchase.purchase.total = Some(3100);
    purchase.purchase.email_message = Some("Thanks".into());

    let (result, req) = k
        .exchange(
            json_response(
                201,
                &purchase_response(PURCHASE_ID, "created", &[BAND, PROTECTOR]),
            ),
            k.client.create_purchase(purchase),
        )
        .await;

    assert_json_request(
        &req,
        "POST",
        "/api/v1/purchases/",
        &documented(SINGLE_PURCHASE),
    );
    assert!(result.is_ok());
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A server that answers `verb full_path` once with `response`, and a client
/// that does not retry.
async fn failing(
    verb: &str,
    full_path: &str,
    response: ResponseTemplate,
) -> (MockServer, klix::Client) {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(full_path))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::none());
    (server, client)
}

fn text_response(status: u16, body: &str, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type)
}

#[tokio::test]
async fn error_400_field_errors_decode_by_field() {
    let body = r#"{"brand_id":[{"message":"Must be a valid UUID.","code":"invalid"}],"reference":[{"message":"Ensure this field has no more than 128 characters.","code":"max_length"}]}"#;
    let (server, client) = failing(
        "POST",
        "/api/v1/purchases/",
        text_response(400, body, "application/json"),
    )
    .await;

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.raw_body, body);
    let Some(klix::CreatePurchaseError::BadRequest(fields)) = &api.body else {
        panic!("expected BadRequest, got {:?}", api.body)
    };
    assert_eq!(fields.len(), 2);
    let brand = errors_of(&fields["brand_id"]);
    assert_eq!(brand[0].message, "Must be a valid UUID.");
    assert_eq!(brand[0].code.as_deref(), Some("invalid"));
    assert_eq!(
        errors_of(&fields["reference"])[0].code.as_deref(),
        Some("max_length")
    );
    server.verify().await;
}

/// The errors of a plain field (not of a nested object or list).
fn errors_of(entry: &klix::FieldErrorEntry) -> &[klix::FieldError] {
    match entry {
        klix::FieldErrorEntry::FieldErrorList(list) => list,
        other => panic!("expected a list of errors, got {other:?}"),
    }
}

/// Errors of nested objects (`client`, `purchase`) come nested, the DRF way.
#[tokio::test]
async fn error_400_nested_field_errors_decode() {
    let body =
        r#"{"client":{"email":[{"message":"Enter a valid email address.","code":"invalid"}]}}"#;
    let (server, client) = failing(
        "POST",
        "/api/v1/purchases/",
        text_response(400, body, "application/json"),
    )
    .await;

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.raw_body, body);
    let Some(klix::CreatePurchaseError::BadRequest(fields)) = &api.body else {
        panic!("expected BadRequest, got {:?}", api.body)
    };
    let klix::FieldErrorEntry::FieldErrors(client_errors) = &fields["client"] else {
        panic!(
            "expected nested errors under `client`, got {:?}",
            fields["client"]
        )
    };
    let email = errors_of(&client_errors["email"]);
    assert_eq!(email[0].message, "Enter a valid email address.");
    assert_eq!(email[0].code.as_deref(), Some("invalid"));
    server.verify().await;
}

/// Errors of list items (`products`) come as one error map per item.
#[tokio::test]
async fn error_400_field_errors_of_list_items_decode() {
    let body = r#"{"purchase":{"products":[{},{"price":[{"message":"Ensure this value is greater than or equal to 0.","code":"min_value"}]}]}}"#;
    let (server, client) = failing(
        "POST",
        "/api/v1/purchases/",
        text_response(400, body, "application/json"),
    )
    .await;

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    let Some(klix::CreatePurchaseError::BadRequest(fields)) = err.body() else {
        panic!("expected BadRequest, got {err:?}")
    };
    let klix::FieldErrorEntry::FieldErrors(purchase) = &fields["purchase"] else {
        panic!("expected nested errors under `purchase`")
    };
    let klix::FieldErrorEntry::FieldErrorsList(items) = &purchase["products"] else {
        panic!(
            "expected one error map per product, got {:?}",
            purchase["products"]
        )
    };
    assert!(items[0].is_empty());
    assert_eq!(
        errors_of(&items[1]["price"])[0].code.as_deref(),
        Some("min_value")
    );
    server.verify().await;
}

#[tokio::test]
async fn error_400_all_carries_the_bulk_iban_message() {
    let (server, client) = failing(
        "POST",
        "/api/v1/purchases/",
        text_response(400, BULK_IBAN_NOT_WHITELISTED, "application/json"),
    )
    .await;

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.raw_body, BULK_IBAN_NOT_WHITELISTED);
    let Some(klix::CreatePurchaseError::BadRequest(fields)) = &api.body else {
        panic!("expected BadRequest, got {:?}", api.body)
    };
    let all = errors_of(&fields["__all__"]);
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].message,
        "Creditor's IBAN 'LVXXPARX0000000000001' is not whitelisted. Please ensure the \
         creditor's IBAN is added to the whitelist and try again."
    );
    assert_eq!(all[0].code.as_deref(), Some("invalid"));
    server.verify().await;
}

#[tokio::test]
async fn error_401_decodes_the_detail() {
    let body = r#"{"detail":"Invalid token."}"#;
    let (server, client) = failing(
        "GET",
        "/api/v1/payment_methods/",
        text_response(401, body, "application/json"),
    )
    .await;

    let err = client
        .list_payment_methods(klix::ListPaymentMethodsParams::new(BRAND, "EUR"))
        .await
        .unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.raw_body, body);
    assert_eq!(
        api.body,
        Some(klix::ListPaymentMethodsError::Other(
            klix::ErrorBody::new().detail("Invalid token.")
        ))
    );
    server.verify().await;
}

#[tokio::test]
async fn error_404_on_get_purchase_is_not_found() {
    let body = r#"{"detail":"Not found."}"#;
    let (server, client) = failing(
        "GET",
        &purchase_path(PURCHASE_ID, ""),
        text_response(404, body, "application/json"),
    )
    .await;

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 404);
    // The 404 carries Klix's `detail`.
    assert_eq!(
        api.body,
        Some(klix::GetPurchaseError::NotFound(
            klix::NotFound::new().detail("Not found.")
        ))
    );
    assert_eq!(api.raw_body, body);
    server.verify().await;
}

#[tokio::test]
async fn error_429_is_sent_once_without_retries() {
    let body = r#"{"detail":"Request was throttled. Expected available in 60 seconds."}"#;
    // A GET would be retried by the default policy; `RetryPolicy::none()` must
    // send exactly one request (`expect(1)`, checked by `verify`).
    let (server, client) = failing(
        "GET",
        "/api/v1/payment_methods/",
        text_response(429, body, "application/json").insert_header("Retry-After", "0"),
    )
    .await;

    let err = client
        .list_payment_methods(klix::ListPaymentMethodsParams::new(BRAND, "EUR"))
        .await
        .unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 429);
    assert_eq!(api.attempts, 1);
    assert_eq!(api.raw_body, body);
    assert_eq!(
        api.body,
        Some(klix::ListPaymentMethodsError::Other(
            klix::ErrorBody::new()
                .detail("Request was throttled. Expected available in 60 seconds.")
        ))
    );
    assert_eq!(
        api.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("0")
    );
    server.verify().await;
}

#[tokio::test]
async fn create_purchase_is_not_retried_on_429_even_by_the_default_policy() {
    // Klix has no idempotency key: resending a POST could create a second purchase.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/purchases/"))
        .respond_with(
            text_response(
                429,
                r#"{"detail":"Request was throttled."}"#,
                "application/json",
            )
            .insert_header("Retry-After", "0"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::default());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert_eq!(err.status(), Some(429));
    assert_eq!(err.attempts(), 1);
    server.verify().await;
}

#[tokio::test]
async fn error_500_decodes_the_error_body() {
    let body = r#"{"code":"internal_error","message":"A server error occurred."}"#;
    let (server, client) = failing(
        "POST",
        &purchase_path(RECURRING_PURCHASE_ID, "charge/"),
        text_response(500, body, "application/json"),
    )
    .await;

    let err = client
        .charge_purchase(
            RECURRING_PURCHASE_ID,
            klix::ChargeRequest::new().recurring_token(RECURRING_TOKEN),
        )
        .await
        .unwrap_err();

    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 500);
    assert_eq!(api.raw_body, body);
    assert_eq!(
        api.body,
        Some(klix::ChargePurchaseError::Other(
            klix::ErrorBody::new()
                .code("internal_error")
                .message("A server error occurred.")
        ))
    );
    server.verify().await;
}

#[tokio::test]
async fn non_json_200_is_a_decode_error_keeping_status_and_body() {
    let html = "<!DOCTYPE html><html><head><title>Maintenance</title></head>\
                <body><h1>Klix is under maintenance</h1></body></html>";
    let (server, client) = failing(
        "GET",
        &purchase_path(PURCHASE_ID, ""),
        text_response(200, html, "text/html; charset=utf-8"),
    )
    .await;

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    let Error::Decode(decode) = err else {
        panic!("expected Error::Decode, got {err:?}")
    };
    assert_eq!(decode.status, 200);
    assert_eq!(decode.raw_body, html);
    assert_eq!(decode.operation, "get_purchase");
    assert_eq!(
        decode.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    server.verify().await;
}

/// `Display` of an API error says why, in the provider's words.
#[tokio::test]
async fn api_errors_say_why() {
    let cases = [
        (
            400,
            r#"{"purchase":{"products":[{"price":[{"message":"Ensure this value is greater than or equal to 0.","code":"min_value"}]}]}}"#,
            "create_purchase failed with HTTP 400 after 1 attempt(s): purchase.products[0].price: Ensure this value is greater than or equal to 0.",
        ),
        (
            400,
            BULK_IBAN_NOT_WHITELISTED,
            "create_purchase failed with HTTP 400 after 1 attempt(s): Creditor's IBAN 'LVXXPARX0000000000001' is not whitelisted.",
        ),
        (
            403,
            r#"{"detail":"You do not have permission to perform this action."}"#,
            "create_purchase failed with HTTP 403 after 1 attempt(s): You do not have permission to perform this action.",
        ),
    ];
    for (status, body, shown) in cases {
        let (_server, client) = failing(
            "POST",
            "/api/v1/purchases/",
            text_response(status, body, "application/json"),
        )
        .await;
        let err = client.create_purchase(band_purchase()).await.unwrap_err();
        assert!(err.to_string().starts_with(shown), "{err}");
    }
}

/// Quantities and tax rates are decimal strings on Klix's wire: they take
/// integers and amounts, are sent as strings, and decode exactly as sent.
#[tokio::test]
async fn quantities_are_exact_decimal_strings() {
    use paygen::runtime::{Decimal, DecimalText};
    let product = klix::Product::new(BAND.0, BAND.1)
        .quantity(2)
        .tax_percent(Decimal::from_minor(2100));
    let json = serde_json::to_value(&product).unwrap();
    assert_eq!(json["quantity"], json!("2"));
    assert_eq!(json["tax_percent"], json!("21.00"));
    let half: DecimalText = "0.5".parse().unwrap();
    assert_eq!(
        serde_json::to_value(klix::Product::new(BAND.0, BAND.1).quantity(half)).unwrap()
            ["quantity"],
        json!("0.5")
    );
    // Klix answers `"1.0000"`: kept to the last digit.
    let answer = purchase_response(PURCHASE_ID, "paid", &[BAND]);
    let purchase: klix::Purchase = serde_json::from_value(answer).unwrap();
    let quantity = purchase.purchase.products[0].quantity.as_ref().unwrap();
    assert_eq!(quantity.as_str(), "1.0000");
}
