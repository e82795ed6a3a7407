//! `Decimal`: a non-negative amount with at most two decimals, carried as a
//! string on the wire (Klavi's `"1333.04"`), without floating point.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative amount with at most two decimals, held as minor units
/// (cents) and written with exactly two decimals: `1333.04`, `10.00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Decimal {
    minor: u64,
}

/// Why a text is not a [`Decimal`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an amount: {reason}")]
pub struct DecimalError {
    /// The text that was refused.
    pub text: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl Decimal {
    /// From minor units: `Decimal::from_minor(133304)` is `1333.04`.
    pub const fn from_minor(minor: u64) -> Self {
        Decimal { minor }
    }

    /// The amount in minor units (cents).
    pub const fn minor(self) -> u64 {
        self.minor
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| DecimalError {
            text: text.to_string(),
            reason,
        };
        if text.starts_with('-') {
            return Err(err("negative amounts are not allowed"));
        }
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err(
                "expected digits with an optional `.` and up to two decimals",
            ));
        }
        if frac.len() > 2 {
            return Err(err("more than two decimals"));
        }
        if text.ends_with('.') {
            return Err(err("a `.` must be followed by decimals"));
        }
        let units: u64 = int.parse().map_err(|_| err("too large"))?;
        let cents: u64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| err("expected digits"))?;
        units
            .checked_mul(100)
            .and_then(|u| u.checked_add(cents))
            .map(Decimal::from_minor)
            .ok_or_else(|| err("too large"))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.minor / 100, self.minor % 100)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    /// Accepts the documented string, and a JSON number for leniency.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected an amount, got {other}"
                )))
            }
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_exactly() {
        assert_eq!("1333.04".parse::<Decimal>().unwrap().to_string(), "1333.04");
        assert_eq!("10".parse::<Decimal>().unwrap().to_string(), "10.00");
        assert_eq!("0.5".parse::<Decimal>().unwrap().minor(), 50);
        assert_eq!(Decimal::from_minor(133304).to_string(), "1333.04");
        assert_eq!(
            "1.234".parse::<Decimal>().unwrap_err().reason,
            "more than two decimals"
        );
        assert_eq!(
            "-1.00".parse::<Decimal>().unwrap_err().reason,
            "negative amounts are not allowed"
        );
        assert!("1,00".parse::<Decimal>().is_err());
        assert!("1.".parse::<Decimal>().is_err());
        assert!(".5".parse::<Decimal>().is_err());
        assert_eq!(
            serde_json::to_string(&Decimal::from_minor(5)).unwrap(),
            "\"0.05\""
        );
        assert_eq!(
            serde_json::from_str::<Decimal>("12.5").unwrap().minor(),
            1250
        );
    }
}
