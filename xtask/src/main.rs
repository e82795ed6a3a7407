//! `cargo xtask codegen [--check]`: regenerate `generated/src/` (clients) and
//! `fake/src/` (offline fakes) from `specs/`.
//! `cargo xtask bench-peers [--no-compile] [--corpus DIR]… [--only TEXT]…`: compare with other
//! generators (see `peers.rs`).
//! `cargo xtask api-diff`: classify a spec change's effect on the generated API (see `api_diff.rs`).
//! `cargo xtask update-specs [provider]`: fetch vendors' documents (see `update_specs.rs`).

mod api_diff;
mod peers;
mod update_specs;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use paygen_codegen::write::{self, OutputFile};

const USAGE: &str = "usage: cargo xtask codegen [--check]
       cargo xtask bench-peers [--no-compile] [--corpus DIR]… [--only TEXT]
       cargo xtask api-diff [--base <rev> | --old <spec> --new <spec>] [--deny-breaking] [--check-version] [--all]
       cargo xtask update-specs [provider]

  codegen          regenerate generated/src/<provider>.rs and fake/src/<provider>.rs
                   from specs/<provider>/
  codegen --check  change nothing; fail and name every stale file
  bench-peers      generation time, lines and compile time next to progenitor and
                   openapi-generator (when installed) on the OpenAPI documents
                   of specs/, ../shared/openapi-corpus/ and
                   ../shared/openapi-corpus-extended/
    --no-compile   without compile times
    --corpus DIR   also the documents in DIR (repeatable)
    --only TEXT    only documents whose name contains TEXT (repeatable)
  api-diff         compare the API surface of specs/ with a base revision (default:
                   the merge base with main) and classify each change as breaking,
                   additive or docs only, with the semver bump it needs (Markdown)
    --old A --new B    compare two OpenAPI documents or two provider folders instead
    --deny-breaking    exit 1 on a breaking change
    --check-version    exit 1 on a breaking change that generated/Cargo.toml's
                       version (base → now) does not cover
    --all              list every change (default: 60 per class and provider)
  update-specs     download each provider's `source:` document (paygen.yaml), replace
                   the spec with the vendor's bytes when it loads, regenerate, and
                   print the API diff against the previous document";

fn main() -> ExitCode {
    // `bench-peers` runs this binary as cargo's rustc wrapper to time rustc.
    if let Some(log) = std::env::var_os(peers::RUSTC_TIMES_ENV) {
        return peers::rustc_wrapper(&log);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["bench-peers", rest @ ..] => match peers::Options::parse(rest) {
            Ok(opts) => peers::bench_peers(&root(), &opts),
            Err(e) => {
                eprintln!("error: {e}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        ["api-diff", rest @ ..] => api_diff::run(&root(), rest),
        ["update-specs"] => {
            update_specs::run(&root(), None, || codegen(false) == ExitCode::SUCCESS)
        }
        ["update-specs", provider] => update_specs::run(&root(), Some(provider), || {
            codegen(false) == ExitCode::SUCCESS
        }),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// One input folder and where its modules go.
struct Job {
    specs: &'static str,
    out: &'static str,
    /// Declares `pub mod <module>;` for each module (a generated section).
    lib: &'static str,
    /// Has a cargo feature per module (a generated section), when set.
    manifest: Option<&'static str>,
    /// Generates the providers' offline fakes (`paygen-fake`) instead of clients.
    fake: bool,
}

const JOBS: &[Job] = &[
    Job {
        specs: "specs",
        out: "generated/src",
        lib: "generated/src/lib.rs",
        manifest: Some("generated/Cargo.toml"),
        fake: false,
    },
    // The fixture that exercises every supported construct, compiled in the tests crate.
    Job {
        specs: "tests/fixtures",
        out: "tests/src",
        lib: "tests/src/lib.rs",
        manifest: None,
        fake: false,
    },
    // The offline fakes, from the `fake:` sections of the same specs.
    Job {
        specs: "specs",
        out: "fake/src",
        lib: "fake/src/lib.rs",
        manifest: None,
        fake: true,
    },
];

fn codegen(check: bool) -> ExitCode {
    let mut ok = true;
    for job in JOBS {
        ok &= run_job(job, check);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_job(job: &Job, check: bool) -> bool {
    let root = root();
    let started = Instant::now();
    let Some(plan) = plan(&root, job) else {
        return false;
    };
    let elapsed = started.elapsed();
    let out_name = job.out;
    if check {
        let stale = stale(&root, &plan);
        if !stale.is_empty() {
            eprintln!("generated code is stale; run `cargo xtask codegen`:");
            for s in &stale {
                eprintln!("  {s}");
            }
            return false;
        }
        println!(
            "{out_name}/ is up to date ({} module(s) checked in {:.1?})",
            plan.modules, elapsed
        );
        return true;
    }
    match write::write_all(&root, &plan.files) {
        Ok(changed) => {
            for p in &plan.orphans {
                if let Err(e) = std::fs::remove_file(root.join(p)) {
                    eprintln!("could not remove {}: {e}", p.display());
                }
            }
            println!(
                "{out_name}: generated {} module(s) in {:.1?}; {} file(s) changed, {} removed",
                plan.modules,
                elapsed,
                changed.len(),
                plan.orphans.len()
            );
            true
        }
        Err(e) => {
            eprintln!("writing {out_name}/ failed: {e}");
            false
        }
    }
}

/// What a job writes, every path relative to the workspace root.
struct Plan {
    /// The modules and the wiring files, written (or checked) as one set.
    files: Vec<OutputFile>,
    /// Generated files no spec produces any more.
    orphans: Vec<PathBuf>,
    modules: usize,
}

/// Generates a job's files; diagnostics are printed, errors end it.
fn plan(root: &Path, job: &Job) -> Option<Plan> {
    let generation = if job.fake {
        paygen_codegen::generate_fakes(&root.join(job.specs), root)
    } else {
        paygen_codegen::generate(&root.join(job.specs), root)
    };
    for w in &generation.warnings {
        eprintln!("{w}");
    }
    if !generation.errors.is_empty() {
        for e in &generation.errors {
            eprintln!("{e}");
        }
        eprintln!(
            "codegen of {} failed with {} error(s); {}/ was left as it was",
            job.specs,
            generation.errors.len(),
            job.out
        );
        return None;
    }
    let wiring = match wiring(root, job, &generation) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return None;
        }
    };
    let out = Path::new(job.out);
    Some(Plan {
        orphans: orphans(&root.join(out), &generation.files)
            .into_iter()
            .map(|p| out.join(p))
            .collect(),
        modules: generation.files.len(),
        files: generation
            .files
            .iter()
            .map(|f| OutputFile {
                path: out.join(&f.path),
                contents: f.contents.clone(),
            })
            .chain(wiring)
            .collect(),
    })
}

/// The files `--check` reports, as paths from the workspace root.
fn stale(root: &Path, plan: &Plan) -> Vec<String> {
    let mut stale: Vec<String> = write::stale(root, &plan.files)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    stale.extend(
        plan.orphans
            .iter()
            .map(|p| format!("{} (no spec produces it any more)", p.display())),
    );
    stale
}

/// `lib.rs` and `Cargo.toml` with their generated sections for these modules.
fn wiring(
    root: &Path,
    job: &Job,
    generation: &paygen_codegen::Generation,
) -> Result<Vec<OutputFile>, String> {
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
    };
    let features = job.manifest.is_some();
    let lib = paygen_codegen::wiring::lib_rs(&read(job.lib)?, &generation.modules, features)
        .map_err(|e| format!("{}: {e}", job.lib))?;
    let mut files = vec![OutputFile {
        path: job.lib.into(),
        contents: lib,
    }];
    if let Some(manifest) = job.manifest {
        let contents = paygen_codegen::wiring::cargo_toml(&read(manifest)?, &generation.modules)
            .map_err(|e| format!("{manifest}: {e}"))?;
        files.push(OutputFile {
            path: manifest.into(),
            contents,
        });
    }
    Ok(files)
}

/// Generated files on disk that no spec produces any more.
fn orphans(out_dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(out_dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|s| s.starts_with("// @generated by paygen-codegen"))
        })
        .filter_map(|p| p.file_name().map(PathBuf::from))
        .filter(|name| !files.iter().any(|f| &f.path == name))
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_each_stale_file_from_the_workspace_root() {
        let root = std::env::temp_dir().join(format!("paygen-xtask-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let spec = root.join("fixtures/shop");
        std::fs::create_dir_all(&spec).unwrap();
        std::fs::create_dir_all(root.join("out")).unwrap();
        std::fs::write(
            spec.join("openapi.yaml"),
            "openapi: 3.0.3\ninfo: {title: Shop, version: '1'}\npaths: {}\n",
        )
        .unwrap();
        std::fs::write(
            root.join("out/lib.rs"),
            "// @generated modules (cargo xtask codegen): begin\n// @generated modules: end\n",
        )
        .unwrap();
        std::fs::write(
            root.join("out/gone.rs"),
            "// @generated by paygen-codegen\n",
        )
        .unwrap();
        let job = Job {
            specs: "fixtures",
            out: "out",
            lib: "out/lib.rs",
            manifest: None,
            fake: false,
        };
        let plan = plan(&root, &job).expect("the fixture generates");
        assert_eq!(
            stale(&root, &plan),
            [
                "out/shop.rs",
                "out/lib.rs",
                "out/gone.rs (no spec produces it any more)"
            ]
        );
        write::write_all(&root, &plan.files).unwrap();
        std::fs::remove_file(root.join("out/gone.rs")).unwrap();
        let plan = super::plan(&root, &job).unwrap();
        assert!(stale(&root, &plan).is_empty());
        let lib = std::fs::read_to_string(root.join("out/lib.rs")).unwrap();
        assert!(lib.contains("pub mod shop;"), "{lib}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
