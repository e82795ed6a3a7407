//! Malformed requests are the provider's error answer, never a crash: every
//! fake answers each of them and keeps serving.

use paygen_fake::runtime::Server;

/// Raw requests no client would send.
fn garbage(base: &str) -> Vec<(&'static str, String, Vec<u8>, &'static str)> {
    vec![
        (
            "POST",
            format!("{base}/"),
            b"{not json".to_vec(),
            "application/json",
        ),
        (
            "POST",
            format!("{base}/"),
            vec![0xff, 0xfe, 0x00, 0x80],
            "application/json",
        ),
        (
            "POST",
            format!("{base}/"),
            b"a=%zz&b==&&=&c".to_vec(),
            "application/x-www-form-urlencoded",
        ),
        (
            "POST",
            format!("{base}/"),
            b"request=capture&it[99999999999999999999999]=x&it[-1]=y&it[]=z&txid=1".to_vec(),
            "application/x-www-form-urlencoded",
        ),
        (
            "POST",
            format!("{base}/"),
            "[".repeat(5000).into_bytes(),
            "application/json",
        ),
        ("GET", format!("{base}/%zz/%2F../..%00/"), Vec::new(), ""),
        ("DELETE", format!("{base}/purchases/"), Vec::new(), ""),
        (
            "PATCH",
            format!("{base}/v1/payment/requests/%E2%82"),
            b"{}".to_vec(),
            "application/json",
        ),
        (
            "GET",
            format!("{base}/payment/customer/v1/instant/payments//status"),
            Vec::new(),
            "",
        ),
        (
            "POST",
            format!("{base}/payment/customer/v1/auth"),
            b"{\"accessKey\": 5}".to_vec(),
            "application/json",
        ),
        (
            "POST",
            format!("{base}/v1/payment/requests"),
            b"{\"currency\": {\"a\": [1, null]}, \"payment_amount\": 1e400}".to_vec(),
            "application/json",
        ),
    ]
}

async fn survives(server: &Server) {
    let http = reqwest::Client::new();
    let base = server.base_url();
    for (method, url, body, content_type) in garbage(&base) {
        let mut req = http.request(method.parse().unwrap(), &url).body(body);
        if !content_type.is_empty() {
            req = req.header("content-type", content_type);
        }
        req = req.header("authorization", "Bearer nonsense");
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        assert!(resp.status().as_u16() >= 200, "{method} {url}");
    }
    // Still serving, every request recorded with its answer.
    let log = server.requests();
    assert_eq!(log.len(), garbage(&base).len());
    assert!(log.iter().all(|r| r.status.is_some()), "{log:?}");
}

#[tokio::test]
async fn every_fake_answers_malformed_requests() {
    survives(paygen_fake::klix::Fake::start().await.server()).await;
    survives(paygen_fake::klarna_payments::Fake::start().await.server()).await;
    survives(
        paygen_fake::klarna_customer_token::Fake::start()
            .await
            .server(),
    )
    .await;
    survives(paygen_fake::payone::Fake::start().await.server()).await;
    survives(paygen_fake::klavi::Fake::start().await.server()).await;
}

#[tokio::test]
async fn controls_with_unknown_names_or_ids_are_errors() {
    let fake = paygen_fake::klix::Fake::start().await;
    assert!(fake.control("no_such_control", Some("x")).await.is_err());
    assert!(fake.control("pay", None).await.is_err());
    assert!(fake.pay("").await.is_err());
}
