//! Turning spec names into Rust identifiers: case conversion (heck), keyword
//! escaping, and deterministic collision resolution.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{BTreeMap, BTreeSet};

use crate::model::Ident;

/// Words that cannot be plain identifiers. All but the last four can be
/// written as raw identifiers (`r#type`); those four never reach an
/// [`Ident`] (see [`snake`] and [`camel`]).
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen", "self", "Self", "super", "crate",
];

/// Whether `name` must be written as a raw identifier.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Field names a generated struct uses itself: `new`, its constructor (a
/// setter of that name would clash with it), and `additional`, the map of
/// undeclared properties. A property that converts to one is renamed.
pub const RESERVED_FIELDS: &[&str] = &["new", "additional"];

/// Type names the emitted module defines or relies on, and the names of the
/// runtime's user-facing items (`klarna_payments::Error` next to
/// `paygen::Error` would read as the same thing); a schema with one of these
/// names gets a `Model` suffix.
pub const RESERVED_TYPES: &[&str] = &[
    "Client",
    "Config",
    "Environment",
    "WebhookVerifier",
    "NotificationVerifier",
    "Error",
    "Nullable",
    "Decimal",
    "DateTime",
    "Date",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Serialize",
    "Deserialize",
    "BTreeMap",
    "Self",
];

/// Splits on anything that is not alphanumeric before heck sees it, so that
/// `Order Line`, `order-line` and `order.line` all become `OrderLine`.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
}

/// `CamelCase` type or variant name; `fallback` when nothing alphanumeric is left.
/// Whether `name` is an HTTP header name (an RFC 9110 token): generated
/// code hands header names to the runtime as `&'static str`s, which it
/// turns into header names without checking again.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

pub fn camel(raw: &str, fallback: &str) -> String {
    let mut s: String = words(raw).to_upper_camel_case();
    s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if s.is_empty() {
        return fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if s == "Self" {
        // The one CamelCase keyword; it cannot even be a raw identifier.
        s.push_str("Value");
    }
    s
}

/// `snake_case` name, as a valid identifier (written raw where it is a
/// keyword; `self`, `super` and `crate`, which cannot be, get a `_`).
pub fn snake(raw: &str, fallback: &str) -> String {
    let mut s: String = words(raw).to_snake_case();
    s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if s.is_empty() {
        return fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "n_");
    }
    if matches!(s.as_str(), "self" | "super" | "crate") {
        s.push('_');
    }
    s
}

/// Hands out unique names in the order asked for, so the same input always
/// gives the same names: a repeat gets `2`, `3`, … appended.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
    /// Name handed out → the spec name it was made from (see [`Namer::claim`]).
    owners: BTreeMap<String, String>,
}

/// Who already had the name a spec name converts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Nobody: the name is the plain conversion.
    Free,
    /// Another spec name that converts to the same identifier.
    By(String),
    /// A name the generated code itself uses, or one made up earlier.
    Reserved,
}

impl Namer {
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namer {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
            owners: BTreeMap::new(),
        }
    }

    /// Like [`Namer::unique`] for a name converted from the spec name `raw`:
    /// also says whose the name was when `candidate` was already taken, so
    /// that the caller can warn with both spec names.
    pub fn claim(&mut self, raw: &str, candidate: &str) -> (Ident, Taken) {
        let taken = if !self.taken.contains(candidate) {
            Taken::Free
        } else {
            match self.owners.get(candidate) {
                Some(owner) => Taken::By(owner.clone()),
                None => Taken::Reserved,
            }
        };
        let name = self.unique(candidate);
        self.owners
            .insert(name.as_str().to_string(), raw.to_string());
        (name, taken)
    }

    /// Returns `candidate`, or the first free `candidate2`, `candidate3`, ….
    pub fn unique(&mut self, candidate: &str) -> Ident {
        if self.taken.insert(candidate.to_string()) {
            return Ident::new(candidate);
        }
        let mut n = 2;
        loop {
            let next = format!("{candidate}{n}");
            if self.taken.insert(next.clone()) {
                return Ident::new(next);
            }
            n += 1;
        }
    }

    /// Marks `name` as taken without handing it out.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// Frees a name handed out earlier (its type was dropped).
    pub fn release(&mut self, name: &str) {
        self.taken.remove(name);
        self.owners.remove(name);
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversion_and_escaping() {
        assert_eq!(camel("order line", "X"), "OrderLine");
        assert_eq!(camel("Order-Line.v2", "X"), "OrderLineV2");
        assert_eq!(
            camel("3ds_authentication_failed", "X"),
            "V3dsAuthenticationFailed"
        );
        assert_eq!(camel("", "Empty"), "Empty");
        assert_eq!(camel("+", "Value1"), "Value1");
        assert_eq!(camel("self", "X"), "SelfValue");
        assert_eq!(snake("type", "x"), "type");
        assert_eq!(Ident::new(snake("type", "x")).to_string(), "r#type");
        assert_eq!(snake("self", "x"), "self_");
        assert_eq!(snake("redirectURL", "x"), "redirect_url");
        assert_eq!(snake("add_paydata[action]", "x"), "add_paydata_action");
        assert_eq!(snake("3ds", "x"), "n_3ds");
    }

    #[test]
    fn collisions_resolve_in_order() {
        let mut n = Namer::with_reserved(&["Client"]);
        assert_eq!(n.unique("Client").as_str(), "Client2");
        assert_eq!(n.unique("Order").as_str(), "Order");
        assert_eq!(n.unique("Order").as_str(), "Order2");
        assert_eq!(n.unique("type").to_string(), "r#type");
        assert_eq!(n.unique("type").to_string(), "type2");
    }

    #[test]
    fn claims_name_the_previous_owner() {
        let mut n = Namer::with_reserved(&["Client"]);
        assert_eq!(
            n.claim("OrderLine", "OrderLine"),
            (Ident::new("OrderLine"), Taken::Free)
        );
        assert_eq!(
            n.claim("Order Line", "OrderLine"),
            (Ident::new("OrderLine2"), Taken::By("OrderLine".into()))
        );
        assert_eq!(
            n.claim("client", "Client"),
            (Ident::new("Client2"), Taken::Reserved)
        );
    }
}
