#!/usr/bin/env bash
# Web benchmark (issue #5): 5,000 items on SQLite, release build, wrk with 32 connections for
# 20 s (DURATION overrides) against the ledger page with filters, an item page and the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${ITEMS:-5000}
duration=${DURATION:-20s}
work=$(mktemp -d)
cargo build -q --release -p rectify
cargo build -q --release -p rectify-io --example gen_plan
bin=target/release/rectify
db="$work/web.db"
target/release/examples/gen_plan "$work/plan.xlsx" "$items" 2> /dev/null
"$bin" --db "$db" init > /dev/null
"$bin" --db "$db" org add city 河安市 --kind city > /dev/null
"$bin" --db "$db" org add zgb 市督察整改办 --kind office --parent city > /dev/null
echo "correct horse battery" | "$bin" --db "$db" user add bench --name 基准 --unit zgb --role office --password-stdin > /dev/null
"$bin" --db "$db" plan import "$work/plan.xlsx" --plan bench > /dev/null
"$bin" --db "$db" serve --addr 127.0.0.1:18181 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
jar="$work/jar"
csrf=$(curl -s -c "$jar" http://127.0.0.1:18181/login | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -s -b "$jar" -c "$jar" -o /dev/null -d "username=bench&password=correct+horse+battery&csrf=$csrf" http://127.0.0.1:18181/login
cookie=$(awk '$6 == "rectify_session" {print $7}' "$jar")
for path in "/ledger?scope=common&schedule=overdue&page=1" "/items/2500" "/"; do
  echo "== $path"
  # One request first, so the figures are the steady state, not the first load of the ledger.
  curl -s -o /dev/null -H "Cookie: rectify_session=$cookie" "http://127.0.0.1:18181$path"
  wrk -t2 -c32 -d"$duration" --latency -H "Cookie: rectify_session=$cookie" "http://127.0.0.1:18181$path" \
    | grep -E "Requests/sec|50%|99%|Non-2xx"
done
# Item pages are cached per journal head once viewed; this run walks through all items, so most
# requests load an item's reports, evidence, objections and journal from the database.
echo "== /items/1..$items in turn (mostly first views)"
cat > "$work/walk.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/items/" .. (counter % $items + 1))
end
LUA
wrk -t2 -c32 -d"$duration" --latency -s "$work/walk.lua" -H "Cookie: rectify_session=$cookie" \
  "http://127.0.0.1:18181" | grep -E "Requests/sec|50%|99%|Non-2xx"
