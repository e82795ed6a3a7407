//! The hand-written runtime shared by every generated provider module:
//! transport (auth, retries, timeouts, limits, tracing), the error type, and
//! the value types generated code uses. Nothing here is generated.

mod decimal;
mod error;
mod form;
mod poll;
mod transport;
mod values;
mod webhook;

pub use decimal::{Decimal, DecimalError};
pub use error::{ApiError, BuildError, DecodeError, Error};
pub use form::{check, CompactDate, Form, FormValue, KeyHash, KeyValues, KvValue};
pub use poll::{poll_until, PollError, PollOptions, StatusText};
pub use transport::{
    decode_json, decode_none, Credentials, HttpOptions, Request, Response, RetryOnBody,
    RetryPolicy, Settings, TokenAuth, Transport,
};
pub use values::{
    deserialize_nullable, encode_segment, Date, DateTime, Nullable, ParamValue, StringEnum,
};

pub use webhook::{
    verify_shared_key, HmacSha256Verifier, KeyError, RsaSha256Verifier, VerifyError,
};

pub use http::{HeaderMap, Method};
pub use secrecy::{ExposeSecret, SecretString};

/// A value computed once per client and shared by its clones (e.g. a
/// verifier built from a fetched public key).
pub type Cached<T> = std::sync::Arc<tokio::sync::OnceCell<T>>;
