#!/usr/bin/env bash
# Cost of an ordinary write open (openat O_WRONLY|O_CREAT, plus its close), of an ordinary relative
# read open (openat "hostname" from /etc), and of renames by relative and by absolute names in /tmp
# (sent every time: the relative one also has the kernel name its directory) made from a private mount namespace — what the kernel counts
# as a container process — with no sensor and with `bulwark up` running each JAR given (default: the
# built one). Best of 5 runs of 300,000 calls; getppid (not
# watched) alongside. Run as root after ./bulwark setup (the helpers are built by the test compile).
#   bench/write-open-cost.sh [JAR...]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "run as root (loads BPF)"; exit 1; }
mvn -q -o -B -pl node-sensor -am test-compile -DskipTests >/dev/null
HELPER=node-sensor/target/test-helpers/bwsyscall
mapfile -t FLAGS < <(grep -Ev '^[[:space:]]*(#|$)' node-sensor/jvm.options)
set -a; . <(grep -Ev '^[[:space:]]*(#|$)' node-sensor/launcher.env); set +a
best() {
  local b=999999 v
  for _ in 1 2 3 4 5; do
    v=$(unshare -m --propagation private "$HELPER" "$1" 300000 | sed 's/.*ns_per_call=//')
    b=$(awk -v a="$v" -v b="$b" 'BEGIN { print (a < b) ? a : b }')
  done
  echo "$b"
}
echo "no sensor: openat-write $(best openat-write) ns, openat-rel $(best openat-rel) ns, getppid $(best getppid) ns, rename-rel $(best rename-rel) ns, rename-abs $(best rename-abs) ns"
[[ $# -gt 0 ]] || set -- node-sensor/target/quarkus-app/quarkus-run.jar
for jar in "$@"; do
  out=$(mktemp)
  java "${FLAGS[@]}" -jar "$jar" up --no-warm-up --integrity-seconds 0 >"$out" 2>/dev/null &
  pid=$!
  for _ in $(seq 1 150); do grep -q ready "$out" && break; sleep 0.2; done
  grep -q ready "$out" || { echo "$jar: bulwark up never became ready"; kill "$pid"; exit 1; }
  echo "$jar: openat-write $(best openat-write) ns, openat-rel $(best openat-rel) ns, getppid $(best getppid) ns, rename-rel $(best rename-rel) ns, rename-abs $(best rename-abs) ns"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
done
