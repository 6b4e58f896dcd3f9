#!/usr/bin/env bash
# Crash suite, long form (#23.1): the server is killed with SIGKILL KILLS times at random moments
# while WRITERS clients upload evidence through the API, on SQLite and on PostgreSQL, and
# restarted each time; then every acknowledged upload must be stored with its file and its
# journal entry, and `audit verify` green. Also the CLI killed during a large plan import.
# The same tests run in CI with 3 kills and 4 writers (crates/rectify/tests/faults.rs).
#
#   bench/crash.sh [KILLS] [WRITERS]      defaults: 25 kills, 8 writers
set -euo pipefail
cd "$(dirname "$0")/.."
export RECTIFY_CRASH_KILLS=${1:-25} RECTIFY_CRASH_WRITERS=${2:-8}
echo "crash suite: $RECTIFY_CRASH_KILLS kills, $RECTIFY_CRASH_WRITERS writers, release build"
cargo test -q --release -p rectify --test faults -- --nocapture --test-threads 1 \
  kill_nine a_plan_import_killed_midway 2>&1 | grep -oE '(kill -9|import kills|test result).*'
