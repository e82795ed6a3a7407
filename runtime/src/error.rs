//! The one error type every generated client returns.
//!
//! Every error's `Display` and `Debug` is bounded: response data, messages
//! and header values are quoted at most [`QUOTE_LIMIT`] bytes long (then
//! `…` and the full size), so that a hostile or broken server cannot make a
//! log line megabytes long. The full data stays in the public fields
//! (`ApiError::raw_body`, `DecodeError::raw_body`, `ApiError::headers`).

use std::fmt::{self, Write as _};

use bytes::Bytes;
use http::HeaderMap;

/// Why a call failed. `E` is the operation's decoded error body (a generated
/// type per operation; `()` when the operation declares none).
///
/// No variant's `Display` or `Debug` shows a credential: requests are not
/// kept, and response bodies are the provider's, not ours. Both are bounded
/// in length (quoted data is cut after a few hundred bytes, with `…`).
#[derive(Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E: fmt::Debug = ()> {
    /// The request could not be built (a value failed validation, or did not serialise).
    #[error("invalid request for {operation}: {}", Clip(.message, QUOTE_LIMIT))]
    InvalidRequest {
        /// The operation (its method name).
        operation: &'static str,
        /// What is wrong with the request.
        message: String,
    },
    /// A field broke a rule of its format (length, digits, range, permitted
    /// characters); nothing was sent.
    #[error("invalid request for {operation}: `{}` {}", Clip(.field, QUOTE_LIMIT), Clip(.rule, QUOTE_LIMIT))]
    Validation {
        /// The operation (its method name).
        operation: &'static str,
        /// The wire name of the field (`add_paydata[shipping_email]`, `pr[2]`),
        /// or the Rust name of an indexed group for its item count (`items`).
        field: String,
        /// The rule the value breaks (`must be 2 to 50 characters long, is 1`).
        rule: String,
    },
    /// The connection could not be set up: the request never left the machine.
    #[error("could not connect for {operation} after {attempts} attempt(s): {}", Clip(.source, QUOTE_LIMIT))]
    Connect {
        /// The operation (its method name).
        operation: &'static str,
        /// How many requests were tried (retries included).
        attempts: u32,
        /// The HTTP client's error (shared, so that errors can be cloned).
        #[source]
        source: std::sync::Arc<reqwest::Error>,
    },
    /// The connection failed after the request may have been sent.
    #[error("transport error in {operation} after {attempts} attempt(s): {}", Clip(.source, QUOTE_LIMIT))]
    Transport {
        /// The operation (its method name).
        operation: &'static str,
        /// How many requests were tried (retries included).
        attempts: u32,
        /// The HTTP client's error (shared, so that errors can be cloned).
        #[source]
        source: std::sync::Arc<reqwest::Error>,
    },
    /// No complete response arrived within the configured timeout.
    #[error("{operation} timed out after {attempts} attempt(s)")]
    Timeout {
        /// The operation (its method name).
        operation: &'static str,
        /// How many requests were tried (retries included).
        attempts: u32,
    },
    /// The provider answered with an error status (or, like PAYONE, with an
    /// error in a successful response). `Display` carries the provider's own
    /// explanation ([`ApiError::explanation`]), bounded in length.
    #[error("{}", Summary(.0))]
    Api(Box<ApiError<E>>),
    /// The response arrived but did not decode into the documented type.
    #[error("could not decode the HTTP {} response of {}: {}", .0.status, .0.operation, Middle(&.0.message, MESSAGE_LIMIT))]
    Decode(Box<DecodeError>),
    /// No access token could be obtained from the token endpoint.
    #[error("could not obtain an access token for {operation}: {}", Clip(.message, QUOTE_LIMIT))]
    Auth {
        /// The operation (its method name).
        operation: &'static str,
        /// Why no token was obtained (never the token endpoint's body).
        message: String,
    },
    /// The response body was larger than the configured limit.
    #[error("the response of {operation} exceeded the {limit}-byte limit")]
    ResponseTooLarge {
        /// The operation (its method name).
        operation: &'static str,
        /// The configured limit in bytes ([`crate::HttpOptions::max_response_bytes`]).
        limit: usize,
        /// How many requests were tried (retries included).
        attempts: u32,
    },
    /// The provider answered with a redirect (a 3xx status). Redirects are
    /// never followed: following one would resend the request, credentials
    /// in the body included, to wherever the `Location` points (another
    /// host, or plain HTTP).
    #[error(
        "{operation} was answered with HTTP {status}, a redirect{}; redirects are not followed",
        match .location { Some(l) => format!(" to {}", Clip(l, QUOTE_LIMIT)), None => String::new() }
    )]
    Redirect {
        /// The operation (its method name).
        operation: &'static str,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, when the response had a readable one.
        location: Option<String>,
        /// How many requests were sent (retries included).
        attempts: u32,
    },
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    // By hand, so that every quoted text is bounded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn clip<T: ?Sized>(s: &T) -> Clip<'_, T> {
            Clip(s, QUOTE_LIMIT)
        }
        match self {
            Error::InvalidRequest { operation, message } => f
                .debug_struct("InvalidRequest")
                .field("operation", operation)
                .field("message", &clip(message))
                .finish(),
            Error::Validation {
                operation,
                field,
                rule,
            } => f
                .debug_struct("Validation")
                .field("operation", operation)
                .field("field", &clip(field))
                .field("rule", &clip(rule))
                .finish(),
            Error::Connect {
                operation,
                attempts,
                source,
            } => f
                .debug_struct("Connect")
                .field("operation", operation)
                .field("attempts", attempts)
                .field("source", &Clip(source, QUOTE_LIMIT))
                .finish(),
            Error::Transport {
                operation,
                attempts,
                source,
            } => f
                .debug_struct("Transport")
                .field("operation", operation)
                .field("attempts", attempts)
                .field("source", &Clip(source, QUOTE_LIMIT))
                .finish(),
            Error::Timeout {
                operation,
                attempts,
            } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .field("attempts", attempts)
                .finish(),
            Error::Api(e) => f.debug_tuple("Api").field(e).finish(),
            Error::Decode(e) => f.debug_tuple("Decode").field(e).finish(),
            Error::Auth { operation, message } => f
                .debug_struct("Auth")
                .field("operation", operation)
                .field("message", &clip(message))
                .finish(),
            Error::ResponseTooLarge {
                operation,
                limit,
                attempts,
            } => f
                .debug_struct("ResponseTooLarge")
                .field("operation", operation)
                .field("limit", limit)
                .field("attempts", attempts)
                .finish(),
            Error::Redirect {
                operation,
                status,
                location,
                attempts,
            } => f
                .debug_struct("Redirect")
                .field("operation", operation)
                .field("status", status)
                .field("location", &location.as_deref().map(clip::<str>))
                .field("attempts", attempts)
                .finish(),
        }
    }
}

/// An error status from the provider, with the body decoded where it matches
/// what the operation documents, and always the raw text.
///
/// `Debug` shows at most [`QUOTE_LIMIT`] bytes of the body (and of the
/// decoded body) and the header names only, never header values.
#[derive(Clone)]
pub struct ApiError<E> {
    /// The operation (its method name).
    pub operation: &'static str,
    /// The HTTP status (200 for errors a provider reports in a successful
    /// response, such as PAYONE's `status=ERROR`).
    pub status: u16,
    /// The documented error body; `None` when the body did not decode.
    pub body: Option<E>,
    /// The body as received (lossy UTF-8).
    pub raw_body: String,
    /// The response headers.
    pub headers: HeaderMap,
    /// How many requests were sent (retries included).
    pub attempts: u32,
}

impl<E> ApiError<E> {
    /// The provider's own explanation of the error, read from the body:
    /// its code and message (`BAD_VALUE: Bad value: order_amount`), field
    /// errors (`purchase.products[0].price: …`), PAYONE's `errorcode` and
    /// `errormessage`, and a correlation id to give support. `None` when the
    /// body explains nothing.
    pub fn explanation(&self) -> Option<String> {
        crate::explain::explain(&self.raw_body)
    }
}

/// `Error::Api`'s `Display`: what failed, how, and the provider's words.
struct Summary<'a, E>(&'a ApiError<E>);

impl<E> fmt::Display for Summary<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        if (200..300).contains(&e.status) {
            // An error reported in a successful response (PAYONE's status=ERROR).
            write!(f, "{} was refused (HTTP {})", e.operation, e.status)?;
        } else {
            write!(f, "{} failed with HTTP {}", e.operation, e.status)?;
        }
        write!(f, " after {} attempt(s)", e.attempts)?;
        if let Some(why) = e.explanation() {
            write!(f, ": {}", Clip(why.as_str(), QUOTE_LIMIT))?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> From<crate::flight::FetchAbandoned> for Error<E> {
    /// A shared fetch (of a token or a key) whose task ended without a
    /// result: nothing can be said of the request.
    fn from(_: crate::flight::FetchAbandoned) -> Self {
        Error::InvalidRequest {
            operation: "fetch",
            message: "the shared fetch ended without a result (its task stopped)".into(),
        }
    }
}

/// A response that did not match its documented shape.
///
/// `Debug` shows at most [`QUOTE_LIMIT`] bytes of the body.
#[derive(Clone)]
pub struct DecodeError {
    /// The operation (its method name).
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: u16,
    /// What went wrong, with the JSON path of the offending value. Quoted
    /// response data in it is cut to a few hundred bytes.
    pub message: String,
    /// The response's `Content-Type`, when it had one.
    pub content_type: Option<String>,
    /// The body as received (lossy UTF-8).
    pub raw_body: String,
    /// How many requests were sent (retries included).
    pub attempts: u32,
}

impl<E: fmt::Debug> fmt::Debug for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("body", &self.body.as_ref().map(|b| Clip(b, QUOTE_LIMIT)))
            .field("raw_body", &Quoted(&self.raw_body))
            .field("headers", &HeaderNames(&self.headers))
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field(
                "message",
                &format_args!("{:?}", Middle(&self.message, MESSAGE_LIMIT).to_string()),
            )
            .field(
                "content_type",
                &self.content_type.as_deref().map(|c| Clip(c, QUOTE_LIMIT)),
            )
            .field("raw_body", &Quoted(&self.raw_body))
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl<E: fmt::Debug> Error<E> {
    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The documented error body, when the provider sent one.
    pub fn body(&self) -> Option<&E> {
        match self {
            Error::Api(e) => e.body.as_ref(),
            _ => None,
        }
    }

    /// How many requests were sent (0 when the request was never built).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::InvalidRequest { .. } | Error::Validation { .. } => 0,
            Error::Connect { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. } => *attempts,
            Error::Api(e) => e.attempts,
            Error::Decode(d) => d.attempts,
            Error::ResponseTooLarge { attempts, .. } | Error::Redirect { attempts, .. } => {
                *attempts
            }
            Error::Auth { .. } => 1,
        }
    }
}

/// A failure below the HTTP status level; converts into any `Error<E>`.
#[derive(Debug)]
pub(crate) enum Failure {
    Connect {
        attempts: u32,
        source: reqwest::Error,
    },
    Transport {
        attempts: u32,
        source: reqwest::Error,
    },
    Timeout {
        attempts: u32,
    },
    TooLarge {
        limit: usize,
        attempts: u32,
    },
    Redirect {
        status: u16,
        location: Option<String>,
        attempts: u32,
    },
    Invalid(String),
    /// A field broke a rule of its format.
    #[cfg_attr(not(feature = "form"), allow(dead_code))]
    Validation {
        field: String,
        rule: String,
    },
    #[cfg_attr(not(feature = "token-auth"), allow(dead_code))]
    Auth(String),
}

impl Failure {
    pub(crate) fn into_error<E: fmt::Debug>(self, operation: &'static str) -> Error<E> {
        match self {
            Failure::Connect { attempts, source } => Error::Connect {
                operation,
                attempts,
                source: std::sync::Arc::new(source),
            },
            Failure::Transport { attempts, source } => Error::Transport {
                operation,
                attempts,
                source: std::sync::Arc::new(source),
            },
            Failure::Timeout { attempts } => Error::Timeout {
                operation,
                attempts,
            },
            Failure::TooLarge { limit, attempts } => Error::ResponseTooLarge {
                operation,
                limit,
                attempts,
            },
            Failure::Redirect {
                status,
                location,
                attempts,
            } => Error::Redirect {
                operation,
                status,
                location,
                attempts,
            },
            Failure::Invalid(message) => Error::InvalidRequest { operation, message },
            Failure::Validation { field, rule } => Error::Validation {
                operation,
                field,
                rule,
            },
            Failure::Auth(message) => Error::Auth { operation, message },
        }
    }
}

/// A request that got no response to read: it was invalid, or the
/// connection, the token endpoint or the time allowed failed. `?` turns it
/// into the operation's [`Error`], so that sending needs no copy per error
/// type.
#[derive(Debug)]
pub struct SendError {
    pub(crate) operation: &'static str,
    pub(crate) failure: Failure,
}

impl<E: fmt::Debug> From<SendError> for Error<E> {
    fn from(e: SendError) -> Self {
        e.failure.into_error(e.operation)
    }
}

/// Building a client failed (for example, the TLS backend could not start).
#[derive(Debug, thiserror::Error)]
#[error("could not build the HTTP client: {0}")]
pub struct BuildError(pub(crate) String);

/// Lossy text of a body, for error reports.
pub(crate) fn text_of(body: &Bytes) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// How many bytes of quoted data (a body, a message, a header value) an
/// error's `Display` or `Debug` shows before cutting it with `…`.
pub const QUOTE_LIMIT: usize = 256;

/// How long a message that may quote response data (a decode error's) is
/// kept, in bytes.
pub(crate) const MESSAGE_LIMIT: usize = 320;

/// `text` with its middle cut out if longer than `limit` bytes (the result
/// is at most `limit` bytes long): the start and the end are kept, joined by
/// `…(N bytes left out)…`. For messages whose end says what matters
/// (serde's "…, expected i64 at line 1 column 4194300").
pub(crate) fn clipped_middle(text: &str, limit: usize) -> String {
    Middle(text, limit).to_string()
}

/// Shows a text with its middle cut out if longer than the limit: see
/// [`clipped_middle`].
pub(crate) struct Middle<'a>(pub(crate) &'a str, pub(crate) usize);

impl fmt::Display for Middle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Middle(text, limit) = *self;
        if text.len() <= limit {
            return f.write_str(text);
        }
        // Room for the marker, so that the result is at most `limit` long
        // (and clipping it again changes nothing).
        let budget = limit.saturating_sub(32);
        let mut head = budget * 3 / 4;
        while !text.is_char_boundary(head) {
            head -= 1;
        }
        let mut tail = text.len() - budget / 4;
        while !text.is_char_boundary(tail) {
            tail += 1;
        }
        write!(
            f,
            "{}…({} bytes left out)…{}",
            &text[..head],
            tail - head,
            &text[tail..]
        )
    }
}

/// `text` cut to at most `limit` bytes (at a character boundary), with `…`
/// when something was cut: for messages that may quote response data.
pub(crate) fn clipped(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Shows `T` (its `Display` or `Debug`) cut after `limit` bytes of output,
/// with `…` when cut. The value is never formatted whole: formatting stops
/// at the limit.
pub(crate) struct Clip<'a, T: ?Sized>(pub(crate) &'a T, pub(crate) usize);

impl<T: fmt::Display + ?Sized> fmt::Display for Clip<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_clipped(f, self.1, |w| write!(w, "{}", self.0)).map(|_| ())
    }
}

impl<T: fmt::Debug + ?Sized> fmt::Debug for Clip<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alternate = f.alternate();
        write_clipped(f, self.1, |w| {
            if alternate {
                write!(w, "{:#?}", self.0)
            } else {
                write!(w, "{:?}", self.0)
            }
        })
        .map(|_| ())
    }
}

/// A body for `Debug`: quoted and clipped, with its full size when cut.
struct Quoted<'a>(&'a str);

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = write_clipped(f, QUOTE_LIMIT, |w| write!(w, "{:?}", self.0))?;
        if cut {
            write!(f, " ({} bytes in all)", self.0.len())?;
        }
        Ok(())
    }
}

/// Header names only: values may be long, or carry session ids.
struct HeaderNames<'a>(&'a HeaderMap);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (i, name) in self.0.keys().enumerate() {
            if i == 32 {
                list.entry(&format_args!("… {} in all", self.0.keys_len()));
                break;
            }
            list.entry(&name.as_str());
        }
        list.finish()
    }
}

/// Runs `write` into `f`, letting through at most `limit` bytes; returns
/// whether the output was cut (then `…` follows it).
fn write_clipped(
    f: &mut fmt::Formatter<'_>,
    limit: usize,
    write: impl FnOnce(&mut Limited<'_, '_>) -> fmt::Result,
) -> Result<bool, fmt::Error> {
    let mut w = Limited {
        out: f,
        left: limit,
        cut: false,
        failed: false,
    };
    let result = write(&mut w);
    let (cut, failed) = (w.cut, w.failed);
    if failed {
        return Err(fmt::Error);
    }
    if cut {
        f.write_str("…")?;
        return Ok(true);
    }
    result.map(|()| false)
}

/// A writer that passes through a limited number of bytes and then refuses
/// more (which ends the formatting of the value being written).
struct Limited<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    left: usize,
    /// Output was dropped at the limit.
    cut: bool,
    /// The underlying formatter failed.
    failed: bool,
}

impl fmt::Write for Limited<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.len() <= self.left {
            self.left -= s.len();
            return self.out.write_str(s).inspect_err(|_| self.failed = true);
        }
        let mut end = self.left;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.left = 0;
        self.cut = true;
        self.out
            .write_str(&s[..end])
            .inspect_err(|_| self.failed = true)?;
        Err(fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_both_ends_and_is_idempotent() {
        let long = format!("start {} end", "x".repeat(10_000));
        let once = clipped_middle(&long, MESSAGE_LIMIT);
        assert!(once.len() <= MESSAGE_LIMIT, "{}", once.len());
        assert!(
            once.starts_with("start ") && once.ends_with(" end"),
            "{once}"
        );
        assert_eq!(clipped_middle(&once, MESSAGE_LIMIT), once);
        assert_eq!(clipped_middle("short", MESSAGE_LIMIT), "short");
        // Multi-byte characters are never split.
        let wide = "ü".repeat(1000);
        assert!(clipped_middle(&wide, 101).len() <= 101);
        assert!(clipped(&wide, 101).len() <= 101 + "…".len());
    }

    #[test]
    fn every_variant_prints_bounded() {
        let huge = "q".repeat(1 << 20);
        let errors: Vec<Error<String>> = vec![
            Error::InvalidRequest {
                operation: "op",
                message: huge.clone(),
            },
            Error::Validation {
                operation: "op",
                field: huge.clone(),
                rule: huge.clone(),
            },
            Error::Auth {
                operation: "op",
                message: huge.clone(),
            },
            Error::Redirect {
                operation: "op",
                status: 307,
                location: Some(huge.clone()),
                attempts: 1,
            },
            Error::Api(Box::new(ApiError {
                operation: "op",
                status: 400,
                body: Some(huge.clone()),
                raw_body: huge.clone(),
                headers: HeaderMap::new(),
                attempts: 1,
            })),
            Error::Decode(Box::new(DecodeError {
                operation: "op",
                status: 200,
                message: huge.clone(),
                content_type: Some(huge.clone()),
                raw_body: huge.clone(),
                attempts: 1,
            })),
        ];
        for e in &errors {
            for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
                assert!(
                    shown.len() < 2048,
                    "{} bytes: {}",
                    shown.len(),
                    &shown[..200]
                );
            }
        }
    }
}
