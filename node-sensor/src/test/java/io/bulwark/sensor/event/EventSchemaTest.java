package io.bulwark.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.Counters;
import io.bulwark.sensor.probe.RawEvent;
import io.bulwark.sensor.probe.Watchlist;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * EventSchema is the one table of event arguments: the decoder sends only its names, the BPF side
 * (bulwark_events.h: ops, flags, aux bits, counters; the watch list) agrees with it and with the Java
 * mirrors, and docs/events.md carries it.
 */
class EventSchemaTest {
    private static final Path HEADER = Path.of("src/main/bpf/bulwark_events.h");
    private static final Path DOC = Path.of("../docs/events.md");
    static final String BEGIN = "<!-- generated from io.bulwark.sensor.event.EventSchema: begin -->\n";
    static final String END = "<!-- generated from io.bulwark.sensor.event.EventSchema: end -->";

    private static String header() throws Exception {
        assertTrue(Files.isReadable(HEADER), "run from node-sensor/: " + HEADER.toAbsolutePath());
        return Files.readString(HEADER);
    }

    /** {@code NAME -> value} of the header's #defines and enum constants with this prefix. */
    private static Map<String, Long> constants(String text, String prefix) {
        Map<String, Long> m = new LinkedHashMap<>();
        Matcher d = Pattern.compile("(?m)^#define\\s+(" + prefix + "\\w*)\\s+(\\(1ULL << (\\d+)\\)|0x[0-9a-fA-F]+|\\d+)").matcher(text);
        while (d.find()) {
            m.put(d.group(1), d.group(3) != null ? 1L << Integer.parseInt(d.group(3)) : Long.decode(d.group(2)));
        }
        Matcher e = Pattern.compile("(?m)^\\s+(" + prefix + "\\w+)\\s*=\\s*(\\d+),").matcher(text);
        while (e.find()) {
            m.put(e.group(1), Long.parseLong(e.group(2)));
        }
        return m;
    }

    @Test
    void opsFlagsAuxBitsAndCountersMatchTheBpfHeader() throws Exception {
        String h = header();
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("BW_OP_SYSCALL", (long) RawEvent.OP_SYSCALL);
        java.put("BW_OP_EXEC", (long) RawEvent.OP_EXEC);
        java.put("BW_OP_FORK", (long) RawEvent.OP_FORK);
        java.put("BW_OP_EXIT", (long) RawEvent.OP_EXIT);
        java.put("BW_OP_CGROUP_MKDIR", (long) RawEvent.OP_CGROUP_MKDIR);
        java.put("BW_OP_IOURING", (long) RawEvent.OP_IOURING);
        Map<String, Long> ops = constants(h, "BW_OP_");
        ops.remove("BW_OP_NONE");
        assertEquals(ops, java, "enum bw_op vs RawEvent.OP_*");

        java.clear();
        java.put("BW_F_CONTAINED", (long) RawEvent.F_CONTAINED);
        java.put("BW_F_EXE_DELETED", (long) RawEvent.F_EXE_DELETED);
        java.put("BW_F_TRUNCATED", (long) RawEvent.F_TRUNCATED);
        java.put("BW_F_SECUREEXEC", (long) RawEvent.F_SECUREEXEC);
        java.put("BW_F_PROC_FD", (long) RawEvent.F_PROC_FD);
        java.put("BW_F_COMPAT", (long) RawEvent.F_COMPAT);
        java.put("BW_F_COMPAT64", (long) RawEvent.F_COMPAT64);
        java.put("BW_F_SOCKETCALL", (long) RawEvent.F_SOCKETCALL);
        assertEquals(constants(h, "BW_F_"), java, "bw_event.flags BW_F_* vs RawEvent.F_*");

        java.clear(); // flags2 sits above the flags byte in RawEvent.flags()
        java.put("BW_F2_CWD_FOREIGN", (long) RawEvent.F2_CWD_FOREIGN >> 8);
        java.put("BW_F2_ROOT_FOREIGN", (long) RawEvent.F2_ROOT_FOREIGN >> 8);
        java.put("BW_F2_DIR_FOREIGN", (long) RawEvent.F2_DIR_FOREIGN >> 8);
        java.put("BW_F2_EXE_FOREIGN", (long) RawEvent.F2_EXE_FOREIGN >> 8);
        java.put("BW_F2_FILE_FOREIGN", (long) RawEvent.F2_FILE_FOREIGN >> 8);
        java.put("BW_F2_FILE_KERNEL", (long) RawEvent.F2_FILE_KERNEL >> 8);
        assertEquals(new TreeSet<>(constants(h, "BW_F2_").entrySet().stream().map(Object::toString).toList()),
                new TreeSet<>(java.entrySet().stream().map(Object::toString).toList()), "bw_event.flags2 BW_F2_* vs RawEvent.F2_*");

        java.clear();
        java.put("BW_FD_FOREIGN_MNT", RawEvent.FD_FOREIGN_MNT);
        java.put("BW_FD_PROCFS", RawEvent.FD_PROCFS);
        java.put("BW_FD_OTHER_PROC", RawEvent.FD_OTHER_PROC);
        assertEquals(constants(h, "BW_FD_"), java, "aux[1] BW_FD_* vs RawEvent.FD_*");
        assertEquals(Map.of("BW_OPEN_DIR", RawEvent.OPEN_DIR), constants(h, "BW_OPEN_DIR"), "aux[1] BW_OPEN_DIR");

        Map<String, Long> counters = constants(h, "BW_CNT_");
        java.clear();
        for (Counters c : Counters.values()) {
            java.put("BW_CNT_" + c.name(), (long) c.index());
        }
        java.put("BW_CNT_MAX", (long) Counters.MAX);
        assertEquals(counters, java, "enum bw_counter vs io.bulwark.sensor.probe.Counters");
    }

    @Test
    void theWatchedSyscallsAreTheTablesSyscalls() {
        Set<String> watched = new TreeSet<>(Watchlist.EVERYWHERE);
        watched.addAll(Watchlist.CONTAINER_ONLY);
        Set<String> table = new TreeSet<>(EventSchema.types());
        table.removeAll(Set.of("execve", "procexit", "cgroup_mkdir", "io_uring_submit")); // tracepoints, not syscalls
        assertEquals(watched, table, "syscalls the BPF side watches (Watchlist) vs EventSchema");
    }

    @Test
    void theDecoderSendsOnlyTheTablesNamesAndEveryNameInTheTableIsSent() throws Exception {
        Path noProc = Files.createTempDirectory("bw-noproc-");
        noProc.toFile().deleteOnExit();
        ContainerInfo box = new ContainerInfo("c0ffee", "app", "runc", "busybox", 100, "running", "/b", "/b/rootfs", "/app",
                false, List.of(), List.of(), List.of(), 1000, false, null, null, false, List.of(), List.of(), List.of(), null, Map.of(), null);
        EventDecoder d = new EventDecoder(new ProcessTable(noProc), id -> id == 7 ? box : null, 0, Set.of(4026531832L));
        Map<String, Set<String>> sent = new LinkedHashMap<>();
        int allFlags = ALL_FLAGS;
        for (String type : EventSchema.types()) {
            for (RawEvent r : variants(type, allFlags)) {
                SensorEvent e = d.decode(r);
                sent.computeIfAbsent(e.syscall().name(), k -> new LinkedHashSet<>()).addAll(e.syscall().args().keySet());
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : sent.entrySet()) {
            Set<String> known = EventSchema.argNames(e.getKey());
            if (known == null) {
                problems.add(e.getKey() + ": not in EventSchema");
                continue;
            }
            for (String a : e.getValue()) {
                if (!known.contains(a)) {
                    problems.add(e.getKey() + ": decoder sends '" + a + "', EventSchema lacks it");
                }
            }
            // the names the table gives this type are all sent (those that need a live process or file aside)
            for (EventSchema.Arg a : EventSchema.event(e.getKey()).args()) {
                if (!e.getValue().contains(a.name()) && !a.source().startsWith("decode (")) {
                    problems.add(e.getKey() + ": EventSchema lists '" + a.name() + "', the decoder never sent it");
                }
            }
        }
        assertEquals(EventSchema.types(), sent.keySet(), "event types decoded");
        assertEquals(List.of(), problems);
    }

    static final int ALL_FLAGS = 0xff | RawEvent.F2_CWD_FOREIGN | RawEvent.F2_ROOT_FOREIGN | RawEvent.F2_DIR_FOREIGN
            | RawEvent.F2_EXE_FOREIGN | RawEvent.F2_FILE_FOREIGN | RawEvent.F2_FILE_KERNEL;

    /** Raw events of this type covering its decoder's branches (flags on and off, each aux and string variant). */
    static List<RawEvent> variants(String type, int allFlags) {
        List<RawEvent> out = new ArrayList<>();
        int op;
        int nr;
        switch (type) {
            case "execve" -> { op = RawEvent.OP_EXEC; nr = 0; }
            case "procexit" -> { op = RawEvent.OP_EXIT; nr = 0; }
            case "cgroup_mkdir" -> { op = RawEvent.OP_CGROUP_MKDIR; nr = 0; }
            case "io_uring_submit" -> { op = RawEvent.OP_IOURING; nr = 18; }
            default -> { op = RawEvent.OP_SYSCALL; nr = SyscallTable.get().number(type); }
        }
        for (int flags : new int[]{RawEvent.F_CONTAINED, allFlags, allFlags & ~RawEvent.F_PROC_FD}) {
            for (String s0 : new String[]{"/abs/core_pattern", "rel/x", "pidfd", "mnt"}) {
                for (long[] aux : new long[][]{{0, 0}, {2, RawEvent.OPEN_DIR | 0755}, {1, RawEvent.FD_PROCFS | 0100755}, {10, 1}}) {
                    long[] args = {-100, 2, 0101, 0, 2, 0x9fa0};
                    int n = op == RawEvent.OP_IOURING && (aux[0] == 1 || aux[0] == 2) ? 16 : nr; // CONNECT: AF_UNIX, AF_INET
                    out.add(new RawEvent(op, flags, n, 999_999_901, 1, 999_999_901, 1, 0, 0, -1, 5, 7, 1, 2, 3, 4, 5, 6, 7, 0,
                            0, 0, 0, args, aux, "sh", bytes(s0, 256), bytes("/dir", 256), bytes("core_pattern", 64)));
                }
            }
        }
        return out;
    }

    private static byte[] bytes(String s, int len) {
        byte[] b = new byte[len];
        byte[] t = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(t, 0, b, 0, t.length);
        return b;
    }

    @Test
    void docsEventsMdCarriesTheTable() throws Exception {
        String doc = Files.readString(DOC);
        int b = doc.indexOf(BEGIN);
        int e = doc.indexOf(END);
        assertTrue(b >= 0 && e > b, "docs/events.md lacks the generated section's markers " + BEGIN.strip() + " … " + END);
        String expected = EventSchema.markdown();
        String actual = doc.substring(b + BEGIN.length(), e);
        if (!expected.equals(actual) && Boolean.getBoolean("bulwark.writeDocs")) {
            Files.writeString(DOC, doc.substring(0, b + BEGIN.length()) + expected + doc.substring(e));
            return;
        }
        assertEquals(expected, actual, "docs/events.md's table differs from EventSchema: rerun this test with -Dbulwark.writeDocs=true");
    }
}
