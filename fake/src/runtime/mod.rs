//! The hand-written runtime every generated fake runs on: a loopback HTTP
//! server ([`Server`]) that routes requests by the spec, checks credentials,
//! validates parameters and bodies against the spec's types, replays
//! idempotent requests, keeps the declared lifecycle, answers with the
//! provider's documented bodies and errors, queues faults, records every
//! request, and delivers signed callbacks.
//!
//! Generated modules describe their provider with the tables of [`spec`];
//! nothing in this module is specific to one provider.

mod crypto;
mod deliver;
mod engine;
mod server;
/// The tables generated modules describe their provider with: the contract
/// between the generator and this runtime, changed together with
/// `paygen-codegen`; not for direct use.
#[doc(hidden)]
pub mod spec;
mod template;
mod validate;

use std::fmt;
use std::time::Duration;

pub use server::Server;

/// A resource of a form API as the fake keeps it: form keys and values.
pub type Record = serde_json::Map<String, serde_json::Value>;

/// The name of an operation (the client's method name), as generated
/// `Operation` enums convert into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationName(pub &'static str);

impl From<&'static str> for OperationName {
    fn from(name: &'static str) -> Self {
        OperationName(name)
    }
}

/// Settings of a fake at start; every one has a default.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub(crate) credentials: Vec<(String, String)>,
    pub(crate) delivery_url: Option<String>,
    pub(crate) webhook_key: Option<String>,
    pub(crate) token_lifetime: Option<Duration>,
}

impl Settings {
    /// Default settings: generated credentials, no delivery URL, the
    /// webhook key `fake-webhook-signing-key`, the declared token lifetime.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `value` for the credential `name` (as the generated
    /// accessor names it: `token`, `username`, `api_key`, `accessKey`,
    /// `mid`, `key`, …) instead of the generated default.
    pub fn credential(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.credentials.retain(|(n, _)| *n != name);
        self.credentials.push((name, value.into()));
        self
    }

    /// Sends every callback and notification to `url`.
    pub fn delivery_url(mut self, url: impl Into<String>) -> Self {
        self.delivery_url = Some(url.into());
        self
    }

    /// Signs HMAC webhooks with `key`.
    pub fn webhook_key(mut self, key: impl Into<String>) -> Self {
        self.webhook_key = Some(key.into());
        self
    }

    /// Issued tokens live this long (token-endpoint APIs).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }
}

/// A fault the next call(s) of an operation meet instead of (or before)
/// the normal answer. Queue it with [`Server::fault`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) times: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FaultKind {
    Answer {
        status: u16,
        body: Vec<u8>,
        content_type: String,
        headers: Vec<(String, String)>,
    },
    Delay(Duration),
    Drop,
}

impl Fault {
    /// Answer `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Fault {
            kind: FaultKind::Answer {
                status,
                body: Vec::new(),
                content_type: "text/plain".into(),
                headers: Vec::new(),
            },
            times: 1,
        }
    }

    /// Answer `status` with the JSON `body`.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Fault {
            kind: FaultKind::Answer {
                status,
                body: body.to_string().into_bytes(),
                content_type: "application/json".into(),
                headers: Vec::new(),
            },
            times: 1,
        }
    }

    /// Answer `status` with `body` as `content_type`.
    pub fn text(status: u16, body: impl Into<String>, content_type: impl Into<String>) -> Self {
        Fault {
            kind: FaultKind::Answer {
                status,
                body: body.into().into_bytes(),
                content_type: content_type.into(),
                headers: Vec::new(),
            },
            times: 1,
        }
    }

    /// Wait `delay`, then handle the request normally (for timeouts).
    pub fn delay(delay: Duration) -> Self {
        Fault {
            kind: FaultKind::Delay(delay),
            times: 1,
        }
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Self {
        Fault {
            kind: FaultKind::Drop,
            times: 1,
        }
    }

    /// Adds a header to an answer fault (e.g. `Retry-After`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let FaultKind::Answer { headers, .. } = &mut self.kind {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Applies to the next `n` calls instead of the next one.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }
}

/// A request body as the fake decoded it.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestBody {
    /// No body.
    Empty,
    /// JSON, with secret fields (credentials) replaced by `[REDACTED]`.
    Json(serde_json::Value),
    /// Form pairs in order, with credentials replaced by `[REDACTED]`.
    Form(Vec<(String, String)>),
    /// Anything else, as text (lossy UTF-8).
    Text(String),
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The operation it was routed to (`None`: no route, or the token endpoint).
    pub operation: Option<&'static str>,
    /// `GET`, `POST`, ….
    pub method: String,
    /// Path as received (percent-encoded), without the query.
    pub path: String,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// Headers, lowercase names; `authorization` and the API-key header are
    /// `[REDACTED]`.
    pub headers: Vec<(String, String)>,
    /// The body, decoded, credentials redacted.
    pub body: RequestBody,
    /// The status answered (`None`: the connection was dropped).
    pub status: Option<u16>,
}

impl Recorded {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A form field's value, or a JSON body's top-level string field.
    pub fn field(&self, name: &str) -> Option<String> {
        match &self.body {
            RequestBody::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            RequestBody::Json(v) => v.get(name).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            _ => None,
        }
    }
}

/// A callback or notification the fake sent (or could not send).
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The event (`purchase.paid`, `appointed`, …).
    pub event: String,
    /// Where it went; `None` when no URL was known.
    pub url: Option<String>,
    /// Headers sent, signature included.
    pub headers: Vec<(String, String)>,
    /// The body exactly as sent (what a signature covers).
    pub body: Vec<u8>,
    /// The receiver's answer status; `None` when nothing was sent.
    pub status: Option<u16>,
    /// The receiver's answer body (lossy UTF-8).
    pub reply: Option<String>,
    /// Whether the receiver acknowledged it: a 2xx, and for notifications
    /// with a required reply (PAYONE's `TSOK`) exactly that reply.
    pub acknowledged: bool,
    /// Why it was not sent or failed (no URL, not a loopback URL, an error).
    pub error: Option<String>,
}

impl Delivery {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The headers as an `http::HeaderMap` (for a client's verifier).
    pub fn header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (n, v) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                http::header::HeaderName::from_bytes(n.as_bytes()),
                http::header::HeaderValue::from_str(v),
            ) {
                map.append(n, v);
            }
        }
        map
    }
}

/// Why a control did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    /// No resource of this kind has the id.
    UnknownId {
        /// The kind of resource (`purchase`).
        resource: String,
        /// The id given.
        id: String,
    },
    /// The step does not apply to the resource in its status.
    NotAllowed {
        /// The kind of resource.
        resource: String,
        /// Its id.
        id: String,
        /// Its status.
        status: String,
    },
    /// The fake declares no such control.
    UnknownControl(String),
    /// The resource could not be read as the client's type (a fake bug).
    Decode(String),
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::UnknownId { resource, id } => write!(f, "no {resource} `{id}`"),
            ControlError::NotAllowed {
                resource,
                id,
                status,
            } => write!(
                f,
                "the {resource} `{id}` is `{status}`: the step does not apply"
            ),
            ControlError::UnknownControl(name) => write!(f, "no control `{name}`"),
            ControlError::Decode(e) => write!(f, "the resource does not decode: {e}"),
        }
    }
}

impl std::error::Error for ControlError {}

/// What a creating control returns: the new id and the resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    /// The new resource's id.
    pub id: String,
    /// The resource as the client's type.
    pub resource: T,
}

/// Reads a resource as the client's type.
pub fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ControlError> {
    serde_json::from_value(value).map_err(|e| ControlError::Decode(e.to_string()))
}
