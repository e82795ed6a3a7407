//! A union (`oneOf`/`anyOf`): untagged, or dispatched on a discriminator
//! property with an `Unknown` fallback.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::structs::{serde_crate, type_docs};
use super::ty::{ident, rust_type};

pub fn emit_union(api: &Api, t: &TypeDef, u: &Union) -> TokenStream {
    let name = ident(&t.name);
    let docs = type_docs(t);
    let serde_crate = serde_crate();
    let variants: Vec<_> = u.variants.iter().map(|v| ident(&v.rust)).collect();
    let types: Vec<TokenStream> = u.variants.iter().map(|v| rust_type(api, &v.ty)).collect();
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
        Some(prop) => {
            let arms = u
                .variants
                .iter()
                .zip(&variants)
                .filter(|(v, _)| !v.tags.is_empty())
                .map(|(v, var)| {
                    let tags = &v.tags;
                    quote!( #( #tags )|* => rt::from_value(value).map(Self::#var), )
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
                        match rt::tag_of(&value, #prop) {
                            #( #arms )*
                            _ => Ok(Self::Unknown(value)),
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn a_discriminated_union_dispatches_on_its_tag() {
        let mut api = api();
        let card = add(&mut api, "Card", TypeKind::Struct(Struct::default()));
        let u = Union {
            variants: vec![UnionVariant {
                rust: Ident::new("Card"),
                ty: TypeRef::Named(card),
                tags: vec!["card".into(), "scheme".into()],
            }],
            discriminator: Some("type".into()),
        };
        let id = add(&mut api, "Method", TypeKind::Union(u.clone()));
        assert_tokens(
            emit_union(&api, api.ty(id), &u),
            quote! {
                /// `Method`.
                ///
                /// Chosen by the `type` property; an unknown value decodes as `Unknown`.
                #[derive(Debug, Clone, PartialEq, Serialize)]
                #[serde(crate = "::paygen_runtime::__private::serde")]
                #[serde(untagged)]
                #[allow(clippy::large_enum_variant)]
                pub enum Method {
                    /// The `Card` form.
                    Card(Card),
                    /// A form this client does not know, kept as sent.
                    Unknown(serde_json::Value),
                }
                impl<'de> Deserialize<'de> for Method {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        let value = serde_json::Value::deserialize(d)?;
                        match rt::tag_of(&value, "type") {
                            "card" | "scheme" => rt::from_value(value).map(Self::Card),
                            _ => Ok(Self::Unknown(value)),
                        }
                    }
                }
            },
        );
    }

    #[test]
    fn an_untagged_union_tries_each_form() {
        let mut api = api();
        let u = Union {
            variants: vec![
                UnionVariant {
                    rust: Ident::new("Integer"),
                    ty: TypeRef::Prim(Prim::I64),
                    tags: Vec::new(),
                },
                UnionVariant {
                    rust: Ident::new("String"),
                    ty: TypeRef::Prim(Prim::String),
                    tags: Vec::new(),
                },
            ],
            discriminator: None,
        };
        let id = add(&mut api, "Amount", TypeKind::Union(u.clone()));
        let text = emit_union(&api, api.ty(id), &u).to_string();
        assert!(text.contains("# [serde (untagged)]"), "{text}");
        assert!(
            text.contains("Integer (i64) , # [doc = \" The `String` form.\"] String (String)"),
            "{text}"
        );
    }
}
