//! Real-world OpenAPI documents written by others (`../shared/openapi-corpus/`,
//! read in place, never copied here): each must generate without errors, and
//! the generated clients must pass `cargo clippy -- -D warnings`.
//!
//! The folder is outside the project; when it is absent the test says so and
//! passes. `PAYGEN_CORPUS=/some/dir` points it elsewhere. The larger
//! documents of `../shared/openapi-corpus-extended/` are checked by
//! `corpus_extended.rs`, a test binary of its own.

mod corpus_common;

use corpus_common::*;

const VAR: &str = "PAYGEN_CORPUS";

fn docs() -> Option<Vec<std::path::PathBuf>> {
    documents(&corpus_dir(VAR, "../shared/openapi-corpus"), VAR)
}

#[test]
fn every_corpus_document_generates() {
    if let Some(docs) = docs() {
        every_document_generates(&docs);
    }
}

#[test]
fn every_corpus_client_compiles_without_warnings() {
    if let Some(docs) = docs() {
        every_client_compiles_without_warnings(&docs, "paygen-corpus");
    }
}
