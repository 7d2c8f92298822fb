use alloc::vec;

use ruvix_caps::{CapError, Handle, ObjectKind};

use super::*;

#[test]
fn error_discriminants_follow_the_wit_order() {
    let names = [
        "bad-handle",
        "wrong-kind",
        "denied",
        "out-of-bounds",
        "too-large",
        "would-block",
        "unaligned",
    ];
    for (n, error) in CallError::ALL.iter().enumerate() {
        assert_eq!(usize::from(error.discriminant()), n);
        assert_eq!(error.as_str(), names[n]);
        assert_eq!(CallError::from_discriminant(n as u8), Some(*error));
    }
    assert_eq!(CallError::from_discriminant(7), None);
}

#[test]
fn capability_check_errors_map_to_wit_errors() {
    let bad = CapError::BadHandle { handle: Handle(3) };
    assert_eq!(CallError::from(bad), CallError::BadHandle);
    let wrong = CapError::WrongKind {
        expected: ObjectKind::Region,
        found: ObjectKind::QueueSend,
    };
    assert_eq!(CallError::from(wrong), CallError::WrongKind);
    assert_eq!(CallError::from(CapError::Sealed), CallError::Denied);
}

#[test]
fn result_unit_layout() {
    let mut memory = vec![0xAA; 8];
    store_unit(&mut memory, 3, Ok(())).unwrap();
    assert_eq!(memory, [0xAA, 0xAA, 0xAA, 0, 0xAA, 0xAA, 0xAA, 0xAA]);
    store_unit(&mut memory, 3, Err(CallError::TooLarge)).unwrap();
    assert_eq!(memory, [0xAA, 0xAA, 0xAA, 1, 4, 0xAA, 0xAA, 0xAA]);
}

#[test]
fn result_u32_layout() {
    let mut memory = vec![0xAA; 12];
    store_u32(&mut memory, 4, Ok(0x1234_5678)).unwrap();
    assert_eq!(
        &memory[4..12],
        [0, 0xAA, 0xAA, 0xAA, 0x78, 0x56, 0x34, 0x12]
    );
    store_u32(&mut memory, 4, Err(CallError::Unaligned)).unwrap();
    assert_eq!(&memory[4..12], [1, 0xAA, 0xAA, 0xAA, 6, 0x56, 0x34, 0x12]);
    assert_eq!(&memory[..4], [0xAA; 4]);
}

#[test]
fn result_u64_layout_is_8_aligned() {
    let mut memory = vec![0u8; 32];
    store_u64(&mut memory, 8, Ok(0x0102_0304_0506_0708)).unwrap();
    assert_eq!(memory[8], 0);
    assert_eq!(&memory[16..24], 0x0102_0304_0506_0708u64.to_le_bytes());
    store_u64(&mut memory, 16, Err(CallError::Denied)).unwrap();
    assert_eq!((memory[16], memory[24]), (1, 2));
    assert_eq!(
        store_u64(&mut memory, 4, Ok(1)),
        Err(GuestFault::Misaligned {
            what: "return area",
            ptr: 4,
            align: 8
        })
    );
}

#[test]
fn result_list_layout() {
    let mut memory = vec![0u8; 16];
    store_list(&mut memory, 4, Ok((0x100, 16))).unwrap();
    assert_eq!(&memory[4..16], [0, 0, 0, 0, 0, 1, 0, 0, 16, 0, 0, 0]);
    store_list(&mut memory, 4, Err(CallError::WouldBlock)).unwrap();
    assert_eq!(&memory[4..9], [1, 0, 0, 0, 5]);
}

#[test]
fn return_areas_out_of_bounds_or_misaligned_are_faults() {
    let mut memory = vec![0u8; 16];
    assert!(matches!(
        store_list(&mut memory, 8, Ok((0, 0))),
        Err(GuestFault::OutOfBounds {
            ptr: 8,
            len: 12,
            ..
        })
    ));
    assert!(matches!(
        store_u32(&mut memory, 2, Ok(0)),
        Err(GuestFault::Misaligned { align: 4, .. })
    ));
    assert!(matches!(
        store_unit(&mut memory, u32::MAX, Ok(())),
        Err(GuestFault::OutOfBounds { .. })
    ));
    assert!(check_return_area(16, RESULT_UNIT, 14).is_ok());
    assert!(check_return_area(16, RESULT_UNIT, 15).is_err());
    assert!(check_return_area(16, RESULT_U64, 0).is_ok());
    assert!(check_return_area(16, RESULT_U64, 8).is_err());
    assert_eq!(memory, [0; 16], "nothing written on a fault");
}

#[test]
fn lifting_lists_and_strings() {
    let memory = b"....hello\xff...".to_vec();
    assert_eq!(load(&memory, "m", 4, 5).unwrap(), b"hello");
    assert_eq!(memory.len(), 13);
    assert_eq!(load(&memory, "m", 13, 0).unwrap(), b"");
    assert!(load(&memory, "m", 13, 1).is_err());
    assert!(load(&memory, "m", 14, 0).is_err());
    assert!(load(&memory, "m", u32::MAX, 2).is_err(), "wrapping pointer");
    assert_eq!(load_str(&memory, "s", 4, 5).unwrap(), "hello");
    assert_eq!(
        load_str(&memory, "s", 4, 6),
        Err(GuestFault::InvalidUtf8 { what: "s" })
    );
}

#[test]
fn lifting_the_log_level() {
    assert_eq!(lift_level(0), Ok(LogLevel::Debug));
    assert_eq!(lift_level(3), Ok(LogLevel::Error));
    assert_eq!(
        lift_level(4),
        Err(GuestFault::InvalidEnum {
            what: "log level",
            value: 4
        })
    );
}

#[test]
fn guest_ranges_use_checked_arithmetic() {
    assert_eq!(guest_range(100, "x", 10, 90, 1), Ok(10..100));
    assert!(guest_range(100, "x", 10, 91, 1).is_err());
    assert!(guest_range(usize::MAX, "x", u32::MAX, u32::MAX, 1).is_ok());
    assert!(guest_range(100, "x", 3, 1, 2).is_err());
}

#[test]
fn i32_bit_patterns() {
    assert_eq!(to_i32(u32::MAX), -1);
    assert_eq!(to_u32(-1), u32::MAX);
    assert_eq!(to_u32(to_i32(0x8000_0000)), 0x8000_0000);
}
