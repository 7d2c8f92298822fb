//! The compute suite's two builds agree: the `compute` scenario runs each kernel of
//! `ruvix-bench-suite` natively in the test kernel, then the `bench-compute` component runs the
//! same kernels compiled to wasm, in the same boot; every kernel's checksum must be the same in
//! both (a correctness test: `just bench` reports the timings).

use ruvix_qemu_tests::*;
use ruvix_runner::package::BENCH_COMPUTE_MANIFEST;

const KERNELS: [&str; 5] = ["crc32", "matmul", "fib", "heapsort", "parse"];

fn native_and_wasm_checksums_agree(board: Board) {
    // Under -icount the component's work takes a fixed amount of guest time (well under 1 s),
    // however busy the host is.
    let run = boot_with_initrd_icount(
        board,
        &["compute", "seconds=2"],
        &package(BENCH_COMPUTE_MANIFEST),
    );
    run.assert_exit(EXIT_OK);
    run.assert_line("selftest compute: ok");
    run.assert_line("bench-compute: done");
    for kernel in KERNELS {
        let native = run.assert_line(&format!("compute native {kernel}: "));
        let wasm = run.assert_line(&format!("bench-compute {kernel}: "));
        println!("{native}\n{wasm}");
        assert_eq!(
            hex_after(native, "checksum "),
            hex_after(wasm, "checksum "),
            "{kernel}: the native and wasm builds disagree\n{}",
            run.log()
        );
    }
    run.expect_no_line("fault: bench-compute")
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn rpi3_native_and_wasm_checksums_agree() {
    native_and_wasm_checksums_agree(Board::Rpi3);
}

#[test]
fn rpi4_native_and_wasm_checksums_agree() {
    native_and_wasm_checksums_agree(Board::Rpi4);
}
