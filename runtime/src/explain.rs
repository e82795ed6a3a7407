//! The provider's own explanation of an error, read from the error body, so
//! that `Error::Api` says why and not only "HTTP 400".
//!
//! Payment providers spell their error bodies a few different ways; these
//! are read, in this order:
//!
//! - a code and a message: `error_code` / `code` / `errorcode` with
//!   `error_message` / `message` / `errormessage` / `detail` /
//!   `error_description` / `error` / `title`, or a list of messages
//!   (`error_messages`, `errors`), plus `correlation_id` (Klarna: "say this
//!   to support");
//! - field errors: an object whose values are lists of messages (or of
//!   objects with a `message`), nested (`purchase.products[0].price: …`),
//!   with `__all__` for errors of the whole request (Klix);
//! - `key=value` lines (PAYONE): `errorcode` and `errormessage`, never the
//!   `customermessage` meant for the shopper.
//!
//! The result is bounded in length; the full body stays in `raw_body`.

use serde_json::{Map, Value};

/// At most this many field errors are listed.
const MAX_FIELDS: usize = 8;

const CODES: &[&str] = &["error_code", "code", "errorcode"];
const MESSAGES: &[&str] = &[
    "error_message",
    "message",
    "errormessage",
    "detail",
    "error_description",
    "error",
    "title",
];
const LISTS: &[&str] = &["error_messages", "errors", "messages"];

/// The explanation in `body`, if it holds one.
pub(crate) fn explain(body: &str) -> Option<String> {
    let text = body.trim();
    if text.starts_with('{') {
        let value: Value = serde_json::from_str(text).ok()?;
        return explain_json(value.as_object()?);
    }
    explain_key_values(text)
}

fn explain_json(o: &Map<String, Value>) -> Option<String> {
    let code = CODES.iter().find_map(|k| o.get(*k).and_then(scalar_text));
    let message = MESSAGES
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string))
        .or_else(|| {
            LISTS.iter().find_map(|k| {
                let items: Vec<String> = o
                    .get(*k)?
                    .as_array()?
                    .iter()
                    .filter_map(message_of)
                    .collect();
                (!items.is_empty()).then(|| items.join("; "))
            })
        });
    let correlation = o.get("correlation_id").and_then(scalar_text);
    let mut out = match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c,
        (None, Some(m)) => m,
        (None, None) => field_errors(o)?,
    };
    if let Some(id) = correlation {
        out.push_str(&format!(" (correlation_id {id})"));
    }
    Some(out)
}

/// `path: message` for each field error, `__all__` without a path.
fn field_errors(o: &Map<String, Value>) -> Option<String> {
    let mut found = Vec::new();
    for (k, v) in o {
        collect(
            if k == "__all__" {
                String::new()
            } else {
                k.clone()
            },
            v,
            &mut found,
        );
    }
    if found.is_empty() {
        return None;
    }
    let more = found.len().saturating_sub(MAX_FIELDS);
    found.truncate(MAX_FIELDS);
    let mut out = found.join("; ");
    if more > 0 {
        out.push_str(&format!("; and {more} more"));
    }
    Some(out)
}

fn collect(path: String, v: &Value, out: &mut Vec<String>) {
    let at = |m: String| {
        if path.is_empty() {
            m
        } else {
            format!("{path}: {m}")
        }
    };
    match v {
        // A field's errors are a list of messages; a lone string is data.
        Value::Array(items) if items.iter().all(|i| message_of(i).is_some()) => {
            let messages: Vec<String> = items.iter().filter_map(message_of).collect();
            if !messages.is_empty() {
                out.push(at(messages.join(", ")));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(format!("{path}[{i}]"), item, out);
            }
        }
        Value::Object(o) => {
            for (k, inner) in o {
                let sub = if k == "__all__" {
                    path.clone()
                } else if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                collect(sub, inner, out);
            }
        }
        _ => {}
    }
}

/// A message: a string, or an object's `message` (Klix: `{message, code}`).
fn message_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("message").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// PAYONE: `errorcode=1202` and `errormessage=…` lines.
fn explain_key_values(text: &str) -> Option<String> {
    let get = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.trim_end_matches('\r').split_once('=')?;
            (k.trim() == key && !v.is_empty()).then(|| v.to_string())
        })
    };
    match (get("errorcode"), get("errormessage")) {
        (Some(c), Some(m)) => Some(format!("{c}: {m}")),
        (Some(c), None) => Some(c),
        (None, Some(m)) => Some(m),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn klarna_codes_messages_and_correlation_ids() {
        assert_eq!(
            explain(r#"{"error_code":"BAD_VALUE","error_messages":["Bad value: order_amount","Bad value: order_lines"],"correlation_id":"6a9b1cb1-73a3"}"#).as_deref(),
            Some("BAD_VALUE: Bad value: order_amount; Bad value: order_lines (correlation_id 6a9b1cb1-73a3)")
        );
        assert_eq!(
            explain(r#"{"error_id":"x","error_type":"INPUT_ERROR","error_code":"INVALID_INPUT","error_message":"currency is missing","doc_url":"https://d"}"#).as_deref(),
            Some("INVALID_INPUT: currency is missing")
        );
    }

    #[test]
    fn klix_field_errors_with_paths_and_whole_request_errors() {
        let body = r#"{"purchase":{"products":[{"price":[{"message":"Ensure this value is greater than or equal to 0.","code":"min_value"}]}]},"__all__":["Brand is not active."]}"#;
        assert_eq!(
            explain(body).as_deref(),
            Some("purchase.products[0].price: Ensure this value is greater than or equal to 0.; Brand is not active.")
        );
        assert_eq!(
            explain(r#"{"detail":"Not found."}"#).as_deref(),
            Some("Not found.")
        );
        assert_eq!(
            explain(r#"{"client":{"email":["Enter a valid email address."]}}"#).as_deref(),
            Some("client.email: Enter a valid email address.")
        );
    }

    #[test]
    fn payone_lines_without_the_customer_message() {
        assert_eq!(
            explain("status=ERROR\nerrorcode=1202\nerrormessage=Parameter {request} faulty or missing\ncustomermessage=An error occured\n").as_deref(),
            Some("1202: Parameter {request} faulty or missing")
        );
    }

    #[test]
    fn nothing_to_explain() {
        assert_eq!(explain(""), None);
        assert_eq!(explain("<html>502 Bad Gateway</html>"), None);
        assert_eq!(explain(r#"{"id":"x","amount":5}"#), None);
        assert_eq!(explain("[1,2]"), None);
    }

    #[test]
    fn many_field_errors_are_counted_not_listed() {
        let fields: Vec<String> = (0..20).map(|i| format!(r#""f{i}":["bad"]"#)).collect();
        let text = explain(&format!("{{{}}}", fields.join(","))).unwrap();
        assert!(text.ends_with("; and 12 more"), "{text}");
    }
}
