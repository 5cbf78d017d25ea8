package io.bulwark.sensor.evidence;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Numbers for docs/benchmarks.md (run by bench/evidence.sh, as root):
 * <ul>
 *   <li>{@code snapshot ROUNDS}: {@link EvidenceCapture#snapshot} on a real runc container (a shell with
 *       two children, 2,000 timeline entries), p50/p99; then alert → complete manifest, ten times;
 *   <li>{@code files MB}: the changed-files tar of MB of new files (a third logs, a third executables,
 *       a third random) in a real container, adaptive gzip vs plain tar vs fixed levels 1 and 6;
 *   <li>{@code memory N}: heap retained by N decoder-shaped events held in a timeline.
 * </ul>
 */
public final class EvidenceBench {
    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        if (what.equals("snapshot") || what.equals("all")) {
            snapshot(args.length > 1 && !what.equals("all") ? Integer.parseInt(args[1]) : 300);
        }
        if (what.equals("files") || what.equals("all")) {
            files(args.length > 1 && !what.equals("all") ? Integer.parseInt(args[1]) : 200);
        }
        if (what.equals("memory") || what.equals("all")) {
            memory(args.length > 1 && !what.equals("all") ? Integer.parseInt(args[1]) : 100_000);
        }
        System.exit(0);
    }

    static AlertDetail alert(ContainerInfo c, int pid, String comm) {
        ProcessInfo p = new ProcessInfo(pid, pid, c.pid(), 1, 0, 0, -1, comm, "/bin/sh", List.of("-c", "x"), "sh -c x", 0, 0,
                new ProcessInfo.Namespaces(0, 0, 0, 0, 0, 0, 0), 0, 0, false, false, List.of());
        return new AlertDetail(java.util.UUID.randomUUID().toString(), Instant.now().toString(), "Bench Rule", "CRITICAL", 8.5,
                "core-pattern", List.of(), List.of(), "bench", Map.of(), 1, p, c, null, NodeIdentity.detect(),
                new Syscall("openat", Map.of("name", "/proc/sys/kernel/core_pattern"), -30, "EROFS"),
                new AlertDetail.Sensor("0.1.0", "local", "none", null));
    }

    static int offender(RuncContainer c) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("runc", "exec", "-d", "--env", "API_TOKEN=abc", c.id(), "sh", "-c", "sleep 600 & sleep 600 & wait")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        Thread.sleep(300);
        for (String pid : Files.readAllLines(Path.of("/sys/fs/cgroup/unified", c.id(), "cgroup.procs"))) {
            if (Files.readString(Path.of("/proc", pid, "comm")).strip().equals("sh")) {
                return Integer.parseInt(pid);
            }
        }
        throw new IllegalStateException("no sh in " + c);
    }

    static void snapshot(int rounds) throws Exception {
        Path spool = Files.createTempDirectory("bulwark-ev-bench");
        try (RuncContainer c = RuncContainer.builder().start()) {
            int sh = offender(c);
            Files.writeString(c.rootfs().resolve("tmp/dropper.sh"), "#!/bin/sh\necho hi\n");
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo info = resolver.byId(c.id()).orElseThrow();
            ProcessTable table = new ProcessTable();
            table.scan();
            ContainerTimeline timeline = new ContainerTimeline(ContainerTimeline.Limits.defaults());
            long t0 = System.currentTimeMillis() * 1_000_000L - 60_000_000_000L;
            for (int i = 0; i < 2000; i++) {
                timeline.record(ContainerTimelineTest.event(info, t0 + i * 1_000_000L, sh, "/etc/file" + i));
            }
            EvidenceCapture capture = new EvidenceCapture(EvidenceCapture.Options.defaults(spool), table, timeline, NodeIdentity.detect());
            long[] ns = new long[rounds];
            int procs = 0;
            for (int i = 0; i < rounds; i++) {
                EvidenceCapture.Snapshot s = capture.snapshot(alert(info, sh, "sh"));
                ns[i] = s.costNanos();
                procs = s.pids().size();
                s.procs.forEach(ProcFacts::closeExe);
            }
            Arrays.sort(ns);
            System.out.printf("snapshot: %d rounds, %d processes, %d timeline entries: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    rounds, procs, 2001, ns[rounds / 2] / 1e6, ns[rounds * 99 / 100] / 1e6, ns[rounds - 1] / 1e6);
            long[] total = new long[10];
            Path dir = null;
            for (int i = 0; i < total.length; i++) {
                long a = System.nanoTime();
                EvidenceCapture.Snapshot s = capture.snapshot(alert(info, sh, "sh"));
                dir = capture.complete(s).toCompletableFuture().join();
                total[i] = System.nanoTime() - a;
            }
            long[] sorted = total.clone();
            Arrays.sort(sorted);
            long files;
            try (Stream<Path> w = Files.walk(dir)) {
                files = w.filter(Files::isRegularFile).count();
            }
            System.out.printf("alert -> complete manifest (small container, %d files in the capture): first %.0f ms, p50 %.0f ms, max %.0f ms%n",
                    files, total[0] / 1e6, sorted[5] / 1e6, sorted[9] / 1e6);
            capture.close();
        } finally {
            delete(spool);
        }
    }

    static void files(int mb) throws Exception {
        Path spool = Files.createTempDirectory("bulwark-ev-bench");
        try (RuncContainer c = RuncContainer.builder().start()) {
            Path data = Files.createDirectories(c.rootfs().resolve("var/data"));
            long per = (long) mb << 20;
            long written = 0;
            // logs
            StringBuilder log = new StringBuilder();
            Random r = new Random(7);
            for (int f = 0; written < per / 3; f++) {
                log.setLength(0);
                while (log.length() < (4 << 20)) {
                    log.append("2026-12-07T03:").append(10 + r.nextInt(50)).append(":00Z 10.0.").append(r.nextInt(255)).append('.')
                            .append(r.nextInt(255)).append(" GET /api/v1/items/").append(r.nextInt(100_000)).append(" 200 ")
                            .append(r.nextInt(900)).append("ms ua=\"curl/8.5\"\n");
                }
                Files.writeString(data.resolve("app-" + f + ".log"), log);
                written += log.length();
            }
            // executables (copies of what the host has)
            List<Path> elves = new ArrayList<>();
            try (Stream<Path> s = Files.list(Path.of("/usr/bin"))) {
                s.filter(p -> Files.isRegularFile(p) && !Files.isSymbolicLink(p)).sorted().forEach(elves::add);
            }
            long bin = 0;
            for (int i = 0; bin < per / 3 && !elves.isEmpty(); i++) {
                Path src = elves.get(i % elves.size());
                Path dst = data.resolve("bin-" + i + "-" + src.getFileName());
                Files.copy(src, dst);
                bin += Files.size(dst);
            }
            written += bin;
            // random (compressed or encrypted files)
            byte[] chunk = new byte[8 << 20];
            for (int f = 0; written < per; f++) {
                r.nextBytes(chunk);
                Files.write(data.resolve("blob-" + f + ".bin"), chunk);
                written += chunk.length;
            }
            long start = EvidenceCapture.startNs(Path.of("/proc"), c.pid());
            System.out.printf("changed files: %.1f MB written after the start (logs, executables, random), page cache warm%n", written / 1e6);
            for (int[] mode : new int[][] {{ChangedFiles.ZSTD}, {ChangedFiles.ZSTD_MT}, {ChangedFiles.NONE}, {ChangedFiles.ADAPTIVE}, {1}, {6}, {ChangedFiles.ZSTD},
                    {ChangedFiles.ZSTD_MT}}) {
                Path out = spool.resolve("t-" + System.nanoTime());
                long a = System.nanoTime();
                ChangedFiles.Result res;
                try (OutputStream o = Files.newOutputStream(out)) {
                    res = ChangedFiles.write(c.rootfs(), "mtime-since-start", start, 1L << 40, o, "bench", mode[0]);
                }
                double s = (System.nanoTime() - a) / 1e9;
                String name = mode[0] == ChangedFiles.ZSTD ? "zstd level 1, " + (ChangedFiles.ZSTD_WORKERS == 0 ? "on the capture thread" : ChangedFiles.ZSTD_WORKERS + " worker(s)")
                        + " (captures)" : mode[0] == ChangedFiles.ZSTD_MT ? "zstd level 1, 1 worker thread (overlaps read + tar)" : mode[0] == ChangedFiles.ADAPTIVE ? "gzip adaptive (level 1, stored when incompressible)"
                        : mode[0] == ChangedFiles.NONE ? "plain tar (no compression)"
                        : mode[0] == ChangedFiles.HUFFMAN ? "gzip Huffman only (no string matching)" : "gzip level " + mode[0];
                System.out.printf("  %-52s %7.1f MB in, %7.1f MB out, %5.2f s: %6.0f MB/s%n", name, res.rawBytes() / 1e6,
                        Files.size(out) / 1e6, s, res.rawBytes() / 1e6 / s);
                Files.delete(out);
            }
            // the whole background capture with that container
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo info = resolver.byId(c.id()).orElseThrow();
            ProcessTable table = new ProcessTable();
            table.scan();
            EvidenceCapture capture = new EvidenceCapture(EvidenceCapture.Options.defaults(spool), table,
                    new ContainerTimeline(ContainerTimeline.Limits.defaults()), NodeIdentity.detect());
            long a = System.nanoTime();
            Path dir = capture.complete(capture.snapshot(alert(info, c.pid(), "sleep"))).toCompletableFuture().join();
            System.out.printf("alert -> complete manifest with %.0f MB of changed files: %.2f s (tar.zst %.1f MB)%n", written / 1e6,
                    (System.nanoTime() - a) / 1e9, Files.size(dir.resolve("changed-files.tar.zst")) / 1e6);
            capture.close();
        } finally {
            delete(spool);
        }
    }

    static void memory(int n) {
        ContainerInfo c = ContainerTimelineTest.container("bench");
        ContainerInfo[] boxes = new ContainerInfo[n / 2000 + 1];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = ContainerTimelineTest.container("box-" + i);
        }
        long before = used();
        ContainerTimeline t = new ContainerTimeline(new ContainerTimeline.Limits(2000, 600_000_000_000L, 1L << 40, 1));
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < n; i++) {
            ContainerInfo box = boxes[i / 2000];
            t.record(switch (i % 4) {
                case 0 -> ContainerTimelineTest.event(box, now + i, 100 + i % 50, "/etc/ssl/certs/ca-" + i + ".pem");
                case 1 -> exec(box, now + i, 100 + i % 50);
                case 2 -> ContainerTimelineTest.event(box, now + i, 100 + i % 50, "/proc/" + (i % 3000) + "/status");
                default -> mount(box, now + i, 100 + i % 50);
            });
        }
        long after = used();
        System.out.printf("timeline memory: %d events in %d containers: %.1f MiB retained, %.0f bytes an event (estimate used for the cap: %d)%n",
                t.entries(), t.containers(), (after - before) / 1048576.0, (after - before) / (double) t.entries(),
                ContainerTimeline.Limits.MEASURED_BYTES_PER_EVENT);
        if (t.entries() == 0) {
            System.out.println(c);
        }
    }

    static SensorEvent exec(ContainerInfo box, long time, int pid) {
        Map<String, Object> a = new LinkedHashMap<>();
        List<String> argv = List.of(new String("curl"), new String("-s"), "http://10.0.0." + (pid % 255) + "/payload", new String("-o"), "/tmp/p" + pid);
        a.put("filename", new String("/usr/bin/curl"));
        a.put("argv", argv);
        a.put("exe_memfd", false);
        a.put("exe_deleted", false);
        a.put("exe_setuid", false);
        a.put("exe_setgid", false);
        a.put("exe_uid", 0);
        a.put("exe_gid", 0);
        a.put("ruid", 0);
        a.put("secureexec", false);
        a.put("cwd_foreign_mnt", false);
        a.put("root_foreign_mnt", false);
        a.put("exe_foreign_mnt", false);
        ProcessInfo p = new ProcessInfo(pid, pid, 1, pid, 0, 0, -1, new String("curl"), "/usr/bin/curl", argv.subList(1, argv.size()),
                "curl " + String.join(" ", argv.subList(1, argv.size())), 0, 42, new ProcessInfo.Namespaces(1, 2, 3, 4, 5, 6, 7), 5, 5,
                false, false, List.of());
        return new SensorEvent(time, new Syscall("execve", a, 0, null), p, box);
    }

    static SensorEvent mount(ContainerInfo box, long time, int pid) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("dev", new String("cgroup"));
        a.put("dir", "/tmp/cg" + pid);
        a.put("type", new String("cgroup"));
        a.put("flags", new String("0"));
        ProcessInfo p = new ProcessInfo(pid, pid, 1, pid, 0, 0, -1, new String("mount"), "/bin/busybox", List.of(), "mount", 0, 42,
                new ProcessInfo.Namespaces(1, 2, 3, 4, 5, 6, 7), 5, 5, false, false, List.of());
        return new SensorEvent(time, new Syscall("mount", a, -1, "EPERM"), p, box);
    }

    static long used() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    static void delete(Path root) throws IOException {
        try (Stream<Path> w = Files.walk(root)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
