//! What the corpus tests share: finding the documents of a corpus folder
//! outside the project (read in place, never copied here), generating each,
//! and checking the generated clients with `cargo clippy -- -D warnings`.
//!
//! Each document becomes a crate of its own in one workspace under the
//! target directory, so that cargo checks them side by side and reuses the
//! dependencies the main workspace has built.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use paygen_codegen::diag::{Diagnostics, Severity};
use paygen_codegen::load::{self, ProviderOptions};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests is one level down")
        .to_path_buf()
}

/// `$var` when set, else `default` (relative to the workspace root).
pub fn corpus_dir(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => root().join(default),
    }
}

/// The documents of `dir`, in name order; `None` (and a note) when the
/// folder is absent.
pub fn documents(dir: &Path, var: &str) -> Option<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!(
            "SKIPPED: no OpenAPI corpus at {} (set {var} to run these corpus tests)",
            dir.display()
        );
        return None;
    };
    let mut docs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")
        })
        .collect();
    docs.sort();
    Some(docs)
}

/// `adyen-CheckoutService-v71.openapi.json` → `adyen_checkout_service_v71`.
pub fn module_name(doc: &Path) -> String {
    let name = doc.file_name().unwrap_or_default().to_string_lossy();
    let stem = name.split(".openapi").next().unwrap_or(&name);
    let stem = stem
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .trim_end_matches(".json");
    paygen_codegen::names::snake(stem, "doc")
}

/// Generates one document: its module source and warnings, or every error.
pub fn generate(doc: &Path) -> Result<(String, Vec<String>), Vec<String>> {
    let shown = doc.file_name().unwrap_or_default().to_string_lossy();
    let mut diags = Diagnostics::new(shown.to_string());
    let bytes = std::fs::read(doc).map_err(|e| vec![format!("{shown}: {e}")])?;
    let text = load::source::decode_utf8(&bytes, &mut diags).ok_or_else(|| {
        diags
            .items
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    })?;
    let folder = doc
        .parent()
        .and_then(Path::file_name)
        .map_or_else(String::new, |f| format!("{}/", f.to_string_lossy()));
    let opts = ProviderOptions::new(&module_name(doc), format!("{folder}{shown}"));
    let api = load::load_openapi_at(doc, &text, &opts, &mut diags);
    let rendered: Vec<String> = diags.items.iter().map(|d| d.to_string()).collect();
    let api = match api {
        Some(api) if !diags.has_errors() => api,
        _ => {
            return Err(rendered
                .into_iter()
                .zip(&diags.items)
                .filter(|(_, d)| d.severity == Severity::Error)
                .map(|(r, _)| r)
                .collect())
        }
    };
    let source = paygen_codegen::emit::module_source(&api)
        .map_err(|e| vec![format!("{shown}: emitted code does not parse: {e}")])?;
    Ok((source, rendered))
}

/// Generates every document, printing lines, time and warnings; fails
/// with every error of every document that does not generate.
pub fn every_document_generates(docs: &[PathBuf]) {
    assert!(!docs.is_empty(), "the corpus folder holds no documents");
    let mut failures = Vec::new();
    for doc in docs {
        let started = Instant::now();
        match generate(doc) {
            Ok((source, warnings)) => {
                eprintln!(
                    "{}: {} lines in {:?} ({} build), {} warnings",
                    doc.display(),
                    source.lines().count(),
                    started.elapsed(),
                    if cfg!(debug_assertions) {
                        "debug"
                    } else {
                        "release"
                    },
                    warnings.len()
                );
                for w in warnings {
                    eprintln!("  {w}");
                }
            }
            Err(errors) => failures.push(format!("{}:\n  {}", doc.display(), errors.join("\n  "))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Writes each generated client as a crate of the workspace
/// `target/<name>/` and runs `cargo clippy --workspace -- -D warnings` on
/// it, sharing the main workspace's target directory (dependencies are
/// built once).
pub fn every_client_compiles_without_warnings(docs: &[PathBuf], name: &str) {
    let root = root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let workspace = target.join(name);
    std::fs::create_dir_all(&workspace).expect("create the corpus workspace");
    let runtime = root.join("runtime");
    let mut members = Vec::new();
    for doc in docs {
        let module = module_name(doc);
        let (source, _) = generate(doc)
            .unwrap_or_else(|e| panic!("{} does not generate:\n{}", doc.display(), e.join("\n")));
        let krate = workspace.join(&module);
        std::fs::create_dir_all(krate.join("src")).expect("create a corpus crate");
        write_if_changed(&krate.join(format!("src/{module}.rs")), &source);
        write_if_changed(
            &krate.join("src/lib.rs"),
            &format!(
                "//! The client generated from `{}` (by tests/tests/corpus_common).\n\
                 #[rustfmt::skip]\npub mod {module};\n",
                doc.file_name().unwrap_or_default().to_string_lossy()
            ),
        );
        write_if_changed(
            &krate.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"corpus-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\npaygen-runtime = {{ path = {:?} }}\n",
                module.replace('_', "-"),
                runtime.display().to_string()
            ),
        );
        members.push(format!("{module:?}"));
    }
    write_if_changed(
        &workspace.join("Cargo.toml"),
        &format!(
            "# Written by tests/tests/corpus_common: one crate per corpus document.\n\
             [workspace]\nresolver = \"2\"\nmembers = [{}]\n\n\
             # The main workspace's profile, so that its dependencies are reused.\n\
             [profile.dev.package.\"*\"]\ndebug = false\n",
            members.join(", ")
        ),
    );
    // The same dependency versions as the workspace, without a resolution.
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    if !workspace.join("Cargo.lock").exists() {
        write_if_changed(&workspace.join("Cargo.lock"), &lock);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let out = Command::new(cargo)
        .args([
            "clippy",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo clippy");
    eprintln!(
        "clippy on {} generated clients: {:?}",
        docs.len(),
        started.elapsed()
    );
    assert!(
        out.status.success(),
        "the generated corpus clients do not pass `cargo clippy -- -D warnings`:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).expect("write the corpus crate");
    }
}
