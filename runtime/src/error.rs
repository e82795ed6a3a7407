//! The one error type every generated client returns.

use std::fmt;

use bytes::Bytes;
use http::HeaderMap;

/// Why a call failed. `E` is the operation's decoded error body (a generated
/// type per operation; `()` when the operation declares none).
///
/// No variant's `Display` or `Debug` shows a credential: requests are not
/// kept, and response bodies are the provider's, not ours.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E: fmt::Debug = ()> {
    /// The request could not be built (a value failed validation, or did not serialise).
    #[error("invalid request for {operation}: {message}")]
    InvalidRequest {
        /// The operation (its method name).
        operation: &'static str,
        /// What is wrong with the request.
        message: String,
    },
    /// A field broke a rule of its format (length, digits, range, permitted
    /// characters); nothing was sent.
    #[error("invalid request for {operation}: `{field}` {rule}")]
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
    #[error("could not connect for {operation} after {attempts} attempt(s): {source}")]
    Connect {
        /// The operation (its method name).
        operation: &'static str,
        /// How many requests were tried (retries included).
        attempts: u32,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The connection failed after the request may have been sent.
    #[error("transport error in {operation} after {attempts} attempt(s): {source}")]
    Transport {
        /// The operation (its method name).
        operation: &'static str,
        /// How many requests were tried (retries included).
        attempts: u32,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// No complete response arrived within the configured timeout.
    #[error("{operation} timed out after {attempts} attempt(s)")]
    Timeout {
        /// The operation (its method name).
        operation: &'static str,
        /// How many requests were tried (retries included).
        attempts: u32,
    },
    /// The provider answered with an error status.
    #[error("{} failed with HTTP {} after {} attempt(s)", .0.operation, .0.status, .0.attempts)]
    Api(Box<ApiError<E>>),
    /// The response arrived but did not decode into the documented type.
    #[error("could not decode the HTTP {} response of {}: {}", .0.status, .0.operation, .0.message)]
    Decode(Box<DecodeError>),
    /// No access token could be obtained from the token endpoint.
    #[error("could not obtain an access token for {operation}: {message}")]
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
}

/// An error status from the provider, with the body decoded where it matches
/// what the operation documents, and always the raw text.
#[derive(Debug)]
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

/// A response that did not match its documented shape.
#[derive(Debug)]
pub struct DecodeError {
    /// The operation (its method name).
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: u16,
    /// What went wrong, with the JSON path of the offending value.
    pub message: String,
    /// The response's `Content-Type`, when it had one.
    pub content_type: Option<String>,
    /// The body as received (lossy UTF-8).
    pub raw_body: String,
    /// How many requests were sent (retries included).
    pub attempts: u32,
}

impl<E: fmt::Debug> Error<E> {
    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
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
            Error::ResponseTooLarge { attempts, .. } => *attempts,
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
    Invalid(String),
    Auth(String),
}

impl Failure {
    pub(crate) fn into_error<E: fmt::Debug>(self, operation: &'static str) -> Error<E> {
        match self {
            Failure::Connect { attempts, source } => Error::Connect {
                operation,
                attempts,
                source,
            },
            Failure::Transport { attempts, source } => Error::Transport {
                operation,
                attempts,
                source,
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
            Failure::Invalid(message) => Error::InvalidRequest { operation, message },
            Failure::Auth(message) => Error::Auth { operation, message },
        }
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
