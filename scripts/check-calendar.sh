#!/usr/bin/env bash
# Cross-checks crates/rectify-core/data/cn-workdays.txt against PyPI's chinesecalendar.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/calendar-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'chinesecalendar==1.11.0'
"$venv/bin/python" scripts/check_calendar.py
