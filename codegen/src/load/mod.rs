//! Loaders: spec files → [`crate::model::Api`].
//!
//! A provider is a folder under `specs/` holding the API description
//! (`openapi.yaml` / `openapi.json`, or `spec.yaml` in our own format) and an
//! optional `paygen.yaml` with settings a vendor document cannot express.
//! Keeping those settings apart means a vendor's own document can be dropped
//! in unchanged.

pub mod format;
pub mod handwritten;
pub mod normalize;
pub mod openapi;
pub mod source;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{Api, Auth, ClientHeader};
use crate::names;

/// Settings from `paygen.yaml`, with defaults filled in.
#[derive(Debug, Clone, Default)]
pub struct ProviderOptions {
    /// Rust module and cargo feature name.
    pub module: String,
    /// The spec file, relative to the workspace root (for headers).
    pub source: String,
    /// Overrides the document's security scheme.
    pub auth: Option<Auth>,
    pub idempotency_header: Option<String>,
    pub client_headers: Vec<ClientHeader>,
    /// Extra type names the module must not use.
    pub reserved_types: Vec<String>,
    pub webhook: Option<WebhookOptions>,
    pub retry_on_body: Option<crate::model::RetryOnBody>,
}

/// `retry-on-body:` in paygen.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryOnBodyOptions {
    status: u16,
    field: String,
    values: Vec<String>,
}

/// `webhook:` in paygen.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookOptions {
    /// Name of the schema (in the spec) that a delivery decodes to.
    pub event: String,
    /// Only `hmac-sha256` for now.
    pub signature: WebhookScheme,
    /// Header carrying the signature.
    pub header: String,
    /// For `rsa-sha256`: the operation (id or method name) that returns the PEM public key.
    #[serde(default, rename = "public-key-operation")]
    pub public_key_operation: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookScheme {
    HmacSha256,
    RsaSha256,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct OptionsFile {
    module: Option<String>,
    spec: Option<String>,
    auth: Option<AuthSetting>,
    idempotency_header: Option<String>,
    #[serde(default)]
    client_headers: Vec<ClientHeaderSetting>,
    webhook: Option<WebhookOptions>,
    retry_on_body: Option<RetryOnBodyOptions>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum AuthSetting {
    None,
    Bearer,
    Basic,
    BasicRawKey,
    ApiKeyHeader(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientHeaderSetting {
    name: String,
    doc: Option<String>,
}

/// Everything that went wrong loading one provider.
#[derive(Debug)]
pub struct LoadFailure {
    pub diagnostics: Vec<Diagnostic>,
}

/// A loaded provider: the model plus any warnings.
#[derive(Debug)]
pub struct Loaded {
    pub api: Api,
    pub warnings: Vec<Diagnostic>,
}

const SPEC_NAMES: &[&str] = &["openapi.yaml", "openapi.yml", "openapi.json", "spec.yaml"];

/// Loads the provider in `dir`. `display_root` is stripped from paths shown
/// in diagnostics and headers, so output does not depend on the checkout.
pub fn load_provider(dir: &Path, display_root: &Path) -> Result<Loaded, LoadFailure> {
    let shown = |p: &Path| {
        p.strip_prefix(display_root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options_path = dir.join("paygen.yaml");
    let mut diags = Diagnostics::new(shown(&options_path));
    let file: OptionsFile = if options_path.exists() {
        match read_text(&options_path, &mut diags) {
            Some(text) => match serde_yaml::from_str::<Option<OptionsFile>>(&text) {
                Ok(f) => f.unwrap_or_default(),
                Err(e) => {
                    push_yaml_error(&mut diags, &e);
                    return Err(LoadFailure {
                        diagnostics: diags.items,
                    });
                }
            },
            None => {
                return Err(LoadFailure {
                    diagnostics: diags.items,
                })
            }
        }
    } else {
        OptionsFile::default()
    };
    let spec_path: PathBuf = match &file.spec {
        Some(s) => dir.join(s),
        None => match SPEC_NAMES.iter().map(|n| dir.join(n)).find(|p| p.exists()) {
            Some(p) => p,
            None => {
                diags.file = shown(dir);
                diags.error(
                    "",
                    format!("no spec file found; expected one of {SPEC_NAMES:?}"),
                );
                return Err(LoadFailure {
                    diagnostics: diags.items,
                });
            }
        },
    };
    let opts = ProviderOptions {
        module: file
            .module
            .unwrap_or_else(|| names::snake(&folder, "provider")),
        source: shown(&spec_path),
        auth: file.auth.map(|a| match a {
            AuthSetting::None => Auth::None,
            AuthSetting::Bearer => Auth::Bearer,
            AuthSetting::Basic => Auth::Basic,
            AuthSetting::BasicRawKey => Auth::BasicRawKey,
            AuthSetting::ApiKeyHeader(header) => Auth::ApiKeyHeader { header },
        }),
        idempotency_header: file.idempotency_header,
        client_headers: file
            .client_headers
            .into_iter()
            .map(|h| ClientHeader {
                rust: names::snake(&h.name, "header"),
                wire: h.name,
                doc: h.doc,
            })
            .collect(),
        reserved_types: Vec::new(),
        webhook: file.webhook,
        retry_on_body: file.retry_on_body.map(|r| crate::model::RetryOnBody {
            status: r.status,
            field: r.field,
            values: r.values,
        }),
    };
    let mut diags = Diagnostics::new(opts.source.clone());
    let Some(text) = read_text(&spec_path, &mut diags) else {
        return Err(LoadFailure {
            diagnostics: diags.items,
        });
    };
    let handwritten = spec_path.file_name().is_some_and(|n| n == "spec.yaml");
    let api = if handwritten {
        handwritten::load(&text, &opts, &mut diags)
    } else {
        load_openapi_text(&text, &opts, &mut diags)
    };
    finish(api, diags)
}

/// Parses and converts an OpenAPI document given as text.
///
/// The text is read into a `serde_json::Value` (serde_json for JSON,
/// serde_yaml for YAML), normalised to OpenAPI 3.0 by [`normalize`] (3.1
/// constructs, vendor quirks; each lossy rewrite is a warning), then read
/// into `openapiv3::OpenAPI` through `serde_path_to_error`, so that a value
/// of the wrong shape is reported at its JSON pointer and line:column.
pub fn load_openapi_text(
    text: &str,
    opts: &ProviderOptions,
    diags: &mut Diagnostics,
) -> Option<Api> {
    diags.set_locator(source::Locator::new(text));
    let mut value: serde_json::Value = if text.trim_start().starts_with('{') {
        match serde_json::from_str::<source::StrictValue>(text) {
            Ok(v) => v.0,
            Err(e) => {
                let text = e.to_string();
                let message = text.split(" at line ").next().unwrap_or(&text);
                diags.error_at(
                    e.line(),
                    e.column(),
                    format!("not a valid JSON document: {message}"),
                );
                return None;
            }
        }
    } else {
        match serde_yaml::from_str::<source::StrictValue>(text) {
            Ok(v) => v.0,
            Err(e) => {
                let message = e.to_string();
                match message.split_once(": duplicate key `") {
                    // Point at the second occurrence, not at the map.
                    Some((path, rest)) => {
                        let key = rest.split('`').next().unwrap_or_default();
                        diags.error(
                            crate::diag::join(&source::yaml_path_pointer(path), key),
                            format!(
                                "not a valid document: duplicate key `{key}`; each key may \
                                 appear only once in a map"
                            ),
                        );
                    }
                    None => push_yaml_error(diags, &e),
                }
                return None;
            }
        }
    };
    if !value.is_object() {
        diags.error(
            "",
            "expected an OpenAPI document (a map with `openapi`, `info` and `paths`)",
        );
        return None;
    }
    normalize::normalize(&mut value, diags);
    let doc: openapiv3::OpenAPI = match serde_path_to_error::deserialize(value) {
        Ok(doc) => doc,
        Err(e) => {
            let pointer = source::path_pointer(e.path());
            let message = source::describe_shape_error(&e.inner().to_string());
            diags.error(pointer, format!("not a valid document: {message}"));
            return None;
        }
    };
    // Shape errors found while normalising replaced the bad values, so the
    // loader can still report every other problem in this run.
    Some(openapi::load(&doc, opts, diags))
}

fn finish(api: Option<Api>, diags: Diagnostics) -> Result<Loaded, LoadFailure> {
    match api {
        Some(mut api) if !diags.has_errors() => {
            crate::shape::finish(&mut api);
            Ok(Loaded {
                api,
                warnings: diags.items,
            })
        }
        _ => Err(LoadFailure {
            diagnostics: diags.items,
        }),
    }
}

fn read_text(path: &Path, diags: &mut Diagnostics) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => source::decode_utf8(&bytes, diags),
        Err(e) => {
            diags.error("", format!("cannot read the file: {e}"));
            None
        }
    }
}

pub(crate) fn push_yaml_error(diags: &mut Diagnostics, e: &serde_yaml::Error) {
    let message = e.to_string();
    // serde_yaml appends " at line L column C"; the position is reported apart.
    let message = format!(
        "not a valid document: {}",
        message.split(" at line ").next().unwrap_or(&message)
    );
    match e.location() {
        Some(loc) => diags.error_at(loc.line(), loc.column(), message),
        None => diags.error("", message),
    }
}
