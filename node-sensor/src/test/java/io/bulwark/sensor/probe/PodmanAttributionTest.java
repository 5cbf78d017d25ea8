package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Events from a Podman container (a different cgroup layout, /libpod_parent/libpod-&lt;id&gt;, and a
 * different state store) are attributed to it by name and runtime. Needs podman (installed by
 * ./bulwark setup); skipped only where /usr/bin/podman is absent.
 */
@Timeout(180)
class PodmanAttributionTest {
    @Test
    void podmanContainerEventsAreAttributedToThePodmanContainer() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/podman")), "podman not installed (apt-get install podman)");
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        String name = "bw-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path rootfs = Files.createTempDirectory("bulwark-podman-rootfs-");
        try (RuncContainer template = RuncContainer.builder().start()) {
            run(List.of("cp", "-a", template.rootfs() + "/.", rootfs.toString()));
        }
        try {
            String id = run(List.of("podman", "--runtime", "runc", "run", "-d", "--name", name,
                    "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", "--rootfs", rootfs.toString(),
                    "sleep", "600")).strip();
            long t0 = System.currentTimeMillis() * 1_000_000L;
            run(List.of("podman", "exec", name, "/bin/bwtrigger", "unshare-user"));
            List<SensorEvent> unshares = sensor.all(ev -> ev.time() > t0 && ev.syscall().name().equals("unshare"));
            SensorEvent e = sensor.await("podman unshare (unshare events seen: " + unshares.stream()
                    .map(u -> u.process().comm() + " cgroup=" + u.process().cgroupId() + " container=" + (u.container() == null ? null : u.container().id())
                    .toList() + ")", -1, ev -> ev.time() > t0 && ev.syscall().name().equals("unshare")
                    && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")) && ev.container() != null
                    && id.equals(ev.container().id()));
            assertNotNull(e.container());
            assertEquals("podman", e.container().runtime());
            assertEquals(name, e.container().name());
            assertFalse(e.process().runtimeWork(), "the exec'd command is the container's own work");
        } finally {
            run(List.of("podman", "rm", "-f", "-t", "0", name));
            run(List.of("rm", "-rf", rootfs.toString()));
        }
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
