//! The tables a generated provider module describes its fake with: the
//! API (routes, authentication, validation rules from the spec's types) and
//! the lifecycle declared in the `fake:` section of its `paygen.yaml`. The
//! runtime interprets them; nothing here is provider-specific.
//!
//! Templates (`&'static str`) are JSON text whose strings may hold
//! placeholders (`${now}`, `${request.amount}`, …; see `specs/README.md`).
//! Fields are described where the `fake:` format is (`specs/README.md`).

#![allow(missing_docs)]

/// One provider API and its fake.
#[derive(Debug)]
pub struct Api {
    /// Module name (`klix`).
    pub module: &'static str,
    /// Path of the first environment's URL (`/api/v1`), served as is.
    pub base_path: &'static str,
    pub protocol: Protocol,
    pub operations: &'static [Op],
    /// The spec's types, by model id.
    pub types: &'static [Type],
    pub fake: Fake,
}

/// How requests travel.
#[derive(Debug)]
pub enum Protocol {
    Json(JsonApi),
    Form(FormApi),
}

/// A JSON API's authentication, idempotency and webhooks.
#[derive(Debug)]
pub struct JsonApi {
    pub auth: Auth,
    pub idempotency_header: Option<&'static str>,
    pub webhook: Option<Webhook>,
}

/// How a JSON API authenticates.
#[derive(Debug)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic base64(username:password)`.
    Basic,
    /// `Authorization: Basic <key>`, the key as it is.
    BasicRawKey,
    /// A secret in a header.
    ApiKeyHeader(&'static str),
    /// Several secrets, each in its header, all required: (header,
    /// credential key) pairs.
    ApiKeyHeaders(&'static [(&'static str, &'static str)]),
    /// Bearer tokens issued by a token endpoint.
    Token(TokenAuth),
}

/// A token endpoint: credentials in, a JWT and its lifetime out.
#[derive(Debug)]
pub struct TokenAuth {
    /// Path below the base path.
    pub path: &'static str,
    /// Wire names of the credentials in the JSON body.
    pub credentials: &'static [&'static str],
    pub token_field: &'static str,
    /// The lifetime field written in answers (seconds).
    pub expires_in_field: &'static str,
}

/// How callbacks are signed.
#[derive(Debug)]
pub enum Webhook {
    /// HMAC-SHA256 of the body, hex, in `header`.
    Hmac { header: &'static str },
    /// RSA PKCS#1 v1.5 SHA-256 of the body, base64, in `header`; the PEM
    /// public key is the answer of `key_operation`.
    Rsa {
        header: &'static str,
        key_operation: Option<usize>,
    },
}

/// A form API's credentials, common parameters and notifications.
#[derive(Debug)]
pub struct FormApi {
    pub credentials: &'static [Credential],
    /// Parameters every request carries, with their expected value.
    pub common: &'static [(&'static str, &'static str)],
    /// Parameters an environment adds (`mode`) and the values accepted.
    pub environment: &'static [(&'static str, &'static [&'static str])],
    pub status_field: &'static str,
    pub notification: Option<Notification>,
}

/// A credential sent in a form body.
#[derive(Debug)]
pub struct Credential {
    pub wire: &'static str,
    pub secret: bool,
    /// Digests accepted instead of the secret (the first is the default).
    pub hashes: &'static [Hash],
}

/// A credential digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Md5,
    Sha384,
}

/// Notifications posted to the merchant.
#[derive(Debug)]
pub struct Notification {
    pub latin1: bool,
    pub key_field: &'static str,
    pub reply: &'static str,
}

/// One operation.
#[derive(Debug)]
pub struct Op {
    pub name: &'static str,
    pub method: &'static str,
    /// Segments below the base path.
    pub path: &'static [Seg],
    pub params: &'static [Param],
    pub body: Option<Body>,
    /// Status of a successful answer.
    pub success_status: u16,
    pub success: Success,
    /// Form APIs: the parameters that select the operation.
    pub fixed: &'static [(&'static str, &'static str)],
    /// Form APIs: answer variants (status values and type).
    pub variants: &'static [Variant],
    /// Token auth: a token serves one call of this operation.
    pub fresh_token: bool,
}

/// A path segment.
#[derive(Debug)]
pub enum Seg {
    Lit(&'static str),
    /// Index into [`Op::params`].
    Param(usize),
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

/// A path, query or header parameter.
#[derive(Debug)]
pub struct Param {
    pub wire: &'static str,
    pub location: Location,
    pub required: bool,
    pub ty: Ty,
}

/// A request body.
#[derive(Debug)]
pub struct Body {
    pub required: bool,
    pub ty: Ty,
}

/// What a successful answer carries.
#[derive(Debug)]
pub enum Success {
    None,
    Json(Ty),
    Text,
}

/// A form answer variant.
#[derive(Debug)]
pub struct Variant {
    pub values: &'static [&'static str],
    pub ty: usize,
}

/// A value's type.
#[derive(Debug)]
pub enum Ty {
    String,
    Bool,
    Int,
    Number,
    DateTime,
    Date,
    Decimal,
    /// A decimal of any scale as text (`"1.0000"`), optionally negative.
    DecimalText,
    /// `YYYYMMDD`.
    CompactDate,
    Bytes,
    /// Index into [`Api::types`].
    Named(usize),
    List(&'static Ty),
    Map(&'static Ty),
    Any,
    Object,
}

/// A named type.
#[derive(Debug)]
pub enum Type {
    Struct(Struct),
    /// A string enum and its values (requests must use one of them).
    Enum(&'static [&'static str]),
    Union(Union),
    Alias(Ty),
    /// Status enums of answers; never validated.
    Other,
}

/// An object type.
#[derive(Debug)]
pub struct Struct {
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Undeclared properties are kept (not an error either way).
    pub additional: bool,
}

/// How a field is laid out in a form body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Plain,
    /// Items as `key[1]`, `key[2]`, … (the item type's fields).
    Indexed,
    /// `name[key]=value`.
    Map,
}

/// An object field and its rules.
#[derive(Debug)]
pub struct Field {
    pub wire: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    /// Set by the provider: ignored in requests.
    pub read_only: bool,
    pub layout: Layout,
    pub rules: Rules,
}

impl Field {
    /// An optional, non-null, writable field laid out plainly, with no
    /// rules: what most fields are. The methods below say what differs, so
    /// each table entry names only that.
    pub const fn new(wire: &'static str, ty: Ty) -> Field {
        Field {
            wire,
            ty,
            required: false,
            nullable: false,
            read_only: false,
            layout: Layout::Plain,
            rules: Rules::NONE,
        }
    }

    /// The field must be present.
    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// `null` is a value of the field.
    pub const fn nullable(mut self) -> Field {
        self.nullable = true;
        self
    }

    /// Set by the provider.
    pub const fn read_only(mut self) -> Field {
        self.read_only = true;
        self
    }

    /// How the field is laid out in a form body.
    pub const fn layout(mut self, layout: Layout) -> Field {
        self.layout = layout;
        self
    }

    /// The field's validation rules.
    pub const fn rules(mut self, rules: Rules) -> Field {
        self.rules = rules;
        self
    }
}

/// Validation rules of a field.
#[derive(Debug, Default)]
pub struct Rules {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// The value must be greater than `minimum`, not equal to it.
    pub exclusive_minimum: bool,
    /// The value must be less than `maximum`, not equal to it.
    pub exclusive_maximum: bool,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// `email`, `uuid`, … (checked where known).
    pub format: Option<&'static str>,
    /// Permitted characters: ranges (`0-9`) and single characters.
    pub symbols: &'static [&'static str],
    pub min_digits: Option<u32>,
    pub max_digits: Option<u32>,
}

impl Rules {
    /// No rules.
    pub const NONE: Rules = Rules {
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        min_items: None,
        max_items: None,
        format: None,
        symbols: &[],
        min_digits: None,
        max_digits: None,
    };
}

/// A `oneOf`/`anyOf`.
#[derive(Debug)]
pub struct Union {
    pub variants: &'static [Ty],
    /// The discriminator property and its values per variant.
    pub discriminator: Option<(&'static str, &'static [(&'static str, usize)])>,
}

/// A provider's fake, from the `fake:` section.
#[derive(Debug)]
pub struct Fake {
    pub errors: Errors,
    /// Stateless operations and their fixed answer (JSON text).
    pub canned: &'static [(usize, &'static str)],
    pub resources: &'static [Resource],
    pub records: &'static [Record],
    pub transitions: &'static [Transition],
    pub deliveries: Option<Deliveries>,
    /// Lifetime of issued tokens, seconds (token auth).
    pub token_lifetime: u64,
}

/// The documented error answers.
#[derive(Debug)]
pub struct Errors {
    pub unauthorized: ErrorAnswer,
    pub invalid: ErrorAnswer,
    pub not_found: ErrorAnswer,
    pub conflict: ErrorAnswer,
}

/// A status and a body template.
#[derive(Debug)]
pub struct ErrorAnswer {
    pub status: u16,
    pub body: &'static str,
}

/// How a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Number,
    Bool,
    DateTime,
    Date,
    Decimal,
    Any,
}

/// A field path and its kind.
#[derive(Debug)]
pub struct Path {
    pub wire: &'static [&'static str],
    pub kind: Kind,
}

/// An assignment: `path = template`.
#[derive(Debug)]
pub struct Set {
    pub path: &'static [&'static str],
    pub kind: Kind,
    pub value: &'static str,
}

/// What fires a creation or transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Op(usize),
    Control(&'static str),
    Read(usize),
}

/// A kind of resource.
#[derive(Debug)]
pub struct Resource {
    pub name: &'static str,
    /// Model type (JSON APIs).
    pub ty: Option<usize>,
    pub id: Option<Path>,
    pub id_format: &'static str,
    pub keys: &'static [&'static str],
    pub lookups: &'static [(&'static str, Path)],
    pub status: Path,
    pub history: Option<History>,
    pub creates: &'static [Create],
    pub reads: &'static [usize],
    pub updates: &'static [Update],
    pub on_change: &'static [Set],
    pub unique: Option<Unique>,
}

/// Status changes appended to a list.
#[derive(Debug)]
pub struct History {
    pub list: &'static [&'static str],
    pub status: &'static str,
    pub at: Path,
}

/// A request field unique across resources.
#[derive(Debug)]
pub struct Unique {
    pub field: &'static str,
    pub code: &'static str,
    pub message: &'static str,
}

/// A creation.
#[derive(Debug)]
pub struct Create {
    pub trigger: Trigger,
    pub status: &'static str,
    /// The resource starts as the request body.
    pub copy_request: bool,
    pub amount: Option<Amount>,
    pub set: &'static [Set],
    pub reply: Reply,
    pub deliver: Option<&'static str>,
}

/// An in-place update.
#[derive(Debug)]
pub struct Update {
    pub op: usize,
    pub into: &'static [&'static str],
    pub from: &'static [&'static str],
    pub error_code: &'static str,
    pub error_message: &'static str,
}

/// Extra parts of an answer.
#[derive(Debug)]
pub struct Reply {
    pub variant: Option<usize>,
    pub set: &'static [Set],
}

/// A status change.
#[derive(Debug)]
pub struct Transition {
    pub resource: usize,
    pub trigger: Trigger,
    pub from: &'static [&'static str],
    pub to: Option<&'static str>,
    pub cond: Option<Cond>,
    pub amount: Option<Amount>,
    pub sequence: Option<&'static str>,
    pub set: &'static [Set],
    pub record: Option<usize>,
    pub creates: Option<Creates>,
    pub deliver: Option<&'static str>,
    pub refs: &'static [Ref],
    pub error_status: Option<u16>,
    pub error_code: &'static str,
    pub error_message: &'static str,
    pub reply: Reply,
}

/// A condition.
#[derive(Debug)]
pub struct Cond {
    pub subject: Subject,
    pub negate: bool,
}

/// What a condition looks at.
#[derive(Debug)]
pub enum Subject {
    Field(&'static [&'static str]),
    Request(&'static [&'static str]),
    Equals(&'static [&'static str], &'static str),
    Partial,
}

/// A change of amounts.
#[derive(Debug)]
pub enum Amount {
    Authorize(Source),
    Capture(Option<Source>),
    Refund {
        source: Option<Source>,
        negative: bool,
    },
    Void,
}

/// Where an amount comes from in the request.
#[derive(Debug)]
pub enum Source {
    Field(&'static [&'static str]),
    Sum {
        list: &'static [&'static str],
        price: &'static [&'static str],
        quantity: Option<&'static [&'static str]>,
    },
}

/// A kind of record (capture, refund).
#[derive(Debug)]
pub struct Record {
    pub name: &'static str,
    pub ty: usize,
    pub parent: usize,
    pub id: Path,
    pub id_format: &'static str,
    pub keys: &'static [&'static str],
    pub list: Option<&'static [&'static str]>,
    pub reads: &'static [usize],
    pub set: &'static [Set],
}

/// A second resource created by a transition.
#[derive(Debug)]
pub struct Creates {
    pub resource: usize,
    pub status: &'static str,
    pub amount: Option<Amount>,
    pub set: &'static [Set],
    pub link: Option<&'static [&'static str]>,
}

/// A request field naming another resource.
#[derive(Debug)]
pub struct Ref {
    pub field: &'static [&'static str],
    pub resource: usize,
    pub cond: Option<Cond>,
}

/// Callback deliveries.
#[derive(Debug)]
pub struct Deliveries {
    pub url: Option<&'static [&'static str]>,
    pub body: Option<&'static str>,
}
