package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A privileged container in the host's pid namespace: the starting point of nsenter -t 1 and of
 * /proc/1/root walks. Its start raises the informational section-A alerts; namespace entry into the
 * host and host /proc access raise theirs.
 */
@Timeout(120)
class HostPidPrivilegedEscapeTest {
    static RuncContainer box;

    @BeforeAll
    static void start() {
        Scenarios.sensor();
        Scenarios.engine();
        box = RuncContainer.builder().privileged().hostPid().start();
    }

    @AfterAll
    static void stop() {
        if (box != null) {
            box.close();
        }
    }

    @Test
    void startIsReportedAsPrivilegedAndHostPidAtInfo() {
        Scenarios.expectStart(box, "privileged-container");
        Scenarios.expectStart(box, "host-namespaces");
        Scenarios.sleep(100);
        List<Alert> all = Scenarios.alerts(box, 0);
        assertTrue(all.stream().noneMatch(a -> "excessive-capabilities".equals(a.vector())),
                "a privileged container is reported once, as privileged: " + all);
        assertTrue(all.stream().noneMatch(a -> a.event().runtimeWork()), "the runtime's own work never alerts: " + all);
    }

    @Test
    void runcExecSessionIsNotAContainerStart() {
        long t0 = Scenarios.now();
        assertEquals(0, box.exec("/bin/sh", "-c", "true").exitCode());
        Scenarios.sleep(200);
        List<Alert> all = Scenarios.alerts(box, t0);
        assertTrue(all.isEmpty(), "runc exec into a host-pid container: " + all);
    }

    /** A host process the container can see (this JVM): the host's pid 1 here may refuse even root. */
    private static String hostPid() {
        return String.valueOf(ProcessHandle.current().pid());
    }

    @Test
    void nsenterIntoHostNamespacesThroughNsFiles() {
        Alert a = expect(box, "ns-enter-host", "setns", bw("setns", "/proc/" + hostPid() + "/ns/mnt"));
        assertEquals(Priority.CRITICAL, a.priority());
        assertEquals(Boolean.TRUE, a.event().syscall().args().get("ns_host"));
        expect(box, "ns-enter-host", "setns", bw("setns", "/proc/" + hostPid() + "/ns/net"));
        expect(box, "ns-enter-host", "setns", "/bin/nsenter", "-t", hostPid(), "-u", "true");
    }

    @Test
    void nsenterIntoAHostProcessThroughAPidfd() {
        Alert a = expect(box, "ns-enter-host", "setns", bw("pidfd-setns", hostPid()));
        assertEquals(Priority.CRITICAL, a.priority());
    }

    @Test
    void hostProcessRootAndEnvironment() {
        expect(box, "host-proc-access", "open", bw("open-read", "/proc/1/root/etc/hostname"));
        expect(box, "host-proc-access", "openat", "/bin/cat", "/proc/" + hostPid() + "/environ");
        expect(box, "host-proc-access", "io_uring_submit", bw("io-uring-open", "/proc/" + hostPid() + "/root"));
        expect(box, "host-proc-access", "openat", bw("openat-write", "/proc/" + hostPid() + "/cwd"));
    }
}
