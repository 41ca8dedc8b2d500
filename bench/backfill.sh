#!/usr/bin/env bash
# A backfill, measured: the relay's first reconcile run brings a simulated tenant of BENCH_QUOTES quotes (5,000) into
# the jdbc sink on PostgreSQL, each through a Get Quote call that DealHub's stand-in (the relay's own simulator,
# dealhub.simulator.latency-ms) answers after BENCH_LATENCY_MS (100 ms). The bound is set by that latency and
# relay.dispatch.concurrency (16 threads / 0.1 s = 160 quotes/s); the figure is the share of it the backfill reaches.
#
#   bench/backfill.sh            from the repository root; needs PostgreSQL on 127.0.0.1:5432 (database test,
#                                user postgres, trust) and psql. BENCH_SKIP_BUILD=1 uses target/dealhub-relay.jar.
set -euo pipefail

QUOTES=${BENCH_QUOTES:-5000}
LATENCY_MS=${BENCH_LATENCY_MS:-100}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
PORT=${BENCH_PORT:-18080}
SCHEMA="bench_backfill_$(date +%s)_$$"
WORK=$(mktemp -d /tmp/dealhub-backfill.XXXXXX)
PSQL=(psql -h 127.0.0.1 -U postgres -d test -qtA -v ON_ERROR_STOP=1)
RELAY_PID=

cleanup() {
    if [ -n "$RELAY_PID" ] && kill -0 "$RELAY_PID" 2>/dev/null; then
        kill "$RELAY_PID"
        for _ in $(seq 1 40); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.5; done
    fi
    "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    mvn -B -q package -DskipTests
fi
"${PSQL[@]}" -c "CREATE SCHEMA $SCHEMA"
cp -r routes templates samples "$WORK"/
cat > "$WORK/application.properties" <<PROPERTIES
camel.server.port = $PORT
camel.server.host = 127.0.0.1
relay.datasource.url = jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$SCHEMA
relay.datasource.username = postgres
relay.webhook.secrets = bench-secret
relay.dispatch.concurrency = $CONCURRENCY
dealhub.simulator.enabled = true
dealhub.simulator.quotes = $QUOTES
dealhub.simulator.latency-ms = $LATENCY_MS
dealhub.api.base-url = http://127.0.0.1:$PORT/simulator
dealhub.api.token = simulator-token
relay.reconcile.start-delay-ms = 1000
relay.sinks.bi.type = jdbc
relay.sinks.bi.events = *
# One connection per dispatch thread: a delivery never waits for the sink's pool (its default is 4).
relay.sinks.bi.pool-size = $CONCURRENCY
PROPERTIES

JAR=$(pwd)/target/dealhub-relay.jar
(cd "$WORK" && exec java -Xms64m -Xmx256m -XX:+UseG1GC -jar "$JAR" > relay.log 2>&1) &
RELAY_PID=$!

count() { "${PSQL[@]}" -c "SELECT count(*) FROM $SCHEMA.$1" 2>/dev/null || echo 0; }
# CPU seconds the relay has used (user + system, from /proc): the machine is shared, so rates move with its load,
# while the CPU the relay spends per quote does much less.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$RELAY_PID/stat"; }
deadline=$((SECONDS + ${BENCH_TIMEOUT_S:-600}))
until [ "$(count relay_reconcile_run)" = 1 ]; do
    if [ $SECONDS -gt $deadline ]; then echo "no run started"; tail -30 "$WORK/relay.log"; exit 1; fi
    sleep 0.2
done
CPU_START=$(cpu)
until [ "$(count dealhub_quote)" = "$QUOTES" ]; do
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then echo "the relay stopped:"; tail -50 "$WORK/relay.log"; exit 1; fi
    if [ $SECONDS -gt $deadline ]; then echo "not done in time: $(count dealhub_quote) quotes"; tail -30 "$WORK/relay.log"; exit 1; fi
    sleep 1
done

CPU_END=$(cpu)
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
CPU_RATE=$(awk -v c="$CPU_MS" -v n="$(nproc)" 'BEGIN { printf "%.0f", n * 1000 / c }')
echo "backfill of $QUOTES quotes, Get Quote after ${LATENCY_MS} ms, $CONCURRENCY dispatch threads, jdbc sink on PostgreSQL"
echo "  listing (the reconcile run itself): ${PAGES_S} s"
echo "  run start to last delivery:         ${WALL} s"
echo "  quotes/s:                           ${RATE} (bound ${BOUND}/s: ${SHARE} %)"
echo "  relay CPU per quote:                ${CPU_MS} ms (all $(nproc) cores to the relay alone: ${CPU_RATE} quotes/s)"
echo "  load average (1, 5, 15 min) at end: ${LOAD} on $(nproc) cores"
grep "reconcile run complete" "$WORK/relay.log" | sed 's/^/  /' | cut -c1-300
