#!/usr/bin/env bash
# Per-syscall cost of the kernel designs: none / one tracepoint per syscall / bulwark's
# sys_enter+sys_exit pair with an in-kernel table (and the pair that returns at once: its floor).
# Run as root after ./bulwark setup. --bpf-stats: also the kernel's run time of each program per call.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "run as root"; exit 1; }
mvn -q -o -B -pl node-sensor -am test-compile -DskipTests >/dev/null
mvn -q -o -B -pl node-sensor dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
CP="node-sensor/target/test-classes:node-sensor/target/classes:$(cat node-sensor/target/bench.cp)"
exec java -cp "$CP" -Dbulwark.testHelpers=node-sensor/target/test-helpers -Dbulwark.testBpf=node-sensor/target/test-bpf \
  -Dbulwark.bpfDir=node-sensor/target/classes/bpf io.bulwark.sensor.bench.SyscallCostBench "$@"
