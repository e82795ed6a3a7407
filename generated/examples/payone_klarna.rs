//! Klarna via PAYONE's Server API: start a session → preauthorize →
//! the shopper's redirect → capture → refund (debit), with each
//! TransactionStatus notification checked by `NotificationVerifier`.
//!
//! ```text
//! cargo run -p paygen --example payone_klarna
//! ```
//!
//! By default it runs against the offline fake (`paygen_fake::payone`),
//! which also plays the shopper. With `PAYONE_MID`, `PAYONE_AID`,
//! `PAYONE_PORTAL_ID` and `PAYONE_PORTAL_KEY` set it starts a session in
//! PAYONE's test mode instead; the rest needs the Klarna widget, so that
//! run stops there.

use paygen::payone;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vars = [
        "PAYONE_MID",
        "PAYONE_AID",
        "PAYONE_PORTAL_ID",
        "PAYONE_PORTAL_KEY",
    ]
    .map(|v| std::env::var(v).ok());
    let (config, fake) = match vars {
        [Some(mid), Some(aid), Some(portal), Some(key)] => {
            println!(
                "Using PAYONE at {} (mode=test)",
                payone::Environment::Test.base_url()
            );
            (payone::Config::new(mid, aid, portal, key), None)
        }
        _ => {
            let fake = paygen_fake::payone::Fake::start().await;
            println!(
                "PAYONE_MID, PAYONE_AID, PAYONE_PORTAL_ID and PAYONE_PORTAL_KEY are not all set: using the offline fake PAYONE at {}",
                fake.base_url()
            );
            (fake.config(), Some(fake))
        }
    };
    let client = payone::Client::new(config)?;
    let socks = payone::LineItem::new(payone::ItemType::Goods)
        .id("socks1")
        .price(2340)
        .quantity(1)
        .description("for the feet")
        .vat_rate(1900);

    println!("1. Starting a Klarna session (Slice it) for 23.40 EUR...");
    let payone::StartSessionResponse::Approved(session) = client
        .start_session(
            payone::StartSessionRequest::new(
                payone::Financingtype::Kis,
                2340,
                "EUR",
                "Mustermann",
                "DE",
            )
            .items(vec![socks.clone()]),
        )
        .await?;
    let workorderid = session.workorderid.unwrap_or_default();
    println!(
        "   workorder {workorderid}; hand the client token to the Klarna widget ({})",
        session
            .payment_method_category_name
            .as_deref()
            .unwrap_or("?")
    );
    let Some(fake) = fake else {
        println!("The widget returns an authorization token; preauthorize with it to go on.");
        return Ok(());
    };
    // PAYONE posts TransactionStatus to the URL set in its portal: here, a
    // loopback listener of this example.
    let receiver = listen_for_notifications().await?;
    fake.set_delivery_url(receiver.url.clone());

    println!("2. Preauthorizing with the widget's token...");
    let answer = client
        .preauthorize(
            payone::PreauthorizeRequest::new(
                format!("order-{}", std::process::id()),
                2340,
                "EUR",
                "Mustermann",
                "DE",
                payone::Financingtype::Kis,
                "https://shop.example/ok",
                "https://shop.example/error",
                "https://shop.example/back",
            )
            .workorderid(&workorderid)
            .authorization_token("widget-authorization-token")
            .items(vec![socks]),
        )
        .await?;
    let payone::PreauthorizeResponse::Redirect(redirect) = answer else {
        return Err(format!("expected a redirect, got {answer:?}").into());
    };
    let txid = redirect.txid.ok_or("no txid")?;
    println!(
        "   txid {txid}: redirect the shopper to {}",
        redirect.redirecturl.as_deref().unwrap_or("?")
    );
    println!("3. The shopper completes the redirect (the fake plays this step)...");
    fake.approve(&txid.to_string()).await?;
    println!("4. Capturing 23.40 EUR...");
    client
        .capture(
            payone::CaptureRequest::new(txid, payone::Capturemode::Completed, 2340, "EUR")
                .sequencenumber(1),
        )
        .await?;
    println!("5. Refunding 5.00 EUR (debit, sequence number 2)...");
    client
        .debit(payone::DebitRequest::new(
            txid,
            2,
            -500,
            "EUR",
            payone::Settleaccount::Auto,
        ))
        .await?;

    println!("6. TransactionStatus notifications received, key checked, answered TSOK:");
    let verifier = payone::NotificationVerifier::new(fake.portal_key());
    for body in receiver.bodies().await {
        let status = verifier.verify(&body)?;
        println!(
            "   txaction={} sequencenumber={} receivable={}",
            status.txaction.map(|t| t.to_string()).unwrap_or_default(),
            status.sequencenumber.unwrap_or_default(),
            status.receivable.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

/// A loopback endpoint that answers PAYONE's notifications with `TSOK`.
struct Listener {
    url: String,
    server: wiremock::MockServer,
}

impl Listener {
    async fn bodies(&self) -> Vec<Vec<u8>> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.body)
            .collect()
    }
}

async fn listen_for_notifications() -> Result<Listener, Box<dyn std::error::Error>> {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_string(payone::NotificationVerifier::REPLY),
        )
        .mount(&server)
        .await;
    Ok(Listener {
        url: format!("{}/payone/transaction-status", server.uri()),
        server,
    })
}
