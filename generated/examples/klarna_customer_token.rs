//! Klarna Customer Token: read a stored token → charge the returning
//! customer with an order → cancel the token.
//!
//! ```text
//! cargo run -p paygen --example klarna_customer_token
//! ```
//!
//! By default it runs against the offline fake
//! (`paygen_fake::klarna_customer_token`), which issues the token. With
//! `KLARNA_USERNAME`, `KLARNA_PASSWORD` and `KLARNA_CUSTOMER_TOKEN` set it
//! uses Klarna's EU playground and only reads that token (an order or a
//! cancellation there would be real).

use paygen::klarna_customer_token as kct;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = (
        std::env::var("KLARNA_USERNAME"),
        std::env::var("KLARNA_PASSWORD"),
        std::env::var("KLARNA_CUSTOMER_TOKEN"),
    );
    if let (Ok(username), Ok(password), Ok(token)) = real {
        println!("Using Klarna's EU playground");
        let client = kct::Client::new(
            kct::Config::new(username, password).environment(kct::Environment::PlaygroundEu),
        )?;
        let details = client.read_customer_token(&token).await?;
        println!(
            "The token is {} ({})",
            details.status, details.payment_method_type
        );
        return Ok(());
    }

    let fake = paygen_fake::klarna_customer_token::Fake::start().await;
    println!(
        "KLARNA_USERNAME, KLARNA_PASSWORD and KLARNA_CUSTOMER_TOKEN are not all set: using the offline fake Klarna at {}",
        fake.base_url()
    );
    let client = kct::Client::new(fake.config())?;

    println!("1. A customer agreed to be charged again (the fake issues the token)...");
    let token = fake.add_card_token().await?.id;
    let details = client.read_customer_token(&token).await?;
    println!(
        "   token {token}: {} {}, card {}",
        details.status,
        details.payment_method_type,
        details
            .card
            .and_then(|c| c.masked_number)
            .unwrap_or_default()
    );

    println!("2. Placing this month's order of 25.00 GBP with it...");
    let order = client
        .create_order_from_token(
            &token,
            kct::CreateOrderFromTokenParams::new(),
            kct::CustomerTokenOrderRequest::new(
                2500,
                vec![kct::OrderLine::new()
                    .name("Subscription, March")
                    .quantity(1)
                    .unit_price(2500)
                    .total_amount(2500)],
                kct::Currency::Gbp,
            )
            .merchant_reference1("sub-2024-03"),
        )
        .await?;
    println!("   order {} ({})", order.order_id, order.fraud_status);

    println!("3. The customer ends the subscription: cancelling the token...");
    client
        .update_customer_token_status(
            &token,
            kct::CustomerTokenStatusUpdate::new(kct::CustomerTokenTargetStatus::Cancelled),
        )
        .await?;
    let err = client
        .create_order_from_token(
            &token,
            kct::CreateOrderFromTokenParams::new(),
            kct::CustomerTokenOrderRequest::new(
                2500,
                vec![kct::OrderLine::new().name("Subscription, April")],
                kct::Currency::Gbp,
            ),
        )
        .await
        .expect_err("a cancelled token takes no orders");
    println!(
        "   a later order is refused: HTTP {}",
        err.status().unwrap_or_default()
    );
    Ok(())
}
