//! `paygen-codegen`: payment-provider specs → typed Rust clients.
//!
//! The pipeline has one job per module:
//!
//! 1. [`load`] reads a provider folder (OpenAPI, or our YAML format) and
//!    reports every problem as a [`diag::Diagnostic`] with file, line,
//!    column and JSON pointer;
//! 2. [`model`] is the plain-data intermediate form both loaders produce,
//!    finished by [`shape`] (success and error types, boxing);
//! 3. [`emit`] turns a model into Rust tokens and formats them with prettyplease;
//! 4. [`write`] puts the files in place atomically, or lists the stale ones.

pub mod diag;
pub mod emit;
pub mod load;
pub mod model;
pub mod names;
pub mod shape;
pub mod write;

use std::path::Path;

use diag::Diagnostic;
use write::OutputFile;

/// The result of generating every provider under a specs directory.
#[derive(Debug, Default)]
pub struct Generation {
    pub files: Vec<OutputFile>,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
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
        match generate_provider(&dir, display_root) {
            Ok((file, warnings)) => {
                out.files.push(file);
                out.warnings.extend(warnings);
            }
            Err(errors) => out.errors.extend(errors),
        }
    }
    out
}

/// Generates the module for one provider folder.
pub fn generate_provider(
    dir: &Path,
    display_root: &Path,
) -> Result<(OutputFile, Vec<Diagnostic>), Vec<Diagnostic>> {
    let loaded = load::load_provider(dir, display_root).map_err(|f| f.diagnostics)?;
    let source = emit::module_source(&loaded.api).map_err(|e| {
        vec![Diagnostic {
            severity: diag::Severity::Error,
            file: loaded.api.source.clone(),
            line: None,
            column: None,
            pointer: None,
            message: format!("internal error: the emitted code does not parse ({e}); please report this with the spec"),
        }]
    })?;
    Ok((
        OutputFile {
            path: format!("{}.rs", loaded.api.module).into(),
            contents: source,
        },
        loaded.warnings,
    ))
}
