//! First integration, provider by provider: credentials and environments,
//! the happy path, the error you will see first and how to read it,
//! webhooks and callbacks, and going live. Every example compiles (as a
//! doc test), and the crate's examples (`cargo run -p paygen --example …`)
//! run the same flows against a local server.

/// Klix: card and bank-link purchases.
///
/// # Credentials and environments
///
/// Klix gives you a secret key (sent as `Authorization: Bearer`) and a brand
/// id per shop. There is one environment; test purchases are made with test
/// brands. `Config::new(secret_key)` is all a client needs.
///
/// # The happy path
///
/// Create a purchase, redirect the shopper to its `checkout_url`, and when
/// the shopper comes back (or the callback arrives) read the purchase: trust
/// its `status`, not the redirect.
///
/// ```no_run
/// # async fn demo(secret_key: String, brand_id: String) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::klix;
///
/// let klix = klix::Client::new(klix::Config::new(secret_key))?;
/// let purchase = klix
///     .create_purchase(
///         klix::Purchase::new(
///             klix::ClientDetails::new("buyer@example.com"),
///             klix::PurchaseDetails::new(vec![klix::Product::new("Band 5", 3000).quantity(2)]),
///             brand_id,
///         )
///         .success_callback("https://shop.example/klix/callback")
///         .success_redirect("https://shop.example/ok")
///         .failure_redirect("https://shop.example/failed")
///         .reference("order-42"),
///     )
///     .await?;
/// let id = purchase.id.clone().unwrap_or_default();
/// println!("send the shopper to {:?}", purchase.checkout_url);
/// // …later:
/// let now = klix.get_purchase(&id).await?;
/// if now.status == Some(klix::PurchaseStatus::Paid) {
///     // fulfil the order
/// }
/// # Ok(()) }
/// ```
///
/// # The error you will see first
///
/// A field Klix refuses is a 400 with field errors; `Display` names the
/// field and Klix's message (`create_purchase failed with HTTP 400 after 1
/// attempt(s): purchase.products[0].price: Ensure this value is greater than
/// or equal to 0.`), and the typed body is in [`crate::Error::body`]:
///
/// ```no_run
/// # async fn demo(klix: paygen::klix::Client, p: paygen::klix::Purchase) {
/// use paygen::klix;
///
/// match klix.create_purchase(p).await {
///     Ok(created) => println!("created {:?}", created.id),
///     Err(e) => {
///         eprintln!("{e}"); // says why, in Klix's words
///         if let Some(klix::CreatePurchaseError::BadRequest(fields)) = e.body() {
///             for (field, errors) in fields {
///                 eprintln!("{field}: {errors:?}");
///             }
///         }
///     }
/// }
/// # }
/// ```
///
/// # Callbacks
///
/// Klix POSTs the purchase to `success_callback`, signed in `X-Signature`
/// with its key (served at `public_key/`). Verify the raw body before
/// trusting it; [`Client::verify_webhook`](crate::klix::Client::verify_webhook)
/// fetches and caches the key, and fetches it again if Klix rotated it:
///
/// ```no_run
/// # async fn demo(klix: paygen::klix::Client, headers: paygen::runtime::HeaderMap, raw_body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
/// let purchase = klix.verify_webhook(&headers, &raw_body).await?;
/// // Deliveries can repeat: deduplicate on (purchase id, status).
/// println!("{:?} is {:?}", purchase.id, purchase.status);
/// # Ok(()) }
/// ```
///
/// # Going live
///
/// Use a live brand id and the live secret key; nothing else changes. Keep
/// the secret key out of logs (the client never prints it).
#[cfg(feature = "klix")]
pub mod klix {}

/// Klarna Payments: payment requests, confirmation, transactions.
///
/// # Credentials and environments
///
/// Klarna gives you an API key (`klarna_test_api_…` in test) sent as it is
/// in `Authorization: Basic`. [`Environment::Test`](crate::klarna_payments::Environment)
/// is Klarna's test system; the default is live. Partners acting for
/// another account add `Config::klarna_partner_account`.
///
/// # The happy path
///
/// Create a payment request, let the shopper confirm it in Klarna's flow,
/// then confirm it server side with the confirmation token Klarna hands you
/// and capture the transaction. Every POST carries a fresh
/// `Klarna-Idempotency-Key`, reused by retries; set your own with the
/// operation's params to make a replay of your own safe too.
///
/// ```no_run
/// # async fn demo(api_key: String, confirmation_token: String) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::klarna_payments as kp;
///
/// let klarna = kp::Client::new(kp::Config::new(api_key).environment(kp::Environment::Test))?;
/// let request = klarna
///     .create_payment_request(
///         kp::CreatePaymentRequestParams::new(),
///         kp::PaymentRequestData::new(kp::Currency::Eur, 1000),
///     )
///     .await?;
/// println!("{} is {}", request.payment_request_id, request.state);
/// let confirmed = klarna
///     .confirm_payment_request(
///         &confirmation_token,
///         kp::ConfirmPaymentRequestParams::new(),
///         kp::PaymentConfirmationRequest::new(kp::Currency::Eur, 1000),
///     )
///     .await?;
/// println!("now {}", confirmed.state);
/// # Ok(()) }
/// ```
///
/// # The error you will see first
///
/// `Display` carries Klarna's code, message and correlation id
/// (`create_payment_request failed with HTTP 400 after 1 attempt(s):
/// VALIDATION_ERROR: … (correlation_id …)`); give the correlation id to
/// Klarna's support. A 500 with `TIMEOUT` or `INTERNAL_ERROR` is retried
/// with the same idempotency key by the client.
///
/// # Webhooks
///
/// Klarna signs deliveries with HMAC-SHA256 in `Klarna-Signature`. During a
/// key rotation configure both keys; a delivery names its key in
/// `Klarna-Signing-Key-Id`:
///
/// ```no_run
/// # fn demo(headers: paygen::runtime::HeaderMap, raw_body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::klarna_payments as kp;
/// use paygen::runtime::HmacKey;
///
/// let verifier = kp::WebhookVerifier::with_keys([
///     HmacKey::with_id("old signing key".to_string().into(), "key-1"),
///     HmacKey::with_id("new signing key".to_string().into(), "key-2"),
/// ]);
/// let event = verifier.verify(&headers, &raw_body)?;
/// // Deliveries can repeat: deduplicate on the event id.
/// println!("{} {}", event.metadata.event_id, event.metadata.event_type);
/// # Ok(()) }
/// ```
///
/// # Going live
///
/// Switch to the live API key and `Environment::Live` (the default).
#[cfg(feature = "klarna_payments")]
pub mod klarna_payments {}

/// Klarna Customer Token: charging a stored customer token.
///
/// # Credentials and environments
///
/// HTTP Basic with your Klarna API username and password (both held as
/// secrets). The environments are Klarna's regions, live and playground.
///
/// # The happy path
///
/// ```no_run
/// # async fn demo(user: String, password: String, token: String, order: paygen::klarna_customer_token::CustomerTokenOrderRequest) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::klarna_customer_token as kct;
///
/// let tokens = kct::Client::new(
///     kct::Config::new(user, password).environment(kct::Environment::PlaygroundEu),
/// )?;
/// let details = tokens.read_customer_token(&token).await?;
/// println!("token is {:?}", details.status);
/// let order = tokens
///     .create_order_from_token(&token, kct::CreateOrderFromTokenParams::new(), order)
///     .await?;
/// println!("order {:?}", order.order_id);
/// # Ok(()) }
/// ```
///
/// # The error you will see first
///
/// An unknown token is a 404 whose `Display` reads `read_customer_token
/// failed with HTTP 404 after 1 attempt(s): TOKEN_NOT_FOUND: The customer
/// token could not be found. (correlation_id …)`.
///
/// # Going live
///
/// Use the live credentials and the live environment of your region.
#[cfg(feature = "klarna_customer_token")]
pub mod klarna_customer_token {}

/// PAYONE's Server API for Klarna: form-encoded requests, `key=value`
/// answers.
///
/// # Credentials and environments
///
/// Merchant id, subaccount id, portal id and the portal key; the key is
/// sent as its MD5 (or SHA-384) digest, never as it is. The test and live
/// systems share one URL and differ in `mode`, which follows the
/// environment and can be set on its own (`Config::mode`) for a proxy or a
/// test double.
///
/// # The happy path
///
/// `start_session` (its answer carries the client token for Klarna's
/// widget), the widget gives an authorization token, `preauthorize` with
/// it (redirect the shopper if asked), `capture`, and `debit` to refund.
///
/// ```no_run
/// # async fn demo(portal_key: String, authorization_token: String) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::payone;
///
/// let payone = payone::Client::new(payone::Config::new("23456", "12345", "2039743", portal_key))?;
/// let session = payone
///     .start_session(payone::StartSessionRequest::new(
///         payone::Financingtype::Kis, 3000, "EUR", "Mustermann", "DE",
///     ))
///     .await?;
/// let payone::StartSessionResponse::Approved(session) = session;
/// let answer = payone
///     .preauthorize(
///         payone::PreauthorizeRequest::new(
///             "order-42", 3000, "EUR", "Mustermann", "DE", payone::Financingtype::Kis,
///             "https://shop.example/ok", "https://shop.example/error", "https://shop.example/back",
///         )
///         .authorization_token(authorization_token)
///         .workorderid(session.workorderid.unwrap_or_default()),
///     )
///     .await?;
/// if let payone::PreauthorizeResponse::Redirect(r) = &answer {
///     println!("send the shopper to {:?}", r.redirecturl);
/// }
/// # Ok(()) }
/// ```
///
/// # The error you will see first
///
/// PAYONE refuses with HTTP 200 and `status=ERROR`; the client makes that
/// [`crate::Error::Api`] whose `Display` reads `start_session was refused
/// (HTTP 200) after 1 attempt(s): 1202: Parameter {request} faulty or
/// missing`. The shopper-facing `customermessage` is in the typed body. A
/// field that breaks its format never reaches PAYONE:
/// [`crate::Error::Validation`] names it and the rule.
///
/// # Notifications
///
/// PAYONE POSTs TransactionStatus notifications (ISO-8859-1 form data)
/// carrying the hashed portal key; check it, then answer exactly `TSOK`:
///
/// ```no_run
/// # fn demo(portal_key: String, raw_body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::payone;
///
/// let status = payone::NotificationVerifier::new(portal_key).verify(&raw_body)?;
/// // Notifications repeat until answered: deduplicate on (txid, sequencenumber).
/// println!("{:?} {:?} {:?}", status.txid, status.sequencenumber, status.txaction);
/// let reply = payone::NotificationVerifier::REPLY; // "TSOK"
/// # let _ = reply; Ok(()) }
/// ```
///
/// # Going live
///
/// `Config::environment(payone::Environment::Live)` sends `mode=live`.
#[cfg(feature = "payone")]
pub mod payone {}

/// Klavi: Pix payment initiation in Brazil.
///
/// # Credentials and environments
///
/// An access key and a secret key, exchanged by the client for a bearer
/// token that it caches and renews by itself; payment initiation always
/// uses a new token, as Klavi requires. The default environment is
/// `api-testing`.
///
/// # The happy path
///
/// ```no_run
/// # async fn demo(access_key: String, secret_key: String) -> Result<(), Box<dyn std::error::Error>> {
/// use paygen::klavi;
/// use paygen::runtime::PollOptions;
///
/// let klavi = klavi::Client::new(klavi::Config::new(access_key, secret_key))?;
/// let participants = klavi.list_participants().await?;
/// let bank = participants[0].participant_id.clone().unwrap_or_default();
/// let created = klavi
///     .create_payment(klavi::PaymentRequest::new(
///         "order-42",
///         bank,
///         klavi::Customer::new(klavi::IdentifierType::Cpf, "12345678909"),
///         "1333.04".parse()?,
///         klavi::Currency::Brl,
///         "https://shop.example/back",
///         klavi::Account::new().ispb("12345678").number("123456-7"),
///     ))
///     .await?;
/// println!("send the payer to {:?}", created.consent_url);
/// let done = klavi
///     .wait_for_final_status(created.id.as_deref().unwrap_or_default(), PollOptions::default())
///     .await?;
/// println!("{:?}", done.status);
/// # Ok(()) }
/// ```
///
/// # The error you will see first
///
/// Bad keys make the token request fail: [`crate::Error::Auth`] says so
/// without quoting anything the token endpoint echoed. Refused payments
/// carry Klavi's code and message in `Display`.
///
/// # Going live
///
/// `Config::environment(klavi::Environment::Production)` with your live
/// keys. Klavi's answers are thinly documented: fields the spec does not
/// name are kept in each answer's `additional` map.
#[cfg(feature = "klavi")]
pub mod klavi {}
