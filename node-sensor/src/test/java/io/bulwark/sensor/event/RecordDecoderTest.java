package io.bulwark.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.probe.RawEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pure decoder alone, from hand-made ring-buffer records (no kernel, no /proc, no process table): each
 * syscall's arguments come out of the EventSchema rows, in the table's order.
 */
class RecordDecoderTest {
    final RecordDecoder decoder = new RecordDecoder();

    @Test
    void anOpenatUnderADirectoryTheKernelNamedIsPlacedByTheRecordAlone() {
        byte[] rec = Records.syscall("openat").flags(RawEvent.F_CONTAINED).args(EventSchema.AT_FDCWD, 0, 01 | 0100 | 01000, 0644)
                .aux(0, RawEvent.OPEN_DIR).str(0, "../etc/./passwd").str(1, "/app/bin").ret(3).bytes();
        RecordDecoder.Decoded d = decoder.decode(rec);
        assertEquals("openat", d.type());
        assertEquals(3, d.ret());
        assertEquals(List.of("dirfd", "path", "dir", "name", "flags", "mode"), List.copyOf(d.args().keySet()));
        assertEquals(-100, d.args().get("dirfd"));
        assertEquals("../etc/./passwd", d.args().get("path"));
        assertEquals("/app/bin", d.args().get("dir"));
        assertEquals("/app/etc/passwd", d.args().get("name"));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", d.args().get("flags"));
        assertEquals(0644L, d.args().get("mode"));
    }

    @Test
    void aRelativeNameTheKernelDidNotPlaceIsLeftAsGivenForTheEnrichmentStage() {
        RecordDecoder.Decoded d = decoder.decode(Records.syscall("openat").args(EventSchema.AT_FDCWD, 0, 0, 0)
                .str(0, "rel/x").str(1, "/not/a/dir/without/OPEN_DIR").bytes());
        assertEquals("rel/x", d.args().get("name"), "no /proc read in the pure decoder");
        assertFalse(d.args().containsKey("dir"));
        assertEquals("O_RDONLY", d.args().get("flags"));
    }

    @Test
    void aWriteOpenOfAKernelInterfaceThroughAnotherNameCarriesWhatTheKernelOpened() {
        int flags = RawEvent.F_CONTAINED | RawEvent.F2_FILE_KERNEL | RawEvent.F2_FILE_FOREIGN;
        Map<String, Object> a = decoder.decode(Records.syscall("openat").flags(flags).args(EventSchema.AT_FDCWD, 0, 01, 0, 0, 0x9fa0)
                .aux(0, 0100644).str(0, "/tmp/link").str(1, "/proc/sys/kernel/core_pattern").str(2, "core_pattern").bytes()).args();
        assertEquals("core_pattern", a.get("kernel_file"));
        assertEquals("proc", a.get("kernel_fs"));
        assertEquals(true, a.get("redirected"));
        assertEquals(true, a.get("file_foreign_mnt"));
        assertEquals("/proc/sys/kernel/core_pattern", a.get("file_name"));
        assertEquals("file", a.get("file_type"));
        assertEquals(false, a.get("file_exec"));
        assertFalse(a.containsKey("dir_foreign_mnt"), "flag not set: absent");
        assertFalse(a.containsKey("fd_target"), "F_PROC_FD not set: absent");
    }

    @Test
    void socketAddressesByFamily() {
        byte[] inet = {10, 0, 0, 1};
        Map<String, Object> a = decoder.decode(Records.syscall("connect").args(5).aux(2, 443).str(1, inet).bytes()).args();
        assertEquals(Map.of("fd", 5, "family", "AF_INET", "addr", "10.0.0.1", "port", 443), a);
        byte[] abstractName = "\0/containerd-shim/x.sock".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        a = decoder.decode(Records.syscall("connect").args(5).aux(1, 0).str(0, abstractName).bytes()).args();
        assertEquals("@/containerd-shim/x.sock", a.get("path"));
        assertEquals(List.of("fd", "family", "path", "name"), List.copyOf(a.keySet()));
    }

    @Test
    void anExecRecord() {
        byte[] argv = "sh\0-c\0id\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RecordDecoder.Decoded d = decoder.decode(Records.of(RawEvent.OP_EXEC, 0).flags(RawEvent.F_CONTAINED | RawEvent.F_SECUREEXEC)
                .args(0, 0, 0104755, (1000L << 32) | 0, 1000).aux(argv.length, 0).str(0, "/bin/su").str(1, argv).str(2, "su").bytes());
        assertEquals("execve", d.type());
        Map<String, Object> a = d.args();
        assertEquals("/bin/su", a.get("filename"));
        assertEquals(List.of("sh", "-c", "id"), a.get("argv"));
        assertEquals(true, a.get("exe_setuid"));
        assertEquals(false, a.get("exe_setgid"));
        assertEquals(0, a.get("exe_uid"));
        assertEquals(1000, a.get("exe_gid"));
        assertEquals(1000, a.get("ruid"));
        assertEquals(true, a.get("secureexec"));
        assertEquals(false, a.get("exe_memfd"));
        assertFalse(a.containsKey("runtime_process_file"), "left to the enrichment stage");
    }

    @Test
    void setnsOfANamespaceFileAndOfAPidfd() {
        Map<String, Object> a = decoder.decode(Records.syscall("setns").args(3, 0x00020000).aux(4026531841L, 0).str(0, "mnt").bytes()).args();
        assertEquals("mnt", a.get("ns_type"));
        assertEquals(4026531841L, a.get("ns_inum"));
        assertEquals("CLONE_NEWNS", a.get("nstype"));
        assertNull(a.get("fd_name"));
        assertFalse(a.containsKey("target_pid"));
        a = decoder.decode(Records.syscall("setns").args(3, 0).aux(0, 77).str(0, "pidfd").bytes()).args();
        assertEquals(77, a.get("target_pid"));
        assertEquals("pidfd", a.get("fd_name"));
        assertEquals(List.of("fd", "nstype", "ns_type", "ns_inum", "target_pid", "target_other_mnt_ns", "target_comm",
                "target_container", "target_container_name", "ns_host", "fd_name"), List.copyOf(a.keySet()));
    }

    @Test
    void theThirtyTwoBitDoorAddsItsFlagsAfterTheSyscallsOwnArguments() {
        Map<String, Object> a = decoder.decode(Records.syscall("setuid").flags(RawEvent.F_COMPAT | RawEvent.F_SOCKETCALL)
                .args(0).bytes()).args();
        assertEquals(List.of("uid", "compat", "compat_64bit_code", "socketcall"), List.copyOf(a.keySet()));
        assertEquals(false, a.get("compat_64bit_code"));
        assertEquals(List.of("uid"), List.copyOf(decoder.decode(Records.syscall("setuid").args(0).bytes()).args().keySet()));
    }

    @Test
    void recordsWithoutATableRowForksAndBadOps() {
        RecordDecoder.Decoded d = decoder.decode(Records.syscall("getpid").args(1, 2, 3, 4, 5, 6).bytes());
        assertEquals("getpid", d.type());
        assertNull(d.schema());
        assertEquals(List.of("arg0", "arg1", "arg2", "arg3", "arg4", "arg5"), List.copyOf(d.args().keySet()));
        assertEquals(RecordDecoder.FORK, decoder.decode(Records.of(RawEvent.OP_FORK, 0).bytes()).type());
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(Records.of(99, 0).bytes()));
        // a record cut before its strings: empty strings, not garbage
        assertEquals("", decoder.decode(Records.syscall("chroot").bytes()).args().get("path"));
    }

    @Test
    void theSameRecordAlwaysDecodesTheSame() {
        byte[] rec = Records.syscall("renameat2").args(EventSchema.AT_FDCWD, 0, EventSchema.AT_FDCWD, 0, 2)
                .aux(0, RawEvent.OPEN_DIR).str(0, "a").str(1, "b").str(2, "/work").bytes();
        Map<String, Object> first = decoder.decode(rec).args();
        assertEquals(first, new RecordDecoder().decode(rec).args());
        assertEquals(first, decoder.decode(rec).args());
        assertEquals("/work/a", first.get("oldname"));
        assertEquals("/work/b", first.get("newname"));
        assertEquals("RENAME_EXCHANGE", first.get("flags"));
        assertTrue(first.containsKey("exchange_types"), "its value comes from the enrichment stage");
    }

    /** For every event type, in every variant: the arguments come in the table's order (evt.arg[N] follows the table). */
    @Test
    void argumentsComeInTheTablesOrder() {
        for (String type : EventSchema.types()) {
            List<String> order = new ArrayList<>(EventSchema.event(type).argNames());
            order.addAll(EventSchema.COMPAT.stream().map(EventSchema.Arg::name).toList());
            for (RawEvent r : EventSchemaTest.variants(type, EventSchemaTest.ALL_FLAGS)) {
                Map<String, Object> args = new LinkedHashMap<>(decoder.decode(r).args());
                List<String> keys = List.copyOf(args.keySet());
                List<String> expected = order.stream().filter(keys::contains).toList();
                assertEquals(expected, keys, type);
            }
        }
    }
}
