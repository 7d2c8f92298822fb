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
use ruvix_runner::package::{DRIVERS_MANIFEST, ECHO_RESTART_MANIFEST, IRQ_STORM_MANIFEST};

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
    let mut last_byte = Instant::now();
    while received.len() < total && Instant::now() < deadline {
        // Everything sent and nothing more for a while: what was lost stays lost.
        if offset == total && last_byte.elapsed() > Duration::from_secs(2) {
            break;
        }
        if offset < total {
            let burst = (total - offset).min(200);
            stream
                .write_all(&sent[offset..offset + burst])
                .expect("write to the mini UART");
            offset += burst;
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                received.extend_from_slice(&buffer[..n]);
                last_byte = Instant::now();
            }
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

/// Boots `manifest` with the mini UART on a loopback socket, sends `bytes` through it (see
/// [`talk`]) and returns the run with what was sent and what came back.
fn echo_run(board: Board, manifest: &str, bytes: usize) -> (Outcome, Vec<u8>, Vec<u8>) {
    let port = free_port();
    let serial = format!("tcp:127.0.0.1:{port},server=on,wait=off");
    let qemu = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(["run", "seconds=20"])
        .dtb(dtb(board))
        .initrd(package(manifest))
        .extra_args(["-serial", serial.as_str()])
        .timeout(TIMEOUT);
    let guest = std::thread::spawn(move || qemu.run());
    let (sent, received) = talk(port, bytes, Instant::now() + Duration::from_secs(18));
    let run = guest
        .join()
        .expect("the QEMU thread")
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!run.timed_out, "QEMU timed out\n{}", run.log());
    run.assert_exit(EXIT_OK);
    (run, sent, received)
}

/// 10,000 bytes in bursts into the mini UART come back upper-cased: none lost, none reordered.
fn uart_echo_returns_every_byte_in_order(board: Board) {
    const BYTES: usize = 10_000;
    let (run, sent, received) = echo_run(board, DRIVERS_MANIFEST, BYTES);
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

/// The echo's host crashes mid-stream (fault injection, after its 10th acknowledgement); its
/// restart policy brings it back, its interrupt is masked while it is down and enabled again
/// once it has mounted, and it echoes again: what was sent after the restart comes back.
fn a_crashed_echo_is_restarted_and_receives_again(board: Board) {
    const BYTES: usize = 3_000;
    let (run, sent, received) = echo_run(board, ECHO_RESTART_MANIFEST, BYTES);
    run.assert_line("[inject-crash-echo] inject: crash-echo: the host will crash");
    let fault = run.assert_line("fault: inject-crash-echo: ");
    assert!(fault.contains("at 0x10"), "{fault}");
    run.assert_line("interrupt uart (aux, line ");
    run.assert_line("): masked while its holder is down");
    run.assert_line("restart: inject-crash-echo: restarted (1 of 3)");
    run.assert_line("[inject-crash-echo] inject: crash-echo: restarted, not crashing again");
    let enabled = run
        .lines
        .iter()
        .filter(|l| l.contains("): enabled for inject-crash-echo"))
        .count();
    assert_eq!(enabled, 2, "at boot and after the restart\n{}", run.log());
    // The masked line lost nothing on the wire beyond what the crash and the restart's FIFO
    // reset dropped (two 8-byte FIFOs at most, and what was read but not yet written back);
    // the stream after the restart is whole.
    let expected = echoed(&sent);
    println!(
        "{board:?}: {} of {BYTES} bytes came back across the crash",
        received.len()
    );
    assert!(
        received.len() + 64 >= BYTES && received.len() < BYTES,
        "{} of {BYTES} bytes came back\n{}",
        received.len(),
        run.log()
    );
    let tail = 1000;
    assert_eq!(
        received[received.len() - tail..],
        expected[BYTES - tail..],
        "the last {tail} bytes after the restart"
    );
}

/// An interrupt that is never acknowledged stays masked: it fired once, and the pipeline beside
/// its holder keeps its throughput (guest time, `-icount`).
fn a_never_acknowledged_interrupt_stays_masked(board: Board) {
    let run = boot_with_initrd_icount(board, &["run", "seconds=1"], &package(IRQ_STORM_MANIFEST));
    run.assert_exit(EXIT_OK);
    run.assert_line("[irq-storm] irq-storm: fired 1 time(s), never acknowledging");
    let stats = run.assert_line("stats: interrupt uart ");
    assert_eq!(number_after(stats, "): "), 1, "{stats}");
    assert_eq!(number_after(stats, " fired, "), 0, "{stats}");
    let delivered = |run: &Outcome| number_after(run.assert_line("stats: queue 1: "), " sent, ");
    let alone = delivered(&boot_with_initrd_icount(
        board,
        &["run", "seconds=1"],
        &package(ruvix_runner::package::DEMO_MANIFEST),
    ));
    let beside = delivered(&run);
    println!("{board:?}: pipeline alone {alone} messages, beside the storm {beside}");
    assert!(
        beside * 100 >= alone * 95,
        "the pipeline moved {beside} messages beside the storm, {alone} alone"
    );
}

on_both_boards!(
    uart_echo_returns_every_byte_in_order,
    a_crashed_echo_is_restarted_and_receives_again,
    a_never_acknowledged_interrupt_stays_masked
);
