//! The intermediate model: one provider API as plain data.
//!
//! Both loaders (OpenAPI and the hand-written YAML format) produce an
//! [`Api`]; the emitters only read it. Nothing here knows about OpenAPI, YAML
//! or Rust tokens.
//!
//! - Types live in one arena, [`Api::types`], and are referred to by
//!   [`TypeId`]; operations by [`OperationId`]. A reference is resolved (or
//!   reported) by the loader, so an emitter never looks a name up.
//! - Every name is a final Rust identifier ([`Ident`]), unique where it has
//!   to be: emitters never invent or dedupe one.
//! - An [`Api`] handed out by [`crate::load`] is finished: success and error
//!   types, shared error enums, boxing of recursive fields and the role of
//!   each type are all computed.

use std::fmt;

/// A Rust identifier: the bare name, written raw (`r#type`) where it is a
/// keyword. Made by [`crate::names`], which only makes valid ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

impl Ident {
    /// An identifier from a name that is already valid (letters, digits and
    /// `_`, not starting with a digit, not `self`/`super`/`crate`/`Self`).
    pub fn new(name: impl Into<String>) -> Self {
        Ident(name.into())
    }

    /// The name without a raw prefix: `type` for `r#type`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it must be written `r#…`.
    pub fn is_raw(&self) -> bool {
        crate::names::is_keyword(&self.0)
    }
}

impl fmt::Display for Ident {
    /// The name as written in Rust source (`r#type`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_raw() {
            f.write_str("r#")?;
        }
        f.write_str(&self.0)
    }
}

/// A type in [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub usize);

/// An operation in [`Api::operations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationId(pub usize);

/// One provider API, finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Rust module name (`klix`, `klarna_payments`); also the cargo feature.
    pub module: Ident,
    /// Spec file the model was loaded from, relative to the workspace (for headers).
    pub source: String,
    pub title: String,
    pub version: String,
    pub doc: Option<String>,
    /// Environments in spec order; the first is the default.
    pub environments: Vec<Environment>,
    /// How requests and responses travel, with what only that protocol has.
    pub protocol: Protocol,
    /// Every operation, in spec order. Their wire matches `protocol`.
    pub operations: Vec<Operation>,
    /// Every named type, in a deterministic order.
    pub types: Vec<TypeDef>,
    /// Methods that poll an operation until a status is final.
    pub polls: Vec<Poll>,
    /// The offline fake declared in paygen.yaml's `fake:` section, resolved.
    pub fake: Option<crate::fake::FakeSpec>,
}

impl Api {
    /// The type `id` refers to.
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// The operation `id` refers to.
    pub fn op(&self, id: OperationId) -> &Operation {
        &self.operations[id.0]
    }

    /// The type's name.
    pub fn name(&self, id: TypeId) -> &Ident {
        &self.types[id.0].name
    }

    /// The struct `id` refers to, if it is one.
    pub fn struct_of(&self, id: TypeId) -> Option<&Struct> {
        match &self.ty(id).kind {
            TypeKind::Struct(s) => Some(s),
            _ => None,
        }
    }
}

/// The two wire protocols.
#[derive(Debug, Clone, PartialEq)]
pub enum Protocol {
    /// JSON bodies (OpenAPI documents, hand-written JSON specs).
    Json(JsonApi),
    /// Form-encoded requests carrying the credentials, `key=value` answers
    /// selected by a status field (the hand-written format, PAYONE).
    Form(FormApi),
}

/// What a JSON API adds to every request.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonApi {
    pub auth: Auth,
    /// Header that makes a request safe to resend (set on every POST/PATCH).
    pub idempotency_header: Option<String>,
    /// Headers set once per client (e.g. `Klarna-Partner-Account`).
    pub client_headers: Vec<ClientHeader>,
    pub retry_on_body: Option<RetryOnBody>,
    /// How incoming webhooks are verified and what they decode to.
    pub webhook: Option<Webhook>,
}

/// What a form-encoded API adds to every request, and how it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct FormApi {
    /// Credentials sent as body parameters, in `Config::new` order.
    pub credentials: Vec<BodyCredential>,
    /// Body parameters with fixed values sent on every request; each can be
    /// overridden on `Config`.
    pub common: Vec<(String, String)>,
    /// The common parameter whose value is the body's charset: the body is
    /// really encoded in it (UTF-8 or ISO-8859-1).
    pub charset_param: Option<String>,
    /// Response field that selects the variant (`status`).
    pub status_field: String,
    /// The status value that is an error, and its body type.
    pub error: Option<FormError>,
    pub notification: Option<Notification>,
}

/// `status=ERROR` and what it decodes to.
#[derive(Debug, Clone, PartialEq)]
pub struct FormError {
    pub status: String,
    pub ty: TypeId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCredential {
    pub wire: String,
    pub rust: Ident,
    pub doc: Option<String>,
    pub secret: bool,
    /// Sent as a hex digest: the first is the default.
    pub hashes: Vec<HashAlg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HashAlg {
    Md5,
    Sha384,
}

/// Notifications the provider posts to the merchant, verified by a shared key.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub ty: TypeId,
    /// The body is ISO-8859-1 (else UTF-8).
    pub latin1: bool,
    /// Field that must equal the hashed secret; it is checked, then dropped.
    pub key_field: String,
    /// The exact reply the provider expects.
    pub reply: String,
}

/// Incoming webhook deliveries: the signature to check and the event type.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub event: TypeId,
    pub signature: WebhookSignature,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookSignature {
    /// HMAC-SHA256 of the raw body with a shared key, hex or base64 in `header`.
    HmacSha256 {
        header: String,
        /// Header naming the key a delivery was signed with, for rotation.
        key_id_header: Option<String>,
    },
    /// RSA PKCS#1 v1.5 / SHA-256 of the raw body, base64 in `header`; the PEM
    /// public key comes from `key_operation`, when there is one.
    RsaSha256 {
        header: String,
        key_operation: Option<OperationId>,
    },
}

/// A response that is safe to retry although its status alone is not, e.g.
/// Klarna's 500 with `error_code` `TIMEOUT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryOnBody {
    pub status: u16,
    /// Top-level JSON field of the error body.
    pub field: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// CamelCase variant name (`Production`, `PlaygroundEu`).
    pub name: Ident,
    pub url: String,
    pub doc: Option<String>,
    /// Form APIs: body parameters that select this environment (`mode=test`).
    pub params: Vec<(String, String)>,
}

/// How a JSON API's requests are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// `Authorization: Basic <key>`: an API key sent as it is.
    BasicRawKey,
    /// A secret in a named header.
    ApiKeyHeader {
        header: String,
    },
    /// Several secrets, each in its own header, all sent: a security
    /// requirement that names several API keys (Datadog's `DD-API-KEY` and
    /// `DD-APPLICATION-KEY`).
    ApiKeyHeaders(Vec<ApiKeyHeader>),
    /// A bearer token the client obtains from a token endpoint and renews.
    TokenEndpoint(TokenEndpoint),
}

/// One of several API keys sent together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyHeader {
    /// The header, as the document names it.
    pub header: String,
    /// The `Config::new` argument that holds it (the scheme's name).
    pub rust: Ident,
}

/// Where and how a client obtains its bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEndpoint {
    /// Path relative to the base URL.
    pub path: String,
    /// Secrets sent in the JSON body, in `Config::new` order.
    pub credentials: Vec<BodyCredential>,
    pub token_field: String,
    /// Lifetime fields (seconds), first present wins.
    pub expires_in_fields: Vec<String>,
}

/// A method that polls an operation until a status field is terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// Method name (`wait_for_final_status`).
    pub name: Ident,
    /// The polled operation: its success is a struct, its only parameters
    /// are in the path.
    pub operation: OperationId,
    /// The status field of that struct.
    pub field: Ident,
    /// Wire values that end the polling.
    pub terminal: Vec<String>,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientHeader {
    pub wire: String,
    /// snake_case setter name on `Config`.
    pub rust: Ident,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The identifier in the spec (operationId), for docs.
    pub id: String,
    /// snake_case method name.
    pub name: Ident,
    /// CamelCase stem of the types named after the operation.
    pub type_name: Ident,
    pub method: Method,
    /// The path template as written (`/purchases/{id}/`).
    pub path_template: String,
    pub path: Vec<PathSegment>,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub deprecated: bool,
    /// Path, query and header parameters.
    pub params: Vec<Param>,
    /// The struct holding the query and header parameters, when there are any.
    pub params_type: Option<Ident>,
    pub body: Option<Body>,
    /// Obtain a new access token for every call (token auth).
    pub fresh_token: bool,
    pub wire: OperationWire,
}

/// How one operation answers; matches [`Api::protocol`].
#[derive(Debug, Clone, PartialEq)]
pub enum OperationWire {
    Json(JsonOperation),
    Form(FormOperation),
}

/// A JSON operation's documented responses and what they become.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonOperation {
    pub responses: Vec<Response>,
    /// What a successful call returns.
    pub success: Success,
    /// The error type.
    pub error: ErrorType,
}

/// A form operation's fixed parameters and response variants.
#[derive(Debug, Clone, PartialEq)]
pub struct FormOperation {
    pub fixed: Vec<(String, String)>,
    /// Name of the enum over the variants.
    pub response: Ident,
    pub variants: Vec<KvVariant>,
}

/// One value of the status field and the type its response decodes to.
#[derive(Debug, Clone, PartialEq)]
pub struct KvVariant {
    /// The status values that select this variant (`APPROVED`, `OK`).
    pub values: Vec<String>,
    pub rust: Ident,
    pub ty: TypeId,
    pub doc: Option<String>,
}

/// What a successful call decodes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Success {
    /// No 2xx response declares a body.
    Empty,
    /// One body type; `optional` when some 2xx responses carry no body.
    Single { body: BodyType, optional: bool },
    /// Distinct bodies per status: a status enum in the arena.
    Enum(TypeId),
}

/// What an error status decodes to.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorType {
    /// No error body is declared: the raw body is kept.
    None,
    /// Every declared error response has this one body type.
    Single(TypeRef),
    /// Distinct bodies per status: a status enum in the arena, shared by
    /// every operation with the same error responses. `alias` is this
    /// operation's own name for it (`CreatePurchaseError`) when the enum is
    /// shared and so named after its content.
    Enum { ty: TypeId, alias: Option<Ident> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    /// Literal text, emitted as is (already valid in a URL path).
    Literal(String),
    /// Index into `Operation::params` of a path parameter.
    Param(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

/// How a parameter value is written (OpenAPI `style` and `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// `name=a&name=b` for lists, `name=v` otherwise (query default); the
    /// path and header default `simple` writes the same single values.
    Form,
    /// `name=a,b` (`explode: false`).
    FormComma,
    /// `name=a%20b` (`spaceDelimited`).
    Space,
    /// `name=a|b` (`pipeDelimited`).
    Pipe,
    /// `name[key]=v`, nested and indexed (`deepObject`).
    Deep,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub wire: String,
    pub rust: Ident,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub style: ParamStyle,
    pub doc: Option<String>,
}

/// How a request body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Json,
    /// `application/x-www-form-urlencoded`: nested objects as `a[b]=…`,
    /// lists as `a[0]=…` (0-based).
    Form,
    /// `multipart/form-data`: one part per field.
    Multipart,
    /// Bytes as they are, with a content type.
    Bytes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub required: bool,
    pub encoding: BodyEncoding,
    /// The media type sent as `Content-Type`.
    pub media_type: String,
    pub ty: BodyType,
    pub doc: Option<String>,
    /// Form bodies: top-level fields written as a query parameter of this
    /// style is, by wire name; the others nest with brackets. A list takes
    /// OpenAPI's default (`k=a&k=b`) unless its `encoding` says otherwise.
    pub form_styles: Vec<(String, ParamStyle)>,
}

/// What a body holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BodyType {
    /// Structured data (JSON, form fields).
    Value(TypeRef),
    /// Raw bytes (`application/octet-stream`, PDFs).
    Bytes,
    /// Text (`text/plain`).
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusMatch {
    Code(u16),
    /// `2XX` etc.: the first digit.
    Range(u8),
    Default,
}

impl StatusMatch {
    pub fn is_success(self) -> bool {
        match self {
            StatusMatch::Code(c) => (200..300).contains(&c),
            StatusMatch::Range(r) => r == 2,
            StatusMatch::Default => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: StatusMatch,
    /// `None` when the response has no body.
    pub body: Option<BodyType>,
    pub doc: Option<String>,
    /// The media type the body is read as, as the document names it
    /// (`None` without a body, or from a hand-written spec).
    pub media: Option<String>,
}

/// A reference to a type from a field, parameter or body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    Prim(Prim),
    Named(TypeId),
    Vec(Box<TypeRef>),
    /// String-keyed map (deterministic order).
    Map(Box<TypeRef>),
    /// Any JSON value.
    Any,
    /// A JSON object with no declared properties.
    Object,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Prim {
    String,
    Bool,
    I32,
    I64,
    F64,
    /// RFC 3339 date-time (`runtime::DateTime`).
    DateTime,
    /// ISO 8601 calendar date (`runtime::Date`).
    Date,
    /// A decimal amount (`runtime::Decimal`), from a string or a number.
    Decimal,
    /// A decimal number of any scale carried as text (`runtime::DecimalText`).
    DecimalText,
    /// A date sent as `YYYYMMDD` (`runtime::CompactDate`).
    CompactDate,
    /// Bytes (a file upload part).
    Bytes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: Ident,
    pub doc: Option<String>,
    pub kind: TypeKind,
    /// Where the type is used, computed when the model is finished.
    pub usage: Usage,
}

/// Where a type travels (through fields, lists, unions and aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Sent: part of a request body or parameter.
    pub request: bool,
    /// Received: part of a response, error or webhook body.
    pub response: bool,
    /// Form APIs: the body of an operation (gets `validate` and `encode`).
    pub form_body: bool,
    /// Form APIs: the item of an indexed group (`validate_item`, `encode_item`).
    pub form_item: bool,
    /// Form APIs: read from `key=value` pairs (`from_kv`).
    pub key_values: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum with an `Unknown(String)` fallback.
    Enum(Enum),
    Union(Union),
    /// `pub type Name = Target;`
    Alias(TypeRef),
    /// An enum over response statuses (errors, or several success bodies).
    Status(StatusEnum),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Type of undeclared properties kept in a flattened `additional` map.
    pub additional: Option<TypeRef>,
}

/// Whether and how a field is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// `T`, a `new()` argument.
    Required,
    /// `Option<T>`, left out when `None`; a setter.
    Optional,
    /// `Option<T>`, `None` sent as `null`; a `new()` argument.
    RequiredNullable,
    /// `Option<Nullable<T>>`: absent, `null` or a value; a setter.
    OptionalNullable,
    /// Set by the server: `Option<T>`, never serialised, not in `new()`.
    ReadOnly,
    /// Required in requests, but responses need not carry it:
    /// `Option<T>`, a `new()` argument.
    RequiredWriteOnly,
}

impl Presence {
    pub fn from_flags(required: bool, nullable: bool, read_only: bool, write_only: bool) -> Self {
        match (read_only, required, nullable) {
            (true, _, _) => Presence::ReadOnly,
            (false, true, false) if write_only => Presence::RequiredWriteOnly,
            (false, true, false) => Presence::Required,
            (false, true, true) => Presence::RequiredNullable,
            (false, false, false) => Presence::Optional,
            (false, false, true) => Presence::OptionalNullable,
        }
    }

    /// An argument of `new()`.
    pub fn in_new(self) -> bool {
        matches!(
            self,
            Presence::Required | Presence::RequiredNullable | Presence::RequiredWriteOnly
        )
    }

    /// Held as `T` rather than an `Option`.
    pub fn is_plain(self) -> bool {
        self == Presence::Required
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub wire: String,
    /// Other wire names accepted when decoding.
    pub aliases: Vec<String>,
    pub rust: Ident,
    pub ty: TypeRef,
    pub presence: Presence,
    /// Behind a `Box` to break a cycle.
    pub boxed: bool,
    /// How the field travels in a form body.
    pub layout: FieldLayout,
    pub doc: Option<String>,
    pub constraints: Constraints,
}

/// How a field is written into a form body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldLayout {
    /// `name=value`.
    #[default]
    Plain,
    /// A `Vec` of item structs: item field `x` of item `n` is `x[n]`.
    Indexed,
    /// A string map: `name[key]=value`.
    Map,
}

/// Validation rules from the spec; documented on the field, checked before
/// sending in form APIs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub pattern: Option<String>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub format: Option<String>,
    /// Permitted characters: ranges (`0-9`) and single characters.
    pub symbols: Vec<String>,
    /// Number of digits of an integer.
    pub min_digits: Option<u32>,
    pub max_digits: Option<u32>,
}

/// A bound on a number, and whether the bound itself is allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The value may equal the bound (`minimum: 0`).
    Inclusive(f64),
    /// The value must lie beyond the bound (`exclusiveMinimum: 0` in 3.1,
    /// `exclusiveMinimum: true` beside `minimum` in 3.0).
    Exclusive(f64),
}

impl Bound {
    /// The bound, exclusive when `exclusive` is set.
    pub fn new(value: f64, exclusive: bool) -> Bound {
        if exclusive {
            Bound::Exclusive(value)
        } else {
            Bound::Inclusive(value)
        }
    }

    pub fn value(self) -> f64 {
        match self {
            Bound::Inclusive(v) | Bound::Exclusive(v) => v,
        }
    }

    pub fn is_exclusive(self) -> bool {
        matches!(self, Bound::Exclusive(_))
    }

    /// This bound as a lower one, in words: `minimum 0`, `greater than 0`.
    pub fn lower_text(self) -> String {
        match self {
            Bound::Inclusive(v) => format!("minimum {v}"),
            Bound::Exclusive(v) => format!("greater than {v}"),
        }
    }

    /// This bound as an upper one, in words: `maximum 1`, `less than 1`.
    pub fn upper_text(self) -> String {
        match self {
            Bound::Inclusive(v) => format!("maximum {v}"),
            Bound::Exclusive(v) => format!("less than {v}"),
        }
    }

    /// The smallest integer this lower bound allows (`> 0` → 1, `>= 0.5` → 1).
    pub fn integer_min(self) -> i64 {
        match self {
            Bound::Inclusive(v) => v.ceil() as i64,
            Bound::Exclusive(v) => v.floor() as i64 + 1,
        }
    }

    /// The largest integer this upper bound allows (`< 10` → 9, `<= 9.5` → 9).
    pub fn integer_max(self) -> i64 {
        match self {
            Bound::Inclusive(v) => v.floor() as i64,
            Bound::Exclusive(v) => v.ceil() as i64 - 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub variants: Vec<EnumVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub wire: String,
    pub rust: Ident,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// The property whose value selects the variant, if any.
    pub discriminator: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust: Ident,
    pub ty: TypeRef,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
}

/// An enum with one variant per documented response status.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEnum {
    /// Error responses (else the 2xx bodies of one operation).
    pub errors: bool,
    pub variants: Vec<StatusVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusVariant {
    pub rust: Ident,
    pub status: StatusMatch,
    pub body: Option<BodyType>,
    pub doc: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Bound;

    #[test]
    fn integer_bounds_are_the_integers_each_bound_admits() {
        assert_eq!(Bound::Inclusive(0.0).integer_min(), 0);
        assert_eq!(Bound::Exclusive(0.0).integer_min(), 1);
        assert_eq!(Bound::Inclusive(0.5).integer_min(), 1);
        assert_eq!(Bound::Exclusive(0.5).integer_min(), 1);
        assert_eq!(Bound::Inclusive(-1.5).integer_min(), -1);
        assert_eq!(Bound::Inclusive(10.0).integer_max(), 10);
        assert_eq!(Bound::Exclusive(10.0).integer_max(), 9);
        assert_eq!(Bound::Inclusive(9.5).integer_max(), 9);
        assert_eq!(Bound::Exclusive(9.5).integer_max(), 9);
        assert_eq!(Bound::new(3.0, true), Bound::Exclusive(3.0));
        assert_eq!(Bound::new(3.0, false).value(), 3.0);
    }
}
