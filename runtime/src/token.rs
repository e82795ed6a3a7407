//! Bearer tokens obtained from a token endpoint (feature `token-auth`).
//!
//! - A token is cached until shortly before it expires (a tenth of its
//!   lifetime early, at most 30 s early); lifetimes are capped at 24 hours.
//!   A lifetime of zero or less is used by the calls that waited for it and
//!   fetched anew by the next call. A lifetime that is missing or not a
//!   number is an [`Error::Auth`](crate::Error::Auth).
//! - One fetch at a time, shared by every call that needs a token while it
//!   runs; its failure goes to all of them. For [`TOKEN_FAILURE_BACKOFF`]
//!   after a failure, calls needing a token fail at once with that failure
//!   instead of asking the endpoint again.
//! - A call waits for a token at most its attempt timeout
//!   ([`HttpOptions::timeout`](crate::HttpOptions::timeout)).
//! - A call holding a valid cached token never waits for a fetch, and a
//!   one-time token ([`Request::fresh_token`](crate::__private::Request::fresh_token))
//!   is fetched by its call alone, without holding up the others; it then
//!   replaces the cached token.
//! - A 401 renews the token once (many concurrent 401s share one renewal)
//!   and the request is resent once.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::error::{clipped, Failure, QUOTE_LIMIT};
use crate::flight::{SingleFlight, DEFAULT_FAILURE_BACKOFF};
use crate::transport::{Attempt, Sent, Transport};

/// How long a failed token fetch is reported to new calls before the token
/// endpoint is asked again.
pub const TOKEN_FAILURE_BACKOFF: Duration = DEFAULT_FAILURE_BACKOFF;

/// The longest token lifetime honoured; a longer one is cut to this.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How to obtain a bearer token: `POST <base>/<path>` with a JSON body of
/// secrets; the answer holds the token and its lifetime in seconds.
#[derive(Clone)]
pub struct TokenAuth {
    /// Path of the token endpoint, relative to the base URL.
    pub path: &'static str,
    /// JSON body fields (wire name, secret).
    pub body: Vec<(&'static str, SecretString)>,
    /// Field of the answer holding the token.
    pub token_field: &'static str,
    /// Fields holding the lifetime in seconds, as a number or a numeric
    /// string; the first present wins.
    pub expires_in_fields: &'static [&'static str],
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuth")
            .field("path", &self.path)
            .field(
                "body",
                &self
                    .body
                    .iter()
                    .map(|(k, _)| (k, "[REDACTED]"))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The cached token of a client (shared by its clones).
pub(crate) struct TokenState {
    auth: Arc<TokenAuth>,
    flight: SingleFlight<CachedToken, TokenError>,
}

impl TokenState {
    pub(crate) fn new(auth: TokenAuth) -> Self {
        TokenState {
            auth: Arc::new(auth),
            flight: SingleFlight::new(TOKEN_FAILURE_BACKOFF, || {
                TokenError::Auth("the token fetch ended without a result".into())
            }),
        }
    }
}

#[derive(Clone)]
pub(crate) struct CachedToken {
    header: HeaderValue,
    /// The token is not used from the cache from this instant on.
    refresh_at: Instant,
}

/// Why no token was obtained; shared by every call that waited for it.
#[derive(Clone, Debug)]
pub(crate) enum TokenError {
    Redirect {
        status: u16,
        location: Option<String>,
        attempts: u32,
    },
    /// Never the endpoint's body: a token endpoint may echo what it was sent.
    Auth(String),
}

impl TokenError {
    fn into_failure(self) -> Failure {
        match self {
            TokenError::Redirect {
                status,
                location,
                attempts,
            } => Failure::Redirect {
                status,
                location,
                attempts,
            },
            TokenError::Auth(message) => Failure::Auth(message),
        }
    }
}

impl Transport {
    /// The `Authorization` header for token auth: the cached token unless it
    /// is about to expire, or `fresh` asks for a new one, or it is the one
    /// the server just refused (`refused`; when another call has already
    /// replaced it, that replacement is used: one renewal for many 401s).
    pub(crate) async fn bearer(
        &self,
        state: &TokenState,
        fresh: bool,
        refused: Option<&HeaderValue>,
    ) -> Result<HeaderValue, Failure> {
        match Self::cached_bearer(state, fresh, refused) {
            Some(header) => Ok(header),
            // The fetch's future is large (timer, single flight, request);
            // boxed, it is not laid out in every call's future.
            None => Box::pin(self.renew_bearer(state, fresh, refused)).await,
        }
    }

    /// A valid cached token: no timer, no task, no waiting.
    fn cached_bearer(
        state: &TokenState,
        fresh: bool,
        refused: Option<&HeaderValue>,
    ) -> Option<HeaderValue> {
        if fresh {
            return None;
        }
        let now = Instant::now();
        state
            .flight
            .cached(|t| now < t.refresh_at && refused.is_none_or(|r| *r != t.header))
            .map(|t| t.header)
    }

    /// A new token: this call's own when `fresh`, else shared with every
    /// call that needs one now.
    async fn renew_bearer(
        &self,
        state: &TokenState,
        fresh: bool,
        refused: Option<&HeaderValue>,
    ) -> Result<HeaderValue, Failure> {
        let deadline = self.options().timeout;
        let too_slow = || {
            Failure::Auth(format!(
                "no access token arrived within the timeout ({deadline:?})"
            ))
        };
        if fresh {
            // A one-time token: fetched by this call alone, outside the
            // single flight, so that calls with a cached token go on.
            if let Some(e) = state.flight.recent_failure() {
                return Err(e.into_failure());
            }
            let outcome = tokio::time::timeout(deadline, self.fetch_token(&state.auth))
                .await
                .map_err(|_| too_slow())?;
            state.flight.record(&outcome);
            return outcome.map(|t| t.header).map_err(TokenError::into_failure);
        }
        let usable = |t: &CachedToken, _: Option<Instant>| {
            Instant::now() < t.refresh_at && refused.is_none_or(|r| *r != t.header)
        };
        let fetch = || {
            let this = self.clone();
            let auth = state.auth.clone();
            // The fetch runs as a task of its own; its span stays under the
            // span of the call that started it.
            let parent = tracing::Span::current();
            async move { this.fetch_token(&auth).instrument(parent).await }
        };
        match tokio::time::timeout(deadline, state.flight.get(usable, false, fetch)).await {
            Ok(outcome) => outcome.map(|t| t.header).map_err(TokenError::into_failure),
            Err(_) => Err(too_slow()),
        }
    }

    async fn fetch_token(&self, auth: &TokenAuth) -> Result<CachedToken, TokenError> {
        let body: serde_json::Map<String, serde_json::Value> = auth
            .body
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    serde_json::Value::String(v.expose_secret().to_string()),
                )
            })
            .collect();
        let body = serde_json::to_vec(&body).map_err(|e| TokenError::Auth(e.to_string()))?;
        let body = Bytes::from(body);
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let url = reqwest::Url::parse(&format!("{}{}", self.base_url(), auth.path))
            .map_err(|e| TokenError::Auth(format!("the token endpoint's URL is not valid: {e}")))?;
        let span = tracing::info_span!(
            "paygen.token",
            provider = self.provider(),
            path = auth.path,
            status = tracing::field::Empty
        );
        // A connection that could not be made sent nothing: try it again.
        let retry = &self.options().retry;
        let attempts = retry.max_attempts.max(1);
        let mut tries = 0;
        let resp = loop {
            tries += 1;
            let sent = Sent {
                url: url.clone(),
                method: Method::POST,
                headers: headers.clone(),
                body: Some(body.clone()),
            };
            let attempt = span.in_scope(|| self.attempt(sent));
            match attempt.instrument(span.clone()).await {
                Ok(r) => break r,
                Err(Attempt::Connect(_)) if tries < attempts => {
                    tokio::time::sleep(retry.backoff(tries - 1)).await;
                }
                Err(a) => return Err(attempt_error(a, tries, self.options().timeout)),
            }
        };
        span.record("status", resp.status);
        if !(200..300).contains(&resp.status) {
            // The body is not included: a token endpoint may echo what it was sent.
            return Err(TokenError::Auth(format!(
                "the token endpoint answered HTTP {}",
                resp.status
            )));
        }
        let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
            TokenError::Auth(format!(
                "the token endpoint's answer is not JSON: {}",
                clipped(&e.to_string(), QUOTE_LIMIT)
            ))
        })?;
        let token = v
            .get(auth.token_field)
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                TokenError::Auth(format!(
                    "the token endpoint's answer has no `{}`",
                    auth.token_field
                ))
            })?;
        let lifetime = auth
            .expires_in_fields
            .iter()
            .find_map(|f| lifetime_of(v.get(*f)?))
            .ok_or_else(|| {
                TokenError::Auth(format!(
                    "the token endpoint's answer has no numeric lifetime in {:?}",
                    auth.expires_in_fields
                ))
            })?;
        let mut header = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| TokenError::Auth("the access token is not a valid header value".into()))?;
        header.set_sensitive(true);
        Ok(CachedToken {
            header,
            refresh_at: refresh_at(Instant::now(), lifetime),
        })
    }
}

/// When a token fetched at `now` that lives `lifetime` stops being used:
/// a tenth of its lifetime early, at most 30 s early.
fn refresh_at(now: Instant, lifetime: Duration) -> Instant {
    let margin = (lifetime / 10).min(Duration::from_secs(30));
    now.checked_add(lifetime.saturating_sub(margin))
        .unwrap_or(now)
}

/// A token lifetime in seconds: a JSON number or a numeric string, capped
/// at [`MAX_LIFETIME`]; zero or negative is zero; fractions are kept.
/// `None` when the value is not a number.
fn lifetime_of(v: &serde_json::Value) -> Option<Duration> {
    let seconds = match v {
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Some(Duration::from_secs(u).min(MAX_LIFETIME));
            }
            if n.as_i64().is_some() {
                // Negative (a non-negative integer is a u64).
                return Some(Duration::ZERO);
            }
            n.as_f64()?
        }
        serde_json::Value::String(s) => {
            let s = s.trim();
            // `f64::from_str` also reads `inf` and `NaN`: digits only.
            if !s
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
            {
                return None;
            }
            s.parse::<f64>().ok()?
        }
        _ => return None,
    };
    if !seconds.is_finite() {
        return None;
    }
    if seconds <= 0.0 {
        return Some(Duration::ZERO);
    }
    Some(Duration::try_from_secs_f64(seconds).map_or(MAX_LIFETIME, |d| d.min(MAX_LIFETIME)))
}

/// A failed token request, as told to the call that needed the token:
/// nothing of that call was sent.
fn attempt_error(a: Attempt, tries: u32, timeout: Duration) -> TokenError {
    match a {
        Attempt::Connect(e) => TokenError::Auth(format!(
            "could not connect to the token endpoint after {tries} attempt(s): {}",
            clipped(&e.to_string(), QUOTE_LIMIT)
        )),
        Attempt::Transport(e) => TokenError::Auth(format!(
            "the token request failed: {}",
            clipped(&e.to_string(), QUOTE_LIMIT)
        )),
        Attempt::Timeout => TokenError::Auth(format!(
            "the token endpoint did not answer within the timeout ({timeout:?})"
        )),
        Attempt::TooLarge(limit) => TokenError::Auth(format!(
            "the token endpoint's answer exceeded the {limit}-byte limit"
        )),
        Attempt::Redirect { status, location } => TokenError::Redirect {
            status,
            location,
            attempts: tries,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifetimes_never_panic_and_are_capped() {
        let day = MAX_LIFETIME;
        let cases = [
            (json!(3600), Some(Duration::from_secs(3600))),
            (json!("3600"), Some(Duration::from_secs(3600))),
            (json!(" 60 "), Some(Duration::from_secs(60))),
            (json!(10000000000000000000u64), Some(day)),
            (json!("10000000000000000000"), Some(day)),
            (json!(1e300), Some(day)),
            (json!("1e300"), Some(day)),
            (json!(0), Some(Duration::ZERO)),
            (json!(-5), Some(Duration::ZERO)),
            (json!(-1.5), Some(Duration::ZERO)),
            (json!("-3600"), Some(Duration::ZERO)),
            (json!(i64::MIN), Some(Duration::ZERO)),
            (json!(1.5), Some(Duration::from_millis(1500))),
            (json!("0.25"), Some(Duration::from_millis(250))),
            (json!("soon"), None),
            (json!("inf"), None),
            (json!("NaN"), None),
            (json!(""), None),
            (json!(null), None),
            (json!(true), None),
            (json!({"s": 1}), None),
        ];
        for (value, expected) in cases {
            assert_eq!(lifetime_of(&value), expected, "{value}");
        }
    }

    #[test]
    fn refresh_instants_never_overflow() {
        let now = Instant::now();
        assert_eq!(refresh_at(now, Duration::ZERO), now);
        // Out of `Instant`'s range: no panic, the token is not reused.
        let _ = refresh_at(now, Duration::MAX);
        assert_eq!(
            refresh_at(now, Duration::from_secs(100)),
            now + Duration::from_secs(90)
        );
        assert_eq!(
            refresh_at(now, MAX_LIFETIME),
            now + MAX_LIFETIME - Duration::from_secs(30)
        );
    }
}
