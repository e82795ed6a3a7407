//! Klarna Payments: create a payment request → the customer completes
//! Klarna's flow → confirm with the confirmation token → capture part of the
//! transaction → refund it; the signed webhooks are verified on the way.
//!
//! ```text
//! cargo run -p paygen --example klarna_payments_flow
//! ```
//!
//! By default it runs against the offline fake (`paygen_fake::klarna_payments`),
//! which also plays the customer and signs the webhooks with the key this
//! example chooses. With `KLARNA_API_KEY` set it creates and reads a payment
//! request on Klarna's test environment instead; the customer's part needs a
//! browser, so that run stops there.

use paygen::klarna_payments as kp;
use paygen_fake::runtime::Settings;

const SIGNING_KEY: &str = "whsec-example-signing-key";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (config, fake) = match std::env::var("KLARNA_API_KEY") {
        Ok(key) => {
            println!(
                "Using Klarna's test environment at {}",
                kp::Environment::Test.base_url()
            );
            (
                kp::Config::new(key).environment(kp::Environment::Test),
                None,
            )
        }
        Err(_) => {
            let fake = paygen_fake::klarna_payments::Fake::start_with(
                Settings::new().webhook_key(SIGNING_KEY),
            )
            .await;
            println!(
                "KLARNA_API_KEY is not set: using the offline fake Klarna at {}",
                fake.base_url()
            );
            (fake.config(), Some(fake))
        }
    };
    let client = kp::Client::new(config)?;

    println!("1. Creating a payment request of 150.00 USD...");
    let tee = kp::LineItem::new()
        .name("Oversized vintage trabant tee")
        .quantity(2)
        .total_amount(15000);
    let request = client
        .create_payment_request(
            kp::CreatePaymentRequestParams::new(), // a fresh Klarna-Idempotency-Key
            kp::PaymentRequestData::new(kp::Currency::Usd, 15000)
                .merchant_reference("order-5678")
                .line_items(vec![tee.clone()]),
        )
        .await?;
    println!("   {} is {}", request.payment_request_id, request.state);

    let Some(fake) = fake else {
        let read = client
            .read_payment_request(&request.payment_request_id)
            .await?;
        println!(
            "2. Read back: {}. Complete the purchase flow in a browser to go on.",
            read.state
        );
        return Ok(());
    };

    println!("2. The customer completes Klarna's purchase flow (the fake plays this step)...");
    let pending = fake.authorize(&request.payment_request_id).await?;
    let token = pending
        .state_context
        .and_then(|c| c.payment_confirmation_token)
        .ok_or("no confirmation token")?;
    println!("   {} with confirmation token {token}", pending.state);

    println!("3. Confirming...");
    let confirmed = client
        .confirm_payment_request(
            &token,
            kp::ConfirmPaymentRequestParams::new(),
            kp::PaymentConfirmationRequest::new(kp::Currency::Usd, 15000),
        )
        .await?;
    let transaction_id = confirmed
        .state_context
        .and_then(|c| c.payment_transaction_id)
        .ok_or("no transaction")?;
    println!("   {}: transaction {transaction_id}", confirmed.state);

    let account = "krn:partner:global:account:test:EXAMPLE";
    println!("4. Capturing 50.00 USD...");
    let capture = client
        .capture_payment_transaction(
            account,
            &transaction_id,
            kp::CapturePaymentTransactionParams::new(),
            kp::CaptureRequest::new()
                .capture_amount(5000)
                .line_items(vec![tee]),
        )
        .await?;
    println!("   capture {}", capture.payment_capture_id);
    println!("5. Refunding that capture...");
    let refund = client
        .refund_capture(
            account,
            &capture.payment_capture_id,
            kp::RefundCaptureParams::new(),
            kp::RefundRequest::new().refund_amount(5000),
        )
        .await?;
    println!("   refund {}", refund.payment_refund_id);
    let transaction = client
        .read_payment_transaction(account, &transaction_id)
        .await?;
    println!(
        "   the transaction is {} with {} of 15000 still to capture",
        transaction.state,
        transaction
            .remaining_authorization_amount
            .unwrap_or_default()
    );

    println!("6. Webhooks the fake sent, checked with WebhookVerifier (Klarna-Signature):");
    let verifier = kp::WebhookVerifier::new(SIGNING_KEY);
    for delivery in fake.deliveries() {
        let event = verifier.verify(&delivery.header_map(), &delivery.body)?;
        println!("   {} → {}", event.metadata.event_type, event.payload.state);
    }
    Ok(())
}
