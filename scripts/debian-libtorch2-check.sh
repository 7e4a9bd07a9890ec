#!/usr/bin/env bash
# Builds attune and runs its whole suite against a newer Debian's LibTorch 2.x
# on the CPU, in a chroot, without touching this machine's packages:
#   trixie (Debian 13): libtorch-dev 2.6, g++ 14, fmt 10, libpqxx 7, python3-torch 2.6
#   sid:                libtorch-dev 2.14 (C++20), g++ 16 and the rest as they are that day
# As root, where apt reaches deb.debian.org:
#   scripts/debian-libtorch2-check.sh [SUITE] [ctest arguments...]   (default: trixie)
# The chroot lives in ${CHROOT:-/tmp/attune-SUITE} and is kept, with its build,
# so a second run rebuilds only what changed; the logs are build.log and
# ctest.log there. The tests' references come from that Debian's python3-torch,
# the same version as its libtorch-dev, as in `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-trixie}
shift || true
ROOT=${CHROOT:-/tmp/attune-$SUITE}
JOBS=${JOBS:-$(nproc)}
# What `make test` installs (the Makefile's lists), and debootstrap's needs.
packages="$(make -s -f - print <<'MAKE'
include Makefile
print: ; @echo $(TEST_PACKAGES) procps
MAKE
)"
command -v debootstrap > /dev/null || scripts/install-deps.sh debootstrap
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase "$SUITE" "$ROOT" http://deb.debian.org/debian > "$ROOT.debootstrap.log" 2>&1 ||
    { tail -20 "$ROOT.debootstrap.log"; exit 1; }
fi
cleanup() { for m in sys dev proc; do umount -R "$ROOT/$m" 2> /dev/null || true; done; }
trap cleanup EXIT
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
mountpoint -q "$ROOT/dev" || mount --rbind /dev "$ROOT/dev"
mountpoint -q "$ROOT/sys" || mount --bind /sys "$ROOT/sys"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A mirror that serves a snapshot of sid carries an expired Release date: accept it.
chroot "$ROOT" bash -c "export DEBIAN_FRONTEND=noninteractive; apt-get -o Acquire::Check-Valid-Until=false update -q > /dev/null &&
  apt-get install -y -q --no-install-recommends $packages > /var/log/attune-apt.log 2>&1" ||
  { tail -20 "$ROOT/var/log/attune-apt.log"; exit 1; }
chroot "$ROOT" dpkg-query -W -f '${Package} ${Version}\n' libtorch-dev python3-torch g++ libfmt-dev libpqxx-dev

# This checkout as it is (uncommitted edits included), not its build folders.
mkdir -p "$ROOT/src/attune"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$ROOT/src/attune" -xf -
chroot "$ROOT" bash -c "cd /src/attune && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DATTUNE_BUILD_TESTS=ON > build.log 2>&1 &&
  cmake --build build -j $JOBS -- -k >> build.log 2>&1" || { grep -E "error|Error" "$ROOT/src/attune/build.log" | head -40; exit 1; }
grep "attune: LibTorch" "$ROOT/src/attune/build.log"
# The format check is for Debian 12's clang-format 14, which CI runs.
chroot "$ROOT" bash -c "cd /src/attune/build && ctest -j $JOBS -E FormatCheck $* > ../ctest.log 2>&1" || true
grep -E "tests passed|tests failed|\(Failed\)|\(SEGFAULT\)|\(Timeout\)|Subprocess aborted" "$ROOT/src/attune/ctest.log" || true
grep -q "100% tests passed" "$ROOT/src/attune/ctest.log"
