package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.Containerd;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The live sensor attributes events from containerd containers (cgroup {@code /<namespace>/<id>},
 * runc state under containerd's shim root, the bundle in containerd's own state directory) to the
 * containerd container, and host processes to none. A private containerd daemon runs the
 * containers ({@link Containerd}); needs the apt package containerd.
 */
@Tag("containers")
@Timeout(180)
class ContainerdAttributionTest {
    private static Containerd containerd;

    @BeforeAll
    static void startDaemon() {
        containerd = Containerd.start();
    }

    @AfterAll
    static void stopDaemon() {
        if (containerd != null) {
            containerd.close();
        }
    }

    @Test
    void execInAContainerdContainerIsAttributedToIt() {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        try (Containerd.Container box = containerd.container().start()) {
            long cg = box.cgroupId();
            long t0 = System.currentTimeMillis() * 1_000_000L;
            RuncContainer.ExecResult r = box.exec("/bin/bwtrigger", "unshare-user");
            assertEquals(0, r.exitCode(), "bwtrigger unshare-user: " + r.output());
            SensorEvent e = sensor.await("containerd unshare", cg, ev -> ev.time() > t0 && ev.process().cgroupId() == cg
                    && ev.syscall().name().equals("unshare") && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")));
            assertEquals(box.id(), e.container() == null ? null : e.container().id(), "attributed: pid " + e.process().pid()
                    + " comm " + e.process().comm() + " cgroup " + e.process().cgroupId() + " container " + e.container());
            assertEquals("containerd", e.container().runtime());
            assertEquals(box.id(), e.container().name());
            assertEquals(box.cgroupPath(), e.container().cgroupPath());
            assertEquals("bwtrigger", e.process().comm());
            assertFalse(e.process().runtimeWork(), "the command run by ctr task exec is the container's own work");
        }
    }

    /** The entrypoint's first action, before any refresh the test could force: found through cgroup_mkdir. */
    @Test
    void firstActionOfAFreshContainerdContainerIsAttributed() {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        long t0 = System.currentTimeMillis() * 1_000_000L;
        try (Containerd.Container box = containerd.container()
                .args("/bin/sh", "-c", "/bin/bwtrigger unshare-user; exec /bin/sleep 600").start()) {
            long cg = box.cgroupId();
            SensorEvent e = sensor.await("unshare by a containerd entrypoint", cg, ev -> ev.time() > t0
                    && ev.process().cgroupId() == cg && ev.syscall().name().equals("unshare")
                    && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")) && "bwtrigger".equals(ev.process().comm()));
            assertEquals(box.id(), e.container() == null ? null : e.container().id(), "attributed: pid " + e.process().pid()
                    + " comm " + e.process().comm() + " cgroup " + e.process().cgroupId() + " container " + e.container());
            assertEquals("containerd", e.container().runtime());
        }
    }

    @Test
    void hostProcessNextToAContainerdContainerIsNotAttributed() throws Exception {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        Path helper = Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"), "bwtrigger");
        if (!Files.isExecutable(helper)) {
            throw new IllegalStateException(helper + " not built: build node-sensor's test helpers (mvn -pl node-sensor test-compile)");
        }
        try (Containerd.Container box = containerd.container().start()) {
            Process p = new ProcessBuilder(helper.toString(), "unshare-user").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            long pid = p.pid();
            SensorEvent e = sensor.await("host unshare", 1, ev -> ev.process().pid() == pid
                    && ev.syscall().name().equals("unshare"));
            assertNull(e.container(), "a host process has no container (containerd container " + box.id() + " runs next to it)");
            assertFalse(e.process().cgroupId() == box.cgroupId());
        }
    }
}
