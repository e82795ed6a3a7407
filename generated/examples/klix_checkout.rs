//! Klix single payment: list payment methods → create a purchase → send the
//! customer to its checkout URL → read the purchase back.
//!
//! ```text
//! cargo run -p paygen --example klix_checkout
//! ```
//!
//! By default it talks to a local mock server started below. With both
//! `KLIX_SECRET_KEY` and `KLIX_BRAND_ID` set it uses the real Klix API instead
//! (and creates a real, unpaid purchase under that brand).

use paygen::klix;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the mock server (if any) alive until the end of `main`.
    let (config, brand_id, _mock) = match (
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
            let server = mock_klix().await;
            println!(
                "KLIX_SECRET_KEY and KLIX_BRAND_ID are not both set: using a mock Klix at {}",
                server.uri()
            );
            let config =
                klix::Config::new("test-secret-key").base_url(format!("{}/api/v1", server.uri()));
            (config, DEMO_BRAND_ID.to_string(), Some(server))
        }
    };
    let client = klix::Client::new(config)?;

    // 1. Payment methods (cache these: the endpoint is rate limited).
    println!("Listing payment methods for EUR...");
    let methods = client
        .list_payment_methods(klix::ListPaymentMethodsParams::new(&brand_id, "EUR"))
        .await?;
    let names = methods.names.unwrap_or_default();
    for code in methods.available_payment_methods.unwrap_or_default() {
        let name = names.get(&code).map_or("", String::as_str);
        println!("  {code:<24} {name}");
    }

    // 2. The purchase; Klix answers with the hosted payment page.
    println!("Creating a purchase of 31.00 EUR...");
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
    .success_callback("https://your.site/api/klix/callback");
    let created = client.create_purchase(order).await?;
    let id = created.id.ok_or("Klix returned no purchase id")?;
    println!("  purchase {id}");

    // 3. Redirect the customer here.
    println!(
        "  checkout URL: {}",
        created.checkout_url.as_deref().unwrap_or("(none)")
    );

    // 4. After the callback (or the customer's return), check the status.
    println!("Reading the purchase back...");
    let purchase = client.get_purchase(&id).await?;
    let status = purchase.status.map(|s| s.to_string());
    println!("  status: {}", status.as_deref().unwrap_or("(none)"));
    println!(
        "  total: {} cents",
        purchase.purchase.total.unwrap_or_default()
    );
    println!("Done. Fulfil the order only once the status is `paid`.");
    Ok(())
}

const DEMO_BRAND_ID: &str = "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5";
const DEMO_PURCHASE_ID: &str = "3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a";

/// A stand-in for `https://portal.klix.app/api/v1` answering the three calls
/// of this flow the way Klix does.
async fn mock_klix() -> MockServer {
    let server = MockServer::start().await;
    let purchase = json!({
        "type": "purchase",
        "id": DEMO_PURCHASE_ID,
        "status": "created",
        "brand_id": DEMO_BRAND_ID,
        "client": {"email": "test@test.com"},
        "purchase": {
            "currency": "EUR",
            "products": [
                {"name": "Xiaomi Mi Smart Band 5", "quantity": "1.0000", "price": 3000},
                {"name": "Screen protector for Xiaomi Mi Smart Band 5", "quantity": "1.0000", "price": 100}
            ],
            "total": 3100,
            "language": "en"
        },
        "reference": "order-1001",
        "is_test": true,
        "checkout_url": format!("https://portal.klix.app/p/{DEMO_PURCHASE_ID}/")
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/payment_methods/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "available_payment_methods": ["klix", "swedbank_lv_pis", "seb_lv_pis"],
            "names": {"klix": "Card payment", "swedbank_lv_pis": "Swedbank", "seb_lv_pis": "SEB"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/purchases/"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&purchase))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/purchases/{DEMO_PURCHASE_ID}/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(&purchase))
        .mount(&server)
        .await;
    server
}
