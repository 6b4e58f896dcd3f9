"""Cross-checks the shipped working-day calendar against the PyPI package chinesecalendar.

Every day of the years the data file covers must be a working day in one exactly when it is in
the other. Run through scripts/check-calendar.sh (it installs chinesecalendar in a venv); the
package is a test oracle only, never a runtime dependency.
"""

import datetime as dt
import re
import sys
from pathlib import Path

import chinese_calendar

DATA = Path(__file__).resolve().parent.parent / "crates/rectify-core/data/cn-workdays.txt"


def load(path):
    years, off, on = [], set(), set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("year "):
            years.append(int(line.split()[1]))
            continue
        m = re.match(r"(off|on)\s+(\S+)", line)
        if not m:
            continue
        first, _, last = m.group(2).partition("..")
        day = dt.date.fromisoformat(first)
        end = dt.date.fromisoformat(last) if last else day
        while day <= end:
            (off if m.group(1) == "off" else on).add(day)
            day += dt.timedelta(days=1)
    return years, off, on


def main():
    years, off, on = load(DATA)
    mismatches = []
    checked = 0
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            ours = day in on or (day not in off and day.weekday() < 5)
            theirs = chinese_calendar.is_workday(day)
            if ours != theirs:
                mismatches.append(f"{day} ours={ours} chinesecalendar={theirs}")
            checked += 1
            day += dt.timedelta(days=1)
    for line in mismatches:
        print(line)
    print(f"{checked} days of {years[0]}-{years[-1]} checked, {len(mismatches)} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
