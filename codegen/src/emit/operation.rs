//! A JSON operation: its `Client` method, and the items named after it (the
//! parameter struct, the alias of its error enum).

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::params::emit_params;
use super::ty::{body_type, ident, rust_type};

/// The error type of an operation as written in its signature, and the
/// decoder the method hands to `Response::error`.
pub fn error_parts(api: &Api, j: &JsonOperation) -> (TokenStream, TokenStream) {
    match &j.error {
        ErrorType::None => (quote!(()), quote!(rt::decode_none)),
        ErrorType::Single(t) => {
            let t = rust_type(api, t);
            (quote!(#t), quote!(rt::decode_json::<#t>))
        }
        ErrorType::Enum { ty, alias } => {
            let n = ident(alias.as_ref().unwrap_or(api.name(*ty)));
            (quote!(#n), quote!(#n::decode))
        }
    }
}

/// Whether a parameter of this type has a direct `ParamValue` (scalars,
/// string enums, lists of them).
fn simple(api: &Api, ty: &TypeRef) -> bool {
    match super::ty::unalias(api, ty) {
        TypeRef::Prim(p) => !matches!(p, Prim::Bytes | Prim::Decimal | Prim::CompactDate),
        TypeRef::Named(id) => matches!(api.ty(*id).kind, TypeKind::Enum(_)),
        TypeRef::Vec(inner) => {
            matches!(**inner, TypeRef::Prim(_) | TypeRef::Named(_)) && simple(api, inner)
        }
        _ => false,
    }
}

/// The `Accept` header of an operation that answers with something other
/// than JSON (Intercom's text transcript, Okta's SAML metadata as XML, a
/// PDF): the media types its responses document, successes first. `None`
/// keeps the client's `application/json`, which a strict server would
/// answer with 406 here.
fn accept(j: &JsonOperation) -> Option<String> {
    let not_json = |r: &&Response| matches!(r.body, Some(BodyType::Bytes | BodyType::Text));
    if !j
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .any(|r| not_json(&r))
    {
        return None;
    }
    let (success, other): (Vec<&Response>, Vec<&Response>) =
        j.responses.iter().partition(|r| r.status.is_success());
    let mut types: Vec<&str> = Vec::new();
    for media in success
        .into_iter()
        .chain(other)
        .filter_map(|r| r.media.as_deref())
    {
        if !types.contains(&media) {
            types.push(media);
        }
    }
    Some(types.join(", "))
}

/// How a path parameter is taken, and how it becomes a segment.
fn path_arg(api: &Api, p: &Param) -> (TokenStream, TokenStream) {
    let pn = ident(&p.rust);
    let wire = &p.wire;
    match &p.ty {
        TypeRef::Prim(Prim::I32) => (
            quote!(#pn: i32),
            quote!(req.segment(#wire, &#pn.to_string());),
        ),
        TypeRef::Prim(Prim::I64) => (
            quote!(#pn: i64),
            quote!(req.segment(#wire, &#pn.to_string());),
        ),
        TypeRef::Named(id) if matches!(api.ty(*id).kind, TypeKind::Enum(_)) => {
            let t = ident(api.name(*id));
            (quote!(#pn: &#t), quote!(req.segment(#wire, #pn.as_str());))
        }
        _ => (quote!(#pn: &str), quote!(req.segment(#wire, #pn);)),
    }
}

/// The argument list a method takes for the path parameters of `op`, and
/// the names to pass them on with (used by polling helpers too).
pub fn path_args(api: &Api, op: &Operation) -> (Vec<TokenStream>, Vec<proc_macro2::Ident>) {
    op.params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| (path_arg(api, p).0, ident(&p.rust)))
        .unzip()
}

/// What an operation method returns (JSON and form APIs alike): a `Send`
/// future that borrows only the client. The method builds the request
/// before returning it, so the future holds no argument.
pub fn call_future(ok: &TokenStream, err: &TokenStream) -> TokenStream {
    quote!(impl ::core::future::Future<Output = Result<#ok, runtime::Error<#err>>> + Send + '_)
}

pub fn emit_method(api: &Api, op: &Operation, j: &JsonOperation) -> TokenStream {
    let name = ident(&op.name);
    let op_id = op.name.as_str();
    let method = ident(&Ident::new(op.method.as_str()));
    let (err_ty, decoder) = error_parts(api, j);
    // Tokens that serve one operation each: ask for a new one.
    let fresh = op.fresh_token.then(|| quote!(req.fresh_token();));

    // Arguments: path parameters, then the params struct, then the body.
    let mut args = Vec::new();
    let mut build = Vec::new();
    // The path as tracing records it (`/purchases/{id}/`), known now.
    let mut template = String::new();
    for seg in &op.path {
        match seg {
            PathSegment::Literal(s) => {
                template.push_str(s);
                build.push(quote!(req.path(#s);));
            }
            PathSegment::Param(i) => {
                template.push('{');
                template.push_str(&op.params[*i].wire);
                template.push('}');
                let (arg, push) = path_arg(api, &op.params[*i]);
                args.push(arg);
                build.push(push);
            }
        }
    }
    if let Some(pt) = &op.params_type {
        let pt = ident(pt);
        args.push(quote!(params: #pt));
        for p in op
            .params
            .iter()
            .filter(|p| p.location != ParamLocation::Path)
        {
            let pn = ident(&p.rust);
            build.push(match (p.location, p.style) {
                (ParamLocation::Header, _) => {
                    let wire = p.wire.to_ascii_lowercase();
                    if simple(api, &p.ty) {
                        quote!(req.header(#wire, &params.#pn);)
                    } else {
                        quote!(req.header_value(#wire, &params.#pn);)
                    }
                }
                (_, ParamStyle::Form) if simple(api, &p.ty) => {
                    let wire = &p.wire;
                    quote!(req.query(#wire, &params.#pn);)
                }
                (_, style) => {
                    let wire = &p.wire;
                    let style = ident(&Ident::new(format!("{style:?}")));
                    quote!(req.query_value(#wire, &params.#pn, rt::ParamStyle::#style);)
                }
            });
        }
    }
    if let Some(body) = &op.body {
        let bt = body_type(api, &body.ty);
        let media = &body.media_type;
        // `b` borrows the body (encoders read it); `owned` is the value a raw
        // body is sent as.
        let encode = |b: TokenStream, owned: TokenStream| match (body.encoding, &body.ty) {
            // A vendor JSON type (`application/vnd.x+json`) is sent as
            // named; a wildcard (`*/*`) as plain JSON.
            (BodyEncoding::Json, _) if media != "application/json" && !media.contains('*') => {
                quote!(req.json_as(#b, #media);)
            }
            (BodyEncoding::Json, _) => quote!(req.json(#b);),
            (BodyEncoding::Form, _) if !body.form_styles.is_empty() => {
                let styles = body.form_styles.iter().map(|(wire, style)| {
                    let style = ident(&Ident::new(format!("{style:?}")));
                    quote!((#wire, rt::ParamStyle::#style))
                });
                quote!(req.form_styled(#b, &[#(#styles),*]);)
            }
            (BodyEncoding::Form, _) => quote!(req.form(#b);),
            (BodyEncoding::Multipart, _) => quote!(req.multipart(#b);),
            (BodyEncoding::Bytes, BodyType::Text) => {
                quote!(req.raw_body(runtime::Bytes::from(#owned), #media);)
            }
            (BodyEncoding::Bytes, _) => quote!(req.raw_body(#owned, #media);),
        };
        if body.required {
            args.push(quote!(body: #bt));
            build.push(encode(quote!(&body), quote!(body)));
        } else {
            args.push(quote!(body: Option<#bt>));
            let e = encode(quote!(body), quote!(body.clone()));
            build.push(quote!(if let Some(body) = &body { #e }));
        }
    }
    if let Some(accept) = accept(j) {
        build.push(quote!(req.accept(#accept);));
    }
    let decode_single = |b: &BodyType| match b {
        BodyType::Value(_) => quote!(resp.json()),
        BodyType::Bytes => quote!(Ok(resp.bytes())),
        BodyType::Text => quote!(Ok(resp.text())),
    };
    let (ret, handle) = match &j.success {
        Success::Empty => (
            quote!(()),
            quote!(s if (200..300).contains(&s) => resp.empty(),),
        ),
        Success::Single {
            body,
            optional: false,
        } => {
            let t = body_type(api, body);
            let d = decode_single(body);
            (t, quote!(s if (200..300).contains(&s) => #d,))
        }
        Success::Single {
            body,
            optional: true,
        } => {
            let t = body_type(api, body);
            let d = decode_single(body);
            (
                quote!(Option<#t>),
                quote!(s if (200..300).contains(&s) => if resp.body.is_empty() { Ok(None) } else { #d.map(Some) },),
            )
        }
        Success::Enum(id) => {
            let n = ident(api.name(*id));
            (
                quote!(#n),
                quote!(s if (200..300).contains(&s) => match #n::decode(s, &resp.body) {
                    Some(v) => Ok(v),
                    None => Err(resp.unexpected()),
                },),
            )
        }
    };
    let route = format!("`{} {}`", op.method.as_str(), op.path_template);
    let errors = match &j.error {
        ErrorType::None => {
            "Errors carry the raw body only: the spec documents no error body.".to_string()
        }
        ErrorType::Single(_) => format!("Error bodies decode as `{err_ty}`."),
        ErrorType::Enum { .. } => format!("Error bodies decode as [`{err_ty}`] by status."),
    };
    let docs = doc::paragraphs(&[
        Para::Spec(op.summary.as_deref()),
        Para::Spec(op.doc.as_deref()),
        Para::Ours(&route),
        Para::Ours(&errors),
    ]);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let returns = call_future(&ret, &err_ty);
    quote! {
        #docs
        #deprecated
        pub fn #name(&self, #(#args),*) -> #returns {
            let mut req = rt::Request::templated(#op_id, rt::Method::#method, #template);
            #fresh
            #(#build)*
            rt::reply(self.transport.send(req), |resp| match resp.status {
                #handle
                _ => Err(resp.error(#decoder)),
            })
        }
    }
}

/// The parameter struct and the error alias named after the operation.
pub fn emit_operation_items(api: &Api, op: &Operation) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(pt) = &op.params_type {
        out.extend(emit_params(api, op, pt));
    }
    if let OperationWire::Json(JsonOperation {
        error: ErrorType::Enum {
            ty,
            alias: Some(alias),
        },
        ..
    }) = &op.wire
    {
        let n = ident(alias);
        let target = api.name(*ty);
        let t = ident(target);
        let d = format!(
            " Errors of `{}`, by status (the same responses as other operations share in [`{target}`]).",
            op.name
        );
        out.extend(quote! { #[doc = #d] pub type #n = #t; });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    fn op(params: Vec<Param>, body: Option<Body>, j: JsonOperation) -> Operation {
        Operation {
            id: "getPurchase".into(),
            name: Ident::new("get_purchase"),
            type_name: Ident::new("GetPurchase"),
            method: Method::Get,
            path_template: "/purchases/{id}/".into(),
            path: vec![
                PathSegment::Literal("/purchases/".into()),
                PathSegment::Param(0),
                PathSegment::Literal("/".into()),
            ],
            summary: Some("Read a purchase.".into()),
            doc: None,
            deprecated: false,
            params,
            params_type: None,
            body,
            fresh_token: false,
            wire: OperationWire::Json(j),
        }
    }

    fn id_param() -> Param {
        Param {
            wire: "id".into(),
            rust: Ident::new("id"),
            location: ParamLocation::Path,
            required: true,
            ty: TypeRef::Prim(Prim::String),
            style: ParamStyle::Form,
            doc: None,
        }
    }

    #[test]
    fn a_get_with_a_path_parameter_and_a_shared_error_enum() {
        let mut api = api();
        let purchase = add(&mut api, "Purchase", TypeKind::Struct(Struct::default()));
        let errors = add(
            &mut api,
            "BadRequestNotFoundError",
            TypeKind::Status(StatusEnum {
                errors: true,
                variants: Vec::new(),
            }),
        );
        let j = JsonOperation {
            responses: Vec::new(),
            success: Success::Single {
                body: BodyType::Value(TypeRef::Named(purchase)),
                optional: false,
            },
            error: ErrorType::Enum {
                ty: errors,
                alias: Some(Ident::new("GetPurchaseError")),
            },
        };
        let o = op(vec![id_param()], None, j.clone());
        let method = emit_method(&api, &o, &j);
        assert_tokens(
            quote!(impl Client { #method }),
            quote! {
                impl Client {
                    /// Read a purchase.
                    ///
                    /// `GET /purchases/{id}/`
                    ///
                    /// Error bodies decode as [`GetPurchaseError`] by status.
                    pub fn get_purchase(&self, id: &str) -> impl ::core::future::Future<Output = Result<Purchase, runtime::Error<GetPurchaseError>>> + Send + '_ {
                        let mut req = rt::Request::templated("get_purchase", rt::Method::GET, "/purchases/{id}/");
                        req.path("/purchases/");
                        req.segment("id", id);
                        req.path("/");
                        rt::reply(self.transport.send(req), |resp| match resp.status {
                            s if (200..300).contains(&s) => resp.json(),
                            _ => Err(resp.error(GetPurchaseError::decode)),
                        })
                    }
                }
            },
        );
        assert_tokens(
            emit_operation_items(&api, &o),
            quote! {
                /// Errors of `get_purchase`, by status (the same responses as other operations share in [`BadRequestNotFoundError`]).
                pub type GetPurchaseError = BadRequestNotFoundError;
            },
        );
    }

    #[test]
    fn bodies_and_query_styles() {
        let mut api = api();
        let filter = add(&mut api, "Range", TypeKind::Struct(Struct::default()));
        let params = vec![
            id_param(),
            Param {
                wire: "created".into(),
                rust: Ident::new("created"),
                location: ParamLocation::Query,
                required: false,
                ty: TypeRef::Named(filter),
                style: ParamStyle::Deep,
                doc: None,
            },
            Param {
                wire: "expand".into(),
                rust: Ident::new("expand"),
                location: ParamLocation::Query,
                required: false,
                ty: TypeRef::Vec(Box::new(TypeRef::Prim(Prim::String))),
                style: ParamStyle::Form,
                doc: None,
            },
        ];
        let body = Body {
            required: true,
            encoding: BodyEncoding::Form,
            media_type: "application/x-www-form-urlencoded".into(),
            ty: BodyType::Value(TypeRef::Named(filter)),
            doc: None,
            form_styles: Vec::new(),
        };
        let j = JsonOperation {
            responses: Vec::new(),
            success: Success::Single {
                body: BodyType::Bytes,
                optional: false,
            },
            error: ErrorType::None,
        };
        let mut o = op(params, Some(body), j.clone());
        o.params_type = Some(Ident::new("GetPurchaseParams"));
        let text = emit_method(&api, &o, &j);
        assert_contains(
            &text,
            &[
                "params : GetPurchaseParams , body : Range",
                "req . query_value (\"created\" , & params . created , rt :: ParamStyle :: Deep) ;",
                "req . query (\"expand\" , & params . expand) ;",
                "req . form (& body) ;",
                "Output = Result < runtime :: Bytes , runtime :: Error < () > >",
                "=> Ok (resp . bytes ()) ,",
                "Err (resp . error (rt :: decode_none))",
            ],
        );
    }
}
