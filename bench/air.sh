#!/usr/bin/env bash
# The air benchmark of issue 7: 1,000 stations x one year hourly (8.76 M rows, wide CSV, ~430 MB)
# through `rectify air daily` and `rectify air evaluate`, against a bare csv-crate pass over the
# same file. Release build; best of 3 runs each. Usage: bench/air.sh [STATIONS] [WORKDIR]
#
# Performance (2 shared cores, `nproc` 2, load average about 3 from other builds):
#   2026-12-06  air daily 0.45x the bare pass.
#   2026-12-07  air daily 2.847 s (0.26x), evaluate 2.901 s (0.25x), bare StringRecord pass 0.738 s;
#               the code before that day measures the same (3.078 s against 2.984 s in one run), so
#               the lower ratio is the faster yardstick under today's load, not a regression. The
#               0.6x target is not reached: the reader already runs one worker per core and
#               spends its time parsing rows (line split, decimals, station-day slots).
#   2026-12-07  (afternoon, load average 5-8 from three other engineers' builds) three bench
#               runs after the day's changes gave air daily 0.30x (6.198 s / 1.877 s), 0.58x
#               (2.748 s / 1.592 s) and 0.21x (7.166 s / 1.533 s); evaluate 0.31x, 0.40x, 0.21x.
#               Before them, the same morning (load ~8): 0.18x (7.185 s / 1.268 s). Under such
#               load the wall ratio swings more than the code changes it; CPU time is steadier:
#               air daily user+sys 3.0-3.4 s against 0.8-0.9 s for the bare pass; one worker
#               (examples/air_phases) 3.0 s -> 2.8 s. Outputs byte-identical (cmp).
#               Profile (perf, one worker): parsing ~40%, the kernel ~30% (230k page faults:
#               460 MB of per-station-day grids, a 200 MB daily table copied twice), daily
#               values ~15%, the CSV writer ~15%. Done: a fast path for plain decimals,
#               station-days hashed by one multiplication, the daily table appended in place
#               (230k -> 181k faults), daily items read from the micro grid as it lies, values
#               formatted without a string each. 0.6x is not reached reliably: that needs the
#               460 MB of grids not held at all (daily values computed as each station-day
#               closes while streaming).
#   2026-12-07  12:44 UTC, the machine idle (load average 3 falling; nothing else running): air
#               daily 1.475 s (0.49x), evaluate 1.537 s (0.47x), bare StringRecord pass 0.726 s;
#               daily.csv byte-identical to the morning's output (cmp).
#   2026-12-07  15:06 UTC, `nproc` 2, load average 1.8 and falling (another engineer's build had
#               just ended; another process started during the evaluate runs): `air daily` no
#               longer holds the grids (`rectify_io::air::stream`): each station-day's values are
#               computed and its row formatted on the workers as the station moves on to a later
#               day, only a range's first and last day of each station kept whole and merged;
#               input it cannot answer exactly is read again the grid way. Best of 3: air daily
#               1.180 s (0.64x), bare StringRecord pass 0.758 s (ByteRecord 0.890 s); evaluate
#               (still the grid path) 2.542 s under that other process, not comparable.
#               CPU (user+sys, /usr/bin/time -v, three runs): air daily 2.06-2.12 s against
#               2.9-3.1 s for the code before (14:16 UTC, load ~4.6), bare pass 0.69-0.77 s;
#               max RSS 136 MB against 716 MB, 40k minor page faults. Profile of one worker:
#               parsing ~45%, daily values, AQI and formatting ~30%, the kernel ~11% (reading).
#               daily.csv byte-identical to ref-daily.csv (cmp).
set -euo pipefail
cd "$(dirname "$0")/.."
stations=${1:-1000}
work=${2:-$(mktemp -d)}
file="$work/hourly-$stations.csv"

cargo build -q --release -p rectify -p rectify-io --examples --bins
bin=target/release
[ -f "$file" ] || "$bin/examples/gen_air_hourly" "$stations" 10 2025-01-01 2025-12-31 "$file"
rows=$(($(wc -l < "$file") - 1))

. bench/lib.sh

bytes=$(best "$bin/examples/csv_baseline" "$file" bytes)
string=$(best "$bin/examples/csv_baseline" "$file" string)
# The yardstick is the faster of the two bare passes.
baseline=$(echo "if ($bytes < $string) $bytes else $string" | bc -l)
daily=$(best "$bin/rectify" air daily --input "$file" --out "$work/daily.csv")
evaluate=$(best "$bin/rectify" air evaluate --input "$file" --from 2025-01-01 --to 2025-12-31)
evaluate_daily=$(best "$bin/rectify" air evaluate --input "$work/daily.csv" --from 2025-01-01 --to 2025-12-31)

echo "file: $file ($rows rows, $(du -hL "$file" | cut -f1)), $(nproc) cores"
report "bare csv pass (ByteRecord, in memory)" "$bytes"
report "bare csv pass (StringRecord, file)" "$string"
report "rectify air daily" "$daily"
report "rectify air evaluate (hourly in)" "$evaluate"
echo "rectify air evaluate (daily table in): ${evaluate_daily} s"
