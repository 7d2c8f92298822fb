//! Fuzzes the package decoder: `package_len`, `Package::parse`, every accessor of an accepted
//! structure, the error messages, and `verify` with a dummy key (the one that signed the seed
//! in `seeds/parse_verify/`, so mutations of it reach the hash and signature checks).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ruvix_rvf::{Package, SigningKey, TrustedKey};

/// The seed package: the only input that may verify.
const SEED: &[u8] = include_bytes!("../seeds/parse_verify/valid-small.rvf");

/// The dummy key's public half (the secret is the fixed seed below, which is no secret).
fn key() -> &'static TrustedKey {
    static KEY: OnceLock<TrustedKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let public = SigningKey::from_seed(ruvix_rvf_fuzz_seed()).public_key();
        TrustedKey::from_bytes(public.as_bytes()).expect("a generated key has the right length")
    })
}

/// Same as `DUMMY_KEY_SEED` in the crate's `fuzz_seed` test, which writes the seed package.
fn ruvix_rvf_fuzz_seed() -> [u8; 32] {
    [0x42; 32]
}

fuzz_target!(|data: &[u8]| {
    let _ = ruvix_rvf::package_len(data);
    let package = match Package::parse(data) {
        Ok(package) => package,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let signed = package.signed_bytes().len();
    for section in package.sections() {
        assert!(section.offset % ruvix_rvf::SECTION_ALIGN == 0);
        assert!(section.offset + section.data.len() <= signed);
        let _ = section.label().to_string();
    }
    assert_eq!(package.sections().count(), package.header().section_count);
    assert_eq!(package.components().count(), package.component_count());
    let _ = (package.manifest(), package.signature(), package.sha256());
    match package.verify_with(key()) {
        Ok(_) => assert_eq!(data, SEED, "a package other than the seed verified"),
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
