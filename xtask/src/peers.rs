//! `cargo xtask bench-peers [--no-compile] [--corpus DIR]… [--only TEXT]…`:
//! our generator next to other OpenAPI client generators, on the OpenAPI
//! documents in `specs/`, in `../shared/openapi-corpus/` and
//! `../shared/openapi-corpus-extended/` when present, and in every folder
//! given with `--corpus`. `--only` keeps the documents whose name contains
//! one of the given texts.
//!
//! For every document and every tool that is installed: generation time
//! (wall clock, best of 3; ours in-process, peers as the command a user
//! runs, once when a run takes over 5 s), lines of generated Rust, and compile time of the generated crate
//! alone (debug) with its dependencies already built: each crate is built
//! once to warm them, then its `src/lib.rs` is touched and the build timed
//! twice (the best counts). The compile time compared is rustc's run for
//! the crate (xtask times it as cargo's `RUSTC_WRAPPER`); the whole
//! `cargo build` is shown beside it, as it also counts cargo's check of
//! every dependency, which follows the dependency graph (our runtime's TLS
//! stack, say) rather than the generated code. Our crate depends on
//! `paygen-runtime` with the features its module needs. Crates go to
//! `target/peers/<tool>/<document>/` and share `target/peers/target`.
//!
//! Peers (never installed by this command):
//! - progenitor: `cargo progenitor` (`cargo install cargo-progenitor`)
//! - openapi-generator: `openapi-generator-cli` (`pip install openapi-generator-cli`, needs Java)
//!
//! A tool that fails on a document is reported as `failed: <reason>`; the
//! command still exits 0.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use paygen_codegen::diag::{Diagnostics, Severity};
use paygen_codegen::load::{self, ProviderOptions};

const RUNS: usize = 3;
/// Timed rebuilds per generated crate (the best is reported).
const COMPILE_RUNS: usize = 2;
/// A peer's generation slower than this is timed once.
const SLOW_PEER: Duration = Duration::from_secs(5);

/// Corpus folders read by default, relative to the workspace root.
const CORPUS_DIRS: &[&str] = &[
    "../shared/openapi-corpus",
    "../shared/openapi-corpus-extended",
];

/// Command-line options of `bench-peers`.
#[derive(Debug, Default)]
pub struct Options {
    /// Measure compile times.
    pub compile: bool,
    /// Corpus folders besides the default ones.
    pub corpus: Vec<PathBuf>,
    /// Only documents whose label contains one of these.
    pub only: Vec<String>,
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Self, String> {
        let mut opts = Options {
            compile: true,
            ..Options::default()
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match *a {
                "--no-compile" => opts.compile = false,
                "--corpus" => opts
                    .corpus
                    .push(PathBuf::from(it.next().ok_or("--corpus needs a folder")?)),
                "--only" => opts
                    .only
                    .push(it.next().ok_or("--only needs a text")?.to_string()),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(opts)
    }

    /// The arguments that give these options (for the release re-run).
    fn args(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.compile {
            out.push("--no-compile".to_string());
        }
        for c in &self.corpus {
            out.push("--corpus".to_string());
            out.push(c.display().to_string());
        }
        for o in &self.only {
            out.push("--only".to_string());
            out.push(o.clone());
        }
        out
    }
}

/// One OpenAPI document to compare on.
struct Doc {
    /// As shown: `specs/klix`, `openapi-corpus/adyen-….json`.
    label: String,
    /// Module and crate name: `klix`, `adyen_checkout_service_v71`.
    slug: String,
    /// The OpenAPI file itself (what the peers read).
    file: PathBuf,
    /// A provider folder of `specs/` (with its paygen.yaml), or a lone file.
    provider_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Ours,
    Progenitor,
    OpenApiGenerator,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Ours => "paygen (ours)",
            Tool::Progenitor => "progenitor",
            Tool::OpenApiGenerator => "openapi-generator",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Tool::Ours => "paygen",
            Tool::Progenitor => "progenitor",
            Tool::OpenApiGenerator => "openapi-generator",
        }
    }
}

/// What one tool did with one document.
struct Outcome {
    tool: Tool,
    generation: Result<Duration, String>,
    lines: Option<usize>,
    /// `None`: not measured (`--no-compile`, or generation failed).
    compile: Option<Result<CompileTime, String>>,
}

pub fn bench_peers(root: &Path, opts: &Options) -> ExitCode {
    let compile = opts.compile;
    // The peers are release binaries; time our generator in a release build too.
    if cfg!(debug_assertions) && std::env::var_os("PAYGEN_PEERS_IN_DEBUG").is_none() {
        println!(
            "bench-peers: re-running in a release build (set PAYGEN_PEERS_IN_DEBUG=1 to skip)"
        );
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args([
            "run",
            "--release",
            "--quiet",
            "--package",
            "xtask",
            "--",
            "bench-peers",
        ])
        .current_dir(root)
        .env("PAYGEN_PEERS_IN_DEBUG", "1")
        .args(opts.args());
        match cmd.status() {
            Ok(status) if status.success() => return ExitCode::SUCCESS,
            Ok(status) => {
                eprintln!("bench-peers: the release run failed ({status}); measuring in this debug build instead")
            }
            Err(e) => eprintln!(
                "bench-peers: cannot start the release run ({e}); measuring in this debug build instead"
            ),
        }
    }
    println!(
        "bench-peers: our generator runs in-process ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let peers_dir = target_dir(root).join("peers");
    let shared_target = peers_dir.join("target");
    let mut tools = vec![Tool::Ours];
    println!("bench-peers: looking for other generators");
    match detect(Command::new("cargo").args(["progenitor", "--help"])) {
        Ok(_) => {
            println!("  progenitor: found (`cargo progenitor`)");
            tools.push(Tool::Progenitor);
        }
        Err(_) => println!(
            "  progenitor: not installed, skipped (install with `cargo install cargo-progenitor`)"
        ),
    }
    match detect(Command::new("openapi-generator-cli").arg("version")) {
        Ok(v) => {
            println!("  openapi-generator: found (`openapi-generator-cli` {v})");
            tools.push(Tool::OpenApiGenerator);
        }
        Err(_) => println!(
            "  openapi-generator: not installed, skipped (install with `pip install openapi-generator-cli`; it runs on Java)"
        ),
    }

    let mut docs = documents(root, &opts.corpus);
    if !opts.only.is_empty() {
        docs.retain(|d| opts.only.iter().any(|o| d.label.contains(o.as_str())));
    }
    if docs.is_empty() {
        eprintln!("bench-peers: no OpenAPI documents found");
        return ExitCode::SUCCESS;
    }

    let mut table: Vec<(String, Vec<Outcome>)> = Vec::new();
    for doc in &docs {
        println!("\n{}:", doc.label);
        let mut outcomes = Vec::new();
        for &tool in &tools {
            let dir = peers_dir.join(tool.dir()).join(&doc.slug);
            let outcome = run_tool(tool, doc, &dir, root, &shared_target, compile);
            println!("  {:<18} {}", tool.name(), summary(&outcome));
            outcomes.push(outcome);
        }
        table.push((doc.label.clone(), outcomes));
    }

    println!("\n{}", render(&table, compile));
    println!("As in the README:\n\n{}", render_compact(&table));
    if tools.len() == 1 {
        println!("(no other generator is installed: only our own figures are shown)");
    }
    ExitCode::SUCCESS
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Runs a probe command; `Ok(first line of its output)` when it succeeds.
fn detect(cmd: &mut Command) -> Result<String, ()> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|_| ())?;
    if !out.status.success() {
        return Err(());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

fn documents(root: &Path, extra: &[PathBuf]) -> Vec<Doc> {
    let mut docs = Vec::new();
    let specs = root.join("specs");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&specs)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        // Only providers with an OpenAPI document: the peers cannot read spec.yaml.
        let Some(file) = ["openapi.yaml", "openapi.yml", "openapi.json"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
        else {
            continue;
        };
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        docs.push(Doc {
            label: format!("specs/{name}"),
            slug: paygen_codegen::names::snake(&name, "doc"),
            file,
            provider_dir: Some(dir),
        });
    }

    let folders = CORPUS_DIRS
        .iter()
        .map(|d| root.join(d))
        .chain(extra.iter().cloned());
    for corpus in folders {
        corpus_documents(&corpus, &mut docs);
    }
    docs
}

/// The OpenAPI documents of one corpus folder, in name order, labelled
/// `<folder name>/<file name>`.
fn corpus_documents(corpus: &Path, docs: &mut Vec<Doc>) {
    let folder = corpus
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    match std::fs::read_dir(corpus) {
        Err(_) => println!("  {folder}: {} is absent, skipped", corpus.display()),
        Ok(rd) => {
            let mut files: Vec<PathBuf> = rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().unwrap_or_default().to_string_lossy();
                    n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json")
                })
                .collect();
            files.sort();
            for file in files {
                let name = file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let stem = name.split(".openapi").next().unwrap_or(&name);
                let stem = stem
                    .trim_end_matches(".yaml")
                    .trim_end_matches(".yml")
                    .trim_end_matches(".json");
                let slug = paygen_codegen::names::snake(stem, "doc");
                if docs.iter().any(|d| d.slug == slug) {
                    println!(
                        "  {folder}/{name}: a document named `{slug}` is already listed, skipped"
                    );
                    continue;
                }
                docs.push(Doc {
                    label: format!("{folder}/{name}"),
                    slug,
                    file,
                    provider_dir: None,
                });
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Running the tools
// ---------------------------------------------------------------------------

fn run_tool(
    tool: Tool,
    doc: &Doc,
    dir: &Path,
    root: &Path,
    shared_target: &Path,
    compile: bool,
) -> Outcome {
    let generated = match tool {
        Tool::Ours => ours(doc, dir, root),
        Tool::Progenitor => peer(dir, |out| {
            let mut cmd = Command::new("cargo");
            cmd.arg("progenitor")
                .arg("-i")
                .arg(&doc.file)
                .arg("-o")
                .arg(out)
                .args(["-n", &doc.slug, "-v", "0.1.0"]);
            cmd
        }),
        Tool::OpenApiGenerator => peer(dir, |out| {
            let mut cmd = Command::new("openapi-generator-cli");
            cmd.args(["generate", "-g", "rust", "-i"])
                .arg(&doc.file)
                .arg("-o")
                .arg(out)
                .arg(format!(
                    "--additional-properties=packageName={},packageVersion=0.1.0",
                    doc.slug
                ));
            cmd
        }),
    };
    let generation = match generated {
        Ok(d) => d,
        Err(reason) => {
            return Outcome {
                tool,
                generation: Err(reason),
                lines: None,
                compile: None,
            }
        }
    };
    if tool != Tool::Ours {
        if let Err(e) = standalone(dir) {
            return Outcome {
                tool,
                generation: Ok(generation),
                lines: Some(rust_lines(&dir.join("src"))),
                compile: Some(Err(e)),
            };
        }
    }
    let lines = rust_lines(&dir.join("src"));
    let compile = compile.then(|| compile_time(dir, shared_target));
    Outcome {
        tool,
        generation: Ok(generation),
        lines: Some(lines),
        compile,
    }
}

/// Ours, in-process: best of 3, then the module written into a crate that
/// depends on the runtime crate.
fn ours(doc: &Doc, dir: &Path, root: &Path) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    let mut source = String::new();
    let mut module = doc.slug.clone();
    // The runtime features this module needs, as `paygen`'s feature for it
    // turns on.
    let mut features = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let result = match &doc.provider_dir {
            Some(provider) => paygen_codegen::generate_provider(provider, root)
                .map(|(file, info, _)| (file.contents, info.runtime_features, Some(info.module)))
                .map_err(|errors| first_lines(&errors)),
            None => generate_file(&doc.file, &doc.slug).map(|(s, f)| (s, f, None)),
        };
        let elapsed = started.elapsed();
        let (text, f, m) = result.map_err(|e| format!("failed: {e}"))?;
        best = best.min(elapsed);
        source = text;
        features = f;
        if let Some(m) = m {
            module = m;
        }
    }
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("failed: {e}"))?;
    write_if_changed(&src.join(format!("{module}.rs")), &source)?;
    write_if_changed(
        &src.join("lib.rs"),
        &format!(
            "//! Written by `cargo xtask bench-peers`.\n\n#[rustfmt::skip]\npub mod {module};\n"
        ),
    )?;
    // A generated module needs only the runtime crate, with the features
    // that module uses.
    write_if_changed(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"peer-paygen-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\npaygen-runtime = {{ path = {:?}, features = {:?} }}\n\n\
             [workspace]\n\n[profile.dev.package.\"*\"]\ndebug = false\n",
            doc.slug.replace('_', "-"),
            root.join("runtime").display().to_string(),
            features,
        ),
    )?;
    // The workspace's dependency versions, without a fresh resolution.
    if !dir.join("Cargo.lock").exists() {
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            write_if_changed(&dir.join("Cargo.lock"), &lock)?;
        }
    }
    Ok(best)
}

/// A lone OpenAPI file (no paygen.yaml), as `tests/tests/corpus.rs` reads
/// it: the module's source and the runtime features it needs.
fn generate_file(file: &Path, module: &str) -> Result<(String, Vec<&'static str>), String> {
    let shown = file
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut diags = Diagnostics::new(shown.clone());
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let text =
        load::source::decode_utf8(&bytes, &mut diags).ok_or_else(|| first_lines(&diags.items))?;
    let opts = ProviderOptions::new(module, format!("openapi-corpus/{shown}"));
    let api = load::load_openapi(&text, &opts, &mut diags);
    let api = match api {
        Some(api) if !diags.has_errors() => api,
        _ => {
            let errors: Vec<_> = diags
                .items
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            return Err(first_lines(&errors));
        }
    };
    let source =
        paygen_codegen::emit::module_source(&api).map_err(|e| format!("emitted code: {e}"))?;
    Ok((source, paygen_codegen::runtime_features(&api)))
}

fn first_lines<T: std::fmt::Display>(items: &[T]) -> String {
    let mut s = items
        .first()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "unknown error".into());
    if items.len() > 1 {
        let _ = write!(s, " (and {} more)", items.len() - 1);
    }
    s
}

/// A peer as a command: best of 3 fresh runs into `dir` (one when it takes
/// longer than [`SLOW_PEER`]).
fn peer(dir: &Path, command: impl Fn(&Path) -> Command) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("failed: {e}"))?;
        }
        let mut cmd = command(dir);
        let started = Instant::now();
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("failed: {e}"))?;
        let elapsed = started.elapsed();
        if !out.status.success() {
            return Err(format!("failed: {}", reason(&out.stderr, &out.stdout)));
        }
        best = best.min(elapsed);
        // A run of many seconds is far from ours whatever the noise: one
        // is enough (the JVM start alone is over a second).
        if elapsed > SLOW_PEER {
            break;
        }
    }
    Ok(best)
}

/// The most telling line of a failed run: a panic message, a generator's
/// own error, an exception with its first detail, a compiler error with its
/// location, else the last line.
fn reason(stderr: &[u8], stdout: &[u8]) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(stderr),
        String::from_utf8_lossy(stdout)
    );
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let find = |pred: &dyn Fn(&str) -> bool| lines.iter().position(|l| pred(l));
    let picked = if let Some(i) = find(&|l| l.contains("panicked at")) {
        lines.get(i + 1).unwrap_or(&lines[i]).to_string()
    } else if let Some(i) = find(&|l| l.starts_with("gen fail:")) {
        lines[i].to_string()
    } else if let Some(i) = find(&|l| l.contains("Exception")) {
        let class = lines[i]
            .split(':')
            .next()
            .and_then(|c| c.rsplit(['.', ' ']).next())
            .unwrap_or("exception");
        let detail = lines[i..]
            .iter()
            .find(|l| l.starts_with('-'))
            .map(|l| l.trim_start_matches('-'))
            .or_else(|| lines[i].split_once(": ").map(|(_, m)| m))
            .unwrap_or("");
        format!("{class}: {detail}")
    } else if let Some(i) = find(&|l| l.starts_with("error")) {
        match lines.get(i + 1).filter(|l| l.starts_with("-->")) {
            Some(at) => format!("{} ({})", lines[i], at.trim_start_matches("-->").trim()),
            None => lines[i].to_string(),
        }
    } else if let Some(i) = find(&|l| l.contains("ERROR") || l.contains("Error:")) {
        lines[i].to_string()
    } else {
        lines.last().copied().unwrap_or("no output").to_string()
    };
    let mut s: String = picked.chars().take(140).collect();
    if picked.chars().count() > 140 {
        s.push('…');
    }
    s
}

/// A generated crate under `target/` must not join the paygen workspace.
fn standalone(dir: &Path) -> Result<(), String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|_| "failed: no Cargo.toml was generated".to_string())?;
    if !text.lines().any(|l| l.trim() == "[workspace]") {
        std::fs::write(&manifest, format!("{text}\n[workspace]\n"))
            .map_err(|e| format!("failed: {e}"))?;
    }
    Ok(())
}

fn rust_lines(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .map(|e| e.path())
        .map(|p| {
            if p.is_dir() {
                rust_lines(&p)
            } else if p.extension().is_some_and(|e| e == "rs") {
                std::fs::read_to_string(&p)
                    .map(|s| s.lines().count())
                    .unwrap_or(0)
            } else {
                0
            }
        })
        .sum()
}

/// Set (to a file) when xtask runs as cargo's `RUSTC_WRAPPER`; see
/// [`rustc_wrapper`].
pub const RUSTC_TIMES_ENV: &str = "PAYGEN_RUSTC_TIMES";
/// The crate (`--crate-name`) whose rustc runs the wrapper times.
const TIMED_CRATE_ENV: &str = "PAYGEN_TIMED_CRATE";

/// xtask as cargo's `RUSTC_WRAPPER` (argv: rustc, then its arguments): runs
/// rustc, and when it compiled the crate named by `PAYGEN_TIMED_CRATE`,
/// appends how long that took (nanoseconds, one line) to `log`. The
/// compile time of a crate is then rustc's own, without cargo's check of
/// the dependency graph, which depends on the dependencies and not on the
/// generated code.
pub fn rustc_wrapper(log: &std::ffi::OsStr) -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        eprintln!("xtask: {RUSTC_TIMES_ENV} is set but no rustc was given to run");
        return ExitCode::from(2);
    };
    let args: Vec<std::ffi::OsString> = args.collect();
    let timed = std::env::var_os(TIMED_CRATE_ENV).is_some_and(|want| {
        args.windows(2)
            .any(|w| w[0] == "--crate-name" && w[1] == want)
    });
    let started = Instant::now();
    let status = Command::new(&rustc).args(&args).status();
    let elapsed = started.elapsed();
    match status {
        Ok(status) => {
            if timed && status.success() {
                let line = format!("{}\n", elapsed.as_nanos());
                let written = std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(log)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
                if let Err(e) = written {
                    eprintln!("xtask: cannot record the compile time in {log:?}: {e}");
                    return ExitCode::from(1);
                }
            }
            // rustc exits with 0, 1 or 101; anything else is passed on as 1.
            ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("xtask: cannot run {rustc:?}: {e}");
            ExitCode::from(1)
        }
    }
}

/// How long a generated crate takes to rebuild.
#[derive(Clone, Copy)]
struct CompileTime {
    /// rustc compiling the crate (what the generated code costs).
    rustc: Duration,
    /// The whole `cargo build`: rustc plus cargo's check of every
    /// dependency (which grows with the dependency graph, not the code).
    cargo: Duration,
}

/// Builds once to warm the dependencies, touches `src/lib.rs`, and times the
/// rebuild of the crate alone: rustc's run for the crate (through the
/// wrapper above) and the whole `cargo build`, best of [`COMPILE_RUNS`].
fn compile_time(dir: &Path, shared_target: &Path) -> Result<CompileTime, String> {
    let manifest = dir.join("Cargo.toml");
    let crate_name = package_name(&manifest)?.replace('-', "_");
    let wrapper = std::env::current_exe()
        .map_err(|e| format!("failed: cannot find the xtask binary to time rustc: {e}"))?;
    let log = dir.join("rustc-times.txt");
    let build = || {
        Command::new("cargo")
            .args(["build", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", shared_target)
            .env("RUSTC_WRAPPER", &wrapper)
            .env(RUSTC_TIMES_ENV, &log)
            .env(TIMED_CRATE_ENV, &crate_name)
            .env_remove("RUSTFLAGS")
            .stdin(Stdio::null())
            .output()
    };
    let warm = build().map_err(|e| format!("failed: {e}"))?;
    if !warm.status.success() {
        return Err(format!(
            "failed: does not compile: {}",
            reason(&warm.stderr, &warm.stdout)
        ));
    }
    let lib = dir.join("src/lib.rs");
    // Best of two rebuilds: a single one on a shared machine is noisy.
    let mut best: Option<CompileTime> = None;
    for _ in 0..COMPILE_RUNS {
        let _ = std::fs::remove_file(&log);
        std::fs::File::options()
            .append(true)
            .open(&lib)
            .and_then(|f| f.set_modified(SystemTime::now()))
            .map_err(|e| format!("failed: cannot touch {}: {e}", lib.display()))?;
        let started = Instant::now();
        let out = build().map_err(|e| format!("failed: {e}"))?;
        let cargo = started.elapsed();
        if !out.status.success() {
            return Err(format!("failed: {}", reason(&out.stderr, &out.stdout)));
        }
        let rustc = std::fs::read_to_string(&log)
            .map_err(|_| format!("failed: cargo did not rebuild `{crate_name}` after a touch"))?
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .map(Duration::from_nanos)
            .sum();
        best = Some(match best {
            None => CompileTime { rustc, cargo },
            Some(b) => CompileTime {
                rustc: b.rustc.min(rustc),
                cargo: b.cargo.min(cargo),
            },
        });
    }
    best.ok_or_else(|| "failed: no rebuild was timed".to_string())
}

/// `[package] name` of a manifest.
fn package_name(manifest: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("failed: cannot read {}: {e}", manifest.display()))?;
    text.lines()
        .skip_while(|l| l.trim() != "[package]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
        })
        .ok_or_else(|| format!("failed: no package name in {}", manifest.display()))
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents)
            .map_err(|e| format!("failed: cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

fn summary(o: &Outcome) -> String {
    match &o.generation {
        Err(e) => e.clone(),
        Ok(d) => {
            let mut s = format!("generated in {}, {} lines", ms(*d), o.lines.unwrap_or(0));
            match &o.compile {
                Some(Ok(c)) => {
                    let _ = write!(
                        s,
                        ", compiles in {} (rustc; cargo build {})",
                        secs(c.rustc),
                        secs(c.cargo)
                    );
                }
                Some(Err(e)) => {
                    let _ = write!(s, ", compile {e}");
                }
                None => {}
            }
            s
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ratio(peer: f64, ours: f64) -> String {
    if ours > 0.0 {
        format!("×{:.2}", peer / ours)
    } else {
        "–".to_string()
    }
}

/// The README's table: one row per document, one column per tool, each
/// cell `generation · lines · compile`, peers with their ratio to ours.
fn render_compact(table: &[(String, Vec<Outcome>)]) -> String {
    let tools: Vec<Tool> = table
        .first()
        .map(|(_, o)| o.iter().map(|o| o.tool).collect())
        .unwrap_or_default();
    let mut out = String::from("| document |");
    for t in &tools {
        let _ = write!(out, " {} |", t.name());
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(tools.len()));
    out.push('\n');
    for (doc, outcomes) in table {
        let ours = outcomes.iter().find(|o| o.tool == Tool::Ours);
        let _ = write!(out, "| {doc} |");
        for o in outcomes {
            let peer = o.tool != Tool::Ours;
            let cell = match &o.generation {
                Err(e) => e.replace('|', "\\|"),
                Ok(g) => {
                    let mut cell = ms(*g);
                    if let (true, Some(Ok(og))) = (peer, ours.map(|o| &o.generation)) {
                        let _ = write!(cell, " ({})", ratio(g.as_secs_f64(), og.as_secs_f64()));
                    }
                    let lines = o.lines.unwrap_or(0);
                    let _ = write!(cell, " · {lines} lines");
                    if let (true, Some(ol)) = (peer, ours.and_then(|o| o.lines)) {
                        let _ = write!(cell, " ({})", ratio(lines as f64, ol as f64));
                    }
                    match &o.compile {
                        Some(Ok(c)) => {
                            let _ = write!(cell, " · {}", secs(c.rustc));
                            let oc = ours
                                .and_then(|o| o.compile.as_ref())
                                .and_then(|c| c.as_ref().ok());
                            if let (true, Some(oc)) = (peer, oc) {
                                let _ = write!(
                                    cell,
                                    " ({})",
                                    ratio(c.rustc.as_secs_f64(), oc.rustc.as_secs_f64())
                                );
                            }
                        }
                        Some(Err(e)) => {
                            let _ = write!(cell, " · {}", e.replace('|', "\\|"));
                        }
                        None => {}
                    }
                    cell
                }
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out
}

/// A markdown table; ratios are the peer's figure divided by ours on the same document.
fn render(table: &[(String, Vec<Outcome>)], compile: bool) -> String {
    let mut rows: Vec<Vec<String>> = vec![{
        let mut h = vec![
            "document".to_string(),
            "tool".to_string(),
            "generation (best of 3)".to_string(),
            "vs ours".to_string(),
            "lines".to_string(),
            "vs ours".to_string(),
        ];
        if compile {
            h.push("compile (rustc, crate only)".to_string());
            h.push("vs ours".to_string());
            h.push("cargo build".to_string());
            h.push("vs ours".to_string());
        }
        h
    }];
    for (doc, outcomes) in table {
        let ours = outcomes.iter().find(|o| o.tool == Tool::Ours);
        let ours_gen = ours.and_then(|o| o.generation.as_ref().ok()).copied();
        let ours_lines = ours.and_then(|o| o.lines);
        let ours_compile = ours
            .and_then(|o| o.compile.as_ref())
            .and_then(|c| c.as_ref().ok())
            .copied();
        for o in outcomes {
            let mut row = vec![doc.clone(), o.tool.name().to_string()];
            match &o.generation {
                Err(e) => {
                    row.push(e.replace('|', "\\|"));
                    row.extend(std::iter::repeat_n(
                        String::new(),
                        if compile { 7 } else { 3 },
                    ));
                }
                Ok(g) => {
                    row.push(ms(*g));
                    row.push(match ours_gen {
                        Some(og) if o.tool != Tool::Ours => {
                            ratio(g.as_secs_f64(), og.as_secs_f64())
                        }
                        _ => String::new(),
                    });
                    let lines = o.lines.unwrap_or(0);
                    row.push(lines.to_string());
                    row.push(match ours_lines {
                        Some(ol) if o.tool != Tool::Ours => ratio(lines as f64, ol as f64),
                        _ => String::new(),
                    });
                    if compile {
                        match &o.compile {
                            Some(Ok(c)) => {
                                for (t, ot) in [
                                    (c.rustc, ours_compile.map(|o| o.rustc)),
                                    (c.cargo, ours_compile.map(|o| o.cargo)),
                                ] {
                                    row.push(secs(t));
                                    row.push(match ot {
                                        Some(ot) if o.tool != Tool::Ours => {
                                            ratio(t.as_secs_f64(), ot.as_secs_f64())
                                        }
                                        _ => String::new(),
                                    });
                                }
                            }
                            Some(Err(e)) => {
                                row.push(e.replace('|', "\\|"));
                                row.extend(std::iter::repeat_n(String::new(), 3));
                            }
                            None => row.extend(std::iter::repeat_n(String::new(), 4)),
                        }
                    }
                }
            }
            rows.push(row);
        }
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        out.push('|');
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            let _ = write!(out, " {cell}{} |", " ".repeat(pad));
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for w in &widths {
                let _ = write!(out, "{}|", "-".repeat(w + 2));
            }
            out.push('\n');
        }
    }
    out
}
