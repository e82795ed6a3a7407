//! Klix single payment: list payment methods → create a purchase → send the
//! customer to its checkout URL → verify the signed callback → read the
//! purchase back.
//!
//! ```text
//! cargo run -p paygen --example klix_checkout
//! ```
//!
//! By default it runs against the offline fake (`paygen_fake::klix`), which
//! also plays the customer paying and signs the callback. With both
//! `KLIX_SECRET_KEY` and `KLIX_BRAND_ID` set it uses the real Klix API
//! instead (and creates a real, unpaid purchase under that brand).

use paygen::klix;

const DEMO_BRAND_ID: &str = "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5";
const CALLBACK: &str = "https://your.site/api/klix/callback";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The fake (if used) serves until the end of `main`.
    let (config, brand_id, fake) = match (
        std::env::var("KLIX_SECRET_KEY"),
        std::env::var("KLIX_BRAND_ID"),
    ) {
        (Ok(secret_key), Ok(brand_id)) => {
            println!(
                "Using the Klix API at {}",
                klix::Environment::Production.base_url()
            );
            (klix::Config::new(secret_key), brand_id, None)
        }
        _ => {
            let fake = paygen_fake::klix::Fake::start().await;
            println!(
                "KLIX_SECRET_KEY and KLIX_BRAND_ID are not both set: using the offline fake Klix at {}",
                fake.base_url()
            );
            (fake.config(), DEMO_BRAND_ID.to_string(), Some(fake))
        }
    };
    let client = klix::Client::new(config)?;

    // 1. Payment methods (cache these: the endpoint is rate limited).
    println!("1. Listing payment methods for EUR...");
    let methods = client
        .list_payment_methods(klix::ListPaymentMethodsParams::new(&brand_id, "EUR"))
        .await?;
    let names = methods.names.unwrap_or_default();
    for code in methods.available_payment_methods.unwrap_or_default() {
        let name = names.get(&code).map_or("", String::as_str);
        println!("   {code:<24} {name}");
    }

    // 2. The purchase; Klix answers with the hosted payment page.
    println!("2. Creating a purchase of 31.00 EUR...");
    let order = klix::Purchase::new(
        klix::ClientDetails::new("test@test.com"),
        klix::PurchaseDetails::new(vec![
            klix::Product::new("Xiaomi Mi Smart Band 5", 3000),
            klix::Product::new("Screen protector for Xiaomi Mi Smart Band 5", 100),
        ])
        .currency("EUR")
        .language("en"),
        &brand_id,
    )
    .reference("order-1001")
    .success_redirect("https://your.site/checkout/success")
    .failure_redirect("https://your.site/checkout/failure")
    .cancel_redirect("https://your.site/checkout")
    .success_callback(CALLBACK);
    let created = client.create_purchase(order).await?;
    let id = created.id.ok_or("Klix returned no purchase id")?;
    println!("   purchase {id}, status created");

    // 3. Redirect the customer here.
    println!(
        "3. Send the customer to the checkout URL: {}",
        created.checkout_url.as_deref().unwrap_or("(none)")
    );

    // 4. Klix POSTs the paid purchase to success_callback, signed with
    // X-Signature; verify the raw body with the key from GET public_key/.
    if let Some(fake) = &fake {
        println!("4. The customer pays (the fake plays this step)...");
        fake.pay(&id).await?;
        let delivery = fake
            .deliveries()
            .pop()
            .ok_or("the fake delivered no callback")?;
        println!(
            "   the signed callback for {CALLBACK} ({} bytes; the fake only contacts loopback URLs)",
            delivery.body.len()
        );
        let verifier = client.webhook_verifier().await?;
        let callback = verifier.verify(&delivery.header_map(), &delivery.body)?;
        println!(
            "   X-Signature verified with the key from public_key/: purchase {} is {}",
            callback.id.as_deref().unwrap_or("?"),
            callback.status.map(|s| s.to_string()).unwrap_or_default()
        );
    } else {
        println!("4. Pay on the checkout page; Klix then calls {CALLBACK}.");
    }

    // 5. Trust the status, not the redirect.
    println!("5. Reading the purchase back...");
    let purchase = client.get_purchase(&id).await?;
    let status = purchase.status.map(|s| s.to_string());
    println!("   status: {}", status.as_deref().unwrap_or("(none)"));
    println!(
        "   total: {} cents",
        purchase.purchase.total.unwrap_or_default()
    );
    println!("Done. Fulfil the order only once the status is `paid`.");
    Ok(())
}
