package io.bulwark.sensor.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A freeze the kernel does not confirm does not hold the decoder thread: the fast path comes back after the inline
 * budget with {@code freeze-requested}, and the confirmation (or its timeout) follows in a second audit record.
 *
 * <p>The kernel's freezer always completes for runnable tasks; it stays incomplete only for a task in uninterruptible
 * sleep (a FUSE or NFS request nobody answers), which this machine cannot produce on demand. So the container's
 * cgroup here is a plain directory laid out as cgroup2 (cgroup.controllers at the root, cgroup.freeze and
 * cgroup.events in the container's directory): the freeze is written into it like into the kernel's, and the test
 * plays the kernel by writing {@code frozen 1} into cgroup.events, or never. The real freezer is covered by
 * NodeActionsRuncTest and FastPathIT.
 */
@Timeout(60)
class FreezeConfirmationTest {
    @TempDir
    Path mount;

    final List<ActionRecord> audit = new CopyOnWriteArrayList<>();

    Path container(String id) throws Exception {
        Files.writeString(mount.resolve("cgroup.controllers"), "cpu memory pids\n");
        Path dir = Files.createDirectories(mount.resolve(id));
        Files.writeString(dir.resolve("cgroup.freeze"), "0\n");
        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        Files.writeString(dir.resolve("cgroup.procs"), "4242\n");
        return dir;
    }

    FastPath fastPath(Duration timeout) {
        NodeActions actions = new NodeActions(new CgroupLocator(mount, Path.of("/proc")), id -> new ContainerInfo(id, id, "runc", null, 0,
                "running", null, null, "/" + id, false, List.of(), List.of(), List.of(), 0, false, null, null, true, List.of(), List.of(),
                List.of(), null, Map.of(), null), NodeActions.DEFAULT_PROTECTED_NAMESPACES, false, new AlertDetail.Node("node-1", null, "6.18"),
                List.of(audit::add), NodeActions.FREEZE_INLINE, timeout);
        return new FastPath(new IncidentTracker("node-1"), PlaybookPolicy.defaults(), actions, Evidence.NONE, true, FastPath.NODE_LIMIT,
                Clock.systemUTC());
    }

    static String action(AlertEnvelope a) {
        return a.detail().sensor().action();
    }

    List<ActionRecord> awaitRecords(int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (audit.size() < n && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(n, audit.size(), audit.toString());
        return List.copyOf(audit);
    }

    @Test
    void anUnconfirmedFreezeReturnsAfterTheInlineBudgetAndItsConfirmationFollows() throws Exception {
        Path cg = container("bw-slow-1");
        FastPath fp = fastPath(Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        AlertEnvelope a = fp.before(PolicyAndIncidentsTest.alert("a1", "2026-12-07T03:00:00Z", "CRITICAL", "core-pattern", "bw-slow-1"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1000, "the decoder thread waited " + ms + " ms, not the 10 s timeout");
        assertEquals("freeze-requested", action(a));
        assertEquals("1", Files.readString(cg.resolve("cgroup.freeze")).trim(), "the freeze was written");
        ActionRecord first = awaitRecords(1).get(0);
        assertEquals(ActionRecord.REQUESTED, first.result());
        assertTrue(first.reason().startsWith("requested: freeze written, not confirmed by the kernel within 20 ms"), first.reason());
        assertEquals("pending", first.params().get("confirmation"));

        // a second alert of the incident meanwhile: nothing new is requested, and it says what is known
        assertEquals("freeze-requested", action(fp.before(PolicyAndIncidentsTest.alert("a2", "2026-12-07T03:00:01Z", "CRITICAL",
                "core-pattern", "bw-slow-1"))));
        Thread.sleep(100);
        assertEquals(1, audit.size(), "still one record: " + audit);

        Files.writeString(cg.resolve("cgroup.events"), "populated 1\nfrozen 1\n"); // the kernel finishes
        ActionRecord second = awaitRecords(2).get(1);
        assertEquals(ActionRecord.DONE, second.result(), second.toString());
        assertEquals("confirmed", second.params().get("confirmation"));
        assertEquals(first.id(), second.params().get("confirms"));
        assertTrue(!second.id().equals(first.id()), "a record of its own");
        assertEquals("a1", second.alertId());
        assertEquals(first.incident(), second.incident());
        assertEquals("frozen", action(fp.before(PolicyAndIncidentsTest.alert("a3", "2026-12-07T03:00:02Z", "CRITICAL", "core-pattern",
                "bw-slow-1"))));
    }

    @Test
    void aFreezeThatNeverCompletesIsRecordedFailedAndTheNextAlertTriesAgain() throws Exception {
        container("bw-stuck-1");
        FastPath fp = fastPath(Duration.ofMillis(300));
        assertEquals("freeze-requested", action(fp.before(PolicyAndIncidentsTest.alert("b1", "2026-12-07T03:00:00Z", "CRITICAL",
                "core-pattern", "bw-stuck-1"))));
        ActionRecord failed = awaitRecords(2).get(1);
        assertEquals(ActionRecord.FAILED, failed.result());
        assertEquals("timeout: not frozen after 300 ms", failed.reason());
        assertEquals("timeout", failed.params().get("confirmation"));
        assertEquals(audit.get(0).id(), failed.params().get("confirms"));
        assertEquals("freeze-requested", action(fp.before(PolicyAndIncidentsTest.alert("b2", "2026-12-07T03:00:01Z", "CRITICAL",
                "core-pattern", "bw-stuck-1"))), "after a failed confirmation the next alert asks again");
        assertEquals(ActionRecord.REQUESTED, awaitRecords(4).get(2).result());
    }
}
