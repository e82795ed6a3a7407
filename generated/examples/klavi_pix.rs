//! Klavi Pix payment, the four steps of Klavi's integration guide:
//! obtain a token → list the account providers (participants) → send the
//! payment → poll its status until it is final.
//!
//! ```text
//! cargo run -p paygen --example klavi_pix
//! ```
//!
//! By default it runs against the offline fake (`paygen_fake::klavi`), which
//! also plays the payer consenting at their bank. With both
//! `KLAVI_ACCESS_KEY` and `KLAVI_SECRET_KEY` set it uses Klavi's sandbox
//! instead (`KLAVI_BASE_URL` overrides the host) and initiates a real sandbox
//! payment: open the printed consent URL to authorise it while the example
//! polls. Optional: `KLAVI_INSTITUTION_ID` (default: the first participant),
//! `KLAVI_PAYER_CPF`, `KLAVI_CREDITOR_ISPB`, `KLAVI_CREDITOR_ISSUER`,
//! `KLAVI_CREDITOR_NUMBER`, `KLAVI_CREDITOR_NAME`, `KLAVI_CREDITOR_CNPJ`,
//! `KLAVI_REDIRECT_URL`.
//!
//! The keys and the tokens are never printed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use paygen::klavi;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The fake (if used) serves until the end of `main`.
    let (config, fake, interval, timeout) = match (
        std::env::var("KLAVI_ACCESS_KEY"),
        std::env::var("KLAVI_SECRET_KEY"),
    ) {
        (Ok(access_key), Ok(secret_key)) => {
            let config = klavi::Config::new(access_key, secret_key);
            let config = match std::env::var("KLAVI_BASE_URL") {
                Ok(url) => config.base_url(url),
                Err(_) => config.environment(klavi::Environment::Sandbox),
            };
            (
                config,
                None,
                Duration::from_secs(3),
                Duration::from_secs(600),
            )
        }
        _ => {
            let fake = paygen_fake::klavi::Fake::start().await;
            println!(
                "KLAVI_ACCESS_KEY and KLAVI_SECRET_KEY are not both set: using the offline fake Klavi at {}",
                fake.base_url()
            );
            (
                fake.config(),
                Some(fake),
                Duration::from_millis(50),
                Duration::from_secs(10),
            )
        }
    };
    let client = klavi::Client::new(config)?;
    println!("Using Klavi at {}", client.base_url());

    // 1 + 2. The first call exchanges the keys for a bearer token (cached
    // and renewed by the client), then lists the account providers.
    println!("1. Authenticating: the client obtains a bearer token by itself (not shown)");
    println!("2. Listing the account providers (participants)...");
    let participants = client.list_participants().await?;
    let listed = participant_list(&participants);
    for p in listed.iter().take(10) {
        println!("   {:<40} {}", p.0, p.1);
    }
    if listed.len() > 10 {
        println!("   … and {} more", listed.len() - 10);
    }
    if let Some(fake) = &fake {
        println!("   (token requests so far: {})", token_requests(fake));
    }
    let institution_id = match std::env::var("KLAVI_INSTITUTION_ID") {
        Ok(id) => id,
        Err(_) => listed
            .first()
            .map(|p| p.0.clone())
            .ok_or("no participant listed; set KLAVI_INSTITUTION_ID")?,
    };
    println!("   the payer chose {institution_id}");

    // 3. The payment. The amount is a decimal string on the wire ("1333.04").
    println!("3. Sending the payment of BRL 1333.04 (with a new token, as Klavi's tokens serve one payment each)...");
    let payment = klavi::PaymentRequest::new(
        format!("order-{}", std::process::id()),
        institution_id,
        klavi::Customer::new(
            klavi::IdentifierType::Cpf,
            env_or("KLAVI_PAYER_CPF", "12345678909"),
        )
        .name("Maria Silva")
        .phone("+5511987654321")
        .email("maria@example.com"),
        "1333.04".parse()?,
        klavi::Currency::Brl,
        env_or("KLAVI_REDIRECT_URL", "https://shop.example/klavi/return"),
        klavi::Account::new()
            .ispb(env_or("KLAVI_CREDITOR_ISPB", "12345678"))
            .issuer(env_or("KLAVI_CREDITOR_ISSUER", "0001"))
            .number(env_or("KLAVI_CREDITOR_NUMBER", "1234567"))
            .account_type(klavi::AccountType::Cacc)
            .holder(
                klavi::AccountHolder::new()
                    .name(env_or("KLAVI_CREDITOR_NAME", "Loja Exemplo Ltda"))
                    .identifier_type(klavi::IdentifierType::Cnpj)
                    .identifier(env_or("KLAVI_CREDITOR_CNPJ", "12345678000195")),
            ),
    )
    .client_metadata(BTreeMap::from([(
        "orderId".to_string(),
        "1001".to_string(),
    )]));
    let created = client.create_payment(payment).await?;
    let id = created.id.ok_or("Klavi returned no payment id")?;
    println!("   payment {id}");
    let consent = created.consent_url.or(created.redirect_url);
    println!(
        "   redirect the payer to (single use, about 60 s): {}",
        consent.as_deref().unwrap_or("(none)")
    );
    if let Some(fake) = &fake {
        println!("   (token requests so far: {})", token_requests(fake));
    }

    // 4. Poll until final; print each status as it changes.
    // (`client.wait_for_final_status(&id, PollOptions…)` does the same
    // without printing, with one `tracing` event per change.)
    println!("4. Polling the status every {interval:?}...");
    let started = Instant::now();
    let mut last: Option<String> = None;
    let mut consented = false;
    let last_answer = loop {
        let answer = client.get_payment_status(&id).await?;
        let now = answer.status.as_ref().map(|s| s.as_str().to_string());
        if now != last {
            println!(
                "   {:>6} ms  {}",
                started.elapsed().as_millis(),
                now.as_deref().unwrap_or("(no status)")
            );
            last = now;
        }
        if answer.status.as_ref().is_some_and(is_final) || started.elapsed() + interval > timeout {
            break answer;
        }
        // With the fake, the payer authorises the consent once it is asked for.
        if let Some(fake) = &fake {
            if !consented && answer.status == Some(klavi::Status::ConsentAwaitingAuthorization) {
                println!(
                    "   (the payer authorises the consent at their bank: the fake plays this step)"
                );
                fake.authorize(&id).await?;
                consented = true;
            }
        }
        tokio::time::sleep(interval).await;
    };
    match &last_answer.status {
        Some(klavi::Status::PaymentCompleted) => {
            println!("Done: the payment is completed; fulfil the order.")
        }
        Some(s) if is_final(s) => {
            let reason = last_answer.status_reason.as_ref();
            println!(
                "Done: the payment ended as {s} ({} {})",
                reason.and_then(|r| r.code.as_deref()).unwrap_or(""),
                reason.and_then(|r| r.message.as_deref()).unwrap_or("")
            );
        }
        _ => println!("No final status within {timeout:?}; check again later."),
    }
    Ok(())
}

fn is_final(status: &klavi::Status) -> bool {
    use klavi::Status::*;
    matches!(
        status,
        PaymentCompleted | PaymentRejected | ConsentRejected | Canceled | Error | Expired
    )
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// (id, name) of each participant that has an id.
fn participant_list(participants: &[klavi::Participant]) -> Vec<(String, String)> {
    participants
        .iter()
        .filter_map(|p| {
            let id = p.participant_id.clone()?;
            Some((id, p.name.clone().unwrap_or_default()))
        })
        .collect()
}

/// How often the client obtained a token from the fake.
fn token_requests(fake: &paygen_fake::klavi::Fake) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/auth"))
        .count()
}
