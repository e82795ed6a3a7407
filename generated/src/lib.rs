//! Typed clients for payment providers, generated from their API specs.
//!
//! Each provider is a module behind a cargo feature of the same name:
//!
//! <!-- @generated module table (cargo xtask codegen): begin -->
//! | module | feature | spec |
//! |---|---|---|
//! | [`klarna_customer_token`] | `klarna_customer_token` | `specs/klarna-customer-token/openapi.yaml` |
//! | [`klarna_payments`] | `klarna_payments` | `specs/klarna-payments/openapi.yaml` |
//! | [`klavi`] | `klavi` | `specs/klavi/spec.yaml` (hand-written) |
//! | [`klix`] | `klix` | `specs/klix/openapi.yaml` |
//! | [`payone`] | `payone` | `specs/payone/spec.yaml` (hand-written) |
//! <!-- @generated module table: end -->
//!
//! The provider modules are generated (`cargo xtask codegen`) and never edited
//! by hand; [`runtime`] is the hand-written code they share.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use paygen::klix;
//!
//! let client = klix::Client::new(klix::Config::new("secret key"))?;
//! let purchase = client
//!     .create_purchase(
//!         klix::Purchase::new(
//!             klix::ClientDetails::new("buyer@example.com"),
//!             klix::PurchaseDetails::new(vec![klix::Product::new("Band 5", 3000)]),
//!             "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5",
//!         )
//!         .success_redirect("https://shop.example/ok"),
//!     )
//!     .await?;
//! println!("pay at {:?}", purchase.checkout_url);
//! # Ok(()) }
//! ```
//!
//! Klarna Payments, with an idempotency key per call and verified webhooks:
//!
//! ```no_run
//! # async fn demo(headers: paygen::runtime::HeaderMap, raw_body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! use paygen::klarna_payments as kp;
//!
//! let klarna = kp::Client::new(
//!     kp::Config::new("klarna_test_api_…")
//!         .environment(kp::Environment::Test)
//!         .klarna_partner_account("krn:partner:account:…"),
//! )?;
//! let request = klarna
//!     .create_payment_request(
//!         kp::CreatePaymentRequestParams::new(),
//!         kp::PaymentRequestData::new(kp::Currency::Usd, 1000),
//!     )
//!     .await?;
//! println!("{} is {}", request.payment_request_id, request.state);
//!
//! let event = kp::WebhookVerifier::new("signing key").verify(&headers, &raw_body)?;
//! println!("{}", event.metadata.event_type);
//! # Ok(()) }
//! ```
//!
//! PAYONE (form-encoded requests, `key=value` responses, hashed portal key):
//!
//! ```no_run
//! # async fn demo(raw_body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! use paygen::payone;
//!
//! let payone = payone::Client::new(payone::Config::new("23456", "12345", "2039743", "portal key"))?;
//! let session = payone
//!     .start_session(
//!         payone::StartSessionRequest::new(payone::Financingtype::Kis, 3000, "EUR", "Mustermann", "DE")
//!             .items(vec![payone::LineItem::new(payone::ItemType::Goods).id("socks1").price(2340).quantity(1)]),
//!     )
//!     .await?;
//! if let payone::StartSessionResponse::Approved(s) = session {
//!     println!("client token {:?}", s.client_token);
//! }
//! let status = payone::NotificationVerifier::new("portal key").verify(&raw_body)?;
//! println!("{:?}; answer {}", status.txaction, payone::NotificationVerifier::REPLY);
//! # Ok(()) }
//! ```
//!
//! Klarna Customer Token:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use paygen::klarna_customer_token as kct;
//!
//! let tokens = kct::Client::new(
//!     kct::Config::new("username", "password").environment(kct::Environment::PlaygroundEu),
//! )?;
//! let token = tokens.read_customer_token("krn:…").await?;
//! println!("{:?}", token.status);
//! # Ok(()) }
//! ```

pub use paygen_runtime as runtime;

pub mod guides;

pub use runtime::{Error, Nullable};

// @generated modules (cargo xtask codegen): begin
#[cfg(feature = "klarna_customer_token")]
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klarna_customer_token;
#[cfg(feature = "klarna_payments")]
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klarna_payments;
#[cfg(feature = "klavi")]
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klavi;
#[cfg(feature = "klix")]
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klix;
#[cfg(feature = "payone")]
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod payone;
// @generated modules: end
