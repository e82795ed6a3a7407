//! The client side of a JSON API: `Environment`, `Config` (credentials,
//! client headers) and `Client` with one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::operation::emit_method;
use super::poll::emit_poll;
use super::ty::ident;
use super::verifier::emit_webhook_verifier_method;

/// `Environment`: one variant per server, plus `Custom(url)`.
pub fn emit_environment(api: &Api) -> TokenStream {
    let variants: Vec<_> = api.environments.iter().map(|e| ident(&e.name)).collect();
    let urls: Vec<&str> = api.environments.iter().map(|e| e.url.as_str()).collect();
    let items = api.environments.iter().enumerate().map(|(i, e)| {
        let v = ident(&e.name);
        let default = (i == 0).then(|| quote!(#[default]));
        let d = doc::paragraphs(&[
            Para::Ours(&format!("`{}`", e.url)),
            Para::Spec(e.doc.as_deref()),
            Para::Ours(if i == 0 { "The default." } else { "" }),
        ]);
        quote!(#d #default #v,)
    });
    // Without a server in the spec, the default is an empty `Custom` URL,
    // which `Client::new` refuses with an error saying to set one.
    let (derive, doc, custom_default) = if api.environments.is_empty() {
        (
            quote!(#[derive(Debug, Clone, PartialEq, Eq)]),
            quote! {
                /// Where requests go. The spec names no server: set the base URL
                /// with `Config::base_url` (or `Config::environment`), or
                /// `Client::new` fails.
            },
            quote! {
                impl Default for Environment {
                    /// An empty `Custom` URL: the spec names no server.
                    fn default() -> Self {
                        Self::Custom(String::new())
                    }
                }
            },
        )
    } else {
        (
            quote!(#[derive(Debug, Clone, PartialEq, Eq, Default)]),
            quote! {
                /// Where requests go. The first environment of the spec is the default.
            },
            quote!(),
        )
    };
    quote! {
        #doc
        #derive
        pub enum Environment {
            #(#items)*
            /// Any other base URL (a mock server, a proxy).
            Custom(String),
        }

        #custom_default

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

pub fn emit_config(j: &JsonApi) -> TokenStream {
    let keys_doc;
    let (args, creds, args_doc) = match &j.auth {
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
        Auth::ApiKeyHeaders(keys) => {
            let names: Vec<_> = keys.iter().map(|k| ident(&k.rust)).collect();
            let headers = keys.iter().map(|k| k.header.to_ascii_lowercase());
            let said: Vec<String> = keys
                .iter()
                .map(|k| format!("`{}` as `{}`", k.rust.as_str(), k.header))
                .collect();
            keys_doc = format!(
                "Each key is sent in its own header, all on every request: {}.",
                said.join(", ")
            );
            (
                quote!(#(#names: impl Into<runtime::SecretString>),*),
                quote!(rt::Credentials::Headers(
                    vec![#((#headers, #names.into())),*]
                )),
                keys_doc.as_str(),
            )
        }
    };
    let new_doc = format!(
        " Settings for the default environment. {args_doc} Credentials are held as secrets and never printed."
    );
    let header_setters = j.client_headers.iter().map(|h| {
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
    let derives = if j.auth == Auth::None {
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

pub fn emit_client(api: &Api, j: &JsonApi) -> TokenStream {
    let provider = api.module.as_str();
    let idem = match &j.idempotency_header {
        Some(h) => {
            let h = h.to_ascii_lowercase();
            quote!(Some(#h))
        }
        None => quote!(None),
    };
    let retry_on_body = match &j.retry_on_body {
        Some(r) => {
            let (status, field, values) = (r.status, &r.field, &r.values);
            quote!(Some(rt::RetryOnBody { status: #status, field: #field, values: &[#(#values),*] }))
        }
        None => quote!(None),
    };
    let methods = api.operations.iter().filter_map(|op| match &op.wire {
        OperationWire::Json(w) => Some(emit_method(api, op, w)),
        OperationWire::Form(_) => None,
    });
    let key_op = match j.webhook.as_ref().map(|w| &w.signature) {
        Some(WebhookSignature::RsaSha256 {
            key_operation: Some(id),
            ..
        }) => Some(api.op(*id)),
        _ => None,
    };
    let polls = api.polls.iter().map(|p| emit_poll(api, p));
    let cache_field = key_op.map(|op| {
        let err = match &op.wire {
            OperationWire::Json(oj) => super::operation::error_parts(api, oj).0,
            OperationWire::Form(_) => quote!(()),
        };
        quote!(webhook_keys: rt::KeyCache<WebhookVerifier, runtime::Error<#err>>,)
    });
    let cache_init = key_op.map(|_| quote!(webhook_keys: Default::default(),));
    let cache_clone = key_op.map(|_| quote!(webhook_keys: self.webhook_keys.clone(),));
    let verifier_method = key_op.and_then(|op| {
        let event = j.webhook.as_ref()?.event;
        Some(emit_webhook_verifier_method(api, op, event))
    });
    let common = client_methods(cache_clone.unwrap_or_default());
    let title = client_doc(api);
    quote! {
        #title
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

/// The rustdoc of a `Client` (JSON and form APIs alike): what a clone
/// shares, and what an operation method does before it is awaited.
pub fn client_doc(api: &Api) -> TokenStream {
    let title = format!(
        " A client for {}. Cheap to clone; clones share connections.",
        doc::inline(&api.title)
    );
    quote! {
        #[doc = #title]
        ///
        /// Each operation method builds its request when called and returns a
        /// `Send` future that borrows only the client: nothing is sent until
        /// it is awaited, and a request that could not be built is its error.
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn environments_default_to_the_first() {
        let mut api = api();
        api.environments.push(Environment {
            name: Ident::new("Test"),
            url: "https://test.example.com".into(),
            doc: Some("Sandbox.".into()),
            params: Vec::new(),
        });
        assert_tokens(
            emit_environment(&api),
            quote! {
                /// Where requests go. The first environment of the spec is the default.
                #[derive(Debug, Clone, PartialEq, Eq, Default)]
                pub enum Environment {
                    /// `https://api.example.com`
                    ///
                    /// The default.
                    #[default]
                    Production,
                    /// `https://test.example.com`
                    ///
                    /// Sandbox.
                    Test,
                    /// Any other base URL (a mock server, a proxy).
                    Custom(String),
                }
                impl Environment {
                    /// The base URL requests are sent to.
                    pub fn base_url(&self) -> &str {
                        match self {
                            Self::Production => "https://api.example.com",
                            Self::Test => "https://test.example.com",
                            Self::Custom(url) => url,
                        }
                    }
                }
            },
        );
    }

    #[test]
    fn without_a_server_the_default_is_an_empty_custom_url() {
        let mut api = api();
        api.environments.clear();
        assert_tokens(
            emit_environment(&api),
            quote! {
                /// Where requests go. The spec names no server: set the base URL
                /// with `Config::base_url` (or `Config::environment`), or
                /// `Client::new` fails.
                #[derive(Debug, Clone, PartialEq, Eq)]
                pub enum Environment {
                    /// Any other base URL (a mock server, a proxy).
                    Custom(String),
                }
                impl Default for Environment {
                    /// An empty `Custom` URL: the spec names no server.
                    fn default() -> Self {
                        Self::Custom(String::new())
                    }
                }
                impl Environment {
                    /// The base URL requests are sent to.
                    pub fn base_url(&self) -> &str {
                        match self {
                            Self::Custom(url) => url,
                        }
                    }
                }
            },
        );
    }

    #[test]
    fn config_takes_the_credentials_of_its_auth_and_client_headers() {
        let j = JsonApi {
            auth: Auth::BasicRawKey,
            idempotency_header: None,
            client_headers: vec![ClientHeader {
                wire: "Klarna-Partner-Account".into(),
                rust: Ident::new("klarna_partner_account"),
                doc: None,
            }],
            retry_on_body: None,
            webhook: None,
        };
        let text = emit_config(&j);
        assert_contains(
            &text,
            &[
                "pub fn new (api_key : impl Into < runtime :: SecretString >) -> Self",
                "credentials : rt :: Credentials :: BasicRawKey (api_key . into ())",
                "pub fn klarna_partner_account (mut self , value : impl Into < String >) -> Self",
                "self . headers . push ((\"klarna-partner-account\" , value . into ())) ;",
            ],
        );
    }

    #[test]
    fn a_client_without_credentials_has_a_default_config() {
        let mut j = JsonApi {
            auth: Auth::None,
            idempotency_header: None,
            client_headers: Vec::new(),
            retry_on_body: None,
            webhook: None,
        };
        assert!(emit_config(&j).to_string().contains("Default"));
        j.auth = Auth::Bearer;
        assert!(!emit_config(&j).to_string().contains("Default"));
    }
}
