//! Log lines assembled in a fixed buffer: no heap, no `core::fmt`.

use crate::{Level, log};

/// A log line being built; longer text is cut (at a character boundary) at [`Line::CAPACITY`].
///
/// ```ignore
/// Line::new("sink: ").u64(count).str(" messages").info();
/// ```
#[derive(Clone)]
pub struct Line {
    buffer: [u8; Self::CAPACITY],
    length: usize,
}

impl Line {
    /// The longest line in bytes.
    pub const CAPACITY: usize = 200;

    /// A line starting with `text`.
    pub fn new(text: &str) -> Self {
        Self {
            buffer: [0; Self::CAPACITY],
            length: 0,
        }
        .str(text)
    }

    /// Appends `text`.
    pub fn str(mut self, text: &str) -> Self {
        let mut take = text.len().min(Self::CAPACITY - self.length);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.buffer[self.length..self.length + take].copy_from_slice(&text.as_bytes()[..take]);
        self.length += take;
        self
    }

    /// Appends `value` in decimal.
    pub fn u64(self, mut value: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.ascii(&digits[start..])
    }

    /// Appends `value` as `0x` and 8 hex digits.
    pub fn hex32(self, value: u32) -> Self {
        let mut digits = *b"0x00000000";
        for (i, digit) in digits[2..].iter_mut().enumerate() {
            let nibble = (value >> (28 - 4 * i)) & 0xf;
            *digit = b"0123456789abcdef"[nibble as usize];
        }
        self.ascii(&digits)
    }

    /// Appends ASCII bytes.
    fn ascii(self, bytes: &[u8]) -> Self {
        self.str(core::str::from_utf8(bytes).unwrap_or("?"))
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        // Only whole UTF-8 sequences are ever appended, so this cannot fail.
        core::str::from_utf8(&self.buffer[..self.length]).unwrap_or("")
    }

    /// Writes the line to the log at `level`. A component without the `log` grant is refused;
    /// there is nowhere to report that, so it is ignored.
    pub fn write(&self, level: Level) {
        let _ = log::write(level, self.as_str());
    }

    /// Writes the line at level info.
    pub fn info(&self) {
        self.write(Level::Info);
    }

    /// Writes the line at level warn.
    pub fn warn(&self) {
        self.write(Level::Warn);
    }

    /// Writes the line at level error.
    pub fn error(&self) {
        self.write(Level::Error);
    }

    /// Writes the line at level error and traps.
    pub fn fail(&self) -> ! {
        self.error();
        crate::trap()
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn numbers_and_text() {
        let line = Line::new("sink: ")
            .u64(0)
            .str(" ")
            .u64(10_000)
            .str(" ")
            .u64(u64::MAX)
            .str(" ")
            .hex32(0x0000_0208);
        assert_eq!(
            line.as_str(),
            "sink: 0 10000 18446744073709551615 0x00000208"
        );
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let line = Line::new(&"a".repeat(Line::CAPACITY - 1)).str("é");
        assert_eq!(line.as_str().len(), Line::CAPACITY - 1);
        let line = line.str("b");
        assert_eq!(line.as_str().len(), Line::CAPACITY);
    }
}
