//! Real-world OpenAPI documents written by others (`../shared/openapi-corpus/`,
//! read in place, never copied here): each must generate without errors, and
//! the generated clients together must pass `cargo clippy -- -D warnings`.
//!
//! The folder is outside the project; when it is absent the test says so and
//! passes. `PAYGEN_CORPUS=/some/dir` points it elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use paygen_codegen::diag::{Diagnostics, Severity};
use paygen_codegen::load::{self, ProviderOptions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests is one level down")
        .to_path_buf()
}

fn corpus_dir() -> PathBuf {
    match std::env::var_os("PAYGEN_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("../shared/openapi-corpus"),
    }
}

/// The corpus documents, in name order; `None` when the folder is absent.
fn documents() -> Option<Vec<PathBuf>> {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED: no OpenAPI corpus at {} (set PAYGEN_CORPUS to run the corpus tests)",
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
fn module_name(doc: &Path) -> String {
    let name = doc.file_name().unwrap_or_default().to_string_lossy();
    let stem = name.split(".openapi").next().unwrap_or(&name);
    let stem = stem.trim_end_matches(".yaml").trim_end_matches(".json");
    paygen_codegen::names::snake(stem, "doc")
}

/// Generates one document: its module source, or every error.
fn generate(doc: &Path) -> Result<(String, Vec<String>), Vec<String>> {
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
    let opts = ProviderOptions::new(&module_name(doc), format!("openapi-corpus/{shown}"));
    let api = load::load_openapi(&text, &opts, &mut diags);
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

#[test]
fn every_corpus_document_generates() {
    let Some(docs) = documents() else { return };
    assert!(!docs.is_empty(), "the corpus folder holds no documents");
    let mut failures = Vec::new();
    for doc in &docs {
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

/// Writes every generated client as a module of one crate under `target/`
/// and runs clippy on it with `-D warnings`, sharing the workspace's target
/// directory so that dependencies are built once.
#[test]
fn every_corpus_client_compiles_without_warnings() {
    let Some(docs) = documents() else { return };
    let root = root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let krate = target.join("paygen-corpus");
    let src = krate.join("src");
    std::fs::create_dir_all(&src).expect("create the corpus crate");
    let mut lib =
        String::from("//! Clients generated from the OpenAPI corpus (by tests/tests/corpus.rs).\n");
    for doc in &docs {
        let module = module_name(doc);
        let (source, _) = generate(doc)
            .unwrap_or_else(|e| panic!("{} does not generate:\n{}", doc.display(), e.join("\n")));
        write_if_changed(&src.join(format!("{module}.rs")), &source);
        lib.push_str(&format!("#[rustfmt::skip]\npub mod {module};\n"));
    }
    write_if_changed(&src.join("lib.rs"), &lib);
    let runtime = root.join("runtime");
    write_if_changed(
        &krate.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"paygen-corpus\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\npaygen-runtime = {{ path = {:?} }}\n\n\
             # Its own workspace, with the main workspace's profile, so that\n\
             # dependencies built for the workspace are reused.\n[workspace]\n\n\
             [profile.dev.package.\"*\"]\ndebug = false\n",
            runtime.display().to_string()
        ),
    );
    // The same dependency versions as the workspace, without a resolution.
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    if !krate.join("Cargo.lock").exists() {
        write_if_changed(&krate.join("Cargo.lock"), &lock);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let out = Command::new(cargo)
        .args(["clippy", "--quiet", "--all-targets", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
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
