//! The hand-written format (`spec.yaml`, see `format.rs` and
//! `specs/README.md`) → [`Draft`], the same draft the OpenAPI loader builds.

use std::collections::BTreeMap;

use crate::diag::{join, Diagnostics};
use crate::model::*;
use crate::names::{self, camel, snake, Namer};

use super::finish::{Draft, DraftOperation, TypeSpace};
use super::format::*;
use super::ProviderOptions;

/// Parses and converts a hand-written spec.
pub(crate) fn load(text: &str, opts: &ProviderOptions, diags: &mut Diagnostics) -> Option<Draft> {
    diags.set_locator(super::source::Locator::new(text));
    if !check_duplicate_keys(text, diags) {
        return None;
    }
    let spec: SpecFile = match serde_yaml::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            super::push_yaml_error(diags, &e, text);
            return None;
        }
    };
    if spec.paygen != 1 {
        diags.error(
            "/paygen",
            format!(
                "format version {} is not supported; expected `paygen: 1`",
                spec.paygen
            ),
        );
        return None;
    }
    let mut b = Builder {
        spec: &spec,
        diags,
        space: TypeSpace::new(&opts.reserved_types),
        enums: BTreeMap::new(),
        items: BTreeMap::new(),
        objects: BTreeMap::new(),
    };
    Some(b.build())
}

struct Builder<'a> {
    spec: &'a SpecFile,
    diags: &'a mut Diagnostics,
    space: TypeSpace,
    /// Enums already made, by (name stem, values): shared where a group is
    /// included more than once.
    enums: BTreeMap<(String, Vec<String>), TypeId>,
    /// Item structs of indexed groups, by group name.
    items: BTreeMap<String, TypeId>,
    /// Object types made for a `type-name`: one Rust type per name, so the
    /// same object used twice (creditor and debtor account) is one type.
    objects: BTreeMap<String, TypeId>,
}

/// A field list after includes are expanded, with where each entry came from.
struct Flat<'s> {
    def: FlatDef<'s>,
    ptr: String,
}

enum FlatDef<'s> {
    Field(&'s FieldDef),
    Indexed { group: &'s str, spec: &'s GroupSpec },
}

impl<'a> Builder<'a> {
    fn build(&mut self) -> Draft {
        let spec = self.spec;
        // Base URLs end without `/`; an endpoint that ends with one keeps it
        // through the operations' default path.
        let trailing =
            !spec.environments.is_empty() && spec.environments.iter().all(|e| e.url.ends_with('/'));
        let mut env_namer = Namer::with_reserved(&["Custom"]);
        let environments: Vec<Environment> = spec
            .environments
            .iter()
            .map(|e| Environment {
                name: env_namer.unique(&camel(&e.name, "Server")),
                url: e.url.trim_end_matches('/').to_string(),
                doc: e.doc.clone(),
                params: e
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
            .collect();
        if environments.is_empty() {
            self.diags
                .error("/environments", "at least one environment is needed");
        }
        for (i, e) in spec.environments.iter().enumerate() {
            if !e.url.starts_with("https://") {
                self.diags.error(
                    join(&join("/environments", &i.to_string()), "url"),
                    format!(
                        "`{}` is not an https URL; built-in environments must be https \
                         (use `Config::base_url` for a local test server)",
                        e.url
                    ),
                );
            }
        }

        let auth_spec = spec.auth.as_ref();
        let given = auth_spec.map_or(0, |a| {
            usize::from(a.body.is_some())
                + usize::from(a.token_endpoint.is_some())
                + usize::from(a.bearer)
        });
        if given > 1 {
            self.diags.error(
                "/auth",
                "give one of `body`, `token-endpoint` or `bearer`, not several",
            );
        }
        let json = spec.encoding.response == ResponseEncoding::Json;
        if json != (spec.encoding.request == RequestEncoding::Json) {
            self.diags.error(
                "/encoding",
                "mixed encodings are not supported: use `request: form` with `response: key-value`, or json for both",
            );
        }
        let (auth, credentials) = match auth_spec {
            Some(AuthSpec {
                token_endpoint: Some(t),
                ..
            }) => {
                let creds = self.credentials(&t.credentials, "/auth/token-endpoint/credentials");
                if !t.path.starts_with('/') {
                    self.diags.error(
                        "/auth/token-endpoint/path",
                        format!("path `{}` must start with `/`", t.path),
                    );
                }
                if t.expires_in_fields.is_empty() {
                    self.diags.error(
                        "/auth/token-endpoint/expires-in-fields",
                        "name at least one field holding the token's lifetime",
                    );
                }
                (
                    Auth::TokenEndpoint(TokenEndpoint {
                        path: t.path.clone(),
                        credentials: creds,
                        token_field: t.token_field.clone(),
                        expires_in_fields: t.expires_in_fields.clone(),
                    }),
                    Vec::new(),
                )
            }
            Some(a) if a.bearer => (Auth::Bearer, Vec::new()),
            Some(AuthSpec {
                body: Some(creds), ..
            }) => (Auth::None, self.credentials(creds, "/auth/body")),
            _ => (Auth::None, Vec::new()),
        };

        let kv = spec.encoding.response == ResponseEncoding::KeyValue;
        let status_field = match (&spec.status_field, kv) {
            (Some(f), _) => f.clone(),
            (None, true) => {
                self.diags.error(
                    "",
                    "key-value responses need `status-field` (the field that selects the response)",
                );
                String::new()
            }
            (None, false) => String::new(),
        };
        let error = spec.error.as_ref().map(|e| {
            let fields = self.flatten(&e.fields, "/error/fields", &mut Vec::new());
            let ty = self.response_struct(
                &camel(&e.name, "ErrorResponse"),
                e.doc.clone(),
                &fields,
                &status_field,
                !json,
            );
            if kv && e.status.is_none() {
                self.diags.error(
                    "/error",
                    "key-value APIs need the error's `status` value (e.g. `ERROR`)",
                );
            }
            FormError {
                status: e.status.clone().unwrap_or_default(),
                ty,
            }
        });

        let mut method_namer = Namer::with_reserved(&[
            "new",
            "config",
            "environment",
            "base_url",
            "with_retry_policy",
        ]);
        let mut operations = Vec::new();
        for (key, op) in &spec.operations {
            let optr = join("/operations", key);
            operations.push(self.operation(
                key,
                op,
                &optr,
                &mut method_namer,
                trailing,
                &error,
                &status_field,
            ));
        }

        let notification = spec.notification.as_ref().map(|n| {
            let fields = self.flatten(&n.fields, "/notification/fields", &mut Vec::new());
            // The key is checked, then dropped: it is the hashed credential.
            let ty = self.response_struct(
                &camel(&n.name, "Notification"),
                n.doc.clone(),
                &fields,
                &n.key_field,
                true,
            );
            let latin1 = match n.charset.to_ascii_uppercase().as_str() {
                "ISO-8859-1" | "LATIN1" | "LATIN-1" => true,
                "UTF-8" | "UTF8" => false,
                other => {
                    self.diags.error(
                        "/notification/charset",
                        format!("charset `{other}` is not supported; expected ISO-8859-1 or UTF-8"),
                    );
                    false
                }
            };
            Notification {
                ty,
                latin1,
                key_field: n.key_field.clone(),
                reply: n.reply.clone(),
            }
        });

        let polls = self.polls(&operations);
        Draft {
            title: spec.title.clone(),
            version: spec.version.clone(),
            doc: spec.doc.clone(),
            environments,
            auth,
            form: (!json).then_some(FormApi {
                credentials,
                common: spec
                    .common
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                charset_param: self.charset_parameter(),
                status_field,
                error,
                notification,
            }),
            operations,
            polls,
            space: std::mem::replace(&mut self.space, TypeSpace::new(&[])),
            schemas: Default::default(),
        }
    }

    /// `charset-parameter:` must name a common parameter.
    fn charset_parameter(&mut self) -> Option<String> {
        let name = self.spec.charset_parameter.as_ref()?;
        if !self.spec.common.contains_key(name) {
            let known: Vec<&str> = self.spec.common.keys().map(String::as_str).collect();
            self.diags.error(
                "/charset-parameter",
                format!("`{name}` names no parameter under `common`; expected one of {known:?}"),
            );
            return None;
        }
        Some(name.clone())
    }

    fn credentials(&mut self, creds: &[CredentialSpec], ptr: &str) -> Vec<BodyCredential> {
        let mut namer = Namer::with_reserved(&["self_"]);
        creds
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if !c.hash.is_empty() && !c.secret {
                    self.diags.error(
                        join(&join(ptr, &i.to_string()), "hash"),
                        "a hashed credential must also be `secret: true`",
                    );
                }
                BodyCredential {
                    wire: c.name.clone(),
                    rust: namer.unique(
                        &c.rust
                            .clone()
                            .unwrap_or_else(|| snake(&c.name, "credential")),
                    ),
                    doc: c.doc.clone(),
                    secret: c.secret,
                    hashes: c
                        .hash
                        .iter()
                        .map(|h| match h {
                            HashSpec::Md5 => HashAlg::Md5,
                            HashSpec::Sha384 => HashAlg::Sha384,
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Expands `include:` entries; reports unknown groups and include cycles.
    fn flatten<'s>(
        &mut self,
        fields: &'s [FieldSpec],
        ptr: &str,
        stack: &mut Vec<String>,
    ) -> Vec<Flat<'s>>
    where
        'a: 's,
    {
        let mut out = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let fptr = join(ptr, &i.to_string());
            match &f.include {
                None => out.push(Flat {
                    def: FlatDef::Field(f),
                    ptr: fptr,
                }),
                Some(include) => {
                    if !f.name.is_empty() {
                        self.diags.error(
                            join(&fptr, "include"),
                            "`include` takes the place of a field: give either `include` or `name`, not both",
                        );
                    }
                    let spec: &'a SpecFile = self.spec;
                    let Some((gname, group)) = spec.groups.get_key_value(include) else {
                        let known: Vec<&str> = spec.groups.keys().map(String::as_str).collect();
                        self.diags.error(
                            join(&fptr, "include"),
                            format!(
                                "`include: {include}` names no group; defined groups: {known:?}"
                            ),
                        );
                        continue;
                    };
                    if stack.contains(gname) {
                        self.diags.error(
                            join(&fptr, "include"),
                            format!("group include cycle: {} → {gname}", stack.join(" → ")),
                        );
                        continue;
                    }
                    if group.indexed.is_some() {
                        out.push(Flat {
                            def: FlatDef::Indexed {
                                group: gname,
                                spec: group,
                            },
                            ptr: fptr,
                        });
                    } else {
                        stack.push(gname.clone());
                        let gptr = join(&join("/groups", gname), "fields");
                        out.extend(self.flatten(&group.fields, &gptr, stack));
                        stack.pop();
                    }
                }
            }
        }
        out
    }

    /// Builds struct fields from a flattened list. `owner` names inline types.
    fn fields(&mut self, flat: &[Flat<'_>], owner: &str, response: bool) -> Vec<Field> {
        let mut namer = Namer::with_reserved(names::RESERVED_FIELDS);
        let mut wires: BTreeMap<String, String> = BTreeMap::new();
        let mut out = Vec::new();
        for f in flat {
            let field = match &f.def {
                FlatDef::Field(def) => self.field(def, &f.ptr, owner, response),
                FlatDef::Indexed { group, spec } => self.indexed_field(group, spec),
            };
            let Some(mut field) = field else { continue };
            if let Some(prev) = wires.insert(field.wire.clone(), f.ptr.clone()) {
                if !field.wire.is_empty() {
                    self.diags.error(
                        join(&f.ptr, "name"),
                        format!(
                            "field `{}` appears twice in `{owner}` (first at {prev})",
                            field.wire
                        ),
                    );
                    continue;
                }
            }
            field.rust = namer.unique(field.rust.as_str());
            out.push(field);
        }
        out
    }

    fn indexed_field(&mut self, group: &str, spec: &GroupSpec) -> Option<Field> {
        let idx = spec.indexed.as_ref()?;
        let item = match self.items.get(group) {
            Some(id) => *id,
            None => {
                let id = self.space.reserve(&camel(&idx.item, "Item"));
                self.items.insert(group.to_string(), id);
                let name = self.space.name(id).as_str().to_string();
                let gptr = join(&join("/groups", group), "fields");
                let flat = self.flatten(&spec.fields, &gptr, &mut vec![group.to_string()]);
                if flat
                    .iter()
                    .any(|f| matches!(f.def, FlatDef::Indexed { .. }))
                {
                    self.diags.error(
                        gptr.clone(),
                        "an indexed group cannot include another indexed group",
                    );
                }
                let fields = self.fields(&flat, &name, false);
                self.space.define(
                    id,
                    spec.doc
                        .clone()
                        .or_else(|| Some(format!("One item of the `{group}` group."))),
                    TypeKind::Struct(Struct {
                        fields,
                        additional: None,
                    }),
                );
                id
            }
        };
        if idx.max == 0 {
            self.diags.error(
                join(&join(&join("/groups", group), "indexed"), "max"),
                "`max` must be at least 1",
            );
        }
        Some(Field {
            wire: String::new(),
            aliases: Vec::new(),
            rust: Ident::new(snake(&idx.rust, "items")),
            ty: TypeRef::Vec(Box::new(TypeRef::Named(item))),
            presence: if idx.required {
                Presence::Required
            } else {
                Presence::Optional
            },
            boxed: false,
            layout: FieldLayout::Indexed,
            doc: spec.doc.clone(),
            constraints: Constraints {
                min_items: idx.required.then_some(1),
                max_items: Some(u64::from(idx.max)),
                ..Constraints::default()
            },
        })
    }

    fn field(&mut self, def: &FieldDef, ptr: &str, owner: &str, response: bool) -> Option<Field> {
        let rust = def
            .rust
            .clone()
            .unwrap_or_else(|| snake(&def.name, "field"));
        let mut c = Constraints::default();
        let fmt_ptr = join(ptr, "format");
        let format = match def.format.as_deref().map(parse_format) {
            None => Format {
                kind: FormatKind::Char,
                min: None,
                max: None,
            },
            Some(Ok(f)) => f,
            Some(Err(msg)) => {
                self.diags.error(fmt_ptr.clone(), msg);
                return None;
            }
        };
        let mut layout = FieldLayout::Plain;
        let mut ty = match format.kind {
            FormatKind::Char | FormatKind::Alnum => {
                c.min_length = format.min;
                c.max_length = format.max;
                if format.kind == FormatKind::Alnum {
                    c.symbols = vec!["0-9".into(), "A-Z".into(), "a-z".into()];
                }
                TypeRef::Prim(Prim::String)
            }
            FormatKind::Numeric => {
                c.min_digits = format.min.map(|v| v as u32);
                c.max_digits = format.max.map(|v| v as u32);
                TypeRef::Prim(Prim::I64)
            }
            FormatKind::Date => TypeRef::Prim(Prim::CompactDate),
            FormatKind::List => TypeRef::Prim(Prim::String),
            FormatKind::Decimal => TypeRef::Prim(Prim::Decimal),
            FormatKind::Boolean => TypeRef::Prim(Prim::Bool),
            FormatKind::Object | FormatKind::Array => {
                if def.fields.is_empty() {
                    self.diags
                        .error(join(ptr, "fields"), "OBJECT and ARRAY fields need `fields`");
                    return None;
                }
                let reused = def
                    .type_name
                    .as_ref()
                    .and_then(|t| self.objects.get(t))
                    .copied();
                let id = match reused {
                    Some(id) => id,
                    None => {
                        let id = self.space.reserve(&camel(
                            def.type_name
                                .as_deref()
                                .unwrap_or(&format!("{owner} {rust}")),
                            "Object",
                        ));
                        if let Some(t) = &def.type_name {
                            self.objects.insert(t.clone(), id);
                        }
                        let name = self.space.name(id).as_str().to_string();
                        let flat = self.flatten(&def.fields, &join(ptr, "fields"), &mut Vec::new());
                        let fields = self.fields(&flat, &name, response);
                        self.space.define(
                            id,
                            def.doc.clone(),
                            TypeKind::Struct(Struct {
                                fields,
                                additional: None,
                            }),
                        );
                        id
                    }
                };
                let named = TypeRef::Named(id);
                if format.kind == FormatKind::Array {
                    TypeRef::Vec(Box::new(named))
                } else {
                    named
                }
            }
        };
        c.minimum = def.min.map(|v| Bound::Inclusive(v as f64));
        c.maximum = def.max.map(|v| Bound::Inclusive(v as f64));
        if !def.symbols.is_empty() {
            for (i, s) in def.symbols.iter().enumerate() {
                let chars: Vec<char> = s.chars().collect();
                let ok = matches!(chars.as_slice(), [_] | [_, '-', _]);
                if !ok {
                    self.diags.error(
                        join(&join(ptr, "symbols"), &i.to_string()),
                        format!(
                            "`{s}` is not a symbol: expected one character or a range like `0-9`"
                        ),
                    );
                }
            }
            c.symbols = def.symbols.clone();
        }
        match def.type_.as_deref() {
            None => {}
            Some("string") => {
                if let (Some(lo), Some(hi)) = (c.min_digits.take(), c.max_digits.take()) {
                    c.min_length = Some(u64::from(lo));
                    c.max_length = Some(u64::from(hi));
                    c.symbols = vec!["0-9".into()];
                }
                ty = TypeRef::Prim(Prim::String);
            }
            Some("integer") => ty = TypeRef::Prim(Prim::I64),
            Some(other) => {
                self.diags.error(
                    join(ptr, "type"),
                    format!("unknown type `{other}`; expected `string` or `integer`"),
                );
            }
        }
        if !def.values.is_empty() {
            ty = TypeRef::Named(self.enum_type(&rust, &def.values));
        }
        if def.map {
            layout = FieldLayout::Map;
            ty = TypeRef::Map(Box::new(TypeRef::Prim(Prim::String)));
        }
        if def.name.is_empty() {
            self.diags
                .error(join(ptr, "name"), "a field needs a non-empty `name`");
            return None;
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = &def.doc {
            parts.push(d.clone());
        }
        if let Some(f) = &def.format {
            parts.push(format!("Format `{f}`."));
        }
        Some(Field {
            wire: def.name.clone(),
            aliases: def.aliases.clone(),
            rust: Ident::new(rust),
            ty,
            // Responses are read leniently: every field may be absent.
            presence: if def.required && !response {
                Presence::Required
            } else {
                Presence::Optional
            },
            boxed: false,
            layout,
            doc: Some(parts.join(" ")).filter(|d| !d.is_empty()),
            constraints: c,
        })
    }

    fn enum_type(&mut self, stem: &str, values: &[String]) -> TypeId {
        let key = (stem.to_string(), values.to_vec());
        if let Some(id) = self.enums.get(&key) {
            return *id;
        }
        let mut vnamer = Namer::with_reserved(&["Unknown"]);
        let variants = values
            .iter()
            .enumerate()
            .map(|(i, v)| EnumVariant {
                wire: v.clone(),
                rust: vnamer.unique(&camel(v, &format!("Value{}", i + 1))),
                doc: None,
            })
            .collect();
        let id = self.space.add(
            &camel(stem, "Value"),
            Some(format!("Permitted values of `{stem}`.")),
            TypeKind::Enum(Enum { variants }),
        );
        self.enums.insert(key, id);
        id
    }

    /// A response (or notification) struct: every field optional, undeclared
    /// keys kept in `additional` when `keep_extra`. `skip` (the status field,
    /// a notification's key) is not a field.
    fn response_struct(
        &mut self,
        candidate: &str,
        doc: Option<String>,
        flat: &[Flat<'_>],
        skip: &str,
        keep_extra: bool,
    ) -> TypeId {
        let id = self.space.reserve(candidate);
        let name = self.space.name(id).as_str().to_string();
        let mut fields = self.fields(flat, &name, true);
        fields.retain(|f| f.wire != skip);
        self.space.define(
            id,
            doc,
            TypeKind::Struct(Struct {
                fields,
                // key=value bodies keep undeclared keys; JSON ignores them.
                additional: keep_extra.then_some(TypeRef::Prim(Prim::String)),
            }),
        );
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        key: &str,
        op: &OperationSpec,
        optr: &str,
        method_namer: &mut Namer,
        trailing: bool,
        error: &Option<FormError>,
        status_field: &str,
    ) -> DraftOperation {
        let name = method_namer.unique(&snake(key, "operation"));
        let type_name = Ident::new(camel(name.as_str(), "Operation"));
        let method = match op.method.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            other => {
                self.diags.error(join(optr, "method"), format!("method `{other}` is not supported; expected GET, POST, PUT, PATCH or DELETE"));
                Method::Post
            }
        };
        for (k, _) in &op.fixed {
            if k.is_empty() {
                self.diags
                    .error(join(optr, "fixed"), "a fixed parameter needs a name");
            }
        }
        let flat = self.flatten(&op.fields, &join(optr, "fields"), &mut Vec::new());
        for f in &flat {
            if let FlatDef::Field(d) = f.def {
                if op.fixed.contains_key(&d.name) {
                    self.diags.error(
                        join(&f.ptr, "name"),
                        format!(
                            "`{}` is both a fixed parameter and a field of `{key}`",
                            d.name
                        ),
                    );
                }
            }
        }
        let json = self.spec.encoding.response == ResponseEncoding::Json;
        let has_body = !flat.is_empty()
            || (!json
                && (!op.fixed.is_empty() || self.spec.encoding.request == RequestEncoding::Form));
        let body = has_body.then(|| {
            let id = self.space.reserve(&camel(
                op.request
                    .as_deref()
                    .unwrap_or(&format!("{type_name} request")),
                "Request",
            ));
            let request_name = self.space.name(id).as_str().to_string();
            let fields = self.fields(&flat, &request_name, false);
            self.space.define(
                id,
                Some(format!("The request of `{name}`.", name = name.as_str())),
                TypeKind::Struct(Struct {
                    fields,
                    additional: None,
                }),
            );
            let (encoding, media_type) = match self.spec.encoding.request {
                RequestEncoding::Form => (BodyEncoding::Form, "application/x-www-form-urlencoded"),
                RequestEncoding::Json => (BodyEncoding::Json, "application/json"),
            };
            Body {
                required: true,
                encoding,
                media_type: media_type.to_string(),
                ty: BodyType::Value(TypeRef::Named(id)),
                doc: None,
                form_styles: Vec::new(),
            }
        });
        let path = if op.path.is_empty() && trailing {
            "/".to_string()
        } else {
            op.path.clone()
        };
        if !path.is_empty() && !path.starts_with('/') {
            self.diags.error(
                join(optr, "path"),
                format!("path `{path}` must start with `/`"),
            );
        }
        let mut out = Operation {
            id: key.to_string(),
            name,
            type_name: type_name.clone(),
            method,
            path_template: path.clone(),
            path: Vec::new(),
            summary: op.summary.clone(),
            doc: op.doc.clone(),
            deprecated: false,
            params: Vec::new(),
            params_type: None,
            body,
            fresh_token: op.fresh_token,
            // Completed by `finish` from the responses (JSON), or below.
            wire: OperationWire::Json(JsonOperation {
                responses: Vec::new(),
                success: Success::Empty,
                error: ErrorType::None,
            }),
        };
        if json {
            let responses = self.json_operation(&mut out, op, optr, error);
            return DraftOperation { op: out, responses };
        }
        if !op.query.is_empty() {
            self.diags.error(
                join(optr, "query"),
                "query parameters are for JSON APIs; a form API sends every field in the body",
            );
        }
        out.path = if path.is_empty() {
            Vec::new()
        } else {
            vec![PathSegment::Literal(path)]
        };
        let mut variants: Vec<KvVariant> = Vec::new();
        let mut vnamer = Namer::default();
        for (status, resp) in &op.responses {
            let rptr = join(&join(optr, "responses"), status);
            if error.as_ref().is_some_and(|e| &e.status == status) {
                self.diags.error(rptr.clone(), format!("`{status}` is the common error status; its fields are declared under `error`"));
                continue;
            }
            let rflat = self.flatten(&resp.fields, &join(&rptr, "fields"), &mut Vec::new());
            let ty = self.response_struct(
                &camel(
                    resp.name
                        .as_deref()
                        .unwrap_or(&format!("{type_name} {}", status.to_ascii_lowercase())),
                    "Response",
                ),
                resp.doc.clone(),
                &rflat,
                status_field,
                true,
            );
            let mut values = vec![status.clone()];
            for (i, also) in resp.also.iter().enumerate() {
                let taken = op.responses.contains_key(also)
                    || variants.iter().any(|v| v.values.contains(also))
                    || error.as_ref().is_some_and(|e| &e.status == also);
                if taken {
                    self.diags.error(
                        join(&join(&rptr, "also"), &i.to_string()),
                        format!("`{also}` already selects another response of `{key}`"),
                    );
                } else {
                    values.push(also.clone());
                }
            }
            variants.push(KvVariant {
                values,
                rust: vnamer.unique(&camel(&status.to_ascii_lowercase(), "Status")),
                ty,
                doc: resp.doc.clone(),
            });
        }
        if variants.is_empty() {
            self.diags.error(
                join(optr, "responses"),
                "an operation needs at least one response",
            );
        }
        out.wire = OperationWire::Form(FormOperation {
            fixed: op
                .fixed
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            response: self.space.reserve_name(&format!("{type_name}Response")),
            variants,
        });
        DraftOperation {
            op: out,
            responses: Vec::new(),
        }
    }

    /// A JSON operation: path parameters from `{placeholders}`, query
    /// parameters, one success body (`ok`) and the common error body.
    fn json_operation(
        &mut self,
        out: &mut Operation,
        op: &OperationSpec,
        optr: &str,
        error: &Option<FormError>,
    ) -> Vec<Response> {
        if !op.fixed.is_empty() {
            self.diags
                .error(join(optr, "fixed"), "fixed parameters are for form APIs");
        }
        let mut pnamer = Namer::with_reserved(&["body", "params"]);
        let mut rest = out.path_template.as_str();
        let mut segments = Vec::new();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                self.diags.error(
                    join(optr, "path"),
                    format!("path `{}` has an unclosed `{{`", out.path_template),
                );
                break;
            };
            if open > 0 {
                segments.push(PathSegment::Literal(rest[..open].to_string()));
            }
            let pname = &rest[open + 1..open + close];
            segments.push(PathSegment::Param(out.params.len()));
            out.params.push(Param {
                wire: pname.to_string(),
                rust: pnamer.unique(&snake(pname, "param")),
                location: ParamLocation::Path,
                required: true,
                ty: TypeRef::Prim(Prim::String),
                style: ParamStyle::Form,
                doc: Some(format!("The `{pname}` path segment.")),
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_string()));
        }
        out.path = segments;
        let qflat = self.flatten(&op.query, &join(optr, "query"), &mut Vec::new());
        let owner = format!("{}Params", out.type_name);
        for f in &qflat {
            let FlatDef::Field(def) = f.def else {
                self.diags.error(
                    f.ptr.clone(),
                    "an indexed group cannot be a query parameter",
                );
                continue;
            };
            if let Some(field) = self.field(def, &f.ptr, &owner, false) {
                out.params.push(Param {
                    wire: field.wire,
                    rust: pnamer.unique(field.rust.as_str()),
                    location: ParamLocation::Query,
                    required: field.presence.is_plain(),
                    ty: field.ty,
                    style: ParamStyle::Form,
                    doc: field.doc,
                });
            }
        }
        if out
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Query)
        {
            out.params_type = Some(self.space.reserve_name(&owner));
        }
        let mut responses = Vec::new();
        let mut declared = op.responses.iter();
        match declared.next() {
            // No fields: the shape is not known, so the body stays JSON.
            Some((_, resp)) if resp.fields.is_empty() => {
                let ty = match &resp.name {
                    Some(n) => TypeRef::Named(self.space.add(
                        &camel(n, "Response"),
                        resp.doc.clone(),
                        TypeKind::Alias(TypeRef::Any),
                    )),
                    None => TypeRef::Any,
                };
                responses.push(Response {
                    status: StatusMatch::Range(2),
                    body: Some(BodyType::Value(ty)),
                    doc: resp.doc.clone(),
                    media: None,
                });
            }
            Some((key, resp)) => {
                let rptr = join(&join(optr, "responses"), key);
                let rflat = self.flatten(&resp.fields, &join(&rptr, "fields"), &mut Vec::new());
                let ty = self.response_struct(
                    &camel(
                        resp.name
                            .as_deref()
                            .unwrap_or(&format!("{} response", out.type_name)),
                        "Response",
                    ),
                    resp.doc.clone(),
                    &rflat,
                    "",
                    false,
                );
                let ty = if resp.list {
                    TypeRef::Vec(Box::new(TypeRef::Named(ty)))
                } else {
                    TypeRef::Named(ty)
                };
                responses.push(Response {
                    status: StatusMatch::Range(2),
                    body: Some(BodyType::Value(ty)),
                    doc: resp.doc.clone(),
                    media: None,
                });
            }
            None => self.diags.error(
                join(optr, "responses"),
                "a JSON operation needs its success body under `responses: {ok: …}`",
            ),
        }
        if let Some((extra, _)) = declared.next() {
            self.diags.error(
                join(&join(optr, "responses"), extra),
                "a JSON operation has one success body (`ok`); errors are declared once under `error`",
            );
        }
        if let Some(e) = error {
            responses.push(Response {
                status: StatusMatch::Default,
                body: Some(BodyType::Value(TypeRef::Named(e.ty))),
                doc: Some("Any error status.".into()),
                media: None,
            });
        }
        responses
    }

    /// Resolves `polling:` entries against the operations.
    fn polls(&mut self, operations: &[DraftOperation]) -> Vec<Poll> {
        let mut out = Vec::new();
        for (i, p) in self.spec.polling.iter().enumerate() {
            let ptr = join("/polling", &i.to_string());
            if self.spec.encoding.response != ResponseEncoding::Json {
                self.diags.error(
                    ptr,
                    "polling is for JSON APIs; a key-value answer has no status field to poll",
                );
                continue;
            }
            let Some(index) = operations
                .iter()
                .position(|o| o.op.id == p.operation || o.op.name.as_str() == p.operation)
            else {
                self.diags.error(
                    join(&ptr, "operation"),
                    format!("`{}` names no operation", p.operation),
                );
                continue;
            };
            let draft = &operations[index];
            if draft.op.body.is_some()
                || draft
                    .op
                    .params
                    .iter()
                    .any(|q| q.location != ParamLocation::Path)
            {
                self.diags.error(
                    join(&ptr, "operation"),
                    "a polled operation may take path parameters only",
                );
                continue;
            }
            let response_type = draft
                .responses
                .iter()
                .find(|r| r.status.is_success())
                .and_then(|r| match &r.body {
                    Some(BodyType::Value(TypeRef::Named(id))) => Some(*id),
                    _ => None,
                });
            let field = response_type
                .and_then(|id| match &self.space.get(id).kind {
                    TypeKind::Struct(s) => s.fields.iter().find(|f| f.wire == p.field),
                    _ => None,
                })
                .map(|f| f.rust.clone());
            let Some(field) = field else {
                self.diags.error(
                    join(&ptr, "field"),
                    format!(
                        "the response of `{}` has no field `{}`",
                        p.operation, p.field
                    ),
                );
                continue;
            };
            out.push(Poll {
                name: Ident::new(snake(&p.name, "poll")),
                operation: OperationId(index),
                field,
                terminal: p.terminal.clone(),
                doc: p.doc.clone(),
            });
        }
        out
    }
}

/// Reports every mapping key that appears twice (serde would keep the last
/// silently: two operations of the same name would become one). Returns
/// whether there were none.
fn check_duplicate_keys(text: &str, diags: &mut Diagnostics) -> bool {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;

    /// Per open collection: for a mapping, the keys seen and whether the next
    /// scalar is a key.
    type Frame = Option<(std::collections::BTreeSet<String>, bool)>;

    #[derive(Default)]
    struct Dups {
        stack: Vec<Frame>,
        found: Vec<(String, usize, usize)>,
    }
    impl Dups {
        fn value_done(&mut self) {
            if let Some(Some((_, expecting_key))) = self.stack.last_mut() {
                *expecting_key = true;
            }
        }
    }
    impl MarkedEventReceiver for Dups {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            let at_key = matches!(self.stack.last(), Some(Some((_, true))));
            match ev {
                Event::Scalar(v, ..) if at_key => {
                    if let Some(Some((keys, expecting_key))) = self.stack.last_mut() {
                        if !keys.insert(v.clone()) {
                            self.found.push((v, mark.line(), mark.col() + 1));
                        }
                        *expecting_key = false;
                    }
                }
                Event::Scalar(..) | Event::Alias(_) => self.value_done(),
                Event::MappingStart(..) => self.stack.push(Some((Default::default(), true))),
                Event::SequenceStart(..) => self.stack.push(None),
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                    self.value_done();
                }
                _ => {}
            }
        }
    }
    let mut d = Dups::default();
    // Syntax errors are reported by the real parse that follows.
    let _ = Parser::new_from_str(text).load(&mut d, false);
    for (key, line, col) in &d.found {
        diags.error_at(
            *line,
            *col,
            format!("`{key}` is given twice in the same mapping (a duplicate operation, group or key); give it once"),
        );
    }
    d.found.is_empty()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatKind {
    Char,
    Alnum,
    Numeric,
    Date,
    List,
    Decimal,
    Boolean,
    Object,
    Array,
}

#[derive(Debug)]
struct Format {
    kind: FormatKind,
    min: Option<u64>,
    max: Option<u64>,
}

/// `CHAR`, `CHAR(n)`, `CHAR(min..max)`, `NUMERIC(n)`, `DATE(8)`, `LIST`, ….
fn parse_format(s: &str) -> Result<Format, String> {
    let expected =
        "expected one of CHAR, CHAR(n), CHAR(min..max), AN(…), ALPHANUM(…), NUMERIC(n), \
                    NUMERIC(min..max), DATE(8), LIST, DECIMAL, BOOLEAN, OBJECT, ARRAY";
    let s = s.trim();
    let (head, args) = match s.find('(') {
        Some(i) => {
            let Some(inner) = s[i + 1..].strip_suffix(')') else {
                return Err(format!("malformed format `{s}`: missing `)`; {expected}"));
            };
            (&s[..i], Some(inner.trim()))
        }
        None => (s, None),
    };
    let kind = match head.trim().to_ascii_uppercase().as_str() {
        "CHAR" => FormatKind::Char,
        "AN" | "ALPHANUM" => FormatKind::Alnum,
        "NUMERIC" => FormatKind::Numeric,
        "DATE" => FormatKind::Date,
        "LIST" => FormatKind::List,
        "DECIMAL" => FormatKind::Decimal,
        "BOOLEAN" => FormatKind::Boolean,
        "OBJECT" => FormatKind::Object,
        "ARRAY" => FormatKind::Array,
        other => return Err(format!("unknown format `{other}` in `{s}`; {expected}")),
    };
    let (min, max) = match args {
        None => (None, None),
        Some(a) => {
            let num = |t: &str| {
                t.trim().parse::<u64>().map_err(|_| {
                    format!("malformed format `{s}`: `{t}` is not a number; {expected}")
                })
            };
            match a.split_once("..") {
                Some((lo, hi)) => {
                    let (lo, hi) = (num(lo)?, num(hi)?);
                    if lo > hi {
                        return Err(format!(
                            "malformed format `{s}`: the minimum {lo} is above the maximum {hi}"
                        ));
                    }
                    (Some(lo), Some(hi))
                }
                None => {
                    let n = num(a)?;
                    // CHAR(n) is exactly n; NUMERIC(n) is at most n digits.
                    match kind {
                        FormatKind::Numeric => (None, Some(n)),
                        _ => (Some(n), Some(n)),
                    }
                }
            }
        }
    };
    if kind == FormatKind::Date && (min, max) != (Some(8), Some(8)) && args.is_some() {
        return Err(format!(
            "malformed format `{s}`: only DATE(8) (YYYYMMDD) is supported"
        ));
    }
    if matches!(
        kind,
        FormatKind::List
            | FormatKind::Boolean
            | FormatKind::Object
            | FormatKind::Array
            | FormatKind::Decimal
    ) && args.is_some()
    {
        return Err(format!("malformed format `{s}`: {head} takes no length"));
    }
    Ok(Format { kind, min, max })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let f = parse_format("CHAR(2..50)").unwrap();
        assert_eq!(
            (f.kind, f.min, f.max),
            (FormatKind::Char, Some(2), Some(50))
        );
        let f = parse_format("NUMERIC(6)").unwrap();
        assert_eq!((f.kind, f.min, f.max), (FormatKind::Numeric, None, Some(6)));
        let f = parse_format("CHAR(3)").unwrap();
        assert_eq!((f.min, f.max), (Some(3), Some(3)));
        assert_eq!(parse_format("DATE(8)").unwrap().kind, FormatKind::Date);
        assert!(parse_format("CHAR(1..")
            .unwrap_err()
            .contains("missing `)`"));
        assert!(parse_format("CHAR(5..2)")
            .unwrap_err()
            .contains("above the maximum"));
        assert!(parse_format("VARCHAR(5)")
            .unwrap_err()
            .contains("unknown format `VARCHAR`"));
        assert!(parse_format("DATE(6)")
            .unwrap_err()
            .contains("only DATE(8)"));
    }
}
