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
#[error("`{}` is not an amount: {reason}", crate::error::Clip(.text, crate::error::QUOTE_LIMIT))]
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
    /// Accepts the documented string, and for leniency a JSON number that
    /// is exactly what the sender wrote: an integer, or a number of at most
    /// 15 significant digits. A number with more digits may have been
    /// rounded on the way (a JSON number is read as a binary double), so it
    /// is refused rather than silently changed.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// Significant decimal digits a binary double carries exactly (`DBL_DIG`):
/// every decimal of at most this many digits survives text → double → the
/// shortest text that reads back as the same double.
pub(crate) const EXACT_DIGITS: usize = 15;

struct DecimalVisitor;

impl serde::de::Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount such as \"1333.04\"")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        v.checked_mul(100)
            .map(Decimal::from_minor)
            .ok_or_else(|| E::custom(format!("`{v}` is not an amount: too large")))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format!(
                "`{v}` is not an amount: negative amounts are not allowed"
            ))),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("the amount is not a finite number"));
        }
        // Rust prints the shortest text that reads back as the same double.
        // With at most 15 significant digits that is exactly the decimal
        // the sender wrote; with more, what was sent cannot be known.
        let text = v.to_string();
        if significant_digits(&text) > EXACT_DIGITS {
            return Err(E::custom(format!(
                "the amount {text} has more digits than a JSON number carries exactly; send it as a string"
            )));
        }
        text.parse().map_err(E::custom)
    }
}

/// Digits from the first non-zero one to the last non-zero one, in a plain
/// decimal text (`1333.04` → 6, `0.001` → 1, `100` → 1).
pub(crate) fn significant_digits(text: &str) -> usize {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
    let first = digits.iter().position(|&d| d != b'0');
    let last = digits.iter().rposition(|&d| d != b'0');
    match (first, last) {
        (Some(a), Some(b)) => b - a + 1,
        _ => 0,
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

    #[test]
    fn json_numbers_are_exact_or_refused() {
        let read = |json: &str| serde_json::from_str::<Decimal>(json);
        assert_eq!(read("1333.04").unwrap(), Decimal::from_minor(133304));
        assert_eq!(read("0.1").unwrap(), Decimal::from_minor(10));
        assert_eq!(read("1e2").unwrap(), Decimal::from_minor(10000));
        assert_eq!(read("1.5E1").unwrap(), Decimal::from_minor(1500));
        assert_eq!(
            read("12345678901234").unwrap(),
            Decimal::from_minor(1234567890123400)
        );
        assert_eq!(
            read("1234567890123.45").unwrap(),
            Decimal::from_minor(123456789012345)
        );
        assert_eq!(read("0").unwrap(), Decimal::from_minor(0));
        assert_eq!(
            read("\"90071992547409.93\"").unwrap().minor(),
            9007199254740993
        );
        // Through a double this would silently become …409.92.
        let err = read("90071992547409.93").unwrap_err().to_string();
        assert!(err.contains("send it as a string"), "{err}");
        assert!(read("0.30000000000000004").is_err());
        assert!(read("1.234").is_err(), "more than two decimals");
        assert!(read("-1").is_err());
        assert!(read("-1.5").is_err());
        assert!(read("184467440737095517").is_err(), "too large for cents");
        assert!(read("1e300").is_err());
        assert!(read("true").is_err());
        // From an already parsed `Value` too.
        let v: serde_json::Value = serde_json::from_str("90071992547409.93").unwrap();
        assert!(serde_json::from_value::<Decimal>(v).is_err());
        let v: serde_json::Value = serde_json::from_str("1333.04").unwrap();
        assert_eq!(
            serde_json::from_value::<Decimal>(v).unwrap(),
            Decimal::from_minor(133304)
        );
    }
}
