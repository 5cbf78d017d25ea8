package io.bulwark.sensor.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.testing.ContainerdCri;
import java.nio.file.Files;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The resolver against a pod run by containerd's real CRI plugin ({@link ContainerdCri}: a private
 * containerd 1.6 with the plugin enabled, driven over CRI as the kubelet drives it). Everything the
 * resolver reads — the {@code io.kubernetes.cri.*} annotations in config.json, the runc state in
 * {@code /run/containerd/runc/k8s.io/<id>/}, the bundle, the pod cgroup {@code <cgroup_parent>/<id>}
 * and the pause container — is written by containerd, not by the test. Needs the apt package containerd.
 */
@Tag("containers")
@Timeout(120)
class ContainerResolverCriTest {
    private static ContainerdCri cri;

    @BeforeAll
    static void startDaemon() {
        cri = ContainerdCri.start();
    }

    @AfterAll
    static void stopDaemon() {
        if (cri != null) {
            cri.close();
        }
    }

    private static ContainerInfo found(ContainerResolver resolver, long cgroupId, Object what) {
        ContainerInfo info = resolver.byCgroupId(cgroupId);
        assertNotNull(info, "no container for cgroup id " + cgroupId + " (" + what + "); found " + resolver.all()
                + "; warnings " + resolver.warnings());
        return info;
    }

    @Test
    void podContainerAndItsPauseContainerCarryThePodFromTheCriPlugin() {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String podName = "web-" + suffix;
        String namespace = "shop-" + suffix;
        ContainerdCri.Pod pod = cri.pod(podName, namespace).start();
        try (pod) {
            ContainerdCri.PodContainer app = pod.container("app").start();
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();

            ContainerInfo c = found(resolver, app.cgroupId(), app);
            assertEquals("containerd", c.runtime());
            assertEquals(app.id(), c.id());
            assertTrue(c.id().matches("[0-9a-f]{64}"), "CRI ids are 64 hex: " + c.id());
            assertEquals("app", c.name(), "the Kubernetes container name");
            assertEquals(new ContainerInfo.K8s(namespace, podName, pod.uid(), "app"), c.k8s());
            assertEquals(cri.appImage(), c.image(), "io.kubernetes.cri.image-name");
            assertEquals("container", c.annotations().get("io.kubernetes.cri.container-type"));
            assertEquals(pod.sandboxId(), c.annotations().get("io.kubernetes.cri.sandbox-id"));
            assertEquals("/kubepods/besteffort/pod" + pod.uid() + "/" + app.id(), c.cgroupPath());
            assertEquals(app.pid(), c.pid());
            assertEquals("running", c.status());
            assertEquals(app.bundle().toString(), c.bundle(), "the bundle in containerd's state, namespace k8s.io");
            assertTrue(Files.isRegularFile(app.bundle().resolve("config.json")), app.bundle().toString());
            assertTrue(Files.isRegularFile(app.runcState()), "runc state under /run/containerd/runc/k8s.io: " + app.runcState());
            assertTrue(c.hostNamespaces().contains("network"), "host-network pod: " + c.hostNamespaces());
            assertFalse(c.hostNamespaces().contains("pid"), "pid CONTAINER: " + c.hostNamespaces());
            assertFalse(c.privileged());
            assertTrue(c.maskedPaths().contains("/proc/kcore"), "the kubelet's masked paths: " + c.maskedPaths());
            assertTrue(c.readonlyPaths().contains("/proc/sys"), "the kubelet's read-only paths: " + c.readonlyPaths());

            ContainerInfo sandbox = found(resolver, pod.sandboxCgroupId(), pod);
            assertEquals("containerd", sandbox.runtime());
            assertEquals(pod.sandboxId(), sandbox.id());
            assertEquals("sandbox", sandbox.annotations().get("io.kubernetes.cri.container-type"), sandbox.annotations().toString());
            assertEquals(new ContainerInfo.K8s(namespace, podName, pod.uid(), null), sandbox.k8s(), "a pause container has no container name");
            assertEquals(podName, sandbox.name(), "a sandbox is named after its pod");
            assertEquals(pod.sandboxPid(), sandbox.pid());
            assertEquals(pod.sandboxCgroupPath(), sandbox.cgroupPath());
            assertEquals(pod.sandboxBundle().toString(), sandbox.bundle());
            assertNotEquals(pod.sandboxCgroupId(), app.cgroupId(), "pause and app containers have cgroups of their own");
        }
        ContainerResolver after = new ContainerResolver();
        after.refresh();
        assertTrue(after.byId(pod.sandboxId()).isEmpty(), "RemovePodSandbox leaves no runc state: " + after.all());
        assertNull(after.all().stream().filter(i -> i.k8s() != null && namespace.equals(i.k8s().namespace())).findAny().orElse(null));
    }

    @Test
    void guaranteedPodCgroupParentIsFollowed() {
        // a Guaranteed pod's parent has no QoS level (/kubepods/pod<uid>)
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        try (ContainerdCri.Pod pod = cri.pod("db-" + suffix, "data-" + suffix)
                .cgroupParent("/kubepods/pod" + UUID.randomUUID()).start()) {
            ContainerdCri.PodContainer db = pod.container("db").start();
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo c = found(resolver, db.cgroupId(), db);
            assertEquals(db.cgroupPath(), c.cgroupPath());
            assertEquals("db", c.k8s().containerName());
            assertEquals("data-" + suffix, c.k8s().namespace());
        }
    }
}
