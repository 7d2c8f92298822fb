//! CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib and PNG use), one table
//! lookup per byte.

/// The byte-at-a-time table, computed at compile time (the same 1 KiB in every build).
const TABLE: [u32; 256] = table();

const fn table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                0xedb8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

fn step(crc: u32, byte: u8) -> u32 {
    TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8)
}

/// The CRC-32 of `bytes`.
pub fn of_bytes(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0, |crc, &byte| step(crc, byte))
}

/// The CRC-32 of `words` laid out little-endian (the bytes of the words in memory on both
/// aarch64 and wasm32).
pub fn of_words(words: &[u32]) -> u32 {
    !words.iter().fold(!0, |crc, word| {
        word.to_le_bytes()
            .iter()
            .fold(crc, |crc, &byte| step(crc, byte))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(of_bytes(b"123456789"), 0xcbf4_3926);
        assert_eq!(of_bytes(b""), 0);
        // zlib's crc32(b"The quick brown fox jumps over the lazy dog").
        assert_eq!(
            of_bytes(b"The quick brown fox jumps over the lazy dog"),
            0x414f_a339
        );
    }

    #[test]
    fn words_are_their_little_endian_bytes() {
        let words = [0x3433_3231, 0x3837_3635];
        assert_eq!(of_words(&words), of_bytes(b"12345678"));
    }
}
