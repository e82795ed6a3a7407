//! The public surface of a generated module, as data and as text.
//!
//! [`surface`] describes what a user of the generated module can name and
//! rely on: every operation (method, HTTP route, parameters, body, success
//! and error types, error statuses), every type (struct fields with their
//! Rust type and presence, enum values, union and status variants,
//! aliases), authentication, environments, client headers, the idempotency
//! header, webhooks, polling helpers and, for form-encoded APIs, the
//! credentials, fixed parameters and answer variants.
//!
//! Each [`Item`] has a stable path (`op create_purchase`, `type Purchase`,
//! `field Purchase.status`, `variant PurchaseStatus::Paid`,
//! `param create_purchase.id`, `error create_purchase 404`, `auth`,
//! `environment Production`) and a few attributes. [`Surface::text`] renders
//! one line per item, grouped (an operation with its parameters and errors,
//! a type with its fields or variants) and sorted by name, so that a change
//! to the spec shows as a short, readable diff. Doc text is kept in
//! [`Item::doc`] and summarised in the text by one hash line, which keeps
//! the text compact and still changes when only docs change.
//!
//! Rust types are written as a user writes them (`Option<Vec<Product>>`,
//! `runtime::Decimal`); a field's type includes its `Option`, `Box` and
//! `Nullable` wrappers.

use std::fmt::Write as _;

use crate::model::*;

/// The surface of one module: its items in rendering order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surface {
    /// Module name (`klix`).
    pub module: String,
    /// The spec the module is generated from (for headings).
    pub source: String,
    pub items: Vec<Item>,
}

/// What an item is; decides how a change to it is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// `module`: protocol, title and version of the document.
    Module,
    /// `auth`: how requests are authenticated (JSON APIs).
    Auth,
    Environment,
    ClientHeader,
    IdempotencyHeader,
    RetryOnBody,
    Webhook,
    /// `form`: the status field, the error status and `Config::new` of a
    /// form-encoded API.
    Form,
    /// A credential sent in every form body.
    Credential,
    /// A parameter sent with every form request (`encoding=UTF-8`).
    CommonParam,
    Notification,
    Operation,
    Param,
    /// One documented error status of a JSON operation.
    ErrorStatus,
    /// One answer variant of a form operation.
    Answer,
    Poll,
    Type,
    Field,
    Variant,
}

/// How an attribute appears in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// The value alone (`String`, `required`).
    Bare,
    /// `key value` (`wire "brandId"`).
    Labelled,
    /// Not shown (it equals what the text already says), still compared.
    Hidden,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub key: &'static str,
    pub value: String,
    pub show: Show,
}

/// One nameable part of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable key, e.g. `field Purchase.status`.
    pub path: String,
    pub kind: ItemKind,
    /// Path of the item this one belongs to (`type Purchase` for its fields,
    /// `op get_purchase` for its parameters and error statuses).
    pub owner: Option<String>,
    /// Attributes in rendering order.
    pub attrs: Vec<Attr>,
    /// Doc text of the item (spec prose, and validation rules of JSON APIs).
    pub doc: Option<String>,
    /// Position in the text: section, group, rank in the group, name.
    order: (u8, String, u8, String),
}

impl Item {
    fn new(kind: ItemKind, path: String, order: (u8, String, u8, String)) -> Self {
        Item {
            path,
            kind,
            owner: None,
            attrs: Vec::new(),
            doc: None,
            order,
        }
    }

    fn owner(mut self, owner: String) -> Self {
        self.owner = Some(owner);
        self
    }

    fn attr(mut self, key: &'static str, value: impl Into<String>, show: Show) -> Self {
        self.attrs.push(Attr {
            key,
            value: value.into(),
            show,
        });
        self
    }

    fn doc(mut self, doc: Option<String>) -> Self {
        self.doc = doc.filter(|d| !d.trim().is_empty());
        self
    }

    /// The value of attribute `key`, if the item has one.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }

    /// Where the item sits in the text (section, group, rank, name); items of
    /// two surfaces compare by it too.
    pub fn sort_key(&self) -> (u8, &str, u8, &str) {
        (self.order.0, &self.order.1, self.order.2, &self.order.3)
    }

    /// The attributes as shown, without the path.
    pub fn shown(&self) -> String {
        let line = self.line();
        match line.strip_prefix(&format!("{}: ", self.path)) {
            Some(rest) => rest.to_string(),
            None => String::new(),
        }
    }

    /// Whether this item is shown indented under its owner.
    pub fn nested(&self) -> bool {
        self.order.2 > 0
    }

    /// The item's line without indentation: `path: attr, attr`.
    pub fn line(&self) -> String {
        let shown: Vec<String> = self
            .attrs
            .iter()
            .filter_map(|a| match a.show {
                Show::Bare => Some(a.value.clone()),
                Show::Labelled => Some(format!("{} {}", a.key, a.value)),
                Show::Hidden => None,
            })
            .collect();
        if shown.is_empty() {
            self.path.clone()
        } else {
            format!("{}: {}", self.path, shown.join(", "))
        }
    }
}

impl Surface {
    /// The item at `path`.
    pub fn get(&self, path: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.path == path)
    }

    /// The items owned by `owner`, in order.
    pub fn children<'a>(&'a self, owner: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items
            .iter()
            .filter(move |i| i.owner.as_deref() == Some(owner))
    }

    /// FNV-1a (64 bits) over every item's path and doc text, in order: the
    /// same docs give the same hash on every platform and run.
    pub fn docs_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for i in &self.items {
            if let Some(d) = &i.doc {
                feed(i.path.as_bytes());
                feed(&[0]);
                feed(d.as_bytes());
                feed(&[0]);
            }
        }
        h
    }

    /// One line per item, children indented under their owner, and a
    /// closing line that summarises the docs.
    pub fn text(&self) -> String {
        let mut out = format!("# API surface of `{}` ({})\n", self.module, self.source);
        for i in &self.items {
            if i.nested() {
                out.push_str("  ");
            }
            out.push_str(&i.line());
            out.push('\n');
        }
        let documented = self.items.iter().filter(|i| i.doc.is_some()).count();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "# docs: {documented} documented items, fnv1a-64 {:016x}",
            self.docs_hash()
        );
        out
    }
}

/// The Rust type of a reference, as a user writes it.
pub fn rust_type(api: &Api, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Prim(p) => prim(*p).to_string(),
        TypeRef::Named(id) => api.name(*id).to_string(),
        TypeRef::Vec(t) => format!("Vec<{}>", rust_type(api, t)),
        TypeRef::Map(t) => format!("BTreeMap<String, {}>", rust_type(api, t)),
        TypeRef::Any => "serde_json::Value".into(),
        TypeRef::Object => "serde_json::Map<String, serde_json::Value>".into(),
    }
}

fn prim(p: Prim) -> &'static str {
    crate::emit::ty::prim_name(p)
}

fn body_type(api: &Api, b: &BodyType) -> String {
    match b {
        BodyType::Value(t) => rust_type(api, t),
        BodyType::Bytes => "runtime::Bytes".into(),
        BodyType::Text => "String".into(),
    }
}

/// How a presence is written in the text.
pub fn presence_label(p: Presence) -> &'static str {
    match p {
        Presence::Required => "required",
        Presence::Optional => "optional",
        Presence::RequiredNullable => "required nullable",
        Presence::OptionalNullable => "optional nullable",
        Presence::ReadOnly => "read-only",
        Presence::RequiredWriteOnly => "required write-only",
    }
}

/// The presence a label stands for (the inverse of [`presence_label`]).
pub fn presence_from_label(s: &str) -> Option<Presence> {
    [
        Presence::Required,
        Presence::Optional,
        Presence::RequiredNullable,
        Presence::OptionalNullable,
        Presence::ReadOnly,
        Presence::RequiredWriteOnly,
    ]
    .into_iter()
    .find(|p| presence_label(*p) == s)
}

/// The type a field is held as, from the type it holds and its presence.
pub fn held_type(inner: &str, p: Presence) -> String {
    match p {
        Presence::Required => inner.to_string(),
        Presence::OptionalNullable => format!("Option<runtime::Nullable<{inner}>>"),
        _ => format!("Option<{inner}>"),
    }
}

/// A status as written in a spec: `404`, `5XX`, `default`.
pub fn status_label(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(r) => format!("{r}XX"),
        StatusMatch::Default => "default".into(),
    }
}

/// Sorts statuses as numbers first, then ranges, then `default`.
fn status_order(s: StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => format!("0{c:03}"),
        StatusMatch::Range(r) => format!("1{r}"),
        StatusMatch::Default => "2".into(),
    }
}

fn join_docs(parts: &[Option<&str>]) -> Option<String> {
    let parts: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

fn constraints_text(c: &Constraints) -> Option<String> {
    let mut rules = Vec::new();
    if let Some(v) = c.min_length {
        rules.push(format!("min length {v}"));
    }
    if let Some(v) = c.max_length {
        rules.push(format!("max length {v}"));
    }
    rules.extend(c.minimum.map(Bound::lower_text));
    rules.extend(c.maximum.map(Bound::upper_text));
    if let Some(v) = c.min_items {
        rules.push(format!("min items {v}"));
    }
    if let Some(v) = c.max_items {
        rules.push(format!("max items {v}"));
    }
    if let Some(v) = &c.pattern {
        rules.push(format!("pattern {v:?}"));
    }
    if let Some(v) = &c.format {
        rules.push(format!("format {v:?}"));
    }
    if !c.symbols.is_empty() {
        rules.push(format!("symbols {}", c.symbols.join(" ")));
    }
    if let Some(v) = c.min_digits {
        rules.push(format!("min digits {v}"));
    }
    if let Some(v) = c.max_digits {
        rules.push(format!("max digits {v}"));
    }
    (!rules.is_empty()).then(|| rules.join("; "))
}

const HEADER: u8 = 0;
const OPS: u8 = 1;
const POLLS: u8 = 2;
const TYPES: u8 = 3;

fn head(kind: ItemKind, path: String, rank: u8) -> Item {
    let order = (HEADER, format!("{rank:02}"), 0, path.clone());
    Item::new(kind, path, order)
}

/// The surface of a finished model.
pub fn surface(api: &Api) -> Surface {
    let mut items = Vec::new();
    let protocol = match api.protocol {
        Protocol::Json(_) => "json",
        Protocol::Form(_) => "form",
    };
    items.push(
        head(ItemKind::Module, "module".into(), 0)
            .attr("protocol", protocol, Show::Bare)
            .attr("title", format!("{:?}", api.title), Show::Bare)
            .attr("version", api.version.clone(), Show::Labelled)
            .doc(api.doc.clone()),
    );
    for (i, e) in api.environments.iter().enumerate() {
        let params: Vec<String> = e.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut item = head(ItemKind::Environment, format!("environment {}", e.name), 2)
            .attr("url", e.url.clone(), Show::Bare)
            .doc(e.doc.clone());
        if !params.is_empty() {
            item = item.attr("params", params.join(" "), Show::Labelled);
        }
        if i == 0 {
            item = item.attr("default", "default", Show::Bare);
        }
        items.push(item);
    }
    match &api.protocol {
        Protocol::Json(j) => json_head(api, j, &mut items),
        Protocol::Form(f) => form_head(api, f, &mut items),
    }
    for op in &api.operations {
        operation(api, op, &mut items);
    }
    for p in &api.polls {
        let polled = api.op(p.operation);
        items.push(
            Item::new(
                ItemKind::Poll,
                format!("poll {}", p.name),
                (POLLS, p.name.to_string(), 0, String::new()),
            )
            .attr("operation", polled.name.to_string(), Show::Labelled)
            .attr(
                "until",
                format!("{} in {}", p.field, p.terminal.join(" ")),
                Show::Labelled,
            )
            .doc(p.doc.clone()),
        );
    }
    let form = matches!(api.protocol, Protocol::Form(_));
    for t in &api.types {
        ty(api, t, form, &mut items);
    }
    items.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.path.cmp(&b.path)));
    Surface {
        module: api.module.as_str().to_string(),
        source: api.source.clone(),
        items,
    }
}

fn json_head(api: &Api, j: &JsonApi, items: &mut Vec<Item>) {
    let auth = match &j.auth {
        Auth::None => "none".to_string(),
        Auth::Bearer => "bearer, Config::new(token)".to_string(),
        Auth::Basic => "basic, Config::new(username, password)".to_string(),
        Auth::BasicRawKey => "basic-raw-key, Config::new(api_key)".to_string(),
        Auth::ApiKeyHeader { header } => format!("api-key-header {header}, Config::new(api_key)"),
        Auth::ApiKeyHeaders(keys) => {
            let headers: Vec<&str> = keys.iter().map(|k| k.header.as_str()).collect();
            let names: Vec<&str> = keys.iter().map(|k| k.rust.as_str()).collect();
            format!(
                "api-key-headers {}, Config::new({})",
                headers.join(" + "),
                names.join(", ")
            )
        }
        Auth::TokenEndpoint(t) => {
            let names: Vec<String> = t.credentials.iter().map(|c| c.rust.to_string()).collect();
            let wires: Vec<&str> = t.credentials.iter().map(|c| c.wire.as_str()).collect();
            format!(
                "token-endpoint {} sending {} for {} (expiry {}), Config::new({})",
                t.path,
                wires.join(" "),
                t.token_field,
                t.expires_in_fields.join(" or "),
                names.join(", ")
            )
        }
    };
    items.push(head(ItemKind::Auth, "auth".into(), 1).attr("scheme", auth, Show::Bare));
    for h in &j.client_headers {
        items.push(
            head(
                ItemKind::ClientHeader,
                format!("client-header {}", h.wire),
                3,
            )
            .attr("setter", format!("Config::{}", h.rust), Show::Bare)
            .doc(h.doc.clone()),
        );
    }
    if let Some(h) = &j.idempotency_header {
        items.push(
            head(ItemKind::IdempotencyHeader, "idempotency-header".into(), 4).attr(
                "header",
                h.clone(),
                Show::Bare,
            ),
        );
    }
    if let Some(r) = &j.retry_on_body {
        items.push(head(ItemKind::RetryOnBody, "retry-on-body".into(), 5).attr(
            "when",
            format!("{} with {} in {}", r.status, r.field, r.values.join(" ")),
            Show::Bare,
        ));
    }
    if let Some(w) = &j.webhook {
        let signature = match &w.signature {
            WebhookSignature::HmacSha256 {
                header,
                key_id_header,
            } => match key_id_header {
                Some(k) => format!("hmac-sha256 in {header}, key id in {k}"),
                None => format!("hmac-sha256 in {header}"),
            },
            WebhookSignature::RsaSha256 {
                header,
                key_operation,
            } => match key_operation {
                Some(op) => format!("rsa-sha256 in {header}, key from {}", api.op(*op).name),
                None => format!("rsa-sha256 in {header}"),
            },
        };
        items.push(
            head(ItemKind::Webhook, "webhook".into(), 6)
                .attr("event", api.name(w.event).to_string(), Show::Bare)
                .attr("signature", signature, Show::Bare),
        );
    }
}

fn form_head(api: &Api, f: &FormApi, items: &mut Vec<Item>) {
    let names: Vec<String> = f.credentials.iter().map(|c| c.rust.to_string()).collect();
    let mut form = head(ItemKind::Form, "form".into(), 1)
        .attr(
            "config",
            format!("Config::new({})", names.join(", ")),
            Show::Bare,
        )
        .attr("status", f.status_field.clone(), Show::Labelled);
    if let Some(e) = &f.error {
        form = form.attr(
            "error",
            format!("{}={} as {}", f.status_field, e.status, api.name(e.ty)),
            Show::Labelled,
        );
    }
    items.push(form);
    for c in &f.credentials {
        let mut item = head(ItemKind::Credential, format!("credential {}", c.wire), 3)
            .attr("name", c.rust.to_string(), Show::Bare)
            .attr(
                "secret",
                if c.secret { "secret" } else { "plain" },
                Show::Bare,
            )
            .doc(c.doc.clone());
        if !c.hashes.is_empty() {
            let hashes: Vec<String> = c.hashes.iter().map(|h| format!("{h:?}")).collect();
            item = item.attr("hashed", hashes.join(" "), Show::Labelled);
        }
        items.push(item);
    }
    for (k, v) in &f.common {
        items.push(
            head(ItemKind::CommonParam, format!("common-param {k}"), 4).attr(
                "value",
                v.clone(),
                Show::Bare,
            ),
        );
    }
    if let Some(n) = &f.notification {
        items.push(
            head(ItemKind::Notification, "notification".into(), 6)
                .attr("type", api.name(n.ty).to_string(), Show::Bare)
                .attr(
                    "charset",
                    if n.latin1 { "ISO-8859-1" } else { "UTF-8" },
                    Show::Bare,
                )
                .attr("key", n.key_field.clone(), Show::Labelled)
                .attr("reply", format!("{:?}", n.reply), Show::Labelled),
        );
    }
}

fn operation(api: &Api, op: &Operation, items: &mut Vec<Item>) {
    let name = op.name.to_string();
    let path = format!("op {name}");
    let group = |rank: u8, key: String| (OPS, name.clone(), rank, key);
    let route = if op.path_template.is_empty() {
        "/"
    } else {
        &op.path_template
    };
    let mut item = Item::new(ItemKind::Operation, path.clone(), group(0, String::new()))
        .attr(
            "route",
            format!("{} {route}", op.method.as_str()),
            Show::Bare,
        )
        .doc(join_docs(&[op.summary.as_deref(), op.doc.as_deref()]));
    if let Some(pt) = &op.params_type {
        item = item.attr("params", pt.to_string(), Show::Labelled);
    }
    if let Some(b) = &op.body {
        let t = body_type(api, &b.ty);
        let encoding = match b.encoding {
            BodyEncoding::Json => "json".to_string(),
            BodyEncoding::Form => "form".to_string(),
            BodyEncoding::Multipart => "multipart".to_string(),
            BodyEncoding::Bytes => b.media_type.clone(),
        };
        let t = if b.required {
            t
        } else {
            format!("Option<{t}>")
        };
        item = item.attr("body", format!("{t} ({encoding})"), Show::Labelled);
    }
    match &op.wire {
        OperationWire::Json(j) => {
            let returns = match &j.success {
                Success::Empty => "()".to_string(),
                Success::Single { body, optional } => {
                    let t = body_type(api, body);
                    if *optional {
                        format!("Option<{t}>")
                    } else {
                        t
                    }
                }
                Success::Enum(id) => api.name(*id).to_string(),
            };
            let errors = match &j.error {
                ErrorType::None => "()".to_string(),
                ErrorType::Single(t) => rust_type(api, t),
                ErrorType::Enum { ty, alias } => match alias {
                    Some(a) => format!("{a} = {}", api.name(*ty)),
                    None => api.name(*ty).to_string(),
                },
            };
            item = item
                .attr("->", returns, Show::Labelled)
                .attr("errors", errors, Show::Labelled);
            let variants = match &j.error {
                ErrorType::Enum { ty, .. } => match &api.ty(*ty).kind {
                    TypeKind::Status(e) => Some(&e.variants),
                    _ => None,
                },
                _ => None,
            };
            for r in j.responses.iter().filter(|r| !r.status.is_success()) {
                let label = status_label(r.status);
                let body = r.body.as_ref().map(|b| body_type(api, b));
                let shown = match variants.and_then(|v| v.iter().find(|v| v.status == r.status)) {
                    Some(v) => match &body {
                        Some(b) => format!("{}({b})", v.rust),
                        None => v.rust.to_string(),
                    },
                    None => body.clone().unwrap_or_else(|| "no body".into()),
                };
                items.push(
                    Item::new(
                        ItemKind::ErrorStatus,
                        format!("error {name} {label}"),
                        group(2, status_order(r.status)),
                    )
                    .owner(path.clone())
                    .attr("decodes", shown, Show::Bare)
                    .doc(r.doc.clone()),
                );
            }
        }
        OperationWire::Form(f) => {
            if !f.fixed.is_empty() {
                let fixed: Vec<String> = f.fixed.iter().map(|(k, v)| format!("{k}={v}")).collect();
                item = item.attr("fixed", fixed.join(" "), Show::Labelled);
            }
            let errors = match &api.protocol {
                Protocol::Form(FormApi { error: Some(e), .. }) => api.name(e.ty).to_string(),
                _ => "()".to_string(),
            };
            item = item
                .attr("->", f.response.to_string(), Show::Labelled)
                .attr("errors", errors, Show::Labelled);
            for v in &f.variants {
                items.push(
                    Item::new(
                        ItemKind::Answer,
                        format!("answer {}::{}", f.response, v.rust),
                        group(3, v.rust.to_string()),
                    )
                    .owner(path.clone())
                    .attr("type", api.name(v.ty).to_string(), Show::Bare)
                    .attr("values", v.values.join(" "), Show::Labelled)
                    .doc(v.doc.clone()),
                );
            }
        }
    }
    if op.deprecated {
        item = item.attr("deprecated", "deprecated", Show::Bare);
    }
    if op.fresh_token {
        item = item.attr("fresh-token", "fresh token", Show::Bare);
    }
    items.push(item);
    for p in &op.params {
        let t = rust_type(api, &p.ty);
        let optional = !p.required && p.location != ParamLocation::Path;
        let location = match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        };
        let style = match p.style {
            ParamStyle::Form => None,
            ParamStyle::FormComma => Some("form, explode false"),
            ParamStyle::Space => Some("spaceDelimited"),
            ParamStyle::Pipe => Some("pipeDelimited"),
            ParamStyle::Deep => Some("deepObject"),
        };
        let wire_show = if p.wire == p.rust.as_str() {
            Show::Hidden
        } else {
            Show::Labelled
        };
        let mut item = Item::new(
            ItemKind::Param,
            format!("param {name}.{}", p.rust),
            group(1, p.rust.to_string()),
        )
        .owner(path.clone())
        .attr(
            "type",
            if optional { format!("Option<{t}>") } else { t },
            Show::Bare,
        )
        .attr("location", location, Show::Bare)
        .attr("wire", format!("{:?}", p.wire), wire_show)
        .attr(
            "required",
            if optional { "optional" } else { "required" },
            Show::Bare,
        )
        .doc(p.doc.clone());
        if let Some(s) = style {
            item = item.attr("style", s, Show::Labelled);
        }
        items.push(item);
    }
}

fn ty(api: &Api, t: &TypeDef, form: bool, items: &mut Vec<Item>) {
    let name = t.name.to_string();
    let path = format!("type {name}");
    let group = |rank: u8, key: String| (TYPES, name.clone(), rank, key);
    let mut usage = Vec::new();
    if t.usage.request {
        usage.push("sent");
    }
    if t.usage.response {
        usage.push("received");
    }
    if usage.is_empty() {
        usage.push("unused");
    }
    let mut item =
        Item::new(ItemKind::Type, path.clone(), group(0, String::new())).doc(t.doc.clone());
    let mut children = Vec::new();
    let child = |kind: ItemKind, p: String, key: String| {
        Item::new(kind, p, group(1, key)).owner(path.clone())
    };
    match &t.kind {
        TypeKind::Struct(s) => {
            item = item.attr("kind", "struct", Show::Bare);
            let args: Vec<String> = s
                .fields
                .iter()
                .filter(|f| f.presence.in_new())
                .map(|f| f.rust.to_string())
                .collect();
            item = item.attr("new", format!("new({})", args.join(", ")), Show::Bare);
            if let Some(a) = &s.additional {
                item = item.attr(
                    "additional",
                    format!("BTreeMap<String, {}>", rust_type(api, a)),
                    Show::Labelled,
                );
            }
            for f in &s.fields {
                let mut inner = rust_type(api, &f.ty);
                if f.boxed {
                    inner = format!("Box<{inner}>");
                }
                let wire_show = if f.wire == f.rust.as_str() {
                    Show::Hidden
                } else {
                    Show::Labelled
                };
                let checks = constraints_text(&f.constraints);
                let doc = if form {
                    f.doc.clone()
                } else {
                    join_docs(&[f.doc.as_deref(), checks.as_deref()])
                };
                let mut c = child(
                    ItemKind::Field,
                    format!("field {name}.{}", f.rust),
                    f.rust.to_string(),
                )
                .attr("type", held_type(&inner, f.presence), Show::Bare)
                .attr("presence", presence_label(f.presence), Show::Bare)
                .attr("inner", inner, Show::Hidden)
                .attr("wire", format!("{:?}", f.wire), wire_show)
                .doc(doc);
                if !f.aliases.is_empty() {
                    let aliases: Vec<String> = f.aliases.iter().map(|a| format!("{a:?}")).collect();
                    c = c.attr("also", aliases.join(" "), Show::Labelled);
                }
                match f.layout {
                    FieldLayout::Plain => {}
                    FieldLayout::Indexed => c = c.attr("layout", "indexed", Show::Labelled),
                    FieldLayout::Map => c = c.attr("layout", "map", Show::Labelled),
                }
                if form {
                    if let Some(checks) = checks {
                        c = c.attr("checks", checks, Show::Labelled);
                    }
                }
                children.push(c);
            }
        }
        TypeKind::Enum(e) => {
            item = item.attr("kind", "open enum", Show::Bare);
            for v in &e.variants {
                children.push(
                    child(
                        ItemKind::Variant,
                        format!("variant {name}::{}", v.rust),
                        v.rust.to_string(),
                    )
                    .attr("wire", format!("{:?}", v.wire), Show::Bare)
                    .doc(v.doc.clone()),
                );
            }
        }
        TypeKind::Union(u) => {
            let kind = match &u.discriminator {
                Some(d) => format!("union on {d:?}"),
                None => "untagged union".into(),
            };
            item = item.attr("kind", kind, Show::Bare);
            for v in &u.variants {
                let mut c = child(
                    ItemKind::Variant,
                    format!("variant {name}::{}", v.rust),
                    v.rust.to_string(),
                )
                .attr("type", rust_type(api, &v.ty), Show::Bare);
                if !v.tags.is_empty() {
                    let tags: Vec<String> = v.tags.iter().map(|t| format!("{t:?}")).collect();
                    c = c.attr("tags", tags.join(" "), Show::Labelled);
                }
                children.push(c);
            }
        }
        TypeKind::Alias(target) => {
            item = item.attr("kind", "alias", Show::Bare).attr(
                "target",
                format!("= {}", rust_type(api, target)),
                Show::Bare,
            );
        }
        TypeKind::Status(e) if e.errors => {
            // Shared error enums are named after their statuses; operations
            // name them through their aliases, and each operation lists its
            // statuses (`error <op> <status>`).
            let statuses: Vec<String> = e.variants.iter().map(|v| status_label(v.status)).collect();
            item = item.attr("kind", "error enum", Show::Bare).attr(
                "statuses",
                statuses.join(" "),
                Show::Labelled,
            );
        }
        TypeKind::Status(e) => {
            item = item.attr("kind", "response enum", Show::Bare);
            for v in &e.variants {
                let body = v
                    .body
                    .as_ref()
                    .map_or_else(|| "no body".to_string(), |b| body_type(api, b));
                children.push(
                    child(
                        ItemKind::Variant,
                        format!("variant {name}::{}", v.rust),
                        v.rust.to_string(),
                    )
                    .attr("status", status_label(v.status), Show::Bare)
                    .attr("body", body, Show::Bare)
                    .doc(v.doc.clone()),
                );
            }
        }
    }
    item = item.attr("usage", usage.join(" "), Show::Bare);
    let mut methods = Vec::new();
    if form && matches!(t.kind, TypeKind::Struct(_)) {
        if t.usage.form_body {
            methods.push("validate");
        }
        if t.usage.form_item {
            methods.push("validate_item");
        }
        if t.usage.key_values {
            methods.push("from_kv");
        }
    }
    if !methods.is_empty() {
        item = item.attr("methods", methods.join(" "), Show::Labelled);
    }
    items.push(item);
    items.extend(children);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::ty::test_support::{add, api, field};

    fn purchase_api() -> Api {
        let mut api = api();
        let status = add(
            &mut api,
            "PurchaseStatus",
            TypeKind::Enum(Enum {
                variants: vec![
                    EnumVariant {
                        wire: "paid".into(),
                        rust: Ident::new("Paid"),
                        doc: Some("Paid in full.".into()),
                    },
                    EnumVariant {
                        wire: "created".into(),
                        rust: Ident::new("Created"),
                        doc: None,
                    },
                ],
            }),
        );
        let product = add(
            &mut api,
            "Product",
            TypeKind::Struct(Struct {
                fields: vec![field(
                    "name",
                    TypeRef::Prim(Prim::String),
                    Presence::Required,
                )],
                additional: None,
            }),
        );
        let mut products = field(
            "products",
            TypeRef::Vec(Box::new(TypeRef::Named(product))),
            Presence::Optional,
        );
        products.doc = Some("What is bought.".into());
        let mut brand = field("brandId", TypeRef::Prim(Prim::String), Presence::Required);
        brand.rust = Ident::new("brand_id");
        let purchase = add(
            &mut api,
            "Purchase",
            TypeKind::Struct(Struct {
                fields: vec![
                    brand,
                    products,
                    field("status", TypeRef::Named(status), Presence::ReadOnly),
                    field(
                        "amount",
                        TypeRef::Prim(Prim::Decimal),
                        Presence::OptionalNullable,
                    ),
                    field(
                        "type",
                        TypeRef::Prim(Prim::String),
                        Presence::RequiredNullable,
                    ),
                ],
                additional: None,
            }),
        );
        let errors = add(
            &mut api,
            "BadRequestNotFoundError",
            TypeKind::Status(StatusEnum {
                errors: true,
                variants: vec![
                    StatusVariant {
                        rust: Ident::new("BadRequest"),
                        status: StatusMatch::Code(400),
                        body: Some(BodyType::Value(TypeRef::Object)),
                        doc: None,
                    },
                    StatusVariant {
                        rust: Ident::new("NotFound"),
                        status: StatusMatch::Code(404),
                        body: None,
                        doc: None,
                    },
                ],
            }),
        );
        api.operations.push(Operation {
            id: "createPurchase".into(),
            name: Ident::new("create_purchase"),
            type_name: Ident::new("CreatePurchase"),
            method: Method::Post,
            path_template: "/purchases/{shop}/".into(),
            path: vec![
                PathSegment::Literal("/purchases/".into()),
                PathSegment::Param(0),
                PathSegment::Literal("/".into()),
            ],
            summary: Some("Create a purchase.".into()),
            doc: None,
            deprecated: false,
            params: vec![
                Param {
                    wire: "shop".into(),
                    rust: Ident::new("shop"),
                    location: ParamLocation::Path,
                    required: true,
                    ty: TypeRef::Prim(Prim::I64),
                    style: ParamStyle::Form,
                    doc: None,
                },
                Param {
                    wire: "Idempotency-Key".into(),
                    rust: Ident::new("idempotency_key"),
                    location: ParamLocation::Header,
                    required: false,
                    ty: TypeRef::Prim(Prim::String),
                    style: ParamStyle::Form,
                    doc: None,
                },
            ],
            params_type: Some(Ident::new("CreatePurchaseParams")),
            body: Some(Body {
                required: true,
                encoding: BodyEncoding::Json,
                media_type: "application/json".into(),
                ty: BodyType::Value(TypeRef::Named(purchase)),
                doc: None,
                form_styles: Vec::new(),
            }),
            fresh_token: false,
            wire: OperationWire::Json(JsonOperation {
                responses: vec![
                    Response {
                        status: StatusMatch::Code(201),
                        body: Some(BodyType::Value(TypeRef::Named(purchase))),
                        doc: None,
                        media: None,
                    },
                    Response {
                        status: StatusMatch::Code(404),
                        body: None,
                        doc: Some("No such shop.".into()),
                        media: None,
                    },
                    Response {
                        status: StatusMatch::Code(400),
                        body: Some(BodyType::Value(TypeRef::Object)),
                        doc: None,
                        media: None,
                    },
                ],
                success: Success::Single {
                    body: BodyType::Value(TypeRef::Named(purchase)),
                    optional: false,
                },
                error: ErrorType::Enum {
                    ty: errors,
                    alias: Some(Ident::new("CreatePurchaseError")),
                },
            }),
        });
        api
    }

    #[test]
    fn a_json_api_renders_one_sorted_line_per_item() {
        let s = surface(&purchase_api());
        let text = s.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..lines.len() - 1],
            [
                "# API surface of `demo` (specs/demo/openapi.yaml)",
                "module: json, \"Demo\", version 1",
                "auth: bearer, Config::new(token)",
                "environment Production: https://api.example.com, default",
                "op create_purchase: POST /purchases/{shop}/, params CreatePurchaseParams, \
                 body Purchase (json), -> Purchase, errors CreatePurchaseError = BadRequestNotFoundError",
                "  param create_purchase.idempotency_key: Option<String>, header, wire \"Idempotency-Key\", optional",
                "  param create_purchase.shop: i64, path, required",
                "  error create_purchase 400: BadRequest(serde_json::Map<String, serde_json::Value>)",
                "  error create_purchase 404: NotFound",
                "type BadRequestNotFoundError: error enum, statuses 400 404, sent received",
                "type Product: struct, new(name), sent received",
                "  field Product.name: String, required",
                "type Purchase: struct, new(brand_id, r#type), sent received",
                "  field Purchase.amount: Option<runtime::Nullable<runtime::Decimal>>, optional nullable",
                "  field Purchase.brand_id: String, required, wire \"brandId\"",
                "  field Purchase.products: Option<Vec<Product>>, optional",
                "  field Purchase.r#type: Option<String>, required nullable",
                "  field Purchase.status: Option<PurchaseStatus>, read-only",
                "type PurchaseStatus: open enum, sent received",
                "  variant PurchaseStatus::Created: \"created\"",
                "  variant PurchaseStatus::Paid: \"paid\"",
            ]
        );
        assert!(
            lines[lines.len() - 1].starts_with("# docs: 4 documented items, fnv1a-64 "),
            "{text}"
        );
        assert_eq!(
            s.get("field Purchase.products")
                .and_then(|i| i.doc.as_deref()),
            Some("What is bought.")
        );
        assert_eq!(
            s.get("error create_purchase 404")
                .and_then(|i| i.owner.as_deref()),
            Some("op create_purchase")
        );
        assert_eq!(s.children("type Purchase").count(), 5);
    }

    #[test]
    fn the_text_is_deterministic_and_the_doc_hash_follows_the_docs() {
        let a = surface(&purchase_api());
        assert_eq!(a.text(), surface(&purchase_api()).text());
        let mut changed = purchase_api();
        changed.operations[0].summary = Some("Create a purchase now.".into());
        let b = surface(&changed);
        assert_ne!(a.docs_hash(), b.docs_hash());
        let strip = |t: String| {
            t.lines()
                .filter(|l| !l.starts_with("# docs"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(a.text()), strip(b.text()));
    }

    #[test]
    fn form_apis_show_credentials_fixed_parameters_and_answers() {
        let mut api = api();
        let req = add(
            &mut api,
            "Preauth",
            TypeKind::Struct(Struct {
                fields: vec![{
                    let mut f = field("amount", TypeRef::Prim(Prim::I64), Presence::Required);
                    f.constraints.max_digits = Some(10);
                    f
                }],
                additional: None,
            }),
        );
        let approved = add(&mut api, "Approved", TypeKind::Struct(Struct::default()));
        let error = add(&mut api, "ErrorAnswer", TypeKind::Struct(Struct::default()));
        api.types[req.0].usage.form_body = true;
        api.types[approved.0].usage.key_values = true;
        api.protocol = Protocol::Form(FormApi {
            charset_param: None,
            credentials: vec![BodyCredential {
                wire: "key".into(),
                rust: Ident::new("portal_key"),
                doc: None,
                secret: true,
                hashes: vec![HashAlg::Md5, HashAlg::Sha384],
            }],
            common: vec![("encoding".into(), "UTF-8".into())],
            status_field: "status".into(),
            error: Some(FormError {
                status: "ERROR".into(),
                ty: error,
            }),
            notification: None,
        });
        api.environments[0].params = vec![("mode".into(), "live".into())];
        api.operations.push(Operation {
            id: "preauthorization".into(),
            name: Ident::new("preauthorize"),
            type_name: Ident::new("Preauthorize"),
            method: Method::Post,
            path_template: String::new(),
            path: Vec::new(),
            summary: None,
            doc: None,
            deprecated: false,
            params: Vec::new(),
            params_type: None,
            body: Some(Body {
                required: true,
                encoding: BodyEncoding::Form,
                media_type: "application/x-www-form-urlencoded".into(),
                ty: BodyType::Value(TypeRef::Named(req)),
                doc: None,
                form_styles: Vec::new(),
            }),
            fresh_token: false,
            wire: OperationWire::Form(FormOperation {
                fixed: vec![("request".into(), "preauthorization".into())],
                response: Ident::new("PreauthorizeResponse"),
                variants: vec![KvVariant {
                    values: vec!["APPROVED".into(), "OK".into()],
                    rust: Ident::new("Approved"),
                    ty: approved,
                    doc: None,
                }],
            }),
        });
        let text = surface(&api).text();
        for line in [
            "form: Config::new(portal_key), status status, error status=ERROR as ErrorAnswer",
            "environment Production: https://api.example.com, params mode=live, default",
            "credential key: portal_key, secret, hashed Md5 Sha384",
            "common-param encoding: UTF-8",
            "op preauthorize: POST /, body Preauth (form), fixed request=preauthorization, \
             -> PreauthorizeResponse, errors ErrorAnswer",
            "  answer PreauthorizeResponse::Approved: Approved, values APPROVED OK",
            "type Preauth: struct, new(amount), sent received, methods validate",
            "  field Preauth.amount: i64, required, checks max digits 10",
            "type Approved: struct, new(), sent received, methods from_kv",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\nin\n{text}");
        }
    }
}
