package io.bulwark.sensor.rules.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.act.IncidentTracker;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The escape's next step, on the real kernel: the kernel itself runs the program a privileged runc container
 * wrote into a cgroup v1 release_agent (CVE-2022-0492's shape) or into core_pattern, as a usermode helper on
 * the host (no container, parent kthreadd); a container that chrooted into a volume of the host's / runs the
 * host's /bin/true. The sensor's events go through a real {@link Detector} with the shipped rules (as on the
 * node): the follow-up alert is CRITICAL, carries the write's vector, names the container that wrote, and is
 * filed by the {@link IncidentTracker} under the same incident as the write.
 *
 * <p>Host state is restored whatever happens: core_pattern written back, the container's cgroup hierarchy
 * emptied and unmounted, the container removed.
 */
@Tag("containers")
@Timeout(180)
class EscapeFollowUpTest {
    private static final String HELPER = "#!/bin/sh\necho \"ran $$ $PPID\" > \"${0%/*}/fu_ran\"\n";
    private static final ContainerResolver RESOLVER = new ContainerResolver();
    private static final Map<Long, Optional<ContainerInfo>> CONTAINERS = new HashMap<>();

    @BeforeAll
    static void start() {
        Scenarios.sensor();
        Scenarios.engine();
    }

    @Test
    void releaseAgentRunByTheKernelIsLinkedToTheWritingContainer() throws Exception {
        String hierarchy = "bwfu" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 100000;
        try (RuncContainer box = RuncContainer.builder().privileged().withFile("fu_agent", HELPER.getBytes(StandardCharsets.UTF_8)).start()) {
            String program = box.rootfs().resolve("fu_agent").toString(); // the host's path: the kernel runs it there
            long t0 = Scenarios.now();
            try {
                RuncContainer.ExecResult r = box.exec("/bin/sh", "-c", "mkdir -p /tmp/cg && mount -t cgroup -o none,name=" + hierarchy
                        + " cgroup /tmp/cg && echo " + program + " > /tmp/cg/release_agent && mkdir -p /tmp/cg/x"
                        + " && echo 1 > /tmp/cg/x/notify_on_release && sh -c 'echo $$ > /tmp/cg/x/cgroup.procs'");
                assertEquals(0, r.exitCode(), r.output());
                awaitRun(box.rootfs().resolve("fu_ran"));
            } finally {
                box.exec("/bin/sh", "-c", "rmdir /tmp/cg/x; umount /tmp/cg");
            }
            List<AlertDetail> alerts = detect(t0, program);
            AlertDetail write = find(alerts, "Cgroup Release Agent Written", box);
            AlertDetail run = find(alerts, "Release Agent Run By The Kernel After Container Write", box);
            assertFollowUp(write, run, program, "cgroup-release-agent");
        }
    }

    @Test
    void corePatternProgramRunByTheKernelIsLinkedToTheWritingContainer() throws Exception {
        Path cp = Path.of("/proc/sys/kernel/core_pattern");
        String saved = Files.readString(cp).strip();
        try (RuncContainer box = RuncContainer.builder().privileged().withFile("fu_crash", HELPER.getBytes(StandardCharsets.UTF_8)).start()) {
            String program = box.rootfs().resolve("fu_crash").toString();
            long t0 = Scenarios.now();
            try {
                RuncContainer.ExecResult w = box.exec("/bin/sh", "-c", "echo '|" + program + " %p' > /proc/sys/kernel/core_pattern");
                assertEquals(0, w.exitCode(), w.output());
                assertEquals("|" + program + " %p", Files.readString(cp).strip(), "the container's write reached the host's core_pattern");
                box.exec("/bin/sh", "-c", "ulimit -c unlimited; sh -c 'kill -SEGV $$'; true");
                awaitRun(box.rootfs().resolve("fu_ran"));
            } finally {
                Files.writeString(cp, saved + "\n");
            }
            assertEquals(saved, Files.readString(cp).strip(), "core_pattern restored");
            List<AlertDetail> alerts = detect(t0, program);
            AlertDetail write = find(alerts, "Core Pattern Written From Container", box);
            AlertDetail run = find(alerts, "Core Pattern Program Run By The Kernel After Container Write", box);
            assertFollowUp(write, run, program, "core-pattern");
        }
    }

    @Test
    void hostBinaryRunAfterAHostChrootIsAFollowUp() throws Exception {
        try (RuncContainer box = RuncContainer.builder().bind(Path.of("/"), "/mnt", true).capAdd("CAP_SYS_CHROOT").start()) {
            long t0 = Scenarios.now();
            RuncContainer.ExecResult r = box.exec("/bin/chroot", "/mnt", "/bin/true");
            assertEquals(0, r.exitCode(), r.output());
            Scenarios.awaitMarker(box, t0);
            List<AlertDetail> alerts = detectContainer(box, t0);
            AlertDetail chroot = find(alerts, "Chroot Into The Host's Root Directory From Container", box);
            AlertDetail run = find(alerts, "Host Binary Run After Chroot Into The Host", box);
            assertEquals("CRITICAL", run.priority(), run.toString());
            assertEquals("host-chroot", run.vector());
            assertEquals("/bin/true", run.syscall().args().get("filename"), run.output());
            assertEquals(chroot.process().pid(), run.syscall().args().get("escape_by_pid"), run.output());
            assertEquals("/mnt", run.syscall().args().get("escape_file"), run.output());
            assertSameIncident(chroot, run);
            System.out.println("follow-up: " + run.priority() + " " + run.vector() + " [" + run.rule() + "] " + run.output());
        }
    }

    // ------------------------------------------------------------------------------------------------

    private static void assertFollowUp(AlertDetail write, AlertDetail run, String program, String vector) {
        assertEquals("CRITICAL", run.priority(), run.toString());
        assertEquals(vector, run.vector());
        assertEquals(program, run.syscall().args().get("filename"), run.output());
        assertEquals(true, run.syscall().args().get("kernel_spawned"), run.output());
        assertEquals(2, run.process().ppid(), "the kernel's kthreadd started it: " + run.output());
        assertEquals(write.process().pid(), run.syscall().args().get("escape_by_pid"), run.output());
        assertTrue(run.output().contains(write.container().id()), run.output());
        assertSameIncident(write, run);
        System.out.println("write:     " + write.priority() + " " + write.vector() + " [" + write.rule() + "] " + write.output());
        System.out.println("follow-up: " + run.priority() + " " + run.vector() + " [" + run.rule() + "] " + run.output());
    }

    private static void assertSameIncident(AlertDetail first, AlertDetail next) {
        IncidentTracker incidents = new IncidentTracker("node-1");
        assertEquals(incidents.file(first), incidents.file(next), "one incident for the step and its follow-up");
    }

    private static AlertDetail find(List<AlertDetail> alerts, String rule, RuncContainer box) {
        for (AlertDetail a : alerts) {
            if (a.rule().equals(rule)) {
                assertEquals(box.id(), a.container() == null ? null : a.container().id(), () -> "container of " + a.output());
                return a;
            }
        }
        fail("no alert '" + rule + "'; alerts: " + alerts.stream().map(a -> a.priority() + " [" + a.rule() + "] " + a.output())
                .collect(Collectors.joining("\n  ", "\n  ", "")));
        return null;
    }

    /** Waits for the sensor's event of {@code program}'s kernel-spawned run, then runs every event since t0 through a detector. */
    private static List<AlertDetail> detect(long t0, String program) {
        Scenarios.sensor().await("usermode helper exec of " + program, 1, e -> e.time() >= t0 && e.syscall().name().equals("execve")
                && program.equals(e.syscall().args().get("filename")));
        return runDetector(Scenarios.sensor().all(e -> e.time() >= t0));
    }

    private static List<AlertDetail> detectContainer(RuncContainer box, long t0) {
        return runDetector(Scenarios.sensor().all(e -> e.time() >= t0));
    }

    /** The node's detector (shipped rules, the alert factory): each event attributed to its container first, as the node does. */
    private static List<AlertDetail> runDetector(List<SensorEvent> events) {
        List<AlertEnvelope> out = new ArrayList<>();
        AlertFactory f = new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "dry-run");
        Detector d = new Detector(Scenarios.engine(), f, 60_000_000_000L, List.of(out::add));
        for (SensorEvent e : events) {
            d.onEvent(e.container() != null ? e : new SensorEvent(e.time(), e.syscall(), e.process(), containerOf(e.process().cgroupId())));
        }
        d.flush();
        return out.stream().map(AlertEnvelope::detail).toList();
    }

    private static synchronized ContainerInfo containerOf(long cgroupId) {
        return CONTAINERS.computeIfAbsent(cgroupId, id -> {
            ContainerInfo c = RESOLVER.byCgroupId(id);
            if (c == null) {
                RESOLVER.refresh();
                c = RESOLVER.byCgroupId(id);
            }
            return Optional.ofNullable(c);
        }).orElse(null);
    }

    /** The helper script leaves fu_ran next to itself when the kernel runs it. */
    private static void awaitRun(Path marker) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(marker) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(marker), "the kernel did not run the helper (no " + marker + ")");
        System.out.println("helper ran: " + Files.readString(marker).strip());
    }

}
