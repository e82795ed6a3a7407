//! Callbacks, webhooks and notifications: built (and signed) while the
//! state is locked, sent after. Only loopback URLs are contacted, so a test
//! never reaches a real host; anything else is recorded as not sent.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::crypto;
use super::server::{Shared, State};
use super::spec::{Kind, Protocol, Webhook};
use super::template::{self, Ctx};
use super::Delivery;

/// A delivery ready to send.
pub(crate) struct Pending {
    event: String,
    url: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The exact answer the receiver must give (PAYONE's `TSOK`).
    reply: Option<&'static str>,
}

/// Builds the delivery of `event` for instance `idx`.
pub(crate) fn pending(
    shared: &Shared,
    st: &State,
    idx: usize,
    event: &str,
    previous: Option<&str>,
) -> Pending {
    let api = shared.api;
    let inst = &st.instances[idx];
    let res = &api.fake.resources[inst.kind];
    let spec = api.fake.deliveries.as_ref();
    let status = template::lookup(&inst.body, res.status.wire)
        .and_then(Value::as_str)
        .map(str::to_string);
    // The hashed secret a form notification carries as its key.
    let key = match &api.protocol {
        Protocol::Form(f) => f.credentials.iter().find(|c| c.secret).map(|c| {
            let secret = shared
                .credentials
                .iter()
                .find(|(n, _)| n == c.wire)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default();
            match c.hashes.first() {
                Some(h) => crypto::digest(*h, secret),
                None => secret.to_string(),
            }
        }),
        Protocol::Json(_) => None,
    };
    let ctx = Ctx {
        base: &shared.base_url,
        now: time::OffsetDateTime::now_utc().unix_timestamp(),
        id: Some(&inst.id),
        resource: Some(&inst.body),
        ledger: Some(inst.ledger),
        sequence: Some(inst.sequence),
        event: Some(event),
        status: status.as_deref(),
        previous,
        key: key.as_deref(),
        credentials: &shared.credentials,
        ..Ctx::default()
    };
    let value = match spec.and_then(|d| d.body) {
        Some(text) => {
            let template: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            template::render(&template, &ctx, Kind::Any).unwrap_or(Value::Null)
        }
        None => inst.body.clone(),
    };
    let url = st.delivery_url.clone().or_else(|| {
        spec.and_then(|d| d.url)
            .and_then(|p| template::lookup(&inst.body, p))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let mut headers = Vec::new();
    let mut reply = None;
    let body = match &api.protocol {
        Protocol::Json(j) => {
            let body = value.to_string().into_bytes();
            headers.push(("content-type".to_string(), "application/json".to_string()));
            match &j.webhook {
                Some(Webhook::Rsa { header, .. }) => {
                    if let Some(sig) = crypto::rsa_key().and_then(|k| k.sign(&body)) {
                        headers.push(((*header).to_string(), sig));
                    }
                }
                Some(Webhook::Hmac { header }) => {
                    headers.push((
                        (*header).to_string(),
                        crypto::hmac_hex(st.webhook_key.as_bytes(), &body),
                    ));
                }
                None => {}
            }
            body
        }
        Protocol::Form(f) => {
            let latin1 = f.notification.as_ref().is_some_and(|n| n.latin1);
            reply = f.notification.as_ref().map(|n| n.reply);
            headers.push((
                "content-type".to_string(),
                format!(
                    "application/x-www-form-urlencoded; charset={}",
                    if latin1 { "ISO-8859-1" } else { "UTF-8" }
                ),
            ));
            encode_form(&value, latin1)
        }
    };
    Pending {
        event: event.to_string(),
        url,
        headers,
        body,
        reply,
    }
}

/// `key=value&…` with values percent-encoded (ISO-8859-1 bytes when `latin1`).
fn encode_form(v: &Value, latin1: bool) -> Vec<u8> {
    let empty = Map::new();
    let map = v.as_object().unwrap_or(&empty);
    let mut out: Vec<u8> = Vec::new();
    for (k, v) in map {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        if !out.is_empty() {
            out.push(b'&');
        }
        for (i, part) in [k.as_str(), text.as_str()].into_iter().enumerate() {
            if i == 1 {
                out.push(b'=');
            }
            let bytes: Vec<u8> = if latin1 {
                part.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect()
            } else {
                part.as_bytes().to_vec()
            };
            out.extend(
                percent_encoding::percent_encode(&bytes, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
                    .into_bytes(),
            );
        }
    }
    out
}

/// Whether `url` points at this machine.
fn is_loopback(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Sends the deliveries in order and records each outcome.
pub(crate) async fn send(shared: &Arc<Shared>, pending: Vec<Pending>) {
    for p in pending {
        let mut d = Delivery {
            event: p.event,
            url: p.url.clone(),
            headers: p.headers.clone(),
            body: p.body.clone(),
            status: None,
            reply: None,
            acknowledged: false,
            error: None,
        };
        match &p.url {
            None => d.error = Some("no delivery URL: set one with `set_delivery_url`".into()),
            Some(url) if !is_loopback(url) => {
                d.error = Some(format!(
                    "not sent: `{url}` is not a loopback URL, and the fake contacts no other host"
                ))
            }
            Some(url) => {
                let mut req = shared.http.post(url.as_str()).body(p.body);
                for (k, v) in &p.headers {
                    req = req.header(k.as_str(), v.as_str());
                }
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let text = resp.text().await.unwrap_or_default();
                        d.acknowledged = (200..300).contains(&status)
                            && p.reply.is_none_or(|expected| text == expected);
                        d.status = Some(status);
                        d.reply = Some(text);
                    }
                    Err(e) => d.error = Some(e.to_string()),
                }
            }
        }
        shared.lock().deliveries.push(d);
    }
}
