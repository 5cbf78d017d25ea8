package io.bulwark.sensor.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node actions on real runc containers (busybox rootfs): a frozen container stops running and
 * resumes on thaw; stop kills every process of it; a kill reaches only the process whose start time
 * it names; the host, protected namespaces and dry runs are never touched; every request leaves
 * exactly one audit record. Every container is thawed and removed even when an assertion fails.
 */
@Tag("containers")
@Timeout(120)
public class NodeActionsRuncTest {
    static final AlertDetail.Node NODE = new AlertDetail.Node("test-node", null, "6.18");

    /** A shell loop that writes an ever-growing counter to /tmp/count every 10 ms (write then rename: a freeze never leaves it empty). */
    public static RuncContainer.Builder counter() {
        return RuncContainer.builder().args("sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/c.tmp; mv /tmp/c.tmp /tmp/count; usleep 10000; done");
    }

    public static long count(RuncContainer c) throws Exception {
        Path f = c.rootfs().resolve("tmp/count");
        for (int i = 0; i < 100; i++) {
            String s = Files.exists(f) ? Files.readString(f).trim() : "";
            if (!s.isEmpty()) {
                return Long.parseLong(s);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the counter loop never wrote " + f);
    }

    static NodeActions actions(boolean dryRun, List<ActionRecord> audit) {
        ContainerResolver resolver = new ContainerResolver();
        return new NodeActions(CgroupLocator.system(), id -> {
            resolver.refresh();
            return resolver.byId(id).orElse(null);
        }, NodeActions.DEFAULT_PROTECTED_NAMESPACES, dryRun, NODE, List.of(audit::add));
    }

    static NodeActions.Request req(String action, String container, Integer pid, Long start) {
        return new NodeActions.Request(action, new ActionRecord.Target(container, pid, start, null, null, null), Map.of(),
                "inc-1", null, "cmd-" + action + "-" + container + "-" + pid, "command", "test");
    }

    public static void thaw(RuncContainer c) {
        for (String f : List.of("/sys/fs/cgroup/unified/" + c.id() + "/cgroup.freeze", "/sys/fs/cgroup/" + c.id() + "/cgroup.freeze")) {
            try {
                if (Files.exists(Path.of(f))) {
                    Files.writeString(Path.of(f), "0");
                }
            } catch (Exception ignored) {
                // cleanup
            }
        }
        try {
            Path v1 = Path.of("/sys/fs/cgroup/freezer/" + c.id() + "/freezer.state");
            if (Files.exists(v1)) {
                Files.writeString(v1, "THAWED");
            }
        } catch (Exception ignored) {
            // cleanup
        }
    }

    public static String events(RuncContainer c) throws Exception {
        Path v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        return Files.readString(v2.resolve(c.id()).resolve("cgroup.events"));
    }

    @Test
    void aFrozenContainerStopsRunningAndResumesAfterThaw() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = actions(false, audit);
        try (RuncContainer box = counter().start()) {
            try {
                long before = count(box);
                Thread.sleep(100);
                assertTrue(count(box) > before, "the loop runs before the freeze");
                ActionRecord r = actions.run(req("freeze", box.id(), null, null));
                assertEquals(ActionRecord.DONE, r.result(), r.toString());
                assertTrue(events(box).contains("frozen 1"), events(box));
                assertEquals("cgroup2", r.params().get("mechanism"));
                assertEquals(box.id(), r.target().container());
                long frozenAt = count(box);
                Thread.sleep(500);
                assertEquals(frozenAt, count(box), "a frozen container does not advance its counter");
                ActionRecord t = actions.run(req("thaw", box.id(), null, null));
                assertEquals(ActionRecord.DONE, t.result(), t.toString());
                assertEquals(List.of("cgroup2"), t.params().get("thawed"));
                assertTrue(events(box).contains("frozen 0"), events(box));
                Thread.sleep(300);
                assertTrue(count(box) > frozenAt, "the counter advances again after the thaw");
                assertEquals(2, audit.size(), "one audit record per action: " + audit);
                assertEquals(List.of("freeze", "thaw"), audit.stream().map(ActionRecord::action).toList());
                assertTrue(audit.stream().allMatch(a -> a.actor().equals("bulwark-sensor@test-node") && a.time() != null
                        && "test".equals(a.requestedBy()) && "inc-1".equals(a.incident())), audit.toString());
            } finally {
                thaw(box);
            }
        }
    }

    @Test
    void dryRunRecordsWhatItWouldDoAndChangesNothing() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = actions(true, audit);
        try (RuncContainer box = counter().start()) {
            try {
                ActionRecord r = actions.run(req("freeze", box.id(), null, null));
                assertEquals(ActionRecord.DRY_RUN, r.result(), r.toString());
                assertTrue(r.reason().startsWith("would freeze ") && r.reason().contains(box.id()), r.reason());
                assertTrue(r.dryRun());
                assertTrue(events(box).contains("frozen 0"), events(box));
                long c = count(box);
                Thread.sleep(200);
                assertTrue(count(box) > c, "still running");
                ActionRecord s = actions.run(req("stop", box.id(), null, null));
                assertEquals(ActionRecord.DRY_RUN, s.result(), s.toString());
                assertTrue(Files.exists(Path.of("/proc/" + box.pid())), "a dry-run stop kills nothing");
                assertEquals(2, audit.size());
            } finally {
                thaw(box);
            }
        }
    }

    @Test
    void theHostAndProtectedNamespacesAreRefusedAndAudited() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = actions(false, audit);
        // no container named: the host
        ActionRecord noContainer = actions.run(req("freeze", null, null, null));
        assertEquals(ActionRecord.REFUSED, noContainer.result());
        assertTrue(noContainer.reason().startsWith("host"), noContainer.reason());
        ActionRecord host = actions.run(req("stop", "host", null, null));
        assertEquals(ActionRecord.REFUSED, host.result());
        // a host process (in the root cgroup), named by pid and start time
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        try {
            int pid = (int) sleeper.pid();
            ActionRecord kill = actions.run(req("kill", null, pid, Processes.startTime(pid)));
            assertEquals(ActionRecord.REFUSED, kill.result(), kill.toString());
            assertTrue(kill.reason().startsWith("host"), kill.reason());
            assertTrue(sleeper.isAlive(), "a host process is never killed");
            // a freeze of a "container" whose only clue is a host pid: its cgroup is the root
            ActionRecord byPid = actions.run(req("freeze", "not-a-container", pid, null));
            assertEquals(ActionRecord.REFUSED, byPid.result(), byPid.toString());
        } finally {
            sleeper.destroyForcibly();
        }
        // a container of a protected namespace (CRI annotations as containerd writes them)
        try (RuncContainer sys = counter().annotation("io.kubernetes.cri.sandbox-namespace", "kube-system")
                .annotation("io.kubernetes.cri.sandbox-name", "coredns-1").annotation("io.kubernetes.cri.container-type", "container")
                .annotation("io.kubernetes.cri.container-name", "coredns").start()) {
            try {
                ActionRecord r = actions.run(req("freeze", sys.id(), null, null));
                assertEquals(ActionRecord.REFUSED, r.result(), r.toString());
                assertEquals("protected namespace kube-system", r.reason());
                assertEquals("kube-system", r.target().namespace());
                assertTrue(events(sys).contains("frozen 0"), "untouched: " + events(sys));
                ActionRecord k = actions.run(req("stop", sys.id(), null, null));
                assertEquals(ActionRecord.REFUSED, k.result(), k.toString());
                assertTrue(Files.exists(Path.of("/proc/" + sys.pid())));
            } finally {
                thaw(sys);
            }
        }
        assertEquals(6, audit.size(), "every refusal is audited: " + audit);
        assertTrue(audit.stream().allMatch(a -> a.result().equals(ActionRecord.REFUSED)));
    }

    @Test
    void killReachesOnlyTheProcessWhoseStartTimeItNames() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = actions(false, audit);
        try (RuncContainer box = RuncContainer.builder().start()) {
            int pid = box.pid();
            long start = Processes.startTime(pid);
            assertTrue(start > 0);
            // the pid as a recycled pid would look: the same number, another start time
            ActionRecord wrong = actions.run(req("kill", box.id(), pid, start + 1));
            assertEquals(ActionRecord.FAILED, wrong.result(), wrong.toString());
            assertTrue(wrong.reason().startsWith("recycled"), wrong.reason());
            assertTrue(Files.exists(Path.of("/proc/" + pid)), "not signalled");
            ActionRecord noStart = actions.run(req("kill", box.id(), pid, null));
            assertEquals(ActionRecord.REFUSED, noStart.result(), "a pid alone is refused");
            ActionRecord right = actions.run(req("kill", box.id(), pid, start));
            assertEquals(ActionRecord.DONE, right.result(), right.toString());
            waitGone(pid, start);
            assertEquals(3, audit.size());
        }
    }

    @Test
    void stopKillsEveryProcessOfTheContainerEvenWhenFrozen() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        NodeActions actions = actions(false, audit);
        try (RuncContainer box = counter().start()) {
            try {
                box.exec("sh", "-c", "sleep 600 >/dev/null 2>&1 &");
                int pid = box.pid();
                long start = Processes.startTime(pid);
                assertEquals(ActionRecord.DONE, actions.run(req("freeze", box.id(), null, null)).result());
                ActionRecord r = actions.run(req("stop", box.id(), null, null));
                assertEquals(ActionRecord.DONE, r.result(), r.toString());
                assertEquals("cgroup.kill", r.params().get("via"));
                waitGone(pid, start);
                Path procs = Path.of("/sys/fs/cgroup/unified/" + box.id() + "/cgroup.procs");
                assertTrue(!Files.exists(procs) || Files.readString(procs).isBlank(), "no process left");
                // runc's record is gone too: runc list no longer shows it, runc state does not know it, the bundle stays
                assertEquals("deleted: runc delete " + box.id(), r.params().get("runtime_record"), r.toString());
                assertFalse(Files.exists(Path.of("/run/runc", box.id())), "runc's state directory was removed");
                Process list = new ProcessBuilder("runc", "list", "-q").redirectErrorStream(true).start();
                String ids = new String(list.getInputStream().readAllBytes());
                list.waitFor();
                assertFalse(List.of(ids.split("\n")).contains(box.id()), "runc list still shows " + box.id() + ": " + ids);
                Process state = new ProcessBuilder("runc", "state", box.id()).redirectErrorStream(true).start();
                state.getInputStream().readAllBytes();
                assertNotEquals(0, state.waitFor(), "runc state " + box.id() + " should fail");
                assertTrue(Files.isDirectory(box.rootfs()), "the rootfs (evidence) is kept");
            } finally {
                thaw(box);
            }
        }
    }

    static void waitGone(int pid, long start) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Processes.startTime(pid) == start && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertNotEquals(start, Processes.startTime(pid), "process " + pid + " still runs");
    }

    /**
     * The sensor's own cgroup: this test's JVM (standing in for the sensor) moves into a fresh cgroup2
     * cgroup, and a freeze that resolves to that cgroup is refused; the JVM moves back to where it was
     * and the cgroup is removed, whatever happens.
     */
    @Test
    void theSensorsOwnCgroupIsRefused() throws Exception {
        Path v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        String pid = Long.toString(ProcessHandle.current().pid());
        String before = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::")).findFirst()
                .orElseThrow().substring(3);
        Path own = v2.resolve("bw-self-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(own);
        try {
            Files.writeString(own.resolve("cgroup.procs"), pid);
            List<ActionRecord> audit = new ArrayList<>();
            NodeActions actions = actions(false, audit); // reads its own cgroup now
            ActionRecord r = actions.run(req("freeze", "sensor-itself", (int) ProcessHandle.current().pid(), null));
            assertEquals(ActionRecord.REFUSED, r.result(), r.toString());
            assertTrue(r.reason().startsWith("self:"), r.reason());
            assertEquals("0", Files.readString(own.resolve("cgroup.freeze")).trim(), "not frozen");
            assertEquals(1, audit.size());
        } finally {
            Files.writeString(v2.resolve(before.replaceFirst("^/+", "")).resolve("cgroup.procs"), pid);
            Files.delete(own);
        }
    }

    @Test
    void containmentOfCgroupPaths() {
        ContainerCgroup root = new ContainerCgroup("/", null, "/", null);
        ContainerCgroup a = new ContainerCgroup("/kubepods/pod1", null, "/kubepods/pod1", null);
        ContainerCgroup b = new ContainerCgroup("/kubepods/pod1/c1", null, "/kubepods/pod1/c1", null);
        ContainerCgroup c = new ContainerCgroup("/kubepods/pod10", null, "/kubepods/pod10", null);
        assertTrue(root.isRoot());
        assertTrue(a.contains(b), "a parent contains its child: freezing it would freeze the child");
        assertFalse(b.contains(a));
        assertFalse(a.contains(c), "a name prefix is not a parent");
        assertTrue(root.contains(a));
    }
}
