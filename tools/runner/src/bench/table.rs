//! The summary table of `just bench`: every figure, per board, with its target and whether it
//! was met.

use std::fmt::Write as _;

use crate::Board;

/// What a figure is counted in (how it is printed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Guest instructions under `-icount shift=0`.
    Instructions,
    Bytes,
    /// A ratio, printed with one decimal and `×`.
    Times,
    Percent,
    /// Messages per guest second.
    PerSecond,
}

/// The bound a figure should respect.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

impl Target {
    fn met(self, value: f64) -> bool {
        match self {
            Target::AtMost(bound) => value <= bound,
            Target::AtLeast(bound) => value >= bound,
        }
    }
}

/// One measured figure on one board.
#[derive(Clone, Debug)]
pub struct Figure {
    /// What was measured; the same text on every board (it is the table's row).
    pub name: String,
    pub value: f64,
    pub unit: Unit,
    pub target: Option<Target>,
}

impl Figure {
    pub fn new(name: impl Into<String>, value: impl Into<f64>, unit: Unit) -> Figure {
        Figure {
            name: name.into(),
            value: value.into(),
            unit,
            target: None,
        }
    }

    pub fn at_most(mut self, bound: impl Into<f64>) -> Figure {
        self.target = Some(Target::AtMost(bound.into()));
        self
    }

    pub fn at_least(mut self, bound: impl Into<f64>) -> Figure {
        self.target = Some(Target::AtLeast(bound.into()));
        self
    }
}

/// Every board's figures, in the order they were measured.
#[derive(Default)]
pub struct Table {
    rows: Vec<(Board, Figure)>,
}

impl Table {
    pub fn push(&mut self, board: Board, figure: Figure) {
        self.rows.push((board, figure));
    }

    pub fn extend(&mut self, board: Board, figures: impl IntoIterator<Item = Figure>) {
        for figure in figures {
            self.push(board, figure);
        }
    }

    /// The figures whose target was missed on some board: `(name, board)`.
    pub fn misses(&self) -> Vec<(&str, Board)> {
        self.rows
            .iter()
            .filter(|(_, f)| f.target.is_some_and(|t| !t.met(f.value)))
            .map(|(board, f)| (f.name.as_str(), *board))
            .collect()
    }

    /// A Markdown table: one row per figure, one column per board, then the target and the
    /// verdict (`pass` only when every board met it).
    pub fn render(&self, boards: &[Board]) -> String {
        let mut names: Vec<&str> = Vec::new();
        for (_, figure) in &self.rows {
            if !names.contains(&figure.name.as_str()) {
                names.push(&figure.name);
            }
        }
        let mut out = String::from("| figure |");
        for board in boards {
            let _ = write!(out, " {} |", board.machine());
        }
        out.push_str(" target | |\n| --- |");
        for _ in boards {
            out.push_str(" ---: |");
        }
        out.push_str(" ---: | --- |\n");
        for name in names {
            let of = |board: Board| {
                self.rows
                    .iter()
                    .find(|(b, f)| *b == board && f.name == name)
                    .map(|(_, f)| f)
            };
            let _ = write!(out, "| {name} |");
            let mut target = None;
            let mut verdict: Option<bool> = None;
            for &board in boards {
                match of(board) {
                    Some(figure) => {
                        let _ = write!(out, " {} |", format_value(figure.value, figure.unit));
                        if let Some(t) = figure.target {
                            target = Some((t, figure.unit));
                            let met = t.met(figure.value);
                            verdict = Some(verdict.unwrap_or(true) && met);
                        }
                    }
                    None => out.push_str(" — |"),
                }
            }
            match target {
                Some((Target::AtMost(bound), unit)) => {
                    let _ = write!(out, " ≤ {} |", format_value(bound, unit));
                }
                Some((Target::AtLeast(bound), unit)) => {
                    let _ = write!(out, " ≥ {} |", format_value(bound, unit));
                }
                None => out.push_str(" |"),
            }
            out.push_str(match verdict {
                Some(true) => " pass |\n",
                Some(false) => " **miss** |\n",
                None => " |\n",
            });
        }
        out
    }
}

/// `value` in `unit`, with thousands separators for counts.
pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Instructions => grouped(value.round() as u64),
        Unit::Bytes => format!("{} B", grouped(value.round() as u64)),
        Unit::Times => format!("{value:.1}×"),
        Unit::Percent => format!("{value:.1} %"),
        Unit::PerSecond => format!("{}/s", grouped(value.round() as u64)),
    }
}

/// `n` with a comma between each group of three digits.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn a_row_passes_only_when_every_board_meets_its_target() {
        let mut table = Table::default();
        table.push(
            Board::Rpi3,
            Figure::new("switch", 900.0, Unit::Instructions).at_most(1000.0),
        );
        table.push(
            Board::Rpi4,
            Figure::new("switch", 1100.0, Unit::Instructions).at_most(1000.0),
        );
        table.push(Board::Rpi3, Figure::new("image", 4096.0, Unit::Bytes));
        let text = table.render(&[Board::Rpi3, Board::Rpi4]);
        assert!(
            text.contains("| switch | 900 | 1,100 | ≤ 1,000 | **miss** |"),
            "{text}"
        );
        assert!(text.contains("| image | 4,096 B | — | |"), "{text}");
        assert_eq!(table.misses(), vec![("switch", Board::Rpi4)]);
    }

    #[test]
    fn at_least_targets() {
        let mut table = Table::default();
        table.push(
            Board::Rpi3,
            Figure::new("kept", 95.0, Unit::Percent).at_least(80.0),
        );
        let text = table.render(&[Board::Rpi3]);
        assert!(
            text.contains("| kept | 95.0 % | ≥ 80.0 % | pass |"),
            "{text}"
        );
    }
}
