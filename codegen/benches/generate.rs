//! Generation time per provider spec, and for all of `specs/` together:
//! reading, parsing, building the model, emitting and formatting.
//!
//! `cargo bench -p paygen-codegen --bench generate`

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen is one level down")
        .to_path_buf()
}

fn bench(c: &mut Criterion) {
    let root = root();
    let specs = root.join("specs");
    let mut providers: Vec<PathBuf> = std::fs::read_dir(&specs)
        .expect("specs/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    providers.sort();
    let mut group = c.benchmark_group("generate");
    for dir in &providers {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        group.bench_function(&name, |b| {
            b.iter(|| {
                paygen_codegen::generate_provider(black_box(dir), &root).expect("spec generates")
            })
        });
    }
    group.bench_function("all specs", |b| {
        b.iter(|| {
            let g = paygen_codegen::generate(black_box(&specs), &root);
            assert!(g.errors.is_empty());
            g
        })
    });
    group.finish();
    corpus(c, &root);
}

/// The shared corpora of real documents by other authors
/// (`../shared/openapi-corpus/`, group `corpus`, and
/// `../shared/openapi-corpus-extended/`, group `corpus-extended`: Stripe at
/// 4.2 MB is the largest): read, normalise, load, emit and format. A folder
/// that is absent is skipped and said so.
fn corpus(c: &mut Criterion, root: &Path) {
    for (group_name, folder) in [
        ("corpus", "../shared/openapi-corpus"),
        ("corpus-extended", "../shared/openapi-corpus-extended"),
    ] {
        let dir = root.join(folder);
        let Ok(rd) = std::fs::read_dir(&dir) else {
            eprintln!(
                "SKIPPED {group_name} benchmarks: {} is absent",
                dir.display()
            );
            continue;
        };
        let mut docs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
            .collect();
        docs.sort();
        let mut group = c.benchmark_group(group_name);
        // The large documents take around a second each: fewer samples.
        group.sample_size(10);
        for doc in &docs {
            let text = std::fs::read_to_string(doc).expect("corpus documents are UTF-8");
            let name = doc
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let opts = paygen_codegen::load::ProviderOptions::new("corpus", name.clone());
            group.bench_function(&name, |b| {
                b.iter(|| {
                    let mut diags = paygen_codegen::diag::Diagnostics::new(&name);
                    let api =
                        paygen_codegen::load::load_openapi(black_box(&text), &opts, &mut diags)
                            .expect("corpus documents load");
                    paygen_codegen::emit::module_source(&api).expect("emits")
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
