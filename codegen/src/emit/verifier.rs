//! Verifiers of what a provider sends the merchant: `WebhookVerifier`
//! (HMAC or RSA signatures over the raw body, JSON APIs) with the client
//! method that fetches the provider's public key, and
//! `NotificationVerifier` (a shared key in a form body, form APIs). Each
//! checks before it decodes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::doc::{self, Para};
use super::operation::error_parts;
use super::ty::{ident, rust_type};

/// `WebhookVerifier` for a JSON API's webhook settings.
pub fn emit_webhook(api: &Api, w: &Webhook) -> TokenStream {
    let event = rust_type(api, &TypeRef::Named(w.event));
    let event_name = api.name(w.event);
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
        WebhookSignature::HmacSha256 {
            header,
            key_id_header,
        } => {
            let lower = header.to_ascii_lowercase();
            let key_id = match key_id_header {
                Some(h) => {
                    let h = h.to_ascii_lowercase();
                    quote!(Some(#h))
                }
                None => quote!(None),
            };
            let rotation = match key_id_header {
                Some(h) => format!(
                    "A delivery whose `{h}` header names the id of one of the keys (see\n\
                     [`runtime::HmacKey::with_id`]) is checked against that key only; any other\n\
                     is checked against every key."
                ),
                None => "A delivery is authentic when any of the keys verifies it.".to_string(),
            };
            let struct_doc = doc::paragraphs(&[Para::Ours(&format!(
                "Verifies webhook deliveries: the `{header}` header must hold the HMAC-SHA256 of the raw\n\
                 body under your signing key (hex or base64), compared in constant time. Only a\n\
                 verified body is decoded."
            ))]);
            let keys_doc = doc::paragraphs(&[
                Para::Ours("A verifier accepting any of `keys`, for a key rotation."),
                Para::Ours(&rotation),
            ]);
            quote! {
                #struct_doc
                #[derive(Debug, Clone)]
                pub struct WebhookVerifier {
                    inner: rt::HmacSha256Verifier,
                }

                impl WebhookVerifier {
                    /// A verifier for deliveries signed with `signing_key` (held as a secret).
                    pub fn new(signing_key: impl Into<runtime::SecretString>) -> Self {
                        Self::with_keys([runtime::HmacKey::new(signing_key.into())])
                    }

                    #keys_doc
                    pub fn with_keys(keys: impl IntoIterator<Item = runtime::HmacKey>) -> Self {
                        Self {
                            inner: rt::HmacSha256Verifier::with_keys(keys.into_iter().collect(), #lower, #key_id),
                        }
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
                    api.op(*op).name
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

/// `Client::webhook_verifier` and `Client::verify_webhook`: the verifier
/// built from the public key that `op` answers, fetched once per client and
/// fetched again (rate-limited) when a signature does not match, in case
/// the provider rotated its key.
pub fn emit_webhook_verifier_method(api: &Api, op: &Operation, event: TypeId) -> TokenStream {
    let OperationWire::Json(j) = &op.wire else {
        return TokenStream::new();
    };
    let (err_ty, _) = error_parts(api, j);
    let event = rust_type(api, &TypeRef::Named(event));
    let method = ident(&op.name);
    let op_id = op.name.as_str();
    let d = doc::paragraphs(&[Para::Ours(&format!(
        "The verifier for callbacks and webhooks, with the public key from `{op_id}`: fetched\n\
         on first use, then cached for this client and its clones. Concurrent calls share\n\
         one fetch, and a failed fetch is shared too (and handed out for a second before the\n\
         key is asked for again)."
    ))]);
    let verify_doc = doc::paragraphs(&[Para::Ours(
        "Checks a callback or webhook delivery with the provider's public key (see\n\
         [`Client::webhook_verifier`]) over `body` exactly as received, then decodes it. When\n\
         the signature does not match, the key is fetched again (at most once a minute, in\n\
         case the provider rotated it) and the delivery checked once more.",
    )]);
    quote! {
        #d
        pub async fn webhook_verifier(&self) -> Result<WebhookVerifier, runtime::Error<#err_ty>> {
            let client = self.clone();
            self.webhook_keys
                .get_or_fetch(move || async move { client.fetch_webhook_verifier().await })
                .await
        }

        #verify_doc
        pub async fn verify_webhook(&self, headers: &runtime::HeaderMap, body: &[u8]) -> Result<#event, runtime::VerifyError> {
            let verifier = self.webhook_verifier().await.map_err(runtime::VerifyError::key_unavailable)?;
            match verifier.verify(headers, body) {
                Err(runtime::VerifyError::Mismatch) => {
                    let client = self.clone();
                    self.webhook_keys
                        .refresh(move || async move { client.fetch_webhook_verifier().await })
                        .await
                        .map_err(runtime::VerifyError::key_unavailable)?
                        .verify(headers, body)
                }
                checked => checked,
            }
        }

        async fn fetch_webhook_verifier(&self) -> Result<WebhookVerifier, runtime::Error<#err_ty>> {
            let pem = self.#method().await?;
            WebhookVerifier::from_pem(&pem).map_err(|e| rt::key_error(#op_id, e, &pem))
        }
    }
}

/// `NotificationVerifier`: checks the shared key of a form notification
/// against the (hashed) credential, then decodes it.
pub fn emit_notification(api: &Api, form: &FormApi, n: &Notification) -> TokenStream {
    let t = rust_type(api, &TypeRef::Named(n.ty));
    let type_name = api.name(n.ty);
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
            super::ty::word("shared_key"),
            quote!({
                let _ = hash;
                shared_key.into()
            }),
        ),
    };
    let doc_text = doc::paragraphs(&[Para::Ours(&format!(
        "Checks and reads incoming [`{type_name}`] notifications: the `{key}` field must equal the\n\
         hashed secret (compared in constant time), then the body is decoded; the key itself is\n\
         not kept. Answer an accepted notification with exactly [`NotificationVerifier::REPLY`]."
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

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn an_hmac_verifier_checks_its_header() {
        let mut api = api();
        let event = add(
            &mut api,
            "WebhookEvent",
            TypeKind::Struct(Struct::default()),
        );
        let w = Webhook {
            event,
            signature: WebhookSignature::HmacSha256 {
                header: "Klarna-Signature".into(),
                key_id_header: Some("Klarna-Signing-Key-Id".into()),
            },
        };
        let text = emit_webhook(&api, &w);
        assert_contains(
            &text,
            &[
            "Self :: with_keys ([runtime :: HmacKey :: new (signing_key . into ())])",
            "rt :: HmacSha256Verifier :: with_keys (keys . into_iter () . collect () , \"klarna-signature\" , Some (\"klarna-signing-key-id\"))",
            "pub fn verify (& self , headers : & runtime :: HeaderMap , body : & [u8]) -> Result < WebhookEvent , runtime :: VerifyError >",
            ],
        );
    }

    #[test]
    fn a_notification_verifier_hashes_the_credential() {
        let mut api = api();
        let status = add(
            &mut api,
            "TransactionStatus",
            TypeKind::Struct(Struct::default()),
        );
        let form = FormApi {
            credentials: vec![BodyCredential {
                wire: "key".into(),
                rust: Ident::new("portal_key"),
                doc: None,
                secret: true,
                hashes: vec![HashAlg::Md5],
            }],
            common: Vec::new(),
            charset_param: None,
            status_field: "status".into(),
            error: None,
            notification: None,
        };
        let n = Notification {
            ty: status,
            latin1: true,
            key_field: "key".into(),
            reply: "TSOK".into(),
        };
        let text = emit_notification(&api, &form, &n);
        assert_contains(
            &text,
            &[
                "pub const REPLY : & 'static str = \"TSOK\" ;",
                "Self { expected : hash . digest (& portal_key . into ()) }",
                "rt :: KeyValues :: parse_form (body , true)",
                "rt :: verify_shared_key (kv . get (\"key\") , \"key\" , & self . expected) ?",
            ],
        );
    }
}
