//! `cargo xtask update-specs [provider]`: fetch the vendor's current
//! document from `source:` in a provider's paygen.yaml, check that it loads,
//! replace the spec file with the vendor's bytes as they are (atomically),
//! and report what changed in the generated API.
//!
//! Nothing under `specs/` changes unless the new document was downloaded in
//! full with a 2xx status and loads without errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

use paygen_codegen::diag::Diagnostic;
use paygen_codegen::load;

use crate::api_diff::{self, Class, ProviderDiff, ProviderStatus};

/// Largest document accepted (the biggest known vendor document is ~1 MB).
const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug)]
pub enum UpdateError {
    /// The provider's paygen.yaml has no `source:`.
    NoSource,
    /// The server answered with a status other than 2xx.
    Status {
        url: String,
        status: u16,
    },
    /// The request did not complete (unreachable host, timeout, TLS).
    Fetch {
        url: String,
        error: String,
    },
    TooLarge {
        url: String,
    },
    /// paygen.yaml or the downloaded document does not load.
    Load {
        what: String,
        diagnostics: Vec<Diagnostic>,
    },
    Io(String),
}

impl std::fmt::Display for UpdateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpdateError::NoSource => {
                write!(f, "no `source:` URL in paygen.yaml; nothing to fetch")
            }
            UpdateError::Status { url, status } => write!(
                f,
                "{url} answered HTTP {status}; the spec was left as it was"
            ),
            UpdateError::Fetch { url, error } => write!(
                f,
                "could not fetch {url}: {error}; the spec was left as it was"
            ),
            UpdateError::TooLarge { url } => write!(
                f,
                "{url} sent more than {MAX_BYTES} bytes; the spec was left as it was"
            ),
            UpdateError::Load { what, diagnostics } => {
                writeln!(f, "{what} does not load; the spec was left as it was:")?;
                for d in diagnostics {
                    writeln!(f, "  {d}")?;
                }
                Ok(())
            }
            UpdateError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What an update did to one provider.
#[derive(Debug)]
pub enum Updated {
    /// The vendor's document is byte for byte the one in `specs/`.
    Unchanged,
    /// The spec file was replaced; the API diff against the previous bytes.
    Replaced { spec: PathBuf, diff: ProviderDiff },
}

/// Downloads `url` in full: the body of a 2xx answer, else a typed error.
pub fn download(url: &str) -> Result<Vec<u8>, UpdateError> {
    let fetch_err = |e: &dyn std::fmt::Display| UpdateError::Fetch {
        url: url.to_string(),
        error: e.to_string(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fetch_err(&e))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent("paygen-xtask update-specs")
            .build()
            .map_err(|e| fetch_err(&e))?;
        let mut resp = client.get(url).send().await.map_err(|e| fetch_err(&e))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(UpdateError::Status {
                url: url.to_string(),
                status,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| fetch_err(&e))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BYTES {
                return Err(UpdateError::TooLarge {
                    url: url.to_string(),
                });
            }
        }
        Ok(body)
    })
}

fn io(what: &str, path: &Path, e: std::io::Error) -> UpdateError {
    UpdateError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so that `path` is the old file or the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), UpdateError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.paygen-update"));
    std::fs::write(&tmp, bytes).map_err(|e| io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io("replace", path, e)
    })
}

/// Updates the provider in `dir` (under `root`) from its `source:` URL.
pub fn update_provider(root: &Path, dir: &Path) -> Result<Updated, UpdateError> {
    let spec = load::provider_spec(dir, root).map_err(|f| UpdateError::Load {
        what: format!("{}/paygen.yaml", dir.display()),
        diagnostics: f.diagnostics,
    })?;
    let url = spec.spec_url.ok_or(UpdateError::NoSource)?;
    let bytes = download(&url)?;
    let previous = std::fs::read(&spec.spec_path).map_err(|e| io("read", &spec.spec_path, e))?;
    if previous == bytes {
        return Ok(Updated::Unchanged);
    }
    // Load the new document next to a copy of the folder's other files
    // before anything in specs/ changes.
    let tmp = api_diff::TempDir::new("update-specs").map_err(|e| UpdateError::Io(e.to_string()))?;
    let folder = dir.file_name().map(PathBuf::from).unwrap_or_default();
    let copy = tmp.0.join("specs").join(&folder);
    std::fs::create_dir_all(&copy).map_err(|e| io("create", &copy, e))?;
    let rd = std::fs::read_dir(dir).map_err(|e| io("list", dir, e))?;
    for entry in rd.filter_map(Result::ok) {
        let p = entry.path();
        if p.is_file() {
            let to = copy.join(entry.file_name());
            std::fs::copy(&p, &to).map_err(|e| io("copy", &p, e))?;
        }
    }
    let spec_name = spec
        .spec_path
        .strip_prefix(dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| PathBuf::from(spec.spec_path.file_name().unwrap_or_default()));
    let surface_of = |what: &str| {
        load::load_provider(&copy, &tmp.0)
            .map(|l| paygen_codegen::surface::surface(&l.api))
            .map_err(|f| UpdateError::Load {
                what: what.to_string(),
                diagnostics: f.diagnostics,
            })
    };
    // The previous document may not load (that may be why it is updated).
    let old = surface_of("the previous document").ok();
    std::fs::write(copy.join(&spec_name), &bytes).map_err(|e| io("write", &copy, e))?;
    let new = surface_of(&format!("the document from {url}"))?;
    write_atomically(&spec.spec_path, &bytes)?;
    let diff = ProviderDiff {
        name: new.module.clone(),
        status: match old {
            Some(old) => ProviderStatus::Compared(api_diff::diff(&old, &new)),
            None => ProviderStatus::Added,
        },
    };
    Ok(Updated::Replaced {
        spec: spec.spec_path,
        diff,
    })
}

/// `cargo xtask update-specs [provider]`; `regenerate` runs the codegen.
pub fn run(
    root: &Path,
    only: Option<&str>,
    regenerate: impl Fn() -> bool,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let specs = root.join("specs");
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(&specs) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            eprintln!("error: cannot list {}: {e}", specs.display());
            return ExitCode::from(2);
        }
    };
    dirs.sort();
    if let Some(name) = only {
        dirs.retain(|d| d.file_name().is_some_and(|n| n == name));
        if dirs.is_empty() {
            eprintln!("error: no provider folder specs/{name}");
            return ExitCode::from(2);
        }
    }
    let mut failed = false;
    let mut diffs = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match update_provider(root, dir) {
            Ok(Updated::Unchanged) => println!("{name}: the vendor's document is unchanged"),
            Ok(Updated::Replaced { spec, diff }) => {
                let shown = spec
                    .strip_prefix(root)
                    .unwrap_or(&spec)
                    .display()
                    .to_string();
                println!("{name}: replaced {shown} with the vendor's document");
                diffs.push(diff);
            }
            Err(UpdateError::NoSource) if only.is_none() => {
                println!("{name}: skipped (no `source:` in paygen.yaml)");
            }
            Err(e) => {
                eprintln!("error: {name}: {e}");
                failed = true;
            }
        }
    }
    if !diffs.is_empty() {
        if !regenerate() {
            failed = true;
        }
        let version = std::fs::read_to_string(root.join("generated/Cargo.toml"))
            .ok()
            .and_then(|t| api_diff::package_version(&t));
        println!();
        print!(
            "{}",
            api_diff::report(
                "previous spec → vendor's current document",
                &diffs,
                version,
                false
            )
        );
        if diffs.iter().any(|d| d.verdict() == Some(Class::Breaking)) {
            println!(
                "\nBreaking: bump the version in generated/Cargo.toml before this lands \
                 (`.ci/run` checks it)."
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    const V1: &str = "openapi: 3.0.3\ninfo: {title: Shop, version: '1'}\npaths:\n  /items:\n    get:\n      \
        operationId: listItems\n      responses:\n        '200':\n          description: ok\n          \
        content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}\ncomponents:\n  \
        schemas:\n    Item:\n      type: object\n      properties:\n        name: {type: string}\n";

    /// The vendor's next version: a new field, and bytes our YAML writer
    /// would never produce (tabs in a comment, CRLF line ends, no final
    /// newline), which must arrive unchanged.
    fn v2() -> String {
        format!(
            "# vendor\tbuild 2\r\n{}",
            V1.replace(
                "name: {type: string}\n",
                "name: {type: string}\n        price: {type: integer}"
            )
            .replace('\n', "\r\n")
        )
    }

    /// Serves `status` and `body` to every connection until the test ends.
    fn serve(status: u16, body: String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut seen = Vec::new();
                let mut buf = [0u8; 1024];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            }
        });
        format!("http://{addr}/api/schema/v1/")
    }

    /// A workspace with `specs/shop` whose `source:` is `url`.
    fn workspace(url: &str) -> (api_diff::TempDir, PathBuf) {
        let tmp = api_diff::TempDir::new("update-test").unwrap();
        let dir = tmp.0.join("specs/shop");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("openapi.yaml"), V1).unwrap();
        std::fs::write(
            dir.join("paygen.yaml"),
            format!("module: shop\nsource: {url}\n"),
        )
        .unwrap();
        (tmp, dir)
    }

    fn untouched(dir: &Path) {
        assert_eq!(
            std::fs::read_to_string(dir.join("openapi.yaml")).unwrap(),
            V1
        );
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_new_document_replaces_the_spec_byte_for_byte_and_is_diffed() {
        let url = serve(200, v2());
        let (tmp, dir) = workspace(&url);
        let Updated::Replaced { spec, diff } = update_provider(&tmp.0, &dir).unwrap() else {
            panic!("not replaced");
        };
        assert_eq!(spec, dir.join("openapi.yaml"));
        assert_eq!(std::fs::read(&spec).unwrap(), v2().into_bytes());
        let ProviderStatus::Compared(changes) = diff.status else {
            panic!("not compared");
        };
        let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            changes,
            ["additive: `field Item.price`: new response field: Option<i64>, optional"]
        );
        // No temporary file is left next to the spec.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        // A second run finds the same bytes.
        assert!(matches!(
            update_provider(&tmp.0, &dir),
            Ok(Updated::Unchanged)
        ));
    }

    #[test]
    fn http_errors_leave_the_spec_untouched() {
        for status in [404, 500] {
            let url = serve(status, "nope".into());
            let (tmp, dir) = workspace(&url);
            let err = update_provider(&tmp.0, &dir).unwrap_err();
            assert!(
                matches!(&err, UpdateError::Status { status: s, .. } if *s == status),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!("{url} answered HTTP {status}; the spec was left as it was")
            );
            untouched(&dir);
        }
    }

    #[test]
    fn an_unreachable_host_leaves_the_spec_untouched() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}/schema");
        let (tmp, dir) = workspace(&url);
        let err = update_provider(&tmp.0, &dir).unwrap_err();
        assert!(matches!(err, UpdateError::Fetch { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with(&format!("could not fetch {url}: ")),
            "{err}"
        );
        untouched(&dir);
    }

    #[test]
    fn a_document_that_does_not_load_leaves_the_spec_untouched() {
        let url = serve(200, "openapi: 3.0.3\ninfo: [broken\n".into());
        let (tmp, dir) = workspace(&url);
        let err = update_provider(&tmp.0, &dir).unwrap_err();
        let UpdateError::Load { what, diagnostics } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(what, &format!("the document from {url}"));
        assert!(!diagnostics.is_empty());
        assert!(
            err.to_string().contains("specs/shop/openapi.yaml:"),
            "{err}"
        );
        untouched(&dir);
    }

    #[test]
    fn a_provider_without_a_source_is_reported() {
        let (tmp, dir) = workspace("x");
        std::fs::write(dir.join("paygen.yaml"), "module: shop\n").unwrap();
        assert!(matches!(
            update_provider(&tmp.0, &dir),
            Err(UpdateError::NoSource)
        ));
    }
}
