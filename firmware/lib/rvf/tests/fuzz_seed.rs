//! Keeps the fuzz seed (`fuzz/seeds/parse_verify/valid-small.rvf`) in step with the format:
//! a small valid package signed with the fuzz target's dummy key. After a format change, run
//! `RVF_BLESS=1 cargo test -p ruvix-rvf --test fuzz_seed` to rewrite it.

use ruvix_rvf::{Package, PackageBuilder, SigningKey};

/// The fuzz target's dummy key (see `fuzz/fuzz_targets/parse_verify.rs`): a fixed, public seed.
const DUMMY_KEY_SEED: [u8; 32] = [0x42; 32];

#[test]
fn fuzz_seed_is_current() {
    let key = SigningKey::from_seed(DUMMY_KEY_SEED);
    let mut builder = PackageBuilder::new(b"seed manifest");
    builder.component("a", b"\0asm\x01\0\0\0").unwrap();
    builder
        .component("sensor", b"\0asm\x01\0\0\0 a little longer one")
        .unwrap();
    let bytes = builder.build(&key).unwrap();
    Package::parse(&bytes)
        .unwrap()
        .verify(key.public_key().as_bytes())
        .unwrap();

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/parse_verify/valid-small.rvf"
    );
    if std::env::var_os("RVF_BLESS").is_some() {
        std::fs::write(path, &bytes).unwrap();
    }
    let stored = std::fs::read(path).unwrap_or_default();
    assert!(
        stored == bytes,
        "{path} is out of date: run RVF_BLESS=1 cargo test -p ruvix-rvf --test fuzz_seed"
    );
}
