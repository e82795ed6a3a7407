//! The intermediate model: one provider API as plain data.
//!
//! Both loaders (OpenAPI and the hand-written YAML format) produce an [`Api`];
//! the emitters only read it. Nothing here knows about OpenAPI, YAML or Rust
//! tokens. Names are already final Rust identifiers (resolved by
//! [`crate::names`]) so that emitters never have to invent or dedupe a name.

use std::collections::BTreeMap;

/// One provider API, ready to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Rust module name (`klix`, `klarna_payments`); also the cargo feature.
    pub module: String,
    /// Spec file the model was loaded from, relative to the workspace (for headers).
    pub source: String,
    pub title: String,
    pub version: String,
    pub doc: Option<String>,
    /// Environments in spec order; the first is the default.
    pub environments: Vec<Environment>,
    pub auth: Auth,
    /// Header that makes a request safe to resend (set on every POST/PATCH).
    pub idempotency_header: Option<String>,
    /// Header set once per client (e.g. `Klarna-Partner-Account`), optional.
    pub client_headers: Vec<ClientHeader>,
    pub operations: Vec<Operation>,
    /// Named types, in a deterministic order (spec order, then inline types
    /// in the order they were found).
    pub types: Vec<TypeDef>,
    /// Error enums shared by operations whose error responses are the same.
    pub error_enums: Vec<ErrorEnum>,
    /// How incoming webhooks are verified and what they decode to.
    pub webhook: Option<Webhook>,
    /// Form-encoded APIs with `key=value` responses (the hand-written format).
    pub form: Option<FormApi>,
    pub retry_on_body: Option<RetryOnBody>,
    /// Polling helpers.
    pub polls: Vec<Poll>,
}

/// What a form-encoded API adds to every request, and how it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct FormApi {
    /// Credentials sent as body parameters, in `Config::new` order.
    pub credentials: Vec<BodyCredential>,
    /// Body parameters per environment, parallel to `Api::environments`.
    pub environment_params: Vec<Vec<(String, String)>>,
    /// Body parameters with fixed values sent on every request.
    pub common: Vec<(String, String)>,
    /// Response field that selects the variant (`status`).
    pub status_field: String,
    /// The status value that is an error, and its body type.
    pub error: Option<(String, TypeRef)>,
    pub notification: Option<Notification>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCredential {
    pub wire: String,
    pub rust: String,
    pub doc: Option<String>,
    pub secret: bool,
    /// Sent as a hex digest: the first is the default.
    pub hashes: Vec<HashAlg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Md5,
    Sha384,
}

/// A form-encoded operation's fixed parameters and response variants.
#[derive(Debug, Clone, PartialEq)]
pub struct FormOperation {
    pub fixed: Vec<(String, String)>,
    /// Name of the enum over the variants.
    pub response: String,
    pub variants: Vec<KvVariant>,
}

/// One value of the status field and the type its response decodes to.
#[derive(Debug, Clone, PartialEq)]
pub struct KvVariant {
    pub value: String,
    pub rust: String,
    pub ty: TypeRef,
    pub doc: Option<String>,
}

/// Notifications the provider posts to the merchant, verified by a shared key.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub ty: TypeRef,
    /// The body is ISO-8859-1 (else UTF-8).
    pub latin1: bool,
    /// Field that must equal the hashed secret.
    pub key_field: String,
    /// The exact reply the provider expects.
    pub reply: String,
}

/// Incoming webhook deliveries: the signature to check and the event type.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub event: TypeRef,
    pub signature: WebhookSignature,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookSignature {
    /// HMAC-SHA256 of the raw body with a shared key, hex or base64 in `header`.
    HmacSha256 { header: String },
    /// RSA PKCS#1 v1.5 / SHA-256 of the raw body, base64 in `header`; the PEM
    /// public key comes from the operation named `key_operation` (method name).
    RsaSha256 {
        header: String,
        key_operation: Option<String>,
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
    pub name: String,
    pub url: String,
    pub doc: Option<String>,
}

/// How a request is authenticated.
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
    /// A bearer token the client obtains from a token endpoint and renews.
    TokenEndpoint(TokenEndpoint),
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
    pub name: String,
    /// The polled operation's method name.
    pub operation: String,
    /// Rust name of the status field of the operation's response.
    pub field: String,
    /// Wire values that end the polling.
    pub terminal: Vec<String>,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientHeader {
    pub wire: String,
    /// snake_case setter name on `Config`.
    pub rust: String,
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
    /// The identifier in the spec (operationId), for docs and tracing.
    pub id: String,
    /// snake_case method name.
    pub name: String,
    /// CamelCase stem for types named after the operation.
    pub type_name: String,
    pub method: Method,
    /// The path template as written (`/purchases/{id}/`).
    pub path_template: String,
    pub path: Vec<PathSegment>,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    /// Name of the generated struct holding the query and header parameters,
    /// when there are any.
    pub params_type: Option<String>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
    /// What a successful call returns.
    pub success: Success,
    /// The error type of this operation.
    pub error: ErrorType,
    /// Set for form-encoded operations with `key=value` responses.
    pub form: Option<FormOperation>,
    /// Obtain a new access token for every call (token auth).
    pub fresh_token: bool,
}

/// What a successful call decodes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Success {
    /// No 2xx response declares a body.
    Empty,
    /// One body type; `optional` when some 2xx responses carry no body.
    Single { ty: TypeRef, optional: bool },
    /// Distinct bodies per status: a generated enum with one variant each.
    Enum {
        name: String,
        variants: Vec<StatusVariant>,
    },
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

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub wire: String,
    pub rust: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Json,
    Form,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub required: bool,
    pub encoding: BodyEncoding,
    pub ty: TypeRef,
    pub doc: Option<String>,
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
    /// `None` when the response has no (JSON) body.
    pub ty: Option<TypeRef>,
    pub doc: Option<String>,
}

/// What an operation's error type is.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorType {
    /// No error body is declared: the raw body is kept.
    None,
    /// Every declared error response has this one body type.
    Single(TypeRef),
    /// Distinct bodies per status: a generated enum in `Api::error_enums`,
    /// possibly shared with operations whose error responses are the same
    /// (`alias_of` names the enum when this operation only aliases it).
    Enum {
        name: String,
        alias_of: Option<String>,
    },
}

/// A reference to a type from a field, parameter or body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    Prim(Prim),
    /// A type in `Api::types`, by its Rust name.
    Named(String),
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
    /// RFC 3339 date-time (`paygen::DateTime`).
    DateTime,
    /// ISO 8601 calendar date (`paygen::Date`).
    Date,
    /// A decimal amount carried as a string (`paygen::Decimal`).
    Decimal,
    /// A date sent as `YYYYMMDD` (`paygen::runtime::CompactDate`).
    CompactDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum with an `Unknown(String)` fallback.
    Enum(Enum),
    Union(Union),
    /// `pub type Name = Target;`
    Alias(TypeRef),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Type of undeclared properties kept in a flattened map, if any.
    pub additional: Option<TypeRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub wire: String,
    pub rust: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// Sent by the server only: never serialised, not in `new()`.
    pub read_only: bool,
    /// Sent by the client only: responses need not carry it.
    pub write_only: bool,
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

/// Validation rules from the spec; documented on the field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
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

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub variants: Vec<EnumVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub wire: String,
    pub rust: String,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    pub discriminator: Option<Discriminator>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust: String,
    pub ty: TypeRef,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Discriminator {
    pub property: String,
}

/// An enum over response statuses (errors, or several success bodies).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEnum {
    pub name: String,
    pub variants: Vec<StatusVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusVariant {
    pub rust: String,
    pub status: StatusMatch,
    pub ty: Option<TypeRef>,
    pub doc: Option<String>,
}

impl Api {
    /// Types by name, for emitters that need to look one up.
    pub fn type_index(&self) -> BTreeMap<&str, &TypeDef> {
        self.types.iter().map(|t| (t.name.as_str(), t)).collect()
    }
}
