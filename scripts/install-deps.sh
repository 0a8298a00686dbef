#!/usr/bin/env bash
# Installs the Debian 12 packages mediawatch builds, tests and runs with.
# Does nothing (and needs no network) when every package is already present.
# Usage: scripts/install-deps.sh            (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcurl4-openssl-dev      # fetcher (multi interface, HTTP/2, gzip/br/zstd)
  libgumbo-dev              # HTML parsing
  libicu-dev                # charsets, normalization
  librocksdb-dev            # storage
  libpqxx-dev               # storage: the PostgreSQL backend (--store postgresql://…)
  postgresql                # tests: a throw-away PostgreSQL server (initdb, pg_ctl)
  libxml2-dev               # feeds
  libtomlplusplus-dev       # config
  libcli11-dev              # CLI
  nlohmann-json3-dev        # JSON
  libspdlog-dev             # logging
  libcpp-httplib-dev        # loopback servers (demo, tests)
  libgtest-dev libgmock-dev # tests
  libbenchmark-dev          # benchmarks
  libopencc-dev             # Traditional -> Simplified Chinese
  libvectorscan-dev         # multi-pattern matching (Hyperscan API)
  zlib1g-dev                # tests build gzip bodies
  libzstd-dev               # tests build zstd bodies
  microsocks                # tests: a loopback SOCKS5 proxy
  clang-14                  # fuzzing: libFuzzer targets (scripts/fuzz.sh)
  libclang-rt-14-dev        # fuzzing: libFuzzer and sanitizer runtimes
  libssl-dev                # alerts: HMAC-SHA256 webhook signatures
  libmstch-dev              # digests: Mustache templates
  python3-aiosmtpd          # tests: a loopback SMTP server receiving alerts and digests
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
