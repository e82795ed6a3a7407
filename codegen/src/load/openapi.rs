//! OpenAPI 3.0 (and 3.1, normalised by [`super::normalize`]) → [`Draft`].
//!
//! Every problem becomes a [`Diagnostics`] entry with a JSON pointer; the
//! loader keeps going where it can so that one run reports all of them.
//! Every schema is converted once, at its own pointer, and referenced from
//! everywhere it is used (shared responses, parameters and request bodies,
//! `allOf` merges); an inline schema written out again elsewhere with the
//! same content becomes the same type.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr,
    Schema, SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::diag::{join, Diagnostics};
use crate::model::*;
use crate::names::{self, camel, snake, Namer, Taken};

use super::finish::{Draft, DraftOperation, TypeSpace};
use super::ProviderOptions;

/// What a schema converts to when used from a field, parameter or body.
#[derive(Debug, Clone)]
struct Conv {
    ty: TypeRef,
    nullable: bool,
    read_only: bool,
    write_only: bool,
    doc: Option<String>,
    constraints: Constraints,
}

impl Conv {
    fn of(ty: TypeRef) -> Self {
        Conv {
            ty,
            nullable: false,
            read_only: false,
            write_only: false,
            doc: None,
            constraints: Constraints::default(),
        }
    }
}

struct Loader<'a> {
    doc: &'a OpenAPI,
    diags: &'a mut Diagnostics,
    /// Component schema key → its type.
    schema_ids: IndexMap<String, TypeId>,
    space: TypeSpace,
    /// Component schemas being merged by allOf right now (cycle detection).
    merging: Vec<String>,
    /// Pointers already warned about (a schema merged into several others
    /// through allOf is reported once).
    warned: BTreeSet<String>,
    /// Inline schemas already converted, by pointer.
    converted: HashMap<String, Conv>,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Converts a parsed document into a draft of the model.
pub(crate) fn load(doc: &OpenAPI, opts: &ProviderOptions, diags: &mut Diagnostics) -> Draft {
    let mut loader = Loader {
        doc,
        diags,
        schema_ids: IndexMap::new(),
        space: TypeSpace::new(&opts.reserved_types),
        merging: Vec::new(),
        warned: BTreeSet::new(),
        converted: HashMap::new(),
    };
    let schemas = doc.components.as_ref().map(|c| &c.schemas);
    // Names first, so that references resolve whatever the order.
    for key in schemas.into_iter().flat_map(|s| s.keys()) {
        let mut candidate = camel(key, "Schema");
        if names::RESERVED_TYPES.contains(&candidate.as_str()) {
            candidate.push_str("Model");
        }
        let (id, taken) = loader.space.claim(key, &candidate);
        if let Taken::By(first) = taken {
            let name = loader.space.name(id).clone();
            loader.diags.warning(
                join("/components/schemas", key),
                format!(
                    "schemas `{first}` and `{key}` both become the Rust type `{candidate}`; \
                     `{key}` is generated as `{name}` (rename one schema to choose the names)"
                ),
            );
        }
        loader.schema_ids.insert(key.clone(), id);
    }
    for (key, schema) in schemas.into_iter().flatten() {
        let id = loader.schema_ids[key];
        let ptr = join("/components/schemas", key);
        loader.define_component(id, schema, &ptr);
    }
    let operations = loader.operations();
    let environments = loader.servers();
    let auth = match &opts.auth {
        Some(a) => a.clone(),
        None => loader.auth_from_security(),
    };
    let Loader {
        space, schema_ids, ..
    } = loader;
    Draft {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        doc: doc.info.description.clone(),
        environments,
        auth,
        form: None,
        operations,
        polls: Vec::new(),
        space,
        schemas: schema_ids,
    }
}

impl<'a> Loader<'a> {
    // ---------------------------------------------------------------- schemas

    fn resolve_schema_ref(&mut self, reference: &str, ptr: &str) -> Option<(String, TypeId)> {
        match reference.strip_prefix(SCHEMA_PREFIX) {
            Some(key) => {
                let key = unescape_pointer(key);
                match self.schema_ids.get(&key) {
                    Some(id) => Some((key, *id)),
                    None => {
                        self.diags.error(
                            ptr,
                            format!("$ref `{reference}` points at no schema in components/schemas"),
                        );
                        None
                    }
                }
            }
            None if reference.starts_with('#') => {
                self.diags.error(
                    ptr,
                    format!(
                        "$ref `{reference}` must point into #/components/schemas/ \
                         to be used as a schema"
                    ),
                );
                None
            }
            None => {
                let why = if reference.contains("://") {
                    "documents at URLs are not fetched"
                } else {
                    "other files are read only beside a document loaded from its file"
                };
                self.diags.error(
                    ptr,
                    format!(
                        "external $ref `{reference}` cannot be resolved: {why}; bundle the \
                         document into one file first"
                    ),
                );
                None
            }
        }
    }

    /// A `$ref` to a schema inside a component
    /// (`#/components/schemas/Event/properties/items`): the schema at that
    /// pointer, converted once under its own pointer, so the component and
    /// every reference to it share one type.
    fn convert_nested_ref(&mut self, reference: &str, ref_ptr: &str) -> Conv {
        let Some((name, found)) = self.nested_target(reference, ref_ptr) else {
            return Conv::of(TypeRef::Any);
        };
        let target = reference.trim_start_matches('#');
        self.merging.push(target.to_string());
        let conv = match &found {
            ReferenceOr::Item(schema) => self.convert_schema(schema, &name, target),
            reference @ ReferenceOr::Reference { .. } => self.convert(reference, "", target),
        };
        self.merging.pop();
        conv
    }

    /// What a nested schema `$ref` points at (a schema, or a `$ref` to a
    /// component), with a name for an inline type made from it; `None`
    /// after reporting why it cannot be used. The caller puts the target on
    /// `merging` while it works on it, so a pointer back into itself is
    /// caught here.
    fn nested_target(
        &mut self,
        reference: &str,
        ref_ptr: &str,
    ) -> Option<(String, ReferenceOr<Schema>)> {
        let target = reference.trim_start_matches('#');
        if self.merging.iter().any(|m| m == target) {
            self.diags.error(
                ref_ptr,
                format!("$ref `{reference}` refers back into itself; make it a component"),
            );
            return None;
        }
        let rest = &reference[SCHEMA_PREFIX.len()..];
        let (key, inner) = rest.split_once('/').unwrap_or((rest, ""));
        let key = unescape_pointer(key);
        let Some(component) = self.component_schema(&key) else {
            self.diags.error(
                ref_ptr,
                format!(
                    "$ref `{reference}` points into `{key}`, which is not in components/schemas"
                ),
            );
            return None;
        };
        let found = serde_json::to_value(component)
            .ok()
            .and_then(|v| v.pointer(&format!("/{inner}")).cloned())
            .and_then(|v| serde_json::from_value::<ReferenceOr<Schema>>(v).ok());
        match found {
            Some(ReferenceOr::Reference { reference: next }) if is_nested_schema_ref(&next) => {
                self.diags.error(
                    ref_ptr,
                    format!(
                        "$ref `{reference}` leads to another reference inside a component, which is \
                         not followed; refer to a component of components/schemas instead"
                    ),
                );
                None
            }
            Some(found) => {
                // Named like the inline type the component itself would make.
                let component_name = self.space.name(self.schema_ids[&key]).as_str().to_string();
                let words: Vec<String> = inner
                    .split('/')
                    .map(unescape_pointer)
                    .filter(|w| !matches!(w.as_str(), "properties" | "allOf" | "oneOf" | "anyOf"))
                    .collect();
                Some((format!("{component_name} {}", words.join(" ")), found))
            }
            None => {
                self.diags.error(
                    ref_ptr,
                    format!("$ref `{reference}` points at no schema inside `{key}`"),
                );
                None
            }
        }
    }

    fn component_schema(&self, key: &str) -> Option<&'a ReferenceOr<Schema>> {
        self.doc.components.as_ref()?.schemas.get(key)
    }

    /// The schema a `#/components/schemas/…` reference names, when that
    /// component is a schema itself rather than another reference.
    fn referenced_schema(&self, reference: &str) -> Option<&'a Schema> {
        let key = unescape_pointer(reference.strip_prefix(SCHEMA_PREFIX)?);
        match self.component_schema(&key)? {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { .. } => None,
        }
    }

    fn define_component(&mut self, id: TypeId, schema: &ReferenceOr<Schema>, ptr: &str) {
        if let Some((chain, at)) = self.alias_cycle(schema) {
            let at = at.iter().fold(ptr.to_string(), |p, seg| join(&p, seg));
            self.diags.error(
                at,
                format!(
                    "allOf cycle {}: a schema cannot include itself; refer to it from a \
                     property instead",
                    chain.join(" → ")
                ),
            );
            self.space.define(id, None, TypeKind::Alias(TypeRef::Any));
            return;
        }
        match schema {
            ReferenceOr::Reference { reference } => {
                let ty = self
                    .resolve_schema_ref(reference, &join(ptr, "$ref"))
                    .map_or(TypeRef::Any, |(_, t)| TypeRef::Named(t));
                self.space.define(id, None, TypeKind::Alias(ty));
            }
            ReferenceOr::Item(s) => {
                if is_definition(s) {
                    let name = self.space.name(id).as_str().to_string();
                    let kind = self.build_kind(s, &name, ptr);
                    self.space.define(id, describe(s), kind);
                } else {
                    let name = self.space.name(id).as_str().to_string();
                    let conv = self.convert_schema(s, &name, ptr);
                    self.space.define(id, describe(s), TypeKind::Alias(conv.ty));
                }
            }
        }
    }

    /// The component a schema is another name for (a `$ref`, or a `$ref`
    /// with annotations), and where that reference is, relative to it.
    fn alias_of(&self, s: &'a ReferenceOr<Schema>) -> Option<(String, Vec<String>)> {
        let (reference, at) = match s {
            ReferenceOr::Reference { reference } => (reference, vec!["$ref".to_string()]),
            ReferenceOr::Item(s) => {
                let a = annotated_ref(s)?;
                match a.member {
                    ReferenceOr::Reference { reference } => {
                        let at = vec!["allOf".into(), a.index.to_string(), "$ref".into()];
                        (reference, at)
                    }
                    ReferenceOr::Item(_) => return None,
                }
            }
        };
        let key = unescape_pointer(reference.strip_prefix(SCHEMA_PREFIX)?);
        Some((key, at))
    }

    /// Component names that only name each other in a circle (`A` is `B`
    /// annotated, `B` is `A`), which no type can be, starting at `schema`;
    /// with where `schema`'s own reference is.
    fn alias_cycle(&self, schema: &'a ReferenceOr<Schema>) -> Option<(Vec<String>, Vec<String>)> {
        let (mut key, at) = self.alias_of(schema)?;
        let mut chain: Vec<String> = Vec::new();
        // Each step goes to another component; more steps than there are
        // components means a circle that does not pass through `schema`.
        for _ in 0..=self.schema_ids.len() {
            let target = self.component_schema(&key)?;
            if std::ptr::eq(target, schema) {
                // `key` is `schema`'s own name: X → … → X.
                chain.insert(0, key.clone());
                chain.push(key);
                return Some((chain, at));
            }
            chain.push(key.clone());
            key = self.alias_of(target)?.0;
        }
        None
    }

    fn convert(&mut self, s: &ReferenceOr<Schema>, ctx: &str, ptr: &str) -> Conv {
        match s {
            ReferenceOr::Reference { reference } if is_nested_schema_ref(reference) => {
                self.convert_nested_ref(reference, &join(ptr, "$ref"))
            }
            ReferenceOr::Reference { reference } => {
                match self.resolve_schema_ref(reference, &join(ptr, "$ref")) {
                    Some((_, id)) => Conv::of(TypeRef::Named(id)),
                    None => Conv::of(TypeRef::Any),
                }
            }
            ReferenceOr::Item(s) => self.convert_schema(s, ctx, ptr),
        }
    }

    fn convert_boxed(&mut self, s: &ReferenceOr<Box<Schema>>, ctx: &str, ptr: &str) -> Conv {
        match s {
            ReferenceOr::Reference { reference } => self.convert(
                &ReferenceOr::Reference {
                    reference: reference.clone(),
                },
                ctx,
                ptr,
            ),
            ReferenceOr::Item(b) => self.convert_schema(b, ctx, ptr),
        }
    }

    /// Converts the schema at `ptr` once: a schema reached again (through a
    /// shared response, parameter or request body, or an `allOf` that
    /// merges a component's properties) is the same type every time.
    fn convert_schema(&mut self, s: &Schema, ctx: &str, ptr: &str) -> Conv {
        if let Some(c) = self.converted.get(ptr) {
            return c.clone();
        }
        let c = self.convert_new(s, ctx, ptr);
        self.converted.insert(ptr.to_string(), c.clone());
        c
    }

    fn convert_new(&mut self, s: &Schema, ctx: &str, ptr: &str) -> Conv {
        let data = &s.schema_data;
        // `allOf: [$ref]` next to description/nullable/readOnly (or type,
        // format, bounds) is the 3.0 way to annotate a reference: it is the
        // referenced type, annotated. Annotation-only allOf members count
        // as siblings.
        if let Some(a) = annotated_ref(s) {
            let mut inner = self.convert(
                a.member,
                ctx,
                &join(&join(ptr, "allOf"), &a.index.to_string()),
            );
            inner.nullable |= data.nullable || a.nullable;
            inner.read_only |= data.read_only || a.read_only;
            inner.write_only |= data.write_only || a.write_only;
            inner.doc = describe(s).or(a.doc).or(inner.doc);
            return inner;
        }
        let mut conv = Conv::of(TypeRef::Any);
        conv.nullable = data.nullable;
        conv.read_only = data.read_only;
        conv.write_only = data.write_only;
        conv.doc = describe(s);
        if is_definition(s) {
            let id = self.space.reserve(&camel(ctx, "Inline"));
            let name = self.space.name(id).as_str().to_string();
            let kind = self.build_kind(s, &name, ptr);
            conv.ty = TypeRef::Named(self.space.define_inline(id, describe(s), kind));
            return conv;
        }
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                conv.constraints.min_length = st.min_length.map(|v| v as u64);
                conv.constraints.max_length = st.max_length.map(|v| v as u64);
                conv.constraints.pattern = st.pattern.clone();
                conv.ty = TypeRef::Prim(match &st.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Prim::DateTime,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Prim::Date,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Prim::Bytes,
                    // A number carried as a string: exact, never a float.
                    VariantOrUnknownOrEmpty::Unknown(f)
                        if matches!(f.as_str(), "float" | "double" | "decimal" | "number") =>
                    {
                        Prim::DecimalText
                    }
                    VariantOrUnknownOrEmpty::Unknown(f) => {
                        conv.constraints.format = Some(f.clone());
                        Prim::String
                    }
                    _ => Prim::String,
                });
            }
            SchemaKind::Type(Type::Integer(it)) => {
                // For integers an exclusive bound is the next integer in.
                conv.constraints.minimum = it.minimum.map(|v| {
                    Bound::Inclusive(v.saturating_add(i64::from(it.exclusive_minimum)) as f64)
                });
                conv.constraints.maximum = it.maximum.map(|v| {
                    Bound::Inclusive(v.saturating_sub(i64::from(it.exclusive_maximum)) as f64)
                });
                conv.ty = TypeRef::Prim(match &it.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => Prim::I32,
                    _ => Prim::I64,
                });
            }
            SchemaKind::Type(Type::Number(nt)) => {
                conv.constraints.minimum = nt.minimum.map(|v| Bound::new(v, nt.exclusive_minimum));
                conv.constraints.maximum = nt.maximum.map(|v| Bound::new(v, nt.exclusive_maximum));
                conv.ty = TypeRef::Prim(Prim::F64);
            }
            SchemaKind::Type(Type::Boolean(_)) => conv.ty = TypeRef::Prim(Prim::Bool),
            SchemaKind::Type(Type::Array(at)) => {
                conv.constraints.min_items = at.min_items.map(|v| v as u64);
                conv.constraints.max_items = at.max_items.map(|v| v as u64);
                let item = match &at.items {
                    Some(items) => {
                        self.convert_boxed(items, &format!("{ctx} item"), &join(ptr, "items"))
                            .ty
                    }
                    None => TypeRef::Any,
                };
                conv.ty = TypeRef::Vec(Box::new(item));
            }
            SchemaKind::Type(Type::Object(ot)) => {
                conv.ty = self.map_type(ot.additional_properties.as_ref(), ctx, ptr);
            }
            SchemaKind::Any(any) => {
                if any.typ.is_none()
                    && !any.enumeration.is_empty()
                    && string_enum_values(any).is_none()
                {
                    self.diags.warning(
                        join(ptr, "enum"),
                        "enum mixes strings with other values, which no Rust enum of strings can hold; it is generated as a JSON value (`serde_json::Value`)",
                    );
                }
                conv.constraints.min_length = any.min_length.map(|v| v as u64);
                conv.constraints.max_length = any.max_length.map(|v| v as u64);
                conv.constraints.minimum = any
                    .minimum
                    .map(|v| Bound::new(v, any.exclusive_minimum.unwrap_or(false)));
                conv.constraints.maximum = any
                    .maximum
                    .map(|v| Bound::new(v, any.exclusive_maximum.unwrap_or(false)));
                conv.constraints.pattern = any.pattern.clone();
                conv.ty = match any.typ.as_deref() {
                    Some("string") => TypeRef::Prim(match any.format.as_deref() {
                        Some("date-time") => Prim::DateTime,
                        Some("date") => Prim::Date,
                        Some("binary") => Prim::Bytes,
                        Some("float" | "double" | "decimal" | "number") => Prim::DecimalText,
                        _ => Prim::String,
                    }),
                    Some("integer") => TypeRef::Prim(match any.format.as_deref() {
                        Some("int32") => Prim::I32,
                        _ => Prim::I64,
                    }),
                    Some("number") => TypeRef::Prim(Prim::F64),
                    Some("boolean") => TypeRef::Prim(Prim::Bool),
                    Some("array") => {
                        let item = match &any.items {
                            Some(items) => {
                                self.convert_boxed(
                                    items,
                                    &format!("{ctx} item"),
                                    &join(ptr, "items"),
                                )
                                .ty
                            }
                            None => TypeRef::Any,
                        };
                        TypeRef::Vec(Box::new(item))
                    }
                    Some("object") => self.map_type(any.additional_properties.as_ref(), ctx, ptr),
                    None => match &any.items {
                        Some(items) => {
                            let item = self
                                .convert_boxed(items, &format!("{ctx} item"), &join(ptr, "items"))
                                .ty;
                            TypeRef::Vec(Box::new(item))
                        }
                        None if any.additional_properties.is_some() => {
                            self.map_type(any.additional_properties.as_ref(), ctx, ptr)
                        }
                        None => TypeRef::Any,
                    },
                    Some(other) => {
                        self.diags.warning(
                            join(ptr, "type"),
                            format!(
                                "unknown type `{other}`; expected string, number, integer, \
                                 boolean, array or object. The value is read as untyped JSON \
                                 (`serde_json::Value`)"
                            ),
                        );
                        TypeRef::Any
                    }
                };
            }
            SchemaKind::Not { .. } => {
                self.diags.warning(
                    join(ptr, "not"),
                    "`not` schemas are not supported; the value is kept as untyped JSON",
                );
            }
            // Definitions were handled above.
            SchemaKind::OneOf { .. } | SchemaKind::AllOf { .. } | SchemaKind::AnyOf { .. } => {}
        }
        conv
    }

    fn map_type(&mut self, ap: Option<&AdditionalProperties>, ctx: &str, ptr: &str) -> TypeRef {
        match ap {
            Some(AdditionalProperties::Schema(s)) => {
                let v = self.convert(
                    s,
                    &format!("{ctx} value"),
                    &join(ptr, "additionalProperties"),
                );
                TypeRef::Map(Box::new(v.ty))
            }
            _ => TypeRef::Object,
        }
    }

    fn build_kind(&mut self, s: &Schema, name: &str, ptr: &str) -> TypeKind {
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) if !st.enumeration.is_empty() => {
                let values: Vec<&str> = st
                    .enumeration
                    .iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                TypeKind::Enum(enum_of(&values))
            }
            SchemaKind::Any(any) if !any.one_of.is_empty() || !any.any_of.is_empty() => {
                let (members, key) = if any.one_of.is_empty() {
                    (&any.any_of, "anyOf")
                } else {
                    (&any.one_of, "oneOf")
                };
                self.union(s, members, name, &join(ptr, key))
            }
            SchemaKind::OneOf { one_of } => self.union(s, one_of, name, &join(ptr, "oneOf")),
            SchemaKind::AnyOf { any_of } => self.union(s, any_of, name, &join(ptr, "anyOf")),
            SchemaKind::Any(any)
                if any.properties.is_empty()
                    && string_enum_values(any).is_some_and(|v| !v.is_empty()) =>
            {
                let values = string_enum_values(any).unwrap_or_default();
                if let Some(odd) = any
                    .enumeration
                    .iter()
                    .find(|v| !v.is_string() && !v.is_null())
                {
                    self.diags.warning(
                        join(ptr, "enum"),
                        format!("enum value `{odd}` is not a string although the schema's type is string; it is read as the string \"{odd}\""),
                    );
                }
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                TypeKind::Enum(enum_of(&values))
            }
            _ => {
                if let Some(d) = &s.schema_data.discriminator {
                    // Polymorphism through `allOf` (subtypes extend this
                    // schema): this type holds the shared properties only.
                    self.diags.warning(
                        join(ptr, "discriminator"),
                        format!(
                            "discriminator `{}` on an object schema is not modelled: `{name}` decodes its own properties only, and the schemas that extend it through allOf are separate types (a oneOf of the subtypes with this discriminator decodes into the right one)",
                            d.property_name
                        ),
                    );
                }
                let mut acc = ObjectAcc::default();
                self.collect_object(s, name, ptr, &mut acc);
                TypeKind::Struct(self.finish_struct(acc))
            }
        }
    }

    fn union(
        &mut self,
        s: &Schema,
        members: &[ReferenceOr<Schema>],
        name: &str,
        ptr: &str,
    ) -> TypeKind {
        let mut namer = Namer::default();
        let mut variants = Vec::new();
        let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
        let start = self.space.len();
        // Properties (or allOf members) beside the oneOf/anyOf belong to
        // every member: each object member becomes those plus its own. A
        // `required` list or `additionalProperties` alone adds no field, so
        // it leaves the members as they are.
        let shared = match &s.schema_kind {
            SchemaKind::Any(a) => !a.properties.is_empty() || !a.all_of.is_empty(),
            _ => false,
        };
        let parent_ptr = ptr.rsplit_once('/').map_or(ptr, |p| p.0);
        for (i, m) in members.iter().enumerate() {
            let mptr = join(ptr, &i.to_string());
            // An inline member is named after its title where it has one.
            let title = match m {
                ReferenceOr::Item(m) => m.schema_data.title.as_deref(),
                ReferenceOr::Reference { reference } => reference.strip_prefix(SCHEMA_PREFIX),
            };
            let ctx = match title.map(|t| camel(t, "")).filter(|t| !t.is_empty()) {
                Some(t) => format!("{name} {t}"),
                None => format!("{name} option {}", i + 1),
            };
            let conv = if shared && self.is_object_member(m) {
                let mut acc = ObjectAcc::default();
                self.collect_object(s, name, parent_ptr, &mut acc);
                self.collect_member(m, &ctx, &mptr, &mut acc);
                let id = self.space.reserve(&camel(&ctx, "Inline"));
                let doc = match m {
                    ReferenceOr::Item(m) => describe(m),
                    ReferenceOr::Reference { .. } => None,
                };
                let kind = TypeKind::Struct(self.finish_struct(acc));
                Conv::of(TypeRef::Named(self.space.define_inline(id, doc, kind)))
            } else {
                if shared {
                    self.diags.warning(
                        &mptr,
                        format!(
                            "`{name}` declares properties beside its oneOf/anyOf, but this member is not an object, so it cannot take them; the member is generated alone"
                        ),
                    );
                }
                self.convert(m, &ctx, &mptr)
            };
            // The component a member names, directly or through a lone
            // allOf (what a `$ref` with a sibling `title` is normalised to).
            let named = match m {
                ReferenceOr::Reference { reference } => Some(reference),
                ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::AllOf { all_of },
                    ..
                }) => match &all_of[..] {
                    [ReferenceOr::Reference { reference }] => Some(reference),
                    _ => None,
                },
                ReferenceOr::Item(_) => None,
            };
            if let Some(key) = named.and_then(|r| r.strip_prefix(SCHEMA_PREFIX)) {
                by_key
                    .entry(unescape_pointer(key))
                    .or_insert(variants.len());
            }
            let rust = namer.unique(&self.variant_name(&conv.ty));
            variants.push(UnionVariant {
                rust,
                ty: conv.ty,
                tags: Vec::new(),
            });
        }
        let discriminator = s.schema_data.discriminator.as_ref().map(|d| {
            let mapping_ptr = join(&join(parent_ptr, "discriminator"), "mapping");
            let mut used: BTreeSet<String> = BTreeSet::new();
            for (tag, target) in &d.mapping {
                // A mapping value is a reference or, as the specification
                // allows, a bare schema name.
                let key = match target.strip_prefix(SCHEMA_PREFIX) {
                    Some(k) => Some(unescape_pointer(k)),
                    None if !target.contains('/') => Some(target.clone()),
                    None => None,
                };
                match key.as_ref().and_then(|k| by_key.get(k)) {
                    Some(&i) => {
                        used.insert(tag.clone());
                        variants[i].tags.push(tag.clone());
                    }
                    None => self.diags.warning(
                        &mapping_ptr,
                        format!("discriminator value `{tag}` maps to `{target}`, which is not one of the union's members; the value decodes as unknown"),
                    ),
                }
            }
            // A member the mapping leaves out has its implicit value: the one
            // value its own discriminator property allows (a single-value
            // enum or `const`), else its component name.
            for (i, m) in members.iter().enumerate() {
                if !variants[i].tags.is_empty() {
                    continue;
                }
                let key = by_key.iter().find(|(_, &v)| v == i).map(|(k, _)| k.clone());
                let Some(tag) = self.fixed_tag(m, &d.property_name, 0).or(key) else {
                    continue;
                };
                if used.insert(tag.clone()) {
                    variants[i].tags.push(tag);
                } else {
                    self.diags.warning(
                        join(ptr, &i.to_string()),
                        format!("discriminator value `{tag}` already belongs to another member of `{name}`; this member is only matched by that value's member"),
                    );
                }
            }
            d.property_name.clone()
        });
        if discriminator.is_some() && variants.iter().all(|v| v.tags.is_empty()) {
            self.diags.warning(
                join(parent_ptr, "discriminator"),
                format!("no member of `{name}` has a discriminator value (no mapping, no component names, no single-value `{}` property); `{name}` is decoded as the first member that fits, as without a discriminator", discriminator.as_deref().unwrap_or_default()),
            );
            return self.simplify_untagged(variants, name, start);
        }
        let Some(discriminator) = discriminator else {
            return self.simplify_untagged(variants, name, start);
        };
        TypeKind::Union(Union {
            variants,
            discriminator: Some(discriminator),
        })
    }

    /// The one value member `m` allows for its discriminator property
    /// `prop` (a single-value string enum, which is also what `const`
    /// becomes), looking through `$ref`s and allOf members.
    fn fixed_tag(&self, m: &ReferenceOr<Schema>, prop: &str, depth: usize) -> Option<String> {
        // Deep enough for any real hierarchy; also ends a `$ref` cycle
        // (reported where the types are built).
        if depth > 16 {
            return None;
        }
        let schema = match m {
            ReferenceOr::Item(s) => s,
            ReferenceOr::Reference { reference } => {
                let key = unescape_pointer(reference.strip_prefix(SCHEMA_PREFIX)?);
                match self.component_schema(&key)? {
                    ReferenceOr::Item(s) => s,
                    r @ ReferenceOr::Reference { .. } => return self.fixed_tag(r, prop, depth + 1),
                }
            }
        };
        let (props, all_of) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (Some(&o.properties), &[][..]),
            SchemaKind::AllOf { all_of } => (None, &all_of[..]),
            SchemaKind::Any(a) => (Some(&a.properties), &a.all_of[..]),
            _ => return None,
        };
        let own = props.and_then(|p| p.get(prop)).and_then(|p| {
            let p = match p {
                ReferenceOr::Item(p) => &**p,
                ReferenceOr::Reference { reference } => self.referenced_schema(reference)?,
            };
            let values: Vec<&serde_json::Value> = match &p.schema_kind {
                SchemaKind::Type(Type::String(t)) => {
                    return match &t.enumeration[..] {
                        [Some(v)] => Some(v.clone()),
                        _ => None,
                    };
                }
                SchemaKind::Any(a) => a.enumeration.iter().collect(),
                _ => return None,
            };
            match values[..] {
                [serde_json::Value::String(v)] => Some(v.clone()),
                _ => None,
            }
        });
        own.or_else(|| {
            all_of
                .iter()
                .find_map(|m| self.fixed_tag(m, prop, depth + 1))
        })
    }

    /// An untagged union as few forms as say the same: a form repeated is
    /// left out (decoding takes the first that fits anyway), and inline
    /// object forms that differ only in the values of their string enums
    /// become one object whose enums list every value. Decoding loses
    /// nothing by that: enums are open, so the first of such forms always
    /// fitted. One form left: the union is that form (inline objects
    /// merged here take the union's name, anything else is an alias).
    /// `start`: types from this id on were made for this union's members.
    fn simplify_untagged(
        &mut self,
        variants: Vec<UnionVariant>,
        name: &str,
        start: usize,
    ) -> TypeKind {
        let mut kept: Vec<UnionVariant> = Vec::new();
        for v in variants {
            if !kept.iter().any(|k| k.ty == v.ty) {
                kept.push(v);
            }
        }
        // Forms by shape, in order; only objects made for this union.
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, v) in kept.iter().enumerate() {
            let TypeRef::Named(id) = v.ty else { continue };
            if id.0 < start {
                continue;
            }
            let Some(shape) = self.struct_shape(id) else {
                continue;
            };
            match groups.iter_mut().find(|(s, _)| *s == shape) {
                Some((_, members)) => members.push(i),
                None => groups.push((shape, vec![i])),
            }
        }
        let whole = groups.len() == 1 && groups[0].1.len() == kept.len() && kept.len() > 1;
        let mut drop = BTreeSet::new();
        for (_, members) in groups.iter().filter(|(_, m)| m.len() > 1) {
            let ids: Vec<TypeId> = members
                .iter()
                .filter_map(|&i| match kept[i].ty {
                    TypeRef::Named(id) => Some(id),
                    _ => None,
                })
                .collect();
            let merged = self.merge_structs(&ids, if whole { Some(name) } else { None }, start);
            if whole {
                return TypeKind::Struct(merged);
            }
            self.space.redefine(ids[0], TypeKind::Struct(merged));
            drop.extend(members[1..].iter().copied());
        }
        let kept: Vec<UnionVariant> = kept
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(_, v)| v)
            .collect();
        match kept.as_slice() {
            [one] => TypeKind::Alias(one.ty.clone()),
            _ => TypeKind::Union(Union {
                variants: kept,
                discriminator: None,
            }),
        }
    }

    /// A struct's fields with the values of its inline string enums left
    /// out, or `None` when `id` is not a struct.
    fn struct_shape(&self, id: TypeId) -> Option<String> {
        let TypeKind::Struct(s) = &self.space.get(id).kind else {
            return None;
        };
        let mut shape = format!("{:?}|", s.additional);
        for f in &s.fields {
            let ty = match &f.ty {
                TypeRef::Named(e) if self.inline_enum(*e) => "enum".to_string(),
                other => format!("{other:?}"),
            };
            shape.push_str(&format!(
                "{}:{}:{:?}:{}:{:?}:{:?}:{ty};",
                f.wire, f.rust, f.presence, f.boxed, f.doc, f.constraints
            ));
        }
        Some(shape)
    }

    /// One struct from structs of the same shape ([`Loader::struct_shape`]):
    /// the first's fields, each string enum listing the values of all.
    /// The enums are new types, named after `owner` (else after the first
    /// struct's own enums, which they replace).
    fn merge_structs(&mut self, ids: &[TypeId], owner: Option<&str>, start: usize) -> Struct {
        let structs: Vec<Struct> = ids
            .iter()
            .filter_map(|id| match &self.space.get(*id).kind {
                TypeKind::Struct(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let mut merged = structs[0].clone();
        for (j, field) in merged.fields.iter_mut().enumerate() {
            let TypeRef::Named(first) = field.ty else {
                continue;
            };
            if !self.inline_enum(first) {
                continue;
            }
            let mut values: Vec<String> = Vec::new();
            for s in &structs {
                if let Some(TypeRef::Named(e)) = s.fields.get(j).map(|f| &f.ty) {
                    if let TypeKind::Enum(en) = &self.space.get(*e).kind {
                        values.extend(en.variants.iter().map(|v| v.wire.clone()));
                    }
                }
            }
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let kind = TypeKind::Enum(enum_of(&values));
            let doc = self.space.get(first).doc.clone();
            field.ty = TypeRef::Named(match owner {
                // The first struct's own enum (made for this union) becomes
                // the merged one.
                None if first.0 >= start => {
                    self.space.redefine(first, kind);
                    first
                }
                _ => {
                    let owner = owner.map_or_else(
                        || self.space.name(ids[0]).as_str().to_string(),
                        str::to_string,
                    );
                    let id = self
                        .space
                        .reserve(&camel(&format!("{owner} {}", field.wire), "Enum"));
                    self.space.define(id, doc, kind);
                    id
                }
            });
        }
        merged
    }

    /// Whether `id` is a string enum written inline.
    fn inline_enum(&self, id: TypeId) -> bool {
        self.space.is_inline(id) && matches!(self.space.get(id).kind, TypeKind::Enum(_))
    }

    fn variant_name(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Named(id) => self.space.name(*id).as_str().to_string(),
            TypeRef::Prim(p) => match p {
                Prim::String => "String",
                Prim::Bool => "Bool",
                Prim::I32 | Prim::I64 => "Integer",
                Prim::F64 => "Number",
                Prim::DateTime => "DateTime",
                Prim::Date | Prim::CompactDate => "Date",
                Prim::Decimal | Prim::DecimalText => "Decimal",
                Prim::Bytes => "Bytes",
            }
            .into(),
            TypeRef::Vec(inner) => format!("{}List", self.variant_name(inner)),
            TypeRef::Map(_) => "Map".into(),
            TypeRef::Object => "Object".into(),
            TypeRef::Any => "Value".into(),
        }
    }

    /// Gathers properties from an object schema and, through allOf, from
    /// every schema it merges.
    fn collect_object(&mut self, s: &Schema, name: &str, ptr: &str, acc: &mut ObjectAcc) {
        let (props, required, additional, all_of) = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (
                Some(&o.properties),
                Some(&o.required),
                o.additional_properties.as_ref(),
                None,
            ),
            SchemaKind::Any(a) => (
                Some(&a.properties),
                Some(&a.required),
                a.additional_properties.as_ref(),
                (!a.all_of.is_empty()).then_some(&a.all_of),
            ),
            SchemaKind::AllOf { all_of } => (None, None, None, Some(all_of)),
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                self.warn_merged_union(ptr, name);
                (None, None, None, None)
            }
            _ => (None, None, None, None),
        };
        for (i, member) in all_of.into_iter().flatten().enumerate() {
            let mptr = join(&join(ptr, "allOf"), &i.to_string());
            self.collect_member(member, name, &mptr, acc);
        }
        for (i, r) in required.into_iter().flatten().enumerate() {
            acc.required.insert(r.clone());
            acc.required_ptrs
                .entry(r.clone())
                .or_insert_with(|| join(&join(ptr, "required"), &i.to_string()));
        }
        for (pname, pschema) in props.into_iter().flatten() {
            let pptr = join(&join(ptr, "properties"), pname);
            let conv = self.convert_boxed(pschema, &format!("{name} {pname}"), &pptr);
            // A later allOf member overrides an earlier one's property.
            acc.props.insert(pname.clone(), conv);
            acc.prop_ptrs.insert(pname.clone(), pptr);
        }
        match additional {
            Some(AdditionalProperties::Schema(v)) => {
                let c = self.convert(
                    v,
                    &format!("{name} value"),
                    &join(ptr, "additionalProperties"),
                );
                acc.additional = Some(c.ty);
            }
            Some(AdditionalProperties::Any(true)) => acc.additional = Some(TypeRef::Any),
            _ => {}
        }
    }

    /// A union met where properties are merged (an allOf member, a union's
    /// member) has no properties to give: reported once per place.
    fn warn_merged_union(&mut self, ptr: &str, name: &str) {
        if self.warned.insert(format!("merged union {ptr}")) {
            self.diags.warning(
                ptr.to_string(),
                format!(
                    "a oneOf/anyOf merged into `{name}` (through allOf, or as a member of a \
                     union) is not supported: the properties of its members are left out of \
                     `{name}` (write the union beside the allOf, not inside it)"
                ),
            );
        }
    }

    /// Merges one member schema (of an allOf, or of a oneOf/anyOf beside
    /// properties) into `acc`: a `$ref` merges the component's properties.
    fn collect_member(
        &mut self,
        member: &ReferenceOr<Schema>,
        name: &str,
        mptr: &str,
        acc: &mut ObjectAcc,
    ) {
        match member {
            ReferenceOr::Reference { reference } if is_nested_schema_ref(reference) => {
                let Some((_, found)) = self.nested_target(reference, &join(mptr, "$ref")) else {
                    return;
                };
                let target = reference.trim_start_matches('#');
                self.merging.push(target.to_string());
                self.collect_member(&found, name, target, acc);
                self.merging.pop();
            }
            ReferenceOr::Reference { reference } => {
                let Some((key, _)) = self.resolve_schema_ref(reference, &join(mptr, "$ref")) else {
                    return;
                };
                if self.merging.contains(&key) {
                    self.diags.error(
                        join(mptr, "$ref"),
                        format!(
                            "allOf cycle {} → {key}: a schema cannot include itself; \
                             refer to it from a property instead",
                            self.merging.join(" → ")
                        ),
                    );
                    return;
                }
                let Some(ReferenceOr::Item(target)) = self.component_schema(&key) else {
                    return;
                };
                if matches!(
                    target.schema_kind,
                    SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. }
                ) {
                    self.warn_merged_union(&join(mptr, "$ref"), name);
                    return;
                }
                self.merging.push(key.clone());
                let tptr = join("/components/schemas", &key);
                // Its inline properties are the component's own types
                // (converted once, named after it), whoever merges them.
                let tname = self.space.name(self.schema_ids[&key]).as_str().to_string();
                self.collect_object(target, &tname, &tptr, acc);
                self.merging.pop();
            }
            ReferenceOr::Item(m) => self.collect_object(m, name, mptr, acc),
        }
    }

    /// Whether a union member is an object (inline, or a component) and
    /// so can take the properties declared beside the union.
    fn is_object_member(&self, member: &ReferenceOr<Schema>) -> bool {
        let schema = match member {
            ReferenceOr::Item(m) => Some(m),
            ReferenceOr::Reference { reference } => self.referenced_schema(reference),
        };
        schema.is_some_and(|m| match &m.schema_kind {
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => true,
            SchemaKind::Any(a) => {
                !a.properties.is_empty() || !a.required.is_empty() || !a.all_of.is_empty()
            }
            _ => false,
        })
    }

    fn finish_struct(&mut self, acc: ObjectAcc) -> Struct {
        if acc.additional.is_none() {
            for (r, rptr) in &acc.required_ptrs {
                if !acc.props.contains_key(r) && self.warned.insert(rptr.clone()) {
                    self.diags.warning(
                        rptr.clone(),
                        format!(
                            "`required` names `{r}`, which is not one of the object's properties; \
                             expected the name of a property declared under `properties` (or in \
                             an allOf member). Ignored"
                        ),
                    );
                }
            }
        }
        let mut namer = Namer::with_reserved(names::RESERVED_FIELDS);
        let mut fields = Vec::new();
        for (wire, conv) in acc.props {
            let candidate = snake(&wire, "field");
            let (rust, taken) = namer.claim(&wire, &candidate);
            if taken == Taken::Reserved {
                let pptr = acc.prop_ptrs.get(&wire).cloned().unwrap_or_default();
                if self.warned.insert(pptr.clone()) {
                    self.diags.warning(
                        pptr,
                        format!(
                            "property `{wire}` would be the field `{candidate}`, a name the generated \
                             struct uses for its {}; it is generated as `{}` (its JSON name is kept)",
                            if candidate == "new" { "constructor" } else { "undeclared properties" },
                            rust.as_str()
                        ),
                    );
                }
            }
            if let Taken::By(first) = taken {
                let pptr = acc.prop_ptrs.get(&wire).cloned().unwrap_or_default();
                if self.warned.insert(pptr.clone()) {
                    self.diags.warning(
                        pptr,
                        format!(
                            "properties `{first}` and `{wire}` both become the field `{candidate}`; \
                             `{wire}` is generated as `{}` (its JSON name is kept)",
                            rust.as_str()
                        ),
                    );
                }
            }
            fields.push(Field {
                presence: Presence::from_flags(
                    acc.required.contains(&wire),
                    conv.nullable,
                    conv.read_only,
                    conv.write_only,
                ),
                wire,
                aliases: Vec::new(),
                rust,
                ty: conv.ty,
                boxed: false,
                layout: FieldLayout::Plain,
                doc: conv.doc,
                constraints: conv.constraints,
            });
        }
        Struct {
            fields,
            additional: acc.additional,
        }
    }

    // ------------------------------------------------------------- operations

    fn operations(&mut self) -> Vec<DraftOperation> {
        let mut ops = Vec::new();
        let mut method_namer = Namer::with_reserved(&[
            "new",
            "config",
            "environment",
            "base_url",
            "with_retry_policy",
            "webhook_verifier",
        ]);
        let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
        let doc = self.doc;
        for (path, item) in &doc.paths.paths {
            let pptr = join("/paths", path);
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { reference } => {
                    self.diags.warning(
                        join(&pptr, "$ref"),
                        format!(
                            "path item $ref `{reference}` is not supported (expected the \
                             operations inline under the path); the operations of `{path}` are \
                             not generated"
                        ),
                    );
                    continue;
                }
            };
            for (method_str, op) in item.iter() {
                let optr = join(&pptr, method_str);
                let method = match method_str {
                    "get" => Method::Get,
                    "put" => Method::Put,
                    "post" => Method::Post,
                    "delete" => Method::Delete,
                    "options" => Method::Options,
                    "head" => Method::Head,
                    "patch" => Method::Patch,
                    _ => Method::Trace,
                };
                let id = match &op.operation_id {
                    Some(id) => {
                        if let Some(prev) = seen_ids.insert(id.clone(), optr.clone()) {
                            self.diags.error(
                                join(&optr, "operationId"),
                                format!("duplicate operationId `{id}` (first used at {prev})"),
                            );
                        }
                        id.clone()
                    }
                    None => {
                        let derived = derive_operation_id(method_str, path);
                        self.diags.warning(
                            optr.clone(),
                            format!("operation has no operationId; named it `{derived}` from its method and path"),
                        );
                        derived
                    }
                };
                let candidate = snake(&id, "operation");
                let (name, taken) = method_namer.claim(&id, &candidate);
                match taken {
                    Taken::By(first) if first != id => self.diags.warning(
                        join(&optr, "operationId"),
                        format!(
                            "operationIds `{first}` and `{id}` both become the method `{candidate}`; \
                             `{id}` is generated as `{}`",
                            name.as_str()
                        ),
                    ),
                    Taken::Reserved => self.diags.warning(
                        join(&optr, "operationId"),
                        format!(
                            "operationId `{id}` would be the method `{candidate}`, a name the \
                             client already uses; it is generated as `{}`",
                            name.as_str()
                        ),
                    ),
                    _ => {}
                }
                let type_name = Ident::new(camel(name.as_str(), "Operation"));
                let mut params = self.parameters(item, op, &pptr, &optr, type_name.as_str());
                let segments = self.path_segments(path, &mut params, &pptr);
                let body = self.request_body(op, type_name.as_str(), &optr);
                let responses = self.responses(op, type_name.as_str(), &optr);
                let has_query_or_header = params.iter().any(|p| p.location != ParamLocation::Path);
                let params_type = has_query_or_header
                    .then(|| self.space.reserve_name(&format!("{type_name}Params")));
                ops.push(DraftOperation {
                    op: Operation {
                        id,
                        name,
                        type_name,
                        method,
                        path_template: path.clone(),
                        path: segments,
                        summary: op.summary.clone(),
                        doc: op.description.clone(),
                        deprecated: op.deprecated,
                        params,
                        params_type,
                        body,
                        fresh_token: false,
                        wire: OperationWire::Json(JsonOperation {
                            responses: Vec::new(),
                            success: Success::Empty,
                            error: ErrorType::None,
                        }),
                    },
                    responses,
                });
            }
        }
        ops
    }

    /// Path-level and operation-level parameters (the latter win), in order.
    fn parameters(
        &mut self,
        item: &'a openapiv3::PathItem,
        op: &'a openapiv3::Operation,
        pptr: &str,
        optr: &str,
        type_name: &str,
    ) -> Vec<Param> {
        let mut merged: IndexMap<(String, &'static str), (&'a Parameter, String)> = IndexMap::new();
        let levels = [(&item.parameters, pptr), (&op.parameters, optr)];
        for (list, base) in levels {
            for (i, p) in list.iter().enumerate() {
                let ptr = join(&join(base, "parameters"), &i.to_string());
                if let Some((param, at)) = self.resolve_param(p, &ptr) {
                    merged.insert(
                        (param.parameter_data_ref().name.clone(), location_key(param)),
                        (param, at),
                    );
                }
            }
        }
        let mut pnamer = Namer::with_reserved(&["body", "params"]);
        let mut params = Vec::new();
        for (param, ptr) in merged.values() {
            let data = param.parameter_data_ref();
            let (location, style) = match param {
                Parameter::Path { style, .. } => {
                    if !matches!(style, openapiv3::PathStyle::Simple) {
                        self.diags.error(
                            join(ptr, "style"),
                            format!(
                                "path parameter `{}` uses style `{style:?}`; only `simple` is \
                                 supported",
                                data.name
                            ),
                        );
                    }
                    (ParamLocation::Path, ParamStyle::Form)
                }
                Parameter::Query { style, .. } => {
                    let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
                    let style = match style {
                        QueryStyle::Form if explode => ParamStyle::Form,
                        QueryStyle::Form => ParamStyle::FormComma,
                        QueryStyle::SpaceDelimited => ParamStyle::Space,
                        QueryStyle::PipeDelimited => ParamStyle::Pipe,
                        QueryStyle::DeepObject => ParamStyle::Deep,
                    };
                    (ParamLocation::Query, style)
                }
                Parameter::Header { .. } if is_ignored_header(&data.name) => {
                    // OpenAPI: "If `in` is "header" and the name field is
                    // "Accept", "Content-Type" or "Authorization", the
                    // parameter definition SHALL be ignored." Reported once
                    // per name (Rapyd declares `Content-Type` on every
                    // operation).
                    let lower = data.name.to_ascii_lowercase();
                    if self
                        .warned
                        .insert(format!("ignored header parameter {lower}"))
                    {
                        let how = match lower.as_str() {
                            "content-type" => "the client sends the media type of the body it encodes",
                            "accept" => "the client asks for the media types the responses document",
                            _ => "credentials come from the security scheme (or `auth:` in paygen.yaml)",
                        };
                        self.diags.warning(
                            ptr.clone(),
                            format!(
                                "header parameter `{}` is ignored, as OpenAPI says of `Accept`, \
                                 `Content-Type` and `Authorization` parameters ({how}); so is \
                                 every other parameter of that name in this document",
                                data.name
                            ),
                        );
                    }
                    continue;
                }
                Parameter::Header { .. } => (ParamLocation::Header, ParamStyle::Form),
                Parameter::Cookie { .. } => {
                    self.diags.warning(
                        ptr.clone(),
                        format!(
                            "cookie parameter `{}` is not supported and is left out",
                            data.name
                        ),
                    );
                    continue;
                }
            };
            let conv = match &data.format {
                ParameterSchemaOrContent::Schema(s) => self.convert(
                    s,
                    &format!("{type_name} {}", data.name),
                    &join(ptr, "schema"),
                ),
                ParameterSchemaOrContent::Content(content) => {
                    // The value is a document of its own (JSON in a query
                    // string): the caller passes it already encoded.
                    let media = content.keys().next().map_or("", String::as_str);
                    self.diags.warning(
                        join(ptr, "content"),
                        format!(
                            "parameter `{}` is described by `content` ({media}), not by a schema; it is generated as a string the caller passes already encoded as {media}",
                            data.name
                        ),
                    );
                    let note = format!("Passed as given: encode the value as `{media}` first.");
                    let mut conv = Conv::of(TypeRef::Prim(Prim::String));
                    conv.doc = Some(match &data.description {
                        Some(d) => format!("{d}\n\n{note}"),
                        None => note,
                    });
                    conv
                }
            };
            // Delimited styles and headers write one level: scalars, a list
            // of them, or an object whose values are scalars.
            let delimited = match location {
                ParamLocation::Query => {
                    matches!(
                        style,
                        ParamStyle::FormComma | ParamStyle::Space | ParamStyle::Pipe
                    )
                }
                ParamLocation::Header => true,
                ParamLocation::Path => false,
            };
            if delimited && !self.one_level(&conv.ty, 0) {
                let (what, how) = match location {
                    ParamLocation::Header => ("header", "a header (`simple` style)".to_string()),
                    _ => ("query parameter", format!("style `{style:?}`")),
                };
                self.diags.warning(
                    join(ptr, "schema"),
                    format!(
                        "{what} `{}` holds nested objects or lists, which {how} cannot write \
                         (only scalars, a list of scalars or an object of scalars); the \
                         parameter is left out (use `style: deepObject` for nested values)",
                        data.name
                    ),
                );
                continue;
            }
            let candidate = snake(&data.name, "param");
            let (rust, taken) = pnamer.claim(&data.name, &candidate);
            if let Taken::By(first) = taken {
                self.diags.warning(
                    ptr.clone(),
                    format!(
                        "parameters `{first}` and `{}` both become `{candidate}`; `{}` is \
                         generated as `{}` (its wire name is kept)",
                        data.name,
                        data.name,
                        rust.as_str()
                    ),
                );
            }
            params.push(Param {
                wire: data.name.clone(),
                rust,
                location,
                required: data.required || location == ParamLocation::Path,
                ty: conv.ty,
                style,
                doc: match &data.format {
                    ParameterSchemaOrContent::Content(_) => conv.doc,
                    ParameterSchemaOrContent::Schema(_) => data.description.clone().or(conv.doc),
                },
            });
        }
        params
    }

    /// Whether a value of `ty` is a scalar, a list or map of scalars, or an
    /// object whose fields are scalars: what one `k,v` level can write.
    fn one_level(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::Vec(inner) | TypeRef::Map(inner) => self.scalar(inner, 0),
            // Aliases and unions of them end somewhere; a deep chain is not
            // one level.
            TypeRef::Named(_) if depth > 32 => false,
            TypeRef::Named(id) => match &self.space.get(*id).kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().all(|f| self.scalar(&f.ty, 0))
                        && s.additional.as_ref().is_none_or(|a| self.scalar(a, 0))
                }
                TypeKind::Alias(t) => self.one_level(t, depth + 1),
                TypeKind::Union(u) => u.variants.iter().all(|v| self.one_level(&v.ty, depth + 1)),
                TypeKind::Enum(_) | TypeKind::Status(_) => true,
            },
            other => self.scalar(other, 0),
        }
    }

    /// Whether `ty` is written as one text: a primitive, a string enum, a
    /// union of those (or untyped JSON, whose shape is unknown).
    fn scalar(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::Prim(_) | TypeRef::Any => true,
            TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::Object => false,
            TypeRef::Named(_) if depth > 32 => false,
            TypeRef::Named(id) => match &self.space.get(*id).kind {
                TypeKind::Enum(_) => true,
                TypeKind::Alias(t) => self.scalar(t, depth + 1),
                TypeKind::Union(u) => u.variants.iter().all(|v| self.scalar(&v.ty, depth + 1)),
                TypeKind::Struct(_) | TypeKind::Status(_) => false,
            },
        }
    }

    /// The parameter and the pointer it is defined at (its component's, for
    /// a `$ref`).
    fn resolve_param(
        &mut self,
        p: &'a ReferenceOr<Parameter>,
        ptr: &str,
    ) -> Option<(&'a Parameter, String)> {
        match p {
            ReferenceOr::Item(p) => Some((p, ptr.to_string())),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/parameters/")
                    .map(unescape_pointer);
                let doc = self.doc;
                let found = key
                    .as_ref()
                    .and_then(|k| doc.components.as_ref()?.parameters.get(k));
                match (found, key) {
                    (Some(ReferenceOr::Item(p)), Some(key)) => {
                        Some((p, join("/components/parameters", &key)))
                    }
                    _ => {
                        self.diags.error(
                            join(ptr, "$ref"),
                            format!("parameter $ref `{reference}` points at no parameter in components/parameters"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn path_segments(&mut self, path: &str, params: &mut [Param], ptr: &str) -> Vec<PathSegment> {
        let mut segments = Vec::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            if start > 0 {
                segments.push(PathSegment::Literal(rest[..start].to_string()));
            }
            let Some(len) = rest[start..].find('}') else {
                self.diags
                    .error(ptr, format!("path `{path}` has an unclosed `{{`"));
                return segments;
            };
            let pname = &rest[start + 1..start + len];
            if !used.insert(pname.to_string()) {
                self.diags.error(
                    ptr,
                    format!("path `{path}` uses the parameter `{{{pname}}}` twice; give each placeholder its own name"),
                );
            }
            match params
                .iter()
                .position(|p| p.location == ParamLocation::Path && p.wire == pname)
            {
                Some(i) => segments.push(PathSegment::Param(i)),
                None => {
                    self.diags.error(
                        ptr,
                        format!("path `{path}` uses `{{{pname}}}`, but no path parameter `{pname}` is declared"),
                    );
                }
            }
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_string()));
        }
        for p in params.iter().filter(|p| p.location == ParamLocation::Path) {
            if !used.contains(&p.wire) {
                self.diags.error(
                    ptr,
                    format!(
                        "path parameter `{}` is declared but path `{path}` has no `{{{}}}`",
                        p.wire, p.wire
                    ),
                );
            }
        }
        segments
    }

    fn request_body(
        &mut self,
        op: &'a openapiv3::Operation,
        type_name: &str,
        optr: &str,
    ) -> Option<Body> {
        let inline_ptr = join(optr, "requestBody");
        let doc = self.doc;
        let (body, bptr, ctx) = match op.request_body.as_ref()? {
            ReferenceOr::Item(b) => (b, inline_ptr, format!("{type_name} request")),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/requestBodies/")
                    .map(unescape_pointer);
                match key.as_ref().and_then(|k| {
                    doc.components
                        .as_ref()?
                        .request_bodies
                        .get(k)
                        .map(|b| (k, b))
                }) {
                    Some((k, ReferenceOr::Item(b))) => (
                        b,
                        join("/components/requestBodies", k),
                        format!("{k} request"),
                    ),
                    _ => {
                        self.diags.error(
                            join(&inline_ptr, "$ref"),
                            format!("request body $ref `{reference}` points at no request body in components/requestBodies"),
                        );
                        return None;
                    }
                }
            }
        };
        let Some((media_type, media, encoding)) = pick_request_media(&body.content) else {
            let kinds: Vec<&str> = body.content.keys().map(String::as_str).collect();
            self.diags.error(
                join(&bptr, "content"),
                format!(
                    "request body media types {kinds:?} are not supported; expected JSON, \
                     application/x-www-form-urlencoded, multipart/form-data, text or bytes"
                ),
            );
            return None;
        };
        let mptr = join(&join(&bptr, "content"), media_type);
        if encoding == BodyEncoding::Form && !body.required && self.holds_nothing(&media.schema) {
            // An empty form is no body at all (Stripe declares one on every GET).
            return None;
        }
        let ty = match encoding {
            BodyEncoding::Bytes if is_text(media_type) => BodyType::Text,
            BodyEncoding::Bytes => BodyType::Bytes,
            _ => match &media.schema {
                Some(s) => BodyType::Value(self.convert(s, &ctx, &join(&mptr, "schema")).ty),
                None => BodyType::Value(TypeRef::Any),
            },
        };
        let mut form_styles = Vec::new();
        if encoding == BodyEncoding::Form {
            let lists = match &ty {
                BodyType::Value(t) => self.list_fields(t),
                _ => BTreeSet::new(),
            };
            // A list field is written as its `encoding` says; without one,
            // in OpenAPI's default (`form`, exploded: `k=a&k=b`).
            for wire in &lists {
                let style = match media.encoding.get(wire) {
                    Some(enc) => match enc.style {
                        Some(QueryStyle::DeepObject) => continue,
                        Some(QueryStyle::SpaceDelimited) => ParamStyle::Space,
                        Some(QueryStyle::PipeDelimited) => ParamStyle::Pipe,
                        // The normaliser wrote out an absent `explode`.
                        Some(QueryStyle::Form) | None if !enc.explode => ParamStyle::FormComma,
                        Some(QueryStyle::Form) | None => ParamStyle::Form,
                    },
                    None => ParamStyle::Form,
                };
                form_styles.push((wire.clone(), style));
            }
            for (prop, enc) in &media.encoding {
                if !lists.contains(prop)
                    && matches!(
                        enc.style,
                        Some(
                            QueryStyle::Form
                                | QueryStyle::SpaceDelimited
                                | QueryStyle::PipeDelimited
                        )
                    )
                {
                    self.diags.warning(
                        join(&join(&mptr, "encoding"), prop),
                        format!(
                            "property `{prop}` declares style `{}`, which only lists are written in; \
                             it is written deepObject-style (`{prop}[key]=…`)",
                            match enc.style {
                                Some(QueryStyle::SpaceDelimited) => "spaceDelimited",
                                Some(QueryStyle::PipeDelimited) => "pipeDelimited",
                                _ => "form",
                            }
                        ),
                    );
                }
            }
        }
        Some(Body {
            required: body.required,
            encoding,
            media_type: media_type.to_string(),
            ty,
            doc: body.description.clone(),
            form_styles,
        })
    }

    /// The wire names of the list fields of the struct `ty` names (through
    /// aliases): the form fields a style applies to.
    fn list_fields(&self, ty: &TypeRef) -> BTreeSet<String> {
        let mut ty = ty;
        // An alias chain is finite: cycles are refused when types are built.
        for _ in 0..16 {
            let TypeRef::Named(id) = ty else { break };
            match &self.space.get(*id).kind {
                TypeKind::Alias(next) => ty = next,
                TypeKind::Struct(s) => {
                    return s
                        .fields
                        .iter()
                        .filter(|f| matches!(f.ty, TypeRef::Vec(_)))
                        .map(|f| f.wire.clone())
                        .collect();
                }
                _ => break,
            }
        }
        BTreeSet::new()
    }

    /// Whether a body schema admits only `{}`: an object without properties
    /// and with `additionalProperties: false`.
    fn holds_nothing(&self, schema: &Option<ReferenceOr<Schema>>) -> bool {
        let s = match schema {
            Some(ReferenceOr::Item(s)) => s,
            Some(ReferenceOr::Reference { reference }) => match self.referenced_schema(reference) {
                Some(s) => s,
                None => return false,
            },
            None => return false,
        };
        match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                o.properties.is_empty()
                    && matches!(
                        o.additional_properties,
                        Some(AdditionalProperties::Any(false))
                    )
            }
            _ => false,
        }
    }

    fn responses(
        &mut self,
        op: &'a openapiv3::Operation,
        type_name: &str,
        optr: &str,
    ) -> Vec<Response> {
        let rptr = join(optr, "responses");
        let mut out = Vec::new();
        // With several 2xx bodies, inline ones are named by status
        // (`CreateOrderAccepted`), leaving `…Response` for the enum over them.
        let success_bodies = op
            .responses
            .responses
            .keys()
            .filter(|code| {
                matches!(code, StatusCode::Code(c) if (200..300).contains(c))
                    || matches!(code, StatusCode::Range(2))
            })
            .count();
        let entries = op
            .responses
            .responses
            .iter()
            .map(|(code, r)| {
                let status = match code {
                    StatusCode::Code(c) => StatusMatch::Code(*c),
                    StatusCode::Range(r) => StatusMatch::Range(*r as u8),
                };
                (status, code.to_string(), r)
            })
            .chain(
                op.responses
                    .default
                    .iter()
                    .map(|r| (StatusMatch::Default, "default".to_string(), r)),
            );
        let doc = self.doc;
        for (status, key, r) in entries {
            let ptr = join(&rptr, &key);
            let (resp, at, component) = match r {
                ReferenceOr::Item(resp) => (resp, ptr.clone(), None),
                ReferenceOr::Reference { reference } => {
                    let key = reference
                        .strip_prefix("#/components/responses/")
                        .map(unescape_pointer);
                    match key
                        .as_ref()
                        .and_then(|k| doc.components.as_ref()?.responses.get(k).map(|r| (k, r)))
                    {
                        Some((k, ReferenceOr::Item(resp))) => {
                            (resp, join("/components/responses", k), Some(k.clone()))
                        }
                        _ => {
                            self.diags.error(join(&ptr, "$ref"), format!("response $ref `{reference}` points at no response in components/responses"));
                            continue;
                        }
                    }
                }
            };
            let ctx = match &component {
                Some(n) => format!("{n} response"),
                None if status.is_success() && success_bodies <= 1 => {
                    format!("{type_name} response")
                }
                None => format!(
                    "{type_name} {}",
                    super::finish::status_name(status, status.is_success())
                ),
            };
            let media = pick_response_media(&resp.content).map(|(mt, _)| mt.to_string());
            let body = match pick_response_media(&resp.content) {
                None if resp.content.is_empty() => None,
                None => {
                    let kinds: Vec<&str> = resp.content.keys().map(String::as_str).collect();
                    self.diags.warning(
                        join(&at, "content"),
                        format!("response media types {kinds:?} are not supported; the body is kept as bytes"),
                    );
                    Some(BodyType::Bytes)
                }
                Some((mt, media)) => Some(if is_json(mt) {
                    match &media.schema {
                        Some(s) => BodyType::Value(
                            self.convert(
                                s,
                                &ctx,
                                &join(&join(&join(&at, "content"), mt), "schema"),
                            )
                            .ty,
                        ),
                        None => BodyType::Value(TypeRef::Any),
                    }
                } else if is_text(mt) {
                    BodyType::Text
                } else {
                    BodyType::Bytes
                }),
            };
            out.push(Response {
                status,
                body,
                doc: Some(resp.description.clone()).filter(|d| !d.is_empty()),
                media,
            });
        }
        out
    }

    // ---------------------------------------------------- auth and servers

    fn servers(&mut self) -> Vec<Environment> {
        // Each server's URL with its variables at their defaults; `None`
        // (with a warning) where no client could send to it.
        let mut usable: Vec<(usize, &openapiv3::Server, String)> = Vec::new();
        for (i, s) in self.doc.servers.iter().enumerate() {
            let ptr = join(&join("/servers", &i.to_string()), "url");
            let url = with_variable_defaults(s);
            if let Some(var) = url.find('{').map(|at| &url[at..]) {
                let var = var.split_inclusive('}').next().unwrap_or(var);
                self.diags.warning(
                    ptr,
                    format!(
                        "`{}` has the variable `{var}` without a default under `variables`, so \
                         it is left out of `Environment`; set the whole URL with `Config::base_url`",
                        s.url
                    ),
                );
            } else if !url.contains("://") {
                self.diags.warning(
                    ptr,
                    format!(
                        "`{}` is not an absolute URL, so it is left out of `Environment` (a \
                         client cannot send to it); set the whole URL with `Config::base_url`",
                        s.url
                    ),
                );
            } else {
                usable.push((i, s, url));
            }
        }
        if usable.is_empty() {
            self.diags.warning(
                "/servers",
                "the document names no server with an absolute URL, so the client has no default base URL: \
                 `Client::new` fails until one is set with `Config::base_url`",
            );
        }
        let mut namer = Namer::with_reserved(&["Custom"]);
        usable
            .into_iter()
            .map(|(i, s, url)| {
                let label = s.description.clone().unwrap_or_default();
                let first_word = label
                    .split(['.', '(', ':'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let candidate =
                    if first_word.is_empty() || first_word.split_whitespace().count() > 3 {
                        format!("Server{}", i + 1)
                    } else {
                        camel(&first_word, "Server")
                    };
                // The defaults taken, said next to the server's own words.
                let defaults: Vec<String> = s
                    .variables
                    .iter()
                    .flatten()
                    .filter(|(name, _)| s.url.contains(&format!("{{{name}}}")))
                    .map(|(name, v)| format!("`{name}` = `{}`", v.default))
                    .collect();
                let doc = match (s.description.clone(), defaults.is_empty()) {
                    (d, true) => d,
                    (d, false) => Some(format!(
                        "{}Server variables at their defaults: {}; another value is a \
                         `Custom` URL.",
                        d.map(|d| format!("{d}\n\n")).unwrap_or_default(),
                        defaults.join(", ")
                    )),
                };
                Environment {
                    name: namer.unique(&candidate),
                    url: url.trim_end_matches('/').to_string(),
                    doc,
                    params: Vec::new(),
                }
            })
            .collect()
    }

    fn auth_from_security(&mut self) -> Auth {
        let doc = self.doc;
        let Some(components) = &doc.components else {
            return Auth::None;
        };
        let wanted: Vec<&String> = self
            .doc
            .security
            .iter()
            .flatten()
            .flat_map(|req| req.keys())
            .collect();
        // The first scheme the client can send among the alternatives the
        // document's `security` lists (Clerk: `[{}, query key, cookie,
        // bearer]` is served by the bearer); without such a list, among all
        // it declares. Only when none is supported is the first reported.
        let supported = |s: &&ReferenceOr<openapiv3::SecurityScheme>| match s {
            ReferenceOr::Item(openapiv3::SecurityScheme::HTTP { scheme, .. }) => {
                matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic")
            }
            ReferenceOr::Item(openapiv3::SecurityScheme::APIKey { location, .. }) => {
                matches!(location, openapiv3::APIKeyLocation::Header)
            }
            _ => false,
        };
        // A requirement naming several API keys in headers needs all of
        // them (Datadog: `DD-API-KEY` and `DD-APPLICATION-KEY`): the first
        // alternative made only of supported schemes decides, and such a
        // requirement sends every key it names.
        let requirements: Vec<Vec<&String>> = self
            .doc
            .security
            .iter()
            .flatten()
            .map(|req| req.keys().collect())
            .collect();
        let header_key = |k: &String| match components.security_schemes.get(k) {
            Some(ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
                location: openapiv3::APIKeyLocation::Header,
                name,
                ..
            })) => Some(name.clone()),
            _ => None,
        };
        let first_sendable = requirements.iter().position(|req| {
            !req.is_empty()
                && req.iter().all(|k| {
                    components
                        .security_schemes
                        .get(*k)
                        .is_some_and(|s| supported(&s))
                })
        });
        if let Some(i) = first_sendable {
            let req = &requirements[i];
            if req.len() > 1 {
                let headers: Option<Vec<(String, &String)>> =
                    req.iter().map(|k| header_key(k).map(|h| (h, *k))).collect();
                if let Some(headers) = headers {
                    let mut namer = Namer::with_reserved(&[]);
                    return Auth::ApiKeyHeaders(
                        headers
                            .into_iter()
                            .map(|(header, key)| ApiKeyHeader {
                                rust: namer.unique(&snake(key, "api_key")),
                                header,
                            })
                            .collect(),
                    );
                }
                let names: Vec<&str> = req.iter().map(|k| k.as_str()).collect();
                self.diags.warning(
                    join("/security", &i.to_string()),
                    format!(
                        "this security requirement needs {} together; only several API keys in \
                         headers can be sent together, so the client sends `{}` alone (set \
                         `auth:` in paygen.yaml)",
                        names.join(" and "),
                        names[0]
                    ),
                );
                return self.auth_from_scheme(components.security_schemes.get(req[0]));
            }
        }
        let listed = || {
            wanted
                .iter()
                .filter_map(|k| components.security_schemes.get(*k))
        };
        // A scheme sent alone although its requirement names others too.
        let alone = wanted
            .iter()
            .find(|k| {
                components
                    .security_schemes
                    .get(**k)
                    .is_some_and(|s| supported(&s))
            })
            .and_then(|k| {
                requirements
                    .iter()
                    .position(|req| req.contains(k))
                    .filter(|i| requirements[*i].len() > 1)
                    .map(|i| (i, *k))
            });
        if let Some((i, key)) = alone {
            let names: Vec<&str> = requirements[i].iter().map(|k| k.as_str()).collect();
            self.diags.warning(
                join("/security", &i.to_string()),
                format!(
                    "this security requirement needs {} together; the client can send only \
                     `{key}`, and sends it alone (set `auth:` in paygen.yaml)",
                    names.join(" and ")
                ),
            );
        }
        let chosen = match listed().next() {
            Some(first) => Some(listed().find(supported).unwrap_or(first)),
            None => {
                let mut all = components.security_schemes.values();
                components
                    .security_schemes
                    .values()
                    .find(supported)
                    .or_else(|| all.next())
            }
        };
        self.auth_from_scheme(chosen)
    }

    /// The client's auth for one security scheme.
    fn auth_from_scheme(
        &mut self,
        chosen: Option<&ReferenceOr<openapiv3::SecurityScheme>>,
    ) -> Auth {
        match chosen {
            Some(ReferenceOr::Item(openapiv3::SecurityScheme::HTTP { scheme, .. })) => {
                match scheme.to_ascii_lowercase().as_str() {
                    "bearer" => Auth::Bearer,
                    "basic" => Auth::Basic,
                    other => {
                        self.diags.warning(
                            "/components/securitySchemes",
                            format!("HTTP auth scheme `{other}` is not supported; the client sends no credentials"),
                        );
                        Auth::None
                    }
                }
            }
            Some(ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
                location, name, ..
            })) => {
                if matches!(location, openapiv3::APIKeyLocation::Header) {
                    Auth::ApiKeyHeader {
                        header: name.clone(),
                    }
                } else {
                    self.diags.warning(
                        "/components/securitySchemes",
                        "API keys in query or cookie are not supported; the client sends no credentials",
                    );
                    Auth::None
                }
            }
            Some(_) => {
                self.diags.warning(
                    "/components/securitySchemes",
                    "OAuth2 / OpenID Connect schemes are not supported; set a bearer token through `auth: bearer` in paygen.yaml",
                );
                Auth::None
            }
            None => Auth::None,
        }
    }
}

#[derive(Default)]
struct ObjectAcc {
    props: IndexMap<String, Conv>,
    /// Where each property was declared (the last declaration wins).
    prop_ptrs: BTreeMap<String, String>,
    required: BTreeSet<String>,
    /// Where each `required` entry is, for warnings.
    required_ptrs: BTreeMap<String, String>,
    additional: Option<TypeRef>,
}

/// `#/components/schemas/X/…`: a reference to a schema inside a component.
fn is_nested_schema_ref(reference: &str) -> bool {
    reference
        .strip_prefix(SCHEMA_PREFIX)
        .is_some_and(|rest| rest.contains('/'))
}

/// A server's URL with each `{variable}` declared under `variables`
/// replaced by its default; undeclared ones are left as written.
fn with_variable_defaults(s: &openapiv3::Server) -> String {
    let mut url = s.url.clone();
    for (name, v) in s.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &v.default);
    }
    url
}

fn location_key(p: &Parameter) -> &'static str {
    match p {
        Parameter::Path { .. } => "path",
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn media_base(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or("").trim()
}

fn is_json(media_type: &str) -> bool {
    let m = media_base(media_type);
    m == "application/json" || m.ends_with("+json") || m == "*/*"
}

fn is_text(media_type: &str) -> bool {
    media_base(media_type).starts_with("text/")
}

/// The request media type the client sends: JSON first, then form, then
/// multipart, then any other (sent as bytes or text).
fn pick_request_media(
    content: &IndexMap<String, openapiv3::MediaType>,
) -> Option<(&str, &openapiv3::MediaType, BodyEncoding)> {
    let find = |pred: &dyn Fn(&str) -> bool| {
        content
            .iter()
            .find(|(k, _)| pred(k))
            .map(|(k, m)| (k.as_str(), m))
    };
    // Plain JSON when offered, else the first JSON type (a vendor's `+json`).
    if let Some((k, m)) = find(&|k| media_base(k) == "application/json").or_else(|| find(&is_json))
    {
        return Some((k, m, BodyEncoding::Json));
    }
    if let Some((k, m)) = find(&|k| media_base(k) == "application/x-www-form-urlencoded") {
        return Some((k, m, BodyEncoding::Form));
    }
    if let Some((k, m)) = find(&|k| media_base(k) == "multipart/form-data") {
        return Some((k, m, BodyEncoding::Multipart));
    }
    find(&|k| !k.contains('*')).map(|(k, m)| (k, m, BodyEncoding::Bytes))
}

/// Header parameters OpenAPI says to ignore: the client sets these itself.
fn is_ignored_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// The response media type decoded: JSON first, then any other.
fn pick_response_media(
    content: &IndexMap<String, openapiv3::MediaType>,
) -> Option<(&str, &openapiv3::MediaType)> {
    content
        .iter()
        .find(|(k, _)| is_json(k))
        .or_else(|| content.iter().next())
        .map(|(k, m)| (k.as_str(), m))
}

fn unescape_pointer(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `GET /purchases/{id}/` → `get_purchases_id`.
fn derive_operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        id.push('_');
        id.push_str(part.trim_matches(|c| c == '{' || c == '}'));
    }
    id
}

fn describe(s: &Schema) -> Option<String> {
    s.schema_data
        .description
        .clone()
        .or_else(|| s.schema_data.title.clone())
        .filter(|d| !d.trim().is_empty())
}

/// A reference (or one schema) with annotations around it: see
/// [`annotated_ref`].
struct Annotated<'s> {
    member: &'s ReferenceOr<Schema>,
    index: usize,
    /// What the annotation-only members add.
    nullable: bool,
    read_only: bool,
    write_only: bool,
    doc: Option<String>,
}

/// `allOf` with exactly one member that has a shape of its own (a `$ref`,
/// an object, a union, …), the other members and the schema's own keywords
/// being annotations only: `description`, `nullable`, `readOnly`, and also
/// `type`, `format` or bounds, which restate the member's. 3.0 documents
/// annotate a reference this way and 3.1's `$ref` siblings are rewritten to
/// it; it is the member's type, annotated, never a new type.
fn annotated_ref(s: &Schema) -> Option<Annotated<'_>> {
    let members = match &s.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        // `required` beside the reference makes a type of its own (Lago:
        // `$ref` plus `required: [name, code]`), merged as an allOf is.
        SchemaKind::Any(a) if !has_shape_any(a) && a.required.is_empty() => &a.all_of,
        _ => return None,
    };
    let mut found = None;
    let mut out = Annotated {
        member: members.first()?,
        index: 0,
        nullable: false,
        read_only: false,
        write_only: false,
        doc: None,
    };
    for (i, m) in members.iter().enumerate() {
        match m {
            ReferenceOr::Item(m) if !has_shape(m) && required_of(m).is_empty() => {
                out.nullable |= m.schema_data.nullable;
                out.read_only |= m.schema_data.read_only;
                out.write_only |= m.schema_data.write_only;
                out.doc = out.doc.or_else(|| describe(m));
            }
            _ if found.is_some() => return None,
            _ => found = Some((m, i)),
        }
    }
    let (member, index) = found?;
    out.member = member;
    out.index = index;
    Some(out)
}

/// Whether a schema says more than annotations: properties, items, a map,
/// an enum, a union or merge of its own.
fn has_shape(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => !st.enumeration.is_empty(),
        SchemaKind::Type(Type::Number(_) | Type::Integer(_) | Type::Boolean(_)) => false,
        SchemaKind::Type(Type::Object(o)) => {
            !o.properties.is_empty() || o.additional_properties.is_some()
        }
        SchemaKind::Type(Type::Array(a)) => a.items.is_some(),
        SchemaKind::Any(a) => has_shape_any(a) || !a.all_of.is_empty(),
        SchemaKind::OneOf { .. }
        | SchemaKind::AllOf { .. }
        | SchemaKind::AnyOf { .. }
        | SchemaKind::Not { .. } => true,
    }
}

/// The property names a schema requires.
fn required_of(s: &Schema) -> &[String] {
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => &o.required,
        SchemaKind::Any(a) => &a.required,
        _ => &[],
    }
}

/// [`has_shape`] of an untyped schema, not counting its `allOf`.
fn has_shape_any(a: &openapiv3::AnySchema) -> bool {
    !a.properties.is_empty()
        || a.additional_properties.is_some()
        || a.items.is_some()
        || !a.one_of.is_empty()
        || !a.any_of.is_empty()
        || !a.enumeration.is_empty()
        || a.not.is_some()
}

/// Does this schema need a named type of its own?
fn is_definition(s: &Schema) -> bool {
    if annotated_ref(s).is_some() {
        return false;
    }
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => st.enumeration.iter().flatten().next().is_some(),
        SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::AllOf { .. } => true,
        SchemaKind::Any(a) => {
            !a.properties.is_empty()
                || !a.all_of.is_empty()
                || !a.one_of.is_empty()
                || !a.any_of.is_empty()
                || string_enum_values(a).is_some_and(|v| !v.is_empty())
        }
        _ => false,
    }
}

/// The values of an untyped or `type: string` enum, as strings: a string
/// schema's other scalars by their text (`true` → "true"); `None` when an
/// untyped enum lists values a string cannot hold (`["auto", 1, true]`),
/// or the schema has no enum or another type.
fn string_enum_values(a: &openapiv3::AnySchema) -> Option<Vec<String>> {
    let values = a.enumeration.iter().filter(|v| !v.is_null());
    match a.typ.as_deref() {
        Some("string") => Some(
            values
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
        ),
        None if !a.enumeration.is_empty() => {
            values.map(|v| v.as_str().map(str::to_string)).collect()
        }
        _ => None,
    }
}

/// A string enum over `values` (first occurrence wins).
pub(crate) fn enum_of(values: &[&str]) -> Enum {
    let mut namer = Namer::with_reserved(&["Unknown"]);
    let mut seen = BTreeSet::new();
    let variants = values
        .iter()
        .filter(|v| seen.insert(**v))
        .enumerate()
        .map(|(i, v)| EnumVariant {
            wire: v.to_string(),
            rust: namer.unique(&camel(
                v,
                &if v.is_empty() {
                    "Empty".to_string()
                } else {
                    format!("Value{}", i + 1)
                },
            )),
            doc: None,
        })
        .collect();
    Enum { variants }
}
