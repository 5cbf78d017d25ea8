#!/usr/bin/env bash
# The sensor's cost to a syscall-heavy benign job in a runc container, in the job's own CPU time:
# bench/job/bwjob.c (open/read/close, stat, getppid per iteration; fork+exec every 2,000), static,
# in a busybox rootfs. ROUNDS rounds alternate "no sensor" and "sensor" (`bulwark up --no-stack`-like:
# the jar's up with the escape rules, no outbox); prints each round and the medians and their ratio.
# Usage (root): bench/syscall-job.sh [ROUNDS] [ITERATIONS]   (JAR=path/to/quarkus-run.jar: another build)
# SENSOR_ARGS adds options to the sensor's up, e.g. SENSOR_ARGS="--evidence /tmp/ev --commands /tmp/cmd" for the
# response and evidence timeline as ./bulwark up runs them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${1:-5}"
N="${2:-300000}"
JAR="${JAR:-$ROOT/node-sensor/target/quarkus-app/quarkus-run.jar}"
WORK="$(mktemp -d -t bulwark-job.XXXXXX)"
NAME="bw-job-$$"
cleanup() {
  runc delete -f "$NAME" >/dev/null 2>&1 || true
  [[ -n "${UP:-}" ]] && kill "$UP" 2>/dev/null && wait "$UP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
. "$ROOT/bench/lib/busybox-bundle.sh"
busybox_bundle "$WORK/ctr" sh true sleep
gcc -O2 -static -o "$WORK/ctr/rootfs/bin/bwjob" "$ROOT/bench/job/bwjob.c"
echo "root:x:0:0:root:/root:/bin/sh" >"$WORK/ctr/rootfs/etc/passwd"
(cd "$WORK/ctr" && runc run -d "$NAME" >/dev/null)
mapfile -t FLAGS < <(grep -Ev '^[[:space:]]*(#|$)' "$ROOT/node-sensor/jvm.options")
job() { runc exec "$NAME" /bin/bwjob "$N" /etc/passwd; }
job >/dev/null # warm the page cache
off=() on=()
for r in $(seq 1 "$ROUNDS"); do
  off+=("$(job)")
  java "${FLAGS[@]}" -jar "$JAR" up --integrity-seconds 0 --audit-minutes 0 --metrics-port 0 --pin-dir none ${SENSOR_ARGS:-} >"$WORK/up.out" 2>"$WORK/up.err" &
  UP=$!
  for _ in $(seq 1 300); do grep -q ready "$WORK/up.out" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  on+=("$(job)")
  kill "$UP"; wait "$UP" 2>/dev/null || true; UP=
  echo "round $r: no sensor ${off[-1]} ms, sensor ${on[-1]} ms (job CPU time)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
mo=$(median "${off[@]}"); mn=$(median "${on[@]}")
echo "medians: no sensor $mo ms, sensor $mn ms: x$(echo "scale=3; $mn / $mo" | bc)"
