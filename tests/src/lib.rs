//! Shared helpers for the test suites in `tests/tests/`.
