#!/usr/bin/env bash
# Bulletin benchmark (issue #6): a 5,000-item ledger with 12 months of progress reports, then one
# `rectify bulletin` (docx, xlsx and html, frozen in the database), release build, best of 3.
# Target: < 2 s. The reports are written straight into SQLite by Python's sqlite3 module: this is
# a fixture for timing, not a path the product offers (reports come in through the workflow).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
items=${ITEMS:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --release -p rectify
cargo build -q --release -p rectify-io --example gen_plan
bin=target/release/rectify
db="$work/b.db"
target/release/examples/gen_plan "$work/plan.xlsx" "$items" 2> /dev/null
"$bin" --db "$db" init > /dev/null
"$bin" --db "$db" plan import "$work/plan.xlsx" --plan bench > /dev/null
python3 - "$db" <<'PY'
import random, sqlite3, sys
random.seed(6)
db = sqlite3.connect(sys.argv[1])
pairs = db.execute("SELECT item_id, unit_id FROM item_units").fetchall()
months = [f"{2025 + (m + 11) // 12}-{(m + 11) % 12 + 1:02d}" for m in range(12)]
rows = []
for period in months:
    for item, unit in pairs:
        roll = random.random()
        if roll < 0.1:
            continue  # not reported
        rows.append((item, unit, period, "按计划推进", "", "序时推进", "", "confirmed", "bench",
                     period + "-05", 1 if roll < 0.2 else 0, "bench", ""))
db.executemany(
    "INSERT INTO progress_reports (item_id, unit_id, period, text, done_measures, self_schedule,"
    " evidence_ids, status, submitted_by, submitted_on, late, reviewed_by, review_note)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()
print(f"{len(pairs)} item-unit pairs, {len(rows)} reports over {months[0]}..{months[-1]}")
PY
t=$(best "$bin" --db "$db" bulletin --period 2026-11 --out "$work/out")
ls -l "$work/out" | awk 'NR > 1 {print "  " $5 " bytes  " $9}' | tail -3
echo "rectify bulletin (docx, xlsx, html; $items items): ${t} s (target < 2 s)"
