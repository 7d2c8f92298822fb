//! Every error the TOML front end and validation report, each from a small bad manifest, with
//! the exact `file:line:column: message`.

mod common;

use common::{BASE, BOARDS, assert_error, at, at_nth, errors, errors_for, parse, with};
use ruvix_manifest::{BoardId, BoardLimits, KernelCap, limits, parse_toml};

/// BASE with the first occurrence of `from` replaced.
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} not in BASE");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_is_valid() {
    let manifest = parse(BASE).expect("valid");
    assert_eq!(manifest.components.len(), 3);
}

// ---- TOML syntax, unknown keys, types -----------------------------------------------------

#[test]
fn syntax_error() {
    let source = "[system]\nname = \"t\nboards = [\"rpi3\"]\n";
    assert_eq!(
        errors(source),
        ["t.toml:2:10: invalid basic string, expected `\"`"]
    );
}

#[test]
fn unknown_key() {
    let source = with("[[region]]\nname = \"r\"\nkind = \"ram\"\nsize = 4096\ncolour = \"red\"\n");
    assert_error(
        &source,
        "colour",
        "unknown field `colour`, expected one of `name`, `kind`, `size`, `peripheral_offset`, \
         `access`",
    );
}

#[test]
fn unknown_top_level_table() {
    let source = with("[[task]]\nname = \"x\"\n");
    assert_error(
        &source,
        "[[|task]]",
        "unknown field `task`, expected one of `system`, `root`, `witness_log`, `component`, \
         `region`, `queue`, `interrupt`",
    );
}

#[test]
fn type_error() {
    let source = with(
        "[[queue]]\nname = \"q\"\ndepth = \"eight\"\nmessage_size = 4\nfrom = \"a.o\"\nto = \"b.i\"\n",
    );
    assert_error(
        &source,
        "\"eight\"",
        "invalid type: string \"eight\", expected u32",
    );
}

#[test]
fn missing_key() {
    let source = edit("wasm = \"a.wasm\"\n", "");
    assert_eq!(
        errors(&source),
        [format!(
            "{}: missing field `wasm`",
            at(&source, "[[component]]")
        )]
    );
}

#[test]
fn bad_size_string() {
    let source = edit("memory = \"64 KiB\"", "memory = \"64 KB\"");
    assert_error(
        &source,
        "\"64 KB\"",
        "invalid size \"64 KB\": write an integer number of bytes or a string like \"4 KiB\" \
         (units B, KiB, MiB, GiB)",
    );
}

#[test]
fn unknown_capability_name() {
    let source = edit("minimum = [\"timer\"]", "minimum = [\"timer\", \"gpu\"]");
    assert_error(
        &source,
        "\"gpu\"",
        "unknown variant `gpu`, expected one of `physical-memory`, `timer`, `interrupt-queue`, \
         `witness-log`, `log`, `package`, `console`, `system-info`",
    );
}

#[test]
fn unknown_board() {
    let source = edit("boards = [\"rpi3\", \"rpi4\"]", "boards = [\"rpi5\"]");
    assert_error(
        &source,
        "\"rpi5\"",
        "unknown variant `rpi5`, expected `rpi3` or `rpi4`",
    );
}

// ---- system ------------------------------------------------------------------------------

#[test]
fn invalid_system_name() {
    let source = edit("name = \"t\"", "name = \"My System\"");
    assert_error(
        &source,
        "\"My System\"",
        "system \"My System\": name \"My System\" is invalid: use 1 to 32 characters of a-z, \
         0-9, '_' and '-', starting with a letter",
    );
}

#[test]
fn no_boards() {
    let source = edit("boards = [\"rpi3\", \"rpi4\"]", "boards = []");
    assert_error(
        &source,
        "boards = |[]",
        "system \"t\": boards is empty: name at least one target board",
    );
}

#[test]
fn duplicate_board() {
    let source = edit(
        "boards = [\"rpi3\", \"rpi4\"]",
        "boards = [\"rpi3\", \"rpi3\"]",
    );
    assert_eq!(
        errors(&source),
        [format!(
            "{}: system \"t\": board rpi3 is listed twice",
            at_nth(&source, "\"rpi3\"", 1)
        )]
    );
}

#[test]
fn target_board_without_limits() {
    assert_eq!(
        errors_for(BASE, &[BoardLimits::RPI4]),
        [format!(
            "{}: system \"t\": no board limits given for target board rpi3",
            at(BASE, "boards = |[")
        )]
    );
}

#[test]
fn no_components() {
    let source = "[system]\nname = \"t\"\nboards = [\"rpi3\"]\n\n[root]\nminimum = []\n";
    assert_eq!(
        errors(source),
        ["t.toml:1:1: system \"t\": declares no components"]
    );
}

#[test]
fn ram_budget() {
    let source = BASE.replace("memory = \"64 KiB\"", "memory = \"512 MiB\"");
    assert_eq!(
        errors(&source),
        [
            "t.toml:1:1: system \"t\": needs 0x0 bytes of RAM regions + 0x60000000 bytes of \
             linear memory + 0x0 bytes of queue buffers, more than the 0x40000000 bytes of RAM \
             of rpi3",
            "t.toml:1:1: system \"t\": needs 0x0 bytes of RAM regions + 0x60000000 bytes of \
             linear memory + 0x0 bytes of queue buffers, more than the 0x40000000 bytes of RAM \
             of rpi4",
        ]
    );
}

// ---- components --------------------------------------------------------------------------

#[test]
fn invalid_component_name() {
    let source = edit("name = \"a\"", "name = \"Alpha\"");
    assert_error(
        &source,
        "\"Alpha\"",
        "component \"Alpha\": name \"Alpha\" is invalid: use 1 to 32 characters of a-z, 0-9, \
         '_' and '-', starting with a letter",
    );
}

#[test]
fn duplicate_component_name() {
    let source = edit("name = \"b\"", "name = \"a\"");
    let first_line = at(&source, "name = \"a\"")
        .split(':')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(
        errors(&source),
        [format!(
            "{}: component \"a\": name is already used by component #0 (first declared on line \
             {first_line})",
            at_nth(&source, "\"a\"", 1)
        )]
    );
}

#[test]
fn invalid_wasm_file_name() {
    let source = edit("wasm = \"a.wasm\"", "wasm = \"../a.wasm\"");
    assert_error(
        &source,
        "\"../a.wasm\"",
        "component \"a\": wasm file name \"../a.wasm\" is invalid: use a plain file name of up \
         to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', ending in \".wasm\"",
    );
}

#[test]
fn memory_not_whole_pages() {
    let source = edit("memory = \"64 KiB\"", "memory = \"100 KiB\"");
    assert_error(
        &source,
        "\"100 KiB\"",
        "component \"a\": memory of 102400 bytes is not a multiple of 64 KiB (one wasm page)",
    );
}

#[test]
fn memory_limit_out_of_range() {
    let source = edit("memory = \"64 KiB\"", "memory = \"2 GiB\"");
    assert_error(
        &source,
        "\"2 GiB\"",
        "component \"a\": memory limit of 32768 wasm pages is out of range (1..=16384)",
    );
    let source = edit("memory = \"64 KiB\"", "memory = 0");
    assert_error(
        &source,
        "memory = |0",
        "component \"a\": memory limit of 0 wasm pages is out of range (1..=16384)",
    );
}

#[test]
fn memory_more_than_board_ram() {
    let tiny = BoardLimits::new(BoardId::Rpi3, "tiny", 1 << 20, 0x3F00_0000, 0x0100_0000);
    let source = edit("memory = \"64 KiB\"", "memory = \"2 MiB\"");
    assert_eq!(
        errors_for(&source, &[tiny, BoardLimits::RPI4]),
        [
            "t.toml:1:1: system \"t\": needs 0x0 bytes of RAM regions + 0x220000 bytes of linear \
             memory + 0x0 bytes of queue buffers, more than the 0x100000 bytes of RAM of tiny"
                .to_string(),
            format!(
                "{}: component \"a\": memory limit of 0x200000 bytes is more than the 0x100000 \
                 bytes of RAM of tiny",
                at(&source, "\"2 MiB\"")
            ),
        ]
    );
}

#[test]
fn fuel_slice_out_of_range() {
    let source = edit("fuel_slice = 1000", "fuel_slice = 0");
    assert_error(
        &source,
        "fuel_slice = |0",
        "component \"a\": fuel_slice 0 is out of range (1..=1000000000)",
    );
}

#[test]
fn time_slice_defaults_to_10_ms() {
    let manifest = parse(BASE).expect("valid");
    assert_eq!(limits::DEFAULT_TIME_SLICE_MS, 10);
    for component in &manifest.components {
        assert_eq!(component.time_slice_ms, limits::DEFAULT_TIME_SLICE_MS);
    }
}

#[test]
fn time_slice_is_read_per_component() {
    for ms in [1, 25, 1000] {
        let source = edit(
            "fuel_slice = 1000",
            &format!("fuel_slice = 1000\ntime_slice_ms = {ms}"),
        );
        let manifest = parse(&source).expect("valid");
        let slices: Vec<_> = manifest
            .components
            .iter()
            .map(|c| c.time_slice_ms)
            .collect();
        assert_eq!(slices, [ms, 10, 10]);
    }
}

#[test]
fn time_slice_out_of_range() {
    for (ms, message) in [
        (
            0,
            "component \"a\": time_slice_ms 0 is out of range (1..=1000)",
        ),
        (
            1001,
            "component \"a\": time_slice_ms 1001 is out of range (1..=1000)",
        ),
    ] {
        let source = edit(
            "fuel_slice = 1000",
            &format!("fuel_slice = 1000\ntime_slice_ms = {ms}"),
        );
        assert_error(&source, &format!("time_slice_ms = |{ms}"), message);
    }
}

#[test]
fn time_slice_is_an_integer_of_milliseconds() {
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\ntime_slice_ms = \"10 ms\"",
    );
    assert_error(
        &source,
        "time_slice_ms = |\"10 ms\"",
        "invalid type: string \"10 ms\", expected u32",
    );
}

#[test]
fn no_entry_points() {
    let source = edit("entry_points = [{ export = \"run\" }]", "entry_points = []");
    assert_error(
        &source,
        "entry_points = |[]",
        "component \"a\": has no entry points",
    );
}

#[test]
fn duplicate_entry_point() {
    let source = edit(
        "entry_points = [{ export = \"run\" }]",
        "entry_points = [{ export = \"run\" }, { export = \"run\", priority = 1 }]",
    );
    assert_eq!(
        errors(&source),
        [format!(
            "{}: component \"a\": entry point \"run\" is listed twice",
            at_nth(&source, "\"run\"", 1)
        )]
    );
}

#[test]
fn priority_out_of_range() {
    let source = edit(
        "entry_points = [{ export = \"run\" }]",
        "entry_points = [{ export = \"run\", priority = 16 }]",
    );
    assert_error(
        &source,
        "16",
        "component \"a\": entry point \"run\": priority 16 is out of range (0..=15)",
    );
}

#[test]
fn invalid_export_name() {
    let source = edit("export = \"run\"", "export = \"run now\"");
    assert_error(
        &source,
        "\"run now\"",
        "component \"a\": export name \"run now\" is invalid: use 1 to 64 printable ASCII \
         characters without spaces",
    );
}

#[test]
fn restart_policy_out_of_range() {
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\nrestart = { policy = \"restart\", max_restarts = 0, min_run_ms = 0 }",
    );
    let place = at(&source, "restart = |{");
    assert_eq!(
        errors(&source),
        [
            format!(
                "{place}: component \"a\": restart policy: max_restarts 0 is out of range \
                 (1..=1000)"
            ),
            format!(
                "{place}: component \"a\": restart policy: min_run_ms 0 is out of range \
                 (1..=3600000)"
            ),
        ]
    );
}

#[test]
fn restart_policy_incomplete() {
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\nrestart = { policy = \"restart\", max_restarts = 3 }",
    );
    assert_error(
        &source,
        "restart = |{",
        "component \"a\": restart policy \"restart\" needs max_restarts and min_run_ms",
    );
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\nrestart = { policy = \"never\", max_restarts = 3 }",
    );
    assert_error(
        &source,
        "restart = |{",
        "component \"a\": restart policy \"never\" takes no max_restarts or min_run_ms",
    );
}

#[test]
fn grant_with_rights_the_root_does_not_hold() {
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\ngrants = { log = \"wo\", timer = \"rw\" }",
    );
    assert_error(
        &source,
        "timer = \"rw\"",
        "component \"a\": grant of \"timer\" with rights rw exceeds the root's rights (ro)",
    );
}

#[test]
fn grant_of_a_capability_the_root_keeps() {
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\ngrants = { physical-memory = \"ro\" }",
    );
    assert_error(
        &source,
        "physical-memory",
        "component \"a\": capability \"physical-memory\" cannot be granted to a component (the \
         root keeps it)",
    );
}

#[test]
fn the_console_goes_to_one_component() {
    let one = "fuel_slice = 1000\ngrants = { console = \"ro\", system-info = \"ro\" }";
    let source = BASE.replacen("fuel_slice = 1000", one, 2);
    assert_error(
        &source,
        "console = \"ro\", system-info = \"ro\" }\nentry_points = [{ export = \"run\" }]\n\n[[component]]\nname = \"c\"",
        "component \"b\": capability \"console\" is already granted to component \"a\": what is typed goes to one component",
    );
    // One holder, and system-info to several, are fine.
    let source = BASE.replacen("fuel_slice = 1000", one, 1).replacen(
        "fuel_slice = 1000\nentry_points",
        "fuel_slice = 1000\ngrants = { system-info = \"ro\" }\nentry_points",
        1,
    );
    parse(&source).expect("valid");
}

#[test]
fn grants_keep_source_order() {
    let source = edit(
        "fuel_slice = 1000",
        "fuel_slice = 1000\ngrants = { timer = \"ro\", log = \"wo\" }",
    );
    let manifest = parse(&source).expect("valid");
    let caps: Vec<_> = manifest.components[0]
        .grants
        .iter()
        .map(|g| g.cap)
        .collect();
    assert_eq!(caps, [KernelCap::Timer, KernelCap::Log]);
}

// ---- regions -----------------------------------------------------------------------------

fn region(body: &str) -> String {
    with(&format!("[[region]]\nname = \"r\"\n{body}\n"))
}

#[test]
fn region_size_zero_unaligned_too_large() {
    let source = region("kind = \"ram\"\nsize = 0");
    assert_error(&source, "size = |0", "region \"r\": size is 0");
    let source = region("kind = \"ram\"\nsize = 5000");
    assert_error(
        &source,
        "5000",
        "region \"r\": size 0x1388 is not a multiple of 4 KiB",
    );
    let source = region("kind = \"ram\"\nsize = \"2 GiB\"");
    assert_error(
        &source,
        "\"2 GiB\"",
        "region \"r\": size 0x80000000 is larger than the limit 0x40000000",
    );
}

#[test]
fn mmio_offset_unaligned() {
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x200100\nsize = 4096");
    assert_error(
        &source,
        "0x200100",
        "region \"r\": peripheral_offset 0x200100 is not a multiple of 4 KiB",
    );
}

#[test]
fn mmio_outside_the_peripheral_window() {
    // Inside the Pi 4's 24 MiB window, outside the Pi 3's 16 MiB one.
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x1010000\nsize = 4096");
    assert_error(
        &source,
        "0x1010000",
        "region \"r\": MMIO range at peripheral_offset 0x1010000 of size 0x1000 does not fit in \
         the peripheral window of rpi3 (0x1000000 bytes at 0x3f000000)",
    );
    // Straddling the end of the window, and far beyond it (no overflow).
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x17ff000\nsize = 8192");
    assert_eq!(errors(&source).len(), 2);
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x7ffffffffffff000\nsize = 8192");
    assert_eq!(errors(&source).len(), 2);
}

#[test]
fn overlapping_mmio_regions() {
    let source = with(
        "[[region]]\nname = \"gpio\"\nkind = \"mmio\"\nperipheral_offset = 0x300000\nsize = \"8 KiB\"\n\n\
         [[region]]\nname = \"gpio2\"\nkind = \"mmio\"\nperipheral_offset = 0x301000\nsize = \"4 KiB\"\n",
    );
    assert_error(
        &source,
        "0x301000",
        "region \"gpio2\": overlaps region \"gpio\" (peripheral_offset 0x300000, size 0x2000)",
    );
}

#[test]
fn adjacent_mmio_regions_do_not_overlap() {
    let source = with(
        "[[region]]\nname = \"gpio\"\nkind = \"mmio\"\nperipheral_offset = 0x300000\nsize = \"4 KiB\"\n\n\
         [[region]]\nname = \"uart\"\nkind = \"mmio\"\nperipheral_offset = 0x301000\nsize = \"4 KiB\"\n",
    );
    parse(&source).expect("valid");
}

#[test]
fn ram_regions_larger_than_ram() {
    let source = with(
        "[[region]]\nname = \"r1\"\nkind = \"ram\"\nsize = \"1 GiB\"\n\n\
         [[region]]\nname = \"r2\"\nkind = \"ram\"\nsize = \"1 GiB\"\n",
    );
    let place = at_nth(&source, "\"1 GiB\"", 1);
    assert_eq!(
        errors(&source),
        [
            format!(
                "{place}: region \"r2\": RAM regions need 0x80000000 bytes up to here, more than \
                 the 0x40000000 bytes of RAM of rpi3"
            ),
            format!(
                "{place}: region \"r2\": RAM regions need 0x80000000 bytes up to here, more than \
                 the 0x40000000 bytes of RAM of rpi4"
            ),
        ]
    );
}

#[test]
fn mmio_needs_an_offset_and_ram_has_none() {
    let source = region("kind = \"mmio\"\nsize = 4096");
    assert_error(
        &source,
        "\"mmio\"",
        "region \"r\": an mmio region needs peripheral_offset",
    );
    let source = region("kind = \"ram\"\nperipheral_offset = 0\nsize = 4096");
    assert_error(
        &source,
        "peripheral_offset = |0",
        "region \"r\": peripheral_offset is only for mmio regions (RAM regions are placed by \
         the frame allocator)",
    );
}

#[test]
fn region_access_for_an_unknown_component() {
    let source = region("kind = \"ram\"\nsize = 4096\naccess = { a = \"ro\", sinc = \"rw\" }");
    assert_error(
        &source,
        "sinc",
        "region \"r\": access names component \"sinc\", which does not exist",
    );
}

#[test]
fn write_only_region() {
    let source = region("kind = \"ram\"\nsize = 4096\naccess = { a = \"wo\" }");
    assert_error(
        &source,
        "a = \"wo\"",
        "region \"r\": component \"a\": a region cannot be write-only (use \"ro\" or \"rw\")",
    );
}

#[test]
fn duplicate_region_name() {
    let source = with(
        "[[region]]\nname = \"r\"\nkind = \"ram\"\nsize = 4096\n\n\
         [[region]]\nname = \"r\"\nkind = \"ram\"\nsize = 4096\n",
    );
    let first_line = at(&source, "name = \"r\"")
        .split(':')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(
        errors(&source),
        [format!(
            "{}: region \"r\": name is already used by region #0 (first declared on line \
             {first_line})",
            at_nth(&source, "\"r\"", 1)
        )]
    );
}

// ---- queues ------------------------------------------------------------------------------

fn queue(name: &str, from: &str, to: &str) -> String {
    format!(
        "[[queue]]\nname = \"{name}\"\ndepth = 4\nmessage_size = 16\nfrom = \"{from}\"\nto = \
         \"{to}\"\n\n"
    )
}

#[test]
fn queue_endpoint_component_missing() {
    let source = with(&queue("readings", "a.out", "sinc.in"));
    assert_error(
        &source,
        "\"sinc.in\"",
        "queue \"readings\": endpoint component \"sinc\" does not exist",
    );
}

#[test]
fn queue_endpoint_malformed() {
    let source = with(&queue("q", "a", "b.in"));
    assert_error(
        &source,
        "\"a\"\nto",
        "queue \"q\": endpoint \"a\" must be written \"component.port\"",
    );
}

#[test]
fn invalid_port_name() {
    let source = with(&queue("q", "a.Out", "b.in"));
    assert_error(
        &source,
        "\"a.Out\"",
        "queue \"q\": port name \"Out\" is invalid: use 1 to 32 characters of a-z, 0-9, '_' and \
         '-', starting with a letter",
    );
}

#[test]
fn queue_depth_and_message_size_out_of_range() {
    let source = with(&queue("q", "a.out", "b.in").replace("depth = 4", "depth = 0"));
    assert_error(
        &source,
        "depth = |0",
        "queue \"q\": depth 0 is out of range (1..=1024)",
    );
    let source =
        with(&queue("q", "a.out", "b.in").replace("message_size = 16", "message_size = \"8 KiB\""));
    assert_error(
        &source,
        "\"8 KiB\"",
        "queue \"q\": message_size 8192 is out of range (1..=4096)",
    );
}

#[test]
fn port_used_by_two_queues() {
    let source = with(&(queue("q1", "a.out", "b.in") + &queue("q2", "c.out", "b.in")));
    assert_eq!(
        errors(&source),
        [format!(
            "{}: queue \"q2\": to endpoint \"b.in\" is already an end of queue \"q1\"",
            at_nth(&source, "\"b.in\"", 1)
        )]
    );
}

#[test]
fn port_used_as_both_ends_of_one_queue() {
    let source = with(&queue("q", "a.p", "a.p").replace("wiring", "x"));
    let source = source.replace(
        "boards = [\"rpi3\", \"rpi4\"]",
        "boards = [\"rpi3\", \"rpi4\"]\nwiring = \"any\"",
    );
    assert_eq!(
        errors(&source),
        [format!(
            "{}: queue \"q\": to endpoint \"a.p\" is already an end of queue \"q\"",
            at_nth(&source, "\"a.p\"", 1)
        )]
    );
}

#[test]
fn cyclic_wiring() {
    let source = with(
        &(queue("q1", "a.out", "b.in")
            + &queue("q2", "b.out", "c.in")
            + &queue("q3", "c.out", "a.in")),
    );
    assert_error(
        &source,
        "\"a.in\"",
        "queue \"q3\": wiring must be acyclic, but this queue closes the cycle a -> b -> c -> a",
    );
}

#[test]
fn self_loop_is_a_cycle() {
    let source = with(&queue("q", "a.out", "a.in"));
    assert_error(
        &source,
        "\"a.in\"",
        "queue \"q\": wiring must be acyclic, but this queue closes the cycle a -> a",
    );
}

#[test]
fn cycles_are_allowed_when_wiring_is_any() {
    let source = with(&(queue("q1", "a.out", "b.in") + &queue("q2", "b.out", "a.in")));
    assert_eq!(errors(&source).len(), 1);
    let source = source.replace(
        "boards = [\"rpi3\", \"rpi4\"]",
        "boards = [\"rpi3\", \"rpi4\"]\nwiring = \"any\"",
    );
    parse(&source).expect("valid");
}

#[test]
fn diamond_is_not_a_cycle() {
    let source = with(
        &(queue("q1", "a.o1", "b.in")
            + &queue("q2", "a.o2", "c.in")
            + &queue("q3", "b.out", "c.in2")),
    );
    parse(&source).expect("valid");
}

#[test]
fn duplicate_queue_name() {
    let source = with(&(queue("q", "a.out", "b.in") + &queue("q", "b.out", "c.in")));
    let first_line = at(&source, "name = \"q\"")
        .split(':')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(
        errors(&source),
        [format!(
            "{}: queue \"q\": name is already used by queue #0 (first declared on line \
             {first_line})",
            at_nth(&source, "\"q\"", 1)
        )]
    );
}

// ---- root and witness log ----------------------------------------------------------------

#[test]
fn root_keeps_physical_memory() {
    let source = edit(
        "minimum = [\"timer\"]",
        "minimum = [\"timer\", \"physical-memory\"]",
    );
    assert_error(
        &source,
        "\"physical-memory\"",
        "root: minimum set names \"physical-memory\", which the root must drop at SEC-001",
    );
}

#[test]
fn root_capability_twice() {
    let source = edit(
        "minimum = [\"timer\"]",
        "minimum = [\"timer\", \"log\", \"timer\"]",
    );
    assert_eq!(
        errors(&source),
        [format!(
            "{}: root: minimum set names \"timer\" twice",
            at_nth(&source, "\"timer\"", 1)
        )]
    );
}

#[test]
fn witness_log_entries_out_of_range() {
    let source = with("[witness_log]\nmax_entries = 0\n");
    assert_error(
        &source,
        "max_entries = |0",
        "witness log: max_entries 0 is out of range (1..=65536)",
    );
}

#[test]
fn witness_log_defaults() {
    let manifest = parse(BASE).expect("valid");
    assert_eq!(manifest.witness_log.max_entries, 256);
    assert!(manifest.witness_log.hash_chain);
}

// ---- several at once ---------------------------------------------------------------------

#[test]
fn all_errors_are_reported_in_source_order() {
    let source = with(
        &(String::from("[[region]]\nname = \"r\"\nkind = \"ram\"\nsize = 0\n\n")
            + &queue("q", "a.out", "b.in").replace("depth = 4", "depth = 0")),
    )
    .replacen("fuel_slice = 1000", "fuel_slice = 0", 1);
    assert_eq!(
        errors(&source),
        [
            format!(
                "{}: component \"a\": fuel_slice 0 is out of range (1..=1000000000)",
                at(&source, "fuel_slice = |0")
            ),
            format!("{}: region \"r\": size is 0", at(&source, "size = |0")),
            format!(
                "{}: queue \"q\": depth 0 is out of range (1..=1024)",
                at(&source, "depth = |0")
            ),
        ]
    );
}

#[test]
fn diagnostics_carry_locators() {
    let source = edit("fuel_slice = 1000", "fuel_slice = 0");
    let diagnostics = parse_toml("t.toml", &source, &BOARDS).unwrap_err();
    assert_eq!(
        diagnostics[0].locator,
        Some(ruvix_manifest::Locator::Component(
            0,
            ruvix_manifest::ComponentField::FuelSlice
        ))
    );
    assert_eq!(
        (diagnostics[0].file.as_str(), diagnostics[0].line),
        ("t.toml", 12)
    );
}

#[test]
fn a_region_over_the_gpio_page_is_valid_with_a_warning_on_each_board() {
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x200000\nsize = 4096");
    let parsed =
        ruvix_manifest::parse_toml_located("t.toml", &source, &common::BOARDS).expect("valid");
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    let line = source
        .lines()
        .position(|l| l.starts_with("peripheral_offset"))
        .unwrap()
        + 1;
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for (warning, (board, address)) in warnings
        .iter()
        .zip([("rpi3", "0x3f200000"), ("rpi4", "0xfe200000")])
    {
        assert!(
            warning.starts_with(&format!("t.toml:{line}:21: warning: region \"r\": ")),
            "{warning}"
        );
        assert!(
            warning.contains(&format!("covers the GPIO page ({address}) of {board}")),
            "{warning}"
        );
        assert!(warning.contains("GPIO14/15 to UART0"), "{warning}");
    }
    // A region elsewhere gets none.
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x300000\nsize = 4096");
    let parsed =
        ruvix_manifest::parse_toml_located("t.toml", &source, &common::BOARDS).expect("valid");
    assert!(parsed.warnings.is_empty());
}

#[test]
fn kernel_pages_are_refused_with_the_page_named() {
    for (offset, board, page) in [
        ("0x201000", "rpi3", "UART0 page (0x3f201000)"),
        ("0x201000", "rpi4", "UART0 page (0xfe201000)"),
        (
            "0xb000",
            "rpi3",
            "mailbox and peripheral interrupt controller page (0x3f00b000)",
        ),
        ("0xb000", "rpi4", "mailbox page (0xfe00b000)"),
    ] {
        let source = region(&format!(
            "kind = \"mmio\"\nperipheral_offset = {offset}\nsize = 4096"
        ));
        let all = errors(&source);
        let wanted = format!("covers the {page} of {board}, which the kernel keeps for itself");
        assert!(all.iter().any(|e| e.contains(&wanted)), "{wanted}: {all:?}");
    }
    // A region that only touches the page with its last bytes is refused too.
    let source = region("kind = \"mmio\"\nperipheral_offset = 0x200000\nsize = 8192");
    assert!(errors(&source).iter().all(|e| e.contains("UART0 page")));
}

/// BASE with `log = ...` added to component `a`.
fn with_log(budget: &str) -> String {
    common::BASE.replacen(
        "entry_points = [{ export = \"run\" }]",
        &format!("entry_points = [{{ export = \"run\" }}]\nlog = {budget}"),
        1,
    )
}

#[test]
fn log_budget_default_and_given() {
    let m = parse(common::BASE).expect("valid");
    assert_eq!(
        m.components[0].log_budget,
        ruvix_manifest::LogBudget::DEFAULT
    );
    let m = parse(&with_log("{ lines_per_second = 5, burst = 50 }")).expect("valid");
    assert_eq!(
        m.components[0].log_budget,
        ruvix_manifest::LogBudget {
            lines_per_second: 5,
            burst: 50
        }
    );
}

#[test]
fn log_budget_out_of_range_or_malformed() {
    let source = with_log("{ lines_per_second = 0, burst = 5 }");
    assert_error(
        &source,
        "{ lines_per_second = 0",
        "component \"a\": log budget: lines_per_second 0 is out of range (1..=1000)",
    );
    let source = with_log("{ lines_per_second = 1, burst = 10001 }");
    assert_error(
        &source,
        "{ lines_per_second = 1,",
        "component \"a\": log budget: burst 10001 is out of range (1..=10000)",
    );
    // A missing or unknown key is a TOML error with a place, not a default.
    for bad in [
        "{ lines_per_second = 1 }",
        "{ lines_per_second = 1, burst = 2, rate = 3 }",
    ] {
        let all = errors(&with_log(bad));
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].starts_with("t.toml:"), "{all:?}");
    }
}
