# ruvix-pi: the front door. `just --list` shows every recipe.
#
# The two commands of the quick start (README):
#   tools/setup.sh && just run [rpi3|rpi4]    set up, build, boot under QEMU, show the log
#   tools/setup.sh && just test               set up, run every test (host + QEMU, both boards)

set shell := ["bash", "-euo", "pipefail", "-c"]

runner := "cargo run --quiet -p ruvix-runner --"

# List the recipes.
default:
    @just --list

# Install what is missing (Rust targets, QEMU 10, just, defmt-print); quick when all is there.
setup:
    tools/setup.sh

# Build kernel8.img (and its ELF) for one board, or `all` for both boards plus the test images.
build board="all":
    {{ if board == "all" { runner + " build --all" } else { runner + " build --board " + board } }}

# Build the wasm components into <target>/components (the runtime's host tests run them).
components:
    {{runner}} components

# Boot the firmware under QEMU (raspi3b by default, `just run rpi4` for raspi4b); Ctrl-C stops.
run board="rpi3" *qemu_args="": setup
    {{runner}} build --board {{board}}
    {{runner}} run --board {{board}} {{qemu_args}}

# Boot under QEMU waiting for gdb on :1234 (see README, Debugging).
debug board="rpi3": setup
    {{runner}} build --board {{board}}
    {{runner}} run --board {{board}} --gdb

# The SD-card image for a real board: target/sdcard/ruvix-<board>.img (firmware, kernel8.img,
# config.txt, device tree). Options: --package FILE (a separate package), --jtag, --no-dtb.
sdcard board="rpi3" *args="":
    {{runner}} build --board {{board}}
    {{runner}} sdcard --board {{board}} {{args}}

# On a real board over JTAG (enable_jtag_gpio=1): OpenOCD (RUVIX_OPENOCD_INTERFACE names the
# adapter's config) or probe-rs, then gdb-multiarch with the kernel's symbols (README, Debugging).
probe board="rpi3" tool="openocd":
    {{runner}} build --board {{board}}
    {{runner}} probe --board {{board}} --tool {{tool}}

# A new component from the template: components/NAME (crate, host test, system.toml).
new-component name:
    {{runner}} new-component {{name}}

# Every test: lints, host unit tests, then the QEMU boot tests on both boards.
test: setup lint build unit-test qemu-test

# Host unit tests of the hardware-independent crates, the tools and the guest helpers (the
# runtime's tests run the real components: `just build` first).
unit-test:
    cargo test --workspace --exclude ruvix-kernel --exclude ruvix-component-host --exclude ruvix-board --exclude ruvix-qemu-tests
    cd components && cargo test -p ruvix-guest

# QEMU tests: boot each scenario of the test images (`just build` first) on both boards.
qemu-test:
    cargo test -p ruvix-qemu-tests

# Speed and size: stage durations and guest instruction counts under `-icount`, mount times,
# queue and yield costs, the demo's messages per second (both boards).
bench: build
    {{runner}} bench

# The package decoder's fuzz target for a while (nightly + cargo-fuzz; `just fuzz 600` = 10 min).
fuzz seconds="60":
    command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
    cd firmware/lib/rvf/fuzz && cargo +nightly fuzz run parse_verify -- -max_total_time={{seconds}}

# Formatting and lints, host and firmware target (what review expects to be clean).
lint:
    cargo fmt --all --check
    cargo clippy --workspace --exclude ruvix-kernel --exclude ruvix-component-host --exclude ruvix-board --all-targets -- -D warnings
    cargo clippy -p ruvix-kernel --target aarch64-unknown-none --features board-rpi3,qemu-test -- -D warnings
    cargo clippy -p ruvix-kernel --target aarch64-unknown-none --features board-rpi4 -- -D warnings
    cargo clippy -p ruvix-component-host --target aarch64-unknown-none --features fault-injection -- -D warnings
