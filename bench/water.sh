#!/usr/bin/env bash
# The water benchmark of issue 8: 3,600 sections x 10 years monthly (432,000 samples, wide CSV)
# through `rectify water classify` and `rectify water evaluate`, against a bare csv-crate pass
# over the same file. Release build; best of 3 runs each. Usage: bench/water.sh [SECTIONS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sections=${1:-3600}
work=${2:-$(mktemp -d)}
samples="$work/water-$sections.csv"
table="$work/sections-$sections.csv"

cargo build -q --release -p rectify -p rectify-io --examples --bins
bin=target/release
[ -f "$samples" ] || "$bin/examples/gen_water" "$sections" 2015-01-01 2024-12-31 "$samples" "$table"
rows=$(($(wc -l < "$samples") - 1))

. bench/lib.sh

bytes=$(best "$bin/examples/csv_baseline" "$samples" bytes)
string=$(best "$bin/examples/csv_baseline" "$samples" string)
baseline=$(echo "if ($bytes < $string) $bytes else $string" | bc -l)
classify=$(best "$bin/rectify" water classify --input "$samples" --out "$work/classes.csv")
evaluate=$(best "$bin/rectify" water evaluate --input "$samples" --sections "$table" --from 2015-01-01 --to 2024-12-31)

echo "file: $samples ($rows rows, $(du -hL "$samples" | cut -f1)), $(nproc) cores"
report "bare csv pass (ByteRecord, in memory)" "$bytes"
report "bare csv pass (StringRecord, file)" "$string"
report "rectify water classify" "$classify"
report "rectify water evaluate" "$evaluate"
