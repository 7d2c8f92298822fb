//! Interrupts for components (`components/drivers.toml`): the `ticker` owns system timer
//! compare 1 and its interrupt, `uart-echo` owns the AUX mini UART and its interrupt, beside
//! the demo pipeline. The kernel masks a line when it fires and wakes the holder; the holder's
//! `ack` unmasks it.
//!
//! QEMU 10's `raspi4b` does not connect the system timer to the GIC (only UART0, AUX, the
//! mailbox, DMA, SD and USB), so the ticker test runs on `raspi3b` only; on a real Pi 4 the
//! line is SPI 65 (INTID 97) and the same component ticks. The echo runs on both.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ruvix_qemu_tests::*;
use ruvix_runner::package::DRIVERS_MANIFEST;

/// The ticker's interrupt count matches its programmed rate (1 kHz) within 1 % over each
/// measured second, in guest time (`-icount`), beside the pipeline.
#[test]
fn rpi3_ticker_interrupts_at_its_programmed_rate() {
    let board = Board::Rpi3;
    let run = boot_with_initrd_icount(board, &["run", "seconds=3"], &package(DRIVERS_MANIFEST));
    run.assert_exit(EXIT_OK);
    run.assert_line("ticker: started, period 1000 us on system timer channel 1");
    run.assert_line("interrupt tick (system-timer-1, line 1): enabled for ticker");
    let reports: Vec<&str> = run
        .lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.contains("ticker: ") && l.contains(" interrupts in "))
        .collect();
    assert!(reports.len() >= 2, "no ticker reports\n{}", run.log());
    for line in &reports {
        let count = number_after(line, "ticker: ");
        let micros = number_after(line, " interrupts in ");
        let expected = micros as f64 / 1000.0;
        let error = (count as f64 - expected).abs() / expected;
        println!("{line}");
        assert!(
            error <= 0.01,
            "{count} interrupts in {micros} us: {:.2} % off 1 kHz\n{line}",
            error * 100.0
        );
    }
    // No storm: the line fired about as often as the ticker acknowledged it.
    let stats = run.assert_line("stats: interrupt tick ");
    let fired = number_after(stats, "): ");
    let acked = number_after(stats, " fired, ");
    assert!(fired >= 2000 && fired <= acked + 1, "{stats}");
    run.expect_no_line("fault: ticker")
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A free TCP port on the loopback interface (QEMU listens on it for the second serial port).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// What `uart-echo` promises: every byte back, a–z upper-cased.
fn echoed(input: &[u8]) -> Vec<u8> {
    input.iter().map(u8::to_ascii_uppercase).collect()
}

/// Sends `total` bytes in bursts into the mini UART (QEMU's second serial port, a loopback
/// socket) and collects what comes back until all of it has or `deadline` passes.
fn talk(port: u16, total: usize, deadline: Instant) -> (Vec<u8>, Vec<u8>) {
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => break stream,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("could not connect to QEMU's second serial port: {e}"),
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("read timeout");
    // Until uart-echo has set the mini UART up (which clears its FIFOs), bytes could be lost
    // on the way in: knock with "?" (echoed as it is) until one comes back.
    let mut buffer = [0u8; 4096];
    'knock: loop {
        assert!(Instant::now() < deadline, "uart-echo never answered");
        stream.write_all(b"?").expect("write to the mini UART");
        let until = Instant::now() + Duration::from_millis(200);
        while Instant::now() < until {
            match stream.read(&mut buffer) {
                Ok(n) if buffer[..n].contains(&b'?') => break 'knock,
                Ok(0) => panic!("QEMU closed the second serial port"),
                _ => {}
            }
        }
    }
    // Late answers to the knocks.
    std::thread::sleep(Duration::from_millis(300));
    while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
    let sent: Vec<u8> = (0..total)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789 .,"[i % 39])
        .collect();
    let mut received = Vec::new();
    let mut offset = 0;
    while received.len() < total && Instant::now() < deadline {
        if offset < total {
            let burst = (total - offset).min(200);
            stream
                .write_all(&sent[offset..offset + burst])
                .expect("write to the mini UART");
            offset += burst;
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("read from the mini UART: {e}"),
        }
    }
    (sent, received)
}

/// 10,000 bytes in bursts into the mini UART come back upper-cased: none lost, none reordered.
fn uart_echo_returns_every_byte_in_order(board: Board) {
    const BYTES: usize = 10_000;
    let port = free_port();
    let serial = format!("tcp:127.0.0.1:{port},server=on,wait=off");
    let qemu = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(["run", "seconds=20"])
        .dtb(dtb(board))
        .initrd(package(DRIVERS_MANIFEST))
        .extra_args(["-serial", serial.as_str()])
        .timeout(TIMEOUT);
    let guest = std::thread::spawn(move || qemu.run());
    let (sent, received) = talk(port, BYTES, Instant::now() + Duration::from_secs(18));
    let run = guest
        .join()
        .expect("the QEMU thread")
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!run.timed_out, "QEMU timed out\n{}", run.log());
    run.assert_exit(EXIT_OK);
    run.assert_line("uart-echo: started, echoing the mini UART upper-cased");
    let expected = echoed(&sent);
    let same = expected
        .iter()
        .zip(&received)
        .take_while(|(a, b)| a == b)
        .count();
    assert_eq!(
        received.len(),
        BYTES,
        "{} of {BYTES} bytes came back (the first {same} in order)\n{}",
        received.len(),
        run.log()
    );
    assert_eq!(same, BYTES, "byte {same} differs");
    run.assert_line("uart-echo: 10000 bytes echoed");
    run.expect_no_line("fault: uart-echo")
        .unwrap_or_else(|e| panic!("{e}"));
}

on_both_boards!(uart_echo_returns_every_byte_in_order);
