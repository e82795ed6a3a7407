//! How model references are written in Rust: identifiers, types, argument
//! types. Every emitter writes types through here.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::model::*;

/// The token for a model identifier (raw where it is a keyword).
pub fn ident(name: &Ident) -> proc_macro2::Ident {
    if name.is_raw() {
        proc_macro2::Ident::new_raw(name.as_str(), Span::call_site())
    } else {
        proc_macro2::Ident::new(name.as_str(), Span::call_site())
    }
}

/// The token for a name made up by an emitter (`Config`, `value`).
pub fn word(name: &str) -> proc_macro2::Ident {
    proc_macro2::Ident::new(name, Span::call_site())
}

/// The Rust type of a reference.
pub fn rust_type(api: &Api, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Prim(p) => prim(*p),
        TypeRef::Named(id) => {
            let i = ident(api.name(*id));
            quote!(#i)
        }
        TypeRef::Vec(t) => {
            let t = rust_type(api, t);
            quote!(Vec<#t>)
        }
        TypeRef::Map(t) => {
            let t = rust_type(api, t);
            quote!(BTreeMap<String, #t>)
        }
        TypeRef::Any => quote!(serde_json::Value),
        TypeRef::Object => quote!(serde_json::Map<String, serde_json::Value>),
    }
}

/// How a primitive is written in generated code (and in the API surface).
pub fn prim_name(p: Prim) -> &'static str {
    match p {
        Prim::String => "String",
        Prim::Bool => "bool",
        Prim::I32 => "i32",
        Prim::I64 => "i64",
        Prim::F64 => "f64",
        Prim::DateTime => "runtime::DateTime",
        Prim::Date => "runtime::Date",
        Prim::Decimal => "runtime::Decimal",
        Prim::DecimalText => "runtime::DecimalText",
        Prim::CompactDate => "runtime::CompactDate",
        Prim::Bytes => "runtime::Bytes",
    }
}

fn prim(p: Prim) -> TokenStream {
    // Invariant: every name above is a valid type path.
    prim_name(p)
        .parse()
        .expect("primitive names are type paths")
}

/// The Rust type of a body.
pub fn body_type(api: &Api, body: &BodyType) -> TokenStream {
    match body {
        BodyType::Value(t) => rust_type(api, t),
        BodyType::Bytes => quote!(runtime::Bytes),
        BodyType::Text => quote!(String),
    }
}

/// How a setter or constructor takes a value of `ty`, and the conversion
/// that stores it: strings, bytes and decimal texts (from integers or
/// amounts) are taken as `impl Into<…>`.
pub fn arg_type(api: &Api, ty: &TypeRef) -> (TokenStream, TokenStream) {
    match ty {
        TypeRef::Prim(Prim::String) => (quote!(impl Into<String>), quote!(.into())),
        TypeRef::Prim(Prim::Bytes) => (quote!(impl Into<runtime::Bytes>), quote!(.into())),
        TypeRef::Prim(Prim::DecimalText) => {
            (quote!(impl Into<runtime::DecimalText>), quote!(.into()))
        }
        // An alias of a string (`BalanceId = String`) takes what a string takes.
        TypeRef::Named(_)
            if matches!(
                unalias(api, ty),
                TypeRef::Prim(Prim::String | Prim::Bytes | Prim::DecimalText)
            ) =>
        {
            let t = rust_type(api, ty);
            (quote!(impl Into<#t>), quote!(.into()))
        }
        _ => (rust_type(api, ty), quote!()),
    }
}

/// What `ty` is once aliases are followed (a chain of aliases that never
/// ends, which the loader reports, stays where it is).
pub fn unalias<'a>(api: &'a Api, ty: &'a TypeRef) -> &'a TypeRef {
    let mut ty = ty;
    for _ in 0..api.types.len() {
        match ty {
            TypeRef::Named(id) => match &api.ty(*id).kind {
                TypeKind::Alias(t) => ty = t,
                _ => break,
            },
            _ => break,
        }
    }
    ty
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Small model values for emitter tests, and a comparison of emitted
    //! tokens with expected ones as formatted source.

    use super::*;

    /// An empty JSON API named `demo`.
    pub fn api() -> Api {
        Api {
            module: Ident::new("demo"),
            source: "specs/demo/openapi.yaml".into(),
            title: "Demo".into(),
            version: "1".into(),
            doc: None,
            environments: vec![Environment {
                name: Ident::new("Production"),
                url: "https://api.example.com".into(),
                doc: None,
                params: Vec::new(),
            }],
            protocol: Protocol::Json(JsonApi {
                auth: Auth::Bearer,
                idempotency_header: None,
                client_headers: Vec::new(),
                retry_on_body: None,
                webhook: None,
            }),
            operations: Vec::new(),
            types: Vec::new(),
            polls: Vec::new(),
            fake: None,
        }
    }

    /// Adds a type and returns its id.
    pub fn add(api: &mut Api, name: &str, kind: TypeKind) -> TypeId {
        api.types.push(TypeDef {
            name: Ident::new(name),
            doc: None,
            kind,
            usage: Usage {
                request: true,
                response: true,
                ..Usage::default()
            },
        });
        TypeId(api.types.len() - 1)
    }

    /// A plain field.
    pub fn field(wire: &str, ty: TypeRef, presence: Presence) -> Field {
        Field {
            wire: wire.into(),
            aliases: Vec::new(),
            rust: Ident::new(crate::names::snake(wire, "field")),
            ty,
            presence,
            boxed: false,
            layout: FieldLayout::Plain,
            doc: None,
            constraints: Constraints::default(),
        }
    }

    /// Asserts that the tokens hold each snippet, whitespace ignored.
    #[track_caller]
    pub fn assert_contains(tokens: &TokenStream, snippets: &[&str]) {
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let text = squash(&tokens.to_string());
        for s in snippets {
            assert!(text.contains(&squash(s)), "{s}\nin\n{tokens}");
        }
    }

    /// Formats both token streams as a file and compares the text.
    #[track_caller]
    pub fn assert_tokens(actual: TokenStream, expected: TokenStream) {
        let format = |t: TokenStream| {
            let file: syn::File =
                syn::parse2(t.clone()).unwrap_or_else(|e| panic!("does not parse ({e}):\n{t}"));
            prettyplease::unparse(&file)
        };
        let (a, e) = (format(actual), format(expected));
        assert!(a == e, "emitted:\n{a}\nexpected:\n{e}");
    }
}
