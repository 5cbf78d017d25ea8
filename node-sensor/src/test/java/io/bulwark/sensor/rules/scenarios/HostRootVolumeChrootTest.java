package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A container given the node's own / as a volume at an ordinary path (/mnt, read-only here: nothing of
 * the host is written). A chroot there is judged by what the new root is (the host's root directory: same
 * device and inode), not by its name: CRITICAL host-chroot. A chroot into one of the container's own
 * directories stays the WARNING it was.
 */
@Tag("containers")
@Timeout(120)
class HostRootVolumeChrootTest {
    static RuncContainer box;

    @BeforeAll
    static void start() {
        Scenarios.sensor();
        Scenarios.engine();
        // CAP_SYS_CHROOT: in Docker's default set (not in runc spec's), so an ordinary container can chroot
        box = RuncContainer.builder().bind(Path.of("/"), "/mnt", true).capAdd("CAP_SYS_CHROOT").start();
    }

    @AfterAll
    static void stop() {
        if (box != null) {
            box.close();
        }
    }

    @Test
    void chrootThroughAVolumeOfTheHostsRootIsCritical() {
        Alert a = expect(box, "host-chroot", "chroot", bw("chroot", "/mnt"));
        assertEquals(Priority.CRITICAL, a.priority(), a.toString());
        assertEquals(0, a.event().syscall().result(), "the chroot succeeded: " + a.output());
        assertEquals(true, a.event().syscall().args().get("root_host"), a.event().syscall().args().toString());
        assertTrue(a.output().contains("path=/mnt"), a.output());
    }

    @Test
    void chrootIntoTheContainersOwnDirectoryStaysAWarning() {
        Alert a = expect(box, "host-chroot", "chroot", bw("chroot", "/tmp"));
        assertEquals(Priority.WARNING, a.priority(), a.toString());
        assertEquals(0, a.event().syscall().result(), "the chroot succeeded: " + a.output());
        assertEquals(false, a.event().syscall().args().get("root_host"));
    }
}
