//! Model types → Rust items: structs with `new(required…)` and setters,
//! string enums with an `Unknown(String)` fallback, unions, aliases, and the
//! enums over response statuses.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};

pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The Rust type of a reference.
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Prim(p) => match p {
            Prim::String => quote!(String),
            Prim::Bool => quote!(bool),
            Prim::I32 => quote!(i32),
            Prim::I64 => quote!(i64),
            Prim::F64 => quote!(f64),
            Prim::DateTime => quote!(runtime::DateTime),
            Prim::Date => quote!(runtime::Date),
            Prim::Decimal => quote!(runtime::Decimal),
            Prim::CompactDate => quote!(runtime::CompactDate),
        },
        TypeRef::Named(n) => {
            let i = ident(n);
            quote!(#i)
        }
        TypeRef::Vec(t) => {
            let t = rust_type(t);
            quote!(Vec<#t>)
        }
        TypeRef::Map(t) => {
            let t = rust_type(t);
            quote!(BTreeMap<String, #t>)
        }
        TypeRef::Any => quote!(serde_json::Value),
        TypeRef::Object => quote!(serde_json::Map<String, serde_json::Value>),
    }
}

/// How a setter or constructor takes a value of `ty`, and how it is stored.
pub fn arg_type(ty: &TypeRef) -> (TokenStream, TokenStream) {
    match ty {
        TypeRef::Prim(Prim::String) => (quote!(impl Into<String>), quote!(.into())),
        _ => (rust_type(ty), quote!()),
    }
}

/// `serde`: whether the type travels as JSON (derives and attributes); form
/// APIs encode and decode through their own generated code and skip serde,
/// which makes their modules faster to compile.
pub fn emit_type(t: &TypeDef, serde: bool) -> TokenStream {
    let name = ident(&t.name);
    let fallback = format!("`{}`.", t.name);
    let docs = match &t.doc {
        Some(d) => doc::attrs(d),
        None => doc::paragraphs(&[Para::Ours(&fallback)]),
    };
    match &t.kind {
        TypeKind::Alias(target) => {
            let target = rust_type(target);
            quote! { #docs pub type #name = #target; }
        }
        TypeKind::Struct(s) => emit_struct(&name, docs, s, serde),
        TypeKind::Enum(e) => emit_enum(&name, docs, e, serde),
        TypeKind::Union(u) => emit_union(&name, docs, u),
    }
}

/// How a field is held, from its required/nullable/read-only flags.
enum Shape {
    /// Required: `T`, in `new()`.
    Plain,
    /// Optional: `Option<T>`, absent when `None`.
    Optional,
    /// Required but nullable: `Option<T>`, `None` sent as `null`, in `new()`.
    RequiredNullable,
    /// Optional and nullable: `Option<Nullable<T>>`.
    Tristate,
    /// Set by the server: `Option<T>`, never serialised.
    ReadOnly,
}

fn shape(f: &Field) -> Shape {
    match (f.read_only, f.required, f.nullable) {
        (true, _, _) => Shape::ReadOnly,
        (false, true, false) if f.write_only => Shape::Optional,
        (false, true, false) => Shape::Plain,
        (false, true, true) => Shape::RequiredNullable,
        (false, false, false) => Shape::Optional,
        (false, false, true) => Shape::Tristate,
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
    if let Some(v) = c.minimum {
        rules.push(format!("minimum {v}"));
    }
    if let Some(v) = c.maximum {
        rules.push(format!("maximum {v}"));
    }
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
    if f.read_only {
        parts.push("Read-only: set by the server and never sent.".into());
    } else if f.nullable && !f.required {
        parts.push("Optional and nullable: `None` leaves the field out, `Some(Nullable::Null)` sends `null`.".into());
    }
    let ours = parts.join("\n\n");
    doc::paragraphs(&[spec, Para::Ours(&ours)])
}

fn emit_struct(name: &Ident, docs: TokenStream, s: &Struct, serde: bool) -> TokenStream {
    let mut fields = Vec::new();
    let mut new_args = Vec::new();
    let mut new_inits = Vec::new();
    let mut setters = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.rust);
        let fdoc = field_doc(f);
        let mut inner = rust_type(&f.ty);
        if f.boxed {
            inner = quote!(Box<#inner>);
        }
        let wire = &f.wire;
        let rename =
            (crate::names::bare(&f.rust) != wire.as_str()).then(|| quote!(rename = #wire,));
        let (ty, attr) = match shape(f) {
            Shape::Plain => (inner.clone(), quote!()),
            Shape::Optional => (
                quote!(Option<#inner>),
                quote!(default, skip_serializing_if = "Option::is_none",),
            ),
            Shape::RequiredNullable => (quote!(Option<#inner>), quote!(default,)),
            Shape::Tristate => (
                quote!(Option<runtime::Nullable<#inner>>),
                quote!(
                    default,
                    skip_serializing_if = "Option::is_none",
                    deserialize_with = "rt::deserialize_nullable",
                ),
            ),
            Shape::ReadOnly => (quote!(Option<#inner>), quote!(default, skip_serializing,)),
        };
        let serde_attr = {
            let all = quote!(#rename #attr);
            if all.is_empty() || !serde {
                quote!()
            } else {
                quote!(#[serde(#all)])
            }
        };
        fields.push(quote! { #fdoc #serde_attr pub #fname: #ty, });
        let (arg_ty, conv) = arg_type(&f.ty);
        let boxed = |v: TokenStream| if f.boxed { quote!(Box::new(#v)) } else { v };
        match shape(f) {
            Shape::Plain => {
                new_args.push(quote!(#fname: #arg_ty));
                if conv.is_empty() && !f.boxed {
                    new_inits.push(quote!(#fname,));
                } else {
                    let v = boxed(quote!(#fname #conv));
                    new_inits.push(quote!(#fname: #v,));
                }
            }
            Shape::RequiredNullable => {
                new_args.push(quote!(#fname: Option<#inner>));
                new_inits.push(quote!(#fname,));
            }
            Shape::ReadOnly => new_inits.push(quote!(#fname: None,)),
            Shape::Optional | Shape::Tristate => {
                let required_write_only = f.required && f.write_only;
                let v = boxed(quote!(value #conv));
                let stored = if matches!(shape(f), Shape::Tristate) {
                    quote!(Some(runtime::Nullable::Value(#v)))
                } else {
                    quote!(Some(#v))
                };
                if required_write_only {
                    new_args.push(quote!(#fname: #arg_ty));
                    let v = boxed(quote!(#fname #conv));
                    new_inits.push(quote!(#fname: Some(#v),));
                } else {
                    new_inits.push(quote!(#fname: None,));
                    let sdoc = format!(" Sets `{}`.", f.wire);
                    setters.push(quote! {
                        #[doc = #sdoc]
                        pub fn #fname(mut self, value: #arg_ty) -> Self {
                            self.#fname = #stored;
                            self
                        }
                    });
                }
            }
        }
    }
    if let Some(extra) = &s.additional {
        let t = rust_type(extra);
        let flatten = serde.then(|| quote!(#[serde(flatten)]));
        fields.push(quote! {
            /// Properties not declared by the spec, kept as sent.
            #flatten
            pub additional: BTreeMap<String, #t>,
        });
        new_inits.push(quote!(additional: BTreeMap::new(),));
    }
    let defaultable = new_args.is_empty();
    let serde_derives = serde.then(|| quote!(Serialize, Deserialize));
    let serde_crate = serde.then(serde_crate);
    let derives = if defaultable {
        quote!(#[derive(Debug, Clone, PartialEq, Default, #serde_derives)] #serde_crate)
    } else {
        quote!(#[derive(Debug, Clone, PartialEq, #serde_derives)] #serde_crate)
    };
    let new_doc = if defaultable {
        format!(" An empty `{name}`; set fields with the setters.")
    } else {
        format!(" A `{name}` with its required fields; set the others with the setters.")
    };
    let body = if defaultable {
        quote!(Self::default())
    } else {
        quote!(Self { #(#new_inits)* })
    };
    quote! {
        #docs
        #derives
        pub struct #name { #(#fields)* }

        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#new_args),*) -> Self { #body }
            #(#setters)*
        }
    }
}

fn emit_enum(name: &Ident, docs: TokenStream, e: &Enum, serde: bool) -> TokenStream {
    let serde_impls = serde.then(|| {
        quote! {
            impl Serialize for #name {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }

            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                    Ok(Self::from(s.as_ref()))
                }
            }
        }
    });
    let variants: Vec<Ident> = e.variants.iter().map(|v| ident(&v.rust)).collect();
    let wires: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
    let vdocs: Vec<String> = e
        .variants
        .iter()
        .map(|v| format!(" `{}`", v.wire.replace('`', "'")))
        .collect();
    quote! {
        #docs
        ///
        /// Values this client does not know decode as `Unknown`, so a new
        /// value from the provider never breaks decoding.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #[doc = #vdocs] #variants, )*
            /// A value not listed in the spec, kept as sent.
            Unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for #name {
            fn from(s: &str) -> Self {
                match s {
                    #( #wires => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl runtime::StringEnum for #name {
            fn as_str(&self) -> &str {
                #name::as_str(self)
            }

            fn from_wire(s: &str) -> Self {
                Self::from(s)
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #serde_impls
    }
}

fn emit_union(name: &Ident, docs: TokenStream, u: &Union) -> TokenStream {
    let serde_crate = serde_crate();
    let variants: Vec<Ident> = u.variants.iter().map(|v| ident(&v.rust)).collect();
    let types: Vec<TokenStream> = u.variants.iter().map(|v| rust_type(&v.ty)).collect();
    let vdocs: Vec<String> = u
        .variants
        .iter()
        .map(|v| format!(" The `{}` form.", v.rust))
        .collect();
    match &u.discriminator {
        None => quote! {
            #docs
            ///
            /// Decoding tries each form in order and takes the first that fits.
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #serde_crate
            #[serde(untagged)]
            #[allow(clippy::large_enum_variant)]
            pub enum #name {
                #( #[doc = #vdocs] #variants(#types), )*
            }
        },
        Some(d) => {
            let prop = &d.property;
            let arms = u.variants.iter().zip(&variants).filter(|(v, _)| !v.tags.is_empty()).map(|(v, var)| {
                let tags = &v.tags;
                quote!( #( #tags )|* => serde_json::from_value(value).map(Self::#var).map_err(serde::de::Error::custom), )
            });
            let udoc =
                format!(" Chosen by the `{prop}` property; an unknown value decodes as `Unknown`.");
            quote! {
                #docs
                ///
                #[doc = #udoc]
                #[derive(Debug, Clone, PartialEq, Serialize)]
                #serde_crate
                #[serde(untagged)]
                #[allow(clippy::large_enum_variant)]
                pub enum #name {
                    #( #[doc = #vdocs] #variants(#types), )*
                    /// A form this client does not know, kept as sent.
                    Unknown(serde_json::Value),
                }

                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        let value = serde_json::Value::deserialize(d)?;
                        let tag = value.get(#prop).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
                        match tag.as_str() {
                            #( #arms )*
                            _ => Ok(Self::Unknown(value)),
                        }
                    }
                }
            }
        }
    }
}

/// Derives reach serde through the runtime, so the crate holding generated
/// code needs no serde dependency of its own.
fn serde_crate() -> TokenStream {
    quote!(#[serde(crate = "::paygen_runtime::__private::serde")])
}

/// An enum with one variant per documented status, and its decoder.
pub fn emit_status_enum(
    name: &str,
    doc_text: &str,
    variants: &[StatusVariant],
    for_errors: bool,
) -> TokenStream {
    let name = ident(name);
    let docs = doc::attrs(doc_text);
    let mut defs = Vec::new();
    let mut exact = Vec::new();
    let mut ranges = Vec::new();
    let mut fallback = quote!(_ => None,);
    for v in variants {
        let var = ident(&v.rust);
        let vdoc = doc::paragraphs(&[
            Para::Ours(&status_label(v.status)),
            Para::Spec(v.doc.as_deref()),
        ]);
        let (def, make) = match &v.ty {
            Some(t) => {
                let t = rust_type(t);
                (
                    quote!(#vdoc #var(#t),),
                    quote!(serde_json::from_slice(body).ok().map(Self::#var)),
                )
            }
            None => (quote!(#vdoc #var,), quote!(Some(Self::#var))),
        };
        defs.push(def);
        match v.status {
            StatusMatch::Code(c) => exact.push(quote!(#c => #make,)),
            StatusMatch::Range(r) => {
                let r = r as u16;
                ranges.push(quote!(s if s / 100 == #r => #make,))
            }
            StatusMatch::Default => fallback = quote!(_ => #make,),
        }
    }
    let body_arg = if variants.iter().any(|v| v.ty.is_some()) {
        quote!(body)
    } else {
        quote!(_body)
    };
    let decode_doc = if for_errors {
        " Decodes the body of an error response; `None` when it does not match."
    } else {
        " Decodes the body of a successful response; `None` when it does not match."
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name { #(#defs)* }

        impl #name {
            #[doc = #decode_doc]
            pub fn decode(status: u16, #body_arg: &[u8]) -> Option<Self> {
                match status {
                    #(#exact)*
                    #(#ranges)*
                    #fallback
                }
            }
        }
    }
}

pub fn status_label(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => format!("HTTP {c}."),
        StatusMatch::Range(r) => format!("Any HTTP {r}xx status."),
        StatusMatch::Default => "Any other status.".to_string(),
    }
}
