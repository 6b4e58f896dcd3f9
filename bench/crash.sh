#!/usr/bin/env bash
# Crash suite, long form (#23.1): the server is killed with SIGKILL KILLS times at random moments
# while WRITERS clients upload evidence and four more file monthly reports and move an item
# through submit and return through the API, on SQLite and on PostgreSQL, and restarted each
# time; then every acknowledged write must be there (uploads with their file, reports and moves
# in the journal with their text), nothing stored without its journal entry or journaled without
# its row, every item's state the one its journal ends in, and `audit verify` green. Also the CLI
# killed during a large plan import, and two servers on one database with 16 clients making
# ATTEMPTS requests each. CI runs the same tests with 3 kills, 4 writers and 12 attempts
# (crates/rectify/tests/faults.rs).
#
#   bench/crash.sh [KILLS] [WRITERS] [ATTEMPTS]   defaults: 25 kills, 8 writers, 60 attempts
#   CRASH_PROFILE=dev bench/crash.sh …             the debug build instead of a release one
set -euo pipefail
cd "$(dirname "$0")/.."
export RECTIFY_CRASH_KILLS=${1:-25} RECTIFY_CRASH_WRITERS=${2:-8} RECTIFY_RACE_ATTEMPTS=${3:-60}
profile=${CRASH_PROFILE:-release}
build=(--release)
[ "$profile" = dev ] && build=()
echo "crash suite: $RECTIFY_CRASH_KILLS kills, $RECTIFY_CRASH_WRITERS writers, $RECTIFY_RACE_ATTEMPTS attempts, $profile build"
cargo test -q "${build[@]}" -p rectify --test faults -- --nocapture --test-threads 1 \
  kill_nine a_plan_import_killed_midway two_servers 2>&1 |
  grep -oE '(kill -9|import kills|two servers|test result).*'
