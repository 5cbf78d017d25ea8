package io.bulwark.sensor.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.testing.Containerd;
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
 * The resolver against real containerd containers: a private containerd 1.6 daemon (own root,
 * state and socket, unique namespace) running containers with {@code ctr run --rootfs} through the
 * runc shim v2 — the state layout of a node ({@code /run/containerd/runc/<ns>/<id>/state.json},
 * the bundle in containerd's state directory, cgroup {@code /<ns>/<id>}). Needs the apt package
 * containerd (./bulwark setup installs it).
 */
@Tag("containers")
@Timeout(180)
class ContainerResolverContainerdTest {
    private static Containerd containerd;

    @BeforeAll
    static void startDaemon() {
        containerd = Containerd.start();
    }

    @AfterAll
    static void stopDaemon() {
        if (containerd != null) {
            containerd.close();
        }
    }

    private static ContainerInfo found(ContainerResolver resolver, Containerd.Container c) {
        resolver.refresh();
        ContainerInfo info = resolver.byCgroupId(c.cgroupId());
        assertNotNull(info, "no container for cgroup id " + c.cgroupId() + " (" + c + "); found " + resolver.all()
                + "; warnings " + resolver.warnings());
        return info;
    }

    @Test
    void ctrContainerIsAttributedByCgroupIdWithItsConfiguration() throws Exception {
        Path shared = Files.createTempDirectory("bulwark-ctd-bind-");
        try (Containerd.Container c = containerd.container().capAdd("CAP_SYS_ADMIN")
                .bind(shared, "/host-data", true).label("team", "blue").start()) {
            ContainerResolver resolver = new ContainerResolver();
            ContainerInfo info = found(resolver, c);
            assertEquals("containerd", info.runtime());
            assertEquals(c.id(), info.id());
            assertEquals(c.id(), info.name(), "a plain ctr container has no other name");
            assertNull(info.image(), "--rootfs: no image (and a ctr image name lives only in containerd's database)");
            assertEquals(c.pid(), info.pid());
            assertEquals("running", info.status());
            // the namespace shows in the cgroup path and the bundle path the state file records
            assertEquals("/" + containerd.namespace() + "/" + c.id(), info.cgroupPath());
            assertEquals(c.bundle().toString(), info.bundle());
            assertEquals(c.rootfs().toString(), info.rootfs());
            assertTrue(Files.isRegularFile(c.runcState()), "runc state under the shim's runc root: " + c.runcState());
            assertFalse(info.privileged());
            assertTrue(info.capabilities().contains("CAP_SYS_ADMIN"), info.capabilities().toString());
            assertTrue(info.capabilities().contains("CAP_NET_RAW"), "containerd's default set: " + info.capabilities());
            assertFalse(info.capabilities().contains("CAP_SYS_PTRACE"), info.capabilities().toString());
            ContainerInfo.Mount bind = info.mounts().stream().filter(m -> m.destination().equals("/host-data")).findFirst()
                    .orElseThrow(() -> new AssertionError("bind mount missing: " + info.mounts()));
            assertEquals(shared.toString(), bind.source());
            assertTrue(bind.bind() && bind.readOnly(), bind.toString());
            assertTrue(info.mounts().stream().anyMatch(m -> m.destination().equals("/proc")), info.mounts().toString());
            assertEquals(List.of("user", "cgroup"), info.hostNamespaces(),
                    "ctr gives pid, ipc, uts, mount and network namespaces");
            assertEquals("blue", info.annotations().get("team"), "ctr copies --label into the OCI annotations");
            assertNull(info.k8s());
            assertTrue(info.maskedPaths().contains("/proc/kcore"), info.maskedPaths().toString());
            assertEquals(info, resolver.byId(c.id()).orElseThrow());
        } finally {
            Files.deleteIfExists(shared);
        }
    }

    @Test
    void privilegedAndHostNetworkCtrContainer() {
        try (Containerd.Container c = containerd.container().privileged().hostNetwork().start()) {
            ContainerInfo info = found(new ContainerResolver(), c);
            assertEquals("containerd", info.runtime());
            assertTrue(info.privileged(), "ctr run --privileged: " + info.capabilities() + " masked " + info.maskedPaths());
            assertTrue(info.maskedPaths().isEmpty());
            assertTrue(info.hostNamespaces().contains("network"), info.hostNamespaces().toString());
        }
    }

    /**
     * The CRI plugin's annotation keys written by hand with {@code ctr run --annotation} (the same
     * OCI config.json field, read by the same code) and the kubelet's cgroupfs layout. The real CRI
     * plugin's pods are covered by {@link ContainerResolverCriTest}.
     */
    @Test
    void criAnnotatedContainerCarriesItsPod() {
        String podUid = UUID.randomUUID().toString();
        String cgroup = "/kubepods/besteffort/pod" + podUid + "/bw-" + podUid.substring(0, 8);
        try (Containerd.Container c = containerd.container()
                .annotation("io.kubernetes.cri.container-type", "container")
                .annotation("io.kubernetes.cri.container-name", "web")
                .annotation("io.kubernetes.cri.sandbox-name", "web-5d8f7")
                .annotation("io.kubernetes.cri.sandbox-namespace", "shop")
                .annotation("io.kubernetes.cri.sandbox-uid", podUid)
                .annotation("io.kubernetes.cri.image-name", "registry.example/web:1.2")
                .cgroup(cgroup).start()) {
            ContainerInfo info = found(new ContainerResolver(), c);
            assertEquals("containerd", info.runtime());
            assertEquals(c.id(), info.id());
            assertEquals("web", info.name());
            assertEquals("registry.example/web:1.2", info.image());
            assertEquals(new ContainerInfo.K8s("shop", "web-5d8f7", podUid, "web"), info.k8s());
            assertEquals(cgroup, info.cgroupPath());
        }
    }

    /** A shim with its own runc root (containerd's runtime option Root): found once the resolver is told where. */
    @Test
    void nonDefaultRuncRootIsReadWhenConfigured() throws Exception {
        Path runcRoot = Files.createTempDirectory("bulwark-ctd-runc-");
        try (Containerd.Container c = containerd.container().runcRoot(runcRoot).start()) {
            ContainerResolver standard = new ContainerResolver();
            standard.refresh();
            assertNull(standard.byCgroupId(c.cgroupId()), "the standard roots do not see a private runc root");
            ContainerResolver configured = new ContainerResolver(StateRoots.defaults().withContainerdRunc(runcRoot));
            ContainerInfo info = found(configured, c);
            assertEquals("containerd", info.runtime());
            assertEquals(c.id(), info.id());
            assertEquals(c.bundle().toString(), info.bundle());
        } finally {
            Files.deleteIfExists(runcRoot);
        }
    }
}
