//! Single-flight fetching of a shared value (an access token, a public key).
//!
//! One fetch at a time, shared by every caller that needs the value while
//! it runs; its result, success or failure, goes to all of them. After a
//! failure, callers get that failure at once for a short backoff instead of
//! fetching again (a failing endpoint is not hammered by every caller in
//! turn). The fetch runs as a task of its own, so a caller that gives up
//! (its deadline passed, its future was dropped) neither cancels it nor
//! holds up the others. No lock is held across an `.await`: the state sits
//! behind a `std::sync::Mutex` held only to read or update it.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// How long a failure is handed to new callers before they fetch again,
/// unless configured otherwise.
pub(crate) const DEFAULT_FAILURE_BACKOFF: Duration = Duration::from_secs(1);

type Outcome<T, E> = Option<Result<T, E>>;

/// A cached value with a single-flight fetch and a failure backoff.
pub(crate) struct SingleFlight<T, E> {
    state: Arc<Mutex<State<T, E>>>,
    failure_backoff: Duration,
    /// The error of a fetch whose task ended without a result (it panicked,
    /// the runtime shut down, or there was no Tokio runtime to run it).
    abandoned: fn() -> E,
}

impl<T, E> Clone for SingleFlight<T, E> {
    fn clone(&self) -> Self {
        SingleFlight {
            state: self.state.clone(),
            failure_backoff: self.failure_backoff,
            abandoned: self.abandoned,
        }
    }
}

struct State<T, E> {
    /// The last value fetched.
    value: Option<T>,
    /// The running fetch: its result arrives on this channel.
    running: Option<(u64, watch::Receiver<Outcome<T, E>>)>,
    /// The last failure, handed out until the instant given.
    failed: Option<(E, Instant)>,
    /// When the last fetch started.
    last_started: Option<Instant>,
    /// Numbers the fetches, so that a finished one clears only itself.
    generation: u64,
}

/// What a caller does, decided under the lock.
enum Next<T, E> {
    Done(Result<T, E>),
    Wait(watch::Receiver<Outcome<T, E>>),
}

impl<T, E> SingleFlight<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    pub(crate) fn new(failure_backoff: Duration, abandoned: fn() -> E) -> Self {
        SingleFlight {
            state: Arc::new(Mutex::new(State {
                value: None,
                running: None,
                failed: None,
                last_started: None,
                generation: 0,
            })),
            failure_backoff,
            abandoned,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T, E>> {
        // A panic while the lock was held left plain data behind, still
        // consistent: carry on with it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached value if `usable` accepts it (given the value and when the
    /// last fetch started); otherwise the running fetch's result, or a
    /// recent failure, or the result of a new fetch started with `fetch`.
    /// With `join_running_first`, a running fetch is joined even when the
    /// cached value is usable.
    pub(crate) async fn get<U, F, Fut>(
        &self,
        usable: U,
        join_running_first: bool,
        fetch: F,
    ) -> Result<T, E>
    where
        U: FnOnce(&T, Option<Instant>) -> bool,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let next = {
            let mut state = self.lock();
            let running = state
                .running
                .as_ref()
                .filter(|_| join_running_first)
                .map(|(_, rx)| rx.clone());
            match running {
                Some(rx) => Next::Wait(rx),
                None => {
                    let last = state.last_started;
                    let cached = state.value.as_ref().filter(|v| usable(v, last)).cloned();
                    match cached {
                        Some(v) => Next::Done(Ok(v)),
                        None => self.join_or_start(&mut state, fetch),
                    }
                }
            }
        };
        match next {
            Next::Done(result) => result,
            Next::Wait(rx) => wait(rx, self.abandoned).await,
        }
    }

    /// Joins the running fetch, or hands out a recent failure, or starts a
    /// fetch. Called with the lock held; starts the task but awaits nothing.
    fn join_or_start<F, Fut>(&self, state: &mut State<T, E>, fetch: F) -> Next<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        if let Some((_, rx)) = &state.running {
            return Next::Wait(rx.clone());
        }
        let now = Instant::now();
        if let Some((error, until)) = &state.failed {
            if now < *until {
                return Next::Done(Err(error.clone()));
            }
        }
        state.generation += 1;
        let generation = state.generation;
        let (tx, rx) = watch::channel(None);
        state.running = Some((generation, rx.clone()));
        state.last_started = Some(now);
        let future = fetch();
        let task = Task {
            flight: self.clone(),
            generation,
            tx,
        };
        let work = task.run(future);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(work);
            }
            // Outside a runtime nothing could send the request anyway; the
            // waiter learns so at once.
            Err(_) => drop(work),
        }
        Next::Wait(rx)
    }

    /// The cached value if `usable` accepts it, without waiting or
    /// starting anything: the path of every call while a value is fresh.
    #[cfg_attr(not(feature = "token-auth"), allow(dead_code))]
    pub(crate) fn cached(&self, usable: impl FnOnce(&T) -> bool) -> Option<T> {
        let state = self.lock();
        state.value.as_ref().filter(|v| usable(v)).cloned()
    }

    /// A failure recent enough to be handed out instead of fetching.
    #[cfg_attr(not(feature = "token-auth"), allow(dead_code))]
    pub(crate) fn recent_failure(&self) -> Option<E> {
        let state = self.lock();
        match &state.failed {
            Some((e, until)) if Instant::now() < *until => Some(e.clone()),
            _ => None,
        }
    }

    /// Records the outcome of a fetch made outside the single flight (a
    /// one-time token): a value replaces the cached one, a failure starts
    /// the backoff.
    #[cfg_attr(not(feature = "token-auth"), allow(dead_code))]
    pub(crate) fn record(&self, outcome: &Result<T, E>) {
        let mut state = self.lock();
        match outcome {
            Ok(v) => {
                state.value = Some(v.clone());
                state.failed = None;
            }
            Err(e) => state.failed = Some((e.clone(), Instant::now() + self.failure_backoff)),
        }
    }
}

/// The fetch task. Dropped without a result (a panic, a runtime shutting
/// down) it clears the running slot, so that the next caller fetches anew.
struct Task<T, E> {
    flight: SingleFlight<T, E>,
    generation: u64,
    tx: watch::Sender<Outcome<T, E>>,
}

impl<T, E> Task<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    async fn run(self, fetch: impl Future<Output = Result<T, E>>) {
        let result = fetch.await;
        {
            let mut state = self.flight.lock();
            match &result {
                Ok(v) => {
                    state.value = Some(v.clone());
                    state.failed = None;
                }
                Err(e) => {
                    state.failed = Some((e.clone(), Instant::now() + self.flight.failure_backoff));
                }
            }
            // Finished in the same step: a caller that takes the lock after
            // this sees the value (or the failure) and no running fetch. If
            // the slot were cleared after the waiters wake, a caller woken
            // on another thread could join this finished fetch and get its
            // result instead of the fresh fetch it asked for.
            self.clear_running(&mut state);
        }
        self.tx.send_replace(Some(result));
    }
}

impl<T, E> Task<T, E> {
    fn clear_running(&self, state: &mut State<T, E>) {
        if state
            .running
            .as_ref()
            .is_some_and(|(g, _)| *g == self.generation)
        {
            state.running = None;
        }
    }
}

impl<T, E> Drop for Task<T, E> {
    /// Without a result (a panic, a runtime shutting down) the running slot
    /// is cleared here, so that the next caller fetches anew.
    fn drop(&mut self) {
        let mut state = self
            .flight
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.clear_running(&mut state);
    }
}

async fn wait<T: Clone, E: Clone>(
    mut rx: watch::Receiver<Outcome<T, E>>,
    abandoned: fn() -> E,
) -> Result<T, E> {
    match rx.wait_for(Option::is_some).await {
        Ok(outcome) => match &*outcome {
            Some(result) => result.clone(),
            None => Err(abandoned()),
        },
        Err(_) => Err(abandoned()),
    }
}

/// A value fetched once and shared by every clone (a provider's public key,
/// or a verifier built from it), with single-flight fetching, a shared
/// failure with backoff, and rate-limited refreshing.
///
/// - [`KeyCache::get_or_fetch`]: the cached value; otherwise one fetch for
///   all concurrent callers, whose failure every one of them gets. For
///   `failure_backoff` after a failure, callers get that failure at once.
/// - [`KeyCache::refresh`]: fetches again (for "the signature does not
///   match: maybe the key was rotated"), but at most once per
///   `refresh_interval`; within it, the cached value is returned.
///
/// The fetch runs as a task of its own (it must be `Send + 'static`), so a
/// caller that stops waiting does not cancel it for the others. `E` must be
/// `Clone`, since every waiter gets the failure.
pub struct KeyCache<T, E> {
    flight: SingleFlight<T, E>,
    refresh_interval: Duration,
    /// When the last [`KeyCache::refresh`] fetched: refreshes are rate
    /// limited among themselves, so the first mismatch after a rotation
    /// refetches however recently the key was first fetched.
    last_refresh: Arc<Mutex<Option<Instant>>>,
}

impl<T, E> Clone for KeyCache<T, E> {
    fn clone(&self) -> Self {
        KeyCache {
            flight: self.flight.clone(),
            refresh_interval: self.refresh_interval,
            last_refresh: self.last_refresh.clone(),
        }
    }
}

impl<T, E> std::fmt::Debug for KeyCache<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("refresh_interval", &self.refresh_interval)
            .finish_non_exhaustive()
    }
}

impl<T, E> Default for KeyCache<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + From<FetchAbandoned> + 'static,
{
    fn default() -> Self {
        KeyCache::new(DEFAULT_FAILURE_BACKOFF, Duration::from_secs(60))
    }
}

/// A [`KeyCache`] fetch ended without a result (its task panicked, or the
/// runtime shut down, or there was no Tokio runtime to run it); the cache's
/// error type converts from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the fetch ended without a result")]
pub struct FetchAbandoned;

impl<T, E> KeyCache<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + From<FetchAbandoned> + 'static,
{
    /// A cache whose failures are handed out for `failure_backoff`, and
    /// which [`KeyCache::refresh`]es at most once per `refresh_interval`.
    /// `Default` is 1 s and 60 s.
    pub fn new(failure_backoff: Duration, refresh_interval: Duration) -> Self {
        KeyCache {
            flight: SingleFlight::new(failure_backoff, || E::from(FetchAbandoned)),
            refresh_interval,
            last_refresh: Arc::new(Mutex::new(None)),
        }
    }

    /// The cached value, or the result of one fetch shared by every
    /// concurrent caller.
    pub async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.flight.get(|_, _| true, false, fetch).await
    }

    /// Fetches the value again, unless another refresh fetched less than
    /// `refresh_interval` ago: then the cached value (or the running
    /// fetch's result) is returned. A failure is shared and backed off like
    /// [`KeyCache::get_or_fetch`]'s.
    pub async fn refresh<F, Fut>(&self, fetch: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let due = {
            let mut last = self
                .last_refresh
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let due = last.is_none_or(|at| at.elapsed() >= self.refresh_interval);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        self.flight.get(|_, _| !due, true, fetch).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug, Clone, PartialEq)]
    struct Failed(&'static str);

    impl From<FetchAbandoned> for Failed {
        fn from(_: FetchAbandoned) -> Self {
            Failed("abandoned")
        }
    }

    /// A fetch that counts its runs, takes `delay`, and answers the run's
    /// number, or fails while `failing` is set.
    #[derive(Clone, Default)]
    struct Source {
        runs: Arc<AtomicUsize>,
        failing: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Source {
        fn fetch(
            &self,
            delay: Duration,
        ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<usize, Failed>> + Send>>
        {
            let this = self.clone();
            move || {
                Box::pin(async move {
                    let n = this.runs.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::time::sleep(delay).await;
                    if this.failing.load(Ordering::SeqCst) {
                        Err(Failed("endpoint down"))
                    } else {
                        Ok(n)
                    }
                })
            }
        }

        fn runs(&self) -> usize {
            self.runs.load(Ordering::SeqCst)
        }
    }

    async fn concurrently(
        cache: &KeyCache<usize, Failed>,
        source: &Source,
        n: usize,
        delay: Duration,
    ) -> Vec<Result<usize, Failed>> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (cache, source) = (cache.clone(), source.clone());
                tokio::spawn(async move { cache.get_or_fetch(source.fetch(delay)).await })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("task"));
        }
        out
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = KeyCache::default();
        let source = Source::default();
        let results = concurrently(&cache, &source, 50, Duration::from_millis(100)).await;
        assert_eq!(source.runs(), 1);
        assert!(results.iter().all(|r| *r == Ok(1)), "{results:?}");
        // Cached from now on.
        assert_eq!(
            cache.get_or_fetch(source.fetch(Duration::ZERO)).await,
            Ok(1)
        );
        assert_eq!(source.runs(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failure_goes_to_every_waiter_and_is_backed_off() {
        let cache = KeyCache::new(Duration::from_millis(400), Duration::from_secs(60));
        let source = Source::default();
        source.failing.store(true, Ordering::SeqCst);
        let results = concurrently(&cache, &source, 50, Duration::from_millis(100)).await;
        assert_eq!(source.runs(), 1, "one fetch for all");
        assert!(
            results.iter().all(|r| *r == Err(Failed("endpoint down"))),
            "{results:?}"
        );
        // Within the backoff: the failure at once, no fetch.
        source.failing.store(false, Ordering::SeqCst);
        let started = Instant::now();
        assert_eq!(
            cache
                .get_or_fetch(source.fetch(Duration::from_millis(100)))
                .await,
            Err(Failed("endpoint down"))
        );
        assert!(started.elapsed() < Duration::from_millis(90));
        assert_eq!(source.runs(), 1);
        // After it: fetched again.
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(
            cache.get_or_fetch(source.fetch(Duration::ZERO)).await,
            Ok(2)
        );
        assert_eq!(source.runs(), 2);
    }

    /// A refresh right after a fetch finished fetches again: the finished
    /// fetch is not joined (it was, while its task woke the waiters before
    /// clearing its slot, when the caller ran on the other worker).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refresh_right_after_a_fetch_does_not_join_the_finished_one() {
        for round in 0..300 {
            let cache = KeyCache::new(Duration::from_millis(100), Duration::from_secs(60));
            let source = Source::default();
            assert_eq!(
                cache.get_or_fetch(source.fetch(Duration::ZERO)).await,
                Ok(1)
            );
            assert_eq!(
                cache.refresh(source.fetch(Duration::ZERO)).await,
                Ok(2),
                "round {round}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refresh_fetches_at_most_once_per_interval() {
        // The interval is real time (`std::time::Instant`): wide enough that
        // a loaded CI machine runs the refreshes below well inside it.
        let cache = KeyCache::new(Duration::from_millis(100), Duration::from_millis(1500));
        let source = Source::default();
        assert_eq!(
            cache.get_or_fetch(source.fetch(Duration::ZERO)).await,
            Ok(1)
        );
        // The first refresh fetches, however recent the first fetch (a key
        // may be rotated at any time)…
        assert_eq!(cache.refresh(source.fetch(Duration::ZERO)).await, Ok(2));
        // …then, within the interval: the cached value, no fetch.
        for _ in 0..5 {
            assert_eq!(cache.refresh(source.fetch(Duration::ZERO)).await, Ok(2));
        }
        assert_eq!(source.runs(), 2);
        tokio::time::sleep(Duration::from_millis(1600)).await;
        // After it: many concurrent refreshes, one fetch.
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (cache, source) = (cache.clone(), source.clone());
                tokio::spawn(
                    async move { cache.refresh(source.fetch(Duration::from_millis(50))).await },
                )
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.expect("task"), Ok(3));
        }
        assert_eq!(source.runs(), 3);
        assert_eq!(
            cache.get_or_fetch(source.fetch(Duration::ZERO)).await,
            Ok(3)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_stops_waiting_does_not_cancel_the_fetch() {
        let cache = KeyCache::default();
        let source = Source::default();
        let gave_up = tokio::time::timeout(
            Duration::from_millis(20),
            cache.get_or_fetch(source.fetch(Duration::from_millis(150))),
        )
        .await;
        assert!(gave_up.is_err());
        // The fetch went on; the next caller joins it.
        assert_eq!(
            cache.get_or_fetch(source.fetch(Duration::ZERO)).await,
            Ok(1)
        );
        assert_eq!(source.runs(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fetch_that_panics_is_reported_and_the_next_call_fetches_anew() {
        let cache: KeyCache<usize, Failed> = KeyCache::default();
        let result = cache
            .get_or_fetch(|| async { panic!("the fetch panicked (expected by this test)") })
            .await;
        assert_eq!(result, Err(Failed("abandoned")));
        assert_eq!(cache.get_or_fetch(|| async { Ok(5) }).await, Ok(5));
    }
}
