package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every escape signal the kernel side watches, triggered for real inside a runc container by
 * the static helper bwtrigger, must arrive decoded, paired with its result, and attributed to
 * the container's cgroup. Attempts that fail (EPERM, ENOSYS) are events too.
 */
@Tag("containers")
@Timeout(120)
class SensorSignalsTest {
    static LiveSensor sensor;
    static RuncContainer box;

    @BeforeAll
    static void start() {
        sensor = LiveSensor.get(TestContainers.resolver());
        box = RuncContainer.builder().start();
    }

    @AfterAll
    static void stop() {
        if (box != null) {
            box.close();
        }
    }

    private SensorEvent trigger(String syscall, Predicate<Map<String, Object>> args, String... argv) {
        String[] cmd = new String[argv.length + 1];
        cmd[0] = "/bin/bwtrigger";
        System.arraycopy(argv, 0, cmd, 1, argv.length);
        RuncContainer.ExecResult r = box.exec(cmd);
        assertEquals(0, r.exitCode(), "bwtrigger " + String.join(" ", argv) + ": " + r.output());
        long cg = box.cgroupId();
        return sensor.await(syscall, cg, e -> e.process().cgroupId() == cg && e.syscall().name().equals(syscall)
                && args.test(e.syscall().args()));
    }

    private static void assertContained(SensorEvent e) {
        assertNotNull(e.container(), "attributed to a container: " + e.process());
        assertEquals(box.id(), e.container().id());
        assertEquals("runc", e.container().runtime());
        assertNotEquals(1, e.process().pid(), "host pid expected, not the container's view");
        assertTrue(e.process().vpid() > 0);
        assertNotEquals(Probe.nsInode("mnt"), e.process().ns().mnt(), "container mount namespace");
        assertTrue(e.time() > 1_700_000_000_000_000_000L, "wall-clock ns");
        assertFalse(e.process().runtimeWork(), "bwtrigger is not the runtime's own work");
    }

    @Test
    void unshareNewUserIsSeenWithFlagsAndResult() {
        SensorEvent e = trigger("unshare", a -> "CLONE_NEWUSER".equals(a.get("flags")), "unshare-user");
        assertContained(e);
        assertEquals("bwtrigger", e.process().comm());
        assertTrue(e.process().exe().endsWith("bwtrigger"), e.process().exe());
    }

    @Test
    void clone3WithNamespaceFlagsIsSeen() {
        SensorEvent e = trigger("clone3", a -> String.valueOf(a.get("flags")).contains("CLONE_NEWUSER"), "clone3-newuser");
        assertContained(e);
    }

    @Test
    void setnsIntoHostNamespaceIsMarkedHostEvenWhenDenied() {
        // hostPid is not set: /proc/1 is the container's init, so use its own ns (not host).
        SensorEvent e = trigger("setns", a -> "mnt".equals(a.get("ns_type")), "setns", "/proc/self/ns/mnt");
        assertEquals(Boolean.FALSE, e.syscall().args().get("ns_host"));
        assertEquals(e.process().ns().mnt(), ((Number) e.syscall().args().get("ns_inum")).longValue());
        assertTrue(e.syscall().result() < 0, "default caps cannot setns: " + e.syscall());
        assertEquals("EPERM", e.syscall().errno());
    }

    @Test
    void writeOpenOfCorePatternIsSeenThroughOpenOpenatOpenat2AndIoUring() {
        String p = "/proc/sys/kernel/core_pattern";
        SensorEvent a = trigger("open", m -> p.equals(m.get("path")), "open-write", p);
        assertTrue(String.valueOf(a.syscall().args().get("flags")).contains("O_WRONLY"));
        assertTrue(a.syscall().result() < 0, "read-only /proc/sys in a default container");
        trigger("openat", m -> p.equals(m.get("path")), "openat-write", p);
        trigger("openat2", m -> p.equals(m.get("path")), "openat2-write", p);
        SensorEvent u = trigger("io_uring_submit", m -> p.equals(m.get("path")), "io-uring-open", p);
        assertEquals("OPENAT", u.syscall().args().get("opcode"));
    }

    @Test
    void releaseAgentByRelativePathPassesTheKernelFilter() {
        SensorEvent e = trigger("openat", m -> "release_agent".equals(m.get("path")), "openat-write", "release_agent");
        assertContained(e);
    }

    @Test
    void ordinaryOpensAreFilteredInTheKernel() {
        box.exec("/bin/bwtrigger", "openat-write", "/tmp/ordinary-file");
        trigger("unshare", a -> "CLONE_NEWNS".equals(a.get("flags")), "unshare-ns");
        assertTrue(sensor.all(e -> "/tmp/ordinary-file".equals(e.syscall().args().get("path"))).isEmpty(),
                "an ordinary /tmp write must not cross the ring buffer");
    }

    @Test
    void mountFamilyIsSeen() {
        SensorEvent m = trigger("mount", a -> "cgroup".equals(a.get("fstype")), "mount", "cgroup", "/mnt", "cgroup");
        assertEquals("/mnt", m.syscall().args().get("target"));
        trigger("fsopen", a -> "cgroup".equals(a.get("fsname")), "fsopen", "cgroup");
        trigger("open_tree", a -> "/".equals(a.get("path")), "open-tree", "/");
    }

    @Test
    void chrootPtraceAndProcessVmWritevAreSeen() {
        trigger("chroot", a -> "/tmp".equals(a.get("path")), "chroot", "/tmp");
        SensorEvent p = trigger("ptrace", a -> "PTRACE_ATTACH".equals(a.get("request")), "ptrace-attach", "1");
        assertEquals(1, p.syscall().args().get("pid"));
        trigger("process_vm_writev", a -> Integer.valueOf(1).equals(a.get("pid")), "process-vm-writev", "1");
    }

    @Test
    void bpfAndModuleLoadingAreSeenWithTheirFailure() {
        SensorEvent b = trigger("bpf", a -> "BPF_PROG_LOAD".equals(a.get("cmd")), "bpf-prog-load");
        assertTrue(b.syscall().result() < 0, "a default container cannot load BPF");
        SensorEvent f = trigger("finit_module", a -> true, "finit-module");
        assertTrue(f.syscall().result() < 0);
        trigger("init_module", a -> true, "init-module");
    }

    @Test
    void fileAndDeviceDoorsAreSeen() {
        SensorEvent m = trigger("mknod", a -> "/tmp/sda".equals(a.get("path")), "mknod-blk", "/tmp/sda");
        assertEquals("S_IFBLK|0600", m.syscall().args().get("mode"));
        assertEquals("8:0", m.syscall().args().get("dev"));
        trigger("symlink", a -> "/etc/shadow".equals(a.get("target")), "symlink", "/etc/shadow", "/tmp/link");
        trigger("open_by_handle_at", a -> true, "open-by-handle");
        trigger("userfaultfd", a -> true, "userfaultfd");
        trigger("memfd_create", a -> "payload".equals(a.get("name")), "memfd-create", "payload");
    }

    @Test
    void socketDoorsAreSeen() {
        SensorEvent u = trigger("connect", a -> "/run/docker.sock".equals(a.get("path")), "connect-unix", "/run/docker.sock");
        assertEquals("AF_UNIX", u.syscall().args().get("family"));
        trigger("connect", a -> "@/containerd-shim/x.sock".equals(a.get("path")), "connect-unix", "@/containerd-shim/x.sock");
        SensorEvent t = trigger("connect", a -> Integer.valueOf(2375).equals(a.get("port")), "connect-tcp", "127.0.0.1", "2375");
        assertEquals("127.0.0.1", t.syscall().args().get("addr"));
        trigger("connect", a -> "169.254.169.254".equals(a.get("addr")), "connect-tcp", "169.254.169.254", "80");
        trigger("socket", a -> "AF_PACKET".equals(a.get("domain")), "packet-socket");
        SensorEvent d = trigger("dup2", a -> Integer.valueOf(1).equals(a.get("newfd")), "dup2-socket");
        assertEquals("socket", d.syscall().args().get("oldfd_type"));
        SensorEvent s = trigger("splice", a -> true, "splice", "/etc/passwd");
        assertEquals("pipe", s.syscall().args().get("out_type"));
    }

    @Test
    void privilegeChangesAreSeen() {
        trigger("setuid", a -> Integer.valueOf(0).equals(a.get("uid")), "setuid", "0");
        trigger("capset", a -> true, "capset");
    }

    @Test
    void execCarriesArgvAndFeedsTheProcessTable() {
        box.exec("/bin/bwtrigger", "sleep", "0");
        long cg = box.cgroupId();
        SensorEvent e = sensor.await("execve", cg, ev -> ev.process().cgroupId() == cg && ev.syscall().name().equals("execve")
                && "/bin/bwtrigger".equals(ev.syscall().args().get("filename"))
                && String.valueOf(ev.syscall().args().get("argv")).contains("sleep"));
        assertEquals("/bin/bwtrigger", e.syscall().args().get("filename"));
        assertEquals(java.util.List.of("sleep", "0"), e.process().args());
    }

    @Test
    void runcExecSetupIsRuntimeWorkAndTheCommandIsNot() {
        long t0 = System.currentTimeMillis() * 1_000_000L;
        box.exec("/bin/bwtrigger", "unshare-ns");
        // runc exec's init joins the container's namespaces with setns before it executes the
        // command; it may still sit in the host's cgroup then, so match on lineage, not cgroup.
        SensorEvent setns = sensor.await("runtime setns", box.cgroupId(), ev -> ev.time() > t0 && ev.syscall().name().equals("setns")
                && ev.process().ancestors().stream().anyMatch(a -> a.exe() != null && a.exe().endsWith("runc")));
        assertTrue(setns.process().runtimeWork(), "setns by runc init must be marked as runtime work: " + setns.process());
        long cg = box.cgroupId();
        SensorEvent cmd = sensor.await("command unshare", cg, ev -> ev.time() > t0 && ev.process().cgroupId() == cg
                && ev.syscall().name().equals("unshare") && "CLONE_NEWNS".equals(ev.syscall().args().get("flags")));
        assertFalse(cmd.process().runtimeWork(), "the exec'd command is the container's, not the runtime's");
    }

    @Test
    void setnsTowardsAHostProcessIsMarkedHostThroughNsFilesAndPidfds() throws Exception {
        // PID 1 here is an agent that cannot be opened: target a helper host process instead.
        Process host = new ProcessBuilder("sleep", "600").start();
        try (RuncContainer hp = RuncContainer.builder().privileged().hostPid().start()) {
            String pid = Long.toString(host.pid());
            long cg = hp.cgroupId();
            RuncContainer.ExecResult r = hp.exec("/bin/bwtrigger", "setns", "/proc/" + pid + "/ns/mnt");
            assertEquals(0, r.exitCode(), r.output());
            SensorEvent viaFile = sensor.await("setns via ns file", cg, ev -> ev.process().cgroupId() == cg
                    && ev.syscall().name().equals("setns") && "mnt".equals(ev.syscall().args().get("ns_type")));
            assertEquals(Boolean.TRUE, viaFile.syscall().args().get("ns_host"), "target is the host's mount namespace: " + viaFile.syscall());
            r = hp.exec("/bin/bwtrigger", "pidfd-setns", pid);
            assertEquals(0, r.exitCode(), r.output());
            SensorEvent viaPidfd = sensor.await("setns via pidfd", cg, ev -> ev.process().cgroupId() == cg
                    && ev.syscall().name().equals("setns") && "pidfd".equals(ev.syscall().args().get("fd_name")));
            assertEquals((int) host.pid(), viaPidfd.syscall().args().get("target_pid"));
            assertEquals(Boolean.TRUE, viaPidfd.syscall().args().get("ns_host"), viaPidfd.syscall().toString());
        } finally {
            host.destroyForcibly();
        }
    }

    @Test
    void aBinaryNamedRuncInsideAContainerIsNotRuntimeWork() {
        Path helper = Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"), "bwtrigger");
        try (RuncContainer fake = RuncContainer.builder().withFile("/usr/local/bin/runc", helper).start()) {
            long t0 = System.currentTimeMillis() * 1_000_000L;
            RuncContainer.ExecResult r = fake.exec("/usr/local/bin/runc", "unshare-user");
            assertEquals(0, r.exitCode(), r.output());
            long cg = fake.cgroupId();
            SensorEvent e = sensor.await("unshare by a fake runc", cg, ev -> ev.time() > t0 && ev.process().cgroupId() == cg
                    && ev.syscall().name().equals("unshare") && "CLONE_NEWUSER".equals(ev.syscall().args().get("flags")));
            assertFalse(e.process().runtimeWork(), "a container process cannot claim to be the runtime by its name: " + e.process());
        }
    }

    @Test
    void hostProcessIsNotAttributedToAContainer() throws Exception {
        Process p = new ProcessBuilder("unshare", "--user", "true").start();
        assertEquals(0, p.waitFor());
        long pid = p.pid();
        SensorEvent e = sensor.await("host unshare", 1, ev -> ev.process().pid() == pid && ev.syscall().name().equals("unshare"));
        assertEquals(null, e.container(), "a host process has no container");
        assertEquals(Probe.nsInode("mnt"), e.process().ns().mnt());
    }
}
