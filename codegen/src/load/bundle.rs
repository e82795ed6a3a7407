//! Multi-file documents: `$ref`s to other local files are brought into the
//! one document before anything else reads it, as a bundler would.
//!
//! | `$ref` | becomes |
//! |---|---|
//! | in a schema's place (`schema`, `items`, `properties/*`, `allOf/*`, …) | a component schema, named after the fragment's last token or the file's stem; the same file and fragment is always the same component |
//! | a whole component schema (`components/schemas/X: {$ref: x.yaml}`) | that component's content, and `X` is the name every other reference to `x.yaml` gets |
//! | anywhere else (a path item, a parameter, a response, a request body, a whole `properties` map) | the referenced content, in place |
//! | a `description` referring to a Markdown or text file | the file's text |
//! | `#/…` inside another file | a reference into that file, resolved the same way |
//! | into the document itself (`../openapi.yaml#/…`) | `#/…` |
//! | a URL (`https://…`) | an error: nothing is fetched |
//!
//! A problem found later in a part read from another file is reported in
//! that file, at its line and column ([`Diagnostics::add_origin`]). A
//! reference that cannot be followed is an error at the reference, and the
//! load stops after this step: what the loader would say next about the
//! same references would only repeat it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::diag::{join, Diagnostics};

use super::source::{decode_utf8, Locator};

const SCHEMAS: &str = "/components/schemas";

/// Keys of a schema whose value is a schema.
const SCHEMA_KEYS: &[&str] = &[
    "schema",
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keys of a schema whose value maps names to schemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keys of a schema whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "oneOf", "anyOf", "prefixItems"];

/// Values that are data, not description: never searched for `$ref`s.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "const"];

/// Brings every local file the document at `path` refers to into `doc`.
pub(crate) fn bundle(doc: &mut Value, path: &Path, diags: &mut Diagnostics) {
    let Ok(root) = path.canonicalize() else {
        // The caller has just read the file; nothing to resolve against.
        return;
    };
    let mut b = Bundler {
        shown: HashMap::from([(root.clone(), diags.file.clone())]),
        root,
        diags,
        files: HashMap::new(),
        named: HashMap::new(),
        taken: BTreeSet::new(),
        hoisted: Vec::new(),
        inlining: Vec::new(),
    };
    let root_file = b.root.clone();
    // Component schemas that are a whole file: that file's schema keeps
    // the component's name wherever else it is referred to.
    if let Some(Value::Object(schemas)) = doc.pointer("/components/schemas") {
        b.taken.extend(schemas.keys().cloned());
        for (key, schema) in schemas {
            if let Some(target) = b.pure_file_ref(schema, &root_file) {
                b.named.entry(target).or_insert_with(|| key.clone());
            }
        }
    }
    b.walk(doc, &root_file, "", Slot::Other);
    if b.hoisted.is_empty() {
        return;
    }
    let Some(root_map) = doc.as_object_mut() else {
        return;
    };
    let components = root_map
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    if !components.is_object() {
        // A shape error the normaliser reports; there is nowhere to put them.
        return;
    }
    let schemas = components
        .as_object_mut()
        .map(|c| {
            c.entry("schemas")
                .or_insert_with(|| Value::Object(Map::new()))
        })
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas {
        for (name, schema) in std::mem::take(&mut b.hoisted) {
            schemas.insert(name, schema);
        }
    }
}

/// What a node is, from where it stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Schema,
    /// A component schema of the document itself (`/components/schemas/X`).
    Component,
    /// A map of names to schemas (`properties`, `$defs`, …), which some
    /// documents keep in a file of its own.
    SchemaMap,
    Description,
    Other,
}

/// A file read once: its value, and where to find positions in it.
struct File {
    value: Value,
    locator: Locator,
}

/// A file and a JSON pointer into it.
type Target = (PathBuf, String);

struct Bundler<'a> {
    diags: &'a mut Diagnostics,
    root: PathBuf,
    /// Each file as diagnostics name it.
    shown: HashMap<PathBuf, String>,
    /// Files read so far; `None` for one that could not be.
    files: HashMap<PathBuf, Option<Rc<File>>>,
    /// The component name each schema target has.
    named: HashMap<Target, String>,
    /// Component schema names in use.
    taken: BTreeSet<String>,
    /// Component schemas added, in the order they were first referred to.
    hoisted: Vec<(String, Value)>,
    /// Targets being inlined right now (a reference back into one is a cycle).
    inlining: Vec<Target>,
}

impl Bundler<'_> {
    /// Resolves the references in `node`, which was read from `file` and
    /// stands at `ptr` in the bundled document.
    fn walk(&mut self, node: &mut Value, file: &Path, ptr: &str, slot: Slot) {
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let reference = reference.to_string();
            self.reference(node, &reference, file, ptr, slot);
            return;
        }
        match node {
            Value::Object(entries) if slot == Slot::SchemaMap => {
                for (name, schema) in entries.iter_mut() {
                    self.walk(schema, file, &join(ptr, name), Slot::Schema);
                }
            }
            Value::Object(map) => {
                let in_schema = matches!(slot, Slot::Schema | Slot::Component);
                // The keys of a components section are names, not keywords.
                let names = file == self.root
                    && ptr.starts_with("/components/")
                    && ptr.matches('/').count() == 2;
                for (key, child) in map.iter_mut() {
                    let key = key.as_str();
                    let child_ptr = join(ptr, key);
                    // Data, and what the generator does not read.
                    let data = matches!(key, "example" | "examples" | "callbacks" | "links")
                        || (in_schema && DATA_KEYS.contains(&key));
                    if names {
                        let slot = if ptr == SCHEMAS {
                            Slot::Component
                        } else {
                            Slot::Other
                        };
                        self.walk(child, file, &child_ptr, slot);
                    } else if key.starts_with("x-") || data {
                        continue;
                    } else if in_schema && SCHEMA_MAPS.contains(&key) {
                        self.walk(child, file, &child_ptr, Slot::SchemaMap);
                    } else if in_schema && SCHEMA_LISTS.contains(&key) {
                        if let Value::Array(items) = child {
                            for (i, schema) in items.iter_mut().enumerate() {
                                let at = join(&child_ptr, &i.to_string());
                                self.walk(schema, file, &at, Slot::Schema);
                            }
                        }
                    } else if in_schema && key == "discriminator" {
                        self.mapping(child, file, &child_ptr);
                    } else {
                        let child_slot = if SCHEMA_KEYS.contains(&key) {
                            Slot::Schema
                        } else if key == "description" {
                            Slot::Description
                        } else {
                            Slot::Other
                        };
                        self.walk(child, file, &child_ptr, child_slot);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, file, &join(ptr, &i.to_string()), slot);
                }
            }
            _ => {}
        }
    }

    /// One `$ref` object at `ptr`, read from `file`.
    fn reference(&mut self, node: &mut Value, reference: &str, file: &Path, ptr: &str, slot: Slot) {
        let ref_ptr = join(ptr, "$ref");
        if reference.contains("://") {
            self.diags.error(
                ref_ptr,
                format!(
                    "external $ref `{reference}` cannot be resolved: documents at URLs are not \
                     fetched; bundle the document into one file first"
                ),
            );
            return;
        }
        let (file_part, fragment) = split_ref(reference);
        let target_path = match self.file_of(file, file_part) {
            Ok(p) => p,
            Err(e) => {
                self.diags.error(
                    ref_ptr,
                    format!("$ref `{reference}`: cannot read `{file_part}`: {e}"),
                );
                return;
            }
        };
        if target_path == self.root {
            if !file_part.is_empty() {
                set_ref(node, format!("#{fragment}"));
            }
            return;
        }
        if slot == Slot::Description && is_text_file(&target_path) {
            match std::fs::read_to_string(&target_path) {
                Ok(text) => *node = Value::String(text),
                Err(e) => self.diags.error(
                    ref_ptr,
                    format!("$ref `{reference}`: cannot read `{file_part}`: {e}"),
                ),
            }
            return;
        }
        let target: Target = (target_path, fragment);
        // A second component that is the same whole file is the first one.
        let other_component = slot == Slot::Component
            && self
                .named
                .get(&target)
                .is_some_and(|name| join(SCHEMAS, name) != ptr);
        if slot == Slot::Schema || other_component {
            if let Some(name) = self.schema_name(&target, reference, &ref_ptr) {
                set_ref(node, join("#/components/schemas", &name));
            }
            return;
        }
        // In place: anything but a schema, and a component schema that is a
        // whole file (its name is the component's).
        if self.inlining.contains(&target) {
            self.diags.error(
                ref_ptr,
                format!("$ref `{reference}` leads back to itself through other files"),
            );
            return;
        }
        let Some(mut value) = self.resolve(&target, reference, &ref_ptr) else {
            return;
        };
        self.origin(ptr, &target);
        self.inlining.push(target.clone());
        self.walk(&mut value, &target.0, ptr, slot);
        self.inlining.pop();
        // Keywords beside the `$ref` (3.1: `summary`, `description`) win.
        if let (Value::Object(into), Value::Object(beside)) = (&mut value, &*node) {
            for (k, v) in beside {
                if k != "$ref" {
                    into.insert(k.clone(), v.clone());
                }
            }
        }
        *node = value;
    }

    /// A discriminator's `mapping` values that name another file (or, in
    /// another file, a schema of that file) become the component they are.
    fn mapping(&mut self, discriminator: &mut Value, file: &Path, ptr: &str) {
        let Some(Value::Object(mapping)) = discriminator.get_mut("mapping") else {
            return;
        };
        for (tag, value) in mapping.iter_mut() {
            let Some(reference) = value.as_str().map(str::to_string) else {
                continue;
            };
            if reference.contains("://") || (reference.starts_with('#') && file == self.root) {
                continue;
            }
            let (file_part, fragment) = split_ref(&reference);
            // A bare schema name is not a file; it is left to the loader.
            let Ok(path) = self.file_of(file, file_part) else {
                continue;
            };
            let at = join(&join(ptr, "mapping"), tag);
            if path == self.root {
                *value = Value::String(format!("#{fragment}"));
                continue;
            }
            let target = (path, fragment);
            if let Some(name) = self.schema_name(&target, &reference, &at) {
                *value = Value::String(join("#/components/schemas", &name));
            }
        }
    }

    /// The component schema name of `target`, bringing it in on first use.
    fn schema_name(&mut self, target: &Target, reference: &str, ref_ptr: &str) -> Option<String> {
        if let Some(name) = self.named.get(target) {
            return Some(name.clone());
        }
        let mut value = self.resolve(target, reference, ref_ptr)?;
        let name = self.fresh_name(target);
        self.named.insert(target.clone(), name.clone());
        let index = self.hoisted.len();
        self.hoisted.push((name.clone(), Value::Null));
        let at = join(SCHEMAS, &name);
        self.origin(&at, target);
        self.walk(&mut value, &target.0, &at, Slot::Schema);
        self.hoisted[index].1 = value;
        Some(name)
    }

    /// A component name for `target` that no schema has: the fragment's last
    /// token, or the file's stem, numbered when taken.
    fn fresh_name(&mut self, target: &Target) -> String {
        let token = target
            .1
            .rsplit('/')
            .next()
            .filter(|t| !t.is_empty())
            .map(|t| t.replace("~1", "/").replace("~0", "~"));
        let base = token.unwrap_or_else(|| {
            target
                .0
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Schema".to_string())
        });
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// The value `target` names, reporting at `ref_ptr` when there is none.
    fn resolve(&mut self, target: &Target, reference: &str, ref_ptr: &str) -> Option<Value> {
        let file = self.read(&target.0)?;
        match file.value.pointer(&target.1) {
            Some(v) => Some(v.clone()),
            None => {
                self.diags.error(
                    ref_ptr,
                    format!(
                        "$ref `{reference}` points at nothing: `{}` has no `{}`",
                        self.shown[&target.0], target.1
                    ),
                );
                None
            }
        }
    }

    /// The file at `path` (canonical), read and parsed once; its own
    /// problems are reported in it.
    fn read(&mut self, path: &Path) -> Option<Rc<File>> {
        if let Some(file) = self.files.get(path) {
            return file.clone();
        }
        let shown = self.shown[path].clone();
        let mut diags = Diagnostics::new(shown);
        let file = std::fs::read(path)
            .map_err(|e| diags.error("", format!("cannot read the file: {e}")))
            .ok()
            .and_then(|bytes| decode_utf8(&bytes, &mut diags))
            .and_then(|text| {
                diags.set_locator(Locator::new(&text));
                let value = super::parse_value(&text, &mut diags)?;
                Some(Rc::new(File {
                    value,
                    locator: Locator::new(&text),
                }))
            });
        self.diags.items.append(&mut diags.items);
        self.files.insert(path.to_path_buf(), file.clone());
        file
    }

    /// Diagnostics under `at` are reported in `target`'s file.
    fn origin(&mut self, at: &str, target: &Target) {
        if let Some(Some(file)) = self.files.get(&target.0) {
            self.diags.add_origin(
                at.to_string(),
                self.shown[&target.0].clone(),
                file.locator.clone(),
                target.1.clone(),
            );
        }
    }

    /// The target of `schema` when it is nothing but a `$ref` to another
    /// file.
    fn pure_file_ref(&mut self, schema: &Value, file: &Path) -> Option<Target> {
        let map = schema.as_object()?;
        let reference = map.get("$ref")?.as_str()?;
        if map.len() != 1 || reference.starts_with('#') || reference.contains("://") {
            return None;
        }
        let (file_part, fragment) = split_ref(reference);
        let path = self.file_of(file, file_part).ok()?;
        (path != self.root).then_some((path, fragment))
    }

    /// The file `file_part` names, relative to `file` (itself when empty),
    /// as a canonical path; remembers how diagnostics name it.
    fn file_of(&mut self, file: &Path, file_part: &str) -> std::io::Result<PathBuf> {
        if file_part.is_empty() {
            return Ok(file.to_path_buf());
        }
        let path = file
            .parent()
            .unwrap_or(Path::new(""))
            .join(file_part)
            .canonicalize()?;
        if !path.is_file() {
            return Err(std::io::Error::other("not a file"));
        }
        if !self.shown.contains_key(&path) {
            let shown = shown_beside(&self.shown[file], file_part);
            self.shown.insert(path.clone(), shown);
        }
        Ok(path)
    }
}

/// A reference's file part (empty for this file) and its fragment as a
/// JSON pointer: a URI fragment, so `%7B` is `{`.
fn split_ref(reference: &str) -> (&str, String) {
    let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    (file_part, percent_decode(fragment))
}

/// `%XX` escapes decoded; anything that is not one (or not UTF-8 once
/// decoded) is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn set_ref(node: &mut Value, reference: String) {
    if let Some(map) = node.as_object_mut() {
        map.insert("$ref".into(), Value::String(reference));
    }
}

/// A description may be kept in a Markdown or text file.
fn is_text_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "md" || e == "markdown" || e == "txt")
}

/// How diagnostics name `relative`, referred to from the file they name
/// `from`: beside it, with `.` and `..` taken out.
fn shown_beside(from: &str, relative: &str) -> String {
    let dir = Path::new(from).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for c in dir.join(relative).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_files_are_named_beside_the_file_that_refers_to_them() {
        assert_eq!(
            shown_beside("specs/x/openapi.yaml", "schemas/a.yaml"),
            "specs/x/schemas/a.yaml"
        );
        assert_eq!(
            shown_beside("specs/x/paths/p.yaml", "../schemas/./a.yaml"),
            "specs/x/schemas/a.yaml"
        );
        assert_eq!(shown_beside("openapi.yaml", "a.yaml"), "a.yaml");
        // Above the first file's folder, `..` stays.
        assert_eq!(
            shown_beside("openapi.yaml", "../shared/a.yaml"),
            "../shared/a.yaml"
        );
    }

    #[test]
    fn fragments_are_uri_fragments() {
        assert_eq!(
            split_ref("paths.yaml#/~1pets~1%7BpetId%7D"),
            ("paths.yaml", "/~1pets~1{petId}".to_string())
        );
        assert_eq!(split_ref("#/Tag"), ("", "/Tag".to_string()));
        assert_eq!(split_ref("pet.yaml"), ("pet.yaml", String::new()));
        // Not an escape: kept.
        assert_eq!(percent_decode("/100%/x%zz%4"), "/100%/x%zz%4");
        assert_eq!(percent_decode("/caf%C3%A9"), "/café");
    }

    #[test]
    fn text_files_hold_descriptions() {
        assert!(is_text_file(Path::new("docs/intro.md")));
        assert!(is_text_file(Path::new("notes.txt")));
        assert!(!is_text_file(Path::new("schemas/a.yaml")));
    }
}
