//! A struct: fields by [`Presence`], `new(required…)` and one setter per
//! optional field.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::ty::{arg_type, ident, rust_type};

/// Derives reach serde through the runtime, so the crate holding generated
/// code needs no serde dependency of its own.
pub fn serde_crate() -> TokenStream {
    quote!(#[serde(crate = "::paygen_runtime::__private::serde")])
}

/// The docs of a named type: the spec's, or its name.
pub fn type_docs(t: &TypeDef) -> TokenStream {
    match &t.doc {
        Some(d) => doc::attrs(d),
        None => doc::paragraphs(&[Para::Ours(&format!("`{}`.", t.name))]),
    }
}

fn field_doc(f: &Field) -> TokenStream {
    let fallback = format!("`{}`.", f.wire);
    let spec = match &f.doc {
        Some(d) => Para::Spec(Some(d)),
        None => Para::Ours(&fallback),
    };
    let mut parts: Vec<String> = Vec::new();
    let c = &f.constraints;
    let mut rules = Vec::new();
    if let Some(v) = c.min_length {
        rules.push(format!("at least {v} characters"));
    }
    if let Some(v) = c.max_length {
        rules.push(format!("at most {v} characters"));
    }
    rules.extend(c.minimum.map(Bound::lower_text));
    rules.extend(c.maximum.map(Bound::upper_text));
    if let Some(v) = c.min_items {
        rules.push(format!("at least {v} items"));
    }
    if let Some(v) = c.max_items {
        rules.push(format!("at most {v} items"));
    }
    if let Some(v) = &c.pattern {
        rules.push(format!(
            "pattern `{}`",
            v.replace('`', "'").replace('\n', " ")
        ));
    }
    if let Some(v) = &c.format {
        rules.push(format!("format `{}`", v.replace('`', "'")));
    }
    if !rules.is_empty() {
        parts.push(format!("Constraints: {}.", rules.join(", ")));
    }
    match f.presence {
        Presence::ReadOnly => parts.push("Read-only: set by the server and never sent.".into()),
        Presence::OptionalNullable => parts.push(
            "Optional and nullable: `None` leaves the field out, `Some(Nullable::Null)` sends `null`."
                .into(),
        ),
        _ => {}
    }
    if !f.aliases.is_empty() {
        let names: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
        parts.push(format!("Also read from {}.", names.join(", ")));
    }
    let ours = parts.join("\n\n");
    doc::paragraphs(&[spec, Para::Ours(&ours)])
}

/// A struct with `new()` and setters. `serde`: whether it travels as JSON
/// (derives and attributes); form APIs encode and decode through their own
/// generated code and skip serde, which makes them faster to compile.
pub fn emit_struct(api: &Api, t: &TypeDef, s: &Struct, serde: bool) -> TokenStream {
    let name = ident(&t.name);
    let docs = type_docs(t);
    let mut fields = Vec::new();
    let mut new_args = Vec::new();
    let mut new_inits = Vec::new();
    let mut setters = Vec::new();
    // `rename_all = "camelCase"` where it spares more renames than it costs.
    let plain_renames = s
        .fields
        .iter()
        .filter(|f| f.rust.as_str() != f.wire)
        .count();
    let camel_renames = s
        .fields
        .iter()
        .filter(|f| serde_camel_case(f.rust.as_str()) != f.wire)
        .count();
    let camel_case = serde && camel_renames < plain_renames;
    for f in &s.fields {
        let fname = ident(&f.rust);
        let fdoc = field_doc(f);
        let mut inner = rust_type(api, &f.ty);
        if f.boxed {
            inner = quote!(Box<#inner>);
        }
        let wire = &f.wire;
        let serde_name = if camel_case {
            serde_camel_case(f.rust.as_str())
        } else {
            f.rust.as_str().to_string()
        };
        let rename = (serde_name != *wire).then(|| quote!(rename = #wire,));
        let aliases = f.aliases.iter().map(|a| quote!(alias = #a,));
        // A missing `Option` field decodes as `None` without `default`.
        let (ty, attr) = match f.presence {
            Presence::Required => (inner.clone(), quote!()),
            Presence::Optional | Presence::RequiredWriteOnly => (
                quote!(Option<#inner>),
                quote!(skip_serializing_if = "Option::is_none",),
            ),
            Presence::RequiredNullable => (quote!(Option<#inner>), quote!()),
            Presence::OptionalNullable => (
                quote!(Option<runtime::Nullable<#inner>>),
                quote!(
                    default,
                    skip_serializing_if = "Option::is_none",
                    deserialize_with = "rt::deserialize_nullable",
                ),
            ),
            Presence::ReadOnly => (quote!(Option<#inner>), quote!(skip_serializing,)),
        };
        let serde_attr = {
            let all = quote!(#rename #(#aliases)* #attr);
            if all.is_empty() || !serde {
                quote!()
            } else {
                quote!(#[serde(#all)])
            }
        };
        fields.push(quote! { #fdoc #serde_attr pub #fname: #ty, });
        let (arg_ty, conv) = arg_type(api, &f.ty);
        let boxed = |v: TokenStream| if f.boxed { quote!(Box::new(#v)) } else { v };
        match f.presence {
            Presence::Required => {
                new_args.push(quote!(#fname: #arg_ty));
                if conv.is_empty() && !f.boxed {
                    new_inits.push(quote!(#fname,));
                } else {
                    let v = boxed(quote!(#fname #conv));
                    new_inits.push(quote!(#fname: #v,));
                }
            }
            Presence::RequiredNullable => {
                new_args.push(quote!(#fname: Option<#inner>));
                new_inits.push(quote!(#fname,));
            }
            Presence::RequiredWriteOnly => {
                new_args.push(quote!(#fname: #arg_ty));
                let v = boxed(quote!(#fname #conv));
                new_inits.push(quote!(#fname: Some(#v),));
            }
            Presence::ReadOnly => new_inits.push(quote!(#fname: None,)),
            Presence::Optional | Presence::OptionalNullable => {
                new_inits.push(quote!(#fname: None,));
                setters.push(setter_entry(
                    &f.rust,
                    &rust_type(api, &f.ty),
                    SetterMode {
                        into: !conv.is_empty(),
                        boxed: f.boxed,
                        nullable: f.presence == Presence::OptionalNullable,
                    },
                    &f.wire,
                ));
            }
        }
    }
    if let Some(extra) = &s.additional {
        let t = rust_type(api, extra);
        let flatten = serde.then(|| quote!(#[serde(flatten)]));
        fields.push(quote! {
            /// Properties not declared by the spec, kept as sent.
            #flatten
            pub additional: BTreeMap<String, #t>,
        });
        new_inits.push(quote!(additional: BTreeMap::new(),));
    }
    let defaultable = new_args.is_empty();
    let default = defaultable.then(|| quote!(, Default));
    let derives = if serde {
        let serde_crate = serde_crate();
        let rename_all = camel_case.then(|| quote!(#[serde(rename_all = "camelCase")]));
        quote!(#[derive(Debug, Clone, PartialEq #default, Serialize, Deserialize)] #serde_crate #rename_all)
    } else {
        quote!(#[derive(Debug, Clone, PartialEq #default)])
    };
    let new_doc = if defaultable {
        format!(" An empty `{name}`; set fields with the setters.")
    } else {
        format!(" A `{name}` with its required fields; set the others with the setters.")
    };
    // Through the trait: a property named `default` has a setter of that
    // name, which `Self::default()` would call.
    let body = if defaultable {
        quote!(::core::default::Default::default())
    } else {
        quote!(Self { #(#new_inits)* })
    };
    let setters = emit_setters(&t.name, setters);
    quote! {
        #docs
        #derives
        pub struct #name { #(#fields)* }

        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#new_args),*) -> Self { #body }
        }

        #setters
    }
}

/// How a setter takes and stores its value (see the runtime's `setters!`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SetterMode {
    /// Takes `impl Into<T>`.
    pub into: bool,
    /// Stored in a `Box`.
    pub boxed: bool,
    /// Stored as `Nullable::Value`.
    pub nullable: bool,
}

/// One entry of `rt::setters!`: `field: mode Type = "wire",`, where `ty`
/// is the field's type inside its `Option` (and `Nullable`, `Box`).
pub fn setter_entry(field: &Ident, ty: &TokenStream, mode: SetterMode, wire: &str) -> TokenStream {
    let fname = ident(field);
    let mode = match (mode.into, mode.boxed, mode.nullable) {
        (true, _, false) => "into",
        (true, _, true) => "into_null",
        (false, true, false) => "boxed",
        (false, true, true) => "boxed_null",
        (false, false, false) => "set",
        (false, false, true) => "null",
    };
    let mode = super::ty::word(mode);
    quote!(#fname: #mode #ty = #wire,)
}

/// The setters of type `name`, one line each, through the runtime's
/// `setters!` macro (an `impl` block with one documented method per entry).
pub fn emit_setters(name: &Ident, entries: Vec<TokenStream>) -> TokenStream {
    if entries.is_empty() {
        return TokenStream::new();
    }
    let name = ident(name);
    quote!(rt::setters!(#name { #(#entries)* });)
}

/// The wire name serde's `rename_all = "camelCase"` gives a field named
/// `field` (a raw identifier without its `r#`): each `_` dropped and the
/// letter after it upper-cased, the first letter lower-cased.
pub fn serde_camel_case(field: &str) -> String {
    let mut pascal = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => pascal,
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn required_fields_go_to_new_and_optional_ones_get_setters() {
        let mut api = api();
        let s = Struct {
            fields: vec![
                field("name", TypeRef::Prim(Prim::String), Presence::Required),
                field("price", TypeRef::Prim(Prim::I64), Presence::Optional),
                field("id", TypeRef::Prim(Prim::String), Presence::ReadOnly),
            ],
            additional: None,
        };
        let id = add(&mut api, "Product", TypeKind::Struct(s.clone()));
        assert_tokens(
            emit_struct(&api, api.ty(id), &s, true),
            quote! {
                /// `Product`.
                #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
                #[serde(crate = "::paygen_runtime::__private::serde")]
                pub struct Product {
                    /// `name`.
                    pub name: String,
                    /// `price`.
                    #[serde(skip_serializing_if = "Option::is_none")]
                    pub price: Option<i64>,
                    /// `id`.
                    ///
                    /// Read-only: set by the server and never sent.
                    #[serde(skip_serializing)]
                    pub id: Option<String>,
                }
                impl Product {
                    /// A `Product` with its required fields; set the others with the setters.
                    pub fn new(name: impl Into<String>) -> Self {
                        Self { name: name.into(), price: None, id: None, }
                    }
                }
                rt::setters!(Product { price: set i64 = "price", });
            },
        );
    }

    #[test]
    fn nullable_renamed_aliased_and_keyword_fields() {
        let mut api = api();
        let mut total = field(
            "total",
            TypeRef::Prim(Prim::I64),
            Presence::OptionalNullable,
        );
        total.rust = Ident::new("type");
        let mut url = field(
            "consentUrl",
            TypeRef::Prim(Prim::String),
            Presence::Optional,
        );
        url.aliases = vec!["redirectConsentURL".into()];
        let s = Struct {
            fields: vec![total, url],
            additional: Some(TypeRef::Any),
        };
        let id = add(&mut api, "Payment", TypeKind::Struct(s.clone()));
        assert_tokens(
            emit_struct(&api, api.ty(id), &s, true),
            quote! {
                /// `Payment`.
                #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
                #[serde(crate = "::paygen_runtime::__private::serde")]
                #[serde(rename_all = "camelCase")]
                pub struct Payment {
                    /// `total`.
                    ///
                    /// Optional and nullable: `None` leaves the field out, `Some(Nullable::Null)` sends `null`.
                    #[serde(rename = "total", default, skip_serializing_if = "Option::is_none", deserialize_with = "rt::deserialize_nullable",)]
                    pub r#type: Option<runtime::Nullable<i64>>,
                    /// `consentUrl`.
                    ///
                    /// Also read from `redirectConsentURL`.
                    #[serde(alias = "redirectConsentURL", skip_serializing_if = "Option::is_none",)]
                    pub consent_url: Option<String>,
                    /// Properties not declared by the spec, kept as sent.
                    #[serde(flatten)]
                    pub additional: BTreeMap<String, serde_json::Value>,
                }
                impl Payment {
                    /// An empty `Payment`; set fields with the setters.
                    pub fn new() -> Self { ::core::default::Default::default() }
                }
                rt::setters!(Payment {
                    r#type: null i64 = "total",
                    consent_url: into String = "consentUrl",
                });
            },
        );
    }

    #[test]
    fn a_bound_is_documented_as_inclusive_or_exclusive() {
        let mut share = field("share", TypeRef::Prim(Prim::F64), Presence::Optional);
        for (min, max, text) in [
            (
                Bound::Exclusive(0.0),
                Bound::Inclusive(1.0),
                "greater than 0, maximum 1",
            ),
            (
                Bound::Inclusive(0.0),
                Bound::Exclusive(1.0),
                "minimum 0, less than 1",
            ),
        ] {
            share.constraints.minimum = Some(min);
            share.constraints.maximum = Some(max);
            let doc = field_doc(&share).to_string();
            assert!(doc.contains(&format!("Constraints: {text}.")), "{doc}");
        }
    }

    #[test]
    fn camel_case_as_serde_writes_it() {
        assert_eq!(serde_camel_case("consent_url"), "consentUrl");
        assert_eq!(
            serde_camel_case("purchases_last6_months"),
            "purchasesLast6Months"
        );
        assert_eq!(serde_camel_case("type"), "type");
        assert_eq!(serde_camel_case("n_3ds"), "n3ds");
        assert_eq!(serde_camel_case("a__b_"), "aB");
    }

    #[test]
    fn form_structs_skip_serde() {
        let mut api = api();
        let s = Struct {
            fields: vec![field(
                "aid",
                TypeRef::Prim(Prim::String),
                Presence::Required,
            )],
            additional: None,
        };
        let id = add(&mut api, "Request", TypeKind::Struct(s.clone()));
        let tokens = emit_struct(&api, api.ty(id), &s, false);
        assert_contains(
            &tokens,
            &["#[derive(Debug, Clone, PartialEq)] pub struct Request"],
        );
        assert!(!tokens.to_string().contains("serde"), "{tokens}");
    }
}
