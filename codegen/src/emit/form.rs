//! Form-encoded APIs (the hand-written format): `Config` with body
//! credentials, a `Client` whose methods build form bodies and read
//! `key=value` responses, pre-send validation, and notification checking.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;
use crate::names;

use super::client::{client_methods, config_methods};
use super::doc::{self, Para};
use super::types::{ident, rust_type};

/// `Config`, `Client`, response enums, and the impls that encode, validate
/// and decode the form types.
pub fn emit(api: &Api, form: &FormApi) -> TokenStream {
    let config = emit_config(form);
    let client = emit_client(api, form);
    let responses = api
        .operations
        .iter()
        .filter_map(|op| op.form.as_ref().map(|f| emit_response_enum(op, f)));
    let types = api.type_index();

    // Types written into bodies, and item types of indexed groups.
    let mut requests = BTreeSet::new();
    let mut items = BTreeSet::new();
    for op in &api.operations {
        if let Some(Body {
            ty: TypeRef::Named(n),
            encoding: BodyEncoding::Form,
            ..
        }) = &op.body
        {
            requests.insert(n.clone());
        }
    }
    for name in &requests {
        if let Some(TypeDef {
            kind: TypeKind::Struct(s),
            ..
        }) = types.get(name.as_str())
        {
            for f in &s.fields {
                if let (FieldLayout::Indexed, TypeRef::Vec(inner)) = (f.layout, &f.ty) {
                    if let TypeRef::Named(item) = inner.as_ref() {
                        items.insert(item.clone());
                    }
                }
            }
        }
    }
    // Types read from key=value bodies.
    let mut decoded: BTreeSet<String> = BTreeSet::new();
    for op in &api.operations {
        for v in op.form.iter().flat_map(|f| &f.variants) {
            if let TypeRef::Named(n) = &v.ty {
                decoded.insert(n.clone());
            }
        }
    }
    if let Some((_, TypeRef::Named(n))) = &form.error {
        decoded.insert(n.clone());
    }
    // Notifications have no status field: every key they carry is data.
    let notification_type = match form.notification.as_ref().map(|n| &n.ty) {
        Some(TypeRef::Named(n)) => Some(n.clone()),
        _ => None,
    };

    let struct_of = |name: &str| match types.get(name) {
        Some(TypeDef {
            kind: TypeKind::Struct(s),
            ..
        }) => Some(s),
        _ => None,
    };
    let request_impls: Vec<TokenStream> = requests
        .iter()
        .filter_map(|n| struct_of(n).map(|s| emit_request_impl(n, s, false)))
        .collect();
    let item_impls: Vec<TokenStream> = items
        .iter()
        .filter_map(|n| struct_of(n).map(|s| emit_request_impl(n, s, true)))
        .collect();
    let decode_impls: Vec<TokenStream> = decoded
        .iter()
        .filter_map(|n| struct_of(n).map(|s| emit_from_kv(n, s, &form.status_field)))
        .chain(
            notification_type
                .iter()
                .filter_map(|n| struct_of(n).map(|s| emit_from_kv(n, s, ""))),
        )
        .collect();
    let notification = form
        .notification
        .as_ref()
        .map(|n| emit_notification(form, n));
    quote! {
        #config
        #client
        #notification
        #(#responses)*
        #(#request_impls)*
        #(#item_impls)*
        #(#decode_impls)*
    }
}

fn lit_opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn lit_opt_u32(v: Option<u32>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn lit_opt_i64(v: Option<f64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = v as i64;
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn hashed(form: &FormApi) -> bool {
    form.credentials.iter().any(|c| !c.hashes.is_empty())
}

fn emit_config(form: &FormApi) -> TokenStream {
    let mut fields = Vec::new();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for c in &form.credentials {
        let n = ident(&c.rust);
        if c.secret {
            fields.push(quote!(#n: runtime::SecretString,));
            args.push(quote!(#n: impl Into<runtime::SecretString>));
        } else {
            fields.push(quote!(#n: String,));
            args.push(quote!(#n: impl Into<String>));
        }
        inits.push(quote!(#n: #n.into(),));
    }
    let mut setters = Vec::new();
    for (wire, default) in &form.common {
        let n = ident(&names::snake(wire, "param"));
        fields.push(quote!(#n: String,));
        inits.push(quote!(#n: #default.to_string(),));
        let d = format!(" Overrides `{wire}` (default `{default}`), sent with every request.");
        setters.push(quote! {
            #[doc = #d]
            pub fn #n(mut self, value: impl Into<String>) -> Self {
                self.#n = value.into();
                self
            }
        });
    }
    if hashed(form) {
        fields.push(quote!(key_hash: runtime::KeyHash,));
        inits.push(quote!(key_hash: runtime::KeyHash::default(),));
        let algs: Vec<String> = form
            .credentials
            .iter()
            .flat_map(|c| c.hashes.iter())
            .map(|h| format!("{h:?}"))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let d = format!(
            " How hashed credentials are sent: `{}` (default `Md5`). The hash is sent as lowercase hex.",
            algs.join("`, `")
        );
        setters.push(quote! {
            #[doc = #d]
            pub fn key_hash(mut self, hash: runtime::KeyHash) -> Self {
                self.key_hash = hash;
                self
            }
        });
    }
    let cred_docs: Vec<String> = form
        .credentials
        .iter()
        .map(|c| {
            let how = if !c.hashes.is_empty() {
                " (a secret; sent hashed)"
            } else if c.secret {
                " (a secret)"
            } else {
                ""
            };
            format!(
                "- `{}`: `{}`{how}. {}",
                names::bare(&c.rust),
                c.wire,
                c.doc.clone().unwrap_or_default()
            )
        })
        .collect();
    let new_doc = doc::paragraphs(&[
        Para::Ours("Settings for the default environment, with the credentials sent in every request body:"),
        Para::Ours(&cred_docs.join("\n")),
        Para::Ours("Secrets are held as `SecretString` and never printed."),
    ]);
    let common = config_methods(
        "Sends requests to `url` instead (a mock server, a proxy), with\n\
         the parameters of the default environment.",
    );
    quote! {
        /// How a [`Client`] connects: environment, credentials and HTTP options.
        #[derive(Debug, Clone)]
        pub struct Config {
            environment: Environment,
            #(#fields)*
            options: runtime::HttpOptions,
        }

        impl Config {
            #new_doc
            pub fn new(#(#args),*) -> Self {
                Self {
                    environment: Environment::default(),
                    #(#inits)*
                    options: runtime::HttpOptions::default(),
                }
            }

            #common
            #(#setters)*
        }
    }
}

fn emit_client(api: &Api, form: &FormApi) -> TokenStream {
    let provider = &api.module;
    let mut base = Vec::new();
    for c in &form.credentials {
        let n = ident(&c.rust);
        let wire = &c.wire;
        if !c.hashes.is_empty() {
            base.push(quote!(base.push_secret(#wire, &config.key_hash.digest(&config.#n));));
        } else if c.secret {
            base.push(quote!(base.push_secret(#wire, &config.#n);));
        } else {
            base.push(quote!(base.push(#wire, &config.#n);));
        }
    }
    let env_arms = api
        .environments
        .iter()
        .zip(&form.environment_params)
        .enumerate()
        .map(|(i, (e, params))| {
            let v = ident(&e.name);
            let pushes = params.iter().map(|(k, val)| quote!(base.push(#k, #val);));
            let pat = if i == 0 {
                quote!(Environment::#v | Environment::Custom(_))
            } else {
                quote!(Environment::#v)
            };
            quote!(#pat => { #(#pushes)* })
        });
    let env_match = if api.environments.is_empty() {
        quote!()
    } else {
        quote!(match &config.environment { #(#env_arms)* })
    };
    for (wire, _) in &form.common {
        let n = ident(&names::snake(wire, "param"));
        base.push(quote!(base.push(#wire, &config.#n);));
    }
    let methods = api
        .operations
        .iter()
        .filter_map(|op| op.form.as_ref().map(|f| emit_method(op, f, form)));
    let title = format!(
        " A client for {}. Cheap to clone; clones share connections.",
        api.title
    );
    let common = client_methods(quote!(base: self.base.clone(),));
    quote! {
        #[doc = #title]
        #[derive(Debug, Clone)]
        pub struct Client {
            transport: rt::Transport,
            /// Credentials, environment and common parameters: the start of every body.
            base: rt::Form,
        }

        impl Client {
            /// Builds a client from `config`.
            pub fn new(config: Config) -> Result<Self, runtime::BuildError> {
                let mut base = rt::Form::new();
                #(#base)*
                #env_match
                let transport = rt::Transport::new(rt::Settings {
                    provider: #provider,
                    base_url: config.environment.base_url().to_string(),
                    credentials: rt::Credentials::None,
                    options: config.options,
                    headers: Vec::new(),
                    idempotency_header: None,
                    retry_on_body: None,
                })?;
                Ok(Self { transport, base })
            }

            #common
            #(#methods)*
        }
    }
}

fn emit_method(op: &Operation, fop: &FormOperation, form: &FormApi) -> TokenStream {
    let name = ident(&op.name);
    let op_id = names::bare(&op.name).to_string();
    let method = ident(op.method.as_str());
    let resp_enum = ident(&fop.response);
    let (err_ty, err_decode) = match &form.error {
        Some((value, ty)) => {
            let t = rust_type(ty);
            (t.clone(), Some((value.clone(), t)))
        }
        None => (quote!(()), None),
    };
    let fixed = fop.fixed.iter().map(|(k, v)| quote!(form.push(#k, #v);));
    let path = op.path.iter().map(|s| match s {
        PathSegment::Literal(l) => quote!(req.path(#l);),
        PathSegment::Param(_) => quote!(),
    });
    let (arg, validate, encode) = match &op.body {
        Some(b) => {
            let t = rust_type(&b.ty);
            (
                quote!(request: #t),
                quote! {
                    if let Err((field, rule)) = request.validate() {
                        return Err(runtime::Error::Validation { operation: #op_id, field, rule });
                    }
                },
                quote!(request.encode(&mut form);),
            )
        }
        None => (quote!(), quote!(), quote!()),
    };
    let status = &form.status_field;
    let unknown = format!("`{status}` is {{other:?}}, which `{op_id}` does not document");
    let arms = fop.variants.iter().map(|v| {
        let value = &v.value;
        let var = ident(&v.rust);
        let t = rust_type(&v.ty);
        quote!(Some(#value) => #t::from_kv(&kv).map(#resp_enum::#var).map_err(|m| resp.decode_failure(m)),)
    });
    let error_arm = err_decode
        .map(|(value, t)| quote!(Some(#value) => Err(resp.api_error(#t::from_kv(&kv).ok())),));
    let statuses: Vec<&str> = fop.variants.iter().map(|v| v.value.as_str()).collect();
    let route = format!(
        "`{} {}`, form-encoded, with {}.",
        op.method.as_str(),
        if op.path_template.is_empty() {
            "/"
        } else {
            &op.path_template
        },
        if fop.fixed.is_empty() {
            "no fixed parameters".to_string()
        } else {
            fop.fixed
                .iter()
                .map(|(k, v)| format!("`{k}={v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let outcome = format!(
        "Answers one of {} (see [`{}`]); `{status}={}` becomes [`runtime::Error::Api`] with the typed body. \
         A field that breaks its format is refused before sending ([`runtime::Error::Validation`]).",
        statuses.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
        fop.response,
        form.error.as_ref().map_or("ERROR", |(v, _)| v.as_str()),
    );
    let docs = doc::paragraphs(&[
        Para::Spec(op.summary.as_deref()),
        Para::Spec(op.doc.as_deref()),
        Para::Ours(&route),
        Para::Ours(&outcome),
    ]);
    quote! {
        #docs
        pub async fn #name(&self, #arg) -> Result<#resp_enum, runtime::Error<#err_ty>> {
            #validate
            let mut form = self.base.clone();
            #(#fixed)*
            #encode
            let mut req = rt::Request::new(#op_id, rt::Method::#method);
            #(#path)*
            req.raw_body(form.encode().into(), "application/x-www-form-urlencoded");
            let resp = self.transport.send(req).await?;
            if !(200..300).contains(&resp.status) {
                return Err(resp.error(|_, _| None));
            }
            let kv = rt::KeyValues::parse_lines(&resp.body);
            match kv.get(#status) {
                #(#arms)*
                #error_arm
                other => Err(resp.decode_failure(format!(#unknown))),
            }
        }
    }
}

fn emit_response_enum(op: &Operation, fop: &FormOperation) -> TokenStream {
    let name = ident(&fop.response);
    let variants = fop.variants.iter().map(|v| {
        let var = ident(&v.rust);
        let t = rust_type(&v.ty);
        let d = doc::paragraphs(&[
            Para::Ours(&format!("`status={}`.", v.value)),
            Para::Spec(v.doc.as_deref()),
        ]);
        quote!(#d #var(#t),)
    });
    let d = format!(" What `{}` answers, by its status.", names::bare(&op.name));
    quote! {
        #[doc = #d]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name { #(#variants)* }
    }
}

/// `validate` and `encode` for a request type (or `validate_item` and
/// `encode_item` for an item of an indexed group).
fn emit_request_impl(name: &str, s: &Struct, item: bool) -> TokenStream {
    let sname = ident(name);
    let mut checks = Vec::new();
    let mut encodes = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.rust);
        let wire = &f.wire;
        let wire_expr = if item {
            quote!(format!("{}[{n}]", #wire))
        } else {
            quote!(#wire.to_string())
        };
        let optional = !f.required;
        // Encoding.
        encodes.push(match (f.layout, item, optional) {
            (FieldLayout::Indexed, _, false) => quote! {
                for (i, item) in self.#fname.iter().enumerate() { item.encode_item(form, i + 1); }
            },
            (FieldLayout::Indexed, _, true) => quote! {
                if let Some(items) = &self.#fname {
                    for (i, item) in items.iter().enumerate() { item.encode_item(form, i + 1); }
                }
            },
            (FieldLayout::Map, _, false) => quote!(form.push_map(#wire, &self.#fname);),
            (FieldLayout::Map, _, true) => quote!(form.push_map_opt(#wire, &self.#fname);),
            (FieldLayout::Plain, true, false) => quote!(form.push_indexed(#wire, n, &self.#fname);),
            (FieldLayout::Plain, true, true) => {
                quote!(form.push_indexed_opt(#wire, n, &self.#fname);)
            }
            (FieldLayout::Plain, false, false) => quote!(form.push(#wire, &self.#fname);),
            (FieldLayout::Plain, false, true) => quote!(form.push_opt(#wire, &self.#fname);),
        });
        // Validation.
        let c = &f.constraints;
        let mut rules = Vec::new();
        match &f.ty {
            TypeRef::Prim(Prim::String) => {
                if !optional {
                    // An empty value would not be sent at all.
                    rules.push(quote!(rt::check::present(v)));
                }
                if c.min_length.is_some() || c.max_length.is_some() {
                    let (lo, hi) = (lit_opt_u64(c.min_length), lit_opt_u64(c.max_length));
                    rules.push(quote!(rt::check::length(v, #lo, #hi)));
                }
                if !c.symbols.is_empty() {
                    let syms = &c.symbols;
                    rules.push(quote!(rt::check::symbols(v, &[#(#syms),*])));
                }
            }
            TypeRef::Prim(Prim::I64) => {
                if c.min_digits.is_some() || c.max_digits.is_some() {
                    let (lo, hi) = (lit_opt_u32(c.min_digits), lit_opt_u32(c.max_digits));
                    rules.push(quote!(rt::check::digits(*v, #lo, #hi)));
                }
                if c.minimum.is_some() || c.maximum.is_some() {
                    let (lo, hi) = (lit_opt_i64(c.minimum), lit_opt_i64(c.maximum));
                    rules.push(quote!(rt::check::range(*v, #lo, #hi)));
                }
            }
            TypeRef::Vec(_) if f.layout == FieldLayout::Indexed => {
                let (lo, hi) = (lit_opt_u64(c.min_items), lit_opt_u64(c.max_items));
                let wire_name = names::bare(&f.rust);
                rules.push(quote!(rt::check::items(v.len(), #lo, #hi)));
                let body = quote! {
                    #(#rules.map_err(|rule| (#wire_name.to_string(), rule))?;)*
                    for (i, item) in v.iter().enumerate() { item.validate_item(i + 1)?; }
                };
                checks.push(if optional {
                    quote!(if let Some(v) = &self.#fname { #body })
                } else {
                    quote!({ let v = &self.#fname; #body })
                });
                continue;
            }
            _ => {}
        }
        if rules.is_empty() {
            continue;
        }
        let body = quote!(#(#rules.map_err(|rule| (#wire_expr, rule))?;)*);
        let is_string = f.ty == TypeRef::Prim(Prim::String);
        checks.push(match (optional, is_string) {
            // An empty optional string is not sent, so it is not checked either.
            (true, true) => {
                quote!(if let Some(v) = self.#fname.as_deref().filter(|v| !v.is_empty()) { #body })
            }
            (true, false) => quote!(if let Some(v) = &self.#fname { #body }),
            (false, _) => quote!({ let v = &self.#fname; #body }),
        });
    }
    if item {
        let n_arg = if checks.is_empty() {
            quote!(_n)
        } else {
            quote!(n)
        };
        quote! {
            impl #sname {
                /// Checks every field against its format; `Err((field, rule))` names the first broken one.
                pub fn validate_item(&self, #n_arg: usize) -> Result<(), (String, String)> {
                    #(#checks)*
                    Ok(())
                }

                fn encode_item(&self, form: &mut rt::Form, n: usize) {
                    #(#encodes)*
                }
            }
        }
    } else {
        quote! {
            impl #sname {
                /// Checks every field against its format; `Err((field, rule))` names the first broken one.
                pub fn validate(&self) -> Result<(), (String, String)> {
                    #(#checks)*
                    Ok(())
                }

                fn encode(&self, form: &mut rt::Form) {
                    #(#encodes)*
                }
            }
        }
    }
}

/// `from_kv`: a response or notification read from `key=value` pairs.
fn emit_from_kv(name: &str, s: &Struct, status_field: &str) -> TokenStream {
    let sname = ident(name);
    let mut known: Vec<&str> = Vec::new();
    if !status_field.is_empty() {
        known.push(status_field);
    }
    let mut inits = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.rust);
        let wire = f.wire.as_str();
        known.push(wire);
        inits.push(if f.layout == FieldLayout::Map {
            quote!(#fname: Some(kv.prefixed(#wire)),)
        } else {
            quote!(#fname: kv.parse(#wire)?,)
        });
    }
    let additional = s
        .additional
        .is_some()
        .then(|| quote!(additional: kv.rest(KNOWN),));
    quote! {
        impl #sname {
            /// Reads the fields from `key=value` pairs; keys the spec does not
            /// declare are kept in `additional`.
            pub fn from_kv(kv: &rt::KeyValues) -> Result<Self, String> {
                #[allow(dead_code)]
                const KNOWN: &[&str] = &[#(#known),*];
                Ok(Self {
                    #(#inits)*
                    #additional
                })
            }
        }
    }
}

fn emit_notification(form: &FormApi, n: &Notification) -> TokenStream {
    let t = rust_type(&n.ty);
    let key = &n.key_field;
    let reply = &n.reply;
    let latin1 = n.latin1;
    let secret = form
        .credentials
        .iter()
        .find(|c| !c.hashes.is_empty())
        .or_else(|| form.credentials.iter().find(|c| c.secret));
    let (arg, expected) = match secret {
        Some(c) if !c.hashes.is_empty() => {
            let a = ident(&c.rust);
            (a.clone(), quote!(hash.digest(&#a.into())))
        }
        Some(c) => {
            let a = ident(&c.rust);
            (a.clone(), quote!({ let _ = hash; #a.into() }))
        }
        None => (
            ident("shared_key"),
            quote!({
                let _ = hash;
                shared_key.into()
            }),
        ),
    };
    let type_name = t.to_string();
    let doc_text = doc::paragraphs(&[Para::Ours(&format!(
        "Checks and reads incoming [`{type_name}`] notifications: the `{key}` field must equal the\n\
         hashed secret (compared in constant time), then the body is decoded. Answer an accepted\n\
         notification with exactly [`NotificationVerifier::REPLY`]."
    ))]);
    let reply_doc = format!(" The exact body to answer an accepted notification with: `{reply}`.");
    quote! {
        #doc_text
        #[derive(Debug, Clone)]
        pub struct NotificationVerifier {
            expected: runtime::SecretString,
        }

        impl NotificationVerifier {
            #[doc = #reply_doc]
            pub const REPLY: &'static str = #reply;

            /// A verifier for the default hash (MD5).
            pub fn new(#arg: impl Into<runtime::SecretString>) -> Self {
                Self::with_hash(#arg, runtime::KeyHash::default())
            }

            /// A verifier for accounts configured with another hash.
            pub fn with_hash(#arg: impl Into<runtime::SecretString>, hash: runtime::KeyHash) -> Self {
                Self { expected: #expected }
            }

            /// Checks the key of a notification body (form data as received), then decodes it.
            pub fn verify(&self, body: &[u8]) -> Result<#t, runtime::VerifyError> {
                let kv = rt::KeyValues::parse_form(body, #latin1);
                rt::verify_shared_key(kv.get(#key), #key, &self.expected)?;
                #t::from_kv(&kv).map_err(runtime::VerifyError::Decode)
            }
        }
    }
}
