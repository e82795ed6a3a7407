//! The struct holding an operation's query and header parameters.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::structs::{emit_setters, setter_entry, SetterMode};
use super::ty::{arg_type, ident, rust_type};

pub fn emit_params(api: &Api, op: &Operation, name: &Ident) -> TokenStream {
    let sname = ident(name);
    let mut fields = Vec::new();
    let mut new_args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for p in op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
    {
        let pn = ident(&p.rust);
        let t = rust_type(api, &p.ty);
        let (arg_ty, conv) = arg_type(api, &p.ty);
        let loc = if p.location == ParamLocation::Header {
            "header"
        } else {
            "query parameter"
        };
        let d = doc::paragraphs(&[
            Para::Spec(p.doc.as_deref()),
            Para::Ours(&format!("Sent as the {loc} `{}`.", p.wire)),
        ]);
        if p.required {
            fields.push(quote!(#d pub #pn: #t,));
            new_args.push(quote!(#pn: #arg_ty));
            inits.push(if conv.is_empty() {
                quote!(#pn,)
            } else {
                quote!(#pn: #pn #conv,)
            });
        } else {
            fields.push(quote!(#d pub #pn: Option<#t>,));
            inits.push(quote!(#pn: None,));
            let mode = SetterMode {
                into: !conv.is_empty(),
                ..SetterMode::default()
            };
            setters.push(setter_entry(&p.rust, &t, mode, &p.wire));
        }
    }
    let setters = emit_setters(name, setters);
    let doc_text = format!(" Query and header parameters of `{}`.", op.name);
    let (derives, body) = if new_args.is_empty() {
        (
            quote!(#[derive(Debug, Clone, PartialEq, Default)]),
            // Through the trait: a parameter named `default` has a setter.
            quote!(::core::default::Default::default()),
        )
    } else {
        (
            quote!(#[derive(Debug, Clone, PartialEq)]),
            quote!(Self { #(#inits)* }),
        )
    };
    quote! {
        #[doc = #doc_text]
        #derives
        pub struct #sname { #(#fields)* }

        impl #sname {
            /// The parameters, with the required ones given.
            pub fn new(#(#new_args),*) -> Self { #body }
        }

        #setters
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn required_parameters_in_new_optional_ones_as_setters() {
        let api = api();
        let op = Operation {
            id: "listOrders".into(),
            name: Ident::new("list_orders"),
            type_name: Ident::new("ListOrders"),
            method: Method::Get,
            path_template: "/orders".into(),
            path: vec![PathSegment::Literal("/orders".into())],
            summary: None,
            doc: None,
            deprecated: false,
            params: vec![
                Param {
                    wire: "currency".into(),
                    rust: Ident::new("currency"),
                    location: ParamLocation::Query,
                    required: true,
                    ty: TypeRef::Prim(Prim::String),
                    style: ParamStyle::Form,
                    doc: None,
                },
                Param {
                    wire: "X-Request-Id".into(),
                    rust: Ident::new("x_request_id"),
                    location: ParamLocation::Header,
                    required: false,
                    ty: TypeRef::Prim(Prim::String),
                    style: ParamStyle::Form,
                    doc: Some("Echoed back.".into()),
                },
            ],
            params_type: Some(Ident::new("ListOrdersParams")),
            body: None,
            fresh_token: false,
            wire: OperationWire::Json(JsonOperation {
                responses: Vec::new(),
                success: Success::Empty,
                error: ErrorType::None,
            }),
        };
        assert_tokens(
            emit_params(&api, &op, &Ident::new("ListOrdersParams")),
            quote! {
                /// Query and header parameters of `list_orders`.
                #[derive(Debug, Clone, PartialEq)]
                pub struct ListOrdersParams {
                    /// Sent as the query parameter `currency`.
                    pub currency: String,
                    /// Echoed back.
                    ///
                    /// Sent as the header `X-Request-Id`.
                    pub x_request_id: Option<String>,
                }
                impl ListOrdersParams {
                    /// The parameters, with the required ones given.
                    pub fn new(currency: impl Into<String>) -> Self {
                        Self { currency: currency.into(), x_request_id: None, }
                    }
                }
                rt::setters!(ListOrdersParams { x_request_id: into String = "X-Request-Id", });
            },
        );
    }
}
