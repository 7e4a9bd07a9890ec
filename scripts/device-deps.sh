#!/usr/bin/env bash
# Prepares, on a Debian 12 x86-64 machine with apt, what scripts/device-check.sh
# needs on a CUDA machine that has pip's torch but no apt: the x86-64 Debian
# packages of attune's other libraries, unpacked with `dpkg -x` into
# .device/root (ignored by git; carry it to the device machine).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(
  libyaml-cpp-dev libyaml-cpp0.7 libfmt-dev libfmt9 libcli11-dev nlohmann-json3-dev
  libutf8proc-dev libutf8proc2 libsqlite3-dev libsqlite3-0 libpqxx-dev libpqxx-6.4 libpq-dev libpq5
  libgtest-dev zlib1g-dev zlib1g pkgconf pkgconf-bin libpkgconf3
  libprotobuf-dev libprotobuf32 protobuf-compiler libprotoc32
  libldap-2.5-0 libsasl2-2 libsasl2-modules-db   # libpq5 needs them; the other libraries it links are on any recent distribution
)
rm -rf .device && mkdir -p .device/debs .device/root
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
(cd .device/debs && apt-get download "${packages[@]}")
for deb in .device/debs/*.deb; do dpkg -x "$deb" .device/root; done
rm -rf .device/debs
du -sh .device/root
