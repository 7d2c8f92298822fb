//! A debug session, on both boards: `gdb-multiarch` in batch mode against QEMU's gdb server
//! (what `just debug` starts, here on a free port), on the image users run. It breaks at stage
//! 3's entry, checks the backtrace names the boot path, reads a kernel static (the public key
//! built into the image, compared with the key file) and locals (stage 3's `counter_hz`,
//! kernel_main's `hardware`), then breaks where the kernel enters a process (`__el0_run`, the
//! assembly routine that switches to EL0: it cannot be inlined) once the scheduler runs, lets
//! the system run a while, checks the backtrace names the scheduler's path down from
//! kernel_main, prints the process table with `tools/gdb/ruvix.py` (`ruvix tasks`) and kills
//! QEMU.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ruvix_qemu_tests::*;

/// Marker echoed before each step, so the output can be split into steps.
const STEP: &str = "@@step ";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// The gdb command file: connect (QEMU may not listen yet: retry), then the steps.
fn gdb_script(port: u16) -> String {
    let script = ruvix_runner::workspace_root().join("tools/gdb/ruvix.py");
    format!(
        r#"set pagination off
set confirm off
set width 0
set print pretty off
python
import time
for attempt in range(200):
    try:
        gdb.execute("target remote 127.0.0.1:{port}")
        break
    except gdb.error:
        time.sleep(0.05)
end
source {script}
echo {STEP}before\n
ruvix tasks
break kernel::boot::stage3_mount::run
continue
echo {STEP}bt\n
bt
echo {STEP}args\n
info args
echo {STEP}static\n
x/8xb &kernel::boot::package_source::PUBLIC_KEY
print kernel::boot::RUVIX_SYSTEM
echo {STEP}local\n
frame 1
print hardware.board
print hardware.counter_hz
delete
# The entry of the assembly routine that enters a process (no debug info: parsed as C), once
# the scheduler runs (stage 3's mounts enter the processes too), then 200 process runs later.
set language c
break *__el0_run
set language rust
condition $bpnum kernel::boot::RUVIX_SYSTEM.p.value != 0
continue
condition $bpnum
ignore $bpnum 200
continue
echo {STEP}running-bt\n
bt
echo {STEP}tasks\n
ruvix tasks
echo {STEP}end\n
kill
"#,
        script = script.display()
    )
}

/// Runs gdb on `elf` with `script`, killed after `timeout`; its stdout and stderr together.
fn run_gdb(elf: &std::path::Path, script: &std::path::Path, timeout: Duration) -> String {
    let mut child = Command::new("gdb-multiarch")
        .args(["-batch", "-nx", "-x"])
        .arg(script)
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gdb-multiarch (run tools/setup.sh)");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    while child.try_wait().expect("waiting for gdb").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            timed_out = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.wait();
    let text = format!(
        "{}\n---- gdb stderr\n{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    assert!(!timed_out, "gdb timed out\n{text}");
    text
}

/// The output of step `name` (up to the next step marker).
fn step<'a>(output: &'a str, name: &str) -> &'a str {
    let marker = format!("{STEP}{name}\n");
    let start = output
        .find(&marker)
        .unwrap_or_else(|| panic!("gdb never reached step {name}\n{output}"))
        + marker.len();
    let rest = &output[start..];
    &rest[..rest.find(STEP).unwrap_or(rest.len())]
}

fn gdb_session_sees_stages_statics_locals_and_tasks(board: Board) {
    let port = free_port();
    let dir =
        std::env::temp_dir().join(format!("ruvix-gdb-{}-{}", std::process::id(), board.name()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("session.gdb");
    std::fs::write(&script, gdb_script(port)).unwrap();

    let qemu = Qemu::new(board, ruvix_runner::image_dir(board, false))
        .gdb_port(port)
        .timeout(TIMEOUT);
    let elf = qemu.elf();
    let gdb = thread::spawn(move || run_gdb(&elf, &script, TIMEOUT));
    // QEMU runs until gdb kills it (the `kill` at the end of the script).
    let run = qemu
        .run()
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    let output = gdb.join().expect("gdb thread");
    assert!(!run.timed_out, "QEMU timed out\n{output}\n{}", run.log());
    assert!(
        run.qemu_stderr.contains("Terminated via GDBstub"),
        "gdb's kill should end QEMU\n{}\n{output}",
        run.qemu_stderr
    );
    // The system got as far as the running components before gdb stopped it.
    run.expect_in_order(&["stage 3 mount: ok", "stage 4 attest: ok"])
        .unwrap_or_else(|e| panic!("{e}"));

    // Before the scheduler starts the table is not there, and the script says so.
    assert!(
        step(&output, "before").contains("the scheduler has not started yet"),
        "{output}"
    );
    // Stage 3's entry, called from kernel_main, called from the entry code.
    let bt = step(&output, "bt");
    assert!(
        output.contains("Breakpoint 1, kernel::boot::stage3_mount::run ("),
        "{output}"
    );
    let frames: Vec<&str> = bt.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        frames[0].contains("kernel::boot::stage3_mount::run"),
        "{bt}"
    );
    assert!(
        frames.iter().any(|f| f.contains("kernel::kernel_main")),
        "{bt}"
    );
    assert!(frames.iter().any(|f| f.contains("_start")), "{bt}");
    // A local (an argument of stage 3): the counter frequency QEMU's CNTFRQ gives.
    assert!(
        step(&output, "args").contains("counter_hz = 62500000"),
        "{output}"
    );
    // A kernel static: the public key built into the image is the development key.
    let key = std::fs::read(ruvix_runner::package::public_key()).unwrap();
    let statics = step(&output, "static");
    let bytes: Vec<u8> = statics
        .lines()
        .next()
        .and_then(|l| l.split_once(':'))
        .map(|(_, hex)| {
            hex.split_whitespace()
                .map(|b| u8::from_str_radix(b.trim_start_matches("0x"), 16).unwrap())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(bytes, key[..8], "{statics}");
    assert!(statics.contains("p: core::cell::UnsafeCell"), "{statics}");
    assert!(
        statics.contains("0x0"),
        "RUVIX_SYSTEM is null before the scheduler: {statics}"
    );
    // Locals of kernel_main: what stage 0 found.
    let local = step(&output, "local");
    assert!(
        local.contains(&format!("= \"{}\"", board.name())),
        "{local}"
    );
    assert!(local.contains("= 62500000"), "{local}");

    // Later, entering a process from the scheduler's loop (fat LTO inlines most of the path;
    // gdb shows the inlined frames from the debug info).
    let running = step(&output, "running-bt");
    let frames: Vec<&str> = running.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        frames.first().is_some_and(|f| f.contains("__el0_run")),
        "{running}"
    );
    let mut rest = frames.iter();
    for frame in [
        "ruvix_board::arch::aarch64::el0::run",
        "kernel::process::Processes::run_process",
        "kernel::process::Processes::run_next",
        "kernel::boot::run_system_until",
        "kernel::kernel_main",
        "_start",
    ] {
        assert!(
            rest.any(|f| f.contains(frame)),
            "{frame} not in (or out of order in)\n{running}"
        );
    }
    // The process table: a header naming the columns, one line per process.
    let tasks = step(&output, "tasks");
    println!("{tasks}");
    assert!(tasks.contains("ruvix: 5 processes, "), "{tasks}");
    let header: Vec<&str> = tasks
        .lines()
        .find(|l| l.split_whitespace().next() == Some("id"))
        .unwrap_or_else(|| panic!("no header\n{tasks}"))
        .split_whitespace()
        .collect();
    let column = |line: &str, name: &str| -> String {
        let index = header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
        line.split_whitespace()
            .nth(index)
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            .to_string()
    };
    for (id, name) in ["sensor", "filter", "sink", "blinky", "shell"]
        .iter()
        .enumerate()
    {
        let line = tasks
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no process {name}\n{tasks}"));
        assert_eq!(column(line, "id"), id.to_string(), "{line}");
        // Up and live in the kernel and in the scheduler.
        assert!(
            ["Running", "Waiting"]
                .iter()
                .any(|s| column(line, "state").starts_with(s)),
            "{line}"
        );
        assert_eq!(column(line, "component"), "Running", "{line}");
        assert_eq!(column(line, "asid"), (id + 1).to_string(), "{line}");
        // Every process has run at least once, and none has faulted or restarted.
        let slices: u64 = column(line, "slices")
            .parse()
            .unwrap_or_else(|_| panic!("slices in {line}"));
        assert!(slices > 0, "{line}");
        assert!(
            column(line, "calls").parse::<u64>().is_ok_and(|n| n > 0),
            "{line}"
        );
        assert_eq!(column(line, "faults"), "0", "{line}");
        assert_eq!(column(line, "restarts"), "0", "{line}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

on_both_boards!(gdb_session_sees_stages_statics_locals_and_tasks);
