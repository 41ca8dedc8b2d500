#!/usr/bin/env bash
# The relay's benchmark (bench/README.md): the nginx ceiling, intake on H2 and PostgreSQL, end to end with a file
# sink and with file + jdbc sinks, peak RSS and start-up time, in one run. Everything listens on 127.0.0.1 only and
# is stopped by its PID when the script ends, however it ends.
#
#   bench/run.sh                      build the jar, run everything, print the figures (also bench/out/last-run.md)
#   BENCH_SKIP_BUILD=1 bench/run.sh   use target/dealhub-relay.jar as it is
#
# Knobs (environment): BENCH_SECONDS (10, each wrk measurement), BENCH_WARMUP_SECONDS (5), BENCH_EVENTS (20000,
# end to end), BENCH_WARMUP_EVENTS (2000), BENCH_PG_URL (jdbc:postgresql://127.0.0.1:5432/test), BENCH_PG_USER
# (postgres), BENCH_KEEP=1 keeps the work folder (databases, sink files, logs), BENCH_ONLY="intake-h2 e2e-file"
# runs only the measurements named (framework, intake-h2, intake-pg, e2e-file, e2e-jdbc, node-red, whole, whole-jdbc,
# floor; the ceiling always runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_MEASURED=${BENCH_SECONDS:-10}
SECONDS_WARMUP=${BENCH_WARMUP_SECONDS:-5}
EVENTS=${BENCH_EVENTS:-20000}
WARMUP_EVENTS=${BENCH_WARMUP_EVENTS:-2000}
PG_URL=${BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}
PG_USER=${BENCH_PG_USER:-postgres}
RELAY_PORT=18080
CEILING_PORT=18090
QUOTE_PORT=18091
SECRET=bench-secret
WRK="wrk -t2 -c32"
JAR=$ROOT/target/dealhub-relay.jar
# The JVM settings the project ships (bin/dealhub-relay); plain java -jar if there is no launcher.
LAUNCHER=$ROOT/bin/dealhub-relay

# wanted <measurement>: true unless BENCH_ONLY names others
wanted() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---- prerequisites ---------------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian"
  [ "$(id -u)" = 0 ] || die "run as root (or install ${missing[*]})"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v java >/dev/null 2>&1 || die "java 17 is needed"

# The peer: Node-RED from npm, at a pinned version, installed once into bench/out (kept between runs)
NODE_RED_VERSION=4.1.15
NODE_RED_DIR=$ROOT/bench/out/node-red-$NODE_RED_VERSION
NODE_RED_JS=$NODE_RED_DIR/node_modules/node-red/red.js
if wanted node-red && ! grep -qs "\"version\": \"$NODE_RED_VERSION\"" "$NODE_RED_DIR/node_modules/node-red/package.json"; then
  command -v npm >/dev/null 2>&1 || die "npm (Node.js 18 or later) is needed for the node-red measurement"
  log "installing node-red@$NODE_RED_VERSION from npm into $NODE_RED_DIR"
  mkdir -p "$NODE_RED_DIR"
  npm install --prefix "$NODE_RED_DIR" --no-audit --no-fund --omit=dev "node-red@$NODE_RED_VERSION" \
    > "$NODE_RED_DIR/npm-install.log" 2>&1 || die "npm install node-red: $(tail -5 "$NODE_RED_DIR/npm-install.log")"
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building target/dealhub-relay.jar"
  mvn -B -q package -DskipTests
fi
[ -f "$JAR" ] || die "no $JAR"

WORK=$(mktemp -d /tmp/dealhub-bench.XXXXXX)
OUT=$ROOT/bench/out
mkdir -p "$OUT"
TAG=b$(date +%s)
PG_SCHEMA=bench_${TAG}_$$
PIDS=()
PG_CREATED=0

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ "$PG_CREATED" = 1 ]; then
    psql -h 127.0.0.1 -U "$PG_USER" -d test -qc "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- nginx: the ceiling (200 to every POST) and the Get Quote stand-in -----------------------------------------
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  # The ceiling: what any HTTP endpoint can answer here at best, with the same load as the relay gets.
  server {
    listen 127.0.0.1:$CEILING_PORT;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
  # DealHub's Get Quote API, answering every quote id with the sample quote.
  server {
    listen 127.0.0.1:$QUOTE_PORT;
    location ~ ^/api/v2/quote/[A-Za-z0-9_-]+\$ {
      default_type application/json;
      root $ROOT/samples;
      rewrite ^ /get-quote-response.json break;
    }
    location / { return 404; }
  }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 1 50); do
  curl -sf -o /dev/null "http://127.0.0.1:$QUOTE_PORT/api/v2/quote/Q1" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$QUOTE_PORT/api/v2/quote/Q1" || die "nginx did not start"

# ---- helpers --------------------------------------------------------------------------------------------------
# run_wrk <label> <url> <seconds> [limit]: wrk output in $WORK/<label>.wrk
run_wrk() {
  local label=$1 url=$2 secs=$3 limit=${4:-0}
  BENCH_TAG="$TAG-$label" BENCH_TOKEN=$SECRET BENCH_LIMIT=$limit BENCH_ACK_STATUS=${BENCH_ACK_STATUS:-202} \
    $WRK -d"${secs}s" --timeout 10s --latency -s "$ROOT/bench/webhooks.lua" "$url" > "$WORK/$label.wrk" 2>&1 \
    || die "wrk $label: $(cat "$WORK/$label.wrk")"
}
# Requests/sec, p50 and p99 in ms, status counts of a wrk output
wrk_rate() { awk '/^Requests\/sec:/ {print int($2)}' "$WORK/$1.wrk"; }
wrk_pct() {
  awk -v p="$2%" '$1 == p {
    v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
    f = (unit == "us") ? 0.001 : (unit == "ms") ? 1 : (unit == "s") ? 1000 : (unit == "m") ? 60000 : 1;
    printf "%.2f", v * f }' "$WORK/$1.wrk"
}
wrk_status() { grep '^BENCH status' "$WORK/$1.wrk" | sed 's/^BENCH status //'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", (b > 0 ? 100 * a / b : 0) }'; }
now_ms() { date +%s%3N; }

RELAY_PID=
RELAY_STARTUP_MS=
# start_relay <name> <properties file>: starts the packaged relay in $WORK/<name>, waits for its first 202
start_relay() {
  local name=$1 props=$2 dir=$WORK/$1 t0 i code
  mkdir -p "$dir"
  # Camel does not follow a symlinked routes folder: copies, as an installation would have them
  cp -r "$ROOT/routes" "$ROOT/templates" "$ROOT/samples" "$dir/"
  t0=$(now_ms)
  if [ -x "$LAUNCHER" ]; then
    (cd "$dir" && exec "$LAUNCHER" --properties "$props" --properties "$ROOT/bench/relay-bench.properties") \
      > "$dir/relay.log" 2>&1 &
  else
    (cd "$dir" && exec java -jar "$JAR" --properties "$props" --properties "$ROOT/bench/relay-bench.properties") \
      > "$dir/relay.log" 2>&1 &
  fi
  RELAY_PID=$!
  PIDS+=("$RELAY_PID")
  code=000
  for i in $(seq 1 3000); do   # at most 3000 probes, 10 ms apart and each capped at 1 s: bounded
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST \
      -H "Authorization: Bearer $SECRET" -H 'Content-Type: application/json' \
      --data "{\"event_info\":{\"event_id\":\"$TAG-$name-startup-$i\"}}" \
      "http://127.0.0.1:$RELAY_PORT/webhooks/dealhub/version" || true)
    [ "$code" = 202 ] && break
    kill -0 "$RELAY_PID" 2>/dev/null || die "relay $name died at start: $(tail -20 "$dir/relay.log")"
    [ $(( $(now_ms) - t0 )) -gt 60000 ] && break
    sleep 0.01
  done
  [ "$code" = 202 ] || die "relay $name never answered 202 (last $code): $(tail -20 "$dir/relay.log")"
  RELAY_STARTUP_MS=$(( $(now_ms) - t0 ))
  log "relay $name (pid $RELAY_PID): first 202 after $RELAY_STARTUP_MS ms"
}
# stop_relay: prints the relay's peak RSS in MiB (VmHWM), stops it by PID
stop_relay() {
  local hwm
  hwm=$(awk '/^VmHWM:/ {printf "%d", $2 / 1024}' "/proc/$RELAY_PID/status")
  kill -TERM "$RELAY_PID"
  for _ in $(seq 1 400); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$RELAY_PID" 2>/dev/null && kill -KILL "$RELAY_PID" 2>/dev/null
  wait "$RELAY_PID" 2>/dev/null || true
  echo "$hwm"
}
# cpu_ticks: the CPU time the relay has used so far (user + system), in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$RELAY_PID/stat"; }
# measure <label>: wrk against what listens on the relay's port (process $RELAY_PID), warm-up then the measured
# run ($WORK/<label>.wrk); sets CPU_US_<label>, that process's CPU time per request over the measured run
measure() {
  local label=$1 url="http://127.0.0.1:$RELAY_PORT/webhooks/dealhub/quoteWon" cpu0 requests
  log "$label: warm-up ${SECONDS_WARMUP}s, then ${SECONDS_MEASURED}s"
  run_wrk "$label-warm" "$url" "$SECONDS_WARMUP"
  cpu0=$(cpu_ticks)
  run_wrk "$label" "$url" "$SECONDS_MEASURED"
  requests=$(awk '/requests in/ {print $1}' "$WORK/$label.wrk")
  eval "CPU_US_${label//-/_}=$(( ($(cpu_ticks) - cpu0) * 1000000 / $(getconf CLK_TCK) / requests ))"
}
# h2_sql <database file> <sql>: one query on a stopped relay's H2 journal, values only
h2_sql() {
  java -cp "$JAR" org.h2.tools.Shell -url "jdbc:h2:file:$1" -user sa -sql "$2" 2>&1 \
    | awk -F'|' 'NR == 2 { for (i = 1; i <= NF; i++) { gsub(/ /, "", $i); printf "%s%s", $i, (i < NF ? " " : "") } }'
}
# metric <name> <label filter>: a counter from the relay's Prometheus endpoint (0 when absent)
metric() {
  curl -s --max-time 2 "http://127.0.0.1:$RELAY_PORT/observe/metrics" \
    | awk -v n="$1" -v f="$2" 'index($0, n) == 1 && index($0, f) > 0 { s += $NF } END { printf "%d", s }'
}

# ---- 1. the ceiling -------------------------------------------------------------------------------------------
log "ceiling: nginx, 200 to every POST ($WRK, ${SECONDS_MEASURED}s)"
run_wrk ceiling-warm "http://127.0.0.1:$CEILING_PORT/webhooks/dealhub/quoteWon" 2
run_wrk ceiling "http://127.0.0.1:$CEILING_PORT/webhooks/dealhub/quoteWon" "$SECONDS_MEASURED"
CEILING=$(wrk_rate ceiling)
log "ceiling: $CEILING req/s"

# ---- the file system's ceiling for the file sink: one thread writing documents as the sink does (temporary file,
# rename), in the folder the e2e sinks write to, nothing else running. Creating a file is a kernel cost no relay
# can avoid, and on some virtual disks it is the largest cost of the file sink.
FS_RATE=0
FS_CPU_US=0
if wanted e2e-file || wanted e2e-jdbc; then
  log "file system: $((EVENTS / 4)) files written as the file sink does"
  fs=$(java "$ROOT/bench/FileCeiling.java" "$WORK/fs-ceiling" $((EVENTS / 4)) 4800 2>&1) || die "file system: $fs"
  read -r FS_RATE FS_CPU_US <<< "$fs"
  rm -rf "$WORK/fs-ceiling"
  log "file system: $FS_RATE files/s on one thread, $FS_CPU_US µs of CPU per file"
fi

# ---- the first start after a build: bin/dealhub-relay records the JVM's class-data archive when this relay stops,
# and every later start maps it. Timed too, but the start-up figure is that of the starts that follow.
STARTUP_first=
if [ -x "$LAUNCHER" ]; then
  echo "relay.datasource.url = jdbc:h2:file:$WORK/first-start/data/relay;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE" \
    > "$WORK/first-start.properties"
  start_relay first-start "$WORK/first-start.properties"
  STARTUP_first=$RELAY_STARTUP_MS
  stop_relay > /dev/null
fi

# ---- the framework's ceiling: the relay's jar and HTTP server (camel-platform-http-vertx) with one route that
# answers 202 to every POST and does nothing else (bench/framework-ceiling.yaml). Intake cannot be faster than this.
FRAMEWORK=0
if wanted framework; then
  echo "camel.main.routes-include-pattern = file:$ROOT/bench/framework-ceiling.yaml" > "$WORK/framework.properties"
  # the relay refuses to start without the routes it needs (relay.routes.required): here only this one exists
  echo "relay.routes.required = framework-ceiling" >> "$WORK/framework.properties"
  echo "relay.datasource.url = jdbc:h2:file:$WORK/framework/data/relay;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE" \
    >> "$WORK/framework.properties"
  start_relay framework "$WORK/framework.properties"
  measure framework
  stop_relay > /dev/null
  FRAMEWORK=$(wrk_rate framework)
  log "framework: $FRAMEWORK req/s, p99 $(wrk_pct framework 99) ms, $(wrk_status framework)"

  # The HTTP server under it alone (bench/VertxCeiling.java): Vert.x answering 202 on its event loop, no Camel.
  vertx_opts=$(grep -m1 '^DEFAULT_JAVA_OPTS=' "$LAUNCHER" 2>/dev/null | cut -d'"' -f2 || true)
  # shellcheck disable=SC2086  # the options are separate words
  java $vertx_opts -cp "$JAR" "$ROOT/bench/VertxCeiling.java" "$RELAY_PORT" > "$WORK/vertx.log" 2>&1 &
  RELAY_PID=$!
  PIDS+=("$RELAY_PID")
  for _ in $(seq 1 300); do   # at most 30 s to compile and start
    grep -q '^listening' "$WORK/vertx.log" && break
    kill -0 "$RELAY_PID" 2>/dev/null || die "Vert.x ceiling died at start: $(tail -5 "$WORK/vertx.log")"
    sleep 0.1
  done
  grep -q '^listening' "$WORK/vertx.log" || die "Vert.x ceiling did not start: $(tail -5 "$WORK/vertx.log")"
  measure vertx
  stop_relay > /dev/null
  VERTX=$(wrk_rate vertx)
  log "vertx: $VERTX req/s, p99 $(wrk_pct vertx 99) ms, $(wrk_status vertx)"
fi

# ---- 2. intake on H2 and on PostgreSQL -------------------------------------------------------------------------
# The intake alone: only routes/intake.yaml is loaded, so dispatch does not compete for the two cores. (Intake while
# dispatch works is in the end-to-end figures.)
intake() {  # intake <label> <datasource properties...>
  local label=$1; shift
  {
    echo "camel.main.routes-include-pattern = file:routes/intake.yaml"
    echo "relay.routes.required = webhook,webhook-with-event,intake,json-reply"
    printf '%s\n' "$@"
  } > "$WORK/$label.properties"
  start_relay "$label" "$WORK/$label.properties"
  eval "STARTUP_${label//-/_}=$RELAY_STARTUP_MS"
  measure "$label"
  eval "RSS_${label//-/_}=$(stop_relay)"
  log "$label: $(wrk_rate "$label") acks/s, p50 $(wrk_pct "$label" 50) ms, p99 $(wrk_pct "$label" 99) ms, $(wrk_status "$label")"
}

wanted intake-h2 && intake intake-h2 "relay.datasource.url = jdbc:h2:file:$WORK/intake-h2/data/relay;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE"

PG_DONE=0
if ! wanted intake-pg; then
  log "SKIPPED intake on PostgreSQL: not in BENCH_ONLY"
elif pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null \
    && psql -h 127.0.0.1 -U "$PG_USER" -d test -qc "CREATE SCHEMA $PG_SCHEMA" >/dev/null 2>&1; then
  PG_CREATED=1
  intake intake-pg "relay.datasource.url = $PG_URL?currentSchema=$PG_SCHEMA" "relay.datasource.username = $PG_USER"
  PG_DONE=1
else
  log "SKIPPED intake on PostgreSQL: no PostgreSQL on 127.0.0.1:5432 with a database 'test' for user $PG_USER"
fi

# ---- 3. end to end: first request to last sink write ------------------------------------------------------------
# e2e <label> <sink count> <sink properties...>: a warm-up batch, then $EVENTS events; the times come from the
# journal itself (first received_at to last delivery's updated_at), read after the relay stopped.
e2e() {
  local label=$1 sinks=$2; shift 2
  local dir=$WORK/$label db i delivered want
  db=$dir/data/relay
  {
    echo "relay.datasource.url = jdbc:h2:file:$db;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE"
    printf '%s\n' "$@"
  } > "$WORK/$label.properties"
  start_relay "$label" "$WORK/$label.properties"
  for phase in warm measured; do
    local n=$WARMUP_EVENTS run=$label-warm
    [ "$phase" = measured ] && n=$EVENTS && run=$label-run
    log "$label: $n events ($phase)"
    local before
    before=$(metric dealhub_deliveries_total 'outcome="delivered"')
    # wrk runs for a duration: each of its threads stops after its share of the events, and wrk itself is
    # interrupted (it then prints its figures) once the relay has accepted them all.
    local accepted0 wrk_pid cpu0
    cpu0=$(cpu_ticks)
    accepted0=$(metric dealhub_events_received_total 'outcome="accepted"')
    BENCH_TAG="$TAG-$run" BENCH_TOKEN=$SECRET BENCH_LIMIT=$(( n / 2 )) \
      $WRK -d300s --timeout 10s --latency -s "$ROOT/bench/webhooks.lua" \
      "http://127.0.0.1:$RELAY_PORT/webhooks/dealhub/quoteWon" > "$WORK/$run.wrk" 2>&1 &
    wrk_pid=$!
    PIDS+=("$wrk_pid")
    # polled every 0.25 s: each scrape counts the backlog, which is work taken from the relay being measured
    for i in $(seq 1 1200); do   # at most 300 s, as wrk's own duration
      [ "$(metric dealhub_events_received_total 'outcome="accepted"')" -ge $(( accepted0 + n )) ] && break
      kill -0 "$wrk_pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" || die "wrk $run: $(cat "$WORK/$run.wrk")"
    want=$(( before + n * sinks ))
    for i in $(seq 1 1200); do   # at most 10 minutes
      delivered=$(metric dealhub_deliveries_total 'outcome="delivered"')
      [ "$delivered" -ge "$want" ] && break
      sleep 0.5
    done
    [ "$delivered" -ge "$want" ] || die "$label: only $delivered of $want deliveries after 10 minutes"
    [ "$phase" = measured ] && eval "CPU_US_${label//-/_}=$(( ($(cpu_ticks) - cpu0) * 1000000 / $(getconf CLK_TCK) / n ))"
  done
  eval "RSS_${label//-/_}=$(stop_relay)"
  local q="event_id LIKE '$TAG-$label-run-%'"
  local ack_ms
  read -r E2E_MS ack_ms E2E_EVENTS E2E_DONE <<< "$(h2_sql "$db" "SELECT DATEDIFF('MILLISECOND', MIN(e.received_at), \
    (SELECT MAX(d.updated_at) FROM relay_delivery d WHERE d.$q)) AS e2e, \
    DATEDIFF('MILLISECOND', MIN(e.received_at), MAX(e.received_at)) AS acks, COUNT(*) AS n, \
    SUM(CASE WHEN e.state = 'done' THEN 1 ELSE 0 END) AS done FROM relay_event e WHERE e.$q")"
  local deliveries
  deliveries=$(h2_sql "$db" "SELECT COUNT(*) FROM relay_delivery WHERE state = 'done' AND $q")
  [ "$E2E_EVENTS" = "$EVENTS" ] && [ "$E2E_DONE" = "$EVENTS" ] && [ "$deliveries" = $(( EVENTS * sinks )) ] \
    || die "$label: journal has $E2E_EVENTS events, $E2E_DONE done, $deliveries deliveries (want $EVENTS, $(( EVENTS * sinks )))"
  eval "E2E_MS_${label//-/_}=$E2E_MS"
  eval "ACK_MS_${label//-/_}=$ack_ms"
  log "$label: $EVENTS events in $E2E_MS ms: $(( EVENTS * 1000 / E2E_MS )) events/s; accepted in $ack_ms ms while dispatching"
}

if wanted e2e-file; then
  e2e e2e-file 1 "relay.sinks.files.type = file" "relay.sinks.files.directory = $WORK/e2e-file/events"
  files=$(find "$WORK/e2e-file/events" -name "quoteWon_$TAG-e2e-file-run-*" | wc -l)
  [ "$files" = "$EVENTS" ] || die "e2e-file: $files files for $EVENTS events"
fi

JDBC_DONE=0
if ! wanted e2e-jdbc; then
  log "SKIPPED end to end with file + jdbc sinks: not in BENCH_ONLY"
elif [ -f "$ROOT/routes/sink-jdbc.yaml" ]; then
  e2e e2e-jdbc 2 "relay.sinks.files.type = file" "relay.sinks.files.directory = $WORK/e2e-jdbc/events" \
    "relay.sinks.bi.type = jdbc"
  JDBC_DONE=1
else
  log "SKIPPED end to end with file + jdbc sinks: routes/sink-jdbc.yaml does not exist in this checkout (the jdbc sink is not merged yet)"
fi

# ---- 4. the whole relay taking webhooks while it dispatches, and Node-RED doing the same job -------------------
# Both take the same load on the same port: $EVENTS unique quoteWon webhooks from wrk (after $WARMUP_EVENTS of
# warm-up), each acknowledged, switched on its type, enriched from the Get Quote stand-in and appended as one line of
# JSON to a file. Acks/s and their latency are wrk's, taken while everything runs; end to end is from wrk's start to
# the file's last write (its mtime) once every line is there; CPU is the process's own over the same span.

# new_lines <file>: sets LN_COUNT to the lines the file has, counting from where the last call stopped (LN_OFF), so
# that each poll reads only what was added: the polling must not take the cores from what it measures.
LN_OFF=0
LN_COUNT=0
new_lines() {
  local size
  size=$(stat -c %s "$1" 2>/dev/null || echo 0)
  if [ "$size" -gt "$LN_OFF" ]; then
    LN_COUNT=$(( LN_COUNT + $(dd if="$1" iflag=skip_bytes,count_bytes skip="$LN_OFF" \
      count=$(( size - LN_OFF )) status=none | tr -cd '\n' | wc -c) ))
    LN_OFF=$size
  fi
  return 0
}
mtime_ms() { stat -c %.3Y "$1" | tr -d .; }

# start_node_red: Node-RED with the checked-in settings and flow, in $WORK/node-red; waits for its first answer
start_node_red() {
  local dir=$WORK/node-red t0 code i
  mkdir -p "$dir/user"
  t0=$(now_ms)
  BENCH_NODE_RED_PORT=$RELAY_PORT BENCH_JSONL=$dir/events.jsonl node "$NODE_RED_JS" \
    --settings "$ROOT/bench/node-red/settings.js" --userDir "$dir/user" "$ROOT/bench/node-red/flows.json" \
    > "$dir/node-red.log" 2>&1 &
  RELAY_PID=$!
  PIDS+=("$RELAY_PID")
  code=000
  for i in $(seq 1 600); do   # at most 600 probes, 100 ms apart and each capped at 1 s: bounded
    # the flow drops an event name with a hyphen: the probe writes no line
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST -H 'Content-Type: application/json' \
      --data '{}' "http://127.0.0.1:$RELAY_PORT/webhooks/dealhub/bench-probe" || true)
    [ "$code" = 200 ] && break
    kill -0 "$RELAY_PID" 2>/dev/null || die "Node-RED died at start: $(tail -20 "$dir/node-red.log")"
    sleep 0.1
  done
  [ "$code" = 200 ] || die "Node-RED never answered 200 (last $code): $(tail -20 "$dir/node-red.log")"
  RELAY_STARTUP_MS=$(( $(now_ms) - t0 ))
  log "node-red (pid $RELAY_PID): first 200 after $RELAY_STARTUP_MS ms"
}

# whole_phase <label> <run> <events> <lines file> <ack status> [overflow path]: $RELAY_PID takes <events> webhooks
# while it works; waits (bounded) until the file holds them all. Sets PHASE_T0 (wrk's start), PHASE_MS (from it to
# the file's last write) and PHASE_CPU_US (per event).
whole_phase() {
  local label=$1 run=$2 n=$3 file=$4 status=$5 overflow=${6:-} base t0 cpu0 cpu1 wrk_pid i have
  new_lines "$file"
  base=$LN_COUNT
  log "$label: $n events ($run)"
  cpu0=$(cpu_ticks)
  t0=$(now_ms)
  BENCH_TAG="$TAG-$run" BENCH_TOKEN=$SECRET BENCH_LIMIT=$(( n / 2 )) BENCH_ACK_STATUS=$status \
    BENCH_OVERFLOW_PATH=$overflow $WRK -d300s --timeout 10s --latency -s "$ROOT/bench/webhooks.lua" \
    "http://127.0.0.1:$RELAY_PORT/webhooks/dealhub/quoteWon" > "$WORK/$run.wrk" 2>&1 &
  wrk_pid=$!
  PIDS+=("$wrk_pid")
  local last=0 still=0
  for i in $(seq 1 6000); do   # at most 600 s, and at most 20 s without a new line
    new_lines "$file"
    have=$(( LN_COUNT - base ))
    [ "$have" -ge "$n" ] && break
    kill -0 "$RELAY_PID" 2>/dev/null || die "$label: the process under test died"
    if [ "$have" = "$last" ]; then still=$(( still + 1 )); else still=0; last=$have; fi
    [ "$still" -ge 200 ] && break
    sleep 0.1
  done
  cpu1=$(cpu_ticks)
  [ "$have" -ge "$n" ] || { kill -INT "$wrk_pid" 2>/dev/null; die "$label: only $have of $n lines, none new for 20 s"; }
  # every line is written, so every event was acknowledged and wrk's threads have stopped; wrk itself sleeps out
  # its duration unless interrupted (its rate is not used: acks/s come from whole_acks)
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || die "wrk $run: $(cat "$WORK/$run.wrk")"
  PHASE_T0=$t0
  PHASE_CPU0=$cpu0
  PHASE_MS=$(( $(mtime_ms "$file") - t0 ))
  PHASE_CPU_US=$(( (cpu1 - cpu0) * 1000000 / $(getconf CLK_TCK) / n ))
  # connections to Get Quote closed within the last minute (TIME-WAIT): near 0 when the client reuses them
  log "$label: $n events in $PHASE_MS ms, $PHASE_CPU_US µs CPU per event ($(wrk_status "$run")); Get Quote connections closed lately: $(ss -tan state time-wait "( dport = :$QUOTE_PORT )" 2>/dev/null | tail -n +2 | wc -l)"
}

# whole_acks <label> <ack status>: right after whole_phase, while the process still works on what it took,
# $SECONDS_MEASURED s of unique webhooks without a limit: acks/s and latency under sustained load, all of it
# being worked on meanwhile (what is still unfinished when it stops is left undone)
whole_acks() {
  log "$1: acks for ${SECONDS_MEASURED}s while it works"
  BENCH_ACK_STATUS=$2 run_wrk "$1-acks" "http://127.0.0.1:$RELAY_PORT/webhooks/dealhub/quoteWon" "$SECONDS_MEASURED"
  log "$1: $(wrk_rate "$1-acks") acks/s, p50 $(wrk_pct "$1-acks" 50) ms, p99 $(wrk_pct "$1-acks" 99) ms ($(wrk_status "$1-acks"))"
}

# whole <label> <sink count> <sink properties...>: the relay with all its routes and a jsonl sink (plus the sinks
# named), warm-up then $EVENTS; checks the journal and the file afterwards: every event once, no line twice.
whole() {
  local label=$1 sinks=$2; shift 2
  local dir=$WORK/$label file=$WORK/$label/events.jsonl db delivered want i
  db=$dir/data/relay
  {
    echo "relay.datasource.url = jdbc:h2:file:$db;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE"
    echo "relay.reconcile.enabled = false"
    echo "relay.sinks.lines.type = jsonl"
    echo "relay.sinks.lines.file = $file"
    printf '%s\n' "$@"
  } > "$WORK/$label.properties"
  LN_OFF=0; LN_COUNT=0
  start_relay "$label" "$WORK/$label.properties"
  eval "STARTUP_${label//-/_}=$RELAY_STARTUP_MS"
  whole_phase "$label" "$label-warm" "$WARMUP_EVENTS" "$file" 202
  local before
  before=$(metric dealhub_deliveries_total 'outcome="delivered"')
  whole_phase "$label" "$label-run" "$EVENTS" "$file" 202
  if [ "$sinks" -gt 1 ]; then
    # the other sinks may finish after the file: the end is when the relay counts every delivery done
    want=$(( before + EVENTS * sinks ))
    for i in $(seq 1 6000); do   # at most 600 s
      delivered=$(metric dealhub_deliveries_total 'outcome="delivered"')
      [ "$delivered" -ge "$want" ] && break
      sleep 0.1
    done
    [ "$delivered" -ge "$want" ] || die "$label: only $delivered of $want deliveries after 10 minutes"
    local end
    end=$(( $(now_ms) - 50 ))   # less half a poll
    [ "$end" -gt "$(mtime_ms "$file")" ] && PHASE_MS=$(( end - PHASE_T0 ))
    PHASE_CPU_US=$(( ($(cpu_ticks) - PHASE_CPU0) * 1000000 / $(getconf CLK_TCK) / EVENTS ))
  fi
  eval "WHOLE_MS_${label//-/_}=$PHASE_MS"
  eval "CPU_US_${label//-/_}=$PHASE_CPU_US"
  whole_acks "$label" 202
  eval "RSS_${label//-/_}=$(stop_relay)"
  local q="event_id LIKE '$TAG-$label-run-%'" n done deliveries lines
  read -r n done <<< "$(h2_sql "$db" "SELECT COUNT(*), SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) FROM relay_event WHERE $q")"
  deliveries=$(h2_sql "$db" "SELECT COUNT(*) FROM relay_delivery WHERE state = 'done' AND $q")
  lines=$(grep -c "\"event_id\":\"$TAG-$label-run-" "$file")
  [ "$n" = "$EVENTS" ] && [ "$done" = "$EVENTS" ] && [ "$deliveries" = $(( EVENTS * sinks )) ] && [ "$lines" = "$EVENTS" ] \
    || die "$label: journal has $n events, $done done, $deliveries deliveries, the file $lines lines (want $EVENTS, $(( EVENTS * sinks )), $EVENTS)"
}

NODE_RED_DONE=0
if wanted node-red; then
  LN_OFF=0; LN_COUNT=0
  start_node_red
  STARTUP_node_red=$RELAY_STARTUP_MS
  whole_phase node-red node-red-warm "$WARMUP_EVENTS" "$WORK/node-red/events.jsonl" 200 /webhooks/dealhub/bench-overflow
  whole_phase node-red node-red-run "$EVENTS" "$WORK/node-red/events.jsonl" 200 /webhooks/dealhub/bench-overflow
  WHOLE_MS_node_red=$PHASE_MS
  CPU_US_node_red=$PHASE_CPU_US
  whole_acks node-red 200
  RSS_node_red=$(stop_relay)
  nr_lines=$(grep -c "\"event_id\":\"$TAG-node-red-run-" "$WORK/node-red/events.jsonl")
  [ "$nr_lines" = "$EVENTS" ] || die "node-red: $nr_lines lines for $EVENTS events"
  grep -q '"quote":{"dealhub_quote_id"' "$WORK/node-red/events.jsonl" || die "node-red: lines without the quote"
  NODE_RED_DONE=1
fi
wanted whole && whole whole 1
wanted whole-jdbc && whole whole-jdbc 2 "relay.sinks.bi.type = jdbc"

# ---- the journal's floor: the relay's journal classes alone (bench/JournalFloor.java), with the launcher's JVM
# settings: what exactly once on H2 costs per event before HTTP, Camel, JSON, Get Quote or a sink add anything. The
# whole relay cannot spend less CPU per event than this while it journals so.
FLOOR=
if wanted floor; then
  log "journal floor: $EVENTS events through the journal's classes alone"
  floor_opts=$(grep -m1 '^DEFAULT_JAVA_OPTS=' "$LAUNCHER" 2>/dev/null | cut -d'"' -f2 || true)
  # shellcheck disable=SC2086
  FLOOR=$(timeout 600 java $floor_opts -cp "$JAR" "$ROOT/bench/JournalFloor.java" "$WORK/floor" "$EVENTS" \
    "$ROOT/samples/quoteWon.json" "$ROOT/samples/get-quote-response.json" 2> "$WORK/floor.log" | tail -1) \
    || die "journal floor: $(tail -5 "$WORK/floor.log")"
  log "$FLOOR"
fi

# ---- report ---------------------------------------------------------------------------------------------------
per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%d", n * 1000 / ms }'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
max_rss=0
for v in "${RSS_intake_h2:-0}" "${RSS_intake_pg:-0}" "${RSS_e2e_file:-0}" "${RSS_e2e_jdbc:-0}" "${RSS_whole:-0}" "${RSS_whole_jdbc:-0}"; do
  [ "$v" -gt "$max_rss" ] && max_rss=$v
done
{
  echo "# dealhub-relay benchmark, $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -m | awk '/^Mem:/ {print $2}') MiB;" \
       "$(java -version 2>&1 | head -1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Load: $WRK, ${SECONDS_MEASURED}s per measurement after a ${SECONDS_WARMUP}s warm-up; JVM: $( [ -x "$LAUNCHER" ] && echo "bin/dealhub-relay ($(grep -m1 '^DEFAULT_JAVA_OPTS=' "$LAUNCHER" | cut -d= -f2-))" || echo "java -jar, no flags")"
  echo
  echo "| Figure | Value | Ratio to the ceiling |"
  echo "|---|---|---|"
  echo "| ceiling: nginx 200 to every POST | $CEILING req/s, p50 $(wrk_pct ceiling 50) ms, p99 $(wrk_pct ceiling 99) ms | 100 % |"
  if [ "$FS_RATE" != 0 ]; then
    echo "| file system: one thread writing 4.8 kB documents as the file sink does | $FS_RATE files/s, $FS_CPU_US µs of CPU per file | |"
  fi
  if [ "$FRAMEWORK" != 0 ]; then
    echo "| Vert.x alone: the HTTP server under platform-http, answering 202 on its event loop, no Camel | $VERTX req/s, p50 $(wrk_pct vertx 50) ms, p99 $(wrk_pct vertx 99) ms; CPU $CPU_US_vertx µs per request ($(wrk_status vertx)) | $(ratio "$VERTX" "$CEILING") |"
    echo "| framework: the relay's jar and HTTP server answering 202, nothing else | $FRAMEWORK req/s, p50 $(wrk_pct framework 50) ms, p99 $(wrk_pct framework 99) ms; relay CPU $CPU_US_framework µs per request ($(wrk_status framework)) | $(ratio "$FRAMEWORK" "$CEILING") |"
  else
    echo "| framework | skipped: not in BENCH_ONLY | |"
  fi
  if wanted intake-h2; then
    echo "| intake, journal on H2 | $(wrk_rate intake-h2) acks/s, p50 $(wrk_pct intake-h2 50) ms, p99 $(wrk_pct intake-h2 99) ms; relay CPU $CPU_US_intake_h2 µs per webhook ($(wrk_status intake-h2)) | $(ratio "$(wrk_rate intake-h2)" "$CEILING")$( [ "$FRAMEWORK" != 0 ] && echo "; $(ratio "$(wrk_rate intake-h2)" "$FRAMEWORK") of the framework") |"
  else
    echo "| intake, journal on H2 | skipped: not in BENCH_ONLY | |"
  fi
  if [ "$PG_DONE" = 1 ]; then
    echo "| intake, journal on PostgreSQL | $(wrk_rate intake-pg) acks/s, p50 $(wrk_pct intake-pg 50) ms, p99 $(wrk_pct intake-pg 99) ms; relay CPU $CPU_US_intake_pg µs per webhook ($(wrk_status intake-pg)) | $(ratio "$(wrk_rate intake-pg)" "$CEILING")$( [ "$FRAMEWORK" != 0 ] && echo "; $(ratio "$(wrk_rate intake-pg)" "$FRAMEWORK") of the framework") |"
  elif ! wanted intake-pg; then
    echo "| intake, journal on PostgreSQL | skipped: not in BENCH_ONLY | |"
  else
    echo "| intake, journal on PostgreSQL | skipped: no PostgreSQL | |"
  fi
  if wanted e2e-file; then
    echo "| end to end, file sink, $EVENTS events | $(per_s "$EVENTS" "$E2E_MS_e2e_file") events/s ($E2E_MS_e2e_file ms); accepted at $(per_s "$EVENTS" "$ACK_MS_e2e_file")/s meanwhile; relay CPU $CPU_US_e2e_file µs per event; p99 $(wrk_pct e2e-file-run 99) ms | $(ratio "$(per_s "$EVENTS" "$E2E_MS_e2e_file")" "$CEILING"); $(ratio "$(per_s "$EVENTS" "$E2E_MS_e2e_file")" "$FS_RATE") of the file system's one-thread rate |"
  else
    echo "| end to end, file sink | skipped: not in BENCH_ONLY | |"
  fi
  if [ "$JDBC_DONE" = 1 ]; then
    echo "| end to end, file + jdbc sinks, $EVENTS events | $(per_s "$EVENTS" "$E2E_MS_e2e_jdbc") events/s ($E2E_MS_e2e_jdbc ms); accepted at $(per_s "$EVENTS" "$ACK_MS_e2e_jdbc")/s meanwhile; relay CPU $CPU_US_e2e_jdbc µs per event; p99 $(wrk_pct e2e-jdbc-run 99) ms | $(ratio "$(per_s "$EVENTS" "$E2E_MS_e2e_jdbc")" "$CEILING") |"
  else
    echo "| end to end, file + jdbc sinks | skipped | |"
  fi
  # the whole relay and its peer, as ratios to Node-RED in this run
  whole_row() {  # whole_row <label> <title>
    local l=${1//-/_} ms cpu rss
    ms=$(eval echo "\$WHOLE_MS_$l"); cpu=$(eval echo "\$CPU_US_$l"); rss=$(eval echo "\$RSS_$l")
    printf '| %s | %s acks/s, p50 %s ms, p99 %s ms while it works (%s); end to end %s events/s (%s ms), CPU %s µs per event; peak RSS %s MiB |' \
      "$2" "$(wrk_rate "$1-acks")" "$(wrk_pct "$1-acks" 50)" "$(wrk_pct "$1-acks" 99)" "$(wrk_status "$1-acks")" \
      "$(per_s "$EVENTS" "$ms")" "$ms" "$cpu" "$rss"
    if [ "$NODE_RED_DONE" = 1 ]; then
      printf ' acks %s, end to end %s, CPU per event %s of Node-RED'"'"'s |\n' "$(times "$(wrk_rate "$1-acks")" "$(wrk_rate node-red-acks)")" \
        "$(times "$WHOLE_MS_node_red" "$ms")" "$(times "$cpu" "$CPU_US_node_red")"
    else
      printf ' |\n'
    fi
  }
  if [ "$NODE_RED_DONE" = 1 ]; then
    whole_row node-red "Node-RED $NODE_RED_VERSION, the same job ([flow](node-red/flows.json): 200 at once, switch, Get Quote, append a line; no auth, no journal), $EVENTS events"
  fi
  wanted whole && whole_row whole "the whole relay taking webhooks while it dispatches, jsonl sink, $EVENTS events"
  wanted whole-jdbc && whole_row whole-jdbc "the whole relay, jsonl + jdbc sinks, $EVENTS events"
  if [ -n "$FLOOR" ]; then
    echo "| journal floor: the relay's journal classes alone on H2, exactly once for each event, nothing else ([JournalFloor.java](JournalFloor.java)) | ${FLOOR#journal floor: } | |"
  fi
  echo "| peak RSS (VmHWM), highest of the runs | $max_rss MiB (intake H2 ${RSS_intake_h2:-}, PostgreSQL ${RSS_intake_pg:--}, e2e file ${RSS_e2e_file:-}, file + jdbc ${RSS_e2e_jdbc:--}, whole ${RSS_whole:--}, whole + jdbc ${RSS_whole_jdbc:--}) | |"
  echo "| start-up to the first 202 | ${STARTUP_intake_h2:--} ms (H2, fresh database)$( [ "$PG_DONE" = 1 ] && echo "; $STARTUP_intake_pg ms (PostgreSQL)")$( [ -n "$STARTUP_first" ] && echo "; the first start after the build, recording the class-data archive: $STARTUP_first ms")$( [ -n "${STARTUP_whole:-}" ] && echo "; the whole relay (all routes, jsonl sink): $STARTUP_whole ms")$( [ "$NODE_RED_DONE" = 1 ] && echo "; Node-RED to its first 200: $STARTUP_node_red ms") | |"
} > "$OUT/last-run.md"
cp "$OUT/last-run.md" "$OUT/run-$TAG.md"
cat "$OUT/last-run.md"
