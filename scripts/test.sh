#!/usr/bin/env bash
# Builds mediawatch and runs the whole test suite (unit + integration).
# Installs the Debian packages it needs first (scripts/install-deps.sh).
# Usage: scripts/test.sh [PRESET]   PRESET = dev (default) | asan | release
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
bash scripts/install-deps.sh
start=$(date +%s)
cmake --workflow --preset "$preset"
echo "test.sh: preset '$preset' built and tested in $(( $(date +%s) - start )) s"
