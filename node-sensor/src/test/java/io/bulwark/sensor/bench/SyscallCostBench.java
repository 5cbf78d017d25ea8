package io.bulwark.sensor.bench;

import io.bulwark.sensor.probe.BpfObject;
import io.bulwark.sensor.probe.Probe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-syscall cost of the two kernel designs (bench/syscall-cost.sh): no programs; one classic
 * tracepoint per watched syscall (enter + exit, target/test-bpf/pertp.bpf.o); and the sensor's
 * tp_btf sys_enter/sys_exit pair with the in-kernel table (the real probe). Measures an
 * unwatched syscall (getppid) and a watched-but-filtered one (openat of an ordinary file on
 * the host), best of 3 runs each, with bwsyscall.
 */
public final class SyscallCostBench {
    public static void main(String[] args) throws Exception {
        String helpers = System.getProperty("bulwark.testHelpers", "node-sensor/target/test-helpers");
        Path pertp = Path.of(System.getProperty("bulwark.testBpf", "node-sensor/target/test-bpf"), "pertp.bpf.o");
        Map<String, double[]> rows = new LinkedHashMap<>();
        rows.put("no BPF programs", measure(helpers));
        try (BpfObject o = BpfObject.open(pertp)) {
            o.load();
            Map<String, String> failed = o.attachAll();
            rows.put("per-syscall tracepoints (" + o.attached().size() + " attached" + (failed.isEmpty() ? "" : ", " + failed.size() + " missing") + ")", measure(helpers));
        }
        try (Probe p = Probe.start(Probe.Settings.defaults())) {
            rows.put("bulwark: tp_btf sys_enter/sys_exit + table", measure(helpers));
        }
        System.out.printf("%-55s %14s %14s%n", "design", "getppid ns", "openat ns");
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            System.out.printf("%-55s %14.1f %14.1f%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
    }

    private static double[] measure(String helpers) throws Exception {
        return new double[] {best(helpers, "getppid", "5000000"), best(helpers, "openat", "1000000")};
    }

    private static double best(String helpers, String what, String n) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder(helpers + "/bwsyscall", what, n).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            double v = Double.parseDouble(out.replaceAll("(?s).*ns_per_call=([0-9.]+).*", "$1"));
            best = Math.min(best, v);
        }
        return best;
    }
}
