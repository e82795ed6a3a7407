//! A method that polls an operation until its status field is final.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::operation::{error_parts, path_args};
use super::ty::{body_type, ident};

pub fn emit_poll(api: &Api, p: &Poll) -> TokenStream {
    let op = api.op(p.operation);
    // The loader checks that the polled operation answers one struct.
    let OperationWire::Json(j) = &op.wire else {
        return TokenStream::new();
    };
    let Success::Single { body, .. } = &j.success else {
        return TokenStream::new();
    };
    let t = body_type(api, body);
    let (err_ty, _) = error_parts(api, j);
    let name = ident(&p.name);
    let method = ident(&op.name);
    let field = ident(&p.field);
    let op_id = op.name.as_str();
    let (args, names) = path_args(api, op);
    let terminal = &p.terminal;
    let listed = terminal
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let docs = doc::paragraphs(&[
        Para::Spec(p.doc.as_deref()),
        Para::Ours(&format!(
            "Calls [`Client::{op_id}`] every `options.interval` until `{}` is one of {listed}, and\n\
             returns that answer; each change of status is a `tracing` event. After\n\
             `options.timeout` it returns [`runtime::PollError::Timeout`] with the last answer\n\
             seen. Dropping the future stops the polling.",
            p.field.as_str()
        )),
    ]);
    quote! {
        #docs
        pub async fn #name(&self, #(#args,)* options: runtime::PollOptions) -> Result<#t, runtime::PollError<#t, #err_ty>> {
            fn status_of(answer: &#t) -> Option<&str> {
                answer.#field.as_ref().map(rt::StatusText::status_text)
            }
            rt::poll_until(#op_id, options, &[#(#terminal),*], status_of, || self.#method(#(#names),*)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn polls_the_operation_with_its_path_arguments() {
        let mut api = api();
        let status = add(
            &mut api,
            "PaymentStatus",
            TypeKind::Struct(Struct {
                fields: vec![field(
                    "status",
                    TypeRef::Prim(Prim::String),
                    Presence::Optional,
                )],
                additional: None,
            }),
        );
        api.operations.push(Operation {
            id: "getPaymentStatus".into(),
            name: Ident::new("get_payment_status"),
            type_name: Ident::new("GetPaymentStatus"),
            method: Method::Get,
            path_template: "/payments/{id}".into(),
            path: vec![
                PathSegment::Literal("/payments/".into()),
                PathSegment::Param(0),
            ],
            summary: None,
            doc: None,
            deprecated: false,
            params: vec![Param {
                wire: "id".into(),
                rust: Ident::new("id"),
                location: ParamLocation::Path,
                required: true,
                ty: TypeRef::Prim(Prim::String),
                style: ParamStyle::Form,
                doc: None,
            }],
            params_type: None,
            body: None,
            fresh_token: false,
            wire: OperationWire::Json(JsonOperation {
                responses: Vec::new(),
                success: Success::Single {
                    body: BodyType::Value(TypeRef::Named(status)),
                    optional: false,
                },
                error: ErrorType::None,
            }),
        });
        let p = Poll {
            name: Ident::new("wait_for_final_status"),
            operation: OperationId(0),
            field: Ident::new("status"),
            terminal: vec!["DONE".into(), "FAILED".into()],
            doc: None,
        };
        let text = emit_poll(&api, &p);
        assert_contains(
            &text,
            &[
            "pub async fn wait_for_final_status (& self , id : & str , options : runtime :: PollOptions)",
            "-> Result < PaymentStatus , runtime :: PollError < PaymentStatus , () > >",
            "rt :: poll_until (\"get_payment_status\" , options , & [\"DONE\" , \"FAILED\"] , status_of , | | self . get_payment_status (id)) . await",
            ],
        );
    }
}
