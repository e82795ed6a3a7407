//! Reading a spec file: bytes → checked UTF-8 text, and a position index that
//! maps JSON pointers back to line and column for diagnostics.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{self, Diagnostics};

/// Decodes `bytes` as UTF-8, reporting the first invalid byte's position.
pub fn decode_utf8(bytes: &[u8], diags: &mut Diagnostics) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.strip_prefix('\u{feff}').unwrap_or(s).to_string()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            diags.error_at(
                line,
                column,
                format!(
                    "the file is not valid UTF-8 (byte 0x{:02x} at offset {}); \
                     specs must be UTF-8 encoded",
                    bytes[e.valid_up_to()],
                    e.valid_up_to()
                ),
            );
            None
        }
    }
}

/// Maps JSON pointers to 1-based (line, column) in a YAML or JSON text.
/// The index is built on first use, so a spec without problems never pays
/// for it.
#[derive(Debug, Clone)]
pub struct Locator {
    text: Rc<str>,
    index: OnceCell<Rc<HashMap<String, (usize, usize)>>>,
}

impl Locator {
    pub fn new(text: &str) -> Self {
        Locator {
            text: Rc::from(text),
            index: OnceCell::new(),
        }
    }

    /// Position of the node at `pointer`, or of its nearest ancestor that exists.
    pub fn locate(&self, pointer: &str) -> Option<(usize, usize)> {
        let index = self.index.get_or_init(|| Rc::new(build_index(&self.text)));
        let mut p = pointer;
        loop {
            if let Some(pos) = index.get(p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

struct IndexBuilder {
    stack: Vec<(String, Frame)>,
    positions: HashMap<String, (usize, usize)>,
}

impl IndexBuilder {
    /// The pointer of the node that starts now, and records its position.
    /// Returns `None` when the event was a mapping key.
    fn node_start(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        let pos = (mark.line(), mark.col() + 1);
        let Some((parent, frame)) = self.stack.last_mut() else {
            self.positions.entry(String::new()).or_insert(pos);
            return Some(String::new());
        };
        match frame {
            Frame::Map { key } => match key.take() {
                None => {
                    // This scalar is a key: the entry's position is the key's.
                    let k = scalar.unwrap_or_default().to_string();
                    let ptr = diag::join(parent, &k);
                    self.positions.insert(ptr, pos);
                    *key = Some(k);
                    None
                }
                Some(k) => Some(diag::join(parent, &k)),
            },
            Frame::Seq { next } => {
                let ptr = diag::join(parent, &next.to_string());
                *next += 1;
                self.positions.insert(ptr.clone(), pos);
                Some(ptr)
            }
        }
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                self.node_start(mark, Some(&value));
            }
            Event::Alias(_) => {
                self.node_start(mark, None);
            }
            Event::MappingStart(..) => {
                let ptr = self.node_start(mark, None).unwrap_or_default();
                self.stack.push((ptr, Frame::Map { key: None }));
            }
            Event::SequenceStart(..) => {
                let ptr = self.node_start(mark, None).unwrap_or_default();
                self.stack.push((ptr, Frame::Seq { next: 0 }));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

fn build_index(text: &str) -> HashMap<String, (usize, usize)> {
    let mut builder = IndexBuilder {
        stack: Vec::new(),
        positions: HashMap::new(),
    };
    // A text that does not parse keeps the positions found before the error.
    let _ = Parser::new_from_str(text).load(&mut builder, false);
    builder.positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_lines() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{id}:\n    get:\n      tags: [x, y]\n";
        let loc = Locator::new(text);
        assert_eq!(loc.locate("/openapi"), Some((1, 1)));
        assert_eq!(loc.locate("/paths/~1a~1{id}"), Some((3, 3)));
        assert_eq!(loc.locate("/paths/~1a~1{id}/get"), Some((4, 5)));
        assert_eq!(loc.locate("/paths/~1a~1{id}/get/tags/1"), Some((5, 17)));
        // A pointer below an existing node falls back to that node.
        assert_eq!(loc.locate("/paths/~1a~1{id}/get/responses"), Some((4, 5)));
    }

    #[test]
    fn json_positions() {
        let text = "{\n  \"info\": {\"title\": \"x\"}\n}";
        let loc = Locator::new(text);
        assert_eq!(loc.locate("/info/title"), Some((2, 12)));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let mut d = Diagnostics::new("spec.yaml");
        assert!(decode_utf8(b"a: 1\nb: caf\xe9\n", &mut d).is_none());
        assert_eq!(d.items[0].line, Some(2));
        assert_eq!(d.items[0].column, Some(7));
    }
}
