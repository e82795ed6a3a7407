//! Loaders: spec files → a finished [`crate::model::Api`].
//!
//! A provider is a folder under `specs/` holding the API description
//! (`openapi.yaml` / `openapi.json`, or `spec.yaml` in our own format) and an
//! optional `paygen.yaml` with settings a vendor document cannot express.
//! Keeping those settings apart means a vendor's own document can be dropped
//! in unchanged. `paygen.yaml` is checked like a spec: an unknown key, a
//! setting that does not apply, or a name that matches nothing in the spec
//! is reported at its line.

pub(crate) mod bundle;
pub(crate) mod finish;
pub mod format;
pub mod handwritten;
pub mod normalize;
pub mod openapi;
pub mod source;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{Api, Auth, ClientHeader, Ident};
use crate::names;

/// Settings from `paygen.yaml`, with defaults filled in.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    /// Rust module and cargo feature name.
    pub module: Ident,
    /// The spec file, relative to the workspace root (for headers).
    pub source: String,
    /// Overrides the document's security scheme (OpenAPI only).
    pub auth: Option<Auth>,
    pub idempotency_header: Option<String>,
    pub client_headers: Vec<ClientHeader>,
    /// Extra type names the module must not use.
    pub reserved_types: Vec<String>,
    pub webhook: Option<WebhookOptions>,
    pub retry_on_body: Option<crate::model::RetryOnBody>,
    /// Response structs keep undeclared properties in `additional`.
    pub keep_unknown_fields: bool,
    /// Where the vendor publishes the document (`cargo xtask update-specs`).
    pub spec_url: Option<String>,
}

impl ProviderOptions {
    /// Defaults for a document outside a provider folder.
    pub fn new(module: &str, source: impl Into<String>) -> Self {
        ProviderOptions {
            module: Ident::new(names::snake(module, "provider")),
            source: source.into(),
            auth: None,
            idempotency_header: None,
            client_headers: Vec::new(),
            reserved_types: Vec::new(),
            webhook: None,
            retry_on_body: None,
            keep_unknown_fields: false,
            spec_url: None,
        }
    }
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
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WebhookOptions {
    /// Name of the schema (in the spec) that a delivery decodes to.
    pub event: String,
    pub signature: WebhookScheme,
    /// Header carrying the signature.
    pub header: String,
    /// For `rsa-sha256`: the operation (id or method name) that returns the PEM public key.
    #[serde(default)]
    pub public_key_operation: Option<String>,
    /// For `hmac-sha256`: the header naming the signing key (key rotation).
    #[serde(default)]
    pub key_id_header: Option<String>,
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
    source: Option<String>,
    auth: Option<AuthSetting>,
    idempotency_header: Option<String>,
    #[serde(default)]
    client_headers: Vec<ClientHeaderSetting>,
    webhook: Option<WebhookOptions>,
    retry_on_body: Option<RetryOnBodyOptions>,
    #[serde(default)]
    keep_unknown_fields: bool,
    /// The offline fake (`paygen-fake`), resolved once the model is finished.
    fake: Option<crate::fake::load::RawFake>,
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

/// A loaded provider: the finished model plus any warnings.
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
    let mut odiags = Diagnostics::new(shown(&options_path));
    let file: OptionsFile = if options_path.exists() {
        let Some(text) = read_text(&options_path, &mut odiags) else {
            return Err(fail(odiags, Diagnostics::default()));
        };
        odiags.set_locator(source::Locator::new(&text));
        match serde_yaml::from_str::<Option<OptionsFile>>(&text) {
            Ok(f) => f.unwrap_or_default(),
            Err(e) => {
                push_yaml_error(&mut odiags, &e, &text);
                return Err(fail(odiags, Diagnostics::default()));
            }
        }
    } else {
        OptionsFile::default()
    };
    let spec_path: PathBuf = match find_spec(dir, file.spec.as_deref()) {
        Some(p) => p,
        None => {
            odiags.file = shown(dir);
            odiags.error(
                "",
                format!("no spec file found; expected one of {SPEC_NAMES:?}"),
            );
            return Err(fail(odiags, Diagnostics::default()));
        }
    };
    let handwritten = spec_path.file_name().is_some_and(|n| n == "spec.yaml");
    let module = file.module.as_deref().unwrap_or(&folder);
    let mut opts = ProviderOptions::new(module, shown(&spec_path));
    if file
        .module
        .as_deref()
        .is_some_and(|m| m != opts.module.as_str())
    {
        odiags.error(
            "/module",
            format!(
                "`{}` is not a Rust module name; expected snake_case such as `{}`",
                file.module.as_deref().unwrap_or_default(),
                opts.module
            ),
        );
    }
    // Header names given here reach the runtime unchecked, as the spec's do.
    let mut header_names: Vec<(String, &str)> = Vec::new();
    if let Some(AuthSetting::ApiKeyHeader(h)) = &file.auth {
        header_names.push(("/auth".into(), h));
    }
    if let Some(h) = &file.idempotency_header {
        header_names.push(("/idempotency-header".into(), h));
    }
    for (i, h) in file.client_headers.iter().enumerate() {
        header_names.push((format!("/client-headers/{i}/name"), &h.name));
    }
    for (pointer, name) in header_names {
        if !names::is_header_name(name) {
            odiags.error(
                pointer,
                format!(
                    "`{name}` is not a valid HTTP header name (letters, digits and \
                     !#$%&'*+-.^_`|~ only)"
                ),
            );
        }
    }
    opts.auth = file.auth.map(|a| match a {
        AuthSetting::None => Auth::None,
        AuthSetting::Bearer => Auth::Bearer,
        AuthSetting::Basic => Auth::Basic,
        AuthSetting::BasicRawKey => Auth::BasicRawKey,
        AuthSetting::ApiKeyHeader(header) => Auth::ApiKeyHeader { header },
    });
    opts.idempotency_header = file.idempotency_header;
    opts.client_headers = file
        .client_headers
        .into_iter()
        .map(|h| ClientHeader {
            rust: Ident::new(names::snake(&h.name, "header")),
            wire: h.name,
            doc: h.doc,
        })
        .collect();
    opts.webhook = file.webhook;
    opts.retry_on_body = file.retry_on_body.map(|r| crate::model::RetryOnBody {
        status: r.status,
        field: r.field,
        values: r.values,
    });
    opts.keep_unknown_fields = file.keep_unknown_fields;
    opts.spec_url = file.source;
    if handwritten && opts.auth.is_some() {
        odiags.error(
            "/auth",
            "`auth` applies to OpenAPI documents; a hand-written spec declares `auth:` itself",
        );
    }
    let mut diags = Diagnostics::new(opts.source.clone());
    let Some(text) = read_text(&spec_path, &mut diags) else {
        return Err(fail(odiags, diags));
    };
    let draft = if handwritten {
        handwritten::load(&text, &opts, &mut diags)
    } else {
        load_openapi_text(&text, Some(&spec_path), &opts, &mut diags)
    };
    let Some(draft) = draft else {
        return Err(fail(odiags, diags));
    };
    if draft.form.is_some() {
        // Settings of JSON APIs that a form API has no place for.
        let json_only = [
            ("/idempotency-header", opts.idempotency_header.is_some()),
            ("/client-headers", !opts.client_headers.is_empty()),
            ("/retry-on-body", opts.retry_on_body.is_some()),
            ("/webhook", opts.webhook.is_some()),
            ("/keep-unknown-fields", opts.keep_unknown_fields),
        ];
        for (key, set) in json_only {
            if set {
                odiags.error(
                    key,
                    format!(
                        "`{}` applies to JSON APIs; this spec is form-encoded",
                        &key[1..]
                    ),
                );
            }
        }
    }
    if diags.has_errors() || odiags.has_errors() {
        return Err(fail(odiags, diags));
    }
    let mut api = finish::finish(draft, &opts, &mut odiags);
    if let Some(raw) = &file.fake {
        api.fake = crate::fake::load::resolve(raw, &api, &mut odiags);
    }
    if odiags.has_errors() {
        return Err(fail(odiags, diags));
    }
    let mut warnings = odiags.items;
    warnings.extend(diags.items);
    Ok(Loaded { api, warnings })
}

/// The spec file of a provider folder: `spec:` of paygen.yaml, else the
/// first of [`SPEC_NAMES`] that exists.
fn find_spec(dir: &Path, spec: Option<&str>) -> Option<PathBuf> {
    match spec {
        Some(s) => Some(dir.join(s)),
        None => SPEC_NAMES.iter().map(|n| dir.join(n)).find(|p| p.exists()),
    }
}

/// Where a provider keeps its spec and where the vendor publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSpec {
    /// The spec file in the provider folder.
    pub spec_path: PathBuf,
    /// `source:` of paygen.yaml ([`ProviderOptions::spec_url`]).
    pub spec_url: Option<String>,
}

/// Reads `paygen.yaml` of the provider in `dir` for its spec file and
/// `source:` URL, without loading the spec (`cargo xtask update-specs`).
pub fn provider_spec(dir: &Path, display_root: &Path) -> Result<ProviderSpec, LoadFailure> {
    let options_path = dir.join("paygen.yaml");
    let shown = options_path
        .strip_prefix(display_root)
        .unwrap_or(&options_path)
        .to_string_lossy()
        .replace('\\', "/");
    let mut diags = Diagnostics::new(shown);
    let file: OptionsFile = if options_path.exists() {
        let Some(text) = read_text(&options_path, &mut diags) else {
            return Err(fail(diags, Diagnostics::default()));
        };
        diags.set_locator(source::Locator::new(&text));
        match serde_yaml::from_str::<Option<OptionsFile>>(&text) {
            Ok(f) => f.unwrap_or_default(),
            Err(e) => {
                push_yaml_error(&mut diags, &e, &text);
                return Err(fail(diags, Diagnostics::default()));
            }
        }
    } else {
        OptionsFile::default()
    };
    match find_spec(dir, file.spec.as_deref()) {
        Some(spec_path) => Ok(ProviderSpec {
            spec_path,
            spec_url: file.source,
        }),
        None => {
            diags.error(
                "",
                format!("no spec file found; expected one of {SPEC_NAMES:?}"),
            );
            Err(fail(diags, Diagnostics::default()))
        }
    }
}

/// Loads an OpenAPI document given as text, with `opts`, into a finished
/// model; `None` when `diags` holds an error.
pub fn load_openapi(text: &str, opts: &ProviderOptions, diags: &mut Diagnostics) -> Option<Api> {
    finish_openapi(load_openapi_text(text, None, opts, diags)?, opts, diags)
}

/// Like [`load_openapi`], for the text of the file at `path`: `$ref`s to
/// other files resolve relative to it.
pub fn load_openapi_at(
    path: &Path,
    text: &str,
    opts: &ProviderOptions,
    diags: &mut Diagnostics,
) -> Option<Api> {
    finish_openapi(
        load_openapi_text(text, Some(path), opts, diags)?,
        opts,
        diags,
    )
}

fn finish_openapi(
    draft: finish::Draft,
    opts: &ProviderOptions,
    diags: &mut Diagnostics,
) -> Option<Api> {
    if diags.has_errors() {
        return None;
    }
    let mut options_diags = Diagnostics::new(diags.file.clone());
    let api = finish::finish(draft, opts, &mut options_diags);
    diags.items.extend(options_diags.items);
    (!diags.has_errors()).then_some(api)
}

/// Loads one OpenAPI document outside a provider folder (the command-line
/// generator), with default settings.
pub fn load_document(path: &Path, module: &str, shown: &str) -> Result<Loaded, LoadFailure> {
    let opts = ProviderOptions::new(module, shown);
    let mut diags = Diagnostics::new(shown);
    let Some(text) = read_text(path, &mut diags) else {
        return Err(fail(Diagnostics::default(), diags));
    };
    let Some(draft) = load_openapi_text(&text, Some(path), &opts, &mut diags) else {
        return Err(fail(Diagnostics::default(), diags));
    };
    if diags.has_errors() {
        return Err(fail(Diagnostics::default(), diags));
    }
    let mut odiags = Diagnostics::new(shown);
    let api = finish::finish(draft, &opts, &mut odiags);
    Ok(Loaded {
        api,
        warnings: diags.items,
    })
}

fn fail(options: Diagnostics, spec: Diagnostics) -> LoadFailure {
    let mut diagnostics = options.items;
    diagnostics.extend(spec.items);
    LoadFailure { diagnostics }
}

/// Parses and converts an OpenAPI document given as text.
///
/// The text is read into a `serde_json::Value` (serde_json for JSON,
/// serde_yaml for YAML), normalised to OpenAPI 3.0 by [`normalize`] (3.1
/// constructs, vendor quirks; each lossy rewrite is a warning), then read
/// into `openapiv3::OpenAPI` through `serde_path_to_error`, so that a value
/// of the wrong shape is reported at its JSON pointer and line:column.
///
/// With the document's `path`, `$ref`s to other local files are first
/// brought into it by [`bundle`]; without one they are reported.
pub(crate) fn load_openapi_text(
    text: &str,
    path: Option<&Path>,
    opts: &ProviderOptions,
    diags: &mut Diagnostics,
) -> Option<finish::Draft> {
    diags.set_locator(source::Locator::new(text));
    let mut value = parse_value(text, diags)?;
    if !value.is_object() {
        diags.error(
            "",
            "expected an OpenAPI document (a map with `openapi`, `info` and `paths`)",
        );
        return None;
    }
    if let (Some(version), None) = (value.get("swagger"), value.get("openapi")) {
        // Reading it as OpenAPI 3 would report every Swagger construct (a
        // body parameter, `definitions`) one by one, and never say why.
        let version = match version {
            serde_json::Value::String(v) => v.clone(),
            other => other.to_string(),
        };
        diags.error(
            "/swagger",
            format!(
                "a Swagger {version} document; the generator reads OpenAPI 3.0 and 3.1 only: \
                 convert it to OpenAPI 3 first (for example with swagger2openapi)"
            ),
        );
        return None;
    }
    if let Some(path) = path {
        bundle::bundle(&mut value, path, diags);
        if diags.has_errors() {
            return None;
        }
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

/// A JSON or YAML text (JSON when it starts with `{`) as a value, or its
/// first syntax error at its line and column.
pub(crate) fn parse_value(text: &str, diags: &mut Diagnostics) -> Option<serde_json::Value> {
    let value: serde_json::Value = if text.trim_start().starts_with('{') {
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
                    None => push_yaml_error(diags, &e, text),
                }
                return None;
            }
        }
    };
    Some(value)
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

/// A YAML reader or shape error at its line and column of `text`.
///
/// serde_yaml appends the position to its message (" at line L column C");
/// it is reported apart. Errors of the reader itself (a control character,
/// invalid indentation of a scalar) come with a byte offset instead
/// (" at position 5011") and a location of 1:1, so the offset is what is
/// turned into the line and column.
pub(crate) fn push_yaml_error(diags: &mut Diagnostics, e: &serde_yaml::Error, text: &str) {
    let message = e.to_string();
    if let Some((head, pos)) = message
        .rsplit_once(" at position ")
        .and_then(|(h, p)| Some((h, p.trim().parse::<usize>().ok()?)))
    {
        let (line, column) = source::line_column(text, pos);
        return diags.error_at(line, column, format!("not a valid document: {head}"));
    }
    let message = format!(
        "not a valid document: {}",
        message.split(" at line ").next().unwrap_or(&message)
    );
    match e.location() {
        Some(loc) => diags.error_at(loc.line(), loc.column(), message),
        None => diags.error("", message),
    }
}
