#!/usr/bin/env bash
# Register benchmark (issue #10): a county-wide 散乱污 survey (default 5,000 entries, every one
# with its typed columns) imported into the demo database and exported again, then the
# /registers page for a kind under wrk. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
count=${ENTRIES:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --release -p rectify
bin=target/release/rectify
"$bin" --db "$work/demo.db" demo > /dev/null
python3 - "$work/survey.csv" "$count" <<'PY'
import csv, sys
path, count = sys.argv[1], int(sys.argv[2])
counties = ["北岭县政府", "南川县政府", "清水县政府", "丰乐县政府", "城关区政府", "东湖区政府"]
trades = ["废塑料加工点", "小铸造作坊", "石材加工厂", "家具喷漆作坊", "小电镀作坊"]
with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["名称", "所在县（区）", "乡镇（街道）/网格", "地址", "问题类型", "整治类型", "行业",
                "整治时限", "包保责任人", "网格员", "发现来源"])
    for i in range(count):
        w.writerow([f"第{i:05d}号{trades[i % 5]}", counties[i % 6], f"第{i % 40}网格", f"某村{i}号",
                    "乱、污", ["关停取缔", "整合搬迁", "升级改造"][i % 3], trades[i % 5],
                    "2026-12-31", f"包保人{i % 97}", f"网格员{i % 89}", "排查"])
PY
import_once() {
  rm -f "$work/r.db"*
  cp "$work/demo.db" "$work/r.db"
  "$bin" --db "$work/r.db" register import --kind scattered "$work/survey.csv"
}
echo "register import of $count into the demo: $(best import_once) s (best of 3, copy of the demo db included)"
export_once() { "$bin" --db "$work/r.db" register export --kind scattered --out "$work/out.xlsx"; }
echo "register export of $count + 30: $(best export_once) s (best of 3)"
reimport_once() { "$bin" --db "$work/r.db" register import --kind scattered "$work/out.xlsx"; }
echo "re-import of the export (all unchanged): $(best reimport_once) s (best of 3)"
bulletin_once() {
  "$bin" --db "$work/r.db" bulletin --period 2026-11 --out "$work/b" --format html
}
echo "bulletin (html) with $count + 30 散乱污 entries: $(best bulletin_once) s (best of 3)"
