#!/usr/bin/env bash
# scripts/bench.sh — load and page benchmarks of dangjian (issue 2).
#
# What it does, for each scale (1 always; more with --scale N) and each engine
# (SQLite, PostgreSQL):
#   1. loads the demo county with the release binary,
#        dangjian demo --no-serve --scale N --database URL --key-file K --demo-password bench2026pw
#      under /usr/bin/time -v, and records wall time, peak RSS and database size;
#   2. starts `dangjian serve --listen 127.0.0.1:PORT` on it, logs in as
#      county_admin (curl with a cookie jar; POST /login must answer 303 and
#      set dj_session);
#   3. for the tree page (/orgs, /orgs?id=TOWNSHIP) and the member list
#      (/members?org=ROOT, /members?org=TOWNSHIP&page=3,
#      /members?org=ROOT&category=probationary):
#        - sequential latency: --samples curl requests one after the other
#          (at most --seq-time seconds), median / p90 / max of time_total;
#        - throughput: wrk -t2 -c16 -d DURATION --latency with the cookie;
#   4. stops the server and (unless --no-criterion) runs the criterion bench
#      `cargo bench -p dangjian-service --bench pages` against the same
#      database (DANGJIAN_BENCH_DB), so the service calls are timed without HTTP;
#   5. drops the PostgreSQL database dj_bench_<scale> and, unless --keep, the
#      SQLite files.
# A summary table is printed and written to OUT/summary.md; raw outputs
# (time -v, wrk, curl samples, criterion) stay in OUT.
#
# Traffic goes to 127.0.0.1 only. Every step is bounded: the load by
# --load-timeout (per scale-1 load; scale N gets N times that, at most
# --max-load-timeout), wrk by --duration, the latency loop by --samples and
# --seq-time, criterion by its sample counts and a 900 s timeout. The server
# is killed on exit.
#
# Usage:
#   bash scripts/bench.sh                         # scale 1, SQLite and PostgreSQL
#   bash scripts/bench.sh --scale 100             # scale 1 and scale 100
#   bash scripts/bench.sh --only-scale 100 --engines sqlite
# Options:
#   --scale N            also run scale N (repeatable)
#   --only-scale N       run only scale N (repeatable; drops the default scale 1)
#   --engines LIST       sqlite,postgres (default both)
#   --pg URL             PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
#   --duration D         wrk duration per URL (default 15s)
#   --connections N      wrk connections (default 16); threads: 2
#   --samples N          sequential requests per URL (default 200)
#   --seq-time S         stop the sequential requests of one URL after S seconds (default 60)
#   --port P             first port (default 18480)
#   --out DIR            output folder (default target/bench/<UTC timestamp>)
#   --load-timeout S     seconds allowed for a scale-1 load (default 600)
#   --max-load-timeout S cap for larger scales (default 5400)
#   --no-build           use the existing target/release/dangjian ($CARGO_TARGET_DIR honoured)
#   --no-criterion       skip the criterion bench
#   --keep               keep the SQLite databases and PostgreSQL databases
#   --existing URL KEY   skip the load: measure pages and criterion on an already
#                        loaded database (with its key file); give --only-scale N
#                        and --engines to label it; the database is left in place
# BENCH_COMMIT overrides the commit named in the summary (for a copy outside git).
# Needs: cargo, curl, /usr/bin/time, sqlite3 and psql (for the ids), wrk
# (installed with apt-get when missing and root).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)

SCALES=(1)
ENGINES=sqlite,postgres
PG=postgres://postgres@127.0.0.1:5432
DURATION=15s
CONNS=16
SAMPLES=200
SEQ_TIME=60
PORT=18480
OUT=""
LOAD_TIMEOUT=600
MAX_LOAD_TIMEOUT=5400
BUILD=1
CRITERION=1
KEEP=0
EXISTING_DB=""
EXISTING_KEY=""
PW=bench2026pw
only_seen=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) SCALES+=("$2"); shift 2 ;;
    --only-scale)
      if [[ $only_seen == 0 ]]; then SCALES=(); only_seen=1; fi
      SCALES+=("$2"); shift 2 ;;
    --engines) ENGINES="$2"; shift 2 ;;
    --pg) PG="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --samples) SAMPLES="$2"; shift 2 ;;
    --seq-time) SEQ_TIME="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --load-timeout) LOAD_TIMEOUT="$2"; shift 2 ;;
    --max-load-timeout) MAX_LOAD_TIMEOUT="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-criterion) CRITERION=0; shift ;;
    --keep) KEEP=1; shift ;;
    --existing) EXISTING_DB="$2"; EXISTING_KEY="$3"; shift 3 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

OUT=${OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SUMMARY="$OUT/summary.md"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT_DIR/target}

log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

# --- tools -----------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]]; then
    log "installing wrk (Debian package)"
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else
    echo "wrk is missing: apt-get install wrk" >&2; exit 1
  fi
fi
for t in curl sqlite3 psql; do
  command -v "$t" >/dev/null || { echo "$t is missing" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

# --- build -----------------------------------------------------------------
if [[ $BUILD == 1 ]]; then
  log "cargo build --release -p dangjian"
  cargo build --release -p dangjian
  if [[ $CRITERION == 1 ]]; then
    log "cargo bench -p dangjian-service --bench pages --no-run"
    cargo bench -p dangjian-service --bench pages --no-run
  fi
fi
[[ -x $TARGET_DIR/release/dangjian ]] || { echo "no $TARGET_DIR/release/dangjian: run without --no-build" >&2; exit 1; }
# A copy, so that another build in the same target folder cannot swap the
# binary under a running benchmark.
BIN="$OUT/dangjian"
cp "$TARGET_DIR/release/dangjian" "$BIN"

# --- cleanup ---------------------------------------------------------------
SERVER_PID=""
PG_DBS=()
GENERATE_DONE=0
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ $KEEP == 0 ]]; then
    for db in "${PG_DBS[@]}"; do
      psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
  fi
}
trap cleanup EXIT INT TERM

# --- machine ---------------------------------------------------------------
{
  echo "# dangjian benchmarks $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ -n ${BENCH_COMMIT:-} ]]; then commit=$BENCH_COMMIT
  else commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty tree)')"; fi
  echo "- commit: $commit, build: release"
  echo "- wrk -t2 -c$CONNS -d$DURATION; sequential: up to $SAMPLES curl requests (at most ${SEQ_TIME}s) per URL"
  echo
  echo "| scale | engine | what | figure |"
  echo "| --- | --- | --- | --- |"
} >"$SUMMARY"
row() { echo "| $1 | $2 | $3 | $4 |" | tee -a "$SUMMARY" >&2; }

# Median, p90 and max (ms) of a column of seconds.
stats_ms() {
  sort -n | awk '{v[NR]=$1*1000} END {
    if (NR==0) {print "no samples"; exit}
    m=(NR%2)? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2;
    p=v[int(NR*0.9+0.5)]; if (p=="") p=v[NR];
    printf "median %.1f ms, p90 %.1f ms, max %.1f ms (n=%d)", m, p, v[NR], NR }'
}

wait_healthy() {
  local url=$1
  # up to 300 s: on an existing database, start-up runs pending migrations
  local deadline=$((SECONDS + 300))
  while ((SECONDS < deadline)); do
    curl -sf --max-time 2 -o /dev/null "$url/healthz" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# sql ENGINE URL QUERY — one value.
sql() {
  if [[ $1 == sqlite ]]; then sqlite3 "${2#sqlite://}" "$3"; else psql "$2" -qAtc "$3"; fi
}

run_one() {
  local scale=$1 engine=$2
  local dir="$OUT/s$scale-$engine"
  mkdir -p "$dir"
  rm -f "$dir"/b.db* "$dir/k"
  local url
  if [[ -n $EXISTING_DB ]]; then
    url=$EXISTING_DB
    cp "$EXISTING_KEY" "$dir/k"
    log "scale $scale $engine: existing database $url (migrations run on connect)"
  elif [[ $engine == sqlite ]]; then
    url="sqlite://$dir/b.db"
  else
    local db="dj_bench_$scale"
    psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qAtc "CREATE DATABASE $db" >/dev/null
    PG_DBS+=("$db")
    url="$PG/$db"
  fi

  # 1. load
  if [[ -z $EXISTING_DB ]]; then
    local limit=$((LOAD_TIMEOUT * scale))
    ((limit > MAX_LOAD_TIMEOUT)) && limit=$MAX_LOAD_TIMEOUT
    log "scale $scale $engine: loading (limit ${limit}s)"
    local rc=0
    timeout --signal=TERM "$limit" /usr/bin/time -v -o "$dir/load.time" \
      "$BIN" demo --no-serve --scale "$scale" --database "$url" --key-file "$dir/k" \
      --demo-password "$PW" >"$dir/load.out" 2>"$dir/load.err" || rc=$?
    if [[ $rc != 0 ]]; then
      row "$scale" "$engine" "load" "FAILED (exit $rc; limit ${limit}s; see $dir/load.err)"
      return 0
    fi
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/load.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MB", $2/1024}' "$dir/load.time")
    local cpu
    cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$dir/load.time")
    local orgs members size
    orgs=$(sql "$engine" "$url" "SELECT COUNT(*) FROM orgs")
    members=$(sql "$engine" "$url" "SELECT COUNT(*) FROM members")
    if [[ $engine == sqlite ]]; then
      size=$(du -cm "$dir"/b.db* | awk 'END {print $1 " MB"}')
    else
      size=$(sql "$engine" "$url" "SELECT pg_size_pretty(pg_database_size(current_database()))")
    fi
    row "$scale" "$engine" "load: \`dangjian demo --no-serve\` ($orgs orgs, $members members)" \
      "$wall wall, $rss peak RSS, CPU $cpu, database $size"
  fi

  # 2. serve and log in
  local root town
  root=$(sql "$engine" "$url" "SELECT org_id FROM users WHERE username = 'county_admin'")
  town=$(sql "$engine" "$url" "SELECT org_id FROM users WHERE username = 'town_admin'")
  local base="http://127.0.0.1:$PORT"
  log "scale $scale $engine: serving on $base (root $root, township $town)"
  RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --database "$url" --key-file "$dir/k" \
    >"$dir/serve.out" 2>"$dir/serve.err" &
  SERVER_PID=$!
  if ! wait_healthy "$base"; then
    row "$scale" "$engine" "serve" "FAILED to start (see $dir/serve.err)"
    kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    PORT=$((PORT + 1))
    return 0
  fi
  local jar="$dir/cookies" code
  rm -f "$jar"
  code=$(curl -s --max-time 30 -c "$jar" -o /dev/null -w '%{http_code}' \
    --data-urlencode username=county_admin --data-urlencode "password=$PW" "$base/login")
  local cookie
  cookie=$(awk '$6 == "dj_session" {print $7}' "$jar")
  if [[ $code != 303 || -z $cookie ]]; then
    row "$scale" "$engine" "login" "FAILED (HTTP $code, cookie '${cookie:+set}')"
  else
    local paths=("/orgs" "/orgs?id=$town" "/members?org=$root" "/members?org=$town&page=3"
      "/members?org=$root&category=probationary")
    local names=("tree page, root" "tree page, township" "member list, root, page 1"
      "member list, township, page 3" "member list, root, category=probationary")
    local i
    for i in "${!paths[@]}"; do
      local p=${paths[$i]} n=${names[$i]} f
      f="$dir/$(echo "$i-$p" | tr -c 'A-Za-z0-9\n-' '_')"
      # check once: 200 and the page size
      local first
      first=$(curl -s --max-time 60 -H "Cookie: dj_session=$cookie" -o "$f.html" \
        -w '%{http_code} %{size_download}' "$base$p")
      if [[ ${first%% *} != 200 ]]; then
        row "$scale" "$engine" "GET $p ($n)" "FAILED: HTTP ${first%% *}"
        continue
      fi
      # sequential latency: SAMPLES requests one after the other, stopping
      # early after SEQ_TIME seconds (a slow page gets fewer samples)
      local j deadline=$((SECONDS + SEQ_TIME))
      : >"$f.seq"
      for ((j = 0; j < SAMPLES && SECONDS < deadline; j++)); do
        curl -s --max-time 30 -H "Cookie: dj_session=$cookie" -o /dev/null \
          -w '%{http_code} %{time_total}\n' "$base$p" >>"$f.seq" || true
      done
      local bad lat
      bad=$(awk '$1 != 200' "$f.seq" | wc -l)
      lat=$(awk '$1 == 200 {print $2}' "$f.seq" | stats_ms)
      # throughput
      timeout 120 wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency \
        -H "Cookie: dj_session=$cookie" "$base$p" >"$f.wrk" 2>&1 || true
      local rps p50 p99 non2xx errs
      rps=$(awk '/^Requests\/sec/ {print $2}' "$f.wrk")
      p50=$(awk '$1 == "50%" {print $2}' "$f.wrk")
      p99=$(awk '$1 == "99%" {print $2}' "$f.wrk")
      non2xx=$(awk '/Non-2xx/ {print $NF}' "$f.wrk")
      errs=$(grep -m1 'Socket errors' "$f.wrk" || true)
      local extra=""
      [[ $bad != 0 ]] && extra=", $bad non-200"
      row "$scale" "$engine" "GET $p ($n, ${first#* } bytes) sequential" "$lat$extra"
      row "$scale" "$engine" "GET $p ($n) wrk -t2 -c$CONNS" \
        "${rps:-?} req/s, p50 ${p50:-?}, p99 ${p99:-?}${non2xx:+, $non2xx non-2xx}${errs:+, $errs}"
    done
  fi
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  PORT=$((PORT + 1))

  # 4. criterion, on the same database, server stopped
  if [[ $CRITERION == 1 ]]; then
    log "scale $scale $engine: criterion bench"
    # The generator bench needs no database: run it once, with the first scale-1 engine.
    local skipgen=(env DANGJIAN_BENCH_SKIP_GENERATE=1)
    if [[ $scale == 1 && $GENERATE_DONE == 0 ]]; then skipgen=(env); GENERATE_DONE=1; fi
    "${skipgen[@]}" DANGJIAN_BENCH_DB="$url" DANGJIAN_BENCH_KEY_FILE="$dir/k" DANGJIAN_BENCH_PASSWORD="$PW" \
      timeout 900 cargo bench -q -p dangjian-service --bench pages -- --noplot \
      >"$dir/criterion.out" 2>"$dir/criterion.err" || true
    # "name  time:   [lo mid hi]" → mid
    awk '/time:/ {
        name=$1; if (name == "time:") name=prev;
        match($0, /\[[^]]*\]/); split(substr($0, RSTART+1, RLENGTH-2), a, " ");
        printf "%s\t%s %s (%s %s – %s %s)\n", name, a[3], a[4], a[1], a[2], a[5], a[6] }
      { if ($1 != "time:") prev=$1 }' "$dir/criterion.out" |
      while IFS=$'\t' read -r name val; do
        row "$scale" "$engine" "criterion $name" "$val"
      done
  fi

  [[ -n $EXISTING_DB ]] && return 0
  if [[ $KEEP == 0 && $engine == sqlite ]]; then rm -f "$dir"/b.db*; fi
  if [[ $KEEP == 0 && $engine == postgres ]]; then
    psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS dj_bench_$scale WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}

IFS=, read -r -a ENGINE_LIST <<<"$ENGINES"
for scale in "${SCALES[@]}"; do
  for engine in "${ENGINE_LIST[@]}"; do
    run_one "$scale" "$engine"
  done
done

echo >>"$SUMMARY"
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$SUMMARY"
log "summary: $SUMMARY"
cat "$SUMMARY"
