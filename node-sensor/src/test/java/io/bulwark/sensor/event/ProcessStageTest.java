package io.bulwark.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.RawEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The process stage alone, fed decoded hand-made records: the process table follows forks, execs and exits,
 * runtime work is told by what runs (not by names inside a container), and the credential baseline reports
 * root that nothing the process did explains. The table reads an empty /proc here: what it knows, it learnt
 * from the records.
 */
class ProcessStageTest {
    static final long CGROUP = 7;
    static final long ALL_CAPS = (1L << 41) - 1;
    final RecordDecoder records = new RecordDecoder();
    ProcessTable table;
    ProcessStage stage;

    @BeforeEach
    void setUp() throws Exception {
        Path emptyProc = Files.createTempDirectory("bw-noproc-");
        emptyProc.toFile().deleteOnExit();
        table = new ProcessTable(emptyProc);
        ContainerInfo box = new ContainerInfo("c0ffee", "app", "runc", "busybox", 100, "running", "/b", "/b/rootfs", "/app",
                false, List.of(), List.of(), List.of(), 1000, false, null, null, false, List.of(), List.of(), List.of(), null, Map.of(), null);
        stage = new ProcessStage(table, id -> id == CGROUP ? box : null);
    }

    List<String> feed(Records r) {
        RecordDecoder.Decoded d = records.decode(r.bytes());
        List<String> gained = stage.track(d);
        stage.after(d.raw());
        return gained;
    }

    static Records exec(int pid, int ppid, String file, int flags, int uid, long caps) {
        byte[] argv = (file + "\0").getBytes(StandardCharsets.UTF_8);
        return Records.of(RawEvent.OP_EXEC, 0).pid(pid).ppid(ppid).flags(flags).uid(uid).caps(caps, caps).cgroup(CGROUP)
                .args(0, 0, 0100755, 0, uid).aux(argv.length, 0).str(0, file).str(1, argv).str(2, file.substring(file.lastIndexOf('/') + 1));
    }

    @Test
    void forkExecAndExitKeepTheTableCurrent() {
        feed(Records.of(RawEvent.OP_FORK, 0).pid(300).ppid(1).comm("bash"));
        assertEquals(1, table.get(300).ppid());
        feed(exec(300, 1, "/usr/bin/id", 0, 0, 0));
        assertEquals("/usr/bin/id", table.get(300).exe());
        assertFalse(table.get(300).runtimeWork());
        assertFalse(table.exited(300));
        feed(Records.of(RawEvent.OP_EXIT, 0).pid(300).ppid(1));
        assertTrue(table.exited(300));
    }

    @Test
    void runtimeWorkIsToldByWhatRunsNotByANameInsideAContainer() {
        feed(exec(400, 1, "/usr/bin/runc", 0, 0, ALL_CAPS));
        assertTrue(table.get(400).runtimeWork(), "runc started on the host");
        feed(exec(401, 1, "/tmp/runc", RawEvent.F_CONTAINED, 0, 0));
        assertFalse(table.get(401).runtimeWork(), "a binary called runc in a container is not the runtime");
        feed(Records.of(RawEvent.OP_FORK, 0).pid(402).ppid(400));
        feed(exec(402, 400, "/proc/self/exe", RawEvent.F_CONTAINED, 0, ALL_CAPS));
        assertTrue(table.get(402).runtimeWork(), "the runtime re-executing itself into the container");
    }

    @Test
    void rootNothingExplainsIsReportedForContainerProcessesOnly() {
        feed(exec(500, 1, "/app", RawEvent.F_CONTAINED, 1000, 0));
        // the same process, euid 0 now, no setuid seen, no set-uid file
        assertEquals(List.of("root"), feed(Records.syscall("setns").pid(500).flags(RawEvent.F_CONTAINED).uid(0).cgroup(CGROUP)));
        // a successful setuid(0) explains root
        feed(exec(501, 1, "/app", RawEvent.F_CONTAINED, 1000, 0));
        assertNull(feed(Records.syscall("setuid").pid(501).flags(RawEvent.F_CONTAINED).uid(1000).args(0).ret(0)));
        assertNull(feed(Records.syscall("setns").pid(501).flags(RawEvent.F_CONTAINED).uid(0)));
        // on the host the baseline is kept but nothing is reported
        feed(exec(502, 1, "/usr/bin/app", 0, 1000, 0));
        assertNull(feed(Records.syscall("setns").pid(502).uid(0)));
    }
}
