package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * In a container whose root is an overlay (as image-based runtimes make it), an executable
 * written after start is flagged as coming from the upper layer; one shipped in the image is not.
 */
@Tag("containers")
@Timeout(120)
class DriftTest {
    @Test
    void executableWrittenAfterStartIsFlaggedAsUpperLayer() {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        try (RuncContainer box = RuncContainer.builder().overlayRootfs().start()) {
            long cg = box.cgroupId();
            long t0 = System.currentTimeMillis() * 1_000_000L;
            RuncContainer.ExecResult r = box.exec("/bin/sh", "-c", "cp /bin/bwtrigger /bin/dropped && /bin/dropped sleep 0");
            assertEquals(0, r.exitCode(), r.output());
            SensorEvent dropped = sensor.await("exec of the dropped binary", cg, e -> e.time() > t0 && e.process().cgroupId() == cg
                    && e.syscall().name().equals("execve") && "/bin/dropped".equals(e.syscall().args().get("filename")));
            assertTrue(dropped.process().exeUpperLayer(), "written after start: upper layer");
            box.exec("/bin/bwtrigger", "sleep", "0");
            SensorEvent shipped = sensor.await("exec of a shipped binary", cg, e -> e.time() > t0 && e.process().cgroupId() == cg
                    && e.syscall().name().equals("execve") && "/bin/bwtrigger".equals(e.syscall().args().get("filename")));
            assertFalse(shipped.process().exeUpperLayer(), "shipped in the image: lower layer");
        }
    }
}
