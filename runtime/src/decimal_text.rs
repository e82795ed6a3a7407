//! `DecimalText`: a decimal number of any scale carried as a JSON string
//! (`"1.0000"`, `"2.5"`), kept exactly as written.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decimal::{significant_digits, Decimal, DecimalError, EXACT_DIGITS};

/// A decimal number sent as text (a quantity `"2.5"`, a rate `"21.00"`),
/// exact: never a float. Any number of decimals, an optional leading `-`.
/// Built from integers and [`Decimal`] amounts with `From`, or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecimalText(String);

impl DecimalText {
    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DecimalText {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(DecimalError {
                text: text.to_string(),
                reason: "expected digits with an optional `-` and an optional `.` and decimals",
            });
        }
        Ok(DecimalText(text.to_string()))
    }
}

impl fmt::Display for DecimalText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for DecimalText {
            fn from(v: $t) -> Self {
                DecimalText(v.to_string())
            }
        }
    )*};
}
from_integer!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl From<Decimal> for DecimalText {
    fn from(v: Decimal) -> Self {
        DecimalText(v.to_string())
    }
}

impl Serialize for DecimalText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecimalText {
    /// The documented string, and for leniency a JSON number that is
    /// exactly what the sender wrote (see [`Decimal`]'s rule).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Visitor)
    }
}

struct Visitor;

impl serde::de::Visitor<'_> for Visitor {
    type Value = DecimalText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number such as \"2.5\"")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DecimalText, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DecimalText, E> {
        Ok(v.into())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DecimalText, E> {
        Ok(v.into())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DecimalText, E> {
        if !v.is_finite() {
            return Err(E::custom("the number is not finite"));
        }
        let text = v.to_string();
        if significant_digits(&text) > EXACT_DIGITS {
            return Err(E::custom(format!(
                "the number {text} has more digits than a JSON number carries exactly; send it as a string"
            )));
        }
        Ok(DecimalText(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_as_written_and_built_from_integers_and_amounts() {
        let q: DecimalText = "1.0000".parse().unwrap();
        assert_eq!(serde_json::to_string(&q).unwrap(), "\"1.0000\"");
        assert_eq!(DecimalText::from(3).as_str(), "3");
        assert_eq!(DecimalText::from(Decimal::from_minor(250)).as_str(), "2.50");
        assert_eq!("-0.5".parse::<DecimalText>().unwrap().to_string(), "-0.5");
        for bad in ["", "1.", ".5", "1,5", "1e3", "--1", "abc"] {
            assert!(bad.parse::<DecimalText>().is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::from_str::<DecimalText>("2.5").unwrap().as_str(),
            "2.5"
        );
        assert_eq!(
            serde_json::from_str::<DecimalText>("\"0.125\"")
                .unwrap()
                .as_str(),
            "0.125"
        );
        assert!(serde_json::from_str::<DecimalText>("90071992547409.93").is_err());
    }
}
