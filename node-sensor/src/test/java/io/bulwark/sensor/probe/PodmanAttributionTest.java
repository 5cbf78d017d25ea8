package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.Podman;
import io.bulwark.sensor.testing.TestContainers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Events from a Podman container (a different cgroup layout, /libpod_parent/libpod-&lt;id&gt;, and a
 * different state store) are attributed to it by name and runtime. Needs podman (installed by
 * ./bulwark setup); skipped only where /usr/bin/podman is absent.
 */
@Tag("containers")
@Timeout(180)
class PodmanAttributionTest {
    @Test
    void podmanContainerEventsAreAttributedToThePodmanContainer() throws Exception {
        assumeTrue(Podman.installed(), "podman not installed (apt-get install podman)");
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        try (Podman box = Podman.start()) {
            long t0 = System.currentTimeMillis() * 1_000_000L;
            box.exec("/bin/bwtrigger", "unshare-user");
            SensorEvent e = sensor.await("podman unshare", -1, ev -> ev.time() > t0 && ev.syscall().name().equals("unshare")
                    && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")) && ev.container() != null
                    && box.id().equals(ev.container().id()));
            assertEquals("podman", e.container().runtime());
            assertEquals(box.name(), e.container().name());
            assertFalse(e.process().runtimeWork(), "the exec'd command is the container's own work");
        }
    }
}
