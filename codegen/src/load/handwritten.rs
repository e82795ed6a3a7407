//! The hand-written format (`spec.yaml`, see `format.rs` and
//! `specs/README.md`) → [`Api`], the same model the OpenAPI loader builds.

use std::collections::BTreeMap;

use crate::diag::{join, Diagnostics};
use crate::model::*;
use crate::names::{self, camel, snake, Namer};

use super::format::*;
use super::ProviderOptions;

/// Parses and converts a hand-written spec.
pub fn load(text: &str, opts: &ProviderOptions, diags: &mut Diagnostics) -> Option<Api> {
    diags.set_locator(super::source::Locator::new(text));
    if !check_duplicate_keys(text, diags) {
        return None;
    }
    let spec: SpecFile = match serde_yaml::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            super::push_yaml_error(diags, &e);
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
    let mut reserved: Vec<&str> = names::RESERVED_TYPES.to_vec();
    reserved.extend(["NotificationVerifier", "WebhookVerifier"]);
    let mut b = Builder {
        spec: &spec,
        diags,
        types: Vec::new(),
        namer: Namer::with_reserved(&reserved),
        enums: BTreeMap::new(),
        items: BTreeMap::new(),
        objects: BTreeMap::new(),
    };
    Some(b.build(opts))
}

struct Builder<'a> {
    spec: &'a SpecFile,
    diags: &'a mut Diagnostics,
    types: Vec<TypeDef>,
    namer: Namer,
    /// Enums already made, by (name stem, values): shared where a group is
    /// included more than once.
    enums: BTreeMap<(String, Vec<String>), String>,
    /// Item structs of indexed groups, by group name.
    items: BTreeMap<String, String>,
    /// Object types made for a `type-name`: one Rust type per name, so the
    /// same object used twice (creditor and debtor account) is one type.
    objects: BTreeMap<String, String>,
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
    fn build(&mut self, opts: &ProviderOptions) -> Api {
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
            })
            .collect();
        if environments.is_empty() {
            self.diags
                .error("/environments", "at least one environment is needed");
        }
        let environment_params = spec
            .environments
            .iter()
            .map(|e| {
                e.params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .collect();

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
            let name = self.namer.unique(&camel(&e.name, "ErrorResponse"));
            let fields = self.flatten(&e.fields, "/error/fields", &mut Vec::new());
            self.response_struct(&name, e.doc.clone(), &fields, &status_field, !json);
            if kv && e.status.is_none() {
                self.diags.error(
                    "/error",
                    "key-value APIs need the error's `status` value (e.g. `ERROR`)",
                );
            }
            (e.status.clone().unwrap_or_default(), TypeRef::Named(name))
        });

        let mut method_namer = Namer::with_reserved(&["new", "config", "environment", "base_url"]);
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
            let name = self.namer.unique(&camel(&n.name, "Notification"));
            let fields = self.flatten(&n.fields, "/notification/fields", &mut Vec::new());
            self.response_struct(&name, n.doc.clone(), &fields, "", true);
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
                ty: TypeRef::Named(name),
                latin1,
                key_field: n.key_field.clone(),
                reply: n.reply.clone(),
            }
        });

        let polls = self.polls(&operations);
        Api {
            module: opts.module.clone(),
            source: opts.source.clone(),
            title: spec.title.clone(),
            version: spec.version.clone(),
            doc: spec.doc.clone(),
            environments,
            auth,
            idempotency_header: opts.idempotency_header.clone(),
            client_headers: opts.client_headers.clone(),
            operations,
            types: std::mem::take(&mut self.types),
            error_enums: Vec::new(),
            webhook: None,
            retry_on_body: opts.retry_on_body.clone(),
            polls,
            form: (!json).then_some(FormApi {
                credentials,
                environment_params,
                common: spec
                    .common
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                status_field,
                error,
                notification,
            }),
        }
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
        let mut namer = Namer::with_reserved(&["new", "additional"]);
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
            field.rust = namer.unique(&field.rust);
            out.push(field);
        }
        out
    }

    fn indexed_field(&mut self, group: &str, spec: &GroupSpec) -> Option<Field> {
        let idx = spec.indexed.as_ref()?;
        let item = match self.items.get(group) {
            Some(n) => n.clone(),
            None => {
                let name = self.namer.unique(&camel(&idx.item, "Item"));
                self.items.insert(group.to_string(), name.clone());
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
                self.types.push(TypeDef {
                    name: name.clone(),
                    doc: spec
                        .doc
                        .clone()
                        .or_else(|| Some(format!("One item of the `{group}` group."))),
                    kind: TypeKind::Struct(Struct {
                        fields,
                        additional: None,
                    }),
                });
                name
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
            rust: snake(&idx.rust, "items"),
            ty: TypeRef::Vec(Box::new(TypeRef::Named(item))),
            required: idx.required,
            nullable: false,
            read_only: false,
            write_only: false,
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
                    .cloned();
                let name = match reused {
                    Some(name) => name,
                    None => {
                        let name = self.namer.unique(&camel(
                            def.type_name
                                .as_deref()
                                .unwrap_or(&format!("{owner} {rust}")),
                            "Object",
                        ));
                        if let Some(t) = &def.type_name {
                            self.objects.insert(t.clone(), name.clone());
                        }
                        let flat = self.flatten(&def.fields, &join(ptr, "fields"), &mut Vec::new());
                        let fields = self.fields(&flat, &name, response);
                        self.types.push(TypeDef {
                            name: name.clone(),
                            doc: def.doc.clone(),
                            kind: TypeKind::Struct(Struct {
                                fields,
                                additional: None,
                            }),
                        });
                        name
                    }
                };
                let named = TypeRef::Named(name);
                if format.kind == FormatKind::Array {
                    TypeRef::Vec(Box::new(named))
                } else {
                    named
                }
            }
        };
        c.minimum = def.min.map(|v| v as f64);
        c.maximum = def.max.map(|v| v as f64);
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
            rust,
            ty,
            // Responses are read leniently: every field may be absent.
            required: def.required && !response,
            nullable: false,
            read_only: false,
            write_only: false,
            boxed: false,
            layout,
            doc: Some(parts.join(" ")).filter(|d| !d.is_empty()),
            constraints: c,
        })
    }

    fn enum_type(&mut self, stem: &str, values: &[String]) -> String {
        let key = (stem.to_string(), values.to_vec());
        if let Some(n) = self.enums.get(&key) {
            return n.clone();
        }
        let name = self.namer.unique(&camel(names::bare(stem), "Value"));
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
        self.types.push(TypeDef {
            name: name.clone(),
            doc: Some(format!("Permitted values of `{}`.", names::bare(stem))),
            kind: TypeKind::Enum(Enum { variants }),
        });
        self.enums.insert(key, name.clone());
        name
    }

    /// A response (or notification) struct: every field optional, undeclared
    /// keys kept in `additional`.
    #[allow(clippy::too_many_arguments)]
    fn response_struct(
        &mut self,
        name: &str,
        doc: Option<String>,
        flat: &[Flat<'_>],
        status_field: &str,
        keep_extra: bool,
    ) {
        let mut fields = self.fields(flat, name, true);
        fields.retain(|f| f.wire != status_field);
        self.types.push(TypeDef {
            name: name.to_string(),
            doc,
            kind: TypeKind::Struct(Struct {
                fields,
                // key=value bodies keep undeclared keys; JSON ignores them.
                additional: keep_extra.then_some(TypeRef::Prim(Prim::String)),
            }),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        key: &str,
        op: &OperationSpec,
        optr: &str,
        method_namer: &mut Namer,
        trailing: bool,
        error: &Option<(String, TypeRef)>,
        status_field: &str,
    ) -> Operation {
        let name = method_namer.unique(&snake(key, "operation"));
        let type_name = camel(names::bare(&name), "Operation");
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
        let request_name = self.namer.unique(&camel(
            op.request
                .as_deref()
                .unwrap_or(&format!("{type_name} request")),
            "Request",
        ));
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
        let fields = self.fields(&flat, &request_name, false);
        let json = self.spec.encoding.response == ResponseEncoding::Json;
        let has_body = !fields.is_empty()
            || (!json
                && (!op.fixed.is_empty() || self.spec.encoding.request == RequestEncoding::Form));
        if has_body {
            self.types.push(TypeDef {
                name: request_name.clone(),
                doc: Some(format!("The request of `{}`.", names::bare(&name))),
                kind: TypeKind::Struct(Struct {
                    fields,
                    additional: None,
                }),
            });
        }
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
        let body = has_body.then_some(Body {
            required: true,
            encoding: match self.spec.encoding.request {
                RequestEncoding::Form => BodyEncoding::Form,
                RequestEncoding::Json => BodyEncoding::Json,
            },
            ty: TypeRef::Named(request_name),
            doc: None,
        });
        let mut op_out = Operation {
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
            responses: Vec::new(),
            success: Success::Empty,
            error: ErrorType::None,
            form: None,
            fresh_token: op.fresh_token,
        };
        if json {
            self.json_operation(&mut op_out, op, optr, error);
            return op_out;
        }
        if !op.query.is_empty() {
            self.diags.error(
                join(optr, "query"),
                "query parameters are for JSON APIs; a form API sends every field in the body",
            );
        }
        op_out.path = if path.is_empty() {
            Vec::new()
        } else {
            vec![PathSegment::Literal(path)]
        };
        let mut variants = Vec::new();
        let mut vnamer = Namer::default();
        for (status, resp) in &op.responses {
            let rptr = join(&join(optr, "responses"), status);
            if error.as_ref().is_some_and(|(e, _)| e == status) {
                self.diags.error(rptr.clone(), format!("`{status}` is the common error status; its fields are declared under `error`"));
                continue;
            }
            let rname = self.namer.unique(&camel(
                resp.name
                    .as_deref()
                    .unwrap_or(&format!("{type_name} {}", status.to_ascii_lowercase())),
                "Response",
            ));
            let rflat = self.flatten(&resp.fields, &join(&rptr, "fields"), &mut Vec::new());
            self.response_struct(&rname, resp.doc.clone(), &rflat, status_field, true);
            variants.push(KvVariant {
                value: status.clone(),
                rust: vnamer.unique(&camel(&status.to_ascii_lowercase(), "Status")),
                ty: TypeRef::Named(rname),
                doc: resp.doc.clone(),
            });
        }
        if variants.is_empty() {
            self.diags.error(
                join(optr, "responses"),
                "an operation needs at least one response",
            );
        }
        op_out.error = match error {
            Some((_, ty)) => ErrorType::Single(ty.clone()),
            None => ErrorType::None,
        };
        op_out.form = Some(FormOperation {
            fixed: op
                .fixed
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            response: self.namer.unique(&format!("{type_name}Response")),
            variants,
        });
        op_out
    }

    /// A JSON operation: path parameters from `{placeholders}`, query
    /// parameters, one success body (`ok`) and the common error body.
    fn json_operation(
        &mut self,
        out: &mut Operation,
        op: &OperationSpec,
        optr: &str,
        error: &Option<(String, TypeRef)>,
    ) {
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
                    rust: pnamer.unique(&field.rust),
                    location: ParamLocation::Query,
                    required: field.required,
                    ty: field.ty,
                    doc: field.doc,
                });
            }
        }
        if out
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Query)
        {
            out.params_type = Some(self.namer.unique(&owner));
        }
        let mut responses = op.responses.iter();
        match responses.next() {
            // No fields: the shape is not known, so the body stays JSON.
            Some((_, resp)) if resp.fields.is_empty() => {
                let ty = match &resp.name {
                    Some(n) => {
                        let name = self.namer.unique(&camel(n, "Response"));
                        self.types.push(TypeDef {
                            name: name.clone(),
                            doc: resp.doc.clone(),
                            kind: TypeKind::Alias(TypeRef::Any),
                        });
                        TypeRef::Named(name)
                    }
                    None => TypeRef::Any,
                };
                out.responses.push(Response {
                    status: StatusMatch::Range(2),
                    ty: Some(ty),
                    doc: resp.doc.clone(),
                });
            }
            Some((key, resp)) => {
                let rptr = join(&join(optr, "responses"), key);
                let rname = self.namer.unique(&camel(
                    resp.name
                        .as_deref()
                        .unwrap_or(&format!("{} response", out.type_name)),
                    "Response",
                ));
                let rflat = self.flatten(&resp.fields, &join(&rptr, "fields"), &mut Vec::new());
                self.response_struct(&rname, resp.doc.clone(), &rflat, "", false);
                out.responses.push(Response {
                    status: StatusMatch::Range(2),
                    ty: Some(TypeRef::Named(rname)),
                    doc: resp.doc.clone(),
                });
            }
            None => self.diags.error(
                join(optr, "responses"),
                "a JSON operation needs its success body under `responses: {ok: …}`",
            ),
        }
        if let Some((extra, _)) = responses.next() {
            self.diags.error(
                join(&join(optr, "responses"), extra),
                "a JSON operation has one success body (`ok`); errors are declared once under `error`",
            );
        }
        if let Some((_, ty)) = error {
            out.responses.push(Response {
                status: StatusMatch::Default,
                ty: Some(ty.clone()),
                doc: Some("Any error status.".into()),
            });
        }
    }

    /// Resolves `polling:` entries against the operations.
    fn polls(&mut self, operations: &[Operation]) -> Vec<Poll> {
        let types = self.types.clone();
        let mut out = Vec::new();
        for (i, p) in self.spec.polling.iter().enumerate() {
            let ptr = join("/polling", &i.to_string());
            let Some(op) = operations
                .iter()
                .find(|o| o.id == p.operation || o.name == p.operation)
            else {
                self.diags.error(
                    join(&ptr, "operation"),
                    format!("`{}` names no operation", p.operation),
                );
                continue;
            };
            if op.body.is_some() || op.params.iter().any(|q| q.location != ParamLocation::Path) {
                self.diags.error(
                    join(&ptr, "operation"),
                    "a polled operation may take path parameters only",
                );
                continue;
            }
            let response_type = op
                .responses
                .iter()
                .find(|r| r.status.is_success())
                .and_then(|r| match &r.ty {
                    Some(TypeRef::Named(n)) => Some(n.clone()),
                    _ => None,
                });
            let field = response_type
                .and_then(|n| types.iter().find(|t| t.name == n).cloned())
                .and_then(|t| match t.kind {
                    TypeKind::Struct(s) => s.fields.into_iter().find(|f| f.wire == p.field),
                    _ => None,
                });
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
                name: snake(&p.name, "poll"),
                operation: op.name.clone(),
                field: field.rust,
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
