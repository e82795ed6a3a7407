//! `paygen-fake`: offline, stateful fakes of every provider `paygen`
//! generates clients for, to run integration tests without sandboxes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use paygen::klix;
//!
//! let fake = paygen_fake::klix::Fake::start().await; // a loopback port of its own
//! let client = klix::Client::new(fake.config())?;     // credentials and base URL
//! let purchase = client
//!     .create_purchase(klix::Purchase::new(
//!         klix::ClientDetails::new("buyer@example.com"),
//!         klix::PurchaseDetails::new(vec![klix::Product::new("Band", 3000)]),
//!         "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5",
//!     ))
//!     .await?;
//! let id = purchase.id.unwrap_or_default();
//! fake.pay(&id).await?; // the customer pays; the signed callback is delivered
//! let paid = client.get_purchase(&id).await?;
//! assert_eq!(paid.status, Some(klix::PurchaseStatus::Paid));
//! # Ok(()) }
//! ```
//!
//! Each provider module is generated from the provider's spec and the
//! `fake:` section of its `paygen.yaml` (`cargo xtask codegen`); the
//! [`runtime`] is hand-written and shared. A fake
//!
//! - validates every request as the provider would (credentials, required
//!   fields, types, enum values, formats, form rules) and answers the
//!   provider's documented error for a bad one;
//! - keeps the declared lifecycle: unknown ids are the provider's 404,
//!   operations a status does not allow its documented error;
//! - replays the first answer for a repeated idempotency key;
//! - has test-side controls (`fake.pay(id)`, …) that complete customer steps
//!   and deliver signed callbacks, webhooks and notifications to loopback
//!   URLs;
//! - answers queued faults ([`runtime::Fault`]): a status and body, a delay,
//!   a dropped connection;
//! - records every request, secrets redacted ([`runtime::Server::requests`]).
//!
//! Fakes are independent: many run in parallel in one test binary.

#![warn(missing_docs)]

pub mod runtime;

// @generated modules (cargo xtask codegen): begin
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klarna_customer_token;
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klarna_payments;
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klavi;
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod klix;
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod payone;
// @generated modules: end
