#!/usr/bin/env bash
# Delivery throughput and the shipper's memory: N alerts (≈1.5 KiB each) in an outbox, delivered by
# `bulwark ship --local` (its own JVM, as in AWS mode) to the local stack's ElasticMQ and bus.
# Prints the append rate, the delivery rate, the shipper's RSS (peak and after), its CPU time and threads. Usage: bench/delivery.sh [N]
# STACK_ARGS: more options for the stack (e.g. --sqs-store memory); SHIP_OPTS: the shipper's JVM flags (default the launcher's).
# SHIP_ARGS: more options for the shipper (e.g. --calls-in-flight 1).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-20000}"
WORK="$(mktemp -d -t bulwark-delivery-bench.XXXXXX)"
CP="$ROOT/outbox/target/classes"
STACK="$ROOT/local-stack/target/bulwark-local-stack-0.1.0-SNAPSHOT.jar"
SHIP="$ROOT/delivery/target/bulwark-delivery-0.1.0-SNAPSHOT.jar"
cleanup() { kill "${SP:-}" "${KP:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
java -Xmx256m -jar "$STACK" --dir "$WORK/stack" --outbox none --metrics-port 0 ${STACK_ARGS:-} >"$WORK/stack.log" 2>&1 &
SP=$!
until grep -q ready "$WORK/stack.log"; do sleep 0.2; kill -0 $SP || { cat "$WORK/stack.log"; exit 1; }; done
java -cp "$CP" "$ROOT/bench/delivery/FillOutbox.java" "$WORK/outbox" "$N"
t0=$(date +%s.%N)
MALLOC_ARENA_MAX=2 java ${SHIP_OPTS:-$(sed -n "s/^SHIP_FLAGS=(\(.*\))$/\1/p" "$ROOT/bulwark")} -jar "$SHIP" --outbox "$WORK/outbox" --local --metrics-port 9466 ${SHIP_ARGS:-} 2>"$WORK/ship.log" &
KP=$!
peak=0
while :; do
  sleep 0.2
  rss=$(awk '/VmRSS/{print $2}' /proc/$KP/status)
  if (( rss > peak )); then peak=$rss; fi
  d=$(curl -s 127.0.0.1:9466/metrics | awk '/^bulwark_delivery_delivered_total\{target="sqs"\}/{print $2}' || true)
  [[ "${d:-0}" -ge "$N" ]] && break
done
t1=$(date +%s.%N)
echo "delivered $N alerts to SQS and the bus in $(echo "$t1 - $t0" | bc) s (including the shipper's JVM start): $(echo "$N / ($t1 - $t0)" | bc) alerts/s"
echo "shipper RSS: peak $((peak / 1024)) MiB, after $(( $(awk '/VmRSS/{print $2}' /proc/$KP/status) / 1024 )) MiB"
# the shipper's own CPU (user + system): its cost, whatever else the shared machine runs meanwhile
echo "shipper CPU: $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' /proc/$KP/stat) s, $(ls /proc/$KP/task | wc -l) threads"
curl -s 127.0.0.1:9466/metrics | grep -E 'latency_seconds_(count|sum)|retries_total'
