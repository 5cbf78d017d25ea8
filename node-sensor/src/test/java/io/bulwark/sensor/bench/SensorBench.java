package io.bulwark.sensor.bench;

import io.bulwark.sensor.testing.RuncContainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sensor benchmark (bench/sensor.sh): runs the real `bulwark up` process (the built jar,
 * the launcher's JVM flags) against real runc containers and prints
 * <ol>
 *   <li>overhead: a benign syscall-heavy job (bwload) in a container, alternately without and
 *       with the sensor, medians side by side;</li>
 *   <li>throughput: a storm of matching syscalls (bwstorm, several processes) — events decoded
 *       per second and every drop counter;</li>
 *   <li>resident memory of the sensor process after the storm.</li>
 * </ol>
 * Args: [rounds] [bwload iterations] [storm procs] [storm seconds].
 */
public final class SensorBench {
    private static final Pattern ELAPSED = Pattern.compile("elapsed_ms=([0-9.]+)");

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String iterations = args.length > 1 ? args[1] : "200000";
        String procs = args.length > 2 ? args[2] : "2";
        String stormSeconds = args.length > 3 ? args[3] : "5";
        Path jar = Path.of(System.getProperty("bulwark.jar", "node-sensor/target/quarkus-app/quarkus-run.jar"));
        if (!Files.isReadable(jar)) {
            throw new IllegalStateException("build first (./bulwark setup): " + jar);
        }
        int settleBeforeLoad = Integer.getInteger("bulwark.bench.settleBeforeLoad", 5);
        BpfStats.enable();
        try (RuncContainer box = RuncContainer.builder().start()) {
            box.exec("/bin/bwload", "2000", "100"); // warm the page cache
            List<Double> off = new ArrayList<>();
            List<Double> on = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                off.add(load(box, iterations));
                try (Up up = Up.start(jar)) {
                    // steady state, as on a node: not the first seconds after start (JIT, first audit)
                    Thread.sleep(settleBeforeLoad * 1000L);
                    String before = up.counters();
                    double cpu0 = up.decoderCpuSeconds();
                    double jvm0 = up.processCpuSeconds();
                    java.util.Map<String, long[]> bpf0 = BpfStats.snapshot();
                    long t0 = System.nanoTime();
                    double ms = load(box, iterations);
                    double wall = (System.nanoTime() - t0) / 1e9;
                    java.util.Map<String, long[]> bpf1 = BpfStats.snapshot();
                    on.add(ms);
                    String after = up.counters();
                    System.out.printf("  round %d with sensor: %.1f ms; kernel emitted %d, decoded %d; sensor process CPU %.2f s (decoder %.2f s)%n", r + 1, ms,
                            field(after, "kernel_emitted") - field(before, "kernel_emitted"), field(after, "decoded") - field(before, "decoded"),
                            up.processCpuSeconds() - jvm0, up.decoderCpuSeconds() - cpu0);
                    System.out.println("    " + BpfStats.describe(bpf0, bpf1, wall));
                }
            }
            double mOff = median(off);
            double mOn = median(on);
            System.out.printf("overhead: bwload %s iterations in a runc container, %d rounds alternating%n", iterations, rounds);
            System.out.printf("  without sensor: median %.1f ms %s%n", mOff, off);
            System.out.printf("  with sensor:    median %.1f ms %s%n", mOn, on);
            System.out.printf("  overhead: %+.1f%%%n", (mOn - mOff) / mOff * 100);
            BpfStats.restore();

            Up up = Up.start(jar);
            RuncContainer.ExecResult storm;
            long rss;
            String counters;
            try {
                String start = up.counters();
                RuncContainer.ExecResult first = box.exec("/bin/bwstorm", procs, stormSeconds, System.getProperty("bulwark.bench.stormMode", "same")); // the first storm after start
                String before = up.counters();
                System.out.printf("  first storm after start: %s    kernel emitted %d, decoded %d, ringbuf drops %d%n", first.output(),
                        field(before, "kernel_emitted") - field(start, "kernel_emitted"), field(before, "decoded") - field(start, "decoded"),
                        field(before, "ringbuf_full_drops") - field(start, "ringbuf_full_drops"));
                double cpu0 = up.decoderCpuSeconds();
                long t0 = System.nanoTime();
                long stormStart = System.currentTimeMillis();
                storm = box.exec("/bin/bwstorm", procs, stormSeconds, System.getProperty("bulwark.bench.stormMode", "same"));
                double secs = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(500);
                rss = up.rssKiB();
                if (Boolean.getBoolean("bulwark.bench.nmt")) { // with -Dbulwark.bench.jvmArgs=-XX:NativeMemoryTracking=summary
                    Process j = new ProcessBuilder("jcmd", Long.toString(up.p.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
                    System.out.println(new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                    for (String l : Files.readAllLines(Path.of("/proc/" + up.p.pid() + "/status"))) {
                        if (l.startsWith("Rss")) {
                            System.out.println("  " + l);
                        }
                    }
                }
                double decoderCpu = up.decoderCpuSeconds() - cpu0;
                long peak = up.statusKiB("VmHWM:");
                int settle = Integer.getInteger("bulwark.bench.settleSeconds", 0); // RSS again once freed memory is handed back
                long settled = 0;
                if (settle > 0) {
                    Thread.sleep(settle * 1000L);
                    settled = up.rssKiB();
                }
                counters = up.counters();
                up.stop();
                System.out.printf("throughput: bwstorm %s procs x %s s in a container: %s", procs, stormSeconds, storm.output());
                long decoded = field(counters, "decoded") - field(before, "decoded");
                long emitted = field(counters, "kernel_emitted") - field(before, "kernel_emitted");
                long rbDrops = field(counters, "ringbuf_full_drops") - field(before, "ringbuf_full_drops");
                long recErrors = field(counters, "record_errors") - field(before, "record_errors");
                System.out.printf("  measured storm (after a warm-up storm): %.1f s, kernel emitted %d, decoded %d = %.0f events/s, ringbuf drops %d, record errors %d%n",
                        secs, emitted, decoded, decoded / secs, rbDrops, recErrors);
                System.out.println("  sensor counters: " + counters + " (measured storm started at " + stormStart + ")");
                if (Boolean.getBoolean("bulwark.bench.timeline")) {
                    System.out.println("  per-second drops/decoded: " + up.dropTimeline());
                }
                if (Boolean.getBoolean("bulwark.bench.sensorLog")) { // e.g. with -Dbulwark.bench.jvmArgs=-Dbulwark.debug.stalls=true
                    synchronized (up.err) {
                        for (String l : up.err.toString().split("\n")) {
                            if (l.startsWith("bulwark: ")) {
                                System.out.println("  sensor: " + l);
                            }
                        }
                    }
                }
                System.out.printf("  decoder thread CPU during the storm: %.2f s, i.e. %.0f events per CPU-second (its capacity on one core)%n",
                        decoderCpu, decoded / decoderCpu);
                System.out.printf("memory: sensor RSS after the storm %d KiB (%.1f MiB), peak (VmHWM) %.1f MiB%s%n", rss, rss / 1024.0, peak / 1024.0,
                        settle > 0 ? String.format(", %d s later %.1f MiB", settle, settled / 1024.0) : "");
            } finally {
                up.close();
            }
        }
    }

    private static double load(RuncContainer box, String iterations) {
        RuncContainer.ExecResult r = box.exec("/bin/bwload", iterations, "1000");
        Matcher m = ELAPSED.matcher(r.output());
        if (!m.find()) {
            throw new IllegalStateException("bwload printed no time: " + r.output());
        }
        return Double.parseDouble(m.group(1));
    }

    private static long field(String counters, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=(\\d+)").matcher(counters);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** A real `bulwark up` process with the launcher's JVM flags. */
    static final class Up implements AutoCloseable {
        final Process p;
        final StringBuilder err = new StringBuilder();
        Thread errReader;

        private Up(Process p) {
            this.p = p;
        }

        static Up start(Path jar) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("java"));
            for (String l : Files.readAllLines(Path.of("node-sensor/jvm.options"))) { // the launcher's flags
                if (!l.isBlank() && !l.strip().startsWith("#")) {
                    cmd.add(l.strip());
                }
            }
            cmd.addAll(List.of("-jar", jar.toString(), "up", "--no-respond", "--min-priority", "EMERGENCY", "--stats-seconds", "1"));
            String extra = System.getProperty("bulwark.bench.jvmArgs", "").trim(); // e.g. a JFR recording for profiling
            if (!extra.isEmpty()) {
                cmd.addAll(cmd.indexOf("-jar"), List.of(extra.split("\\s+"))); // after the launcher's flags: the last one wins
            }
            String upArgs = System.getProperty("bulwark.bench.upArgs", "").trim(); // e.g. --integrity-seconds 0
            if (!upArgs.isEmpty()) {
                cmd.addAll(List.of(upArgs.split("\\s+")));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd);
            for (String l : Files.readAllLines(Path.of("node-sensor/launcher.env"))) { // the launcher's environment
                int eq = l.indexOf('=');
                if (!l.isBlank() && !l.strip().startsWith("#") && eq > 0 && System.getenv(l.substring(0, eq).strip()) == null) {
                    pb.environment().put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
                }
            }
            Process p = pb.start();
            Up up = new Up(p);
            Thread errReader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (up.err) {
                            up.err.append(line).append('\n');
                            if (line.contains("slow event")) {
                                System.out.println("  [up] " + line);
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            });
            errReader.setDaemon(true);
            errReader.start();
            up.errReader = errReader;
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                if (line.contains("ready")) {
                    Thread drain = new Thread(() -> {
                        try {
                            while (out.readLine() != null) {
                                // alerts are not part of the measurement
                            }
                        } catch (IOException ignored) {
                            // done
                        }
                    });
                    drain.setDaemon(true);
                    drain.start();
                    return up;
                }
            }
            throw new IllegalStateException("bulwark up never became ready: " + up.err);
        }

        /** CPU seconds (user + system) used so far by the sensor's decoder thread ("bulwark-decoder"). */
        double decoderCpuSeconds() throws IOException {
            try (var tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
                for (Path t : (Iterable<Path>) tasks::iterator) {
                    if (Files.readString(t.resolve("comm")).trim().startsWith("bulwark-decode")) {
                        return cpuSeconds(t.resolve("stat"));
                    }
                }
            }
            return Double.NaN;
        }

        /** CPU time of the whole sensor process (every thread: decoder, JIT, GC, audits). */
        double processCpuSeconds() throws IOException {
            return cpuSeconds(Path.of("/proc/" + p.pid() + "/stat"));
        }

        /** utime + stime of a /proc stat file (a process's or a thread's), in seconds (clock ticks of 1/100 s). */
        private static double cpuSeconds(Path stat) throws IOException {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        }

        long statusKiB(String key) throws IOException {
            for (String l : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (l.startsWith(key)) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }

        long rssKiB() throws IOException {
            for (String l : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }

        /** The latest periodic stats line the sensor printed (--stats-seconds 1). */
        /** The drop counter of every per-second stats line so far (to see when drops happen). */
        String dropTimeline() {
            StringBuilder out = new StringBuilder();
            synchronized (err) {
                for (String l : err.toString().split("\n")) {
                    java.util.regex.Matcher m = Pattern.compile("ringbuf_full_drops=(\\d+).*decoded=(\\d+)").matcher(l);
                    if (l.contains("stats;") && m.find()) {
                        out.append(m.group(1)).append('/').append(m.group(2)).append(' ');
                    }
                }
            }
            return out.toString();
        }

        String counters() throws InterruptedException {
            Thread.sleep(1500);
            synchronized (err) {
                String[] ls = err.toString().split("\n");
                for (int k = ls.length - 1; k >= 0; k--) {
                    if (ls[k].contains("stats;")) {
                        return ls[k];
                    }
                }
            }
            return "";
        }

        /** SIGTERM, wait, and return the counters line it printed. */
        String stop() throws Exception {
            long t0 = System.nanoTime();
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                System.out.println("  (sensor did not stop within 15 s of SIGTERM; killed)");
            } else {
                System.out.printf("  stop after SIGTERM: %.2f s%n", (System.nanoTime() - t0) / 1e9);
            }
            errReader.join(5000);
            synchronized (err) {
                for (String l : err.toString().split("\n")) {
                    if (l.contains("stopped;")) {
                        return l.substring(l.indexOf("stopped;"));
                    }
                }
                return err.toString();
            }
        }

        @Override
        public void close() throws Exception {
            if (p.isAlive()) {
                stop();
            }
        }
    }
}
