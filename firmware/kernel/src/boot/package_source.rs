//! Where the package and the key that must have signed it come from.
//!
//! The package is embedded in the image at build time (`RUVIX_PACKAGE`), or loaded by the boot
//! firmware as a separate file (the device tree's `/chosen` initrd range: `initramfs` in
//! `config.txt`, `-initrd` under QEMU), which then takes precedence. The public key is always
//! the one built into the image: a loaded package cannot bring its own.

use crate::board::BoardInfo;

/// Keeps the embedded package 16-byte aligned, as the RVF sections are.
#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

static EMBEDDED_PACKAGE: &Aligned<[u8]> = &Aligned(*include_bytes!(env!("RUVIX_EMBEDDED_PACKAGE")));

/// The ML-DSA-65 public key stage 1 trusts (1952 bytes; the build script checked the length).
pub static PUBLIC_KEY: [u8; ruvix_rvf::PUBLIC_KEY_LEN] =
    *include_bytes!(env!("RUVIX_PUBLIC_KEY_FILE"));

/// Name of the key file the image was built with (`DEVELOPMENT-ONLY` for the demo key).
pub const PUBLIC_KEY_NAME: &str = env!("RUVIX_PUBLIC_KEY_NAME");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageSource {
    Embedded,
    Initrd { address: u64 },
}

impl defmt::Format for PackageSource {
    fn format(&self, f: defmt::Formatter) {
        match self {
            PackageSource::Embedded => defmt::write!(f, "embedded in the image"),
            PackageSource::Initrd { address } => {
                defmt::write!(f, "initrd at {=u64:#010x}", address)
            }
        }
    }
}

/// The package bytes to verify: the initrd if the firmware loaded one, else the embedded one.
/// `None` when there is neither.
pub fn locate(info: &BoardInfo) -> Option<(PackageSource, &'static [u8])> {
    if let Some(bytes) = info.initrd() {
        let address = bytes.as_ptr() as u64;
        // The firmware may round the ramdisk up; the header says how long the package is.
        let len = ruvix_rvf::package_len(bytes)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        return Some((PackageSource::Initrd { address }, &bytes[..len]));
    }
    let embedded = &EMBEDDED_PACKAGE.0;
    (!embedded.is_empty()).then_some((PackageSource::Embedded, embedded))
}
