package io.bulwark.sensor.integrity;

import io.bulwark.sensor.probe.KernelReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Hidden processes: the kernel's own task list (a BPF task iterator) against what a readdir of
 * /proc shows. A process in the task list, still there on a second look, that /proc's listing
 * leaves out is hidden — the work of a getdents/filldir/proc_root_readdir hook, whether a
 * kernel module, an ftrace hook or a BPF program rewriting the getdents64 buffer. Needs the
 * sensor in the host's pid namespace (a /proc of a smaller namespace lists fewer processes).
 */
final class HiddenProcessCheck {
    static final String CHECK = "processes";
    /** The initial pid namespace's inode (PROC_PID_INIT_INO). */
    static final long INIT_PID_NS = 0xEFFFFFFCL;

    /** Why the check cannot run here, or null. */
    static String unavailable() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            long ino = Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
            return ino == INIT_PID_NS ? null : "the sensor is not in the host's pid namespace (" + link
                    + "): /proc lists only that namespace's processes; run the sensor with hostPID";
        } catch (IOException | RuntimeException e) {
            return "cannot read /proc/self/ns/pid: " + e.getMessage();
        }
    }

    List<Finding> run(KernelReader reader, Map<String, Object> stats) {
        return compare(reader::tasks, HiddenProcessCheck::listProc, stats);
    }

    /**
     * The comparison, apart from where the lists come from (tests feed fixtures). Order matters
     * for races: kernel list, then /proc; a candidate must be missing from a second /proc listing
     * and still present in a second kernel list taken after it.
     */
    static List<Finding> compare(Supplier<List<KernelReader.KernelTask>> kernel, Supplier<Set<Integer>> proc, Map<String, Object> stats) {
        List<KernelReader.KernelTask> k1 = kernel.get();
        Set<Integer> p1 = proc.get();
        List<KernelReader.KernelTask> candidates = new ArrayList<>();
        for (KernelReader.KernelTask t : k1) {
            if (!p1.contains(t.tgid())) {
                candidates.add(t);
            }
        }
        stats.put("kernel_processes", k1.size());
        stats.put("proc_entries", p1.size());
        if (candidates.isEmpty()) {
            return List.of();
        }
        Set<Integer> p2 = proc.get();
        Set<Integer> k2 = new HashSet<>();
        for (KernelReader.KernelTask t : kernel.get()) {
            k2.add(t.tgid());
        }
        List<Finding> out = new ArrayList<>();
        for (KernelReader.KernelTask t : candidates) {
            if (p2.contains(t.tgid()) || !k2.contains(t.tgid())) {
                continue; // started or ended between the looks
            }
            boolean lookup = Files.isDirectory(Path.of("/proc", Integer.toString(t.tgid())));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("pid", t.tgid());
            d.put("comm", t.comm());
            d.put("threads", t.threads());
            d.put("visible_by_name", lookup);
            out.add(IntegrityRules.finding(CHECK, IntegrityRules.HIDDEN_PROCESS, "pid " + t.tgid(),
                    "Process " + t.tgid() + " (" + t.comm() + ") runs but is missing from the /proc listing"
                            + (lookup ? " (/proc/" + t.tgid() + " still opens by name: the directory listing is filtered, e.g. a getdents hook)"
                            : " and /proc/" + t.tgid() + " does not open either"),
                    d, "hidden:" + t.tgid() + ":" + t.comm()));
        }
        return out;
    }

    /** The numeric entries of a readdir of /proc. */
    static Set<Integer> listProc() {
        Set<Integer> pids = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    pids.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        return pids;
    }
}
