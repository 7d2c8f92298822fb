//! A text-parsing kernel: `key = value` lines with `#` comments, as a small configuration
//! file. The parser counts pairs and comments, sums the (signed decimal) values and hashes the
//! keys; a line it cannot read is counted as malformed and skipped.

use crate::{XorShift32, fold};

/// What [`parse`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub pairs: u32,
    pub comments: u32,
    pub malformed: u32,
    /// The values' sum, wrapping.
    pub sum: i32,
    /// FNV-1a over every key's bytes, in order.
    pub key_hash: u32,
}

impl Summary {
    pub fn checksum(&self) -> u32 {
        fold([
            self.pairs,
            self.comments,
            self.malformed,
            self.sum as u32,
            self.key_hash,
        ])
    }
}

/// A read position in the text.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_while(&mut self, wanted: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&wanted) {
            self.at += 1;
        }
    }

    /// Past the end of this line (its newline included).
    fn skip_line(&mut self) {
        self.skip_while(|b| b != b'\n');
        self.at += 1;
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Reads every line of `text`.
pub fn parse(text: &[u8]) -> Summary {
    let mut summary = Summary {
        key_hash: fold([]),
        ..Summary::default()
    };
    let mut cursor = Cursor { text, at: 0 };
    loop {
        cursor.skip_while(|b| is_blank(b) || b == b'\n' || b == b'\r');
        let Some(first) = cursor.peek() else {
            return summary;
        };
        if first == b'#' {
            summary.comments += 1;
            cursor.skip_line();
            continue;
        }
        match pair(&mut cursor) {
            Some((key, value)) => {
                summary.pairs += 1;
                summary.sum = summary.sum.wrapping_add(value);
                summary.key_hash = key.iter().fold(summary.key_hash, |hash, &b| {
                    (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
                });
            }
            None => summary.malformed += 1,
        }
        cursor.skip_line();
    }
}

/// `key = value` from the cursor (at a non-blank byte) to the end of the value.
fn pair<'a>(cursor: &mut Cursor<'a>) -> Option<(&'a [u8], i32)> {
    let start = cursor.at;
    cursor.skip_while(is_key_byte);
    let key = cursor.text.get(start..cursor.at)?;
    if key.is_empty() {
        return None;
    }
    cursor.skip_while(is_blank);
    if cursor.peek()? != b'=' {
        return None;
    }
    cursor.at += 1;
    cursor.skip_while(is_blank);
    let negative = cursor.peek() == Some(b'-');
    if negative {
        cursor.at += 1;
    }
    let mut value = 0i32;
    let mut digits = 0;
    while let Some(digit) = cursor.peek().filter(u8::is_ascii_digit) {
        value = value.wrapping_mul(10).wrapping_add(i32::from(digit - b'0'));
        digits += 1;
        cursor.at += 1;
    }
    cursor.skip_while(|b| is_blank(b) || b == b'\r');
    let line_ends = matches!(cursor.peek(), None | Some(b'\n'));
    if digits == 0 || !line_ends {
        return None;
    }
    Some((
        key,
        if negative {
            value.wrapping_neg()
        } else {
            value
        },
    ))
}

/// What [`generate`] wrote: its length and what a parser must find in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generated {
    pub len: usize,
    pub pairs: u32,
    pub comments: u32,
    pub sum: i32,
}

/// Appends bytes to a buffer; refuses (and writes nothing) what does not fit.
struct Writer<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn push(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.len.checked_add(bytes.len())?;
        self.out.get_mut(self.len..end)?.copy_from_slice(bytes);
        self.len = end;
        Some(())
    }
}

/// `value` in decimal, with a `-` if negative, into `digits`; returns the text.
fn decimal(value: i32, digits: &mut [u8; 12]) -> &[u8] {
    let mut rest = value.unsigned_abs();
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        digits[start] = b'-';
    }
    &digits[start..]
}

const KEYS: [&[u8]; 8] = [
    b"sensor.temperature",
    b"sensor.humidity",
    b"filter_window",
    b"sink.batch",
    b"uart0.baud",
    b"gpio17",
    b"retry_limit",
    b"x",
];

/// Fills `out` with whole lines of deterministic configuration text from `seed`: mostly
/// `key = value` (varying spacing, keys with an index, values −50,000 ..= 49,999), now and
/// then a comment.
pub fn generate(out: &mut [u8], seed: u32) -> Generated {
    let mut rng = XorShift32::new(seed);
    let mut writer = Writer { out, len: 0 };
    let mut generated = Generated {
        len: 0,
        pairs: 0,
        comments: 0,
        sum: 0,
    };
    let mut line = [0u8; 64];
    loop {
        let mut text = Writer {
            out: &mut line,
            len: 0,
        };
        let r = rng.next_u32();
        let value = (rng.next_u32() % 100_000) as i32 - 50_000;
        let mut digits = [0u8; 12];
        let comment = r.is_multiple_of(8);
        let written = if comment {
            text.push(b"# calibrated at ")
                .and_then(|()| text.push(decimal(value, &mut digits)))
        } else {
            let key = KEYS[(r >> 3) as usize % KEYS.len()];
            let spaces: &[u8] = [b"=".as_slice(), b" = ", b"\t= ", b"  =  "][(r >> 8) as usize % 4];
            let mut index = [0u8; 12];
            text.push(key)
                .and_then(|()| text.push(decimal((r >> 16) as i32 % 100, &mut index)))
                .and_then(|()| text.push(spaces))
                .and_then(|()| text.push(decimal(value, &mut digits)))
        };
        let length = text.len;
        let fits = written
            .and_then(|()| line.get(..length))
            .and_then(|body| writer.push(body).and_then(|()| writer.push(b"\n")));
        if fits.is_none() {
            generated.len = writer.len;
            return generated;
        }
        if comment {
            generated.comments += 1;
        } else {
            generated.pairs += 1;
            generated.sum = generated.sum.wrapping_add(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_written_file() {
        let text = b"alpha = 12\n# note = 100\nbeta=-30\n  gamma\t=7  \r\nbad line\n=5\ndelta = 4x\nlast=1";
        let summary = parse(text);
        assert_eq!(summary.pairs, 4);
        assert_eq!(summary.comments, 1);
        assert_eq!(summary.malformed, 3);
        assert_eq!(summary.sum, 12 - 30 + 7 + 1);
        let mut keys = fold([]);
        for b in b"alphabetagammalast" {
            keys = (keys ^ u32::from(*b)).wrapping_mul(0x0100_0193);
        }
        assert_eq!(summary.key_hash, keys);
    }

    #[test]
    fn empty_text() {
        assert_eq!(parse(b"").pairs, 0);
        assert_eq!(parse(b"\n\n  \n").malformed, 0);
    }

    #[test]
    fn numbers_print_as_decimal() {
        let mut digits = [0u8; 12];
        assert_eq!(decimal(0, &mut digits), b"0");
        assert_eq!(decimal(-49_999, &mut digits), b"-49999");
        assert_eq!(decimal(i32::MIN, &mut digits), b"-2147483648");
    }

    #[test]
    fn a_line_that_does_not_fit_is_left_out() {
        let mut out = [0u8; 10];
        let generated = generate(&mut out, 1);
        assert!(generated.len <= 10);
        assert_eq!(parse(&out[..generated.len]).malformed, 0);
    }
}
