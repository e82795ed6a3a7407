//! Checking requests against the spec's types and rules, as the provider
//! would: required fields, types, enum values, lengths, bounds, formats;
//! for form APIs also 1-based contiguous indexes, no empty values and the
//! PAYONE-style formats (digits, permitted symbols, `YYYYMMDD` dates).
//!
//! Problems carry a DRF-style code (`required`, `invalid`, `max_length`, …)
//! and an English message; the provider's error template decides which of
//! them its answer shows.

use serde_json::Value;

use super::spec::{Api, Field, Layout, Op, Rules, Ty, Type};
use super::template::Seg;

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: Vec<Seg>,
    pub code: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(path: Vec<Seg>, code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            path,
            code,
            message: message.into(),
        }
    }

    /// `purchase.products[1].price`.
    pub fn field(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

fn key(path: &[Seg], k: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(Seg::Key(k.to_string()));
    p
}

/// The type behind aliases.
fn resolve<'a>(api: &'a Api, ty: &'a Ty) -> &'a Ty {
    let mut t = ty;
    for _ in 0..32 {
        match t {
            Ty::Named(i) => match api.types.get(*i) {
                Some(Type::Alias(inner)) => t = inner,
                _ => return t,
            },
            _ => return t,
        }
    }
    t
}

/// Validates a JSON value of type `ty`.
pub(crate) fn json(api: &Api, ty: &Ty, v: &Value, path: &[Seg], out: &mut Vec<Problem>) {
    json_with(api, ty, v, path, &Rules::NONE, out);
}

fn json_with(api: &Api, ty: &Ty, v: &Value, path: &[Seg], rules: &Rules, out: &mut Vec<Problem>) {
    let problem = |code, msg: &str| Problem::new(path.to_vec(), code, msg);
    match resolve(api, ty) {
        Ty::String | Ty::Bytes => match v.as_str() {
            Some(s) => text(s, rules, path, out),
            None => out.push(problem("invalid", "Not a valid string.")),
        },
        Ty::Bool => {
            if !v.is_boolean() {
                out.push(problem("invalid", "Must be a valid boolean."));
            }
        }
        Ty::Int => match v.as_i64() {
            Some(i) => bounds(i as f64, rules, path, out),
            None => out.push(problem("invalid", "A valid integer is required.")),
        },
        Ty::Number => match v.as_f64() {
            Some(f) => bounds(f, rules, path, out),
            None => out.push(problem("invalid", "A valid number is required.")),
        },
        Ty::DateTime => {
            let ok = v.as_str().is_some_and(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .is_ok()
            });
            if !ok {
                out.push(problem(
                    "invalid",
                    "Datetime has wrong format. Use RFC 3339 (YYYY-MM-DDThh:mm:ssZ).",
                ));
            }
        }
        Ty::Date => {
            if !v.as_str().is_some_and(is_date) {
                out.push(problem("invalid", "Date has wrong format. Use YYYY-MM-DD."));
            }
        }
        Ty::Decimal => {
            let ok = match v {
                Value::String(s) => is_decimal(s),
                Value::Number(n) => is_decimal(&n.to_string()),
                _ => false,
            };
            if !ok {
                out.push(problem(
                    "invalid",
                    "A valid amount is required: a decimal with at most two decimals.",
                ));
            }
        }
        Ty::DecimalText => {
            let ok = match v {
                Value::String(s) => is_decimal_text(s),
                Value::Number(n) => is_decimal_text(&n.to_string()),
                _ => false,
            };
            if !ok {
                out.push(problem("invalid", "A valid number is required."));
            }
        }
        Ty::CompactDate => {
            if !v.as_str().is_some_and(is_compact_date) {
                out.push(problem("invalid", "Date has wrong format. Use YYYYMMDD."));
            }
        }
        Ty::List(inner) => match v.as_array() {
            Some(items) => {
                count(items.len(), rules, path, out);
                for (i, item) in items.iter().enumerate() {
                    let mut p = path.to_vec();
                    p.push(Seg::Index(i));
                    json(api, inner, item, &p, out);
                }
            }
            None => out.push(problem("not_a_list", "Expected a list of items.")),
        },
        Ty::Map(inner) => match v.as_object() {
            Some(map) => {
                for (k, item) in map {
                    json(api, inner, item, &key(path, k), out);
                }
            }
            None => out.push(problem("invalid", "Expected a dictionary of items.")),
        },
        Ty::Any => {}
        Ty::Object => {
            if !v.is_object() {
                out.push(problem("invalid", "Expected a dictionary of items."));
            }
        }
        Ty::Named(i) => match api.types.get(*i) {
            Some(Type::Struct(s)) => {
                let Some(map) = v.as_object() else {
                    out.push(problem(
                        "invalid",
                        &format!(
                            "Invalid data. Expected a dictionary, but got {}.",
                            kind_of(v)
                        ),
                    ));
                    return;
                };
                for f in s.fields {
                    if f.read_only {
                        continue;
                    }
                    let p = key(path, f.wire);
                    match map.get(f.wire) {
                        None if f.required => {
                            out.push(Problem::new(p, "required", "This field is required."))
                        }
                        None => {}
                        Some(Value::Null) if f.nullable => {}
                        Some(Value::Null) => {
                            out.push(Problem::new(p, "null", "This field may not be null."))
                        }
                        Some(item) => json_with(api, &f.ty, item, &p, &f.rules, out),
                    }
                }
            }
            Some(Type::Enum(values)) => match v.as_str() {
                Some(s) if values.contains(&s) => {}
                Some(s) => out.push(problem(
                    "invalid_choice",
                    &format!("\"{s}\" is not a valid choice; expected one of {values:?}."),
                )),
                None => out.push(problem("invalid", "Not a valid string.")),
            },
            Some(Type::Union(u)) => {
                let fits = u.variants.iter().any(|variant| {
                    let mut scratch = Vec::new();
                    json(api, variant, v, path, &mut scratch);
                    scratch.is_empty()
                });
                if !fits {
                    out.push(problem("invalid", "Matches none of the accepted shapes."));
                }
            }
            Some(Type::Alias(_) | Type::Other) | None => {}
        },
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn text(s: &str, rules: &Rules, path: &[Seg], out: &mut Vec<Problem>) {
    let n = s.chars().count() as u64;
    if let Some(max) = rules.max_length {
        if n > max {
            out.push(Problem::new(
                path.to_vec(),
                "max_length",
                format!("Ensure this field has no more than {max} characters."),
            ));
        }
    }
    if let Some(min) = rules.min_length {
        if n < min {
            out.push(Problem::new(
                path.to_vec(),
                "min_length",
                format!("Ensure this field has at least {min} characters."),
            ));
        }
    }
    if !rules.symbols.is_empty() {
        if let Some(bad) = s.chars().find(|c| !allowed(*c, rules.symbols)) {
            out.push(Problem::new(
                path.to_vec(),
                "invalid",
                format!("The character `{bad}` is not permitted here."),
            ));
        }
    }
    match rules.format {
        Some("uuid") if !is_uuid(s) => out.push(Problem::new(
            path.to_vec(),
            "invalid",
            "Must be a valid UUID.",
        )),
        Some("email") if !is_email(s) => out.push(Problem::new(
            path.to_vec(),
            "invalid",
            "Enter a valid email address.",
        )),
        Some("date") if !is_date(s) => out.push(Problem::new(
            path.to_vec(),
            "invalid",
            "Date has wrong format. Use YYYY-MM-DD.",
        )),
        Some("float") if s.trim().parse::<f64>().is_err() => out.push(Problem::new(
            path.to_vec(),
            "invalid",
            "A valid number is required.",
        )),
        _ => {}
    }
}

fn bounds(v: f64, rules: &Rules, path: &[Seg], out: &mut Vec<Problem>) {
    if let Some(min) = rules.minimum {
        if rules.exclusive_minimum && v <= min {
            out.push(Problem::new(
                path.to_vec(),
                "min_value",
                format!("Ensure this value is greater than {min}."),
            ));
        } else if v < min {
            out.push(Problem::new(
                path.to_vec(),
                "min_value",
                format!("Ensure this value is greater than or equal to {min}."),
            ));
        }
    }
    if let Some(max) = rules.maximum {
        if rules.exclusive_maximum && v >= max {
            out.push(Problem::new(
                path.to_vec(),
                "max_value",
                format!("Ensure this value is less than {max}."),
            ));
        } else if v > max {
            out.push(Problem::new(
                path.to_vec(),
                "max_value",
                format!("Ensure this value is less than or equal to {max}."),
            ));
        }
    }
}

fn count(n: usize, rules: &Rules, path: &[Seg], out: &mut Vec<Problem>) {
    let n = n as u64;
    if let Some(min) = rules.min_items {
        if n < min {
            out.push(Problem::new(
                path.to_vec(),
                "min_items",
                format!("Ensure this list has at least {min} items."),
            ));
        }
    }
    if let Some(max) = rules.max_items {
        if n > max {
            out.push(Problem::new(
                path.to_vec(),
                "max_items",
                format!("Ensure this list has no more than {max} items."),
            ));
        }
    }
}

fn allowed(c: char, symbols: &[&str]) -> bool {
    symbols.iter().any(|s| {
        let chars: Vec<char> = s.chars().collect();
        match chars.as_slice() {
            [one] => c == *one,
            [lo, '-', hi] => (*lo..=*hi).contains(&c),
            _ => false,
        }
    })
}

pub(crate) fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn is_date(s: &str) -> bool {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).is_ok()
}

fn is_compact_date(s: &str) -> bool {
    let fmt = time::macros::format_description!("[year][month][day]");
    s.len() == 8 && time::Date::parse(s, &fmt).is_ok()
}

fn is_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit())
        && !(s.contains('.') && frac.is_empty())
}

/// Digits with an optional `-` and an optional `.` and decimals.
fn is_decimal_text(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let all = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match digits.split_once('.') {
        Some((i, f)) => all(i) && all(f),
        None => all(digits),
    }
}

/// Validates a parameter's text (path, query, header).
pub(crate) fn param(api: &Api, ty: &Ty, raw: &str, path: &[Seg], out: &mut Vec<Problem>) {
    let v = match resolve(api, ty) {
        Ty::Bool => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => {
                out.push(Problem::new(
                    path.to_vec(),
                    "invalid",
                    "Must be a valid boolean.",
                ));
                return;
            }
        },
        Ty::Int => match raw.parse::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => {
                out.push(Problem::new(
                    path.to_vec(),
                    "invalid",
                    "A valid integer is required.",
                ));
                return;
            }
        },
        _ => Value::String(raw.to_string()),
    };
    json(api, ty, &v, path, out);
}

/// Validates the form fields of operation `op` (the body struct's fields);
/// `pairs` are the decoded key-value pairs.
pub(crate) fn form(api: &Api, op: &Op, pairs: &[(String, String)], out: &mut Vec<Problem>) {
    let Some(Ty::Named(i)) = op.body.as_ref().map(|b| &b.ty) else {
        return;
    };
    let Some(Type::Struct(s)) = api.types.get(*i) else {
        return;
    };
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    for f in s.fields {
        match f.layout {
            Layout::Plain => match get(f.wire) {
                None if f.required => out.push(Problem::new(
                    vec![Seg::Key(f.wire.into())],
                    "required",
                    "This field is required.",
                )),
                None => {}
                Some(v) => form_value(api, f, v, &[Seg::Key(f.wire.into())], out),
            },
            Layout::Map => {}
            Layout::Indexed => indexed(api, f, pairs, out),
        }
    }
}

/// Items sent as `key[n]`: indexes start at 1, leave no gaps, stay within
/// the maximum, and each item carries its required fields.
fn indexed(api: &Api, f: &Field, pairs: &[(String, String)], out: &mut Vec<Problem>) {
    let Ty::List(inner) = &f.ty else {
        return;
    };
    let Ty::Named(item) = **inner else {
        return;
    };
    let Some(Type::Struct(s)) = api.types.get(item) else {
        return;
    };
    let mut indexes: Vec<usize> = Vec::new();
    for (k, _) in pairs {
        for field in s.fields {
            let Some(rest) = k
                .strip_prefix(field.wire)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
            else {
                continue;
            };
            match rest.parse::<usize>() {
                Ok(0) => out.push(Problem::new(
                    vec![Seg::Key(k.clone())],
                    "invalid",
                    "Item indexes start at 1.",
                )),
                Ok(n) => {
                    if !indexes.contains(&n) {
                        indexes.push(n);
                    }
                }
                Err(_) => out.push(Problem::new(
                    vec![Seg::Key(k.clone())],
                    "invalid",
                    "An item index must be a number.",
                )),
            }
        }
    }
    indexes.sort_unstable();
    if let Some(gap) = indexes.iter().enumerate().find(|(i, n)| **n != i + 1) {
        out.push(Problem::new(
            vec![Seg::Key(format!(
                "{}[{}]",
                s.fields.first().map_or("", |f| f.wire),
                gap.0 + 1
            ))],
            "invalid",
            "Item indexes must count up from 1 without gaps.",
        ));
    }
    count(indexes.len(), &f.rules, &[Seg::Key(f.wire.into())], out);
    for n in indexes {
        for field in s.fields {
            let k = format!("{}[{n}]", field.wire);
            let p = [Seg::Key(k.clone())];
            match pairs.iter().find(|(key, _)| *key == k) {
                None if field.required => out.push(Problem::new(
                    p.to_vec(),
                    "required",
                    "This field is required.",
                )),
                None => {}
                Some((_, v)) => form_value(api, field, v, &p, out),
            }
        }
    }
}

/// One form value against its field: its type, digits, bounds, length,
/// permitted symbols, enum values.
fn form_value(api: &Api, f: &Field, v: &str, path: &[Seg], out: &mut Vec<Problem>) {
    let rules = &f.rules;
    match resolve(api, &f.ty) {
        Ty::Int => {
            let digits = v.strip_prefix('-').unwrap_or(v);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                out.push(Problem::new(
                    path.to_vec(),
                    "invalid",
                    "A valid integer is required.",
                ));
                return;
            }
            let n = digits.len() as u32;
            if rules.max_digits.is_some_and(|m| n > m) || rules.min_digits.is_some_and(|m| n < m) {
                out.push(Problem::new(
                    path.to_vec(),
                    "invalid",
                    format!(
                        "Expected {}..{} digits.",
                        rules.min_digits.unwrap_or(1),
                        rules.max_digits.unwrap_or(n)
                    ),
                ));
            }
            match v.parse::<i64>() {
                Ok(i) => bounds(i as f64, rules, path, out),
                Err(_) => out.push(Problem::new(path.to_vec(), "invalid", "Too large.")),
            }
        }
        other => {
            let value = match other {
                Ty::Bool => Value::Bool(matches!(v, "1" | "true" | "yes")),
                _ => Value::String(v.to_string()),
            };
            json_with(api, &f.ty, &value, path, rules, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes and messages `bounds` gives for each value.
    fn check(v: f64, rules: &Rules) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        bounds(v, rules, &[], &mut out);
        out.into_iter().map(|p| (p.code, p.message)).collect()
    }

    #[test]
    fn an_inclusive_bound_admits_the_bound_itself() {
        let rules = Rules {
            minimum: Some(0.0),
            maximum: Some(1.0),
            ..Rules::NONE
        };
        assert!(check(0.0, &rules).is_empty());
        assert!(check(1.0, &rules).is_empty());
        assert_eq!(
            check(-0.5, &rules),
            [(
                "min_value",
                "Ensure this value is greater than or equal to 0.".to_string()
            )]
        );
        assert_eq!(
            check(1.5, &rules),
            [(
                "max_value",
                "Ensure this value is less than or equal to 1.".to_string()
            )]
        );
    }

    #[test]
    fn an_exclusive_bound_refuses_the_bound_itself() {
        let rules = Rules {
            minimum: Some(0.0),
            maximum: Some(1.0),
            exclusive_minimum: true,
            exclusive_maximum: true,
            ..Rules::NONE
        };
        assert!(check(0.5, &rules).is_empty());
        assert_eq!(
            check(0.0, &rules),
            [(
                "min_value",
                "Ensure this value is greater than 0.".to_string()
            )]
        );
        assert_eq!(
            check(1.0, &rules),
            [("max_value", "Ensure this value is less than 1.".to_string())]
        );
    }
}
