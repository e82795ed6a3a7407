//! Sending requests: authentication, idempotency keys, timeouts, a response
//! size cap, retries that are safe for payments, and a tracing span per try.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::encode::{self, ParamStyle};
use crate::error::{
    clipped, clipped_middle, text_of, ApiError, BuildError, DecodeError, Error, Failure, SendError,
    MESSAGE_LIMIT, QUOTE_LIMIT,
};
#[cfg(feature = "token-auth")]
use crate::token::{TokenAuth, TokenState};
use crate::values::{encode_segment, ParamValue};

/// Without the `token-auth` feature there is no token state: a transport's
/// `token` is always `None`.
#[cfg(not(feature = "token-auth"))]
enum TokenState {}

#[cfg(not(feature = "token-auth"))]
impl Transport {
    async fn bearer(
        &self,
        state: &TokenState,
        _fresh: bool,
        _refused: Option<&HeaderValue>,
    ) -> Result<HeaderValue, Failure> {
        match *state {}
    }
}

/// Connection and retry settings shared by every provider's `Config`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    /// Time allowed to open a connection (TCP + TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from sending to the last body byte. Default 30 s.
    pub timeout: Duration,
    /// Largest response body accepted, in bytes. Default 4 MiB.
    pub max_response_bytes: usize,
    /// When failed attempts are tried again. Default [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// `User-Agent` header. Default `paygen/<version>`.
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_response_bytes: 4 * 1024 * 1024,
            retry: RetryPolicy::default(),
            user_agent: concat!("paygen/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl HttpOptions {
    /// Sets [`HttpOptions::connect_timeout`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets [`HttpOptions::timeout`].
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Sets [`HttpOptions::max_response_bytes`].
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Sets [`HttpOptions::retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets [`HttpOptions::user_agent`].
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
}

/// When a failed attempt is tried again.
///
/// A request is resent only when that cannot cause a second effect: the
/// connection was never made, or the method is GET, HEAD, PUT, DELETE or
/// OPTIONS, or the request carries an idempotency key. Retried statuses are
/// 429, 502, 503 and 504; `Retry-After` (seconds or an HTTP date) is honoured
/// up to `max_retry_after`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first. 1 disables retries. Default 3.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles each time, with jitter. Default 200 ms.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff delay. Default 5 s.
    pub max_backoff: Duration,
    /// No retry starts once this much time has passed since the first attempt. Default 30 s.
    pub max_elapsed: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the retries. Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let base = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        // Full jitter in [base/2, base]: spreads clients that failed together.
        let half = base / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// The credentials a client sends. Every secret is a [`SecretString`], so
/// `Debug` shows `[REDACTED]`.
#[derive(Clone, Default)]
pub enum Credentials {
    #[default]
    /// No credentials.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The user name.
        username: SecretString,
        /// The password.
        password: SecretString,
    },
    /// `Authorization: Basic <key>`, the key sent as it is.
    BasicRawKey(SecretString),
    /// The secret in a header of its own.
    Header {
        /// The lowercase header name.
        name: &'static str,
        /// The header value.
        value: SecretString,
    },
    /// Several secrets, each in a header of its own, all sent (a security
    /// requirement naming several API keys).
    Headers(Vec<(&'static str, SecretString)>),
    /// `Authorization: Bearer <token>` with a token the client obtains from
    /// a token endpoint, caches until shortly before it expires, and renews
    /// (feature `token-auth`).
    #[cfg(feature = "token-auth")]
    Token(TokenAuth),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            Credentials::Basic { .. } => {
                f.write_str("Basic { username: [REDACTED], password: [REDACTED] }")
            }
            Credentials::BasicRawKey(_) => f.write_str("BasicRawKey([REDACTED])"),
            Credentials::Header { name, .. } => {
                write!(f, "Header {{ name: {name:?}, value: [REDACTED] }}")
            }
            Credentials::Headers(headers) => {
                let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
                write!(f, "Headers {{ names: {names:?}, values: [REDACTED] }}")
            }
            #[cfg(feature = "token-auth")]
            Credentials::Token(t) => write!(f, "Token({t:?})"),
        }
    }
}

impl Credentials {
    /// The headers that carry the credentials (none for a token endpoint,
    /// whose token is added per request).
    fn headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, BuildError> {
        match self {
            Credentials::Headers(headers) => headers
                .iter()
                .map(|(name, value)| {
                    Ok((
                        header_name(name)?,
                        sensitive(value.expose_secret().to_string())?,
                    ))
                })
                .collect(),
            other => Ok(other.header()?.into_iter().collect()),
        }
    }

    fn header(&self) -> Result<Option<(HeaderName, HeaderValue)>, BuildError> {
        use base64::Engine as _;
        let (name, value) = match self {
            Credentials::None | Credentials::Headers(_) => return Ok(None),
            #[cfg(feature = "token-auth")]
            Credentials::Token(_) => return Ok(None),
            Credentials::Bearer(t) => (
                http::header::AUTHORIZATION,
                format!("Bearer {}", t.expose_secret()),
            ),
            Credentials::Basic { username, password } => {
                let raw = format!("{}:{}", username.expose_secret(), password.expose_secret());
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                (http::header::AUTHORIZATION, format!("Basic {encoded}"))
            }
            Credentials::BasicRawKey(k) => (
                http::header::AUTHORIZATION,
                format!("Basic {}", k.expose_secret()),
            ),
            Credentials::Header { name, value } => {
                (header_name(name)?, value.expose_secret().to_string())
            }
        };
        Ok(Some((name, sensitive(value)?)))
    }
}

/// A credential's header name (any case); a name that is not an HTTP token
/// is an error, not a panic, since callers may build [`Credentials`].
fn header_name(name: &str) -> Result<HeaderName, BuildError> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| BuildError(format!("`{name}` is not a valid HTTP header name")))
}

/// A credential as a header value, marked sensitive; the error does not echo
/// the value.
fn sensitive(value: String) -> Result<HeaderValue, BuildError> {
    let mut value = HeaderValue::try_from(value).map_err(|_| {
        BuildError("the credential contains characters not allowed in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// What a generated `Client` hands to [`Transport::new`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// The provider module, recorded in tracing spans.
    pub provider: &'static str,
    /// Where requests go (without a trailing `/`).
    pub base_url: String,
    /// What authenticates each request.
    pub credentials: Credentials,
    /// Timeouts, retries and limits.
    pub options: HttpOptions,
    /// Headers sent on every request (e.g. `Klarna-Partner-Account`).
    pub headers: Vec<(&'static str, String)>,
    /// Sent with a fresh UUID on every POST and PATCH that lacks it.
    pub idempotency_header: Option<&'static str>,
    /// An error body that makes a response retryable (when the request is
    /// safe to resend), whatever its status alone says.
    pub retry_on_body: Option<RetryOnBody>,
}

/// A response with this status whose JSON body has `field` equal to one of
/// `values` is retried like a 503 (Klarna: 500 with `error_code` `TIMEOUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryOnBody {
    /// The status the rule applies to.
    pub status: u16,
    /// Top-level field of the JSON error body.
    pub field: &'static str,
    /// Values of the field that make the response retryable.
    pub values: &'static [&'static str],
}

impl RetryOnBody {
    fn matches(&self, status: u16, body: &[u8]) -> bool {
        status == self.status
            && serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| {
                    v.get(self.field)?
                        .as_str()
                        .map(|s| self.values.contains(&s))
                })
                .unwrap_or(false)
    }
}

/// A configured HTTP client for one provider. Cheap to clone.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    provider: &'static str,
    base_url: String,
    /// `base_url` parsed once: each call clones it and sets its path and
    /// query, so no call parses a host again.
    base: reqwest::Url,
    /// The base URL's path without a trailing `/` (`""` for a bare host):
    /// an operation's path is appended to it.
    base_path: String,
    headers: HeaderMap,
    /// `headers` with the content type of a body generated code sends,
    /// prepared once: a call with such a body copies one of these and adds
    /// nothing else in the common case.
    typed_headers: [(&'static str, HeaderMap); 2],
    options: HttpOptions,
    idempotency_header: Option<HeaderName>,
    retry_on_body: Option<RetryOnBody>,
    token: Option<Arc<TokenState>>,
}

/// The content types [`Inner::typed_headers`] are prepared for.
const TYPED: [&str; 2] = ["application/json", "application/x-www-form-urlencoded"];

impl Inner {
    /// The client's headers with `content_type` already set, when prepared.
    fn headers_for(&self, content_type: Option<&'static str>) -> Option<&HeaderMap> {
        let ct = content_type?;
        self.typed_headers
            .iter()
            .find(|(t, _)| *t == ct)
            .map(|(_, h)| h)
    }
}

/// `headers` plus `content-type: ct`, for each of [`TYPED`].
fn typed_headers(headers: &HeaderMap) -> [(&'static str, HeaderMap); 2] {
    TYPED.map(|ct| {
        let mut h = headers.clone();
        h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        (ct, h)
    })
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("base_url", &self.inner.base_url)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// The URL of a request: the base URL, parsed when the client was
    /// built, with the operation's path appended to its path and the query
    /// pairs form-encoded. The same bytes as parsing the joined text,
    /// without parsing the host on every call. A path that carries its own
    /// query or fragment (a spec's path key such as `/search?type=all`) is
    /// parsed whole.
    fn url(
        &self,
        path: &str,
        query: &[(Cow<'static, str>, String)],
    ) -> Result<reqwest::Url, Failure> {
        let mut url = if path.contains(['?', '#']) {
            reqwest::Url::parse(&format!("{}{path}", self.base_url))
                .map_err(|e| Failure::Invalid(format!("the request URL is not valid: {e}")))?
        } else {
            let mut url = self.base.clone();
            if self.base_path.is_empty() {
                url.set_path(path);
            } else {
                let mut joined = String::with_capacity(self.base_path.len() + path.len());
                joined.push_str(&self.base_path);
                joined.push_str(path);
                url.set_path(&joined);
            }
            url
        };
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }
}

impl Transport {
    /// A transport for one client.
    pub fn new(settings: Settings) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            // A redirect is reported, never followed: following it would
            // resend the body (hashed keys, token secrets) to another host,
            // or over plain HTTP.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.options.connect_timeout)
            // One attempt, from connecting to the last body byte.
            .timeout(settings.options.timeout)
            .user_agent(settings.options.user_agent.clone())
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &settings.headers {
            let value = HeaderValue::try_from(value.as_str()).map_err(|_| {
                BuildError(format!(
                    "the value of header `{name}` is not a valid header value"
                ))
            })?;
            // Names come from generated code: lowercase HTTP tokens, which the
            // generator checks (`from_static` cannot panic on them).
            headers.insert(HeaderName::from_static(name), value);
        }
        for (name, value) in settings.credentials.headers()? {
            headers.insert(name, value);
        }
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let base_url = settings.base_url.trim_end_matches('/').to_string();
        if base_url.is_empty() {
            return Err(BuildError(
                "no base URL: the API's spec names no server; set one with the config's `base_url`"
                    .to_string(),
            ));
        }
        let base = reqwest::Url::parse(&base_url)
            .map_err(|e| BuildError(format!("base URL `{base_url}` is not a URL: {e}")))?;
        if base.cannot_be_a_base() || base.query().is_some() || base.fragment().is_some() {
            return Err(BuildError(format!(
                "base URL `{base_url}` must be a scheme, a host and optionally a path, without a query or fragment"
            )));
        }
        let base_path = base.path().trim_end_matches('/').to_string();
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                provider: settings.provider,
                base_url,
                base,
                base_path,
                typed_headers: typed_headers(&headers),
                headers,
                options: settings.options,
                // A lowercase HTTP token, checked by the generator.
                idempotency_header: settings.idempotency_header.map(HeaderName::from_static),
                retry_on_body: settings.retry_on_body,
                token: match settings.credentials {
                    #[cfg(feature = "token-auth")]
                    Credentials::Token(auth) => Some(Arc::new(TokenState::new(auth))),
                    _ => None,
                },
            }),
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The same transport (connections shared) with another retry policy.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        let inner = &*self.inner;
        Transport {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                provider: inner.provider,
                base_url: inner.base_url.clone(),
                base: inner.base.clone(),
                base_path: inner.base_path.clone(),
                headers: inner.headers.clone(),
                typed_headers: inner.typed_headers.clone(),
                options: HttpOptions {
                    retry: policy,
                    ..inner.options.clone()
                },
                idempotency_header: inner.idempotency_header.clone(),
                retry_on_body: inner.retry_on_body,
                token: inner.token.clone(),
            }),
        }
    }

    #[cfg_attr(not(feature = "token-auth"), allow(dead_code))]
    pub(crate) fn options(&self) -> &HttpOptions {
        &self.inner.options
    }

    #[cfg_attr(not(feature = "token-auth"), allow(dead_code))]
    pub(crate) fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// Sends `req`, retrying where it is safe, and returns the final response
    /// whatever its status. Not generic: one copy serves every operation;
    /// `?` turns a [`SendError`] into the operation's `Error<E>`.
    ///
    /// The request is checked and its URL and headers prepared when this is
    /// called; the future holds what they became, and each value only once
    /// (an `async fn` keeps its arguments beside the locals it moves them
    /// into, and so would every layer of the call).
    pub fn send(
        &self,
        req: Request,
    ) -> impl std::future::Future<Output = Result<Response, SendError>> + Send + '_ {
        let mut call = self.prepare(req);
        async move {
            let outcome = match call.refused.take() {
                Some(failure) => Err(failure),
                None => self.run(&mut call).await,
            };
            outcome.map_err(|failure| SendError {
                operation: call.req.operation,
                failure,
            })
        }
    }

    /// What can be done before anything is awaited: the request's own
    /// failure, the first attempt's URL, the headers every attempt sends.
    fn prepare(&self, mut req: Request) -> Call<'_> {
        let inner = &*self.inner;
        let mut call = Call {
            url: None,
            prepared: &inner.headers,
            extra: Vec::new(),
            replay_safe: false,
            refused: req.invalid.take().map(|failure| *failure),
            req,
        };
        if call.refused.is_some() {
            return call;
        }
        if let Err(failure) = self.prepare_call(&mut call) {
            call.refused = Some(failure);
        }
        call
    }

    /// Fills in the first attempt's URL, the headers and whether a resend
    /// is safe; a header value HTTP does not allow refuses the call.
    fn prepare_call<'a>(&'a self, call: &mut Call<'a>) -> Result<(), Failure> {
        let inner = &*self.inner;
        let req = &mut call.req;
        // The first attempt takes this URL; a retry builds it again (a copy
        // of the parsed base with path and query set: cheap, and rare).
        call.url = Some(inner.url(&req.path, &req.query)?);
        // The client's headers (built once, with the credentials, when the
        // client is), with this body's content type when that is prepared.
        let prepared = inner.headers_for(req.content_type);
        // What this call adds to them.
        let extra = &mut call.extra;
        for (name, value) in std::mem::take(&mut req.headers) {
            let value = HeaderValue::try_from(value).map_err(|_| {
                Failure::Invalid(format!(
                    "header `{name}` has a value that is not allowed in HTTP"
                ))
            })?;
            // A header parameter's name: a lowercase HTTP token, checked by
            // the generator.
            extra.push((HeaderName::from_static(name), value));
        }
        if let Some(ct) = req.content_type {
            // Set after the request's own headers, which a prepared map
            // cannot be (it holds the content type from the start).
            if prepared.is_none() || !extra.is_empty() {
                extra.push((http::header::CONTENT_TYPE, HeaderValue::from_static(ct)));
            }
        }
        call.prepared = prepared.unwrap_or(&inner.headers);
        let mut keyed = false;
        if let Some(h) = &inner.idempotency_header {
            keyed = inner.headers.contains_key(h) || extra.iter().any(|(n, _)| n == h);
            if !keyed && (req.method == Method::POST || req.method == Method::PATCH) {
                extra.push((h.clone(), idempotency_key()));
                keyed = true;
            }
        }
        call.replay_safe = keyed
            || matches!(
                req.method,
                Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
            );
        Ok(())
    }

    /// The attempts of a prepared call.
    async fn run(&self, call: &mut Call<'_>) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let req = &call.req;
        let policy = &inner.options.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut fresh_token = req.fresh_token;
        let mut renewed_after_401 = false;
        let mut refused: Option<HeaderValue> = None;
        let mut bearer_sent: Option<HeaderValue> = None;
        loop {
            attempt += 1;
            let mut headers = call.prepared.clone();
            for (name, value) in &call.extra {
                headers.insert(name.clone(), value.clone());
            }
            if let Some(state) = &inner.token {
                let bearer = self.bearer(state, fresh_token, refused.as_ref()).await?;
                bearer_sent = Some(bearer.clone());
                headers.insert(http::header::AUTHORIZATION, bearer);
                fresh_token = false;
            }
            let sent = Sent {
                url: match call.url.take() {
                    Some(url) => url,
                    None => inner.url(&req.path, &req.query)?,
                },
                method: req.method.clone(),
                headers,
                body: req.body.clone(),
            };
            // The span's fields are formatted, and its timing taken, only
            // when a subscriber listens.
            let span = tracing::info_span!(
                "paygen.request",
                provider = inner.provider,
                operation = req.operation,
                method = %req.method,
                path = %req.template,
                attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let outcome = if span.is_disabled() {
                self.attempt(sent).await
            } else {
                let t0 = Instant::now();
                let outcome = span
                    .in_scope(|| self.attempt(sent))
                    .instrument(span.clone())
                    .await;
                span.record("duration_ms", t0.elapsed().as_millis() as u64);
                if let Ok(resp) = &outcome {
                    span.record("status", resp.status);
                }
                outcome
            };
            // A 401 with a cached token: renew it once and resend (the request
            // was refused, so resending cannot repeat an effect).
            if let (Some(_), Ok(resp)) = (&inner.token, &outcome) {
                if resp.status == 401 && !renewed_after_401 {
                    renewed_after_401 = true;
                    refused = bearer_sent.take();
                    tracing::debug!(
                        provider = inner.provider,
                        operation = req.operation,
                        "renewing the access token after 401"
                    );
                    continue;
                }
            }
            let retryable = match &outcome {
                Ok(resp) => {
                    call.replay_safe
                        && (matches!(resp.status, 429 | 502 | 503 | 504)
                            || inner
                                .retry_on_body
                                .is_some_and(|r| r.matches(resp.status, &resp.body)))
                }
                // Never sent: always safe to try again.
                Err(Attempt::Connect(_)) => true,
                Err(Attempt::Timeout | Attempt::Transport(_)) => call.replay_safe,
                Err(Attempt::TooLarge(_) | Attempt::Redirect { .. }) => false,
            };
            let delay = match &outcome {
                _ if !retryable || attempt >= policy.max_attempts => None,
                Ok(resp) => match parse_retry_after(&resp.headers) {
                    Some(d) if d > policy.max_retry_after => None,
                    Some(d) => Some(d),
                    None => Some(policy.backoff(attempt - 1)),
                },
                Err(_) => Some(policy.backoff(attempt - 1)),
            }
            .filter(|d| started.elapsed() + *d <= policy.max_elapsed);
            let Some(delay) = delay else {
                return match outcome {
                    Ok(resp) => Ok(Response {
                        attempts: attempt,
                        operation: req.operation,
                        ..resp
                    }),
                    Err(a) => Err(a.into_failure(attempt)),
                };
            };
            // The attempt's span ends before the wait, so its timing is the attempt's.
            drop(span);
            tracing::debug!(
                provider = inner.provider,
                operation = req.operation,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One request and its whole response. The time allowed (from
    /// connecting to the last body byte) is the HTTP client's own timeout,
    /// [`HttpOptions::timeout`]. The request is handed to the HTTP client
    /// when this is called; the future holds the client's (boxed) pending
    /// call, not the parts it was built from.
    pub(crate) fn attempt(
        &self,
        sent: Sent,
    ) -> impl std::future::Future<Output = Result<Response, Attempt>> + Send + '_ {
        let inner = &*self.inner;
        let mut request = reqwest::Request::new(sent.method, sent.url);
        *request.headers_mut() = sent.headers;
        if let Some(b) = sent.body {
            *request.body_mut() = Some(b.into());
        }
        self.receive(inner.http.execute(request))
    }

    async fn receive(
        &self,
        pending: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    ) -> Result<Response, Attempt> {
        let inner = &*self.inner;
        let limit = inner.options.max_response_bytes;
        let mut resp = pending.await.map_err(Attempt::from_reqwest)?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            let location = resp
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            return Err(Attempt::Redirect { status, location });
        }
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Attempt::TooLarge(limit));
        }
        // A body that arrives in one chunk of its declared length is kept
        // as it is; otherwise it is gathered chunk by chunk, stopping as
        // soon as the cap is passed. The buffer starts no larger than
        // 64 KiB whatever the server declares, and grows as bytes arrive.
        let declared = resp.content_length();
        let initial = declared
            .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
            .min(limit)
            .min(MAX_PREALLOCATION);
        let mut body = Vec::with_capacity(initial);
        while let Some(chunk) = resp.chunk().await.map_err(Attempt::from_reqwest)? {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(Attempt::TooLarge(limit));
            }
            if body.is_empty() && declared == Some(chunk.len() as u64) {
                // The whole body in one chunk: no copy needed.
                return Ok(Response {
                    operation: "",
                    status,
                    headers: std::mem::take(resp.headers_mut()),
                    body: chunk,
                    attempts: 1,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            operation: "",
            status,
            headers: std::mem::take(resp.headers_mut()),
            body: Bytes::from(body),
            attempts: 1,
        })
    }
}

/// An operation's future: the transport's [`Transport::send`], then `read`
/// on the response (status, body decoding). A [`SendError`] becomes the
/// operation's [`Error`].
///
/// Generated methods return this rather than an `async` block that awaits
/// the send: such a block keeps the send future it captured beside the one
/// it awaits, and so twice the bytes to move and to write.
pub fn reply<F, D, T, E>(sent: F, read: D) -> Reply<F, D>
where
    F: std::future::Future<Output = Result<Response, SendError>>,
    D: FnOnce(Response) -> Result<T, Error<E>>,
    E: fmt::Debug,
{
    Reply {
        sent,
        read: Some(read),
    }
}

pin_project_lite::pin_project! {
    /// The future [`reply`] returns.
    #[must_use = "an operation does nothing until awaited"]
    pub struct Reply<F, D> {
        #[pin]
        sent: F,
        read: Option<D>,
    }
}

impl<F, D, T, E> std::future::Future for Reply<F, D>
where
    F: std::future::Future<Output = Result<Response, SendError>>,
    D: FnOnce(Response) -> Result<T, Error<E>>,
    E: fmt::Debug,
{
    type Output = Result<T, Error<E>>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let sent = std::task::ready!(this.sent.poll(cx));
        // `read` is taken once, when `sent` is ready; a future is not
        // polled again after it returned `Ready` (that would be a bug in
        // the executor, like polling any finished `async` block).
        let read = this
            .read
            .take()
            .expect("an operation's future polled after it completed");
        std::task::Poll::Ready(match sent {
            Ok(resp) => read(resp),
            Err(e) => Err(e.into()),
        })
    }
}

/// A request that failed to build: why, for [`Transport::send`] to report.
fn invalid(message: String) -> Option<Box<Failure>> {
    Some(Box::new(Failure::Invalid(message)))
}

/// A request being sent, as [`Transport::send`] prepared it.
struct Call<'a> {
    req: Request,
    /// Why the request is not sent (it failed to build, or to prepare).
    refused: Option<Failure>,
    /// The first attempt's URL.
    url: Option<reqwest::Url>,
    /// The client's headers for this request's content type.
    prepared: &'a HeaderMap,
    /// Headers this request adds to them.
    extra: Vec<(HeaderName, HeaderValue)>,
    /// Sending twice cannot repeat an effect: an idempotency key, or an
    /// idempotent method.
    replay_safe: bool,
}

/// What one attempt sends.
pub(crate) struct Sent {
    pub(crate) url: reqwest::Url,
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
}

/// A fresh `Idempotency-Key`-style value: a random UUID, written without
/// an intermediate `String`.
fn idempotency_key() -> HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The most bytes reserved for a body before any arrive.
const MAX_PREALLOCATION: usize = 64 * 1024;

/// How one attempt failed.
#[derive(Debug)]
pub(crate) enum Attempt {
    Connect(reqwest::Error),
    Transport(reqwest::Error),
    Timeout,
    TooLarge(usize),
    /// A 3xx answer (redirects are not followed).
    Redirect {
        status: u16,
        location: Option<String>,
    },
}

impl Attempt {
    fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_connect() {
            Attempt::Connect(e)
        } else if e.is_timeout() {
            Attempt::Timeout
        } else {
            Attempt::Transport(e)
        }
    }

    fn into_failure(self, attempts: u32) -> Failure {
        match self {
            Attempt::Connect(source) => Failure::Connect { attempts, source },
            Attempt::Transport(source) => Failure::Transport { attempts, source },
            Attempt::Timeout => Failure::Timeout { attempts },
            Attempt::TooLarge(limit) => Failure::TooLarge { limit, attempts },
            Attempt::Redirect { status, location } => Failure::Redirect {
                status,
                location,
                attempts,
            },
        }
    }
}

fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// One request, as built by a generated operation method.
#[derive(Debug)]
pub struct Request {
    operation: &'static str,
    method: Method,
    path: String,
    /// The path with `{name}` in place of each parameter: what tracing
    /// records, so ids and tokens in paths stay out of logs. Given whole by
    /// [`Request::templated`], else built by [`Request::path`] and
    /// [`Request::segment`].
    template: Cow<'static, str>,
    /// The template was given whole: `path` and `segment` leave it alone.
    fixed_template: bool,
    /// Query pairs in the order the parameters were added; names are
    /// computed for structured values (`created[gte]`).
    query: Vec<(Cow<'static, str>, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Bytes>,
    content_type: Option<&'static str>,
    /// Obtain a new token for this request (token auth).
    fresh_token: bool,
    /// Set when building failed; reported when the request is sent.
    invalid: Option<Box<Failure>>,
}

impl Request {
    /// A request with an empty path; build it with [`Request::path`] and
    /// [`Request::segment`].
    pub fn new(operation: &'static str, method: Method) -> Self {
        Request {
            operation,
            method,
            path: String::new(),
            template: Cow::Borrowed(""),
            fixed_template: false,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            content_type: None,
            fresh_token: false,
            invalid: None,
        }
    }

    /// A request whose path template (`/purchases/{id}/`, what tracing
    /// records) is known in advance, as generated code knows it: the
    /// path is then built with [`Request::path`] and [`Request::segment`]
    /// into one buffer sized for it, and the template is not built again.
    pub fn templated(operation: &'static str, method: Method, template: &'static str) -> Self {
        Request {
            path: String::with_capacity(template.len() + 64),
            template: Cow::Borrowed(template),
            fixed_template: true,
            ..Request::new(operation, method)
        }
    }

    /// A form-encoded request to `path` (literal: form APIs have no path
    /// parameters): `fill` checks the operation's fields and adds its pairs
    /// to a copy of `base` (the client's credentials and common pairs), and
    /// the form is encoded in `charset` (as `Form::encode_as` does).
    /// A field that breaks a rule of its format, or a character the charset
    /// cannot write, makes a request that is not sent: sending it fails with
    /// [`crate::Error::Validation`].
    ///
    /// `fill` is a trait object so that every operation shares one copy of
    /// this function.
    #[cfg(feature = "form")]
    pub fn build_form(
        operation: &'static str,
        method: Method,
        path: &'static str,
        base: &crate::form::Form,
        charset: &str,
        fill: &dyn Fn(&mut crate::form::Form) -> Result<(), crate::form::Invalid>,
    ) -> Self {
        let mut form = base.clone();
        match fill(&mut form).and_then(|()| form.encode_as(charset)) {
            Ok(body) => {
                let mut req = Request::templated(operation, method, path);
                req.path(path);
                req.raw_body(body.into(), "application/x-www-form-urlencoded");
                req
            }
            Err(why) => Request::refused(operation, method, why),
        }
    }

    /// A request that is not sent: a field broke a rule of its format.
    /// Sending it fails with [`crate::Error::Validation`].
    #[cfg(feature = "form")]
    fn refused(operation: &'static str, method: Method, why: crate::form::Invalid) -> Self {
        Request {
            invalid: Some(Box::new(Failure::Validation {
                field: why.field,
                rule: why.rule,
            })),
            ..Request::new(operation, method)
        }
    }

    /// Uses a newly obtained access token for this request (token auth):
    /// for APIs whose tokens serve one operation each.
    pub fn fresh_token(&mut self) {
        self.fresh_token = true;
    }

    /// Appends literal path text from the spec.
    pub fn path(&mut self, literal: &str) {
        self.path.push_str(literal);
        if !self.fixed_template {
            self.template.to_mut().push_str(literal);
        }
    }

    /// Appends a path parameter as one percent-encoded segment. Empty, `.`
    /// and `..` are refused: no encoding keeps them from changing the path
    /// (URL parsers treat `%2e` as a dot too).
    pub fn segment(&mut self, name: &'static str, value: &str) {
        if matches!(value, "" | "." | "..") {
            self.invalid.get_or_insert_with(|| {
                Box::new(Failure::Invalid(format!(
                    "path parameter `{name}` must not be empty, `.` or `..` (got {value:?})"
                )))
            });
            return;
        }
        encode_segment(&mut self.path, value);
        if !self.fixed_template {
            let template = self.template.to_mut();
            template.push('{');
            template.push_str(name);
            template.push('}');
        }
    }

    /// Adds a query parameter (none for an absent value, one pair per list item).
    pub fn query<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        let mut pairs = Vec::new();
        value.append(name, &mut pairs);
        self.query
            .extend(pairs.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)));
    }

    /// Adds a header parameter.
    pub fn header<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        value.append(name, &mut self.headers);
    }

    /// Replaces the client's `Accept: application/json` for this request
    /// (an operation that answers with text, XML or a file).
    pub fn accept(&mut self, media_types: &'static str) {
        self.headers.push(("accept", media_types.to_string()));
    }

    /// Sets a JSON body, sent as `application/json`.
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) {
        self.json_as(body, "application/json");
    }

    /// Sets a JSON body sent under another JSON media type the document
    /// names (`application/vnd.example+json`, a `charset` parameter).
    pub fn json_as<T: Serialize + ?Sized>(&mut self, body: &T, content_type: &'static str) {
        // Most bodies fit in the first buffer (`to_vec` starts at 128 bytes
        // and grows, copying, through 256 and 512 for a typical payment).
        let mut bytes = Vec::with_capacity(JSON_BODY_CAPACITY);
        match serde_json::to_writer(&mut bytes, body) {
            Ok(()) => {
                self.body = Some(Bytes::from(bytes));
                self.content_type = Some(content_type);
            }
            Err(e) => self.invalid = invalid(format!("the body did not serialise: {e}")),
        }
    }

    /// A body already encoded, with its content type.
    pub fn raw_body(&mut self, body: Bytes, content_type: &'static str) {
        self.body = Some(body);
        self.content_type = Some(content_type);
    }

    /// Sets an `application/x-www-form-urlencoded` body: the fields of
    /// `body`, nested values as `a[b]=…`, lists as `a[0]=…`.
    pub fn form<T: Serialize + ?Sized>(&mut self, body: &T) {
        self.form_styled(body, &[]);
    }

    /// [`Request::form`], with the top-level fields `styles` names written
    /// in a query style instead (a list in `Form` style as `k=a&k=b`).
    pub fn form_styled<T: Serialize + ?Sized>(
        &mut self,
        body: &T,
        styles: &[(&'static str, ParamStyle)],
    ) {
        match encode::to_node(body).and_then(|node| encode::form_pairs(node, styles)) {
            Ok(pairs) => {
                let text = encode::form_text(&pairs);
                self.raw_body(Bytes::from(text), "application/x-www-form-urlencoded");
            }
            Err(e) => self.invalid = invalid(format!("the form body could not be written: {e}")),
        }
    }

    /// Sets a `multipart/form-data` body: one part per field of `body`,
    /// bytes as file parts.
    pub fn multipart<T: Serialize + ?Sized>(&mut self, body: &T) {
        match encode::to_node(body).and_then(encode::multipart) {
            Ok((bytes, boundary)) => {
                self.body = Some(Bytes::from(bytes));
                self.content_type = None;
                self.headers.push((
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                ));
            }
            Err(e) => {
                self.invalid = invalid(format!("the multipart body could not be written: {e}"))
            }
        }
    }

    /// Adds a query parameter of any shape, written in `style`.
    pub fn query_value<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        style: encode::ParamStyle,
    ) {
        match encode::to_node(value) {
            Ok(node) => self.query.extend(
                encode::query_pairs(name, node, style)
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k), v)),
            ),
            Err(e) => {
                self.invalid = invalid(format!(
                    "query parameter `{name}` could not be written: {e}"
                ))
            }
        }
    }

    /// Adds a header parameter of any shape, written in `simple` style.
    pub fn header_value<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match encode::to_node(value) {
            Ok(node) => {
                if let Some(text) = encode::header_text(node) {
                    self.headers.push((name, text));
                }
            }
            Err(e) => self.invalid = invalid(format!("header `{name}` could not be written: {e}")),
        }
    }
}

/// The buffer a JSON body is first written into.
const JSON_BODY_CAPACITY: usize = 1024;

/// A complete response.
#[derive(Debug)]
pub struct Response {
    operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: Bytes,
    /// How many requests were sent (retries included).
    pub attempts: u32,
}

impl Response {
    fn content_type(&self) -> Option<String> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Decodes a JSON body, naming the JSON path of a mismatch.
    ///
    /// The generic part is one `from_slice`; explaining a failure (the path
    /// of the mismatch, the content type) is shared by every type.
    pub fn json<T: DeserializeOwned, E: fmt::Debug>(self) -> Result<T, Error<E>> {
        match serde_json::from_slice(&self.body) {
            Ok(value) => Ok(value),
            Err(e) => Err(Error::Decode(self.json_failure(&e))),
        }
    }

    /// Why the body did not decode, with the JSON path where decoding
    /// stopped (found from serde_json's position, so the body is not decoded
    /// again).
    #[cold]
    fn json_failure(&self, e: &serde_json::Error) -> Box<DecodeError> {
        let path = crate::locate::json_path(&self.body, e.line(), e.column());
        let message = if path.is_empty() {
            e.to_string()
        } else {
            format!("at `{path}`: {e}")
        };
        self.decode_failure_box(message)
    }

    /// Accepts any body (the operation documents none).
    pub fn empty<E: fmt::Debug>(self) -> Result<(), Error<E>> {
        Ok(())
    }

    /// The body as bytes (a PDF, an octet stream).
    pub fn bytes(self) -> Bytes {
        self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A `key=value` body that does not read as documented, with what is wrong.
    pub fn decode_failure<E: fmt::Debug>(&self, message: String) -> Error<E> {
        Error::Decode(self.kv_failure(message))
    }

    /// A `key=value` body whose `field` (`status`) holds a value the
    /// operation does not document, or is missing.
    pub fn undocumented<E: fmt::Debug>(&self, field: &str, value: Option<&str>) -> Error<E> {
        self.decode_failure(format!(
            "`{field}` is {value:?}, which `{}` does not document",
            self.operation
        ))
    }

    #[cold]
    fn kv_failure(&self, message: String) -> Box<DecodeError> {
        Box::new(DecodeError {
            operation: self.operation,
            status: self.status,
            message: clipped_middle(&message, MESSAGE_LIMIT),
            content_type: self.content_type(),
            raw_body: text_of(&self.body),
            attempts: self.attempts,
        })
    }

    /// [`Error::Api`] for an error the provider reports in a successful HTTP
    /// response (PAYONE's `status=ERROR`), with its decoded body.
    pub fn api_error<E: fmt::Debug>(self, body: Option<E>) -> Error<E> {
        Error::Api(Box::new(ApiError {
            operation: self.operation,
            status: self.status,
            body,
            raw_body: text_of(&self.body),
            headers: self.headers,
            attempts: self.attempts,
        }))
    }

    /// A 2xx status whose body matches none of the documented ones.
    pub fn unexpected<E: fmt::Debug>(&self) -> Error<E> {
        Error::Decode(self.decode_failure_box(format!(
            "the body matches no documented response for status {}",
            self.status
        )))
    }

    #[cold]
    fn decode_failure_box(&self, message: String) -> Box<DecodeError> {
        let content_type = self.content_type();
        // serde's message may quote response data (a mistyped string of
        // megabytes): keep its start and its end (what was expected, where).
        let message = clipped_middle(&message, MESSAGE_LIMIT);
        let message = match &content_type {
            Some(ct) if !ct.contains("json") => {
                format!(
                    "{message} (the response's content type is `{}`)",
                    clipped(ct, QUOTE_LIMIT / 2)
                )
            }
            _ => message,
        };
        Box::new(DecodeError {
            operation: self.operation,
            status: self.status,
            message,
            content_type,
            raw_body: text_of(&self.body),
            attempts: self.attempts,
        })
    }

    /// Turns an error status into [`Error::Api`], decoding the body with the
    /// operation's documented error types.
    pub fn error<E: fmt::Debug>(self, decode: fn(u16, &[u8]) -> Option<E>) -> Error<E> {
        let body = decode(self.status, &self.body);
        self.api_error(body)
    }
}

/// Error decoder for operations whose error responses share one JSON type.
pub fn decode_json<E: DeserializeOwned>(_status: u16, body: &[u8]) -> Option<E> {
    serde_json::from_slice(body).ok()
}

/// Error decoder for operations that document no error body.
pub fn decode_none(_status: u16, _body: &[u8]) -> Option<()> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(base_url: &str) -> Result<Transport, BuildError> {
        Transport::new(Settings {
            provider: "test",
            base_url: base_url.to_string(),
            credentials: Credentials::None,
            options: HttpOptions::default(),
            headers: Vec::new(),
            idempotency_header: None,
            retry_on_body: None,
        })
    }

    /// Several API keys (Datadog's `DD-API-KEY` and `DD-APPLICATION-KEY`)
    /// are all sent, each in its own header, marked sensitive, and never
    /// printed.
    #[test]
    fn several_api_keys_are_all_sent() {
        let credentials = Credentials::Headers(vec![
            ("dd-api-key", SecretString::from("key-1".to_string())),
            (
                "dd-application-key",
                SecretString::from("key-2".to_string()),
            ),
        ]);
        let shown = format!("{credentials:?}");
        assert!(
            !shown.contains("key-1") && !shown.contains("key-2"),
            "{shown}"
        );
        let t = Transport::new(Settings {
            provider: "test",
            base_url: "https://api.example.test".into(),
            credentials,
            options: HttpOptions::default(),
            headers: Vec::new(),
            idempotency_header: None,
            retry_on_body: None,
        })
        .unwrap();
        for (name, value) in [("dd-api-key", "key-1"), ("dd-application-key", "key-2")] {
            let sent = &t.inner.headers[name];
            assert_eq!(sent, value);
            assert!(sent.is_sensitive());
        }
    }

    /// A caller may build `Credentials` by hand: a header name in capitals
    /// is sent (lowercased), and one that is not an HTTP token is a
    /// `BuildError`, not a panic.
    #[test]
    fn credential_header_names_are_checked_not_trusted() {
        let build = |name: &'static str| {
            Transport::new(Settings {
                provider: "test",
                base_url: "https://api.example.test".into(),
                credentials: Credentials::Header {
                    name,
                    value: SecretString::from("k".to_string()),
                },
                options: HttpOptions::default(),
                headers: Vec::new(),
                idempotency_header: None,
                retry_on_body: None,
            })
        };
        let t = build("X-Api-Key").unwrap();
        assert_eq!(&t.inner.headers["x-api-key"], "k");
        let err = build("Api Key").unwrap_err();
        assert!(
            err.to_string()
                .contains("`Api Key` is not a valid HTTP header name"),
            "{err}"
        );
    }

    /// The joined text parsed, with the query pairs form-encoded onto it
    /// (after a query the path already carries, before its fragment).
    fn parsed_whole(base_url: &str, path: &str, query: &[(Cow<'static, str>, String)]) -> String {
        let (path, fragment) = path
            .split_once('#')
            .map_or((path, None), |(p, f)| (p, Some(f)));
        let mut text = format!("{}{path}", base_url.trim_end_matches('/'));
        if !query.is_empty() {
            text.push(if path.contains('?') { '&' } else { '?' });
            let start = text.len();
            let mut s = url::form_urlencoded::Serializer::for_suffix(text, start);
            s.extend_pairs(query);
            text = s.finish();
        }
        if let Some(f) = fragment {
            text.push('#');
            text.push_str(f);
        }
        reqwest::Url::parse(&text).unwrap().to_string()
    }

    #[test]
    fn request_urls_match_parsing_the_joined_text() {
        let queries: [Vec<(Cow<'static, str>, String)>; 3] = [
            vec![],
            vec![("q".into(), "a b&c=d/é".to_string())],
            vec![
                ("ids[0]".into(), "1".to_string()),
                ("x".into(), String::new()),
            ],
        ];
        for base in [
            "https://api.example.com",
            "https://api.example.com/",
            "https://api.example.com/api/v1",
            "https://api.example.com/api/v1/",
            "http://127.0.0.1:8080/base",
            "https://BÜCHER.example/x",
        ] {
            let t = transport(base).unwrap();
            for path in [
                "",
                "/",
                "/purchases/",
                "/v1/payment/requests/krn%3Apartner%3Aeu1",
                "/a b/é/%zz/x%2Fy",
                "/a/../b/./c",
                "/search?type=all",
                "/x#frag",
            ] {
                for query in &queries {
                    assert_eq!(
                        t.inner.url(path, query).unwrap().to_string(),
                        parsed_whole(base, path, query),
                        "base {base}, path {path}, query {query:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_base_url_with_a_query_or_fragment_is_refused() {
        for base in [
            "https://x.example/?key=1",
            "https://x.example/a#b",
            "mailto:a@b.c",
        ] {
            let Err(e) = transport(base) else {
                panic!("{base} was accepted")
            };
            assert!(e.to_string().contains(base), "{e}");
        }
        assert!(transport("not a url").is_err());
    }

    #[test]
    fn no_base_url_is_refused_with_what_to_do() {
        for base in ["", "/"] {
            let Err(e) = transport(base) else {
                panic!("{base:?} was accepted")
            };
            assert!(
                e.to_string()
                    .contains("set one with the config's `base_url`"),
                "{e}"
            );
        }
    }
}
