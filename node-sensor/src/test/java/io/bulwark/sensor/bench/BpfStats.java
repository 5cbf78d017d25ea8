package io.bulwark.sensor.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's own accounting of the sensor's BPF programs (sysctl kernel.bpf_stats_enabled):
 * run count and run time of every loaded {@code bw_*} program, read with bpftool. Measures the
 * sensor's in-kernel cost directly, where a wall-clock A/B on a shared two-core machine swings by
 * ±10% between identical rounds. Enabling the statistics costs a clock read per program run.
 */
final class BpfStats {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final Pattern PROG = Pattern.compile("\\{[^{}]*?\"name\":\"(bw_[a-z0-9_]+)\"[^{}]*?\"run_time_ns\":(\\d+),\"run_cnt\":(\\d+)");
    private static String saved;

    private BpfStats() {
    }

    static void enable() throws IOException {
        saved = Files.readString(SYSCTL).trim();
        Files.writeString(SYSCTL, "1");
    }

    static void restore() throws IOException {
        if (saved != null) {
            Files.writeString(SYSCTL, saved);
        }
    }

    /** name → {run_time_ns, run_cnt}, summed over programs of that name (empty when bpftool is missing). */
    static Map<String, long[]> snapshot() {
        Map<String, long[]> out = new TreeMap<>();
        try {
            Process p = new ProcessBuilder("bpftool", "--json", "prog", "show").redirectErrorStream(true).start();
            String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            Matcher m = PROG.matcher(json);
            while (m.find()) {
                long[] v = out.computeIfAbsent(m.group(1), k -> new long[2]);
                v[0] += Long.parseLong(m.group(2));
                v[1] += Long.parseLong(m.group(3));
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** "BPF: N ms in M runs = X% of one CPU over the window; sys_enter avg …" between two snapshots. */
    static String describe(Map<String, long[]> a, Map<String, long[]> b, double wallSeconds) {
        if (b.isEmpty()) {
            return "BPF run time: unavailable (bpftool missing: apt install bpftool)";
        }
        long ns = 0;
        long runs = 0;
        StringBuilder per = new StringBuilder();
        for (Map.Entry<String, long[]> e : b.entrySet()) {
            long[] before = a.getOrDefault(e.getKey(), new long[2]);
            long dt = e.getValue()[0] - before[0];
            long dc = e.getValue()[1] - before[1];
            ns += dt;
            runs += dc;
            if (dc > 0) {
                per.append(String.format(" %s %d x %.0f ns;", e.getKey().substring(3), dc, (double) dt / dc));
            }
        }
        return String.format("BPF programs (every process on the node): %.1f ms in %d runs = %.2f%% of one CPU over the %.1f s job;%s",
                ns / 1e6, runs, ns / 1e7 / wallSeconds, wallSeconds, per);
    }
}
