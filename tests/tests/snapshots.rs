//! insta snapshots of the generated code, one per spec, and a test that fails
//! when the committed output is stale relative to the specs.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn generate(dir: &str) -> String {
    let root = root();
    match paygen_codegen::generate_provider(&root.join(dir), &root) {
        Ok((file, _warnings)) => file.contents,
        Err(errors) => panic!("{dir} did not generate: {errors:#?}"),
    }
}

#[test]
fn klix() {
    insta::assert_snapshot!(generate("specs/klix"));
}

#[test]
fn klarna_customer_token() {
    insta::assert_snapshot!(generate("specs/klarna-customer-token"));
}

#[test]
fn klarna_payments() {
    insta::assert_snapshot!(generate("specs/klarna-payments"));
}

#[test]
fn payone() {
    insta::assert_snapshot!(generate("specs/payone"));
}

#[test]
fn klavi() {
    insta::assert_snapshot!(generate("specs/klavi"));
}

#[test]
fn features_fixture() {
    insta::assert_snapshot!(generate("tests/fixtures/features"));
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(
        generate("specs/klarna-payments"),
        generate("specs/klarna-payments")
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
