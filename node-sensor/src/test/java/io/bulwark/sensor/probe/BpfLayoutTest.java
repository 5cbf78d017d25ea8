package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java mirror of struct bw_event (RawEvent) must match the layout the compiler gave the
 * struct in the built BPF object: read from its BTF with bpftool, field by field.
 */
class BpfLayoutTest {

    private static Map<String, Integer> btfOffsets(StringBuilder sizeOut) throws IOException, InterruptedException {
        Path obj = Path.of(System.getProperty("bulwark.bpfDir", "target/classes/bpf"), "bulwark.bpf.o");
        assertTrue(Files.isReadable(obj), "built object missing: " + obj);
        String bpftool = Files.isExecutable(Path.of("/usr/sbin/bpftool")) ? "/usr/sbin/bpftool" : "bpftool";
        Process p = new ProcessBuilder(bpftool, "btf", "dump", "file", obj.toString(), "format", "raw").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "bpftool failed (apt-get install bpftool): " + out);
        Matcher head = Pattern.compile("STRUCT 'bw_event' size=(\\d+) vlen=(\\d+)").matcher(out);
        assertTrue(head.find(), "struct bw_event is not in the object's BTF (keep bw_event_btf_anchor)");
        sizeOut.append(head.group(1));
        int vlen = Integer.parseInt(head.group(2));
        Map<String, Integer> offsets = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\s+'(\\w+)' type_id=\\d+ bits_offset=(\\d+)").matcher(out.substring(head.end()));
        for (int i = 0; i < vlen && m.find(); i++) {
            offsets.put(m.group(1), Integer.parseInt(m.group(2)) / 8);
        }
        return offsets;
    }

    @Test
    void rawEventOffsetsMatchTheBtfOfTheBuiltObject() throws Exception {
        StringBuilder size = new StringBuilder();
        Map<String, Integer> btf = btfOffsets(size);
        assertEquals(RawEvent.SIZE, Integer.parseInt(size.toString()), "sizeof(struct bw_event)");
        Map<String, Integer> java = new LinkedHashMap<>();
        java.put("op", RawEvent.OFF_OP);
        java.put("flags", RawEvent.OFF_FLAGS);
        java.put("nr", RawEvent.OFF_NR);
        java.put("tid", RawEvent.OFF_TID);
        java.put("ktime", RawEvent.OFF_KTIME);
        java.put("pid", RawEvent.OFF_PID);
        java.put("ppid", RawEvent.OFF_PPID);
        java.put("uid", RawEvent.OFF_UID);
        java.put("gid", RawEvent.OFF_GID);
        java.put("loginuid", RawEvent.OFF_LOGINUID);
        java.put("vpid", RawEvent.OFF_VPID);
        java.put("cgroup_id", RawEvent.OFF_CGROUP_ID);
        java.put("mnt_ns", RawEvent.OFF_MNT_NS);
        java.put("pid_ns", RawEvent.OFF_PID_NS);
        java.put("net_ns", RawEvent.OFF_NET_NS);
        java.put("user_ns", RawEvent.OFF_USER_NS);
        java.put("cgroup_ns", RawEvent.OFF_CGROUP_NS);
        java.put("uts_ns", RawEvent.OFF_UTS_NS);
        java.put("ipc_ns", RawEvent.OFF_IPC_NS);
        java.put("tty", RawEvent.OFF_TTY);
        java.put("cap_eff", RawEvent.OFF_CAP_EFF);
        java.put("cap_prm", RawEvent.OFF_CAP_PRM);
        java.put("ret", RawEvent.OFF_RET);
        java.put("args", RawEvent.OFF_ARGS);
        java.put("aux", RawEvent.OFF_AUX);
        java.put("comm", RawEvent.OFF_COMM);
        java.put("slen", RawEvent.OFF_SLEN);
        java.put("flags2", RawEvent.OFF_FLAGS2);
        java.put("str0", RawEvent.OFF_STR0);
        java.put("str1", RawEvent.OFF_STR1);
        java.put("str2", RawEvent.OFF_STR2);
        assertEquals(btf.keySet(), java.keySet(), "fields of struct bw_event vs RawEvent");
        for (Map.Entry<String, Integer> e : btf.entrySet()) {
            assertEquals(e.getValue(), java.get(e.getKey()), "offset of bw_event." + e.getKey());
        }
    }

    /** {@code NAME -> value} of bulwark_events.h's #defines with this prefix (decimal or hex values). */
    private static Map<String, Long> defines(String prefix) throws IOException {
        String h = Files.readString(Path.of("src/main/bpf/bulwark_events.h"));
        Map<String, Long> m = new LinkedHashMap<>();
        Matcher d = Pattern.compile("(?m)^#define\\s+(" + prefix + "\\w*)\\s+(0x[0-9a-fA-F]+|\\d+)\\b").matcher(h);
        while (d.find()) {
            m.put(d.group(1), Long.decode(d.group(2)));
        }
        return m;
    }

    private static Map<String, Long> java(Object... kv) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
        }
        return m;
    }

    /** The values user space writes into the kernel's tables mean what the BPF side reads them as. */
    @Test
    void tableBitsAndSizesMatchTheBpfHeader() throws Exception {
        assertEquals(defines("BW_SC_"), java("BW_SC_ON", Watchlist.ON, "BW_SC_CONTAINER", Watchlist.CONTAINER, "BW_SC_IA32", Watchlist.IA32),
                "sc_mode bits BW_SC_* vs Watchlist");
        assertEquals(defines("BW_PATH_"), java("BW_PATH_ANY", Watchlist.PATH_ANY, "BW_PATH_WRITE", Watchlist.PATH_WRITE,
                "BW_PATH_PROC", Watchlist.PATH_PROC, "BW_PATH_KEY", Probe.PATH_KEY), "path filter values and key size vs Watchlist, Probe");
        assertEquals(defines("BW_NAME_KEY"), java("BW_NAME_KEY", Probe.NAME_KEY), "path_names key size vs Probe");
        assertEquals(defines("BW_NAME_BLOOM_WORDS"), java("BW_NAME_BLOOM_WORDS", Probe.NAME_BLOOM_WORDS), "name_bloom words vs Probe");
        assertEquals(defines("BW_GATE_WORDS"), java("BW_GATE_WORDS", Probe.GATE_WORDS), "sc_gate words vs Probe");
        assertEquals(defines("BW_IA32_"), java("BW_IA32_MAX", Ia32Table.SIZE, "BW_IA32_NR_MASK", Ia32Table.NR_MASK,
                "BW_IA32_UID16", Ia32Table.UID16, "BW_IA32_SOCKETCALL", Ia32Table.SOCKETCALL), "ia32_to_x64 entries vs Ia32Table");
        assertEquals(defines("BW_STR"), java("BW_STR0", RawEvent.STR0_LEN, "BW_STR1", RawEvent.STR1_LEN, "BW_STR2", RawEvent.STR2_LEN),
                "string slot sizes vs RawEvent");
    }

    /** The read-only tables Probe fills before load have the sizes the built object gives them. */
    @Test
    void rodataTablesHaveTheSizesProbeWrites() throws Exception {
        Path obj = Path.of(System.getProperty("bulwark.bpfDir", "target/classes/bpf"), "bulwark.bpf.o");
        String bpftool = Files.isExecutable(Path.of("/usr/sbin/bpftool")) ? "/usr/sbin/bpftool" : "bpftool";
        Process p = new ProcessBuilder(bpftool, "btf", "dump", "file", obj.toString(), "format", "raw").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "bpftool failed (apt-get install bpftool): " + out);
        assertEquals(Probe.syscallModes().length, varSize(out, "sc_mode"), "bytes of sc_mode");
        assertEquals(Ia32Table.get().constBytes().length, varSize(out, "ia32_to_x64"), "bytes of ia32_to_x64");
        assertEquals(Probe.syscallGate(Probe.syscallModes()).length, varSize(out, "sc_gate"), "bytes of sc_gate");
        assertEquals(Probe.nameBloom(Watchlist.defaultNames().keySet()).length, varSize(out, "name_bloom"), "bytes of name_bloom");
    }

    /** The gate lets through exactly the numbers sc_mode watches (as x86_64 or as ia32 numbers): every watched syscall. */
    @Test
    void theGateHasTheBitOfEveryWatchedNumberAndNoOther() {
        byte[] modes = Probe.syscallModes();
        long[] gate = new long[Probe.GATE_WORDS];
        java.nio.ByteBuffer.wrap(Probe.syscallGate(modes)).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(gate);
        for (int nr = 0; nr < modes.length; nr++) {
            boolean bit = (gate[nr >>> 6] >>> (nr & 63) & 1) != 0;
            assertEquals((modes[nr] & (Watchlist.ON | Watchlist.IA32)) != 0, bit, "sc_gate bit of " + nr);
        }
        io.bulwark.sensor.event.SyscallTable t = io.bulwark.sensor.event.SyscallTable.get();
        for (String s : java.util.stream.Stream.concat(Watchlist.EVERYWHERE.stream(), Watchlist.CONTAINER_ONLY.stream()).toList()) {
            int nr = t.number(s);
            assertTrue((gate[nr >>> 6] >>> (nr & 63) & 1) != 0, "watched " + s + " (" + nr + ") not in sc_gate");
        }
        for (String s : java.util.List.of("getppid", "read", "close", "futex")) {
            int nr = t.number(s);
            assertEquals(0, gate[nr >>> 6] >>> (nr & 63) & 1, s + " is not watched and not a watched ia32 number: no gate bit");
        }
    }

    /** Probe's name hash is bulwark_events.h's BW_NAME_HASH: the header compiled with cc gives the same value for every watched name. */
    @Test
    void theNameHashIsTheHeadersOne() throws Exception {
        Path dir = Files.createTempDirectory("bw-namehash");
        try {
            StringBuilder c = new StringBuilder("#include <linux/types.h>\n#include <stdio.h>\n#include <string.h>\n#include \"")
                    .append(Path.of("src/main/bpf/bulwark_events.h").toAbsolutePath())
                    .append("\"\nint main(int argc, char **argv) {\n for (int i = 1; i < argc; i++) { int n = strlen(argv[i]);\n")
                    .append("  printf(\"%s %u\\n\", argv[i], BW_NAME_HASH(n, (unsigned char)argv[i][0], (unsigned char)argv[i][n - 1])); }\n return 0; }\n");
            Files.writeString(dir.resolve("h.c"), c);
            Process cc = new ProcessBuilder("cc", "-o", dir.resolve("h").toString(), dir.resolve("h.c").toString()).redirectErrorStream(true).start();
            String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, cc.waitFor(), "cc failed (apt-get install gcc): " + ccOut);
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(dir.resolve("h").toString()));
            cmd.addAll(Watchlist.defaultNames().keySet());
            cmd.addAll(java.util.List.of("passwd", "hostname", "libc.so.6", "\u00e9t\u00e9"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            for (String line : out.strip().split("\n")) {
                String name = line.substring(0, line.lastIndexOf(' '));
                byte[] b = name.getBytes(StandardCharsets.UTF_8);
                assertEquals(Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1)),
                        Probe.nameHash(b.length, b[0] & 0xff, b[b.length - 1] & 0xff), "BW_NAME_HASH of " + name);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static int varSize(String btf, String var) {
        Matcher m = Pattern.compile("size=(\\d+) \\(VAR '" + var + "'\\)").matcher(btf);
        assertTrue(m.find(), var + " is not in the object's .rodata");
        return Integer.parseInt(m.group(1));
    }

    @Test
    void everyWatchedSyscallExistsOnThisArchitecture() {
        for (String s : Watchlist.EVERYWHERE) {
            assertTrue(io.bulwark.sensor.event.SyscallTable.get().number(s) >= 0, s);
        }
        for (String s : Watchlist.CONTAINER_ONLY) {
            assertTrue(io.bulwark.sensor.event.SyscallTable.get().number(s) >= 0, s);
        }
        byte[] modes = Probe.syscallModes();
        assertNotNull(modes);
        assertEquals(Watchlist.ON | Watchlist.CONTAINER, modes[io.bulwark.sensor.event.SyscallTable.get().number("openat")]);
        // (313 is also ia32 splice: Watchlist.IA32 may be set on it, see Ia32TableTest)
        assertEquals(Watchlist.ON, modes[io.bulwark.sensor.event.SyscallTable.get().number("finit_module")] & (Watchlist.ON | Watchlist.CONTAINER));
    }
}
