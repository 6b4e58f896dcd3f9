#!/usr/bin/env bash
# Ledger benchmark (issue #3): a 5,000-item plan xlsx is imported into a fresh SQLite
# database, then listed as JSON and exported as xlsx, all in release mode.
# Targets: import < 1 s, list < 100 ms, export < 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
items=${ITEMS:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --release -p rectify
cargo build -q --release -p rectify-io --example gen_plan
bin=target/release/rectify
target/release/examples/gen_plan "$work/plan.xlsx" "$items"
ls -l "$work/plan.xlsx" | awk '{print "plan file: " $5 " bytes"}'

fresh_import() {
  rm -f "$work/b.db" "$work/b.db-wal" "$work/b.db-shm"
  rm -rf "$work/b-data"
  "$bin" --db "$work/b.db" init > /dev/null
  local start end
  start=$(date +%s.%N)
  "$bin" --db "$work/b.db" plan import "$work/plan.xlsx" --plan bench > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
best_import=""
for _ in 1 2 3; do
  t=$(fresh_import)
  if [ -z "$best_import" ] || (( $(echo "$t < $best_import" | bc -l) )); then best_import=$t; fi
done
printf 'plan import (%s items, fresh db)   %7.3f s\n' "$items" "$best_import"
printf 'plan import again (unchanged)      %7s s\n' "$(best "$bin" --db "$work/b.db" plan import "$work/plan.xlsx" --plan bench)"
printf 'ledger list --format json          %7s s\n' "$(best "$bin" --db "$work/b.db" ledger list --format json)"
printf 'ledger export --format xlsx        %7s s\n' "$(best "$bin" --db "$work/b.db" ledger export --format xlsx --out "$work/out.xlsx")"
printf 'rectify --version (process floor)  %7s s\n' "$(best "$bin" --version)"
