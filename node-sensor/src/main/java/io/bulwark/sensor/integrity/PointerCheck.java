package io.bulwark.sensor.integrity;

import io.bulwark.sensor.probe.KernelReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The function pointers the kernel really calls for the files rootkits tamper with: the checker
 * opens /proc, its own /proc/PID, /proc/net/{tcp,tcp6,udp,udp6}, /proc/kallsyms and /, and
 * reads through its own descriptors {@code file->f_op}, {@code inode->i_op} and the seq_file's
 * {@code seq_operations}. Every table must lie in the kernel image, every pointer must be the
 * start of a function in kernel text, the well-known ones must be the expected function
 * (e.g. /proc's {@code iterate_shared} is {@code proc_root_readdir}, /proc/net/tcp's
 * {@code show} is {@code tcp4_seq_show}), and nothing may change after the baseline.
 */
final class PointerCheck {
    static final String CHECK = "pointers";
    /** ptrs[] slots of integrity.bpf.c's bwi_file_out. */
    static final String[] FIELDS = {"f_op", "f_op.llseek", "f_op.read", "f_op.write", "f_op.read_iter", "f_op.write_iter",
            "f_op.iterate_shared", "f_op.open", "f_op.release", "f_op.unlocked_ioctl", "f_op.mmap",
            "i_op", "i_op.lookup", "i_op.getattr", "seq_op", "seq_op.show"};
    static final String[] SEQ_FIELDS = {"seq_op.start", "seq_op.next", "seq_op.stop"};
    static final Set<Integer> TABLE_SLOTS = Set.of(0, 11, 14);

    /** A file the checker opens, what to read behind it, and the functions expected in some slots. */
    record Target(String path, int kind, Map<String, String> expected) {}

    static List<Target> targets() {
        long self = ProcessHandle.current().pid();
        return List.of(
                new Target("/proc", KernelReader.FOPS | KernelReader.IOPS,
                        Map.of("f_op.iterate_shared", "proc_root_readdir", "i_op.lookup", "proc_root_lookup")),
                new Target("/proc/" + self, KernelReader.FOPS | KernelReader.IOPS,
                        Map.of("f_op.iterate_shared", "proc_tgid_base_readdir", "i_op.lookup", "proc_tgid_base_lookup")),
                new Target("/proc/net/tcp", KernelReader.FOPS | KernelReader.SEQ, Map.of("seq_op.show", "tcp4_seq_show")),
                new Target("/proc/net/tcp6", KernelReader.FOPS | KernelReader.SEQ, Map.of("seq_op.show", "tcp6_seq_show")),
                new Target("/proc/net/udp", KernelReader.FOPS | KernelReader.SEQ, Map.of("seq_op.show", "udp4_seq_show")),
                new Target("/proc/net/udp6", KernelReader.FOPS | KernelReader.SEQ, Map.of("seq_op.show", "udp6_seq_show")),
                new Target("/proc/net/packet", KernelReader.FOPS | KernelReader.SEQ, Map.of("seq_op.show", "packet_seq_show")),
                new Target("/proc/kallsyms", KernelReader.FOPS | KernelReader.SEQ, Map.of()),
                new Target("/", KernelReader.FOPS | KernelReader.IOPS, Map.of()));
    }

    /** Baseline values: "path field" → pointer. */
    private final Map<String, Long> baseline = new LinkedHashMap<>();
    private final Set<String> functions = new LinkedHashSet<>();

    /** The functions the pointers lead to (their text is checked whole by {@link TextCheck}). */
    Set<String> functions() {
        return functions;
    }

    List<Finding> run(KernelReader reader, KernelSymbols syms, boolean takeBaseline, Map<String, Object> stats) {
        List<Target> targets = targets();
        List<KernelReader.Pointers> got = reader.readPointers(targets.stream().map(Target::path).toList(),
                targets.stream().mapToInt(Target::kind).toArray());
        Map<String, Map<String, Long>> seen = new LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            KernelReader.Pointers p = got.get(i);
            if (p == null || p.errno() != 0) {
                continue;
            }
            Map<String, Long> values = new LinkedHashMap<>();
            for (int j = 0; j < FIELDS.length; j++) {
                values.put(FIELDS[j], p.ptrs()[j]);
            }
            for (int j = 0; j < SEQ_FIELDS.length; j++) {
                values.put(SEQ_FIELDS[j], p.seq()[j]);
            }
            seen.put(targets.get(i).path(), values);
        }
        List<Finding> out = new ArrayList<>();
        long imageStart = syms.addr("_stext");
        long imageEnd = syms.addr("__init_begin");
        int pointers = 0;
        int tables = 0;
        for (Target t : targets) {
            Map<String, Long> values = seen.get(t.path());
            if (values == null) {
                continue; // not on this kernel (no IPv6, no packet sockets)
            }
            for (Map.Entry<String, Long> e : values.entrySet()) {
                String field = e.getKey();
                long v = e.getValue();
                if (v == 0) {
                    continue;
                }
                String id = t.path() + " " + field;
                boolean table = field.indexOf('.') < 0;
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("file", t.path());
                d.put("field", field);
                d.put("value", "0x" + Long.toHexString(v));
                d.put("symbol", syms.describe(v));
                String problem = null;
                if (table) {
                    tables++;
                    if (imageStart != 0 && imageEnd != 0 && (Long.compareUnsigned(v, imageStart) < 0 || Long.compareUnsigned(v, imageEnd) >= 0)) {
                        problem = "the " + field + " table of " + t.path() + " is at 0x" + Long.toHexString(v)
                                + ", outside the kernel image: a replaced operations table";
                    }
                } else {
                    pointers++;
                    KernelSymbols.Symbol s = syms.containing(v);
                    String expected = t.expected().get(field);
                    if (!syms.inKernelText(v)) {
                        problem = t.path() + " " + field + " points to 0x" + Long.toHexString(v) + " (" + syms.describe(v)
                                + "), outside kernel text: the kernel calls code loaded later";
                    } else if (s == null || s.addr() != v) {
                        problem = t.path() + " " + field + " points into the middle of " + syms.describe(v) + ", not to a function start";
                    } else if (expected != null && syms.byName(expected) != null && !s.name().equals(expected)) {
                        problem = t.path() + " " + field + " is " + s.name() + ", expected " + expected;
                        d.put("expected", expected);
                    } else {
                        functions.add(s.name());
                    }
                }
                Long old = baseline.get(id);
                if (problem == null && old != null && old != v) {
                    problem = t.path() + " " + field + " changed since the baseline from " + syms.describe(old) + " to " + syms.describe(v);
                    d.put("baseline", "0x" + Long.toHexString(old) + " " + syms.describe(old));
                }
                if (takeBaseline || old == null) {
                    baseline.put(id, v);
                }
                if (problem != null) {
                    out.add(IntegrityRules.finding(CHECK, IntegrityRules.POINTER_REDIRECTED, id,
                            "Kernel function pointer redirected: " + problem, d, "ptr:" + id + ":" + Long.toHexString(v)));
                }
            }
        }
        stats.put("files", seen.size());
        stats.put("tables", tables);
        stats.put("pointers", pointers);
        return out;
    }

    /** For tests: pretend the baseline saw another value. */
    void replaceBaseline(String id, long value) {
        baseline.put(id, value);
    }
}
