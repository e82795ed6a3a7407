//! Offline fakes of a provider, declared in the `fake:` section of its
//! `paygen.yaml` (see `specs/README.md`, "The `fake:` section").
//!
//! - [`load`] reads the section (unknown keys and wrong types are located
//!   errors, like the rest of paygen.yaml) and resolves every operation,
//!   type, field path, status and placeholder it names against the finished
//!   model, into a [`FakeSpec`];
//! - [`emit`] turns the model and its `FakeSpec` into a module of the
//!   `paygen-fake` crate: static tables (routes, validation rules, the
//!   lifecycle) interpreted by that crate's hand-written runtime, and a typed
//!   `Fake` handle with one method per declared control.
//!
//! The lifecycle is data: resources with an id and a status field, the
//! operations and test-side controls that create them or move their status,
//! amounts (authorized, captured, refunded) that captures and refunds adjust,
//! records (captures, refunds) they create, and the callbacks they deliver.

pub mod emit;
pub mod load;

use crate::model::{OperationId, TypeId};

/// A provider's fake, resolved against its model.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeSpec {
    /// The provider's documented error answers the fake gives.
    pub errors: FakeErrors,
    /// Stateless operations and the fixed answer each gives (JSON).
    pub canned: Vec<(OperationId, serde_json::Value)>,
    pub resources: Vec<Resource>,
    pub records: Vec<Record>,
    pub transitions: Vec<Transition>,
    pub deliveries: Option<Deliveries>,
    /// Token-endpoint auth: lifetime of the tokens the fake issues, seconds.
    pub token_lifetime: Option<u64>,
}

impl FakeSpec {
    /// Every control name, in declaration order, with the resource it acts
    /// on, whether it creates that resource, and its documentation.
    pub fn controls(&self) -> Vec<Control> {
        let mut out: Vec<Control> = Vec::new();
        let mut push = |name: &str, resource: usize, creates: bool, doc: &Option<String>| {
            if let Some(c) = out.iter_mut().find(|c| c.name == name) {
                if c.doc.is_none() {
                    c.doc.clone_from(doc);
                }
                return;
            }
            out.push(Control {
                name: name.to_string(),
                resource,
                creates,
                doc: doc.clone(),
            });
        };
        for (ri, r) in self.resources.iter().enumerate() {
            for c in &r.creates {
                if let Trigger::Control(name) = &c.trigger {
                    push(name, ri, true, &c.doc);
                }
            }
        }
        for t in &self.transitions {
            if let Trigger::Control(name) = &t.trigger {
                push(name, t.resource, false, &t.doc);
            }
        }
        out
    }
}

/// A test-side control: one generated method on the fake.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub name: String,
    pub resource: usize,
    /// It creates a resource (no id argument) rather than acting on one.
    pub creates: bool,
    pub doc: Option<String>,
}

/// The answers for the four kinds of refusal.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeErrors {
    /// Missing or wrong credentials.
    pub unauthorized: ErrorAnswer,
    /// A request that breaks the spec (one rendering per problem, merged).
    pub invalid: ErrorAnswer,
    /// An id that names nothing.
    pub not_found: ErrorAnswer,
    /// An operation the resource's status does not allow, a reused
    /// idempotency key, a duplicate unique value.
    pub conflict: ErrorAnswer,
}

/// A status and a body template (placeholders `${…}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorAnswer {
    pub status: u16,
    pub body: serde_json::Value,
}

/// How a value is written into a resource or an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Number,
    Bool,
    /// RFC 3339 text.
    DateTime,
    /// `YYYY-MM-DD` text.
    Date,
    /// A decimal amount as text.
    Decimal,
    /// Any JSON value (objects, lists).
    Any,
}

/// A field reached from a type by wire names.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    pub wire: Vec<String>,
    pub kind: Kind,
}

/// One `path: value` assignment; `value` is a JSON template.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub path: Vec<String>,
    pub kind: Kind,
    pub value: serde_json::Value,
}

/// What fires a creation or a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A call of the operation.
    Operation(OperationId),
    /// A test-side control (a method of the fake).
    Control(String),
    /// Each read of the resource by this operation (e.g. status polling).
    Read(OperationId),
}

/// A kind of resource the fake keeps (a purchase, a payment request).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: String,
    /// The type it is stored as (JSON APIs); `None`: a flat record of form fields.
    pub ty: Option<TypeId>,
    /// Where the id is written in the resource, if it is.
    pub id: Option<FieldPath>,
    /// Template of new ids (`${uuid}`, `krn:payment:eu1:request:${uuid}`).
    pub id_format: String,
    /// Path parameters or form fields that name the resource by id.
    pub keys: Vec<String>,
    /// Path parameters or form fields that name it by another field.
    pub lookups: Vec<(String, FieldPath)>,
    pub status: FieldPath,
    /// Every status value it may take.
    pub statuses: Vec<String>,
    pub history: Option<History>,
    pub creates: Vec<Create>,
    pub reads: Vec<OperationId>,
    pub updates: Vec<Update>,
    /// Assignments made on every status change.
    pub on_change: Vec<Set>,
    pub unique: Option<Unique>,
}

/// A list the status changes are appended to.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub list: Vec<String>,
    /// Field of an entry holding the status.
    pub status: String,
    /// Field of an entry holding the time, and how it is written.
    pub at: FieldPath,
}

/// A request field whose value must not repeat across resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Unique {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// How a resource comes to exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    pub trigger: Trigger,
    pub status: String,
    /// The resource starts as the request body (its type is the resource's).
    pub copy_request: bool,
    pub amount: Option<Amount>,
    pub set: Vec<Set>,
    pub reply: Reply,
    /// The event delivered once created.
    pub deliver: Option<String>,
    pub doc: Option<String>,
}

/// An operation that changes fields of a resource without a status change.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub operation: OperationId,
    /// Where the request body is merged (empty: the resource itself).
    pub into: Vec<String>,
    /// Statuses it is allowed in (empty: any).
    pub from: Vec<String>,
    pub error_code: String,
    pub error_message: String,
}

/// Extra parts of an answer: the form variant (status value) and fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    /// Form APIs: index into the operation's variants.
    pub variant: Option<usize>,
    pub set: Vec<Set>,
}

/// A move of a resource's status (or an action in place).
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub resource: usize,
    pub trigger: Trigger,
    pub from: Vec<String>,
    /// `None`: the status stays.
    pub to: Option<String>,
    pub cond: Option<Cond>,
    pub amount: Option<Amount>,
    /// Request field carrying a sequence number that must count up.
    pub sequence: Option<String>,
    pub set: Vec<Set>,
    /// A record created by the transition.
    pub record: Option<usize>,
    pub creates: Option<Creates>,
    /// The event delivered to the callback URL.
    pub deliver: Option<String>,
    pub refs: Vec<Ref>,
    /// Status, code and message of the conflict answer when no transition
    /// applies (status `None`: the `conflict` answer's).
    pub error_status: Option<u16>,
    pub error_code: String,
    pub error_message: String,
    pub reply: Reply,
    pub doc: Option<String>,
}

/// A condition on the resource, the request or the amounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub subject: Subject,
    pub negate: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A resource field is set and not `false`, `0` or empty.
    Field(Vec<String>),
    /// A request field is set and not `false`, `0` or empty.
    Request(Vec<String>),
    /// A resource field equals a text.
    Equals(Vec<String>, String),
    /// The transition's amount is less than the most it could be.
    Partial,
}

/// A change of a resource's amounts.
#[derive(Debug, Clone, PartialEq)]
pub enum Amount {
    Authorize(Source),
    /// `None`: everything still authorized.
    Capture(Option<Source>),
    /// `None`: everything captured and not refunded; `negative`: the request
    /// sends refunds as negative amounts.
    Refund {
        source: Option<Source>,
        negative: bool,
    },
    /// Nothing more can be captured.
    Void,
}

/// Where an amount is read from (the request).
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Field(Vec<String>),
    /// The sum over a list of `price × quantity` (quantity 1 when absent).
    Sum {
        list: Vec<String>,
        price: Vec<String>,
        quantity: Option<Vec<String>>,
    },
}

/// Sub-objects a transition creates (captures, refunds), readable by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub name: String,
    pub ty: TypeId,
    /// The resource it belongs to.
    pub parent: usize,
    pub id: FieldPath,
    pub id_format: String,
    pub keys: Vec<String>,
    /// List in the parent the record is appended to.
    pub list: Option<Vec<String>>,
    pub reads: Vec<OperationId>,
    pub set: Vec<Set>,
}

/// A second resource a transition creates (a transaction from a confirmation).
#[derive(Debug, Clone, PartialEq)]
pub struct Creates {
    pub resource: usize,
    pub status: String,
    pub amount: Option<Amount>,
    pub set: Vec<Set>,
    /// Field of the first resource that receives the new id.
    pub link: Option<Vec<String>>,
}

/// A request field that must name an existing resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub field: Vec<String>,
    pub resource: usize,
    pub cond: Option<Cond>,
}

/// Callbacks and notifications the fake sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Deliveries {
    /// Resource field holding the URL (else only the URL the test sets).
    pub url: Option<Vec<String>>,
    /// Body template; `None`: the resource itself.
    pub body: Option<serde_json::Value>,
}
