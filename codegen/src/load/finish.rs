//! Finishing a loaded API: the passes both loaders share, run before anyone
//! sees the model.
//!
//! A loader produces a [`Draft`]: types in a [`TypeSpace`], operations with
//! their documented responses. [`finish`] then works out what each JSON
//! operation returns on success and on error (status enums, shared between
//! operations with the same error responses and named after their content),
//! boxes recursive fields, resolves the `paygen.yaml` settings that name
//! things in the spec (webhook event, public-key operation), records where
//! every type travels ([`Usage`]), and assembles the [`Api`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;

use crate::diag::Diagnostics;
use crate::model::*;
use crate::names::{self, Namer, Taken};

use super::ProviderOptions;

/// Types being built: an arena keyed by [`TypeId`], and the namer that
/// keeps every type name of the module unique.
#[derive(Debug)]
pub(crate) struct TypeSpace {
    types: Vec<TypeDef>,
    /// Types in the order they were defined: a parent before the types
    /// inlined in it, whatever order the names were reserved in. The
    /// finished arena is in this order.
    defined: Vec<TypeId>,
    namer: Namer,
    /// Inline definitions by content (docs and kind), so that a schema
    /// written out again elsewhere becomes the same type.
    inline: HashMap<String, TypeId>,
    /// The content key each inline definition is filed under.
    inline_key: HashMap<TypeId, String>,
    /// Every type defined inline: dropped when nothing uses it.
    inline_ids: BTreeSet<TypeId>,
    /// Types dropped after they were reserved, and the type that stands in
    /// for each (references are rewritten to it when the space is finished).
    replaced: HashMap<TypeId, TypeId>,
}

impl TypeSpace {
    /// A space whose names avoid the module's own and `extra`.
    pub fn new(extra: &[String]) -> Self {
        let mut reserved: Vec<&str> = names::RESERVED_TYPES.to_vec();
        reserved.extend(extra.iter().map(String::as_str));
        TypeSpace {
            types: Vec::new(),
            defined: Vec::new(),
            namer: Namer::with_reserved(&reserved),
            inline: HashMap::new(),
            inline_key: HashMap::new(),
            inline_ids: BTreeSet::new(),
            replaced: HashMap::new(),
        }
    }

    /// A new type named `candidate` (or `candidate2`, …), to be defined.
    pub fn reserve(&mut self, candidate: &str) -> TypeId {
        let name = self.namer.unique(candidate);
        self.push(name)
    }

    /// Like [`TypeSpace::reserve`] for a name converted from the spec name
    /// `raw`, saying who had the name first.
    pub fn claim(&mut self, raw: &str, candidate: &str) -> (TypeId, Taken) {
        let (name, taken) = self.namer.claim(raw, candidate);
        (self.push(name), taken)
    }

    fn push(&mut self, name: Ident) -> TypeId {
        self.types.push(TypeDef {
            name,
            doc: None,
            // Replaced by `define` before the space is finished.
            kind: TypeKind::Alias(TypeRef::Any),
            usage: Usage::default(),
        });
        TypeId(self.types.len() - 1)
    }

    /// Gives a reserved type its definition.
    pub fn define(&mut self, id: TypeId, doc: Option<String>, kind: TypeKind) {
        self.defined.push(id);
        let t = &mut self.types[id.0];
        t.doc = doc;
        t.kind = kind;
    }

    /// Defines a reserved type that was written inline in the spec. When an
    /// inline definition with the same docs and kind exists already, `id`
    /// is dropped (its name freed) and that type is returned instead: a
    /// schema repeated across operations is generated once.
    pub fn define_inline(&mut self, id: TypeId, doc: Option<String>, kind: TypeKind) -> TypeId {
        let key = format!("{doc:?}{kind:?}");
        if let Some(&existing) = self.inline.get(&key) {
            self.discard(id, existing);
            return existing;
        }
        self.define(id, doc, kind);
        self.inline.insert(key.clone(), id);
        self.inline_key.insert(id, key);
        self.inline_ids.insert(id);
        id
    }

    /// Drops a type nothing refers to any more; `instead` stands in for it
    /// should a reference remain. Its name is free again.
    pub fn discard(&mut self, id: TypeId, instead: TypeId) {
        if let Some(key) = self.inline_key.remove(&id) {
            self.inline.remove(&key);
        }
        let name = self.types[id.0].name.as_str().to_string();
        self.namer.release(&name);
        self.replaced.insert(id, instead);
    }

    /// Replaces the definition of `id`, which stops standing for repeats of
    /// its old content.
    pub fn redefine(&mut self, id: TypeId, kind: TypeKind) {
        if let Some(key) = self.inline_key.remove(&id) {
            self.inline.remove(&key);
        }
        self.types[id.0].kind = kind;
    }

    /// Whether `id` was defined inline (not named by the spec).
    pub fn is_inline(&self, id: TypeId) -> bool {
        self.inline_ids.contains(&id)
    }

    /// Whether `id` was dropped.
    pub fn is_discarded(&self, id: TypeId) -> bool {
        self.replaced.contains_key(&id)
    }

    /// How many types were reserved so far: ids from here on are new.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// A new type, defined at once.
    pub fn add(&mut self, candidate: &str, doc: Option<String>, kind: TypeKind) -> TypeId {
        let id = self.reserve(candidate);
        self.define(id, doc, kind);
        id
    }

    /// A unique name for an item that is not in the arena (a parameter
    /// struct, a form response enum).
    pub fn reserve_name(&mut self, candidate: &str) -> Ident {
        self.namer.unique(candidate)
    }

    pub fn name(&self, id: TypeId) -> &Ident {
        &self.types[id.0].name
    }

    pub fn get(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }
}

/// What a loader produces.
#[derive(Debug)]
pub(crate) struct Draft {
    pub title: String,
    pub version: String,
    pub doc: Option<String>,
    pub environments: Vec<Environment>,
    /// JSON APIs: how requests authenticate (overridden by `paygen.yaml`).
    pub auth: Auth,
    /// Set for form-encoded APIs.
    pub form: Option<FormApi>,
    pub operations: Vec<DraftOperation>,
    pub polls: Vec<Poll>,
    pub space: TypeSpace,
    /// Spec schema names and their types (OpenAPI `components/schemas`).
    pub schemas: IndexMap<String, TypeId>,
}

/// An operation as loaded. For JSON operations `op.wire` is completed from
/// `responses` by [`finish`].
#[derive(Debug)]
pub(crate) struct DraftOperation {
    pub op: Operation,
    pub responses: Vec<Response>,
}

/// The finished model. Settings of `paygen.yaml` that name something in the
/// spec are resolved here and reported in `options_diags` when they name
/// nothing.
pub(crate) fn finish(draft: Draft, opts: &ProviderOptions, options_diags: &mut Diagnostics) -> Api {
    let Draft {
        title,
        version,
        doc,
        environments,
        auth,
        form,
        operations,
        polls,
        mut space,
        schemas,
    } = draft;
    let mut operations = outcomes(operations, &mut space);
    prune(&mut space, &operations, form.as_ref(), &schemas, opts);
    let (mut types, renumber) = space.in_definition_order();
    let mut form = form;
    let mut schemas = schemas;
    renumber_all(
        &renumber,
        &mut types,
        &mut operations,
        form.as_mut(),
        &mut schemas,
    );
    box_cycles(&mut types);
    let protocol = match form {
        Some(form) => Protocol::Form(form),
        None => Protocol::Json(JsonApi {
            auth: opts.auth.clone().unwrap_or(auth),
            idempotency_header: opts.idempotency_header.clone(),
            client_headers: opts.client_headers.clone(),
            retry_on_body: opts.retry_on_body.clone(),
            webhook: opts
                .webhook
                .as_ref()
                .and_then(|w| resolve_webhook(w, &schemas, &types, &operations, options_diags)),
        }),
    };
    let mut api = Api {
        module: opts.module.clone(),
        source: opts.source.clone(),
        title,
        version,
        doc,
        environments,
        protocol,
        operations,
        types,
        polls,
        fake: None,
    };
    usage(&mut api);
    if opts.keep_unknown_fields {
        keep_unknown_fields(&mut api);
    }
    api
}

impl TypeSpace {
    /// The arena in definition order, without the discarded types, and each
    /// old id's new id (a discarded type's is that of its stand-in).
    fn in_definition_order(self) -> (Vec<TypeDef>, Vec<TypeId>) {
        let n = self.types.len();
        let mut seen = vec![false; n];
        for id in self.replaced.keys() {
            seen[id.0] = true;
        }
        let mut order = Vec::with_capacity(n);
        // Reserved but never defined cannot happen; such a type would still
        // be kept, at the end.
        for id in self.defined.into_iter().chain((0..n).map(TypeId)) {
            if !seen[id.0] {
                seen[id.0] = true;
                order.push(id);
            }
        }
        let mut new_id = vec![TypeId(0); n];
        for (new, old) in order.iter().enumerate() {
            new_id[old.0] = TypeId(new);
        }
        for &old in self.replaced.keys() {
            // Follow the chain of stand-ins to a kept type (bounded: every
            // step goes to a type that was kept or discarded later).
            let mut to = old;
            for _ in 0..=self.replaced.len() {
                match self.replaced.get(&to) {
                    Some(&next) if next != to => to = next,
                    _ => break,
                }
            }
            new_id[old.0] = new_id[to.0];
        }
        let mut slots: Vec<Option<TypeDef>> = self.types.into_iter().map(Some).collect();
        let types = order
            .iter()
            // Invariant: `order` holds each index once.
            .map(|id| slots[id.0].take().expect("each type is moved once"))
            .collect();
        (types, new_id)
    }
}

/// Rewrites every type id of the model through `map`.
fn renumber_all(
    map: &[TypeId],
    types: &mut [TypeDef],
    operations: &mut [Operation],
    form: Option<&mut FormApi>,
    schemas: &mut IndexMap<String, TypeId>,
) {
    let id = |i: &mut TypeId| *i = map[i.0];
    fn re(t: &mut TypeRef, map: &[TypeId]) {
        match t {
            TypeRef::Named(i) => *i = map[i.0],
            TypeRef::Vec(inner) | TypeRef::Map(inner) => re(inner, map),
            _ => {}
        }
    }
    let body = |b: &mut BodyType| {
        if let BodyType::Value(t) = b {
            re(t, map);
        }
    };
    for t in types.iter_mut() {
        match &mut t.kind {
            TypeKind::Struct(s) => {
                s.fields.iter_mut().for_each(|f| re(&mut f.ty, map));
                if let Some(a) = &mut s.additional {
                    re(a, map);
                }
            }
            TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| re(&mut v.ty, map)),
            TypeKind::Alias(a) => re(a, map),
            TypeKind::Status(e) => e
                .variants
                .iter_mut()
                .filter_map(|v| v.body.as_mut())
                .for_each(body),
            TypeKind::Enum(_) => {}
        }
    }
    for op in operations.iter_mut() {
        op.params.iter_mut().for_each(|p| re(&mut p.ty, map));
        if let Some(b) = &mut op.body {
            body(&mut b.ty);
        }
        match &mut op.wire {
            OperationWire::Json(j) => {
                j.responses
                    .iter_mut()
                    .filter_map(|r| r.body.as_mut())
                    .for_each(body);
                match &mut j.success {
                    Success::Single { body: b, .. } => body(b),
                    Success::Enum(i) => id(i),
                    Success::Empty => {}
                }
                match &mut j.error {
                    ErrorType::Single(t) => re(t, map),
                    ErrorType::Enum { ty, .. } => id(ty),
                    ErrorType::None => {}
                }
            }
            OperationWire::Form(f) => f.variants.iter_mut().for_each(|v| id(&mut v.ty)),
        }
    }
    if let Some(f) = form {
        if let Some(e) = &mut f.error {
            id(&mut e.ty);
        }
        if let Some(n) = &mut f.notification {
            id(&mut n.ty);
        }
    }
    schemas.values_mut().for_each(id);
}

/// Drops the inline types nothing uses any more (forms of a union that
/// were merged into one); every other type is kept.
fn prune(
    space: &mut TypeSpace,
    operations: &[Operation],
    form: Option<&FormApi>,
    schemas: &IndexMap<String, TypeId>,
    opts: &ProviderOptions,
) {
    if space.inline_ids.is_empty() {
        return;
    }
    let mut stack: Vec<TypeId> = schemas.values().copied().collect();
    // Only inline types can go: every other one is a root.
    stack.extend(
        (0..space.types.len())
            .map(TypeId)
            .filter(|id| !space.inline_ids.contains(id) && !space.is_discarded(*id)),
    );
    if let Some(w) = &opts.webhook {
        stack.extend(
            (0..space.types.len())
                .map(TypeId)
                .filter(|id| space.types[id.0].name.as_str() == w.event),
        );
    }
    let body = |b: &BodyType, out: &mut Vec<TypeId>| {
        if let BodyType::Value(t) = b {
            all_refs(t, out);
        }
    };
    for op in operations {
        op.params.iter().for_each(|p| all_refs(&p.ty, &mut stack));
        if let Some(b) = &op.body {
            body(&b.ty, &mut stack);
        }
        match &op.wire {
            OperationWire::Json(j) => {
                for r in &j.responses {
                    if let Some(b) = &r.body {
                        body(b, &mut stack);
                    }
                }
                match &j.success {
                    Success::Single { body: b, .. } => body(b, &mut stack),
                    Success::Enum(id) => stack.push(*id),
                    Success::Empty => {}
                }
                match &j.error {
                    ErrorType::Single(t) => all_refs(t, &mut stack),
                    ErrorType::Enum { ty, .. } => stack.push(*ty),
                    ErrorType::None => {}
                }
            }
            OperationWire::Form(f) => stack.extend(f.variants.iter().map(|v| v.ty)),
        }
    }
    if let Some(f) = form {
        stack.extend(f.error.as_ref().map(|e| e.ty));
        stack.extend(f.notification.as_ref().map(|n| n.ty));
    }
    let mut seen = vec![false; space.types.len()];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.0], true) {
            continue;
        }
        kind_refs(&space.types[id.0].kind, &mut stack);
    }
    let unused: Vec<TypeId> = space
        .inline_ids
        .iter()
        .copied()
        .filter(|id| !seen[id.0] && !space.is_discarded(*id))
        .collect();
    for id in unused {
        // Nothing refers to it: it stands in for itself.
        space.discard(id, id);
    }
}

/// Every named type a definition mentions, at any depth.
fn kind_refs(kind: &TypeKind, out: &mut Vec<TypeId>) {
    match kind {
        TypeKind::Struct(s) => {
            s.fields.iter().for_each(|f| all_refs(&f.ty, out));
            if let Some(a) = &s.additional {
                all_refs(a, out);
            }
        }
        TypeKind::Union(u) => u.variants.iter().for_each(|v| all_refs(&v.ty, out)),
        TypeKind::Alias(a) => all_refs(a, out),
        TypeKind::Status(e) => {
            for v in &e.variants {
                if let Some(BodyType::Value(t)) = &v.body {
                    all_refs(t, out);
                }
            }
        }
        TypeKind::Enum(_) => {}
    }
}

/// Success and error types of every JSON operation. Error enums are shared
/// by the operations whose error responses are the same; each is named
/// after its variants (`BadRequestNotFoundOtherError`), so that adding or
/// reordering operations renames nothing, and every operation gets its own
/// alias (`GetPurchaseError`).
fn outcomes(drafts: Vec<DraftOperation>, space: &mut TypeSpace) -> Vec<Operation> {
    type Key = Vec<(StatusMatch, Option<BodyType>)>;
    let mut groups: BTreeMap<String, Vec<(Key, Vec<usize>)>> = BTreeMap::new();
    let mut ops = Vec::with_capacity(drafts.len());
    for DraftOperation { mut op, responses } in drafts {
        if let OperationWire::Form(_) = op.wire {
            ops.push(op);
            continue;
        }
        let success = success_of(&op, &responses, space);
        let errors: Key = responses
            .iter()
            .filter(|r| !r.status.is_success())
            .map(|r| (r.status, r.body.clone()))
            .collect();
        let distinct: BTreeSet<&Option<BodyType>> = errors.iter().map(|(_, b)| b).collect();
        let error = match distinct.into_iter().collect::<Vec<_>>().as_slice() {
            [] | [None] | [Some(BodyType::Bytes | BodyType::Text)] => ErrorType::None,
            [Some(BodyType::Value(ty))] => ErrorType::Single(ty.clone()),
            _ => {
                let name = errors
                    .iter()
                    .map(|(s, _)| status_name(*s, false))
                    .collect::<String>();
                let slot = groups.entry(name).or_default();
                match slot.iter_mut().find(|(k, _)| *k == errors) {
                    Some((_, users)) => users.push(ops.len()),
                    None => slot.push((errors.clone(), vec![ops.len()])),
                }
                // Set below, once every operation is known.
                ErrorType::None
            }
        };
        op.wire = OperationWire::Json(JsonOperation {
            responses,
            success,
            error,
        });
        ops.push(op);
    }
    // Names in content order, so that they do not depend on operation order.
    for (stem, variants) in groups {
        for (key, users) in variants {
            let status_variants = key
                .iter()
                .map(|(status, body)| StatusVariant {
                    rust: Ident::new(status_name(*status, false)),
                    status: *status,
                    body: body.clone(),
                    doc: None,
                })
                .collect();
            let id = space.add(
                &format!("{stem}Error"),
                None,
                TypeKind::Status(StatusEnum {
                    errors: true,
                    variants: status_variants,
                }),
            );
            // Variant docs come from the first user's responses.
            if let Some(OperationWire::Json(j)) = users.first().map(|&u| &ops[u].wire) {
                let docs: Vec<Option<String>> = j
                    .responses
                    .iter()
                    .filter(|r| !r.status.is_success())
                    .map(|r| r.doc.clone())
                    .collect();
                if let TypeKind::Status(e) = &mut space.types[id.0].kind {
                    for (v, d) in e.variants.iter_mut().zip(docs) {
                        v.doc = d;
                    }
                }
            }
            for u in users {
                let alias = space.reserve_name(&format!("{}Error", ops[u].type_name));
                if let OperationWire::Json(j) = &mut ops[u].wire {
                    j.error = ErrorType::Enum {
                        ty: id,
                        alias: Some(alias),
                    };
                }
            }
        }
    }
    ops
}

fn success_of(op: &Operation, responses: &[Response], space: &mut TypeSpace) -> Success {
    let ok: Vec<&Response> = responses.iter().filter(|r| r.status.is_success()).collect();
    let bodies: BTreeSet<&BodyType> = ok.iter().filter_map(|r| r.body.as_ref()).collect();
    let mut bodies = bodies.into_iter();
    match (bodies.next(), bodies.next()) {
        (None, _) => Success::Empty,
        (Some(body), None) => Success::Single {
            body: body.clone(),
            optional: ok.iter().any(|r| r.body.is_none()),
        },
        (Some(_), Some(_)) => {
            let variants = ok
                .iter()
                .map(|r| StatusVariant {
                    rust: Ident::new(status_name(r.status, true)),
                    status: r.status,
                    body: r.body.clone(),
                    doc: r.doc.clone(),
                })
                .collect();
            Success::Enum(space.add(
                &format!("{}Response", op.type_name),
                None,
                TypeKind::Status(StatusEnum {
                    errors: false,
                    variants,
                }),
            ))
        }
    }
}

/// A readable variant name for a status: `NotFound`, `Created`, `Status418`.
pub(crate) fn status_name(status: StatusMatch, success: bool) -> String {
    let known = match status {
        StatusMatch::Code(c) => match c {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "NonAuthoritative",
            204 => "NoContent",
            206 => "PartialContent",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            408 => "RequestTimeout",
            409 => "Conflict",
            410 => "Gone",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            422 => "UnprocessableEntity",
            423 => "Locked",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            _ => return format!("Status{c}"),
        },
        StatusMatch::Range(r) => return format!("Status{r}xx"),
        StatusMatch::Default => {
            return if success {
                "Default".into()
            } else {
                "Other".into()
            }
        }
    };
    known.to_string()
}

/// The named types a reference mentions directly (not through a list or
/// map, which hold their items on the heap).
fn inline_refs(ty: &TypeRef, out: &mut Vec<TypeId>) {
    if let TypeRef::Named(id) = ty {
        out.push(*id);
    }
}

/// Every named type a reference mentions, at any depth.
fn all_refs(ty: &TypeRef, out: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Named(id) => out.push(*id),
        TypeRef::Vec(t) | TypeRef::Map(t) => all_refs(t, out),
        _ => {}
    }
}

/// Marks fields whose type leads back to the containing type without passing
/// through a `Vec` or map, which would make the type infinitely large.
fn box_cycles(types: &mut [TypeDef]) {
    let edges: Vec<Vec<TypeId>> = types
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().for_each(|f| inline_refs(&f.ty, &mut out)),
                TypeKind::Union(u) => u.variants.iter().for_each(|v| inline_refs(&v.ty, &mut out)),
                TypeKind::Alias(a) => inline_refs(a, &mut out),
                TypeKind::Enum(_) | TypeKind::Status(_) => {}
            }
            out
        })
        .collect();
    let reaches = |from: TypeId, to: TypeId| -> bool {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(edges[n.0].iter().copied());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (ti, t) in types.iter().enumerate() {
        if let TypeKind::Struct(s) = &t.kind {
            for (fi, f) in s.fields.iter().enumerate() {
                if let TypeRef::Named(n) = &f.ty {
                    if reaches(*n, TypeId(ti)) {
                        to_box.push((ti, fi));
                    }
                }
            }
        }
    }
    for (ti, fi) in to_box {
        if let TypeKind::Struct(s) = &mut types[ti].kind {
            s.fields[fi].boxed = true;
        }
    }
}

/// Records in [`TypeDef::usage`] where each type travels.
fn usage(api: &mut Api) {
    let mut sent: Vec<TypeId> = Vec::new();
    let mut received: Vec<TypeId> = Vec::new();
    let body_refs = |b: &BodyType, out: &mut Vec<TypeId>| {
        if let BodyType::Value(t) = b {
            all_refs(t, out);
        }
    };
    for op in &api.operations {
        for p in &op.params {
            all_refs(&p.ty, &mut sent);
        }
        if let Some(b) = &op.body {
            body_refs(&b.ty, &mut sent);
        }
        match &op.wire {
            OperationWire::Json(j) => {
                for r in &j.responses {
                    if let Some(b) = &r.body {
                        body_refs(b, &mut received);
                    }
                }
                if let Success::Enum(id) = &j.success {
                    received.push(*id);
                }
                if let ErrorType::Enum { ty, .. } = &j.error {
                    received.push(*ty);
                }
            }
            OperationWire::Form(f) => received.extend(f.variants.iter().map(|v| v.ty)),
        }
    }
    let mut form_bodies = Vec::new();
    let mut key_values = Vec::new();
    match &api.protocol {
        Protocol::Json(j) => {
            if let Some(w) = &j.webhook {
                received.push(w.event);
            }
        }
        Protocol::Form(f) => {
            if let Some(e) = &f.error {
                received.push(e.ty);
                key_values.push(e.ty);
            }
            if let Some(n) = &f.notification {
                received.push(n.ty);
                key_values.push(n.ty);
            }
            for op in &api.operations {
                if let OperationWire::Form(fo) = &op.wire {
                    key_values.extend(fo.variants.iter().map(|v| v.ty));
                    if let Some(Body {
                        ty: BodyType::Value(TypeRef::Named(id)),
                        ..
                    }) = &op.body
                    {
                        form_bodies.push(*id);
                    }
                }
            }
        }
    }
    let reach = |start: Vec<TypeId>, types: &[TypeDef]| -> BTreeSet<TypeId> {
        let mut seen = BTreeSet::new();
        let mut stack = start;
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            match &types[id.0].kind {
                TypeKind::Struct(s) => {
                    for f in &s.fields {
                        all_refs(&f.ty, &mut stack);
                    }
                    if let Some(a) = &s.additional {
                        all_refs(a, &mut stack);
                    }
                }
                TypeKind::Union(u) => u.variants.iter().for_each(|v| all_refs(&v.ty, &mut stack)),
                TypeKind::Alias(a) => all_refs(a, &mut stack),
                TypeKind::Status(e) => {
                    for v in &e.variants {
                        if let Some(BodyType::Value(t)) = &v.body {
                            all_refs(t, &mut stack);
                        }
                    }
                }
                TypeKind::Enum(_) => {}
            }
        }
        seen
    };
    let sent = reach(sent, &api.types);
    let received = reach(received, &api.types);
    let mut items = Vec::new();
    for id in &form_bodies {
        if let TypeKind::Struct(s) = &api.types[id.0].kind {
            for f in s.fields.iter().filter(|f| f.layout == FieldLayout::Indexed) {
                if let TypeRef::Vec(inner) = &f.ty {
                    inline_refs(inner, &mut items);
                }
            }
        }
    }
    for (i, t) in api.types.iter_mut().enumerate() {
        let id = TypeId(i);
        t.usage = Usage {
            request: sent.contains(&id),
            response: received.contains(&id),
            form_body: form_bodies.contains(&id),
            form_item: items.contains(&id),
            key_values: key_values.contains(&id),
        };
    }
}

/// `keep-unknown-fields`: every struct a response carries keeps the
/// properties the spec does not declare in a flattened `additional` map.
fn keep_unknown_fields(api: &mut Api) {
    for t in &mut api.types {
        if let TypeKind::Struct(s) = &mut t.kind {
            if t.usage.response && s.additional.is_none() {
                s.additional = Some(TypeRef::Any);
            }
        }
    }
}

/// `webhook:` of paygen.yaml against the spec: the event schema (by spec
/// name or Rust name) and the public-key operation (by operationId or
/// method name). A name that matches nothing is an error at its line.
fn resolve_webhook(
    w: &super::WebhookOptions,
    schemas: &IndexMap<String, TypeId>,
    types: &[TypeDef],
    operations: &[Operation],
    diags: &mut Diagnostics,
) -> Option<Webhook> {
    let event = schemas.get(&w.event).copied().or_else(|| {
        types
            .iter()
            .position(|t| t.name.as_str() == w.event)
            .map(TypeId)
    });
    let Some(event) = event else {
        let known: Vec<&str> = schemas.keys().map(String::as_str).take(12).collect();
        diags.error(
            "/webhook/event",
            format!(
                "`{}` names no schema of the spec; expected one of {known:?}{}",
                w.event,
                if schemas.len() > known.len() {
                    " …"
                } else {
                    ""
                }
            ),
        );
        return None;
    };
    let signature = match w.signature {
        super::WebhookScheme::HmacSha256 => {
            if w.public_key_operation.is_some() {
                diags.error(
                    "/webhook/public-key-operation",
                    "`public-key-operation` applies to `signature: rsa-sha256` only",
                );
            }
            WebhookSignature::HmacSha256 {
                header: w.header.clone(),
                key_id_header: w.key_id_header.clone(),
            }
        }
        super::WebhookScheme::RsaSha256 => {
            if w.key_id_header.is_some() {
                diags.error(
                    "/webhook/key-id-header",
                    "`key-id-header` applies to `signature: hmac-sha256` only",
                );
            }
            let key_operation = match &w.public_key_operation {
                None => None,
                Some(k) => {
                    let found = operations
                        .iter()
                        .position(|o| &o.id == k || o.name.as_str() == k);
                    if found.is_none() {
                        let known: Vec<&str> = operations.iter().map(|o| o.id.as_str()).collect();
                        diags.error(
                            "/webhook/public-key-operation",
                            format!("`{k}` names no operation; expected an operationId or method name, one of {known:?}"),
                        );
                    }
                    found.map(OperationId)
                }
            };
            WebhookSignature::RsaSha256 {
                header: w.header.clone(),
                key_operation,
            }
        }
    };
    if let Some(op) = operations.iter().find(|o| {
        matches!(&w.signature, super::WebhookScheme::RsaSha256)
            && w.public_key_operation
                .as_deref()
                .is_some_and(|k| o.id == k || o.name.as_str() == k)
    }) {
        // The verifier is built from the operation's text answer.
        let mut answer = match &op.wire {
            OperationWire::Json(JsonOperation {
                success:
                    Success::Single {
                        body,
                        optional: false,
                    },
                ..
            }) => Some(body.clone()),
            _ => None,
        };
        // Through aliases (`PublicKey = String`).
        while let Some(BodyType::Value(TypeRef::Named(id))) = &answer {
            answer = match &types[id.0].kind {
                TypeKind::Alias(t) => Some(BodyType::Value(t.clone())),
                _ => None,
            };
        }
        let ok = matches!(
            answer,
            Some(BodyType::Value(TypeRef::Prim(Prim::String)) | BodyType::Text)
        ) && op.params.is_empty()
            && op.body.is_none();
        if !ok {
            diags.error(
                "/webhook/public-key-operation",
                format!(
                    "`{}` must take no parameters and answer the PEM key as a string",
                    op.id
                ),
            );
            return None;
        }
    }
    Some(Webhook { event, signature })
}
