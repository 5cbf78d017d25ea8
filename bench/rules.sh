#!/usr/bin/env bash
# Rule engine throughput (JMH): events/s through a loaded ruleset, one thread.
#   bench/rules.sh                          # both rulesets (escape, falco); 3x2 s warmup, 5x3 s measurement, 1 fork
#   bench/rules.sh -wi 3 -w 1 -i 5 -r 1     # any JMH option
#   bench/rules.sh -p ruleset=escape        # one ruleset
#   BENCH=RuleLoadBench bench/rules.sh      # load time instead (ms per load: escape, falco, falco-all)
# Results go to docs/benchmarks.md ("Rule engine").
#
# The whole run (build and measurement) holds the shared build lock. Running it as
# `flock /tmp/bulwark-mvn.lock bash bench/rules.sh` works too: the script then sees the lock is
# already held by its caller and does not take it a second time (which would deadlock).
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${BULWARK_MVN_LOCK:-/tmp/bulwark-mvn.lock}"
held_by_caller() {
    local p=$PPID
    while [ "${p:-0}" -gt 1 ]; do
        if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "^flock \(-[a-z]* \)*$lock "; then
            return 0
        fi
        p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || echo 0)
    done
    return 1
}
if [ -z "${BULWARK_LOCK_HELD:-}" ] && command -v flock >/dev/null && ! held_by_caller; then
    exec env BULWARK_LOCK_HELD=1 flock "$lock" bash "$0" "$@"
fi
mvn -o -q -pl node-sensor -am test-compile -DskipTests -Dquarkus.build.skip=true
mvn -o -q -pl node-sensor dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/node-sensor/target/bench-classpath.txt"
# run from a snapshot of the compiled classes, so a concurrent build of the tree cannot change them mid-run
snap="$(mktemp -d)"; trap 'rm -rf "$snap"' EXIT
cp -r contract/target/classes "$snap/contract"; cp -r node-sensor/target/classes "$snap/main"; cp -r node-sensor/target/test-classes "$snap/test"
cp="$snap/contract:$snap/test:$snap/main:$(cat node-sensor/target/bench-classpath.txt)"
java -cp "$cp" org.openjdk.jmh.Main "io.bulwark.sensor.rules.${BENCH:-RuleEngineBench}" "$@"
