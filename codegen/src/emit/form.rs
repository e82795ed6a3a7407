//! The client side of a form-encoded API: `Config` with the body
//! credentials, common and environment parameters; `Client` whose methods
//! build form bodies and read `key=value` answers; the enum over each
//! operation's answers.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;
use crate::names;

use super::client::{client_methods, config_methods};
use super::doc::{self, Para};
use super::ty::{ident, word};

/// The parameters a `Config` lets the caller set: the common ones and the
/// ones environments select (`mode`), each once, as (wire, setter).
fn config_params(api: &Api, form: &FormApi) -> Vec<(String, proc_macro2::Ident)> {
    let mut seen = BTreeSet::new();
    form.common
        .iter()
        .map(|(k, _)| k)
        .chain(
            api.environments
                .iter()
                .flat_map(|e| e.params.iter().map(|(k, _)| k)),
        )
        .filter(|k| seen.insert(k.to_string()))
        .map(|k| (k.clone(), ident(&Ident::new(names::snake(k, "param")))))
        .collect()
}

pub fn emit_form_config(api: &Api, form: &FormApi) -> TokenStream {
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
    for (wire, n) in config_params(api, form) {
        let common = form.common.iter().find(|(k, _)| *k == wire);
        fields.push(quote!(#n: Option<String>,));
        inits.push(quote!(#n: None,));
        let d = match common {
            Some((_, default)) => {
                format!(" Overrides `{wire}` (default `{default}`), sent with every request.")
            }
            None => format!(
                " Sets `{wire}`, sent with every request; by default the environment's value \
                 (the default environment's for a custom base URL)."
            ),
        };
        setters.push(quote! {
            #[doc = #d]
            pub fn #n(mut self, value: impl Into<String>) -> Self {
                self.#n = Some(value.into());
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
                c.rust.as_str(),
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
         the parameters of the default environment unless they are set.",
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

fn hashed(form: &FormApi) -> bool {
    form.credentials.iter().any(|c| !c.hashes.is_empty())
}

pub fn emit_form_client(api: &Api, form: &FormApi) -> TokenStream {
    let provider = api.module.as_str();
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
    // Each parameter once, in order: the set value, else the common default
    // or the selected environment's (the default environment's for Custom).
    for (wire, n) in config_params(api, form) {
        let common = form.common.iter().find(|(k, _)| *k == wire).map(|(_, v)| v);
        let arms: Vec<TokenStream> = api
            .environments
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let value = e.params.iter().find(|(k, _)| *k == wire).map(|(_, v)| v)?;
                let v = ident(&e.name);
                let pat = if i == 0 {
                    quote!(Environment::#v | Environment::Custom(_))
                } else {
                    quote!(Environment::#v)
                };
                Some(quote!(#pat => Some(#value),))
            })
            .collect();
        let default = match common {
            Some(v) => quote!(Some(#v)),
            None if arms.is_empty() => quote!(None),
            None => {
                // Custom goes with the first environment; without that one's
                // value, or another's, the rest have none.
                let rest = (arms.len() < api.environments.len()).then(|| quote!(_ => None,));
                quote!(match &config.environment { #(#arms)* #rest })
            }
        };
        base.push(quote! {
            if let Some(value) = config.#n.as_deref().or(#default) {
                base.push(#wire, value);
            }
        });
    }
    let methods = api.operations.iter().filter_map(|op| match &op.wire {
        OperationWire::Form(f) => Some(emit_form_method(api, op, f, form)),
        OperationWire::Json(_) => None,
    });
    let title = super::client::client_doc(api);
    // The body is encoded in the charset its charset parameter names.
    let (charset_field, charset_init, charset_clone) = match &form.charset_param {
        Some(param) => {
            let n = ident(&Ident::new(names::snake(param, "param")));
            let default = form
                .common
                .iter()
                .find(|(k, _)| k == param)
                .map_or("UTF-8", |(_, v)| v.as_str());
            let d = format!(" The charset the body is encoded in (the value of `{param}`).");
            (
                quote! {
                    #[doc = #d]
                    charset: String,
                },
                quote! {
                    let charset = config.#n.clone().unwrap_or_else(|| #default.to_string());
                    rt::check_charset(&charset)?;
                },
                quote!(charset: self.charset.clone(),),
            )
        }
        None => (quote!(), quote!(), quote!()),
    };
    let charset_self = form.charset_param.as_ref().map(|_| quote!(charset,));
    let common = client_methods(quote!(base: self.base.clone(), #charset_clone));
    quote! {
        #title
        #[derive(Debug, Clone)]
        pub struct Client {
            transport: rt::Transport,
            /// Credentials, environment and common parameters: the start of every body.
            base: rt::Form,
            #charset_field
        }

        impl Client {
            /// Builds a client from `config`.
            pub fn new(config: Config) -> Result<Self, runtime::BuildError> {
                let mut base = rt::Form::new();
                #(#base)*
                #charset_init
                let transport = rt::Transport::new(rt::Settings {
                    provider: #provider,
                    base_url: config.environment.base_url().to_string(),
                    credentials: rt::Credentials::None,
                    options: config.options,
                    headers: Vec::new(),
                    idempotency_header: None,
                    retry_on_body: None,
                })?;
                Ok(Self { transport, base, #charset_self })
            }

            #common
            #(#methods)*
        }
    }
}

fn emit_form_method(api: &Api, op: &Operation, fop: &FormOperation, form: &FormApi) -> TokenStream {
    let name = ident(&op.name);
    let op_id = op.name.as_str();
    let method = word(op.method.as_str());
    let resp_enum = ident(&fop.response);
    let err_ty = match &form.error {
        Some(e) => {
            let t = ident(api.name(e.ty));
            quote!(#t)
        }
        None => quote!(()),
    };
    let fixed = fop.fixed.iter().map(|(k, v)| quote!(form.push(#k, #v);));
    // Form APIs have no path parameters: the path is its literal text.
    let path: String = op
        .path
        .iter()
        .filter_map(|s| match s {
            PathSegment::Literal(l) => Some(l.as_str()),
            PathSegment::Param(_) => None,
        })
        .collect();
    let (arg, validate, encode) = match &op.body {
        Some(Body {
            ty: BodyType::Value(TypeRef::Named(id)),
            ..
        }) => {
            let t = ident(api.name(*id));
            (
                quote!(request: #t),
                quote!(request.validate()?;),
                quote!(request.encode(form);),
            )
        }
        _ => (quote!(), quote!(), quote!()),
    };
    let charset = match &form.charset_param {
        Some(_) => quote!(&self.charset),
        None => quote!("UTF-8"),
    };
    let status = &form.status_field;
    let arms = fop.variants.iter().map(|v| {
        let values = &v.values;
        let var = ident(&v.rust);
        let t = ident(api.name(v.ty));
        quote!(Some(#(#values)|*) => #t::from_kv(&kv).map(#resp_enum::#var).map_err(|m| resp.decode_failure(m)),)
    });
    let error_arm = form.error.as_ref().map(|e| {
        let value = &e.status;
        let t = ident(api.name(e.ty));
        quote!(Some(#value) => Err(resp.api_error(#t::from_kv(&kv).ok())),)
    });
    let statuses: Vec<String> = fop
        .variants
        .iter()
        .flat_map(|v| &v.values)
        .map(|s| format!("`{s}`"))
        .collect();
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
        statuses.join(", "),
        fop.response,
        form.error.as_ref().map_or("ERROR", |e| e.status.as_str()),
    );
    let docs = doc::paragraphs(&[
        Para::Spec(op.summary.as_deref()),
        Para::Spec(op.doc.as_deref()),
        Para::Ours(&route),
        Para::Ours(&outcome),
    ]);
    let returns = super::operation::call_future(&quote!(#resp_enum), &err_ty);
    quote! {
        #docs
        pub fn #name(&self, #arg) -> #returns {
            let req = rt::Request::build_form(#op_id, rt::Method::#method, #path, &self.base, #charset, &|form| {
                #validate
                #(#fixed)*
                #encode
                Ok(())
            });
            rt::reply(self.transport.send(req), |resp| {
                if !(200..300).contains(&resp.status) {
                    return Err(resp.error(|_, _| None));
                }
                let kv = rt::KeyValues::parse_lines(&resp.body);
                match kv.get(#status) {
                    #(#arms)*
                    #error_arm
                    other => Err(resp.undocumented(#status, other)),
                }
            })
        }
    }
}

/// The enum over one operation's answers, by status value.
pub fn emit_response_enum(api: &Api, op: &Operation, fop: &FormOperation) -> TokenStream {
    let name = ident(&fop.response);
    let variants = fop.variants.iter().map(|v| {
        let var = ident(&v.rust);
        let t = ident(api.name(v.ty));
        let values: Vec<String> = v.values.iter().map(|s| format!("`status={s}`")).collect();
        let d = doc::paragraphs(&[
            Para::Ours(&format!("{}.", values.join(" or "))),
            Para::Spec(v.doc.as_deref()),
        ]);
        quote!(#d #var(#t),)
    });
    let d = format!(" What `{}` answers, by its status.", op.name);
    quote! {
        #[doc = #d]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name { #(#variants)* }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    fn payone() -> (Api, FormApi) {
        let mut api = api();
        api.environments = vec![
            Environment {
                name: Ident::new("Test"),
                url: "https://api.pay1.de/post-gateway".into(),
                doc: None,
                params: vec![("mode".into(), "test".into())],
            },
            Environment {
                name: Ident::new("Live"),
                url: "https://api.pay1.de/post-gateway".into(),
                doc: None,
                params: vec![("mode".into(), "live".into())],
            },
        ];
        let form = FormApi {
            credentials: vec![
                BodyCredential {
                    wire: "mid".into(),
                    rust: Ident::new("merchant_id"),
                    doc: None,
                    secret: false,
                    hashes: Vec::new(),
                },
                BodyCredential {
                    wire: "key".into(),
                    rust: Ident::new("portal_key"),
                    doc: None,
                    secret: true,
                    hashes: vec![HashAlg::Md5, HashAlg::Sha384],
                },
            ],
            common: vec![("encoding".into(), "UTF-8".into())],
            charset_param: Some("encoding".into()),
            status_field: "status".into(),
            error: None,
            notification: None,
        };
        api.protocol = Protocol::Form(form.clone());
        (api, form)
    }

    #[test]
    fn the_mode_follows_the_environment_unless_it_is_set() {
        let (api, form) = payone();
        let client = emit_form_client(&api, &form);
        assert_contains(
            &client,
            &[
            "base . push (\"mid\" , & config . merchant_id) ;",
            "base . push_secret (\"key\" , & config . key_hash . digest (& config . portal_key)) ;",
            "if let Some (value) = config . encoding . as_deref () . or (Some (\"UTF-8\")) { base . push (\"encoding\" , value) ; }",
            "let charset = config . encoding . clone () . unwrap_or_else (| | \"UTF-8\" . to_string ()) ; rt :: check_charset (& charset) ? ;",
            "if let Some (value) = config . mode . as_deref () . or (match & config . environment { Environment :: Test | Environment :: Custom (_) => Some (\"test\") , Environment :: Live => Some (\"live\") , })",
            ],
        );
        let config = emit_form_config(&api, &form);
        assert_contains(
            &config,
            &[
            "pub fn new (merchant_id : impl Into < String > , portal_key : impl Into < runtime :: SecretString >) -> Self",
            "pub fn mode (mut self , value : impl Into < String >) -> Self",
            "pub fn encoding (mut self , value : impl Into < String >) -> Self",
            "pub fn key_hash (mut self , hash : runtime :: KeyHash) -> Self",
            ],
        );
    }

    #[test]
    fn answers_dispatch_on_every_status_value_of_a_variant() {
        let (mut api, form) = payone();
        let approved = add(
            &mut api,
            "CaptureApproved",
            TypeKind::Struct(Struct::default()),
        );
        let fop = FormOperation {
            fixed: vec![("request".into(), "capture".into())],
            response: Ident::new("CaptureResponse"),
            variants: vec![KvVariant {
                values: vec!["APPROVED".into(), "OK".into()],
                rust: Ident::new("Approved"),
                ty: approved,
                doc: None,
            }],
        };
        let op = Operation {
            id: "capture".into(),
            name: Ident::new("capture"),
            type_name: Ident::new("Capture"),
            method: Method::Post,
            path_template: String::new(),
            path: Vec::new(),
            summary: None,
            doc: None,
            deprecated: false,
            params: Vec::new(),
            params_type: None,
            body: None,
            fresh_token: false,
            wire: OperationWire::Form(fop.clone()),
        };
        let text = emit_form_method(&api, &op, &fop, &form).to_string();
        assert!(
            text.contains("Some (\"APPROVED\" | \"OK\") => CaptureApproved :: from_kv (& kv) . map (CaptureResponse :: Approved)"),
            "{text}"
        );
        // The request is built (or refused) by the method; the future takes
        // only the send, and reads the answer in `reply`.
        assert_contains(
            &emit_form_method(&api, &op, &fop, &form),
            &[
                "pub fn capture (& self ,) -> impl :: core :: future :: Future < Output = Result < CaptureResponse , runtime :: Error < () > > > + Send + '_",
                "let req = rt :: Request :: build_form (\"capture\" , rt :: Method :: POST , \"\" , & self . base , & self . charset , & | form | { form . push (\"request\" , \"capture\") ; Ok (()) }) ;",
                "other => Err (resp . undocumented (\"status\" , other)) ,",
                "rt :: reply (self . transport . send (req) , | resp | { if ! (200 .. 300) . contains (& resp . status) {",
            ],
        );
        assert_tokens(
            emit_response_enum(&api, &op, &fop),
            quote! {
                /// What `capture` answers, by its status.
                #[derive(Debug, Clone, PartialEq)]
                pub enum CaptureResponse {
                    /// `status=APPROVED` or `status=OK`.
                    Approved(CaptureApproved),
                }
            },
        );
    }
}
