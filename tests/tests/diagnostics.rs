//! Broken specs are reported with file, line, column, JSON pointer and what
//! was expected, never with a panic. Each case is an insta snapshot.

use paygen_codegen::diag::Diagnostics;
use paygen_codegen::load::{load_openapi_text, ProviderOptions};

fn diagnose(text: &str) -> String {
    let opts = ProviderOptions {
        module: "broken".into(),
        source: "broken.yaml".into(),
        ..ProviderOptions::default()
    };
    let mut diags = Diagnostics::new("broken.yaml");
    let _ = load_openapi_text(text, &opts, &mut diags);
    diags.items.iter().map(|d| format!("{d}\n")).collect()
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn yaml_syntax_error() {
    insta::assert_snapshot!(diagnose("openapi: 3.0.3\ninfo: {title: t\npaths: {}\n"));
}

#[test]
fn wrong_type_for_a_key() {
    insta::assert_snapshot!(diagnose(&format!("{HEAD}paths: []\n")));
}

#[test]
fn dangling_and_external_refs() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {{$ref: '#/components/schemas/Missing'}}\n        c: {{$ref: 'other.yaml#/X'}}\n"
    )));
}

#[test]
fn duplicate_operation_ids_and_path_parameters() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}paths:
  /a/{{id}}/b/{{id}}:
    get:
      operationId: dup
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{'200': {{description: ok}}}}
  /c/{{x}}:
    get:
      operationId: dup
      responses: {{'200': {{description: ok}}}}
  /d:
    get:
      parameters: [{{name: y, in: path, required: true, schema: {{type: string}}}}]
      responses: {{'200': {{description: ok}}}}
"
    )));
}

#[test]
fn cyclic_all_of() {
    insta::assert_snapshot!(diagnose(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{type: object}}]}}\n    B: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{type: object}}]}}\n"
    )));
}

#[test]
fn not_utf8() {
    let mut d = Diagnostics::new("latin1.yaml");
    assert!(paygen_codegen::load::source::decode_utf8(
        b"openapi: 3.0.3\ninfo: {title: caf\xe9}\n",
        &mut d
    )
    .is_none());
    insta::assert_snapshot!(d.items[0].to_string());
}
