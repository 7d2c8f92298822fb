//! The typed payloads: fixed layouts, round trips and refusals.

mod common;

use ruvix_witness::{
    ATTESTATION_LEN, Attestation, CapabilityGrant, DecodedPayload, MAX_GRANT_NAME, PayloadError,
    TASK_EVENT_LEN, TaskEvent, WitnessKind, decode_payload, platform_id,
};

#[test]
fn attestation_layout_and_round_trip() {
    let a = common::attestation(0x0102_0304_0506_0708);
    let bytes = a.encode();
    assert_eq!(bytes.len(), ATTESTATION_LEN);
    assert_eq!(&bytes[..32], &[0x11; 32]);
    assert_eq!(&bytes[32..64], &[0x22; 32]);
    assert_eq!(&bytes[64..96], &[0x33; 32]);
    assert_eq!(&bytes[96..104], &common::PLATFORM.to_le_bytes());
    assert_eq!(&bytes[104..], &[8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(Attestation::decode(&bytes), Ok(a));
    assert_eq!(
        Attestation::decode(&bytes[1..]),
        Err(PayloadError::Length {
            payload: "attestation",
            expected: 112,
            found: 111
        })
    );
    assert_eq!(platform_id(0xa02082, 0x410f_d034), 0x00a0_2082_410f_d034);
}

#[test]
fn capability_grant_layout_and_round_trip() {
    let g = CapabilityGrant::new(0x0201, 0x0605_0403, 0x0807, 0x0c0b_0a09, "uart").unwrap();
    let bytes = g.encode();
    assert_eq!(
        &bytes[..],
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 4, b'u', b'a', b'r', b't'
        ]
    );
    assert_eq!(CapabilityGrant::decode(&bytes), Ok(g));
    assert_eq!(g.name(), "uart");

    let long = "x".repeat(MAX_GRANT_NAME);
    let g = CapabilityGrant::new(0, 0, 0, 0, &long).unwrap();
    assert_eq!(CapabilityGrant::decode(&g.encode()).unwrap().name(), long);
    assert_eq!(
        CapabilityGrant::new(0, 0, 0, 0, &"x".repeat(MAX_GRANT_NAME + 1)),
        Err(PayloadError::NameTooLong { len: 65, max: 64 })
    );
    let empty = CapabilityGrant::new(0, 0, 0, 0, "").unwrap();
    assert_eq!(empty.encode().len(), 13);

    // Name length disagreeing with the payload, bad UTF-8, too short.
    let mut bad = bytes.to_vec();
    bad.push(b'!');
    assert!(matches!(
        CapabilityGrant::decode(&bad),
        Err(PayloadError::Length { .. })
    ));
    let mut bad = bytes.to_vec();
    bad[13] = 0xff;
    assert_eq!(
        CapabilityGrant::decode(&bad),
        Err(PayloadError::NameNotUtf8)
    );
    assert!(matches!(
        CapabilityGrant::decode(&bytes[..12]),
        Err(PayloadError::TooShort { .. })
    ));
    let mut bad = vec![0; 13 + 65];
    bad[12] = 65;
    assert_eq!(
        CapabilityGrant::decode(&bad),
        Err(PayloadError::NameTooLong { len: 65, max: 64 })
    );
}

#[test]
fn task_event_layout_and_round_trip() {
    let t = TaskEvent {
        component: 0x0201,
        entry: 0x0403,
        reason: 0x0807_0605,
        restart_count: 0x0c0b_0a09,
    };
    let bytes = t.encode();
    assert_eq!(bytes, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert_eq!(bytes.len(), TASK_EVENT_LEN);
    assert_eq!(TaskEvent::decode(&bytes), Ok(t));
    assert!(TaskEvent::decode(&bytes[..11]).is_err());
}

#[test]
fn decode_payload_follows_the_kind() {
    let t = TaskEvent {
        component: 1,
        entry: 2,
        reason: 3,
        restart_count: 4,
    };
    for kind in [
        WitnessKind::TaskFault,
        WitnessKind::TaskRestart,
        WitnessKind::TaskStopped,
    ] {
        assert_eq!(
            decode_payload(kind, &t.encode()),
            Ok(DecodedPayload::Task(t))
        );
    }
    assert_eq!(
        decode_payload(WitnessKind::Boot, &[1, 2]),
        Ok(DecodedPayload::Raw(&[1, 2]))
    );
    assert_eq!(
        decode_payload(WitnessKind::Other(2), &[1, 2])
            .unwrap_err()
            .to_string(),
        "capability-grant payload must be at least 13 bytes long, found 2"
    );
    assert_eq!(
        decode_payload(WitnessKind::Boot, &[0xab, 0x01])
            .unwrap()
            .to_string(),
        "ab01"
    );
    assert_eq!(
        decode_payload(WitnessKind::Boot, &[]).unwrap().to_string(),
        "-"
    );
    assert_eq!(t.to_string(), "component=1 entry=2 reason=0x3 restarts=4");
}

/// No byte string makes a decoder panic.
#[test]
fn decoders_take_any_bytes() {
    let mut rng = common::Rng(7);
    for _ in 0..20_000 {
        let len = rng.index(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let kind = WitnessKind::from_code(rng.index(8) as u16);
        let _ = decode_payload(kind, &bytes).map(|p| p.to_string());
        let _ = CapabilityGrant::decode(&bytes);
    }
}
