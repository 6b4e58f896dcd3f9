#!/usr/bin/env bash
# Fuzzing every importer (#23.7): runs each cargo-fuzz target in fuzz/ for MINUTES minutes
# (release, with sanitizers; nightly), starting from its seed corpus (fuzz/seeds/<prefix>, by
# the target's name before its first underscore: plan, register, coal, air, water, …), and
# prints one line per target: executions, executions per second, coverage (edges, features),
# corpus size, and whether it found a crash (kept in fuzz/artifacts/<target>/; turn every one
# into a regression test).
#
#   bench/fuzz.sh MINUTES [TARGET...]      e.g. bench/fuzz.sh 10, bench/fuzz.sh 1 air_csv
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
minutes=${1:?usage: bench/fuzz.sh MINUTES [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
for target in "${targets[@]}"; do cargo +nightly fuzz build -O "$target" >/dev/null; done
printf '%-16s %12s %9s %7s %7s %6s  %s\n' target execs exec/s cov ft corpus result
found=0
for target in "${targets[@]}"; do
  corpus=corpus/$target
  mkdir -p "$corpus"
  seeds=seeds/${target%%_*}
  if [ -d "$seeds" ]; then cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true; fi
  log=$(mktemp)
  if cargo +nightly fuzz run -O "$target" "$corpus" -- \
      -max_total_time=$((minutes * 60)) -print_final_stats=1 >"$log" 2>&1; then
    result=clean
  else
    result="CRASH: $(ls -t "artifacts/$target" 2>/dev/null | head -1)"
    found=1
  fi
  stat() { grep -o "stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$' | tail -1; }
  last() { grep -o "$1: [0-9]*" "$log" | tail -1 | grep -o '[0-9]*$'; }
  printf '%-16s %12s %9s %7s %7s %6s  %s\n' "$target" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "$(last cov)" "$(last ft)" "$(ls "$corpus" | wc -l)" "$result"
  rm -f "$log"
done
exit $found
