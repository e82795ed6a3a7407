//! One client shared by many tasks: no lock is held across an `.await` on
//! the way a call takes (the token cache included).
//!
//! A `std::sync::Mutex` guard held across an `.await` does not compile here
//! (the calls' futures must be `Send`, and such a guard is not); these tests
//! catch the rest: an async lock held while a token is fetched, or a
//! blocking lock reached from two tasks. Every scenario runs on a
//! single-threaded Tokio runtime, where either makes the calls stall or
//! never finish, on a thread of its own watched from the test's thread, so
//! that a deadlock fails the test (after a generous bound) instead of
//! hanging it.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use futures::future::join_all;
use paygen::{klavi, klix};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AUTH: &str = "/payment/customer/v1/auth";
const STATUS: &str = r"^/payment/customer/v1/instant/payments/[^/]+/status$";
const PAYMENTS: &str = "/payment/customer/v1/instant/payments";

/// Runs `scenario` on a single-threaded runtime on a thread of its own;
/// fails if it has not finished within `bound` (a deadlock), or panicked.
fn on_one_thread<F>(bound: Duration, scenario: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()>,
{
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(scenario())));
        let _ = done.send(outcome.is_ok());
    });
    match finished.recv_timeout(bound) {
        Ok(true) => {}
        Ok(false) => panic!("the scenario failed (see its panic above)"),
        Err(_) => panic!("the calls did not finish: a lock is held across an await"),
    }
}

fn status_body() -> serde_json::Value {
    json!({"id": "p-1", "status": "PAYMENT_COMPLETED", "amount": "10.00", "currency": "BRL"})
}

fn token(n: u32) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"accessToken": format!("token-{n}"), "expireIn": 3600}))
}

fn client(server: &MockServer) -> klavi::Client {
    klavi::Client::new(klavi::Config::new("access", "secret").base_url(server.uri()))
        .expect("client")
}

/// A call in flight holds its request as encoded bytes, not the value it
/// was built from: `create_purchase`'s future is the size of
/// `get_purchase`'s, which has no body, although Klix's `Purchase` is
/// 2.5 KB. A thousand concurrent purchases do not each carry one, and the
/// future moves (into a task, a `join_all`) without copying it.
#[test]
fn an_operation_future_holds_the_encoded_body_not_the_argument() {
    let client =
        klix::Client::new(klix::Config::new("key").base_url("http://127.0.0.1:9")).expect("client");
    let purchase = klix::Purchase::new(
        klix::ClientDetails::new("a@b.lv"),
        klix::PurchaseDetails::new(vec![klix::Product::new("Band 5", 3000)]),
        "brand",
    )
    .success_redirect("https://shop.example/ok");
    let body_size = std::mem::size_of::<klix::Purchase>();
    let create = client.create_purchase(purchase);
    let get = client.get_purchase("id");
    assert_eq!(
        std::mem::size_of_val(&create),
        std::mem::size_of_val(&get),
        "create_purchase's future carries more than get_purchase's (Purchase is {body_size} bytes)"
    );
    assert!(body_size > 1024, "Purchase is {body_size} bytes");
    // Each layer holds what it sends once: an `async` block awaiting the
    // transport's future kept it twice (2.5 KB per call in flight).
    assert!(
        std::mem::size_of_val(&get) <= 1536,
        "get_purchase's future is {} bytes",
        std::mem::size_of_val(&get)
    );
}

/// 300 calls at once while the token is being fetched (they all wait for the
/// one fetch), then 300 more with the cached token, interleaved on one thread.
#[test]
fn concurrent_calls_share_one_token_fetch_on_one_thread() {
    on_one_thread(Duration::from_secs(120), || async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(AUTH))
            .respond_with(token(1).set_delay(Duration::from_millis(200)))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(STATUS))
            .respond_with(ResponseTemplate::new(200).set_body_json(status_body()))
            .mount(&server)
            .await;
        let client = client(&server);
        for _round in 0..2 {
            let calls = (0..300).map(|i| {
                let client = client.clone();
                async move { client.get_payment_status(&format!("p-{i}")).await }
            });
            for result in join_all(calls).await {
                assert_eq!(
                    result.expect("the call succeeds").status,
                    Some(klavi::Status::PaymentCompleted)
                );
            }
        }
        server.verify().await;
    });
}

/// A one-time token whose fetch does not end (the endpoint stalls) holds up
/// none of the calls that use the cached token: they all finish while it is
/// still running.
#[test]
fn a_stalled_token_fetch_holds_up_no_call_with_a_cached_token() {
    on_one_thread(Duration::from_secs(120), || async {
        let server = MockServer::start().await;
        // The first token serves the cached calls; the one-time token the
        // payment asks for stalls far beyond this test.
        Mock::given(method("POST"))
            .and(path(AUTH))
            .respond_with(token(1))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(AUTH))
            .respond_with(token(2).set_delay(Duration::from_secs(600)))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(STATUS))
            .respond_with(ResponseTemplate::new(200).set_body_json(status_body()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(PAYMENTS))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "p-9"})))
            .mount(&server)
            .await;
        let client = client(&server);
        client.get_payment_status("p-0").await.expect("first call");

        let payment = tokio::spawn({
            let client = client.clone();
            async move { client.create_payment(payment_request()).await }
        });
        // Until the one-time fetch has reached the endpoint.
        while token_requests(&server).await < 2 {
            tokio::task::yield_now().await;
        }
        let calls = (0..200).map(|i| {
            let client = client.clone();
            async move { client.get_payment_status(&format!("p-{i}")).await }
        });
        for result in join_all(calls).await {
            result.expect("a call with the cached token succeeds");
        }
        assert!(
            !payment.is_finished(),
            "the one-time token fetch was still running"
        );
        assert_eq!(token_requests(&server).await, 2, "no other fetch");
        payment.abort();
    });
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == AUTH)
        .count()
}

fn payment_request() -> klavi::PaymentRequest {
    klavi::PaymentRequest::new(
        "order-1",
        "participant-1",
        klavi::Customer::new(klavi::IdentifierType::Cpf, "12345678909"),
        "10.00".parse().expect("an amount"),
        klavi::Currency::Brl,
        "https://shop.example/return",
        klavi::Account::new(),
    )
}
