#!/usr/bin/env bash
# Installs everything ruvix-pi needs to build, run and test, idempotently.
# Fast when everything is already there: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# --- Rust: the toolchain named in rust-toolchain.toml, with its targets and llvm-tools.
# RUSTUP_AUTO_INSTALL=0 may be set, so nothing is added behind our back: add it here.
TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
if ! rustup toolchain list | grep -q "^${TOOLCHAIN}"; then
    say "installing Rust ${TOOLCHAIN}"
    rustup toolchain install "${TOOLCHAIN}" --profile minimal
fi
installed_targets="$(rustup target list --installed --toolchain "${TOOLCHAIN}")"
for t in aarch64-unknown-none wasm32-unknown-unknown; do
    grep -qx "$t" <<<"$installed_targets" || { say "adding target $t"; rustup target add --toolchain "${TOOLCHAIN}" "$t"; }
done
installed_components="$(rustup component list --installed --toolchain "${TOOLCHAIN}")"
for c in llvm-tools clippy rustfmt; do
    grep -q "^$c" <<<"$installed_components" || { say "adding component $c"; rustup component add --toolchain "${TOOLCHAIN}" "$c"; }
done

# --- Debian packages. QEMU must be >= 10 (raspi4b): bookworm has 7.2, bookworm-backports has 10.
qemu_major() { qemu-system-aarch64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1; }
need_apt=()
[ "$(qemu_major || true)" -ge 10 ] 2>/dev/null || need_apt+=(qemu-system-arm)
command -v dtc >/dev/null || need_apt+=(device-tree-compiler)
command -v gdb-multiarch >/dev/null || need_apt+=(gdb-multiarch)
# The SD-card image (tools/runner sdcard): partition table, FAT32, file copies, all on a plain file.
command -v sfdisk >/dev/null || need_apt+=(fdisk)
command -v mkfs.fat >/dev/null || need_apt+=(dosfstools)
command -v mcopy >/dev/null || need_apt+=(mtools)
# On-chip debugging over JTAG (tools/openocd); the tests check its configurations parse.
command -v openocd >/dev/null || need_apt+=(openocd)
if [ "${#need_apt[@]}" -gt 0 ]; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
    if ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        # Reuse the mirror this machine already uses for its main suite: no host is written here.
        mirror="$( (grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | head -1 | awk '{print $2}') || true)"
        [ -n "$mirror" ] || mirror="$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
        [ -n "$mirror" ] || { echo "setup: cannot find the Debian mirror to add ${codename}-backports" >&2; exit 1; }
        say "adding ${codename}-backports (mirror ${mirror})"
        printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$mirror" "$codename" | $SUDO tee /etc/apt/sources.list.d/ruvix-backports.sources >/dev/null
    fi
    say "installing ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        -t "${codename}-backports" "${need_apt[@]}" >/dev/null
fi
[ "$(qemu_major)" -ge 10 ] || { echo "setup: qemu-system-aarch64 >= 10 is needed, found $(qemu_major)" >&2; exit 1; }

# --- Host tools from crates.io (pinned versions, --locked so a cold install is reproducible).
cargo_tool() { # binary crate version
    if ! command -v "$1" >/dev/null || ! "$1" --version 2>/dev/null | grep -q "$3"; then
        say "installing $2 $3"
        cargo +"${TOOLCHAIN}" install --locked --quiet "$2" --version "$3"
    fi
}
cargo_tool just just 1.59.0
cargo_tool defmt-print defmt-print 1.2.0
# --- Raspberry Pi boot files for `just sdcard` (extracted from Debian packages into a cache, the
# machine's apt sources untouched). Not fatal: only the SD-card image needs them, and its test
# says why it skipped.
tools/fetch-pi-firmware.sh >/dev/null || say "could not fetch the Raspberry Pi firmware: just sdcard will not work"
say "ready"
