package io.bulwark.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.RawEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enrichment stage alone, on records that name this test's own JVM (its real /proc entries, no kernel
 * events): a relative name the kernel did not place is placed against the caller's working directory, a
 * setns(pidfd) names its target, a RENAME_EXCHANGE reports the kinds of the swapped entries as they are
 * now, and the event names its process and its errno.
 */
class EnricherTest {
    static final int SELF = (int) ProcessHandle.current().pid();
    final RecordDecoder records = new RecordDecoder();

    static long ownNs(String type) throws Exception {
        String link = Files.readSymbolicLink(Path.of("/proc/self/ns/" + type)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    Enricher enricher(Set<Long> hostNs) throws Exception {
        Path emptyProc = Files.createTempDirectory("bw-noproc-");
        emptyProc.toFile().deleteOnExit();
        return new Enricher(new ProcessTable(emptyProc), id -> null, 1_000_000_000L, hostNs);
    }

    @Test
    void aRelativeNameIsPlacedAgainstTheCallersWorkingDirectory() throws Exception {
        RecordDecoder.Decoded d = records.decode(Records.syscall("openat").pid(SELF).args(EventSchema.AT_FDCWD, 0, 0, 0)
                .str(0, "sub/../file.txt").bytes());
        assertEquals("sub/../file.txt", d.args().get("name"));
        enricher(Set.of()).enrichArgs(d);
        assertEquals(Path.of("").toAbsolutePath().resolve("file.txt").toString(), d.args().get("name"));
        assertEquals("sub/../file.txt", d.args().get("path"), "the name as given stays");
    }

    @Test
    void aSetnsPidfdNamesItsTarget() throws Exception {
        long mnt = ownNs("mnt");
        RecordDecoder.Decoded d = records.decode(Records.syscall("setns").pid(SELF).mntNs((int) mnt).args(3, 0)
                .aux(0, SELF).str(0, "pidfd").bytes());
        enricher(Set.of(mnt)).enrichArgs(d);
        assertEquals(true, d.args().get("ns_host"), "the target shares the host's mount namespace");
        assertEquals(false, d.args().get("target_other_mnt_ns"));
        assertEquals(Files.readString(Path.of("/proc/self/comm")).strip(), d.args().get("target_comm"));
        // the same target, seen from a caller in another mount namespace that is not the host's
        d = records.decode(Records.syscall("setns").pid(SELF).mntNs(12345).args(3, 0).aux(0, SELF).str(0, "pidfd").bytes());
        enricher(Set.of()).enrichArgs(d);
        assertEquals(false, d.args().get("ns_host"));
        assertEquals(true, d.args().get("target_other_mnt_ns"));
        // a namespace file of the host's
        d = records.decode(Records.syscall("setns").pid(SELF).args(3, 0).aux(mnt, 0).str(0, "mnt").bytes());
        enricher(Set.of(mnt)).enrichArgs(d);
        assertEquals(true, d.args().get("ns_host"));
    }

    @Test
    void aRenameExchangeReportsTheKindsOfTheSwappedEntries(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("/"));
        Path sub = Files.createDirectory(dir.resolve("sub"));
        RecordDecoder.Decoded d = records.decode(Records.syscall("renameat2").pid(SELF)
                .args(EventSchema.AT_FDCWD, 0, EventSchema.AT_FDCWD, 0, 2).str(0, link.toString()).str(1, sub.toString()).bytes());
        enricher(Set.of()).enrichArgs(d);
        assertEquals("dir,symlink", d.args().get("exchange_types"));
        assertEquals(true, d.args().get("exchange_symlink_dir"));
        Files.delete(sub);
        d = records.decode(Records.syscall("renameat2").pid(SELF)
                .args(EventSchema.AT_FDCWD, 0, EventSchema.AT_FDCWD, 0, 2).str(0, link.toString()).str(1, sub.toString()).bytes());
        enricher(Set.of()).enrichArgs(d);
        assertNull(d.args().get("exchange_types"), "one of them gone");
    }

    /**
     * This JVM's root is the host's: a chroot record of this process (alive) has the host's root; a process
     * already gone is judged by its path in its container's mount namespace (the container's init: this JVM).
     */
    @Test
    void aChrootIsJudgedByWhatTheNewRootIs(@TempDir Path dir) throws Exception {
        Path emptyProc = Files.createTempDirectory("bw-noproc-");
        emptyProc.toFile().deleteOnExit();
        io.bulwark.contract.ContainerInfo box = new io.bulwark.contract.ContainerInfo("c0ffee", "app", "runc", "busybox", SELF,
                "running", "/b", "/b/rootfs", "/app", false, java.util.List.of(), java.util.List.of(), java.util.List.of(), 1000, false,
                null, null, false, java.util.List.of(), java.util.List.of(), java.util.List.of(), null, Map.of(), null);
        Enricher e = new Enricher(new ProcessTable(emptyProc), id -> id == 7 ? box : null, 0, Set.of());
        RecordDecoder.Decoded d = records.decode(Records.syscall("chroot").pid(SELF).flags(RawEvent.F_CONTAINED).cgroup(7)
                .str(0, "/anything").bytes());
        e.enrichArgs(d);
        assertEquals(true, d.args().get("root_host"), "the live process's root is the host's");
        int gone = 999_999_999;
        d = records.decode(Records.syscall("chroot").pid(gone).flags(RawEvent.F_CONTAINED).cgroup(7).str(0, "/").bytes());
        e.enrichArgs(d);
        assertEquals(true, d.args().get("root_host"), "gone: '/' in the container's mount namespace is the host's root here");
        d = records.decode(Records.syscall("chroot").pid(gone).flags(RawEvent.F_CONTAINED).cgroup(7).str(0, dir.toString()).bytes());
        e.enrichArgs(d);
        assertEquals(false, d.args().get("root_host"), "an ordinary directory");
        d = records.decode(Records.syscall("chroot").pid(SELF).flags(RawEvent.F_CONTAINED).cgroup(7).ret(-1).str(0, "/").bytes());
        e.enrichArgs(d);
        assertEquals(false, d.args().get("root_host"), "a failed chroot changed nothing");
    }

    @Test
    void theEventNamesItsTimeResultAndProcess() throws Exception {
        RecordDecoder.Decoded d = records.decode(Records.syscall("chroot").pid(SELF).ppid(1).ktime(5).ret(-1).str(0, "/mnt").bytes());
        SensorEvent e = enricher(Set.of()).build(d);
        assertEquals(1_000_000_005L, e.time(), "boot time + the offset to the wall clock");
        assertEquals("chroot", e.syscall().name());
        assertEquals("EPERM", e.syscall().errno());
        assertEquals(Map.of("path", "/mnt", "root_foreign_mnt", false, "root_host", false), e.syscall().args());
        assertEquals(SELF, e.process().pid());
        assertEquals("sh", e.process().comm());
        assertNull(e.container());
    }
}
