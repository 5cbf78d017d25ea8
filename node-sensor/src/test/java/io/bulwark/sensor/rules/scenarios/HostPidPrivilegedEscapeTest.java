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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A privileged container in the host's pid namespace: the starting point of nsenter -t 1 and of
 * /proc/1/root walks. Its start raises the informational section-A alerts; namespace entry into the
 * host and host /proc access raise theirs.
 */
@Tag("containers")
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

    /**
     * A kernel interface written under another name (the last step of the runc mount-race CVEs of
     * 2025, and of any symlink or bind planted towards one): the kernel names the file the write
     * open reached, and the alert is that file's vector. Only opened, never written.
     */
    @Test
    void aKernelInterfaceWrittenUnderAnotherNameIsJudgedByTheFileReached() {
        String cp = "/proc/sys/kernel/core_pattern";
        // set up before the judged window (the symlink alone is a runc-mount-race warning)
        RuncContainer.ExecResult setup = box.exec("/bin/sh", "-c", "ln -sf " + cp + " /tmp/cp && touch /tmp/f"
                + " && mount -o bind " + cp + " /tmp/f && mount -o bind " + cp + " /proc/sys/kernel/domainname");
        try {
            assertEquals(0, setup.exitCode(), setup.output());
            Alert sym = expect(box, "core-pattern", "open", bw("open-write", "/tmp/cp"));
            assertEquals("Core Pattern Written From Container", sym.rule(), sym.output());
            assertEquals(Priority.CRITICAL, sym.priority());
            assertEquals("core_pattern", sym.event().syscall().args().get("kernel_file"), () -> sym.event().syscall().args().toString());
            assertEquals("proc", sym.event().syscall().args().get("kernel_fs"));
            assertEquals(Boolean.TRUE, sym.event().syscall().args().get("redirected"));
            assertTrue(sym.output().contains("file=/tmp/cp reached=core_pattern"), sym.output());

            // io_uring, judged at the request's completion: into a descriptor, and into a fixed-file slot
            Alert ring = expect(box, "core-pattern", "io_uring_submit", bw("io-uring-open", "/tmp/cp"));
            assertEquals("core_pattern", ring.event().syscall().args().get("kernel_file"), ring.output());
            expect(box, "core-pattern", "io_uring_submit", bw("io-uring-open-fixed", "/tmp/cp"));

            Alert bind = expect(box, "core-pattern", "open", bw("open-write", "/tmp/f"));
            assertEquals(Boolean.TRUE, bind.event().syscall().args().get("redirected"), bind.output());

            // a sysctl the kernel's filter keeps by its name (as a runtime writes them), the file is core_pattern
            Alert masked = expect(box, "core-pattern", "open", bw("open-write", "/proc/sys/kernel/domainname"));
            assertTrue(masked.output().contains("file=/proc/sys/kernel/domainname reached=core_pattern"), masked.output());
            // the same through io_uring: the submit is sent by its name (a sysctl no rule names), the completion by the file
            Alert maskedRing = expect(box, "core-pattern", "io_uring_submit", bw("io-uring-open", "/proc/sys/kernel/domainname"));
            assertEquals(Boolean.TRUE, maskedRing.event().syscall().args().get("redirected"), maskedRing.output());
        } finally {
            box.exec("/bin/sh", "-c", "umount /proc/sys/kernel/domainname; umount /tmp/f; rm -f /tmp/cp /tmp/f");
        }
        // by its own name: the same rule, not redirected
        Alert own = expect(box, "core-pattern", "open", bw("open-write", cp));
        assertEquals(Boolean.FALSE, own.event().syscall().args().get("redirected"), own.output());
        // through io_uring by its own name: judged at the submit, and its completion adds nothing
        long t0 = Scenarios.now();
        expect(box, "core-pattern", "io_uring_submit", bw("io-uring-open", cp));
        List<Alert> ringOwn = Scenarios.warnings(box, t0);
        assertEquals(1, ringOwn.size(), () -> "one alert for one io_uring write by its own name: " + ringOwn);
    }
}
