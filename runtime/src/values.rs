//! Value types the generated code uses: three-state optional fields, dates,
//! string enums, and how values travel in paths and query strings.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;

/// A value that may be explicitly `null`.
///
/// Optional nullable fields are `Option<Nullable<T>>`, so the three wire
/// states stay apart: `None` is not sent at all, `Some(Nullable::Null)` is
/// sent as `null`, and `Some(Nullable::Value(v))` is sent as `v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nullable<T> {
    /// An explicit `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value, if it is not null.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(v) => Some(v),
        }
    }

    /// The value, if it is not null.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(v) => Some(v),
        }
    }

    /// Whether this is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(v: T) -> Self {
        Nullable::Value(v)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Null => s.serialize_none(),
            Nullable::Value(v) => v.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        })
    }
}

/// `deserialize_with` for `Option<Nullable<T>>` fields: a present `null`
/// becomes `Some(Nullable::Null)` (serde would otherwise make it `None`).
/// Used together with `#[serde(default)]`, which makes an absent field `None`.
pub fn deserialize_nullable<'de, D, T>(d: D) -> Result<Option<Nullable<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Nullable::deserialize(d).map(Some)
}

/// An RFC 3339 date-time (`2024-01-01T12:00:00Z`), held as
/// [`time::OffsetDateTime`]. Decoding rejects text that is not RFC 3339;
/// encoding writes RFC 3339 with the offset kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(pub time::OffsetDateTime);

impl DateTime {
    /// Parses RFC 3339 text.
    pub fn parse(s: &str) -> Result<Self, time::error::Parse> {
        time::OffsetDateTime::parse(s, &Rfc3339).map(DateTime)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl From<time::OffsetDateTime> for DateTime {
    fn from(v: time::OffsetDateTime) -> Self {
        DateTime(v)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, |s| {
            DateTime::parse(s).map_err(|e| format!("`{s}` is not an RFC 3339 date-time: {e}"))
        })
    }
}

/// Reads a string and converts it with `parse`, without copying the text
/// into a `String` of its own first (the reader's buffer is read in place).
fn from_text<'de, D: Deserializer<'de>, T>(
    d: D,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct Text<T>(fn(&str) -> Result<T, String>);

    impl<T> serde::de::Visitor<'_> for Text<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(v).map_err(E::custom)
        }
    }

    d.deserialize_str(Text(parse))
}

/// A calendar date (`2024-01-31`), held as [`time::Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub time::Date);

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Self, time::error::Parse> {
        match Date::parse_plain(s) {
            Some(date) => Ok(date),
            // Anything else (a date that does not exist too) is left to the
            // general parser, which also explains what is wrong.
            None => time::Date::parse(s, DATE_FORMAT).map(Date),
        }
    }

    /// `YYYY-MM-DD` with a four-digit year, read directly: almost every
    /// date on the wire, without interpreting a format description.
    fn parse_plain(s: &str) -> Option<Self> {
        let b: &[u8; 10] = s.as_bytes().try_into().ok()?;
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let number = |digits: &[u8]| {
            digits.iter().try_fold(0u16, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u16::from(c - b'0'))
            })
        };
        let year = number(&b[..4])?;
        let month = time::Month::try_from(u8::try_from(number(&b[5..7])?).ok()?).ok()?;
        let day = u8::try_from(number(&b[8..])?).ok()?;
        time::Date::from_calendar_date(i32::from(year), month, day)
            .ok()
            .map(Date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(DATE_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, |s| {
            Date::parse(s).map_err(|e| format!("`{s}` is not a YYYY-MM-DD date: {e}"))
        })
    }
}

/// Generated string enums implement this; it gives them query-parameter
/// support without code in every enum.
pub trait StringEnum {
    /// The value as sent on the wire.
    fn as_str(&self) -> &str;
    /// The variant for a wire value (`Unknown` for one not in the spec).
    fn from_wire(s: &str) -> Self
    where
        Self: Sized;
}

/// A value that can travel in a query string or header.
pub trait ParamValue {
    /// Appends `name=value` pairs (none for an absent value, one per item for
    /// a list: the OpenAPI default `style: form, explode: true`).
    fn append(&self, name: &'static str, out: &mut Vec<(&'static str, String)>);
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn append(&self, name: &'static str, out: &mut Vec<(&'static str, String)>) {
                out.push((name, self.to_string()));
            }
        }
    )*};
}
display_param!(String, str, bool, i32, i64, f64, DateTime, Date);

impl<T: StringEnum> ParamValue for T {
    fn append(&self, name: &'static str, out: &mut Vec<(&'static str, String)>) {
        out.push((name, self.as_str().to_string()));
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn append(&self, name: &'static str, out: &mut Vec<(&'static str, String)>) {
        for v in self {
            v.append(name, out);
        }
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn append(&self, name: &'static str, out: &mut Vec<(&'static str, String)>) {
        if let Some(v) = self {
            v.append(name, out);
        }
    }
}

/// Characters escaped in a path segment: everything but the RFC 3986
/// unreserved characters and `:`/`@`, which a segment may hold as they are
/// (so `krn:payment:eu1:request:…` stays readable in logs and routes).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'@');

/// Percent-encodes one path segment; `/`, `?`, `#`, `%` and spaces cannot
/// change the path's shape.
pub fn encode_segment(out: &mut String, value: &str) {
    for part in utf8_percent_encode(value, SEGMENT) {
        out.push_str(part);
    }
}

#[cfg(test)]
mod date_tests {
    use super::Date;

    #[test]
    fn plain_dates_read_like_the_general_parser_reads_them() {
        for text in [
            "2023-12-01",
            "0000-01-01",
            "9999-12-31",
            "2024-02-29",
            "2023-02-29",
            "2023-13-01",
            "2023-00-10",
            "2023-01-00",
            "2023-01-32",
            "2023-1-01",
            "+2023-01-01",
            "2023/01/01",
            "20230101",
            "2023-01-0a",
            "",
            "2023-01-01 ",
        ] {
            let general = time::Date::parse(text, super::DATE_FORMAT).ok().map(Date);
            assert_eq!(Date::parse(text).ok(), general, "{text:?}");
            if let Some(plain) = Date::parse_plain(text) {
                assert_eq!(Some(plain), general, "{text:?}");
            }
        }
        let d: Date = serde_json::from_str("\"2023-12-01\"").unwrap();
        assert_eq!(d.to_string(), "2023-12-01");
        let e = serde_json::from_str::<Date>("\"2023-02-30\"").unwrap_err();
        assert!(
            e.to_string()
                .contains("`2023-02-30` is not a YYYY-MM-DD date"),
            "{e}"
        );
        let e = serde_json::from_str::<Date>("5").unwrap_err();
        assert!(e.to_string().contains("expected a string"), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Probe {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "deserialize_nullable"
        )]
        total_override: Option<Nullable<i64>>,
    }

    #[test]
    fn absent_null_and_value_stay_apart() {
        let absent: Probe = serde_json::from_str("{}").unwrap();
        let null: Probe = serde_json::from_str(r#"{"total_override":null}"#).unwrap();
        let value: Probe = serde_json::from_str(r#"{"total_override":5}"#).unwrap();
        assert_eq!(absent.total_override, None);
        assert_eq!(null.total_override, Some(Nullable::Null));
        assert_eq!(value.total_override, Some(Nullable::Value(5)));
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
        assert_eq!(
            serde_json::to_string(&null).unwrap(),
            r#"{"total_override":null}"#
        );
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"total_override":5}"#
        );
    }

    #[test]
    fn segments_cannot_escape_their_slot() {
        let mut s = String::new();
        encode_segment(&mut s, "krn:payment:eu1:request:552603c0-fe8b/../x?y#z %");
        assert_eq!(
            s,
            "krn:payment:eu1:request:552603c0-fe8b%2F..%2Fx%3Fy%23z%20%25"
        );
        let mut u = String::new();
        encode_segment(&mut u, "Šiaulių");
        assert_eq!(u, "%C5%A0iauli%C5%B3");
    }

    #[test]
    fn dates_round_trip() {
        let d: DateTime = serde_json::from_str("\"2024-01-01T12:00:00Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"2024-01-01T12:00:00Z\""
        );
        let off: DateTime = serde_json::from_str("\"2024-01-01T12:00:00+02:00\"").unwrap();
        assert_eq!(off.to_string(), "2024-01-01T12:00:00+02:00");
        let err = serde_json::from_str::<DateTime>("\"yesterday\"").unwrap_err();
        assert!(err
            .to_string()
            .contains("`yesterday` is not an RFC 3339 date-time"));
        let day: Date = serde_json::from_str("\"2020-04-30\"").unwrap();
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2020-04-30\"");
    }
}
