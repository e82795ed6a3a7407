//! Turning spec names into Rust identifiers: case conversion (heck), keyword
//! escaping, and deterministic collision resolution.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{BTreeMap, BTreeSet};

/// Words that cannot be plain identifiers. All but the last four can be
/// written as raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen", "self", "Self", "super", "crate",
];

/// Type names the emitted module defines or relies on; a schema with one of
/// these names gets a `Model` suffix.
pub const RESERVED_TYPES: &[&str] = &[
    "Client",
    "Config",
    "Environment",
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

/// `snake_case` name, as a valid identifier (raw where it is a keyword).
pub fn snake(raw: &str, fallback: &str) -> String {
    let mut s: String = words(raw).to_snake_case();
    s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if s.is_empty() {
        return fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "n_");
    }
    escape_keyword(s)
}

/// Makes a snake_case word usable as an identifier.
pub fn escape_keyword(s: String) -> String {
    match s.as_str() {
        "self" | "super" | "crate" => format!("{s}_"),
        w if KEYWORDS.contains(&w) => format!("r#{s}"),
        _ => s,
    }
}

/// The identifier without a raw prefix (for building derived names).
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
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
    pub fn claim(&mut self, raw: &str, candidate: &str) -> (String, Taken) {
        let taken = if !self.taken.contains(candidate) {
            Taken::Free
        } else {
            match self.owners.get(candidate) {
                Some(owner) => Taken::By(owner.clone()),
                None => Taken::Reserved,
            }
        };
        let name = self.unique(candidate);
        self.owners.insert(name.clone(), raw.to_string());
        (name, taken)
    }

    /// Returns `candidate`, or the first free `candidate2`, `candidate3`, ….
    pub fn unique(&mut self, candidate: &str) -> String {
        if self.taken.insert(candidate.to_string()) {
            return candidate.to_string();
        }
        // A numbered name is never a keyword, so it needs no raw prefix.
        let stem = bare(candidate);
        let mut n = 2;
        loop {
            let next = format!("{stem}{n}");
            if self.taken.insert(next.clone()) {
                return next;
            }
            n += 1;
        }
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
        assert_eq!(snake("type", "x"), "r#type");
        assert_eq!(snake("self", "x"), "self_");
        assert_eq!(snake("redirectURL", "x"), "redirect_url");
        assert_eq!(snake("add_paydata[action]", "x"), "add_paydata_action");
        assert_eq!(snake("3ds", "x"), "n_3ds");
        assert_eq!(bare("r#type"), "type");
    }

    #[test]
    fn collisions_resolve_in_order() {
        let mut n = Namer::with_reserved(&["Client"]);
        assert_eq!(n.unique("Client"), "Client2");
        assert_eq!(n.unique("Order"), "Order");
        assert_eq!(n.unique("Order"), "Order2");
        assert_eq!(n.unique("r#type"), "r#type");
        assert_eq!(n.unique("r#type"), "type2");
    }

    #[test]
    fn claims_name_the_previous_owner() {
        let mut n = Namer::with_reserved(&["Client"]);
        assert_eq!(
            n.claim("OrderLine", "OrderLine"),
            ("OrderLine".into(), Taken::Free)
        );
        assert_eq!(
            n.claim("Order Line", "OrderLine"),
            ("OrderLine2".into(), Taken::By("OrderLine".into()))
        );
        assert_eq!(
            n.claim("client", "Client"),
            ("Client2".into(), Taken::Reserved)
        );
    }
}
