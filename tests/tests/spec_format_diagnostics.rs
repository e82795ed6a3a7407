//! Mistakes in a hand-written spec (`spec.yaml`) are reported with file,
//! line, column and what was expected, never with a panic.

use std::path::Path;

/// Loads `spec` as `specs/broken/spec.yaml` in a temporary folder and renders
/// the diagnostics.
fn diagnose(spec: &str) -> String {
    let root = std::env::temp_dir().join(format!("paygen-spec-diag-{}", std::process::id()));
    let dir = root.join(format!("case-{:x}", fxhash(spec)));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("spec.yaml"), spec).unwrap();
    let out = match paygen_codegen::load::load_provider(&dir, Path::new(&root)) {
        Ok(_) => "loaded without errors\n".to_string(),
        Err(f) => f.diagnostics.iter().map(|d| format!("{d}\n")).collect(),
    };
    std::fs::remove_dir_all(&dir).unwrap();
    out.replace(&format!("case-{:x}/", fxhash(spec)), "")
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

const HEAD: &str = "paygen: 1
title: T
version: '1'
environments:
  - name: test
    url: https://api.example.test/gw/
encoding: {request: form, response: key-value}
status-field: status
";

#[test]
fn unknown_key() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}operations:\n  pay:\n    fields:\n      - name: amount\n        fromat: NUMERIC(6)\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}operations:\n  pay:\n    fields:\n      - name: amount\n        required: maybe\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn duplicate_operation() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}operations:\n  pay:\n    responses: {{APPROVED: {{fields: []}}}}\n  pay:\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn malformed_format_strings() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}operations:\n  pay:\n    fields:\n      - {{name: a, format: 'CHAR(1..'}}\n      - {{name: b, format: 'CHAR(9..2)'}}\n      - {{name: c, format: 'VARCHAR(5)'}}\n      - {{name: d, format: 'DATE(6)'}}\n      - {{name: e, symbols: ['a-', '0-9']}}\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn undefined_group_and_include_cycle() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}groups:\n  a:\n    fields: [{{include: b}}]\n  b:\n    fields: [{{include: a}}]\noperations:\n  pay:\n    fields:\n      - include: personal_data\n      - include: a\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn a_field_twice_and_a_fixed_parameter_as_a_field() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}operations:\n  pay:\n    fixed: {{request: pay}}\n    fields:\n      - name: amount\n      - name: amount\n      - name: request\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn wrong_version_and_missing_status_field() {
    let spec = HEAD.replace("paygen: 1", "paygen: 2");
    insta::assert_snapshot!(diagnose(&format!("{spec}operations: {{}}\n")));
    let spec = HEAD.replace("status-field: status\n", "");
    insta::assert_snapshot!(diagnose(&format!(
        "{spec}operations:\n  pay:\n    responses: {{APPROVED: {{fields: []}}}}\n"
    )));
}

#[test]
fn the_payone_spec_loads_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let loaded =
        paygen_codegen::load::load_provider(&root.join("specs/payone"), root).expect("loads");
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
    let ops: Vec<&str> = loaded
        .api
        .operations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        ops,
        [
            "start_session",
            "update_session",
            "cancel_authorization",
            "preauthorize",
            "authorize",
            "capture",
            "debit"
        ]
    );
}
