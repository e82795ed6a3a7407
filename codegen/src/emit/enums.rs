//! A string enum: one variant per spec value and an `Unknown(String)`
//! fallback. Its impls (`as_str`, `From<&str>`, `Display`, serde) are said
//! once, by the runtime's `string_enum!` macro.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc;
use super::structs::type_docs;
use super::ty::ident;

pub fn emit_enum(t: &TypeDef, e: &Enum) -> TokenStream {
    let name = ident(&t.name);
    let docs = type_docs(t);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.rust)).collect();
    let wires: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
    let vdocs: Vec<String> = e
        .variants
        .iter()
        .map(|v| match &v.doc {
            Some(d) => format!(" `{}`: {}", v.wire.replace('`', "'"), doc::inline(d)),
            None => format!(" `{}`", v.wire.replace('`', "'")),
        })
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

        rt::string_enum!(#name { #( #variants = #wires, )* });
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn variants_and_the_fallback_with_impls_from_the_runtime() {
        let mut api = api();
        let e = Enum {
            variants: vec![
                EnumVariant {
                    wire: "EUR".into(),
                    rust: Ident::new("Eur"),
                    doc: None,
                },
                EnumVariant {
                    wire: "type".into(),
                    rust: Ident::new("Type"),
                    doc: Some("A keyword on the wire.".into()),
                },
            ],
        };
        let id = add(&mut api, "Currency", TypeKind::Enum(e.clone()));
        assert_tokens(
            emit_enum(api.ty(id), &e),
            quote! {
                /// `Currency`.
                ///
                /// Values this client does not know decode as `Unknown`, so a new
                /// value from the provider never breaks decoding.
                #[derive(Debug, Clone, PartialEq, Eq, Hash)]
                pub enum Currency {
                    /// `EUR`
                    Eur,
                    /// `type`: A keyword on the wire.
                    Type,
                    /// A value not listed in the spec, kept as sent.
                    Unknown(String),
                }
                rt::string_enum!(Currency { Eur = "EUR", Type = "type", });
            },
        );
    }
}
