//! `ruvix-runner bench`: the numbers that describe the firmware's speed and size, measured by
//! booting the test images under QEMU (both boards):
//!
//! - image sizes: the kernel image, the component host it embeds (the same EL0 program in
//!   every process), and the kernel without it (the trusted base); per process, the memory the
//!   kernel gives it;
//! - stage durations, and stage 0/1 in guest instructions (`-icount shift=0`: one instruction
//!   per nanosecond of virtual time, so counter ticks × 10⁹ / CNTFRQ = instructions);
//! - per component: wasm size and mount time (wall-clock ticks and instructions);
//! - guest instructions for one queue send + receive between two components (bench-queue:
//!   ping-pong, half a round trip), for one switch between two components (bench-yield: two
//!   processes yielding to each other) and for one `regions.read32` of a device register from
//!   wasm (bench-mmio);
//! - guest instructions for one null supervisor call round trip from an EL0 process (the
//!   `el0` scenario);
//! - interrupt latency: the system timer's match to the ticker's `wait` returning (Pi 3);
//! - the console's round trip: a typed command to the demo shell's answer;
//! - the demo pipeline's messages in one guest second (`-icount`) alone and beside each
//!   flooder and all three, at the least urgent priority and at its own, with the flooders'
//!   share of time;
//! - the demo pipeline's messages per second in QEMU (wall clock).
//!
//! Instruction counts are deterministic; wall-clock figures depend on the host.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::package::{
    DEMO_MANIFEST, DRIVERS_MANIFEST, FLOOD_MANIFESTS, FLOODERS, pack, package_path, qemu_dtb_path,
};
use crate::{Board, Input, Outcome, Qemu, image_dir, number_after};

mod calls;
mod compute;
mod table;
pub use table::{Figure, Table, Target, Unit, format_value, grouped};

pub const BENCH_QUEUE_MANIFEST: &str = "components/bench-queue.toml";
pub const BENCH_YIELD_MANIFEST: &str = "components/bench-yield.toml";
pub const BENCH_MMIO_MANIFEST: &str = "components/bench-mmio.toml";

fn find<'a>(run: &'a Outcome, needle: &str) -> Result<&'a str> {
    run.find(needle)
        .with_context(|| format!("no line contains {needle:?}\n{}", run.log()))
}

struct Run {
    outcome: Outcome,
    counter_hz: u64,
    elapsed_ticks: u64,
}

/// QEMU booting the test image of `board` with these semihosting arguments (a scenario and
/// its options), counted in guest instructions (`-icount shift=0`) when `icount`.
fn test_image(board: Board, args: &[&str], icount: bool) -> Qemu {
    let qemu = Qemu::new(board, image_dir(board, true))
        .semihosting_args(args.iter().copied())
        .timeout(Duration::from_secs(600));
    if icount {
        qemu.extra_args(["-icount", "shift=0"])
    } else {
        qemu
    }
}

fn boot(board: Board, seconds: u32, initrd: Option<PathBuf>, icount: bool) -> Result<Run> {
    let seconds_arg = format!("seconds={seconds}");
    let mut qemu = test_image(board, &["run", seconds_arg.as_str()], icount);
    if let Some(initrd) = initrd {
        qemu = qemu.dtb(qemu_dtb_path(board)).initrd(initrd);
    }
    let outcome = qemu.run()?;
    if outcome.exit_code != Some(0) {
        bail!("benchmark run failed\n{}", outcome.log());
    }
    let run_line = find(&outcome, " ticks elapsed at ")?;
    let elapsed_ticks = number_after(run_line, "run: ").context("elapsed ticks")?;
    let counter_hz = number_after(run_line, " at ").context("counter frequency")?;
    Ok(Run {
        outcome,
        counter_hz,
        elapsed_ticks,
    })
}

/// Guest instructions for `ticks` counter ticks of an `-icount shift=0` run.
fn instructions(ticks: u64, counter_hz: u64) -> u64 {
    (u128::from(ticks) * 1_000_000_000 / u128::from(counter_hz.max(1))) as u64
}

fn sum_of(run: &Outcome, prefix: &str, marker: &str) -> u64 {
    run.lines
        .iter()
        .filter(|l| l.contains(prefix))
        .filter_map(|l| number_after(l, marker))
        .sum()
}

/// Whether the bench section `name` runs: all of them, unless `RUVIX_BENCH_ONLY` names some
/// (comma-separated), for working on one without waiting for the rest.
fn wanted(name: &str) -> bool {
    match std::env::var("RUVIX_BENCH_ONLY") {
        Ok(only) => only.split(',').any(|s| s.trim() == name),
        Err(_) => true,
    }
}

fn bench_board(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    writeln!(report, "\n## {} ({})\n", board.name(), board.machine())?;
    type Section = fn(Board, &mut String, &mut Table) -> Result<()>;
    let sections: [(&str, Section); 5] = [
        ("sizes", size_figures),
        ("ipc", ipc_figures),
        ("interrupts", interrupt_figures),
        ("svc", svc_figures),
        ("pipeline", pipeline_figures),
    ];
    for (name, section) in sections {
        if wanted(name) {
            section(board, report, table)?;
        }
    }
    if wanted("calls") {
        calls::figures(board, report, table)?;
    }
    if wanted("compute") {
        compute::figures(board, report, table)?;
    }
    Ok(())
}

/// Image sizes, stage durations, mounts, per-process memory.
fn size_figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    for test in [false, true] {
        let dir = image_dir(board, test);
        let size = file_size(&dir.join("kernel8.img"))?;
        let host = file_size(&dir.join(crate::image::HOST_STRIPPED_NAME))?;
        writeln!(
            report,
            "- {}: {size} bytes: the kernel (trusted base) {} bytes + the component host it embeds {host} bytes",
            dir.join("kernel8.img").display(),
            size.saturating_sub(host)
        )?;
        if !test {
            table.push(
                board,
                Figure::new(
                    "kernel image without the component host",
                    size.saturating_sub(host) as f64,
                    Unit::Bytes,
                )
                .at_most(512.0 * 1024.0),
            );
            table.push(
                board,
                Figure::new("component host (EL0 program)", host as f64, Unit::Bytes),
            );
        }
    }

    // Stages and mounts, counted in instructions.
    let counted = boot(board, 0, None, true)?;
    let host = find(&counted.outcome, "processes: component host ")?;
    writeln!(
        report,
        "- component host: {} bytes of code and read-only data, shared; {} bytes of data and bss per process",
        number_after(host, "bytes of ELF: ").unwrap_or(0),
        number_after(host, " processes, ").unwrap_or(0)
    )?;
    let process = find(&counted.outcome, "process sensor: ASID")?;
    writeln!(
        report,
        "- memory per process (sensor, `memory = \"2 MiB\"`): {} KiB of its own (data, stack, heap = 2 × memory + engine, inputs) + {} KiB of translation tables",
        number_after(process, "ticks, ").unwrap_or(0),
        number_after(process, "inputs), ").unwrap_or(0)
    )?;
    writeln!(
        report,
        "\n| stage | ticks (icount) | guest instructions |\n| --- | ---: | ---: |"
    )?;
    for stage in [
        "stage 0 hardware",
        "stage 1 verify",
        "stage 2 create",
        "stage 3 mount",
        "stage 4 attest",
    ] {
        let line = find(&counted.outcome, &format!("{stage}: ok"))?;
        let ticks = number_after(line, ": ok (").context("stage ticks")?;
        writeln!(
            report,
            "| {stage} | {ticks} | {} |",
            instructions(ticks, counted.counter_hz)
        )?;
    }
    let ready = find(&counted.outcome, "boot: all ")?;
    let ready_ticks = number_after(ready, "running from ").context("boot ticks")?;
    writeln!(
        report,
        "\n- boot to all demo tasks running: {} guest instructions",
        instructions(ready_ticks, counted.counter_hz)
    )?;
    table.push(
        board,
        Figure::new(
            "boot to all demo tasks running",
            instructions(ready_ticks, counted.counter_hz) as f64,
            Unit::Instructions,
        )
        .at_most(12_000_000.0),
    );
    writeln!(
        report,
        "\n| component | wasm bytes | mount (instructions) |\n| --- | ---: | ---: |"
    )?;
    for line in counted
        .outcome
        .lines
        .iter()
        .filter(|l| l.contains("bytes of wasm"))
    {
        let name = line
            .split("mount: ")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .unwrap_or("?");
        let bytes = number_after(line, &format!("{name}: ")).unwrap_or(0);
        let ticks = number_after(line, "task(s), ").unwrap_or(0);
        // In its own process at EL0: creating the process and mounting inside it.
        let mount = instructions(ticks, counted.counter_hz);
        writeln!(report, "| {name} | {bytes} | {mount} |")?;
        // The target is for a component of about 15 KB of wasm.
        let figure = Figure::new(
            format!("mount of {name} ({} KB of wasm)", bytes.div_ceil(1000)),
            mount as f64,
            Unit::Instructions,
        );
        table.push(
            board,
            if (10_000..=20_000).contains(&bytes) {
                figure.at_most(500_000.0)
            } else {
                figure
            },
        );
    }

    Ok(())
}

/// Queue send + receive, a switch between components, MMIO from wasm.
fn ipc_figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    // One send + receive: half a ping-pong round trip.
    let queue = boot(board, 1, Some(package_path(BENCH_QUEUE_MANIFEST)), true)?;
    // Queue 1 carries the replies: one message per completed round trip.
    let round_trips =
        number_after(find(&queue.outcome, "stats: queue 1:")?, "stats: queue 1: ").unwrap_or(0);
    let per_round_trip = instructions(queue.elapsed_ticks, queue.counter_hz) / round_trips.max(1);
    writeln!(
        report,
        "\n- queue send + receive between two components: {} guest instructions ({round_trips} round trips, {} per round trip)",
        per_round_trip / 2,
        per_round_trip
    )?;
    table.push(
        board,
        Figure::new(
            "queue send + receive between two components (half a ping-pong round trip)",
            (per_round_trip / 2) as f64,
            Unit::Instructions,
        )
        .at_most(2000.0),
    );

    // One switch: two components (processes) yielding to each other.
    let yields_run = boot(board, 1, Some(package_path(BENCH_YIELD_MANIFEST)), true)?;
    let yields = sum_of(&yields_run.outcome, "stats: process yield-", " preempted, ").max(1);
    let per_yield = instructions(yields_run.elapsed_ticks, yields_run.counter_hz) / yields;
    writeln!(
        report,
        "- switch between two components (a yield, through the kernel): {per_yield} guest instructions ({yields} yields)",
    )?;
    table.push(
        board,
        Figure::new(
            "switch to a task of another component (yield)",
            per_yield as f64,
            Unit::Instructions,
        )
        .at_most(1000.0),
    );

    // One `regions.read32` of a device register, from wasm, in its own process.
    let mmio = boot(board, 1, Some(package_path(BENCH_MMIO_MANIFEST)), true)?;
    let line = find(&mmio.outcome, " read32 in ")?;
    let reads = number_after(line, "bench-mmio: ").context("reads")?.max(1);
    let us = number_after(line, " read32 in ").context("microseconds")?;
    writeln!(
        report,
        "- MMIO `regions.read32` from wasm: {} guest instructions ({reads} reads)",
        us * 1000 / reads
    )?;
    table.push(
        board,
        Figure::new(
            "`regions.read32` on MMIO, from wasm",
            (us * 1000 / reads) as f64,
            Unit::Instructions,
        )
        .at_most(200.0),
    );

    Ok(())
}

/// Interrupt latency and the console's round trip.
fn interrupt_figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    // Interrupt latency: from the system timer's compare match to the ticker's `wait`
    // returning, as the ticker measures it (CLO at its wake-up minus the compare value, in
    // microseconds of guest time: 1,000 instructions each under `-icount shift=0`; it includes
    // the ticker's own `read32` of CLO). QEMU's raspi4b does not wire the system timer to the
    // GIC, so there is nothing to measure there.
    if board == Board::Rpi3 {
        let drivers = boot(board, 3, Some(package_path(DRIVERS_MANIFEST)), true)?;
        let reports: Vec<&str> = drivers
            .outcome
            .lines
            .iter()
            .map(String::as_str)
            .filter(|l| l.contains("ticker: ") && l.contains(" interrupts in "))
            .skip(1) // the first second includes the boot
            .collect();
        if reports.is_empty() {
            bail!("no ticker reports\n{}", drivers.outcome.log());
        }
        let field = |line: &str, marker: &str| number_after(line, marker).unwrap_or(0);
        let mean = reports.iter().map(|l| field(l, ", mean ")).sum::<u64>() / reports.len() as u64;
        let max = reports
            .iter()
            .map(|l| field(l, "jitter max "))
            .max()
            .unwrap_or(0);
        let count: u64 = reports.iter().map(|l| field(l, "ticker: ")).sum();
        let missed: u64 = reports.iter().map(|l| field(l, ", missed ")).sum();
        writeln!(
            report,
            "- interrupt latency (system timer match to the holder's `wait` returning, beside the pipeline): mean {} guest instructions, max {} ({count} interrupts at 1 kHz, {missed} missed; 1 µs resolution)",
            mean * 1000,
            max * 1000
        )?;
        table.push(
            board,
            Figure::new(
                "interrupt latency, mean (timer match to the holder's `wait` returning)",
                (mean * 1000) as f64,
                Unit::Instructions,
            )
            .at_most(3000.0),
        );
    } else {
        writeln!(
            report,
            "- interrupt latency: not measurable here (QEMU's raspi4b does not connect the system timer to the GIC)"
        )?;
    }

    // The console's round trip: a command typed (its last byte's receive interrupt) to the
    // shell's answer being made (the `uptime` report says how long ago the last byte came),
    // beside the running pipeline.
    let console = test_image(board, &["run", "seconds=4"], true)
        .dtb(qemu_dtb_path(board))
        .initrd(package_path(DEMO_MANIFEST))
        .input(Input::Script(vec![
            (Duration::ZERO, b"\n".to_vec()),
            (Duration::from_secs(2), b"uptime\n".to_vec()),
            (Duration::from_secs(2), b"uptime\n".to_vec()),
        ]))
        .run()?;
    let round_trips: Vec<u64> = console
        .lines
        .iter()
        .filter_map(|l| number_after(l, "last console input "))
        .collect();
    let [first, second, ..] = round_trips[..] else {
        bail!("the shell did not answer twice\n{}", console.log());
    };
    writeln!(
        report,
        "- console round trip (Enter to the shell's `uptime` answer, beside the pipeline): {} guest instructions; the first command {} (wasmi translates the shell's code on first use)",
        second * 1000,
        first * 1000
    )?;
    table.push(
        board,
        Figure::new(
            "console round trip (Enter to the shell's answer, warm)",
            (second * 1000) as f64,
            Unit::Instructions,
        ),
    );

    Ok(())
}

/// A null supervisor call.
fn svc_figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    // A null supervisor call from EL0 and back.
    let el0 = test_image(board, &["el0"], true).run()?;
    let line = find(&el0, "null supervisor calls in ")?;
    let calls = number_after(line, "el0: ").context("calls")?.max(1);
    let ticks = number_after(line, " calls in ").context("ticks")?;
    let hz = number_after(find(&el0, "clocks: ARM")?, "counter ").context("counter")?;
    writeln!(
        report,
        "- null supervisor call from an EL0 process and back: {} guest instructions ({calls} calls)",
        instructions(ticks, hz) / calls
    )?;
    table.push(
        board,
        Figure::new(
            "null `svc` from EL0 and back",
            (instructions(ticks, hz) / calls) as f64,
            Unit::Instructions,
        ),
    );

    Ok(())
}

/// The pipeline alone, beside the flooders, in wall-clock time; the log's steady state.
fn pipeline_figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    // The pipeline beside the flooders, in one guest second each.
    let alone = boot(board, 1, Some(package_path(DEMO_MANIFEST)), true)?;
    let delivered = |run: &Run| {
        number_after(
            find(&run.outcome, "stats: queue 1:").unwrap_or(""),
            " sent, ",
        )
        .unwrap_or(0)
    };
    let base = delivered(&alone).max(1);
    writeln!(
        report,
        "- demo pipeline alone: {base} messages per guest second (icount)"
    )?;
    table.push(
        board,
        Figure::new("demo pipeline alone", base as f64, Unit::PerSecond),
    );
    let mut systems: Vec<(String, PathBuf)> = Vec::new();
    for manifest in FLOOD_MANIFESTS {
        for flooder in FLOODERS {
            let (name, path) = one_flooder(manifest, flooder)?;
            systems.push((name, path));
        }
        systems.push((manifest.to_string(), package_path(manifest)));
    }
    for (manifest, package) in &systems {
        let flooded = boot(board, 1, Some(package.clone()), true)?;
        let messages = delivered(&flooded);
        let share: Vec<String> = FLOODERS
            .iter()
            .filter(|name| flooded.outcome.component_ticks(name).is_some())
            .map(|name| {
                let used = flooded.outcome.component_ticks(name).unwrap_or(0);
                format!(
                    "{name} {:.1} %",
                    100.0 * used as f64 / flooded.elapsed_ticks.max(1) as f64
                )
            })
            .collect();
        // A misbehaving component less urgent than the pipeline must leave it ≥ 80 %; one at the
        // same priority is owed its fair share, so that row has no target.
        let share_kept = Figure::new(
            format!("demo pipeline beside {manifest}, share of alone"),
            100.0 * messages as f64 / base as f64,
            Unit::Percent,
        );
        table.push(
            board,
            if manifest.contains("flood-low") {
                share_kept.at_least(80.0)
            } else {
                share_kept
            },
        );
        writeln!(
            report,
            "- beside the flooders ({manifest}): {messages} messages ({:.1} % of alone); CPU time: {}",
            100.0 * messages as f64 / base as f64,
            share.join(", ")
        )?;
    }

    // The demo in wall-clock time.
    let demo = boot(board, 10, None, false)?;
    // Queue 1 ("filtered") feeds the sink: every message there went all the way through.
    let messages =
        number_after(find(&demo.outcome, "stats: queue 1:")?, "stats: queue 1: ").unwrap_or(0);
    let seconds = demo.elapsed_ticks as f64 / demo.counter_hz.max(1) as f64;
    writeln!(
        report,
        "- demo pipeline in QEMU (wall clock): {messages} messages in {seconds:.2} s = {:.0} messages/s",
        messages as f64 / seconds
    )?;

    // The demo's log in steady state: bytes of encoded defmt frames queued for the UART, the
    // difference between a short and a long run (the start-up lines cancel out), in guest time.
    let log_bytes = |run: &Run| -> Result<u64> {
        number_after(find(&run.outcome, " log bytes queued")?, "run: ").context("log bytes")
    };
    let (short, long) = (10, 30);
    let short_run = boot(board, short, None, true)?;
    let long_run = boot(board, long, None, true)?;
    let steady =
        log_bytes(&long_run)?.saturating_sub(log_bytes(&short_run)?) / (long - short) as u64;
    writeln!(
        report,
        "- demo log in steady state: {steady} bytes/s of defmt frames ({:.1} % of a 115200-baud line, 11,520 bytes/s; budget 1,152)",
        steady as f64 * 100.0 / 11_520.0
    )?;
    Ok(())
}

fn file_size(path: &std::path::Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| path.display().to_string())?
        .len())
}

/// `manifest` (a flood system) with only `flooder` of its flooders, packed: its name and
/// package. The flooders come after the demo in those manifests; a block (component or queue)
/// that names another flooder is left out.
fn one_flooder(manifest: &str, flooder: &str) -> Result<(String, PathBuf)> {
    let text = std::fs::read_to_string(crate::workspace_root().join(manifest))
        .with_context(|| manifest.to_string())?;
    let mut kept = String::new();
    for block in text.split("\n[[") {
        let names_other = FLOODERS
            .iter()
            .filter(|other| **other != flooder)
            .any(|other| {
                block.contains(&format!("name = \"{other}\""))
                    || block.contains(&format!("\"{other}."))
            });
        if !names_other {
            if !kept.is_empty() {
                kept.push_str("\n[[");
            }
            kept.push_str(block);
        }
    }
    let stem = std::path::Path::new(manifest)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("flood");
    let name = format!("{stem}-{flooder}");
    let dir = crate::paths::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, kept)?;
    let out = package_path(&format!("{name}.toml"));
    crate::package::pack_manifest(&path, &crate::package::wasm_dir(), &out)?;
    Ok((format!("{manifest} with only {flooder}"), out))
}

pub fn run_benchmarks(boards: &[Board]) -> Result<String> {
    pack(BENCH_QUEUE_MANIFEST)?;
    pack(BENCH_YIELD_MANIFEST)?;
    pack(BENCH_MMIO_MANIFEST)?;
    let mut details = String::new();
    let mut table = Table::default();
    for &board in boards {
        bench_board(board, &mut details, &mut table)?;
    }
    let mut report = String::from("# ruvix-pi benchmarks\n\n");
    report.push_str(&table.render(boards));
    let misses = table.misses();
    if !misses.is_empty() {
        report.push_str(
            "\nMissed targets (the reasons are in the README's performance section):\n\n",
        );
        for (name, board) in misses {
            let _ = writeln!(report, "- {name} ({})", board.machine());
        }
    }
    report.push_str("\n# Details\n");
    report.push_str(&details);
    Ok(report)
}
