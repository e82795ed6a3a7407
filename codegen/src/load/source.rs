//! Reading a spec file: bytes → checked UTF-8 text, and a position index that
//! maps JSON pointers back to line and column for diagnostics.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{self, Diagnostics};

/// Decodes `bytes` as UTF-8, reporting the first invalid byte's position.
pub fn decode_utf8(bytes: &[u8], diags: &mut Diagnostics) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.strip_prefix('\u{feff}').unwrap_or(s).to_string()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            diags.error_at(
                line,
                column,
                format!(
                    "the file is not valid UTF-8 (byte 0x{:02x} at offset {}); \
                     specs must be UTF-8 encoded",
                    bytes[e.valid_up_to()],
                    e.valid_up_to()
                ),
            );
            None
        }
    }
}

/// The 1-based line and column (in characters) of the byte at offset `pos`
/// of `text`, as YAML readers report their own errors; an offset past the
/// end is the end, one inside a character is that character.
pub fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let mut end = pos.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Maps JSON pointers to 1-based (line, column) in a YAML or JSON text.
/// The index is built on first use, so a spec without problems never pays
/// for it.
#[derive(Debug, Clone)]
pub struct Locator {
    text: Rc<str>,
    index: OnceCell<Rc<HashMap<String, (usize, usize)>>>,
}

impl Locator {
    pub fn new(text: &str) -> Self {
        Locator {
            text: Rc::from(text),
            index: OnceCell::new(),
        }
    }

    /// Position of the node at `pointer`, or of its nearest ancestor that exists.
    pub fn locate(&self, pointer: &str) -> Option<(usize, usize)> {
        if pointer.is_empty() {
            // The document as a whole: its top.
            return Some((1, 1));
        }
        let index = self.index.get_or_init(|| Rc::new(build_index(&self.text)));
        let mut p = pointer;
        loop {
            if let Some(pos) = index.get(p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

struct IndexBuilder {
    stack: Vec<(String, Frame)>,
    positions: HashMap<String, (usize, usize)>,
}

impl IndexBuilder {
    /// The pointer of the node that starts now, and records its position.
    /// Returns `None` when the event was a mapping key.
    fn node_start(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        let pos = (mark.line(), mark.col() + 1);
        let Some((parent, frame)) = self.stack.last_mut() else {
            self.positions.entry(String::new()).or_insert(pos);
            return Some(String::new());
        };
        match frame {
            Frame::Map { key } => match key.take() {
                None => {
                    // This scalar is a key: the entry's position is the key's.
                    let k = scalar.unwrap_or_default().to_string();
                    let ptr = diag::join(parent, &k);
                    self.positions.insert(ptr, pos);
                    *key = Some(k);
                    None
                }
                Some(k) => Some(diag::join(parent, &k)),
            },
            Frame::Seq { next } => {
                let ptr = diag::join(parent, &next.to_string());
                *next += 1;
                self.positions.insert(ptr.clone(), pos);
                Some(ptr)
            }
        }
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                self.node_start(mark, Some(&value));
            }
            Event::Alias(_) => {
                self.node_start(mark, None);
            }
            Event::MappingStart(..) => {
                let ptr = self.node_start(mark, None).unwrap_or_default();
                self.stack.push((ptr, Frame::Map { key: None }));
            }
            Event::SequenceStart(..) => {
                let ptr = self.node_start(mark, None).unwrap_or_default();
                self.stack.push((ptr, Frame::Seq { next: 0 }));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

fn build_index(text: &str) -> HashMap<String, (usize, usize)> {
    let mut builder = IndexBuilder {
        stack: Vec::new(),
        positions: HashMap::new(),
    };
    // A text that does not parse keeps the positions found before the error.
    let text = without_surrogate_escapes(text);
    let _ = Parser::new_from_str(&text).load(&mut builder, false);
    builder.positions
}

/// `text` with each `\uD800`..`\uDFFF` escape written `\u0020`. JSON writes
/// a character beyond the BMP as a pair of such escapes (`"\ud83d\udc4d"`),
/// which the YAML reader refuses; the same-length stand-in keeps every
/// position (and every pointer outside such strings) as it was.
fn without_surrogate_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let surrogate_at = |i: usize| {
        b.len() >= i + 6
            && b[i + 1] == b'u'
            && b[i + 2].eq_ignore_ascii_case(&b'd')
            && matches!(b[i + 3].to_ascii_lowercase(), b'8'..=b'9' | b'a'..=b'f')
            && b[i + 4].is_ascii_hexdigit()
            && b[i + 5].is_ascii_hexdigit()
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
        } else if surrogate_at(i) {
            out.get_or_insert_with(|| b.to_vec())[i + 2..i + 6].copy_from_slice(b"0020");
            i += 6;
        } else {
            // An escaped character (`\\` included) is skipped whole.
            i += 2;
        }
    }
    match out {
        // Only ASCII hex digits were replaced by ASCII digits.
        Some(bytes) => String::from_utf8(bytes).map_or(text.into(), Into::into),
        None => text.into(),
    }
}

/// A document read as a `serde_json::Value`, refusing duplicate keys (which
/// `serde_json::Value` would silently overwrite) and accepting the
/// non-string keys YAML allows (`200:` is the key `"200"`).
pub struct StrictValue(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(StrictValue)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON or YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    // YAML integers beyond i64/u64 (`minimum: -9223372036854776000`) are
    // numbers all the same: an f64, as serde_json reads them from JSON.
    fn visit_i128<E>(self, v: i128) -> Result<Self::Value, E> {
        match i64::try_from(v) {
            Ok(v) => Ok(v.into()),
            Err(_) => Ok(number_f64(v as f64)),
        }
    }
    fn visit_u128<E>(self, v: u128) -> Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(v) => Ok(v.into()),
            Err(_) => Ok(number_f64(v as f64)),
        }
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(number_f64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(KeyString(k)) = map.next_key()? {
            let StrictValue(v) = map.next_value()?;
            if out.contains_key(&k) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{k}`; each key may appear only once in a map"
                )));
            }
            out.insert(k, v);
        }
        Ok(serde_json::Value::Object(out))
    }
}

fn number_f64(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into)
}

/// A map key: a string, or a number or boolean written as one.
struct KeyString(String);

impl<'de> serde::Deserialize<'de> for KeyString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = String;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean as a map key")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_string<E>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
            fn visit_bool<E>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i64<E>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_unit<E>(self) -> Result<String, E> {
                Ok("null".to_string())
            }
        }
        d.deserialize_any(V).map(KeyString)
    }
}

/// The JSON pointer of a `serde_path_to_error` path.
pub fn path_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => pointer = diag::join(&pointer, &index.to_string()),
            Segment::Map { key } => pointer = diag::join(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// The JSON pointer of a serde_yaml error path (`components.schemas.A`,
/// `paths./a.get.parameters[0]`), as far as it can be told apart.
pub fn yaml_path_pointer(path: &str) -> String {
    let mut pointer = String::new();
    for part in path.split('.').filter(|p| !p.is_empty() && *p != "?") {
        let mut rest = part;
        let name_end = rest.find('[').unwrap_or(rest.len());
        if name_end > 0 {
            pointer = diag::join(&pointer, &rest[..name_end]);
        }
        rest = &rest[name_end..];
        while let Some(close) = rest.find(']') {
            pointer = diag::join(&pointer, &rest[1..close]);
            rest = &rest[close + 1..];
        }
    }
    pointer
}

/// Rewords serde's messages about the document's shape so that they say
/// what was expected in OpenAPI terms.
pub fn describe_shape_error(message: &str) -> String {
    const UNTAGGED: &str = "data did not match any variant of untagged enum ";
    if let Some(rest) = message.strip_prefix(UNTAGGED) {
        let what = match rest.trim() {
            "ReferenceOr" => "a `$ref` or an object of the expected kind",
            "ParameterSchemaOrContent" => "a `schema` or a `content` map",
            "AdditionalProperties" => "true, false or a schema",
            other => return format!("this value has an unexpected shape ({other})"),
        };
        return format!("expected {what} here; this value has neither shape");
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return format!("the required key `{field}` is missing here");
    }
    if message.starts_with("no variant of enum ") {
        return format!("{message}: a required key is missing or has the wrong type");
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_lines() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{id}:\n    get:\n      tags: [x, y]\n";
        let loc = Locator::new(text);
        assert_eq!(loc.locate("/openapi"), Some((1, 1)));
        assert_eq!(loc.locate("/paths/~1a~1{id}"), Some((3, 3)));
        assert_eq!(loc.locate("/paths/~1a~1{id}/get"), Some((4, 5)));
        assert_eq!(loc.locate("/paths/~1a~1{id}/get/tags/1"), Some((5, 17)));
        // A pointer below an existing node falls back to that node.
        assert_eq!(loc.locate("/paths/~1a~1{id}/get/responses"), Some((4, 5)));
    }

    #[test]
    fn json_positions() {
        let text = "{\n  \"info\": {\"title\": \"x\"}\n}";
        let loc = Locator::new(text);
        assert_eq!(loc.locate("/info/title"), Some((2, 12)));
    }

    #[test]
    fn surrogate_pair_escapes_keep_positions() {
        let text = "{\n  \"a\": \"say \\ud83d\\uDC4D \\\\ud83d\",\n  \"b\": {\"c\": 1}\n}";
        let loc = Locator::new(text);
        assert_eq!(loc.locate("/b/c"), Some((3, 9)));
        assert_eq!(loc.locate("/a"), Some((2, 3)));
        let clean = without_surrogate_escapes(text);
        assert_eq!(clean.len(), text.len());
        assert!(clean.contains(r"say \u0020\u0020 \\ud83d"), "{clean}");
        // A diagnostic after the escape has its line.
        let mut diags = Diagnostics::new("s.json");
        diags.set_locator(loc);
        diags.error("/b/c", "x");
        assert_eq!(diags.items[0].line, Some(3));
    }

    #[test]
    fn integers_beyond_64_bits_are_numbers() {
        let StrictValue(v) =
            serde_yaml::from_str("min: -9223372036854776000\nmax: 18446744073709551616\nn: 3\n")
                .expect("reads");
        assert_eq!(v["min"].as_f64(), Some(-9223372036854776000.0));
        assert_eq!(v["max"].as_f64(), Some(18446744073709551616.0));
        assert_eq!(v["n"].as_i64(), Some(3));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let mut d = Diagnostics::new("spec.yaml");
        assert!(decode_utf8(b"a: 1\nb: caf\xe9\n", &mut d).is_none());
        assert_eq!(d.items[0].line, Some(2));
        assert_eq!(d.items[0].column, Some(7));
    }
}
