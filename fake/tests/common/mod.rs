//! A receiver for the fakes' callbacks, webhooks and notifications.

#![allow(dead_code)]

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A local server that answers every POST with `status` and `body`.
pub struct Receiver {
    pub server: MockServer,
}

impl Receiver {
    pub async fn answering(status: u16, body: &str) -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        Receiver { server }
    }

    pub async fn ok() -> Self {
        Self::answering(200, "").await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    /// The bodies received, in order.
    pub async fn bodies(&self) -> Vec<Vec<u8>> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.body)
            .collect()
    }

    /// The requests received, in order.
    pub async fn requests(&self) -> Vec<wiremock::Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

/// The typed API error of a failed call.
pub fn api_error<E: std::fmt::Debug>(err: paygen::Error<E>) -> Box<paygen::runtime::ApiError<E>> {
    match err {
        paygen::Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}
