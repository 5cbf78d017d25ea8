package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

/** An attempt made right after a container starts is attributed to that container. */
@Tag("containers")
@Timeout(120)
class AttributionAtStartTest {
    @RepeatedTest(3)
    void firstActionsOfAFreshContainerAreAttributed() {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        try (RuncContainer box = RuncContainer.builder().start()) {
            long cg = box.cgroupId();
            box.exec("/bin/bwtrigger", "unshare-user");
            SensorEvent e = sensor.await("unshare right after start", cg, ev -> ev.process().cgroupId() == cg
                    && ev.syscall().name().equals("unshare") && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")));
            assertNotNull(e.container(), "attributed: " + e.process());
            assertEquals(box.id(), e.container().id());
        }
    }
}
