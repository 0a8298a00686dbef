#!/usr/bin/env bash
# Installs what mediawatch needs, builds it, and runs the offline demo:
# a loopback server serves the bundled snapshot (feeds/demo), mediawatch
# crawls it into a fresh database and prints the flagged stories.
# Usage: scripts/demo.sh [extra `mediawatch demo` flags]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target mediawatch
exec ./build/release/app/mediawatch demo "$@"
