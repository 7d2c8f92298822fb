//! The console (WIT `console`): the generated `read` of what is typed on the log UART, and
//! [`LineAssembler`], which turns those bytes into command lines.
//!
//! ```ignore
//! let mut lines = LineAssembler::new();
//! loop {
//!     // Blocks until at least one byte has been typed.
//!     let bytes = console::read(64).unwrap_or_else(|e| fail("me: read", e));
//!     for &byte in &bytes {
//!         match lines.push(byte) {
//!             Some(Entered::Line(line)) => { /* run `line` */ }
//!             Some(Entered::TooLong(start)) => { /* its first LINE_MAX bytes */ }
//!             None => {}
//!         }
//!     }
//! }
//! ```
//!
//! Needs the `console` grant (read), which the manifest gives to one component at most.

pub use crate::bindings::ruvix::host::console::read;

/// The longest command line in bytes; longer input is cut and reported [`Entered::TooLong`].
pub const LINE_MAX: usize = 80;

/// Backspace (Ctrl-H), and what most terminals send for the backspace key (DEL).
const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;

/// A line ended by `\r` or `\n`, as [`LineAssembler::push`] hands it out.
#[derive(Debug, PartialEq, Eq)]
pub enum Entered<'a> {
    /// A line of at most [`LINE_MAX`] bytes.
    Line(&'a str),
    /// A line longer than [`LINE_MAX`] bytes: its first [`LINE_MAX`].
    TooLong(&'a str),
}

/// Assembles typed bytes into lines in a fixed buffer (no heap).
///
/// - `\r` or `\n` ends a line; an empty line is ignored, so `\r\n` ends one line, not two.
/// - Backspace (0x08) and DEL (0x7f) remove the line's last byte (nothing on an empty line).
/// - Printable ASCII (0x20..=0x7e) is kept; every other byte (a control character, an escape
///   sequence's ESC, a byte of a multi-byte UTF-8 character) becomes `?`, so a line is always
///   ASCII text and a log line can show it as typed.
/// - Beyond [`LINE_MAX`] bytes are counted but not kept; the line is then [`Entered::TooLong`]
///   (unless backspaces bring it back within the limit).
pub struct LineAssembler {
    buffer: [u8; LINE_MAX],
    /// The line's length as typed: the first `LINE_MAX` bytes are in `buffer`, the rest only
    /// counted.
    typed: usize,
    /// The last byte ended a line that was handed out: the next byte starts a new one.
    ended: bool,
}

impl LineAssembler {
    pub const fn new() -> Self {
        Self {
            buffer: [0; LINE_MAX],
            typed: 0,
            ended: false,
        }
    }

    /// Takes one typed byte; returns the line it ended, if it ended one. The line borrows the
    /// assembler's buffer until the next byte.
    pub fn push(&mut self, byte: u8) -> Option<Entered<'_>> {
        if self.ended {
            self.typed = 0;
            self.ended = false;
        }
        match byte {
            b'\r' | b'\n' => return self.end(),
            BACKSPACE | DELETE => self.typed = self.typed.saturating_sub(1),
            _ => {
                if let Some(slot) = self.buffer.get_mut(self.typed) {
                    *slot = if matches!(byte, 0x20..=0x7e) {
                        byte
                    } else {
                        b'?'
                    };
                }
                self.typed = self.typed.saturating_add(1);
            }
        }
        None
    }

    /// The line ended now, unless it is empty.
    fn end(&mut self) -> Option<Entered<'_>> {
        if self.typed == 0 {
            return None;
        }
        self.ended = true;
        let kept = &self.buffer[..self.typed.min(LINE_MAX)];
        // Only printable ASCII is ever kept, so this cannot fail.
        let text = core::str::from_utf8(kept).unwrap_or("");
        Some(if self.typed > LINE_MAX {
            Entered::TooLong(text)
        } else {
            Entered::Line(text)
        })
    }
}

impl Default for LineAssembler {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::{Entered, LINE_MAX, LineAssembler};

    /// What `input` yields, as (too long, text) pairs.
    fn lines(assembler: &mut LineAssembler, input: &[u8]) -> Vec<(bool, String)> {
        let mut out = Vec::new();
        for &byte in input {
            match assembler.push(byte) {
                Some(Entered::Line(text)) => out.push((false, text.to_string())),
                Some(Entered::TooLong(text)) => out.push((true, text.to_string())),
                None => {}
            }
        }
        out
    }

    fn entered(input: &[u8]) -> Vec<(bool, String)> {
        lines(&mut LineAssembler::new(), input)
    }

    fn line(text: &str) -> (bool, String) {
        (false, text.to_string())
    }

    #[test]
    fn carriage_return_newline_and_both_end_one_line() {
        assert_eq!(entered(b"help\r"), [line("help")]);
        assert_eq!(entered(b"help\n"), [line("help")]);
        assert_eq!(
            entered(b"help\r\nuptime\r\ntasks\n"),
            [line("help"), line("uptime"), line("tasks")]
        );
    }

    #[test]
    fn empty_lines_are_ignored() {
        assert_eq!(entered(b"\r\n\n\r\r"), []);
        assert_eq!(
            entered(b"\r\nlog\n\n\nqueues\r\r"),
            [line("log"), line("queues")]
        );
    }

    #[test]
    fn nothing_until_the_end_of_the_line() {
        assert_eq!(entered(b"uptime"), []);
    }

    #[test]
    fn a_line_may_arrive_in_pieces() {
        let mut assembler = LineAssembler::new();
        assert_eq!(lines(&mut assembler, b"up"), []);
        assert_eq!(lines(&mut assembler, b"ti"), []);
        assert_eq!(lines(&mut assembler, b"me\rta"), [line("uptime")]);
        assert_eq!(lines(&mut assembler, b"sks\r"), [line("tasks")]);
    }

    #[test]
    fn backspace_and_delete_remove_the_last_byte() {
        assert_eq!(entered(b"helpp\x08\r"), [line("help")]);
        assert_eq!(entered(b"helpx\x7f\r"), [line("help")]);
        assert_eq!(entered(b"hxy\x08\x7felp\r"), [line("help")]);
    }

    #[test]
    fn backspace_on_an_empty_line_does_nothing() {
        assert_eq!(entered(b"\x08\x7f\x08log\r"), [line("log")]);
        // Erased to nothing: an empty line, ignored.
        assert_eq!(entered(b"ab\x08\x08\x08\r"), []);
        // A backspace right after a line does not reach back into it.
        assert_eq!(entered(b"ab\r\x08c\r"), [line("ab"), line("c")]);
    }

    #[test]
    fn other_bytes_become_question_marks() {
        // Ctrl-C, an arrow key's escape sequence, a tab, UTF-8 "é".
        assert_eq!(entered(b"a\x03\x1b[A\tb\xc3\xa9\r"), [line("a??[A?b??")]);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_kept() {
        let mut input = vec![b'x'; LINE_MAX];
        input.push(b'\r');
        assert_eq!(entered(&input), [line(&"x".repeat(LINE_MAX))]);
    }

    #[test]
    fn a_longer_line_is_cut_and_reported_too_long() {
        let mut input: Vec<u8> = (0..LINE_MAX + 1).map(|i| b'a' + (i % 26) as u8).collect();
        input.push(b'\n');
        let kept = String::from_utf8(input[..LINE_MAX].to_vec()).unwrap();
        assert_eq!(entered(&input), [(true, kept)]);
    }

    #[test]
    fn a_very_long_line_does_not_panic_and_the_next_line_is_whole() {
        let mut input = vec![b'y'; 100_000];
        input.extend_from_slice(b"\r\nhelp\r\n");
        assert_eq!(
            entered(&input),
            [(true, "y".repeat(LINE_MAX)), line("help")]
        );
    }

    #[test]
    fn backspaces_can_bring_a_long_line_back_within_the_limit() {
        let mut input = vec![b'z'; LINE_MAX + 3];
        input.extend_from_slice(b"\x08\x08\x08\r");
        assert_eq!(entered(&input), [line(&"z".repeat(LINE_MAX))]);
        // One backspace short: still too long.
        let mut input = vec![b'z'; LINE_MAX + 3];
        input.extend_from_slice(b"\x08\x08\r");
        assert_eq!(entered(&input), [(true, "z".repeat(LINE_MAX))]);
        // Below the limit again, typing replaces what was erased.
        let mut input = vec![b'z'; LINE_MAX + 1];
        input.extend_from_slice(b"\x08\x08ab\r");
        let mut expected = "z".repeat(LINE_MAX - 1);
        expected.push('a');
        assert_eq!(entered(&input), [(true, expected)]);
    }
}
