package io.bulwark.sensor.bench;

import io.bulwark.sensor.probe.BpfObject;
import io.bulwark.sensor.probe.Probe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-syscall cost of the kernel designs (bench/syscall-cost.sh): no programs; one classic
 * tracepoint per watched syscall (enter + exit, target/test-bpf/pertp.bpf.o); the floor of the
 * sensor's design, a tp_btf sys_enter/sys_exit pair that returns at once (rawfloor.bpf.o); and the sensor's
 * tp_btf sys_enter/sys_exit pair with the in-kernel table (the real probe). Best of 3 runs of
 * bwsyscall for each kind of call:
 * <ul>
 * <li>getppid, stat: not watched (stat is newfstatat);</li>
 * <li>openat (host): watched, from a host process, dropped at the table's container bit;</li>
 * <li>openat (ctr), openat-rel (ctr): an ordinary read open of /etc/hostname by an absolute and a
 * relative name from a private mount namespace (what the kernel counts as a container): through the path
 * filter, dropped;</li>
 * <li>exec (ctr): fork, execve /bin/true, wait, from a private mount namespace: exec, fork and exit
 * events sent.</li>
 * </ul>
 * Calls include their close (openat) or wait (exec). With {@code --bpf-stats} the sensor
 * row is run once more with the kernel's BPF statistics on and prints each program's run time per
 * run for each kind of call (the statistics add a clock read per run).
 */
public final class SyscallCostBench {
    private record Kind(String label, String mode, String n, boolean contained) {}

    private static final List<Kind> KINDS = List.of(
            new Kind("getppid", "getppid", "3000000", false),
            new Kind("stat", "stat", "1000000", false),
            new Kind("openat host", "openat", "500000", false),
            new Kind("openat ctr", "openat", "500000", true),
            new Kind("openat-rel ctr", "openat-rel", "500000", true),
            new Kind("exec ctr", "exec", "2000", true));

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
        try (BpfObject o = BpfObject.open(pertp.resolveSibling("rawfloor.bpf.o"))) {
            o.load();
            o.attachAll();
            rows.put("floor: tp_btf sys_enter/sys_exit returning at once", measure(helpers));
        }
        List<String> stats = new ArrayList<>();
        try (Probe p = Probe.start(Probe.Settings.defaults())) {
            rows.put("bulwark: tp_btf sys_enter/sys_exit + table", measure(helpers));
            if (List.of(args).contains("--bpf-stats")) {
                BpfStats.enable();
                try {
                    for (Kind k : KINDS) {
                        Map<String, long[]> a = BpfStats.snapshot();
                        run(helpers, k);
                        Map<String, long[]> b = BpfStats.snapshot();
                        stats.add(String.format("%-16s %s", k.label, perRun(a, b, Long.parseLong(k.n))));
                    }
                } finally {
                    BpfStats.restore();
                }
            }
        }
        StringBuilder head = new StringBuilder(String.format("%-46s", "design (ns per call, best of 3)"));
        for (Kind k : KINDS) {
            head.append(String.format(" %15s", k.label));
        }
        System.out.println(head);
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            StringBuilder line = new StringBuilder(String.format("%-46s", e.getKey()));
            for (double v : e.getValue()) {
                line.append(String.format(" %15.1f", v));
            }
            System.out.println(line);
        }
        if (!stats.isEmpty()) {
            System.out.println("bulwark programs, kernel statistics (ns per run; runs per call):");
            stats.forEach(System.out::println);
        }
    }

    /** " sys_enter 123 ns x 1.0; sys_exit …" for the programs that ran during one run of calls calls. */
    private static String perRun(Map<String, long[]> a, Map<String, long[]> b, long calls) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, long[]> e : b.entrySet()) {
            long[] before = a.getOrDefault(e.getKey(), new long[2]);
            long dt = e.getValue()[0] - before[0];
            long dc = e.getValue()[1] - before[1];
            if (dc >= calls) {
                s.append(String.format(" %s %.0f ns x %.1f;", e.getKey().substring(3), (double) dt / dc, (double) dc / calls));
            }
        }
        return s.toString();
    }

    private static double[] measure(String helpers) throws Exception {
        double[] out = new double[KINDS.size()];
        for (int i = 0; i < out.length; i++) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 3; r++) {
                best = Math.min(best, run(helpers, KINDS.get(i)));
            }
            out[i] = best;
        }
        return out;
    }

    private static double run(String helpers, Kind k) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (k.contained) {
            cmd.addAll(List.of("unshare", "-m", "--propagation", "private"));
        }
        cmd.addAll(List.of(helpers + "/bwsyscall", k.mode, k.n));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0 || !out.contains("ns_per_call=")) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return Double.parseDouble(out.replaceAll("(?s).*ns_per_call=([0-9.]+).*", "$1"));
    }
}
