//! Diagnostics: every problem found in a spec, with where it is and what was
//! expected. Loaders collect them instead of stopping at the first one.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The spec file, as given to the generator.
    pub file: String,
    /// 1-based line and column, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// JSON pointer into the document (`/paths/~1purchases~1/post`), when known.
    pub pointer: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(p) = &self.pointer {
            write!(f, " at {}", if p.is_empty() { "/" } else { p })?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The problems found so far in one document.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub file: String,
    pub items: Vec<Diagnostic>,
    locator: Option<crate::load::source::Locator>,
    /// Parts of the document that are not written where they now are: read
    /// from other files (a multi-file document bundled into one), or moved
    /// by the normaliser. A problem under one is reported where the part is
    /// written.
    origins: Vec<Origin>,
}

/// Where the part of the document now under `prefix` is written.
#[derive(Debug, Clone)]
struct Origin {
    prefix: String,
    file: String,
    locator: Option<crate::load::source::Locator>,
    /// The part's pointer within `file`.
    inner: String,
}

impl Diagnostics {
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            items: Vec::new(),
            locator: None,
            origins: Vec::new(),
        }
    }

    /// The part of the document under `prefix` is what `file` holds at
    /// `inner`; `locator` finds positions in that file.
    pub(crate) fn add_origin(
        &mut self,
        prefix: String,
        file: String,
        locator: crate::load::source::Locator,
        inner: String,
    ) {
        self.origins.push(Origin {
            prefix,
            file,
            locator: Some(locator),
            inner,
        });
    }

    /// The subtree now at `now` was moved there from `written` (by the
    /// normaliser): later problems under `now` are reported where it is
    /// written, in whichever file that is.
    pub fn moved(&mut self, now: impl Into<String>, written: impl Into<String>) {
        let (file, inner, locator) = self.written_at(written.into());
        self.origins.push(Origin {
            prefix: now.into(),
            file,
            locator: locator.cloned(),
            inner,
        });
    }

    /// The file, pointer and position index of the node at `pointer`.
    fn written_at(
        &self,
        pointer: String,
    ) -> (String, String, Option<&crate::load::source::Locator>) {
        // The innermost part that is written elsewhere, if the pointer is in one.
        let origin = self
            .origins
            .iter()
            .filter(|o| {
                pointer
                    .strip_prefix(o.prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .max_by_key(|o| o.prefix.len());
        match origin {
            Some(o) => (
                o.file.clone(),
                format!("{}{}", o.inner, &pointer[o.prefix.len()..]),
                o.locator.as_ref(),
            ),
            None => (self.file.clone(), pointer, self.locator.as_ref()),
        }
    }

    /// Positions for pointers are looked up in this source text.
    pub fn set_locator(&mut self, locator: crate::load::source::Locator) {
        self.locator = Some(locator);
    }

    fn push(&mut self, severity: Severity, pointer: Option<String>, message: String) {
        let (file, pointer, locator) = match pointer {
            Some(p) => {
                let (file, p, locator) = self.written_at(p);
                (file, Some(p), locator)
            }
            None => (self.file.clone(), None, self.locator.as_ref()),
        };
        let (line, column) = match (locator, &pointer) {
            (Some(loc), Some(p)) => loc
                .locate(p)
                .map_or((None, None), |(l, c)| (Some(l), Some(c))),
            _ => (None, None),
        };
        self.items.push(Diagnostic {
            severity,
            file,
            line,
            column,
            pointer,
            message,
        });
    }

    pub fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, Some(pointer.into()), message.into());
    }

    pub fn warning(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, Some(pointer.into()), message.into());
    }

    /// An error whose position is already known (from a parser).
    pub fn error_at(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity: Severity::Error,
            file: self.file.clone(),
            line: Some(line),
            column: Some(column),
            pointer: None,
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Escapes one JSON-pointer token (`/` → `~1`, `~` → `~0`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one token to a pointer.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}
