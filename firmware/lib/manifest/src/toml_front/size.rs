//! Sizes in the TOML file: an integer number of bytes, or a string such as `"4 KiB"`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Size(pub u64);

/// Parses `"<digits>[ ]<unit>"` with unit `B`, `KiB`, `MiB` or `GiB` (or none: bytes).
pub(super) fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return None;
    }
    let number: u64 = digits.parse().ok()?;
    let scale: u64 = match unit.trim_start() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(scale)
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SizeVisitor)
    }
}

struct SizeVisitor;

impl Visitor<'_> for SizeVisitor {
    type Value = Size;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a size: an integer number of bytes or a string like \"4 KiB\"")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Size, E> {
        Ok(Size(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Size, E> {
        u64::try_from(value)
            .map(Size)
            .map_err(|_| E::custom(format_args!("size {value} is negative")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Size, E> {
        parse_size(value).map(Size).ok_or_else(|| {
            E::custom(format_args!(
                "invalid size \"{value}\": write an integer number of bytes or a string like \
                 \"4 KiB\" (units B, KiB, MiB, GiB)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("4 KiB"), Some(4096));
        assert_eq!(parse_size("4KiB"), Some(4096));
        assert_eq!(parse_size(" 2 MiB "), Some(2 << 20));
        assert_eq!(parse_size("1 GiB"), Some(1 << 30));
        assert_eq!(parse_size("12 B"), Some(12));
        assert_eq!(parse_size("4 KB"), None);
        assert_eq!(parse_size("KiB"), None);
        assert_eq!(parse_size("-4 KiB"), None);
        assert_eq!(parse_size("99999999999999999999 GiB"), None);
        assert_eq!(parse_size("18446744073709551615 GiB"), None);
    }
}
