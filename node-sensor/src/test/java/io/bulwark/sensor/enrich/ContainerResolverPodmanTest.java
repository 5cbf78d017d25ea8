package io.bulwark.sensor.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.testing.Podman;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Podman container (podman with runc, per PLATFORM-NOTES: --runtime runc, explicit
 * ulimits, --rootfs). Needs the apt package podman; skipped where it is not installed.
 */
@Tag("containers")
@Timeout(180)
class ContainerResolverPodmanTest {

    @Test
    void podmanContainerIsFoundByCgroupIdWithItsName() throws Exception {
        assumeTrue(Podman.installed(), "podman not installed (apt-get install podman)");
        try (Podman box = Podman.start()) {
            String id = box.id();
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo c = resolver.byId(id).orElseThrow(() -> new AssertionError("podman container " + id
                    + " not found; warnings " + resolver.warnings()));
            assertEquals("podman", c.runtime());
            assertEquals(box.name(), c.name());
            assertEquals("running", c.status());
            assertEquals("/libpod_parent/libpod-" + id, c.cgroupPath());
            ContainerInfo byCgroup = resolver.byCgroupId(resolver.cgroupIdOf(c));
            assertNotNull(byCgroup);
            assertEquals(id, byCgroup.id());
        }
    }
}
