package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Host directories bind-mounted writable at arbitrary paths (not /host, /hostfs ...): a scratch
 * directory under the host's /root (a sensitive source: the rules judge the mount's host source,
 * fd.mount.source) at /data/x, and an ordinary scratch directory under /tmp at /data/y. Nothing of
 * the real /root is written: the scratch directory is created for the test and removed after.
 */
@Tag("containers")
@Timeout(120)
class ArbitraryHostMountTest {
    static RuncContainer box;
    static Path underRoot;
    static Path plain;

    @BeforeAll
    static void start() throws IOException {
        Scenarios.sensor();
        Scenarios.engine();
        underRoot = Files.createTempDirectory(Path.of("/root"), ".bulwark-test-");
        Files.createDirectories(underRoot.resolve("etc/cron.d")); // before the container starts: its bind sees it from the start
        plain = Files.createTempDirectory("bw-plain-");
        box = RuncContainer.builder()
                .bind(underRoot, "/data/x", false)
                .bind(plain, "/data/y", false)
                .start();
    }

    @AfterAll
    static void stop() {
        try {
            if (box != null) {
                box.close();
            }
        } finally {
            for (Path p : new Path[]{underRoot, plain}) {
                Scenarios.deleteTree(p);
            }
        }
    }

    @Test
    void writeThroughABindOfASensitiveHostDirectoryAtAnArbitraryPath() {
        // the start is seen (and the container's writable bind points are in the kernel's path filter)
        Scenarios.expectStart(box, "sensitive-mount");
        String name = "bulwark-test-" + UUID.randomUUID();
        Alert a = expect(box, "host-file-write", "creat", bw("creat", "/data/x/" + name));
        assertEquals(Priority.ERROR, a.priority());
        assertTrue(a.output().contains("host_file=" + underRoot + "/" + name), a.output());
        assertTrue(a.output().contains("mount_source=" + underRoot), a.output());
        assertTrue(Files.exists(underRoot.resolve(name)), "the write really reached the host directory");
        expect(box, "host-file-write", "openat", bw("openat-write", "/data/x/" + name));
        expect(box, "host-file-write", "io_uring_submit", bw("io-uring-open", "/data/x/" + name));
    }

    @Test
    void persistenceNameThroughABindOfASensitiveHostDirectory() throws IOException {
        Scenarios.expectStart(box, "sensitive-mount");
        RuncContainer.ExecResult ls = box.exec("/bin/ls", "-la", "/data/x/etc/cron.d");
        assertEquals(0, ls.exitCode(), "the bind shows the host directory: " + ls.output() + "; host side exists: "
                + Files.isDirectory(underRoot.resolve("etc/cron.d")));
        Alert a = expect(box, "host-persistence", "openat", bw("openat-write", "/data/x/etc/cron.d/backdoor"));
        assertEquals(Priority.CRITICAL, a.priority());
    }

    @Test
    void renameLinkAndUnlinkThroughABindOfASensitiveHostDirectory() throws IOException {
        Scenarios.expectStart(box, "sensitive-mount");
        String name = "bulwark-test-" + UUID.randomUUID();
        Files.writeString(underRoot.resolve(name), "x"); // made on the host side: only the container's rename is judged
        Alert mv = expect(box, "host-persistence", "rename", bw("rename", "/data/x/" + name, "/data/x/etc/cron.d/" + name));
        assertEquals(Priority.CRITICAL, mv.priority());
        assertTrue(mv.output().contains("host_file=" + underRoot + "/etc/cron.d/" + name), mv.output());
        assertTrue(Files.exists(underRoot.resolve("etc/cron.d/" + name)), "the rename really moved the host file");
        Alert ln = expect(box, "host-file-write", "link", bw("link", "/data/x/etc/cron.d/" + name, "/data/x/" + name + ".2"));
        assertEquals(Priority.ERROR, ln.priority());
        Alert rm = expect(box, "host-file-write", "unlink", bw("unlink", "/data/x/" + name + ".2"));
        assertTrue(rm.output().contains("mount_source=" + underRoot), rm.output());
    }

    @Test
    void writeThroughABindOfAnOrdinaryHostDirectoryStaysQuiet() {
        Scenarios.expectStart(box, "sensitive-mount");
        String file = "/data/y/bulwark-test-" + UUID.randomUUID();
        long t0 = Scenarios.now();
        assertEquals(0, box.exec(bw("creat", file)).exitCode());
        assertTrue(Files.exists(plain.resolve(file.substring("/data/y/".length()))), "the write reached the host directory");
        // the write did cross the kernel filter (so the silence is the rules' decision)
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<SensorEvent> seen = List.of();
        while (seen.isEmpty() && System.nanoTime() < deadline) {
            seen = Scenarios.sensor().all(e -> e.time() >= t0 && e.process() != null && e.process().cgroupId() == box.cgroupId()
                    && e.syscall().name().equals("creat")
                    && (file.equals(e.syscall().args().get("name")) || file.equals(e.syscall().args().get("path"))));
            Scenarios.sleep(25);
        }
        assertTrue(!seen.isEmpty(), () -> "the sensor should see the creat of " + file + "; events: "
                + Scenarios.describeEvents(box, t0));
        List<Alert> w = Scenarios.warnings(box, t0);
        assertTrue(w.isEmpty(), "a write through a bind of /tmp/...: " + w);
    }
}
