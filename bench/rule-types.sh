#!/usr/bin/env bash
# Rule engine cost per event type (ns per event: RuleEngine.count over the JMH bench's escape mix, each event
# type alone, and evaluate vs count on the matching events). A plain harness for comparing rule files on one
# build; the goal is measured by bench/rules.sh (JMH).
#   bench/rule-types.sh               # the built-in escape ruleset
#   bench/rule-types.sh RULES.yaml    # another escape rule file in its place (e.g. an older one from git show)
# Results go to docs/benchmarks.md ("Rule engine"). Holds the shared build lock for the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${BULWARK_MVN_LOCK:-/tmp/bulwark-mvn.lock}"
if [ -z "${BULWARK_LOCK_HELD:-}" ] && command -v flock >/dev/null; then
    exec env BULWARK_LOCK_HELD=1 flock "$lock" bash "$0" "$@"
fi
mvn -o -q -pl node-sensor -am test-compile -DskipTests -Dquarkus.build.skip=true
mvn -o -q -pl node-sensor dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/node-sensor/target/bench-classpath.txt"
first=""
if [ $# -gt 0 ]; then
    over="$(mktemp -d)"; trap 'rm -rf "$over"' EXIT
    mkdir -p "$over/rules"; cp "$1" "$over/rules/bulwark_escape_rules.yaml"
    first="$over:"
fi
java -cp "${first}contract/target/classes:node-sensor/target/test-classes:node-sensor/target/classes:$(cat node-sensor/target/bench-classpath.txt)" \
    io.bulwark.sensor.rules.RuleTypeCost
