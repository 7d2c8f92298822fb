//! The host-side front end: a TOML system description in, a validated [`RvfManifest`] or every
//! problem as `file:line:column: reason` out. Feature `toml`.

mod convert;
mod diagnostic;
mod schema;
mod size;

use std::format;
use std::vec;
use std::vec::Vec;

pub use diagnostic::{Diagnostic, SourceMap};

use crate::board::{BoardId, BoardLimits};
use crate::error::{Locator, Problem, ValidationError};
use crate::model::RvfManifest;

/// A manifest parsed from TOML, valid for every target board, with the place of each item.
#[derive(Clone, Debug)]
pub struct ParsedManifest {
    /// The manifest.
    pub manifest: RvfManifest,
    /// Where each item and field came from, for later diagnostics.
    pub source_map: SourceMap,
    /// What the author should know (`file:line:column: warning: ...`), every target board,
    /// sorted by position.
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a TOML manifest. `file_name` is only used in diagnostics; `boards` gives
/// the limits of every board the manifest may target (normally
/// `&[BoardLimits::RPI3, BoardLimits::RPI4]`). The manifest is validated for each board in its
/// `boards` list; a target without limits in `boards` is an error.
///
/// On failure returns every problem found, sorted by position: TOML syntax and type errors
/// (the first only), unknown keys, names that do not resolve, and every validation error.
pub fn parse_toml(
    file_name: &str,
    source: &str,
    boards: &[BoardLimits],
) -> Result<RvfManifest, Vec<Diagnostic>> {
    parse_toml_located(file_name, source, boards).map(|parsed| parsed.manifest)
}

/// Like [`parse_toml`], and also returns the [`SourceMap`] so later checks (e.g. that each
/// entry point is exported by its wasm module) can report `file:line:column` as well:
/// `parsed.source_map.diagnostic(Locator::Component(i, ComponentField::EntryExport(e)), msg)`.
pub fn parse_toml_located(
    file_name: &str,
    source: &str,
    boards: &[BoardLimits],
) -> Result<ParsedManifest, Vec<Diagnostic>> {
    let mut source_map = SourceMap::new(file_name, source);
    let src: schema::ManifestSrc = toml::from_str(source).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        vec![source_map.diagnostic_at(offset, error.message().trim_end())]
    })?;
    let manifest = convert::convert(&src, &mut source_map)?;

    let targets: Vec<BoardLimits> = if manifest.boards.is_empty() {
        // Validation will say the list is empty; check everything else against any board.
        boards.first().copied().into_iter().collect()
    } else {
        let mut targets = Vec::new();
        let mut missing: Vec<BoardId> = Vec::new();
        for board in &manifest.boards {
            match boards.iter().find(|limits| limits.board == *board) {
                Some(limits) if !targets.contains(limits) => targets.push(*limits),
                Some(_) => {}
                None if !missing.contains(board) => missing.push(*board),
                None => {}
            }
        }
        let mut diagnostics: Vec<Diagnostic> = missing
            .iter()
            .map(|board| {
                source_map.diagnostic(
                    Locator::System(crate::error::SystemField::Boards),
                    format!(
                        "system \"{}\": no board limits given for target board {board}",
                        manifest.system
                    ),
                )
            })
            .collect();
        if !diagnostics.is_empty() {
            diagnostics.extend(validation_diagnostics(&manifest, &targets, &source_map));
            return Err(finish(diagnostics));
        }
        targets
    };

    let diagnostics = validation_diagnostics(&manifest, &targets, &source_map);
    if diagnostics.is_empty() {
        let mut warnings: Vec<Diagnostic> = targets
            .iter()
            .flat_map(|board| manifest.warnings(board))
            .map(|w| source_map.diagnostic(w.locator, format!("warning: {w}")))
            .collect();
        warnings.sort_by_key(|d| (d.line, d.column));
        Ok(ParsedManifest {
            manifest,
            source_map,
            warnings,
        })
    } else {
        Err(finish(diagnostics))
    }
}

fn validation_diagnostics(
    manifest: &RvfManifest,
    boards: &[BoardLimits],
    source_map: &SourceMap,
) -> Vec<Diagnostic> {
    boards
        .iter()
        .flat_map(|board| manifest.validate_all(board))
        .map(|error| validation_diagnostic(&error, source_map))
        .collect()
}

/// A validation error as a diagnostic at the offending item's place.
pub fn validation_diagnostic(error: &ValidationError, source_map: &SourceMap) -> Diagnostic {
    let mut message = format!("{error}");
    let first = match error.problem {
        Problem::DuplicateName { first, .. } => Some(first),
        Problem::InterruptSourceTaken { first, .. } => Some(usize::from(first)),
        _ => None,
    };
    if let Some(first) = first {
        let first_at = match error.locator {
            Locator::Component(_, field) => Some(Locator::Component(first, field)),
            Locator::Region(_, field) => Some(Locator::Region(first, field)),
            Locator::Queue(_, field) => Some(Locator::Queue(first, field)),
            Locator::Interrupt(_, field) => Some(Locator::Interrupt(first, field)),
            _ => None,
        };
        if let Some(span) = first_at.and_then(|at| source_map.span(at)) {
            let (line, _) = source_map.line_column(span.start);
            message.push_str(&format!(" (first declared on line {line})"));
        }
    }
    source_map.diagnostic(error.locator, message)
}

/// Sorted by place, without the repeats that validating for several boards gives.
fn finish(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen: Vec<Diagnostic> = Vec::new();
    diagnostics.retain(|d| {
        let new = !seen.contains(d);
        if new {
            seen.push(d.clone());
        }
        new
    });
    diagnostics.sort_by_key(|d| (d.line, d.column));
    diagnostics
}
