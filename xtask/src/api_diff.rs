//! `cargo xtask api-diff`: what a spec change does to the generated Rust API.
//!
//! Both sides are loaded into their [`Surface`]s (see
//! `paygen_codegen::surface`) and compared item by item. Every difference is
//! classified at the level of the generated Rust API:
//!
//! - **breaking**: code that compiles against the old module may not
//!   compile against the new one, or the same call now means something else
//!   on the wire (a path, method, wire name or base URL changed);
//! - **additive**: new things, and changes that keep every existing use
//!   working;
//! - **docs only**: only doc text changed.
//!
//! Fields are judged by where their type travels (`Usage`): a type that is
//! sent is used through `new()` and its setters, a type that is received
//! through its field types. So a field that becomes required breaks senders
//! (`new()` takes it), one that becomes optional breaks readers
//! (`T` → `Option<T>`); a type that does both gets both rules.
//!
//! Open enums (string enums with `Unknown`) and unions with a discriminator
//! may gain variants without a breaking change; closed ones that callers
//! match (success status enums, form answers, untagged unions that are
//! received) may not. Error enums shared by operations are named after their
//! statuses and reached through each operation's alias (`GetPurchaseError`),
//! so a new error status is additive even when it renames the shared enum.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use paygen_codegen::diag::{Diagnostic, Diagnostics};
use paygen_codegen::load::{self, ProviderOptions};
use paygen_codegen::surface::{self, Item, ItemKind, Surface};

/// How a change affects users of the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Breaking,
    Additive,
    Docs,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Docs => "docs only",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Class::Breaking => "Breaking",
            Class::Additive => "Additive",
            Class::Docs => "Documentation only",
        }
    }
}

/// One classified difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub class: Class,
    /// The item's path (`field Purchase.status`).
    pub item: String,
    pub what: String,
    order: (u8, String, u8, String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: `{}`: {}", self.class.label(), self.item, self.what)
    }
}

fn change(class: Class, item: &Item, what: impl Into<String>) -> Change {
    let (a, b, c, d) = item.sort_key();
    Change {
        class,
        item: item.path.clone(),
        what: what.into(),
        order: (a, b.to_string(), c, d.to_string()),
    }
}

type Index<'a> = BTreeMap<&'a str, &'a Item>;

struct Sides<'a> {
    old: Index<'a>,
    new: Index<'a>,
    old_children: BTreeMap<&'a str, Vec<&'a Item>>,
    new_children: BTreeMap<&'a str, Vec<&'a Item>>,
}

fn index(s: &Surface) -> (Index<'_>, BTreeMap<&str, Vec<&Item>>) {
    let mut children: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for i in &s.items {
        if let Some(o) = &i.owner {
            children.entry(o.as_str()).or_default().push(i);
        }
    }
    (
        s.items.iter().map(|i| (i.path.as_str(), i)).collect(),
        children,
    )
}

impl Sides<'_> {
    /// Whether the owner of `item` sends and receives it, on either side
    /// (a type that is neither counts as both).
    fn usage(&self, item: &Item) -> (bool, bool) {
        let Some(owner) = &item.owner else {
            return (true, true);
        };
        let usage: String = [self.old.get(owner.as_str()), self.new.get(owner.as_str())]
            .into_iter()
            .flatten()
            .filter_map(|o| o.get("usage"))
            .collect::<Vec<_>>()
            .join(" ");
        let (sent, received) = (usage.contains("sent"), usage.contains("received"));
        if sent || received {
            (sent, received)
        } else {
            (true, true)
        }
    }

    /// An attribute of the owner of `item`, new side first.
    fn owner_attr(&self, item: &Item, key: &str) -> Option<&str> {
        let owner = item.owner.as_deref()?;
        self.new
            .get(owner)
            .and_then(|o| o.get(key))
            .or_else(|| self.old.get(owner).and_then(|o| o.get(key)))
    }
}

/// Every difference between two surfaces of one module, classified, in the
/// order of the surface text within each class.
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let (oi, oc) = index(old);
    let (ni, nc) = index(new);
    let sides = Sides {
        old: oi,
        new: ni,
        old_children: oc,
        new_children: nc,
    };
    let mut out = Vec::new();
    // Paths already explained (renames), on either side.
    let mut done: BTreeSet<String> = BTreeSet::new();
    type_renames(&sides, &mut out, &mut done);
    op_renames(old, new, &sides, &mut out, &mut done);
    field_renames(old, new, &sides, &mut out, &mut done);
    let covered = |i: &Item, other: &Index| {
        done.contains(&i.path)
            || i.owner
                .as_ref()
                .is_some_and(|o| done.contains(o) || !other.contains_key(o.as_str()))
    };
    for i in &old.items {
        if !sides.new.contains_key(i.path.as_str()) && !covered(i, &sides.new) {
            out.extend(removed(i, &sides));
        }
    }
    for i in &new.items {
        match sides.old.get(i.path.as_str()) {
            None if !covered(i, &sides.old) => out.extend(added(i, &sides)),
            Some(o) if !done.contains(&i.path) => out.extend(changed(o, i, &sides)),
            _ => {}
        }
    }
    out.sort_by(|a, b| (a.class, &a.order, &a.item).cmp(&(b.class, &b.order, &b.item)));
    out
}

/// A type's content with its own name left out, to recognise it under
/// another name.
fn shape(item: &Item, children: Option<&Vec<&Item>>) -> Option<String> {
    let name = item.path.strip_prefix("type ")?;
    let children = children.map(Vec::as_slice).unwrap_or_default();
    if children.is_empty() && item.get("kind") != Some("alias") {
        // An empty struct looks like every other one.
        return None;
    }
    let mut out = String::new();
    for a in item.attrs.iter().filter(|a| a.key != "usage") {
        let _ = write!(out, "{}={};", a.key, a.value);
    }
    for c in children {
        let rest = c.path.replacen(&format!(" {name}."), " Self.", 1).replacen(
            &format!(" {name}::"),
            " Self::",
            1,
        );
        let _ = write!(out, "\n{rest}");
        for a in &c.attrs {
            let _ = write!(out, " {}={}", a.key, a.value);
        }
    }
    Some(out)
}

/// `OrderLine` → `OrderLine2` and back: a name given way to another type.
fn collision_rename(a: &str, b: &str) -> bool {
    let digits = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
    };
    digits(a, b) || digits(b, a)
}

fn type_renames(sides: &Sides, out: &mut Vec<Change>, done: &mut BTreeSet<String>) {
    let mut targets: BTreeMap<String, Vec<&Item>> = BTreeMap::new();
    for (path, item) in &sides.new {
        if item.kind == ItemKind::Type && !sides.old.contains_key(path) {
            if let Some(s) = shape(item, sides.new_children.get(path)) {
                targets.entry(s).or_default().push(item);
            }
        }
    }
    for (path, item) in &sides.old {
        if item.kind != ItemKind::Type || item.get("kind") == Some("error enum") {
            continue;
        }
        let Some(old_shape) = shape(item, sides.old_children.get(path)) else {
            continue;
        };
        let still = sides.new.get(path);
        if still
            .is_some_and(|n| shape(n, sides.new_children.get(path)).as_ref() == Some(&old_shape))
        {
            continue;
        }
        let Some(found) = targets.get_mut(&old_shape) else {
            continue;
        };
        if found.len() != 1 {
            continue;
        }
        let target = found.remove(0);
        let (from, to) = (&path["type ".len()..], &target.path["type ".len()..]);
        let why = if collision_rename(from, to) {
            " (name-collision resolution: another schema now takes a name this one had)"
        } else {
            ""
        };
        let what = match still {
            Some(_) => format!("renamed to `{to}`{why}; `{from}` now names a different type"),
            None => format!("renamed to `{to}`{why}"),
        };
        out.push(change(Class::Breaking, item, what));
        for p in [path.to_string(), target.path.clone()] {
            done.insert(p);
        }
    }
}

fn op_renames(
    old: &Surface,
    new: &Surface,
    sides: &Sides,
    out: &mut Vec<Change>,
    done: &mut BTreeSet<String>,
) {
    let gone: Vec<&Item> = old
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Operation && !sides.new.contains_key(i.path.as_str()))
        .collect();
    let fresh: Vec<&Item> = new
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Operation && !sides.old.contains_key(i.path.as_str()))
        .collect();
    for g in gone {
        let same: Vec<&&Item> = fresh
            .iter()
            .filter(|f| f.get("route") == g.get("route"))
            .collect();
        if let [f] = same.as_slice() {
            let to = f.path.trim_start_matches("op ");
            out.push(change(
                Class::Breaking,
                g,
                format!(
                    "method renamed to `{to}` (same route `{}`)",
                    g.get("route").unwrap_or_default()
                ),
            ));
            done.insert(g.path.clone());
            done.insert(f.path.clone());
        }
    }
}

fn field_renames(
    old: &Surface,
    new: &Surface,
    sides: &Sides,
    out: &mut Vec<Change>,
    done: &mut BTreeSet<String>,
) {
    let mut gone: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for i in &old.items {
        if let (ItemKind::Field, Some(o)) = (i.kind, &i.owner) {
            if !sides.new.contains_key(i.path.as_str()) && sides.new.contains_key(o.as_str()) {
                gone.entry(o.as_str()).or_default().push(i);
            }
        }
    }
    let mut fresh: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for i in &new.items {
        if let (ItemKind::Field, Some(o)) = (i.kind, &i.owner) {
            if !sides.old.contains_key(i.path.as_str()) && sides.old.contains_key(o.as_str()) {
                fresh.entry(o.as_str()).or_default().push(i);
            }
        }
    }
    for (owner, g) in gone {
        let (Some(f), [g]) = (fresh.get(owner), g.as_slice()) else {
            continue;
        };
        let [f] = f.as_slice() else {
            continue;
        };
        if g.get("type") == f.get("type") && g.get("presence") == f.get("presence") {
            let to = f.path.rsplit('.').next().unwrap_or_default();
            out.push(change(
                Class::Breaking,
                g,
                format!(
                    "renamed to `{to}` (wire {} → {})",
                    g.get("wire").unwrap_or_default(),
                    f.get("wire").unwrap_or_default()
                ),
            ));
            done.insert(g.path.clone());
            done.insert(f.path.clone());
        }
    }
}

fn removed(i: &Item, sides: &Sides) -> Option<Change> {
    use Class::*;
    let (class, what) = match i.kind {
        ItemKind::Type if i.get("kind") == Some("error enum") => (
            Additive,
            "shared error enum no longer generated (error enums are named after their \
             statuses; operations name them through their `…Error` aliases)"
                .to_string(),
        ),
        ItemKind::RetryOnBody => (Additive, "no longer retried on this body".to_string()),
        ItemKind::ErrorStatus => {
            let enum_error = sides
                .old
                .get(i.owner.as_deref().unwrap_or_default())
                .and_then(|o| o.get("errors"))
                .is_some_and(|e| e.contains(" = "));
            if enum_error {
                (
                    Breaking,
                    format!("error status removed: variant `{}` is gone", i.shown()),
                )
            } else {
                (Additive, "error status no longer documented".to_string())
            }
        }
        ItemKind::Variant => (Breaking, format!("variant removed (was {})", i.shown())),
        _ => (Breaking, format!("removed (was: {})", i.shown())),
    };
    Some(change(class, i, what))
}

fn added(i: &Item, sides: &Sides) -> Option<Change> {
    use Class::*;
    let shown = i.shown();
    let (class, what) = match i.kind {
        ItemKind::Operation => (Additive, format!("new operation: {shown}")),
        ItemKind::Type => (Additive, format!("new type: {shown}")),
        ItemKind::Field => {
            let presence = i
                .get("presence")
                .and_then(surface::presence_from_label)
                .unwrap_or(paygen_codegen::model::Presence::Optional);
            let (sent, received) = sides.usage(i);
            if presence.in_new() && sent {
                (
                    Breaking,
                    format!(
                        "new required field of a type that is sent: `new()` takes it ({shown})"
                    ),
                )
            } else if sent && received {
                (Additive, format!("new field: {shown}"))
            } else if sent {
                (
                    Additive,
                    format!("new optional request field (a setter): {shown}"),
                )
            } else {
                (Additive, format!("new response field: {shown}"))
            }
        }
        ItemKind::Param => {
            if i.get("required") == Some("required") {
                (Breaking, format!("new required parameter: {shown}"))
            } else {
                (Additive, format!("new optional parameter: {shown}"))
            }
        }
        ItemKind::ErrorStatus => (Additive, format!("new error status: {shown}")),
        ItemKind::Answer => (
            Breaking,
            format!("new answer variant ({shown}): callers match the answer enum"),
        ),
        ItemKind::Variant => {
            let kind = sides.owner_attr(i, "kind").unwrap_or_default();
            let (_, received) = sides.usage(i);
            if kind == "open enum" {
                (Additive, format!("new value of an open enum: {shown}"))
            } else if kind.starts_with("union on") {
                (
                    Additive,
                    format!("new variant of a union with an `Unknown` fallback: {shown}"),
                )
            } else if kind == "response enum" {
                (
                    Breaking,
                    format!("new success status ({shown}): callers match the response enum"),
                )
            } else if received {
                (
                    Breaking,
                    format!("new variant of a closed union that is received ({shown}): callers match it"),
                )
            } else {
                (
                    Additive,
                    format!("new variant of a union that is only sent: {shown}"),
                )
            }
        }
        ItemKind::Credential => (
            Breaking,
            format!("new credential: `Config::new` takes it ({shown})"),
        ),
        ItemKind::Auth | ItemKind::Form | ItemKind::Module => (Breaking, format!("added: {shown}")),
        _ => (Additive, format!("added: {shown}")),
    };
    Some(change(class, i, what))
}

fn changed(o: &Item, n: &Item, sides: &Sides) -> Vec<Change> {
    let mut out = Vec::new();
    if o.kind == ItemKind::Field {
        out.extend(field_changed(o, n, sides));
    } else {
        let mut keys: Vec<&'static str> = n.attrs.iter().map(|a| a.key).collect();
        for a in &o.attrs {
            if !keys.contains(&a.key) {
                keys.push(a.key);
            }
        }
        for key in keys {
            let (a, b) = (o.get(key), n.get(key));
            if a != b {
                if let Some((class, what)) = attr_changed(o, n, key, a, b, sides) {
                    out.push(change(class, n, what));
                }
            }
        }
    }
    if o.doc != n.doc {
        out.push(change(Class::Docs, n, "documentation changed"));
    }
    out
}

fn show(v: Option<&str>) -> String {
    match v {
        Some(v) => format!("`{v}`"),
        None => "none".to_string(),
    }
}

/// Words of a space-separated set attribute.
fn words(v: Option<&str>) -> BTreeSet<&str> {
    v.unwrap_or_default().split_whitespace().collect()
}

fn attr_changed(
    o: &Item,
    n: &Item,
    key: &str,
    a: Option<&str>,
    b: Option<&str>,
    sides: &Sides,
) -> Option<(Class, String)> {
    use Class::*;
    let from_to = format!("{key} {} → {}", show(a), show(b));
    let class = match (o.kind, key) {
        (ItemKind::Module, "title" | "version") => Docs,
        (ItemKind::RetryOnBody, _) | (ItemKind::Poll, "until") => Additive,
        (ItemKind::Operation, "deprecated") => {
            let what = if b.is_some() {
                "deprecated"
            } else {
                "no longer deprecated"
            };
            return Some((Additive, what.to_string()));
        }
        (ItemKind::Operation, "fresh-token") => Additive,
        (ItemKind::Operation, "errors") => {
            // `Alias = SharedEnum`: the shared enum's name follows its
            // statuses, which are compared one by one.
            let alias = |v: Option<&str>| v.map(|v| v.split(" = ").next().unwrap_or(v).to_string());
            if alias(a) == alias(b) {
                return None;
            }
            return Some((Breaking, format!("error type {} → {}", show(a), show(b))));
        }
        (ItemKind::Operation, "params") => {
            let what = match (a, b) {
                (None, Some(p)) => format!("the method takes a new argument `params: {p}`"),
                (Some(p), None) => format!("the method no longer takes `params: {p}`"),
                _ => format!("parameter struct {} → {}", show(a), show(b)),
            };
            return Some((Breaking, what));
        }
        (ItemKind::Operation, "route") => {
            return Some((Breaking, format!("route {} → {}", show(a), show(b))));
        }
        (ItemKind::Param, "type") if o.get("required") != n.get("required") => {
            // `T` ↔ `Option<T>` is said by the change of `required`.
            let strip = |v: Option<&str>| {
                let v = v.unwrap_or_default();
                v.strip_prefix("Option<")
                    .and_then(|r| r.strip_suffix('>'))
                    .unwrap_or(v)
                    .to_string()
            };
            if strip(a) == strip(b) {
                return None;
            }
            Breaking
        }
        (ItemKind::Param, "required") => {
            let what = if b == Some("required") {
                "now required: the method or its parameter struct's `new()` takes it"
            } else {
                "now optional: no longer a `new()` argument, a setter instead"
            };
            return Some((Breaking, what.to_string()));
        }
        (ItemKind::Answer, "values") => {
            let (a, b) = (words(a), words(b));
            let class = if a.is_subset(&b) { Additive } else { Breaking };
            return Some((class, from_to));
        }
        (ItemKind::Type, "usage" | "statuses") => return None,
        (ItemKind::Type, "new") => {
            let (sent, _) = sides.usage(o);
            // Arguments added or removed are reported with their fields;
            // here only a new order of the same arguments counts.
            let args = |v: Option<&str>| -> Vec<String> {
                v.unwrap_or_default()
                    .trim_start_matches("new(")
                    .trim_end_matches(')')
                    .split(", ")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let (x, y) = (args(a), args(b));
            let common_x: Vec<&String> = x.iter().filter(|s| y.contains(s)).collect();
            let common_y: Vec<&String> = y.iter().filter(|s| x.contains(s)).collect();
            if common_x == common_y {
                return None;
            }
            let class = if sent { Breaking } else { Additive };
            return Some((
                class,
                format!(
                    "`new()` arguments in another order: {} → {}",
                    show(a),
                    show(b)
                ),
            ));
        }
        (ItemKind::Type, "methods") => {
            let (x, y) = (words(a), words(b));
            let class = if x.is_subset(&y) { Additive } else { Breaking };
            return Some((class, from_to));
        }
        (ItemKind::Type, "additional") => {
            let class = if a.is_none() { Additive } else { Breaking };
            return Some((class, from_to));
        }
        (ItemKind::Environment, "default") => {
            let what = if b.is_some() {
                "now the default environment"
            } else {
                "no longer the default environment"
            };
            return Some((Breaking, what.to_string()));
        }
        _ => Breaking,
    };
    Some((class, from_to))
}

fn field_changed(o: &Item, n: &Item, sides: &Sides) -> Vec<Change> {
    use paygen_codegen::model::Presence;
    use Class::*;
    let mut out = Vec::new();
    let mut breaking = Vec::new();
    let mut additive = Vec::new();
    if o.get("wire") != n.get("wire") {
        breaking.push(format!(
            "wire name {} → {}",
            show(o.get("wire")),
            show(n.get("wire"))
        ));
    }
    if o.get("layout") != n.get("layout") {
        breaking.push(format!(
            "form layout {} → {}",
            show(o.get("layout")),
            show(n.get("layout"))
        ));
    }
    let presence = |i: &Item| {
        i.get("presence")
            .and_then(surface::presence_from_label)
            .unwrap_or(Presence::Optional)
    };
    let (op, np) = (presence(o), presence(n));
    let (ot, nt) = (
        o.get("type").unwrap_or_default(),
        n.get("type").unwrap_or_default(),
    );
    if o.get("inner") != n.get("inner") {
        breaking.push(format!("type `{ot}` → `{nt}`"));
    } else if op != np {
        let (sent, received) = sides.usage(n);
        let mut why = Vec::new();
        if received && ot != nt {
            why.push(format!("readers see `{ot}` → `{nt}`"));
        }
        if sent {
            let setter = |p: Presence| matches!(p, Presence::Optional | Presence::OptionalNullable);
            let new_arg = |p: Presence, inner: &str| match p {
                Presence::Required | Presence::RequiredWriteOnly => Some(inner.to_string()),
                Presence::RequiredNullable => Some(format!("Option<{inner}>")),
                _ => None,
            };
            let inner = n.get("inner").unwrap_or_default();
            match (new_arg(op, inner), new_arg(np, inner)) {
                (None, Some(_)) => why.push("`new()` takes it now".to_string()),
                (Some(_), None) => why.push("no longer a `new()` argument".to_string()),
                (Some(x), Some(y)) if x != y => {
                    why.push(format!("`new()` takes `{y}` instead of `{x}`"))
                }
                _ => {}
            }
            if setter(op) && !setter(np) && !np.in_new() {
                why.push("its setter is gone".to_string());
            }
        }
        let label = format!(
            "{} → {}",
            surface::presence_label(op),
            surface::presence_label(np)
        );
        if why.is_empty() {
            additive.push(label);
        } else {
            breaking.push(format!("{label}: {}", why.join("; ")));
        }
    }
    if o.get("also") != n.get("also") {
        additive.push(format!(
            "also read from {} → {}",
            show(o.get("also")),
            show(n.get("also"))
        ));
    }
    if o.get("checks") != n.get("checks") {
        additive.push(format!(
            "checks before sending {} → {}",
            show(o.get("checks")),
            show(n.get("checks"))
        ));
    }
    if !breaking.is_empty() {
        out.push(change(Breaking, n, breaking.join("; ")));
    }
    if !additive.is_empty() {
        out.push(change(Additive, n, additive.join("; ")));
    }
    out
}

// ---------------------------------------------------------------------------
// Providers on both sides, the verdict and the report.

/// The diff of one provider.
#[derive(Debug)]
pub struct ProviderDiff {
    pub name: String,
    pub status: ProviderStatus,
}

#[derive(Debug)]
pub enum ProviderStatus {
    Added,
    Removed,
    Compared(Vec<Change>),
}

impl ProviderDiff {
    /// The most severe class, `None` for no change.
    pub fn verdict(&self) -> Option<Class> {
        match &self.status {
            ProviderStatus::Added => Some(Class::Additive),
            ProviderStatus::Removed => Some(Class::Breaking),
            ProviderStatus::Compared(c) => c.iter().map(|c| c.class).min(),
        }
    }
}

fn verdict_label(v: Option<Class>) -> &'static str {
    v.map_or("no change", Class::label)
}

/// A version `major.minor.patch` (pre-release and build suffixes ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let core = s.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let v = Version(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(v)
    }

    /// The smallest version after this one that semver allows for a
    /// change of `class` (0.x: breaking → minor, everything else → patch).
    pub fn bump(self, class: Class) -> Version {
        let Version(major, minor, patch) = self;
        match (class, major) {
            (Class::Breaking, 0) => Version(0, minor + 1, 0),
            (Class::Breaking, _) => Version(major + 1, 0, 0),
            (Class::Additive, 0) | (Class::Docs, _) => Version(major, minor, patch + 1),
            (Class::Additive, _) => Version(major, minor + 1, 0),
        }
    }

    /// Whether going from `self` to `to` is a large enough bump for `class`.
    pub fn allows(self, to: Version, class: Class) -> bool {
        let need = self.bump(class);
        match (class, self.0) {
            (Class::Breaking, 0) => (to.0, to.1) >= (need.0, need.1),
            (Class::Breaking, _) => to.0 >= need.0,
            _ => to > self,
        }
    }
}

/// The `version` of the `[package]` table of a Cargo.toml.
pub fn package_version(manifest: &str) -> Option<Version> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some(rest) = line.strip_prefix("version") {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            return Version::parse(value.trim_matches('"'));
        }
    }
    None
}

/// At most this many changes of one class per provider in the report.
const SHOWN_PER_CLASS: usize = 60;

/// The Markdown report: per provider a verdict line and its changes by
/// class, then what the crate's version has to become.
pub fn report(title: &str, diffs: &[ProviderDiff], version: Option<Version>, all: bool) -> String {
    let mut out = format!("## API diff: {title}\n\n");
    let overall = diffs.iter().filter_map(ProviderDiff::verdict).min();
    for d in diffs {
        let v = d.verdict();
        match &d.status {
            ProviderStatus::Added => {
                let _ = writeln!(out, "### `{}`: **additive** (new provider)\n", d.name);
            }
            ProviderStatus::Removed => {
                let _ = writeln!(
                    out,
                    "### `{}`: **breaking** (provider removed: its module and feature are gone)\n",
                    d.name
                );
            }
            ProviderStatus::Compared(changes) if changes.is_empty() => {
                let _ = writeln!(out, "### `{}`: no change\n", d.name);
            }
            ProviderStatus::Compared(changes) => {
                let count = |c: Class| changes.iter().filter(|x| x.class == c).count();
                let counts: Vec<String> = [Class::Breaking, Class::Additive, Class::Docs]
                    .into_iter()
                    .filter(|c| count(*c) > 0)
                    .map(|c| format!("{} {}", count(c), c.label()))
                    .collect();
                let _ = writeln!(
                    out,
                    "### `{}`: **{}** ({})\n",
                    d.name,
                    verdict_label(v),
                    counts.join(", ")
                );
                for class in [Class::Breaking, Class::Additive, Class::Docs] {
                    let of: Vec<&Change> = changes.iter().filter(|c| c.class == class).collect();
                    if of.is_empty() {
                        continue;
                    }
                    let _ = writeln!(out, "{}:\n", class.heading());
                    let limit = if all { of.len() } else { SHOWN_PER_CLASS };
                    for c in of.iter().take(limit) {
                        let _ = writeln!(out, "- `{}`: {}", c.item, c.what);
                    }
                    if of.len() > limit {
                        let _ = writeln!(
                            out,
                            "- … and {} more (`cargo xtask api-diff --all` lists every one)",
                            of.len() - limit
                        );
                    }
                    out.push('\n');
                }
            }
        }
    }
    out.push_str("### Semver\n\n");
    let line = match (overall, version) {
        (None, _) => "No change to the generated API: no version bump needed.".to_string(),
        (Some(class), Some(v)) => {
            let kind = match (class, v.0) {
                (Class::Breaking, 0) => "a minor bump (0.x: breaking)",
                (Class::Breaking, _) => "a major bump",
                (Class::Additive, 0) => "a patch bump (0.x: additive)",
                (Class::Additive, _) => "a minor bump",
                (Class::Docs, _) => "a patch bump (docs only)",
            };
            format!(
                "Verdict **{}**: `paygen` {v} needs {kind}, to {}.",
                class.label(),
                v.bump(class)
            )
        }
        (Some(class), None) => format!(
            "Verdict **{}** (the version of `generated/Cargo.toml` could not be read).",
            class.label()
        ),
    };
    out.push_str(&line);
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------
// Loading the two sides.

/// What can go wrong before a diff exists.
#[derive(Debug)]
pub enum DiffError {
    GitMissing(String),
    Git(String),
    NoBase(String),
    Load {
        what: String,
        diagnostics: Vec<Diagnostic>,
    },
    Io(String),
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::GitMissing(e) => write!(f, "git is needed to read the base revision: {e}"),
            DiffError::Git(e) => write!(f, "git failed: {e}"),
            DiffError::NoBase(e) => write!(f, "{e}"),
            DiffError::Load { what, diagnostics } => {
                writeln!(f, "{what} does not load:")?;
                for d in diagnostics {
                    writeln!(f, "  {d}")?;
                }
                Ok(())
            }
            DiffError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The surfaces of every provider folder under `specs` (by folder name).
pub fn provider_surfaces(
    specs: &Path,
    display_root: &Path,
    what: &str,
) -> Result<BTreeMap<String, Surface>, DiffError> {
    let rd = std::fs::read_dir(specs)
        .map_err(|e| DiffError::Io(format!("cannot list {}: {e}", specs.display())))?;
    let mut dirs: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = BTreeMap::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let s = provider_surface(&dir, display_root, &format!("{what} specs/{name}"))?;
        out.insert(name, s);
    }
    Ok(out)
}

/// The surface of one provider folder.
pub fn provider_surface(dir: &Path, display_root: &Path, what: &str) -> Result<Surface, DiffError> {
    match load::load_provider(dir, display_root) {
        Ok(l) => Ok(surface::surface(&l.api)),
        Err(f) => Err(DiffError::Load {
            what: what.to_string(),
            diagnostics: f.diagnostics,
        }),
    }
}

/// The surface of one OpenAPI document, as module `api`.
/// `$ref`s to other files resolve beside it.
pub fn document_surface(path: &Path) -> Result<Surface, DiffError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| DiffError::Io(format!("cannot read {shown}: {e}")))?;
    let opts = ProviderOptions::new("api", shown.as_str());
    let mut diags = Diagnostics::new(shown.as_str());
    match load::load_openapi_at(path, &text, &opts, &mut diags) {
        Some(api) => Ok(surface::surface(&api)),
        None => Err(DiffError::Load {
            what: shown,
            diagnostics: diags.items,
        }),
    }
}

/// Compares providers by folder name.
pub fn compare(
    old: &BTreeMap<String, Surface>,
    new: &BTreeMap<String, Surface>,
) -> Vec<ProviderDiff> {
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    names
        .into_iter()
        .map(|name| ProviderDiff {
            name: new
                .get(name)
                .or(old.get(name))
                .map_or_else(|| name.clone(), |s| s.module.clone()),
            status: match (old.get(name), new.get(name)) {
                (Some(o), Some(n)) => ProviderStatus::Compared(diff(o, n)),
                (None, _) => ProviderStatus::Added,
                (Some(_), None) => ProviderStatus::Removed,
            },
        })
        .collect()
}

/// Runs git in `root`; its stdout, or a typed error.
pub fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, DiffError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| DiffError::GitMissing(e.to_string()))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(DiffError::Git(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// The commit a revision names, or an error that says it does not exist.
pub fn resolve(root: &Path, rev: &str) -> Result<String, DiffError> {
    git(root, &["--version"])?;
    let spec = format!("{rev}^{{commit}}");
    match git(root, &["rev-parse", "--verify", "--quiet", &spec]) {
        Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_string()),
        Err(DiffError::Git(_)) => Err(DiffError::NoBase(format!(
            "the base revision `{rev}` does not exist in this repository"
        ))),
        Err(e) => Err(e),
    }
}

/// The merge base of `HEAD` and `main`.
pub fn merge_base(root: &Path) -> Result<String, DiffError> {
    git(root, &["--version"])?;
    resolve(root, "main").map_err(|_| {
        DiffError::NoBase(
            "there is no branch `main` to compare with; pass --base <revision>".to_string(),
        )
    })?;
    let out = git(root, &["merge-base", "HEAD", "main"]).map_err(|e| {
        DiffError::NoBase(format!(
            "HEAD and `main` have no merge base ({e}); pass --base <revision>"
        ))
    })?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Result<TempDir, DiffError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("paygen-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| DiffError::Io(format!("cannot create {}: {e}", dir.display())))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes the files under `prefix` at `rev` into `into`, keeping their paths.
pub fn extract(root: &Path, rev: &str, prefix: &str, into: &Path) -> Result<(), DiffError> {
    let list = git(
        root,
        &["ls-tree", "-r", "-z", "--name-only", rev, "--", prefix],
    )?;
    for path in list.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        let bytes = git(root, &["show", &format!("{rev}:{path}")])?;
        let dest = into.join(&path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| DiffError::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&dest, bytes)
            .map_err(|e| DiffError::Io(format!("cannot write {}: {e}", dest.display())))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The command.

#[derive(Debug, Default)]
struct Args {
    base: Option<String>,
    old: Option<PathBuf>,
    new: Option<PathBuf>,
    deny_breaking: bool,
    check_version: bool,
    all: bool,
}

fn parse(args: &[&str]) -> Result<Args, String> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .map(|v| v.to_string())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match *a {
            "--base" => out.base = Some(value("--base")?),
            "--old" => out.old = Some(value("--old")?.into()),
            "--new" => out.new = Some(value("--new")?.into()),
            "--deny-breaking" => out.deny_breaking = true,
            "--check-version" => out.check_version = true,
            "--all" => out.all = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    match (&out.old, &out.new, &out.base) {
        (Some(_), Some(_), None) | (None, None, _) => {}
        (Some(_), Some(_), Some(_)) => {
            return Err("--base and --old/--new exclude each other".into())
        }
        _ => return Err("--old and --new go together".into()),
    }
    if out.check_version && out.old.is_some() {
        return Err("--check-version compares with a base revision, not with --old/--new".into());
    }
    Ok(out)
}

/// `cargo xtask api-diff …`.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match execute(root, &args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn execute(root: &Path, args: &Args) -> Result<ExitCode, DiffError> {
    let manifest = |text: &str| package_version(text);
    let current = std::fs::read_to_string(root.join("generated/Cargo.toml"))
        .ok()
        .and_then(|t| manifest(&t));
    let (title, diffs, base_version) = match (&args.old, &args.new) {
        (Some(old), Some(new)) => {
            let load = |p: &Path| -> Result<BTreeMap<String, Surface>, DiffError> {
                let s = if p.is_dir() {
                    provider_surface(p, p.parent().unwrap_or(p), &p.display().to_string())?
                } else {
                    document_surface(p)?
                };
                Ok(BTreeMap::from([("api".to_string(), s)]))
            };
            let (o, n) = (load(old)?, load(new)?);
            let title = format!("`{}` → `{}`", old.display(), new.display());
            let mut diffs = compare(&o, &n);
            // Name the pair after the new document rather than `api`.
            let stem = new.file_stem().map(|s| s.to_string_lossy().into_owned());
            for d in &mut diffs {
                d.name = stem.clone().unwrap_or_else(|| d.name.clone());
            }
            (title, diffs, None)
        }
        _ => {
            let rev = match &args.base {
                Some(b) => resolve(root, b)?,
                None => merge_base(root)?,
            };
            let tmp = TempDir::new("api-diff")?;
            extract(root, &rev, "specs", &tmp.0)?;
            let short = &rev[..rev.len().min(12)];
            let old =
                provider_surfaces(&tmp.0.join("specs"), &tmp.0, &format!("the base ({short})"))?;
            let new = provider_surfaces(&root.join("specs"), root, "the working tree's")?;
            let base_version = git(root, &["show", &format!("{rev}:generated/Cargo.toml")])
                .ok()
                .and_then(|b| manifest(&String::from_utf8_lossy(&b)));
            let title = format!("`specs/` at {short} → working tree");
            (title, compare(&old, &new), base_version)
        }
    };
    let version = base_version.or(current);
    print!("{}", report(&title, &diffs, version, args.all));
    let overall = diffs.iter().filter_map(ProviderDiff::verdict).min();
    let mut ok = true;
    if args.deny_breaking && overall == Some(Class::Breaking) {
        eprintln!("error: breaking API change (--deny-breaking)");
        ok = false;
    }
    if args.check_version && overall == Some(Class::Breaking) {
        match (base_version, current) {
            (Some(from), Some(to)) if from.allows(to, Class::Breaking) => {
                println!("\nThe version bump {from} → {to} covers the breaking change.")
            }
            (Some(from), Some(to)) => {
                eprintln!(
                    "error: a breaking API change without the version bump it needs: \
                     generated/Cargo.toml is {to} (it was {from} at the base); set it to {} or later",
                    from.bump(Class::Breaking)
                );
                ok = false;
            }
            _ => {
                eprintln!(
                    "error: cannot read the version of generated/Cargo.toml at the base and now"
                );
                ok = false;
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    //! One pair of small documents per classification rule: the base
    //! document below, and the same with one edit.

    use super::*;

    const SHOP: &str = r##"openapi: 3.0.3
info: {title: Shop, version: '1'}
servers: [{url: 'https://api.shop.example/v1'}]
security: [{token: []}]
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
  schemas:
    Order:
      description: An order; sent and received.
      type: object
      required: [id]
      properties:
        id: {type: string}
        note: {type: string}
        status: {$ref: '#/components/schemas/OrderStatus'}
        lines: {type: array, items: {$ref: '#/components/schemas/OrderLine'}}
    OrderStatus: {type: string, enum: [open, paid]}
    OrderLine:
      type: object
      required: [sku]
      properties:
        sku: {type: string}
        qty: {type: integer}
    NewOrder:
      type: object
      required: [sku]
      properties:
        sku: {type: string}
        coupon: {type: string}
    Receipt:
      type: object
      required: [total]
      properties:
        total: {type: integer, format: int64}
    Error:
      type: object
      properties:
        message: {type: string}
paths:
  /orders:
    post:
      operationId: createOrder
      summary: Create an order.
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/NewOrder'}}}
      responses:
        '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Receipt'}}}}
        '400': {description: bad, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        '404': {description: no such shop}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: expand, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
        '404': {description: missing, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
    put:
      operationId: replaceOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
"##;

    /// The surface of an OpenAPI document given as text, as module `api`.
    fn document_text_surface(text: &str, shown: &str) -> Result<Surface, DiffError> {
        let opts = ProviderOptions::new("api", shown);
        let mut diags = Diagnostics::new(shown);
        match load::load_openapi(text, &opts, &mut diags) {
            Some(api) => Ok(surface::surface(&api)),
            None => Err(DiffError::Load {
                what: shown.to_string(),
                diagnostics: diags.items,
            }),
        }
    }

    fn surface_of(text: &str) -> Surface {
        match document_text_surface(text, "shop.yaml") {
            Ok(s) => s,
            Err(e) => panic!("{e}\n{text}"),
        }
    }

    /// The changes from SHOP to SHOP with each `(from, to)` replaced once.
    #[track_caller]
    fn changes(edits: &[(&str, &str)]) -> Vec<String> {
        let mut new = SHOP.to_string();
        for (from, to) in edits {
            assert!(new.contains(from), "`{from}` is not in the document");
            new = new.replacen(from, to, 1);
        }
        diff(&surface_of(SHOP), &surface_of(&new))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// A split document: a change in one of its other files is a change of
    /// the API (`tests/fixtures/multifile`, copied and edited).
    #[test]
    fn a_change_in_another_file_of_a_split_document_is_seen() {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let path = entry.unwrap().path();
                let dest = to.join(path.file_name().unwrap());
                if path.is_dir() {
                    copy(&path, &dest);
                } else {
                    std::fs::copy(&path, &dest).unwrap();
                }
            }
        }
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/multifile");
        let tmp = TempDir::new("split-diff").unwrap();
        let (old, new) = (tmp.0.join("old"), tmp.0.join("new"));
        copy(&fixture, &old);
        copy(&fixture, &new);
        let pet = new.join("schemas/pet.yaml");
        let text = std::fs::read_to_string(&pet).unwrap();
        std::fs::write(&pet, text.replace("  owner:\n    $ref: owner.yaml\n", "")).unwrap();
        let changes: Vec<String> = diff(
            &document_surface(&old.join("openapi.yaml")).unwrap(),
            &document_surface(&new.join("openapi.yaml")).unwrap(),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        // `owner.yaml` is no longer referred to, so its type is gone too.
        assert_eq!(
            changes,
            [
                "breaking: `type Owner`: removed (was: struct, new(), received)",
                "breaking: `field Pet.owner`: removed (was: Option<Owner>, optional)",
            ],
            "{changes:#?}"
        );
    }

    #[test]
    fn the_same_document_has_no_change() {
        assert_eq!(changes(&[]), Vec::<String>::new());
    }

    #[test]
    fn a_removed_operation_is_breaking() {
        assert_eq!(
            changes(&[(
                "    put:\n      operationId: replaceOrder",
                "    x-put:\n      operationId: replaceOrder"
            )]),
            ["breaking: `op replace_order`: removed (was: PUT /orders/{id}, body Order (json), -> Order, errors ())"]
        );
    }

    #[test]
    fn a_renamed_operation_is_breaking() {
        assert_eq!(
            changes(&[("operationId: replaceOrder", "operationId: putOrder")]),
            ["breaking: `op replace_order`: method renamed to `put_order` (same route `PUT /orders/{id}`)"]
        );
    }

    #[test]
    fn a_removed_field_parameter_or_type_is_breaking() {
        assert_eq!(
            changes(&[("        note: {type: string}\n", "")]),
            ["breaking: `field Order.note`: removed (was: Option<String>, optional)"]
        );
        assert_eq!(
            changes(&[("        - {name: expand, in: query, schema: {type: string}}\n", "")]),
            [
                "breaking: `op get_order`: the method no longer takes `params: GetOrderParams`",
                "breaking: `param get_order.expand`: removed (was: Option<String>, query, optional)",
            ]
        );
        assert_eq!(
            changes(&[
                (
                    "        lines: {type: array, items: {$ref: '#/components/schemas/OrderLine'}}\n",
                    ""
                ),
                (
                    "    OrderLine:\n      type: object\n      required: [sku]\n      properties:\n        \
                     sku: {type: string}\n        qty: {type: integer}\n",
                    ""
                ),
            ]),
            [
                "breaking: `field Order.lines`: removed (was: Option<Vec<OrderLine>>, optional)",
                "breaking: `type OrderLine`: removed (was: struct, new(sku), sent received)",
            ]
        );
    }

    #[test]
    fn a_removed_value_of_an_open_enum_is_breaking() {
        assert_eq!(
            changes(&[("enum: [open, paid]", "enum: [open]")]),
            ["breaking: `variant OrderStatus::Paid`: variant removed (was \"paid\")"]
        );
    }

    #[test]
    fn a_new_value_of_an_open_enum_is_additive() {
        assert_eq!(
            changes(&[("enum: [open, paid]", "enum: [open, paid, refunded]")]),
            ["additive: `variant OrderStatus::Refunded`: new value of an open enum: \"refunded\""]
        );
    }

    #[test]
    fn a_changed_rust_type_is_breaking() {
        assert_eq!(
            changes(&[("note: {type: string}", "note: {type: integer}")]),
            ["breaking: `field Order.note`: type `Option<String>` → `Option<i64>`"]
        );
        assert_eq!(
            changes(&[(
                "{name: expand, in: query, schema: {type: string}}",
                "{name: expand, in: query, schema: {type: boolean}}"
            )]),
            ["breaking: `param get_order.expand`: type `Option<String>` → `Option<bool>`"]
        );
    }

    #[test]
    fn a_request_field_or_parameter_that_becomes_required_is_breaking() {
        assert_eq!(
            changes(&[("required: [sku]\n      properties:\n        sku: {type: string}\n        coupon",
                       "required: [sku, coupon]\n      properties:\n        sku: {type: string}\n        coupon")]),
            ["breaking: `field NewOrder.coupon`: optional → required: `new()` takes it now"]
        );
        assert_eq!(
            changes(&[(
                "{name: expand, in: query, schema: {type: string}}",
                "{name: expand, in: query, required: true, schema: {type: string}}"
            )]),
            ["breaking: `param get_order.expand`: now required: the method or its parameter struct's `new()` takes it"]
        );
    }

    #[test]
    fn a_new_required_field_of_a_sent_type_is_breaking() {
        assert_eq!(
            changes(&[("        coupon: {type: string}\n", "        coupon: {type: string}\n        email: {type: string}\n"),
                      ("required: [sku]\n      properties:\n        sku: {type: string}\n        coupon",
                       "required: [sku, email]\n      properties:\n        sku: {type: string}\n        coupon")]),
            ["breaking: `field NewOrder.email`: new required field of a type that is sent: `new()` takes it (String, required)"]
        );
    }

    #[test]
    fn a_response_field_that_becomes_optional_is_breaking() {
        assert_eq!(
            changes(&[("      required: [total]\n", "")]),
            ["breaking: `field Receipt.total`: required → optional: readers see `i64` → `Option<i64>`"]
        );
    }

    #[test]
    fn a_field_of_a_type_sent_and_received_breaks_both_ways() {
        assert_eq!(
            changes(&[("      required: [id]\n", "")]),
            ["breaking: `field Order.id`: required → optional: readers see `String` → `Option<String>`; \
              no longer a `new()` argument"]
        );
    }

    #[test]
    fn a_new_required_field_of_a_received_type_is_additive() {
        assert_eq!(
            changes(&[("required: [total]\n      properties:\n", "required: [total, currency]\n      properties:\n        currency: {type: string}\n")]),
            ["additive: `field Receipt.currency`: new response field: String, required"]
        );
    }

    #[test]
    fn a_new_optional_request_field_is_additive() {
        assert_eq!(
            changes(&[("        coupon: {type: string}\n", "        coupon: {type: string}\n        gift: {type: boolean}\n")]),
            ["additive: `field NewOrder.gift`: new optional request field (a setter): Option<bool>, optional"]
        );
    }

    #[test]
    fn route_and_method_changes_are_breaking() {
        assert_eq!(
            changes(&[("  /orders:\n", "  /v2/orders:\n")]),
            ["breaking: `op create_order`: route `POST /orders` → `POST /v2/orders`"]
        );
        assert_eq!(
            changes(&[("    put:\n", "    patch:\n")]),
            ["breaking: `op replace_order`: route `PUT /orders/{id}` → `PATCH /orders/{id}`"]
        );
    }

    #[test]
    fn a_type_renamed_by_name_collision_resolution_is_breaking() {
        // A new schema `Order Line` takes the name `OrderLine`; the old one
        // becomes `OrderLine2`.
        let found = changes(&[(
            "    OrderLine:\n",
            "    Order Line:\n      type: object\n      properties:\n        gift: {type: boolean}\n    OrderLine:\n",
        )]);
        assert_eq!(
            found,
            [
                "breaking: `field Order.lines`: type `Option<Vec<OrderLine>>` → `Option<Vec<OrderLine2>>`",
                "breaking: `type OrderLine`: renamed to `OrderLine2` (name-collision resolution: another schema \
                 now takes a name this one had); `OrderLine` now names a different type",
            ]
        );
    }

    #[test]
    fn an_auth_scheme_change_is_breaking() {
        assert_eq!(
            changes(&[("{type: http, scheme: bearer}", "{type: http, scheme: basic}")]),
            ["breaking: `auth`: scheme `bearer, Config::new(token)` → `basic, Config::new(username, password)`"]
        );
    }

    #[test]
    fn a_base_url_change_is_breaking() {
        assert_eq!(
            changes(&[("https://api.shop.example/v1", "https://api.shop.example/v2")]),
            ["breaking: `environment Server1`: url `https://api.shop.example/v1` → `https://api.shop.example/v2`"]
        );
    }

    #[test]
    fn new_operations_types_and_error_statuses_are_additive() {
        assert_eq!(
            changes(&[(
                "  /orders/{id}:\n",
                "  /receipts:\n    get:\n      operationId: listReceipts\n      responses:\n        \
                 '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Page'}}}}\n  /orders/{id}:\n",
            ), (
                "    Error:\n",
                "    Page:\n      type: object\n      properties:\n        items: {type: array, items: {$ref: '#/components/schemas/Receipt'}}\n    Error:\n",
            ), (
                "        '404': {description: no such shop}\n",
                "        '404': {description: no such shop}\n        '409': {description: conflict, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}\n",
            )]),
            [
                "additive: `error create_order 409`: new error status: Conflict(ErrorModel)",
                "additive: `op list_receipts`: new operation: GET /receipts, -> Page, errors ()",
                "additive: `type BadRequestNotFoundConflictError`: new type: error enum, statuses 400 404 409, received",
                "additive: `type BadRequestNotFoundError`: shared error enum no longer generated (error enums are named \
                 after their statuses; operations name them through their `…Error` aliases)",
                "additive: `type Page`: new type: struct, new(), received",
            ]
        );
    }

    #[test]
    fn an_error_status_removed_from_an_error_enum_is_breaking() {
        assert_eq!(
            changes(&[("        '404': {description: no such shop}\n", "")]),
            [
                "breaking: `op create_order`: error type `CreateOrderError = BadRequestNotFoundError` → `ErrorModel`",
                "breaking: `error create_order 400`: decodes `BadRequest(ErrorModel)` → `ErrorModel`",
                "breaking: `error create_order 404`: error status removed: variant `NotFound` is gone",
                "additive: `type BadRequestNotFoundError`: shared error enum no longer generated (error enums are named \
                 after their statuses; operations name them through their `…Error` aliases)",
            ]
        );
    }

    #[test]
    fn doc_changes_are_docs_only() {
        assert_eq!(
            changes(&[
                (
                    "summary: Create an order.",
                    "summary: Create an order and reserve stock."
                ),
                (
                    "description: An order; sent and received.",
                    "description: An order."
                ),
            ]),
            [
                "docs only: `op create_order`: documentation changed",
                "docs only: `type Order`: documentation changed",
            ]
        );
    }

    #[test]
    fn success_status_variants_are_a_closed_enum() {
        let with = |extra: &str| {
            SHOP.replacen(
                "        '404': {description: missing,",
                &format!("{extra}        '404': {{description: missing,"),
                1,
            )
        };
        let two = with("        '202': {description: later, content: {application/json: {schema: {$ref: '#/components/schemas/Receipt'}}}}\n");
        let three = with("        '202': {description: later, content: {application/json: {schema: {$ref: '#/components/schemas/Receipt'}}}}\n        '203': {description: cached}\n");
        let found = |a: &str, b: &str| -> Vec<String> {
            diff(&surface_of(a), &surface_of(b))
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            found(&three, &two),
            ["breaking: `variant GetOrderResponse::NonAuthoritative`: variant removed (was 203, no body)"]
        );
        assert_eq!(
            found(&two, &three),
            ["breaking: `variant GetOrderResponse::NonAuthoritative`: new success status (203, no body): \
              callers match the response enum"]
        );
    }

    #[test]
    fn form_answers_and_common_parameters() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap();
        let tmp = TempDir::new("api-diff-form").unwrap();
        let copy = |name: &str, edit: &dyn Fn(String) -> String| {
            let dir = tmp.0.join(name).join("payone");
            std::fs::create_dir_all(&dir).unwrap();
            for f in ["spec.yaml", "paygen.yaml"] {
                let text = std::fs::read_to_string(root.join("specs/payone").join(f)).unwrap();
                std::fs::write(dir.join(f), edit(text)).unwrap();
            }
            provider_surface(&dir, &tmp.0.join(name), "payone").unwrap()
        };
        let old = copy("old", &|t| t);
        let new = copy("new", &|t| {
            t.replacen("  encoding: UTF-8\n", "  encoding: UTF-8\n  language: de\n", 1)
                .replacen(
                    "      APPROVED:\n        also: [OK]\n        doc: The authorization was cancelled.\n",
                    "      PENDING:\n        doc: Not yet.\n        fields: []\n      APPROVED:\n        also: [OK]\n        doc: The authorization was cancelled.\n",
                    1,
                )
        });
        let found: Vec<String> = diff(&old, &new).iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "breaking: `answer CancelAuthorizationResponse::Pending`: new answer variant \
                 (CancelAuthorizationPending, values PENDING): callers match the answer enum",
                "additive: `common-param language`: added: de",
                "additive: `type CancelAuthorizationPending`: new type: struct, new(), additional BTreeMap<String, String>, \
                 received, methods from_kv",
            ]
        );
    }

    /// Real published versions of the same document, from a clone of
    /// `github.com/Adyen/adyen-openapi` that `PAYGEN_DIFF_PAIRS` points at
    /// (its git directory or work tree). Vendor documents are test data and
    /// never part of this repository, so without the variable (as in CI)
    /// the test prints SKIPPED.
    #[test]
    fn real_document_pairs() {
        let Some(repo) = std::env::var_os("PAYGEN_DIFF_PAIRS") else {
            println!("SKIPPED: set PAYGEN_DIFF_PAIRS to a clone of Adyen/adyen-openapi");
            return;
        };
        let repo = PathBuf::from(repo);
        // (pair, old revision:path, new revision:path, lines the report must hold)
        let pairs: &[(&str, &str, &str, &[&str])] = &[
            (
                "CheckoutService v70 → v71",
                "HEAD:json/CheckoutService-v70.json",
                "HEAD:json/CheckoutService-v71.json",
                &[
                    "### `CheckoutService v70 → v71`: **breaking** (38 breaking, 8 additive, 4 docs only)",
                    "- `field DonationPaymentRequest.splits`: removed (was: Option<Vec<Split>>, optional)",
                    "- `field PaymentLinkRequest.expires_at`: type `Option<String>` → `Option<runtime::DateTime>`",
                    "- `field StoredPaymentMethodResource.mandate`: new response field: Option<TokenMandate>, optional",
                ],
            ),
            (
                "CheckoutService v71, two releases",
                "ab42e88:json/CheckoutService-v71.json",
                "74fabab:json/CheckoutService-v71.json",
                &[
                    "### `CheckoutService v71, two releases`: **breaking** (2 breaking, 5 additive, 3 docs only)",
                    "- `field ResponseAdditionalDataCard.card_product_id`: type \
                     `Option<ResponseAdditionalDataCardCardProductId>` → `Option<String>`",
                    "- `field DirectDebitAuDetails.holder_name`: new optional request field (a setter): \
                     Option<String>, optional, wire \"holderName\"",
                    "- `field ResponseAdditionalDataCard.card_product_id`: documentation changed",
                ],
            ),
            (
                "BinLookupService v52 → v54",
                "HEAD:json/BinLookupService-v52.json",
                "HEAD:json/BinLookupService-v54.json",
                &[
                    "### `BinLookupService v52 → v54`: **breaking** (2 breaking, 2 additive, 2 docs only)",
                    "- `field ThreeDs2CardRangeDetail.three_ds2_version`: removed (was: Option<String>, optional, \
                     wire \"threeDS2Version\")",
                    "- `field ThreeDs2CardRangeDetail.three_ds2_versions`: new response field: Option<Vec<String>>, \
                     optional, wire \"threeDS2Versions\"",
                ],
            ),
            (
                "PaymentService v67 → v68",
                "HEAD:json/PaymentService-v67.json",
                "HEAD:json/PaymentService-v68.json",
                &[
                    "### `PaymentService v67 → v68`: **breaking** (1 breaking, 60 additive, 2 docs only)",
                    "- `environment Server1`: url `https://pal-test.adyen.com/pal/servlet/Payment/v67` → \
                     `https://pal-test.adyen.com/pal/servlet/Payment/v68`",
                    "- `field PaymentRequest.platform_chargeback_logic`: new optional request field (a setter): \
                     Option<PlatformChargebackLogic>, optional, wire \"platformChargebackLogic\"",
                ],
            ),
        ];
        let mut diffs = Vec::new();
        for (name, old, new, expected) in pairs {
            let text = |spec: &str| {
                let bytes = git(&repo, &["show", spec])
                    .unwrap_or_else(|e| panic!("PAYGEN_DIFF_PAIRS={}: {e}", repo.display()));
                String::from_utf8(bytes).unwrap()
            };
            let (a, b) = (text(old), text(new));
            let (a, b) = (
                document_text_surface(&a, old).unwrap(),
                document_text_surface(&b, new).unwrap(),
            );
            let d = ProviderDiff {
                name: name.to_string(),
                status: ProviderStatus::Compared(diff(&a, &b)),
            };
            let one = report(name, std::slice::from_ref(&d), Some(Version(0, 1, 0)), true);
            for line in *expected {
                assert!(one.lines().any(|l| l == *line), "{line}\nnot in\n{one}");
            }
            diffs.push(d);
        }
        println!(
            "{}",
            report(
                "real Adyen document pairs",
                &diffs,
                Some(Version(0, 1, 0)),
                false
            )
        );
    }

    #[test]
    fn versions_and_bumps() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("0.1.0").bump(Class::Breaking), v("0.2.0"));
        assert_eq!(v("0.1.3").bump(Class::Additive), v("0.1.4"));
        assert_eq!(v("1.4.2").bump(Class::Breaking), v("2.0.0"));
        assert_eq!(v("1.4.2").bump(Class::Additive), v("1.5.0"));
        assert!(!v("0.1.0").allows(v("0.1.1"), Class::Breaking));
        assert!(v("0.1.0").allows(v("0.2.0"), Class::Breaking));
        assert!(v("0.1.0").allows(v("1.0.0"), Class::Breaking));
        assert_eq!(Version::parse("0.1"), None);
        assert_eq!(
            package_version("[package]\nname = \"paygen\"\nversion = \"0.3.1\"\n[dependencies]\nversion = \"9.9.9\"\n"),
            Some(v("0.3.1"))
        );
    }

    #[test]
    fn the_report_names_the_verdict_per_provider_and_the_bump() {
        let new = SHOP.replacen("        note: {type: string}\n", "", 1);
        let diffs = vec![
            ProviderDiff {
                name: "klavi".into(),
                status: ProviderStatus::Compared(Vec::new()),
            },
            ProviderDiff {
                name: "shop".into(),
                status: ProviderStatus::Compared(diff(&surface_of(SHOP), &surface_of(&new))),
            },
        ];
        assert_eq!(
            report(
                "`specs/` at abc → working tree",
                &diffs,
                Some(Version(0, 1, 0)),
                false
            ),
            "## API diff: `specs/` at abc → working tree\n\n\
             ### `klavi`: no change\n\n\
             ### `shop`: **breaking** (1 breaking)\n\n\
             Breaking:\n\n\
             - `field Order.note`: removed (was: Option<String>, optional)\n\n\
             ### Semver\n\n\
             Verdict **breaking**: `paygen` 0.1.0 needs a minor bump (0.x: breaking), to 0.2.0.\n"
        );
    }
}
