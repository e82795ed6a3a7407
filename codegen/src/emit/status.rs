//! An enum over response statuses (the error responses shared by some
//! operations, or the several success bodies of one), with its decoder.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::ty::{body_type, ident};

pub fn emit_status_enum(api: &Api, t: &TypeDef, e: &StatusEnum) -> TokenStream {
    let name = ident(&t.name);
    let doc_text = t.doc.clone().unwrap_or_else(|| {
        if e.errors {
            "Error responses, by status.".to_string()
        } else {
            "Successful responses, by status.".to_string()
        }
    });
    let docs = doc::attrs(&doc_text);
    let mut defs = Vec::new();
    let mut exact = Vec::new();
    let mut ranges = Vec::new();
    let mut fallback = quote!(_ => None,);
    for v in &e.variants {
        let var = ident(&v.rust);
        let vdoc = doc::paragraphs(&[
            Para::Ours(&status_label(v.status)),
            Para::Spec(v.doc.as_deref()),
        ]);
        let (def, make) = match &v.body {
            Some(b) => {
                let t = body_type(api, b);
                let make = match b {
                    BodyType::Value(_) => quote!(rt::decode_body(body).map(Self::#var)),
                    BodyType::Bytes => {
                        quote!(Some(Self::#var(runtime::Bytes::copy_from_slice(body))))
                    }
                    BodyType::Text => {
                        quote!(Some(Self::#var(String::from_utf8_lossy(body).into_owned())))
                    }
                };
                (quote!(#vdoc #var(#t),), make)
            }
            None => (quote!(#vdoc #var,), quote!(Some(Self::#var))),
        };
        defs.push(def);
        match v.status {
            StatusMatch::Code(c) => exact.push(quote!(#c => #make,)),
            StatusMatch::Range(r) => {
                let r = u16::from(r);
                ranges.push(quote!(s if s / 100 == #r => #make,))
            }
            StatusMatch::Default => fallback = quote!(_ => #make,),
        }
    }
    let body_arg = if e.variants.iter().any(|v| v.body.is_some()) {
        quote!(body)
    } else {
        quote!(_body)
    };
    let decode_doc = if e.errors {
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

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn exact_codes_then_ranges_then_the_default() {
        let mut api = api();
        let body = add(&mut api, "FieldErrors", TypeKind::Struct(Struct::default()));
        let e = StatusEnum {
            errors: true,
            variants: vec![
                StatusVariant {
                    rust: Ident::new("BadRequest"),
                    status: StatusMatch::Code(400),
                    body: Some(BodyType::Value(TypeRef::Named(body))),
                    doc: Some("Invalid data.".into()),
                },
                StatusVariant {
                    rust: Ident::new("NotFound"),
                    status: StatusMatch::Code(404),
                    body: None,
                    doc: None,
                },
                StatusVariant {
                    rust: Ident::new("Status5xx"),
                    status: StatusMatch::Range(5),
                    body: Some(BodyType::Text),
                    doc: None,
                },
            ],
        };
        let id = add(
            &mut api,
            "BadRequestNotFoundStatus5xxError",
            TypeKind::Status(e.clone()),
        );
        assert_tokens(
            emit_status_enum(&api, api.ty(id), &e),
            quote! {
                /// Error responses, by status.
                #[derive(Debug, Clone, PartialEq)]
                #[allow(clippy::large_enum_variant)]
                pub enum BadRequestNotFoundStatus5xxError {
                    /// HTTP 400.
                    ///
                    /// Invalid data.
                    BadRequest(FieldErrors),
                    /// HTTP 404.
                    NotFound,
                    /// Any HTTP 5xx status.
                    Status5xx(String),
                }
                impl BadRequestNotFoundStatus5xxError {
                    /// Decodes the body of an error response; `None` when it does not match.
                    pub fn decode(status: u16, body: &[u8]) -> Option<Self> {
                        match status {
                            400u16 => rt::decode_body(body).map(Self::BadRequest),
                            404u16 => Some(Self::NotFound),
                            s if s / 100 == 5u16 => Some(Self::Status5xx(String::from_utf8_lossy(body).into_owned())),
                            _ => None,
                        }
                    }
                }
            },
        );
    }
}
