package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleEngine;
import io.bulwark.sensor.rules.RuleLoader;
import io.bulwark.sensor.rules.RuleMatch;
import io.bulwark.sensor.testing.ContainerdCri;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kubernetes attribution end to end, with containerd's real CRI plugin: a private containerd 1.6
 * runs a host-network pod through CRI ({@code RunPodSandbox}, {@code CreateContainer},
 * {@code StartContainer}, {@code ExecSync}, as the kubelet does; {@link ContainerdCri}). The live
 * sensor's events from the pod's container carry the container id, its Kubernetes container name,
 * pod name, namespace and uid, all read from the annotations containerd wrote; the pause container
 * is recognised as the pod's sandbox and its start (runc init's work) raises no alert. Needs the apt
 * package containerd.
 */
@Tag("containers")
@Timeout(120)
class CriAttributionTest {
    private static final String RULES = "rules/bulwark_escape_rules.yaml";
    private static ContainerdCri cri;
    private static RuleEngine engine;

    @BeforeAll
    static void start() throws IOException {
        LiveSensor.get(TestContainers.resolver()); // before the pod: the sandbox's start must be seen
        try (InputStream in = CriAttributionTest.class.getClassLoader().getResourceAsStream(RULES)) {
            assertNotNull(in, RULES + " is not on the class path");
            LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source(RULES,
                    new String(in.readAllBytes(), StandardCharsets.UTF_8))));
            assertTrue(r.errors().isEmpty(), "ruleset errors: " + r.errors());
            engine = r.engine();
        }
        cri = ContainerdCri.start();
    }

    @AfterAll
    static void stop() {
        if (cri != null) {
            cri.close();
        }
    }

    private static long now() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static boolean userns(SensorEvent ev, long cgroupId, long since) {
        return ev.time() > since && ev.process().cgroupId() == cgroupId && ev.syscall().name().equals("unshare")
                && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")) && "bwtrigger".equals(ev.process().comm());
    }

    private static void assertPodContainer(SensorEvent e, ContainerdCri.PodContainer app) {
        ContainerdCri.Pod pod = app.pod();
        ContainerInfo c = e.container();
        assertNotNull(c, "attributed: pid " + e.process().pid() + " comm " + e.process().comm() + " cgroup "
                + e.process().cgroupId() + " (" + app + ")");
        assertEquals("containerd", c.runtime());
        assertEquals(app.id(), c.id());
        assertEquals("app", c.name());
        assertEquals(new ContainerInfo.K8s(pod.namespace(), pod.name(), pod.uid(), "app"), c.k8s(),
                "pod from the CRI plugin's annotations: " + c.annotations());
        assertEquals(cri.appImage(), c.image());
        assertEquals("container", c.annotations().get("io.kubernetes.cri.container-type"));
        assertEquals(pod.sandboxId(), c.annotations().get("io.kubernetes.cri.sandbox-id"));
        assertEquals(pod.cgroupParent() + "/" + app.id(), c.cgroupPath());
    }

    @Test
    void podContainerEventsCarryTheirPodAndThePauseContainerRaisesNothing() {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        long t0 = now();
        try (ContainerdCri.Pod pod = cri.pod("web-" + suffix, "shop-" + suffix).start()) {
            ContainerdCri.PodContainer app = pod.container("app")
                    .command("/bin/sh", "-c", "/bin/bwtrigger unshare-user; exec /bin/sleep 600").start();
            long cg = app.cgroupId();

            // the entrypoint's first action, attributed without any refresh forced by the test
            SensorEvent first = sensor.await("unshare by the pod container's entrypoint", cg, ev -> userns(ev, cg, t0));
            assertPodContainer(first, app);
            assertFalse(first.process().runtimeWork(), "the entrypoint's work is the container's own");

            // kubectl exec without a terminal: CRI ExecSync
            long t1 = now();
            RuncContainer.ExecResult r = app.exec("/bin/bwtrigger", "unshare-user");
            assertEquals(0, r.exitCode(), "ExecSync bwtrigger unshare-user: " + r.output());
            SensorEvent exec = sensor.await("unshare by a command run with ExecSync", cg, ev -> userns(ev, cg, t1));
            assertPodContainer(exec, app);
            assertFalse(exec.process().runtimeWork(), "the command run by ExecSync is the container's own work");
            List<RuleMatch> alerts = engine.evaluate(exec);
            assertTrue(alerts.stream().anyMatch(m -> m.rule().name().equals("User Namespace Created In Container")
                    && m.output().contains("container=app") && m.output().contains("id=" + app.id().substring(0, 12))),
                    "the shipped rule fires and names the pod's container: " + alerts);

            // the pause container: runc init's work in the sandbox's cgroup is seen, is runtime work, alerts nothing
            long sb = pod.sandboxCgroupId();
            sensor.await("runc init's mounts in the pause container", sb, ev -> ev.process().cgroupId() == sb
                    && ev.syscall().name().equals("mount") && ev.process().runtimeWork());
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerInfo sandbox = resolver.byCgroupId(sb);
            assertNotNull(sandbox, "pause container " + pod + " not found; " + resolver.all());
            assertEquals(pod.sandboxId(), sandbox.id());
            assertEquals("sandbox", sandbox.annotations().get("io.kubernetes.cri.container-type"));
            assertEquals(new ContainerInfo.K8s(pod.namespace(), pod.name(), pod.uid(), null), sandbox.k8s());
            assertEquals(pod.name(), sandbox.name(), "a sandbox is named after its pod");
            List<SensorEvent> sandboxEvents = sensor.all(ev -> ev.process().cgroupId() == sb);
            List<String> problems = new ArrayList<>();
            for (SensorEvent ev : sandboxEvents) {
                if (ev.container() != null && !pod.sandboxId().equals(ev.container().id())) {
                    problems.add("attributed to " + ev.container().id() + ": " + describe(ev));
                }
                // everything is runc's work but the pause process's own entrypoint exec (INFORMATIONAL at most)
                boolean pauseExec = ev.process().pid() == pod.sandboxPid() && ev.syscall().name().equals("execve")
                        && "/bin/sleep".equals(ev.syscall().args().get("filename"));
                if (!ev.process().runtimeWork() && !pauseExec) {
                    problems.add("not runtime work: " + describe(ev));
                }
                SensorEvent attributed = ev.container() != null ? ev
                        : new SensorEvent(ev.time(), ev.syscall(), ev.process(), sandbox);
                for (RuleMatch m : engine.evaluate(attributed)) {
                    if (m.rule().priority().atLeast(Priority.WARNING)) {
                        problems.add(m.rule().priority() + " " + m.rule().name() + ": " + m.output());
                    }
                }
            }
            assertTrue(problems.isEmpty(), "the pause container's " + sandboxEvents.size() + " events: " + problems);
            // the pause process's exec is attributed at event time to the sandbox, recognised as such
            SensorEvent pause = sensor.await("the pause container's entrypoint exec", sb, ev -> ev.process().cgroupId() == sb
                    && ev.process().pid() == pod.sandboxPid() && ev.syscall().name().equals("execve"));
            assertNotNull(pause.container(), "pause exec attributed: " + describe(pause));
            assertEquals(pod.sandboxId(), pause.container().id());
            assertEquals("sandbox", pause.container().annotations().get("io.kubernetes.cri.container-type"));
            assertEquals(new ContainerInfo.K8s(pod.namespace(), pod.name(), pod.uid(), null), pause.container().k8s());
        }
    }

    private static String describe(SensorEvent ev) {
        return ev.process().comm() + " pid " + ev.process().pid() + " " + ev.syscall().name() + ev.syscall().args();
    }

    @Test
    void hostProcessNextToAPodIsNotAttributed() throws Exception {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        java.nio.file.Path helper = java.nio.file.Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"),
                "bwtrigger");
        if (!java.nio.file.Files.isExecutable(helper)) {
            throw new IllegalStateException(helper + " not built: build node-sensor's test helpers (mvn -pl node-sensor test-compile)");
        }
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        try (ContainerdCri.Pod pod = cri.pod("idle-" + suffix, "shop-" + suffix).start()) {
            Process p = new ProcessBuilder(helper.toString(), "unshare-user").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            long pid = p.pid();
            SensorEvent e = sensor.await("host unshare", 1, ev -> ev.process().pid() == pid && ev.syscall().name().equals("unshare"));
            assertNull(e.container(), "a host process has no container (" + pod + " runs next to it, host network)");
        }
    }
}
