//! `paygen-runtime`: the hand-written code that paygen's generated clients
//! call into. Users reach it as `paygen::runtime`.
//!
//! What a user of a generated client meets is documented here: the one
//! error type [`Error`] (with [`ApiError`] and [`DecodeError`]), connection
//! settings ([`HttpOptions`], [`RetryPolicy`]), value types ([`Decimal`],
//! [`Nullable`], [`DateTime`], [`Date`]), polling ([`PollOptions`],
//! [`PollError`]), secrets ([`SecretString`]) and webhook verification
//! errors ([`VerifyError`]).
//!
//! Generated code also calls into `__private`, a hidden module whose items
//! are the contract between the generator and this crate: they may change
//! between versions together with the generator and are not for direct use.
//!
//! Cargo features switch capabilities on, so that a client pays only for
//! what its provider needs: `form` (form-encoded APIs, hashed credentials),
//! `hmac` (HMAC-SHA256 webhook signatures), `rsa` (RSA-SHA256 callback
//! signatures), `token-auth` (bearer tokens from a token endpoint).

#![warn(missing_docs)]

mod decimal;
mod decimal_text;
mod encode;
mod error;
mod explain;
mod flight;
#[cfg(feature = "form")]
mod form;
mod locate;
mod poll;
mod support;
#[cfg(feature = "token-auth")]
mod token;
mod transport;
mod values;
mod webhook;

pub use decimal::{Decimal, DecimalError};
pub use decimal_text::DecimalText;
pub use error::{ApiError, BuildError, DecodeError, Error, QUOTE_LIMIT};
#[cfg(feature = "form")]
pub use form::{CompactDate, Invalid, KeyHash};
pub use poll::{PollError, PollOptions};
#[cfg(feature = "token-auth")]
pub use token::TOKEN_FAILURE_BACKOFF;
pub use transport::{HttpOptions, RetryPolicy};
pub use values::{Date, DateTime, Nullable, StringEnum};
#[cfg(feature = "hmac")]
pub use webhook::HmacKey;
#[cfg(feature = "rsa")]
pub use webhook::KeyError;
pub use webhook::VerifyError;

pub use bytes::Bytes;
pub use http::HeaderMap;
pub use secrecy::{ExposeSecret, SecretString};

/// The generator-facing surface: what generated modules call, and nothing a
/// user needs. Its items change together with `paygen-codegen`.
#[doc(hidden)]
pub mod __private {
    pub use crate::__setters as setters;
    pub use crate::__string_enum as string_enum;
    pub use crate::encode::ParamStyle;
    pub use crate::error::SendError;
    pub use crate::flight::{FetchAbandoned, KeyCache};
    pub use crate::poll::{poll_until, StatusText};
    pub use crate::support::{decode_body, deserialize_string_enum, from_value, key_error, tag_of};
    #[cfg(feature = "token-auth")]
    pub use crate::token::TokenAuth;
    pub use crate::transport::{
        decode_json, decode_none, reply, Credentials, Reply, Request, Response, RetryOnBody,
        Settings, Transport,
    };
    pub use crate::values::{deserialize_nullable, encode_segment, ParamValue};
    #[cfg(feature = "hmac")]
    pub use crate::webhook::HmacSha256Verifier;
    #[cfg(feature = "rsa")]
    pub use crate::webhook::RsaSha256Verifier;
    #[cfg(feature = "form")]
    pub use crate::{
        form::{check, check_charset, Form, FormValue, KeyValues, KvValue},
        webhook::verify_shared_key,
    };
    pub use http::Method;
    /// Generated types derive through this path (`#[serde(crate = …)]`), so
    /// a crate holding generated code needs no serde dependency of its own.
    pub use serde;
    pub use serde_json;
}
