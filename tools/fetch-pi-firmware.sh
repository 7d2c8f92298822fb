#!/usr/bin/env bash
# Fetches the Raspberry Pi boot files an SD card needs, from Debian packages, into a cache:
#   <cache>/firmware/   bootcode.bin start.elf fixup.dat start4.elf fixup4.dat LICENCE.broadcom
#   <cache>/dtb/        bcm2837-rpi-3-b.dtb bcm2711-rpi-4-b.dtb
#   <cache>/VERSIONS    which package versions they came from
# <cache> is $RUVIX_PI_FIRMWARE_DIR, default ${XDG_CACHE_HOME:-~/.cache}/ruvix-pi/pi-firmware.
# Prints <cache> on stdout. Idempotent: returns at once when the cache is complete.
#
# `raspi-firmware` lives in Debian's non-free-firmware component and the .dtb files only in
# the arm64 kernel package, neither of which this machine's apt sources need to carry. So apt
# runs with a private configuration (its own source list, package lists and download cache,
# all inside <cache>/apt) and the packages are downloaded and unpacked, never installed: the
# machine's sources and installed packages stay as they were. Needs no root.
set -euo pipefail

say() { printf '\033[1mpi-firmware:\033[0m %s\n' "$*" >&2; }

cache="${RUVIX_PI_FIRMWARE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ruvix-pi/pi-firmware}"
if [ -f "$cache/complete" ]; then
    echo "$cache"
    exit 0
fi
# One fetch at a time (tests for both boards may ask at once); the second finds it done.
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ -f "$cache/complete" ]; then
    echo "$cache"
    exit 0
fi

# The mirror this machine already uses for its main suite (no host name is written here).
mirror="$( (grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | head -1 | awk '{print $2}') || true)"
[ -n "$mirror" ] || mirror="$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$mirror" ] || { say "cannot find this machine's Debian mirror in /etc/apt"; exit 1; }
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"

work="$cache/apt"
rm -rf "$work" "$cache/firmware" "$cache/dtb"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts" "$work/deb" "$work/x"
# arm64 only: raspi-firmware is `all` (in every architecture's index), the kernel is arm64.
printf 'deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main non-free-firmware\n' \
    "$mirror" "$codename" >"$work/sources.list"
apt_opts=(
    -q
    -o "Dir::Etc::SourceList=$work/sources.list"
    -o "Dir::Etc::SourceParts=$work/parts"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work"
    -o "Dir::Cache::Archives=$work/archives"
    -o "APT::Architecture=arm64"
    -o "APT::Architectures::=arm64"
    # Only the package indices: no translations, no AppStream metadata.
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    # Download as ourselves into our own directory (apt's _apt user could not write there).
    -o "APT::Sandbox::User=$(id -un)"
)
say "reading the package lists ($codename main non-free-firmware, arm64) into $work"
apt-get "${apt_opts[@]}" update >&2
kernel="$(apt-cache "${apt_opts[@]}" show linux-image-arm64 |
    sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -1)"
[ -n "$kernel" ] || { say "no linux-image-arm64 in the package lists"; exit 1; }
say "downloading raspi-firmware and $kernel (for its .dtb files)"
(cd "$work/deb" && apt-get "${apt_opts[@]}" download raspi-firmware "$kernel" >&2)

dpkg-deb -x "$work"/deb/raspi-firmware_*.deb "$work/x"
dpkg-deb --fsys-tarfile "$work"/deb/"$kernel"_*.deb |
    tar -x -C "$work/x" --wildcards './usr/lib/linux-image-*/broadcom/bcm2837-rpi-3-b.dtb' \
        './usr/lib/linux-image-*/broadcom/bcm2711-rpi-4-b.dtb'

mkdir -p "$cache/firmware" "$cache/dtb"
for f in bootcode.bin start.elf fixup.dat start4.elf fixup4.dat; do
    cp "$work/x/usr/lib/raspi-firmware/$f" "$cache/firmware/$f"
done
# The firmware's redistribution terms travel with it onto the card.
cp "$work/x/usr/share/doc/raspi-firmware/copyright" "$cache/firmware/LICENCE.broadcom"
cp "$work"/x/usr/lib/linux-image-*/broadcom/*.dtb "$cache/dtb/"
for deb in "$work"/deb/*.deb; do
    dpkg-deb --showformat='${Package} ${Version}\n' --show "$deb"
done >"$cache/VERSIONS"
rm -rf "$work"
touch "$cache/complete"
say "cached in $cache: $(paste -sd',' "$cache/VERSIONS" | sed 's/,/, /g')"
echo "$cache"
