//! Where in a JSON body decoding failed, as a path (`purchase.products[0].price`).
//!
//! serde_json reports the line and column at which it stopped. Re-reading
//! the body's structure up to that point gives the path of the value being
//! read there, without decoding the body a second time through a
//! path-tracking deserializer. That matters for the size of the generated
//! code: a path-tracking decode instantiates every response type's
//! `Deserialize` impl a second time, in every crate holding generated
//! clients, only to explain failures. This reader is not generic, compiled
//! once in the runtime, and runs only when decoding has already failed.

/// One step of a path.
enum Step {
    /// In an object; the key of the member being read, once known.
    Object(Option<String>),
    /// In an array; the index of the element being read.
    Array(usize),
}

/// The byte offset of serde_json's `line`/`column` (1-based line; the column
/// counts the bytes read on that line). `None` without a position.
fn offset_of(body: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        let newline = body[start..].iter().position(|&b| b == b'\n')?;
        start += newline + 1;
    }
    Some((start + column).min(body.len()))
}

/// The path of the value serde_json was reading when it stopped at
/// `line`:`column` of `body`: object keys joined by `.`, array indices as
/// `[n]`. Empty for the top-level value (or no position).
pub(crate) fn json_path(body: &[u8], line: usize, column: usize) -> String {
    let Some(end) = offset_of(body, line, column) else {
        return String::new();
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut pending_key: Option<String> = None;
    let mut i = 0;
    while i < end {
        match body[i] {
            b'{' => {
                steps.push(Step::Object(None));
                i += 1;
            }
            b'[' => {
                steps.push(Step::Array(0));
                i += 1;
            }
            b'}' | b']' => {
                steps.pop();
                i += 1;
            }
            b',' => {
                match steps.last_mut() {
                    Some(Step::Object(key)) => *key = None,
                    Some(Step::Array(n)) => *n += 1,
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let (text, next) = string_at(body, i, end);
                // A string where an object expects a key is the key; it
                // joins the path once its `:` is read (a failure on the key
                // itself is the object's).
                if let Some(Step::Object(None)) = steps.last() {
                    pending_key = Some(text);
                }
                i = next;
            }
            b':' => {
                if let (Some(Step::Object(key @ None)), Some(text)) =
                    (steps.last_mut(), pending_key.take())
                {
                    *key = Some(text);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    render(&steps)
}

/// The text of the string starting at `body[start] == b'"'` (escapes kept
/// as written, except `\"` and `\\`), and the index after it (at most `end`
/// when the string runs past the point of failure).
fn string_at(body: &[u8], start: usize, end: usize) -> (String, usize) {
    let mut i = start + 1;
    let mut text = Vec::new();
    while i < body.len() {
        match body[i] {
            b'"' => return (String::from_utf8_lossy(&text).into_owned(), i + 1),
            b'\\' => {
                if let Some(&c) = body.get(i + 1) {
                    if !matches!(c, b'"' | b'\\' | b'/') {
                        text.push(b'\\');
                    }
                    text.push(c);
                }
                i += 2;
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
        if i >= end {
            break;
        }
    }
    (String::from_utf8_lossy(&text).into_owned(), i.max(end))
}

fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Object(Some(key)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Object(None) => {}
            Step::Array(n) => {
                out.push('[');
                out.push_str(&n.to_string());
                out.push(']');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(body: &str) -> String {
        // `^` marks where serde_json would stop; it is removed.
        let offset = body.find('^').expect("a marker");
        let body = body.replace('^', "");
        let before = &body[..offset];
        let line = before.matches('\n').count() + 1;
        let column = offset - before.rfind('\n').map_or(0, |n| n + 1);
        json_path(body.as_bytes(), line, column)
    }

    #[test]
    fn paths_of_members_elements_and_containers() {
        assert_eq!(at(r#"{"a": 1^}"#), "a");
        assert_eq!(at(r#"{"a": {"b": [1, 2, "x"^]}}"#), "a.b[2]");
        assert_eq!(at(r#"{"a": {"b": 1}^}"#), "a");
        assert_eq!(at(r#"{"a": [{"b": 1}, {"c": 2}^]}"#), "a[1]");
        assert_eq!(at(r#"{"a": ^{"b": 1}}"#), "a");
        assert_eq!(at(r#"{"a": "}],{\"x\": 1"^}"#), "a");
        assert_eq!(at("{\n  \"a\": {\n    \"b\": tru^e\n  }\n}"), "a.b");
        assert_eq!(at(r#"{"a": 1}^ x"#), "");
        assert_eq!(at(r#"[1, [2, 3^]]"#), "[1][1]");
    }

    #[test]
    fn no_position_no_path() {
        assert_eq!(json_path(b"{}", 0, 0), "");
        assert_eq!(json_path(b"{}", 9, 9), "");
    }
}

/// The same paths as a path-tracking decode (`serde_path_to_error`), for
/// every type mismatch and missing field of a document mutated every way.
#[cfg(test)]
mod same_as_path_tracking {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::{json, Value};

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Order {
        id: String,
        total: i64,
        paid: Option<bool>,
        customer: Customer,
        items: Vec<Item>,
        tags: Option<Vec<String>>,
        metadata: Option<BTreeMap<String, i64>>,
        state: State,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Customer {
        email: String,
        address: Option<Address>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Address {
        city: String,
        lines: Vec<String>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        price: i64,
        quantity: Option<u32>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum State {
        Open,
        Paid,
    }

    fn document() -> Value {
        json!({
            "id": "o-1",
            "total": 3100,
            "paid": false,
            "customer": {
                "email": "a@b.c",
                "address": {"city": "Riga", "lines": ["Brivibas 1", "LV-1010"]}
            },
            "items": [
                {"name": "Band", "price": 3000, "quantity": 1},
                {"name": "Screen \"protector\"", "price": 100}
            ],
            "tags": ["x", "y"],
            "metadata": {"a": 1, "b": 2},
            "state": "open"
        })
    }

    /// Every variant of `doc` with one value replaced by a value of each
    /// other kind, or one object member removed.
    fn mutations(doc: &Value) -> Vec<Value> {
        let replacements = [
            json!("text"),
            json!(-7),
            json!(1.5),
            json!(true),
            json!(null),
            json!({"k": 1}),
            json!([1]),
            json!(u64::MAX),
        ];
        let mut out = Vec::new();
        let mut pointers = Vec::new();
        collect(doc, String::new(), &mut pointers);
        for pointer in &pointers {
            for r in &replacements {
                let mut d = doc.clone();
                *d.pointer_mut(pointer).expect("pointer") = r.clone();
                out.push(d);
            }
            let (parent, last) = pointer.rsplit_once('/').expect("not the root");
            let mut d = doc.clone();
            if let Some(Value::Object(m)) = d.pointer_mut(parent) {
                m.remove(last);
                out.push(d);
            }
        }
        out
    }

    fn collect(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = format!("{at}/{k}");
                    out.push(p.clone());
                    collect(v, p, out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    collect(v, p, out);
                }
            }
            _ => {}
        }
    }

    fn tracked_path(body: &[u8]) -> Option<String> {
        let mut de = serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, Order>(&mut de) {
            Ok(_) => None,
            Err(e) => Some(match e.path().to_string() {
                p if p == "." => String::new(),
                p => p,
            }),
        }
    }

    #[test]
    fn paths_match_a_path_tracking_decode() {
        let doc = document();
        serde_json::from_value::<Order>(doc.clone()).expect("the document decodes");
        let mut compared = 0;
        for d in mutations(&doc) {
            for body in [
                serde_json::to_vec(&d).expect("json"),
                serde_json::to_vec_pretty(&d).expect("json"),
            ] {
                // Type mismatches, missing fields, unknown variants: what a
                // path is for (a syntax error is not about a field).
                let Err(e) = serde_json::from_slice::<Order>(&body) else {
                    continue;
                };
                if !e.is_data() {
                    continue;
                }
                let expected = tracked_path(&body).expect("fails the same way");
                let found = super::json_path(&body, e.line(), e.column());
                assert_eq!(found, expected, "{e} in {}", String::from_utf8_lossy(&body));
                compared += 1;
            }
        }
        assert!(compared > 100, "only {compared} failures compared");
    }

    #[test]
    fn truncated_and_garbled_bodies_never_panic() {
        let body = serde_json::to_vec_pretty(&document()).expect("json");
        for cut in 0..body.len() {
            for tail in [&b""[..], b"\"", b"\\", b"}", b"]]", b"x"] {
                let mut b = body[..cut].to_vec();
                b.extend_from_slice(tail);
                if let Err(e) = serde_json::from_slice::<Order>(&b) {
                    let _ = super::json_path(&b, e.line(), e.column());
                }
            }
        }
    }
}
