//! Messages with a place: `file:line:column: reason`, and the map from a [`Locator`] to the
//! place in the TOML source it came from.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::string::String;

use crate::error::Locator;

/// A message about a manifest source file, at a line and column (both from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name as given to the parser.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// The reason.
    pub message: String,
    /// Which item and field it is about, when known (not for syntax errors).
    pub locator: Option<Locator>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

/// Where each item and field of a parsed manifest is in its source, so later checks (the `rvf`
/// tool's wasm export check, for one) can report `file:line:column` too.
#[derive(Clone, Debug)]
pub struct SourceMap {
    file: String,
    source: String,
    spans: BTreeMap<Locator, Range<usize>>,
}

impl SourceMap {
    pub(super) fn new(file: &str, source: &str) -> SourceMap {
        SourceMap {
            file: file.into(),
            source: source.into(),
            spans: BTreeMap::new(),
        }
    }

    pub(super) fn record(&mut self, locator: Locator, span: Range<usize>) {
        self.spans.insert(locator, span);
    }

    /// The file name.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The byte range of `locator` in the source, or of the nearest enclosing field or item that
    /// has one (a defaulted field has none of its own).
    pub fn span(&self, locator: Locator) -> Option<Range<usize>> {
        let mut at = Some(locator);
        while let Some(locator) = at {
            if let Some(span) = self.spans.get(&locator) {
                return Some(span.clone());
            }
            at = locator.parent();
        }
        None
    }

    /// Line and column (from 1, column in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// A diagnostic at `locator` (at the start of the file if it has no place).
    pub fn diagnostic(&self, locator: Locator, message: impl Into<String>) -> Diagnostic {
        let offset = self.span(locator).map_or(0, |span| span.start);
        let mut diagnostic = self.diagnostic_at(offset, message);
        diagnostic.locator = Some(locator);
        diagnostic
    }

    /// A diagnostic at a byte offset.
    pub fn diagnostic_at(&self, offset: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.line_column(offset);
        Diagnostic {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
            locator: None,
        }
    }
}
