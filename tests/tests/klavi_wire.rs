//! Wire tests of the generated Klavi client (`paygen::klavi`) against a local
//! mock server: the vendor's four-step flow (auth → participants → payment →
//! status polling), the token lifecycle (expiry, 401 renewal, single flight,
//! a new token per payment), polling outcomes, money, error bodies and
//! secret hygiene.
//!
//! Sources: `/work/shared/vendor-docs/klavi-payments-integration.txt` and the
//! Klavi section of `/work/shared/vendor-notes.md`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use paygen::klavi;
use paygen::runtime::{Decimal, Error, PollError, PollOptions};
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

// Distinctive values, so that a leak is found by a plain substring search.
const ACCESS_KEY: &str = "klavi-access-4c1f9e7a";
const SECRET_KEY: &str = "klavi-secret-b83d20f6";
/// Every token the mock hands out starts with this.
const TOKEN_PREFIX: &str = "jwt-";

const AUTH_PATH: &str = "/payment/customer/v1/auth";
const PARTICIPANTS_PATH: &str = "/payment/customer/v1/participants";
const PAYMENTS_PATH: &str = "/payment/customer/v1/instant/payments";
const PAYMENT_ID: &str = "5f0c7a52-1b3e-4d6f-9a8b-2c4d6e8f0a1b";
const STATUS_PATH: &str =
    "/payment/customer/v1/instant/payments/5f0c7a52-1b3e-4d6f-9a8b-2c4d6e8f0a1b/status";

/// The happy path, "in this exact order" (vendor page, step 4; notes).
const HAPPY_PATH: [&str; 8] = [
    "STARTED",
    "CONSENT_AWAITING_AUTHORIZATION",
    "CONSENT_AUTHORIZED",
    "PAYMENT_PARTIALLY_ACCEPTED",
    "PAYMENT_PENDING",
    "PAYMENT_SCHEDULED",
    "PAYMENT_SETTLEMENT_PROCESSING",
    "PAYMENT_COMPLETED",
];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The token endpoint: the n-th call (from 1) answers `answer(n)`.
struct TokenEndpoint {
    calls: AtomicUsize,
    answer: fn(usize) -> Value,
    delay: Duration,
}

impl TokenEndpoint {
    /// `{"accessToken": "jwt-<n>", "expireIn": 3600}`.
    fn standard() -> Self {
        Self::with(|n| json!({"accessToken": format!("jwt-{n}"), "expireIn": 3600}))
    }

    fn with(answer: fn(usize) -> Value) -> Self {
        TokenEndpoint {
            calls: AtomicUsize::new(0),
            answer,
            delay: Duration::ZERO,
        }
    }

    fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

impl Respond for TokenEndpoint {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json((self.answer)(n))
            .set_delay(self.delay)
    }
}

/// Answers its responses in order, then repeats the last one.
struct InSequence {
    calls: AtomicUsize,
    answers: Vec<ResponseTemplate>,
}

impl InSequence {
    fn new(answers: Vec<ResponseTemplate>) -> Self {
        assert!(!answers.is_empty());
        InSequence {
            calls: AtomicUsize::new(0),
            answers,
        }
    }
}

impl Respond for InSequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers[n.min(self.answers.len() - 1)].clone()
    }
}

/// A status answer as the notes describe it.
fn status_body(status: &str) -> Value {
    json!({
        "id": PAYMENT_ID,
        "clientRequestId": "order-1001",
        "amount": "1333.04",
        "currency": "BRL",
        "status": status,
        "statusUpdateAt": "2024-05-02T12:00:00Z"
    })
}

fn status_answers(statuses: &[&str]) -> InSequence {
    InSequence::new(
        statuses
            .iter()
            .map(|s| ResponseTemplate::new(200).set_body_json(status_body(s)))
            .collect(),
    )
}

async fn mount_auth(server: &MockServer, endpoint: TokenEndpoint, expected_calls: u64) {
    Mock::given(method("POST"))
        .and(path(AUTH_PATH))
        .respond_with(endpoint)
        .expect(expected_calls)
        .named("token endpoint")
        .mount(server)
        .await;
}

fn client(server: &MockServer) -> klavi::Client {
    klavi::Client::new(config(server)).expect("client builds")
}

fn config(server: &MockServer) -> klavi::Config {
    klavi::Config::new(ACCESS_KEY, SECRET_KEY).base_url(server.uri())
}

fn fast_poll() -> PollOptions {
    PollOptions::default()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(5))
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

async fn received_at(server: &MockServer, p: &str) -> Vec<Request> {
    received(server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

fn header_of<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

fn bearer_of(req: &Request) -> Option<&str> {
    header_of(req, "authorization")
}

fn json_body(req: &Request) -> Value {
    serde_json::from_slice(&req.body).expect("a JSON body")
}

/// A token request: POST, JSON, exactly the two keys, no Authorization.
fn assert_token_request(req: &Request) {
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), AUTH_PATH);
    assert_eq!(req.url.query(), None);
    assert_eq!(header_of(req, "content-type"), Some("application/json"));
    assert_eq!(header_of(req, "accept"), Some("application/json"));
    assert_eq!(bearer_of(req), None, "the token request carries no token");
    assert_eq!(
        json_body(req),
        json!({"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}),
        "the token request's body is exactly the two keys"
    );
}

/// A GET: no body, the given token.
fn assert_get(req: &Request, p: &str, token: &str) {
    assert_eq!(req.method.as_str(), "GET");
    assert_eq!(req.url.path(), p);
    assert_eq!(req.url.query(), None);
    assert_eq!(bearer_of(req), Some(format!("Bearer {token}").as_str()));
    assert_eq!(header_of(req, "accept"), Some("application/json"));
    assert!(req.body.is_empty(), "a GET has no body");
}

/// The payment of the flow, built with the typed API.
fn payment_request() -> klavi::PaymentRequest {
    let metadata: BTreeMap<String, String> = [("orderId", "1001"), ("channel", "web")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    klavi::PaymentRequest::new(
        "order-1001",
        "participant-0042",
        klavi::Customer::new(klavi::IdentifierType::Cpf, "12345678909")
            .name("Maria Silva")
            .phone("+5511987654321")
            .email("maria@example.com"),
        "1333.04".parse().expect("a valid amount"),
        klavi::Currency::Brl,
        "https://shop.example/klavi/return",
        klavi::Account::new()
            .ispb("12345678")
            .issuer("0001")
            .number("1234567")
            .account_type(klavi::AccountType::Cacc)
            .holder(
                klavi::AccountHolder::new()
                    .name("Loja Exemplo Ltda")
                    .identifier_type(klavi::IdentifierType::Cnpj)
                    .identifier("12345678000195"),
            ),
    )
    .debtor_account(
        klavi::Account::new()
            .ispb("87654321")
            .issuer("0002")
            .number("7654321")
            .account_type(klavi::AccountType::Svgs)
            .holder(
                klavi::AccountHolder::new()
                    .name("Maria Silva")
                    .identifier_type(klavi::IdentifierType::Cpf)
                    .identifier("12345678909"),
            ),
    )
    .client_metadata(metadata)
}

/// What `payment_request()` must look like on the wire, from the notes'
/// field list.
fn expected_payment_body() -> Value {
    json!({
        "clientRequestId": "order-1001",
        "institutionId": "participant-0042",
        "customer": {
            "identifierType": "CPF",
            "identifier": "12345678909",
            "name": "Maria Silva",
            "phone": "+5511987654321",
            "email": "maria@example.com"
        },
        "amount": "1333.04",
        "currency": "BRL",
        "redirectURL": "https://shop.example/klavi/return",
        "creditorAccount": {
            "ispb": "12345678",
            "issuer": "0001",
            "number": "1234567",
            "accountType": "CACC",
            "holder": {
                "name": "Loja Exemplo Ltda",
                "identifierType": "CNPJ",
                "identifier": "12345678000195"
            }
        },
        "debtorAccount": {
            "ispb": "87654321",
            "issuer": "0002",
            "number": "7654321",
            "accountType": "SVGS",
            "holder": {
                "name": "Maria Silva",
                "identifierType": "CPF",
                "identifier": "12345678909"
            }
        },
        "clientMetadata": {"orderId": "1001", "channel": "web"}
    })
}

fn payment_created() -> Value {
    json!({
        "id": PAYMENT_ID,
        "clientRequestId": "order-1001",
        "consentUrl": "https://consent.klavi.example/c/0a1b2c",
        "status": "STARTED"
    })
}

type Captured = paygen_tests::LogCapture;

/// The `status` field of every "status changed" event, in order.
fn status_changes(logs: &Captured) -> Vec<String> {
    logs.text()
        .lines()
        .filter(|l| l.contains("paygen_runtime::poll: status changed"))
        .map(|l| {
            let start = l.find(" status=").expect("a status field") + " status=".len();
            l[start..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string()
        })
        .collect()
}

/// A subscriber writing into `logs`, for the current thread (the tests that
/// use it run on tokio's current-thread runtime).
fn capture(logs: &Captured) -> paygen_tests::CaptureGuard {
    logs.capture(tracing::Level::INFO)
}

/// Consecutive duplicates removed.
fn distinct_consecutive(statuses: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in statuses {
        if out.last().map(String::as_str) != Some(*s) {
            out.push(s.to_string());
        }
    }
    out
}

/// Panics when `text` shows a key or a token.
fn assert_secret_free(what: &str, text: &str) {
    for (name, secret) in [
        ("access key", ACCESS_KEY),
        ("secret key", SECRET_KEY),
        ("a token", TOKEN_PREFIX),
    ] {
        assert!(
            !text.contains(secret),
            "{what} shows {name} ({secret:?}): {text}"
        );
    }
}

fn assert_error_secret_free<E: std::fmt::Debug>(what: &str, err: &Error<E>) {
    assert_secret_free(&format!("Debug of {what}"), &format!("{err:?}"));
    assert_secret_free(&format!("Display of {what}"), &err.to_string());
}

// ---------------------------------------------------------------------------
// 1. The whole flow, in the vendor page's order
// ---------------------------------------------------------------------------

#[tokio::test]
async fn happy_path_in_the_vendor_order() {
    let server = MockServer::start().await;
    // Two tokens: one for the participants, a new one for the payment.
    mount_auth(&server, TokenEndpoint::standard(), 2).await;
    Mock::given(method("GET"))
        .and(path(PARTICIPANTS_PATH))
        .and(header("authorization", "Bearer jwt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "participant-0042", "name": "Banco Exemplo"},
            {"id": "participant-0077", "name": "Outro Banco"}
        ])))
        .expect(1)
        .named("participants")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(PAYMENTS_PATH))
        .and(header("authorization", "Bearer jwt-2"))
        .respond_with(ResponseTemplate::new(201).set_body_json(payment_created()))
        .expect(1)
        .named("create payment")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(status_answers(&HAPPY_PATH))
        .expect(HAPPY_PATH.len() as u64)
        .named("payment status")
        .mount(&server)
        .await;

    let klavi = client(&server);

    // Step 1 + 2: the first call obtains a token, then lists participants.
    let participants = klavi.list_participants().await.expect("participants");
    assert_eq!(
        participants[0].participant_id.as_deref(),
        Some("participant-0042")
    );
    assert_eq!(participants[1].name.as_deref(), Some("Outro Banco"));

    // Step 3: the payment, with a token of its own.
    let created = klavi
        .create_payment(payment_request())
        .await
        .expect("payment created");
    assert_eq!(created.id.as_deref(), Some(PAYMENT_ID));
    assert_eq!(created.client_request_id.as_deref(), Some("order-1001"));
    assert_eq!(
        created.consent_url.as_deref(),
        Some("https://consent.klavi.example/c/0a1b2c")
    );
    assert_eq!(created.status, Some(klavi::Status::Started));

    // Step 4: poll until final.
    let done = klavi
        .wait_for_final_status(PAYMENT_ID, fast_poll())
        .await
        .expect("a final status");
    assert_eq!(done.status, Some(klavi::Status::PaymentCompleted));
    assert_eq!(done.id.as_deref(), Some(PAYMENT_ID));
    assert_eq!(done.client_request_id.as_deref(), Some("order-1001"));
    assert_eq!(done.amount, Some(Decimal::from_minor(133304)));
    assert_eq!(done.currency, Some(klavi::Currency::Brl));
    assert_eq!(
        done.status_update_at.as_deref(),
        Some("2024-05-02T12:00:00Z")
    );

    // Every request, in order.
    let all = received(&server).await;
    assert_eq!(all.len(), 2 + 1 + 1 + HAPPY_PATH.len(), "requests: {all:?}");
    assert_token_request(&all[0]);
    assert_get(&all[1], PARTICIPANTS_PATH, "jwt-1");
    assert_token_request(&all[2]);

    let pay = &all[3];
    assert_eq!(pay.method.as_str(), "POST");
    assert_eq!(pay.url.path(), PAYMENTS_PATH);
    assert_eq!(pay.url.query(), None);
    assert_eq!(
        bearer_of(pay),
        Some("Bearer jwt-2"),
        "the payment uses the new token"
    );
    assert_eq!(header_of(pay, "content-type"), Some("application/json"));
    assert_eq!(header_of(pay, "accept"), Some("application/json"));
    let body = json_body(pay);
    let expected = expected_payment_body();
    for (field, value) in expected.as_object().unwrap() {
        assert_eq!(body.get(field), Some(value), "payment field `{field}`");
    }
    assert_eq!(body, expected, "no field beyond the expected ones");
    assert_eq!(body["amount"], Value::String("1333.04".into()));

    // The polls reuse the newest token (the payment's); no further fetch.
    for poll in &all[4..] {
        assert_get(poll, STATUS_PATH, "jwt-2");
    }
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 2. Token expiry and renewal
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_expired_token_is_renewed_before_use() {
    let server = MockServer::start().await;
    // First a 1-second token, then one in the older `expire` string form.
    mount_auth(
        &server,
        TokenEndpoint::with(|n| match n {
            1 => json!({"accessToken": "jwt-1", "expireIn": 1}),
            _ => json!({"accessToken": format!("jwt-{n}"), "expire": "3600"}),
        }),
        2,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("PAYMENT_PENDING")))
        .expect(3)
        .mount(&server)
        .await;
    let klavi = client(&server);

    klavi.get_payment_status(PAYMENT_ID).await.expect("first");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    klavi.get_payment_status(PAYMENT_ID).await.expect("second");
    // The `expire: "3600"` token is still good: no third fetch.
    klavi.get_payment_status(PAYMENT_ID).await.expect("third");

    assert_eq!(received_at(&server, AUTH_PATH).await.len(), 2);
    let gets = received_at(&server, STATUS_PATH).await;
    assert_eq!(gets.len(), 3);
    assert_get(&gets[0], STATUS_PATH, "jwt-1");
    assert_get(&gets[1], STATUS_PATH, "jwt-2");
    assert_get(&gets[2], STATUS_PATH, "jwt-2");
    server.verify().await;
}

#[tokio::test]
async fn the_older_string_expire_form_alone_is_accepted() {
    let server = MockServer::start().await;
    mount_auth(
        &server,
        TokenEndpoint::with(|n| json!({"accessToken": format!("jwt-{n}"), "expire": "3600"})),
        1,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("STARTED")))
        .expect(2)
        .mount(&server)
        .await;
    let klavi = client(&server);
    klavi.get_payment_status(PAYMENT_ID).await.expect("first");
    klavi.get_payment_status(PAYMENT_ID).await.expect("second");
    for get in received_at(&server, STATUS_PATH).await {
        assert_get(&get, STATUS_PATH, "jwt-1");
    }
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 3. 401: one renewal, one resend
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_401_renews_the_token_and_resends_once() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 2).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .and(header("authorization", "Bearer jwt-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "TOKEN_EXPIRED"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .and(header("authorization", "Bearer jwt-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("PAYMENT_PENDING")))
        .expect(1)
        .mount(&server)
        .await;

    let status = client(&server)
        .get_payment_status(PAYMENT_ID)
        .await
        .expect("answered after renewal");
    assert_eq!(status.status, Some(klavi::Status::PaymentPending));

    let all = received(&server).await;
    assert_eq!(all.len(), 4, "auth, GET (401), auth, GET");
    assert_token_request(&all[0]);
    assert_get(&all[1], STATUS_PATH, "jwt-1");
    assert_token_request(&all[2]);
    assert_get(&all[3], STATUS_PATH, "jwt-2");
    server.verify().await;
}

/// Two 401s in a row: auth, GET, auth, GET, then `Error::Api` 401.
async fn second_401(server: &MockServer) -> Error<klavi::ErrorResponse> {
    mount_auth(server, TokenEndpoint::standard(), 2).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "UNAUTHORIZED",
            "message": "invalid token"
        })))
        .expect(2)
        .mount(server)
        .await;
    client(server)
        .get_payment_status(PAYMENT_ID)
        .await
        .expect_err("a second 401 is an error")
}

#[tokio::test]
async fn a_second_consecutive_401_is_returned() {
    let server = MockServer::start().await;
    let err = second_401(&server).await;
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.attempts, 2);
    assert_eq!(
        api.body,
        Some(
            klavi::ErrorResponse::new()
                .code("UNAUTHORIZED")
                .message("invalid token")
        )
    );

    let all = received(&server).await;
    assert_eq!(all.len(), 4, "exactly two token fetches and two GETs");
    assert_token_request(&all[0]);
    assert_get(&all[1], STATUS_PATH, "jwt-1");
    assert_token_request(&all[2]);
    assert_get(&all[3], STATUS_PATH, "jwt-2");
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 4. Single flight
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_share_one_token_fetch() {
    let server = MockServer::start().await;
    // A slow token endpoint, so that every call is waiting for it.
    mount_auth(
        &server,
        TokenEndpoint::standard().delay(Duration::from_millis(200)),
        1,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("PAYMENT_PENDING")))
        .expect(10)
        .mount(&server)
        .await;
    let klavi = client(&server);

    let calls = (0..10).map(|_| {
        let klavi = klavi.clone();
        tokio::spawn(async move { klavi.get_payment_status(PAYMENT_ID).await })
    });
    for answer in futures::future::join_all(calls).await {
        let status = answer.expect("task").expect("status");
        assert_eq!(status.status, Some(klavi::Status::PaymentPending));
    }

    assert_eq!(
        received_at(&server, AUTH_PATH).await.len(),
        1,
        "one token fetch"
    );
    let gets = received_at(&server, STATUS_PATH).await;
    assert_eq!(gets.len(), 10);
    for get in &gets {
        assert_get(get, STATUS_PATH, "jwt-1");
    }
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_share_one_renewal() {
    let server = MockServer::start().await;
    mount_auth(
        &server,
        TokenEndpoint::standard().delay(Duration::from_millis(100)),
        2,
    )
    .await;
    let klavi = client(&server);
    // Warm the cache with jwt-1, which the server then stops accepting.
    Mock::given(method("GET"))
        .and(path(PARTICIPANTS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    klavi.list_participants().await.expect("participants");
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .and(header("authorization", "Bearer jwt-1"))
        .respond_with(ResponseTemplate::new(401).set_delay(Duration::from_millis(50)))
        .expect(10)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .and(header("authorization", "Bearer jwt-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("PAYMENT_PENDING")))
        .expect(10)
        .mount(&server)
        .await;

    let calls = (0..10).map(|_| {
        let klavi = klavi.clone();
        tokio::spawn(async move { klavi.get_payment_status(PAYMENT_ID).await })
    });
    let answers = futures::future::join_all(calls).await;
    assert_eq!(
        received_at(&server, AUTH_PATH).await.len(),
        2,
        "the first token and one renewal"
    );
    for answer in answers {
        answer
            .expect("task")
            .expect("answered after one shared renewal");
    }
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 5. Polling
// ---------------------------------------------------------------------------

#[tokio::test]
async fn polling_reaches_completion_with_one_event_per_change() {
    // Repeats, and the vendor's own misspelling on the way.
    let statuses = [
        "STARTED",
        "STARTED",
        "CONSENT_AWAITING_AUTHORIZATION",
        "CONSENT_AUTHORIED",
        "CONSENT_AUTHORIED",
        "CONSENT_AUTHORIZED",
        "PAYMENT_PARTIALLY_ACCEPTED",
        "PAYMENT_PENDING",
        "PAYMENT_PENDING",
        "PAYMENT_PENDING",
        "PAYMENT_SCHEDULED",
        "PAYMENT_SETTLEMENT_PROCESSING",
        "PAYMENT_COMPLETED",
    ];
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(status_answers(&statuses))
        .expect(statuses.len() as u64)
        .mount(&server)
        .await;

    let logs = Captured::default();
    let done = {
        let _guard = capture(&logs);
        client(&server)
            .wait_for_final_status(PAYMENT_ID, fast_poll())
            .await
            .expect("completed")
    };
    assert_eq!(done.status, Some(klavi::Status::PaymentCompleted));

    let changes = status_changes(&logs);
    let expected = distinct_consecutive(&statuses);
    assert_eq!(expected.len(), 9);
    assert_eq!(changes, expected, "logs:\n{}", logs.text());
    assert_eq!(
        received_at(&server, STATUS_PATH).await.len(),
        statuses.len()
    );
    server.verify().await;
}

#[tokio::test]
async fn the_misspelt_status_decodes_as_unknown() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("CONSENT_AUTHORIED")))
        .expect(1)
        .mount(&server)
        .await;
    let status = client(&server)
        .get_payment_status(PAYMENT_ID)
        .await
        .expect("an unknown status still decodes");
    assert_eq!(
        status.status,
        Some(klavi::Status::Unknown("CONSENT_AUTHORIED".into()))
    );
    server.verify().await;
}

async fn poll_to_end(statuses: &[&str]) -> (klavi::PaymentStatus, Vec<String>, MockServer) {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(status_answers(statuses))
        // Stops at the final status: not one poll more.
        .expect(statuses.len() as u64)
        .mount(&server)
        .await;
    let logs = Captured::default();
    let done = {
        let _guard = capture(&logs);
        client(&server)
            .wait_for_final_status(PAYMENT_ID, fast_poll())
            .await
            .expect("a final status")
    };
    (done, status_changes(&logs), server)
}

#[tokio::test]
async fn polling_stops_at_consent_rejected() {
    let statuses = [
        "STARTED",
        "CONSENT_AWAITING_AUTHORIZATION",
        "CONSENT_AWAITING_AUTHORIZATION",
        "CONSENT_REJECTED",
    ];
    let (done, changes, server) = poll_to_end(&statuses).await;
    assert_eq!(done.status, Some(klavi::Status::ConsentRejected));
    assert_eq!(changes, distinct_consecutive(&statuses));
    server.verify().await;
}

#[tokio::test]
async fn polling_stops_at_payment_rejected_with_its_reason() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    let mut rejected = status_body("PAYMENT_REJECTED");
    rejected["statusReason"] =
        json!({"code": "SALDO_INSUFICIENTE", "message": "Insufficient funds"});
    let mut answers: Vec<ResponseTemplate> = [
        "STARTED",
        "CONSENT_AWAITING_AUTHORIZATION",
        "CONSENT_AUTHORIZED",
        "PAYMENT_PENDING",
    ]
    .iter()
    .map(|s| ResponseTemplate::new(200).set_body_json(status_body(s)))
    .collect();
    answers.push(ResponseTemplate::new(200).set_body_json(rejected));
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(InSequence::new(answers))
        .expect(5)
        .mount(&server)
        .await;

    let done = client(&server)
        .wait_for_final_status(PAYMENT_ID, fast_poll())
        .await
        .expect("a final status");
    assert_eq!(done.status, Some(klavi::Status::PaymentRejected));
    assert_eq!(
        done.status_reason,
        Some(
            klavi::StatusReason::new()
                .code("SALDO_INSUFICIENTE")
                .message("Insufficient funds")
        )
    );
    server.verify().await;
}

async fn poll_timeout(
    server: &MockServer,
) -> PollError<klavi::PaymentStatus, klavi::ErrorResponse> {
    mount_auth(server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("PAYMENT_PENDING")))
        .mount(server)
        .await;
    client(server)
        .wait_for_final_status(
            PAYMENT_ID,
            PollOptions::default()
                .interval(Duration::from_millis(10))
                .timeout(Duration::from_millis(200)),
        )
        .await
        .expect_err("never final")
}

#[tokio::test]
async fn polling_times_out_with_the_last_status_and_the_poll_count() {
    let server = MockServer::start().await;
    let logs = Captured::default();
    let err = {
        let _guard = capture(&logs);
        poll_timeout(&server).await
    };
    let PollError::Timeout {
        operation,
        polls,
        waited,
        last,
    } = &err
    else {
        panic!("expected PollError::Timeout, got {err:?}");
    };
    assert_eq!(*operation, "get_payment_status");
    let gets = received_at(&server, STATUS_PATH).await.len();
    // `polls` counts answers; a poll cut off by the timeout may already have
    // reached the server, so at most one more GET than answers.
    assert!(
        gets == *polls as usize || gets == *polls as usize + 1,
        "polls answered {polls}, GETs sent {gets}"
    );
    assert!(*polls >= 2, "polled more than once: {polls}");
    // It stopped because the next poll would pass the timeout, not before.
    assert!(
        *waited + Duration::from_millis(10) > Duration::from_millis(200),
        "gave up early: waited {waited:?}"
    );
    // (How far past the timeout it may go: see the slow-server test below.)
    assert!(*waited < Duration::from_secs(2), "waited {waited:?}");
    let last = last.as_ref().expect("the last answer");
    assert_eq!(last.status, Some(klavi::Status::PaymentPending));
    assert_eq!(last.id.as_deref(), Some(PAYMENT_ID));
    // One change only (none → PAYMENT_PENDING), however many polls.
    assert_eq!(status_changes(&logs), vec!["PAYMENT_PENDING".to_string()]);
    assert!(err.to_string().contains("no final status"), "{err}");
}

#[tokio::test]
async fn polling_gives_up_at_its_timeout_even_when_a_poll_is_slow() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    // The first answer is quick, every later one takes 2 s.
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(InSequence::new(vec![
            ResponseTemplate::new(200).set_body_json(status_body("PAYMENT_PENDING")),
            ResponseTemplate::new(200)
                .set_body_json(status_body("PAYMENT_PENDING"))
                .set_delay(Duration::from_secs(2)),
        ]))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = client(&server)
        .wait_for_final_status(
            PAYMENT_ID,
            PollOptions::default()
                .interval(Duration::from_millis(10))
                .timeout(Duration::from_millis(300)),
        )
        .await
        .expect_err("never final");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(800),
        "a 300 ms poll timeout returned after {elapsed:?}"
    );
    let PollError::Timeout { polls, last, .. } = &err else {
        panic!("expected PollError::Timeout, got {err:?}");
    };
    assert_eq!(*polls, 1, "one poll answered before the deadline");
    assert_eq!(
        last.as_ref().and_then(|l| l.status.clone()),
        Some(klavi::Status::PaymentPending)
    );
}

// ---------------------------------------------------------------------------
// 6. Money
// ---------------------------------------------------------------------------

#[test]
fn decimal_refuses_what_is_not_an_amount() {
    let three = "1.234".parse::<Decimal>().expect_err("three decimals");
    assert_eq!(three.reason, "more than two decimals");
    let shown = three.to_string();
    assert!(
        shown.contains("1.234") && shown.contains("more than two decimals"),
        "{shown}"
    );

    let negative = "-1.00".parse::<Decimal>().expect_err("negative");
    assert_eq!(negative.reason, "negative amounts are not allowed");
    let shown = negative.to_string();
    assert!(
        shown.contains("-1.00") && shown.contains("negative"),
        "{shown}"
    );

    assert_eq!(Decimal::from_minor(100).to_string(), "1.00");
    assert_eq!(Decimal::from_minor(5).to_string(), "0.05");
    assert_eq!("1333.04".parse::<Decimal>().unwrap().minor(), 133304);
    assert_eq!("1333.4".parse::<Decimal>().unwrap().to_string(), "1333.40");
    assert_eq!(
        serde_json::to_value(Decimal::from_minor(100)).unwrap(),
        json!("1.00")
    );
}

#[tokio::test]
async fn the_amount_is_sent_as_the_exact_string() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("POST"))
        .and(path(PAYMENTS_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(payment_created()))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .create_payment(payment_request())
        .await
        .expect("created");
    let pay = received_at(&server, PAYMENTS_PATH).await;
    assert_eq!(pay.len(), 1);
    let raw = String::from_utf8(pay[0].body.clone()).unwrap();
    assert!(
        raw.contains(r#""amount":"1333.04""#),
        "amount as a JSON string with both decimals: {raw}"
    );
    assert_eq!(json_body(&pay[0])["amount"], json!("1333.04"));
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 7. Error bodies
// ---------------------------------------------------------------------------

/// A 400 with Klavi's error body on create_payment.
async fn error_400(server: &MockServer) -> Error<klavi::ErrorResponse> {
    mount_auth(server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("POST"))
        .and(path(PAYMENTS_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "INVALID_AMOUNT",
            "message": "amount must be greater than zero"
        })))
        .expect(1)
        .mount(server)
        .await;
    client(server)
        .create_payment(payment_request())
        .await
        .expect_err("400")
}

/// The token endpoint refuses the keys.
async fn token_refused(server: &MockServer) -> Error<klavi::ErrorResponse> {
    Mock::given(method("POST"))
        .and(path(AUTH_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "INVALID_CREDENTIALS",
            "message": "invalid access key or secret key"
        })))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(PARTICIPANTS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(0)
        .mount(server)
        .await;
    client(server)
        .list_participants()
        .await
        .expect_err("no token")
}

const HTML_500: &str = "<html><head><title>500 Internal Server Error</title></head>\
                        <body><h1>Internal Server Error</h1></body></html>";

/// A 500 with an HTML body on create_payment.
async fn html_500(server: &MockServer) -> Error<klavi::ErrorResponse> {
    mount_auth(server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("POST"))
        .and(path(PAYMENTS_PATH))
        .respond_with(ResponseTemplate::new(500).set_body_raw(HTML_500, "text/html"))
        .expect(1)
        .mount(server)
        .await;
    client(server)
        .create_payment(payment_request())
        .await
        .expect_err("500")
}

#[tokio::test]
async fn a_400_decodes_klavis_error_body() {
    let server = MockServer::start().await;
    let err = error_400(&server).await;
    assert_eq!(err.status(), Some(400));
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.operation, "create_payment");
    assert_eq!(api.attempts, 1);
    let body = api.body.as_ref().expect("a typed body");
    assert_eq!(body.code.as_deref(), Some("INVALID_AMOUNT"));
    assert_eq!(
        body.message.as_deref(),
        Some("amount must be greater than zero")
    );
    assert_eq!(body.error, None);
    assert!(api.raw_body.contains("INVALID_AMOUNT"));
    assert_eq!(received_at(&server, PAYMENTS_PATH).await.len(), 1);
    server.verify().await;
}

#[tokio::test]
async fn a_refused_token_request_is_an_auth_error() {
    let server = MockServer::start().await;
    let err = token_refused(&server).await;
    let Error::Auth { operation, message } = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(*operation, "list_participants");
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains(ACCESS_KEY) && !message.contains(SECRET_KEY));
    assert_eq!(received_at(&server, AUTH_PATH).await.len(), 1);
    assert_eq!(received_at(&server, PARTICIPANTS_PATH).await.len(), 0);
    server.verify().await;
}

#[tokio::test]
async fn an_html_500_on_create_payment_is_not_resent() {
    let server = MockServer::start().await;
    let err = html_500(&server).await;
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status, 500);
    assert_eq!(api.body, None, "HTML is not an ErrorResponse");
    assert_eq!(api.raw_body, HTML_500);
    assert_eq!(api.attempts, 1);
    assert_eq!(
        received_at(&server, PAYMENTS_PATH).await.len(),
        1,
        "a POST is never resent"
    );
    assert_eq!(received_at(&server, AUTH_PATH).await.len(), 1);
    server.verify().await;
}

// ---------------------------------------------------------------------------
// 8. Secrets never print
// ---------------------------------------------------------------------------

#[tokio::test]
async fn keys_and_tokens_never_print() {
    let server = MockServer::start().await;
    let config = config(&server);
    assert_secret_free("Debug of Config", &format!("{config:?}"));
    let klavi = klavi::Client::new(config).unwrap();
    assert_secret_free("Debug of Client", &format!("{klavi:?}"));

    // A client that holds a token is still silent about it.
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("GET"))
        .and(path(PARTICIPANTS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    klavi.list_participants().await.expect("participants");
    assert_secret_free("Debug of Client with a token", &format!("{klavi:?}"));

    let s = MockServer::start().await;
    assert_error_secret_free("a 400", &error_400(&s).await);
    let s = MockServer::start().await;
    assert_error_secret_free("a refused token request", &token_refused(&s).await);
    let s = MockServer::start().await;
    assert_error_secret_free("an HTML 500", &html_500(&s).await);
    let s = MockServer::start().await;
    assert_error_secret_free("a second 401", &second_401(&s).await);
    let s = MockServer::start().await;
    let timeout = poll_timeout(&s).await;
    assert_secret_free("Debug of a poll timeout", &format!("{timeout:?}"));
    assert_secret_free("Display of a poll timeout", &timeout.to_string());
    let decimal = "1.234".parse::<Decimal>().unwrap_err();
    assert_secret_free("a decimal error", &format!("{decimal:?} {decimal}"));
}

/// `Display` says why, in Klavi's words.
#[tokio::test]
async fn api_errors_say_why() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("GET"))
        .and(path(STATUS_PATH))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "PAYMENT_NOT_FOUND",
            "message": "No payment with this id."
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_payment_status(PAYMENT_ID)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "get_payment_status failed with HTTP 404 after 1 attempt(s): PAYMENT_NOT_FOUND: No \
         payment with this id."
    );
}

/// Klavi's answers are thinly documented: a consent URL under another
/// plausible name still lands in the typed field, and every field the spec
/// does not name stays reachable in `additional`.
#[tokio::test]
async fn answers_under_other_names_and_unknown_fields_are_kept() {
    let server = MockServer::start().await;
    mount_auth(&server, TokenEndpoint::standard(), 1).await;
    Mock::given(method("POST"))
        .and(path(PAYMENTS_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": PAYMENT_ID,
            "clientRequestId": "order-1001",
            "redirectConsentURL": "https://consent.example/abc",
            "status": "STARTED",
            "expiresAt": "2024-05-02T12:01:00Z",
            "links": {"self": "/instant/payments/x"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(PARTICIPANTS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"organisationId": "0042", "organisationName": "Banco Exemplo", "ispbCode": "12345678", "compe": "341", "openFinanceRole": "ASPSP"}
        ])))
        .mount(&server)
        .await;
    let klavi = client(&server);
    let created = klavi.create_payment(payment_request()).await.unwrap();
    assert_eq!(
        created.consent_url.as_deref(),
        Some("https://consent.example/abc")
    );
    assert_eq!(
        created.additional["expiresAt"],
        json!("2024-05-02T12:01:00Z")
    );
    assert_eq!(
        created.additional["links"],
        json!({"self": "/instant/payments/x"})
    );
    let participants = klavi.list_participants().await.unwrap();
    let p = &participants[0];
    assert_eq!(p.participant_id.as_deref(), Some("0042"));
    assert_eq!(p.name.as_deref(), Some("Banco Exemplo"));
    assert_eq!(p.ispb.as_deref(), Some("12345678"));
    assert_eq!(p.bank_code.as_deref(), Some("341"));
    assert_eq!(p.additional["openFinanceRole"], json!("ASPSP"));
}
