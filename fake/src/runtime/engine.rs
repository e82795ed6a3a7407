//! Handling one request (or one control): route → record → fault →
//! authenticate → idempotency → validate → the declared behaviour → answer,
//! then the deliveries it caused. Everything provider-specific comes from
//! the tables in [`super::spec`].

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::crypto;
use super::deliver::{self, Pending};
use super::server::{Instance, RecordInstance, Shared, State};
use super::spec::*;
use super::template::{self, lookup, Ctx, Ledger, Seg};
use super::validate::{self, Problem};
use super::{ControlError, FaultKind, Recorded, RequestBody};

/// An answer to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: u16, body: &Value) -> Self {
        Answer {
            status,
            content_type: "application/json".into(),
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn empty(status: u16) -> Self {
        Answer {
            status,
            content_type: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// Why a request is refused; rendered with the provider's error templates.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    Unauthorized {
        message: String,
        field: String,
    },
    Invalid(Vec<Problem>),
    NotFound {
        field: String,
        message: String,
    },
    Conflict {
        status: Option<u16>,
        code: String,
        message: String,
        field: String,
    },
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The request as the lifecycle sees it.
pub(crate) struct Incoming {
    pub op: usize,
    /// Path parameters (JSON) or form pairs (form APIs) that may name resources.
    pub keys: Vec<(String, String)>,
    /// The body as JSON (form APIs: an object of the non-credential pairs).
    pub value: Option<Value>,
}

/// Handles one HTTP request; `None` drops the connection.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    parts: http::request::Parts,
    body: Bytes,
) -> Option<Answer> {
    let api = shared.api;
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_pairs(q.as_bytes(), false))
        .unwrap_or_default();
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form_api = matches!(api.protocol, Protocol::Form(_));
    let latin1 = form_api && body_is_latin1(&body);
    let pairs = if form_api || content_type.starts_with("application/x-www-form-urlencoded") {
        form_pairs(&body, latin1)
    } else {
        Vec::new()
    };
    let rel = raw_path.strip_prefix(api.base_path).map(|r| r.to_string());

    // Route.
    let token_path = match &api.protocol {
        Protocol::Json(JsonApi {
            auth: Auth::Token(t),
            ..
        }) => Some(t),
        _ => None,
    };
    let is_token = token_path
        .is_some_and(|t| rel.as_deref() == Some(t.path) && parts.method == http::Method::POST);
    let route: Option<(usize, Vec<(&'static str, String)>)> = match (&rel, is_token) {
        (_, true) | (None, _) => None,
        (Some(rel), false) => route(api, &parts.method, rel, &pairs),
    };
    let op_name = route.as_ref().map(|(i, _)| api.operations[*i].name);

    // Record (secrets redacted).
    let recorded_body = if body.is_empty() {
        RequestBody::Empty
    } else if !pairs.is_empty() {
        RequestBody::Form(
            pairs
                .iter()
                .map(|(k, v)| {
                    let secret = is_secret_key(api, k);
                    (
                        k.clone(),
                        if secret {
                            "[REDACTED]".into()
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect(),
        )
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(mut v) => {
                redact_json(api, &mut v);
                RequestBody::Json(v)
            }
            Err(_) => RequestBody::Text(String::from_utf8_lossy(&body).into_owned()),
        }
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if is_secret_header(api, &name) {
                "[REDACTED]".to_string()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect();
    let index = {
        let mut st = shared.lock();
        st.requests.push(Recorded {
            operation: op_name,
            method: method.clone(),
            path: raw_path.clone(),
            query: query.clone(),
            headers,
            body: recorded_body,
            status: None,
        });
        st.requests.len() - 1
    };
    let finish = |answer: Option<Answer>| {
        let status = answer.as_ref().map(|a| a.status);
        if let Some(r) = shared.lock().requests.get_mut(index) {
            r.status = status;
        }
        answer
    };

    if is_token {
        let answer = token(shared, &body);
        return finish(Some(answer));
    }
    let Some((op_index, path_params)) = route else {
        let refusal = if form_api {
            let field = match api.protocol {
                Protocol::Form(_) => api
                    .operations
                    .first()
                    .and_then(|o| o.fixed.first())
                    .map_or("request", |(k, _)| *k),
                Protocol::Json(_) => "request",
            };
            Refusal::Invalid(vec![Problem::new(
                vec![Seg::Key(field.into())],
                "invalid",
                "No operation of the API matches the request.",
            )])
        } else {
            Refusal::NotFound {
                field: "path".into(),
                message: format!("No route for {method} {raw_path}."),
            }
        };
        return finish(Some(refuse(shared, &refusal)));
    };
    let op = &api.operations[op_index];

    // Faults.
    let fault = {
        let mut st = shared.lock();
        let queue = st.faults.entry(op.name).or_default();
        let kind = queue.front_mut().map(|f| {
            f.times = f.times.saturating_sub(1);
            f.kind.clone()
        });
        if queue.front().is_some_and(|f| f.times == 0) {
            queue.pop_front();
        }
        kind
    };
    match fault {
        Some(FaultKind::Drop) => return finish(None),
        Some(FaultKind::Answer {
            status,
            body,
            content_type,
            headers,
        }) => {
            return finish(Some(Answer {
                status,
                content_type,
                headers,
                body,
            }))
        }
        Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }

    let result = process(
        shared,
        op_index,
        &parts,
        &query,
        &path_params,
        &pairs,
        &body,
    );
    let (answer, pending) = match result {
        Ok(ok) => ok,
        Err(refusal) => (refuse(shared, &refusal), Vec::new()),
    };
    deliver::send(shared, pending).await;
    finish(Some(answer))
}

/// Authentication, idempotency, validation and behaviour, under the lock.
fn process(
    shared: &Arc<Shared>,
    op_index: usize,
    parts: &http::request::Parts,
    query: &[(String, String)],
    path_params: &[(&'static str, String)],
    pairs: &[(String, String)],
    body: &Bytes,
) -> Result<(Answer, Vec<Pending>), Refusal> {
    let api = shared.api;
    let op = &api.operations[op_index];
    let mut st = shared.lock();
    match &api.protocol {
        Protocol::Json(j) => {
            authenticate_json(shared, &mut st, j, op, &parts.headers)?;
            // Idempotency: the same key replays the first answer.
            let key = j.idempotency_header.and_then(|h| {
                let write = matches!(parts.method, http::Method::POST | http::Method::PATCH);
                parts
                    .headers
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .filter(|_| write)
                    .map(str::to_string)
            });
            let fingerprint = format!(
                "{} {} {}",
                parts.method,
                parts.uri.path(),
                String::from_utf8_lossy(body)
            );
            if let Some(key) = &key {
                if let Some((fp, answer)) = st.idempotency.get(key) {
                    if *fp == fingerprint {
                        return Ok((answer.clone(), Vec::new()));
                    }
                    return Err(Refusal::Conflict {
                        status: None,
                        code: "IDEMPOTENCY_KEY_REUSED".into(),
                        message: "The idempotency key was used for another request.".into(),
                        field: j.idempotency_header.unwrap_or_default().into(),
                    });
                }
            }
            let value = validate_json(api, op, parts, query, path_params, body)?;
            let incoming = Incoming {
                op: op_index,
                keys: path_params
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.clone()))
                    .collect(),
                value,
            };
            // A refusal is rendered here, so that a replay is the same bytes.
            let (answer, pending) = match behave(shared, &mut st, &incoming) {
                Ok(ok) => ok,
                Err(r) => (render_refusal(shared, &r), Vec::new()),
            };
            if let Some(key) = key {
                if answer.status < 500 {
                    st.idempotency.insert(key, (fingerprint, answer.clone()));
                }
            }
            Ok((answer, pending))
        }
        Protocol::Form(f) => {
            authenticate_form(shared, f, pairs)?;
            let mut problems = Vec::new();
            for (k, v) in pairs {
                if v.is_empty() {
                    problems.push(Problem::new(
                        vec![Seg::Key(k.clone())],
                        "blank",
                        "Empty parameters must not be sent.",
                    ));
                }
            }
            let mut seen = std::collections::BTreeSet::new();
            for (k, _) in pairs {
                if !seen.insert(k.as_str()) {
                    problems.push(Problem::new(
                        vec![Seg::Key(k.clone())],
                        "invalid",
                        "The parameter is sent twice.",
                    ));
                }
            }
            let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v);
            for (k, _) in f.common {
                if get(k).is_none() {
                    problems.push(Problem::new(
                        vec![Seg::Key((*k).into())],
                        "required",
                        "This field is required.",
                    ));
                }
            }
            for (k, values) in f.environment {
                match get(k) {
                    Some(v) if values.contains(&v.as_str()) => {}
                    _ => problems.push(Problem::new(
                        vec![Seg::Key((*k).into())],
                        "invalid_choice",
                        format!("Expected one of {values:?}."),
                    )),
                }
            }
            validate::form(api, op, pairs, &mut problems);
            if !problems.is_empty() {
                return Err(Refusal::Invalid(problems));
            }
            let secret: Vec<&str> = f.credentials.iter().map(|c| c.wire).collect();
            let common: Vec<&str> = f.common.iter().map(|(k, _)| *k).collect();
            let mut obj = Map::new();
            for (k, v) in pairs {
                if !secret.contains(&k.as_str()) && !common.contains(&k.as_str()) {
                    obj.insert(k.clone(), Value::String(v.clone()));
                }
            }
            let incoming = Incoming {
                op: op_index,
                keys: pairs.to_vec(),
                value: Some(Value::Object(obj)),
            };
            behave(shared, &mut st, &incoming)
        }
    }
}

fn unauthorized(message: &str, field: &str) -> Refusal {
    Refusal::Unauthorized {
        message: message.into(),
        field: field.into(),
    }
}

fn authenticate_json(
    shared: &Shared,
    st: &mut State,
    j: &JsonApi,
    op: &Op,
    headers: &http::HeaderMap,
) -> Result<(), Refusal> {
    let cred = |name: &str| {
        shared
            .credentials
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let auth = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let missing = "Authentication credentials were not provided.";
    let scheme = |prefix: &str| -> Result<&str, Refusal> {
        match auth {
            None => Err(unauthorized(missing, "authorization")),
            Some(a) => a
                .strip_prefix(prefix)
                .map(str::trim)
                .ok_or_else(|| unauthorized("Invalid authorization scheme.", "authorization")),
        }
    };
    match &j.auth {
        Auth::None => Ok(()),
        Auth::Bearer => {
            let t = scheme("Bearer ")?;
            crypto::same(t, cred("token"))
                .then_some(())
                .ok_or_else(|| unauthorized("Invalid token.", "authorization"))
        }
        Auth::BasicRawKey => {
            let k = scheme("Basic ")?;
            crypto::same(k, cred("api_key"))
                .then_some(())
                .ok_or_else(|| unauthorized("Invalid API key.", "authorization"))
        }
        Auth::Basic => {
            let encoded = scheme("Basic ")?;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let expected = format!("{}:{}", cred("username"), cred("password"));
            crypto::same(&decoded, &expected)
                .then_some(())
                .ok_or_else(|| unauthorized("Invalid username or password.", "authorization"))
        }
        Auth::ApiKeyHeader(h) => match headers.get(*h).and_then(|v| v.to_str().ok()) {
            None => Err(unauthorized(missing, h)),
            Some(k) if crypto::same(k, cred("api_key")) => Ok(()),
            Some(_) => Err(unauthorized("Invalid API key.", h)),
        },
        Auth::ApiKeyHeaders(keys) => keys.iter().try_for_each(|(h, key)| {
            match headers.get(*h).and_then(|v| v.to_str().ok()) {
                None => Err(unauthorized(missing, h)),
                Some(k) if crypto::same(k, cred(key)) => Ok(()),
                Some(_) => Err(unauthorized("Invalid API key.", h)),
            }
        }),
        Auth::Token(_) => {
            let t = scheme("Bearer ")?;
            let jti = crypto::verify_jwt(&shared.jwt_secret, t, now()).map_err(|e| match e {
                crypto::JwtError::Expired => {
                    unauthorized("The access token has expired.", "authorization")
                }
                _ => unauthorized("Invalid access token.", "authorization"),
            })?;
            let used = st.tokens.get(&jti).copied();
            match used {
                None => Err(unauthorized("Invalid access token.", "authorization")),
                Some(true) if op.fresh_token => Err(unauthorized(
                    "The access token already served a payment initiation; obtain a new one.",
                    "authorization",
                )),
                Some(_) => {
                    if op.fresh_token {
                        st.tokens.insert(jti, true);
                    }
                    Ok(())
                }
            }
        }
    }
}

fn authenticate_form(
    shared: &Shared,
    f: &FormApi,
    pairs: &[(String, String)],
) -> Result<(), Refusal> {
    for c in f.credentials {
        let sent = pairs
            .iter()
            .find(|(k, _)| k == c.wire)
            .map(|(_, v)| v.as_str());
        let expected = shared
            .credentials
            .iter()
            .find(|(n, _)| n == c.wire)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let ok = match sent {
            None => false,
            Some(v) if c.hashes.is_empty() => crypto::same(v, expected),
            Some(v) => c
                .hashes
                .iter()
                .any(|h| crypto::same(v, &crypto::digest(*h, expected))),
        };
        if !ok {
            return Err(unauthorized(
                if sent.is_none() {
                    "The parameter is missing."
                } else {
                    "The parameter does not match the account."
                },
                c.wire,
            ));
        }
    }
    Ok(())
}

fn validate_json(
    api: &Api,
    op: &Op,
    parts: &http::request::Parts,
    query: &[(String, String)],
    path_params: &[(&'static str, String)],
    body: &Bytes,
) -> Result<Option<Value>, Refusal> {
    let mut problems = Vec::new();
    for p in op.params {
        let field = vec![Seg::Key(p.wire.into())];
        let raw: Vec<String> = match p.location {
            Location::Path => path_params
                .iter()
                .filter(|(k, _)| *k == p.wire)
                .map(|(_, v)| v.clone())
                .collect(),
            Location::Query => query
                .iter()
                .filter(|(k, _)| k == p.wire)
                .map(|(_, v)| v.clone())
                .collect(),
            Location::Header => parts
                .headers
                .get_all(p.wire)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_string))
                .collect(),
        };
        if raw.is_empty() {
            if p.required {
                problems.push(Problem::new(field, "required", "This field is required."));
            }
            continue;
        }
        match &p.ty {
            Ty::List(inner) => {
                for v in &raw {
                    validate::param(api, inner, v, &field, &mut problems);
                }
            }
            ty => validate::param(api, ty, &raw[0], &field, &mut problems),
        }
    }
    let value = if body.is_empty() {
        if op.body.as_ref().is_some_and(|b| b.required) {
            problems.push(Problem::new(
                vec![Seg::Key("body".into())],
                "required",
                "A request body is required.",
            ));
        }
        None
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => {
                if let Some(b) = &op.body {
                    validate::json(api, &b.ty, &v, &[], &mut problems);
                }
                Some(v)
            }
            Err(e) => {
                problems.push(Problem::new(
                    vec![Seg::Key("body".into())],
                    "parse_error",
                    format!("JSON parse error - {e}"),
                ));
                None
            }
        }
    };
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(Refusal::Invalid(problems))
    }
}

/// A token endpoint call: the credentials in, a JWT out.
fn token(shared: &Arc<Shared>, body: &Bytes) -> Answer {
    let Protocol::Json(JsonApi {
        auth: Auth::Token(t),
        ..
    }) = &shared.api.protocol
    else {
        return Answer::empty(404);
    };
    let sent: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    for c in t.credentials {
        let expected = shared
            .credentials
            .iter()
            .find(|(n, _)| n == c)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let given = sent.get(*c).and_then(Value::as_str);
        let ok = given.is_some_and(|g| crypto::same(g, expected));
        if !ok {
            return render_refusal(
                shared,
                &unauthorized(
                    if given.is_none() {
                        "The credentials were not provided."
                    } else {
                        "Invalid credentials."
                    },
                    c,
                ),
            );
        }
    }
    let mut st = shared.lock();
    let jti = uuid::Uuid::new_v4().to_string();
    let lifetime = st.token_lifetime.as_secs();
    let subject = t
        .credentials
        .first()
        .and_then(|c| sent.get(*c))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let token = crypto::jwt(&shared.jwt_secret, subject, now(), lifetime, &jti);
    st.tokens.insert(jti, false);
    let mut out = Map::new();
    out.insert(t.token_field.into(), Value::String(token));
    out.insert(t.expires_in_field.into(), Value::from(lifetime));
    Answer::json(200, &Value::Object(out))
}

// ---------------------------------------------------------------------------
// Routing and decoding
// ---------------------------------------------------------------------------

/// The operation a request is for, with its path parameters.
fn route(
    api: &Api,
    method: &http::Method,
    rel: &str,
    pairs: &[(String, String)],
) -> Option<(usize, Vec<(&'static str, String)>)> {
    match &api.protocol {
        Protocol::Json(_) => api.operations.iter().enumerate().find_map(|(i, op)| {
            if op.method != method.as_str() {
                return None;
            }
            match_path(op, rel).map(|params| (i, params))
        }),
        Protocol::Form(_) => {
            if method != http::Method::POST || !(rel.is_empty() || rel == "/") {
                return None;
            }
            let get = |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            };
            // The operation whose fixed parameters all match; the most specific wins.
            api.operations
                .iter()
                .enumerate()
                .filter(|(_, op)| op.fixed.iter().all(|(k, v)| get(k) == Some(*v)))
                .max_by_key(|(_, op)| op.fixed.len())
                .map(|(i, _)| (i, Vec::new()))
        }
    }
}

fn match_path(op: &Op, rel: &str) -> Option<Vec<(&'static str, String)>> {
    let mut rest = rel;
    let mut params = Vec::new();
    for (i, seg) in op.path.iter().enumerate() {
        match seg {
            super::spec::Seg::Lit(l) => rest = rest.strip_prefix(l)?,
            super::spec::Seg::Param(p) => {
                // Up to the next literal's first character (a `/`), or the end.
                let end = match op.path.get(i + 1) {
                    Some(super::spec::Seg::Lit(next)) => {
                        let stop = next.chars().next()?;
                        rest.find(stop).unwrap_or(rest.len())
                    }
                    _ => rest.len(),
                };
                let raw = &rest[..end];
                if raw.is_empty() || raw.contains('/') {
                    return None;
                }
                let decoded = percent_encoding::percent_decode_str(raw)
                    .decode_utf8()
                    .ok()?
                    .into_owned();
                params.push((op.params.get(*p)?.wire, decoded));
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty().then_some(params)
}

/// Decodes `a=b&c=d` (percent-encoding, `+` as space); `latin1`: the bytes
/// are ISO-8859-1.
pub(crate) fn form_pairs(body: &[u8], latin1: bool) -> Vec<(String, String)> {
    let decode = |s: &[u8]| -> String {
        let spaced: Vec<u8> = s
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        if latin1 {
            bytes.iter().map(|b| char::from(*b)).collect()
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&p[..i]), decode(&p[i + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// A form body that says `encoding=ISO-8859-1`.
fn body_is_latin1(body: &[u8]) -> bool {
    form_pairs(body, true)
        .iter()
        .any(|(k, v)| k == "encoding" && v.eq_ignore_ascii_case("ISO-8859-1"))
}

fn is_secret_key(api: &Api, key: &str) -> bool {
    match &api.protocol {
        Protocol::Form(f) => f.credentials.iter().any(|c| c.secret && c.wire == key),
        Protocol::Json(_) => false,
    }
}

fn is_secret_header(api: &Api, name: &str) -> bool {
    if name == "authorization" {
        return true;
    }
    match &api.protocol {
        Protocol::Json(JsonApi {
            auth: Auth::ApiKeyHeader(h),
            ..
        }) => h.eq_ignore_ascii_case(name),
        Protocol::Json(JsonApi {
            auth: Auth::ApiKeyHeaders(keys),
            ..
        }) => keys.iter().any(|(h, _)| h.eq_ignore_ascii_case(name)),
        _ => false,
    }
}

/// Token-endpoint credentials in a JSON body are redacted.
fn redact_json(api: &Api, v: &mut Value) {
    if let Protocol::Json(JsonApi {
        auth: Auth::Token(t),
        ..
    }) = &api.protocol
    {
        if let Value::Object(map) = v {
            for c in t.credentials {
                if let Some(slot) = map.get_mut(*c) {
                    *slot = Value::String("[REDACTED]".into());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn refuse(shared: &Shared, refusal: &Refusal) -> Answer {
    render_refusal(shared, refusal)
}

/// A refusal as the provider answers it.
pub(crate) fn render_refusal(shared: &Shared, refusal: &Refusal) -> Answer {
    let errors = &shared.api.fake.errors;
    let base = shared.base_url.as_str();
    let render_one =
        |answer: &ErrorAnswer, message: &str, code: &str, field: &str, segs: &[Seg]| {
            let template: Value = serde_json::from_str(answer.body).unwrap_or(Value::Null);
            let ctx = Ctx {
                base,
                now: now(),
                message: Some(message),
                code: Some(code),
                field: Some((field, segs)),
                credentials: &shared.credentials,
                ..Ctx::default()
            };
            template::render(&template, &ctx, Kind::Any).unwrap_or(Value::Null)
        };
    let (answer, status, body) = match refusal {
        Refusal::Unauthorized { message, field } => {
            let segs = [Seg::Key(field.clone())];
            let a = &errors.unauthorized;
            (
                a,
                a.status,
                render_one(a, message, "unauthorized", field, &segs),
            )
        }
        Refusal::NotFound { field, message } => {
            let segs = [Seg::Key(field.clone())];
            let a = &errors.not_found;
            (
                a,
                a.status,
                render_one(a, message, "not_found", field, &segs),
            )
        }
        Refusal::Conflict {
            status,
            code,
            message,
            field,
        } => {
            let segs = [Seg::Key(field.clone())];
            let a = &errors.conflict;
            (
                a,
                status.unwrap_or(a.status),
                render_one(a, message, code, field, &segs),
            )
        }
        Refusal::Invalid(problems) => {
            let a = &errors.invalid;
            let mut body = Value::Null;
            for p in problems {
                let one = render_one(a, &p.message, p.code, &p.field(), &p.path);
                if body.is_null() {
                    body = one;
                } else {
                    template::merge(&mut body, one);
                }
            }
            (a, a.status, body)
        }
    };
    let _ = answer;
    match shared.api.protocol {
        Protocol::Json(_) => Answer::json(status, &body),
        Protocol::Form(_) => Answer::text(status, &key_values(&body)),
    }
}

/// An object as `key=value` lines.
fn key_values(v: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(map) = v {
        for (k, v) in map {
            out.push_str(k);
            out.push('=');
            out.push_str(&scalar_text(v));
            out.push('\n');
        }
    }
    out
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------

/// What an operation does, from the tables.
enum Role {
    Canned(&'static str),
    Create(usize, &'static Create),
    Read(usize),
    ReadRecord(usize),
    Update(usize, &'static Update),
    Transition(usize),
    PublicKey,
    None,
}

fn role(api: &Api, op: usize) -> Role {
    let fake = &api.fake;
    if let Some((_, text)) = fake.canned.iter().find(|(o, _)| *o == op) {
        return Role::Canned(text);
    }
    for (ri, r) in fake.resources.iter().enumerate() {
        if let Some(c) = r.creates.iter().find(|c| c.trigger == Trigger::Op(op)) {
            return Role::Create(ri, c);
        }
        if r.reads.contains(&op) {
            return Role::Read(ri);
        }
        if let Some(u) = r.updates.iter().find(|u| u.op == op) {
            return Role::Update(ri, u);
        }
    }
    for (ri, r) in fake.records.iter().enumerate() {
        if r.reads.contains(&op) {
            return Role::ReadRecord(ri);
        }
    }
    if let Some(t) = fake
        .transitions
        .iter()
        .find(|t| t.trigger == Trigger::Op(op))
    {
        return Role::Transition(t.resource);
    }
    if let Protocol::Json(JsonApi {
        webhook: Some(Webhook::Rsa {
            key_operation: Some(k),
            ..
        }),
        ..
    }) = &api.protocol
    {
        if *k == op {
            return Role::PublicKey;
        }
    }
    Role::None
}

/// The instance (and record) a request names for resource kind `kind`.
struct Target {
    instance: usize,
    record: Option<usize>,
}

fn find_target(st: &State, api: &Api, kind: usize, incoming: &Incoming) -> Result<Target, Refusal> {
    let res = &api.fake.resources[kind];
    let mut first_key: Option<&str> = None;
    for (k, v) in &incoming.keys {
        if res.keys.contains(&k.as_str()) {
            first_key.get_or_insert(k);
            return st
                .instances
                .iter()
                .position(|i| i.kind == kind && i.id == *v)
                .map(|instance| Target {
                    instance,
                    record: None,
                })
                .ok_or_else(|| not_found(res.name, k));
        }
        if let Some((_, path)) = res.lookups.iter().find(|(key, _)| *key == k) {
            first_key.get_or_insert(k);
            return st
                .instances
                .iter()
                .position(|i| {
                    i.kind == kind && lookup(&i.body, path.wire).and_then(Value::as_str) == Some(v)
                })
                .map(|instance| Target {
                    instance,
                    record: None,
                })
                .ok_or_else(|| not_found(res.name, k));
        }
        for (rk, rec) in api.fake.records.iter().enumerate() {
            if rec.parent == kind && rec.keys.contains(&k.as_str()) {
                return st
                    .records
                    .iter()
                    .position(|r| r.kind == rk && r.id == *v)
                    .map(|ri| Target {
                        instance: st.records[ri].parent,
                        record: Some(ri),
                    })
                    .ok_or_else(|| not_found(rec.name, k));
            }
        }
    }
    let field = res
        .keys
        .first()
        .or_else(|| res.lookups.first().map(|(k, _)| k))
        .copied()
        .unwrap_or("id");
    Err(not_found(res.name, field))
}

fn not_found(what: &str, field: &str) -> Refusal {
    Refusal::NotFound {
        field: field.into(),
        message: format!("No {what} has this `{field}`."),
    }
}

/// Other resources a request names must exist.
fn check_keys(
    st: &State,
    api: &Api,
    incoming: &Incoming,
    skip: Option<usize>,
) -> Result<(), Refusal> {
    for (k, v) in &incoming.keys {
        for (kind, res) in api.fake.resources.iter().enumerate() {
            if Some(kind) == skip || !res.keys.contains(&k.as_str()) {
                continue;
            }
            if !st.instances.iter().any(|i| i.kind == kind && i.id == *v) {
                return Err(not_found(res.name, k));
            }
        }
    }
    Ok(())
}

fn behave(
    shared: &Shared,
    st: &mut State,
    incoming: &Incoming,
) -> Result<(Answer, Vec<Pending>), Refusal> {
    let api = shared.api;
    let op = &api.operations[incoming.op];
    let mut pending = Vec::new();
    let answer = match role(api, incoming.op) {
        Role::Canned(text) => {
            let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            Answer::json(op.success_status, &v)
        }
        Role::PublicKey => match crypto::rsa_key() {
            Some(k) => Answer::json(op.success_status, &Value::String(k.pem.clone())),
            None => Answer::text(500, "the fake could not make an RSA key"),
        },
        Role::None => Answer::text(501, "the fake declares no behaviour for this operation"),
        Role::Create(kind, create) => {
            check_keys(st, api, incoming, Some(kind))?;
            let idx = create_instance(shared, st, kind, create, incoming.value.as_ref())?;
            if let Some(ev) = create.deliver {
                pending.push(deliver::pending(shared, st, idx, ev, None));
            }
            answer_for(shared, st, incoming, idx, None, &create.reply)
        }
        Role::Read(kind) => {
            check_keys(st, api, incoming, Some(kind))?;
            let target = find_target(st, api, kind, incoming)?;
            let answer = answer_for(
                shared,
                st,
                incoming,
                target.instance,
                None,
                &Reply {
                    variant: None,
                    set: &[],
                },
            );
            // A read answers the current status, then moves it on (polling).
            read_transitions(shared, st, incoming, target.instance, &mut pending);
            answer
        }
        Role::ReadRecord(rk) => {
            let rec = &api.fake.records[rk];
            let target = find_target(st, api, rec.parent, incoming)?;
            let Some(ri) = target.record.filter(|r| st.records[*r].kind == rk) else {
                let field = rec.keys.first().copied().unwrap_or("id");
                return Err(not_found(rec.name, field));
            };
            Answer::json(op.success_status, &st.records[ri].body)
        }
        Role::Update(kind, update) => {
            check_keys(st, api, incoming, Some(kind))?;
            let target = find_target(st, api, kind, incoming)?;
            let res = &api.fake.resources[kind];
            let inst = &mut st.instances[target.instance];
            let status = status_of(res, &inst.body);
            if !update.from.is_empty() && !update.from.contains(&status.as_str()) {
                return Err(Refusal::Conflict {
                    status: None,
                    code: update.error_code.into(),
                    message: update.error_message.into(),
                    field: res.keys.first().copied().unwrap_or("id").into(),
                });
            }
            if let Some(v) = &incoming.value {
                let slot = if update.into.is_empty() {
                    &mut inst.body
                } else {
                    ensure_path(&mut inst.body, update.into)
                };
                overlay(slot, v.clone());
            }
            answer_for(
                shared,
                st,
                incoming,
                target.instance,
                None,
                &Reply {
                    variant: None,
                    set: &[],
                },
            )
        }
        Role::Transition(kind) => {
            check_keys(st, api, incoming, Some(kind))?;
            let target = find_target(st, api, kind, incoming)?;
            let outcome = transition(
                shared,
                st,
                Trigger::Op(incoming.op),
                target.instance,
                target.record,
                incoming.value.as_ref(),
                &mut pending,
            )?;
            answer_for(
                shared,
                st,
                incoming,
                target.instance,
                outcome.record.or(outcome.created.map(Made::Instance)),
                outcome.reply,
            )
        }
    };
    Ok((answer, pending))
}

/// What a transition made besides moving the status.
#[derive(Debug, Clone, Copy)]
enum Made {
    Record(usize),
    Instance(usize),
}

struct Outcome {
    record: Option<Made>,
    created: Option<usize>,
    reply: &'static Reply,
}

fn status_of(res: &Resource, body: &Value) -> String {
    lookup(body, res.status.wire)
        .map(scalar_text)
        .unwrap_or_default()
}

/// The object at `path`, made when missing.
fn ensure_path<'v>(v: &'v mut Value, path: &[&str]) -> &'v mut Value {
    let mut cur = v;
    for p in path {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            unreachable!("made an object just above")
        };
        cur = map
            .entry((*p).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    cur
}

/// `from` laid over `into`: objects merge key by key, anything else replaces.
fn overlay(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => overlay(existing, v),
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn base_ctx<'a>(shared: &'a Shared) -> Ctx<'a> {
    Ctx {
        base: &shared.base_url,
        now: now(),
        credentials: &shared.credentials,
        key: None,
        ..Ctx::default()
    }
}

/// Applies assignments to `body`, each rendered in `ctx` (whose resource
/// is a snapshot of `body` before the assignments).
fn apply_sets(body: &mut Value, sets: &[Set], ctx: &Ctx<'_>) {
    let rendered: Vec<(&[&str], Option<Value>)> = sets
        .iter()
        .map(|s| {
            let template: Value = serde_json::from_str(s.value).unwrap_or(Value::Null);
            (s.path, template::render(&template, ctx, s.kind))
        })
        .collect();
    for (path, value) in rendered {
        // A placeholder that names nothing leaves the field as it is.
        if let Some(v) = value {
            template::set_path(body, path, v);
        }
    }
}

/// Reads an amount from the request.
fn read_amount(source: &Source, request: Option<&Value>) -> Option<i64> {
    let request = request?;
    match source {
        Source::Field(path) => lookup(request, path).and_then(template::as_i64),
        Source::Sum {
            list,
            price,
            quantity,
        } => {
            let items = lookup(request, list)?.as_array()?;
            let mut total: i64 = 0;
            for item in items {
                let p = lookup(item, price).and_then(template::as_i64).unwrap_or(0);
                let q = quantity
                    .and_then(|q| lookup(item, q))
                    .and_then(|v| match v {
                        Value::Number(n) => n.as_f64(),
                        Value::String(s) => s.trim().parse::<f64>().ok(),
                        _ => None,
                    })
                    .unwrap_or(1.0);
                total = total.saturating_add((p as f64 * q).round() as i64);
            }
            Some(total)
        }
    }
}

fn source_field(source: Option<&Source>) -> String {
    match source {
        Some(Source::Field(p)) => p.join("."),
        Some(Source::Sum { list, .. }) => list.join("."),
        None => "amount".into(),
    }
}

fn render_id(format: &str, ctx: &Ctx<'_>) -> String {
    template::render_str(format, ctx, Kind::Str)
        .map(|v| scalar_text(&v))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Pushes a history entry for the instance's current status.
fn push_history(res: &Resource, body: &mut Value, status: &str, now: i64) {
    let Some(h) = &res.history else {
        return;
    };
    let ctx = Ctx {
        now,
        ..Ctx::default()
    };
    let at = template::render_str("${now}", &ctx, h.at.kind).unwrap_or(Value::Null);
    let mut entry = Map::new();
    entry.insert(h.status.into(), Value::String(status.into()));
    if let Some((last, _)) = h.at.wire.split_last() {
        entry.insert((*last).to_string(), at);
    }
    let list = ensure_path(body, h.list);
    match list {
        Value::Array(items) => items.push(Value::Object(entry)),
        other => *other = Value::Array(vec![Value::Object(entry)]),
    }
}

fn create_instance(
    shared: &Shared,
    st: &mut State,
    kind: usize,
    create: &Create,
    request: Option<&Value>,
) -> Result<usize, Refusal> {
    let api = shared.api;
    let res = &api.fake.resources[kind];
    if let (Some(u), Some(req)) = (&res.unique, request) {
        if let Some(value) = req.get(u.field) {
            let taken = st
                .instances
                .iter()
                .any(|i| i.kind == kind && i.body.get(u.field) == Some(value));
            if taken {
                return Err(Refusal::Conflict {
                    status: None,
                    code: u.code.into(),
                    message: u.message.into(),
                    field: u.field.into(),
                });
            }
        }
    }
    let mut ledger = Ledger::default();
    if let Some(Amount::Authorize(src)) = &create.amount {
        ledger.authorized = read_amount(src, request).unwrap_or(0);
    }
    let mut body = match (create.copy_request, request) {
        (true, Some(Value::Object(m))) => Value::Object(strip_read_only(api, res.ty, m.clone())),
        _ => Value::Object(Map::new()),
    };
    let id = {
        let ctx = Ctx {
            request,
            ..base_ctx(shared)
        };
        render_id(res.id_format, &ctx)
    };
    if let Some(p) = &res.id {
        template::set_path(&mut body, p.wire, Value::String(id.clone()));
    }
    template::set_path(
        &mut body,
        res.status.wire,
        Value::String(create.status.into()),
    );
    let snapshot = body.clone();
    let ctx = Ctx {
        id: Some(&id),
        request,
        resource: Some(&snapshot),
        ledger: Some(ledger),
        status: Some(create.status),
        sequence: Some(0),
        ..base_ctx(shared)
    };
    apply_sets(&mut body, create.set, &ctx);
    push_history(res, &mut body, create.status, ctx.now);
    st.instances.push(Instance {
        kind,
        id,
        body,
        ledger,
        sequence: 0,
        records: 0,
    });
    Ok(st.instances.len() - 1)
}

/// A client never sends read-only fields; a resource does not keep them
/// from the request either.
fn strip_read_only(api: &Api, ty: Option<usize>, mut m: Map<String, Value>) -> Map<String, Value> {
    if let Some(Type::Struct(s)) = ty.and_then(|t| api.types.get(t)) {
        for f in s.fields.iter().filter(|f| f.read_only) {
            m.remove(f.wire);
        }
    }
    m
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty() && s != "false" && s != "0",
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn holds(cond: &Cond, body: &Value, request: Option<&Value>, partial: bool) -> bool {
    let v = match &cond.subject {
        Subject::Field(p) => truthy(lookup(body, p)),
        Subject::Request(p) => truthy(request.and_then(|r| lookup(r, p))),
        Subject::Equals(p, value) => lookup(body, p).map(scalar_text).as_deref() == Some(*value),
        Subject::Partial => partial,
    };
    v != cond.negate
}

/// Runs the first transition for `trigger` that applies to the instance.
fn transition(
    shared: &Shared,
    st: &mut State,
    trigger: Trigger,
    idx: usize,
    target_record: Option<usize>,
    request: Option<&Value>,
    pending: &mut Vec<Pending>,
) -> Result<Outcome, Refusal> {
    let api = shared.api;
    let kind = st.instances[idx].kind;
    let res = &api.fake.resources[kind];
    let status = status_of(res, &st.instances[idx].body);
    let candidates: Vec<&'static Transition> = api
        .fake
        .transitions
        .iter()
        .filter(|t| t.resource == kind && t.trigger == trigger)
        .collect();
    let key_field = res
        .keys
        .first()
        .or_else(|| res.lookups.first().map(|(k, _)| k))
        .copied()
        .unwrap_or("id");
    for t in &candidates {
        if !t.from.contains(&status.as_str()) {
            continue;
        }
        let inst = &st.instances[idx];
        let ledger = inst.ledger;
        // The amount, and the most it could be.
        let (amount, max, field) = match &t.amount {
            Some(Amount::Capture(src)) => (
                src.as_ref()
                    .and_then(|s| read_amount(s, request))
                    .unwrap_or(ledger.remaining()),
                Some(ledger.remaining()),
                source_field(src.as_ref()),
            ),
            Some(Amount::Refund { source, negative }) => {
                let a = source
                    .as_ref()
                    .and_then(|s| read_amount(s, request))
                    .map(|a| if *negative { -a } else { a })
                    .unwrap_or(ledger.refundable());
                (a, Some(ledger.refundable()), source_field(source.as_ref()))
            }
            Some(Amount::Authorize(src)) => (
                read_amount(src, request).unwrap_or(0),
                None,
                source_field(Some(src)),
            ),
            Some(Amount::Void) | None => (0, None, String::new()),
        };
        let partial = max.is_some_and(|m| amount < m);
        if let Some(c) = &t.cond {
            if !holds(c, &inst.body, request, partial) {
                continue;
            }
        }
        // Checks that refuse the request rather than choose another transition.
        if let Some(m) = max {
            if amount <= 0 || amount > m {
                let segs: Vec<Seg> = field.split('.').map(|s| Seg::Key(s.into())).collect();
                return Err(Refusal::Invalid(vec![Problem::new(
                    segs,
                    "invalid",
                    if amount <= 0 {
                        "The amount must be positive.".to_string()
                    } else {
                        format!("The amount exceeds the {m} still available.")
                    },
                )]));
            }
        }
        let mut sequence = inst.sequence;
        if let Some(seq) = t.sequence {
            let expected = inst.sequence + 1;
            let given = request.and_then(|r| r.get(seq)).and_then(template::as_i64);
            match given {
                Some(g) if g != expected => {
                    return Err(Refusal::Invalid(vec![Problem::new(
                        vec![Seg::Key(seq.into())],
                        "invalid",
                        format!("Expected the sequence number {expected}."),
                    )]))
                }
                None if expected > 1 => {
                    return Err(Refusal::Invalid(vec![Problem::new(
                        vec![Seg::Key(seq.into())],
                        "required",
                        format!("The sequence number ({expected}) is required from the second transaction on."),
                    )]))
                }
                _ => sequence = expected,
            }
        }
        for r in t.refs {
            let value = request
                .and_then(|req| lookup(req, r.field))
                .map(scalar_text)
                .unwrap_or_default();
            let ok = st.instances.iter().any(|i| {
                i.kind == r.resource
                    && i.id == value
                    && r.cond
                        .as_ref()
                        .is_none_or(|c| holds(c, &i.body, None, false))
            });
            if !ok {
                let segs: Vec<Seg> = r.field.iter().map(|s| Seg::Key((*s).into())).collect();
                return Err(Refusal::Invalid(vec![Problem::new(
                    segs,
                    "invalid",
                    format!(
                        "No usable {} has this id.",
                        api.fake.resources[r.resource].name
                    ),
                )]));
            }
        }
        // Apply.
        let inst = &mut st.instances[idx];
        match &t.amount {
            Some(Amount::Capture(_)) => inst.ledger.captured += amount,
            Some(Amount::Refund { .. }) => inst.ledger.refunded += amount,
            Some(Amount::Authorize(_)) => inst.ledger.authorized = amount,
            Some(Amount::Void) => inst.ledger.voided = true,
            None => {}
        }
        inst.sequence = sequence;
        let previous = status.clone();
        let changed = t.to.is_some_and(|to| to != status);
        let now_status = t.to.map_or(status.clone(), str::to_string);
        if changed {
            template::set_path(
                &mut inst.body,
                res.status.wire,
                Value::String(now_status.clone()),
            );
            let now = now();
            push_history(res, &mut inst.body, &now_status, now);
        }
        let snapshot = inst.body.clone();
        let target_body = target_record.map(|r| st.records[r].body.clone());
        let id = st.instances[idx].id.clone();
        let ledger = st.instances[idx].ledger;
        {
            let ctx = Ctx {
                id: Some(&id),
                request,
                resource: Some(&snapshot),
                target: target_body.as_ref(),
                ledger: Some(ledger),
                amount: Some(amount),
                sequence: Some(sequence),
                status: Some(&now_status),
                previous: Some(&previous),
                ..base_ctx(shared)
            };
            let inst = &mut st.instances[idx];
            if changed {
                apply_sets(&mut inst.body, res.on_change, &ctx);
            }
            apply_sets(&mut inst.body, t.set, &ctx);
        }
        // A record (capture, refund) under the instance.
        let mut made = None;
        if let Some(rk) = t.record {
            let rec = &api.fake.records[rk];
            let n = st
                .records
                .iter()
                .filter(|r| r.parent == idx && r.kind == rk)
                .count()
                + 1;
            let parent_body = st.instances[idx].body.clone();
            let mut body = match request {
                Some(Value::Object(m)) => Value::Object(project(api, Some(rec.ty), m)),
                _ => Value::Object(Map::new()),
            };
            let ctx = Ctx {
                id: Some(&id),
                request,
                resource: Some(&parent_body),
                target: target_body.as_ref(),
                ledger: Some(ledger),
                amount: Some(amount),
                sequence: Some(sequence),
                n: Some(n),
                status: Some(&now_status),
                previous: Some(&previous),
                ..base_ctx(shared)
            };
            let rid = render_id(rec.id_format, &ctx);
            template::set_path(&mut body, rec.id.wire, Value::String(rid.clone()));
            apply_sets(&mut body, rec.set, &ctx);
            if let Some(list) = rec.list {
                match ensure_path(&mut st.instances[idx].body, list) {
                    Value::Array(items) => items.push(body.clone()),
                    other => *other = Value::Array(vec![body.clone()]),
                }
            }
            st.instances[idx].records += 1;
            st.records.push(RecordInstance {
                kind: rk,
                id: rid,
                parent: idx,
                body,
            });
            made = Some(Made::Record(st.records.len() - 1));
        }
        // A second resource (a transaction from a confirmation).
        let mut created = None;
        if let Some(c) = &t.creates {
            let cres = &api.fake.resources[c.resource];
            let parent_body = st.instances[idx].body.clone();
            let mut cledger = Ledger::default();
            if let Some(Amount::Authorize(src)) = &c.amount {
                cledger.authorized = read_amount(src, request).unwrap_or(0);
            }
            let ctx = Ctx {
                request,
                resource: Some(&parent_body),
                parent: Some(&parent_body),
                ledger: Some(cledger),
                status: Some(c.status),
                ..base_ctx(shared)
            };
            let cid = render_id(cres.id_format, &ctx);
            let mut body = Value::Object(Map::new());
            if let Some(p) = &cres.id {
                template::set_path(&mut body, p.wire, Value::String(cid.clone()));
            }
            template::set_path(&mut body, cres.status.wire, Value::String(c.status.into()));
            let ctx = Ctx {
                id: Some(&cid),
                ..ctx
            };
            apply_sets(&mut body, c.set, &ctx);
            push_history(cres, &mut body, c.status, ctx.now);
            st.instances.push(Instance {
                kind: c.resource,
                id: cid.clone(),
                body,
                ledger: cledger,
                sequence: 0,
                records: 0,
            });
            created = Some(st.instances.len() - 1);
            if let Some(link) = c.link {
                template::set_path(&mut st.instances[idx].body, link, Value::String(cid));
            }
        }
        if let Some(ev) = t.deliver {
            pending.push(deliver::pending(shared, st, idx, ev, Some(&previous)));
        }
        return Ok(Outcome {
            record: made,
            created,
            reply: &t.reply,
        });
    }
    // Nothing applies.
    let first = candidates.first();
    Err(Refusal::Conflict {
        status: first.and_then(|t| t.error_status),
        code: first.map_or("conflict", |t| t.error_code).into(),
        message: first
            .map_or(
                "The operation is not possible in the current status.",
                |t| t.error_message,
            )
            .into(),
        field: key_field.into(),
    })
}

/// Read-triggered transitions (status progressing over polls): the first
/// that applies runs; none applying is not an error.
fn read_transitions(
    shared: &Shared,
    st: &mut State,
    incoming: &Incoming,
    idx: usize,
    pending: &mut Vec<Pending>,
) {
    let api = shared.api;
    let kind = st.instances[idx].kind;
    let trigger = Trigger::Read(incoming.op);
    let any = api
        .fake
        .transitions
        .iter()
        .any(|t| t.resource == kind && t.trigger == trigger);
    if any {
        let _ = transition(shared, st, trigger, idx, None, None, pending);
    }
}

/// The fields of `m` that type `ty` declares (all of them for other types).
fn project(api: &Api, ty: Option<usize>, m: &Map<String, Value>) -> Map<String, Value> {
    match ty.and_then(|t| api.types.get(t)) {
        Some(Type::Struct(s)) if !s.additional => m
            .iter()
            .filter(|(k, _)| s.fields.iter().any(|f| f.wire == k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => m.clone(),
    }
}

/// The answer of a successful operation.
fn answer_for(
    shared: &Shared,
    st: &State,
    incoming: &Incoming,
    idx: usize,
    made: Option<Made>,
    reply: &Reply,
) -> Answer {
    let api = shared.api;
    let op = &api.operations[incoming.op];
    let inst = &st.instances[idx];
    let ctx = Ctx {
        id: Some(&inst.id),
        request: incoming.value.as_ref(),
        resource: Some(&inst.body),
        ledger: Some(inst.ledger),
        sequence: Some(inst.sequence),
        ..base_ctx(shared)
    };
    match &api.protocol {
        Protocol::Form(f) => {
            let Some(variant) = op.variants.get(reply.variant.unwrap_or(0)) else {
                return Answer::text(500, "the operation has no answer variant");
            };
            let mut body = Value::Object(Map::new());
            apply_sets(&mut body, reply.set, &ctx);
            let mut out = format!(
                "{}={}\n",
                f.status_field,
                variant.values.first().unwrap_or(&"")
            );
            if let Some(Type::Struct(s)) = api.types.get(variant.ty) {
                for field in s.fields {
                    let v = body.get(field.wire).or_else(|| inst.body.get(field.wire));
                    if let Some(v) = v.filter(|v| !v.is_null()) {
                        let text = scalar_text(v);
                        if !text.is_empty() {
                            out.push_str(&format!("{}={text}\n", field.wire));
                        }
                    }
                }
            }
            Answer::text(200, &out)
        }
        Protocol::Json(_) => {
            let ty = match &op.success {
                Success::None => return Answer::empty(op.success_status),
                Success::Text => return Answer::text(op.success_status, &scalar_text(&inst.body)),
                Success::Json(Ty::Named(t)) => Some(*t),
                Success::Json(_) => None,
            };
            let mut body = match made {
                Some(Made::Record(r))
                    if answers_as(api, ty, api.fake.records[st.records[r].kind].ty) =>
                {
                    st.records[r].body.clone()
                }
                Some(Made::Instance(c))
                    if api.fake.resources[st.instances[c].kind]
                        .ty
                        .is_some_and(|t| answers_as(api, ty, t)) =>
                {
                    st.instances[c].body.clone()
                }
                _ => match &inst.body {
                    Value::Object(m) => Value::Object(project(api, ty, m)),
                    other => other.clone(),
                },
            };
            apply_sets(&mut body, reply.set, &ctx);
            Answer::json(op.success_status, &body)
        }
    }
}

/// Whether a value of type `made` is an answer of type `answer`: the same
/// type, or one of its union's variants (a refund answering a `Payment` or a
/// `Purchase`).
fn answers_as(api: &Api, answer: Option<usize>, made: usize) -> bool {
    match answer {
        Some(a) if a == made => true,
        Some(a) => match api.types.get(a) {
            Some(Type::Union(u)) => u
                .variants
                .iter()
                .any(|v| matches!(v, Ty::Named(t) if *t == made)),
            Some(Type::Alias(Ty::Named(t))) => answers_as(api, Some(*t), made),
            _ => false,
        },
        None => false,
    }
}

/// Runs a control: creates a resource (`id` is `None`) or moves one.
pub(crate) async fn control(
    shared: &Arc<Shared>,
    name: &str,
    id: Option<&str>,
) -> Result<(String, Value), ControlError> {
    let api = shared.api;
    let mut pending = Vec::new();
    let result = {
        let mut st = shared.lock();
        let creator = api.fake.resources.iter().enumerate().find_map(|(ri, r)| {
            r.creates
                .iter()
                .find(|c| matches!(c.trigger, Trigger::Control(n) if n == name))
                .map(|c| (ri, c))
        });
        if let Some((kind, create)) = creator {
            // Only a request can break a creation rule (a unique field), and
            // a control has none; should one ever fail, it is not allowed.
            let idx = create_instance(shared, &mut st, kind, create, None).map_err(|_| {
                ControlError::NotAllowed {
                    resource: api.fake.resources[kind].name.into(),
                    id: String::new(),
                    status: String::new(),
                }
            })?;
            if let Some(ev) = create.deliver {
                pending.push(deliver::pending(shared, &st, idx, ev, None));
            }
            let inst = &st.instances[idx];
            Ok((inst.id.clone(), inst.body.clone()))
        } else {
            let Some(t) = api
                .fake
                .transitions
                .iter()
                .find(|t| matches!(t.trigger, Trigger::Control(n) if n == name))
            else {
                return Err(ControlError::UnknownControl(name.into()));
            };
            let res = &api.fake.resources[t.resource];
            let id = id.unwrap_or_default();
            let Some(idx) = st
                .instances
                .iter()
                .position(|i| i.kind == t.resource && i.id == id)
            else {
                return Err(ControlError::UnknownId {
                    resource: res.name.into(),
                    id: id.into(),
                });
            };
            match transition(shared, &mut st, t.trigger, idx, None, None, &mut pending) {
                Ok(_) => {
                    let inst = &st.instances[idx];
                    Ok((inst.id.clone(), inst.body.clone()))
                }
                Err(_) => Err(ControlError::NotAllowed {
                    resource: res.name.into(),
                    id: id.into(),
                    status: status_of(res, &st.instances[idx].body),
                }),
            }
        }
    };
    deliver::send(shared, pending).await;
    result
}
