#!/usr/bin/env bash
# The responder's own time per alert on the sensor's fast path (default playbook, node steps evidence + freeze,
# executors that do nothing): in-memory state, and the node's file state with and without fsync.
# Usage: bench/response-fast-path.sh [N]   (needs the response jar: mvn -pl response -am install -DskipTests)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-2000}"
JAR="$ROOT/response/target/bulwark-response-0.1.0-SNAPSHOT.jar"
[[ -f "$JAR" ]] || { echo "no $JAR: build it with mvn -pl response -am install -DskipTests" >&2; exit 1; }
WORK="$(mktemp -d -t bulwark-response-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
CP="$JAR:$(ls "$ROOT"/response/target/lib/*.jar | tr '\n' ':')"
javac -cp "$CP" -d "$WORK" "$ROOT/bench/response/ResponderBench.java"
EVENT="$ROOT/response/src/test/resources/events/critical-core-pattern.json"
for mode in mem nofsync fsync; do
  java -cp "$CP:$WORK" ResponderBench "$EVENT" "$WORK" "$N" "$mode"
done
