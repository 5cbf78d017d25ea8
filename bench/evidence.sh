#!/usr/bin/env bash
# Evidence capture on the node (docs/evidence.md), on real runc containers, as root:
#   bench/evidence.sh                 # all: snapshot cost, changed-files throughput (200 MB), timeline memory
#   bench/evidence.sh snapshot 300    # EvidenceCapture.snapshot p50/p99 over 300 rounds, then alert -> manifest x10
#   bench/evidence.sh files 200       # changed-files tar of 200 MB of new files: adaptive gzip, plain tar, gzip 1 and 6
#   bench/evidence.sh memory 100000   # heap retained by 100,000 decoder-shaped events in the timeline
# Results go to docs/benchmarks.md ("Evidence capture"). EVIDENCE_JAVA_OPTS=-Dbulwark.evidence.zstdWorkers=1 measures the capture with a zstd worker. Builds under the shared build lock, then measures without it.
set -euo pipefail
cd "$(dirname "$0")/.."
flock "${BULWARK_MVN_LOCK:-/tmp/bulwark-mvn.lock}" bash -c '
  mvn -o -q -pl node-sensor -am test-compile -DskipTests -Dquarkus.build.skip=true &&
  mvn -o -q -pl node-sensor dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/node-sensor/target/bench-classpath.txt"'
# run from a snapshot of the compiled classes, so a concurrent build of the tree cannot change them mid-run
snap="$(mktemp -d)"; trap 'rm -rf "$snap"' EXIT
cp -r contract/target/classes "$snap/contract"; cp -r node-sensor/target/classes "$snap/main"; cp -r node-sensor/target/test-classes "$snap/test"
cp="$snap/contract:$snap/test:$snap/main:$(cat node-sensor/target/bench-classpath.txt)"
# the sensor's own JVM flags (node-sensor/jvm.options) except its heap: the memory mode needs room for what it measures
mapfile -t FLAGS < <(grep -Ev '^[[:space:]]*(#|$)' node-sensor/jvm.options | grep -v '^-Xmx')
java "${FLAGS[@]}" ${EVIDENCE_JAVA_OPTS:-} -Xmx512m -Dbulwark.testHelpers=node-sensor/target/test-helpers -cp "$cp" io.bulwark.sensor.evidence.EvidenceBench "$@"
