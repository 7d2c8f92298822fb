//! The demo system (`components/demo.toml`) with the real guest modules on the host platform:
//! the pipeline delivers 10,000 readings in order and blinky's GPIO pin toggles.

mod common;

use std::time::Instant;

use common::{FakePlatform, Gpio, mount_components, step};
use ruvix_caps::RegionId;
use ruvix_runtime::{Runtime, Step, TaskState};

const MILESTONE: &str = "10000 messages received in order (0 lost, 0 duplicated, 0 reordered)";

fn sink_done(runtime: &Runtime<FakePlatform>) -> bool {
    runtime
        .platform()
        .logged("sink", &format!("sink: {MILESTONE}"))
}

fn blinky_levels(runtime: &Runtime<FakePlatform>) -> Vec<String> {
    runtime
        .platform()
        .lines("blinky")
        .into_iter()
        .filter(|l| l.starts_with("blinky: gpio21 level"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn demo_pipeline_delivers_10000_readings_in_order_and_blinky_toggles() {
    // Long slices: see tests/native_stack.rs.
    common::with_big_stack(demo_pipeline_delivers_10000_readings_in_order_and_blinky_toggles_body);
}

fn demo_pipeline_delivers_10000_readings_in_order_and_blinky_toggles_body() {
    let (mut runtime, report, manifest) = mount_components("demo.toml");
    assert_eq!(report.components_mounted, 5);
    assert_eq!(report.tasks_spawned, 5);
    assert_eq!(report.queues_connected, 2);
    // Capability grants and mount timing are reported.
    assert!(
        !runtime
            .platform()
            .events_with("capability \"out\"")
            .is_empty()
    );
    assert_eq!(runtime.platform().events_with("mounted").len(), 5);

    let started = Instant::now();
    let mut slices = 0u64;
    while !(sink_done(&runtime) && blinky_levels(&runtime).len() >= 4) {
        step(&mut runtime);
        slices += 1;
        assert!(slices < 2_000_000, "no progress after {slices} slices");
    }
    let elapsed = started.elapsed();

    // The sink's own verdict, from its log lines.
    let platform = runtime.platform();
    let sink = platform.lines("sink");
    assert!(sink.contains(&"sink: started"));
    assert!(sink.iter().any(|l| l.ends_with(MILESTONE)), "{sink:?}");
    // Its periodic summaries (every 5 s of the clock), if the run lasted that long, are clean.
    for line in sink.iter().filter(|l| l.contains(" messages in order")) {
        assert!(
            line.ends_with(" messages in order, 0 lost, 0 duplicated, 0 reordered"),
            "{line}"
        );
    }
    assert!(
        sink.iter()
            .all(|l| !l.contains("corrupt") && !l.contains("error"))
    );
    drop(platform);

    // The queues' counters agree: everything sent was received (or is still queued), exactly.
    let stats = runtime.queue_stats();
    let received = stats[1].received;
    assert!(received >= 10_000);
    for queue in &stats {
        assert!(
            queue.sent >= queue.received && queue.sent - queue.received <= 8,
            "{queue:?}"
        );
        assert!(queue.peak_len <= 8);
    }
    assert!(stats[0].sent >= stats[1].sent);

    // The summary region holds the sink's count; nothing lost, duplicated or reordered.
    let summary_index = manifest
        .regions
        .iter()
        .position(|r| r.name == "summary")
        .unwrap();
    let summary = runtime
        .read_region(RegionId(summary_index as u32), 0, 0x40)
        .unwrap();
    let field = |offset: usize| u64::from_le_bytes(summary[offset..offset + 8].try_into().unwrap());
    assert_eq!(&summary[..8], b"RVXSINK1");
    assert_eq!(field(0x08), received, "summary count = queue count");
    assert_eq!(field(0x10), received - 1, "last sequence number");
    assert_eq!((field(0x18), field(0x20), field(0x28)), (0, 0, 0));
    assert_eq!((field(0x30), field(0x38)), (0, 0));

    // Blinky: GPIO 21 an output, the level read back alternates 1, 0, 1, 0.
    let levels = blinky_levels(&runtime);
    for (n, line) in levels.iter().enumerate() {
        let expected = if n % 2 == 0 { "1" } else { "0" };
        assert_eq!(line, &format!("blinky: gpio21 level {expected}"));
    }
    let platform = runtime.platform();
    assert!(platform.logged(
        "blinky",
        "blinky: gpio21 is an output (GPFSEL2 = 0x00000008)"
    ));
    assert_eq!(platform.gpio.registers[2], 0b001 << 3, "GPFSEL2");
    assert!(platform.gpio.writes >= 5);
    let _ = Gpio::GPLEV0;
    drop(platform);

    // The shell answers what is typed on the console (the kernel wakes it; here the test does).
    assert!(
        runtime
            .platform()
            .logged("shell", "shell: ready, type help")
    );
    runtime
        .platform_mut()
        .console_input
        .extend(b"help\r\nuptime\nbogus\n");
    runtime.notify(ruvix_runtime::WaitOn::Console);
    let mut steps = 0;
    while runtime.platform().lines("shell").len() < 7 {
        step(&mut runtime);
        steps += 1;
        assert!(steps < 10_000, "{:?}", runtime.platform().lines("shell"));
    }
    let shell = runtime.platform().lines("shell").join("\n");
    assert!(
        shell.contains("shell: > help\nshell: commands: help, uptime, tasks, queues, log"),
        "{shell}"
    );
    assert!(
        shell.contains("shell: > uptime\nshell: report 0 at "),
        "{shell}"
    );
    assert!(
        shell.contains("shell: unknown command \"bogus\", type help"),
        "{shell}"
    );

    // Nobody faulted; every task still runs.
    assert!(runtime.platform().events_with("fault").is_empty());
    for task in runtime.tasks() {
        assert_ne!(task.state, TaskState::Down, "{task:?}");
    }

    let sink_fuel: u64 = runtime
        .tasks()
        .filter(|t| t.component != "blinky" && t.component != "shell")
        .map(|t| t.stats.fuel)
        .sum();
    println!(
        "demo: {slices} slices, {} scheduler slices, {received} messages in {elapsed:?} ({:.0} messages/s native), \
         {} fuel per message through sensor+filter+sink",
        runtime.slices(),
        received as f64 / elapsed.as_secs_f64(),
        sink_fuel / received
    );
    for task in runtime.tasks() {
        println!("  {}.{}: {:?}", task.component, task.export, task.stats);
    }
    let _ = Step::Idle {
        next_wakeup_ticks: None,
    };
}
