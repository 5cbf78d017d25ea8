#!/usr/bin/env bash
# From the syscall to the message in the queue, through the whole local pipeline: `./bulwark up`
# (sensor → outbox → shipper → ElasticMQ), N core_pattern write attempts in a busybox runc
# container, SPACING seconds apart. Latency = the queue's SentTimestamp − the alert's detail.time
# (the kernel's time of the syscall), same clock. Prints p50, p90, p99, max in ms. --no-respond: the
# fast path would freeze the container at the first attempt (bench/freeze-latency.sh measures that).
# Usage (root): bench/alert-latency.sh [N] [SPACING]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-100}"
SPACING="${2:-0.1}"
WORK="$(mktemp -d -t bulwark-latency.XXXXXX)"
NAME="bw-latency-$$"
cleanup() {
  runc delete -f "$NAME" >/dev/null 2>&1 || true
  [[ -n "${UP:-}" ]] && kill "$UP" 2>/dev/null && wait "$UP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
. "$ROOT/bench/lib/busybox-bundle.sh"
busybox_bundle "$WORK/ctr" sh echo sleep
# the stack's triage would consume the queue this script reads: leave it to the script
BULWARK_STACK_NO_TRIAGE=true BULWARK_VAR="$WORK/var" "$ROOT/bulwark" up --no-respond --integrity-seconds 0 --audit-minutes 0 >"$WORK/up.out" 2>"$WORK/up.err" &
UP=$!
for _ in $(seq 1 600); do
  grep -q "stack: ready" "$WORK/up.err" 2>/dev/null && grep -q "ready" "$WORK/up.out" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$WORK/up.out" || { cat "$WORK/up.err"; exit 1; }
(cd "$WORK/ctr" && runc run -d "$NAME" >/dev/null)
sleep 1
for i in $(seq 1 "$N"); do
  runc exec "$NAME" sh -c 'echo x > /proc/sys/kernel/core_pattern' 2>/dev/null || true
  sleep "$SPACING"
done
sleep 3
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1
Q=http://127.0.0.1:9324/000000000000/bulwark-alerts
: >"$WORK/msgs"
for _ in $(seq 1 $((N / 10 + 20))); do
  out=$(aws --endpoint-url http://127.0.0.1:9324 sqs receive-message --queue-url "$Q" --max-number-of-messages 10 \
        --attribute-names SentTimestamp --wait-time-seconds 1 --output json)
  [[ -z "$out" ]] && break
  echo "$out" >>"$WORK/msgs"
done
python3 - "$WORK/msgs" "$N" <<'PY'
import json, sys, datetime
lat = []
order = []
seen = set()
for chunk in open(sys.argv[1]).read().split('\n}\n'):
    chunk = chunk.strip()
    if not chunk:
        continue
    if not chunk.endswith('}'):
        chunk += '\n}'
    for m in json.loads(chunk).get('Messages', []):
        env = json.loads(m['Body'])
        d = env['detail']
        if d.get('vector') != 'core-pattern' or d['id'] in seen:
            continue
        seen.add(d['id'])
        t = d['time']
        secs, frac = t.rstrip('Z').split('.')
        base = datetime.datetime.fromisoformat(secs).replace(tzinfo=datetime.timezone.utc).timestamp()
        sent = int(m['Attributes']['SentTimestamp']) / 1000.0
        lat.append((sent - (base + float('0.' + frac))) * 1000)
        order.append((base, lat[-1]))
lat.sort()
if not lat:
    sys.exit('no core-pattern alert reached the queue')
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
order.sort()
print("first five in syscall order (ms):", [round(x[1], 1) for x in order[:5]])
print(f"{len(lat)} of {sys.argv[2]} attempts in the queue; syscall → queue ms: p50 {q(0.5):.1f}, p90 {q(0.9):.1f}, p99 {q(0.99):.1f}, max {lat[-1]:.1f}")
PY
