//! The dump and its verifier: round trips through a decoded log, precise reports of the first
//! bad entry, and no panic on any input.

mod common;

use std::fmt::Write;

use common::*;
use ruvix_witness::{
    ChainError, DumpLine, DumpSummary, LineError, WitnessConfig, WitnessKind, WitnessLog,
    dump_lines, entry_hash, genesis_anchor, verify_dump, verify_dump_bytes,
};

/// The plain dump lines, no prefix.
fn plain(log: &WitnessLog) -> Vec<String> {
    dump_lines(log).map(|l| l.to_string()).collect()
}

fn join(lines: &[String]) -> String {
    lines.iter().fold(String::new(), |mut s, l| {
        s.push_str(l);
        s.push('\n');
        s
    })
}

fn assert_matches_log(summary: &DumpSummary, log: &WitnessLog) {
    assert_eq!(summary.entries.len(), log.len());
    assert_eq!(summary.dropped, log.dropped());
    assert_eq!(summary.anchor, log.anchor());
    assert_eq!(summary.head, log.head());
    assert_eq!(summary.counter_hz, log.counter_hz());
    assert_eq!(summary.hash_chain, log.config().hash_chain);
    for (v, e) in summary.entries.iter().zip(log.iter()) {
        assert_eq!(
            (v.seq, v.timestamp, v.kind, &v.payload[..], &v.hash),
            (e.seq(), e.timestamp(), e.kind(), e.payload(), e.hash())
        );
    }
}

#[test]
fn round_trip_through_a_decoded_log() {
    let log = sample_log(64, true);
    let text = decoded_log(&log);
    let summary = verify_dump(&text).unwrap();
    assert_matches_log(&summary, &log);
    assert_eq!(summary.dumps, 1);
    assert_eq!(summary.attestations.len(), 1);
    let record = summary.attestations[0];
    assert_eq!(record.seq, 5);
    assert_eq!(record.attestation, attestation(record.timestamp));
    assert_eq!(summary.anchor, genesis_anchor(PLATFORM));
    for entry in &summary.entries {
        entry.decoded().unwrap();
    }
    let shown = summary.to_string();
    assert!(shown.starts_with("witness log verified: 10 entries (seq 0..=9), 0 dropped"));
    assert!(
        shown.contains("attestation seq 5 at 0.000294 s: package=1111"),
        "{shown}"
    );
}

#[test]
fn prefixes_line_endings_and_colours_are_ignored() {
    let log = sample_log(64, true);
    let lines = plain(&log);
    let decorate: [fn(&str) -> String; 6] = [
        |l| l.to_string(),
        |l| format!("{l}\r"),
        |l| format!("INFO {l}"),
        |l| format!("0.123456 INFO {l}   \t"),
        |l| format!("\x1b[32mINFO\x1b[0m {l}\x1b[0m"),
        |l| format!("[00:00:01.5] witness: {l}\x1b[0m\r"),
    ];
    for f in decorate {
        let text: String = lines.iter().map(|l| f(l) + "\n").collect();
        let summary = verify_dump(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_matches_log(&summary, &log);
    }
    // No final line ending.
    let text = join(&lines);
    assert_matches_log(&verify_dump(text.trim_end()).unwrap(), &log);
}

#[test]
fn ring_wrap_no_chain_and_empty_logs_verify() {
    let config = |max_entries, hash_chain| WitnessConfig {
        max_entries,
        hash_chain,
    };
    for hash_chain in [true, false] {
        let mut log = WitnessLog::new(config(5, hash_chain), PLATFORM, FREQ).unwrap();
        let summary = verify_dump(&decoded_log(&log)).unwrap();
        assert_matches_log(&summary, &log);
        for i in 0..23u64 {
            log.append(i * 3, WitnessKind::Other(300), &i.to_be_bytes())
                .unwrap();
            let summary = verify_dump(&decoded_log(&log)).unwrap();
            assert_matches_log(&summary, &log);
        }
        assert_eq!(log.dropped(), 18);
        // The sample log wraps too.
        let log = sample_log(4, hash_chain);
        assert_matches_log(&verify_dump(&decoded_log(&log)).unwrap(), &log);
    }
}

#[test]
fn every_dump_in_the_text_is_checked_and_the_last_summarised() {
    let mut log = sample_log(64, true);
    let first = decoded_log(&log);
    log.append(99_999, WitnessKind::Boot, b"again").unwrap();
    let second = decoded_log(&log);
    let summary = verify_dump(&(first.clone() + &second)).unwrap();
    assert_eq!(summary.dumps, 2);
    assert_matches_log(&summary, &log);

    let bad_first = first.replacen("task-fault", "task-restart", 1);
    let err = verify_dump(&(bad_first + &second)).unwrap_err();
    assert!(
        matches!(err, ChainError::HashMismatch { index: 6, .. }),
        "{err}"
    );
}

#[test]
fn reports_name_the_first_bad_entry() {
    let log = sample_log(64, true);
    let lines = plain(&log);
    // lines[0] is the begin line: entry i is on line i + 2.

    // A payload byte of entry 7.
    let mut edited = lines.clone();
    edited[8] = edited[8].replacen(" 01000000", " 01000001", 1);
    assert_ne!(edited[8], lines[8]);
    let err = verify_dump(&join(&edited)).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("line 9: entry 7 (seq 7): hash mismatch: recorded "),
        "{shown}"
    );
    assert!(shown.contains(", recomputed "), "{shown}");

    // Entry 3 deleted.
    let mut edited = lines.clone();
    edited.remove(4);
    let err = verify_dump(&join(&edited)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 5: entry 3: sequence gap: expected 3, found 4"
    );

    // Entries 4 and 5 swapped.
    let mut edited = lines.clone();
    edited.swap(5, 6);
    let err = verify_dump(&join(&edited)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 6: entry 4: sequence gap: expected 4, found 5"
    );

    // The last entry deleted.
    let mut edited = lines.clone();
    edited.remove(10);
    let err = verify_dump(&join(&edited)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 11: end of dump: the begin line declares 10 entries, found 9"
    );

    // End line missing, begin line missing.
    let err = verify_dump(&join(&lines[..11])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing end line: the dump begun at line 1 is still open at the end of the input"
    );
    let err = verify_dump(&join(&lines[1..])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: `witness entry` line outside a dump (its begin line is missing or damaged)"
    );

    // A malformed line.
    let mut edited = lines.clone();
    edited[3] = edited[3].replacen(" capability-grant ", " capability-grant  ", 1);
    let err = verify_dump(&join(&edited)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed line 4: `witness entry` needs 5 space-separated fields, found 6"
    );

    // The begin line's frequency: only the seal covers it.
    let mut edited = lines.clone();
    edited[0] = edited[0].replacen("freq=19200000", "freq=19200001", 1);
    let err = verify_dump(&join(&edited)).unwrap_err();
    assert!(
        matches!(err, ChainError::SealMismatch { line: 12, .. }),
        "{err}"
    );

    assert_eq!(verify_dump("").unwrap_err(), ChainError::NoDump);
    assert_eq!(
        verify_dump("no dump here\nwitness log ready\n")
            .unwrap_err()
            .to_string(),
        "no witness dump found (no `witness begin` line)"
    );
}

#[test]
fn an_undecodable_attestation_with_a_valid_hash_is_reported() {
    let log = WitnessLog::new(
        WitnessConfig {
            max_entries: 4,
            hash_chain: true,
        },
        PLATFORM,
        FREQ,
    )
    .unwrap();
    let anchor = log.anchor();
    let payload = [9u8; 5];
    let hash = entry_hash(&anchor, 0, 10, WitnessKind::Attestation, &payload).unwrap();
    let hex = |b: &[u8]| ruvix_witness::HexBytes(b).to_string();
    let seal = ruvix_witness::dump_seal(true, FREQ, 0, 1, &anchor, &hash);
    let text = format!(
        "witness begin v1 entries=1 dropped=0 chain=1 freq={FREQ} anchor={}\n\
         witness entry 0 10 attestation {} {}\n\
         witness end head={} seal={}\n",
        hex(&anchor),
        hex(&payload),
        hex(&hash),
        hex(&hash),
        hex(&seal)
    );
    let err = verify_dump(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: entry 0 (seq 0): attestation payload must be 112 bytes long, found 5"
    );
}

/// Where a single-character edit of entry line `index` may be reported: on that line, at the
/// next entry (the edited line no longer reads as an entry, so its successor is out of
/// sequence), or at the end line when it was the last.
fn assert_reported_at_entry(err: &ChainError, index: usize, line: usize, end_line: usize) {
    let ok = match *err {
        ChainError::SequenceGap { index: i, .. } => i == index as u64,
        ChainError::CountMismatch { line: l, .. } => l == end_line,
        _ => err.line() == Some(line) && err.entry_index().is_none_or(|i| i == index as u64),
    };
    assert!(ok, "edit of entry {index} (line {line}) reported as: {err}");
}

/// Every single-character edit of every dump line (past its prefix) is detected, and an edit
/// of an entry is reported at that entry.
#[test]
fn every_single_character_edit_is_detected_where_it_is() {
    for hash_chain in [true, false] {
        let log = sample_log(64, hash_chain);
        let lines = plain(&log);
        let end_line = lines.len();
        let replacements = b"019afgA -=x\t\x1b";
        let mut checked = 0;
        for (n, line) in lines.iter().enumerate() {
            for pos in 0..line.len() {
                for &r in replacements {
                    let mut bytes = line.clone().into_bytes();
                    if bytes[pos] == r {
                        continue;
                    }
                    bytes[pos] = r;
                    let mut edited = lines.clone();
                    edited[n] = String::from_utf8(bytes).unwrap();
                    let text = join(&edited);
                    let err = match verify_dump(&text) {
                        Ok(_) => panic!("undetected edit of line {}:\n{}", n + 1, edited[n]),
                        Err(err) => err,
                    };
                    if n > 0 && n < end_line - 1 {
                        assert_reported_at_entry(&err, n - 1, n + 1, end_line);
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 20_000, "{checked}");
    }
}

#[test]
fn deleting_duplicating_or_swapping_lines_is_detected() {
    let log = sample_log(64, true);
    let lines = plain(&log);
    let entry_lines = 1..lines.len() - 1;
    for n in 0..lines.len() {
        let mut edited = lines.clone();
        edited.remove(n);
        let err = verify_dump(&join(&edited)).unwrap_err();
        if entry_lines.contains(&n) {
            assert_reported_at_entry(&err, n - 1, n + 1, lines.len() - 1);
        }

        let mut edited = lines.clone();
        edited.insert(n, lines[n].clone());
        let err = verify_dump(&join(&edited)).unwrap_err();
        if entry_lines.contains(&n) {
            // The copy is the first bad entry.
            assert!(
                matches!(err, ChainError::SequenceGap { index, .. } if index == n as u64),
                "{err}"
            );
        }

        for m in n + 1..lines.len() {
            let mut edited = lines.clone();
            edited.swap(n, m);
            let err = verify_dump(&join(&edited)).unwrap_err();
            if entry_lines.contains(&n) && entry_lines.contains(&m) {
                assert!(
                    matches!(err, ChainError::SequenceGap { index, .. } if index == n as u64 - 1),
                    "swap {n} {m}: {err}"
                );
            }
        }
    }
}

/// A few thousand random edits of a whole decoded log: never a panic, and whenever the text is
/// still accepted, it says exactly what the original said.
#[test]
fn random_mutations_never_panic_and_never_change_what_verifies() {
    let log = sample_log(8, true);
    let original = decoded_log(&log).into_bytes();
    let expected = verify_dump_bytes(&original).unwrap();
    let mut rng = Rng(0x5eed_f00d);
    let mut accepted = 0;
    for round in 0..6_000 {
        let mut text = original.clone();
        for _ in 0..1 + rng.index(3) {
            mutate(&mut rng, &mut text);
        }
        match verify_dump_bytes(&text) {
            Ok(summary) => {
                accepted += 1;
                assert_eq!(
                    (summary.head, content(&summary), summary.counter_hz),
                    (expected.head, content(&expected), expected.counter_hz),
                    "round {round}"
                );
                assert_eq!(
                    (summary.dropped, summary.anchor),
                    (expected.dropped, expected.anchor)
                );
            }
            Err(err) => {
                let _ = err.to_string();
            }
        }
    }
    // Edits of prefixes and unrelated lines are harmless; most edits are not.
    assert!(accepted < 3_000, "{accepted}");
}

/// Seq, timestamp, kind, payload, hash.
type Content = (u64, u64, WitnessKind, Vec<u8>, [u8; 32]);

/// What the entries say, without where they were found.
fn content(summary: &DumpSummary) -> Vec<Content> {
    summary
        .entries
        .iter()
        .map(|e| (e.seq, e.timestamp, e.kind, e.payload.clone(), e.hash))
        .collect()
}

fn mutate(rng: &mut Rng, text: &mut Vec<u8>) {
    if text.is_empty() {
        text.push(b'w');
        return;
    }
    let at = rng.index(text.len());
    match rng.index(7) {
        0 => text[at] ^= 1 << rng.index(8),
        1 => text[at] = rng.next_u64() as u8,
        2 => {
            text.remove(at);
        }
        3 => text.insert(at, b" 0a-\nwitness entry "[rng.index(19)]),
        4 => text.truncate(at),
        5 => {
            // Swap two lines.
            let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let (a, b) = (rng.index(lines.len()), rng.index(lines.len()));
            lines.swap(a, b);
            *text = lines.join(&b'\n');
        }
        _ => {
            let junk: Vec<u8> = (0..rng.index(40)).map(|_| rng.next_u64() as u8).collect();
            text.splice(at..at, junk);
        }
    }
}

/// Random text built from dump-like tokens: errors, never panics.
#[test]
fn garbage_is_an_error_not_a_panic() {
    let tokens: [&str; 16] = [
        "witness ",
        "begin ",
        "entry ",
        "end ",
        "v1 ",
        "entries=1 ",
        "dropped=0 ",
        "chain=1 ",
        "freq=5 ",
        "anchor=",
        "head=",
        "seal=",
        "0 ",
        "boot ",
        "-",
        "\n",
    ];
    let zero = "0".repeat(64);
    let mut rng = Rng(42);
    for _ in 0..5_000 {
        let mut text = String::new();
        for _ in 0..rng.index(60) {
            match rng.index(20) {
                0 => text.push_str(&zero),
                1 => write!(text, "{}", rng.next_u64()).unwrap(),
                2 => text.push(char::from(rng.next_u64() as u8 & 0x7f)),
                n => text.push_str(tokens[n % tokens.len()]),
            }
        }
        let _ = verify_dump(&text)
            .map(|s| s.to_string())
            .map_err(|e| e.to_string());
    }
    // Huge numbers and lengths.
    let text = format!(
        "witness begin v1 entries=18446744073709551615 dropped=18446744073709551615 chain=0 \
         freq=0 anchor={zero}\nwitness entry 18446744073709551615 1 boot - {zero}\n\
         witness entry 18446744073709551616 1 boot - {zero}\n"
    );
    assert!(verify_dump(&text).is_err());
    let long_payload = "ab".repeat(193);
    let text = format!(
        "witness begin v1 entries=1 dropped=0 chain=0 freq=0 anchor={zero}\n\
         witness entry 0 1 boot {long_payload} {zero}\n"
    );
    assert_eq!(
        verify_dump(&text).unwrap_err(),
        ChainError::Malformed {
            line: 2,
            reason: LineError::PayloadTooLong { len: 193 }
        }
    );
}

#[test]
fn dump_line_display_matches_the_documented_format() {
    let mut log = WitnessLog::new(
        WitnessConfig {
            max_entries: 2,
            hash_chain: true,
        },
        0,
        54_000_000,
    )
    .unwrap();
    log.append(
        5,
        WitnessKind::TaskFault,
        &[1, 0, 2, 0, 3, 0, 0, 0, 1, 0, 0, 0],
    )
    .unwrap();
    let lines: Vec<DumpLine<'_>> = dump_lines(&log).collect();
    assert_eq!(lines.len(), 3);
    let shown: Vec<String> = lines.iter().map(ToString::to_string).collect();
    let anchor = ruvix_witness::HexBytes(&genesis_anchor(0)).to_string();
    assert_eq!(
        shown[0],
        format!("witness begin v1 entries=1 dropped=0 chain=1 freq=54000000 anchor={anchor}")
    );
    let head = ruvix_witness::HexBytes(&log.head()).to_string();
    assert_eq!(
        shown[1],
        format!("witness entry 0 5 task-fault 010002000300000001000000 {head}")
    );
    assert!(shown[2].starts_with(&format!("witness end head={head} seal=")));
    println!("{}", shown.join("\n"));
}
