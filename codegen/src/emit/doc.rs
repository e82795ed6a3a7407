//! Spec prose → rustdoc that renders as text and never as a doc test or a
//! broken link: code fences become `text`, indentation (which rustdoc would
//! read as a code block) is dropped, brackets and angle brackets are escaped,
//! bare URLs become autolinks, and list continuations are indented.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "…"]` attributes for `text`.
pub fn attrs(text: &str) -> TokenStream {
    let lines = sanitize(text);
    quote! { #( #[doc = #lines] )* }
}

/// One paragraph of a doc comment.
#[derive(Clone, Copy)]
pub enum Para<'a> {
    /// Prose from the spec: sanitised.
    Spec(Option<&'a str>),
    /// Our own Markdown (may hold intra-doc links): kept as written.
    Ours(&'a str),
}

/// `#[doc]` attributes for several paragraphs, skipping empty ones.
pub fn paragraphs(parts: &[Para<'_>]) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        let block: Vec<String> = match part {
            Para::Spec(Some(text)) => sanitize(text),
            Para::Spec(None) => continue,
            Para::Ours(text) => text.lines().map(|l| format!(" {l}")).collect(),
        };
        if block.iter().all(|l| l.trim().is_empty()) {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(block);
    }
    quote! { #( #[doc = #lines] )* }
}

/// Spec prose for the middle of one doc line (a title, a variant's note):
/// sanitised like [`sanitize`], its lines joined by spaces.
pub fn inline(text: &str) -> String {
    sanitize(text)
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each returned line starts with a space, as `///` comments do.
pub fn sanitize(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<&str> = None;
    let mut list_indent: Option<usize> = None;
    for raw in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        // Tabs are not for doc comments (clippy's `tabs_in_doc_comments`):
        // one is a column stop in code, a space in prose.
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
                out.push(format!(" {marker}"));
            } else {
                out.push(format!(" {}", line.replace('\t', "    ")));
            }
            continue;
        }
        let prose = trimmed.replace('\t', " ");
        let trimmed = prose.as_str();
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            list_indent = None;
            out.push(format!(" {marker}text"));
            continue;
        }
        if trimmed.is_empty() {
            list_indent = None;
            out.push(String::new());
            continue;
        }
        let escaped = escape_inline(trimmed);
        if let Some(width) = list_marker_width(trimmed) {
            list_indent = Some(width);
            out.push(format!(" {escaped}"));
        } else if let Some(width) = list_indent {
            out.push(format!(" {}{escaped}", " ".repeat(width)));
        } else {
            out.push(format!(" {escaped}"));
        }
    }
    if fence.is_some() {
        out.push(" ```".into());
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.trim().is_empty()) {
        out.remove(0);
    }
    out
}

fn list_marker_width(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    if bytes.len() >= 2 && matches!(bytes[0], b'-' | b'*' | b'+') && bytes[1] == b' ' {
        return Some(2);
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0
        && bytes.len() > digits + 1
        && matches!(bytes[digits], b'.' | b')')
        && bytes[digits + 1] == b' '
    {
        return Some(digits + 2);
    }
    None
}

/// Escapes Markdown that rustdoc would misread, outside inline code spans.
fn escape_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if !in_code && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace()
                        || matches!(c, '<' | '>' | '"' | '\'' | '`' | '[' | ']' | '(' | ')')
                })
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if url.len() > "https://".len() {
                out.push('<');
                out.push_str(url);
                out.push('>');
                rest = &rest[url.len()..];
                continue;
            }
        }
        if !in_code && matches!(c, '[' | ']' | '<' | '>' | '\\' | '|') {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if in_code {
        // An unclosed span would swallow the next line: close it.
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_indentation_never_become_doc_tests() {
        let lines = sanitize("Example:\n\n    let x = 1;\n```\nfoo()\n```");
        assert_eq!(
            lines,
            vec![" Example:", "", " let x = 1;", " ```text", " foo()", " ```"]
        );
    }

    #[test]
    fn inline_prose_is_one_sanitised_line() {
        assert_eq!(
            inline("Paid\r\n\tin full [v2]\n\nsee <x>"),
            "Paid in full \\[v2\\] see \\<x\\>"
        );
    }

    #[test]
    fn tabs_become_spaces() {
        let lines = sanitize("The key.\tSee the docs.\n```\n\tindented()\n```");
        assert_eq!(
            lines,
            vec![
                " The key. See the docs.",
                " ```text",
                "     indented()",
                " ```"
            ]
        );
    }

    #[test]
    fn links_brackets_and_lists() {
        let lines = sanitize("See https://docs.klarna.com/x. Use [id] or <Brand ID>.\n- one\ncontinued\n\nafter `a[0]`");
        assert_eq!(
            lines,
            vec![
                " See <https://docs.klarna.com/x>. Use \\[id\\] or \\<Brand ID\\>.",
                " - one",
                "   continued",
                "",
                " after `a[0]`",
            ]
        );
    }
}
