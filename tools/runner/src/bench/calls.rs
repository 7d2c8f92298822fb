//! `just bench`'s `calls` section: what the host calls cost from wasm and what the system costs
//! in memory.
//!
//! - `bench-calls` (components/bench-calls.toml, alone in its own process) times
//!   `time.now-us`, `capabilities.lookup`, `regions.read` of 64 bytes and `log.write` over many
//!   calls in a row, and an empty loop of the same shape, whose cost per iteration is
//!   subtracted; all in guest instructions under `-icount shift=0` (1 µs of guest time = 1,000
//!   instructions). It also sleeps 100 µs, 1 ms and 5 ms repeatedly and reports how late each
//!   wake-up was.
//! - `log.write` is timed at `info` (the kernel encodes the line into its log ring, and the
//!   UART's transmit interrupt drains it — QEMU's PL011 sends at once, with no baud rate, so
//!   the drain costs what it costs the CPU on hardware, not the wire's time) and at `debug`
//!   (the same checks and budget, but the images print only `info` and above, so no frame is
//!   made). The component's budget is the largest the manifest allows and the `info` lines fit
//!   the ring undrained: the section fails if the kernel dropped any of them.
//! - From the demo (the test image's own package): the kernel heap after the boot (split into
//!   the processes' memory and the kernel's own objects), each process's own memory, and what
//!   each process's translation table maps, by kind.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use super::{Figure, Outcome, Table, Unit, boot, find};
use crate::package::{BENCH_CALLS_MANIFEST, DEMO_MANIFEST, pack, package_path};
use crate::{Board, number_after};

/// The host calls `bench-calls` times: its name for each, and the figure's.
const CALLS: [(&str, &str); 5] = [
    ("now-us", "`time.now-us` from wasm"),
    (
        "lookup",
        "`capabilities.lookup` of its own grant, from wasm",
    ),
    (
        "read",
        "`regions.read` of 64 bytes (RAM region, read-only), from wasm",
    ),
    (
        "log info",
        "`log.write` of a short line within budget, printed (info)",
    ),
    (
        "log debug",
        "`log.write` of a short line within budget, not printed (debug)",
    ),
];

/// The line `bench-calls` times `log.write` with.
const LOG_LINE: &str = "bench-calls: a short line";

/// `bench-calls <name>: <n> calls in <us> us, <f> failed`: calls and microseconds.
fn timed(run: &Outcome, name: &str) -> Result<(u64, u64)> {
    let marker = format!("bench-calls {name}: ");
    let line = find(run, &marker)?;
    let calls = number_after(line, &marker).context("calls")?;
    let us = number_after(line, " calls in ").context("microseconds")?;
    let failed = number_after(line, " us, ").context("failures")?;
    if calls == 0 || failed != 0 {
        bail!("bench-calls {name}: {failed} of {calls} calls failed\n{line}");
    }
    Ok((calls, us))
}

pub fn figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    pack(BENCH_CALLS_MANIFEST)?;
    let run = boot(board, 2, Some(package_path(BENCH_CALLS_MANIFEST)), true)?;
    let outcome = &run.outcome;
    find(outcome, "bench-calls: done")?;

    // Nothing the timed `log.write`s wrote may have been dropped, or some calls did less work.
    let ring = find(outcome, " lines dropped by the ring")?;
    let ring_dropped = number_after(ring, "log bytes queued, ").context("ring drops")?;
    let budget = find(outcome, "stats: log budget bench-calls: ")?;
    let over_budget = number_after(budget, "lines written, ").context("budget drops")?;
    let printed = outcome
        .lines
        .iter()
        .filter(|l| l.contains(LOG_LINE))
        .count();
    let (info_lines, _) = timed(outcome, "log info")?;
    if ring_dropped != 0 || over_budget != 0 || printed as u64 != info_lines {
        bail!(
            "bench-calls: log lines dropped ({ring_dropped} by the ring, {over_budget} over budget, {printed} of {info_lines} printed)\n{}",
            outcome.log()
        );
    }

    let (iterations, loop_us) = timed(outcome, "loop")?;
    let per_iteration = loop_us as f64 * 1000.0 / iterations as f64;
    writeln!(
        report,
        "\n- host calls from wasm (bench-calls, alone in its own process; each figure is the time per call minus the empty loop's {per_iteration:.1} guest instructions per iteration):"
    )?;
    for (name, title) in CALLS {
        let (calls, us) = timed(outcome, name)?;
        let per_call = us as f64 * 1000.0 / calls as f64;
        let net = (per_call - per_iteration).max(0.0);
        writeln!(
            report,
            "  - {title}: {net:.0} guest instructions ({calls} calls in {us} µs)"
        )?;
        table.push(board, Figure::new(title, net.round(), Unit::Instructions));
    }
    let log_bytes = number_after(ring, "run: ").unwrap_or(0);
    writeln!(
        report,
        "  - the log: {log_bytes} bytes of defmt frames queued during the run, none dropped ({info_lines} timed lines printed; the budget allows 10,000 at once)"
    )?;

    // How late a sleep wakes: 1 µs resolution.
    for line in outcome
        .lines
        .iter()
        .filter(|l| l.contains("bench-calls sleep "))
    {
        let requested = number_after(line, "bench-calls sleep ").context("duration")?;
        let sleeps = number_after(line, " us: ").context("sleeps")?.max(1);
        let late = number_after(line, " sleeps, late ").context("lateness")?;
        let max = number_after(line, " us in all, max ").context("maximum")?;
        let mean = late * 1000 / sleeps;
        writeln!(
            report,
            "  - `time.sleep-us({requested})`: late by {mean} guest instructions on average, at most {} ({sleeps} sleeps; 1 µs = 1,000 resolution)",
            max * 1000
        )?;
        table.push(
            board,
            Figure::new(
                format!("`time.sleep-us` of {requested} µs: lateness, mean"),
                mean as f64,
                Unit::Instructions,
            ),
        );
        table.push(
            board,
            Figure::new(
                format!("`time.sleep-us` of {requested} µs: lateness, max"),
                (max * 1000) as f64,
                Unit::Instructions,
            ),
        );
    }
    if !outcome
        .lines
        .iter()
        .any(|l| l.contains("bench-calls sleep "))
    {
        bail!("bench-calls: no sleep lines\n{}", outcome.log());
    }

    memory(board, report, table)
}

/// The kernel heap after the boot and each process's mappings, in the demo.
fn memory(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    let demo = boot(board, 0, None, true)?;
    let outcome = &demo.outcome;
    let heap = find(outcome, "heap after boot: ")?;
    let used = number_after(heap, "heap after boot: ").context("heap used")?;
    let processes = number_after(heap, " bytes used (").context("process memory")?;
    let own = number_after(heap, "translation tables, ").context("kernel's own")?;
    let free = number_after(heap, "the kernel's own), ").context("heap free")?;
    writeln!(
        report,
        "\n- kernel heap after the boot ({DEMO_MANIFEST}): {used} bytes used — {processes} the processes' memory and translation tables, {own} the kernel's own objects — {free} free"
    )?;
    table.push(
        board,
        Figure::new(
            "kernel heap in use after the boot (demo)",
            used as f64,
            Unit::Bytes,
        ),
    );
    table.push(
        board,
        Figure::new(
            "kernel heap after the boot: the kernel's own objects (demo)",
            own as f64,
            Unit::Bytes,
        ),
    );

    let process = find(outcome, "process sensor: ASID")?;
    let private = number_after(process, "ticks, ").context("own memory")?;
    let tables = number_after(process, "inputs), ").context("translation tables")?;
    writeln!(
        report,
        "- per process (sensor, `memory = \"2 MiB\"`): {private} KiB of its own memory + {tables} KiB of translation tables"
    )?;
    table.push(
        board,
        Figure::new(
            "per process: own memory + translation tables (sensor, 2 MiB)",
            ((private + tables) * 1024) as f64,
            Unit::Bytes,
        ),
    );

    writeln!(
        report,
        "\n| component | pages mapped | KiB | code (shared) | read-only data (shared) | data | stack | heap | inputs | regions |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )?;
    let mapped: Vec<&String> = outcome
        .lines
        .iter()
        .filter(|l| l.contains("mapped: "))
        .collect();
    if mapped.is_empty() {
        bail!("no `mapped:` lines\n{}", outcome.log());
    }
    for line in mapped {
        let Some(rest) = line.split_once("mapped: ").map(|(_, r)| r) else {
            continue;
        };
        let name = rest.split(':').next().unwrap_or("?");
        let field = |marker: &str| number_after(rest, marker).unwrap_or(0);
        let pages = field(": ");
        writeln!(
            report,
            "| {name} | {pages} | {} | {} | {} | {} | {} | {} | {} | {} |",
            field(" pages ("),
            field("code "),
            field("read-only data "),
            field(", data "),
            field("stack "),
            field("heap "),
            field("inputs "),
            field("regions ")
        )?;
        table.push(
            board,
            Figure::new(
                format!("mapped by the translation table of {name} (demo)"),
                (pages * 4096) as f64,
                Unit::Bytes,
            ),
        );
    }
    Ok(())
}
