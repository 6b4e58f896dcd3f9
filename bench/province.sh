#!/usr/bin/env bash
# Province benchmark (issue #24): a province of 18 cities on one PostgreSQL, served by two
# `rectify serve` instances behind nginx (round-robin), the way deploy/ runs it.
#
# Each city is the demo city (45 items, its history, complaints and registers) with ten counties,
# then loaded with its share of the province:
#   60,000 complaints and 200,000 register entries in all (3,334 and 11,112 per city);
#   10 years of hourly air data for 1,500 stations (84 per city; one generated file per city size);
#   10 years of monthly water data for 3,600 sections (200 per city).
# It reports the load times, the two import targets (a 10,000-complaint list, a 50,000-entry
# register sheet, each into a fresh copy of a loaded city), a city bulletin and the province
# bulletin, the ledger page and the province view under wrk at 64 connections, and each
# instance's RSS. Release build.
#
#   bench/province.sh [WORKDIR]      generate and load once (kept in WORKDIR), then measure
#   PHASE=measure bench/province.sh WORKDIR   measure again on a loaded WORKDIR
# Needs PostgreSQL, nginx, wrk and curl (Debian packages).
#
# Sizes can be shrunk for a trial run: CITIES, STATIONS_PER_CITY, SECTIONS_PER_CITY, YEARS,
# COMPLAINTS_PER_CITY, ENTRIES_PER_CITY, LIST_COMPLAINTS, SHEET_ENTRIES, DURATION.
#
# Performance (this sandbox: 2 cores, 23 GiB, PostgreSQL 15 on local disk, nothing else running):
#   2026-12-07  load: per city complaints 0.4-0.6 s, registers 0.8-1.3 s, air 14-19 s, water 0.5-0.8 s
#               (about 7 minutes for all 18). Complaint list 1.49 s, register sheet 3.16 s; city
#               bulletin min 0.87, median 1.13, max 1.92 s; province bulletin 0.35 s. Ledger
#               3,018 req/s, p50 21.9 ms, p99 57.7 ms (one instance without nginx: 3,208 req/s, p99
#               31.8 ms); province view 4,728 req/s, p50 13.5 ms, p99 37.6 ms; first province view per
#               instance 13-20 s; RSS per instance after the measurements 100-121 MB.
#   2026-12-07  15:12 UTC, idle, after pages that only read took the journal head with their session
#               (one query per ledger page instead of three): ledger 5,083 req/s, p50 12.7 ms, p99
#               39.6 ms; province view 6,626 req/s, p50 9.6 ms, p99 28.8 ms; complaint list 1.12 s;
#               register sheet 2.86 s (peak RSS of its dry run 366 MB); city bulletin min 0.67,
#               median 1.03, max 1.61 s; province bulletin 0.30 s; first province view per instance
#               9.8-11.4 s; RSS per instance 101-119 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=${1:-/tmp/rectify-province}
mkdir -p "$work"
work=$(cd "$work" && pwd)

cities=${CITIES:-18}
stations=${STATIONS_PER_CITY:-84}
sections=${SECTIONS_PER_CITY:-200}
years=${YEARS:-10}
complaints=${COMPLAINTS_PER_CITY:-3334}
entries=${ENTRIES_PER_CITY:-11112}
list_complaints=${LIST_COMPLAINTS:-10000}
sheet_entries=${SHEET_ENTRIES:-50000}
duration=${DURATION:-15s}
pg_port=${PG_PORT:-54391}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

cargo build -q --release -p rectify -p rectify-io --examples --bins
bin=$repo/target/release/rectify
gen=$repo/target/release/examples

# The demo is dated relative to today (Beijing); the data run up to yesterday.
today=$(TZ=Asia/Shanghai date +%F)
last_day=$(TZ=Asia/Shanghai date -d yesterday +%F)
first_day=$(TZ=Asia/Shanghai date -d "$today -$years years" +%F)
last_month=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-01) -1 month" +%Y-%m)

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_url() { echo "postgres://postgres@localhost/$1?host=$work/pg&port=$pg_port"; }
psql_admin() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$(pg_url postgres)" -c "$1"; }
city_code() { printf 'city%02d' "$1"; }
seconds() { local start=$1; echo "$(date +%s.%N) - $start" | bc -l | xargs printf '%.3f'; }

start_postgres() {
  if [ ! -f "$work/pg/PG_VERSION" ]; then
    mkdir -p "$work/pg"
    [ "$(id -u)" -ne 0 ] || chown postgres "$work/pg"
    as_postgres "$pg_bin/initdb" -D "$work/pg" --auth=trust -U postgres > /dev/null
  fi
  if ! as_postgres "$pg_bin/pg_ctl" -D "$work/pg" status > /dev/null 2>&1; then
    as_postgres "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w start \
      -o "-k $work/pg -p $pg_port -c listen_addresses='' -c max_connections=400 -c shared_buffers=1GB" > /dev/null
  fi
}

# ---------------------------------------------------------------- generate
generate() {
  local data=$work/gen
  mkdir -p "$data"
  local demo=$work/demo-texts.db
  rm -f "$demo"*
  "$bin" --db "$demo" --data-dir "$work/demo-texts-data" demo > /dev/null
  # The generated stations are the city's own (its org tree's root names it), so its bulletin,
  # cockpit and the province view report them, not a second city beside it.
  local city
  city=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT name FROM org_units WHERE parent_id IS NULL").fetchone()[0])' "$demo")
  [ -f "$data/air.csv" ] ||
    "$gen/gen_air_hourly" "$stations" "$stations" "$first_day" "$last_day" "$data/air.csv" "$city"
  [ -f "$data/water.csv" ] ||
    "$gen/gen_water" "$sections" "$first_day" "$last_day" "$data/water.csv" "$data/sections.csv"
  "$bin" --db "$demo" --data-dir "$work/demo-texts-data" complaint list --format json > "$data/demo-complaints.json"
  python3 - "$data" "$complaints" "$entries" "$list_complaints" "$sheet_entries" <<'PY'
import csv, json, sys
data, per_city, entries, list_count, sheet_count = sys.argv[1], *map(int, sys.argv[2:])
demo = json.load(open(f"{data}/demo-complaints.json"))
counties = ["北岭县", "南川县", "清水县", "丰乐县", "城关区", "东湖区"]

def complaints(path, count, batch, prefix):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"中央第一生态环境保护督察组交办群众信访举报件（第{batch}批）"])
        w.writerow(["交办时间：2026年11月27日"])
        w.writerow(["序号", "受理编号", "交办问题基本情况", "行政区域", "污染类型"])
        for i in range(count):
            c = demo[i % len(demo)]
            w.writerow([i + 1, f"{prefix}{i:06d}", c["description"], c["region"] or counties[i % 6], "大气"])

def registers(path, count):
    trades = ["废塑料加工点", "小铸造作坊", "石材加工厂", "家具喷漆作坊", "小电镀作坊"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["名称", "所在县（区）", "乡镇（街道）/网格", "地址", "问题类型", "整治类型", "行业",
                    "整治时限", "包保责任人", "网格员", "发现来源"])
        for i in range(count):
            w.writerow([f"第{i:06d}号{trades[i % 5]}", counties[i % 6] + "政府", f"第{i % 40}网格",
                        f"某村{i}号", "乱、污", ["关停取缔", "整合搬迁", "升级改造"][i % 3], trades[i % 5],
                        "2026-12-31", f"包保人{i % 97}", f"网格员{i % 89}", "排查"])

complaints(f"{data}/complaints.csv", per_city, 31, "D1PROV2026")
complaints(f"{data}/list.csv", list_count, 32, "D1LIST2026")
registers(f"{data}/registers.csv", entries)
registers(f"{data}/sheet.csv", sheet_count)
PY
}

# ---------------------------------------------------------------- load
# The first city is the demo with four more counties and its share of the data; the others
# are copies of it (CREATE DATABASE … TEMPLATE), each then given its own complaints,
# registers, air and water, so every city carries the full load.
load_city() { # N
  local code db start
  code=$(city_code "$1")
  db=$(pg_url "$code")
  start=$(date +%s.%N)
  "$bin" --db "$db" --data-dir "$work/attachments" complaint import "$work/gen/complaints.csv" \
    --source "省第一督察组" > /dev/null
  local t_complaints; t_complaints=$(seconds "$start"); start=$(date +%s.%N)
  "$bin" --db "$db" --data-dir "$work/attachments" register import --kind scattered \
    "$work/gen/registers.csv" > /dev/null
  local t_registers; t_registers=$(seconds "$start"); start=$(date +%s.%N)
  "$bin" --db "$db" --data-dir "$work/attachments" air import "$work/gen/air.csv" > /dev/null
  local t_air; t_air=$(seconds "$start"); start=$(date +%s.%N)
  "$bin" --db "$db" --data-dir "$work/attachments" water import --sections "$work/gen/sections.csv" \
    "$work/gen/water.csv" > /dev/null
  local t_water; t_water=$(seconds "$start")
  printf '%s: complaints %s s, registers %s s, air %s s, water %s s\n' \
    "$code" "$t_complaints" "$t_registers" "$t_air" "$t_water" | tee -a "$work/load.log"
}

load() {
  local template db
  template=$(city_code 1)_template
  psql_admin "DROP DATABASE IF EXISTS \"$template\"" > /dev/null
  psql_admin "CREATE DATABASE \"$template\"" > /dev/null
  db=$(pg_url "$template")
  "$bin" --db "$db" --data-dir "$work/attachments" demo > /dev/null
  local county
  local code name
  for county in linhe:临河县政府 shimen:石门县政府 yunxi:云溪县政府 baisha:白沙区政府; do
    code=${county%%:*} name=${county#*:}
    "$bin" --db "$db" --data-dir "$work/attachments" org add "$code" "$name" --kind county \
      --parent heanshi > /dev/null
  done
  "$bin" --db "$db" --data-dir "$work/attachments" org resolve > /dev/null
  : > "$work/load.log"
  local n
  for n in $(seq 1 "$cities"); do
    psql_admin "DROP DATABASE IF EXISTS \"$(city_code "$n")\"" > /dev/null
    psql_admin "CREATE DATABASE \"$(city_code "$n")\" TEMPLATE \"$template\"" > /dev/null
    load_city "$n"
  done
  touch "$work/.loaded"
}

# ---------------------------------------------------------------- measure
# A fresh copy of a loaded city, for an import timed into it.
scratch() { # NAME
  psql_admin "DROP DATABASE IF EXISTS \"$1\"" > /dev/null
  psql_admin "CREATE DATABASE \"$1\" TEMPLATE \"$(city_code 1)\"" > /dev/null
  pg_url "$1"
}

# Best of three imports of FILE, each into a fresh copy of city01: ARGS… are the import command.
timed_import() { # LABEL ARGS…
  local label=$1 best="" db start t
  shift
  for _ in 1 2 3; do
    db=$(scratch scratch)
    start=$(date +%s.%N)
    "$bin" --db "$db" --data-dir "$work/attachments" "$@" > /dev/null
    t=$(seconds "$start")
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  psql_admin 'DROP DATABASE IF EXISTS "scratch"' > /dev/null
  printf '%-52s %7s s (best of 3)\n' "$label" "$best"
}

# The register sheet as an office would send it: the xlsx that rectify itself exports, made
# from the generated entries in a copy of the demo city.
register_sheet() {
  [ -f "$work/gen/sheet.xlsx" ] && return
  local db
  db=$(scratch sheet)
  "$bin" --db "$db" --data-dir "$work/attachments" register import --kind scattered "$work/gen/sheet.csv" > /dev/null
  "$bin" --db "$db" --data-dir "$work/attachments" register export --kind scattered --out "$work/gen/sheet.xlsx" > /dev/null
  psql_admin 'DROP DATABASE IF EXISTS "sheet"' > /dev/null
}

imports() {
  register_sheet
  timed_import "complaint list of $list_complaints (csv) into a loaded city" \
    complaint import "$work/gen/list.csv" --source "省第二督察组"
  timed_import "register sheet of $(($sheet_entries + 30)) entries (xlsx) into a loaded city" \
    register import --kind scattered "$work/gen/sheet.xlsx"
}

# Every city freezes its bulletin for last month (docx, xlsx, html), which the province's
# bulletin then rolls up.
city_bulletins() {
  local n times=()
  for n in $(seq 1 "$cities"); do
    local start; start=$(date +%s.%N)
    "$bin" --db "$(pg_url "$(city_code "$n")")" --data-dir "$work/attachments" bulletin \
      --period "$last_month" --out "$work/bulletins/$(city_code "$n")" > /dev/null
    times+=("$(seconds "$start")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v m="$last_month" '
    { t[NR] = $1 } END { printf "city bulletin %s (docx+xlsx+html), %d cities: min %s s, median %s s, max %s s\n", m, NR, t[1], t[int((NR + 1) / 2)], t[NR] }'
}

# ---------------------------------------------------------------- serve
password="bench password 2026"
front=${FRONT_PORT:-18300}
instance_ports=(18301 18302)

# The province's database and office account, each city's office password, the cities file.
prepare_sites() {
  local p n
  p=$(pg_url province)
  if ! psql_admin "SELECT 1 FROM pg_database WHERE datname = 'province'" | grep -q 1; then
    psql_admin 'CREATE DATABASE province' > /dev/null
    "$bin" --db "$p" --data-dir "$work/province-data" init > /dev/null
    "$bin" --db "$p" --data-dir "$work/province-data" org add --kind office sheng 江南省督察整改办公室 > /dev/null
    echo "$password" | "$bin" --db "$p" --data-dir "$work/province-data" user add shengban --name 张明 \
      --unit sheng --role province --password-stdin > /dev/null
  fi
  python3 - "$work" "$cities" "$pg_port" <<'PY'
import json, sys
work, cities, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = lambda db: f"postgres://postgres@localhost/{db}?host={work}/pg&port={port}"
json.dump({
    "province": {"name": "江南省", "host": "sheng.localhost", "db": url("province"),
                 "data_dir": f"{work}/province-data"},
    "cities": [{"code": f"city{n:02d}", "name": f"第{n:02d}市", "host": f"city{n:02d}.localhost",
                "db": url(f"city{n:02d}"), "data_dir": f"{work}/attachments"}
               for n in range(1, cities + 1)],
}, open(f"{work}/cities.json", "w"), ensure_ascii=False, indent=1)
PY
  for n in $(seq 1 "$cities"); do
    echo "$password" | "$bin" --db "$(pg_url "$(city_code "$n")")" --data-dir "$work/attachments" \
      user passwd zgb --password-stdin > /dev/null
  done
}

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT

# Two instances on the one PostgreSQL, nginx in front of them round-robin, as deploy/ has it.
start_front() {
  local port
  for port in "${instance_ports[@]}"; do
    "$bin" serve --cities "$work/cities.json" --addr "127.0.0.1:$port" --scheduler-minutes 0 \
      > "$work/serve-$port.log" 2>&1 &
    pids+=($!)
  done
  mkdir -p "$work/nginx/logs"
  chmod 777 "$work/nginx" "$work/nginx/logs"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto; # as Debian's nginx.conf, which deploy/ relies on
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream rectify {
    server 127.0.0.1:${instance_ports[0]};
    server 127.0.0.1:${instance_ports[1]};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$front;
    location / {
      proxy_pass http://rectify;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
CONF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  for port in "${instance_ports[@]}" "$front"; do
    for _ in $(seq 1 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
      sleep 0.2
    done
  done
}

# A session cookie for USER on HOST, through the front.
session_on() { # HOST USER
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -s -c "$jar" --resolve "$1:$front:127.0.0.1" "http://$1:$front/login" |
    grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --resolve "$1:$front:127.0.0.1" \
    --data-urlencode "username=$2" --data-urlencode "password=$password" --data-urlencode "csrf=$csrf" \
    "http://$1:$front/login"
  awk '$6 == "rectify_session" {print $7}' "$jar"
  rm -f "$jar"
}

# wrk at 64 connections through nginx: requests/s, p50 and p99.
under_load() { # LABEL HOST COOKIE PATH
  local bytes out
  bytes=$(curl -s -H "Host: $2" -H "Cookie: rectify_session=$3" "http://127.0.0.1:$front$4" | wc -c)
  out=$(wrk -t2 -c64 -d"$duration" --latency -H "Host: $2" -H "Cookie: rectify_session=$3" \
    "http://127.0.0.1:$front$4")
  printf '%-34s %6s bytes  %8s req/s  p50 %8s  p99 %8s  (%s non-2xx)\n' "$1" "$bytes" \
    "$(awk '/Requests\/sec/ {print $2}' <<< "$out")" \
    "$(awk '$1 == "50%" {print $2}' <<< "$out")" "$(awk '$1 == "99%" {print $2}' <<< "$out")" \
    "$(awk '/Non-2xx/ {print $5}' <<< "$out" | grep . || echo 0)"
}

served() {
  prepare_sites
  start_front
  local city province start
  city=$(session_on city01.localhost zgb)
  province=$(session_on sheng.localhost shengban)
  [ -n "$city" ] && [ -n "$province" ] || { echo "login through the front failed" >&2; exit 1; }
  # An instance's first province view reads every city (then only a city whose journal
  # moved): timed cold on each instance, before the load.
  local port
  for port in "${instance_ports[@]}"; do
    start=$(date +%s.%N)
    curl -s -o /dev/null -H "Host: sheng.localhost" -H "Cookie: rectify_session=$province" \
      "http://127.0.0.1:$port/province"
    echo "province view, first (cold) request on :$port: $(seconds "$start") s"
  done
  under_load "city ledger (/ledger)" city01.localhost "$city" /ledger
  under_load "province view (/province)" sheng.localhost "$province" /province
  start=$(date +%s.%N)
  "$bin" province bulletin --cities "$work/cities.json" --month "$last_month" --out "$work/province.docx" > /dev/null
  echo "province bulletin $last_month (roll-up of $cities cities, frozen, docx): $(seconds "$start") s"
  local pid
  for port in "${instance_ports[@]}"; do
    pid=$(pgrep -f "serve --cities $work/cities.json --addr 127.0.0.1:$port" | head -1)
    echo "instance :$port RSS $(awk '/VmRSS/ {print $2 / 1024}' "/proc/$pid/status") MB," \
      "peak $(awk '/VmHWM/ {print $2 / 1024}' "/proc/$pid/status") MB"
  done
}

start_postgres
if [ "${PHASE:-all}" != measure ]; then
  [ -f "$work/.loaded" ] || { generate; load; }
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; loaded: $cities cities (load times in $work/load.log)"
[ "${SKIP_IMPORTS:-}" ] || imports
[ "${SKIP_BULLETINS:-}" ] || city_bulletins
served
