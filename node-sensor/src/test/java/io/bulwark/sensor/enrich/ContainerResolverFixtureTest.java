package io.bulwark.sensor.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state layouts of each runtime, from fixtures under src/test/resources/fixtures/node laid out
 * like a node's / (the podman files were captured from podman 4.3.1 with runc on this machine).
 * No process of the fixtures is alive, so every container reads as stopped and facts come from the
 * config files alone.
 */
class ContainerResolverFixtureTest {
    static final String CONTAINERD = "4f1c2b3a".repeat(8);
    static final String SANDBOX = "9a".repeat(32);
    static final String DOCKER = "d0c4e5f6".repeat(8);
    static final String PODMAN = "7098da809336f0607fd81071b3d0d8cc8c330062e293eac37f0ebe9490d5fbfb";
    static final String CRIO = "c410".repeat(16);
    static final String CRUN = "c7a0".repeat(16);

    static ContainerResolver resolver;

    static Path fixtureRoot() {
        try {
            return Path.of(ContainerResolverFixtureTest.class.getResource("/fixtures/node").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void load() {
        resolver = new ContainerResolver(StateRoots.under(fixtureRoot()));
        resolver.refresh();
    }

    @Test
    void findsEveryRuntimesContainers() {
        assertEquals(List.of("containerd:" + CONTAINERD, "containerd:" + SANDBOX, "cri-o:" + CRIO, "crun:" + CRUN,
                        "docker:" + DOCKER, "podman:" + PODMAN),
                resolver.all().stream().map(c -> c.runtime() + ":" + c.id()).sorted().toList());
    }

    @Test
    void containerdCriAnnotationsGivePodAndContainerName() {
        ContainerInfo c = resolver.byId(CONTAINERD).orElseThrow();
        assertEquals("containerd", c.runtime());
        assertEquals("api", c.name());
        assertEquals("registry.example/payments/api:1.4.2", c.image());
        assertEquals(new ContainerInfo.K8s("payments", "payments-api-7d9f8-x2x7k", "6b9e2c1e-1111-4b5e-9f00-0a1b2c3d4e5f",
                "api"), c.k8s());
        assertEquals("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + CONTAINERD, c.bundle());
        assertEquals("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + CONTAINERD + "/rootfs", c.rootfs());
        assertEquals("/kubepods/besteffort/pod6b9e2c1e-1111-4b5e-9f00-0a1b2c3d4e5f/" + CONTAINERD, c.cgroupPath());
        assertEquals("stopped", c.status());
        assertTrue(c.mounts().stream().anyMatch(m -> m.source().equals("/etc") && m.readOnly()));
    }

    @Test
    void criSandboxHasPodButNoContainerName() {
        ContainerInfo c = resolver.byId(SANDBOX).orElseThrow();
        assertEquals("payments-api-7d9f8-x2x7k", c.name());
        assertNull(c.k8s().containerName());
        assertEquals("payments", c.k8s().namespace());
    }

    @Test
    void dockerNameAndImageComeFromConfigV2() {
        ContainerInfo c = resolver.byId(DOCKER).orElseThrow();
        assertEquals("docker", c.runtime());
        assertEquals("ci-runner", c.name());
        assertEquals("docker:24-dind", c.image());
        assertNull(c.k8s());
        assertTrue(c.privileged(), "all capabilities, nothing masked, every device: " + c);
        assertTrue(c.hostNamespaces().contains("pid"), "pid namespace absent from the config is the host's");
        assertEquals("/system.slice/docker-" + DOCKER + ".scope", c.cgroupPath());
    }

    @Test
    void podmanIsRecognisedInRuncRootByLibpodAnnotation() {
        ContainerInfo c = resolver.byId(PODMAN).orElseThrow();
        assertEquals("podman", c.runtime());
        assertEquals("bwpodtest", c.name());
        assertNull(c.image(), "started with --rootfs: no image");
        assertEquals("/var/lib/containers/storage/overlay-containers/" + PODMAN + "/userdata", c.bundle());
        assertEquals("/libpod_parent/libpod-" + PODMAN, c.cgroupPath());
        assertTrue(c.seccomp(), "podman applies its default seccomp profile");
        assertFalse(c.privileged());
    }

    @Test
    void crioAnnotationsGivePodAndSystemdCgroupIsExpanded() {
        ContainerInfo c = resolver.byId(CRIO).orElseThrow();
        assertEquals("cri-o", c.runtime());
        assertEquals("web", c.name());
        assertEquals("quay.io/shop/frontend:2.0", c.image());
        assertEquals(new ContainerInfo.K8s("shop", "frontend-5c7d", "0c0c0c0c-2222-4e4e-8f8f-123456789abc", "web"), c.k8s());
        assertEquals("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0c0c0c0c_2222_4e4e_8f8f_123456789abc.slice/crio-"
                + CRIO + ".scope", c.cgroupPath());
    }

    @Test
    void crunStatusFileGivesPidBundleAndCgroup() {
        ContainerInfo c = resolver.byId(CRUN).orElseThrow();
        assertEquals("crun", c.runtime());
        assertEquals(4242004, c.pid());
        assertEquals("/srv/bundles/web", c.bundle());
        assertEquals("/srv/bundles/web/rootfs", c.rootfs());
        assertEquals("/" + CRUN, c.cgroupPath());
        assertEquals(1000, c.user());
    }

    @Test
    void corruptAndForeignStateFilesAreSkippedWithWarningsNamingThem() {
        Path root = fixtureRoot();
        List<String> warnings = resolver.warnings();
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith(root.resolve("run/runc/broken/state.json") + ": bad JSON")),
                warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith(root.resolve("run/runc/notrunc/state.json") + ": not a runc state")),
                warnings.toString());
        assertTrue(resolver.byId("broken").isEmpty());
    }

    @Test
    void refreshPicksUpNewAndRemovedStateAndReparsesChangedFiles(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("node");
        copyTree(fixtureRoot(), root);
        ContainerResolver r = new ContainerResolver(StateRoots.under(root));
        r.refresh();
        assertTrue(r.byId(CRUN).isPresent());
        deleteTree(root.resolve("run/crun/" + CRUN));
        Files.writeString(root.resolve("run/runc/broken/state.json"), "{\"id\": \"broken\", \"config\": {\"labels\": []}}");
        r.refresh();
        assertTrue(r.byId(CRUN).isEmpty(), "removed state is forgotten");
        assertEquals("runc", r.byId("broken").orElseThrow().runtime(), "fixed file is re-read");
    }

    @Test
    void missingRootsGiveAnEmptyInventory(@TempDir Path tmp) {
        ContainerResolver r = new ContainerResolver(StateRoots.under(tmp));
        r.refresh();
        assertTrue(r.all().isEmpty());
        assertTrue(r.warnings().isEmpty());
    }

    @Test
    void systemdCgroupsPathsExpandToNestedSlices() {
        assertEquals("/system.slice/docker-abc.scope", CgroupLayout.expandCgroupsPath("system.slice:docker:abc"));
        assertEquals("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope",
                CgroupLayout.expandCgroupsPath("kubepods-besteffort-pod1.slice:cri-containerd:abc"));
        assertEquals("/machine.slice/libpod-abc.scope", CgroupLayout.expandCgroupsPath("machine.slice:libpod:abc"));
        assertEquals("/default/abc", CgroupLayout.expandCgroupsPath("/default/abc"));
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    static void deleteTree(Path root) throws Exception {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
