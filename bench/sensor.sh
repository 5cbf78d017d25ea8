#!/usr/bin/env bash
# Sensor benchmark: overhead (bwload in a container with and without `bulwark up`, alternating),
# throughput under a storm of matching syscalls (bwstorm), and the sensor's resident memory.
#   bench/sensor.sh [ROUNDS] [BWLOAD_ITERATIONS] [STORM_PROCS] [STORM_SECONDS]
# Run as root after ./bulwark setup. Results go to stdout; record them in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "run as root (loads BPF, runs runc containers)"; exit 1; }
mvn -q -o -B -pl node-sensor -am test-compile -DskipTests >/dev/null
mvn -q -o -B -pl node-sensor dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
CP="node-sensor/target/test-classes:node-sensor/target/classes:$(cat node-sensor/target/bench.cp)"
exec java -cp "$CP" -Dbulwark.testHelpers=node-sensor/target/test-helpers io.bulwark.sensor.bench.SensorBench "$@"
