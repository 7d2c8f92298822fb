//! Stage 0 on both boards: the real boot path reaches `stage 0 hardware: ok` and reports the
//! board as QEMU emulates it; the memory map shows W^X and the guard pages.

use ruvix_qemu_tests::*;

fn expected_model_and_ram(board: Board) -> (&'static str, &'static str, &'static str) {
    match board {
        // QEMU's raspi3b: a Pi 3 Model B with 1 GiB; raspi4b: a Pi 4 Model B with 2 GiB.
        Board::Rpi3 => (
            "board: Raspberry Pi 3 Model B",
            "ram: 1024 MiB",
            "cpu: Cortex-A53",
        ),
        Board::Rpi4 => (
            "board: Raspberry Pi 4 Model B",
            "ram: 2048 MiB",
            "cpu: Cortex-A72",
        ),
    }
}

fn boots_to_stage0_with_board_facts(board: Board) {
    let run = boot_scenario(board, "boot");
    let (model, ram, cpu) = expected_model_and_ram(board);
    run.expect_in_order(&[model, cpu, ram, "memory map", "stage 0 hardware: ok"])
        .unwrap_or_else(|e| panic!("{e}"));
    run.assert_line("running at EL1");
    run.assert_line("counter 62500000 Hz");
    run.assert_exit(EXIT_OK);
}

fn memory_map_is_wx_with_guards(board: Board) {
    let run = boot_scenario(board, "boot");
    for (label, attributes) in [
        ("kernel text", "normal RO X "),
        ("kernel rodata", "normal RO XN"),
        ("kernel data+bss", "normal RW XN"),
        ("kernel stack", "normal RW XN"),
        ("heap", "normal RW XN"),
        ("null page", "unmapped"),
        ("kernel stack guard page", "unmapped"),
        ("exception stack guard page", "unmapped"),
        ("peripherals", "device RW XN"),
    ] {
        let suffix = format!("  {label}");
        let line = run
            .lines
            .iter()
            .find(|l| l.ends_with(&suffix))
            .unwrap_or_else(|| panic!("no memory map line for {label}\n{}", run.log()));
        assert!(
            line.contains(attributes),
            "{label} should be {attributes:?}: {line:?}\n{}",
            run.log()
        );
    }
    assert!(
        !run.lines.iter().any(|l| l.contains(" RW X ")),
        "a writable range is executable\n{}",
        run.log()
    );
}

fn real_image_boots(board: Board) {
    // The image users run (no test feature): it never exits, so stop at the stage line.
    let dir = ruvix_runner::image_dir(board, false);
    assert!(
        dir.join("kernel8.img").exists(),
        "build the images first: just build"
    );
    let run = Qemu::new(board, dir)
        .timeout(TIMEOUT)
        .run_until(|line| line.contains("stage 0 hardware: ok"))
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(
        run.stopped,
        "the real image did not reach stage 0\n{}",
        run.log()
    );
}

on_both_boards!(
    boots_to_stage0_with_board_facts,
    memory_map_is_wx_with_guards,
    real_image_boots
);
