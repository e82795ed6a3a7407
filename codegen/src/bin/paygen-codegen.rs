//! `paygen-codegen generate <spec folder or OpenAPI file> --out <file.rs> [--module NAME]`
//!
//! Generates one module from a provider folder (an OpenAPI document or a
//! `spec.yaml`, with its `paygen.yaml`) or from a single OpenAPI document,
//! prints every diagnostic with its file, line and column, and writes the
//! module atomically. The module needs only the `paygen-runtime` crate
//! (with the features its provider uses) in the crate that holds it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use paygen_codegen::write::{self, OutputFile};

const USAGE: &str =
    "usage: paygen-codegen generate <spec folder or OpenAPI file> --out <file.rs> [--module NAME]

  <spec folder>   a provider folder: openapi.yaml|yml|json or spec.yaml, and paygen.yaml
  <OpenAPI file>  one OpenAPI 3.0/3.1 document (YAML or JSON), default settings
  --out FILE      where the module goes (written atomically; left untouched on errors)
  --module NAME   the module name for an OpenAPI file (default: the file's stem)";

struct Args {
    input: PathBuf,
    out: PathBuf,
    module: Option<String>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    if it.next().map(String::as_str) != Some("generate") {
        return Err("the command is `generate`".into());
    }
    let (mut input, mut out, mut module) = (None, None, None);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = Some(it.next().ok_or("--out needs a file")?.into()),
            "--module" => module = Some(it.next().ok_or("--module needs a name")?.clone()),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            path if input.is_none() => input = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(Args {
        input: input.ok_or("give a spec folder or an OpenAPI file")?,
        out: out.ok_or("give --out <file.rs>")?,
        module,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let here = std::env::current_dir().unwrap_or_default();
    let result = if args.input.is_dir() {
        if args.module.is_some() {
            eprintln!("error: --module applies to a single OpenAPI file; a folder's paygen.yaml names its module");
            return ExitCode::from(2);
        }
        paygen_codegen::generate_provider(&args.input, &here)
    } else {
        let module = args.module.clone().unwrap_or_else(|| {
            args.input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "api".into())
        });
        let shown = args
            .input
            .strip_prefix(&here)
            .unwrap_or(&args.input)
            .display()
            .to_string();
        paygen_codegen::generate_document(&args.input, &module, &shown)
    };
    let (file, info, warnings) = match result {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            let n = errors
                .iter()
                .filter(|d| d.severity == paygen_codegen::diag::Severity::Error)
                .count();
            eprintln!("{n} error(s); {} was not written", args.out.display());
            return ExitCode::FAILURE;
        }
    };
    for w in &warnings {
        eprintln!("{w}");
    }
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = args.out.file_name() else {
        eprintln!("error: --out must name a file");
        return ExitCode::from(2);
    };
    let out = OutputFile {
        path: name.into(),
        contents: file.contents,
    };
    match write::write_all(dir, &[out]) {
        Ok(_) => {
            eprintln!(
                "wrote {} ({} warning(s)); it needs paygen-runtime with features {:?}",
                args.out.display(),
                warnings.len(),
                info.runtime_features
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: writing {} failed: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
