//! Descriptor bits, attribute encoding and decoding, and the system register values.

use std::string::ToString;

use crate::descriptor::{
    self, ADDRESS_MASK, AF, AP_EL0, AP_READ_ONLY, ATTR_INDEX_MASK, CONTIGUOUS, NG, PXN, SH_MASK,
    TABLE, UXN, VALID,
};
use crate::{
    Access, AttributeError, Attributes, MAIR_EL1_VALUE, MemoryKind, T0SZ, VA_BITS, tcr_el1_value,
};

const KINDS: [MemoryKind; 3] = [
    MemoryKind::Normal,
    MemoryKind::NormalNonCacheable,
    MemoryKind::Device,
];
const ACCESSES: [Access; 2] = [Access::ReadOnly, Access::ReadWrite];

#[test]
fn attribute_bits_exact_for_every_combination() {
    use Access::{ReadOnly as RO, ReadWrite as RW};
    use MemoryKind::{Device, Normal, NormalNonCacheable as Nc};
    let expected: [(MemoryKind, Access, bool, Option<u64>); 12] = [
        (Normal, RW, false, Some(0x0060_0000_0000_0704)),
        (Normal, RW, true, Some(0x0040_0000_0000_0704)),
        (Normal, RO, false, Some(0x0060_0000_0000_0784)),
        (Normal, RO, true, Some(0x0040_0000_0000_0784)),
        (Nc, RW, false, Some(0x0060_0000_0000_0708)),
        (Nc, RW, true, Some(0x0040_0000_0000_0708)),
        (Nc, RO, false, Some(0x0060_0000_0000_0788)),
        (Nc, RO, true, Some(0x0040_0000_0000_0788)),
        (Device, RW, false, Some(0x0060_0000_0000_0600)),
        (Device, RO, false, Some(0x0060_0000_0000_0680)),
        (Device, RW, true, None),
        (Device, RO, true, None),
    ];
    for (memory, access, executable, bits) in expected {
        let attrs = Attributes::new(memory, access, executable);
        match bits {
            Some(bits) => assert_eq!(attrs.encode(), Ok(bits), "{attrs}"),
            None => assert_eq!(attrs.encode(), Err(AttributeError::ExecutableDevice)),
        }
    }
}

#[test]
fn attribute_fields_one_by_one() {
    for memory in KINDS {
        for access in ACCESSES {
            for executable in [false, true] {
                let attrs = Attributes::new(memory, access, executable);
                let Ok(bits) = attrs.encode() else {
                    assert_eq!(memory, MemoryKind::Device);
                    assert!(executable);
                    continue;
                };
                let name = attrs.to_string();
                // Valid and type bits and the address are the descriptor's, not the attributes'.
                assert_eq!(bits & (VALID | TABLE | ADDRESS_MASK), 0, "{name}");
                assert_eq!((bits & ATTR_INDEX_MASK) >> 2, memory.attr_index(), "{name}");
                assert_eq!(bits & AP_EL0, 0, "{name}: EL0 must have no access");
                assert_eq!(
                    bits & AP_READ_ONLY != 0,
                    access == Access::ReadOnly,
                    "{name}"
                );
                let sh = (bits & SH_MASK) >> 8;
                let want_sh = if memory == MemoryKind::Device {
                    0b10
                } else {
                    0b11
                };
                assert_eq!(sh, want_sh, "{name}");
                assert_ne!(bits & AF, 0, "{name}: AF");
                assert_eq!(bits & NG, 0, "{name}: global");
                assert_eq!(bits & CONTIGUOUS, 0, "{name}");
                assert_ne!(bits & UXN, 0, "{name}: UXN always");
                assert_eq!(bits & PXN == 0, executable, "{name}: PXN");
                assert_eq!(Attributes::decode(bits), Some(attrs), "{name}: round trip");
            }
        }
    }
}

#[test]
fn page_block_and_table_descriptors() {
    let device = Attributes::DEVICE_RW.encode().unwrap();
    let page = descriptor::page(0x3F20_0000, device);
    assert_eq!(page, 0x0060_0000_3F20_0603);
    assert_eq!(page & 0b11, 0b11, "valid page");
    assert_eq!(page & ADDRESS_MASK, 0x3F20_0000);

    let block = descriptor::block(0x3F20_0000, device);
    assert_eq!(block, 0x0060_0000_3F20_0601);
    assert_eq!(block & 0b11, 0b01, "valid block");

    let text = Attributes::NORMAL_RX.encode().unwrap();
    assert_eq!(descriptor::page(0x8_0000, text), 0x0040_0000_0008_0787);
    let data = Attributes::NORMAL_RW.encode().unwrap();
    assert_eq!(
        descriptor::page(0xFFFF_FFFF_F000, data),
        0x0060_FFFF_FFFF_F707,
        "highest 48-bit page"
    );

    assert_eq!(descriptor::table(0x1234_5000), 0x1234_5003);
    assert_eq!(descriptor::table(0x1234_5000) & (PXN | UXN | AF), 0);
}

#[test]
fn decode_refuses_what_is_never_written() {
    let bits = Attributes::NORMAL_RW.encode().unwrap();
    for index in 3..8 {
        let odd = (bits & !ATTR_INDEX_MASK) | (index << 2);
        assert_eq!(Attributes::decode(odd), None, "AttrIndx {index}");
    }
    assert_eq!(Attributes::decode(bits | AP_EL0), None);
    // Decoding reports what the descriptor says, even an executable device.
    let exec_device = Attributes::DEVICE_RW.encode().unwrap() & !PXN;
    assert_eq!(
        Attributes::decode(exec_device),
        Some(Attributes::new(MemoryKind::Device, Access::ReadWrite, true))
    );
}

#[test]
fn attributes_display() {
    assert_eq!(Attributes::NORMAL_RW.to_string(), "normal RW XN");
    assert_eq!(Attributes::NORMAL_RO.to_string(), "normal RO XN");
    assert_eq!(Attributes::NORMAL_RX.to_string(), "normal RO X");
    assert_eq!(Attributes::DEVICE_RW.to_string(), "device RW XN");
    assert_eq!(Attributes::NORMAL_NC_RW.to_string(), "normal-nc RW XN");
    assert_eq!(
        AttributeError::ExecutableDevice.to_string(),
        "device memory cannot be executable"
    );
}

#[test]
fn mair_indices_match_memory_kinds() {
    assert_eq!(MAIR_EL1_VALUE, 0x0044_FF04);
    let byte = |kind: MemoryKind| (MAIR_EL1_VALUE >> (8 * kind.attr_index())) & 0xFF;
    assert_eq!(byte(MemoryKind::Device), 0x04, "Device-nGnRE");
    assert_eq!(byte(MemoryKind::Normal), 0xFF, "write-back RA/WA");
    assert_eq!(byte(MemoryKind::NormalNonCacheable), 0x44, "non-cacheable");
    for kind in KINDS {
        assert_eq!(MemoryKind::from_attr_index(kind.attr_index()), Some(kind));
    }
    assert_eq!(MemoryKind::from_attr_index(3), None);
}

#[test]
fn tcr_fields() {
    assert_eq!(VA_BITS, 39);
    assert_eq!(T0SZ, 25);
    let tcr = tcr_el1_value(0b0010); // 40-bit PA (Cortex-A53)
    assert_eq!(tcr, 0x2_8099_3519);
    assert_eq!(tcr & 0x3F, 25, "T0SZ");
    assert_eq!((tcr >> 7) & 1, 0, "EPD0: TTBR0 walks on");
    assert_eq!((tcr >> 8) & 0b11, 0b01, "IRGN0");
    assert_eq!((tcr >> 10) & 0b11, 0b01, "ORGN0");
    assert_eq!((tcr >> 12) & 0b11, 0b11, "SH0");
    assert_eq!((tcr >> 14) & 0b11, 0b00, "TG0 4 KiB");
    assert_eq!((tcr >> 23) & 1, 1, "EPD1");
    assert_eq!((tcr >> 30) & 0b11, 0b10, "TG1 4 KiB");
    assert_eq!((tcr >> 32) & 0b111, 0b010, "IPS");
    assert_eq!(
        (tcr_el1_value(0b0100) >> 32) & 0b111,
        0b100,
        "44-bit (Cortex-A72)"
    );
    assert_eq!(
        (tcr_el1_value(0b0110) >> 32) & 0b111,
        0b101,
        "52-bit clamped to 48"
    );
    assert_eq!(
        (tcr_el1_value(0xFFF5) >> 32) & 0b111,
        0b101,
        "only PARange bits used"
    );
}
