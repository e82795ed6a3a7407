//! The extended corpus (`../shared/openapi-corpus-extended/`: Stripe,
//! Plaid, PayPal Orders and Invoicing, Adyen Balance Platform and
//! Management, Klarna Checkout and Settlements), read in place: each
//! document must generate without errors and its client must pass
//! `cargo clippy -- -D warnings`. A test binary of its own, as these are
//! the large ones (about 280,000 generated lines together).
//!
//! When the folder is absent the tests say so and pass;
//! `PAYGEN_CORPUS_EXTENDED=/some/dir` points them elsewhere.

mod corpus_common;

use corpus_common::*;

const VAR: &str = "PAYGEN_CORPUS_EXTENDED";

fn docs() -> Option<Vec<std::path::PathBuf>> {
    documents(&corpus_dir(VAR, "../shared/openapi-corpus-extended"), VAR)
}

#[test]
fn every_extended_corpus_document_generates() {
    if let Some(docs) = docs() {
        every_document_generates(&docs);
    }
}

#[test]
fn every_extended_corpus_client_compiles_without_warnings() {
    if let Some(docs) = docs() {
        every_client_compiles_without_warnings(&docs, "paygen-corpus-extended");
    }
}
