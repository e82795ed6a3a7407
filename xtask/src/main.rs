//! `cargo xtask codegen [--check]`: regenerate `generated/src/` from `specs/`.
//! `cargo xtask bench-peers [--no-compile]`: compare with other generators (see `peers.rs`).

mod peers;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use paygen_codegen::write::{self, OutputFile};

const USAGE: &str = "usage: cargo xtask codegen [--check]
       cargo xtask bench-peers [--no-compile]

  codegen          regenerate generated/src/<provider>.rs from specs/<provider>/
  codegen --check  change nothing; fail and name every stale file
  bench-peers      generation time, lines and compile time next to progenitor and
                   openapi-generator (when installed) on the OpenAPI documents
                   of specs/ and ../shared/openapi-corpus/
  bench-peers --no-compile  the same without compile times";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["bench-peers"] => peers::bench_peers(&root(), true),
        ["bench-peers", "--no-compile"] => peers::bench_peers(&root(), false),
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
    /// Must declare `pub mod <module>;` for each module.
    lib: &'static str,
    /// Must have a cargo feature per module, when set.
    manifest: Option<&'static str>,
}

const JOBS: &[Job] = &[
    Job {
        specs: "specs",
        out: "generated/src",
        lib: "generated/src/lib.rs",
        manifest: Some("generated/Cargo.toml"),
    },
    // The fixture that exercises every supported construct, compiled in the tests crate.
    Job {
        specs: "tests/fixtures",
        out: "tests/src",
        lib: "tests/src/lib.rs",
        manifest: None,
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
    let out_dir = root.join(job.out);
    let out_name = job.out;
    let started = Instant::now();
    let generation = paygen_codegen::generate(&root.join(job.specs), &root);
    let elapsed = started.elapsed();
    for w in &generation.warnings {
        eprintln!("{w}");
    }
    if !generation.errors.is_empty() {
        for e in &generation.errors {
            eprintln!("{e}");
        }
        eprintln!(
            "codegen of {} failed with {} error(s); {out_name}/ was left as it was",
            job.specs,
            generation.errors.len()
        );
        return false;
    }
    let mut problems = wiring_problems(&root, job, &generation.files);
    let orphans = orphans(&out_dir, &generation.files);
    if check {
        let mut stale: Vec<String> = write::stale(&out_dir, &generation.files)
            .iter()
            .map(|p| format!("generated/src/{}", p.display()))
            .collect();
        stale.extend(orphans.iter().map(|p| {
            format!(
                "generated/src/{} (no spec produces it any more)",
                p.display()
            )
        }));
        if !stale.is_empty() {
            eprintln!("generated code is stale; run `cargo xtask codegen`:");
            for s in &stale {
                eprintln!("  {s}");
            }
            problems.push(format!("{} stale file(s)", stale.len()));
        }
        if problems.is_empty() {
            println!(
                "{out_name}/ is up to date ({} module(s) checked in {:.1?})",
                generation.files.len(),
                elapsed
            );
            return true;
        }
    } else {
        match write::write_all(&out_dir, &generation.files) {
            Ok(changed) => {
                for p in &orphans {
                    if let Err(e) = std::fs::remove_file(out_dir.join(p)) {
                        eprintln!("could not remove {out_name}/{}: {e}", p.display());
                    }
                }
                println!(
                    "{out_name}: generated {} module(s) in {:.1?}; {} file(s) changed, {} removed",
                    generation.files.len(),
                    elapsed,
                    changed.len(),
                    orphans.len()
                );
            }
            Err(e) => {
                eprintln!("writing {out_name}/ failed: {e}; no file was replaced");
                return false;
            }
        }
        if problems.is_empty() {
            return true;
        }
    }
    for p in &problems {
        eprintln!("error: {p}");
    }
    false
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

/// A new provider also needs a `mod` line in lib.rs and a cargo feature.
fn wiring_problems(root: &Path, job: &Job, files: &[OutputFile]) -> Vec<String> {
    let lib = std::fs::read_to_string(root.join(job.lib)).unwrap_or_default();
    let mut problems = Vec::new();
    for f in files {
        let module = f
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !lib.contains(&format!("pub mod {module};")) {
            problems.push(format!("{} does not declare `pub mod {module};`", job.lib));
        }
        if let Some(manifest_path) = job.manifest {
            let manifest = std::fs::read_to_string(root.join(manifest_path)).unwrap_or_default();
            if !manifest.contains(&format!("\n{module} = [")) {
                problems.push(format!("{manifest_path} has no feature `{module}` (add `{module} = []` under [features])"));
            }
        }
    }
    problems
}
