//! Writing structured values outside JSON: form bodies with nested keys
//! (`metadata[key]=v`, `items[0][price]=…`, 0-based as Stripe expects),
//! query and header parameters of any schema in each OpenAPI `style`, and
//! `multipart/form-data` bodies with file parts.
//!
//! A value is first serialised into a [`Node`] tree by a small serde
//! serializer that keeps bytes apart from text (serde_json would turn them
//! into lists of numbers), then written out per encoding.

use std::fmt;

use serde::ser::{self, Serialize};

/// How a query parameter's value is written (OpenAPI `style` and `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// `name=a&name=b`; an object's properties as separate parameters.
    Form,
    /// `name=a,b`; an object as `name=k,v,k,v`.
    FormComma,
    /// `name=a b`.
    Space,
    /// `name=a|b`.
    Pipe,
    /// `name[k]=v`, nested, lists indexed from 0.
    Deep,
}

/// A serialised value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Text(String),
    Bytes(Vec<u8>),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// Why a value could not be written.
#[derive(Debug)]
pub(crate) struct EncodeError(String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        EncodeError(msg.to_string())
    }
}

pub(crate) fn to_node<T: Serialize + ?Sized>(value: &T) -> Result<Node, EncodeError> {
    value.serialize(NodeSerializer)
}

/// `prefix=v`, `prefix[k]=v`, `prefix[0]=v`, recursively; nulls are left
/// out, bytes written as (lossy) text.
fn flatten(prefix: String, node: Node, out: &mut Vec<(String, String)>) {
    match node {
        Node::Null => {}
        Node::Text(t) => out.push((prefix, t)),
        Node::Bytes(b) => out.push((prefix, String::from_utf8_lossy(&b).into_owned())),
        Node::List(items) => {
            for (i, item) in items.into_iter().enumerate() {
                flatten(format!("{prefix}[{i}]"), item, out);
            }
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                flatten(format!("{prefix}[{k}]"), v, out);
            }
        }
    }
}

/// A form body: the top-level fields, nested values with brackets, except
/// the fields `styles` names, which are written as a query parameter of
/// that style is (a list in `Form` style as `k=a&k=b`, OpenAPI's default).
pub(crate) fn form_pairs(
    node: Node,
    styles: &[(&str, ParamStyle)],
) -> Result<Vec<(String, String)>, EncodeError> {
    let Node::Map(entries) = node else {
        return Err(EncodeError(
            "a form body must be an object with named fields".into(),
        ));
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        match styles.iter().find(|(name, _)| *name == k) {
            Some(&(_, style)) => out.extend(query_pairs(&k, v, style)),
            None => flatten(k, v, &mut out),
        }
    }
    Ok(out)
}

/// Scalars of a list or object, joined for the delimited styles.
fn joined(node: Node, sep: &str) -> Option<String> {
    let text = |n: Node| match n {
        Node::Text(t) => Some(t),
        Node::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    };
    match node {
        Node::Null => None,
        Node::List(items) => Some(
            items
                .into_iter()
                .filter_map(text)
                .collect::<Vec<_>>()
                .join(sep),
        ),
        Node::Map(entries) => Some(
            entries
                .into_iter()
                .filter_map(|(k, v)| text(v).map(|v| format!("{k}{sep}{v}")))
                .collect::<Vec<_>>()
                .join(sep),
        ),
        other => text(other),
    }
}

/// The pairs of one query parameter in `style`.
pub(crate) fn query_pairs(name: &str, node: Node, style: ParamStyle) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match (style, node) {
        (_, Node::Null) => {}
        (ParamStyle::Deep, node) => flatten(name.to_string(), node, &mut out),
        (ParamStyle::Form, Node::List(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    // A list of objects has no form writing; brackets it
                    // is, each item at its own index.
                    Node::List(_) | Node::Map(_) => flatten(format!("{name}[{i}]"), item, &mut out),
                    scalar => flatten(name.to_string(), scalar, &mut out),
                }
            }
        }
        (ParamStyle::Form, Node::Map(entries)) => {
            for (k, v) in entries {
                flatten(k, v, &mut out);
            }
        }
        (ParamStyle::Form, scalar) => flatten(name.to_string(), scalar, &mut out),
        (ParamStyle::FormComma, node) => out.extend(joined(node, ",").map(|v| (name.into(), v))),
        (ParamStyle::Space, node) => out.extend(joined(node, " ").map(|v| (name.into(), v))),
        (ParamStyle::Pipe, node) => out.extend(joined(node, "|").map(|v| (name.into(), v))),
    }
    out
}

/// A header value in `simple` style: a scalar, `a,b` for a list, `k,v,k,v`
/// for an object.
pub(crate) fn header_text(node: Node) -> Option<String> {
    joined(node, ",")
}

/// A `multipart/form-data` body and its boundary: one part per top-level
/// field; bytes become file parts, nested values bracketed text parts.
pub(crate) fn multipart(node: Node) -> Result<(Vec<u8>, String), EncodeError> {
    let Node::Map(entries) = node else {
        return Err(EncodeError(
            "a multipart body must be an object with named fields".into(),
        ));
    };
    let boundary = format!(
        "paygen-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    );
    let mut body = Vec::new();
    let mut part = |name: &str, file: bool, data: &[u8]| {
        // Field names come from the spec; quotes would end the parameter.
        let name = name.replace(['"', '\r', '\n'], "_");
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if file {
            body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    for (k, v) in entries {
        match v {
            Node::Bytes(b) => part(&k, true, &b),
            other => {
                let mut pairs = Vec::new();
                flatten(k, other, &mut pairs);
                for (name, value) in pairs {
                    part(&name, false, value.as_bytes());
                }
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((body, boundary))
}

struct NodeSerializer;

/// Collects the items of a list-like value.
struct ListNode(Vec<Node>);

/// Collects the entries of a map-like value; `variant` wraps it for an enum
/// variant (`{"Variant": {…}}`).
struct MapNode {
    entries: Vec<(String, Node)>,
    key: Option<String>,
    variant: Option<&'static str>,
}

fn key_text(node: Node) -> Result<String, EncodeError> {
    match node {
        Node::Text(t) => Ok(t),
        _ => Err(EncodeError("map keys must be text".into())),
    }
}

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = EncodeError;
    type SerializeSeq = ListNode;
    type SerializeTuple = ListNode;
    type SerializeTupleStruct = ListNode;
    type SerializeTupleVariant = ListNode;
    type SerializeMap = MapNode;
    type SerializeStruct = MapNode;
    type SerializeStructVariant = MapNode;

    fn serialize_bool(self, v: bool) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_i8(self, v: i8) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_i16(self, v: i16) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_u16(self, v: u16) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_u32(self, v: u32) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_f32(self, v: f32) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_f64(self, v: f64) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_char(self, v: char) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Node, EncodeError> {
        Ok(Node::Text(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node, EncodeError> {
        Ok(Node::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Node, EncodeError> {
        Ok(Node::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Node, EncodeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node, EncodeError> {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Node, EncodeError> {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Node, EncodeError> {
        Ok(Node::Text(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Node, EncodeError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Node, EncodeError> {
        Ok(Node::Map(vec![(variant.to_string(), v.serialize(self)?)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ListNode, EncodeError> {
        Ok(ListNode(Vec::with_capacity(len.unwrap_or(0).min(64))))
    }
    fn serialize_tuple(self, len: usize) -> Result<ListNode, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<ListNode, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> Result<ListNode, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapNode, EncodeError> {
        Ok(MapNode {
            entries: Vec::new(),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapNode, EncodeError> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<MapNode, EncodeError> {
        Ok(MapNode {
            entries: Vec::new(),
            key: None,
            variant: Some(variant),
        })
    }
}

impl ListNode {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.0.push(v.serialize(NodeSerializer)?);
        Ok(())
    }
}

impl ser::SerializeSeq for ListNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(Node::List(self.0))
    }
}

impl ser::SerializeTuple for ListNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(Node::List(self.0))
    }
}

impl ser::SerializeTupleStruct for ListNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(Node::List(self.0))
    }
}

impl ser::SerializeTupleVariant for ListNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(Node::List(self.0))
    }
}

impl MapNode {
    fn finish(self) -> Node {
        let map = Node::Map(self.entries);
        match self.variant {
            Some(v) => Node::Map(vec![(v.to_string(), map)]),
            None => map,
        }
    }
}

impl ser::SerializeMap for MapNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), EncodeError> {
        self.key = Some(key_text(k.serialize(NodeSerializer)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| EncodeError("a map value came without its key".into()))?;
        self.entries.push((key, v.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        self.entries
            .push((key.to_string(), v.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for MapNode {
    type Ok = Node;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        self.entries
            .push((key.to_string(), v.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Node, EncodeError> {
        Ok(self.finish())
    }
}

/// The bytes a form component keeps as they are (`A-Z a-z 0-9 * - . _`,
/// the WHATWG `application/x-www-form-urlencoded` serializer's set).
const KEPT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    t
};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `bytes` form-encoded: kept bytes as they are, space as `+`,
/// every other byte as `%XX` (uppercase), exactly as
/// `url::form_urlencoded::byte_serialize` writes them.
pub(crate) fn form_component(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut rest = bytes;
    loop {
        let run = rest
            .iter()
            .position(|&b| !KEPT[usize::from(b)])
            .unwrap_or(rest.len());
        let (kept, tail) = rest.split_at(run);
        out.extend_from_slice(kept);
        let Some((&b, tail)) = tail.split_first() else {
            return;
        };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
        }
        rest = tail;
    }
}

/// `key=value&…` of `pairs`, form-encoded by [`form_component`].
pub(crate) fn form_text<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = Vec::with_capacity(pairs.len() * 16);
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        form_component(&mut out, key.as_ref().as_bytes());
        out.push(b'=');
        form_component(&mut out, value.as_ref().as_bytes());
    }
    // Invariant: form_component writes ASCII only.
    String::from_utf8(out).expect("form encoding is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[test]
    fn components_are_written_like_the_url_crate_writes_them() {
        let every_byte: Vec<u8> = (0..=255u8).collect();
        let mut out = Vec::new();
        form_component(&mut out, &every_byte);
        let expected: String = url::form_urlencoded::byte_serialize(&every_byte).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        for text in [
            "",
            "a",
            " ",
            "a b",
            "Hellersbergstraße 14",
            "x=1&y=2",
            "€",
            "ab*-._~",
        ] {
            let mut out = Vec::new();
            form_component(&mut out, text.as_bytes());
            let expected: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{text:?}");
        }
    }

    #[test]
    fn form_text_is_the_url_crate_serializer_output() {
        let pairs = [("items[0][price]", "a&b=c d"), ("name", "Müller"), ("", "")];
        let expected = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        assert_eq!(form_text(&pairs), expected);
        assert_eq!(form_text::<&str, &str>(&[]), "");
    }

    #[derive(Serialize)]
    struct Item {
        price: &'static str,
        quantity: u32,
    }

    #[derive(Serialize)]
    struct Checkout {
        mode: &'static str,
        line_items: Vec<Item>,
        metadata: BTreeMap<&'static str, &'static str>,
        expand: Vec<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        customer: Option<&'static str>,
        discount: Option<u8>,
    }

    fn checkout() -> Checkout {
        Checkout {
            mode: "payment",
            line_items: vec![
                Item {
                    price: "price_1",
                    quantity: 2,
                },
                Item {
                    price: "price_2",
                    quantity: 1,
                },
            ],
            metadata: [("order", "42")].into_iter().collect(),
            expand: vec!["customer"],
            customer: None,
            discount: None,
        }
    }

    #[test]
    fn form_bodies_nest_with_brackets_and_index_lists_from_zero() {
        let pairs = form_pairs(to_node(&checkout()).unwrap(), &[]).unwrap();
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            text,
            [
                "mode=payment",
                "line_items[0][price]=price_1",
                "line_items[0][quantity]=2",
                "line_items[1][price]=price_2",
                "line_items[1][quantity]=1",
                "metadata[order]=42",
                "expand[0]=customer",
            ]
        );
    }

    /// Fields named in `styles` are written in that style (Twilio's
    /// `StatusCallbackEvent=a&StatusCallbackEvent=b`); the others nest.
    #[test]
    fn form_fields_with_a_style_are_written_in_it() {
        let styles = [("expand", ParamStyle::Form), ("metadata", ParamStyle::Deep)];
        let pairs = form_pairs(to_node(&checkout()).unwrap(), &styles).unwrap();
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            text,
            [
                "mode=payment",
                "line_items[0][price]=price_1",
                "line_items[0][quantity]=2",
                "line_items[1][price]=price_2",
                "line_items[1][quantity]=1",
                "metadata[order]=42",
                "expand=customer",
            ]
        );
        let comma = [("expand", ParamStyle::FormComma)];
        let pairs = form_pairs(to_node(&checkout()).unwrap(), &comma).unwrap();
        assert_eq!(
            pairs.last().unwrap(),
            &("expand".to_string(), "customer".to_string())
        );
    }

    #[test]
    fn query_styles() {
        let list = || to_node(&["a", "b"]).unwrap();
        let range = || {
            to_node(
                &[("gte", 10), ("lt", 20)]
                    .into_iter()
                    .collect::<BTreeMap<_, _>>(),
            )
            .unwrap()
        };
        let show = |pairs: Vec<(String, String)>| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(
            show(query_pairs("ids", list(), ParamStyle::Form)),
            "ids=a&ids=b"
        );
        assert_eq!(
            show(query_pairs("ids", list(), ParamStyle::FormComma)),
            "ids=a,b"
        );
        assert_eq!(
            show(query_pairs("ids", list(), ParamStyle::Space)),
            "ids=a b"
        );
        assert_eq!(
            show(query_pairs("ids", list(), ParamStyle::Pipe)),
            "ids=a|b"
        );
        assert_eq!(
            show(query_pairs("created", range(), ParamStyle::Deep)),
            "created[gte]=10&created[lt]=20"
        );
        assert_eq!(
            show(query_pairs("created", range(), ParamStyle::Form)),
            "gte=10&lt=20"
        );
        assert_eq!(
            show(query_pairs("created", range(), ParamStyle::FormComma)),
            "created=gte,10,lt,20"
        );
        assert_eq!(
            show(query_pairs(
                "created",
                to_node(&5).unwrap(),
                ParamStyle::Deep
            )),
            "created=5"
        );
        assert_eq!(header_text(range()).as_deref(), Some("gte,10,lt,20"));
        // A list of objects in form style: brackets, each item at its index
        // (every item was written at `[0]`).
        let lines = to_node(&[
            [("sku", "a")].into_iter().collect::<BTreeMap<_, _>>(),
            [("sku", "b")].into_iter().collect::<BTreeMap<_, _>>(),
        ])
        .unwrap();
        assert_eq!(
            show(query_pairs("lines", lines, ParamStyle::Form)),
            "lines[0][sku]=a&lines[1][sku]=b"
        );
    }

    #[test]
    fn multipart_bodies_have_file_and_text_parts() {
        #[derive(Serialize)]
        struct Upload {
            purpose: &'static str,
            #[serde(with = "serde_bytes_shim")]
            file: Vec<u8>,
        }
        mod serde_bytes_shim {
            pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(v)
            }
        }
        let (body, boundary) = multipart(
            to_node(&Upload {
                purpose: "dispute_evidence",
                file: b"%PDF-1.4\x00\xff".to_vec(),
            })
            .unwrap(),
        )
        .unwrap();
        let mut expected = Vec::new();
        expected.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\
                 dispute_evidence\r\n--{boundary}\r\nContent-Disposition: form-data; \
                 name=\"file\"; filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        expected.extend_from_slice(b"%PDF-1.4\x00\xff\r\n");
        expected.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        assert_eq!(body, expected);
    }
}
