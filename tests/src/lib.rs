//! Shared pieces for the test suites in `tests/tests/`.
//!
//! `features` is generated (`cargo xtask codegen`) from
//! `tests/fixtures/features/openapi.yaml`, a document that uses every
//! construct the generator supports; compiling it here proves the output
//! builds warning-free, and `tests/features.rs` checks how it behaves.

use std::cell::RefCell;
use std::io;
use std::sync::{Arc, Mutex, Once};

use tracing::{Level, Metadata};

/// Everything logged on the current thread while a [`LogCapture::capture`]
/// guard lives, as the `fmt` subscriber writes it (spans included), to
/// assert on logs.
///
/// One global subscriber routes each event to the capture of the thread it
/// happens on. (Per-test `set_default` subscribers lose events when tests
/// run in parallel: tracing caches whether a callsite is enabled across
/// threads.) `#[tokio::test]` runs a test and the tasks it spawns on its
/// own thread, so a capture sees exactly its test.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CURRENT: RefCell<Option<(LogCapture, Level)>> = const { RefCell::new(None) };
}

/// Ends a capture when dropped.
pub struct CaptureGuard(Option<(LogCapture, Level)>);

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

impl LogCapture {
    /// Captures what this thread logs at `level` or more severe until the
    /// guard is dropped.
    pub fn capture(&self, level: Level) -> CaptureGuard {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(Level::TRACE)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .with_ansi(false)
                .with_writer(Router)
                .finish();
            // Another test framework may have set one; then nothing is captured
            // and the tests that read logs fail loudly.
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        let previous = CURRENT.with(|c| c.borrow_mut().replace((self.clone(), level)));
        CaptureGuard(previous)
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("no writer panicked")).into_owned()
    }
}

impl io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .expect("no writer panicked")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes each event into the capture of the thread it happens on.
struct Router;

/// The capture an event goes to, or nowhere.
enum Sink {
    To(LogCapture),
    Nowhere,
}

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::To(c) => c.write(buf),
            Sink::Nowhere => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Router {
    type Writer = Sink;

    fn make_writer(&'a self) -> Sink {
        CURRENT.with(|c| match &*c.borrow() {
            Some((capture, _)) => Sink::To(capture.clone()),
            None => Sink::Nowhere,
        })
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Sink {
        CURRENT.with(|c| match &*c.borrow() {
            Some((capture, level)) if meta.level() <= level => Sink::To(capture.clone()),
            _ => Sink::Nowhere,
        })
    }
}

// @generated modules (cargo xtask codegen): begin
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod features;
#[rustfmt::skip] // formatted by prettyplease when generated
pub mod multifile;
// @generated modules: end
