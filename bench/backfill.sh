#!/usr/bin/env bash
# A backfill, measured: the relay's first reconcile run brings a simulated tenant of BENCH_QUOTES quotes (5,000) into
# the jdbc sink on PostgreSQL, each through a Get Quote call that DealHub's stand-in answers after BENCH_LATENCY_MS
# (100 ms). The bound is set by that latency and relay.dispatch.concurrency (16 threads / 0.1 s = 160 quotes/s); the
# figure is the share of it the backfill reaches.
#
# The stand-in (BENCH_STANDIN): "nginx" (the default) serves the relay's simulated tenant, written out as files by
# bench/TenantFiles.java, after echo_sleep (nginx's echo module, Debian's libnginx-mod-http-echo), so that DealHub's
# work is neither done nor billed in the relay's process; "relay" uses the relay's own simulator
# (dealhub.simulator.latency-ms), whose HTTP serving costs the relay's process about a quarter of its CPU.
#
#   bench/backfill.sh            from the repository root; needs PostgreSQL on 127.0.0.1:5432 (database test,
#                                user postgres, trust) and psql. BENCH_SKIP_BUILD=1 uses target/dealhub-relay.jar;
#                                BENCH_KEEP=1 keeps the work folder (relay.log); BENCH_JAVA_OPTS adds JVM options,
#                                e.g. "-XX:StartFlightRecording=filename=backfill.jfr,settings=profile" (a profile,
#                                written in the work folder when the relay stops).
set -euo pipefail

QUOTES=${BENCH_QUOTES:-5000}
LATENCY_MS=${BENCH_LATENCY_MS:-100}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
PORT=${BENCH_PORT:-18080}
STANDIN=${BENCH_STANDIN:-nginx}
STANDIN_PORT=18091
SCHEMA="bench_backfill_$(date +%s)_$$"
WORK=$(mktemp -d /tmp/dealhub-backfill.XXXXXX)
PSQL=(psql -h 127.0.0.1 -U postgres -d test -qtA -v ON_ERROR_STOP=1)
RELAY_PID=
NGINX_PID=

cleanup() {
    if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; fi
    if [ -n "$RELAY_PID" ] && kill -0 "$RELAY_PID" 2>/dev/null; then
        kill "$RELAY_PID"
        for _ in $(seq 1 40); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.5; done
    fi
    "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    mvn -B -q package -DskipTests
fi
"${PSQL[@]}" -c "CREATE SCHEMA $SCHEMA"
cp -r routes templates samples "$WORK"/
JAR=$(pwd)/target/dealhub-relay.jar

if [ "$STANDIN" = nginx ]; then
    [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || {
        echo "the stand-in needs nginx with its echo module (Debian: libnginx-mod-http-echo), or BENCH_STANDIN=relay"
        exit 1
    }
    java -cp "$JAR" bench/TenantFiles.java samples/get-quote-response.json "$QUOTES" 1 50 "$WORK/dealhub"
    mkdir -p "$WORK/nginx/logs"
    chmod 711 "$WORK" # nginx's worker runs as another user: it passes through to the tenant's files
    SLEEP=$(awk -v l="$LATENCY_MS" 'BEGIN { printf "%.3f", l / 1000 }')
    cat > "$WORK/nginx/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$STANDIN_PORT;
    default_type application/json;
    root $WORK/dealhub;
    location /api/v2/quote/ { echo_sleep $SLEEP; echo_exec @file; }
    location = /api/v2/quotes { echo_sleep $SLEEP; echo_exec @page; }
    location @file { try_files \$uri =404; }
    location @page { try_files /api/v2/quotes/\$arg_offset =404; }
  }
}
NGINX
    nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
    NGINX_PID=$!
    for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$STANDIN_PORT/api/v2/quotes?offset=0" && break; sleep 0.1; done
    curl -sf -o /dev/null "http://127.0.0.1:$STANDIN_PORT/api/v2/quote/SIMQ00000001" || { echo "the stand-in did not start"; exit 1; }
    STANDIN_SETTINGS="dealhub.api.base-url = http://127.0.0.1:$STANDIN_PORT"
else
    STANDIN_SETTINGS="dealhub.simulator.enabled = true
dealhub.simulator.quotes = $QUOTES
dealhub.simulator.latency-ms = $LATENCY_MS
dealhub.api.base-url = http://127.0.0.1:$PORT/simulator"
fi
cat > "$WORK/application.properties" <<PROPERTIES
camel.server.port = $PORT
camel.server.host = 127.0.0.1
relay.datasource.url = jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$SCHEMA&ApplicationName=$SCHEMA
relay.datasource.username = postgres
relay.webhook.secrets = bench-secret
relay.dispatch.concurrency = $CONCURRENCY
$STANDIN_SETTINGS
dealhub.api.token = simulator-token
relay.reconcile.start-delay-ms = 1000
relay.sinks.bi.type = jdbc
relay.sinks.bi.events = *
# One connection per dispatch thread: a delivery never waits for the sink's pool (its default is 4).
relay.sinks.bi.pool-size = $CONCURRENCY
PROPERTIES

(cd "$WORK" && exec java -Xms64m -Xmx256m -XX:+UseG1GC ${BENCH_JAVA_OPTS:-} -jar "$JAR" > relay.log 2>&1) &
RELAY_PID=$!

count() { "${PSQL[@]}" -c "SELECT count(*) FROM $SCHEMA.$1" 2>/dev/null || echo 0; }
# CPU seconds the relay has used (user + system, from /proc): the machine is shared, so rates move with its load,
# while the CPU the relay spends per quote does much less.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$RELAY_PID/stat"; }
# The same of PostgreSQL's backends serving the relay (named by its ApplicationName): the relay's writes cost CPU
# there too, on the same cores.
pgcpu() {
    local total=0 pid
    for pid in $("${PSQL[@]}" -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$SCHEMA'"); do
        total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", t + ($14 + $15) / hz }' \
            "/proc/$pid/stat" 2>/dev/null || echo "$total")
    done
    echo "$total"
}
deadline=$((SECONDS + ${BENCH_TIMEOUT_S:-600}))
until [ "$(count relay_reconcile_run)" = 1 ]; do
    if [ $SECONDS -gt $deadline ]; then echo "no run started"; tail -30 "$WORK/relay.log"; exit 1; fi
    sleep 0.2
done
CPU_START=$(cpu)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
PG_START=$(pgcpu)
until [ "$(count dealhub_quote)" = "$QUOTES" ]; do
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then echo "the relay stopped:"; tail -50 "$WORK/relay.log"; exit 1; fi
    if [ $SECONDS -gt $deadline ]; then echo "not done in time: $(count dealhub_quote) quotes"; tail -30 "$WORK/relay.log"; exit 1; fi
    sleep 1
done

CPU_END=$(cpu)
PG_END=$(pgcpu)
# From the run's start to the last delivery into the jdbc sink, as the relay recorded them.
read -r WALL PAGES_S < <("${PSQL[@]}" -F ' ' -c "SELECT
    round(EXTRACT(EPOCH FROM (SELECT max(updated_at) FROM $SCHEMA.relay_delivery WHERE sink = 'bi') - r.started_at)::numeric, 2),
    round(EXTRACT(EPOCH FROM r.finished_at - r.started_at)::numeric, 2)
    FROM $SCHEMA.relay_reconcile_run r")
BOUND=$(awk -v c="$CONCURRENCY" -v l="$LATENCY_MS" 'BEGIN { printf "%.0f", c * 1000 / l }')
RATE=$(awk -v q="$QUOTES" -v w="$WALL" 'BEGIN { printf "%.1f", q / w }')
SHARE=$(awk -v r="$RATE" -v b="$BOUND" 'BEGIN { printf "%.0f", 100 * r / b }')
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CPU_MS=$(awk -v a="$CPU_START" -v b="$CPU_END" -v q="$QUOTES" 'BEGIN { printf "%.2f", 1000 * (b - a) / q }')
PG_MS=$(awk -v a="$PG_START" -v b="$PG_END" -v q="$QUOTES" 'BEGIN { printf "%.2f", 1000 * (b - a) / q }')
CPU_RATE=$(awk -v c="$CPU_MS" -v p="$PG_MS" -v n="$(nproc)" 'BEGIN { printf "%.0f", n * 1000 / (c + p) }')
echo "backfill of $QUOTES quotes, Get Quote after ${LATENCY_MS} ms (stand-in: $STANDIN), $CONCURRENCY dispatch threads, jdbc sink on PostgreSQL"
echo "  listing (the reconcile run itself): ${PAGES_S} s"
echo "  run start to last delivery:         ${WALL} s"
echo "  quotes/s:                           ${RATE} (bound ${BOUND}/s: ${SHARE} %)"
echo "  relay CPU per quote:                ${CPU_MS} ms"
echo "  PostgreSQL CPU per quote:           ${PG_MS} ms (all $(nproc) cores to both alone: ${CPU_RATE} quotes/s)"
echo "  load average (1, 5, 15 min):        ${LOAD_START} at start, ${LOAD} at end, on $(nproc) cores"
grep "reconcile run complete" "$WORK/relay.log" | sed 's/^/  /' | cut -c1-300
