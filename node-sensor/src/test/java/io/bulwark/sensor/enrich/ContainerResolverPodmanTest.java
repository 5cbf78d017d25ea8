package io.bulwark.sensor.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Podman container (podman with runc, per PLATFORM-NOTES: --runtime runc, explicit
 * ulimits, --rootfs). Needs the apt package podman; skipped where it is not installed.
 */
@Timeout(180)
class ContainerResolverPodmanTest {

    @Test
    void podmanContainerIsFoundByCgroupIdWithItsName() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/podman")), "podman not installed (apt-get install podman)");
        String name = "bw-test-" + UUID.randomUUID().toString().substring(0, 8);
        // borrow the harness's busybox rootfs: start and close a runc container to get one built
        Path rootfs = Files.createTempDirectory("bulwark-podman-rootfs-");
        try (RuncContainer template = RuncContainer.builder().start()) {
            run(List.of("cp", "-a", template.rootfs() + "/.", rootfs.toString()));
        }
        try {
            String id = run(List.of("podman", "--runtime", "runc", "run", "-d", "--name", name,
                    "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", "--rootfs", rootfs.toString(),
                    "sleep", "600")).strip();
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo c = resolver.byId(id).orElseThrow(() -> new AssertionError("podman container " + id
                    + " not found; warnings " + resolver.warnings()));
            assertEquals("podman", c.runtime());
            assertEquals(name, c.name());
            assertEquals("running", c.status());
            assertEquals("/libpod_parent/libpod-" + id, c.cgroupPath());
            ContainerInfo byCgroup = resolver.byCgroupId(resolver.cgroupIdOf(c));
            assertNotNull(byCgroup);
            assertEquals(id, byCgroup.id());
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
