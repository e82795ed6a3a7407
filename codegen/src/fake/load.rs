//! The `fake:` section of paygen.yaml: its shape ([`RawFake`], read with
//! `deny_unknown_fields` together with the rest of the file) and its
//! resolution against the finished model ([`resolve`]). Every name the
//! section uses (operations, types, field paths, statuses, form variants,
//! placeholders) must match the spec; a mismatch is an error at its line,
//! with what was expected.

use indexmap::IndexMap;
use serde::Deserialize;

use super::*;
use crate::diag::{join, Diagnostics};
use crate::model::{
    Api, BodyType, Field, OperationWire, Prim, Protocol, Success, TypeKind, TypeRef,
};

/// `fake:` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFake {
    errors: RawErrors,
    #[serde(default)]
    canned: IndexMap<String, serde_yaml::Value>,
    #[serde(default)]
    resources: IndexMap<String, RawResource>,
    #[serde(default)]
    records: IndexMap<String, RawRecord>,
    #[serde(default)]
    transitions: Vec<RawTransition>,
    deliveries: Option<RawDeliveries>,
    token_lifetime: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawErrors {
    unauthorized: RawError,
    invalid: RawError,
    not_found: RawError,
    conflict: RawError,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawError {
    status: Option<u16>,
    body: serde_yaml::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawResource {
    #[serde(rename = "type")]
    ty: Option<String>,
    id: Option<String>,
    id_format: Option<String>,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    lookup: IndexMap<String, String>,
    status: String,
    #[serde(default)]
    states: Vec<String>,
    history: Option<RawHistory>,
    #[serde(default)]
    create: Vec<RawCreate>,
    #[serde(default)]
    read: Vec<String>,
    #[serde(default)]
    update: Vec<RawUpdate>,
    #[serde(default)]
    on_change: IndexMap<String, serde_yaml::Value>,
    unique: Option<RawUnique>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    list: String,
    status: String,
    at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnique {
    field: String,
    code: String,
    message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCreate {
    operation: Option<String>,
    control: Option<String>,
    status: String,
    amount: Option<RawAmount>,
    #[serde(default)]
    set: IndexMap<String, serde_yaml::Value>,
    answer: Option<String>,
    #[serde(default)]
    answer_set: IndexMap<String, serde_yaml::Value>,
    deliver: Option<String>,
    doc: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawUpdate {
    operation: String,
    into: Option<String>,
    #[serde(default)]
    from: Vec<String>,
    error_code: Option<String>,
    error_message: Option<String>,
}

/// `amount:` — `void`, or a map with one of `authorize`, `capture`,
/// `refund` (a request field path, `all`, or for `authorize` a sum).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawAmount {
    Word(String),
    Map(RawAmountMap),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmountMap {
    authorize: Option<RawSource>,
    capture: Option<RawSource>,
    refund: Option<RawSource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawSource {
    Field(String),
    Sum(RawSum),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSum {
    sum: String,
    price: String,
    quantity: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTransition {
    resource: String,
    operation: Option<String>,
    control: Option<String>,
    read: Option<String>,
    #[serde(default)]
    from: Vec<String>,
    to: Option<String>,
    #[serde(rename = "if")]
    cond: Option<String>,
    amount: Option<RawAmount>,
    sequence: Option<String>,
    #[serde(default)]
    set: IndexMap<String, serde_yaml::Value>,
    record: Option<String>,
    creates: Option<RawCreates>,
    deliver: Option<String>,
    #[serde(default)]
    refs: IndexMap<String, RawRef>,
    error_status: Option<u16>,
    error_code: Option<String>,
    error_message: Option<String>,
    answer: Option<String>,
    #[serde(default)]
    answer_set: IndexMap<String, serde_yaml::Value>,
    doc: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCreates {
    resource: String,
    status: String,
    amount: Option<RawAmount>,
    #[serde(default)]
    set: IndexMap<String, serde_yaml::Value>,
    link: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    resource: String,
    #[serde(rename = "if")]
    cond: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRecord {
    #[serde(rename = "type")]
    ty: String,
    parent: String,
    id: String,
    id_format: Option<String>,
    #[serde(default)]
    keys: Vec<String>,
    list: Option<String>,
    #[serde(default)]
    read: Vec<String>,
    #[serde(default)]
    set: IndexMap<String, serde_yaml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeliveries {
    url: Option<String>,
    body: Option<serde_yaml::Value>,
}

/// Placeholders a template may use: `${name}`, `${name:decimal}`, or one of
/// the prefixed forms below.
pub const PLACEHOLDERS: &[&str] = &[
    "request",
    "now",
    "uuid",
    "id",
    "base",
    "amount",
    "authorized",
    "captured",
    "refunded",
    "remaining",
    "refundable",
    "sequence",
    "event",
    "status",
    "previous",
    "message",
    "code",
    "field",
    "key",
    "n",
];

/// Placeholder prefixes: `${request.a.b}`, `${digits:9}`, ….
pub const PLACEHOLDER_PREFIXES: &[&str] = &[
    "request.",
    "resource.",
    "target.",
    "created.",
    "parent.",
    "credential.",
    "digits:",
    "alnum:",
];

/// Formats a placeholder may take: `${amount:decimal}` (minor units as a
/// decimal in major units), `${now:unix}` (seconds).
pub const FORMATS: &[&str] = &["decimal", "unix"];

const BUILTIN_CONDS: &[&str] = &["partial"];

/// Resolves `raw` against `api`; problems are reported in `diags` at
/// `/fake/…` pointers. `None` when any was an error.
pub fn resolve(raw: &RawFake, api: &Api, diags: &mut Diagnostics) -> Option<FakeSpec> {
    let before = diags.items.len();
    let mut r = Resolver { api, diags };
    let spec = r.spec(raw);
    let failed = r.diags.items[before..]
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    (!failed).then_some(spec)
}

struct Resolver<'a> {
    api: &'a Api,
    diags: &'a mut Diagnostics,
}

/// What a field path ends at.
struct Resolved {
    kind: Kind,
    /// Enum values, when the field is an enum.
    values: Option<Vec<String>>,
    ty: TypeRef,
}

impl Resolver<'_> {
    fn spec(&mut self, raw: &RawFake) -> FakeSpec {
        let json = matches!(self.api.protocol, Protocol::Json(_));
        let errors = FakeErrors {
            unauthorized: self.error(&raw.errors.unauthorized, "unauthorized", json),
            invalid: self.error(&raw.errors.invalid, "invalid", json),
            not_found: self.error(&raw.errors.not_found, "not-found", json),
            conflict: self.error(&raw.errors.conflict, "conflict", json),
        };
        let mut canned = Vec::new();
        for (name, value) in &raw.canned {
            let ptr = join("/fake/canned", name);
            if let Some(op) = self.operation(name, &ptr) {
                if let Some(v) = self.template(value, &ptr) {
                    canned.push((op, v));
                }
            }
        }
        // Names first, so that resources, records and transitions may refer
        // to each other in any order.
        let resource_names: Vec<&str> = raw.resources.keys().map(String::as_str).collect();
        let record_names: Vec<&str> = raw.records.keys().map(String::as_str).collect();
        let mut resources = Vec::new();
        for (name, res) in &raw.resources {
            let ptr = join("/fake/resources", name);
            resources.push(self.resource(name, res, &ptr));
        }
        let mut records = Vec::new();
        for (name, rec) in &raw.records {
            let ptr = join("/fake/records", name);
            if let Some(r) = self.record(name, rec, &ptr, &resource_names, &resources) {
                records.push(r);
            }
        }
        let mut transitions = Vec::new();
        for (i, t) in raw.transitions.iter().enumerate() {
            let ptr = format!("/fake/transitions/{i}");
            if let Some(t) = self.transition(t, &ptr, &resource_names, &record_names, &resources) {
                transitions.push(t);
            }
        }
        let deliveries = raw.deliveries.as_ref().and_then(|d| {
            let ptr = "/fake/deliveries";
            let url = match &d.url {
                None => None,
                Some(u) => {
                    // Every resource that delivers must have the field.
                    let delivering: Vec<usize> = transitions
                        .iter()
                        .filter(|t| t.deliver.is_some())
                        .map(|t| t.resource)
                        .collect();
                    let mut path = None;
                    for ri in delivering {
                        if let Some(p) = self.resource_path(&resources[ri], u, &join(ptr, "url")) {
                            path = Some(p.wire);
                        }
                    }
                    path.or_else(|| Some(split(u)))
                }
            };
            let body = match &d.body {
                None => None,
                Some(b) => Some(self.template(b, &join(ptr, "body"))?),
            };
            Some(Deliveries { url, body })
        });
        if transitions.iter().any(|t| t.deliver.is_some()) && deliveries.is_none() {
            self.diags.error(
                "/fake",
                "transitions `deliver` events, so `deliveries:` must say where and what",
            );
        }
        if raw.token_lifetime.is_some()
            && !matches!(&self.api.protocol, Protocol::Json(j) if matches!(j.auth, crate::model::Auth::TokenEndpoint(_)))
        {
            self.diags.error(
                "/fake/token-lifetime",
                "`token-lifetime` applies to APIs whose tokens come from a token endpoint",
            );
        }
        let spec = FakeSpec {
            errors,
            canned,
            resources,
            records,
            transitions,
            deliveries,
            token_lifetime: raw.token_lifetime,
        };
        self.coverage(&spec);
        spec
    }

    /// Every operation needs a behaviour; none may have two.
    fn coverage(&mut self, spec: &FakeSpec) {
        let mut roles: Vec<Vec<&str>> = vec![Vec::new(); self.api.operations.len()];
        for (op, _) in &spec.canned {
            roles[op.0].push("canned");
        }
        for r in &spec.resources {
            for c in &r.creates {
                if let Trigger::Operation(op) = c.trigger {
                    roles[op.0].push("create");
                }
            }
            for op in &r.reads {
                roles[op.0].push("read");
            }
            for u in &r.updates {
                roles[u.operation.0].push("update");
            }
        }
        for r in &spec.records {
            for op in &r.reads {
                roles[op.0].push("read");
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &spec.transitions {
            if let Trigger::Operation(op) = t.trigger {
                if seen.insert(op) {
                    roles[op.0].push("transition");
                }
            }
        }
        let key_op = match &self.api.protocol {
            Protocol::Json(j) => match j.webhook.as_ref().map(|w| &w.signature) {
                Some(crate::model::WebhookSignature::RsaSha256 { key_operation, .. }) => {
                    *key_operation
                }
                _ => None,
            },
            Protocol::Form(_) => None,
        };
        for (i, op) in self.api.operations.iter().enumerate() {
            let builtin = key_op.is_some_and(|k| k.0 == i);
            match (roles[i].as_slice(), builtin) {
                ([], false) => self.diags.error(
                    "/fake",
                    format!(
                        "operation `{}` has no behaviour: list it under `canned`, a resource's \
                         `create`, `read` or `update`, or a transition's `operation`",
                        op.name
                    ),
                ),
                ([_], false) | ([], true) => {}
                (more, _) => self.diags.error(
                    "/fake",
                    format!(
                        "operation `{}` has more than one behaviour ({}); give it one",
                        op.name,
                        if builtin {
                            format!("{} and the webhook's public key", more.join(", "))
                        } else {
                            more.join(", ")
                        }
                    ),
                ),
            }
        }
    }

    fn error(&mut self, raw: &RawError, name: &str, json: bool) -> ErrorAnswer {
        let ptr = join("/fake/errors", name);
        let status = match (raw.status, json) {
            (Some(s), _) if (100..600).contains(&s) => s,
            (Some(s), _) => {
                self.diags
                    .error(join(&ptr, "status"), format!("{s} is not an HTTP status"));
                500
            }
            (None, false) => 200,
            (None, true) => {
                self.diags.error(
                    &ptr,
                    "a JSON API's error answer needs `status` (the HTTP status)",
                );
                500
            }
        };
        let body = self
            .template(&raw.body, &join(&ptr, "body"))
            .unwrap_or(serde_json::Value::Null);
        if !json {
            let Protocol::Form(f) = &self.api.protocol else {
                return ErrorAnswer { status, body };
            };
            let ok = body.as_object().is_some_and(|o| {
                o.get(&f.status_field).and_then(|s| s.as_str())
                    == f.error.as_ref().map(|e| e.status.as_str())
            });
            if !ok {
                self.diags.error(
                    join(&ptr, "body"),
                    format!(
                        "a form API's error answer is a map of key=value pairs with `{}: {}`",
                        f.status_field,
                        f.error.as_ref().map_or("ERROR", |e| e.status.as_str())
                    ),
                );
            }
        }
        ErrorAnswer { status, body }
    }

    fn operation(&mut self, name: &str, ptr: &str) -> Option<OperationId> {
        let found = self
            .api
            .operations
            .iter()
            .position(|o| o.name.as_str() == name || o.id == name);
        if found.is_none() {
            let known: Vec<&str> = self
                .api
                .operations
                .iter()
                .map(|o| o.name.as_str())
                .collect();
            self.diags.error(
                ptr,
                format!("`{name}` names no operation; expected one of {known:?}"),
            );
        }
        found.map(OperationId)
    }

    fn schema(&mut self, name: &str, ptr: &str) -> Option<crate::model::TypeId> {
        let found = self
            .api
            .types
            .iter()
            .position(|t| t.name.as_str() == name)
            .map(crate::model::TypeId);
        if found.is_none() {
            self.diags.error(
                ptr,
                format!(
                    "`{name}` names no type of the model (use the Rust type name, e.g. `Purchase`)"
                ),
            );
        }
        found
    }

    /// Checks the placeholders of a YAML value and turns it into JSON.
    fn template(&mut self, value: &serde_yaml::Value, ptr: &str) -> Option<serde_json::Value> {
        let json = match serde_json::to_value(value) {
            Ok(v) => v,
            Err(e) => {
                self.diags.error(
                    ptr,
                    format!("not a JSON-like value (string keys only): {e}"),
                );
                return None;
            }
        };
        self.check_placeholders(&json, ptr);
        Some(json)
    }

    fn check_placeholders(&mut self, v: &serde_json::Value, ptr: &str) {
        match v {
            serde_json::Value::String(s) => self.check_text(s, ptr),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_placeholders(item, &join(ptr, &i.to_string()));
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let p = join(ptr, k);
                    self.check_text(k, &p);
                    self.check_placeholders(item, &p);
                }
            }
            _ => {}
        }
    }

    fn check_text(&mut self, s: &str, ptr: &str) {
        for name in placeholders(s) {
            match name {
                Ok(name) => {
                    // `${a|fallback}`: the fallback text when `a` is missing.
                    let name = name.split_once('|').map_or(name, |(n, _)| n);
                    let (base, fmt) = match name.split_once(':') {
                        Some((b, f))
                            if !PLACEHOLDER_PREFIXES.iter().any(|p| name.starts_with(p)) =>
                        {
                            (b, Some(f))
                        }
                        _ => (name, None),
                    };
                    let known = PLACEHOLDERS.contains(&base)
                        || PLACEHOLDER_PREFIXES
                            .iter()
                            .any(|p| base.starts_with(p) && base.len() > p.len());
                    let digits_ok = ["digits:", "alnum:"].iter().all(|p| {
                        !base.starts_with(p)
                            || base[p.len()..]
                                .parse::<u8>()
                                .is_ok_and(|n| (1..=32).contains(&n))
                    });
                    if !known || !digits_ok || fmt.is_some_and(|f| !FORMATS.contains(&f)) {
                        self.diags.error(
                            ptr,
                            format!(
                                "unknown placeholder `${{{name}}}`; expected one of {PLACEHOLDERS:?}, \
                                 a path after {PLACEHOLDER_PREFIXES:?} (`digits:`/`alnum:` take 1..32), \
                                 optionally followed by a format {FORMATS:?} and `|fallback`"
                            ),
                        );
                    }
                }
                Err(()) => self
                    .diags
                    .error(ptr, format!("`{s}` has an unclosed `${{`")),
            }
        }
    }

    fn resource(&mut self, name: &str, raw: &RawResource, ptr: &str) -> Resource {
        let ty = raw
            .ty
            .as_ref()
            .and_then(|t| self.schema(t, &join(ptr, "type")));
        if raw.ty.is_none() && matches!(self.api.protocol, Protocol::Json(_)) {
            self.diags.error(
                ptr,
                "a JSON API's resource needs `type` (the model type it is stored as)",
            );
        }
        let mut res = Resource {
            name: name.to_string(),
            ty,
            id: None,
            id_format: raw.id_format.clone().unwrap_or_else(|| "${uuid}".into()),
            keys: raw.keys.clone(),
            lookups: Vec::new(),
            status: FieldPath {
                wire: split(&raw.status),
                kind: Kind::Str,
            },
            statuses: Vec::new(),
            history: None,
            creates: Vec::new(),
            reads: Vec::new(),
            updates: Vec::new(),
            on_change: Vec::new(),
            unique: raw.unique.as_ref().map(|u| Unique {
                field: u.field.clone(),
                code: u.code.clone(),
                message: u.message.clone(),
            }),
        };
        if let Some(f) = &raw.id_format {
            self.check_text(f, &join(ptr, "id-format"));
        }
        res.id = raw
            .id
            .as_ref()
            .and_then(|id| self.resource_path(&res, id, &join(ptr, "id")));
        self.check_keys(&raw.keys, &join(ptr, "keys"));
        for (key, path) in &raw.lookup {
            let p = join(&join(ptr, "lookup"), key);
            self.check_keys(std::slice::from_ref(key), &p);
            if let Some(fp) = self.resource_path(&res, path, &p) {
                res.lookups.push((key.clone(), fp));
            }
        }
        // The status field and the values it may take.
        let status_ptr = join(ptr, "status");
        match self.resolve_in(ty, &raw.status, &status_ptr) {
            Some(r) => {
                res.status.kind = r.kind;
                res.statuses = r.values.unwrap_or_default();
            }
            None if ty.is_none() => {}
            None => {}
        }
        for s in &raw.states {
            if !res.statuses.contains(s) {
                res.statuses.push(s.clone());
            }
        }
        if res.statuses.is_empty() {
            self.diags.error(
                &status_ptr,
                "the status field has no listed values: list the statuses under `states`",
            );
        }
        if let Some(h) = &raw.history {
            let hp = join(ptr, "history");
            if let Some(list) = self.resolve_in(ty, &h.list, &join(&hp, "list")) {
                let item = match &list.ty {
                    TypeRef::Vec(inner) => Some((**inner).clone()),
                    _ => {
                        self.diags
                            .error(join(&hp, "list"), format!("`{}` is not a list", h.list));
                        None
                    }
                };
                if let Some(item) = item {
                    let status_ok = self.resolve_from(&item, &h.status, &join(&hp, "status"));
                    let at = self.resolve_from(&item, &h.at, &join(&hp, "at"));
                    if let (Some(_), Some(at)) = (status_ok, at) {
                        res.history = Some(History {
                            list: split(&h.list),
                            status: h.status.clone(),
                            at: FieldPath {
                                wire: split(&h.at),
                                kind: at.kind,
                            },
                        });
                    }
                }
            }
        }
        for (i, c) in raw.create.iter().enumerate() {
            let cp = join(&join(ptr, "create"), &i.to_string());
            let trigger = match (&c.operation, &c.control) {
                (Some(op), None) => self
                    .operation(op, &join(&cp, "operation"))
                    .map(Trigger::Operation),
                (None, Some(ctl)) => self.control_name(ctl, &join(&cp, "control")),
                _ => {
                    self.diags.error(
                        &cp,
                        "a creation has exactly one of `operation` or `control`",
                    );
                    None
                }
            };
            self.check_status(&res, &c.status, &join(&cp, "status"));
            let op = match &trigger {
                Some(Trigger::Operation(op)) => Some(*op),
                _ => None,
            };
            let amount = c
                .amount
                .as_ref()
                .and_then(|a| self.amount(a, op, &join(&cp, "amount")));
            let set = self.sets(&res, &c.set, &join(&cp, "set"));
            let reply = self.reply(op, ty, c.answer.as_deref(), &c.answer_set, &cp);
            if let Some(ev) = &c.deliver {
                self.check_text(ev, &join(&cp, "deliver"));
            }
            // A request of the resource's own type (or a form record) is
            // where the resource starts.
            let copy_request = match (op.and_then(|op| request_type(self.api, op)), ty) {
                (Some(TypeRef::Named(b)), Some(t)) => b == t,
                (Some(_), None) => true,
                _ => false,
            };
            if let Some(trigger) = trigger {
                res.creates.push(Create {
                    trigger,
                    status: c.status.clone(),
                    copy_request,
                    amount,
                    set,
                    reply,
                    deliver: c.deliver.clone(),
                    doc: c.doc.clone(),
                });
            }
        }
        for (i, op) in raw.read.iter().enumerate() {
            if let Some(op) = self.operation(op, &join(&join(ptr, "read"), &i.to_string())) {
                res.reads.push(op);
            }
        }
        for (i, u) in raw.update.iter().enumerate() {
            let up = join(&join(ptr, "update"), &i.to_string());
            let Some(op) = self.operation(&u.operation, &join(&up, "operation")) else {
                continue;
            };
            let into = match &u.into {
                None => Vec::new(),
                Some(p) => self
                    .resource_path(&res, p, &join(&up, "into"))
                    .map(|f| f.wire)
                    .unwrap_or_default(),
            };
            for (j, s) in u.from.iter().enumerate() {
                self.check_status(&res, s, &join(&join(&up, "from"), &j.to_string()));
            }
            res.updates.push(Update {
                operation: op,
                into,
                from: u.from.clone(),
                error_code: u.error_code.clone().unwrap_or_else(|| "conflict".into()),
                error_message: u.error_message.clone().unwrap_or_else(|| {
                    format!("The {name} cannot be updated in its current status.")
                }),
            });
        }
        res.on_change = self.sets(&res, &raw.on_change, &join(ptr, "on-change"));
        res
    }

    fn check_keys(&mut self, keys: &[String], ptr: &str) {
        for key in keys {
            let used = self.api.operations.iter().any(|op| {
                op.params.iter().any(|p| p.wire == *key)
                    || body_fields(self.api, op).iter().any(|f| f.wire == *key)
            });
            if !used {
                self.diags.error(
                    ptr,
                    format!("`{key}` is no path parameter or body field of any operation"),
                );
            }
        }
    }

    fn control_name(&mut self, name: &str, ptr: &str) -> Option<Trigger> {
        let ok = !name.is_empty()
            && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !crate::names::is_keyword(name)
            && !RESERVED_CONTROLS.contains(&name);
        if !ok {
            self.diags.error(
                ptr,
                format!(
                    "`{name}` cannot be a control: use a snake_case method name that is not a \
                     keyword nor one of {RESERVED_CONTROLS:?}"
                ),
            );
            return None;
        }
        Some(Trigger::Control(name.to_string()))
    }

    fn check_status(&mut self, res: &Resource, status: &str, ptr: &str) {
        if !res.statuses.iter().any(|s| s == status) {
            self.diags.error(
                ptr,
                format!(
                    "`{status}` is no status of `{}`; expected one of {:?}",
                    res.name, res.statuses
                ),
            );
        }
    }

    /// A path inside the resource's type (any key for an untyped resource).
    fn resource_path(&mut self, res: &Resource, path: &str, ptr: &str) -> Option<FieldPath> {
        self.resolve_in(res.ty, path, ptr).map(|r| FieldPath {
            wire: split(path),
            kind: r.kind,
        })
    }

    fn resolve_in(
        &mut self,
        ty: Option<crate::model::TypeId>,
        path: &str,
        ptr: &str,
    ) -> Option<Resolved> {
        match ty {
            None => {
                if path.is_empty() || path.contains('.') {
                    self.diags.error(
                        ptr,
                        format!("`{path}`: an untyped resource's fields are single form keys"),
                    );
                    return None;
                }
                Some(Resolved {
                    kind: Kind::Str,
                    values: None,
                    ty: TypeRef::Prim(Prim::String),
                })
            }
            Some(t) => self.resolve_from(&TypeRef::Named(t), path, ptr),
        }
    }

    fn resolve_from(&mut self, start: &TypeRef, path: &str, ptr: &str) -> Option<Resolved> {
        let mut ty = start.clone();
        for seg in path.split('.') {
            let fields = self.struct_fields(&ty);
            let Some(fields) = fields else {
                self.diags.error(
                    ptr,
                    format!("`{path}`: `{seg}` is reached through a value that is not an object"),
                );
                return None;
            };
            let Some(f) = fields
                .iter()
                .find(|f| f.wire == seg || f.aliases.iter().any(|a| a == seg))
            else {
                let known: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
                self.diags.error(
                    ptr,
                    format!("`{path}`: no field `{seg}`; expected one of {known:?}"),
                );
                return None;
            };
            ty = f.ty.clone();
        }
        Some(self.describe(&ty))
    }

    /// The fields of a struct type (through aliases).
    fn struct_fields(&self, ty: &TypeRef) -> Option<&[Field]> {
        let mut ty = ty;
        loop {
            let TypeRef::Named(id) = ty else {
                return None;
            };
            match &self.api.ty(*id).kind {
                TypeKind::Struct(s) => return Some(&s.fields),
                TypeKind::Alias(t) => ty = t,
                _ => return None,
            }
        }
    }

    fn describe(&self, ty: &TypeRef) -> Resolved {
        let mut t = ty;
        loop {
            let kind = match t {
                TypeRef::Prim(p) => match p {
                    Prim::String | Prim::CompactDate | Prim::Bytes => Kind::Str,
                    Prim::Bool => Kind::Bool,
                    Prim::I32 | Prim::I64 => Kind::Int,
                    Prim::F64 => Kind::Number,
                    Prim::DateTime => Kind::DateTime,
                    Prim::Date => Kind::Date,
                    Prim::Decimal | Prim::DecimalText => Kind::Decimal,
                },
                TypeRef::Named(id) => match &self.api.ty(*id).kind {
                    TypeKind::Alias(inner) => {
                        t = inner;
                        continue;
                    }
                    TypeKind::Enum(e) => {
                        return Resolved {
                            kind: Kind::Str,
                            values: Some(e.variants.iter().map(|v| v.wire.clone()).collect()),
                            ty: ty.clone(),
                        }
                    }
                    _ => Kind::Any,
                },
                _ => Kind::Any,
            };
            return Resolved {
                kind,
                values: None,
                ty: ty.clone(),
            };
        }
    }

    fn sets(
        &mut self,
        res: &Resource,
        raw: &IndexMap<String, serde_yaml::Value>,
        ptr: &str,
    ) -> Vec<Set> {
        self.sets_in(res.ty, raw, ptr)
    }

    fn sets_in(
        &mut self,
        ty: Option<crate::model::TypeId>,
        raw: &IndexMap<String, serde_yaml::Value>,
        ptr: &str,
    ) -> Vec<Set> {
        let mut out = Vec::new();
        for (path, value) in raw {
            let p = join(ptr, path);
            let Some(r) = self.resolve_in(ty, path, &p) else {
                continue;
            };
            let Some(value) = self.template(value, &p) else {
                continue;
            };
            self.check_literal(&r, &value, path, &p);
            out.push(Set {
                path: split(path),
                kind: r.kind,
                value,
            });
        }
        out
    }

    /// A literal (no placeholder) must fit the field.
    fn check_literal(&mut self, r: &Resolved, value: &serde_json::Value, path: &str, ptr: &str) {
        use serde_json::Value as V;
        if let V::String(s) = value {
            if s.contains("${") {
                return;
            }
        }
        let ok = match (r.kind, value) {
            (_, V::Null) => true,
            (Kind::Any, _) => true,
            (Kind::Str | Kind::DateTime | Kind::Date | Kind::Decimal, V::String(s)) => r
                .values
                .as_ref()
                .is_none_or(|vals| vals.iter().any(|v| v == s)),
            (Kind::Int, V::Number(n)) => n.is_i64(),
            (Kind::Number, V::Number(_)) => true,
            (Kind::Bool, V::Bool(_)) => true,
            _ => false,
        };
        if !ok {
            let expected = match &r.values {
                Some(v) => format!("one of {v:?}"),
                None => format!("{:?}", r.kind).to_lowercase(),
            };
            self.diags.error(
                ptr,
                format!(
                    "`{path}` is set to {value}, which does not fit the field; expected {expected}"
                ),
            );
        }
    }

    /// `answer` (a form variant) and `answer-set`.
    fn reply(
        &mut self,
        op: Option<OperationId>,
        resource_ty: Option<crate::model::TypeId>,
        answer: Option<&str>,
        answer_set: &IndexMap<String, serde_yaml::Value>,
        ptr: &str,
    ) -> Reply {
        let mut reply = Reply::default();
        let Some(op) = op else {
            if answer.is_some() || !answer_set.is_empty() {
                self.diags.error(
                    ptr,
                    "`answer` and `answer-set` apply to operations, not controls",
                );
            }
            return reply;
        };
        match &self.api.op(op).wire {
            OperationWire::Form(f) => {
                let idx = match answer {
                    None => Some(0),
                    Some(a) => {
                        let found = f
                            .variants
                            .iter()
                            .position(|v| v.values.iter().any(|s| s == a));
                        if found.is_none() {
                            let known: Vec<&str> = f
                                .variants
                                .iter()
                                .flat_map(|v| v.values.iter().map(String::as_str))
                                .collect();
                            self.diags.error(
                                join(ptr, "answer"),
                                format!(
                                    "`{a}` is no answer of `{}`; expected one of {known:?}",
                                    self.api.op(op).name
                                ),
                            );
                        }
                        found
                    }
                };
                reply.variant = idx;
                if let Some(i) = idx {
                    let vty = f.variants[i].ty;
                    reply.set = self.sets_in(Some(vty), answer_set, &join(ptr, "answer-set"));
                }
            }
            OperationWire::Json(j) => {
                if answer.is_some() {
                    self.diags.error(
                        join(ptr, "answer"),
                        "`answer` (a status value) applies to form APIs",
                    );
                }
                let ty = match &j.success {
                    Success::Single {
                        body: BodyType::Value(TypeRef::Named(t)),
                        ..
                    } => Some(*t),
                    _ => resource_ty,
                };
                reply.set = self.sets_in(ty, answer_set, &join(ptr, "answer-set"));
            }
        }
        reply
    }

    fn amount(&mut self, raw: &RawAmount, op: Option<OperationId>, ptr: &str) -> Option<Amount> {
        let source = |s: &RawSource, this: &mut Self| -> Option<Source> {
            let body = op.and_then(|op| request_type(this.api, op));
            match s {
                RawSource::Field(f) => {
                    let f = f.trim_start_matches('-');
                    if let Some(b) = &body {
                        let r = this.resolve_from(b, f, ptr)?;
                        if !matches!(r.kind, Kind::Int | Kind::Str) {
                            this.diags
                                .error(ptr, format!("`{f}` is not an integer amount"));
                        }
                    }
                    Some(Source::Field(split(f)))
                }
                RawSource::Sum(sum) => {
                    if let Some(b) = &body {
                        let list = this.resolve_from(b, &sum.sum, ptr)?;
                        let TypeRef::Vec(item) = &list.ty else {
                            this.diags
                                .error(ptr, format!("`{}` is not a list", sum.sum));
                            return None;
                        };
                        this.resolve_from(item, &sum.price, ptr)?;
                        if let Some(q) = &sum.quantity {
                            this.resolve_from(item, q, ptr)?;
                        }
                    }
                    Some(Source::Sum {
                        list: split(&sum.sum),
                        price: split(&sum.price),
                        quantity: sum.quantity.as_deref().map(split),
                    })
                }
            }
        };
        // `all`: everything still available.
        let optional = |s: &RawSource, this: &mut Self| -> Option<Option<Source>> {
            match s {
                RawSource::Field(f) if f.trim_start_matches('-') == "all" => Some(None),
                other => source(other, this).map(Some),
            }
        };
        match raw {
            RawAmount::Word(w) if w == "void" => Some(Amount::Void),
            RawAmount::Word(w) => {
                self.diags.error(
                    ptr,
                    format!(
                        "`{w}`: expected `void` or a map with `authorize`, `capture` or `refund`"
                    ),
                );
                None
            }
            RawAmount::Map(m) => match (&m.authorize, &m.capture, &m.refund) {
                (Some(s), None, None) => Some(Amount::Authorize(source(s, self)?)),
                (None, Some(s), None) => Some(Amount::Capture(optional(s, self)?)),
                (None, None, Some(s)) => {
                    let negative = matches!(s, RawSource::Field(f) if f.starts_with('-'));
                    Some(Amount::Refund {
                        source: optional(s, self)?,
                        negative,
                    })
                }
                _ => {
                    self.diags.error(
                        ptr,
                        "an amount has exactly one of `authorize`, `capture` or `refund` (or is `void`)",
                    );
                    None
                }
            },
        }
    }

    fn cond(
        &mut self,
        raw: &str,
        res: &Resource,
        op: Option<OperationId>,
        ptr: &str,
    ) -> Option<Cond> {
        let (negate, body) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, raw.trim()),
        };
        let subject = if BUILTIN_CONDS.contains(&body) {
            Subject::Partial
        } else if let Some((path, value)) = body.split_once("==") {
            let (path, value) = (path.trim(), value.trim());
            self.resource_path(res, path, ptr)?;
            Subject::Equals(split(path), value.to_string())
        } else if let Some(path) = body.strip_prefix("request.") {
            if let Some(b) = op.and_then(|op| request_type(self.api, op)) {
                self.resolve_from(&b, path, ptr)?;
            }
            Subject::Request(split(path))
        } else {
            self.resource_path(res, body, ptr)?;
            Subject::Field(split(body))
        };
        Some(Cond { subject, negate })
    }

    fn transition(
        &mut self,
        raw: &RawTransition,
        ptr: &str,
        resource_names: &[&str],
        record_names: &[&str],
        resources: &[Resource],
    ) -> Option<Transition> {
        let ri = self.name_in(
            &raw.resource,
            resource_names,
            "resource",
            &join(ptr, "resource"),
        )?;
        let res = &resources[ri];
        let trigger = match (&raw.operation, &raw.control, &raw.read) {
            (Some(op), None, None) => self
                .operation(op, &join(ptr, "operation"))
                .map(Trigger::Operation),
            (None, Some(c), None) => self.control_name(c, &join(ptr, "control")),
            (None, None, Some(op)) => {
                let t = self.operation(op, &join(ptr, "read"))?;
                if !res.reads.contains(&t) {
                    self.diags.error(
                        join(ptr, "read"),
                        format!("`{op}` is not listed under `read` of `{}`", res.name),
                    );
                }
                Some(Trigger::Read(t))
            }
            _ => {
                self.diags.error(
                    ptr,
                    "a transition has exactly one of `operation`, `control` or `read`",
                );
                None
            }
        };
        let op = match &trigger {
            Some(Trigger::Operation(op) | Trigger::Read(op)) => Some(*op),
            _ => None,
        };
        if raw.from.is_empty() {
            self.diags.error(
                join(ptr, "from"),
                "list the statuses the transition starts from",
            );
        }
        for (i, s) in raw.from.iter().enumerate() {
            self.check_status(res, s, &join(&join(ptr, "from"), &i.to_string()));
        }
        if let Some(to) = &raw.to {
            self.check_status(res, to, &join(ptr, "to"));
        }
        let cond = raw
            .cond
            .as_ref()
            .and_then(|c| self.cond(c, res, op, &join(ptr, "if")));
        let amount = raw
            .amount
            .as_ref()
            .and_then(|a| self.amount(a, op, &join(ptr, "amount")));
        if let Some(seq) = &raw.sequence {
            if let Some(b) = op.and_then(|op| request_type(self.api, op)) {
                self.resolve_from(&b, seq, &join(ptr, "sequence"));
            }
        }
        let set = self.sets(res, &raw.set, &join(ptr, "set"));
        let record = match &raw.record {
            None => None,
            Some(r) => Some(self.name_in(r, record_names, "record", &join(ptr, "record"))?),
        };
        let creates = match &raw.creates {
            None => None,
            Some(c) => {
                let cp = join(ptr, "creates");
                let ci = self.name_in(
                    &c.resource,
                    resource_names,
                    "resource",
                    &join(&cp, "resource"),
                )?;
                let created = &resources[ci];
                self.check_status(created, &c.status, &join(&cp, "status"));
                let amount = c
                    .amount
                    .as_ref()
                    .and_then(|a| self.amount(a, op, &join(&cp, "amount")));
                let set = self.sets(created, &c.set, &join(&cp, "set"));
                let link = c
                    .link
                    .as_ref()
                    .and_then(|l| self.resource_path(res, l, &join(&cp, "link")))
                    .map(|f| f.wire);
                Some(Creates {
                    resource: ci,
                    status: c.status.clone(),
                    amount,
                    set,
                    link,
                })
            }
        };
        let mut refs = Vec::new();
        for (field, r) in &raw.refs {
            let rp = join(&join(ptr, "refs"), field);
            if let Some(b) = op.and_then(|op| request_type(self.api, op)) {
                self.resolve_from(&b, field, &rp);
            }
            let Some(target) = self.name_in(
                &r.resource,
                resource_names,
                "resource",
                &join(&rp, "resource"),
            ) else {
                continue;
            };
            let cond = r
                .cond
                .as_ref()
                .and_then(|c| self.cond(c, &resources[target], None, &join(&rp, "if")));
            refs.push(Ref {
                field: split(field),
                resource: target,
                cond,
            });
        }
        if let Some(ev) = &raw.deliver {
            self.check_text(ev, &join(ptr, "deliver"));
        }
        let reply = self.reply(
            op.filter(|_| matches!(trigger, Some(Trigger::Operation(_)))),
            res.ty,
            raw.answer.as_deref(),
            &raw.answer_set,
            ptr,
        );
        let verb = match (&raw.operation, &raw.control, &raw.read) {
            (Some(o), _, _) | (_, Some(o), _) | (_, _, Some(o)) => o.as_str(),
            _ => "this operation",
        };
        Some(Transition {
            resource: ri,
            trigger: trigger?,
            from: raw.from.clone(),
            to: raw.to.clone(),
            cond,
            amount,
            sequence: raw.sequence.clone(),
            set,
            record,
            creates,
            deliver: raw.deliver.clone(),
            refs,
            error_status: raw.error_status,
            error_code: raw.error_code.clone().unwrap_or_else(|| "conflict".into()),
            error_message: raw.error_message.clone().unwrap_or_else(|| {
                format!(
                    "`{verb}` is not possible for the {} in its current status.",
                    res.name
                )
            }),
            reply,
            doc: raw.doc.clone(),
        })
    }

    fn record(
        &mut self,
        name: &str,
        raw: &RawRecord,
        ptr: &str,
        resource_names: &[&str],
        resources: &[Resource],
    ) -> Option<Record> {
        let ty = self.schema(&raw.ty, &join(ptr, "type"))?;
        let parent = self.name_in(
            &raw.parent,
            resource_names,
            "resource",
            &join(ptr, "parent"),
        )?;
        let id = self
            .resolve_in(Some(ty), &raw.id, &join(ptr, "id"))
            .map(|r| FieldPath {
                wire: split(&raw.id),
                kind: r.kind,
            })?;
        if let Some(f) = &raw.id_format {
            self.check_text(f, &join(ptr, "id-format"));
        }
        self.check_keys(&raw.keys, &join(ptr, "keys"));
        let list = match &raw.list {
            None => None,
            Some(l) => {
                let p = join(ptr, "list");
                let r = self.resolve_in(resources[parent].ty, l, &p)?;
                let item_ok = matches!(&r.ty, TypeRef::Vec(inner) if **inner == TypeRef::Named(ty));
                if !item_ok {
                    self.diags
                        .error(p, format!("`{l}` is not a list of `{}`", self.api.name(ty)));
                }
                Some(split(l))
            }
        };
        let mut reads = Vec::new();
        for (i, op) in raw.read.iter().enumerate() {
            if let Some(op) = self.operation(op, &join(&join(ptr, "read"), &i.to_string())) {
                reads.push(op);
            }
        }
        let set = self.sets_in(Some(ty), &raw.set, &join(ptr, "set"));
        Some(Record {
            name: name.to_string(),
            ty,
            parent,
            id,
            id_format: raw.id_format.clone().unwrap_or_else(|| "${uuid}".into()),
            keys: raw.keys.clone(),
            list,
            reads,
            set,
        })
    }

    fn name_in(&mut self, name: &str, names: &[&str], what: &str, ptr: &str) -> Option<usize> {
        let found = names.iter().position(|n| *n == name);
        if found.is_none() {
            self.diags.error(
                ptr,
                format!("`{name}` names no {what} of `fake:`; expected one of {names:?}"),
            );
        }
        found
    }
}

/// Control names the generated `Fake` already uses for its own methods.
pub const RESERVED_CONTROLS: &[&str] = &[
    "start",
    "start_with",
    "try_start",
    "base_url",
    "environment",
    "config",
    "server",
    "requests",
    "deliveries",
    "fault",
    "set_delivery_url",
    "set_webhook_key",
    "set_token_lifetime",
    "public_key_pem",
    "resource",
    "clear",
];

/// The request body's type of an operation, if it has a structured one.
fn request_type(api: &Api, op: OperationId) -> Option<TypeRef> {
    match &api.op(op).body {
        Some(crate::model::Body {
            ty: BodyType::Value(t),
            ..
        }) => Some(t.clone()),
        _ => None,
    }
}

/// The top-level fields of an operation's body, if it is a struct.
fn body_fields(api: &Api, op: &crate::model::Operation) -> Vec<Field> {
    let Some(crate::model::Body {
        ty: BodyType::Value(TypeRef::Named(id)),
        ..
    }) = &op.body
    else {
        return Vec::new();
    };
    api.struct_of(*id)
        .map(|s| s.fields.clone())
        .unwrap_or_default()
}

fn split(path: &str) -> Vec<String> {
    path.split('.').map(str::to_string).collect()
}

/// The `${…}` placeholders of a text, in order; `Err` for an unclosed one.
pub fn placeholders(text: &str) -> Vec<Result<&str, ()>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push(Ok(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push(Err(()));
                break;
            }
        }
    }
    out
}
