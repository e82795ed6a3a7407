//! Failure tests of the generated clients: what a caller sees, and how many
//! requests reach the server, when the network or the provider misbehaves.
//!
//! Every server is local (wiremock, or a raw `TcpListener` on 127.0.0.1 for
//! faults wiremock cannot produce). Every test asserts the error kind (the
//! `paygen::Error` variant) and the exact number of requests (wiremock
//! `.expect(n)` + `verify()`, `received_requests()`, or accepted connections).
//!
//! 1. `Retry-After` is honoured, and one longer than `max_retry_after` ends the retries.
//! 2. 503, 503, 200 on a GET: success after 3 requests.
//! 3. A Klix (and PAYONE) POST answered 503 is not resent.
//! 4. A Klarna POST answered 503 is resent with the same idempotency key.
//! 5. A connection closed mid-response (or a body that stops arriving): a GET
//!    and a Klarna POST are retried, a Klix POST is not.
//! 6. A refused connection is retried, POST included (nothing was sent).
//! 7. A response slower than the timeout: GET retried, Klix POST not.
//! 8. Truncated JSON, wrong content types, HTML error pages from a proxy.
//! 9. A body over the size cap, with and without `Content-Length`; and
//!    `Error::attempts()` when retries end in a decode or size error.
//! 10. Unknown fields and enum values still decode (Klix, Klarna, PAYONE).
//! 11. Secrets never reach the logs, nor `Debug`/`Display` of errors, configs
//!     and clients.
//! 12. Token fetches under failure (Klavi): one shared fetch, its failure
//!     shared and backed off, waits bounded by the timeout, one-time tokens
//!     that hold nobody up; token lifetimes that cannot panic.
//! 13. Redirects are reported, never followed (the body is not resent).
//! 14. Hostile sizes: bounded error text for megabyte bodies, no
//!     preallocation from a huge `Content-Length`.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use md5::{Digest as _, Md5};
use paygen::klarna_customer_token as kct;
use paygen::klarna_payments as kp;
use paygen::klix;
use paygen::payone;
use paygen::runtime::{Error, HttpOptions, RetryPolicy};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BRAND: &str = "795ad4f4-2d41-4b3e-8a1f-6ac5ac87d8a5";
const PURCHASE_ID: &str = "3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a";
const PURCHASE_PATH: &str = "/api/v1/purchases/3f1c2d4e-9b8a-4c7d-a6e5-0f1e2d3c4b5a/";
const PURCHASES_PATH: &str = "/api/v1/purchases/";
const KP_REQUESTS_PATH: &str = "/v1/payment/requests";
const PAYMENT_REQUEST_ID: &str = "krn:payment:eu1:request:552603c0-fe8b-4ab1-aacb-41d55fafbdb4";
const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                        <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                        </body>\r\n</html>\r\n";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The default policy with short waits, so that retries cost milliseconds.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

/// Short timeout, fast retries (3 attempts).
fn fast() -> HttpOptions {
    HttpOptions::default()
        .timeout(Duration::from_millis(300))
        .retry(fast_retry())
}

/// `base` is the server's root (`http://127.0.0.1:port`).
fn klix_client(base: &str, options: HttpOptions) -> klix::Client {
    klix::Client::new(
        klix::Config::new("test-secret-key")
            .base_url(format!("{base}/api/v1"))
            .options(options),
    )
    .expect("the Klix client builds")
}

fn kp_client(base: &str, options: HttpOptions) -> kp::Client {
    kp::Client::new(
        kp::Config::new("klarna_test_api_key")
            .base_url(base)
            .options(options),
    )
    .expect("the Klarna Payments client builds")
}

fn payone_client(base: &str, options: HttpOptions) -> payone::Client {
    payone::Client::new(
        payone::Config::new("23456", "12345", "12345123", "portal-key".to_string())
            .base_url(format!("{base}/post-gateway/"))
            .options(options),
    )
    .expect("the PAYONE client builds")
}

fn band_purchase() -> klix::Purchase {
    klix::Purchase::new(
        klix::ClientDetails::new("buyer@example.com"),
        klix::PurchaseDetails::new(vec![klix::Product::new("Band 5", 3000)]),
        BRAND,
    )
    .reference("order-42")
}

/// A Klix purchase as the API answers it.
fn purchase_json(status: &str) -> Value {
    json!({
        "id": PURCHASE_ID,
        "type": "purchase",
        "status": status,
        "client": { "email": "buyer@example.com" },
        "purchase": { "currency": "EUR", "products": [{ "name": "Band 5", "price": 3000 }] },
        "brand_id": BRAND,
        "checkout_url": "https://portal.klix.app/p/3f1c2d4e/",
    })
}

fn payment_request_json(state: &str) -> Value {
    json!({ "payment_request_id": PAYMENT_REQUEST_ID, "state": state })
}

fn preauthorize_request() -> payone::PreauthorizeRequest {
    payone::PreauthorizeRequest::new(
        "Ref123456",
        300,
        "EUR",
        "Mustermann",
        "DE",
        payone::Financingtype::Kis,
        "https://shop.test/ok",
        "https://shop.test/error",
        "https://shop.test/back",
    )
}

fn json_response(status: u16, body: &str) -> ResponseTemplate {
    raw_response(status, body, "application/json")
}

fn raw_response(status: u16, body: &str, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type)
}

/// Answers the n-th request with the n-th template (the last one repeats)
/// and notes when each request arrived.
struct Sequence {
    responses: Vec<ResponseTemplate>,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock().unwrap();
        arrivals.push(Instant::now());
        let i = (arrivals.len() - 1).min(self.responses.len() - 1);
        self.responses[i].clone()
    }
}

/// Mounts `verb route` answering with `responses` in turn, expected exactly
/// `expected` times; returns the arrival times.
async fn sequence(
    server: &MockServer,
    verb: &str,
    route: &str,
    responses: Vec<ResponseTemplate>,
    expected: impl Into<wiremock::Times>,
) -> Arc<Mutex<Vec<Instant>>> {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(Sequence {
            responses,
            arrivals: arrivals.clone(),
        })
        .expect(expected)
        .named(format!("{verb} {route}"))
        .mount(server)
        .await;
    arrivals
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn expect_api<E: Debug>(err: Error<E>) -> Box<paygen::runtime::ApiError<E>> {
    match err {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn expect_decode<E: Debug>(err: Error<E>) -> Box<paygen::runtime::DecodeError> {
    match err {
        Error::Decode(d) => d,
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

/// A server below HTTP: counts the connections it accepts, reads each
/// request whole (headers and `Content-Length` body), writes `response` as
/// given and closes the connection.
struct RawServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    /// The head (request line and headers) of each request, lowercased.
    heads: Arc<Mutex<Vec<String>>>,
}

impl RawServer {
    async fn start(response: Vec<u8>) -> RawServer {
        RawServer::start_holding(response, Duration::ZERO).await
    }

    /// Like [`RawServer::start`], but keeps each connection open for `hold`
    /// after writing the response.
    async fn start_holding(response: Vec<u8>, hold: Duration) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), heads.clone());
        let response = Arc::new(response);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (response, seen) = (response.clone(), seen.clone());
                tokio::spawn(async move {
                    let head =
                        tokio::time::timeout(Duration::from_secs(2), read_request(&mut stream))
                            .await
                            .unwrap_or_default();
                    seen.lock().unwrap().push(head);
                    // The peer may hang up first (e.g. over the size cap).
                    let _ = stream.write_all(&response).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(hold).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        RawServer {
            addr,
            connections,
            heads,
        }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Reads one HTTP/1.1 request: the headers, then `Content-Length` bytes.
/// Returns the head, lowercased.
async fn read_request(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&buf).to_ascii_lowercase(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    head
}

/// The value of `name` (lowercase) in a lowercased request head.
fn head_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// Headers promising 1000 bytes, then 11 of them, then the socket closes.
const CUT_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"partial\":";

// ---------------------------------------------------------------------------
// 1. Retry-After
// ---------------------------------------------------------------------------

#[tokio::test]
async fn retry_after_is_waited_for_before_the_get_is_resent() {
    let server = MockServer::start().await;
    let arrivals = sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![
            json_response(429, r#"{"detail":"Request was throttled."}"#)
                .insert_header("Retry-After", "1"),
            ResponseTemplate::new(200).set_body_json(purchase_json("paid")),
        ],
        2,
    )
    .await;
    // `max_backoff` is 20 ms: only `Retry-After` can make the wait 1 s.
    let client = klix_client(&server.uri(), fast());

    let purchase = client.get_purchase(PURCHASE_ID).await.expect("success");

    assert_eq!(purchase.status, Some(klix::PurchaseStatus::Paid));
    server.verify().await;
    let arrivals = arrivals.lock().unwrap();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1] - arrivals[0];
    assert!(
        gap >= Duration::from_millis(900),
        "the retry came {gap:?} after the 429, before its `Retry-After: 1`"
    );
    assert!(gap < Duration::from_secs(3), "waited {gap:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_max_retry_after_ends_the_retries() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![json_response(429, r#"{"detail":"Request was throttled."}"#)
            .insert_header("Retry-After", "31")],
        1,
    )
    .await;
    // The default `max_retry_after` is 30 s.
    let client = klix_client(&server.uri(), fast());

    let started = Instant::now();
    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not wait: {:?}",
        started.elapsed()
    );
    assert_eq!(err.attempts(), 1);
    let api = expect_api(err);
    assert_eq!(api.status, 429);
    assert_eq!(api.attempts, 1);
    assert_eq!(
        api.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("31"),
        "the caller can read the server's wish"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_retry_after_over_a_lowered_max_retry_after_ends_the_retries() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![json_response(503, "{}").insert_header("Retry-After", "2")],
        1,
    )
    .await;
    let client = klix_client(
        &server.uri(),
        fast().retry(RetryPolicy {
            max_retry_after: Duration::from_secs(1),
            ..fast_retry()
        }),
    );

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert_eq!(expect_api(err).status, 503);
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 2. Retried statuses on a GET
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_get_answered_503_twice_then_200_succeeds_after_3_requests() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![
            json_response(503, r#"{"detail":"Service unavailable"}"#),
            json_response(503, r#"{"detail":"Service unavailable"}"#),
            ResponseTemplate::new(200).set_body_json(purchase_json("paid")),
        ],
        3,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let purchase = client.get_purchase(PURCHASE_ID).await.expect("no error");

    assert_eq!(purchase.id.as_deref(), Some(PURCHASE_ID));
    assert_eq!(purchase.status, Some(klix::PurchaseStatus::Paid));
    server.verify().await;
}

#[tokio::test]
async fn a_get_answered_503_every_time_fails_after_max_attempts() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![json_response(503, r#"{"detail":"Service unavailable"}"#)],
        3,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert_eq!(err.attempts(), 3);
    let api = expect_api(err);
    assert_eq!(api.status, 503);
    assert_eq!(api.raw_body, r#"{"detail":"Service unavailable"}"#);
    server.verify().await;
}

#[tokio::test]
async fn only_429_502_503_504_are_retried() {
    for (status, expected_requests) in [
        (429, 2),
        (502, 2),
        (503, 2),
        (504, 2),
        (500, 1),
        (501, 1),
        (400, 1),
        (404, 1),
        (408, 1),
    ] {
        let server = MockServer::start().await;
        sequence(
            &server,
            "GET",
            PURCHASE_PATH,
            vec![
                json_response(status, "{}"),
                ResponseTemplate::new(200).set_body_json(purchase_json("paid")),
            ],
            expected_requests,
        )
        .await;
        let client = klix_client(&server.uri(), fast());

        let result = client.get_purchase(PURCHASE_ID).await;

        if expected_requests == 2 {
            assert!(result.is_ok(), "{status}: {result:?}");
        } else {
            let api = expect_api(result.unwrap_err());
            assert_eq!((api.status, api.attempts), (status, 1));
        }
        assert_eq!(
            received(&server).await.len() as u64,
            expected_requests,
            "HTTP {status}"
        );
    }
}

// ---------------------------------------------------------------------------
// 3. POST without an idempotency key: never resent
// ---------------------------------------------------------------------------

async fn klix_create_answered_503(options: HttpOptions) {
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        PURCHASES_PATH,
        vec![
            json_response(503, r#"{"detail":"Service unavailable"}"#),
            ResponseTemplate::new(201).set_body_json(purchase_json("created")),
        ],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), options);

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert_eq!(err.attempts(), 1);
    let api = expect_api(err);
    assert_eq!(api.status, 503);
    assert_eq!(api.attempts, 1);
    server.verify().await;
}

#[tokio::test]
async fn a_klix_post_answered_503_is_not_resent() {
    klix_create_answered_503(fast()).await;
}

#[tokio::test]
async fn a_klix_post_answered_503_is_not_resent_by_the_default_policy() {
    klix_create_answered_503(HttpOptions::default()).await;
}

#[tokio::test]
async fn a_payone_post_answered_503_is_not_resent() {
    // PAYONE has no idempotency key either: every request is a POST.
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        "/post-gateway/",
        vec![
            raw_response(503, "Service Unavailable", "text/plain"),
            raw_response(
                200,
                "status=REDIRECT\nredirecturl=https://x.test/r\n",
                "text/plain",
            ),
        ],
        1,
    )
    .await;
    let client = payone_client(&server.uri(), HttpOptions::default());

    let err = client
        .preauthorize(preauthorize_request())
        .await
        .unwrap_err();

    let api = expect_api(err);
    assert_eq!((api.status, api.attempts), (503, 1));
    assert_eq!(api.raw_body, "Service Unavailable");
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 4. Klarna POST: resent with the same idempotency key
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_klarna_post_answered_503_is_resent_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    let error = r#"{"error_id":"e1","error_type":"SERVICE_UNAVAILABLE","error_code":"SERVICE_UNAVAILABLE","error_message":"try again"}"#;
    sequence(
        &server,
        "POST",
        KP_REQUESTS_PATH,
        vec![
            json_response(503, error),
            json_response(503, error),
            ResponseTemplate::new(201).set_body_json(payment_request_json("SUBMITTED")),
        ],
        3,
    )
    .await;
    let client = kp_client(&server.uri(), fast());

    let created = client
        .create_payment_request(
            kp::CreatePaymentRequestParams::new(),
            kp::PaymentRequestData::new(kp::Currency::Eur, 1000),
        )
        .await
        .expect("the third attempt succeeds");

    assert_eq!(created.payment_request_id, PAYMENT_REQUEST_ID);
    assert_eq!(created.state, kp::PaymentRequestState::Submitted);
    server.verify().await;
    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    let keys: Vec<&str> = requests
        .iter()
        .map(|r| header(r, "klarna-idempotency-key").expect("the key is sent"))
        .collect();
    assert!(!keys[0].is_empty());
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "every retry reuses the first key: {keys:?}"
    );
    assert!(
        requests.iter().all(|r| r.body == requests[0].body),
        "the same body is resent"
    );
}

#[tokio::test]
async fn a_klarna_post_that_stays_unavailable_fails_after_max_attempts_with_one_key() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        KP_REQUESTS_PATH,
        vec![json_response(503, "{}")],
        3,
    )
    .await;
    let client = kp_client(&server.uri(), fast());

    let err = client
        .create_payment_request(
            kp::CreatePaymentRequestParams::new().klarna_idempotency_key("my-key-1"),
            kp::PaymentRequestData::new(kp::Currency::Eur, 1000),
        )
        .await
        .unwrap_err();

    assert_eq!(err.attempts(), 3);
    assert_eq!(expect_api(err).status, 503);
    server.verify().await;
    for r in received(&server).await {
        assert_eq!(header(&r, "klarna-idempotency-key"), Some("my-key-1"));
    }
}

// ---------------------------------------------------------------------------
// 5. Connection closed mid-response
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_get_cut_off_mid_response_is_retried_then_a_transport_error() {
    let server = RawServer::start(CUT_RESPONSE.to_vec()).await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "expected Error::Transport after 3 attempts, got {err:?}"
    );
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.connections(), 3, "one connection per attempt");
}

#[tokio::test]
async fn a_klix_post_cut_off_mid_response_is_not_resent() {
    let server = RawServer::start(CUT_RESPONSE.to_vec()).await;
    let client = klix_client(&server.uri(), fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert!(
        matches!(err, Error::Transport { attempts: 1, .. }),
        "expected Error::Transport after 1 attempt, got {err:?}"
    );
    assert_eq!(server.connections(), 1, "the POST may have taken effect");
}

#[tokio::test]
async fn a_klix_post_whose_connection_closes_without_an_answer_is_not_resent() {
    // The server read the whole request, then hung up: it may have acted on it.
    let server = RawServer::start(Vec::new()).await;
    let client = klix_client(&server.uri(), fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert!(
        matches!(err, Error::Transport { attempts: 1, .. }),
        "expected Error::Transport after 1 attempt, got {err:?}"
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_klarna_post_cut_off_mid_response_is_resent_with_the_same_key() {
    // Klarna POSTs carry an idempotency key: resending is safe.
    let server = RawServer::start(CUT_RESPONSE.to_vec()).await;
    let client = kp_client(&server.uri(), fast());

    let err = client
        .create_payment_request(
            kp::CreatePaymentRequestParams::new(),
            kp::PaymentRequestData::new(kp::Currency::Eur, 1000),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "expected Error::Transport after 3 attempts, got {err:?}"
    );
    assert_eq!(server.connections(), 3);
    let heads = server.heads();
    let keys: Vec<&str> = heads
        .iter()
        .map(|h| head_value(h, "klarna-idempotency-key").expect("the key is sent"))
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
}

#[tokio::test]
async fn a_body_that_stops_arriving_times_out_and_a_get_is_retried() {
    // Headers at once, then 11 of the 1000 promised bytes, then silence: the
    // timeout covers the body, not just the headers.
    let server = RawServer::start_holding(CUT_RESPONSE.to_vec(), Duration::from_secs(3)).await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert!(
        matches!(err, Error::Timeout { attempts: 3, .. }),
        "expected Error::Timeout after 3 attempts, got {err:?}"
    );
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn a_klix_post_whose_body_stops_arriving_times_out_and_is_not_resent() {
    let server = RawServer::start_holding(CUT_RESPONSE.to_vec(), Duration::from_secs(3)).await;
    let client = klix_client(&server.uri(), fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert!(
        matches!(err, Error::Timeout { attempts: 1, .. }),
        "expected Error::Timeout after 1 attempt, got {err:?}"
    );
    assert_eq!(server.connections(), 1);
}

// ---------------------------------------------------------------------------
// 6. Connection refused
// ---------------------------------------------------------------------------

/// A local port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_klix_post() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let client = klix_client(&base, fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert!(
        matches!(err, Error::Connect { attempts: 3, .. }),
        "expected Error::Connect after 3 attempts, got {err:?}"
    );
    assert_eq!(err.attempts(), fast_retry().max_attempts);
}

#[tokio::test]
async fn a_refused_connection_is_retried_up_to_max_attempts() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let client = kp_client(
        &base,
        fast().retry(RetryPolicy {
            max_attempts: 5,
            ..fast_retry()
        }),
    );

    let err = client
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert_eq!(err.attempts(), 5);
}

// ---------------------------------------------------------------------------
// 7. Slower than the timeout
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_get_times_out_on_every_attempt() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![ResponseTemplate::new(200)
            .set_body_json(purchase_json("paid"))
            .set_delay(Duration::from_millis(800))],
        3,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    // Each attempt gave up at 300 ms: had one waited the 800 ms, it would
    // have succeeded.
    assert!(
        matches!(err, Error::Timeout { attempts: 3, .. }),
        "expected Error::Timeout after 3 attempts, got {err:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_slow_klix_post_times_out_and_is_not_resent() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        PURCHASES_PATH,
        vec![ResponseTemplate::new(201)
            .set_body_json(purchase_json("created"))
            .set_delay(Duration::from_millis(800))],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert!(
        matches!(err, Error::Timeout { attempts: 1, .. }),
        "expected Error::Timeout after 1 attempt, got {err:?}"
    );
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 8. Bodies that are not what they claim
// ---------------------------------------------------------------------------

#[tokio::test]
async fn truncated_json_with_200_is_a_decode_error_with_status_and_raw_body() {
    let body = r#"{"id": "x", "status": "#;
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![json_response(200, body)],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert_eq!(err.status(), Some(200));
    let decode = expect_decode(err);
    assert_eq!(decode.status, 200);
    assert_eq!(decode.raw_body, body);
    assert_eq!(decode.operation, "get_purchase");
    assert_eq!(decode.content_type.as_deref(), Some("application/json"));
    assert!(decode.message.contains("EOF"), "{}", decode.message);
    server.verify().await;
}

#[tokio::test]
async fn valid_json_labelled_text_plain_still_decodes() {
    let body = purchase_json("paid").to_string();
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![raw_response(200, &body, "text/plain; charset=utf-8")],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let purchase = client.get_purchase(PURCHASE_ID).await.expect("decodes");

    assert_eq!(purchase.status, Some(klix::PurchaseStatus::Paid));
    server.verify().await;
}

#[tokio::test]
async fn a_proxy_html_502_on_a_get_is_an_api_error_after_retries() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![raw_response(502, HTML_502, "text/html")],
        3,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    let api = expect_api(err);
    assert_eq!((api.status, api.attempts), (502, 3));
    assert_eq!(api.body, None, "HTML is no documented error body");
    assert_eq!(api.raw_body, HTML_502);
    assert_eq!(
        api.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/html")
    );
    server.verify().await;
}

#[tokio::test]
async fn a_proxy_html_502_on_a_klix_post_is_an_api_error_after_one_request() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        PURCHASES_PATH,
        vec![raw_response(502, HTML_502, "text/html")],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    let api = expect_api(err);
    assert_eq!((api.status, api.attempts), (502, 1));
    assert_eq!(api.body, None);
    assert_eq!(api.raw_body, HTML_502);
    server.verify().await;
}

#[tokio::test]
async fn an_html_200_is_a_decode_error_naming_the_content_type() {
    let html = "<!DOCTYPE html><html><body><h1>Please enable cookies</h1></body></html>";
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![raw_response(200, html, "text/html; charset=utf-8")],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    let shown = err.to_string();
    let decode = expect_decode(err);
    assert_eq!(decode.status, 200);
    assert_eq!(decode.raw_body, html);
    assert_eq!(
        decode.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        decode.message.contains("text/html"),
        "the message names the content type: {}",
        decode.message
    );
    assert!(shown.contains("text/html"), "{shown}");
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 9. Size cap
// ---------------------------------------------------------------------------

const BIG: usize = 64 * 1024;

fn capped() -> HttpOptions {
    fast().max_response_bytes(1024)
}

#[tokio::test]
async fn a_body_over_the_cap_with_content_length_is_response_too_large() {
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(BIG - 10));
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![json_response(200, &body)],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), capped());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "expected Error::ResponseTooLarge, got {err:?}"
    );
    assert_eq!(err.attempts(), 1);
    server.verify().await;
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_response_too_large() {
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..BIG / 1024 {
        response.extend_from_slice(b"400\r\n");
        response.extend_from_slice(&[b' '; 1024]);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let server = RawServer::start(response).await;
    let client = klix_client(&server.uri(), capped());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "expected Error::ResponseTooLarge, got {err:?}"
    );
    assert_eq!(server.connections(), 1, "not retried");
}

#[tokio::test]
async fn an_error_body_over_the_cap_is_response_too_large() {
    // A 503 would be retried; its oversized body is not read, nor retried.
    let body = "x".repeat(BIG);
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![raw_response(503, &body, "text/plain")],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), capped());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "expected Error::ResponseTooLarge, got {err:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_accepted_and_one_byte_more_is_not() {
    let exactly = |n: usize| {
        let mut body = purchase_json("paid");
        body["pad"] = json!("");
        let pad = n - body.to_string().len();
        body["pad"] = json!(" ".repeat(pad));
        let text = body.to_string();
        assert_eq!(text.len(), n);
        text
    };
    for (size, fits) in [(1024, true), (1025, false)] {
        let server = MockServer::start().await;
        sequence(
            &server,
            "GET",
            PURCHASE_PATH,
            vec![json_response(200, &exactly(size))],
            1,
        )
        .await;
        let client = klix_client(&server.uri(), capped());

        let result = client.get_purchase(PURCHASE_ID).await;

        if fits {
            assert!(result.is_ok(), "{size} bytes: {result:?}");
        } else {
            assert!(
                matches!(result, Err(Error::ResponseTooLarge { limit: 1024, .. })),
                "{size} bytes: {result:?}"
            );
        }
        server.verify().await;
    }
}

// ---------------------------------------------------------------------------
// 9b. `Error::attempts()` after retries that end in another kind of error
// ---------------------------------------------------------------------------

#[tokio::test]
async fn attempts_counts_the_retries_before_a_decode_error() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![
            json_response(503, "{}"),
            json_response(503, "{}"),
            json_response(200, r#"{"id": "x", "status": "#),
        ],
        3,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    server.verify().await;
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.attempts(), 3, "3 requests were sent");
}

#[tokio::test]
async fn attempts_counts_the_retries_before_a_response_too_large() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![
            json_response(503, "{}"),
            json_response(503, "{}"),
            json_response(200, &"x".repeat(BIG)),
        ],
        3,
    )
    .await;
    let client = klix_client(&server.uri(), capped());

    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();

    server.verify().await;
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 3, "3 requests were sent");
}

// ---------------------------------------------------------------------------
// 10. Unknown fields and enum values
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_klix_purchase_with_an_unknown_status_and_extra_fields_decodes() {
    let mut body = purchase_json("teleported");
    body["brand_new_field"] = json!({ "nested": [1, 2, 3] });
    body["purchase"]["loyalty_points"] = json!(42);
    body["client"]["favourite_colour"] = json!("teal");
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![ResponseTemplate::new(200).set_body_json(body)],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let purchase = client.get_purchase(PURCHASE_ID).await.expect("decodes");

    assert_eq!(
        purchase.status,
        Some(klix::PurchaseStatus::Unknown("teleported".into()))
    );
    assert_eq!(purchase.id.as_deref(), Some(PURCHASE_ID));
    assert_eq!(purchase.client.email, "buyer@example.com");
    server.verify().await;
}

#[tokio::test]
async fn a_klarna_payment_request_with_an_unknown_state_decodes() {
    let mut body = payment_request_json("PARTIALLY_TELEPORTED");
    body["state_reason"] = json!("SOME_NEW_REASON");
    body["a_field_from_2030"] = json!({ "x": true });
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        &format!("{KP_REQUESTS_PATH}/{PAYMENT_REQUEST_ID}"),
        vec![ResponseTemplate::new(200).set_body_json(body)],
        1,
    )
    .await;
    let client = kp_client(&server.uri(), fast());

    let request = client
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .expect("decodes");

    assert_eq!(
        request.state,
        kp::PaymentRequestState::Unknown("PARTIALLY_TELEPORTED".into())
    );
    assert_eq!(
        request.state_reason,
        Some(kp::PaymentRequestStateReason::Unknown(
            "SOME_NEW_REASON".into()
        ))
    );
    server.verify().await;
}

#[tokio::test]
async fn a_payone_response_with_extra_keys_keeps_them_in_additional() {
    let body = "status=REDIRECT\nredirecturl=https://x.test/r?a=1\ntxid=345678901\n\
                userid=123456789\nnew_key=new value\nadd_paydata[fresh]=yes\n";
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        "/post-gateway/",
        vec![raw_response(200, body, "text/plain")],
        1,
    )
    .await;
    let client = payone_client(&server.uri(), fast());

    let response = client
        .preauthorize(preauthorize_request())
        .await
        .expect("decodes");

    let payone::PreauthorizeResponse::Redirect(redirect) = response else {
        panic!("expected REDIRECT, got {response:?}");
    };
    assert_eq!(redirect.txid, Some(345678901));
    assert_eq!(
        redirect.redirecturl.as_deref(),
        Some("https://x.test/r?a=1")
    );
    assert_eq!(
        redirect.additional.into_iter().collect::<Vec<_>>(),
        vec![
            ("add_paydata[fresh]".to_string(), "yes".to_string()),
            ("new_key".to_string(), "new value".to_string()),
        ]
    );
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 11. Secrets never leak
// ---------------------------------------------------------------------------

const KLIX_SECRET: &str = "sk_live_SECRET_klix";
const KP_API_KEY: &str = "klarna_live_api_SECRET_kp";
const KP_SIGNING_KEY: &str = "SECRET_kp_webhook_signing";
const CT_USER: &str = "SECRET_ct_user";
const CT_PASSWORD: &str = "SECRET_ct_pw";
const PAYONE_KEY: &str = "SECRET_payone_key";

type Captured = paygen_tests::LogCapture;

/// Every string that must never be shown.
fn forbidden() -> Vec<(&'static str, String)> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let b64_nopad = |s: &str| base64::engine::general_purpose::STANDARD_NO_PAD.encode(s);
    let ct_pair = format!("{CT_USER}:{CT_PASSWORD}");
    let md5_hex: String = Md5::digest(PAYONE_KEY.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    vec![
        ("Klix secret key", KLIX_SECRET.to_string()),
        ("Klarna Payments API key", KP_API_KEY.to_string()),
        ("Klarna Payments API key, base64", b64(KP_API_KEY)),
        ("Klarna webhook signing key", KP_SIGNING_KEY.to_string()),
        ("Customer Token username", CT_USER.to_string()),
        ("Customer Token password", CT_PASSWORD.to_string()),
        ("Customer Token Basic credentials", b64(&ct_pair)),
        (
            "Customer Token Basic credentials, unpadded",
            b64_nopad(&ct_pair),
        ),
        ("PAYONE portal key", PAYONE_KEY.to_string()),
        ("PAYONE portal key, MD5", md5_hex.clone()),
        ("PAYONE portal key, MD5 uppercase", md5_hex.to_uppercase()),
        // Every secret above is spelled with it; no other value is.
        ("any secret", "SECRET".to_string()),
    ]
}

fn assert_no_secret(what: &str, text: &str) {
    for (name, secret) in forbidden() {
        assert!(
            !text.contains(&secret),
            "{what} shows the {name} ({secret}):\n{text}"
        );
    }
}

/// `Debug` (plain and pretty), `Display` and the `Display` of every source.
fn shown_error<E: Debug>(err: &Error<E>) -> String {
    let mut shown = format!("{err:?}\n{err:#?}\n{err}\n");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        shown.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    shown
}

#[tokio::test]
async fn secrets_never_reach_logs_errors_configs_or_clients() {
    let logs = Captured::default();
    let _guard = logs.capture(tracing::Level::TRACE);

    let server = MockServer::start().await;
    let mut shown = String::new();

    // --- Klix: create + get, then a 404, a retried 503 and a refused connection.
    sequence(
        &server,
        "POST",
        PURCHASES_PATH,
        vec![ResponseTemplate::new(201).set_body_json(purchase_json("created"))],
        1,
    )
    .await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![
            json_response(503, r#"{"detail":"unavailable"}"#),
            ResponseTemplate::new(200).set_body_json(purchase_json("paid")),
        ],
        2,
    )
    .await;
    sequence(
        &server,
        "GET",
        "/api/v1/purchases/missing/",
        vec![json_response(404, r#"{"detail":"Not found."}"#)],
        1,
    )
    .await;
    let klix_config = klix::Config::new(KLIX_SECRET)
        .base_url(format!("{}/api/v1", server.uri()))
        .options(fast());
    shown.push_str(&format!("{klix_config:?}\n{klix_config:#?}\n"));
    let klix = klix::Client::new(klix_config).unwrap();
    shown.push_str(&format!("{klix:?}\n{klix:#?}\n"));
    let created = klix.create_purchase(band_purchase()).await.unwrap();
    let paid = klix
        .get_purchase(created.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(paid.status, Some(klix::PurchaseStatus::Paid));
    let err = klix.get_purchase("missing").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    shown.push_str(&shown_error(&err));
    let refused = klix::Client::new(
        klix::Config::new(KLIX_SECRET)
            .base_url(format!("http://127.0.0.1:{}/api/v1", closed_port()))
            .options(fast()),
    )
    .unwrap();
    let err = refused.create_purchase(band_purchase()).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    shown.push_str(&shown_error(&err));

    // --- Klarna Payments: create, then a 401 with an error body.
    sequence(
        &server,
        "POST",
        KP_REQUESTS_PATH,
        vec![ResponseTemplate::new(201).set_body_json(payment_request_json("SUBMITTED"))],
        1,
    )
    .await;
    sequence(
        &server,
        "GET",
        &format!("{KP_REQUESTS_PATH}/{PAYMENT_REQUEST_ID}"),
        vec![json_response(
            401,
            r#"{"error_id":"e-401","error_type":"AUTHENTICATION_ERROR","error_code":"UNAUTHORIZED","error_message":"Invalid credentials"}"#,
        )],
        1,
    )
    .await;
    let kp_config = kp::Config::new(KP_API_KEY)
        .base_url(server.uri())
        .klarna_partner_account("krn:partner:account:x")
        .options(fast());
    shown.push_str(&format!("{kp_config:?}\n{kp_config:#?}\n"));
    let kp_client = kp::Client::new(kp_config).unwrap();
    shown.push_str(&format!("{kp_client:?}\n{kp_client:#?}\n"));
    kp_client
        .create_payment_request(
            kp::CreatePaymentRequestParams::new(),
            kp::PaymentRequestData::new(kp::Currency::Eur, 1000),
        )
        .await
        .unwrap();
    let err = kp_client
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    shown.push_str(&shown_error(&err));
    let verifier = kp::WebhookVerifier::new(KP_SIGNING_KEY);
    shown.push_str(&format!("{verifier:?}\n{verifier:#?}\n"));

    // --- Klarna Customer Token: read, then a 403.
    let token = "krn:customer-token:1234";
    sequence(
        &server,
        "GET",
        &format!("/customer-token/v1/tokens/{token}"),
        vec![ResponseTemplate::new(200).set_body_json(json!({
            "payment_method_type": "INVOICE",
            "status": "ACTIVE",
        }))],
        1,
    )
    .await;
    sequence(
        &server,
        "GET",
        "/customer-token/v1/tokens/krn:customer-token:gone",
        vec![json_response(
            403,
            r#"{"error_code":"NOT_AUTHORIZED","error_messages":["Not authorized"],"correlation_id":"c-1"}"#,
        )],
        1,
    )
    .await;
    let ct_config = kct::Config::new(CT_USER, CT_PASSWORD)
        .base_url(server.uri())
        .options(fast());
    shown.push_str(&format!("{ct_config:?}\n{ct_config:#?}\n"));
    let ct = kct::Client::new(ct_config).unwrap();
    shown.push_str(&format!("{ct:?}\n{ct:#?}\n"));
    let details = ct.read_customer_token(token).await.unwrap();
    assert_eq!(details.status, kct::CustomerTokenStatus::Active);
    let err = ct
        .read_customer_token("krn:customer-token:gone")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    shown.push_str(&shown_error(&err));

    // --- PAYONE: preauthorize (REDIRECT), then status=ERROR, then an HTTP 500.
    sequence(
        &server,
        "POST",
        "/post-gateway/",
        vec![
            raw_response(
                200,
                "status=REDIRECT\nredirecturl=https://x.test/r\ntxid=345678901\nuserid=123456789\n",
                "text/plain",
            ),
            raw_response(
                200,
                "status=ERROR\nerrorcode=2\nerrormessage=Invalid portal key\ncustomermessage=An error occurred\n",
                "text/plain",
            ),
            raw_response(500, "Internal Server Error", "text/plain"),
        ],
        3,
    )
    .await;
    let payone_config = payone::Config::new("23456", "12345", "12345123", PAYONE_KEY.to_string())
        .base_url(format!("{}/post-gateway/", server.uri()))
        .options(fast());
    shown.push_str(&format!("{payone_config:?}\n{payone_config:#?}\n"));
    let payone = payone::Client::new(payone_config).unwrap();
    shown.push_str(&format!("{payone:?}\n{payone:#?}\n"));
    let response = payone.preauthorize(preauthorize_request()).await.unwrap();
    assert!(
        matches!(response, payone::PreauthorizeResponse::Redirect(_)),
        "{response:?}"
    );
    for _ in 0..2 {
        let err = payone
            .preauthorize(preauthorize_request())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        shown.push_str(&shown_error(&err));
    }

    server.verify().await;

    // The secrets were in play: the server received each of them.
    let requests = received(&server).await;
    let auth = |p: &str| {
        requests
            .iter()
            .find(|r| r.url.path().starts_with(p))
            .and_then(|r| header(r, "authorization"))
            .map(str::to_string)
    };
    assert_eq!(auth("/api/v1/"), Some(format!("Bearer {KLIX_SECRET}")));
    assert_eq!(auth("/v1/payment/"), Some(format!("Basic {KP_API_KEY}")));
    assert_eq!(
        auth("/customer-token/"),
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{CT_USER}:{CT_PASSWORD}"))
        ))
    );
    let payone_body = requests
        .iter()
        .find(|r| r.url.path() == "/post-gateway/")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap();
    let md5_hex = &forbidden()
        .into_iter()
        .find(|(name, _)| *name == "PAYONE portal key, MD5")
        .unwrap()
        .1;
    assert!(
        payone_body.contains(&format!("key={md5_hex}")),
        "{payone_body}"
    );

    drop(_guard);
    let logs = logs.text();

    // Not vacuous: the spans were written, with their fields.
    for expected in [
        "paygen.request",
        "provider=\"klix\"",
        "operation=\"create_purchase\"",
        "method=POST",
        "path=/purchases/",
        "status=201",
        "attempt=2",
        "provider=\"klarna_payments\"",
        "operation=\"create_payment_request\"",
        "status=401",
        "provider=\"klarna_customer_token\"",
        "operation=\"read_customer_token\"",
        "status=403",
        "provider=\"payone\"",
        "operation=\"preauthorize\"",
        "status=500",
        "retrying",
        "duration_ms=",
    ] {
        assert!(
            logs.contains(expected),
            "the logs lack `{expected}`:\n{logs}"
        );
    }
    assert_no_secret("the logs", &logs);
    assert_no_secret("Debug/Display of configs, clients and errors", &shown);
}

/// Klavi: access and secret keys go to the token endpoint only, and the
/// tokens it returns are secrets too; none may reach logs or errors.
#[tokio::test]
async fn klavi_keys_and_tokens_never_reach_logs_or_errors() {
    use paygen::klavi;
    const ACCESS: &str = "SECRET_klavi_access";
    const SECRET_KEY: &str = "SECRET_klavi_secret";
    let logs = Captured::default();
    let _guard = logs.capture(tracing::Level::TRACE);
    let server = MockServer::start().await;
    // Tokens: the first is refused once, the second serves the rest, the
    // third is the fresh one the payment asks for.
    sequence(
        &server,
        "POST",
        "/payment/customer/v1/auth",
        vec![
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"accessToken": "jwt.SECRET.one", "expireIn": 3600}),
            ),
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"accessToken": "jwt.SECRET.two", "expireIn": 3600}),
            ),
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"accessToken": "jwt.SECRET.three", "expireIn": "3600"}),
            ),
        ],
        3,
    )
    .await;
    sequence(
        &server,
        "GET",
        "/payment/customer/v1/instant/payments/p-1/status",
        vec![
            json_response(401, r#"{"code":"TOKEN_EXPIRED"}"#),
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": "p-1", "status": "PAYMENT_PENDING"})),
        ],
        2,
    )
    .await;
    sequence(
        &server,
        "POST",
        "/payment/customer/v1/instant/payments",
        vec![json_response(
            400,
            r#"{"code":"INVALID_AMOUNT","message":"bad amount"}"#,
        )],
        1,
    )
    .await;
    let config = klavi::Config::new(ACCESS, SECRET_KEY).base_url(server.uri());
    let mut shown = format!("{config:?}\n{config:#?}\n");
    let client = klavi::Client::new(config).unwrap();
    let status = client.get_payment_status("p-1").await.unwrap();
    assert_eq!(status.status, Some(klavi::Status::PaymentPending));
    let err = client
        .create_payment(klavi::PaymentRequest::new(
            "order-1",
            "inst-1",
            klavi::Customer::new(klavi::IdentifierType::Cpf, "12345678909"),
            "1.00".parse().unwrap(),
            klavi::Currency::Brl,
            "https://shop.example/back",
            klavi::Account::new(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    shown.push_str(&shown_error(&err));
    shown.push_str(&format!("{client:?}\n{client:#?}\n"));
    // The server saw the keys, and the payment the fresh token.
    let requests = server.received_requests().await.unwrap();
    let auth_body = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(
        auth_body.contains(ACCESS) && auth_body.contains(SECRET_KEY),
        "{auth_body}"
    );
    let payment = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/payments"))
        .unwrap();
    assert_eq!(payment.headers["authorization"], "Bearer jwt.SECRET.three");
    drop(_guard);
    let logs = logs.text();
    for expected in [
        "paygen.token",
        "provider=\"klavi\"",
        "operation=\"get_payment_status\"",
        "status=401",
        "path=/payment/customer/v1/instant/payments/{id}/status",
    ] {
        assert!(
            logs.contains(expected),
            "the logs lack `{expected}`:\n{logs}"
        );
    }
    for secret in [ACCESS, SECRET_KEY, "jwt.SECRET", "SECRET"] {
        assert!(!logs.contains(secret), "the logs show {secret}:\n{logs}");
        assert!(
            !shown.contains(secret),
            "Debug/Display shows {secret}:\n{shown}"
        );
    }
}

// ---------------------------------------------------------------------------
// 12. Token fetches under failure (Klavi)
// ---------------------------------------------------------------------------

const KLAVI_AUTH: &str = "/payment/customer/v1/auth";
const KLAVI_PAYMENTS: &str = "/payment/customer/v1/instant/payments";
const KLAVI_STATUS: &str = "/payment/customer/v1/instant/payments/p-1/status";

fn klavi_client(base: &str, options: HttpOptions) -> paygen::klavi::Client {
    paygen::klavi::Client::new(
        paygen::klavi::Config::new("access", "secret")
            .base_url(base)
            .options(options),
    )
    .expect("the Klavi client builds")
}

fn klavi_payment() -> paygen::klavi::PaymentRequest {
    use paygen::klavi;
    klavi::PaymentRequest::new(
        "order-1",
        "inst-1",
        klavi::Customer::new(klavi::IdentifierType::Cpf, "12345678909"),
        "1.00".parse().unwrap(),
        klavi::Currency::Brl,
        "https://shop.example/back",
        klavi::Account::new(),
    )
}

async fn mount_klavi_status(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(KLAVI_STATUS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "p-1", "status": "STARTED"})),
        )
        .mount(server)
        .await;
}

/// `n` concurrent `get_payment_status` calls; their results and how long
/// the slowest took.
async fn klavi_status_calls(
    client: &paygen::klavi::Client,
    n: usize,
) -> (
    Vec<Result<paygen::klavi::PaymentStatus, Error<paygen::klavi::ErrorResponse>>>,
    Duration,
) {
    let started = Instant::now();
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_payment_status("p-1").await })
        })
        .collect();
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.expect("task"));
    }
    (results, started.elapsed())
}

fn expect_auth<T: Debug, E: Debug>(result: &Result<T, Error<E>>) -> &str {
    match result {
        Err(Error::Auth { message, .. }) => message,
        other => panic!("expected Error::Auth, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_callers_against_a_failing_token_endpoint_share_one_request() {
    let server = MockServer::start().await;
    let arrivals = sequence(
        &server,
        "POST",
        KLAVI_AUTH,
        vec![
            json_response(500, r#"{"code":"INTERNAL"}"#).set_delay(Duration::from_millis(100)),
            json_response(200, r#"{"accessToken":"jwt-2","expireIn":3600}"#),
        ],
        2,
    )
    .await;
    mount_klavi_status(&server).await;
    let client = klavi_client(&server.uri(), fast());

    // Before: 20 token requests one after the other (over 2 s).
    let (results, took) = klavi_status_calls(&client, 20).await;

    assert_eq!(
        arrivals.lock().unwrap().len(),
        1,
        "one token request for all"
    );
    for r in &results {
        assert!(expect_auth(r).contains("500"), "{r:?}");
    }
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // Within the backoff: the same failure at once, no request.
    let started = Instant::now();
    let r = client.get_payment_status("p-1").await;
    assert!(expect_auth(&r).contains("500"));
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(arrivals.lock().unwrap().len(), 1);

    // After it, the endpoint is asked again.
    tokio::time::sleep(paygen::runtime::TOKEN_FAILURE_BACKOFF + Duration::from_millis(200)).await;
    client.get_payment_status("p-1").await.expect("a token now");
    assert_eq!(arrivals.lock().unwrap().len(), 2);
    server.verify().await;
}

/// Accepts connections and reads requests, never answers; counts requests.
async fn silent_server() -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (connections.clone(), heads.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let seen = seen.clone();
            tokio::spawn(async move {
                let head = read_request(&mut stream).await;
                seen.lock().unwrap().push(head);
                tokio::time::sleep(Duration::from_secs(30)).await;
                drop(stream);
            });
        }
    });
    RawServer {
        addr,
        connections,
        heads,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_callers_against_a_hanging_token_endpoint_fail_together_within_the_timeout() {
    let server = silent_server().await;
    let client = klavi_client(&server.uri(), fast().timeout(Duration::from_millis(500)));

    // Before: each waited for the previous one's 500 ms timeout (5 s in all).
    let (results, took) = klavi_status_calls(&client, 10).await;

    for r in &results {
        expect_auth(r);
    }
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    let heads = server.heads();
    assert_eq!(heads.len(), 1, "one token request: {heads:?}");
    assert!(
        heads[0].starts_with(&format!("post {KLAVI_AUTH} ")),
        "{heads:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_with_a_cached_token_does_not_wait_for_a_one_time_token() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        KLAVI_AUTH,
        vec![
            json_response(200, r#"{"accessToken":"jwt-1","expireIn":3600}"#),
            json_response(200, r#"{"accessToken":"jwt-2","expireIn":3600}"#)
                .set_delay(Duration::from_millis(1500)),
        ],
        2,
    )
    .await;
    mount_klavi_status(&server).await;
    Mock::given(method("POST"))
        .and(path(KLAVI_PAYMENTS))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "p-1", "status": "STARTED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = klavi_client(&server.uri(), HttpOptions::default());
    client.get_payment_status("p-1").await.expect("warm");

    // The payment fetches its own token, slowly.
    let paying = {
        let client = client.clone();
        tokio::spawn(async move { client.create_payment(klavi_payment()).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    client.get_payment_status("p-1").await.expect("status");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(700),
        "the call with a cached token waited {took:?} for the payment's token"
    );
    paying.await.expect("task").expect("payment created");

    let requests = received(&server).await;
    let statuses: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == KLAVI_STATUS)
        .map(|r| header(r, "authorization").unwrap_or_default().to_string())
        .collect();
    assert_eq!(statuses, ["Bearer jwt-1", "Bearer jwt-1"]);
    let payment = requests
        .iter()
        .find(|r| r.url.path() == KLAVI_PAYMENTS)
        .unwrap();
    assert_eq!(header(payment, "authorization"), Some("Bearer jwt-2"));
    server.verify().await;
}

/// A client whose token endpoint answers `{"accessToken": …, <lifetime>}`
/// every time, and the number of token requests after two status calls.
async fn two_calls_with_token_lifetime(
    lifetime: Value,
) -> (
    Result<paygen::klavi::PaymentStatus, Error<paygen::klavi::ErrorResponse>>,
    Result<paygen::klavi::PaymentStatus, Error<paygen::klavi::ErrorResponse>>,
    usize,
) {
    let server = MockServer::start().await;
    let mut answer = json!({"accessToken": "jwt"});
    if !lifetime.is_null() {
        answer["expireIn"] = lifetime;
    }
    let arrivals = sequence(
        &server,
        "POST",
        KLAVI_AUTH,
        vec![ResponseTemplate::new(200).set_body_json(answer)],
        0..=2,
    )
    .await;
    mount_klavi_status(&server).await;
    let client = klavi_client(&server.uri(), fast());
    let first = client.get_payment_status("p-1").await;
    // Past any failure backoff, so that the second call asks again if it must.
    tokio::time::sleep(paygen::runtime::TOKEN_FAILURE_BACKOFF + Duration::from_millis(100)).await;
    let second = client.get_payment_status("p-1").await;
    let n = arrivals.lock().unwrap().len();
    (first, second, n)
}

#[tokio::test]
async fn a_huge_token_lifetime_is_capped_instead_of_panicking() {
    // Before: "overflow when adding duration to instant".
    for lifetime in [
        json!(10000000000000000000u64),
        json!("10000000000000000000"),
        json!(1e300),
    ] {
        let (first, second, requests) = two_calls_with_token_lifetime(lifetime.clone()).await;
        first.expect("a token");
        second.expect("the cached token");
        assert_eq!(requests, 1, "cached ({lifetime})");
    }
}

#[tokio::test]
async fn a_zero_or_negative_token_lifetime_is_used_once() {
    for lifetime in [json!(0), json!(-5), json!("-3600"), json!(-0.5)] {
        let (first, second, requests) = two_calls_with_token_lifetime(lifetime.clone()).await;
        first.expect("a token");
        second.expect("another token");
        assert_eq!(requests, 2, "not cached ({lifetime})");
    }
}

#[tokio::test]
async fn a_fractional_token_lifetime_is_honoured() {
    let (first, second, requests) = two_calls_with_token_lifetime(json!(3600.5)).await;
    first.expect("a token");
    second.expect("the cached token");
    assert_eq!(requests, 1);
    // Shorter than the pause between the calls: fetched again.
    let (first, second, requests) = two_calls_with_token_lifetime(json!("0.5")).await;
    first.expect("a token");
    second.expect("another token");
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn a_missing_or_non_numeric_token_lifetime_is_an_auth_error() {
    for lifetime in [
        Value::Null,
        json!("soon"),
        json!(true),
        json!("NaN"),
        json!({}),
    ] {
        let (first, _, _) = two_calls_with_token_lifetime(lifetime.clone()).await;
        let message = expect_auth(&first);
        assert!(message.contains("lifetime"), "{lifetime}: {message}");
    }
}

// ---------------------------------------------------------------------------
// 13. Redirects are not followed
// ---------------------------------------------------------------------------

/// A server that must receive nothing, and a 307 pointing at it.
async fn redirect_target() -> (MockServer, String) {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(0)
        .named("the redirect target")
        .mount(&elsewhere)
        .await;
    let location = format!("{}/collect", elsewhere.uri());
    (elsewhere, location)
}

#[tokio::test]
async fn a_307_to_another_origin_is_an_error_and_the_body_is_not_resent() {
    let (elsewhere, location) = redirect_target().await;
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        PURCHASES_PATH,
        vec![ResponseTemplate::new(307).insert_header("Location", location.as_str())],
        1,
    )
    .await;
    let client = klix_client(&server.uri(), fast());

    let err = client.create_purchase(band_purchase()).await.unwrap_err();

    assert_eq!(err.status(), Some(307));
    assert_eq!(err.attempts(), 1);
    match &err {
        Error::Redirect {
            operation,
            status,
            location: loc,
            ..
        } => {
            assert_eq!(*operation, "create_purchase");
            assert_eq!(*status, 307);
            assert_eq!(loc.as_deref(), Some(location.as_str()));
        }
        other => panic!("expected Error::Redirect, got {other:?}"),
    }
    assert!(err.to_string().contains(&location), "{err}");
    assert!(received(&elsewhere).await.is_empty());
    elsewhere.verify().await;
    server.verify().await;
}

#[tokio::test]
async fn a_redirecting_token_endpoint_is_an_error_and_the_keys_are_not_resent() {
    let (elsewhere, location) = redirect_target().await;
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        KLAVI_AUTH,
        vec![ResponseTemplate::new(307).insert_header("Location", location.as_str())],
        1,
    )
    .await;
    mount_klavi_status(&server).await;
    let client = klavi_client(&server.uri(), fast());

    let err = client.get_payment_status("p-1").await.unwrap_err();

    match &err {
        Error::Redirect {
            status,
            location: loc,
            ..
        } => {
            assert_eq!(*status, 307);
            assert_eq!(loc.as_deref(), Some(location.as_str()));
        }
        other => panic!("expected Error::Redirect, got {other:?}"),
    }
    assert!(received(&elsewhere).await.is_empty());
    assert_eq!(
        received(&server).await.len(),
        1,
        "the status was never asked"
    );
    elsewhere.verify().await;
}

#[tokio::test]
async fn a_redirect_of_a_get_is_not_followed_either() {
    let (elsewhere, location) = redirect_target().await;
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![ResponseTemplate::new(302).insert_header("Location", location.as_str())],
        1,
    )
    .await;
    let err = klix_client(&server.uri(), fast())
        .get_purchase(PURCHASE_ID)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Redirect { status: 302, .. }),
        "{err:?}"
    );
    elsewhere.verify().await;
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 14. Hostile sizes
// ---------------------------------------------------------------------------

/// Just under the default 4 MiB cap.
const NEAR_CAP: usize = 4 * 1024 * 1024 - 4096;

#[tokio::test]
async fn a_mistyped_field_in_a_4_mib_body_gives_a_bounded_decode_error() {
    let server = MockServer::start().await;
    let mut purchase = purchase_json("paid");
    // `price` is an integer; a 4 MiB string deep inside the body.
    purchase["purchase"]["products"][0]["price"] = Value::String("7".repeat(NEAR_CAP));
    let body = serde_json::to_string(&purchase).unwrap();
    sequence(
        &server,
        "GET",
        PURCHASE_PATH,
        vec![raw_response(200, &body, "application/json")],
        1,
    )
    .await;

    let err = klix_client(&server.uri(), fast())
        .get_purchase(PURCHASE_ID)
        .await
        .unwrap_err();

    let shown = err.to_string();
    let debug = format!("{err:?}");
    let pretty = format!("{err:#?}");
    assert!(shown.len() < 1024, "Display is {} bytes", shown.len());
    assert!(debug.len() < 1024, "Debug is {} bytes", debug.len());
    assert!(
        pretty.len() < 2048,
        "pretty Debug is {} bytes",
        pretty.len()
    );
    assert!(shown.contains("purchase.products[0].price"), "{shown}");
    assert!(
        shown.contains("expected"),
        "the end of serde's message stays: {shown}"
    );
    assert!(
        debug.contains(&format!("({} bytes in all)", body.len())),
        "{debug}"
    );
    let decode = expect_decode(err);
    assert!(decode.message.len() < 512, "{}", decode.message.len());
    assert_eq!(
        decode.raw_body.len(),
        body.len(),
        "the full body stays available"
    );
    server.verify().await;
}

#[tokio::test]
async fn an_api_error_with_a_4_mib_body_prints_bounded_and_without_header_values() {
    let server = MockServer::start().await;
    let body = serde_json::to_string(&json!({
        "error_code": "NOT_FOUND",
        "error_message": "m".repeat(NEAR_CAP),
    }))
    .unwrap();
    sequence(
        &server,
        "GET",
        &format!("{KP_REQUESTS_PATH}/{PAYMENT_REQUEST_ID}"),
        vec![raw_response(404, &body, "application/json")
            .insert_header("x-session-note", "v".repeat(4000).as_str())],
        1,
    )
    .await;

    let err = kp_client(&server.uri(), fast())
        .read_payment_request(PAYMENT_REQUEST_ID)
        .await
        .unwrap_err();

    let debug = format!("{err:?}");
    let pretty = format!("{err:#?}");
    assert!(debug.len() < 2048, "Debug is {} bytes", debug.len());
    assert!(
        pretty.len() < 4096,
        "pretty Debug is {} bytes",
        pretty.len()
    );
    // The provider's explanation is quoted, cut to a few hundred bytes.
    assert!(err.to_string().len() < 512, "{err}");
    assert!(
        debug.contains("x-session-note"),
        "header names stay: {debug}"
    );
    assert!(!debug.contains("vvvv"), "header values do not: {debug}");
    let api = expect_api(err);
    assert_eq!(api.raw_body.len(), body.len());
    assert_eq!(
        api.body
            .as_ref()
            .and_then(|b| b.error_message.as_ref())
            .map(String::len),
        Some(NEAR_CAP),
        "the decoded body is whole"
    );
    assert_eq!(api.headers["x-session-note"].len(), 4000);
    server.verify().await;
}

/// A response declaring `length` body bytes, sending 11, then closing.
fn declared(length: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"partial\":"
    )
    .into_bytes()
}

async fn huge_content_length(length: &str) {
    let server = RawServer::start(declared(length)).await;
    let client = klix_client(
        &server.uri(),
        fast()
            .max_response_bytes(usize::MAX)
            .retry(RetryPolicy::none()),
    );
    // Before: `Vec::with_capacity(declared)` aborted (10^12) or panicked
    // (10^19, "capacity overflow") before a byte arrived.
    let err = client.get_purchase(PURCHASE_ID).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. } | Error::Timeout { .. }),
        "{length}: {err:?}"
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_content_length_of_a_terabyte_with_a_short_body_is_a_transport_error() {
    huge_content_length("1000000000000").await;
}

#[tokio::test]
async fn a_content_length_of_10_pow_19_with_a_short_body_is_a_transport_error() {
    huge_content_length("10000000000000000000").await;
}
