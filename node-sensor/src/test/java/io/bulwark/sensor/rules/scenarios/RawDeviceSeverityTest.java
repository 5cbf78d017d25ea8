package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The other side of recon: in a privileged container (device cgroup open, CAP_MKNOD,
 * CAP_SYS_ADMIN) a node of the host's real disk is made and opened: that open succeeds and is
 * CRITICAL, and a disk tool there is ERROR. The ordinary container's NOTICE side is in
 * DefaultContainerEscapeTest.
 */
@Tag("containers")
@Timeout(120)
class RawDeviceSeverityTest {
    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out + " (losetup is in util-linux)");
        return out;
    }

    @Test
    void aPrivilegedContainerOpeningTheHostsDiskIsCriticalAndItsDiskToolIsError() throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        // a host block device the container can really open: this machine's own disk refuses even the
        // host's root (EPERM, the sandbox), so a loop device over a scratch image stands in for it
        Path image = Files.createTempFile("bw-raw-", ".img");
        String loop = null;
        try (RuncContainer box = RuncContainer.builder().privileged().start()) {
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(8 << 20);
            }
            loop = run("losetup", "-f", "--show", image.toString());
            String[] majMin = Files.readString(Path.of("/sys/block", Path.of(loop).getFileName().toString(), "dev")).strip().split(":");
            assertEquals(0, box.exec(sh("mknod /dev/vdz b " + majMin[0] + " " + majMin[1] + " && mkdir -p /usr/local/bin"
                    + " && ln -s /bin/busybox /usr/local/bin/debugfs")).exitCode());
            Alert open = Scenarios.expect(box, "raw-device-access", "open", bw("open-read", "/dev/vdz"));
            assertEquals("Raw Block Device Opened In Container", open.rule(), open.output());
            assertEquals(Priority.CRITICAL, open.priority());
            assertTrue(open.output().contains("res=SUCCESS"), "the host's block device " + loop + " was opened: " + open.output());
            Alert tool = Scenarios.expect(box, "raw-device-access", "execve", sh("debugfs -R stats /dev/vdz; true"));
            assertEquals("Raw Disk Tool Run In Container", tool.rule(), tool.output());
            assertEquals(Priority.ERROR, tool.priority());
        } finally {
            if (loop != null) {
                run("losetup", "-d", loop);
            }
            Files.deleteIfExists(image);
        }
    }
}
