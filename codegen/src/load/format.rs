//! The hand-written spec format (`specs/<provider>/spec.yaml`), as serde
//! types. `specs/README.md` is the reference for authors; this file is the
//! definition. Unknown keys are errors, so a typo is reported with its line.

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SpecFile {
    /// Format version; must be 1.
    pub paygen: u32,
    pub title: String,
    pub version: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// In order; the first is the default.
    pub environments: Vec<EnvironmentSpec>,
    #[serde(default)]
    pub auth: Option<AuthSpec>,
    pub encoding: EncodingSpec,
    /// Body parameters sent with every request, with fixed values.
    #[serde(default)]
    pub common: IndexMap<String, String>,
    /// The common parameter whose value names the body's charset (`UTF-8`
    /// or `ISO-8859-1`); the body is encoded in it.
    #[serde(default)]
    pub charset_parameter: Option<String>,
    /// Field groups that operations and other groups include by name.
    #[serde(default)]
    pub groups: IndexMap<String, GroupSpec>,
    /// For key=value responses: the field that selects the response variant.
    #[serde(default)]
    pub status_field: Option<String>,
    /// The response variant that is an error, for every operation.
    #[serde(default)]
    pub error: Option<ErrorSpec>,
    pub operations: IndexMap<String, OperationSpec>,
    /// Notifications the provider sends to the merchant.
    #[serde(default)]
    pub notification: Option<NotificationSpec>,
    /// Methods that poll an operation until its status is terminal.
    #[serde(default)]
    pub polling: Vec<PollSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollSpec {
    /// Name of the generated method.
    pub name: String,
    /// The operation polled (it may take only path parameters).
    pub operation: String,
    /// Response field holding the status.
    pub field: String,
    /// Status values that end the polling.
    pub terminal: Vec<String>,
    #[serde(default)]
    pub doc: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// Body parameters that select this environment (e.g. `mode: test`).
    #[serde(default)]
    pub params: IndexMap<String, String>,
}

/// One of the keys is given.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuthSpec {
    /// Credentials sent as body parameters.
    #[serde(default)]
    pub body: Option<Vec<CredentialSpec>>,
    /// `Authorization: Bearer` with a token obtained from an endpoint.
    #[serde(default)]
    pub token_endpoint: Option<TokenEndpointSpec>,
    /// `Authorization: Bearer` with a token given to `Config::new`.
    #[serde(default)]
    pub bearer: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    /// Wire name.
    pub name: String,
    /// Rust name of the `Config::new` argument (default: snake_case of `name`).
    #[serde(default)]
    pub rust: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
    /// Held as a secret and never printed.
    #[serde(default)]
    pub secret: bool,
    /// The secret is sent hashed: the first algorithm is the default, the
    /// others can be selected on `Config`.
    #[serde(default)]
    pub hash: Vec<HashSpec>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HashSpec {
    Md5,
    Sha384,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenEndpointSpec {
    /// Path of the token endpoint, relative to the base URL.
    pub path: String,
    /// Credentials sent in the token request's JSON body.
    pub credentials: Vec<CredentialSpec>,
    /// Response field holding the token.
    pub token_field: String,
    /// Response fields that may hold the lifetime in seconds (a number or a
    /// numeric string); the first present wins.
    pub expires_in_fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncodingSpec {
    pub request: RequestEncoding,
    pub response: ResponseEncoding,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RequestEncoding {
    Form,
    Json,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseEncoding {
    KeyValue,
    Json,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    #[serde(default)]
    pub doc: Option<String>,
    /// Present for indexed groups (`it[1]`, `id[1]`, …): the group becomes a
    /// `Vec` of item structs.
    #[serde(default)]
    pub indexed: Option<IndexedSpec>,
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexedSpec {
    /// Name of the `Vec` field on the including struct.
    pub rust: String,
    /// Name of the item struct.
    pub item: String,
    /// Largest index (indexes start at 1).
    pub max: u32,
    /// At least one item is needed.
    #[serde(default)]
    pub required: bool,
}

/// One entry of a `fields` list: a field, or `include: <group>` for the
/// fields of a group. (One struct rather than an untagged enum, so that a
/// misspelt key is reported as such.)
pub type FieldSpec = FieldDef;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FieldDef {
    /// The fields of this group instead of a field; nothing else may be given.
    #[serde(default)]
    pub include: Option<String>,
    /// Wire name, brackets included (`add_paydata[action]`).
    #[serde(default)]
    pub name: String,
    /// Rust name (default: snake_case of `name`).
    #[serde(default)]
    pub rust: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// `CHAR(1..50)`, `CHAR(3)`, `AN(1..16)`, `NUMERIC(6)`, `NUMERIC(1..10)`,
    /// `DATE(8)`, `LIST`, `DECIMAL`, `BOOLEAN`, `OBJECT`, `ARRAY`; default `CHAR`.
    #[serde(default)]
    pub format: Option<String>,
    /// Permitted values (makes the field an enum with an `Unknown` fallback).
    #[serde(default)]
    pub values: Vec<String>,
    /// Smallest and largest numeric value.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// Permitted characters: ranges like `0-9` and single characters.
    #[serde(default)]
    pub symbols: Vec<String>,
    /// `string`, `integer`: overrides the type the format implies.
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
    /// A map sent as `name[key]=value`.
    #[serde(default)]
    pub map: bool,
    /// For JSON APIs: the fields of a nested object (format `OBJECT`) or of
    /// the items of a list (format `ARRAY`), and the type name to give it.
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    #[serde(default)]
    pub type_name: Option<String>,
    /// Other names the field may carry in a response (decoding only).
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub doc: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    /// Value of the status field that marks an error (`ERROR`); key-value
    /// APIs only. For JSON APIs the error type is every non-2xx body.
    #[serde(default)]
    pub status: Option<String>,
    /// Name of the error body type.
    pub name: String,
    #[serde(default)]
    pub doc: Option<String>,
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationSpec {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default = "default_method")]
    pub method: String,
    /// Relative to the base URL; default empty.
    #[serde(default)]
    pub path: String,
    /// Body parameters with fixed values that identify the operation.
    #[serde(default)]
    pub fixed: IndexMap<String, String>,
    /// Name of the request type (default: CamelCase of the operation + `Request`).
    #[serde(default)]
    pub request: Option<String>,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    /// Query parameters (GET).
    #[serde(default)]
    pub query: Vec<FieldSpec>,
    /// Responses by the value of the status field (key=value APIs), or
    /// `ok` for the single success body of a JSON API.
    pub responses: IndexMap<String, ResponseSpec>,
    /// Obtain a new access token for every call of this operation (token
    /// auth: for providers whose tokens serve one operation each).
    #[serde(default)]
    pub fresh_token: bool,
}

fn default_method() -> String {
    "POST".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// Name of the response type (default: operation + status).
    #[serde(default)]
    pub name: Option<String>,
    /// Other values of the status field that select this response
    /// (key-value APIs: PAYONE answers `OK` where it documents `APPROVED`).
    #[serde(default)]
    pub also: Vec<String>,
    /// JSON APIs: the answer is a list of these objects.
    #[serde(default)]
    pub list: bool,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NotificationSpec {
    /// Name of the notification type.
    pub name: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// Character set of the body (`ISO-8859-1` or `UTF-8`).
    pub charset: String,
    /// Field that carries the hashed secret to check.
    pub key_field: String,
    /// The exact body the merchant must answer with.
    pub reply: String,
    pub fields: Vec<FieldSpec>,
}
