//! Shared pieces for the test suites in `tests/tests/`.
//!
//! `features` is generated (`cargo xtask codegen`) from
//! `tests/fixtures/features/openapi.yaml`, a document that uses every
//! construct the generator supports; compiling it here proves the output
//! builds warning-free, and `tests/features.rs` checks how it behaves.

use std::io;
use std::sync::{Arc, Mutex};

/// Everything a test's `tracing` subscriber writes, to assert on logs:
/// `tracing_subscriber::fmt().with_writer(capture.clone())`.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
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

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Generated modules refer to `crate::runtime`.
pub use paygen::runtime;

#[rustfmt::skip] // formatted by prettyplease when generated
pub mod features;
