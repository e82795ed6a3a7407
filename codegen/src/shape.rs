//! Passes over a loaded [`Api`] that both loaders share: what each operation
//! returns on success and on error, error enums shared between operations,
//! and `Box` where a type contains itself.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::*;

pub fn finish(api: &mut Api) {
    // Names invented here must not collide with any type already named.
    let mut taken: Vec<&str> = crate::names::RESERVED_TYPES.to_vec();
    taken.extend(api.types.iter().map(|t| t.name.as_str()));
    taken.extend(
        api.operations
            .iter()
            .filter_map(|o| o.params_type.as_deref()),
    );
    let mut namer = crate::names::Namer::with_reserved(&taken);
    let mut shared: BTreeMap<Vec<(StatusMatch, Option<TypeRef>)>, String> = BTreeMap::new();
    let mut enums = Vec::new();
    for op in &mut api.operations {
        // Form operations are typed by their status field, set by the loader.
        if op.form.is_some() {
            continue;
        }
        op.success = success_of(op, &mut namer);
        let errors: Vec<&Response> = op
            .responses
            .iter()
            .filter(|r| !r.status.is_success())
            .collect();
        let key: Vec<(StatusMatch, Option<TypeRef>)> =
            errors.iter().map(|r| (r.status, r.ty.clone())).collect();
        let distinct: BTreeSet<&Option<TypeRef>> = key.iter().map(|(_, t)| t).collect();
        op.error = match distinct.into_iter().collect::<Vec<_>>().as_slice() {
            [] | [None] => ErrorType::None,
            [Some(ty)] => ErrorType::Single(ty.clone()),
            _ => {
                let name = namer.unique(&format!("{}Error", op.type_name));
                match shared.get(&key) {
                    Some(first) => ErrorType::Enum {
                        name,
                        alias_of: Some(first.clone()),
                    },
                    None => {
                        shared.insert(key.clone(), name.clone());
                        enums.push(ErrorEnum {
                            name: name.clone(),
                            variants: errors.iter().map(|r| status_variant(r, false)).collect(),
                        });
                        ErrorType::Enum {
                            name,
                            alias_of: None,
                        }
                    }
                }
            }
        };
    }
    api.error_enums = enums;
    box_cycles(api);
}

fn success_of(op: &Operation, namer: &mut crate::names::Namer) -> Success {
    let ok: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .collect();
    let bodies: BTreeSet<&TypeRef> = ok.iter().filter_map(|r| r.ty.as_ref()).collect();
    match bodies.len() {
        0 => Success::Empty,
        1 => Success::Single {
            ty: (*bodies.iter().next().expect("one element")).clone(),
            optional: ok.iter().any(|r| r.ty.is_none()),
        },
        _ => Success::Enum {
            name: namer.unique(&format!("{}Response", op.type_name)),
            variants: ok.iter().map(|r| status_variant(r, true)).collect(),
        },
    }
}

fn status_variant(r: &Response, success: bool) -> StatusVariant {
    StatusVariant {
        rust: status_name(r.status, success),
        status: r.status,
        ty: r.ty.clone(),
        doc: r.doc.clone(),
    }
}

/// A readable variant name for a status: `NotFound`, `Created`, `Status418`.
pub fn status_name(status: StatusMatch, success: bool) -> String {
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

/// Marks fields whose type leads back to the containing type without passing
/// through a `Vec` or map, which would make the type infinitely large.
fn box_cycles(api: &mut Api) {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in &api.types {
        let out = edges.entry(t.name.clone()).or_default();
        match &t.kind {
            TypeKind::Struct(s) => {
                for f in &s.fields {
                    if let TypeRef::Named(n) = &f.ty {
                        out.insert(n.clone());
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in &u.variants {
                    if let TypeRef::Named(n) = &v.ty {
                        out.insert(n.clone());
                    }
                }
            }
            TypeKind::Alias(TypeRef::Named(n)) => {
                out.insert(n.clone());
            }
            _ => {}
        }
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (ti, t) in api.types.iter().enumerate() {
        if let TypeKind::Struct(s) = &t.kind {
            for (fi, f) in s.fields.iter().enumerate() {
                if let TypeRef::Named(n) = &f.ty {
                    if reaches(n, &t.name) {
                        to_box.push((ti, fi));
                    }
                }
            }
        }
    }
    for (ti, fi) in to_box {
        if let TypeKind::Struct(s) = &mut api.types[ti].kind {
            s.fields[fi].boxed = true;
        }
    }
}
