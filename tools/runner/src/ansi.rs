//! Removing terminal escape sequences, so decoded lines compare as plain text.

/// Returns `s` without ANSI escape sequences (CSI such as colours `ESC [ 1;31 m`, OSC such as
/// hyperlinks `ESC ] … BEL`, and two-byte `ESC x` sequences) and without carriage returns.
///
/// defmt-print colours the level when it thinks it writes to a terminal (or when
/// `CLICOLOR_FORCE` is set in the environment the tests inherit); assertions must not depend
/// on that.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates (0x20..=0x3f), then one final byte 0x40..=0x7e.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: ends with BEL or with ST (`ESC \`).
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                // Any other escape is two characters long (e.g. `ESC c`, `ESC (`…); drop both.
                Some(_) | None => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(strip_ansi("INFO boot ok: 4 cores"), "INFO boot ok: 4 cores");
        assert_eq!(strip_ansi(""), "");
        assert_eq!(strip_ansi("ünïcödé → ok"), "ünïcödé → ok");
    }

    #[test]
    fn colours_and_styles_are_removed() {
        assert_eq!(strip_ansi("\u{1b}[32mINFO \u{1b}[0m hello"), "INFO  hello");
        assert_eq!(
            strip_ansi("\u{1b}[1;31mERROR\u{1b}[0m \u{1b}[2mdim\u{1b}[0m"),
            "ERROR dim"
        );
        assert_eq!(strip_ansi("\u{1b}[38;5;196mred\u{1b}[m"), "red");
    }

    #[test]
    fn osc_two_byte_escapes_and_cr_are_removed() {
        assert_eq!(
            strip_ansi("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{1b}\\ end"),
            "link end"
        );
        assert_eq!(strip_ansi("a\u{1b}cb"), "ab");
        assert_eq!(strip_ansi("line\r"), "line");
        // A lone escape at the end must not panic or eat earlier text.
        assert_eq!(strip_ansi("tail\u{1b}"), "tail");
        assert_eq!(strip_ansi("tail\u{1b}["), "tail");
    }
}
