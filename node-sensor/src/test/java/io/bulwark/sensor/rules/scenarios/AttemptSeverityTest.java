package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The other side of issue 16's recon twins: where the attempt can succeed it keeps its priority. A privileged
 * container makes a block device node, mounts cgroup v1 and binfmt_misc, opens kernel memory and calls
 * open_by_handle_at; an unprivileged container given only CAP_DAC_READ_SEARCH calls open_by_handle_at (shocker's
 * setup); an ordinary container with the runtime's socket bound in connects to it; a container given CAP_NET_RAW,
 * CAP_SYS_PTRACE and CAP_SYS_CHROOT (Docker's set has the first and last) makes a packet socket and a userfaultfd
 * and chroots. The NOTICE side (the same calls from an ordinary container, refused or absent) is in
 * DefaultContainerEscapeTest, LeakedPidfdTest and CompatSyscallTest; the NOTICE side that needs a configuration of its
 * own is here: a host-pid container without capabilities trying nsenter -t 1 by pidfd and the host init's environ, and
 * a user namespace refused to a chrooted process. ReconSeverityRulesTest has both sides on built events.
 */
@Tag("containers")
@Timeout(180)
class AttemptSeverityTest {

    private static Alert attempt(RuncContainer box, String vector, String syscall, String rule, Priority priority, String... argv) {
        Alert a = Scenarios.expect(box, vector, syscall, argv);
        System.out.println("alert: " + a);
        assertEquals(rule, a.rule(), a.output());
        assertEquals(priority, a.priority(), a.output());
        return a;
    }

    @Test
    void aPrivilegedContainerKeepsTheAttemptPriorities() throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().privileged().start()) {
            Alert node = attempt(box, "device-cgroup-mknod", "mknod", "Block Device Node Created In Container", Priority.ERROR,
                    bw("mknod-blk", "/tmp/sda"));
            assertTrue(node.output().contains("res=SUCCESS"), node.output());
            attempt(box, "device-cgroup-mknod", "mknodat", "Block Device Node Created In Container", Priority.ERROR,
                    bw("mknodat-blk", "/tmp/sdb"));

            // /dev/mem: this kernel may lack CONFIG_DEVMEM (then 1:1 has no driver and every open fails with ENXIO,
            // rightly recon); the null device (1:3) under the name /dev/mem then stands in for a /dev/mem that opens
            String memDev = Files.exists(Path.of("/sys/dev/char/1:1")) ? "1 1" : "1 3";
            assertEquals(0, box.exec(sh("mknod /dev/mem c " + memDev)).exitCode());
            Alert mem = attempt(box, "kernel-memory-read", "open", "Kernel Memory Opened From Container", Priority.CRITICAL,
                    bw("open-read", "/dev/mem"));
            assertTrue(mem.output().contains("res=SUCCESS"), mem.output());

            // mount(2) of cgroup v1 here may succeed or fail with EBUSY (the host's v1 hierarchies): either stays ERROR
            attempt(box, "cgroup-release-agent", "mount", "Cgroup File System Mounted In Container", Priority.ERROR,
                    bw("mount", "cgroup", "/tmp", "cgroup"));
            attempt(box, "cgroup-release-agent", "fsopen", "Cgroup File System Mounted In Container", Priority.ERROR,
                    bw("fsopen", "cgroup"));
            Alert binfmt = attempt(box, "usermode-helper", "mount", "Binfmt Misc Mounted In Container", Priority.ERROR,
                    bw("mount", "binfmt_misc", "/tmp", "binfmt_misc"));
            assertTrue(binfmt.output().contains("res=SUCCESS"), binfmt.output());
            attempt(box, "usermode-helper", "fsopen", "Binfmt Misc Mounted In Container", Priority.ERROR, bw("fsopen", "binfmt_misc"));

            attempt(box, "open-by-handle", "open_by_handle_at", "Open By Handle In Container", Priority.CRITICAL, bw("open-by-handle"));

            // CAP_BPF and CAP_SYS_ADMIN: a map is made (ERROR whatever the program's verdict)
            Alert map = attempt(box, "bpf-load", "bpf", "BPF Program Or Map Created In Container", Priority.ERROR, bw("bpf-map-create"));
            assertTrue(map.output().contains("res=SUCCESS"), map.output());
            // CAP_SYS_MODULE: seen at entry, CRITICAL whatever the result (this kernel may be built without modules)
            attempt(box, "kernel-module", "finit_module", "Kernel Module Loaded From Container", Priority.CRITICAL, bw("finit-module"));

            // /dev/userfaultfd (Linux 6.1+), the node made with the host's numbers: opened, WARNING
            Path uffdDev = Path.of("/sys/class/misc/userfaultfd/dev");
            if (Files.exists(uffdDev)) {
                String[] mm = Files.readString(uffdDev).strip().split(":");
                assertEquals(0, box.exec(sh("[ -e /dev/userfaultfd ] || mknod /dev/userfaultfd c " + mm[0] + " " + mm[1])).exitCode());
                Alert uffd = attempt(box, "userfaultfd", "open", "Userfaultfd Created In Container", Priority.WARNING,
                        bw("open-read", "/dev/userfaultfd"));
                assertTrue(uffd.output().contains("res=SUCCESS"), uffd.output());
            }
        }
    }

    @Test
    void openByHandleWithCapDacReadSearchIsCriticalWhateverTheGuessesResult() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().capAdd("CAP_DAC_READ_SEARCH").start()) {
            Alert a = attempt(box, "open-by-handle", "open_by_handle_at", "Open By Handle In Container", Priority.CRITICAL,
                    bw("open-by-handle"));
            assertTrue(!a.output().contains("res=EPERM"), "the capability passes the kernel's check: " + a.output());
        }
    }

    /** A recon twin's alert of {@code vector} on {@code syscall}, and nothing of that vector at WARNING or above. */
    private static Alert recon(RuncContainer box, String vector, String syscall, String rule, String... argv) {
        long t0 = Scenarios.now();
        assertEquals(0, box.exec(argv).exitCode());
        Alert a = Scenarios.await(box, t0, rule + " on " + syscall, x -> vector.equals(x.vector()) && x.event().syscall().name().equals(syscall));
        System.out.println("alert: " + a);
        assertEquals(rule, a.rule(), a.output());
        assertEquals(Priority.NOTICE, a.priority(), a.output());
        assertTrue(a.event().container() != null && box.id().equals(a.event().container().id()), a.output());
        Scenarios.sleep(150);
        assertTrue(Scenarios.alerts(box, t0).stream().noneMatch(x -> x.atLeastWarning() && vector.equals(x.vector())),
                () -> "recon is not an attempt: " + Scenarios.alerts(box, t0));
        return a;
    }

    @Test
    void capabilitiesTheKernelDemandsKeepTheAttemptPriorities() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().capAdd("CAP_NET_RAW").capAdd("CAP_SYS_PTRACE").capAdd("CAP_SYS_CHROOT").start()) {
            Alert pkt = attempt(box, "packet-socket", "socket", "Packet Socket Created In Container", Priority.WARNING, bw("packet-socket"));
            assertTrue(pkt.output().contains("res=SUCCESS"), pkt.output());
            Alert uffd = attempt(box, "userfaultfd", "userfaultfd", "Userfaultfd Created In Container", Priority.WARNING, bw("userfaultfd"));
            assertTrue(uffd.output().contains("res=SUCCESS"), uffd.output());
            Alert chroot = attempt(box, "host-chroot", "chroot", "Chroot In Container", Priority.WARNING, bw("chroot", "/tmp"));
            assertTrue(chroot.output().contains("res=SUCCESS"), chroot.output());

            // a chrooted process may not make a user namespace (EPERM whatever the sysctls): recon, and the chroot
            // itself is the WARNING above
            assertEquals(0, box.exec(sh("mkdir -p /tmp/r/bin && cp /bin/bwtrigger /tmp/r/bin/")).exitCode());
            Alert userns = recon(box, "userns-create", "unshare", "User Namespace Creation Refused In Container",
                    "/bin/busybox", "chroot", "/tmp/r", "/bin/bwtrigger", "unshare-user");
            assertTrue(userns.output().contains("res=EPERM"), userns.output());
            // the same unshare outside the chroot makes the namespace: WARNING
            Alert made = attempt(box, "userns-create", "unshare", "User Namespace Created In Container", Priority.WARNING, bw("unshare-user"));
            assertTrue(made.output().contains("res=SUCCESS"), made.output());
        }
    }

    @Test
    void aHostPidContainerWithoutCapabilitiesOnlyProbesTheHostsProcesses() {
        Scenarios.sensor();
        Scenarios.engine();
        try (RuncContainer box = RuncContainer.builder().hostPid().start()) {
            // nsenter -t 1 by pidfd: pidfd_open needs nothing, setns needs CAP_SYS_ADMIN (EPERM)
            Alert ns = recon(box, "ns-enter-host", "setns", "Namespace Entry Refused In Container", bw("pidfd-setns", "1"));
            assertTrue(ns.output().contains("res=EPERM"), ns.output());
            // the host init's environ and root: the ptrace read check refuses a process without its capabilities
            Alert env = recon(box, "host-proc-access", "open", "Host Process Root Or Environment Refused In Container",
                    bw("open-read", "/proc/1/environ"));
            assertTrue(env.output().contains("res=EACCES"), env.output());
            recon(box, "host-proc-access", "open", "Host Process Root Or Environment Refused In Container",
                    bw("open-read", "/proc/1/root/etc/hostname"));
        }
    }

    @Test
    void aRuntimeSocketBoundIntoTheContainerIsCritical() throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        // a listening unix socket named like docker's, on the host, bound into the container (docker.sock mounted
        // into a CI job): the connect succeeds (the backlog takes it; nothing needs to accept)
        Path dir = Files.createTempDirectory("bw-runtime-sock-");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("docker.sock")));
            try (RuncContainer box = RuncContainer.builder().bind(dir, "/hostrun", false).start()) {
                Alert a = attempt(box, "runtime-socket", "connect", "Container Runtime Socket Contacted From Container", Priority.CRITICAL,
                        bw("connect-unix", "/hostrun/docker.sock"));
                assertTrue(a.output().contains("res=SUCCESS") && a.output().contains("socket=/hostrun/docker.sock"), a.output());
            }
        } finally {
            Scenarios.deleteTree(dir);
        }
    }
}
