"""Times 1,000,000 single IAQI computations in aqi-hub (pip package, not a product dependency).

Run by bench/aqi_compare.sh inside a throw-away venv. The same inputs (PM2.5 24-h values
0.0 … 499.9 in tenths, cycled) are used by the Rust side (`iaqi_bench` example).
"""
import time

from aqi_hub.aqi_cn.aqi import cal_iaqi_cn

N = 1_000_000
values = [(i % 5000) / 10 for i in range(N)]
start = time.perf_counter()
checksum = 0
for v in values:
    checksum += cal_iaqi_cn("PM25_24H", v)
elapsed = time.perf_counter() - start
print(f"aqi-hub: {N} IAQI in {elapsed:.3f} s ({N / elapsed:,.0f}/s), checksum {checksum}")
