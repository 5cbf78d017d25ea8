#!/usr/bin/env bash
# Rule engine throughput (JMH): events/s through a loaded ruleset, one thread.
#   bench/rules.sh                 # default: 3x2 s warmup, 5x3 s measurement, 1 fork
#   bench/rules.sh -wi 1 -i 2      # any JMH option
# Results go to docs/benchmarks.md ("Rule engine").
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${BULWARK_MVN_LOCK:-/tmp/bulwark-mvn.lock}"
mvn_() { if command -v flock >/dev/null; then flock "$lock" mvn "$@"; else mvn "$@"; fi; }
mvn_ -o -q -pl node-sensor -am test-compile -DskipTests -Dquarkus.build.skip=true
mvn_ -o -q -pl node-sensor dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/node-sensor/target/bench-classpath.txt"
# run from a snapshot of the compiled classes, so a concurrent build of the tree cannot change them mid-run
snap="$(mktemp -d)"; trap 'rm -rf "$snap"' EXIT
cp -r contract/target/classes "$snap/contract"; cp -r node-sensor/target/classes "$snap/main"; cp -r node-sensor/target/test-classes "$snap/test"
cp="$snap/contract:$snap/test:$snap/main:$(cat node-sensor/target/bench-classpath.txt)"
java -cp "$cp" org.openjdk.jmh.Main 'io.bulwark.sensor.rules.RuleEngineBench' "$@"
