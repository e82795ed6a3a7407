//! Property tests: mutated versions of our own specs (the providers' OpenAPI
//! documents, the features fixture and the broken-spec corpus) never make the
//! loader panic. Whatever they load to without errors must also shape and
//! emit code that parses.
//!
//! Two kinds of mutation: bytes (syntax errors, stray non-UTF-8 bytes,
//! truncation) and values (a node of the parsed document replaced, removed
//! or retyped, then written back as YAML or JSON), which reach far deeper
//! into the loader than byte noise does.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use paygen_codegen::diag::Diagnostics;
use paygen_codegen::load::{self, ProviderOptions};
use proptest::prelude::*;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests is one level down")
        .to_path_buf()
}

/// The seed documents, read once.
fn seeds() -> &'static [(String, String)] {
    static SEEDS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = root();
        let mut files: Vec<PathBuf> = vec![root.join("tests/fixtures/features/openapi.yaml")];
        for dir in ["specs", "tests/broken"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("seed folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    files.extend(
                        ["openapi.yaml", "openapi.json"]
                            .iter()
                            .map(|n| path.join(n))
                            .filter(|p| p.exists()),
                    );
                } else {
                    files.push(path);
                }
            }
        }
        files.sort();
        let seeds: Vec<(String, String)> = files
            .iter()
            .map(|p| {
                (
                    p.strip_prefix(&root).unwrap_or(p).display().to_string(),
                    std::fs::read_to_string(p).expect("seed is UTF-8"),
                )
            })
            .collect();
        assert!(seeds.len() >= 20, "too few seeds: {}", seeds.len());
        seeds
    })
}

/// Runs bytes through everything a spec file goes through. Panics are the
/// failure this test looks for.
fn load_bytes(bytes: &[u8]) {
    let mut diags = Diagnostics::new("mutated.yaml");
    let Some(text) = load::source::decode_utf8(bytes, &mut diags) else {
        assert!(diags.has_errors(), "invalid UTF-8 without an error");
        return;
    };
    let opts = ProviderOptions::new("mutated", "mutated.yaml");
    let api = load::load_openapi(&text, &opts, &mut diags);
    for d in &diags.items {
        // Rendering is part of reporting; it must not panic either.
        let _ = d.to_string();
    }
    if let Some(api) = api.filter(|_| !diags.has_errors()) {
        if let Err(e) = paygen_codegen::emit::module_source(&api) {
            panic!("a document that loaded without errors emitted code that does not parse: {e}");
        }
    }
}

#[derive(Debug, Clone)]
enum ByteEdit {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Replace { at: usize, byte: u8 },
    Duplicate { at: usize, len: usize },
    Truncate { at: usize },
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1usize..64).prop_map(|(at, len)| ByteEdit::Delete { at, len }),
        (
            at,
            prop::collection::vec(
                prop_oneof![
                    Just(b'{'),
                    Just(b'}'),
                    Just(b'['),
                    Just(b':'),
                    Just(b'\n'),
                    Just(b' '),
                    Just(b'-'),
                    Just(b'&'),
                    Just(b'*'),
                    Just(b'!'),
                    Just(b'"'),
                    Just(0xe9u8),
                    any::<u8>()
                ],
                1..8
            )
        )
            .prop_map(|(at, bytes)| ByteEdit::Insert { at, bytes }),
        (at, any::<u8>()).prop_map(|(at, byte)| ByteEdit::Replace { at, byte }),
        (at, 1usize..200).prop_map(|(at, len)| ByteEdit::Duplicate { at, len }),
        at.prop_map(|at| ByteEdit::Truncate { at }),
    ]
}

fn apply_bytes(text: &str, edits: &[ByteEdit]) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    for e in edits {
        let n = b.len().max(1);
        match e {
            ByteEdit::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                if at < end {
                    b.drain(at..end);
                }
            }
            ByteEdit::Insert { at, bytes } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
            }
            ByteEdit::Replace { at, byte } => {
                if !b.is_empty() {
                    let at = at % b.len();
                    b[at] = *byte;
                }
            }
            ByteEdit::Duplicate { at, len } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                if at < end {
                    let slice = b[at..end].to_vec();
                    b.splice(end..end, slice);
                }
            }
            ByteEdit::Truncate { at } => b.truncate(at % n),
        }
    }
    b
}

/// Values that stress the loader where a node used to be.
fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(serde_json::json!(-1.5)),
        Just(serde_json::json!("")),
        Just(serde_json::json!("_")),
        Just(serde_json::json!("{id}")),
        Just(serde_json::json!("self")),
        Just(serde_json::json!("#/components/schemas/")),
        Just(serde_json::json!({"$ref": "#/components/schemas/Missing"})),
        Just(serde_json::json!({"$ref": "other.yaml#/X", "nullable": true})),
        Just(serde_json::json!({"type": ["string", "null"], "const": "x"})),
        Just(serde_json::json!({"type": ["integer", "string"]})),
        Just(serde_json::json!({"type": "object", "additionalProperties": false})),
        Just(serde_json::json!({"oneOf": [{"type": "null"}]})),
        Just(serde_json::json!({"allOf": []})),
        Just(serde_json::json!({"enum": [null, 1, "a-b", "a_b", ""]})),
        Just(
            serde_json::json!({"type": "object", "properties": {"_": {}, "__": {}, "1": {}, "r#x": {}}})
        ),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        "[a-zA-Z0-9_ {}/#.-]{0,12}".prop_map(Value::String),
    ]
}

#[derive(Debug, Clone)]
enum ValueEdit {
    /// Replace the node chosen by `pick` with `value`.
    Replace { pick: usize, value: Value },
    /// Remove one key (or element) of the node chosen by `pick`.
    Remove { pick: usize, which: usize },
    /// Rename one key of the map chosen by `pick` to `name`.
    Rename {
        pick: usize,
        which: usize,
        name: String,
    },
}

fn value_edit() -> impl Strategy<Value = ValueEdit> {
    prop_oneof![
        (any::<usize>(), replacement())
            .prop_map(|(pick, value)| ValueEdit::Replace { pick, value }),
        (any::<usize>(), any::<usize>())
            .prop_map(|(pick, which)| ValueEdit::Remove { pick, which }),
        (
            any::<usize>(),
            any::<usize>(),
            prop_oneof![
                Just("$ref".to_string()),
                Just("type".to_string()),
                Just("allOf".to_string()),
                Just("oneOf".to_string()),
                Just("required".to_string()),
                Just("in".to_string()),
                Just("webhooks".to_string()),
                "[a-zA-Z _{}-]{0,10}"
            ]
        )
            .prop_map(|(pick, which, name)| ValueEdit::Rename { pick, which, name }),
    ]
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        Value::Object(m) => m.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The `n`th node in pre-order.
fn nth_node<'v>(v: &'v mut Value, n: &mut usize) -> Option<&'v mut Value> {
    if *n == 0 {
        return Some(v);
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().find_map(|c| nth_node(c, n)),
        Value::Object(m) => m.values_mut().find_map(|c| nth_node(c, n)),
        _ => None,
    }
}

fn apply_value(doc: &mut Value, edit: &ValueEdit) {
    let total = count_nodes(doc);
    let pick = match edit {
        ValueEdit::Replace { pick, .. }
        | ValueEdit::Remove { pick, .. }
        | ValueEdit::Rename { pick, .. } => pick % total,
    };
    let mut n = pick;
    let Some(node) = nth_node(doc, &mut n) else {
        return;
    };
    match edit {
        ValueEdit::Replace { value, .. } => *node = value.clone(),
        ValueEdit::Remove { which, .. } => match node {
            Value::Array(a) if !a.is_empty() => {
                let i = which % a.len();
                a.remove(i);
            }
            Value::Object(m) if !m.is_empty() => {
                let key = m.keys().nth(which % m.len()).cloned().unwrap_or_default();
                m.remove(&key);
            }
            _ => {}
        },
        ValueEdit::Rename { which, name, .. } => {
            if let Value::Object(m) = node {
                if !m.is_empty() {
                    let key = m.keys().nth(which % m.len()).cloned().unwrap_or_default();
                    if let Some(v) = m.remove(&key) {
                        m.insert(name.clone(), v);
                    }
                }
            }
        }
    }
}

fn parse_seed(text: &str) -> Option<Value> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml::from_str(text).ok()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PAYGEN_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn byte_mutations_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(byte_edit(), 1..4),
    ) {
        let (_, text) = seed.get(seeds());
        load_bytes(&apply_bytes(text, &edits));
    }

    #[test]
    fn value_mutations_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(value_edit(), 1..6),
        as_json in any::<bool>(),
    ) {
        let (_, text) = seed.get(seeds());
        let Some(mut doc) = parse_seed(text) else { return Ok(()) };
        for e in &edits {
            apply_value(&mut doc, e);
        }
        let out = if as_json {
            serde_json::to_string_pretty(&doc).expect("JSON")
        } else {
            serde_yaml::to_string(&doc).expect("YAML")
        };
        load_bytes(out.as_bytes());
    }
}

/// The seeds themselves load without a panic (a sanity check of the harness).
#[test]
fn seeds_load() {
    for (_, text) in seeds() {
        load_bytes(text.as_bytes());
    }
}
