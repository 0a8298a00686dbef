#!/usr/bin/env bash
# End-to-end test of the dashboard (issue 10): builds the demo database, starts
# the real `mediawatch serve` on a loopback port with an access token, and
# drives Debian's headless Chromium through playwright-core
# (tests/e2e/dashboard_test.js) against it. Registered with CTest (label e2e)
# by tests/e2e/CMakeLists.txt; runnable by hand:
#
#   tests/e2e/run.sh BUILD/app/mediawatch BUILD/tests/e2e
#
# OUT_DIR (the second argument) receives everything the test writes:
#   node/        package.json, package-lock.json and node_modules (npm ci;
#                reused while package-lock.json is unchanged)
#   work/        the demo database and the server's logs (fresh every run)
#   artifacts/   screenshots (dashboard.png, article.png)
#
# Installs what it is missing, as root or through sudo: the Debian packages
# chromium and fonts-wqy-microhei (Chinese glyphs for the screenshots), and
# nodejs + npm when there is no `node`. Network: Debian's mirror and the npm
# registry, the first time only. The browser itself reaches nothing but the
# local server (the test blocks and fails on any other request).
#
# Environment: MW_E2E_NO_TOKEN=1 starts serve without a token;
# MW_CHROMIUM=PATH uses another Chromium binary.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 MEDIAWATCH_BINARY OUT_DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
binary="$(realpath "$1")"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
started=$(date +%s)

fail() {
  echo "e2e: FAIL: $*" >&2
  exit 1
}

[ -x "$binary" ] || fail "no mediawatch binary at $1 (build the mediawatch target first)"

# --- Debian packages.
chromium_bin="${MW_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -n "${MW_CHROMIUM:-}" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-wqy-microhei 2>/dev/null | grep -q "install ok installed" ||
  missing+=(fonts-wqy-microhei)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "missing ${missing[*]}; run as root or install sudo"
    sudo="sudo"
  fi
  echo "e2e: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || fail "apt-get update failed"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    fail "could not install ${missing[*]}"
fi
[ -x "$chromium_bin" ] || fail "no Chromium at $chromium_bin"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || fail "node $(node --version) is too old (playwright-core needs >= 18; 20 tested)"

# --- playwright-core, pinned by package-lock.json, installed in the build tree.
node_dir="$out/node"
mkdir -p "$node_dir"
lock_sum="$(sha256sum "$here/package-lock.json" "$here/package.json" | sha256sum | cut -c1-64)"
if [ ! -f "$node_dir/node_modules/playwright-core/package.json" ] ||
   [ "$(cat "$node_dir/lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
  rm -f "$node_dir/lock.sha256"
  echo "e2e: npm ci in $node_dir" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
                         --cache "$node_dir/npm-cache") || fail "npm ci failed"
  echo "$lock_sum" > "$node_dir/lock.sha256"
fi

# --- The demo database.
work="$out/work"
rm -rf "$work"
mkdir -p "$work" "$out/artifacts"
"$binary" demo --db "$work/db" --feeds-dir "$src/feeds" > "$work/demo.log" 2>&1 ||
  { tail -20 "$work/demo.log" >&2; fail "mediawatch demo failed (log: $work/demo.log)"; }

# The demo's configuration (its feed list and the example watch-list) gives
# serve the names of watch-lists, targets and outlets.
mkdir -p "$work/config/watchlists"
cp "$src/feeds/demo/feeds.toml" "$work/config/feeds.toml"
cp "$src"/feeds/watchlists/*.toml "$work/config/watchlists/"

# --- The server, stopped whatever happens.
token=""
serve_args=(serve --db "$work/db" --config "$work/config" --listen 127.0.0.1:0)
if [ -z "${MW_E2E_NO_TOKEN:-}" ]; then
  token="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  serve_args+=(--token-env MW_E2E_SERVE_TOKEN)
fi
MW_E2E_SERVE_TOKEN="$token" "$binary" "${serve_args[@]}" > "$work/serve.out" 2> "$work/serve.err" &
serve_pid=$!
stop_server() {
  if [ -n "${serve_pid:-}" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$serve_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$serve_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT INT TERM

port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/$|\1|p' "$work/serve.out" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$serve_pid" 2>/dev/null ||
    { cat "$work/serve.err" >&2; fail "mediawatch serve exited before listening (log: $work/serve.err)"; }
  sleep 0.1
done
[ -n "$port" ] || fail "mediawatch serve printed no 'listening on http://127.0.0.1:PORT/' line in 30 s"
echo "e2e: mediawatch serve (pid $serve_pid) on http://127.0.0.1:$port/" >&2

# --- The browser test.
status=0
MW_BASE_URL="http://127.0.0.1:$port/" MW_E2E_TOKEN="$token" MW_ARTIFACTS_DIR="$out/artifacts" \
  MW_CHROMIUM="$chromium_bin" NODE_PATH="$node_dir/node_modules" \
  timeout 150 node "$here/dashboard_test.js" || status=$?

# serve must stop cleanly on SIGTERM (exit 0; under ASan also leak-free).
kill -TERM "$serve_pid" 2>/dev/null || true
serve_status=0
wait "$serve_pid" || serve_status=$?
serve_pid=""
if [ "$status" -ne 0 ]; then
  echo "e2e: server log: $work/serve.err" >&2
  tail -20 "$work/serve.err" >&2 || true
  fail "the dashboard test failed (exit $status)"
fi
if [ "$serve_status" -ne 0 ]; then
  tail -20 "$work/serve.err" >&2 || true
  fail "mediawatch serve exited with $serve_status on SIGTERM"
fi
echo "e2e: screenshot: $out/artifacts/dashboard.png"
echo "e2e: passed in $(( $(date +%s) - started )) s"
