#!/usr/bin/env bash
# Abuse benchmark (issue #18): four attacks against a release server on the demo database, each
# reported with the time it took and the server's peak memory (VmHWM, reset before each one):
#   a) zip bombs: a ~1 MB xlsx holding one 1 GiB cell and a ~3 MB xlsx with 20 M shared strings,
#      uploaded to /import and /registers/import as the office user;
#   b) four concurrent 400 MB anonymous evidence uploads;
#   c) 100 API login guesses against one account, then the right password;
#   d) 200 slow connections trickling their headers, while /healthz is timed.
# It reports numbers and asserts nothing, so it runs whatever state the defences are in.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
cargo build -q --release -p rectify || exit 1
bin=target/release/rectify
db="$work/demo.db"
password="correct horse battery"
"$bin" --db "$db" demo > /dev/null
for user in zgb viewer; do
  echo "$password" | "$bin" --db "$db" user passwd "$user" --password-stdin > /dev/null
done

"$bin" --db "$db" serve --addr 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.log" &
server=$!
for _ in $(seq 50); do grep -q "http://" "$work/serve.out" 2> /dev/null && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
[ -n "$base" ] || { echo "server did not start"; cat "$work/serve.log"; exit 1; }

kib() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$server/status"; }
# Linux resets the peak (VmHWM) to the current RSS when 5 is written to clear_refs.
reset_peak() { echo 5 > "/proc/$server/clear_refs" 2> /dev/null || true; }
now() { date +%s.%N; }
started=""
begin() { reset_peak; idle=$(kib VmRSS); started=$(now); }
finish() { # label
  local took peak
  took=$(echo "$(now) - $started" | bc -l)
  peak=$(kib VmHWM)
  printf '%-44s %7.1f s   peak %6.0f MiB   above idle %6.0f MiB\n' "$1" "$took" \
    "$(echo "$peak / 1024" | bc -l)" "$(echo "($peak - $idle) / 1024" | bc -l)"
}

# A signed-in office user: the session cookie (in the jar) and the page's CSRF token.
jar="$work/jar"
login_csrf=$(curl -s -c "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=zgb" --data-urlencode "password=$password" \
  --data-urlencode "csrf=$login_csrf" "$base/login"
csrf=$(curl -s -b "$jar" "$base/import" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')

echo "== a) zip bombs (office user zgb)"
python3 - "$work" <<'PY'
import sys, zipfile
work = sys.argv[1]
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = '</sheetData></worksheet>'

def book(path, sheet_rows, shared):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in [("[Content_Types].xml", CT), ("_rels/.rels", RELS), ("xl/workbook.xml", WB), ("xl/_rels/workbook.xml.rels", WB_RELS)]:
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(SHEET_HEAD.encode())
            for piece in sheet_rows():
                f.write(piece)
            f.write(SHEET_TAIL.encode())
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            for piece in shared():
                f.write(piece)

def one_huge_cell():
    yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    chunk = b"a" * (1 << 20)
    for _ in range(1024):
        yield chunk
    yield b"</t></is></c></row>"

def no_strings():
    yield b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>'

def first_row():
    yield b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'

def many_strings():
    n = 20_000_000
    yield ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (n, n)).encode()
    batch = []
    for i in range(n):
        # Strings repeat every 1,000, as a real column's values do: a ~3 MB file (unique
        # numbers would compress to 51 MB, past the upload limit before the parser is reached).
        batch.append(b"<si><t>%d</t></si>" % (i % 1000))
        if len(batch) == 100_000:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch) + b"</sst>"

book(f"{work}/cell.xlsx", one_huge_cell, no_strings)
book(f"{work}/strings.xlsx", first_row, many_strings)
PY
for bomb in cell strings; do
  size=$(stat -c %s "$work/$bomb.xlsx")
  for target in /import /registers/import; do
    begin
    if [ "$target" = /import ]; then extra=(-F "plan=abuse"); else extra=(-F "kind=scattered"); fi
    code=$(curl -s -o "$work/reply.html" -w '%{http_code}' -b "$jar" -F "csrf=$csrf" "${extra[@]}" \
      -F "file=@$work/$bomb.xlsx;filename=$bomb.xlsx" "$base$target")
    finish "$bomb.xlsx ($((size / 1024)) KiB) -> $target: $code"
  done
done
health=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' "$base/healthz")
echo "   /healthz afterwards: $health"

echo "== b) four concurrent 400 MB anonymous uploads"
truncate -s 400M "$work/big.bin"
begin
for i in 1 2 3 4; do
  curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    -T "$work/big.bin" "$base/api/v1/items/41/evidence?kind=document&file_name=big.pdf" > "$work/anon$i" 2> /dev/null &
done
wait $(jobs -p | grep -v "^$server$") 2> /dev/null
finish "4 x 400 MB anonymous: $(cat "$work"/anon? | sort | uniq -c | tr -s ' \n' ' ')"

echo "== c) 100 API login guesses against one account (viewer)"
begin
for i in $(seq 100); do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d "{\"username\":\"viewer\",\"password\":\"guess $i\"}" "$base/api/v1/session"
done > "$work/guesses"
right=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"username\":\"viewer\",\"password\":\"$password\"}" "$base/api/v1/session")
finish "100 guesses: $(sort "$work/guesses" | uniq -c | tr -s ' \n' ' ')then right: $right"

echo "== d) 200 slow connections trickling their headers"
begin
python3 - "${base#http://}" <<'PY'
import socket, sys, time, urllib.request
host, port = sys.argv[1].rsplit(":", 1)
conns = []
for _ in range(200):
    s = socket.create_connection((host, int(port)))
    s.setblocking(False)
    s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    conns.append(s)
opened = time.time()
closed_at = {}
probe = []
while time.time() - opened < 90 and len(closed_at) < len(conns):
    for i, s in enumerate(conns):
        if i in closed_at:
            continue
        try:
            if s.recv(4096) == b"":
                closed_at[i] = time.time() - opened
                continue
        except BlockingIOError:
            pass
        except OSError:
            closed_at[i] = time.time() - opened
            continue
        try:
            s.send(b"X-Slow: 1\r\n")
        except OSError:
            closed_at[i] = time.time() - opened
    t = time.time()
    try:
        urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=30).read()
        probe.append(time.time() - t)
    except Exception:
        probe.append(float("inf"))
    time.sleep(1)
times = sorted(closed_at.values())
print(f"   closed by the server: {len(times)} of {len(conns)}"
      + (f", the last after {times[-1]:.1f} s" if times else "")
      + f"; /healthz meanwhile: slowest {max(probe):.2f} s over {len(probe)} probes")
PY
finish "200 slow connections"
