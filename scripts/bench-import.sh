#!/usr/bin/env bash
# scripts/bench-import.sh — import benchmark of dangjian (issue 3): 100,000
# members from .xlsx, end to end (parse, validate, write), on SQLite and
# PostgreSQL, with wall time and peak memory.
#
# What it does:
#   1. builds the release binary (unless --no-build);
#   2. loads the demo county at --scale 4 (115,684 members) into a source
#      SQLite database and exports it with the real CLI:
#        dangjian export orgs    --user county_admin --out orgs.xlsx
#        dangjian export members --user county_admin --unmasked --out all.xlsx
#   3. keeps the first --rows data rows of all.xlsx (default 100,000) in
#      members.xlsx (Python openpyxl, installed with pip when missing);
#   4. for each engine: a fresh database with only the county root
#      (`dangjian init`), `dangjian import orgs orgs.xlsx`, then
#        /usr/bin/time -v dangjian import members members.xlsx --user admin
#      recording wall time, peak RSS and the imported row count.
# Output (time -v, command output, summary.md) goes to target/bench/import-<UTC>/.
#
# Usage:
#   bash scripts/bench-import.sh [--engines sqlite,postgres] [--rows N] [--no-build]
#                                [--pg postgres://postgres@127.0.0.1:5432]
set -euo pipefail

cd "$(dirname "$0")/.."
ENGINES=sqlite,postgres
ROWS=100000
BUILD=1
PG=postgres://postgres@127.0.0.1:5432
PW=bench2026pw
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engines) ENGINES="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --pg) PG="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
TARGET_DIR=${CARGO_TARGET_DIR:-$(pwd)/target}
OUT=target/bench/import-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
log() { echo "[bench-import $(date -u +%H:%M:%S)] $*" >&2; }

[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
python3 -c "import openpyxl" 2>/dev/null || { log "pip install openpyxl"; python3 -m pip install -q openpyxl; }
if [[ $BUILD == 1 ]]; then log "cargo build --release -p dangjian"; cargo build --release -p dangjian; fi
BIN="$OUT/dangjian"; cp "$TARGET_DIR/release/dangjian" "$BIN"

# --- source files ------------------------------------------------------------
SRC="$OUT/src"; mkdir -p "$SRC"
log "demo county at scale 4"
"$BIN" demo --no-serve --scale 4 --demo-password "$PW" \
  --database "sqlite://$SRC/d.db" --key-file "$SRC/k" > "$SRC/demo.log" 2>&1
ROOT_NAME=$(sqlite3 "$SRC/d.db" "SELECT name FROM orgs WHERE parent_id IS NULL")
ROOT_ID=$(sqlite3 "$SRC/d.db" "SELECT id FROM orgs WHERE parent_id IS NULL")
log "export organizations and members"
"$BIN" export orgs --user county_admin --org "$ROOT_ID" --out "$OUT/orgs.xlsx" \
  --database "sqlite://$SRC/d.db" --key-file "$SRC/k" > "$OUT/export-orgs.log" 2>&1
"$BIN" export members --user county_admin --org "$ROOT_ID" --unmasked --out "$OUT/all.xlsx" \
  --database "sqlite://$SRC/d.db" --key-file "$SRC/k" > "$OUT/export-members.log" 2>&1
log "keep the first $ROWS members"
python3 - "$OUT/all.xlsx" "$OUT/members.xlsx" "$ROWS" <<'PY'
import sys, openpyxl
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = openpyxl.load_workbook(src, read_only=True).worksheets[0].iter_rows(values_only=True)
out = openpyxl.Workbook(write_only=True)
ws = out.create_sheet("党员名单")
for i, row in enumerate(rows):
    if i > n:
        break
    ws.append(["" if v is None else str(v) for v in row])
out.save(dst)
PY
ls -l "$OUT"/*.xlsx >&2

# --- imports -------------------------------------------------------------------
echo "| engine | step | rows | wall | peak RSS |" > "$OUT/summary.md"
echo "| --- | --- | --- | --- | --- |" >> "$OUT/summary.md"
measure() { # engine label logname args...
  local engine=$1 label=$2 name=$3; shift 3
  /usr/bin/time -v "$BIN" "$@" > "$OUT/$name.out" 2> "$OUT/$name.time" || { cat "$OUT/$name.out" "$OUT/$name.time" >&2; exit 1; }
  local wall rss rows
  wall=$(grep "Elapsed (wall clock)" "$OUT/$name.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$OUT/$name.time" | awk '{printf "%.0f MB", $NF/1024}')
  rows=$(grep -o "已导入 [0-9]* 条" "$OUT/$name.out" | grep -o "[0-9]*" || echo "?")
  echo "| $engine | $label | $rows | $wall | $rss |" >> "$OUT/summary.md"
  log "$engine $label: $rows rows, $wall, $rss"
}
for engine in ${ENGINES//,/ }; do
  case $engine in
    sqlite) DIR="$OUT/sqlite"; mkdir -p "$DIR"; URL="sqlite://$DIR/d.db" ;;
    postgres)
      DB=dj_bench_import
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
      psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
      DIR="$OUT/postgres"; mkdir -p "$DIR"; URL="$PG/$DB" ;;
    *) echo "unknown engine $engine" >&2; exit 2 ;;
  esac
  COMMON=(--database "$URL" --key-file "$DIR/k")
  "$BIN" init --county "$ROOT_NAME" --admin admin --password "$PW" "${COMMON[@]}" > "$DIR/init.log" 2>&1
  measure "$engine" "import orgs" "$engine-orgs" import orgs "$OUT/orgs.xlsx" --user admin "${COMMON[@]}"
  measure "$engine" "import members (.xlsx)" "$engine-members" import members "$OUT/members.xlsx" --user admin "${COMMON[@]}"
  if [[ $engine == postgres ]]; then psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null; fi
done
{ echo; echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"; } >> "$OUT/summary.md"
cat "$OUT/summary.md"
