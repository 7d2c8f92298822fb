//! The result of one QEMU run, and assertions on it that print the whole log when they fail.

use std::fmt;
use std::time::Duration;

/// What one QEMU run produced.
///
/// Lines are decoded, ANSI-free and without line terminators. With [`crate::Decoder::Plain`]
/// (the test default) a log line reads `LEVEL message` (`INFO stage 0: hardware ok`);
/// a `defmt::println!` line is just the message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Decoded log lines, in order.
    pub lines: Vec<String>,
    /// QEMU's exit status: the guest's semihosting `SYS_EXIT` code, `None` if QEMU was killed
    /// (timeout, or [`crate::Qemu::run_until`] stopped it).
    pub exit_code: Option<i32>,
    /// The deadline passed and QEMU was killed.
    pub timed_out: bool,
    /// The `run_until` predicate matched a line and QEMU was stopped there.
    pub stopped: bool,
    /// Wall time from spawning QEMU to the end of the run.
    pub elapsed: Duration,
    /// Everything QEMU wrote to stderr (its own warnings and errors, `-d` traces).
    pub qemu_stderr: String,
    /// Everything the decoder wrote to stderr (e.g. malformed-frame complaints).
    pub decoder_stderr: String,
    /// The shell command equivalent to the run, for reproducing it by hand.
    pub command: String,
}

impl Outcome {
    /// Whether any line contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.find(needle).is_some()
    }

    /// The first line containing `needle`.
    pub fn find(&self, needle: &str) -> Option<&str> {
        self.lines
            .iter()
            .find(|l| l.contains(needle))
            .map(String::as_str)
    }

    /// The ticks the kernel's scheduler charged to `component`, from the statistics line
    /// `stats: component <name>: <ticks> ticks used, …`, if the run printed one.
    pub fn component_ticks(&self, component: &str) -> Option<u64> {
        let marker = format!("stats: component {component}: ");
        number_after(self.find(&marker)?, &marker)
    }

    /// The first line containing `needle`, or an error that shows the whole run.
    pub fn expect_line(&self, needle: &str) -> Result<&str, String> {
        self.find(needle)
            .ok_or_else(|| self.failure(&format!("no line contains {needle:?}")))
    }

    /// Checks that no line contains `needle`.
    pub fn expect_no_line(&self, needle: &str) -> Result<(), String> {
        match self.find(needle) {
            None => Ok(()),
            Some(line) => Err(self.failure(&format!(
                "a line contains {needle:?} but should not: {line:?}"
            ))),
        }
    }

    /// Checks that lines containing each needle appear in this order (other lines may come
    /// between them); returns the matched lines.
    pub fn expect_in_order(&self, needles: &[&str]) -> Result<Vec<&str>, String> {
        let mut found = Vec::with_capacity(needles.len());
        let mut rest = self.lines.iter();
        for needle in needles {
            match rest.find(|l| l.contains(needle)) {
                Some(line) => found.push(line.as_str()),
                None => {
                    return Err(self.failure(&format!(
                        "no line contains {needle:?} after the lines matched so far {found:?}"
                    )));
                }
            }
        }
        Ok(found)
    }

    /// Checks that QEMU exited by itself with `code` (not timed out, not killed).
    pub fn check_exit(&self, code: i32) -> Result<(), String> {
        if self.timed_out {
            return Err(self.failure(&format!("expected exit code {code}, but QEMU timed out")));
        }
        match self.exit_code {
            Some(c) if c == code => Ok(()),
            Some(c) => Err(self.failure(&format!("expected exit code {code}, got {c}"))),
            None => Err(self.failure(&format!(
                "expected exit code {code}, but QEMU was killed{}",
                if self.stopped {
                    " (run_until stopped it)"
                } else {
                    ""
                }
            ))),
        }
    }

    /// Panics with the whole run unless QEMU exited by itself with `code`.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) {
        if let Err(e) = self.check_exit(code) {
            panic!("{e}");
        }
    }

    /// Panics with the whole run unless a line contains `needle`; returns that line.
    #[track_caller]
    pub fn assert_line(&self, needle: &str) -> &str {
        match self.expect_line(needle) {
            Ok(line) => line,
            Err(e) => panic!("{e}"),
        }
    }

    /// The decoded log as one string, a line per line.
    pub fn log(&self) -> String {
        let mut s = self.lines.join("\n");
        if !s.is_empty() {
            s.push('\n');
        }
        s
    }

    /// `what` followed by the full report: the message is all a failing test needs.
    fn failure(&self, what: &str) -> String {
        format!("{what}\n{self}")
    }
}

/// The full report: command, status, every decoded line, and both stderr streams.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match (self.timed_out, self.stopped, self.exit_code) {
            (true, _, _) => "timed out (killed)".to_owned(),
            (_, true, _) => "stopped by run_until (killed)".to_owned(),
            (_, _, Some(c)) => format!("exit code {c}"),
            (_, _, None) => "killed by a signal".to_owned(),
        };
        writeln!(f, "---- qemu run: {status} after {:.2?}", self.elapsed)?;
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "---- decoded log ({} lines)", self.lines.len())?;
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        for (name, text) in [
            ("qemu stderr", &self.qemu_stderr),
            ("decoder stderr", &self.decoder_stderr),
        ] {
            if !text.trim().is_empty() {
                writeln!(f, "---- {name}")?;
                writeln!(f, "{}", text.trim_end())?;
            }
        }
        write!(f, "----")
    }
}

/// The decimal number that follows `marker` in `line` (`"in 31250000 cycles"`, `" in "` →
/// 31250000), if there is one.
pub fn number_after(line: &str, marker: &str) -> Option<u64> {
    let rest = line.split_once(marker)?.1.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(lines: &[&str], exit_code: Option<i32>) -> Outcome {
        Outcome {
            lines: lines.iter().map(|s| s.to_string()).collect(),
            exit_code,
            command: "qemu-system-aarch64 -M raspi3b | defmt-print -e kernel.elf".into(),
            qemu_stderr: "qemu: warning: something\n".into(),
            ..Outcome::default()
        }
    }

    #[test]
    fn finding_lines() {
        let o = outcome(
            &["INFO stage 0", "INFO stage 1: verified", "WARN late"],
            Some(0),
        );
        assert!(o.contains("stage 1"));
        assert!(!o.contains("stage 9"));
        assert_eq!(o.expect_line("verified"), Ok("INFO stage 1: verified"));
        assert_eq!(o.assert_line("WARN"), "WARN late");
        assert!(o.expect_no_line("ERROR").is_ok());
        assert_eq!(o.log(), "INFO stage 0\nINFO stage 1: verified\nWARN late\n");
    }

    #[test]
    fn failures_show_the_whole_run() {
        let o = outcome(&["INFO stage 0", "ERROR boom"], Some(3));
        let err = o.expect_line("stage 4").unwrap_err();
        assert!(err.starts_with("no line contains \"stage 4\""), "{err}");
        assert!(err.contains("INFO stage 0\nERROR boom\n"), "{err}");
        assert!(err.contains("exit code 3"), "{err}");
        assert!(err.contains("qemu: warning: something"), "{err}");
        assert!(
            err.contains("command: qemu-system-aarch64 -M raspi3b"),
            "{err}"
        );
        let err = o.expect_no_line("ERROR").unwrap_err();
        assert!(err.contains("\"ERROR boom\""), "{err}");
    }

    #[test]
    fn order() {
        let o = outcome(&["a1", "b", "a2", "c"], Some(0));
        assert_eq!(
            o.expect_in_order(&["a", "a", "c"]),
            Ok(vec!["a1", "a2", "c"])
        );
        assert!(o.expect_in_order(&["c", "b"]).is_err());
        assert_eq!(o.expect_in_order(&[]), Ok(vec![]));
    }

    #[test]
    fn exit_codes() {
        assert!(outcome(&[], Some(0)).check_exit(0).is_ok());
        let err = outcome(&[], Some(2)).check_exit(0).unwrap_err();
        assert!(err.starts_with("expected exit code 0, got 2"), "{err}");
        let err = outcome(&[], None).check_exit(0).unwrap_err();
        assert!(err.contains("killed"), "{err}");

        let timed_out = Outcome {
            timed_out: true,
            ..outcome(&["INFO waiting"], None)
        };
        let err = timed_out.check_exit(0).unwrap_err();
        assert!(
            err.starts_with("expected exit code 0, but QEMU timed out"),
            "{err}"
        );
        assert!(err.contains("timed out (killed)"), "{err}");
        assert!(err.contains("INFO waiting"), "{err}");
    }

    #[test]
    #[should_panic(expected = "expected exit code 0, got 1")]
    fn assert_exit_panics() {
        outcome(&["ERROR nope"], Some(1)).assert_exit(0);
    }

    #[test]
    #[should_panic(expected = "no line contains \"hello\"")]
    fn assert_line_panics() {
        outcome(&["INFO bye"], Some(0)).assert_line("hello");
    }
}
