//! `paygen-codegen`: payment-provider specs → typed Rust clients.
//!
//! The pipeline has one job per module:
//!
//! 1. [`load`] reads a provider folder (OpenAPI, or our YAML format) and
//!    `paygen.yaml`, reports every problem as a [`diag::Diagnostic`] with
//!    file, line, column and JSON pointer, and returns a finished model;
//! 2. [`model`] is that plain-data form: types in an arena keyed by id,
//!    operations, the wire protocol;
//! 3. [`emit`] turns a model into Rust tokens, one emitter per construct,
//!    and formats them with prettyplease;
//! 4. [`write`] puts the files in place atomically, or lists the stale ones.

pub mod diag;
pub mod emit;
pub mod fake;
pub mod load;
pub mod model;
pub mod names;
pub mod surface;
pub mod wiring;
pub mod write;

use std::path::Path;

use diag::Diagnostic;
use write::OutputFile;

/// The result of generating every provider under a specs directory.
#[derive(Debug, Default)]
pub struct Generation {
    pub files: Vec<OutputFile>,
    /// The modules generated, in name order, with the runtime features each
    /// needs (for the crate's `lib.rs` and `Cargo.toml`).
    pub modules: Vec<ModuleInfo>,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
}

/// What a host crate needs to know of one generated module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub module: String,
    /// The spec it was generated from, relative to the workspace.
    pub source: String,
    /// `paygen-runtime` features the module uses (`form`, `hmac`, `rsa`, `token-auth`).
    pub runtime_features: Vec<&'static str>,
}

impl ModuleInfo {
    fn of(api: &model::Api) -> Self {
        ModuleInfo {
            module: api.module.as_str().to_string(),
            source: api.source.clone(),
            runtime_features: runtime_features(api),
        }
    }
}

/// The `paygen-runtime` features a module generated from `api` needs.
pub fn runtime_features(api: &model::Api) -> Vec<&'static str> {
    use model::*;
    let mut features = Vec::new();
    match &api.protocol {
        Protocol::Form(_) => features.push("form"),
        Protocol::Json(j) => {
            if let Auth::TokenEndpoint(_) = j.auth {
                features.push("token-auth");
            }
            match j.webhook.as_ref().map(|w| &w.signature) {
                Some(WebhookSignature::HmacSha256 { .. }) => features.push("hmac"),
                Some(WebhookSignature::RsaSha256 { .. }) => features.push("rsa"),
                None => {}
            }
        }
    }
    features
}

/// Generates one module per provider folder in `specs_dir`, in name order.
/// `display_root` is stripped from file names shown in output.
pub fn generate(specs_dir: &Path, display_root: &Path) -> Generation {
    let mut out = Generation::default();
    let mut dirs: Vec<_> = match std::fs::read_dir(specs_dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            out.errors.push(Diagnostic {
                severity: diag::Severity::Error,
                file: specs_dir.display().to_string(),
                line: None,
                column: None,
                pointer: None,
                message: format!("cannot list the specs directory: {e}"),
            });
            return out;
        }
    };
    dirs.sort();
    for dir in dirs {
        match load::load_provider(&dir, display_root).and_then(emit_module) {
            Ok((file, info, warnings)) => {
                out.files.push(file);
                out.modules.push(info);
                out.warnings.extend(warnings);
            }
            Err(failure) => out.errors.extend(failure.diagnostics),
        }
    }
    out.modules.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

/// Generates the offline fake (a module of `paygen-fake`) of every provider
/// folder in `specs_dir` whose paygen.yaml has a `fake:` section, in name
/// order. Diagnostics are those of [`generate`] plus the section's own.
pub fn generate_fakes(specs_dir: &Path, display_root: &Path) -> Generation {
    let mut out = Generation::default();
    let dirs = match provider_dirs(specs_dir) {
        Ok(d) => d,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    for dir in dirs {
        let loaded = match load::load_provider(&dir, display_root) {
            Ok(l) => l,
            Err(failure) => {
                out.errors.extend(failure.diagnostics);
                continue;
            }
        };
        match fake::emit::fake_source(&loaded.api) {
            None => {}
            Some(Ok(source)) => {
                out.files.push(OutputFile {
                    path: format!("{}.rs", loaded.api.module.as_str()).into(),
                    contents: source,
                });
                out.modules.push(ModuleInfo {
                    module: loaded.api.module.as_str().to_string(),
                    source: loaded.api.source.clone(),
                    runtime_features: Vec::new(),
                });
                out.warnings.extend(loaded.warnings);
            }
            Some(Err(e)) => out.errors.push(Diagnostic {
                severity: diag::Severity::Error,
                file: loaded.api.source.clone(),
                line: None,
                column: None,
                pointer: None,
                message: format!(
                    "internal error: the emitted fake does not parse ({e}); please report this with the spec"
                ),
            }),
        }
    }
    out.modules.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

/// The provider folders of a specs directory, in name order.
fn provider_dirs(specs_dir: &Path) -> Result<Vec<std::path::PathBuf>, Diagnostic> {
    let rd = std::fs::read_dir(specs_dir).map_err(|e| Diagnostic {
        severity: diag::Severity::Error,
        file: specs_dir.display().to_string(),
        line: None,
        column: None,
        pointer: None,
        message: format!("cannot list the specs directory: {e}"),
    })?;
    let mut dirs: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// One generated module: its file, what a host crate needs to know of it
/// (the runtime features among it), and the warnings.
pub type Module = (OutputFile, ModuleInfo, Vec<Diagnostic>);

/// Generates the module for one provider folder.
pub fn generate_provider(dir: &Path, display_root: &Path) -> Result<Module, Vec<Diagnostic>> {
    load::load_provider(dir, display_root)
        .and_then(emit_module)
        .map_err(|f| f.diagnostics)
}

/// Generates a module from one OpenAPI document outside a provider folder
/// (the command-line generator); `shown` names the file in diagnostics.
pub fn generate_document(
    path: &Path,
    module: &str,
    shown: &str,
) -> Result<Module, Vec<Diagnostic>> {
    load::load_document(path, module, shown)
        .and_then(emit_module)
        .map_err(|f| f.diagnostics)
}

fn emit_module(loaded: load::Loaded) -> Result<Module, load::LoadFailure> {
    let source = emit::module_source(&loaded.api).map_err(|e| load::LoadFailure {
        diagnostics: vec![Diagnostic {
            severity: diag::Severity::Error,
            file: loaded.api.source.clone(),
            line: None,
            column: None,
            pointer: None,
            message: format!(
                "internal error: the emitted code does not parse ({e}); please report this with the spec"
            ),
        }],
    })?;
    Ok((
        OutputFile {
            path: format!("{}.rs", loaded.api.module.as_str()).into(),
            contents: source,
        },
        ModuleInfo::of(&loaded.api),
        loaded.warnings,
    ))
}
