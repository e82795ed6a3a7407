//! The reviewed API surface of every provider (and of the features
//! fixture): one line per operation, parameter, type, field and variant (see
//! `paygen_codegen::surface`). A spec change that changes the generated API
//! shows here as a short diff to accept (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test -p paygen-tests --test snapshots`);
//! `cargo xtask api-diff` classifies it. The generated modules themselves are
//! guarded by `cargo xtask codegen --check` and by the last test here.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn surface(dir: &str) -> String {
    let root = root();
    match paygen_codegen::load::load_provider(&root.join(dir), &root) {
        Ok(loaded) => paygen_codegen::surface::surface(&loaded.api).text(),
        Err(failure) => panic!("{dir} did not load: {:#?}", failure.diagnostics),
    }
}

#[test]
fn klix() {
    insta::assert_snapshot!(surface("specs/klix"));
}

#[test]
fn klarna_customer_token() {
    insta::assert_snapshot!(surface("specs/klarna-customer-token"));
}

#[test]
fn klarna_payments() {
    insta::assert_snapshot!(surface("specs/klarna-payments"));
}

#[test]
fn payone() {
    insta::assert_snapshot!(surface("specs/payone"));
}

#[test]
fn klavi() {
    insta::assert_snapshot!(surface("specs/klavi"));
}

#[test]
fn features_fixture() {
    insta::assert_snapshot!(surface("tests/fixtures/features"));
}

#[test]
fn every_provider_has_a_surface_snapshot() {
    let root = root();
    let mut providers: Vec<String> = std::fs::read_dir(root.join("specs"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    providers.sort();
    let snapshots = root.join("tests/tests/snapshots");
    let missing: Vec<&String> = providers
        .iter()
        .filter(|p| !snapshots.join(format!("snapshots__{p}.snap")).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "providers without a surface snapshot (add a test above): {missing:?}"
    );
}

#[test]
fn generation_is_deterministic() {
    let root = root();
    let generate = || {
        paygen_codegen::generate_provider(&root.join("specs/klarna-payments"), &root)
            .map(|(file, _, _)| file.contents)
            .unwrap()
    };
    assert_eq!(generate(), generate());
    assert_eq!(
        surface("specs/klarna-payments"),
        surface("specs/klarna-payments")
    );
}

/// The same comparison `cargo xtask codegen --check` makes.
#[test]
fn committed_output_matches_the_specs() {
    let root = root();
    let mut stale = Vec::new();
    for (specs, out) in [("specs", "generated/src"), ("tests/fixtures", "tests/src")] {
        let generation = paygen_codegen::generate(&root.join(specs), &root);
        assert!(generation.errors.is_empty(), "{:#?}", generation.errors);
        for p in paygen_codegen::write::stale(&root.join(out), &generation.files) {
            stale.push(format!("{out}/{}", p.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo xtask codegen`): {stale:?}"
    );
}
