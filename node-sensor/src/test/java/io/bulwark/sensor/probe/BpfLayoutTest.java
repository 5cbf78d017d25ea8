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
