//! Polling an operation until a status field reaches a final value.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::error::Error;
use super::values::StringEnum;

/// How often and how long to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Pause between two polls. Default 3 s.
    pub interval: Duration,
    /// Give up once this much time has passed. Default 10 minutes.
    pub timeout: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            interval: Duration::from_secs(3),
            timeout: Duration::from_secs(600),
        }
    }
}

impl PollOptions {
    /// Sets the pause between two polls.
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = d;
        self
    }

    /// Sets how long to poll before giving up.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
}

/// Why polling stopped without a final status.
#[derive(Debug, thiserror::Error)]
pub enum PollError<T: fmt::Debug, E: fmt::Debug> {
    /// No final status within the timeout; `last` is the last answer seen,
    /// `polls` the number of answers (a poll cut off by the timeout is not
    /// counted).
    #[error("{operation}: no final status after {polls} poll(s) in {waited:?}")]
    Timeout {
        /// The polled operation (its method name).
        operation: &'static str,
        /// How many answers arrived.
        polls: u32,
        /// How long the polling ran.
        waited: Duration,
        /// The last answer seen, if any.
        last: Option<Box<T>>,
    },
    /// A poll failed.
    #[error(transparent)]
    Request(#[from] Error<E>),
}

/// A status field's text: a `String`, or a generated enum's wire value.
pub trait StatusText {
    /// The status as sent on the wire.
    fn status_text(&self) -> &str;
}

impl StatusText for String {
    fn status_text(&self) -> &str {
        self
    }
}

impl<T: StringEnum> StatusText for T {
    fn status_text(&self) -> &str {
        self.as_str()
    }
}

/// Calls `call` every `options.interval` until `status` of its answer is one
/// of `terminal`, and returns that answer. Each change of status is a
/// `tracing` event. Dropping the future stops the polling.
pub async fn poll_until<T, E, F, Fut>(
    operation: &'static str,
    options: PollOptions,
    terminal: &[&str],
    status: for<'a> fn(&'a T) -> Option<&'a str>,
    mut call: F,
) -> Result<T, PollError<T, E>>
where
    T: fmt::Debug,
    E: fmt::Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error<E>>>,
{
    let started = tokio::time::Instant::now();
    let mut last: Option<String> = None;
    let mut last_answer: Option<Box<T>> = None;
    let mut polls = 0u32;
    loop {
        // A poll in flight is bounded by the time left too, so a slow or
        // retried call cannot stretch the wait past `options.timeout`.
        let left = options.timeout.saturating_sub(started.elapsed());
        let answer = match tokio::time::timeout(left, call()).await {
            Ok(answer) => answer?,
            Err(_) => {
                return Err(PollError::Timeout {
                    operation,
                    polls,
                    waited: started.elapsed(),
                    last: last_answer,
                })
            }
        };
        polls += 1;
        let now = status(&answer).map(str::to_string);
        if now != last {
            tracing::info!(
                operation,
                status = now.as_deref().unwrap_or(""),
                previous = last.as_deref().unwrap_or(""),
                "status changed"
            );
            last = now.clone();
        }
        if now.as_deref().is_some_and(|s| terminal.contains(&s)) {
            return Ok(answer);
        }
        let waited = started.elapsed();
        if waited + options.interval > options.timeout {
            return Err(PollError::Timeout {
                operation,
                polls,
                waited,
                last: Some(Box::new(answer)),
            });
        }
        last_answer = Some(Box::new(answer));
        tokio::time::sleep(options.interval).await;
    }
}
