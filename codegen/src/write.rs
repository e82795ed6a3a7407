//! Writing generated files: all or nothing, and a check mode that names the
//! stale files instead of writing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One file the generator produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output directory.
    pub path: PathBuf,
    pub contents: String,
}

/// Files whose contents on disk differ from `files` (or are missing).
pub fn stale(out_dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| {
            fs::read_to_string(out_dir.join(&f.path)).ok().as_deref() != Some(f.contents.as_str())
        })
        .map(|f| f.path.clone())
        .collect()
}

/// Writes every file: each goes to a temporary sibling first, and only when
/// all of them are written are they renamed into place, so a failure leaves
/// the old files as they were. Unchanged files are not touched.
pub fn write_all(out_dir: &Path, files: &[OutputFile]) -> io::Result<Vec<PathBuf>> {
    let changed: Vec<&OutputFile> = files
        .iter()
        .filter(|f| {
            fs::read_to_string(out_dir.join(&f.path)).ok().as_deref() != Some(f.contents.as_str())
        })
        .collect();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for f in &changed {
            let target = out_dir.join(&f.path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let tmp = target.with_extension("rs.paygen-tmp");
            fs::write(&tmp, &f.contents)?;
            staged.push((tmp, target));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        fs::rename(tmp, target)?;
    }
    Ok(changed.iter().map(|f| f.path.clone()).collect())
}
