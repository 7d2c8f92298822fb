//! The container: round trip, one crafted input per error variant (with its message), flipped
//! bytes and truncation.

mod common;

use common::*;
use ruvix_rvf::{
    FormatError, HEADER_LEN, MAGIC, NameProblem, PUBLIC_KEY_LEN, Package, PackageBuilder,
    SECTION_ALIGN, SIGNATURE_LEN, SectionKind, SectionLabel, SigningKey, VerifyError,
};

fn parse_err(bytes: &[u8]) -> FormatError {
    Package::parse(bytes).expect_err("the package should be rejected")
}

fn verify_err(bytes: &[u8]) -> VerifyError {
    Package::parse(bytes)
        .expect("the structure is fine")
        .verify_with(trusted())
        .expect_err("verification should fail")
}

/// A copy of the sample to edit.
fn sample_mut() -> Vec<u8> {
    sample().to_vec()
}

#[test]
fn round_trip() {
    let package = Package::parse(sample()).unwrap();
    let verified = package.verify(key().public_key().as_bytes()).unwrap();
    assert_eq!(verified.manifest(), MANIFEST);
    let components: Vec<_> = verified.components().collect();
    assert_eq!(components.len(), 2);
    assert_eq!(verified.component_count(), 2);
    assert_eq!(components[0].name.as_str(), "sensor");
    assert_eq!(components[0].wasm, SENSOR);
    assert_eq!(components[1].name.as_str(), "logger");
    assert_eq!(components[1].wasm, LOGGER);
    assert_eq!(verified.component("logger").unwrap().wasm, LOGGER);
    assert!(verified.component("nobody").is_none());
    assert_eq!(verified.header().key_id, key().public_key().id());
    assert_eq!(verified.signature().len(), SIGNATURE_LEN);
    assert_eq!(ruvix_rvf::package_len(sample()).unwrap(), sample().len());
    for section in verified.sections() {
        assert_eq!(section.offset % SECTION_ALIGN, 0);
        assert!(section.hash_matches().0);
    }
    assert_eq!(verified.section(0).unwrap().kind, SectionKind::Manifest);
    assert_eq!(verified.section(0).unwrap().label(), SectionLabel::Manifest);
    assert!(verified.section(3).is_none());
}

#[test]
fn packing_is_deterministic() {
    assert_eq!(build_with(key()), sample());
}

#[test]
fn empty_package_round_trips() {
    let bytes = PackageBuilder::new(&[]).build(key()).unwrap();
    let package = Package::parse(&bytes)
        .unwrap()
        .verify_with(trusted())
        .unwrap();
    assert_eq!(package.manifest(), b"");
    assert_eq!(package.components().count(), 0);
}

#[test]
fn builder_rejects_bad_names() {
    let mut builder = PackageBuilder::new(MANIFEST);
    builder.component("a", SENSOR).unwrap();
    let err = builder.component("a", SENSOR).unwrap_err();
    assert_eq!(err.to_string(), "two components are named \"a\"");
    let err = builder.component("", SENSOR).unwrap_err();
    assert_eq!(err.to_string(), "component name \"\": the name is empty");
    let long = "x".repeat(33);
    let err = builder.component(&long, SENSOR).unwrap_err();
    assert!(
        err.to_string().contains("33 bytes long; at most 32 fit"),
        "{err}"
    );
    let err = builder.component("a\0b", SENSOR).unwrap_err();
    assert!(err.to_string().contains("zero byte"), "{err}");
}

// ---- every FormatError variant, with its message ----

#[test]
fn bad_magic() {
    let mut bytes = sample_mut();
    bytes[0] = b'X';
    let err = parse_err(&bytes);
    assert!(matches!(err, FormatError::BadMagic { len: 8, .. }));
    assert_eq!(
        err.to_string(),
        "bad magic: expected \"RUVIXRVF\" (5255564958525646), found 5855564958525646 — not an \
         RVF package"
    );
    // Even a short input that starts wrongly is "not an RVF package", not "truncated".
    assert!(matches!(
        parse_err(b"PK\x03"),
        FormatError::BadMagic { len: 3, .. }
    ));
    assert!(matches!(
        parse_err(b""),
        FormatError::HeaderTruncated { len: 0 }
    ));
}

#[test]
fn unsupported_version() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, H_VERSION, 3);
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::UnsupportedVersion { found: 3 });
    assert_eq!(
        err.to_string(),
        "unsupported format version 3 (this build reads version 1)"
    );
    // Reported as soon as the version field is there, even if the rest is missing.
    assert_eq!(
        parse_err(&bytes[..12]),
        FormatError::UnsupportedVersion { found: 3 }
    );
}

#[test]
fn header_truncated() {
    let err = parse_err(&sample()[..20]);
    assert_eq!(err, FormatError::HeaderTruncated { len: 20 });
    assert_eq!(
        err.to_string(),
        "truncated: the package is 20 bytes, shorter than its 64-byte header"
    );
}

#[test]
fn unknown_flags() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, H_FLAGS, 4);
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::UnknownFlags { flags: 4 });
    assert_eq!(
        err.to_string(),
        "unknown header flags 0x0004 (format version 1 defines none)"
    );
}

#[test]
fn unsupported_signature_algorithm() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, H_SIG_ALG, 2);
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::UnsupportedSignatureAlgorithm { found: 2 });
    assert_eq!(
        err.to_string(),
        "unsupported signature algorithm 2 (this build knows 1 = ML-DSA-65)"
    );
}

#[test]
fn header_reserved_not_zero() {
    let mut bytes = sample_mut();
    bytes[60] = 1;
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::HeaderReservedNotZero { offset: 60 });
    assert_eq!(
        err.to_string(),
        "reserved header byte at offset 60 is not zero"
    );
}

#[test]
fn truncated() {
    let len = sample().len();
    let err = parse_err(&sample()[..len - 1]);
    assert_eq!(
        err,
        FormatError::Truncated {
            expected: len as u64,
            len: len - 1
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "truncated: the header says the package is {len} bytes but only {} are present",
            len - 1
        )
    );
}

#[test]
fn trailing_bytes() {
    let mut bytes = sample_mut();
    bytes.extend_from_slice(&[0, 0]);
    let err = parse_err(&bytes);
    assert!(matches!(err, FormatError::TrailingBytes { .. }));
    assert!(
        err.to_string()
            .starts_with("2 unexpected bytes after the end of the package")
    );
}

#[test]
fn bad_signature_offset() {
    let mut bytes = sample_mut();
    let offset = get_u32(&bytes, H_SIGNATURE_OFFSET);
    put_u32(&mut bytes, H_SIGNATURE_OFFSET, offset - 16);
    let err = parse_err(&bytes);
    assert!(matches!(err, FormatError::BadSignatureOffset { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "the 3309-byte signature at offset {} does not end the {}-byte package",
            offset - 16,
            bytes.len()
        )
    );
}

#[test]
fn too_many_sections() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, H_SECTION_COUNT, 300);
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::TooManySections { count: 300 });
    assert_eq!(
        err.to_string(),
        "300 sections; a package may have at most 256"
    );
}

#[test]
fn section_table_truncated() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, H_SECTION_COUNT, 200);
    let err = parse_err(&bytes);
    assert!(matches!(
        err,
        FormatError::SectionTableTruncated { count: 200, .. }
    ));
    let end = get_u32(&bytes, H_SIGNATURE_OFFSET);
    assert_eq!(
        err.to_string(),
        format!(
            "truncated: the section table (200 entries) ends at byte {} but the signed part of \
             the package ends at byte {end}",
            HEADER_LEN + 200 * 80
        )
    );
}

#[test]
fn unknown_section_kind() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, entry(1) + S_KIND, 7);
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::UnknownSectionKind { index: 1, kind: 7 });
    assert_eq!(err.to_string(), "section 1: unknown section kind 7");
}

#[test]
fn section_reserved_not_zero() {
    for at in [S_FLAGS, S_RESERVED] {
        let mut bytes = sample_mut();
        bytes[entry(2) + at] = 1;
        let err = parse_err(&bytes);
        assert_eq!(err, FormatError::SectionReservedNotZero { index: 2 });
        assert_eq!(
            err.to_string(),
            "section 2: flags or reserved bytes are not zero"
        );
    }
}

#[test]
fn bad_names() {
    let cases: [(&[u8], usize, NameProblem, &str); 4] = [
        (b"\0", 1, NameProblem::Empty, "section 1: the name is empty"),
        (
            b"ab\0c",
            1,
            NameProblem::BadPadding,
            "section 1: the name field has bytes after its terminating zero",
        ),
        (
            b"\xff\xfe",
            1,
            NameProblem::NotUtf8,
            "section 1: the name is not valid UTF-8",
        ),
        (
            b"m",
            0,
            NameProblem::ManifestNamed,
            "section 0: a manifest section has no name, but its name field is not zero",
        ),
    ];
    for (name, index, problem, message) in cases {
        let mut bytes = sample_mut();
        let field = entry(index) + S_NAME;
        bytes[field..field + 32].fill(0);
        bytes[field..field + name.len()].copy_from_slice(name);
        let err = parse_err(&bytes);
        assert_eq!(err, FormatError::BadName { index, problem });
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn misaligned() {
    let mut bytes = sample_mut();
    let offset = get_u32(&bytes, entry(1) + S_OFFSET);
    put_u32(&mut bytes, entry(1) + S_OFFSET, offset + 4);
    let err = parse_err(&bytes);
    assert!(matches!(err, FormatError::Misaligned { index: 1, .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "section 1 (component \"sensor\") starts at byte {}, not a multiple of 16",
            offset + 4
        )
    );
}

#[test]
fn overlap() {
    let mut bytes = sample_mut();
    let manifest_offset = get_u32(&bytes, entry(0) + S_OFFSET);
    put_u32(&mut bytes, entry(1) + S_OFFSET, manifest_offset);
    let err = parse_err(&bytes);
    assert!(matches!(err, FormatError::Overlap { index: 1, .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "section 1 (component \"sensor\") starts at byte {manifest_offset}, overlapping what \
             precedes it (which ends at byte {})",
            manifest_offset as usize + MANIFEST.len()
        )
    );
    // A section that starts inside the section table.
    let mut bytes = sample_mut();
    put_u32(&mut bytes, entry(0) + S_OFFSET, HEADER_LEN as u32);
    assert!(matches!(
        parse_err(&bytes),
        FormatError::Overlap { index: 0, .. }
    ));
}

#[test]
fn section_out_of_bounds() {
    let mut bytes = sample_mut();
    put_u32(&mut bytes, entry(2) + S_LENGTH, 9000);
    let offset = get_u32(&bytes, entry(2) + S_OFFSET);
    let end = get_u32(&bytes, H_SIGNATURE_OFFSET);
    let err = parse_err(&bytes);
    assert!(matches!(
        err,
        FormatError::SectionOutOfBounds { index: 2, .. }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "truncated: section 2 (component \"logger\") ends at byte {} but the signed part of \
             the package ends at byte {end}",
            offset + 9000
        )
    );
    // The largest length: offset + length must not overflow anything.
    put_u32(&mut bytes, entry(2) + S_LENGTH, u32::MAX);
    assert!(matches!(
        parse_err(&bytes),
        FormatError::SectionOutOfBounds { .. }
    ));
}

#[test]
fn padding_not_zero() {
    let mut bytes = sample_mut();
    let manifest_end = get_u32(&bytes, entry(0) + S_OFFSET) as usize + MANIFEST.len();
    bytes[manifest_end] = 0xaa;
    let err = parse_err(&bytes);
    assert_eq!(
        err,
        FormatError::PaddingNotZero {
            offset: manifest_end
        }
    );
    assert_eq!(
        err.to_string(),
        format!("padding byte at offset {manifest_end} is not zero")
    );
    // And the padding before the signature.
    let mut bytes = sample_mut();
    let signature_offset = get_u32(&bytes, H_SIGNATURE_OFFSET) as usize;
    bytes[signature_offset - 1] = 1;
    assert_eq!(
        parse_err(&bytes),
        FormatError::PaddingNotZero {
            offset: signature_offset - 1
        }
    );
}

#[test]
fn missing_manifest() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, entry(0) + S_KIND, ruvix_rvf::KIND_COMPONENT);
    bytes[entry(0) + S_NAME] = b'm';
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::MissingManifest);
    assert_eq!(err.to_string(), "the package has no manifest section");
}

#[test]
fn duplicate_manifest() {
    let mut bytes = sample_mut();
    put_u16(&mut bytes, entry(2) + S_KIND, ruvix_rvf::KIND_MANIFEST);
    bytes[entry(2) + S_NAME..entry(2) + S_NAME + 32].fill(0);
    let err = parse_err(&bytes);
    assert_eq!(err, FormatError::DuplicateManifest { index: 2 });
    assert_eq!(
        err.to_string(),
        "section 2 is a second manifest; a package has exactly one"
    );
}

#[test]
fn duplicate_name() {
    let mut bytes = sample_mut();
    let (from, to) = (entry(1) + S_NAME, entry(2) + S_NAME);
    bytes.copy_within(from..from + 32, to);
    let err = parse_err(&bytes);
    assert!(matches!(
        err,
        FormatError::DuplicateName {
            index: 2,
            first: 1,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "section 2: component name \"sensor\" is already used by section 1"
    );
}

#[test]
fn structure_errors_win_even_when_signed() {
    // A signer cannot make a malformed structure acceptable: parse rejects it before any key.
    let mut bytes = sample_mut();
    let (from, to) = (entry(1) + S_NAME, entry(2) + S_NAME);
    bytes.copy_within(from..from + 32, to);
    resign(&mut bytes, key());
    assert!(matches!(
        parse_err(&bytes),
        FormatError::DuplicateName { .. }
    ));
}

// ---- every VerifyError variant, with its message ----

#[test]
fn public_key_length() {
    let package = Package::parse(sample()).unwrap();
    let err = package.verify(&[0; 100]).unwrap_err();
    assert_eq!(err, VerifyError::PublicKeyLength { len: 100 });
    assert_eq!(
        err.to_string(),
        "the public key is 100 bytes; an ML-DSA-65 public key is 1952"
    );
}

#[test]
fn signed_with_another_key() {
    let bytes = build_with(other_key());
    let err = verify_err(&bytes);
    let (package, trusted_id) = (other_key().public_key().id(), key().public_key().id());
    assert_eq!(
        err,
        VerifyError::WrongKey {
            package,
            trusted: trusted_id
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "signed with another key: the package was signed by key {package}, the trusted \
             public key is {trusted_id}"
        )
    );
}

#[test]
fn another_key_claiming_to_be_the_trusted_one() {
    // The key id is only a label; a forger who copies the trusted id still fails the signature.
    let mut bytes = build_with(other_key());
    bytes[H_KEY_ID..H_KEY_ID + 32].copy_from_slice(&key().public_key().id().0);
    resign(&mut bytes, other_key());
    assert!(matches!(
        verify_err(&bytes),
        VerifyError::BadSignature { .. }
    ));
}

#[test]
fn flipped_byte_in_a_blob_names_the_blob() {
    let mut bytes = sample_mut();
    let sensor = get_u32(&bytes, entry(1) + S_OFFSET) as usize;
    bytes[sensor + 10] ^= 0x01;
    let err = verify_err(&bytes);
    assert!(matches!(err, VerifyError::HashMismatch { .. }));
    let message = err.to_string();
    assert!(
        message.starts_with("component \"sensor\": SHA-256 mismatch (the section table says "),
        "{message}"
    );
    assert!(
        message.ends_with("it was changed after packing"),
        "{message}"
    );
    // The manifest is hashed too.
    let mut bytes = sample_mut();
    let manifest = get_u32(&bytes, entry(0) + S_OFFSET) as usize;
    bytes[manifest] ^= 0x80;
    assert!(
        verify_err(&bytes)
            .to_string()
            .starts_with("manifest: SHA-256 mismatch")
    );
}

#[test]
fn malformed_signature() {
    let mut bytes = sample_mut();
    let len = bytes.len();
    bytes[len - SIGNATURE_LEN..].fill(0xff);
    let err = verify_err(&bytes);
    assert_eq!(err, VerifyError::MalformedSignature);
    assert_eq!(
        err.to_string(),
        "the signature is malformed (not a valid ML-DSA-65 encoding): it was corrupted"
    );
}

#[test]
fn corrupted_signature() {
    let mut bytes = sample_mut();
    let len = bytes.len();
    bytes[len - SIGNATURE_LEN + 5] ^= 0x10; // inside c~, so it still decodes
    let err = verify_err(&bytes);
    let id = key().public_key().id();
    assert_eq!(err, VerifyError::BadSignature { key: id });
    assert_eq!(
        err.to_string(),
        format!(
            "signature does not verify with the trusted public key {id}: the package or its \
             signature was changed after signing"
        )
    );
}

#[test]
fn changed_name_fails_the_signature() {
    let mut bytes = sample_mut();
    bytes[entry(1) + S_NAME] = b'S'; // still a valid, unique name
    assert!(matches!(
        verify_err(&bytes),
        VerifyError::BadSignature { .. }
    ));
}

// ---- every byte, every length ----

#[test]
fn every_flipped_bit_in_the_signed_region_is_rejected() {
    let signed_len = get_u32(sample(), H_SIGNATURE_OFFSET) as usize;
    for at in 0..signed_len {
        for bit in [0, 7] {
            let mut bytes = sample_mut();
            bytes[at] ^= 1 << bit;
            let result = Package::parse(&bytes).map(|p| p.verify_with(trusted()).map(|_| ()));
            assert!(
                !matches!(result, Ok(Ok(()))),
                "flipping bit {bit} of byte {at} was accepted"
            );
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = sample();
    for len in 0..bytes.len() {
        let err = parse_err(&bytes[..len]);
        let expected_kind = match len {
            0..HEADER_LEN => matches!(err, FormatError::HeaderTruncated { .. }),
            _ => matches!(err, FormatError::Truncated { .. }),
        };
        assert!(expected_kind, "length {len}: {err}");
    }
}

#[test]
fn public_key_length_is_checked_at_build_time() {
    let key = key().public_key();
    assert_eq!(
        ruvix_rvf::public_key_array(key.as_bytes()).as_ref(),
        Some(key.as_bytes())
    );
    assert!(ruvix_rvf::public_key_array(&key.as_bytes()[1..]).is_none());
    assert!(ruvix_rvf::public_key_array(&[0; PUBLIC_KEY_LEN + 1]).is_none());
    // A const context makes the length a compile-time check (see `include_public_key!`).
    const PK: Option<[u8; PUBLIC_KEY_LEN]> = ruvix_rvf::public_key_array(&[0; PUBLIC_KEY_LEN]);
    assert!(PK.is_some());
}

#[test]
fn secret_and_public_key_files_are_told_apart() {
    let pk = key().public_key();
    let err = SigningKey::from_bytes(pk.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this is a public key (1952 bytes); a secret key file is 32 bytes"
    );
    let err = ruvix_rvf::PublicKey::from_bytes(&key().to_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this is a secret key (32 bytes); a public key file is 1952 bytes"
    );
    assert_eq!(
        SigningKey::from_bytes(&key().to_bytes())
            .unwrap()
            .public_key(),
        pk
    );
}

#[test]
fn key_files_round_trip_and_do_not_overwrite() {
    let dir = std::env::temp_dir().join(format!("ruvix-rvf-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sk_path, pk_path) = (dir.join("k.sk"), dir.join("k.pk"));
    let _ = std::fs::remove_file(&sk_path);
    let _ = std::fs::remove_file(&pk_path);
    let generated = SigningKey::generate().unwrap();
    generated.save(&sk_path, false).unwrap();
    generated.public_key().save(&pk_path, false).unwrap();
    assert_eq!(
        SigningKey::load(&sk_path).unwrap().to_bytes(),
        generated.to_bytes()
    );
    assert_eq!(
        ruvix_rvf::PublicKey::load(&pk_path).unwrap(),
        generated.public_key()
    );
    let err = generated.save(&sk_path, false).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("already exists (use --force to overwrite it)"),
        "{err}"
    );
    generated.save(&sk_path, true).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sk_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "secret key readable by others: {mode:o}");
    }
    assert_ne!(
        SigningKey::generate().unwrap().to_bytes(),
        generated.to_bytes()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn magic_is_ascii() {
    assert_eq!(&MAGIC, b"RUVIXRVF");
}

#[test]
fn components_must_be_the_manifests_in_order() {
    use ruvix_rvf::ContentsError;
    let package = Package::parse(sample()).unwrap();
    assert_eq!(package.check_components(["sensor", "logger"]), Ok(()));

    let err = package.check_components(["logger", "sensor"]).unwrap_err();
    assert!(matches!(err, ContentsError::Mismatch { index: 0, .. }));
    assert_eq!(
        err.to_string(),
        "manifest component 0 is \"logger\" but the package's component 0 is \"sensor\""
    );

    let err = package
        .check_components(["sensor", "logger", "blinky"])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "manifest component 2 \"blinky\" has no wasm blob in the package"
    );

    let err = package.check_components(["sensor"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the package's component 1 \"logger\" is not declared in the manifest"
    );

    let long = "x".repeat(40);
    let err = package
        .check_components(["sensor", long.as_str()])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "manifest component 1 is (with a name longer than 32 bytes) but the package's component \
         1 is \"logger\""
    );
}
