//! Per-call overhead of the generated clients, one representative operation
//! per provider, next to a hand-written serde + reqwest baseline of the same
//! shape.
//!
//! `cargo bench -p paygen --bench per_call`
//!
//! - `client_side/<provider>/…`: no network. `encode` builds the request
//!   value and its body (for the JSON APIs the `runtime::Request` the client
//!   builds, i.e. `serde_json::to_vec`; for PAYONE the pre-send validation and
//!   a `runtime::Form` holding the same pairs the client sends, then
//!   `Form::encode`); `decode` reads the documented response body into the
//!   typed response (`serde_json::from_slice`; `decode_as_client` is the
//!   success path of `Response::json`, which tracks the JSON path only on failure; PAYONE:
//!   `KeyValues::parse_lines` + `from_kv`); `encode+decode` is both in one
//!   iteration. `handwritten/…` does the same with minimal hand-written
//!   `#[derive(Serialize, Deserialize)]` structs mirroring the JSON.
//! - `loopback/<provider>/…`: one full call against an in-process HTTP/1.1
//!   keep-alive server on 127.0.0.1 (std threads, a fixed answer per route),
//!   through the generated client and through a hand-written
//!   `reqwest::Client` call sending the same headers and body, on a
//!   current-thread tokio runtime. The hand-written client is a careful one:
//!   the same connect and total timeouts and redirect policy as the
//!   generated clients' defaults, a status check and a typed decode.
//! - `concurrent/<case>/…`: 1,000 calls at once, each a task of its own, on
//!   a two-worker runtime, through one shared client (Klarna Payments
//!   `read_payment_request`; Klavi `get_payment_status` with a cached token)
//!   and through one shared `reqwest::Client` with a hand-written token
//!   cache, against a Tokio responder; throughput in calls per second.
//!
//! Three modes outside criterion, for a machine shared with other work:
//! `PER_CALL_PAIRED=<rounds>` alternates generated and hand-written calls
//! and prints the median of each (load drift cancels out),
//! `PER_CALL_CONCURRENT_PAIRED=<rounds>` does the same with batches of
//! 1,000 concurrent calls and prints median throughputs, and
//! `PER_CALL_PROFILE=<case>/<side>:<calls>` makes that many calls for
//! `valgrind --tool=callgrind` (instruction counts ignore load).
//!
//! `PER_CALL_CPUS` places the threads of the single-client modes (criterion's
//! `loopback`, paired, profile): `split` (the default on two or more CPUs)
//! runs the client on the first CPU and the responder on the last, as if the
//! server were another machine; `one` runs both on the first CPU, which
//! leaves out the wake-up of an idle CPU and measures the work of both ends;
//! `any` leaves placement to the scheduler. Left to the scheduler, the
//! responder's thread for one side's connection may land on the client's
//! CPU and the other side's on the idle one: measured on a 2-core VM, that
//! made one side of a pair take 15–20 µs and the other 95 µs, whichever
//! side the scheduler favoured.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use criterion::{criterion_group, Criterion};
use serde::{Deserialize, Deserializer, Serialize};

use paygen::runtime::{
    self,
    __private::{Form, KeyValues, Method, Request},
};
use paygen::{klarna_customer_token as kct, klarna_payments as kp, klavi, klix, payone};

// ---------------------------------------------------------------------------
// Documented bodies
// ---------------------------------------------------------------------------

const KLIX_SECRET: &str = "test-secret-key";
const KLIX_BRAND: &str = "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5";
const SUCCESS_CALLBACK: &str =
    "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point";
const SUCCESS_REDIRECT: &str =
    "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment";
const FAILURE_REDIRECT: &str =
    "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment";
const CANCEL_REDIRECT: &str = "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment";

/// The purchase Klix answers to the page's "Create available payment methods
/// purchase" (the shape of `tests/tests/klix_wire.rs`).
const KLIX_PURCHASE_RESPONSE: &str = r#"{
  "type": "purchase",
  "id": "3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a",
  "created_on": 1701427200,
  "updated_on": 1701427200,
  "client": {
    "email": "test@test.com", "phone": "", "full_name": "", "personal_code": "",
    "street_address": "", "country": "", "city": "", "zip_code": "", "state": "",
    "shipping_street_address": "", "shipping_country": "", "shipping_city": "",
    "shipping_zip_code": "", "shipping_state": "", "cc": [], "bcc": [],
    "legal_name": "", "brand_name": "", "registration_number": "", "tax_number": "",
    "bank_account": "", "bank_code": "",
    "delivery_methods": [{"method": "email", "options": {}}]
  },
  "purchase": {
    "currency": "EUR",
    "products": [
      {"name": "Xiaomi Mi Smart Band 5", "quantity": "1.0000", "price": 3000, "discount": 0,
       "tax_percent": "0.00", "category": "", "total_price_override": null},
      {"name": "Screen protector for Xiaomi Mi Smart Band 5", "quantity": "1.0000", "price": 100,
       "discount": 0, "tax_percent": "0.00", "category": "", "total_price_override": null}
    ],
    "total": 3100, "language": "lv", "notes": "", "debt": 0, "subtotal_override": null,
    "total_tax_override": null, "total_discount_override": null, "total_override": null,
    "request_client_details": [], "timezone": "Europe/Riga", "due_strict": false,
    "email_message": "", "shipping_options": [], "metadata": {}, "single_attempt": false
  },
  "payment": null,
  "issuer_details": {
    "website": "https://your.site", "legal_street_address": "Brivibas iela 1",
    "legal_country": "LV", "legal_city": "Riga", "legal_zip_code": "LV-1010",
    "bank_accounts": [{"bank_account": "LV80BANK0000435195001", "bank_code": "BANKLV2X"}],
    "legal_name": "Your Shop SIA", "brand_name": "Your Shop",
    "registration_number": "40000000000", "tax_number": "LV40000000000"
  },
  "transaction_data": {"payment_method": "", "extra": {}, "country": "", "attempts": []},
  "status": "created",
  "status_history": [{"status": "created", "timestamp": 1701427200}],
  "viewed_on": null,
  "company_id": "c0a8012e-5d3b-4f6a-9e21-7b4c8d9e0f12",
  "is_test": true,
  "user_id": null,
  "brand_id": "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5",
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
  "success_callback": "https://your.site/api/successfully-paid-callback-will-be-sent-to-this-end-point",
  "success_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-successfull-payment",
  "failure_redirect": "https://your.site/customer-will-be-redirected-here-in-case-of-failed-payment",
  "cancel_redirect": "https://your.site/customer-will-be-redirected-here-in-case-customer-decides-to-go-back-to-your-store-during-payment",
  "creator_agent": "",
  "platform": "api",
  "product": "purchases",
  "created_from_ip": "203.0.113.10",
  "invoice_url": null,
  "checkout_url": "https://portal.klix.app/p/3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a/",
  "marked_as_paid": false,
  "order_id": "",
  "upsell_campaigns": [],
  "referral_campaign_id": null,
  "referral_code": "",
  "referral_code_generated": "",
  "referral_code_details": {},
  "retain_level_details": {}
}"#;

const KP_API_KEY: &str = "klarna_test_api_abc";

/// The page's answer to create / read a payment request (SUBMITTED).
const KP_PAYMENT_REQUEST_RESPONSE: &str = r#"{
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
}"#;

const KCT_USER: &str = "username";
const KCT_PASSWORD: &str = "password";
const KCT_TOKEN: &str =
    "krn:partner:us1:test:identity:customer-token:8c3e1f7a-2b4d-4e6f-9a1c-3d5e7f9b1c2e";

/// The page's "Read customer token" answer.
const KCT_TOKEN_RESPONSE: &str = r#"{
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
}"#;

const PAYONE_MID: &str = "23456";
const PAYONE_AID: &str = "12345";
const PAYONE_PORTAL: &str = "12345123";
const PAYONE_KEY: &str = "abcdefghijklmn123456789";
const PAYONE_URL: &str = "http://www.yourdomain.url";

/// The page's preauthorization answer.
const PAYONE_PREAUTH_RESPONSE: &str = "status=REDIRECT
redirecturl=http://www.aliasregistrationpage.com
txid=345678901
userid=123456789
";

const KLAVI_PAYMENT_ID: &str = "b3f1c7a0-6d2e-4f8a-9c1b-2e3d4f5a6b7c";
const KLAVI_TOKEN_RESPONSE: &str =
    r#"{"accessToken":"eyJhbGciOiJIUzI1NiJ9.bench.token","expireIn":3600}"#;

/// The page prints no status example; this one has every documented field.
const KLAVI_STATUS_RESPONSE: &str = r#"{
  "id": "b3f1c7a0-6d2e-4f8a-9c1b-2e3d4f5a6b7c",
  "clientRequestId": "order-42",
  "amount": "1333.04",
  "currency": "BRL",
  "status": "PAYMENT_COMPLETED",
  "statusReason": {"code": "OK", "message": "Payment settled"},
  "statusUpdateAt": "2024-05-01T12:00:00.000Z"
}"#;

// ---------------------------------------------------------------------------
// Hand-written baselines: minimal serde structs mirroring the JSON
// ---------------------------------------------------------------------------

/// Fields are read by serde only: what is measured is decoding them.
#[allow(dead_code)]
mod hand {
    use super::*;

    // Klix -------------------------------------------------------------------

    #[derive(Serialize)]
    pub struct PurchaseCreate<'a> {
        pub success_callback: &'a str,
        pub success_redirect: &'a str,
        pub failure_redirect: &'a str,
        pub cancel_redirect: &'a str,
        pub purchase: PurchaseDetailsCreate<'a>,
        pub client: ClientCreate<'a>,
        pub brand_id: &'a str,
        pub reference: &'a str,
    }

    #[derive(Serialize)]
    pub struct PurchaseDetailsCreate<'a> {
        pub language: &'a str,
        pub products: Vec<ProductCreate<'a>>,
    }

    #[derive(Serialize)]
    pub struct ProductCreate<'a> {
        pub price: i64,
        pub name: &'a str,
    }

    #[derive(Serialize)]
    pub struct ClientCreate<'a> {
        pub email: &'a str,
    }

    #[derive(Debug, Deserialize)]
    pub struct Purchase {
        pub r#type: Option<String>,
        pub id: Option<String>,
        pub created_on: Option<i64>,
        pub updated_on: Option<i64>,
        pub client: Client,
        pub purchase: PurchaseDetails,
        pub payment: Option<Payment>,
        pub issuer_details: Option<IssuerDetails>,
        pub transaction_data: Option<TransactionData>,
        pub status: Option<String>,
        pub status_history: Option<Vec<StatusHistoryEntry>>,
        pub viewed_on: Option<i64>,
        pub company_id: Option<String>,
        pub is_test: Option<bool>,
        pub user_id: Option<String>,
        pub brand_id: String,
        pub billing_template_id: Option<String>,
        pub client_id: Option<String>,
        pub send_receipt: Option<bool>,
        pub is_recurring_token: Option<bool>,
        pub recurring_token: Option<String>,
        pub skip_capture: Option<bool>,
        pub force_recurring: Option<bool>,
        pub reference_generated: Option<String>,
        pub reference: Option<String>,
        pub issued: Option<String>,
        pub due: Option<i64>,
        pub refund_availability: Option<String>,
        pub refundable_amount: Option<i64>,
        pub currency_conversion: Option<serde_json::Value>,
        pub payment_method_whitelist: Option<Vec<String>>,
        pub success_callback: Option<String>,
        pub success_redirect: Option<String>,
        pub failure_redirect: Option<String>,
        pub cancel_redirect: Option<String>,
        pub creator_agent: Option<String>,
        pub platform: Option<String>,
        pub product: Option<String>,
        pub created_from_ip: Option<String>,
        pub invoice_url: Option<String>,
        pub checkout_url: Option<String>,
        pub marked_as_paid: Option<bool>,
        pub order_id: Option<String>,
        pub upsell_campaigns: Option<Vec<String>>,
        pub referral_campaign_id: Option<String>,
        pub referral_code: Option<String>,
        pub referral_code_generated: Option<String>,
        pub referral_code_details: Option<Empty>,
        pub retain_level_details: Option<Empty>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Empty {}

    #[derive(Debug, Deserialize)]
    pub struct Client {
        pub email: String,
        pub phone: Option<String>,
        pub full_name: Option<String>,
        pub personal_code: Option<String>,
        pub street_address: Option<String>,
        pub country: Option<String>,
        pub city: Option<String>,
        pub zip_code: Option<String>,
        pub state: Option<String>,
        pub shipping_street_address: Option<String>,
        pub shipping_country: Option<String>,
        pub shipping_city: Option<String>,
        pub shipping_zip_code: Option<String>,
        pub shipping_state: Option<String>,
        pub cc: Option<Vec<String>>,
        pub bcc: Option<Vec<String>>,
        pub legal_name: Option<String>,
        pub brand_name: Option<String>,
        pub registration_number: Option<String>,
        pub tax_number: Option<String>,
        pub bank_account: Option<String>,
        pub bank_code: Option<String>,
        pub delivery_methods: Option<Vec<DeliveryMethod>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct DeliveryMethod {
        pub method: String,
        pub options: Option<Empty>,
    }

    #[derive(Debug, Deserialize)]
    pub struct PurchaseDetails {
        pub currency: Option<String>,
        pub products: Vec<Product>,
        pub total: Option<i64>,
        pub language: Option<String>,
        pub notes: Option<String>,
        pub debt: Option<i64>,
        pub subtotal_override: Option<i64>,
        pub total_tax_override: Option<i64>,
        pub total_discount_override: Option<i64>,
        pub total_override: Option<i64>,
        pub request_client_details: Option<Vec<String>>,
        pub timezone: Option<String>,
        pub due_strict: Option<bool>,
        pub email_message: Option<String>,
        pub shipping_options: Option<Vec<serde_json::Value>>,
        pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
        pub single_attempt: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Product {
        pub name: String,
        pub quantity: Option<String>,
        pub price: i64,
        pub discount: Option<i64>,
        pub tax_percent: Option<String>,
        pub category: Option<String>,
        pub total_price_override: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Payment {
        pub amount: Option<i64>,
        pub currency: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct IssuerDetails {
        pub website: Option<String>,
        pub legal_street_address: Option<String>,
        pub legal_country: Option<String>,
        pub legal_city: Option<String>,
        pub legal_zip_code: Option<String>,
        pub bank_accounts: Option<Vec<BankAccount>>,
        pub legal_name: Option<String>,
        pub brand_name: Option<String>,
        pub registration_number: Option<String>,
        pub tax_number: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct BankAccount {
        pub bank_account: Option<String>,
        pub bank_code: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct TransactionData {
        pub payment_method: Option<String>,
        pub extra: Option<serde_json::Map<String, serde_json::Value>>,
        pub country: Option<String>,
        pub attempts: Option<Vec<serde_json::Value>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct StatusHistoryEntry {
        pub status: String,
        pub timestamp: i64,
    }

    // Klarna Payments --------------------------------------------------------

    #[derive(Serialize)]
    pub struct PaymentRequestCreate<'a> {
        pub currency: &'a str,
        pub payment_amount: i64,
        pub config: ConfigCreate,
    }

    #[derive(Serialize)]
    pub struct ConfigCreate {}

    fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<Option<time::OffsetDateTime>, D::Error> {
        let s = String::deserialize(d)?;
        time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }

    #[derive(Debug, Deserialize)]
    pub struct PaymentRequest {
        pub payment_request_id: String,
        pub state: String,
        pub state_reason: Option<String>,
        #[serde(default, deserialize_with = "rfc3339")]
        pub state_expires_at: Option<time::OffsetDateTime>,
        #[serde(default, deserialize_with = "rfc3339")]
        pub expires_at: Option<time::OffsetDateTime>,
        #[serde(default, deserialize_with = "rfc3339")]
        pub created_at: Option<time::OffsetDateTime>,
        #[serde(default, deserialize_with = "rfc3339")]
        pub updated_at: Option<time::OffsetDateTime>,
        pub payment_request: Option<PaymentRequestData>,
    }

    #[derive(Debug, Deserialize)]
    pub struct PaymentRequestData {
        pub currency: String,
        pub payment_amount: i64,
        pub config: Option<Empty>,
    }

    // Klarna Customer Token --------------------------------------------------

    #[derive(Debug, Deserialize)]
    pub struct CustomerTokenDetails {
        pub card: Option<Card>,
        pub direct_debit: Option<DirectDebit>,
        pub payment_method_type: String,
        pub status: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct Card {
        pub brand: Option<String>,
        pub expiry_date: Option<String>,
        pub masked_number: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct DirectDebit {
        pub masked_number: Option<String>,
    }

    // PAYONE -----------------------------------------------------------------

    pub struct Preauthorization<'a> {
        pub reference: &'a str,
        pub amount: i64,
        pub currency: &'a str,
        pub lastname: &'a str,
        pub country: &'a str,
        pub financingtype: &'a str,
        pub successurl: &'a str,
        pub errorurl: &'a str,
        pub backurl: &'a str,
    }

    impl Preauthorization<'_> {
        /// Credentials first, like the client, then the request's own pairs.
        pub fn encode(&self, key_md5: &str) -> String {
            let amount = self.amount.to_string();
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("mid", PAYONE_MID)
                .append_pair("aid", PAYONE_AID)
                .append_pair("portalid", PAYONE_PORTAL)
                .append_pair("key", key_md5)
                .append_pair("api_version", "3.11")
                .append_pair("encoding", "UTF-8")
                .append_pair("mode", "test")
                .append_pair("request", "preauthorization")
                .append_pair("clearingtype", "fnc")
                .append_pair("reference", self.reference)
                .append_pair("amount", &amount)
                .append_pair("currency", self.currency)
                .append_pair("lastname", self.lastname)
                .append_pair("country", self.country)
                .append_pair("financingtype", self.financingtype)
                .append_pair("successurl", self.successurl)
                .append_pair("errorurl", self.errorurl)
                .append_pair("backurl", self.backurl)
                .finish()
        }
    }

    #[derive(Debug)]
    pub struct PreauthResponse {
        pub status: String,
        pub redirecturl: Option<String>,
        pub txid: Option<i64>,
        pub userid: Option<i64>,
    }

    pub fn parse_preauth(body: &[u8]) -> Result<PreauthResponse, String> {
        let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
        let mut r = PreauthResponse {
            status: String::new(),
            redirecturl: None,
            txid: None,
            userid: None,
        };
        for line in text.lines() {
            let Some((k, v)) = line.trim_end_matches('\r').split_once('=') else {
                continue;
            };
            match k {
                "status" => r.status = v.to_string(),
                "redirecturl" => r.redirecturl = Some(v.to_string()),
                "txid" => r.txid = Some(v.parse().map_err(|_| "txid")?),
                "userid" => r.userid = Some(v.parse().map_err(|_| "userid")?),
                _ => {}
            }
        }
        Ok(r)
    }

    // Klavi ------------------------------------------------------------------

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PaymentStatus {
        pub id: Option<String>,
        pub client_request_id: Option<String>,
        pub amount: Option<String>,
        pub currency: Option<String>,
        pub status: Option<String>,
        pub status_reason: Option<StatusReason>,
        pub status_update_at: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct StatusReason {
        pub code: Option<String>,
        pub message: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Token {
        pub access_token: String,
    }

    /// One path segment, percent-encoded (what a careful hand-written client does).
    pub fn segment(value: &str) -> percent_encoding::PercentEncode<'_> {
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~')
            .remove(b':')
            .remove(b'@');
        percent_encoding::utf8_percent_encode(value, SEGMENT)
    }
}

// ---------------------------------------------------------------------------
// Request values, generated and hand-written
// ---------------------------------------------------------------------------

fn klix_purchase() -> klix::Purchase {
    klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![
            klix::Product::new("Xiaomi Mi Smart Band 5", 3000),
            klix::Product::new("Screen protector for Xiaomi Mi Smart Band 5", 100),
        ])
        .language("lv"),
        KLIX_BRAND,
    )
    .success_callback(SUCCESS_CALLBACK)
    .success_redirect(SUCCESS_REDIRECT)
    .failure_redirect(FAILURE_REDIRECT)
    .cancel_redirect(CANCEL_REDIRECT)
    .reference("Your order id")
}

fn hand_purchase() -> hand::PurchaseCreate<'static> {
    hand::PurchaseCreate {
        success_callback: SUCCESS_CALLBACK,
        success_redirect: SUCCESS_REDIRECT,
        failure_redirect: FAILURE_REDIRECT,
        cancel_redirect: CANCEL_REDIRECT,
        purchase: hand::PurchaseDetailsCreate {
            language: "lv",
            products: vec![
                hand::ProductCreate {
                    price: 3000,
                    name: "Xiaomi Mi Smart Band 5",
                },
                hand::ProductCreate {
                    price: 100,
                    name: "Screen protector for Xiaomi Mi Smart Band 5",
                },
            ],
        },
        client: hand::ClientCreate {
            email: "test@test.com",
        },
        brand_id: KLIX_BRAND,
        reference: "Your order id",
    }
}

fn kp_body() -> kp::PaymentRequestData {
    kp::PaymentRequestData::new(kp::Currency::Usd, 1000).config(kp::PaymentRequestConfig::new())
}

fn hand_kp_body() -> hand::PaymentRequestCreate<'static> {
    hand::PaymentRequestCreate {
        currency: "USD",
        payment_amount: 1000,
        config: hand::ConfigCreate {},
    }
}

fn payone_request() -> payone::PreauthorizeRequest {
    payone::PreauthorizeRequest::new(
        "Ref123456",
        300,
        "EUR",
        "Mustermann",
        "DE",
        payone::Financingtype::Kis,
        PAYONE_URL,
        PAYONE_URL,
        PAYONE_URL,
    )
}

fn hand_payone_request() -> hand::Preauthorization<'static> {
    hand::Preauthorization {
        reference: "Ref123456",
        amount: 300,
        currency: "EUR",
        lastname: "Mustermann",
        country: "DE",
        financingtype: "KIS",
        successurl: PAYONE_URL,
        errorurl: PAYONE_URL,
        backurl: PAYONE_URL,
    }
}

/// The credentials and common pairs the PAYONE client puts first in every body.
fn payone_base_form() -> Form {
    let mut base = Form::new();
    base.push("mid", PAYONE_MID);
    base.push("aid", PAYONE_AID);
    base.push("portalid", PAYONE_PORTAL);
    base.push_secret(
        "key",
        &runtime::KeyHash::Md5.digest(&runtime::SecretString::from(PAYONE_KEY.to_string())),
    );
    base.push("api_version", "3.11");
    base.push("encoding", "UTF-8");
    base.push("mode", "test");
    base
}

/// What `payone::Client::preauthorize` does before sending: validate, then
/// the base pairs, the fixed pairs and the request's pairs (the same pushes
/// as the generated, private `encode`), then `Form::encode`.
fn payone_encode(base: &Form, request: &payone::PreauthorizeRequest) -> String {
    request.validate().expect("valid request");
    let mut form = base.clone();
    form.push("request", "preauthorization");
    form.push("clearingtype", "fnc");
    form.push("reference", &request.reference);
    form.push("amount", &request.amount);
    form.push("currency", &request.currency);
    form.push_opt("customerid", &request.customerid);
    form.push_opt("userid", &request.userid);
    form.push_opt("firstname", &request.firstname);
    form.push("lastname", &request.lastname);
    form.push_opt("street", &request.street);
    form.push_opt("zip", &request.zip);
    form.push_opt("city", &request.city);
    form.push("country", &request.country);
    form.push_opt("email", &request.email);
    form.push_opt("birthday", &request.birthday);
    form.push_opt("gender", &request.gender);
    form.push("financingtype", &request.financingtype);
    form.push("successurl", &request.successurl);
    form.push("errorurl", &request.errorurl);
    form.push("backurl", &request.backurl);
    form.push_opt("workorderid", &request.workorderid);
    form.push_opt(
        "add_paydata[authorization_token]",
        &request.authorization_token,
    );
    form.encode()
}

/// What the client does with the answer: `key=value` lines, then the variant by `status`.
fn payone_decode(body: &[u8]) -> payone::PreauthorizeResponse {
    let kv = KeyValues::parse_lines(body);
    match kv.get("status") {
        Some("REDIRECT") => payone::PreauthorizeRedirect::from_kv(&kv)
            .map(payone::PreauthorizeResponse::Redirect)
            .expect("documented answer"),
        Some("APPROVED") => payone::PreauthorizeApproved::from_kv(&kv)
            .map(payone::PreauthorizeResponse::Approved)
            .expect("documented answer"),
        other => panic!("unexpected status {other:?}"),
    }
}

/// The success path of `runtime::Response::json` (a plain `from_slice`).
fn decode_as_client<T: serde::de::DeserializeOwned>(body: &[u8]) -> T {
    // `Response::json` decodes directly and tracks the JSON path only when
    // that fails, so a documented answer costs a plain `from_slice`.
    serde_json::from_slice(body).expect("documented answer decodes")
}

// ---------------------------------------------------------------------------
// (a) Client-side work, no network
// ---------------------------------------------------------------------------

fn client_side(c: &mut Criterion) {
    // Klix: create_purchase ---------------------------------------------------
    {
        let body = KLIX_PURCHASE_RESPONSE.as_bytes();
        let mut g = c.benchmark_group("client_side/klix_create_purchase");
        let encode = || {
            let mut req = Request::new("create_purchase", Method::POST);
            req.path("/purchases/");
            req.json(&klix_purchase());
            req
        };
        let hand_encode = || {
            let url = format!("{}/purchases/", "https://portal.klix.app/api/v1");
            let bytes = serde_json::to_vec(&hand_purchase()).unwrap();
            (url, bytes)
        };
        g.bench_function("generated/encode", |b| b.iter(|| black_box(encode())));
        g.bench_function("handwritten/encode", |b| {
            b.iter(|| black_box(hand_encode()))
        });
        g.bench_function("generated/decode", |b| {
            b.iter(|| serde_json::from_slice::<klix::Purchase>(black_box(body)).unwrap())
        });
        g.bench_function("generated/decode_as_client", |b| {
            b.iter(|| decode_as_client::<klix::Purchase>(black_box(body)))
        });
        g.bench_function("handwritten/decode", |b| {
            b.iter(|| serde_json::from_slice::<hand::Purchase>(black_box(body)).unwrap())
        });
        g.bench_function("generated/encode+decode", |b| {
            b.iter(|| {
                black_box(encode());
                decode_as_client::<klix::Purchase>(black_box(body))
            })
        });
        g.bench_function("handwritten/encode+decode", |b| {
            b.iter(|| {
                black_box(hand_encode());
                serde_json::from_slice::<hand::Purchase>(black_box(body)).unwrap()
            })
        });
        g.finish();
    }

    // Klarna Payments: create_payment_request ----------------------------------
    {
        let body = KP_PAYMENT_REQUEST_RESPONSE.as_bytes();
        let mut g = c.benchmark_group("client_side/klarna_payments_create_payment_request");
        let encode = || {
            let params = kp::CreatePaymentRequestParams::new();
            let mut req = Request::new("create_payment_request", Method::POST);
            req.path("/v1/payment/requests");
            req.header("klarna-idempotency-key", &params.klarna_idempotency_key);
            req.json(&kp_body());
            req
        };
        let hand_encode = || {
            let url = format!("{}/v1/payment/requests", "https://api-global.klarna.com");
            let bytes = serde_json::to_vec(&hand_kp_body()).unwrap();
            (url, bytes)
        };
        g.bench_function("generated/encode", |b| b.iter(|| black_box(encode())));
        g.bench_function("handwritten/encode", |b| {
            b.iter(|| black_box(hand_encode()))
        });
        g.bench_function("generated/decode", |b| {
            b.iter(|| serde_json::from_slice::<kp::PaymentRequest>(black_box(body)).unwrap())
        });
        g.bench_function("generated/decode_as_client", |b| {
            b.iter(|| decode_as_client::<kp::PaymentRequest>(black_box(body)))
        });
        g.bench_function("handwritten/decode", |b| {
            b.iter(|| serde_json::from_slice::<hand::PaymentRequest>(black_box(body)).unwrap())
        });
        g.bench_function("generated/encode+decode", |b| {
            b.iter(|| {
                black_box(encode());
                decode_as_client::<kp::PaymentRequest>(black_box(body))
            })
        });
        g.bench_function("handwritten/encode+decode", |b| {
            b.iter(|| {
                black_box(hand_encode());
                serde_json::from_slice::<hand::PaymentRequest>(black_box(body)).unwrap()
            })
        });
        g.finish();
    }

    // Klarna Customer Token: read_customer_token (GET, no body) ----------------
    {
        let body = KCT_TOKEN_RESPONSE.as_bytes();
        let mut g = c.benchmark_group("client_side/klarna_customer_token_read_customer_token");
        let encode = || {
            let mut req = Request::new("read_customer_token", Method::GET);
            req.path("/customer-token/v1/tokens/");
            req.segment("customerToken", black_box(KCT_TOKEN));
            req
        };
        let hand_encode = || {
            format!(
                "{}/customer-token/v1/tokens/{}",
                "https://api.klarna.com",
                hand::segment(black_box(KCT_TOKEN))
            )
        };
        g.bench_function("generated/encode", |b| b.iter(|| black_box(encode())));
        g.bench_function("handwritten/encode", |b| {
            b.iter(|| black_box(hand_encode()))
        });
        g.bench_function("generated/decode", |b| {
            b.iter(|| serde_json::from_slice::<kct::CustomerTokenDetails>(black_box(body)).unwrap())
        });
        g.bench_function("generated/decode_as_client", |b| {
            b.iter(|| decode_as_client::<kct::CustomerTokenDetails>(black_box(body)))
        });
        g.bench_function("handwritten/decode", |b| {
            b.iter(|| {
                serde_json::from_slice::<hand::CustomerTokenDetails>(black_box(body)).unwrap()
            })
        });
        g.bench_function("generated/encode+decode", |b| {
            b.iter(|| {
                black_box(encode());
                decode_as_client::<kct::CustomerTokenDetails>(black_box(body))
            })
        });
        g.bench_function("handwritten/encode+decode", |b| {
            b.iter(|| {
                black_box(hand_encode());
                serde_json::from_slice::<hand::CustomerTokenDetails>(black_box(body)).unwrap()
            })
        });
        g.finish();
    }

    // PAYONE: preauthorize (form body, key=value answer) ------------------------
    {
        let body = PAYONE_PREAUTH_RESPONSE.as_bytes();
        let base = payone_base_form();
        let key_md5 = payone_base_form()
            .encode()
            .split('&')
            .find_map(|p| p.strip_prefix("key=").map(str::to_string))
            .expect("key pair");
        let mut g = c.benchmark_group("client_side/payone_preauthorize");
        g.bench_function("generated/encode", |b| {
            b.iter(|| payone_encode(&base, &payone_request()))
        });
        g.bench_function("handwritten/encode", |b| {
            b.iter(|| hand_payone_request().encode(&key_md5))
        });
        g.bench_function("generated/decode", |b| {
            b.iter(|| payone_decode(black_box(body)))
        });
        g.bench_function("handwritten/decode", |b| {
            b.iter(|| hand::parse_preauth(black_box(body)).unwrap())
        });
        g.bench_function("generated/encode+decode", |b| {
            b.iter(|| {
                black_box(payone_encode(&base, &payone_request()));
                payone_decode(black_box(body))
            })
        });
        g.bench_function("handwritten/encode+decode", |b| {
            b.iter(|| {
                black_box(hand_payone_request().encode(&key_md5));
                hand::parse_preauth(black_box(body)).unwrap()
            })
        });
        g.finish();
    }

    // Klavi: get_payment_status (GET, no body) ---------------------------------
    {
        let body = KLAVI_STATUS_RESPONSE.as_bytes();
        let mut g = c.benchmark_group("client_side/klavi_get_payment_status");
        let encode = || {
            let mut req = Request::new("get_payment_status", Method::GET);
            req.path("/payment/customer/v1/instant/payments/");
            req.segment("id", black_box(KLAVI_PAYMENT_ID));
            req.path("/status");
            req
        };
        let hand_encode = || {
            format!(
                "{}/payment/customer/v1/instant/payments/{}/status",
                "https://api-sandbox.klavi.ai",
                hand::segment(black_box(KLAVI_PAYMENT_ID))
            )
        };
        g.bench_function("generated/encode", |b| b.iter(|| black_box(encode())));
        g.bench_function("handwritten/encode", |b| {
            b.iter(|| black_box(hand_encode()))
        });
        g.bench_function("generated/decode", |b| {
            b.iter(|| serde_json::from_slice::<klavi::PaymentStatus>(black_box(body)).unwrap())
        });
        g.bench_function("generated/decode_as_client", |b| {
            b.iter(|| decode_as_client::<klavi::PaymentStatus>(black_box(body)))
        });
        g.bench_function("handwritten/decode", |b| {
            b.iter(|| serde_json::from_slice::<hand::PaymentStatus>(black_box(body)).unwrap())
        });
        g.bench_function("generated/encode+decode", |b| {
            b.iter(|| {
                black_box(encode());
                decode_as_client::<klavi::PaymentStatus>(black_box(body))
            })
        });
        g.bench_function("handwritten/encode+decode", |b| {
            b.iter(|| {
                black_box(hand_encode());
                serde_json::from_slice::<hand::PaymentStatus>(black_box(body)).unwrap()
            })
        });
        g.finish();
    }
}

// ---------------------------------------------------------------------------
// (b) Loopback: a fixed HTTP/1.1 keep-alive answer per route
// ---------------------------------------------------------------------------

/// A route: requests whose path starts with `prefix` get `response`.
struct Route {
    prefix: &'static str,
    response: Vec<u8>,
}

fn http_response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Where the client and the responder run (`PER_CALL_CPUS`, module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Client on the first CPU, responder on the last.
    Split,
    /// Both on the first CPU.
    One,
    /// Wherever the scheduler puts them.
    Any,
}

/// Which end of a loopback call a thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Client,
    Responder,
}

impl Placement {
    fn get() -> Placement {
        match std::env::var("PER_CALL_CPUS").as_deref() {
            Ok("split") | Err(_) => Placement::Split,
            Ok("one") => Placement::One,
            Ok("any") => Placement::Any,
            Ok(other) => panic!("PER_CALL_CPUS is split, one or any, not {other:?}"),
        }
    }

    /// Pins the calling thread for its role; on one CPU every placement is
    /// the same, and a machine that refuses pinning runs unpinned.
    fn pin(self, role: Role) {
        // The CPUs the process may use, read before the first pin: a thread
        // inherits its parent's pin, so a later read would see one CPU.
        static CPUS: std::sync::OnceLock<Option<Vec<core_affinity::CoreId>>> =
            std::sync::OnceLock::new();
        let Some(cpus) = CPUS.get_or_init(core_affinity::get_core_ids) else {
            return;
        };
        let (Some(&first), Some(&last)) = (cpus.first(), cpus.last()) else {
            return;
        };
        let cpu = match (self, role) {
            (Placement::Any, _) => return,
            (Placement::Split, Role::Responder) => last,
            (Placement::Split, Role::Client) | (Placement::One, _) => first,
        };
        core_affinity::set_for_current(cpu);
    }
}

/// Starts the responder on an ephemeral port of 127.0.0.1 and returns its
/// base URL. The threads live until the bench process exits.
fn serve(routes: Vec<Route>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let routes = Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let routes = Arc::clone(&routes);
            std::thread::spawn(move || {
                Placement::get().pin(Role::Responder);
                let _ = connection(stream, &routes);
            });
        }
    });
    format!("http://{addr}")
}

fn connection(stream: TcpStream, routes: &[Route]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        // Request line.
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split(' ').nth(1).unwrap_or("/").to_string();
        // Headers.
        let mut content_length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    content_length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        body.resize(content_length, 0);
        reader.read_exact(&mut body)?;
        let route = routes
            .iter()
            .find(|r| path.starts_with(r.prefix))
            .or(routes.last())
            .expect("at least one route");
        writer.write_all(&route.response)?;
    }
}

/// A server like [`serve`] on Tokio (one thread, a task per connection), for
/// the concurrent benchmarks: a thousand connections, without a thousand
/// server threads competing with the clients for the two cores.
fn serve_async(routes: Vec<Route>) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("local address");
    let routes = Arc::new(routes);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let routes = Arc::clone(&routes);
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let (read, mut write) = stream.into_split();
                    let mut reader = tokio::io::BufReader::new(read);
                    let mut line = String::new();
                    let mut body = Vec::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                        let mut content_length = 0usize;
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            let l = line.trim_end();
                            if l.is_empty() {
                                break;
                            }
                            if let Some((k, v)) = l.split_once(':') {
                                if k.eq_ignore_ascii_case("content-length") {
                                    content_length = v.trim().parse().unwrap_or(0);
                                }
                            }
                        }
                        body.resize(content_length, 0);
                        if reader.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        let route = routes
                            .iter()
                            .find(|r| path.starts_with(r.prefix))
                            .or(routes.last())
                            .expect("at least one route");
                        if write.write_all(&route.response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    format!("http://{addr}")
}

/// The hand-written client a careful integrator writes: one
/// `reqwest::Client` with the same timeouts and redirect policy as the
/// generated clients' defaults, a status check and a typed decode per call.
fn handwritten_http() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("handwritten/0")
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// A hand-written bearer-token cache: the token and when to stop using it,
/// read under a lock held for the check only.
struct HandToken {
    cached: std::sync::RwLock<(reqwest::header::HeaderValue, std::time::Instant)>,
}

impl HandToken {
    fn header(&self) -> reqwest::header::HeaderValue {
        let guard = self.cached.read().expect("not poisoned");
        assert!(
            std::time::Instant::now() < guard.1,
            "the token lives for the benchmark"
        );
        guard.0.clone()
    }
}

/// The clients, URLs and credentials of every loopback case.
struct Loopback {
    http: reqwest::Client,
    klix: klix::Client,
    klix_url: String,
    klix_auth: String,
    kp: kp::Client,
    kp_base: String,
    kp_create_url: String,
    kp_auth: String,
    kct: kct::Client,
    kct_base: String,
    kct_auth: String,
    payone: payone::Client,
    payone_url: String,
    payone_key_md5: String,
    klavi: klavi::Client,
    klavi_base: String,
    klavi_token: HandToken,
}

/// One call through the generated client or its hand-written twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Klix,
    KlarnaPayments,
    KlarnaPaymentsRead,
    CustomerToken,
    Payone,
    Klavi,
}

const KP_REQUEST_ID: &str = "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4";

impl Loopback {
    /// Servers and clients; `serve` starts each provider's responder.
    fn new(rt: &tokio::runtime::Runtime, serve: fn(Vec<Route>) -> String) -> Self {
        let http = handwritten_http();

        let klix_base = serve(vec![Route {
            prefix: "/",
            response: http_response(201, "application/json", KLIX_PURCHASE_RESPONSE),
        }]);
        let klix =
            klix::Client::new(klix::Config::new(KLIX_SECRET).base_url(klix_base.clone())).unwrap();

        let kp_base = serve(vec![Route {
            prefix: "/",
            response: http_response(201, "application/json", KP_PAYMENT_REQUEST_RESPONSE),
        }]);
        let kp = kp::Client::new(kp::Config::new(KP_API_KEY).base_url(kp_base.clone())).unwrap();

        let kct_base = serve(vec![Route {
            prefix: "/",
            response: http_response(200, "application/json", KCT_TOKEN_RESPONSE),
        }]);
        let kct =
            kct::Client::new(kct::Config::new(KCT_USER, KCT_PASSWORD).base_url(kct_base.clone()))
                .unwrap();
        let kct_auth = {
            use base64::Engine as _;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{KCT_USER}:{KCT_PASSWORD}"))
            )
        };

        let payone_base = serve(vec![Route {
            prefix: "/",
            response: http_response(200, "text/plain; charset=UTF-8", PAYONE_PREAUTH_RESPONSE),
        }]);
        let payone = payone::Client::new(
            payone::Config::new(
                PAYONE_MID,
                PAYONE_AID,
                PAYONE_PORTAL,
                PAYONE_KEY.to_string(),
            )
            .base_url(format!("{payone_base}/post-gateway")),
        )
        .unwrap();
        let payone_key_md5 = payone_base_form()
            .encode()
            .split('&')
            .find_map(|p| p.strip_prefix("key=").map(str::to_string))
            .expect("key pair");

        let klavi_base = serve(vec![
            Route {
                prefix: "/payment/customer/v1/auth",
                response: http_response(200, "application/json", KLAVI_TOKEN_RESPONSE),
            },
            Route {
                prefix: "/",
                response: http_response(200, "application/json", KLAVI_STATUS_RESPONSE),
            },
        ]);
        let klavi =
            klavi::Client::new(klavi::Config::new("access", "secret").base_url(klavi_base.clone()))
                .unwrap();
        // Both sides fetch the token once; the calls measured use the cache.
        let klavi_token = rt.block_on(async {
            let resp = http
                .post(format!("{klavi_base}/payment/customer/v1/auth"))
                .header("content-type", "application/json")
                .body(r#"{"accessKey":"access","secretKey":"secret"}"#)
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            let token: hand::Token = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            let mut header =
                reqwest::header::HeaderValue::try_from(format!("Bearer {}", token.access_token))
                    .unwrap();
            header.set_sensitive(true);
            HandToken {
                cached: std::sync::RwLock::new((
                    header,
                    std::time::Instant::now() + std::time::Duration::from_secs(3000),
                )),
            }
        });
        let this = Loopback {
            http,
            klix,
            klix_url: format!("{klix_base}/purchases/"),
            klix_auth: format!("Bearer {KLIX_SECRET}"),
            kp,
            kp_create_url: format!("{kp_base}/v1/payment/requests"),
            kp_base,
            kp_auth: format!("Basic {KP_API_KEY}"),
            kct,
            kct_base,
            kct_auth,
            payone,
            payone_url: format!("{payone_base}/post-gateway/"),
            payone_key_md5,
            klavi,
            klavi_base,
            klavi_token,
        };
        // Warm both sides (connections, the generated client's token).
        rt.block_on(async {
            for case in Case::ALL {
                this.generated(case).await;
                this.handwritten(case).await;
            }
        });
        this
    }

    async fn generated(&self, case: Case) {
        match case {
            Case::Klix => {
                black_box(self.klix.create_purchase(klix_purchase()).await.unwrap());
            }
            Case::KlarnaPayments => {
                black_box(
                    self.kp
                        .create_payment_request(kp::CreatePaymentRequestParams::new(), kp_body())
                        .await
                        .unwrap(),
                );
            }
            Case::KlarnaPaymentsRead => {
                black_box(self.kp.read_payment_request(KP_REQUEST_ID).await.unwrap());
            }
            Case::CustomerToken => {
                black_box(self.kct.read_customer_token(KCT_TOKEN).await.unwrap());
            }
            Case::Payone => {
                black_box(self.payone.preauthorize(payone_request()).await.unwrap());
            }
            Case::Klavi => {
                black_box(
                    self.klavi
                        .get_payment_status(KLAVI_PAYMENT_ID)
                        .await
                        .unwrap(),
                );
            }
        }
    }

    async fn handwritten(&self, case: Case) {
        match case {
            Case::Klix => {
                let resp = self
                    .http
                    .post(&self.klix_url)
                    .header("authorization", &self.klix_auth)
                    .header("accept", "application/json")
                    .header("content-type", "application/json")
                    .body(serde_json::to_vec(&hand_purchase()).unwrap())
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let bytes = resp.bytes().await.unwrap();
                black_box(serde_json::from_slice::<hand::Purchase>(&bytes).unwrap());
            }
            Case::KlarnaPayments => {
                let resp = self
                    .http
                    .post(&self.kp_create_url)
                    .header("authorization", &self.kp_auth)
                    .header("accept", "application/json")
                    .header("content-type", "application/json")
                    .header("klarna-idempotency-key", uuid::Uuid::new_v4().to_string())
                    .body(serde_json::to_vec(&hand_kp_body()).unwrap())
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let bytes = resp.bytes().await.unwrap();
                black_box(serde_json::from_slice::<hand::PaymentRequest>(&bytes).unwrap());
            }
            Case::KlarnaPaymentsRead => {
                let url = format!(
                    "{}/v1/payment/requests/{}",
                    self.kp_base,
                    hand::segment(KP_REQUEST_ID)
                );
                let resp = self
                    .http
                    .get(&url)
                    .header("authorization", &self.kp_auth)
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let bytes = resp.bytes().await.unwrap();
                black_box(serde_json::from_slice::<hand::PaymentRequest>(&bytes).unwrap());
            }
            Case::CustomerToken => {
                let url = format!(
                    "{}/customer-token/v1/tokens/{}",
                    self.kct_base,
                    hand::segment(KCT_TOKEN)
                );
                let resp = self
                    .http
                    .get(&url)
                    .header("authorization", &self.kct_auth)
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let bytes = resp.bytes().await.unwrap();
                black_box(serde_json::from_slice::<hand::CustomerTokenDetails>(&bytes).unwrap());
            }
            Case::Payone => {
                let resp = self
                    .http
                    .post(&self.payone_url)
                    .header("accept", "application/json")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(hand_payone_request().encode(&self.payone_key_md5))
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let bytes = resp.bytes().await.unwrap();
                black_box(hand::parse_preauth(&bytes).unwrap());
            }
            Case::Klavi => {
                let url = format!(
                    "{}/payment/customer/v1/instant/payments/{}/status",
                    self.klavi_base,
                    hand::segment(KLAVI_PAYMENT_ID)
                );
                let resp = self
                    .http
                    .get(&url)
                    .header("authorization", self.klavi_token.header())
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let bytes = resp.bytes().await.unwrap();
                black_box(serde_json::from_slice::<hand::PaymentStatus>(&bytes).unwrap());
            }
        }
    }
}

impl Case {
    const ALL: [Case; 6] = [
        Case::Klix,
        Case::KlarnaPayments,
        Case::KlarnaPaymentsRead,
        Case::CustomerToken,
        Case::Payone,
        Case::Klavi,
    ];

    /// The benchmark group of a single call (`None`: concurrent only).
    fn group(self) -> Option<&'static str> {
        Some(match self {
            Case::Klix => "loopback/klix_create_purchase",
            Case::KlarnaPayments => "loopback/klarna_payments_create_payment_request",
            Case::KlarnaPaymentsRead => return None,
            Case::CustomerToken => "loopback/klarna_customer_token_read_customer_token",
            Case::Payone => "loopback/payone_preauthorize",
            Case::Klavi => "loopback/klavi_get_payment_status",
        })
    }

    fn name(self) -> &'static str {
        match self {
            Case::Klix => "klix",
            Case::KlarnaPayments => "klarna_payments",
            Case::KlarnaPaymentsRead => "klarna_payments_read",
            Case::CustomerToken => "klarna_customer_token",
            Case::Payone => "payone",
            Case::Klavi => "klavi",
        }
    }
}

/// Pins the calling thread for the rest of the process (a pin cannot be
/// undone through `core_affinity`), so it runs after the benchmarks that need
/// both CPUs.
fn loopback(c: &mut Criterion) {
    Placement::get().pin(Role::Client);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cases = Loopback::new(&rt, serve);
    for case in Case::ALL {
        let Some(group) = case.group() else { continue };
        let mut g = c.benchmark_group(group);
        g.bench_function("generated", |b| {
            b.iter(|| rt.block_on(cases.generated(case)))
        });
        g.bench_function("handwritten_reqwest", |b| {
            b.iter(|| rt.block_on(cases.handwritten(case)))
        });
        g.finish();
    }
}

/// How many calls run at once in the concurrent benchmarks.
const CONCURRENT_CALLS: usize = 1000;

/// 1,000 calls at once through one shared client (and one shared
/// hand-written `reqwest::Client` with its token cache), on a two-worker
/// runtime: throughput, calls per second.
fn concurrent(c: &mut Criterion) {
    let rt = two_worker_runtime();
    let cases = Arc::new(Loopback::new(&rt, serve_async));
    for case in [Case::KlarnaPaymentsRead, Case::Klavi] {
        let mut g = c.benchmark_group(format!("concurrent/{}", case.name()));
        g.throughput(criterion::Throughput::Elements(CONCURRENT_CALLS as u64));
        g.sample_size(20);
        // The first round opens the connections; the measured ones reuse them.
        rt.block_on(many(&cases, case, true));
        rt.block_on(many(&cases, case, false));
        g.bench_function("generated", |b| {
            b.iter(|| rt.block_on(many(&cases, case, true)))
        });
        g.bench_function("handwritten_reqwest", |b| {
            b.iter(|| rt.block_on(many(&cases, case, false)))
        });
        g.finish();
    }
}

/// The runtime the concurrency cases run on: two workers, as many as the
/// machine has cores.
fn two_worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// [`CONCURRENT_CALLS`] calls of `case` as tasks of their own, awaited together.
async fn many(cases: &Arc<Loopback>, case: Case, generated: bool) {
    let tasks: Vec<_> = (0..CONCURRENT_CALLS)
        .map(|_| {
            let cases = Arc::clone(cases);
            tokio::spawn(async move {
                if generated {
                    cases.generated(case).await
                } else {
                    cases.handwritten(case).await
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("call task");
    }
}

/// `PER_CALL_PROFILE=<case>/<generated|handwritten>:<calls>`: makes that many
/// calls and exits, for `valgrind --tool=callgrind` (instruction counts do
/// not move with the machine's load). With 0 calls, only the setup runs.
fn profile(spec: &str) {
    let (what, n) = spec.split_once(':').expect("<case>/<side>:<calls>");
    let (name, side) = what.split_once('/').expect("<case>/<side>");
    let n: usize = n.parse().expect("a number of calls");
    let case = Case::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .expect("a case name");
    Placement::get().pin(Role::Client);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cases = Loopback::new(&rt, serve);
    rt.block_on(async {
        for _ in 0..n {
            match side {
                "generated" => cases.generated(case).await,
                "handwritten" => cases.handwritten(case).await,
                other => panic!("unknown side {other}"),
            }
        }
    });
}

/// The documented bodies decode into the same values with both sets of
/// types: the baselines measure the same work.
fn sanity() {
    let g: klix::Purchase = decode_as_client(KLIX_PURCHASE_RESPONSE.as_bytes());
    let h: hand::Purchase = serde_json::from_str(KLIX_PURCHASE_RESPONSE).unwrap();
    assert_eq!(g.brand_id, h.brand_id);
    assert_eq!(g.purchase.total, h.purchase.total);
    let g: kp::PaymentRequest = decode_as_client(KP_PAYMENT_REQUEST_RESPONSE.as_bytes());
    let h: hand::PaymentRequest = serde_json::from_str(KP_PAYMENT_REQUEST_RESPONSE).unwrap();
    assert_eq!(g.created_at.map(|d| d.0), h.created_at);
    let g = payone_decode(PAYONE_PREAUTH_RESPONSE.as_bytes());
    let h = hand::parse_preauth(PAYONE_PREAUTH_RESPONSE.as_bytes()).unwrap();
    let payone::PreauthorizeResponse::Redirect(r) = g else {
        panic!("a redirect")
    };
    assert_eq!(r.txid, h.txid);
    // Same pairs in the same order on both sides.
    let key_md5 = payone_base_form()
        .encode()
        .split('&')
        .find_map(|p| p.strip_prefix("key=").map(str::to_string))
        .unwrap();
    assert_eq!(
        payone_encode(&payone_base_form(), &payone_request()),
        hand_payone_request().encode(&key_md5)
    );
    let s: klavi::PaymentStatus = decode_as_client(KLAVI_STATUS_RESPONSE.as_bytes());
    assert_eq!(s.amount.map(|a| a.minor()), Some(133304));
}

fn benches(c: &mut Criterion) {
    sanity();
    client_side(c);
    // `loopback` pins this thread to one CPU: it goes last.
    concurrent(c);
    loopback(c);
}

criterion_group!(per_call, benches);

/// The median of a side's samples (at least one).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `PER_CALL_PAIRED=<rounds>`: each round makes one generated and one
/// hand-written call of every case, alternating which goes first, and times
/// each; prints the median of each side and the overhead. Pairing the calls
/// cancels the drift of a shared machine's load, which moves criterion's
/// separate runs of the two sides by more than the difference measured.
///
/// `PER_CALL_PAIRED_BLOCK=<calls>` (default 1) makes each side's turn that
/// many calls in a row, as criterion's loops do: then each side runs with
/// its own code and data warm in the caches, instead of after the other's.
/// The two measure different things and do not agree (README, Performance).
fn paired(rounds: usize, block: usize) {
    Placement::get().pin(Role::Client);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cases = Loopback::new(&rt, serve);
    println!(
        "{:<24} {:>12} {:>12} {:>9}",
        "case", "generated", "handwritten", "overhead"
    );
    for case in Case::ALL {
        let (mut g, mut h) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
        rt.block_on(async {
            for i in 0..rounds.div_ceil(block) {
                for first in [i % 2 == 0, i % 2 != 0] {
                    for _ in 0..block {
                        let t = std::time::Instant::now();
                        if first {
                            cases.generated(case).await;
                            g.push(t.elapsed().as_secs_f64() * 1e6);
                        } else {
                            cases.handwritten(case).await;
                            h.push(t.elapsed().as_secs_f64() * 1e6);
                        }
                    }
                }
            }
        });
        let (mg, mh) = (median(&mut g), median(&mut h));
        println!(
            "{:<24} {:>9.1} µs {:>9.1} µs {:>+8.1}%",
            case.name(),
            mg,
            mh,
            (mg / mh - 1.0) * 100.0
        );
    }
}

/// `PER_CALL_CONCURRENT_PAIRED=<rounds>`: each round runs one batch of
/// [`CONCURRENT_CALLS`] concurrent calls through the generated client and
/// one through the hand-written one, alternating which goes first, and
/// prints the median throughput of each side. Criterion's separate runs of
/// the two sides drift apart by ±20% on a shared machine; paired batches
/// see the same load.
fn concurrent_paired(rounds: usize) {
    let rt = two_worker_runtime();
    let cases = Arc::new(Loopback::new(&rt, serve_async));
    println!(
        "{:<24} {:>16} {:>16} {:>9}",
        "case", "generated", "handwritten", "ratio"
    );
    for case in [Case::KlarnaPaymentsRead, Case::Klavi] {
        rt.block_on(many(&cases, case, true));
        rt.block_on(many(&cases, case, false));
        let (mut g, mut h) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
        for i in 0..rounds {
            for generated in [i % 2 == 0, i % 2 != 0] {
                let t = std::time::Instant::now();
                rt.block_on(many(&cases, case, generated));
                let per_second = CONCURRENT_CALLS as f64 / t.elapsed().as_secs_f64();
                if generated {
                    g.push(per_second)
                } else {
                    h.push(per_second)
                }
            }
        }
        let (mg, mh) = (median(&mut g), median(&mut h));
        println!(
            "{:<24} {:>10.0} calls/s {:>8.0} calls/s {:>+8.1}%",
            case.name(),
            mg,
            mh,
            (mg / mh - 1.0) * 100.0
        );
    }
}

fn main() {
    if let Ok(rounds) = std::env::var("PER_CALL_CONCURRENT_PAIRED") {
        concurrent_paired(rounds.parse().expect("a number of rounds"));
        return;
    }
    if let Ok(spec) = std::env::var("PER_CALL_PROFILE") {
        profile(&spec);
        return;
    }
    if let Ok(rounds) = std::env::var("PER_CALL_PAIRED") {
        let block = std::env::var("PER_CALL_PAIRED_BLOCK")
            .map_or(1, |b| b.parse().expect("a number of calls per block"));
        assert!(block > 0, "PER_CALL_PAIRED_BLOCK is at least 1");
        paired(rounds.parse().expect("a number of rounds"), block);
        return;
    }
    per_call();
    Criterion::default().configure_from_args().final_summary();
}
