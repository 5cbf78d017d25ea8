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
mvn_ -o -q -pl node-sensor dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=node-sensor/target/bench-classpath.txt
cp="contract/target/classes:node-sensor/target/test-classes:node-sensor/target/classes:$(cat node-sensor/target/bench-classpath.txt)"
exec java -cp "$cp" org.openjdk.jmh.Main 'io.bulwark.sensor.rules.RuleEngineBench' "$@"
