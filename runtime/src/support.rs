//! Code every generated module would otherwise repeat: the impls of string
//! enums, decoding helpers for unions and status enums, and the error a
//! fetched public key turns into.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Deserializer;

use crate::error::{DecodeError, Error};

/// The impls of a generated string enum: `as_str`, `From<&str>`,
/// [`crate::StringEnum`], `Display` and serde, for an enum whose variants
/// are unit variants plus `Unknown(String)`.
///
/// ```ignore
/// rt::string_enum!(Currency { Eur = "EUR", Usd = "USD", });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum {
    ($name:ident { $($variant:ident = $wire:literal,)* }) => {
        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl $crate::StringEnum for $name {
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }

            fn from_wire(s: &str) -> Self {
                Self::from(s)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::deserialize_string_enum(d)
            }
        }
    };
}

/// The setters of a generated struct, one per optional field: each takes
/// the value, stores it as `Some(…)` and returns the struct, documented
/// "Sets `wire`.", and `#[inline]` (a setter is a store and a move; as a
/// call of its own it also copied the whole struct in and out). The value
/// is converted first and the struct rebuilt around it (`Self { field,
/// ..self }`): assigning to `self.field` instead made LLVM copy the whole
/// struct at every setter whose conversion allocates (five copies of Klix's
/// 2.5 KB `Purchase` in the page's example; none now). How the value is
/// taken and stored:
///
/// | mode | argument | stored |
/// |---|---|---|
/// | `set` | `T` | `Some(value)` |
/// | `into` | `impl Into<T>` | `Some(value.into())` |
/// | `boxed` | `T` | `Some(Box::new(value))` |
/// | `null` | `T` | `Some(Nullable::Value(value))` |
/// | `into_null` | `impl Into<T>` | `Some(Nullable::Value(value.into()))` |
/// | `boxed_null` | `T` | `Some(Nullable::Value(Box::new(value)))` |
///
/// ```ignore
/// rt::setters!(Purchase {
///     reference: into String = "reference",
///     total: set i64 = "total",
/// });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __setters {
    ($name:ident { $($field:ident: $mode:ident $ty:ty = $wire:literal,)* }) => {
        // `..self` names no field when the struct has only the one set.
        #[allow(clippy::needless_update)]
        impl $name {
            $($crate::__setter!($mode $field $ty, $wire);)*
        }
    };
}

/// One setter of [`__setters!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __setter {
    (set $field:ident $ty:ty, $wire:literal) => {
        #[doc = concat!(" Sets `", $wire, "`.")]
        #[inline]
        pub fn $field(self, value: $ty) -> Self {
            Self {
                $field: Some(value),
                ..self
            }
        }
    };
    (into $field:ident $ty:ty, $wire:literal) => {
        #[doc = concat!(" Sets `", $wire, "`.")]
        #[inline]
        pub fn $field(self, value: impl ::core::convert::Into<$ty>) -> Self {
            let value = value.into();
            Self {
                $field: Some(value),
                ..self
            }
        }
    };
    (boxed $field:ident $ty:ty, $wire:literal) => {
        #[doc = concat!(" Sets `", $wire, "`.")]
        #[inline]
        pub fn $field(self, value: $ty) -> Self {
            Self {
                $field: Some(::std::boxed::Box::new(value)),
                ..self
            }
        }
    };
    (null $field:ident $ty:ty, $wire:literal) => {
        #[doc = concat!(" Sets `", $wire, "`.")]
        #[inline]
        pub fn $field(self, value: $ty) -> Self {
            Self {
                $field: Some($crate::Nullable::Value(value)),
                ..self
            }
        }
    };
    (into_null $field:ident $ty:ty, $wire:literal) => {
        #[doc = concat!(" Sets `", $wire, "`.")]
        #[inline]
        pub fn $field(self, value: impl ::core::convert::Into<$ty>) -> Self {
            let value = value.into();
            Self {
                $field: Some($crate::Nullable::Value(value)),
                ..self
            }
        }
    };
    (boxed_null $field:ident $ty:ty, $wire:literal) => {
        #[doc = concat!(" Sets `", $wire, "`.")]
        #[inline]
        pub fn $field(self, value: $ty) -> Self {
            Self {
                $field: Some($crate::Nullable::Value(::std::boxed::Box::new(value))),
                ..self
            }
        }
    };
}

/// Deserializes a string enum from its wire text. The text is looked at
/// where the deserializer holds it (borrowed from the body, or its scratch
/// buffer when escaped): a known value allocates nothing, and only
/// `Unknown(…)` copies the text.
pub fn deserialize_string_enum<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    d.deserialize_str(StringEnumVisitor(std::marker::PhantomData))
}

struct StringEnumVisitor<T>(std::marker::PhantomData<fn() -> T>);

impl<T: for<'a> From<&'a str>> serde::de::Visitor<'_> for StringEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }
}

/// The string value of `property` in a JSON object (`""` when absent or not
/// a string): what a discriminated union dispatches on.
pub fn tag_of<'v>(value: &'v serde_json::Value, property: &str) -> &'v str {
    value
        .get(property)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

/// Decodes one variant of a discriminated union from the value already read.
pub fn from_value<T: DeserializeOwned, E: serde::de::Error>(
    value: serde_json::Value,
) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// A JSON body as `T`, or `None` when it is not one (status enums).
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

/// The error of a public-key operation whose answer is not a usable key.
pub fn key_error<E: fmt::Debug>(
    operation: &'static str,
    problem: impl fmt::Display,
    answer: &str,
) -> Error<E> {
    Error::Decode(Box::new(DecodeError {
        operation,
        status: 200,
        message: problem.to_string(),
        content_type: None,
        raw_body: answer.to_string(),
        attempts: 1,
    }))
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Status {
        Created,
        PendingCapture,
        Unknown(String),
    }
    crate::__string_enum!(Status {
        Created = "created",
        PendingCapture = "pending_capture",
    });

    #[test]
    fn string_enums_decode_borrowed_escaped_and_unknown_text() {
        let decoded: Vec<Status> =
            serde_json::from_str(r#"["created", "pending\u005fcapture", "on_hold", "caf\u00e9"]"#)
                .unwrap();
        assert_eq!(
            decoded,
            [
                Status::Created,
                Status::PendingCapture,
                Status::Unknown("on_hold".into()),
                Status::Unknown("café".into()),
            ]
        );
        // From an already-parsed value (discriminated unions decode so).
        let v: Status = serde_json::from_value(serde_json::json!("created")).unwrap();
        assert_eq!(v, Status::Created);
        // Unknown values go back on the wire as they came.
        assert_eq!(
            serde_json::to_string(&Status::Unknown("on_hold".into())).unwrap(),
            r#""on_hold""#
        );
    }

    #[test]
    fn a_string_enum_refuses_a_value_that_is_not_a_string() {
        let e = serde_json::from_str::<Status>("42").unwrap_err();
        assert!(e.to_string().contains("expected a string"), "{e}");
    }
}
