//! POSIX shell quoting, so the command lines we print can be pasted into a shell as they are.

use std::borrow::Cow;
use std::ffi::OsStr;

/// Quotes one word for a POSIX shell; words made only of harmless characters stay bare.
pub fn quote(word: &str) -> Cow<'_, str> {
    let harmless = |c: char| c.is_ascii_alphanumeric() || "_-./=:,@%+".contains(c);
    if !word.is_empty() && word.chars().all(harmless) {
        Cow::Borrowed(word)
    } else {
        // Inside single quotes nothing is special except the quote itself: close, escape, reopen.
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// Quotes and joins a program and its arguments into one shell command.
pub fn join<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    words
        .into_iter()
        .map(|w| quote(&w.as_ref().to_string_lossy()).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{join, quote};

    #[test]
    fn bare_words_stay_bare() {
        assert_eq!(quote("-semihosting-config"), "-semihosting-config");
        assert_eq!(
            quote("enable=on,target=native,arg=kernel"),
            "enable=on,target=native,arg=kernel"
        );
        assert_eq!(
            quote("/tmp/t/images/rpi3/kernel8.img"),
            "/tmp/t/images/rpi3/kernel8.img"
        );
    }

    #[test]
    fn special_words_are_quoted() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote("{L:1} {s}"), "'{L:1} {s}'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn join_words() {
        assert_eq!(
            join(["gdb", "-ex", "target remote :1234"]),
            "gdb -ex 'target remote :1234'"
        );
    }
}
