//! The client side of a module: `Environment`, `Config`, `Client` with one
//! async method per operation, and the parameter structs.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;
use crate::names;

use super::doc::{self, Para};
use super::types::{arg_type, emit_status_enum, ident, rust_type};

pub fn emit_environment(api: &Api) -> TokenStream {
    let variants: Vec<_> = api.environments.iter().map(|e| ident(&e.name)).collect();
    let urls: Vec<&str> = api.environments.iter().map(|e| e.url.as_str()).collect();
    let docs: Vec<TokenStream> = api
        .environments
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let default = if i == 0 { "The default." } else { "" };
            doc::paragraphs(&[
                Para::Ours(&format!("`{}`", e.url)),
                Para::Spec(e.doc.as_deref()),
                Para::Ours(default),
            ])
        })
        .collect();
    let first = variants.first().map(|_| quote!(#[default]));
    let (head, tail) = match variants.split_first() {
        Some((h, t)) => (Some(h), t),
        None => (None, &[][..]),
    };
    let head_doc = docs.first();
    let tail_docs = docs.iter().skip(1);
    let default_custom = if head.is_none() {
        quote!(#[default])
    } else {
        quote!()
    };
    let head_item = head.map(|h| quote!(#head_doc #first #h,));
    quote! {
        /// Where requests go. The first environment of the spec is the default.
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub enum Environment {
            #head_item
            #( #tail_docs #tail, )*
            /// Any other base URL (a mock server, a proxy).
            #default_custom
            Custom(String),
        }

        impl Environment {
            /// The base URL requests are sent to.
            pub fn base_url(&self) -> &str {
                match self {
                    #( Self::#variants => #urls, )*
                    Self::Custom(url) => url,
                }
            }
        }
    }
}

pub fn emit_config(api: &Api) -> TokenStream {
    let (args, creds, args_doc) = match &api.auth {
        Auth::None => (
            quote!(),
            quote!(rt::Credentials::None),
            "The API needs no credentials.",
        ),
        Auth::Bearer => (
            quote!(token: impl Into<runtime::SecretString>),
            quote!(rt::Credentials::Bearer(token.into())),
            "`token` is sent as `Authorization: Bearer <token>`.",
        ),
        Auth::Basic => (
            quote!(username: impl Into<runtime::SecretString>, password: impl Into<runtime::SecretString>),
            quote!(rt::Credentials::Basic {
                username: username.into(),
                password: password.into()
            }),
            "`username` and `password` are sent with HTTP Basic authentication.",
        ),
        Auth::BasicRawKey => (
            quote!(api_key: impl Into<runtime::SecretString>),
            quote!(rt::Credentials::BasicRawKey(api_key.into())),
            "`api_key` is sent as it is: `Authorization: Basic <api_key>`.",
        ),
        Auth::TokenEndpoint(t) => {
            let names: Vec<_> = t.credentials.iter().map(|c| ident(&c.rust)).collect();
            let wires: Vec<&str> = t.credentials.iter().map(|c| c.wire.as_str()).collect();
            let (path, token_field, expires) = (&t.path, &t.token_field, &t.expires_in_fields);
            (
                quote!(#(#names: impl Into<runtime::SecretString>),*),
                quote!(rt::Credentials::Token(rt::TokenAuth {
                    path: #path,
                    body: vec![#((#wires, #names.into())),*],
                    token_field: #token_field,
                    expires_in_fields: &[#(#expires),*],
                })),
                "The credentials are exchanged for a bearer token, which the client caches until shortly before it expires and renews by itself (once after a 401 too).",
            )
        }
        Auth::ApiKeyHeader { header } => {
            let h = header.to_ascii_lowercase();
            (
                quote!(api_key: impl Into<runtime::SecretString>),
                quote!(rt::Credentials::Header { name: #h, value: api_key.into() }),
                "`api_key` is sent in its own header.",
            )
        }
    };
    let new_doc = format!(
        " Settings for the default environment. {args_doc} Credentials are held as secrets and never printed."
    );
    let header_setters = api.client_headers.iter().map(|h| {
        let name = ident(&h.rust);
        let wire = h.wire.to_ascii_lowercase();
        let d = doc::paragraphs(&[
            Para::Ours(&format!("Sends `{}` on every request.", h.wire)),
            Para::Spec(h.doc.as_deref()),
        ]);
        quote! {
            #d
            pub fn #name(mut self, value: impl Into<String>) -> Self {
                self.headers.retain(|(n, _)| *n != #wire);
                self.headers.push((#wire, value.into()));
                self
            }
        }
    });
    let common = config_methods("Sends requests to `url` instead (a mock server, a proxy).");
    // Without credentials `new()` takes no argument, so `Default` is offered too.
    let derives = if api.auth == Auth::None {
        quote!(#[derive(Debug, Clone, Default)])
    } else {
        quote!(#[derive(Debug, Clone)])
    };
    quote! {
        /// How a [`Client`] connects: environment, credentials and HTTP options.
        #derives
        pub struct Config {
            environment: Environment,
            credentials: rt::Credentials,
            options: runtime::HttpOptions,
            headers: Vec<(&'static str, String)>,
        }

        impl Config {
            #[doc = #new_doc]
            pub fn new(#args) -> Self {
                Self {
                    environment: Environment::default(),
                    credentials: #creds,
                    options: runtime::HttpOptions::default(),
                    headers: Vec::new(),
                }
            }

            #common
            #(#header_setters)*
        }
    }
}

pub fn emit_client(api: &Api) -> TokenStream {
    let provider = &api.module;
    let idem = match &api.idempotency_header {
        Some(h) => {
            let h = h.to_ascii_lowercase();
            quote!(Some(#h))
        }
        None => quote!(None),
    };
    let retry_on_body = retry_on_body_tokens(api);
    let methods = api.operations.iter().map(emit_operation);
    let key_op = webhook_key_operation(api);
    let polls: Vec<TokenStream> = api.polls.iter().filter_map(|p| emit_poll(api, p)).collect();
    let cache_field = key_op.map(|_| quote!(webhook_verifier: rt::Cached<WebhookVerifier>,));
    let cache_init = key_op.map(|_| quote!(webhook_verifier: Default::default(),));
    let cache_clone = key_op.map(|_| quote!(webhook_verifier: self.webhook_verifier.clone(),));
    let verifier_method = key_op.map(emit_webhook_verifier_method);
    let common = client_methods(cache_clone.unwrap_or_default());
    let title = format!(
        " A client for {}. Cheap to clone; clones share connections.",
        api.title
    );
    quote! {
        #[doc = #title]
        #[derive(Debug, Clone)]
        pub struct Client {
            transport: rt::Transport,
            #cache_field
        }

        impl Client {
            /// Builds a client from `config`.
            pub fn new(config: Config) -> Result<Self, runtime::BuildError> {
                let transport = rt::Transport::new(rt::Settings {
                    provider: #provider,
                    base_url: config.environment.base_url().to_string(),
                    credentials: config.credentials,
                    options: config.options,
                    headers: config.headers,
                    idempotency_header: #idem,
                    retry_on_body: #retry_on_body,
                })?;
                Ok(Self { transport, #cache_init })
            }

            #common
            #verifier_method
            #(#methods)*
            #(#polls)*
        }
    }
}

/// The error type name and its decoder expression for an operation.
fn error_parts(op: &Operation) -> (TokenStream, TokenStream) {
    match &op.error {
        ErrorType::None => (quote!(()), quote!(rt::decode_none)),
        ErrorType::Single(t) => {
            let t = rust_type(t);
            (quote!(#t), quote!(rt::decode_json::<#t>))
        }
        ErrorType::Enum { name, .. } => {
            let n = ident(name);
            (quote!(#n), quote!(#n::decode))
        }
    }
}

fn emit_operation(op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let op_id = op.name.trim_start_matches("r#").to_string();
    let method = ident(op.method.as_str());
    let (err_ty, decoder) = error_parts(op);
    // Tokens that serve one operation each: ask for a new one.
    let fresh = op.fresh_token.then(|| quote!(req.fresh_token();));

    // Arguments: path parameters, then the params struct, then the body.
    let mut args = Vec::new();
    let mut path_build = Vec::new();
    for seg in &op.path {
        match seg {
            PathSegment::Literal(s) => path_build.push(quote!(req.path(#s);)),
            PathSegment::Param(i) => {
                let p = &op.params[*i];
                let pn = ident(&p.rust);
                let wire = &p.wire;
                match &p.ty {
                    TypeRef::Prim(Prim::I32) => {
                        args.push(quote!(#pn: i32));
                        path_build.push(quote!(req.segment(#wire, &#pn.to_string());));
                    }
                    TypeRef::Prim(Prim::I64) => {
                        args.push(quote!(#pn: i64));
                        path_build.push(quote!(req.segment(#wire, &#pn.to_string());));
                    }
                    _ => {
                        args.push(quote!(#pn: &str));
                        path_build.push(quote!(req.segment(#wire, #pn);));
                    }
                }
            }
        }
    }
    let mut apply = Vec::new();
    if let Some(pt) = &op.params_type {
        let pt = ident(pt);
        args.push(quote!(params: #pt));
        for p in op
            .params
            .iter()
            .filter(|p| p.location != ParamLocation::Path)
        {
            let pn = ident(&p.rust);
            let wire = match p.location {
                ParamLocation::Header => p.wire.to_ascii_lowercase(),
                _ => p.wire.clone(),
            };
            let call = if p.location == ParamLocation::Header {
                quote!(header)
            } else {
                quote!(query)
            };
            apply.push(quote!(req.#call(#wire, &params.#pn);));
        }
    }
    if let Some(body) = &op.body {
        let bt = rust_type(&body.ty);
        let encode = match body.encoding {
            BodyEncoding::Json => quote!(json),
            BodyEncoding::Form => quote!(form),
        };
        if body.required {
            args.push(quote!(body: #bt));
            apply.push(quote!(req.#encode(&body);));
        } else {
            args.push(quote!(body: Option<#bt>));
            apply.push(quote!(if let Some(body) = &body { req.#encode(body); }));
        }
    }
    let (ret, handle) = match &op.success {
        Success::Empty => (
            quote!(()),
            quote!(s if (200..300).contains(&s) => resp.empty(),),
        ),
        Success::Single {
            ty,
            optional: false,
        } => {
            let t = rust_type(ty);
            (t, quote!(s if (200..300).contains(&s) => resp.json(),))
        }
        Success::Single { ty, optional: true } => {
            let t = rust_type(ty);
            (
                quote!(Option<#t>),
                quote!(s if (200..300).contains(&s) => if resp.body.is_empty() { Ok(None) } else { resp.json().map(Some) },),
            )
        }
        Success::Enum { name, .. } => {
            let n = ident(name);
            (
                quote!(#n),
                quote!(s if (200..300).contains(&s) => match #n::decode(s, &resp.body) {
                    Some(v) => Ok(v),
                    None => Err(resp.unexpected()),
                },),
            )
        }
    };
    let summary = op.summary.as_deref();
    let route = format!("`{} {}`", op.method.as_str(), op.path_template);
    let errors = match &op.error {
        ErrorType::None => {
            "Errors carry the raw body only: the spec documents no error body.".to_string()
        }
        ErrorType::Single(_) => format!("Error bodies decode as `{err_ty}`."),
        ErrorType::Enum { name, .. } => format!("Error bodies decode as [`{name}`] by status."),
    };
    let docs = doc::paragraphs(&[
        Para::Spec(summary),
        Para::Spec(op.doc.as_deref()),
        Para::Ours(&route),
        Para::Ours(&errors),
    ]);
    quote! {
        #docs
        pub async fn #name(&self, #(#args),*) -> Result<#ret, runtime::Error<#err_ty>> {
            let mut req = rt::Request::new(#op_id, rt::Method::#method);
            #fresh
            #(#path_build)*
            #(#apply)*
            let resp = self.transport.send(req).await?;
            match resp.status {
                #handle
                _ => Err(resp.error(#decoder)),
            }
        }
    }
}

/// Parameter structs, plus the per-operation error aliases and success enums.
pub fn emit_operation_types(op: &Operation) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(pt) = &op.params_type {
        out.extend(emit_params(op, pt));
    }
    if let ErrorType::Enum {
        name,
        alias_of: Some(target),
    } = &op.error
    {
        let n = ident(name);
        let t = ident(target);
        let d = format!(
            " Errors of `{}`: the same responses as [`{target}`].",
            op.name.trim_start_matches("r#")
        );
        out.extend(quote! { #[doc = #d] pub type #n = #t; });
    }
    if let Success::Enum { name, variants } = &op.success {
        let d = format!(
            "What `{}` returns, by status.",
            op.name.trim_start_matches("r#")
        );
        out.extend(emit_status_enum(name, &d, variants, false));
    }
    out
}

fn emit_params(op: &Operation, name: &str) -> TokenStream {
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
        let t = rust_type(&p.ty);
        let (arg_ty, conv) = arg_type(&p.ty);
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
            let sd = format!(" Sets `{}`.", p.wire);
            setters.push(quote! {
                #[doc = #sd]
                pub fn #pn(mut self, value: #arg_ty) -> Self {
                    self.#pn = Some(value #conv);
                    self
                }
            });
        }
    }
    let doc_text = format!(
        " Query and header parameters of `{}`.",
        op.name.trim_start_matches("r#")
    );
    let (derives, body) = if new_args.is_empty() {
        (
            quote!(#[derive(Debug, Clone, PartialEq, Default)]),
            quote!(Self::default()),
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
            #(#setters)*
        }
    }
}

/// A `WebhookVerifier` that checks a delivery's signature, then decodes it.
pub fn emit_webhook(api: &Api) -> TokenStream {
    let Some(w) = &api.webhook else {
        return TokenStream::new();
    };
    let event = rust_type(&w.event);
    let event_name = event.to_string();
    let verify_doc = doc::paragraphs(&[Para::Ours(&format!(
        "Checks the signature over `body` exactly as received (never a re-serialised\n\
         body), then decodes it as [`{event_name}`]."
    ))]);
    let verify = quote! {
        #verify_doc
        pub fn verify(&self, headers: &runtime::HeaderMap, body: &[u8]) -> Result<#event, runtime::VerifyError> {
            self.inner.verify(headers, body)
        }
    };
    match &w.signature {
        WebhookSignature::HmacSha256 { header } => {
            let lower = header.to_ascii_lowercase();
            let struct_doc = doc::paragraphs(&[Para::Ours(&format!(
                "Verifies webhook deliveries: the `{header}` header must hold the HMAC-SHA256 of the raw\n\
                 body under your signing key (hex or base64), compared in constant time. Only a\n\
                 verified body is decoded."
            ))]);
            quote! {
                #struct_doc
                #[derive(Debug, Clone)]
                pub struct WebhookVerifier {
                    inner: rt::HmacSha256Verifier,
                }

                impl WebhookVerifier {
                    /// A verifier for deliveries signed with `signing_key` (held as a secret).
                    pub fn new(signing_key: impl Into<runtime::SecretString>) -> Self {
                        Self { inner: rt::HmacSha256Verifier::new(signing_key.into(), #lower) }
                    }

                    #verify
                }
            }
        }
        WebhookSignature::RsaSha256 {
            header,
            key_operation,
        } => {
            let lower = header.to_ascii_lowercase();
            let from = match key_operation {
                Some(op) => format!(
                    " [`Client::webhook_verifier`] fetches it with `{}` once and caches it.",
                    names::bare(op)
                ),
                None => String::new(),
            };
            let struct_doc = doc::paragraphs(&[Para::Ours(&format!(
                "Verifies callbacks and webhook deliveries: the `{header}` header must hold the base64\n\
                 RSA PKCS#1 v1.5 signature (SHA-256) of the raw body under the provider's public key.{from}\n\
                 Only a verified body is decoded."
            ))]);
            quote! {
                #struct_doc
                #[derive(Debug, Clone)]
                pub struct WebhookVerifier {
                    inner: rt::RsaSha256Verifier,
                }

                impl WebhookVerifier {
                    /// A verifier for the provider's public key in PEM.
                    pub fn from_pem(public_key_pem: &str) -> Result<Self, runtime::KeyError> {
                        rt::RsaSha256Verifier::from_pem(public_key_pem, #lower).map(|inner| Self { inner })
                    }

                    #verify
                }
            }
        }
    }
}

/// The cached verifier a client fetches with the public-key operation.
fn webhook_key_operation(api: &Api) -> Option<&Operation> {
    match &api.webhook.as_ref()?.signature {
        WebhookSignature::RsaSha256 {
            key_operation: Some(name),
            ..
        } => api.operations.iter().find(|o| &o.name == name),
        _ => None,
    }
}

fn emit_webhook_verifier_method(op: &Operation) -> TokenStream {
    let (err_ty, _) = error_parts(op);
    let method = ident(&op.name);
    let op_id = names::bare(&op.name).to_string();
    let d = doc::paragraphs(&[Para::Ours(&format!(
        "The verifier for callbacks and webhooks, with the public key from `{op_id}`: fetched\n\
         on first use, then cached for this client and its clones."
    ))]);
    quote! {
        #d
        pub async fn webhook_verifier(&self) -> Result<WebhookVerifier, runtime::Error<#err_ty>> {
            self.webhook_verifier
                .get_or_try_init(|| async {
                    let pem = self.#method().await?;
                    WebhookVerifier::from_pem(&pem).map_err(|e| runtime::Error::Decode(Box::new(runtime::DecodeError {
                        operation: #op_id,
                        status: 200,
                        message: e.to_string(),
                        content_type: None,
                        raw_body: pem.clone(),
                        attempts: 1,
                    })))
                })
                .await
                .cloned()
        }
    }
}

/// `Some(rt::RetryOnBody { … })` from the model, or `None`.
pub fn retry_on_body_tokens(api: &Api) -> TokenStream {
    match &api.retry_on_body {
        Some(r) => {
            let (status, field, values) = (r.status, &r.field, &r.values);
            quote!(Some(rt::RetryOnBody { status: #status, field: #field, values: &[#(#values),*] }))
        }
        None => quote!(None),
    }
}

/// A method polling an operation until its status field is terminal.
fn emit_poll(api: &Api, p: &Poll) -> Option<TokenStream> {
    let op = api.operations.iter().find(|o| o.name == p.operation)?;
    let Success::Single {
        ty,
        optional: false,
    } = &op.success
    else {
        return None;
    };
    let t = rust_type(ty);
    let (err_ty, _) = error_parts(op);
    let name = ident(&p.name);
    let method = ident(&op.name);
    let field = ident(&p.field);
    let op_id = names::bare(&op.name).to_string();
    let args: Vec<_> = op.params.iter().map(|q| ident(&q.rust)).collect();
    let arg_types = op.params.iter().map(|q| match q.ty {
        TypeRef::Prim(Prim::I32) => quote!(i32),
        TypeRef::Prim(Prim::I64) => quote!(i64),
        _ => quote!(&str),
    });
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
            names::bare(&p.field)
        )),
    ]);
    Some(quote! {
        #docs
        pub async fn #name(&self, #(#args: #arg_types,)* options: runtime::PollOptions) -> Result<#t, runtime::PollError<#t, #err_ty>> {
            fn status_of(answer: &#t) -> Option<&str> {
                answer.#field.as_ref().map(rt::StatusText::status_text)
            }
            rt::poll_until(#op_id, options, &[#(#terminal),*], status_of, || self.#method(#(#args),*)).await
        }
    })
}

/// `Config`'s environment, base URL and options setters, shared by the JSON
/// and form emitters; `base_url_doc` says what a custom URL implies.
pub fn config_methods(base_url_doc: &str) -> TokenStream {
    let base_url_doc = doc::paragraphs(&[Para::Ours(base_url_doc)]);
    quote! {
        /// Selects the environment.
        pub fn environment(mut self, environment: Environment) -> Self {
            self.environment = environment;
            self
        }

        #base_url_doc
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.environment = Environment::Custom(url.into());
            self
        }

        /// Timeouts, retries and limits; see [`runtime::HttpOptions`].
        pub fn options(mut self, options: runtime::HttpOptions) -> Self {
            self.options = options;
            self
        }
    }
}

/// `Client::base_url` and `Client::with_retry_policy`, shared by both
/// emitters; `other_fields` initialises the client's fields besides
/// `transport` from `self`.
pub fn client_methods(other_fields: TokenStream) -> TokenStream {
    quote! {
        /// The base URL requests go to.
        pub fn base_url(&self) -> &str {
            self.transport.base_url()
        }

        /// A client like this one whose calls use `policy` instead of the
        /// configured retry policy (for one call: `client.with_retry_policy(p).op(…)`).
        pub fn with_retry_policy(&self, policy: runtime::RetryPolicy) -> Self {
            Self { transport: self.transport.with_retry_policy(policy), #other_fields }
        }
    }
}
