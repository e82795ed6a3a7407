//! Broken specs are reported with file, line, column, JSON pointer and what
//! was expected, never with a panic. Each case is an insta snapshot.

use paygen_codegen::diag::Diagnostics;
use paygen_codegen::load::{load_openapi, load_openapi_at, ProviderOptions};

fn diagnose(text: &str) -> String {
    diagnose_as(text, "broken.yaml").0
}

/// What a load reported, rendered one diagnostic a line, and how it ended.
fn diagnose_as(text: &str, file: &str) -> (String, Outcome) {
    diagnose_in(text, file, None)
}

/// Like `diagnose_as`, for the text of the file at `path` when there is one
/// (so that `$ref`s to other files resolve beside it).
fn diagnose_in(text: &str, file: &str, path: Option<&std::path::Path>) -> (String, Outcome) {
    let opts = ProviderOptions::new("broken", file);
    let mut diags = Diagnostics::new(file);
    let api = match path {
        Some(path) => load_openapi_at(path, text, &opts, &mut diags),
        None => load_openapi(text, &opts, &mut diags),
    };
    let rendered = diags.items.iter().map(|d| format!("{d}\n")).collect();
    let outcome = match api {
        Some(api) if !diags.has_errors() => {
            // A document that only warns must still generate.
            paygen_codegen::emit::module_source(&api).expect("emitted code parses");
            Outcome::Warns
        }
        _ => Outcome::Fails,
    };
    (rendered, outcome)
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// At least one error: the run exits non-zero and writes nothing.
    Fails,
    /// Warnings only: the client is generated.
    Warns,
}

/// One test per file in `tests/broken/`: the expected outcome, at least one
/// diagnostic of that severity with a position and a pointer, and the
/// rendered diagnostics as a snapshot.
macro_rules! broken {
    ($($name:ident => $outcome:ident,)*) => {$(
        #[test]
        fn $name() {
            let file = concat!(stringify!($name), ".", "yaml");
            let json = concat!(stringify!($name), ".", "json");
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("broken");
            let (file, text) = match std::fs::read_to_string(dir.join(file)) {
                Ok(t) => (file, t),
                Err(_) => (json, std::fs::read_to_string(dir.join(json)).expect("case file")),
            };
            let (out, outcome) = diagnose_in(&text, file, Some(&dir.join(file)));
            assert_eq!(outcome, Outcome::$outcome, "{out}");
            let level = match Outcome::$outcome {
                Outcome::Fails => "error: ",
                Outcome::Warns => "warning: ",
            };
            let lines: Vec<&str> = out.lines().filter(|l| l.starts_with(level)).collect();
            assert!(!lines.is_empty(), "no {level}diagnostic:\n{out}");
            for l in out.lines() {
                // file:line:col, then a pointer (a parser's own syntax errors have none).
                let after = l.split_once(file).map_or("", |x| x.1);
                assert!(after.starts_with(':') && after[1..].contains(':'), "no position: {l}");
                assert!(l.contains(" at /") || l.contains("not a valid"), "no pointer: {l}");
            }
            insta::assert_snapshot!(stringify!($name), out);
        }
    )*};
}

broken! {
    json_syntax_error => Fails,
    yaml_duplicate_key => Fails,
    yaml_control_character => Fails,
    root_is_a_list => Fails,
    missing_info => Fails,
    server_url_not_a_string => Fails,
    dangling_ref => Fails,
    external_ref => Fails,
    swagger2_definitions_ref => Fails,
    dangling_component_refs => Fails,
    cyclic_all_of_three => Fails,
    duplicate_operation_id => Fails,
    operation_ids_collide_after_case_conversion => Warns,
    names_collide_after_case_conversion => Warns,
    missing_operation_id => Warns,
    undeclared_path_parameter => Fails,
    path_parameter_used_twice => Fails,
    declared_path_parameter_unused => Fails,
    unclosed_path_brace => Fails,
    cookie_parameter => Warns,
    not_schema => Warns,
    oauth2_security => Warns,
    api_key_in_query => Warns,
    unsupported_http_auth => Warns,
    path_item_ref => Warns,
    unknown_type => Warns,
    type_errors_31 => Fails,
    required_names_no_property => Warns,
    required_true_on_property => Warns,
    swagger2_body_parameter => Fails,
    swagger2_document => Fails,
    parameter_without_schema => Warns,
    webhooks_31 => Warns,
    discriminator_mapping_outside_union => Warns,
    discriminator_on_object => Warns,
    wrong_shapes => Fails,
    no_server => Warns,
    relative_server_url => Warns,
    null_security_scopes => Warns,
    security_wrong_shapes => Fails,
    server_variables => Warns,
    nested_ref_cycle => Fails,
    field_named_new => Warns,
    ignored_header_parameters => Warns,
    union_merged_through_all_of => Warns,
    mutual_tls_31 => Warns,
    null_parameters => Warns,
    parameter_style_wrong_for_location => Fails,
    operation_without_responses_31 => Warns,
    callbacks_not_generated => Warns,
    discriminator_without_property_name => Fails,
    defs_in_component_31 => Warns,
    invalid_header_names => Fails,
}

/// Every file in tests/broken/ has a test above.
#[test]
fn every_broken_spec_is_tested() {
    let listed = include_str!("diagnostics.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("broken");
    let mut missing = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("tests/broken") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        count += 1;
        if !listed.contains(&format!("    {stem} => ")) {
            missing.push(stem);
        }
    }
    assert!(missing.is_empty(), "cases without a test: {missing:?}");
    assert!(count >= 22, "only {count} broken specs");
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

/// The diagnostics of loading `text` and the module emitted from it.
fn load_and_emit(text: &str, file: &str) -> (Vec<String>, String) {
    let opts = ProviderOptions::new("broken", file);
    let mut diags = Diagnostics::new(file);
    let api = load_openapi(text, &opts, &mut diags).expect("loads");
    let src = paygen_codegen::emit::module_source(&api).expect("emits");
    (diags.items.iter().map(|d| d.to_string()).collect(), src)
}

/// The text of `pub struct {name} {…}` in `src`.
fn struct_body<'s>(src: &'s str, name: &str) -> &'s str {
    let start = src
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("no struct {name} in:\n{src}"));
    &src[start..start + src[start..].find("\n}").expect("struct end")]
}

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

/// Properties declared beside a oneOf belong to every member: each object
/// member is generated with them (Lithic's documents do this), and nothing
/// is reported, since nothing is dropped.
#[test]
fn properties_beside_one_of_belong_to_every_member() {
    let text = format!(
        "{HEAD}servers: [{{url: 'https://api.example.test'}}]
paths: {{}}
components:
  schemas:
    Result:
      type: object
      required: [token]
      properties:
        token: {{type: string}}
      oneOf:
        - title: Authorization
          properties:
            event_stream: {{type: string, enum: [AUTHORIZATION]}}
            amount: {{type: integer}}
          required: [event_stream]
        - $ref: '#/components/schemas/Authentication'
      discriminator:
        propertyName: event_stream
        mapping:
          THREE_DS: '#/components/schemas/Authentication'
    Authentication:
      type: object
      required: [event_stream]
      properties:
        event_stream: {{type: string}}
        method: {{type: string}}
"
    );
    let (diags, src) = load_and_emit(&text, "union.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    let strukt = |name: &str| struct_body(&src, name);
    for (name, own) in [
        ("ResultModelAuthorization", "pub amount: Option<i64>"),
        ("ResultModelAuthentication", "pub method: Option<String>"),
    ] {
        let s = strukt(name);
        assert!(
            s.contains("pub token: String"),
            "{name} lacks the shared property:\n{s}"
        );
        assert!(s.contains(own), "{name} lacks its own property:\n{s}");
    }
    // (`Result` is named `ResultModel`: it would shadow the prelude's.)
    // The component itself is unchanged.
    assert!(!strukt("Authentication").contains("token"));
    assert!(
        src.contains("ResultModelAuthentication(ResultModelAuthentication)"),
        "{src}"
    );
}

/// Server variables take their defaults; a server whose URL keeps a
/// variable without one is left out (`server_variables.yaml` warns).
#[test]
fn server_variables_take_their_defaults() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("broken");
    let text = std::fs::read_to_string(dir.join("server_variables.yaml")).expect("case file");
    let (_, src) = load_and_emit(&text, "server_variables.yaml");
    assert!(
        src.contains(r#"Self::Production => "https://eu.api.example.test/v2""#),
        "{src}"
    );
    assert!(src.contains("`region` = `eu`, `version` = `v2`"), "{src}");
    assert!(!src.contains("merchantAccount"), "{src}");
}

/// A `$ref` to a schema inside a component (Xero's webhooks document
/// points at `WebhookEvent/properties/events/items`) is that schema: the
/// component's field and the referring field share one type.
#[test]
fn a_ref_into_a_component_is_that_schema() {
    let text = format!(
        "{HEAD}servers: [{{url: 'https://api.example.test'}}]
paths: {{}}
components:
  schemas:
    Wrapper:
      type: object
      properties:
        first: {{$ref: '#/components/schemas/Event/properties/events/items'}}
        merged:
          allOf:
            - $ref: '#/components/schemas/Event/properties/events/items'
            - {{type: object, properties: {{note: {{type: string}}}}}}
    Event:
      type: object
      properties:
        events:
          type: array
          items:
            type: object
            properties:
              id: {{type: string}}
"
    );
    let (diags, src) = load_and_emit(&text, "nested.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    let field_type = |field: &str| {
        let at = src
            .find(&format!("pub {field}: Option<"))
            .unwrap_or_else(|| panic!("no field {field} in:\n{src}"));
        let rest = &src[at + format!("pub {field}: Option<").len()..];
        rest[..rest.find(['>', ','].as_ref()).expect("type end")].to_string()
    };
    let item = field_type("events").trim_start_matches("Vec<").to_string();
    assert_eq!(field_type("first"), item, "{src}");
    // An allOf with the nested schema merges its properties.
    let body = struct_body(&src, &field_type("merged"));
    assert!(
        body.contains("pub id: Option<String>") && body.contains("pub note: Option<String>"),
        "{body}"
    );
}

/// A schema `$ref` into a parameter or response component (PagerDuty's
/// `#/components/parameters/audit_method_type/schema`, and
/// `…/responses/Conflict/content/application~1json/schema`) is that schema:
/// one type for the component and the referring property. A problem inside
/// it is still reported where it is written.
#[test]
fn a_ref_into_a_parameter_or_response_is_that_schema() {
    let text = format!(
        "{HEAD}servers: [{{url: 'https://api.example.test'}}]
paths:
  /records:
    get:
      operationId: list_records
      parameters:
        - $ref: '#/components/parameters/method_type'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Record'}}
        '409': {{$ref: '#/components/responses/Conflict'}}
components:
  parameters:
    method_type:
      name: method_type
      in: query
      schema: {{type: string, enum: [browser, oauth]}}
  responses:
    Conflict:
      description: conflict
      content:
        application/json:
          schema:
            type: object
            required: [missing]
            properties:
              error:
                type: object
                properties:
                  code: {{type: integer}}
  schemas:
    Record:
      type: object
      properties:
        method: {{$ref: '#/components/parameters/method_type/schema'}}
        failure: {{$ref: '#/components/responses/Conflict/content/application~1json/schema'}}
        detail: {{$ref: '#/components/responses/Conflict/content/application~1json/schema/properties/error'}}
"
    );
    let (diags, src) = load_and_emit(&text, "embedded.yaml");
    assert_eq!(
        diags,
        ["warning: embedded.yaml:30:24 at /components/responses/Conflict/content/application~1json/schema/required/0: \
          `required` names `missing`, which is not one of the object's properties; expected the name \
          of a property declared under `properties` (or in an allOf member). Ignored"],
        "{src}"
    );
    let record = struct_body(&src, "Record");
    assert!(
        record.contains("pub method: Option<MethodTypeParameter>")
            && record.contains("pub failure: Option<ConflictResponse>")
            && record.contains("pub detail: Option<ConflictResponseError>"),
        "{record}"
    );
    // The parameter and the 409 body are those same types.
    assert!(
        src.contains("pub method_type: Option<MethodTypeParameter>"),
        "{src}"
    );
    assert!(src.contains("runtime::Error<ConflictResponse>"), "{src}");
    assert!(struct_body(&src, "ConflictResponseError").contains("pub code: Option<i64>"));
}

/// A discriminator's implicit values: a member's single-value enum (or
/// `const`) for the property wins over its component name, a mapping may
/// name members by bare component name, a `$ref` with a sibling `title`
/// keeps its component's name, and a union where no member has a value
/// is decoded as an untagged one, with a warning, instead of matching
/// nothing.
#[test]
fn discriminator_values_come_from_the_members() {
    let doc = |members: &str, disc: &str, comps: &str| {
        format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\nservers: [{{url: 'https://a.example'}}]\n\
             paths:\n  /x:\n    get:\n      operationId: get_x\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                oneOf: {members}\n                discriminator: {disc}\n\
             components:\n  schemas:\n{comps}"
        )
    };
    let enum_comps = "    Track:\n      type: object\n      properties:\n        type: {type: string, enum: [track]}\n    Episode:\n      type: object\n      properties:\n        type: {type: string, const: episode}\n";
    let (diags, src) = load_and_emit(
        &doc(
            "[{$ref: '#/components/schemas/Track'}, {$ref: '#/components/schemas/Episode'}]",
            "{propertyName: type}",
            enum_comps,
        ),
        "d.yaml",
    );
    assert!(src.contains("\"track\" =>"), "{src}");
    assert!(src.contains("\"episode\" =>"), "{src}");
    assert!(!src.contains("\"Track\" =>"), "{src}");
    assert!(diags.is_empty(), "{diags:?}");

    let plain_comps = "    Cat:\n      type: object\n      properties:\n        kind: {type: string}\n    Dog:\n      type: object\n      properties:\n        kind: {type: string}\n";
    let (diags, src) = load_and_emit(
        &doc(
            "[{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]",
            "{propertyName: kind, mapping: {cat: Cat, dog: '#/components/schemas/Dog'}}",
            plain_comps,
        ),
        "d.yaml",
    );
    assert!(
        src.contains("\"cat\" =>") && src.contains("\"dog\" =>"),
        "{src}"
    );
    assert!(diags.is_empty(), "{diags:?}");

    let (diags, src) = load_and_emit(
        &doc(
            "[{$ref: '#/components/schemas/Cat', title: A cat}, {$ref: '#/components/schemas/Dog', title: A dog}]",
            "{propertyName: kind}",
            plain_comps,
        ),
        "d.yaml",
    );
    assert!(
        src.contains("\"Cat\" =>") && src.contains("\"Dog\" =>"),
        "{src}"
    );
    assert!(diags.is_empty(), "{diags:?}");

    let (diags, src) = load_and_emit(
        &doc(
            "[{type: object, properties: {kind: {type: string}, a: {type: integer}}}, {type: object, properties: {kind: {type: string}, b: {type: string}}}]",
            "{propertyName: kind}",
            plain_comps,
        ),
        "d.yaml",
    );
    assert!(!src.contains("rt::tag_of"), "{src}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0].contains("no member of `GetXResponse` has a discriminator value"),
        "{diags:?}"
    );
}

/// Among the alternatives a document's `security` lists, the client uses
/// the first it can send, not the first listed: a query-string key listed
/// before a bearer token leaves the client with the bearer token.
#[test]
fn the_first_supported_security_alternative_is_used() {
    let doc = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://a.example'}]\n\
               security:\n  - {}\n  - DevSession: []\n  - Bearer: []\n\
               paths:\n  /me:\n    get:\n      operationId: me\n      responses:\n        '204': {description: ok}\n\
               components:\n  securitySchemes:\n    DevSession: {type: apiKey, in: query, name: dev}\n    Bearer: {type: http, scheme: bearer}\n";
    let (diags, src) = load_and_emit(doc, "s.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    assert!(src.contains("rt::Credentials::Bearer"), "{src}");
}

/// A security requirement that names several API keys needs them all
/// (Datadog: `DD-API-KEY` and `DD-APPLICATION-KEY`): the client takes and
/// sends each. A requirement mixing schemes that cannot be sent together
/// sends the first alone, with a warning.
#[test]
fn api_keys_required_together_are_all_sent() {
    let doc = |security: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers: [{{url: 'https://a.example'}}]\n\
             security:\n{security}\
             paths:\n  /me:\n    get:\n      operationId: me\n      responses:\n        '204': {{description: ok}}\n\
             components:\n  securitySchemes:\n    apiKeyAuth: {{type: apiKey, in: header, name: DD-API-KEY}}\n    \
             appKeyAuth: {{type: apiKey, in: header, name: DD-APPLICATION-KEY}}\n    \
             bearer: {{type: http, scheme: bearer}}\n    \
             oauth: {{type: oauth2, flows: {{clientCredentials: {{tokenUrl: 'https://a.example/t', scopes: {{}}}}}}}}\n"
        )
    };
    let (diags, src) = load_and_emit(
        &doc("  - apiKeyAuth: []\n    appKeyAuth: []\n"),
        "keys.yaml",
    );
    assert!(diags.is_empty(), "{diags:?}");
    let squashed: String = src.split_whitespace().collect();
    for wanted in [
        "pubfnnew(api_key_auth:implInto<runtime::SecretString>,app_key_auth:implInto<runtime::SecretString>,)",
        r#"rt::Credentials::Headers(vec![("dd-api-key",api_key_auth.into()),("dd-application-key",app_key_auth.into())],)"#,
    ] {
        assert!(squashed.contains(wanted), "{wanted} in:\n{src}");
    }
    // A bearer token and an API key together: the bearer alone, said so.
    let (diags, src) = load_and_emit(&doc("  - bearer: []\n    apiKeyAuth: []\n"), "mixed.yaml");
    assert_eq!(
        diags,
        ["warning: mixed.yaml:5:11 at /security/0: this security requirement needs bearer and apiKeyAuth \
          together; only several API keys in headers can be sent together, so the client sends \
          `bearer` alone (set `auth:` in paygen.yaml)"]
    );
    assert!(src.contains("rt::Credentials::Bearer"), "{src}");
    // An API key that also needs OAuth: the key alone, said so.
    let (diags, src) = load_and_emit(&doc("  - oauth: []\n    apiKeyAuth: []\n"), "oauth.yaml");
    assert_eq!(
        diags,
        ["warning: oauth.yaml:5:10 at /security/0: this security requirement needs oauth and apiKeyAuth \
          together; the client can send only `apiKeyAuth`, and sends it alone (set `auth:` in \
          paygen.yaml)"]
    );
    assert!(src.contains("rt::Credentials::Header {"), "{src}");
}

/// `required` beside a `$ref` (or in an allOf member beside it) makes the
/// referenced properties required in a type of its own; the referenced
/// type itself stays as it is.
#[test]
fn required_beside_a_ref_is_kept() {
    let doc = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://a.example'}]\n\
               paths:\n  /add_ons:\n    post:\n      operationId: create_add_on\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Create'}\n      responses: {'204': {description: ok}}\n\
               components:\n  schemas:\n    Create:\n      type: object\n      required: [add_on, other]\n      properties:\n\
               \x20       add_on: {$ref: '#/components/schemas/Base', required: [name]}\n\
               \x20       other:\n          allOf:\n            - $ref: '#/components/schemas/Base'\n            - required: [code]\n\
               \x20   Base:\n      type: object\n      properties:\n        name: {type: string}\n        code: {type: string}\n";
    let (diags, src) = load_and_emit(doc, "r.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    let create = struct_body(&src, "Create");
    assert!(create.contains("pub add_on: CreateAddOn,"), "{create}");
    assert!(create.contains("pub other: CreateOther,"), "{create}");
    let add_on = struct_body(&src, "CreateAddOn");
    assert!(add_on.contains("pub name: String,"), "{add_on}");
    assert!(add_on.contains("pub code: Option<String>,"), "{add_on}");
    let other = struct_body(&src, "CreateOther");
    assert!(other.contains("pub code: String,"), "{other}");
    assert!(other.contains("pub name: Option<String>,"), "{other}");
    let base = struct_body(&src, "Base");
    assert!(base.contains("pub name: Option<String>,"), "{base}");
}

/// Enum values that are not strings are never dropped in silence: in a
/// `type: string` enum they are read by their text, with a warning; an
/// untyped enum mixing strings with numbers or booleans is a JSON value
/// (a Rust enum of strings could not decode `1`), with a warning.
#[test]
fn enum_values_that_are_not_strings() {
    let doc = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://a.example'}]\n\
               paths:\n  /e:\n    get:\n      operationId: get_e\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Holder'}\n\
               components:\n  schemas:\n    Flag:\n      type: string\n      enum: [true, 'no']\n\
               \x20   Holder:\n      type: object\n      properties:\n        flag: {$ref: '#/components/schemas/Flag'}\n        mode:\n          enum: [auto, 1, true]\n";
    let (diags, src) = load_and_emit(doc, "e.yaml");
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert!(
        diags[0].contains("/components/schemas/Flag/enum"),
        "{diags:?}"
    );
    assert!(
        diags[0].contains("read as the string \"true\""),
        "{diags:?}"
    );
    assert!(
        diags[1].contains("/components/schemas/Holder/properties/mode/enum"),
        "{diags:?}"
    );
    assert!(src.contains("True = \"true\","), "{src}");
    let holder = struct_body(&src, "Holder");
    assert!(
        holder.contains("pub mode: Option<serde_json::Value>,"),
        "{holder}"
    );
}

/// A parameter described by `content` instead of a schema is a string the
/// caller encodes; the warning and the parameter's doc say so.
#[test]
fn a_parameter_with_content_is_passed_encoded() {
    let doc = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://a.example'}]\n\
               paths:\n  /q:\n    get:\n      operationId: search\n      parameters:\n        - name: filter\n          in: query\n          description: What to match.\n          content:\n            application/json:\n              schema: {type: object, properties: {a: {type: string}}}\n      responses:\n        '204': {description: ok}\n";
    let (diags, src) = load_and_emit(doc, "p.yaml");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].contains("/parameters/0/content"), "{diags:?}");
    assert!(
        diags[0].contains("already encoded as application/json"),
        "{diags:?}"
    );
    assert!(
        src.contains("encode the value as `application/json` first"),
        "{src}"
    );
}

/// The text of the case file `tests/broken/{name}`.
fn broken_case(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("broken");
    std::fs::read_to_string(dir.join(name)).expect("case file")
}

/// A `mutualTLS` scheme is dropped from the requirements: the bearer
/// alternative is the client's credentials.
#[test]
fn mutual_tls_leaves_the_other_scheme() {
    let (_, src) = load_and_emit(&broken_case("mutual_tls_31.yaml"), "mutual_tls_31.yaml");
    assert!(
        src.contains("rt::Credentials::Bearer(token.into())"),
        "{src}"
    );
    assert!(src.contains("pub fn get_balance("), "{src}");
}

/// An operation without `responses` (3.1) is still a method: `()` on 2xx.
#[test]
fn an_operation_without_responses_is_a_method() {
    let file = "operation_without_responses_31.yaml";
    let (_, src) = load_and_emit(&broken_case(file), file);
    assert!(src.contains("pub fn approve_refund("), "{src}");
    assert!(
        src.contains("Output = Result<(), runtime::Error<()>>"),
        "{src}"
    );
}

/// `$defs` of a component are components of their own, named after it,
/// and every kind of `$ref` to them reaches the same type.
#[test]
fn defs_of_a_component_are_hoisted() {
    let file = "defs_in_component_31.yaml";
    let (_, src) = load_and_emit(&broken_case(file), file);
    let invoice = struct_body(&src, "Invoice");
    assert!(
        invoice.contains("pub total: Option<InvoiceMoney>"),
        "{invoice}"
    );
    assert!(
        invoice.contains("pub lines: Option<Vec<InvoiceLine2>>"),
        "{invoice}"
    );
    assert!(struct_body(&src, "InvoiceMoney").contains("pub currency: Option<String>"));
    assert!(struct_body(&src, "InvoiceLine2").contains("pub price: Option<InvoiceMoney>"));
    // The component the hoisted name would have taken is untouched.
    assert!(struct_body(&src, "InvoiceLine").contains("pub sku: Option<String>"));
}

/// 3.1 file parts (`contentMediaType` other than text) are bytes;
/// base64 text (`contentEncoding`) and text media types stay strings.
/// The rewrite is exact, so nothing is reported.
#[test]
fn content_media_type_parts_are_bytes() {
    let text = "openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: 'https://api.example.test'}]
paths:
  /documents:
    post:
      operationId: uploadDocument
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [scan]
              properties:
                scan: {type: string, contentMediaType: image/png}
                thumbnail: {type: string, contentEncoding: base64, contentMediaType: image/png}
                caption: {type: string, contentMediaType: text/plain}
      responses:
        '204': {description: ok}
";
    let (diags, src) = load_and_emit(text, "parts.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    let body = struct_body(&src, "UploadDocumentRequest");
    assert!(body.contains("pub scan: runtime::Bytes"), "{body}");
    assert!(body.contains("pub thumbnail: Option<String>"), "{body}");
    assert!(body.contains("pub caption: Option<String>"), "{body}");
}

/// A union whose object members each require the same property with a
/// single value of their own is dispatched on that property (Datadog's
/// widget definitions): tried in order, `{"type":"b","url":"x"}` decoded as
/// `A`, whose open `type` enum took any value.
#[test]
fn a_union_of_members_with_their_own_tag_value_dispatches_on_it() {
    let text = "openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://api.example.test'}]
paths: {}
components:
  schemas:
    Widget:
      oneOf:
        - $ref: '#/components/schemas/Note'
        - $ref: '#/components/schemas/Image'
    Note:
      type: object
      required: [type]
      properties:
        type: {$ref: '#/components/schemas/NoteType'}
    NoteType: {type: string, enum: [note]}
    Image:
      type: object
      required: [type, url]
      properties:
        type: {type: string, enum: [image]}
        url: {type: string}
    Loose:
      anyOf:
        - $ref: '#/components/schemas/Note'
        - type: object
          properties:
            type: {type: string, enum: [other]}
";
    let (diags, src) = load_and_emit(text, "widgets.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    let start = src.find("for Widget {").expect("Widget's Deserialize");
    let widget = &src[start..start + src[start..].find("\n}").expect("end")];
    assert!(widget.contains(r#"rt::tag_of(&value, "type")"#), "{widget}");
    assert!(
        widget.contains(r#""note" => rt::from_value(value).map(Self::Note),"#),
        "{widget}"
    );
    assert!(
        widget.contains(r#""image" => rt::from_value(value).map(Self::Image),"#),
        "{widget}"
    );
    // Not every member requires `type`: left untagged.
    let loose = src.find("pub enum Loose {").expect("Loose");
    assert!(
        src[..loose].ends_with("#[serde(untagged)]\n#[allow(clippy::large_enum_variant)]\n"),
        "{src}"
    );
    assert!(!src.contains("for Loose {\n    fn deserialize"), "{src}");
}

/// Rapyd declares a required `Content-Type` header parameter on every
/// operation: OpenAPI says such a parameter is ignored, so it is no
/// argument of the call (the client sends the body's media type itself),
/// while other header parameters stay.
#[test]
fn accept_content_type_and_authorization_parameters_are_not_generated() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("broken/ignored_header_parameters.yaml"),
    )
    .expect("read the broken case");
    let (_, src) = load_and_emit(&text, "ignored_header_parameters.yaml");
    let params = struct_body(&src, "ListOrdersParams");
    assert!(
        params.contains("pub x_request_id: Option<String>"),
        "{params}"
    );
    for gone in ["content_type", "accept", "authorization"] {
        assert!(!params.contains(gone), "{gone} in {params}");
    }
    assert!(!src.contains("CreateOrderParams"), "{src}");
    assert!(!src.contains("\"content-type\""), "{src}");
}

/// Alpaca's `TransferData` is `allOf: [shared fields, {oneOf: [ACH, wire],
/// discriminator}]`: a union whose every member has the shared fields. The
/// inline union was dropped without a word (the request could not carry an
/// amount); it is now read as the union beside the allOf.
#[test]
fn an_inline_union_inside_all_of_is_a_union_of_the_merged_members() {
    let text = r##"
openapi: 3.0.0
info: {title: T, version: "1"}
servers: [{url: "https://api.example.test"}]
paths: {}
components:
  schemas:
    Ach:
      type: object
      required: [relationship_id]
      properties:
        relationship_id: {type: string}
    Wire:
      type: object
      required: [bank_id]
      properties:
        bank_id: {type: string}
    TransferData:
      allOf:
        - type: object
          required: [transfer_type]
          properties:
            transfer_type: {type: string, enum: [ach, wire]}
            amount: {type: string}
        - oneOf:
            - $ref: "#/components/schemas/Ach"
            - $ref: "#/components/schemas/Wire"
          discriminator:
            propertyName: transfer_type
            mapping: {ach: "#/components/schemas/Ach", wire: "#/components/schemas/Wire"}
"##;
    let (diags, src) = load_and_emit(text, "t.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    assert!(src.contains("pub enum TransferData {"), "{src}");
    let ach = struct_body(&src, "TransferDataAch");
    for field in [
        "pub transfer_type:",
        "pub amount:",
        "pub relationship_id: String",
    ] {
        assert!(ach.contains(field), "{field} in {ach}");
    }
    assert!(struct_body(&src, "TransferDataWire").contains("pub bank_id: String"));
}
