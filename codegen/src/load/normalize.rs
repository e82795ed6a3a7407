//! Value-level normalisation of an OpenAPI document, before it is read into
//! `openapiv3`'s 3.0 model.
//!
//! The document is parsed into a `serde_json::Value` first; this module then
//! rewrites the OpenAPI 3.1 constructs (and a few 3.0 quirks seen in vendor
//! documents) into their 3.0 equivalents, and checks the shape of the keys the
//! generator relies on so that a mistake is reported at its own JSON pointer
//! instead of at some enclosing node. Exact rewrites are silent; a rewrite
//! that loses meaning the generated client could have used is a warning that
//! says what the generator does instead.
//!
//! | 3.1 / quirk | becomes |
//! |---|---|
//! | `type: [X, "null"]`, `type: "null"` | `type: X` + `nullable: true` |
//! | `oneOf`/`anyOf` with a `{type: "null"}` member | the other members + `nullable: true` |
//! | `const: v` | `enum: [v]` |
//! | `examples: [a, …]` in a schema | `example: a` |
//! | `$ref` with sibling keywords in a schema | `allOf: [{$ref}]` + the siblings |
//! | numeric `exclusiveMinimum`/`exclusiveMaximum` | `minimum`/`maximum` + `exclusive…: true` |
//! | boolean schemas (`true`, `false`) | `{}` |
//! | `webhooks`, `components/pathItems` | dropped (warning) |
//! | response and component `headers` | dropped: the generator does not read them |
//! | parameter without `schema`/`content` | a string parameter (warning) |
//! | `parameters: null` | no parameters (warning) |
//! | response without `description` | an empty description |
//! | operation without `responses` (3.1) | no responses (warning) |
//! | `mutualTLS` security scheme (3.1) | dropped, and from every `security` list (warning) |
//! | operation `callbacks` | dropped (warning) |
//! | `$defs` of a component schema `X` | components `X<Def>`, `$ref`s rewritten |
//! | a schema `$ref` into a parameter, response or request body component | that schema a component of its own (`X parameter`, `X response`, `X request`), `$ref`s rewritten |
//! | `type: string` + `contentEncoding: base64` / non-text `contentMediaType` | `format: byte` / `format: binary` |
//! | `oneOf`/`anyOf` whose members each require one property with a single value of their own | + `discriminator: {propertyName}` |

use serde_json::{Map, Value};

use crate::diag::{join, Diagnostics};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// `allOf: [A, {oneOf: [X, Y], discriminator}]` (Alpaca's transfers: the
/// shared fields, then the variants) says the same as `allOf: [A]` with the
/// `oneOf` and its discriminator beside it, which the loader reads as a
/// union whose every member has A's properties. Only an inline union is
/// moved, and only when it is the one union of the `allOf` and the schema
/// has no `oneOf`/`anyOf` of its own; a union the loader cannot merge
/// otherwise is reported there.
fn hoist_union_from_all_of(m: &mut Map<String, Value>) {
    if m.contains_key("oneOf") || m.contains_key("anyOf") {
        return;
    }
    let Some(Value::Array(all_of)) = m.get_mut("allOf") else {
        return;
    };
    let is_union = |v: &Value| {
        v.as_object().is_some_and(|o| {
            !o.contains_key("$ref") && (o.contains_key("oneOf") || o.contains_key("anyOf"))
        })
    };
    let unions: Vec<usize> = (0..all_of.len())
        .filter(|&i| is_union(&all_of[i]))
        .collect();
    let [at] = unions[..] else {
        return;
    };
    let Value::Object(mut member) = all_of.remove(at) else {
        return;
    };
    for key in ["oneOf", "anyOf", "discriminator"] {
        if let Some(v) = member.remove(key) {
            m.entry(key).or_insert(v);
        }
    }
    // What else the member says (properties, required) stays merged.
    member.retain(|k, _| !matches!(k.as_str(), "description" | "title" | "example"));
    if !member.is_empty() {
        if let Some(Value::Array(all_of)) = m.get_mut("allOf") {
            all_of.insert(at, Value::Object(member));
        }
    }
    if m.get("allOf")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        m.remove("allOf");
    }
}

/// Rewrites `doc` in place; problems go to `diags` with their pointers.
pub fn normalize(doc: &mut Value, diags: &mut Diagnostics) {
    let Some(root) = doc.as_object_mut() else {
        // Reported when the value is read as a document.
        return;
    };
    let mut n = Normalizer {
        diags,
        dropped_schemes: Vec::new(),
    };
    hoist_defs(root, n.diags);
    hoist_embedded_schemas(root, n.diags);
    n.security_schemes(root);
    n.security(root, "");
    if let Some(hooks) = root.remove("webhooks") {
        let count = hooks.as_object().map_or(0, Map::len);
        if count > 0 {
            n.diags.warning(
                "/webhooks",
                format!(
                    "OpenAPI 3.1 `webhooks` ({count}) are not generated: they describe requests the \
                     provider sends, not operations of the client; to verify and decode deliveries, \
                     name the event schema under `webhook:` in paygen.yaml"
                ),
            );
        }
    }
    if !root.contains_key("paths") {
        // Optional in 3.1; the 3.0 model needs it.
        root.insert("paths".into(), Value::Object(Map::new()));
    }
    match root.get_mut("paths") {
        Some(Value::Object(paths)) => {
            for (path, item) in paths.iter_mut() {
                if !path.starts_with("x-") {
                    n.path_item(item, &join("/paths", path));
                }
            }
        }
        Some(other) => {
            n.diags.error(
                "/paths",
                format!(
                    "`paths` must be a map from path templates to path items, found {}",
                    kind(other)
                ),
            );
            *other = Value::Object(Map::new());
        }
        None => {}
    }
    if let Some(Value::Object(c)) = root.get_mut("components") {
        c.remove("headers");
        if let Some(items) = c.remove("pathItems") {
            if items.as_object().is_some_and(|m| !m.is_empty()) {
                n.diags.warning(
                    "/components/pathItems",
                    "`components/pathItems` (OpenAPI 3.1) are not supported; path items that \
                     refer to them are reported where they are used",
                );
            }
        }
        n.each_entry(c, "schemas", "/components", |n, v, p| n.schema(v, p));
        n.each_entry(c, "parameters", "/components", |n, v, p| n.parameter(v, p));
        n.each_entry(c, "requestBodies", "/components", |n, v, p| {
            n.content_holder(v, p)
        });
        n.each_entry(c, "responses", "/components", |n, v, p| n.response(v, p));
        n.each_entry(c, "callbacks", "/components", |n, v, p| n.callback(v, p));
    }
    infer_discriminators(doc);
}

/// A `oneOf`/`anyOf` without a `discriminator` whose object members all
/// require one property, each allowing a single string value of its own
/// (Datadog's 60 widget definitions, each with its `type`), gets that
/// property as its discriminator. The rewrite is exact: a valid value can
/// only match the member its property names. Tried in order instead, an
/// untagged union takes the first member whose fields fit, and a member
/// requiring only the `type` (read as an open enum) fits every widget.
fn infer_discriminators(doc: &mut Value) {
    let mut found = Vec::new();
    find_tag_properties(doc, doc, "", &mut found);
    for (ptr, property) in found {
        if let Some(Value::Object(union)) = doc.pointer_mut(&ptr) {
            let mut d = Map::new();
            d.insert("propertyName".into(), Value::String(property));
            union.insert("discriminator".into(), Value::Object(d));
        }
    }
}

/// Collects `(pointer, property)` for each union under `v` (at `ptr`)
/// that [`infer_discriminators`] completes.
fn find_tag_properties(root: &Value, v: &Value, ptr: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if !m.contains_key("discriminator") {
                let members = ["oneOf", "anyOf"]
                    .iter()
                    .find_map(|k| m.get(*k).and_then(Value::as_array));
                if let Some(property) = members.and_then(|ms| tag_property(root, ms)) {
                    out.push((ptr.to_string(), property));
                }
            }
            for (k, child) in m {
                let data = matches!(
                    k.as_str(),
                    "example" | "examples" | "default" | "enum" | "const"
                );
                if !data && !k.starts_with("x-") {
                    find_tag_properties(root, child, &join(ptr, k), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_tag_properties(root, item, &join(ptr, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// The property every member requires with a single string value, all
/// values distinct; the first such in the first member's order.
fn tag_property(root: &Value, members: &[Value]) -> Option<String> {
    if members.len() < 2 {
        return None;
    }
    let members: Vec<&Map<String, Value>> = members
        .iter()
        .map(|m| follow(root, m).and_then(Value::as_object))
        .collect::<Option<_>>()?;
    let first = members[0].get("properties")?.as_object()?;
    first.keys().find_map(|name| {
        let mut values = std::collections::BTreeSet::new();
        for member in &members {
            let required = member.get("required")?.as_array()?;
            if !required.iter().any(|r| r.as_str() == Some(name)) {
                return None;
            }
            let property = member.get("properties")?.get(name)?;
            if !values.insert(single_value(root, property)?) {
                return None;
            }
        }
        Some(name.clone())
    })
}

/// The one string value a schema allows (`enum: [v]` or `const: v`),
/// through `$ref`s and a lone `allOf` member.
fn single_value(root: &Value, schema: &Value) -> Option<String> {
    let schema = follow(root, schema)?;
    if let Some(Value::Array(all)) = schema.get("allOf") {
        return match all.as_slice() {
            [only] => single_value(root, only),
            _ => None,
        };
    }
    match (schema.get("enum"), schema.get("const")) {
        (Some(Value::Array(values)), _) => match values.as_slice() {
            [Value::String(v)] => Some(v.clone()),
            _ => None,
        },
        (None, Some(Value::String(v))) => Some(v.clone()),
        _ => None,
    }
}

/// `schema`, or what its `$ref` into this document names (a few hops at
/// most, so that a cycle of references ends).
fn follow<'v>(root: &'v Value, mut schema: &'v Value) -> Option<&'v Value> {
    for _ in 0..8 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schema = root.pointer(r.strip_prefix('#')?)?,
            None => return Some(schema),
        }
    }
    None
}

struct Normalizer<'d> {
    diags: &'d mut Diagnostics,
    /// Security schemes removed from components (mutual TLS), removed from
    /// every requirement too.
    dropped_schemes: Vec<String>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn is_ref(m: &Map<String, Value>) -> bool {
    m.contains_key("$ref")
}

impl Normalizer<'_> {
    /// Calls `f` on each entry of the map under `key` in `parent`.
    fn each_entry(
        &mut self,
        parent: &mut Map<String, Value>,
        key: &str,
        parent_ptr: &str,
        mut f: impl FnMut(&mut Self, &mut Value, &str),
    ) {
        let ptr = join(parent_ptr, key);
        match parent.get_mut(key) {
            Some(Value::Object(m)) => {
                for (k, v) in m.iter_mut() {
                    if !k.starts_with("x-") {
                        f(self, v, &join(&ptr, k));
                    }
                }
            }
            Some(Value::Null) | None => {}
            Some(other) => {
                self.diags
                    .error(ptr, format!("`{key}` must be a map, found {}", kind(other)));
                parent.remove(key);
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, ptr: &str) {
        let Value::Object(m) = item else {
            self.diags.error(
                ptr,
                format!(
                    "a path item must be a map of operations, found {}",
                    kind(item)
                ),
            );
            *item = Value::Object(Map::new());
            return;
        };
        if is_ref(m) {
            return;
        }
        self.parameter_list(m, ptr);
        for method in METHODS {
            let optr = join(ptr, method);
            match m.get_mut(*method) {
                Some(Value::Object(op)) => self.operation(op, &optr),
                Some(other) => {
                    self.diags.error(
                        optr,
                        format!("an operation must be a map, found {}", kind(other)),
                    );
                    m.remove(*method);
                }
                None => {}
            }
        }
    }

    /// A `security` list: requirements, each a map from scheme name to
    /// scope names. `null` scopes (seen in Square's document) mean none.
    fn security(&mut self, holder: &mut Map<String, Value>, ptr: &str) {
        let sptr = join(ptr, "security");
        self.expect(
            holder,
            "security",
            ptr,
            "a list of security requirements",
            Value::is_array,
        );
        let Some(Value::Array(reqs)) = holder.get_mut("security") else {
            return;
        };
        if !self.dropped_schemes.is_empty() {
            // A requirement left empty by the removal would mean "no
            // credentials needed", which it did not say: it goes too.
            reqs.retain_mut(|req| match req.as_object_mut() {
                Some(schemes) if !schemes.is_empty() => {
                    schemes.retain(|name, _| !self.dropped_schemes.contains(name));
                    !schemes.is_empty()
                }
                _ => true,
            });
        }
        for (i, req) in reqs.iter_mut().enumerate() {
            let rptr = join(&sptr, &i.to_string());
            let Some(schemes) = req.as_object_mut() else {
                self.diags.error(
                    &rptr,
                    format!(
                        "a security requirement must be a map from scheme names to scope lists, found {}",
                        kind(req)
                    ),
                );
                *req = Value::Object(Map::new());
                continue;
            };
            for (name, scopes) in schemes.iter_mut() {
                let nptr = join(&rptr, name);
                match scopes {
                    Value::Array(items) if items.iter().all(Value::is_string) => {}
                    Value::Null => {
                        self.diags.warning(
                            &nptr,
                            "the scopes of a security requirement must be a list, found null; \
                             read as no scopes (`[]`)",
                        );
                        *scopes = Value::Array(Vec::new());
                    }
                    other => {
                        self.diags.error(
                            &nptr,
                            format!(
                                "the scopes of a security requirement must be a list of scope names, found {}",
                                kind(other)
                            ),
                        );
                        *other = Value::Array(Vec::new());
                    }
                }
            }
        }
    }

    /// `components/securitySchemes`: mutual TLS (3.1) is not in the 3.0
    /// model and the client cannot present a certificate, so it goes.
    fn security_schemes(&mut self, root: &mut Map<String, Value>) {
        let Some(Value::Object(schemes)) = root
            .get_mut("components")
            .and_then(|c| c.get_mut("securitySchemes"))
        else {
            return;
        };
        for (scheme, s) in schemes.iter_mut() {
            let in_header = s.get("type").and_then(Value::as_str) == Some("apiKey")
                && s.get("in").and_then(Value::as_str) == Some("header");
            let name = s.get("name").and_then(Value::as_str).unwrap_or_default();
            if in_header && !crate::names::is_header_name(name) {
                self.diags.error(
                    join(&join("/components/securitySchemes", scheme), "name"),
                    format!(
                        "API key header `{name}` is not a valid HTTP header name (letters, \
                         digits and !#$%&'*+-.^_`|~ only)"
                    ),
                );
            }
        }
        let mtls: Vec<String> = schemes
            .iter()
            .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS"))
            .map(|(name, _)| name.clone())
            .collect();
        for name in mtls {
            schemes.remove(&name);
            self.diags.warning(
                join("/components/securitySchemes", &name),
                format!(
                    "mutual TLS (security scheme `{name}`) is not supported: the client presents \
                     no client certificate; the scheme is dropped from every `security` \
                     requirement"
                ),
            );
            self.dropped_schemes.push(name);
        }
    }

    fn operation(&mut self, op: &mut Map<String, Value>, ptr: &str) {
        self.security(op, ptr);
        self.parameter_list(op, ptr);
        if let Some(body) = op.get_mut("requestBody") {
            self.content_holder(body, &join(ptr, "requestBody"));
        }
        match op.get_mut("responses") {
            Some(Value::Object(rs)) => {
                let rptr = join(ptr, "responses");
                for (code, r) in rs.iter_mut() {
                    if !code.starts_with("x-") {
                        self.response(r, &join(&rptr, code));
                    }
                }
            }
            Some(other) => {
                self.diags.error(
                    join(ptr, "responses"),
                    format!(
                        "`responses` must be a map from status codes to responses, found {}",
                        kind(other)
                    ),
                );
                op.insert("responses".into(), Value::Object(Map::new()));
            }
            None => {
                // Optional in 3.1; the 3.0 model needs it.
                self.diags.warning(
                    ptr,
                    "the operation declares no responses; its method returns `()` on any 2xx \
                     status and an error carrying the raw response otherwise",
                );
                op.insert("responses".into(), Value::Object(Map::new()));
            }
        }
        match op.remove("callbacks") {
            Some(Value::Object(cbs)) => {
                let cptr = join(ptr, "callbacks");
                for name in cbs.keys().filter(|k| !k.starts_with("x-")) {
                    self.diags.warning(
                        join(&cptr, name),
                        format!(
                            "callback `{name}` is not generated: it describes requests the \
                             provider sends, not operations of the client; it is ignored"
                        ),
                    );
                }
            }
            Some(Value::Null) | None => {}
            Some(other) => {
                self.diags.error(
                    join(ptr, "callbacks"),
                    format!("`callbacks` must be a map, found {}", kind(&other)),
                );
            }
        }
        if let Some(Value::Array(_)) = op.get("operationId") {
            self.diags.error(
                join(ptr, "operationId"),
                "`operationId` must be a string, found a list",
            );
            op.remove("operationId");
        }
    }

    fn callback(&mut self, cb: &mut Value, ptr: &str) {
        if let Value::Object(m) = cb {
            if is_ref(m) {
                return;
            }
            for (expr, item) in m.iter_mut() {
                if !expr.starts_with("x-") {
                    self.path_item(item, &join(ptr, expr));
                }
            }
        }
    }

    fn parameter_list(&mut self, holder: &mut Map<String, Value>, ptr: &str) {
        let pptr = join(ptr, "parameters");
        match holder.get_mut("parameters") {
            Some(Value::Array(list)) => {
                for (i, p) in list.iter_mut().enumerate() {
                    self.parameter(p, &join(&pptr, &i.to_string()));
                }
            }
            Some(Value::Null) => {
                self.diags
                    .warning(pptr, "`parameters` is null; read as no parameters (`[]`)");
                holder.remove("parameters");
            }
            None => {}
            Some(other) => {
                self.diags.error(
                    pptr,
                    format!("`parameters` must be a list, found {}", kind(other)),
                );
                holder.remove("parameters");
            }
        }
    }

    fn parameter(&mut self, p: &mut Value, ptr: &str) {
        let Value::Object(m) = p else {
            self.diags.error(
                ptr,
                format!("a parameter must be a map or a $ref, found {}", kind(p)),
            );
            *p = placeholder_parameter();
            return;
        };
        if is_ref(m) {
            return;
        }
        let name = match m.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                self.diags
                    .error(ptr, "a parameter needs a `name` (a string)");
                *p = placeholder_parameter();
                return;
            }
        };
        match m.get("in").and_then(Value::as_str) {
            Some("header") if !crate::names::is_header_name(&name) => {
                self.diags.error(
                    join(ptr, "name"),
                    format!(
                        "header parameter `{name}` is not a valid HTTP header name (letters, \
                         digits and !#$%&'*+-.^_`|~ only)"
                    ),
                );
                *p = placeholder_parameter();
                return;
            }
            Some(loc @ ("path" | "query" | "header" | "cookie")) => {
                let styles: &[&str] = match loc {
                    "path" => &["matrix", "label", "simple"],
                    "query" => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
                    "header" => &["simple"],
                    _ => &["form"],
                };
                if let Some(style) = m.get("style") {
                    if !style.as_str().is_some_and(|s| styles.contains(&s)) {
                        let found = match style.as_str() {
                            Some(s) => format!("`{s}`"),
                            None => kind(style).to_string(),
                        };
                        self.diags.error(
                            join(ptr, "style"),
                            format!(
                                "parameter `{name}` is `in: {loc}`, whose `style` must be one of \
                                 {styles:?}; found {found}"
                            ),
                        );
                        m.remove("style");
                    }
                }
            }
            Some("body" | "formData") => {
                self.diags.error(
                    join(ptr, "in"),
                    format!(
                        "parameter `{name}` is `in: {}`, a Swagger 2 construct; expected path, \
                         query, header or cookie (describe bodies with `requestBody`)",
                        m["in"].as_str().unwrap_or_default()
                    ),
                );
                *p = placeholder_parameter();
                return;
            }
            other => {
                let found = other.map_or("nothing".to_string(), |s| format!("`{s}`"));
                self.diags.error(
                    join(ptr, "in"),
                    format!(
                        "parameter `{name}` has `in` {found}; expected path, query, header or cookie"
                    ),
                );
                *p = placeholder_parameter();
                return;
            }
        }
        let has_content = m.contains_key("content");
        match (m.get_mut("schema"), has_content) {
            (Some(s), _) => self.schema(s, &join(ptr, "schema")),
            (None, true) => {
                if let Some(Value::Object(content)) = m.get_mut("content") {
                    self.media_map(content, &join(ptr, "content"));
                }
            }
            (None, false) => {
                self.diags.warning(
                    ptr.to_string(),
                    format!(
                        "parameter `{name}` has neither `schema` nor `content`; it is sent as a string"
                    ),
                );
                m.insert("schema".into(), serde_json::json!({"type": "string"}));
            }
        }
        for key in ["required", "deprecated", "allowEmptyValue", "explode"] {
            self.expect_bool(m, key, ptr);
        }
        m.remove("examples");
    }

    /// A request body (or anything else with `content`).
    fn content_holder(&mut self, v: &mut Value, ptr: &str) {
        let Value::Object(m) = v else {
            self.diags.error(
                ptr,
                format!(
                    "expected a map with `content`, or a $ref, found {}",
                    kind(v)
                ),
            );
            *v = serde_json::json!({"content": {}});
            return;
        };
        if is_ref(m) {
            return;
        }
        match m.get_mut("content") {
            Some(Value::Object(content)) => self.media_map(content, &join(ptr, "content")),
            None => {
                m.insert("content".into(), Value::Object(Map::new()));
            }
            Some(other) => {
                self.diags.error(
                    join(ptr, "content"),
                    format!(
                        "`content` must be a map from media types to media objects, found {}",
                        kind(other)
                    ),
                );
                m.insert("content".into(), Value::Object(Map::new()));
            }
        }
        self.expect_bool(m, "required", ptr);
    }

    fn response(&mut self, r: &mut Value, ptr: &str) {
        if let Value::Object(m) = r {
            if is_ref(m) {
                return;
            }
            // The generator reads status and body only; headers without a
            // schema (seen in vendor documents) would otherwise fail to parse.
            m.remove("headers");
            m.remove("links");
            if !matches!(m.get("description"), Some(Value::String(_))) {
                m.insert("description".into(), Value::String(String::new()));
            }
        }
        self.content_holder(r, ptr);
    }

    fn media_map(&mut self, content: &mut Map<String, Value>, ptr: &str) {
        for (media_type, media) in content.iter_mut() {
            let mptr = join(ptr, media_type);
            match media {
                Value::Object(mo) => {
                    if let Some(s) = mo.get_mut("schema") {
                        self.schema(s, &join(&mptr, "schema"));
                    }
                    // Examples are documentation the generator does not read.
                    mo.remove("examples");
                    mo.remove("example");
                    self.encoding(mo, &mptr);
                }
                other => {
                    self.diags.error(
                        mptr,
                        format!("a media type object must be a map, found {}", kind(other)),
                    );
                    *other = Value::Object(Map::new());
                }
            }
        }
    }

    /// A media type's `encoding`: what the generator reads of each entry
    /// (`style`, `explode`, `contentType`) is checked; part headers are
    /// dropped.
    fn encoding(&mut self, media: &mut Map<String, Value>, ptr: &str) {
        let eptr = join(ptr, "encoding");
        let Some(Value::Object(entries)) = media.get_mut("encoding") else {
            if let Some(other) = media.remove("encoding") {
                self.diags.error(
                    eptr,
                    format!(
                        "`encoding` must be a map from property names to encodings, found {}",
                        kind(&other)
                    ),
                );
            }
            return;
        };
        for (prop, e) in entries.iter_mut() {
            let pptr = join(&eptr, prop);
            let Value::Object(e) = e else {
                self.diags.error(
                    &pptr,
                    format!("an encoding must be a map, found {}", kind(e)),
                );
                *e = Value::Object(Map::new());
                continue;
            };
            e.retain(|k, _| matches!(k.as_str(), "style" | "explode" | "contentType"));
            if let Some(style) = e.get("style") {
                let known = ["form", "spaceDelimited", "pipeDelimited", "deepObject"];
                if !style.as_str().is_some_and(|s| known.contains(&s)) {
                    self.diags.warning(
                        join(&pptr, "style"),
                        format!(
                            "encoding style {style} is not one of {known:?}; the property is \
                             written deepObject-style (`{prop}[key]=…`)"
                        ),
                    );
                    e.remove("style");
                }
            }
            self.expect_bool(e, "explode", &pptr);
            self.expect(e, "contentType", &pptr, "a string", Value::is_string);
            // openapiv3 reads an absent `explode` as false; the specification's
            // default is true for `form` (also when no style is given), so it
            // is written out and an explicit `false` stays distinguishable.
            if !e.contains_key("explode") {
                let form = e.get("style").is_none_or(|s| s == "form");
                e.insert("explode".into(), Value::Bool(form));
            }
        }
    }

    fn expect_bool(&mut self, m: &mut Map<String, Value>, key: &str, ptr: &str) {
        if let Some(v) = m.get(key) {
            if !v.is_boolean() {
                self.diags.error(
                    join(ptr, key),
                    format!("`{key}` must be true or false, found {}", kind(v)),
                );
                m.remove(key);
            }
        }
    }

    fn expect(
        &mut self,
        m: &mut Map<String, Value>,
        key: &str,
        ptr: &str,
        what: &str,
        ok: fn(&Value) -> bool,
    ) {
        if let Some(v) = m.get(key) {
            if !ok(v) {
                self.diags.error(
                    join(ptr, key),
                    format!("`{key}` must be {what}, found {}", kind(v)),
                );
                m.remove(key);
            }
        }
    }

    fn schema(&mut self, v: &mut Value, ptr: &str) {
        let m = match v {
            Value::Object(m) => m,
            Value::Bool(true) => {
                *v = Value::Object(Map::new());
                return;
            }
            Value::Bool(false) => {
                self.diags.warning(
                    ptr,
                    "the boolean schema `false` (no value is valid) is not supported; \
                     it is read as an untyped JSON value",
                );
                *v = Value::Object(Map::new());
                return;
            }
            other => {
                self.diags.error(
                    ptr,
                    format!("expected a schema (a map) or a $ref, found {}", kind(other)),
                );
                *other = Value::Object(Map::new());
                return;
            }
        };
        if let Some(r) = m.get("$ref") {
            if !r.is_string() {
                self.diags.error(
                    join(ptr, "$ref"),
                    format!("`$ref` must be a string, found {}", kind(r)),
                );
                m.remove("$ref");
            } else if m.len() > 1 {
                // 3.1: siblings of $ref apply alongside it, which is what
                // allOf says in 3.0. (Annotations like `description` keep the
                // referenced type; see annotated_ref in the loader.)
                let r = m.remove("$ref").unwrap_or_default();
                let mut member = Map::new();
                member.insert("$ref".into(), r);
                match m.get_mut("allOf") {
                    Some(Value::Array(list)) => list.insert(0, Value::Object(member)),
                    _ => {
                        m.insert("allOf".into(), Value::Array(vec![Value::Object(member)]));
                    }
                }
            } else {
                return;
            }
        }
        self.schema_type(m, ptr);
        content_format(m);
        if let Some(c) = m.remove("const") {
            m.entry("enum").or_insert_with(|| Value::Array(vec![c]));
        }
        if let Some(Value::Array(list)) = m.remove("examples") {
            if let Some(first) = list.into_iter().next() {
                m.entry("example").or_insert(first);
            }
        }
        for (ex, bound) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            if let Some(Value::Number(n)) = m.get(ex).cloned() {
                m.insert(bound.into(), Value::Number(n));
                m.insert(ex.into(), Value::Bool(true));
            }
        }
        for key in [
            "nullable",
            "readOnly",
            "writeOnly",
            "deprecated",
            "uniqueItems",
            "exclusiveMinimum",
            "exclusiveMaximum",
        ] {
            self.expect_bool(m, key, ptr);
        }
        for key in ["description", "title", "format", "pattern"] {
            self.expect(m, key, ptr, "a string", Value::is_string);
        }
        for key in [
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
        ] {
            self.expect(m, key, ptr, "a non-negative integer", |v| v.is_u64());
        }
        for key in ["minimum", "maximum", "multipleOf"] {
            self.expect(m, key, ptr, "a number", Value::is_number);
        }
        self.expect(m, "enum", ptr, "a list of values", Value::is_array);
        self.discriminator(m, ptr);
        match m.get("required") {
            Some(Value::Bool(_)) => {
                self.diags.warning(
                    join(ptr, "required"),
                    "`required: true|false` inside a schema has no effect (a Swagger 2 habit); \
                     list required properties in the parent object's `required` array. Ignored",
                );
                m.remove("required");
            }
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => {}
            Some(other) => {
                self.diags.error(
                    join(ptr, "required"),
                    format!(
                        "`required` must be a list of property names, found {}",
                        if other.is_array() {
                            "a list with non-string entries"
                        } else {
                            kind(other)
                        }
                    ),
                );
                m.remove("required");
            }
            None => {}
        }
        match m.get_mut("properties") {
            Some(Value::Object(props)) => {
                let pptr = join(ptr, "properties");
                for (name, s) in props.iter_mut() {
                    self.schema(s, &join(&pptr, name));
                }
            }
            Some(other) => {
                self.diags.error(
                    join(ptr, "properties"),
                    format!(
                        "`properties` must be a map from property names to schemas, found {}",
                        kind(other)
                    ),
                );
                m.remove("properties");
            }
            None => {}
        }
        match m.get_mut("items") {
            Some(Value::Array(_)) => {
                self.diags.warning(
                    join(ptr, "items"),
                    "tuple `items` (a list of schemas) are not supported; the items are read as \
                     untyped JSON values",
                );
                m.insert("items".into(), Value::Object(Map::new()));
            }
            Some(items) => self.schema(items, &join(ptr, "items")),
            None => {}
        }
        match m.get_mut("additionalProperties") {
            Some(Value::Bool(_)) | None => {}
            Some(ap @ Value::Object(_)) => self.schema(ap, &join(ptr, "additionalProperties")),
            Some(other) => {
                self.diags.error(
                    join(ptr, "additionalProperties"),
                    format!(
                        "`additionalProperties` must be true, false or a schema, found {}",
                        kind(other)
                    ),
                );
                m.remove("additionalProperties");
            }
        }
        if let Some(not) = m.get_mut("not") {
            self.schema(not, &join(ptr, "not"));
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            let kptr = join(ptr, key);
            match m.get_mut(key) {
                Some(Value::Array(list)) => {
                    for (i, s) in list.iter_mut().enumerate() {
                        self.schema(s, &join(&kptr, &i.to_string()));
                    }
                }
                Some(other) => {
                    self.diags.error(
                        kptr,
                        format!("`{key}` must be a list of schemas, found {}", kind(other)),
                    );
                    m.remove(key);
                }
                None => {}
            }
        }
        self.null_members(m);
        hoist_union_from_all_of(m);
        for key in ["patternProperties", "prefixItems", "if", "dependentSchemas"] {
            if m.contains_key(key) {
                self.diags.warning(
                    join(ptr, key),
                    format!("`{key}` is not supported; it is ignored"),
                );
                m.remove(key);
            }
        }
    }

    /// `discriminator`: a map naming its `propertyName`, with an optional
    /// `mapping` from values to schema names or `$ref`s.
    fn discriminator(&mut self, m: &mut Map<String, Value>, ptr: &str) {
        let Some(d) = m.get("discriminator") else {
            return;
        };
        let problem = match d {
            Value::Object(d) => match d.get("propertyName") {
                None => Some(
                    "`discriminator` has no `propertyName`, which is required: the name of the \
                     property whose value tells the members apart"
                        .to_string(),
                ),
                Some(p) if !p.is_string() => Some(format!(
                    "`discriminator/propertyName` must be a string, found {}",
                    kind(p)
                )),
                Some(_) => match d.get("mapping") {
                    Some(Value::Object(map)) if map.values().all(Value::is_string) => None,
                    None => None,
                    Some(other) => Some(format!(
                        "`discriminator/mapping` must be a map from values to schema names or \
                         $refs, found {}",
                        if other.is_object() {
                            "a map with non-string entries"
                        } else {
                            kind(other)
                        }
                    )),
                },
            },
            other => Some(format!(
                "`discriminator` must be a map with `propertyName`, found {}",
                kind(other)
            )),
        };
        if let Some(problem) = problem {
            self.diags.error(join(ptr, "discriminator"), problem);
            m.remove("discriminator");
        }
    }

    /// `type` arrays and `type: "null"` (3.1) → one type + `nullable`.
    fn schema_type(&mut self, m: &mut Map<String, Value>, ptr: &str) {
        let tptr = join(ptr, "type");
        let names: Vec<String> = match m.get("type") {
            None => return,
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(other) => {
                self.diags.error(
                    tptr,
                    format!(
                        "`type` must be one of {TYPES:?} or a list of them, found {}",
                        if other.is_array() {
                            "a list with non-string entries"
                        } else {
                            kind(other)
                        }
                    ),
                );
                m.remove("type");
                return;
            }
        };
        let nullable = names.iter().any(|t| t == "null");
        let rest: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
        if nullable {
            m.insert("nullable".into(), Value::Bool(true));
        }
        match rest.as_slice() {
            [] => {
                m.remove("type");
            }
            [one] => {
                m.insert("type".into(), Value::String((*one).clone()));
            }
            several => {
                self.diags.warning(
                    tptr,
                    format!(
                        "a value of several types ({}) is not supported; it is read as an \
                         untyped JSON value (use `oneOf` for a typed union)",
                        several
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                m.remove("type");
            }
        }
    }

    /// `oneOf`/`anyOf` members that only allow `null` become `nullable`.
    fn null_members(&mut self, m: &mut Map<String, Value>) {
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(list)) = m.get_mut(key) else {
                continue;
            };
            let before = list.len();
            list.retain(|s| !is_null_only(s));
            if list.len() == before {
                continue;
            }
            m.insert("nullable".into(), Value::Bool(true));
            let lone = matches!(m.get(key), Some(Value::Array(l)) if l.len() == 1);
            if lone && !m.contains_key("discriminator") && !m.contains_key("allOf") {
                if let Some(list) = m.remove(key) {
                    m.insert("allOf".into(), list);
                }
            } else if matches!(m.get(key), Some(Value::Array(l)) if l.is_empty()) {
                m.remove(key);
            }
        }
    }
}

/// 3.1's `contentEncoding`/`contentMediaType` on a string without a
/// `format`: base64 text is `format: byte`, other non-text content (a file
/// part) is `format: binary`, as 3.0 says it.
fn content_format(m: &mut Map<String, Value>) {
    if m.get("type").and_then(Value::as_str) != Some("string") || m.contains_key("format") {
        return;
    }
    let encoding = m.get("contentEncoding").and_then(Value::as_str);
    let media = m.get("contentMediaType").and_then(Value::as_str);
    let format = if encoding.is_some_and(|e| e.eq_ignore_ascii_case("base64")) {
        "byte"
    } else if encoding.is_none() && media.is_some_and(|t| !is_text_media(t)) {
        "binary"
    } else {
        return;
    };
    m.insert("format".into(), Value::String(format.into()));
}

/// Content a `String` holds as it is: `text/*`, JSON, XML.
fn is_text_media(t: &str) -> bool {
    let t = t
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    t.starts_with("text/")
        || t == "application/json"
        || t.ends_with("+json")
        || t == "application/xml"
        || t.ends_with("+xml")
}

/// `$defs` of a component schema `X` (3.1) become components of their own,
/// named `X` + the definition's name, and `$ref`s to them
/// (`#/components/schemas/X/$defs/Y`, and `#/$defs/Y` inside `X`) point at
/// the new component. A name already taken gets a number (warning).
fn hoist_defs(root: &mut Map<String, Value>, diags: &mut Diagnostics) {
    let Some(Value::Object(schemas)) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
    else {
        return;
    };
    // (old $ref prefix, new $ref) pairs, longest first when applied.
    let mut moved: Vec<(String, String)> = Vec::new();
    let mut pending: Vec<String> = schemas
        .iter()
        .filter(|(_, s)| s.get("$defs").is_some_and(Value::is_object))
        .map(|(k, _)| k.clone())
        .collect();
    let mut taken: std::collections::BTreeSet<String> = schemas.keys().cloned().collect();
    let mut added: Vec<(String, Vec<(String, Value)>)> = Vec::new();
    while let Some(key) = pending.pop() {
        let Some(Value::Object(defs)) = schemas
            .get_mut(&key)
            .or_else(|| {
                added
                    .iter_mut()
                    .flat_map(|(_, l)| l.iter_mut())
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v)
            })
            .and_then(Value::as_object_mut)
            .and_then(|s| s.remove("$defs"))
        else {
            continue;
        };
        let owner_ref = format!("#/components/schemas/{}", escape_pointer(&key));
        let mut local: Vec<(String, String)> = Vec::new();
        let mut entries = Vec::new();
        for (def, schema) in defs {
            let wanted = format!("{key}{}", upper_first(&def));
            let mut name = wanted.clone();
            let mut i = 2;
            while taken.contains(&name) {
                name = format!("{wanted}{i}");
                i += 1;
            }
            let def_ptr = join(&join(&join("/components/schemas", &key), "$defs"), &def);
            if name != wanted {
                diags.warning(
                    &def_ptr,
                    format!(
                        "`$defs/{def}` of `{key}` becomes the component schema `{name}` \
                         (`{wanted}` is taken)"
                    ),
                );
            }
            taken.insert(name.clone());
            let new_ref = format!("#/components/schemas/{}", escape_pointer(&name));
            moved.push((
                format!("{owner_ref}/$defs/{}", escape_pointer(&def)),
                new_ref.clone(),
            ));
            local.push((format!("#/$defs/{}", escape_pointer(&def)), new_ref));
            if schema.get("$defs").is_some_and(Value::is_object) {
                pending.push(name.clone());
            }
            entries.push((name, schema));
        }
        // `#/$defs/Y` written inside `X` (a JSON Schema document pasted in
        // whole) means X's own definitions.
        if let Some(owner) = schemas.get_mut(&key) {
            rewrite_refs(owner, &local);
        }
        for (_, s) in &mut entries {
            rewrite_refs(s, &local);
        }
        added.push((key, entries));
    }
    if added.is_empty() {
        return;
    }
    // Each hoisted schema follows its owner.
    let old = std::mem::take(schemas);
    let mut by_owner: std::collections::HashMap<String, Vec<(String, Value)>> =
        added.into_iter().collect();
    fn place(
        out: &mut Map<String, Value>,
        key: String,
        value: Value,
        by_owner: &mut std::collections::HashMap<String, Vec<(String, Value)>>,
    ) {
        let children = by_owner.remove(&key).unwrap_or_default();
        out.insert(key, value);
        for (k, v) in children {
            place(out, k, v, by_owner);
        }
    }
    for (k, v) in old {
        place(schemas, k, v, &mut by_owner);
    }
    moved.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    for v in root.values_mut() {
        rewrite_refs(v, &moved);
    }
}

/// Schemas that `$ref`s reach inside a parameter, response or request body
/// component (PagerDuty: `#/components/parameters/X/schema`,
/// `#/components/responses/X/content/application~1json/schema/oneOf/0`)
/// become component schemas of their own, named as the loader names that
/// component's inline schema (`X parameter`, `X response`, `X request`); the
/// component keeps a `$ref` to it, so both are one type. A schema that is
/// itself a `$ref` is not moved: references to it go where it points.
fn hoist_embedded_schemas(root: &mut Map<String, Value>, diags: &mut Diagnostics) {
    let mut found = std::collections::BTreeSet::new();
    for v in root.values() {
        collect_refs(v, &mut found);
    }
    // Each schema reached, by where it is: (pointer, escaped `$ref`, name).
    let mut targets: std::collections::BTreeMap<String, (String, String)> = Default::default();
    for r in &found {
        if let Some((at, name)) = embedded_schema(r) {
            targets
                .entry(at.clone())
                .or_insert_with(|| (format!("#{at}"), name));
        }
    }
    if targets.is_empty() {
        return;
    }
    let mut taken: std::collections::BTreeSet<String> = root
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
        .map(|m| m.keys().map(|k| crate::names::camel(k, "")).collect())
        .unwrap_or_default();
    let mut moved: Vec<(String, String)> = Vec::new();
    let mut hoisted: Vec<(String, Value)> = Vec::new();
    for (at, (old_ref, wanted)) in targets {
        let Some(slot) = root
            .get_mut("components")
            .and_then(|c| c.pointer_mut(&at["/components".len()..]))
        else {
            // Reported by the loader as a reference to nothing.
            continue;
        };
        if let Some(Value::String(to)) = slot
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.get("$ref"))
        {
            moved.push((old_ref, to.clone()));
            continue;
        }
        let mut name = wanted.clone();
        let mut i = 2;
        while taken.contains(&crate::names::camel(&name, "")) {
            name = format!("{wanted} {i}");
            i += 1;
        }
        if name != wanted {
            diags.warning(
                &at,
                format!(
                    "this schema, which other schemas refer to, becomes the component schema \
                     `{name}` (`{wanted}` is taken)"
                ),
            );
        }
        taken.insert(crate::names::camel(&name, ""));
        let new_ref = format!("#/components/schemas/{}", escape_pointer(&name));
        let schema = std::mem::replace(slot, serde_json::json!({ "$ref": new_ref }));
        diags.moved(join("/components/schemas", &name), &at);
        moved.push((old_ref, new_ref));
        hoisted.push((name, schema));
    }
    if !hoisted.is_empty() {
        if let Some(Value::Object(components)) = root.get_mut("components") {
            let schemas = components
                .entry("schemas")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(schemas) = schemas {
                schemas.extend(hoisted);
            }
        }
    }
    moved.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    for v in root.values_mut() {
        rewrite_refs(v, &moved);
    }
}

/// Every `$ref` string under `v`.
fn collect_refs(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                match (k.as_str(), child) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

/// Where the schema a `$ref` reaches inside a parameter, response or
/// request body component is (its escaped pointer, ending in `/schema`),
/// and the name of the component schema it becomes.
fn embedded_schema(reference: &str) -> Option<(String, String)> {
    let rest = reference.strip_prefix("#/components/")?;
    let tokens: Vec<&str> = rest.split('/').collect();
    let (len, suffix) = match tokens.as_slice() {
        ["parameters", _, "schema", ..] => (3, "parameter"),
        ["responses", _, "content", _, "schema", ..] => (5, "response"),
        ["requestBodies", _, "content", _, "schema", ..] => (5, "request"),
        _ => return None,
    };
    let name = tokens[1].replace("~1", "/").replace("~0", "~");
    Some((
        format!("/components/{}", tokens[..len].join("/")),
        format!("{name} {suffix}"),
    ))
}

/// Rewrites `$ref`s of `v` that equal or start below one of `moved`'s old
/// references.
fn rewrite_refs(v: &mut Value, moved: &[(String, String)]) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "$ref" {
                    if let Value::String(r) = child {
                        // `X/$defs/Y/$defs/Z` → `XY/$defs/Z` → `XYZ`: each
                        // step removes a `$defs`, so this ends.
                        while let Some(new) = moved_ref(r, moved) {
                            *r = new;
                        }
                    }
                } else {
                    rewrite_refs(child, moved);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(|c| rewrite_refs(c, moved)),
        _ => {}
    }
}

fn moved_ref(r: &str, moved: &[(String, String)]) -> Option<String> {
    moved.iter().find_map(|(from, to)| {
        let rest = r.strip_prefix(from.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| format!("{to}{rest}"))
    })
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A schema that allows only `null` (after normalisation: `nullable` and
/// nothing else that constrains the value).
fn is_null_only(s: &Value) -> bool {
    let Value::Object(m) = s else {
        return false;
    };
    m.get("nullable") == Some(&Value::Bool(true))
        && !m.contains_key("type")
        && !m.contains_key("$ref")
        && m.keys().all(|k| {
            matches!(
                k.as_str(),
                "nullable" | "description" | "title" | "example" | "default"
            ) || k.starts_with("x-")
        })
}

/// Stands in for a parameter that was reported as broken, so the rest of the
/// document can still be read (and checked) in the same run.
fn placeholder_parameter() -> Value {
    serde_json::json!({"name": "x-paygen-invalid", "in": "query", "schema": {"type": "string"}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: Value) -> (Value, Vec<String>) {
        let mut v = v;
        let mut d = Diagnostics::new("t");
        normalize(&mut v, &mut d);
        (v, d.items.iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn openapi_31_schemas_become_30() {
        let (v, diags) = run(serde_json::json!({
            "openapi": "3.1.0",
            "components": {"schemas": {
                "A": {"type": ["string", "null"], "const": "x", "examples": ["x", "y"]},
                "B": {"$ref": "#/components/schemas/A", "description": "d"},
                "C": {"type": "integer", "exclusiveMinimum": 0},
                "D": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
            }}
        }));
        assert!(diags.is_empty(), "{diags:?}");
        let s = &v["components"]["schemas"];
        assert_eq!(
            s["A"],
            serde_json::json!({"type": "string", "nullable": true, "enum": ["x"], "example": "x"})
        );
        assert_eq!(
            s["B"],
            serde_json::json!({"allOf": [{"$ref": "#/components/schemas/A"}], "description": "d"})
        );
        assert_eq!(
            s["C"],
            serde_json::json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            s["D"],
            serde_json::json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
        assert_eq!(v["paths"], serde_json::json!({}));
    }

    #[test]
    fn null_scopes_are_none_and_a_broken_security_list_is_located() {
        let (v, diags) = run(serde_json::json!({
            "openapi": "3.0.0",
            "security": [{"key": null}],
            "paths": {"/revoke": {"post": {
                "security": [{"oauth2": null}, {"basic": "x"}, 3],
                "responses": {}
            }}}
        }));
        assert_eq!(v["security"], serde_json::json!([{"key": []}]));
        assert_eq!(
            v["paths"]["/revoke"]["post"]["security"],
            serde_json::json!([{"oauth2": []}, {"basic": []}, {}])
        );
        let expected = [
            ("warning", "at /security/0/key"),
            ("warning", "at /paths/~1revoke/post/security/0/oauth2"),
            ("error", "at /paths/~1revoke/post/security/1/basic"),
            ("error", "at /paths/~1revoke/post/security/2"),
        ];
        assert_eq!(diags.len(), expected.len(), "{diags:?}");
        for (d, (level, at)) in diags.iter().zip(expected) {
            assert!(d.contains(level) && d.contains(at), "{d}");
        }
    }

    #[test]
    fn mutual_tls_leaves_every_requirement() {
        let (v, diags) = run(serde_json::json!({
            "openapi": "3.1.0",
            "security": [{"mtls": []}, {"key": [], "mtls": []}, {}],
            "paths": {"/a": {"get": {"security": [{"mtls": []}], "responses": {}}}},
            "components": {"securitySchemes": {
                "mtls": {"type": "mutualTLS"},
                "key": {"type": "apiKey", "in": "header", "name": "K"},
            }}
        }));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].contains("at /components/securitySchemes/mtls"));
        assert_eq!(v["security"], serde_json::json!([{"key": []}, {}]));
        assert_eq!(v["paths"]["/a"]["get"]["security"], serde_json::json!([]));
        assert_eq!(
            v["components"]["securitySchemes"],
            serde_json::json!({"key": {"type": "apiKey", "in": "header", "name": "K"}})
        );
    }

    #[test]
    fn defs_become_components_next_to_their_owner() {
        let (v, diags) = run(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"responses": {"200": {"description": "", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/A/$defs/b/properties/c"}}
            }}}}}},
            "components": {"schemas": {
                "A": {"properties": {"x": {"$ref": "#/$defs/b"}}, "$defs": {
                    "b": {"properties": {"c": {"$ref": "#/$defs/d"}}, "$defs": {"e": {}}},
                    "d": {"type": "string"},
                }},
                "Z": {"$ref": "#/components/schemas/A/$defs/d"},
                "Y": {"$ref": "#/components/schemas/A/$defs/b/$defs/e"},
            }}
        }));
        assert!(diags.is_empty(), "{diags:?}");
        let s = &v["components"]["schemas"];
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["A", "AB", "ABE", "AD", "Z", "Y"]);
        assert_eq!(s["Y"]["$ref"], "#/components/schemas/ABE");
        assert_eq!(s["A"]["properties"]["x"]["$ref"], "#/components/schemas/AB");
        assert_eq!(
            s["AB"]["properties"]["c"]["$ref"],
            "#/components/schemas/AD"
        );
        assert_eq!(s["Z"]["$ref"], "#/components/schemas/AD");
        assert_eq!(
            v["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/AB/properties/c"
        );
    }

    #[test]
    fn content_media_type_and_encoding_become_formats() {
        let (v, diags) = run(serde_json::json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"A": {"properties": {
                "png": {"type": "string", "contentMediaType": "image/png"},
                "b64": {"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png"},
                "text": {"type": "string", "contentMediaType": "text/csv"},
                "json": {"type": "string", "contentMediaType": "application/json"},
                "uuid": {"type": "string", "format": "uuid", "contentMediaType": "image/png"},
            }}}}
        }));
        assert!(diags.is_empty(), "{diags:?}");
        let p = &v["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["png"]["format"], "binary");
        assert_eq!(p["b64"]["format"], "byte");
        assert_eq!(p["text"].get("format"), None);
        assert_eq!(p["json"].get("format"), None);
        assert_eq!(p["uuid"]["format"], "uuid");
    }

    #[test]
    fn lossy_rewrites_warn() {
        let (_, diags) = run(serde_json::json!({
            "openapi": "3.1.0",
            "webhooks": {"a": {}},
            "components": {"schemas": {"A": {"type": ["string", "integer"]}}}
        }));
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags[0].contains("at /webhooks"));
        assert!(diags[1].contains("at /components/schemas/A/type"));
    }
}
