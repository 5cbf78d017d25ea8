package io.bulwark.sensor.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The resolver against real runc containers on this host. */
@Tag("containers")
@Timeout(120)
class ContainerResolverRuncTest {

    @Test
    void findsRunningRuncContainerByCgroupId() {
        try (RuncContainer c = RuncContainer.builder().start()) {
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo info = resolver.byCgroupId(c.cgroupId());
            assertNotNull(info, "no container for cgroup id " + c.cgroupId() + "; found " + resolver.all());
            assertEquals(c.id(), info.id());
            assertEquals("runc", info.runtime());
            assertEquals(c.pid(), info.pid());
            assertEquals("running", info.status());
            assertEquals(c.cgroupPath(), info.cgroupPath());
            assertEquals(c.bundle().toString(), info.bundle());
            assertEquals(c.bundle().resolve("rootfs").toString(), info.rootfs());
            assertEquals(List.of("CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"), info.capabilities());
            // runc spec asks for pid, network, ipc, uts and mount namespaces only
            assertEquals(List.of("user", "cgroup"), info.hostNamespaces());
            assertFalse(info.privileged());
            assertFalse(info.seccomp());
            assertTrue(info.noNewPrivileges());
            assertEquals(0, info.user());
            assertEquals("/", info.cwd(), "the config.json's process.cwd (runc spec writes /)");
            assertTrue(info.maskedPaths().contains("/proc/kcore"));
            assertTrue(info.readonlyPaths().contains("/proc/sys"));
            assertEquals(info, resolver.byId(c.id()).orElseThrow());
            assertEquals(info, resolver.byId(c.id().substring(0, 11)).orElseThrow());
        }
    }

    @Test
    void hostProcessCgroupMapsToNoContainer() throws Exception {
        try (RuncContainer c = RuncContainer.builder().start()) {
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                    .filter(l -> l.startsWith("0::")).findFirst().orElseThrow().substring(3);
            long hostId = resolver.cgroupLayout().idOf(own);
            assertTrue(hostId > 0, "host cgroup " + own + " has an id");
            assertNull(resolver.byCgroupId(hostId));
            assertNull(resolver.resolve(hostId));
            assertNull(resolver.byCgroupId(1), "the cgroup2 root (host processes) is no container");
            assertNotNull(resolver.byCgroupId(c.cgroupId()), "the container next to it is found");
        }
    }

    @Test
    void containerStartedAfterRefreshIsFoundByResolveOnMiss() throws Exception {
        ContainerResolver resolver = new ContainerResolver();
        resolver.refresh();
        Thread.sleep(250); // past the minimum interval between miss-triggered refreshes
        try (RuncContainer c = RuncContainer.builder().start()) {
            assertNull(resolver.byCgroupId(c.cgroupId()), "not in the old snapshot");
            assertEquals(c.id(), resolver.resolve(c.cgroupId()).id());
        }
    }

    @Test
    void hostNamespacesAndPrivilegeAreSeenOnLiveContainers() {
        try (RuncContainer c = RuncContainer.builder().hostPid().hostNetwork().hostIpc().start();
             RuncContainer p = RuncContainer.builder().privileged().start()) {
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo shared = resolver.byId(c.id()).orElseThrow();
            assertEquals(List.of("pid", "network", "ipc", "user", "cgroup"), shared.hostNamespaces());
            assertFalse(shared.privileged());
            ContainerInfo priv = resolver.byId(p.id()).orElseThrow();
            assertTrue(priv.privileged(), "privileged: " + priv);
            assertTrue(priv.capabilities().contains("CAP_SYS_ADMIN"));
            assertTrue(priv.maskedPaths().isEmpty());
        }
    }

    @Test
    void stoppedContainerIsListedButNotMappedByCgroupId() {
        try (RuncContainer c = RuncContainer.builder().args("true").start()) {
            ContainerResolver resolver = new ContainerResolver();
            long deadline = System.currentTimeMillis() + 10_000;
            ContainerInfo info;
            do {
                resolver.refresh();
                info = resolver.byId(c.id()).orElseThrow();
            } while (!"stopped".equals(info.status()) && System.currentTimeMillis() < deadline);
            assertEquals("stopped", info.status());
            assertEquals(c.cgroupPath(), info.cgroupPath());
        }
    }
}
