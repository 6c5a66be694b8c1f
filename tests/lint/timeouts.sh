#!/usr/bin/env bash
# Every `timeout` in the project's scripts also names a kill delay (`timeout -k K N ...`): a
# program that ignores or hangs on SIGTERM (an ASan build stuck in its leak check at exit, a
# frozen peer) is otherwise left running after its test, taking a core from the next one.
set -euo pipefail
cd "$(dirname "$0")/../.."
found=$(git ls-files '*.sh' 'Makefile' | xargs grep -nE '(^|[^-_[:alnum:]])timeout +[0-9]' || true)
if [ -n "$found" ]; then
    echo "timeouts: a timeout without -k (write timeout -k SECONDS DURATION):"
    echo "$found"
    exit 1
fi
echo "# timeouts: every timeout in the scripts has a kill delay"
