#!/usr/bin/env bash
# Builds mediawatch and runs the whole test suite (unit + integration).
# Installs the Debian packages it needs first (scripts/install-deps.sh).
# Usage: scripts/test.sh [PRESET]   PRESET = dev (default) | asan | release
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
bash scripts/install-deps.sh
# install-deps.sh put a PostgreSQL server on the machine: the tests of the
# PostgreSQL backend must run, not skip (tests/support/pg_server.h).
export MEDIAWATCH_REQUIRE_POSTGRES=1
start=$(date +%s)
cmake --workflow --preset "$preset"
echo "test.sh: preset '$preset' built and tested in $(( $(date +%s) - start )) s"
