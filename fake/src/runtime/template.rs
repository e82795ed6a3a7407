//! Rendering the JSON templates of the tables: `${…}` placeholders are
//! replaced from a [`Ctx`]; a string that is exactly one placeholder takes
//! the value's own type (written as the target field's [`Kind`]); a
//! placeholder that names nothing leaves its field out (or takes the
//! `${name|fallback}` text).

use serde_json::{Map, Value};

use super::spec::Kind;

/// A resource's amounts, minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    pub authorized: i64,
    pub captured: i64,
    pub refunded: i64,
    pub voided: bool,
}

impl Ledger {
    /// What can still be captured.
    pub fn remaining(&self) -> i64 {
        if self.voided {
            0
        } else {
            (self.authorized - self.captured).max(0)
        }
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> i64 {
        (self.captured - self.refunded).max(0)
    }
}

/// Everything a placeholder may name.
#[derive(Default)]
pub(crate) struct Ctx<'a> {
    pub base: &'a str,
    pub now: i64,
    pub id: Option<&'a str>,
    pub request: Option<&'a Value>,
    pub resource: Option<&'a Value>,
    pub target: Option<&'a Value>,
    pub created: Option<&'a Value>,
    pub parent: Option<&'a Value>,
    pub ledger: Option<Ledger>,
    pub amount: Option<i64>,
    pub sequence: Option<i64>,
    pub event: Option<&'a str>,
    pub status: Option<&'a str>,
    pub previous: Option<&'a str>,
    pub message: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The field a problem is about: dotted text and path segments.
    pub field: Option<(&'a str, &'a [Seg])>,
    pub key: Option<&'a str>,
    pub n: Option<usize>,
    pub credentials: &'a [(String, String)],
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A value a placeholder stands for, before it is written as a kind.
enum Natural {
    Json(Value),
    Int(i64),
    Time(i64),
}

fn natural(ctx: &Ctx<'_>, name: &str) -> Option<Natural> {
    let (name, fmt) = match name.split_once(':') {
        Some((n, f)) if !n.contains('.') && n != "digits" && n != "alnum" => (n, Some(f)),
        _ => (name, None),
    };
    let value = natural_plain(ctx, name)?;
    match fmt {
        None => Some(value),
        Some("decimal") => {
            let minor = match &value {
                Natural::Int(i) => *i,
                Natural::Json(v) => as_i64(v)?,
                Natural::Time(_) => return None,
            };
            Some(Natural::Json(Value::String(decimal(minor))))
        }
        Some("unix") => match value {
            Natural::Time(t) | Natural::Int(t) => Some(Natural::Int(t)),
            Natural::Json(v) => as_i64(&v).map(Natural::Int),
        },
        Some(_) => None,
    }
}

fn natural_plain(ctx: &Ctx<'_>, name: &str) -> Option<Natural> {
    let text = |s: Option<&str>| s.map(|s| Natural::Json(Value::String(s.to_string())));
    let ledger = ctx.ledger;
    Some(match name {
        "request" => Natural::Json(ctx.request?.clone()),
        "now" => Natural::Time(ctx.now),
        "uuid" => Natural::Json(Value::String(uuid::Uuid::new_v4().to_string())),
        "id" => return text(ctx.id),
        "base" => return text(Some(ctx.base)),
        "amount" => Natural::Int(ctx.amount?),
        "authorized" => Natural::Int(ledger?.authorized),
        "captured" => Natural::Int(ledger?.captured),
        "refunded" => Natural::Int(ledger?.refunded),
        "remaining" => Natural::Int(ledger?.remaining()),
        "refundable" => Natural::Int(ledger?.refundable()),
        "sequence" => Natural::Int(ctx.sequence?),
        "event" => return text(ctx.event),
        "status" => return text(ctx.status),
        "previous" => return text(ctx.previous),
        "message" => return text(ctx.message),
        "code" => return text(ctx.code),
        "field" => return text(ctx.field.map(|(f, _)| f)),
        "key" => return text(ctx.key),
        "n" => Natural::Int(i64::try_from(ctx.n?).ok()?),
        _ => {
            if let Some(n) = name.strip_prefix("digits:") {
                let n: usize = n.parse().ok()?;
                let mut s = String::with_capacity(n);
                s.push(char::from(b'1' + fastrand::u8(0..9)));
                while s.len() < n {
                    s.push(char::from(b'0' + fastrand::u8(0..10)));
                }
                return Some(Natural::Json(Value::String(s)));
            }
            if let Some(n) = name.strip_prefix("alnum:") {
                let n: usize = n.parse().ok()?;
                const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                let s: String = (0..n)
                    .map(|_| char::from(CHARS[fastrand::usize(0..CHARS.len())]))
                    .collect();
                return Some(Natural::Json(Value::String(s)));
            }
            if let Some(c) = name.strip_prefix("credential.") {
                let v = ctx.credentials.iter().find(|(n, _)| n == c)?;
                return text(Some(&v.1));
            }
            let (root, path) = name.split_once('.')?;
            let start = match root {
                "request" => ctx.request?,
                "resource" => ctx.resource?,
                "target" => ctx.target?,
                "created" => ctx.created?,
                "parent" => ctx.parent?,
                _ => return None,
            };
            let v = lookup(start, &path.split('.').collect::<Vec<_>>())?;
            if v.is_null() {
                return None;
            }
            Natural::Json(v.clone())
        }
    })
}

/// The value at `path` (object keys) inside `v`.
pub(crate) fn lookup<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

pub(crate) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Minor units as a decimal text in major units: `3000` → `30.00`.
pub(crate) fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn date(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .map(|d| d.date().to_string())
        .unwrap_or_default()
}

/// A natural value written as `kind`.
fn as_kind(v: Natural, kind: Kind) -> Option<Value> {
    Some(match (v, kind) {
        (Natural::Time(t), Kind::Int | Kind::Number) => Value::from(t),
        (Natural::Time(t), Kind::Date) => Value::String(date(t)),
        (Natural::Time(t), _) => Value::String(rfc3339(t)),
        (Natural::Int(i), Kind::Str | Kind::Decimal | Kind::DateTime | Kind::Date) => {
            Value::String(i.to_string())
        }
        (Natural::Int(i), _) => Value::from(i),
        (Natural::Json(v), Kind::Int) => Value::from(as_i64(&v)?),
        (Natural::Json(Value::Number(n)), Kind::Str) => Value::String(n.to_string()),
        (Natural::Json(Value::Bool(b)), Kind::Str) => Value::String(b.to_string()),
        (Natural::Json(v), _) => v,
    })
}

fn natural_text(v: Natural) -> String {
    match v {
        Natural::Int(i) | Natural::Time(i) => i.to_string(),
        Natural::Json(Value::String(s)) => s,
        Natural::Json(v) => v.to_string(),
    }
}

/// Splits `${name|fallback}` into the name and the fallback.
fn parts(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once('|') {
        Some((n, f)) => (n, Some(f)),
        None => (inner, None),
    }
}

/// Renders a string; `None` when a placeholder without fallback names nothing.
pub(crate) fn render_str(text: &str, ctx: &Ctx<'_>, kind: Kind) -> Option<Value> {
    if let Some(inner) = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .filter(|t| !t.contains("${") && !t.contains('}'))
    {
        let (name, fallback) = parts(inner);
        return match natural(ctx, name) {
            Some(v) => as_kind(v, kind),
            None => fallback.and_then(|f| as_kind(literal(f), kind)),
        };
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let (name, fallback) = parts(&after[..end]);
        match natural(ctx, name) {
            Some(v) => out.push_str(&natural_text(v)),
            None => out.push_str(fallback?),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    as_kind(Natural::Json(Value::String(out)), kind)
}

/// A fallback text as a value: JSON (`0`, `true`, `[]`, `{}`) keeps its
/// type, anything else is text.
fn literal(text: &str) -> Natural {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if !v.is_string() && !v.is_null() => Natural::Json(v),
        _ => Natural::Json(Value::String(text.to_string())),
    }
}

/// Renders a template; `None` when it is left out.
pub(crate) fn render(template: &Value, ctx: &Ctx<'_>, kind: Kind) -> Option<Value> {
    match template {
        Value::String(s) => render_str(s, ctx, kind),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|i| render(i, ctx, Kind::Any))
                .collect(),
        )),
        Value::Object(map) => {
            let mut out = Value::Object(Map::new());
            for (k, v) in map {
                let Some(v) = render(v, ctx, Kind::Any) else {
                    continue;
                };
                if k == "${field}" {
                    if let Some((_, segs)) = ctx.field {
                        merge(&mut out, nest(segs, v));
                        continue;
                    }
                }
                let Some(Value::String(key)) = render_str(k, ctx, Kind::Str) else {
                    continue;
                };
                if let Value::Object(o) = &mut out {
                    o.insert(key, v);
                }
            }
            Some(out)
        }
        other => Some(other.clone()),
    }
}

/// `value` under the path `segs`: keys become objects, an index `n` a list
/// of `n` empty objects followed by the value.
pub(crate) fn nest(segs: &[Seg], value: Value) -> Value {
    segs.iter().rev().fold(value, |inner, seg| match seg {
        Seg::Key(k) => {
            let mut m = Map::new();
            m.insert(k.clone(), inner);
            Value::Object(m)
        }
        Seg::Index(i) => {
            let mut items: Vec<Value> = (0..*i).map(|_| Value::Object(Map::new())).collect();
            items.push(inner);
            Value::Array(items)
        }
    })
}

/// Deep merge: objects merge, lists of per-item field maps merge item by
/// item, other lists append, the first scalar wins.
pub(crate) fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            // Per-item error maps merge item by item; entries append.
            if a.iter().chain(b.iter()).all(is_field_map) {
                for (i, v) in b.into_iter().enumerate() {
                    match a.get_mut(i) {
                        Some(existing) => merge(existing, v),
                        None => a.push(v),
                    }
                }
            } else {
                a.extend(b);
            }
        }
        _ => {}
    }
}

/// An object whose values are all objects or lists (a per-item error map),
/// as opposed to a record (which has scalar values).
fn is_field_map(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.values().all(|v| v.is_object() || v.is_array()))
}

/// Sets `value` at `path` inside `target`, making objects on the way;
/// `Value::Null` removes the field.
pub(crate) fn set_path(target: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = target;
    for p in parents {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            return;
        };
        let next = map
            .entry((*p).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        cur = next;
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Value::Object(map) = cur {
        if value.is_null() {
            map.remove(*last);
        } else {
            map.insert((*last).to_string(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_placeholder_takes_the_fields_kind_and_missing_ones_leave_it_out() {
        let req = json!({"amount": 500, "currency": "EUR"});
        let ctx = Ctx {
            now: 1_700_000_000,
            request: Some(&req),
            ledger: Some(Ledger {
                authorized: 3100,
                captured: 3000,
                ..Ledger::default()
            }),
            ..Ctx::default()
        };
        assert_eq!(
            render_str("${now}", &ctx, Kind::Int),
            Some(json!(1_700_000_000))
        );
        assert_eq!(
            render_str("${now}", &ctx, Kind::DateTime),
            Some(json!("2023-11-14T22:13:20Z"))
        );
        assert_eq!(
            render_str("${request.amount}", &ctx, Kind::Str),
            Some(json!("500"))
        );
        assert_eq!(
            render_str("${remaining}", &ctx, Kind::Int),
            Some(json!(100))
        );
        assert_eq!(
            render_str("${captured:decimal}", &ctx, Kind::Str),
            Some(json!("30.00"))
        );
        assert_eq!(render_str("${request.nope}", &ctx, Kind::Str), None);
        assert_eq!(
            render_str("${request.nope|no}", &ctx, Kind::Str),
            Some(json!("no"))
        );
        assert_eq!(
            render_str("pay ${request.currency} now", &ctx, Kind::Str),
            Some(json!("pay EUR now"))
        );
        assert_eq!(decimal(-1005), "-10.05");
    }

    #[test]
    fn a_field_key_nests_the_value_by_path_and_renderings_merge() {
        let template = json!({"${field}": [{"message": "${message}", "code": "${code}"}]});
        let segs = [
            Seg::Key("purchase".into()),
            Seg::Key("products".into()),
            Seg::Index(1),
            Seg::Key("price".into()),
        ];
        let ctx = Ctx {
            message: Some("Too low."),
            code: Some("min_value"),
            field: Some(("purchase.products[1].price", &segs)),
            ..Ctx::default()
        };
        let mut first = render(&template, &ctx, Kind::Any).unwrap();
        assert_eq!(
            first,
            json!({"purchase": {"products": [{}, {"price": [{"message": "Too low.", "code": "min_value"}]}]}})
        );
        let segs2 = [Seg::Key("brand_id".into())];
        let ctx2 = Ctx {
            message: Some("Must be a valid UUID."),
            code: Some("invalid"),
            field: Some(("brand_id", &segs2)),
            ..Ctx::default()
        };
        merge(&mut first, render(&template, &ctx2, Kind::Any).unwrap());
        assert_eq!(first["brand_id"][0]["code"], "invalid");
        assert_eq!(
            first["purchase"]["products"][1]["price"][0]["code"],
            "min_value"
        );
    }

    #[test]
    fn set_path_makes_objects_and_null_removes() {
        let mut v = json!({});
        set_path(&mut v, &["payment", "amount"], json!(5));
        assert_eq!(v, json!({"payment": {"amount": 5}}));
        set_path(&mut v, &["payment"], Value::Null);
        assert_eq!(v, json!({}));
    }
}
