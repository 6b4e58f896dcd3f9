#!/usr/bin/env bash
# rectify-air against aqi-hub (the most used Python package) on 1,000,000 single IAQI
# computations. aqi-hub goes into a throw-away venv; it is never a dependency of rectify.
# The checksums differ where aqi-hub's float ceiling is off by one (air.md §5.1).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q aqi-hub==0.3.3
"$venv/bin/python" bench/aqi_hub_compare.py
cargo run -q --release -p rectify-air --example iaqi_bench
