//! Shared pieces for the test suites in `tests/tests/`.
//!
//! `features` is generated (`cargo xtask codegen`) from
//! `tests/fixtures/features/openapi.yaml`, a document that uses every
//! construct the generator supports; compiling it here proves the output
//! builds warning-free, and `tests/features.rs` checks how it behaves.

/// Generated modules refer to `crate::runtime`.
pub use paygen::runtime;

#[rustfmt::skip] // formatted by prettyplease when generated
pub mod features;
