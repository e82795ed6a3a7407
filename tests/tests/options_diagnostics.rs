//! `paygen.yaml` is checked like a spec: an unknown key, a setting that
//! does not apply to the provider's spec, or a name that matches nothing in
//! the spec is an error at its line, and nothing is generated.

use std::path::Path;

/// Loads a provider folder holding `files` and renders the diagnostics.
fn diagnose(case: &str, files: &[(&str, &str)]) -> String {
    let root = std::env::temp_dir().join(format!("paygen-options-{}", std::process::id()));
    let dir = root.join(case);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let out = match paygen_codegen::load::load_provider(&dir, Path::new(&root)) {
        Ok(_) => "loaded without errors\n".to_string(),
        Err(f) => f.diagnostics.iter().map(|d| format!("{d}\n")).collect(),
    };
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

const OPENAPI: &str = "openapi: 3.0.3
info: {title: Shop, version: '1'}
servers: [{url: 'https://api.example.test'}]
paths:
  /public_key/:
    get:
      operationId: get_public_key
      responses:
        '200':
          description: PEM
          content:
            application/json:
              schema: {type: string}
components:
  schemas:
    Purchase:
      type: object
      properties:
        id: {type: string}
";

const FORM_SPEC: &str = "paygen: 1
title: T
version: '1'
environments:
  - name: test
    url: https://api.example.test/gw/
encoding: {request: form, response: key-value}
status-field: status
operations:
  pay:
    responses: {APPROVED: {fields: []}}
";

#[test]
fn a_misspelt_key_is_reported_at_its_line() {
    assert_eq!(
        diagnose(
            "misspelt",
            &[
                ("openapi.yaml", OPENAPI),
                ("paygen.yaml", "module: shop\nidempotency_header: Idempotency-Key\n"),
            ]
        ),
        "error: misspelt/paygen.yaml:2:1: not a valid document: unknown field `idempotency_header`, \
         expected one of `module`, `spec`, `source`, `auth`, `idempotency-header`, `client-headers`, \
         `webhook`, `retry-on-body`, `keep-unknown-fields`, `fake`\n"
    );
}

#[test]
fn a_control_character_is_reported_at_its_line_and_column() {
    assert_eq!(
        diagnose(
            "control",
            &[
                ("openapi.yaml", OPENAPI),
                ("paygen.yaml", "module: shop\nclient-headers:\n  - name: Café\u{18}\n"),
            ]
        ),
        "error: control/paygen.yaml:3:15: not a valid document: control characters are not allowed\n"
    );
    assert_eq!(
        diagnose(
            "control_spec",
            &[("spec.yaml", "paygen: 1\ntitle: \"T\u{18}\"\n")]
        ),
        "error: control_spec/spec.yaml:2:10: not a valid document: control characters are not allowed\n"
    );
}

#[test]
fn a_public_key_operation_that_names_no_operation_is_an_error() {
    let options = "module: shop
webhook:
  event: Purchase
  signature: rsa-sha256
  header: X-Signature
  public-key-operation: get_publik_key
";
    assert_eq!(
        diagnose(
            "key_operation",
            &[("openapi.yaml", OPENAPI), ("paygen.yaml", options)]
        ),
        "error: key_operation/paygen.yaml:6:3 at /webhook/public-key-operation: `get_publik_key` \
         names no operation; expected an operationId or method name, one of [\"get_public_key\"]\n"
    );
}

#[test]
fn a_webhook_event_that_names_no_schema_is_an_error() {
    let options = "module: shop
webhook:
  event: Purchse
  signature: hmac-sha256
  header: X-Signature
";
    assert_eq!(
        diagnose(
            "event",
            &[("openapi.yaml", OPENAPI), ("paygen.yaml", options)]
        ),
        "error: event/paygen.yaml:3:3 at /webhook/event: `Purchse` names no schema of the spec; \
         expected one of [\"Purchase\"]\n"
    );
}

#[test]
fn settings_that_do_not_apply_to_a_hand_written_form_spec_are_errors() {
    let options = "module: shop
auth: bearer
webhook:
  event: Purchase
  signature: hmac-sha256
  header: X-Signature
";
    assert_eq!(
        diagnose(
            "form",
            &[("spec.yaml", FORM_SPEC), ("paygen.yaml", options)]
        ),
        "error: form/paygen.yaml:2:1 at /auth: `auth` applies to OpenAPI documents; a hand-written \
         spec declares `auth:` itself\n\
         error: form/paygen.yaml:3:1 at /webhook: `webhook` applies to JSON APIs; this spec is \
         form-encoded\n"
    );
}

#[test]
fn a_module_name_must_be_snake_case() {
    assert_eq!(
        diagnose(
            "module",
            &[
                ("openapi.yaml", OPENAPI),
                ("paygen.yaml", "module: Shop-API\n")
            ]
        ),
        "error: module/paygen.yaml:1:1 at /module: `Shop-API` is not a Rust module name; expected \
         snake_case such as `shop_api`\n"
    );
}

#[test]
fn valid_settings_load() {
    let options = "module: shop
webhook:
  event: Purchase
  signature: rsa-sha256
  header: X-Signature
  public-key-operation: get_public_key
";
    assert_eq!(
        diagnose(
            "valid",
            &[("openapi.yaml", OPENAPI), ("paygen.yaml", options)]
        ),
        "loaded without errors\n"
    );
}

/// Header names reach the runtime as they are written, so one that is not
/// an HTTP token is refused here, at its line.
#[test]
fn header_names_that_are_not_http_tokens_are_errors() {
    let out = diagnose(
        "header_names",
        &[
            ("openapi.yaml", OPENAPI),
            (
                "paygen.yaml",
                "auth: !api-key-header 'Api Key'\nidempotency-header: 'Idempotency:Key'\nclient-headers:\n  - {name: X-Partner, doc: The partner id.}\n  - {name: 'X Shop', doc: The shop.}\n",
            ),
        ],
    );
    insta::assert_snapshot!(out);
}
