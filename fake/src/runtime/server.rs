//! The loopback HTTP server and the handle tests hold.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::engine::{self, Answer};
use super::spec::{Api, Protocol, Webhook};
use super::template::Ledger;
use super::{ControlError, Delivery, Fault, OperationName, Recorded, Settings};

/// Largest request body the fake reads (larger is refused with 413).
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// A running fake: generic inspection, faults and settings. Generated
/// `Fake` types dereference to it. The server stops when it is dropped.
pub struct Server {
    pub(crate) shared: Arc<Shared>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("api", &self.shared.api.module)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What connection tasks and the handle share.
pub(crate) struct Shared {
    pub api: &'static Api,
    pub base_url: String,
    pub credentials: Vec<(String, String)>,
    /// Secret the issued JWTs are signed with.
    pub jwt_secret: [u8; 32],
    pub state: Mutex<State>,
    pub http: reqwest::Client,
}

/// Everything a fake remembers.
#[derive(Default)]
pub(crate) struct State {
    pub instances: Vec<Instance>,
    pub records: Vec<RecordInstance>,
    /// Idempotency key → (request fingerprint, first answer).
    pub idempotency: HashMap<String, (String, Answer)>,
    pub faults: HashMap<&'static str, VecDeque<Fault>>,
    pub requests: Vec<Recorded>,
    pub deliveries: Vec<Delivery>,
    /// Issued token ids and whether a one-call operation used them.
    pub tokens: HashMap<String, bool>,
    pub delivery_url: Option<String>,
    pub webhook_key: String,
    pub token_lifetime: Duration,
}

/// One resource.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub kind: usize,
    pub id: String,
    pub body: Value,
    pub ledger: Ledger,
    /// Last sequence number used (form APIs: 0 after creation).
    pub sequence: i64,
    /// Records made under it so far (for `${n}`).
    pub records: usize,
}

/// One record (capture, refund, …) and the instance it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct RecordInstance {
    pub kind: usize,
    pub id: String,
    pub parent: usize,
    pub body: Value,
}

impl Server {
    /// Binds a loopback port and serves `api`. `defaults` are the generated
    /// credentials; `settings` override them.
    pub async fn start(
        api: &'static Api,
        defaults: &[(&str, &str)],
        settings: Settings,
    ) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let mut credentials: Vec<(String, String)> = defaults
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        for (k, v) in settings.credentials {
            match credentials.iter_mut().find(|(n, _)| *n == k) {
                Some(slot) => slot.1 = v,
                None => credentials.push((k, v)),
            }
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let mut jwt_secret = [0u8; 32];
        jwt_secret.iter_mut().for_each(|b| *b = fastrand::u8(..));
        let shared = Arc::new(Shared {
            api,
            base_url: format!("http://{addr}{}", api.base_path),
            credentials,
            jwt_secret,
            state: Mutex::new(State {
                delivery_url: settings.delivery_url,
                webhook_key: settings
                    .webhook_key
                    .unwrap_or_else(|| "fake-webhook-signing-key".into()),
                token_lifetime: settings
                    .token_lifetime
                    .unwrap_or(Duration::from_secs(api.fake.token_lifetime)),
                ..State::default()
            }),
            http,
        });
        let task = tokio::spawn(accept(listener, shared.clone()));
        Ok(Server { shared, addr, task })
    }

    /// The base URL to point a client at (`http://127.0.0.1:PORT/api/v1`).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The value of the credential `name` the fake accepts.
    pub fn credential(&self, name: &str) -> String {
        self.shared
            .credentials
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The requests routed to `operation`.
    pub fn requests_to(&self, operation: impl Into<OperationName>) -> Vec<Recorded> {
        let name = operation.into().0;
        self.state()
            .requests
            .iter()
            .filter(|r| r.operation == Some(name))
            .cloned()
            .collect()
    }

    /// Forgets the recorded requests and deliveries (state is kept).
    pub fn clear_log(&self) {
        let mut s = self.state();
        s.requests.clear();
        s.deliveries.clear();
    }

    /// Every callback and notification sent (or skipped), oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state().deliveries.clone()
    }

    /// Queues `fault` for the next call(s) of `operation`; faults of one
    /// operation apply in the order queued.
    pub fn fault(&self, operation: impl Into<OperationName>, fault: Fault) {
        let name = operation.into().0;
        self.state()
            .faults
            .entry(name)
            .or_default()
            .push_back(fault);
    }

    /// Sends callbacks and notifications to `url` from now on (instead of a
    /// URL a request named). Only loopback URLs are ever contacted.
    pub fn set_delivery_url(&self, url: impl Into<String>) {
        self.state().delivery_url = Some(url.into());
    }

    /// Signs HMAC webhooks with `key` from now on.
    pub fn set_webhook_key(&self, key: impl Into<String>) {
        self.state().webhook_key = key.into();
    }

    /// Tokens issued from now on live this long.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state().token_lifetime = lifetime;
    }

    /// The PEM public key callbacks are signed with (RSA webhooks); it is
    /// also the answer of the API's public-key operation.
    pub fn public_key_pem(&self) -> Option<String> {
        match &self.shared.api.protocol {
            Protocol::Json(j) if matches!(j.webhook, Some(Webhook::Rsa { .. })) => {
                super::crypto::rsa_key().map(|k| k.pem.clone())
            }
            _ => None,
        }
    }

    /// A resource of kind `resource` (as the `fake:` section names it) by
    /// id, as the fake stores it.
    pub fn resource(&self, resource: &str, id: &str) -> Option<Value> {
        let kind = self
            .shared
            .api
            .fake
            .resources
            .iter()
            .position(|r| r.name == resource)?;
        self.state()
            .instances
            .iter()
            .find(|i| i.kind == kind && i.id == id)
            .map(|i| i.body.clone())
    }

    /// Runs the control `name` on the resource `id` (or creates one when
    /// `id` is `None`); the typed methods of generated fakes call this.
    /// Returns the resource's id and its stored value.
    pub async fn control(
        &self,
        name: &str,
        id: Option<&str>,
    ) -> Result<(String, Value), ControlError> {
        engine::control(&self.shared, name, id).await
    }
}

impl Shared {
    /// The state; a poisoned lock (a panic elsewhere) is taken over as is.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // A transient accept error (e.g. too many open files): go on.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let shared = shared.clone();
                async move { serve(shared, req).await }
            });
            // A dropped connection (fault) ends here as an error: nothing to do.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault")
    }
}

impl std::error::Error for Dropped {}

async fn serve(
    shared: Arc<Shared>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(respond(Answer::text(413, "request body too large")));
        }
    };
    match engine::handle(&shared, parts, body).await {
        Some(answer) => Ok(respond(answer)),
        None => Err(Dropped),
    }
}

fn respond(answer: Answer) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(answer.status);
    if !answer.content_type.is_empty() {
        builder = builder.header(http::header::CONTENT_TYPE, answer.content_type.as_str());
    }
    for (k, v) in &answer.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| {
            // Only a header that is not valid HTTP gets here (from a fault).
            let mut r =
                hyper::Response::new(Full::new(Bytes::from_static(b"invalid fault header")));
            *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}
