#!/usr/bin/env bash
# The district board's page in a real browser: a private stack (PostgreSQL, the four daemons and
# gc-board, CurveZMQ on) and Debian's chromium driven by playwright-core (tests/board/package.json,
# installed with npm ci; it never downloads a browser). Prints TAP-style lines and the time taken.
# Usage: tests/board/run.sh BIN_DIR
# Screenshots (the district on a wall screen, a grid, the stale state, an unknown area, a phone)
# go to var/board/; BOARD_UPDATE_DOCS=1 also copies the district's to docs/board.png.
# BOARD_PORT_BASE picks the stack's ports (default: a block of 10 from the process id, in
# 24000-26990, away from the integration tests' 20000-23990 and t_curve's 28000 and up).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: tests/board/run.sh BIN_DIR}" && pwd)
started=$SECONDS
here=tests/board

[ -x /usr/bin/chromium ] || { echo "not ok 1 - /usr/bin/chromium is missing (Debian package chromium)"; exit 1; }
[ -x "$bin/gc-board" ] || { echo "not ok 1 - no $bin/gc-board"; exit 1; }
# the lock file decides: install again when node_modules is missing or older than it
if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) | sed 's/^/# npm: /'
    touch "$here/node_modules"
fi

export GC_CURVE=1 GC_STATS_INTERVAL_MS=300 GC_TEST_CLOCK=1 GC_ESCALATION_TICK_MS=100
export GC_VAR="var/board-$$"
export GC_PORT_BASE=${BOARD_PORT_BASE:-$((24000 + ($$ % 300) * 10))}
mkdir -p "$GC_VAR"

cleanup() {
    local rc=$?
    deploy/stack.sh down > /dev/null 2>&1 || true
    if [ "$rc" -eq 0 ]; then
        rm -rf "$(readlink -f "$GC_VAR/pg/pgdata")" "$GC_VAR"
    else
        echo "# board: failed; logs kept in $GC_VAR/log"
    fi
    echo "# board: $((SECONDS - started)) s in all"
}
trap cleanup EXIT

if ! deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1; then
    echo "not ok 1 - the stack did not start:"
    sed 's/^/#   /' "$GC_VAR/up.log"
    exit 1
fi
# shellcheck disable=SC1091
. "$GC_VAR/env"
[ -n "${GC_BOARD_URL:-}${GC_BOARD_BIND:-}" ] || { echo "not ok 1 - $GC_VAR/env sets neither GC_BOARD_URL nor GC_BOARD_BIND"; exit 1; }
export GC_BOARD_URL=${GC_BOARD_URL:-http://$GC_BOARD_BIND}
export PATH="$bin:$PATH" BOARD_BIN_DIR="$bin"
timeout -k 10 300 node "$here/board.test.mjs"
