//! PAYONE (Klarna via the Server API) through the real client against the
//! fake: start_session → preauthorization → redirect → appointed →
//! captures → paid → debit, each step's TransactionStatus notification
//! checked by the client's `NotificationVerifier` and answered `TSOK`;
//! authorization, cancellation, session updates; `status=ERROR` answers for
//! credentials, duplicate references, sequence numbers and the form rules.

mod common;

use common::Receiver;
use paygen::payone;
use paygen::runtime::{HttpOptions, RetryPolicy};
use paygen_fake::payone::{Fake, Operation};
use paygen_fake::runtime::{Fault, RequestBody, Settings};

fn client(fake: &Fake) -> payone::Client {
    payone::Client::new(
        fake.config()
            .options(HttpOptions::default().retry(RetryPolicy::none())),
    )
    .expect("the client builds")
}

fn socks() -> payone::LineItem {
    payone::LineItem::new(payone::ItemType::Goods)
        .id("socks1")
        .price(2340)
        .quantity(1)
        .description("for the feet")
        .vat_rate(1900)
}

fn preauthorization(reference: &str, workorderid: &str) -> payone::PreauthorizeRequest {
    payone::PreauthorizeRequest::new(
        reference,
        3000,
        "EUR",
        "Mustermann",
        "DE",
        payone::Financingtype::Kis,
        "https://shop.example/ok",
        "https://shop.example/error",
        "https://shop.example/back",
    )
    .workorderid(workorderid)
    .authorization_token("widget-authorization-token-1")
    .items(vec![socks()])
}

/// The `ErrorResponse` of a refused call.
fn payone_error(err: paygen::Error<payone::ErrorResponse>) -> payone::ErrorResponse {
    match err {
        paygen::Error::Api(api) => {
            assert_eq!(api.status, 200, "PAYONE refuses with HTTP 200");
            api.body.expect("a typed error body")
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

async fn session(client: &payone::Client) -> String {
    let answer = client
        .start_session(
            payone::StartSessionRequest::new(
                payone::Financingtype::Kis,
                3000,
                "EUR",
                "Mustermann",
                "DE",
            )
            .items(vec![socks()]),
        )
        .await
        .expect("a session");
    let payone::StartSessionResponse::Approved(s) = answer;
    assert!(s.client_token.is_some());
    s.workorderid.expect("a workorder id")
}

async fn redirected(client: &payone::Client, reference: &str, workorderid: &str) -> i64 {
    match client
        .preauthorize(preauthorization(reference, workorderid))
        .await
        .expect("preauthorized")
    {
        payone::PreauthorizeResponse::Redirect(r) => {
            assert!(r.redirecturl.is_some());
            assert!(r.userid.is_some());
            r.txid.expect("a txid")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_klarna_flow_with_notifications_the_verifier_accepts() {
    let receiver = Receiver::answering(200, "TSOK").await;
    let fake = Fake::start_with(Settings::new().delivery_url(receiver.url("/payone/status"))).await;
    let client = client(&fake);

    let workorderid = session(&client).await;
    let updated = client
        .update_session(
            payone::UpdateSessionRequest::new(
                &workorderid,
                payone::Financingtype::Kis,
                2340,
                "EUR",
                "000000000001",
                "session-1",
                "DE",
            )
            .items(vec![socks()]),
        )
        .await
        .expect("updated");
    let payone::UpdateSessionResponse::Approved(u) = updated;
    assert_eq!(u.workorderid.as_deref(), Some(workorderid.as_str()));

    let txid = redirected(&client, "order-42", &workorderid).await;
    // Capturing before the shopper returns is refused.
    let err = payone_error(
        client
            .capture(payone::CaptureRequest::new(
                txid,
                payone::Capturemode::Notcompleted,
                1000,
                "EUR",
            ))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.errorcode, Some(1202));

    let appointed = fake.approve(&txid.to_string()).await.expect("appointed");
    assert_eq!(appointed["state"], "appointed");

    // Two partial captures; the second must carry sequence number 2.
    let first = client
        .capture(payone::CaptureRequest::new(
            txid,
            payone::Capturemode::Notcompleted,
            1000,
            "EUR",
        ))
        .await
        .expect("captured");
    let payone::CaptureResponse::Approved(c) = first else {
        panic!("{first:?}")
    };
    assert_eq!(c.txid, Some(txid));
    let err = payone_error(
        client
            .capture(payone::CaptureRequest::new(
                txid,
                payone::Capturemode::Notcompleted,
                2000,
                "EUR",
            ))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.errorcode, Some(1202));
    assert_eq!(
        err.errormessage.as_deref(),
        Some("Parameter {sequencenumber} faulty or missing")
    );
    client
        .capture(
            payone::CaptureRequest::new(txid, payone::Capturemode::Completed, 2000, "EUR")
                .sequencenumber(2),
        )
        .await
        .expect("captured");
    // Nothing is left to capture.
    assert!(client
        .capture(
            payone::CaptureRequest::new(txid, payone::Capturemode::Notcompleted, 1, "EUR")
                .sequencenumber(3)
        )
        .await
        .is_err());

    fake.settle(&txid.to_string()).await.expect("paid");
    let refund = client
        .debit(payone::DebitRequest::new(
            txid,
            3,
            -500,
            "EUR",
            payone::Settleaccount::Auto,
        ))
        .await
        .expect("refunded");
    let payone::DebitResponse::Approved(d) = refund;
    assert_eq!(d.txid, Some(txid));
    assert_eq!(d.settleaccount, Some(payone::Settleaccount::Auto));

    // Every step was notified, key-checked and answered TSOK.
    let verifier = payone::NotificationVerifier::new(fake.portal_key());
    let notes: Vec<payone::TransactionStatus> = fake
        .deliveries()
        .iter()
        .map(|d| {
            assert!(d.acknowledged, "{d:?}");
            assert_eq!(
                d.reply.as_deref(),
                Some(payone::NotificationVerifier::REPLY)
            );
            verifier.verify(&d.body).expect("the key matches")
        })
        .collect();
    let actions: Vec<_> = notes.iter().map(|n| n.txaction.clone().unwrap()).collect();
    assert_eq!(
        actions,
        [
            payone::Txaction::Appointed,
            payone::Txaction::Capture,
            payone::Txaction::Capture,
            payone::Txaction::Paid,
            payone::Txaction::Debit,
        ]
    );
    let sequence: Vec<_> = notes.iter().map(|n| n.sequencenumber.unwrap()).collect();
    assert_eq!(sequence, [0, 1, 2, 2, 3]);
    let last = notes.last().unwrap();
    assert_eq!(last.txid, Some(txid));
    assert_eq!(last.reference.as_deref(), Some("order-42"));
    assert_eq!(last.price.as_deref(), Some("30.00"));
    assert_eq!(last.receivable.as_deref(), Some("25.00"));
    assert_eq!(last.mode, Some(payone::Mode::Test));
    assert_eq!(last.portalid.as_deref(), Some(fake.portal_id().as_str()));
    assert_eq!(receiver.bodies().await.len(), 5);
    // A notification keyed for another portal key is rejected.
    assert!(payone::NotificationVerifier::new("other")
        .verify(&fake.deliveries()[0].body)
        .is_err());
}

#[tokio::test]
async fn an_authorization_is_captured_with_the_shoppers_approval_and_cancellation_needs_the_token()
{
    let receiver = Receiver::answering(200, "TSOK").await;
    let fake = Fake::start_with(Settings::new().delivery_url(receiver.url("/tx"))).await;
    let client = client(&fake);
    let workorderid = session(&client).await;
    let answer = client
        .authorize(
            payone::AuthorizeRequest::new(
                "order-43",
                3000,
                "EUR",
                "Mustermann",
                "DE",
                payone::Financingtype::Kiv,
                "https://shop.example/ok",
                "https://shop.example/error",
                "https://shop.example/back",
            )
            .workorderid(&workorderid),
        )
        .await
        .unwrap();
    let payone::AuthorizeResponse::Redirect(r) = answer else {
        panic!("{answer:?}")
    };
    let txid = r.txid.unwrap();
    fake.approve(&txid.to_string()).await.unwrap();
    // Captured at approval: a refund works at once, a capture does not.
    assert!(client
        .capture(payone::CaptureRequest::new(
            txid,
            payone::Capturemode::Notcompleted,
            100,
            "EUR"
        ))
        .await
        .is_err());

    // A preauthorization cancelled by its widget token.
    let txid2 = redirected(&client, "order-44", &workorderid).await;
    let cancelled = client
        .cancel_authorization(payone::CancelAuthorizationRequest::new(
            "widget-authorization-token-1",
        ))
        .await
        .expect("cancelled");
    assert!(matches!(
        cancelled,
        payone::CancelAuthorizationResponse::Approved(_)
    ));
    assert_eq!(
        fake.resource("transaction", &txid2.to_string()).unwrap()["state"],
        "cancelation"
    );
    let err = payone_error(
        client
            .cancel_authorization(payone::CancelAuthorizationRequest::new("unknown-token"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.errormessage.as_deref(),
        Some("Parameter {add_paydata[authorization_token]} faulty or missing")
    );
}

#[tokio::test]
async fn credentials_references_and_ids_are_checked() {
    let fake = Fake::start().await;
    let client = client(&fake);
    // The wrong portal key (sent as its MD5, as always).
    let wrong = payone::Client::new(
        payone::Config::new(
            fake.merchant_id(),
            fake.subaccount_id(),
            fake.portal_id(),
            "wrong",
        )
        .environment(fake.environment()),
    )
    .unwrap();
    let err = payone_error(
        wrong
            .capture(payone::CaptureRequest::new(
                123456789,
                payone::Capturemode::Notcompleted,
                100,
                "EUR",
            ))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.errorcode, Some(1202));
    assert_eq!(
        err.errormessage.as_deref(),
        Some("Parameter {key} faulty or missing")
    );
    // SHA-384 is accepted as well.
    let sha =
        payone::Client::new(fake.config().key_hash(paygen::runtime::KeyHash::Sha384)).unwrap();
    let workorderid = session(&sha).await;

    // A duplicate reference: PAYONE's 911.
    redirected(&client, "order-1", &workorderid).await;
    let err = payone_error(
        client
            .preauthorize(preauthorization("order-1", &workorderid))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.errorcode, Some(911));
    assert_eq!(
        err.errormessage.as_deref(),
        Some("Reference number already exists")
    );
    // An unknown workorder or txid.
    let err = payone_error(
        client
            .preauthorize(preauthorization("order-2", "WXNOSUCHORDER00"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.errormessage.as_deref(),
        Some("Parameter {workorderid} faulty or missing")
    );
    let err = payone_error(
        client
            .capture(payone::CaptureRequest::new(
                999999999,
                payone::Capturemode::Notcompleted,
                100,
                "EUR",
            ))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.errormessage.as_deref(),
        Some("Parameter {txid} faulty or missing")
    );
}

/// What a client that skipped its own checks would send.
async fn raw(fake: &Fake, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = vec![
        ("mid".into(), fake.merchant_id()),
        ("aid".into(), fake.subaccount_id()),
        ("portalid".into(), fake.portal_id()),
        ("key".into(), md5_hex(&fake.portal_key())),
        ("api_version".into(), "3.11".into()),
        ("encoding".into(), "UTF-8".into()),
        ("mode".into(), "test".into()),
        ("request".into(), "genericpayment".into()),
        ("add_paydata[action]".into(), "start_session".into()),
        ("clearingtype".into(), "fnc".into()),
        ("financingtype".into(), "KIS".into()),
        ("amount".into(), "3000".into()),
        ("currency".into(), "EUR".into()),
        ("lastname".into(), "Mustermann".into()),
        ("country".into(), "DE".into()),
    ];
    for (k, v) in extra {
        pairs.retain(|(key, _)| key != k);
        if !v.starts_with('\u{0}') {
            pairs.push(((*k).into(), (*v).into()));
        }
    }
    let body: String = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC),
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    reqwest::Client::new()
        .post(fake.base_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn md5_hex(s: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn the_form_rules_are_payones() {
    let fake = Fake::start().await;
    assert!(raw(&fake, &[]).await.starts_with("status=APPROVED\n"));
    for (extra, field) in [
        (vec![("lastname", "")], "lastname"),      // no empty values
        (vec![("lastname", "\u{0}")], "lastname"), // required
        (vec![("lastname", "M")], "lastname"),     // CHAR(2..50)
        (vec![("amount", "30.00")], "amount"),     // NUMERIC
        (vec![("financingtype", "XYZ")], "financingtype"), // LIST
        (vec![("birthday", "19601307")], "birthday"), // DATE(8)
        (vec![("zip", "12345!")], "zip"),          // permitted symbols
        (vec![("mode", "prod")], "mode"),          // environments
        (vec![("it[0]", "goods")], "it[0]"),       // 1-based indexes
        (vec![("it[1]", "goods"), ("it[3]", "goods")], "it[2]"), // no gaps
        (vec![("pr[1]", "100")], "it[1]"),         // item's required type
        (vec![("request", "refund")], "request"),  // unknown request
    ] {
        let answer = raw(&fake, &extra).await;
        assert!(
            answer.starts_with("status=ERROR\nerrorcode=1202\n")
                && answer.contains(&format!(
                    "errormessage=Parameter {{{field}}} faulty or missing"
                )),
            "{extra:?}: {answer}"
        );
    }
    // The log keeps the request, key redacted.
    let r = fake.requests().pop().unwrap();
    let RequestBody::Form(pairs) = &r.body else {
        panic!()
    };
    assert!(pairs.contains(&("key".to_string(), "[REDACTED]".to_string())));
    assert_eq!(r.operation, None, "no operation matches request=refund");
}

#[tokio::test]
async fn a_missing_tsok_is_recorded_and_faults_apply() {
    let receiver = Receiver::answering(200, "OK").await;
    let fake = Fake::start_with(Settings::new().delivery_url(receiver.url("/tx"))).await;
    let client = client(&fake);
    let workorderid = session(&client).await;
    let txid = redirected(&client, "order-9", &workorderid).await;
    fake.approve(&txid.to_string()).await.unwrap();
    let d = &fake.deliveries()[0];
    assert_eq!(d.status, Some(200));
    assert!(!d.acknowledged, "OK is not TSOK");

    fake.fault(
        Operation::Capture,
        Fault::text(
            200,
            "status=ERROR\nerrorcode=981\nerrormessage=Payment method not available (fnc/KIS)\n",
            "text/plain",
        ),
    );
    let err = payone_error(
        client
            .capture(payone::CaptureRequest::new(
                txid,
                payone::Capturemode::Notcompleted,
                100,
                "EUR",
            ))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.errorcode, Some(981));
    // The fault answered; the capture itself still works afterwards.
    assert!(client
        .capture(payone::CaptureRequest::new(
            txid,
            payone::Capturemode::Notcompleted,
            100,
            "EUR"
        ))
        .await
        .is_ok());
}
