# Shared by the bench scripts (sourced). Expects $rows and $baseline for `report`.

best() { # best wall time of 3 runs of "$@", in seconds
  local best=""
  for _ in 1 2 3; do
    local start end t
    start=$(date +%s.%N); "$@" > /dev/null 2>&1; end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  printf '%.3f' "$best"
}

report() { # name seconds
  printf '%-38s %7.3f s  %12.0f rows/s  ratio to bare csv %.2f\n' "$1" "$2" \
    "$(echo "$rows / $2" | bc -l)" "$(echo "$baseline / $2" | bc -l)"
}
