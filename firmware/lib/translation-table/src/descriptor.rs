//! Bit layout of VMSAv8-64 stage-1 descriptors (4 KiB granule) and their construction.
//!
//! Only the fields this crate writes are named. Lower attributes are bits \[11:2\], upper
//! attributes bits \[63:50\]; the output address is bits \[47:12\] (\[47:21\] for a 2 MiB block).

/// Bit 0: the descriptor is valid. When clear, hardware ignores every other bit.
pub const VALID: u64 = 1 << 0;
/// Bit 1 at levels 1 and 2: a table descriptor (clear: a block).
pub const TABLE: u64 = 1 << 1;
/// Bit 1 at level 3: a page descriptor (clear: reserved, treated as invalid).
pub const PAGE: u64 = 1 << 1;
/// Shift of `AttrIndx` (bits \[4:2\]), the `MAIR_EL1` byte to use.
pub const ATTR_INDEX_SHIFT: u32 = 2;
/// Mask of `AttrIndx`.
pub const ATTR_INDEX_MASK: u64 = 0b111 << ATTR_INDEX_SHIFT;
/// AP\[1\] (bit 6): EL0 may access. Set only in user mappings.
pub const AP_EL0: u64 = 1 << 6;
/// AP\[2\] (bit 7): read-only.
pub const AP_READ_ONLY: u64 = 1 << 7;
/// Mask of SH (bits \[9:8\]), shareability.
pub const SH_MASK: u64 = 0b11 << 8;
/// SH = 0b10: outer shareable.
pub const SH_OUTER: u64 = 0b10 << 8;
/// SH = 0b11: inner shareable.
pub const SH_INNER: u64 = 0b11 << 8;
/// Bit 10: access flag; set so the first access does not fault.
pub const AF: u64 = 1 << 10;
/// Bit 11: not global (the TLB entry belongs to the current ASID). Set only in user mappings.
pub const NG: u64 = 1 << 11;
/// Bit 52: contiguous hint. Never set.
pub const CONTIGUOUS: u64 = 1 << 52;
/// Bit 53: privileged (EL1) execute-never.
pub const PXN: u64 = 1 << 53;
/// Bit 54: unprivileged (EL0) execute-never.
pub const UXN: u64 = 1 << 54;
/// Output address / next-level table address, bits \[47:12\].
pub const ADDRESS_MASK: u64 = 0x0000_FFFF_FFFF_F000;

/// Bits a leaf descriptor carries besides its address and type; copied when a block is split.
const LEAF_ATTRIBUTE_MASK: u64 = !(ADDRESS_MASK | VALID | TABLE | CONTIGUOUS);

/// A level-3 page descriptor for `pa` (4 KiB aligned, < 2^48) with attribute bits from
/// [`crate::Attributes::encode`].
pub const fn page(pa: u64, attribute_bits: u64) -> u64 {
    VALID | PAGE | (pa & ADDRESS_MASK) | (attribute_bits & LEAF_ATTRIBUTE_MASK)
}

/// A level-1 or level-2 block descriptor for `pa` (aligned to the block size, < 2^48).
pub const fn block(pa: u64, attribute_bits: u64) -> u64 {
    VALID | (pa & ADDRESS_MASK) | (attribute_bits & LEAF_ATTRIBUTE_MASK)
}

/// A table descriptor pointing at the next-level table at `pa` (4 KiB aligned, < 2^48).
pub const fn table(pa: u64) -> u64 {
    VALID | TABLE | (pa & ADDRESS_MASK)
}

/// What a descriptor at a given level is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Translation fault.
    Invalid,
    /// Points at a next-level table.
    Table(u64),
    /// A block (levels 1, 2) or page (level 3).
    Leaf,
}

pub(crate) const fn classify(descriptor: u64, level: u8) -> Entry {
    if descriptor & VALID == 0 {
        Entry::Invalid
    } else if level >= 3 {
        if descriptor & PAGE != 0 {
            Entry::Leaf
        } else {
            // 0b01 at level 3 is reserved and translates as invalid.
            Entry::Invalid
        }
    } else if descriptor & TABLE != 0 {
        Entry::Table(descriptor & ADDRESS_MASK)
    } else {
        Entry::Leaf
    }
}

/// Bits \[38:12\] of a VA select entries: 9 bits per level, level 3 starting at bit 12.
pub(crate) const fn shift(level: u8) -> u32 {
    39 - 9 * level as u32
}

/// Bytes of address space one entry at `level` covers (1 GiB, 2 MiB, 4 KiB).
pub(crate) const fn entry_size(level: u8) -> u64 {
    1 << shift(level)
}

pub(crate) const fn index(va: u64, level: u8) -> usize {
    ((va >> shift(level)) & 0x1FF) as usize
}

/// Output address of a leaf at `level` (block descriptors keep the low bits RES0).
pub(crate) const fn leaf_address(descriptor: u64, level: u8) -> u64 {
    descriptor & ADDRESS_MASK & !(entry_size(level) - 1)
}

/// A leaf at `level` for `pa` with the attribute bits of `attribute_source`.
pub(crate) const fn leaf(level: u8, pa: u64, attribute_source: u64) -> u64 {
    if level >= 3 {
        page(pa, attribute_source)
    } else {
        block(pa, attribute_source)
    }
}
