#!/usr/bin/env bash
# The local stack's servers alone, without the outbox or the shipper: is ElasticMQ (or the local bus) the
# ceiling of bench/delivery.sh? Starts the stack (no shipper, no triage), then a client sending 10-entry
# SendMessageBatch (sqs) or PutEvents (bus) calls back to back, ≈1.5 KiB an entry, with 1, 2, 4 and 8 threads.
# Usage: bench/target-alone.sh [sqs|bus] [SECONDS]   (THREADS="1 2 4 8" by default; STACK_ARGS, e.g. --sqs-store memory)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHAT="${1:-sqs}"
SECS="${2:-10}"
WORK="$(mktemp -d -t bulwark-target-alone.XXXXXX)"
STACK="$ROOT/local-stack/target/bulwark-local-stack-0.1.0-SNAPSHOT.jar"
cleanup() { kill "${SP:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
BULWARK_STACK_NO_TRIAGE=true java -Xmx256m -jar "$STACK" --dir "$WORK/stack" --outbox none --evidence none --commands none --no-respond \
  --metrics-port 0 ${STACK_ARGS:-} >"$WORK/stack.log" 2>&1 &
SP=$!
until grep -q ready "$WORK/stack.log"; do sleep 0.2; kill -0 $SP || { cat "$WORK/stack.log"; exit 1; }; done
for t in ${THREADS:-1 2 4 8}; do
  java -Xmx128m -cp "$STACK" "$ROOT/bench/delivery/TargetAlone.java" "$WHAT" "$t" "$SECS"
done
