package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.fired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.contract.SensorEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's lens, "recon is not an attempt", on block-device mknod, kernel memory opens, open_by_handle_at,
 * runtime-socket connects, cgroup / binfmt_misc mounts, kernel modules, bpf(2), setns, user namespaces, ptrace,
 * /proc/N/mem, process_vm_writev, host /proc entries, userfaultfd, packet sockets, node credentials and chroot: an attempt that cannot succeed as the container is
 * configured (refused, absent, or without the capability the kernel demands) is the NOTICE twin, tagged recon,
 * with the same vector; a success or an attempt by a process that holds what it needs keeps its priority. The
 * same two sides run for real in scenarios.DefaultContainerEscapeTest (ordinary container) and
 * scenarios.AttemptSeverityTest (privileged, capable, socket present).
 */
class ReconSeverityRulesTest {
    private static final RuleEngine ENGINE = RuleTesting.engine(shipped());
    static final long CAP_DAC_READ_SEARCH = 1L << 2;
    static final long CAP_SYS_RAWIO = 1L << 17;
    static final long CAP_MKNOD = 1L << 27;
    static final long CAP_NET_RAW = 1L << 13;
    static final long CAP_SYS_CHROOT = 1L << 18;
    static final long CAP_SYS_PTRACE = 1L << 19;

    private static String shipped() {
        try (InputStream in = ReconSeverityRulesTest.class.getClassLoader().getResourceAsStream("rules/bulwark_escape_rules.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The one rule the event fires, and its priority; the recon twin also carries the tag. */
    private static Priority only(SensorEvent e, String rule) {
        List<String> f = fired(ENGINE, e);
        assertEquals(List.of(rule), f);
        RuleMatch m = ENGINE.evaluate(e).get(0);
        assertEquals(m.rule().priority() == Priority.NOTICE, m.rule().tags().contains("recon"), () -> m.rule().tags().toString());
        return m.rule().priority();
    }

    static Ev mknod(String mode, String dev) {
        return Ev.of("mknod").arg("path", "/tmp/x").arg("mode", mode).arg("dev", dev).result(0, null);
    }

    static Ev connect(String path) {
        return Ev.of("connect").arg("fd", 3).arg("family", "AF_UNIX").arg("path", path).result(0, null);
    }

    static Ev openByHandle() {
        return Ev.of("open_by_handle_at").arg("mountdirfd", 3).arg("flags", "O_RDONLY").result(4, null);
    }

    @Test
    void blockDeviceMknod() {
        String crit = "Block Device Node Created In Container";
        String recon = "Block Device Node Creation Refused In Container";
        // an ordinary container: no CAP_MKNOD, refused
        assertEquals(Priority.NOTICE, only(mknod("S_IFBLK|0600", "8:0").result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(mknod("S_IFCHR|0600", "1:1").result(-1, "EPERM").build(), recon));
        // no capability: any failure is recon (the path lookup fails before the capability check)
        assertEquals(Priority.NOTICE, only(mknod("S_IFBLK|0600", "8:0").result(-1, "ENOENT").build(), recon));
        // the capability, but the device cgroup (or a user namespace) refused it
        assertEquals(Priority.NOTICE, only(mknod("S_IFBLK|0600", "8:0").result(-1, "EPERM").caps(CAP_MKNOD).build(), recon));
        // made: ERROR, with or without privilege
        assertEquals(Priority.ERROR, only(mknod("S_IFBLK|0600", "8:0").caps(CAP_MKNOD).build(), crit));
        assertEquals(Priority.ERROR, only(mknod("S_IFCHR|0600", "1:4").privileged().caps(-1L).build(), crit));
        // a capable process failing for its path: the next path will do
        assertEquals(Priority.ERROR, only(mknod("S_IFBLK|0600", "8:0").result(-1, "EEXIST").caps(CAP_MKNOD).build(), crit));
        // not a host device: neither
        assertEquals(List.of(), fired(ENGINE, mknod("S_IFCHR|0600", "1:3").build()));
    }

    @Test
    void kernelMemoryOpens() {
        String crit = "Kernel Memory Opened From Container";
        String recon = "Kernel Memory Probed From Container";
        for (String errno : List.of("ENOENT", "ENXIO", "ENODEV", "EPERM", "EACCES")) {
            assertEquals(Priority.NOTICE, only(Ev.open("/dev/mem", "O_RDONLY").result(-1, errno).caps(CAP_SYS_RAWIO).build(), recon), errno);
        }
        // a success without CAP_SYS_RAWIO opened what masks the path (runc binds /dev/null over /proc/kcore)
        assertEquals(Priority.NOTICE, only(Ev.open("/proc/kcore", "O_RDONLY").build(), recon));
        // io_uring: no result at submit, but without CAP_SYS_RAWIO the worker's open is refused too
        assertEquals(Priority.NOTICE, only(Ev.of("io_uring_submit").arg("opcode", "OPENAT").arg("path", "/dev/port")
                .arg("name", "/dev/port").arg("flags", "O_RDWR").result(1, null).build(), recon));
        assertEquals(Priority.CRITICAL, only(Ev.open("/proc/kcore", "O_RDONLY").caps(CAP_SYS_RAWIO).build(), crit));
        assertEquals(Priority.CRITICAL, only(Ev.open("/dev/mem", "O_RDWR").privileged().caps(-1L).build(), crit));
        assertEquals(Priority.CRITICAL, only(Ev.of("io_uring_submit").arg("opcode", "OPENAT").arg("path", "/dev/port")
                .arg("name", "/dev/port").arg("flags", "O_RDWR").result(1, null).caps(CAP_SYS_RAWIO).build(), crit));
    }

    @Test
    void openByHandleAt() {
        String crit = "Open By Handle In Container";
        String recon = "Open By Handle Without Capability In Container";
        assertEquals(Priority.NOTICE, only(openByHandle().result(-1, "EPERM").build(), recon));
        // Linux 6.12+ decodes handles under the caller's own root without the capability: still confined
        assertEquals(Priority.NOTICE, only(openByHandle().build(), recon));
        // with CAP_DAC_READ_SEARCH a failed guess is part of the brute force: CRITICAL whatever the result
        assertEquals(Priority.CRITICAL, only(openByHandle().caps(CAP_DAC_READ_SEARCH).build(), crit));
        assertEquals(Priority.CRITICAL, only(openByHandle().result(-1, "ESTALE").caps(CAP_DAC_READ_SEARCH).build(), crit));
        assertEquals(Priority.CRITICAL, only(openByHandle().result(-1, "EINVAL").privileged().caps(-1L).build(), crit));
    }

    @Test
    void runtimeSocketConnects() {
        String crit = "Container Runtime Socket Contacted From Container";
        String recon = "Container Runtime Socket Probed From Container";
        assertEquals(Priority.NOTICE, only(connect("/var/run/docker.sock").result(-1, "ENOENT").build(), recon));
        assertEquals(Priority.NOTICE, only(connect("/run/containerd/containerd.sock").result(-1, "ENOENT").build(), recon));
        RuleMatch m = ENGINE.evaluate(connect("/run/crio/crio.sock").result(-1, "ENOENT").build()).get(0);
        assertEquals("runtime-socket", m.rule().vector());
        assertTrue(m.output().contains("res=ENOENT") && m.output().contains("socket=/run/crio/crio.sock"), m.output());
        // present: connected, refused by permissions (another user may pass), or nobody listening yet
        assertEquals(Priority.CRITICAL, only(connect("/var/run/docker.sock").build(), crit));
        assertEquals(Priority.CRITICAL, only(connect("/var/run/docker.sock").result(-1, "EACCES").build(), crit));
        assertEquals(Priority.CRITICAL, only(connect("/var/run/docker.sock").result(-1, "ECONNREFUSED").build(), crit));
        // io_uring CONNECT: no result at submit
        assertEquals(Priority.CRITICAL, only(Ev.of("io_uring_submit").arg("opcode", "CONNECT").arg("fd", 3).arg("family", "AF_UNIX")
                .arg("path", "/var/run/docker.sock").result(1, null).build(), crit));
    }

    @Test
    void kernelModulesByCapability() {
        String crit = "Kernel Module Loaded From Container";
        String recon = "Kernel Module Load Refused In Container";
        for (String t : List.of("init_module", "finit_module", "delete_module")) {
            // seen at entry: the capability decides, whatever result the event carries
            assertEquals(Priority.NOTICE, only(Ev.of(t).build(), recon), t);
            assertEquals(Priority.NOTICE, only(Ev.of(t).result(-1, "EPERM").caps(Ev.CAP_SYS_ADMIN).build(), recon), t);
            assertEquals(Priority.CRITICAL, only(Ev.of(t).caps(Ev.CAP_SYS_MODULE).build(), crit), t);
            assertEquals(Priority.CRITICAL, only(Ev.of(t).result(-1, "ENOSYS").privileged().caps(-1L).build(), crit), t);
        }
    }

    @Test
    void bpfLoads() {
        String crit = "BPF Program Or Map Created In Container";
        String recon = "BPF Load Refused In Container";
        Ev prog = Ev.of("bpf").arg("cmd", "BPF_PROG_LOAD");
        assertEquals(Priority.NOTICE, only(prog.result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(Ev.of("bpf").arg("cmd", "BPF_MAP_CREATE").result(-1, "EACCES").build(), recon));
        // loaded without capabilities (unprivileged BPF on): it worked, ERROR
        assertEquals(Priority.ERROR, only(Ev.of("bpf").arg("cmd", "BPF_PROG_LOAD").result(3, null).build(), crit));
        // refused for a process holding CAP_BPF or CAP_SYS_ADMIN: another program type may pass, ERROR
        assertEquals(Priority.ERROR, only(Ev.of("bpf").arg("cmd", "BPF_PROG_LOAD").result(-1, "EPERM").caps(1L << 39).build(), crit));
        assertEquals(Priority.ERROR, only(Ev.of("bpf").arg("cmd", "BPF_LINK_CREATE").result(-1, "EPERM").caps(Ev.CAP_SYS_ADMIN).build(), crit));
        // the verifier's refusal (EINVAL) is not the capability's
        assertEquals(Priority.ERROR, only(Ev.of("bpf").arg("cmd", "BPF_PROG_LOAD").result(-1, "EINVAL").build(), crit));
    }

    @Test
    void cgroupAndBinfmtMiscMounts() {
        for (String fs : List.of("cgroup", "binfmt_misc")) {
            String crit = fs.equals("cgroup") ? "Cgroup File System Mounted In Container" : "Binfmt Misc Mounted In Container";
            String recon = fs.equals("cgroup") ? "Cgroup File System Mount Refused In Container" : "Binfmt Misc Mount Refused In Container";
            Ev mount = HostDeviceMountSeverityRulesTest.mount(fs, fs);
            Ev fsopen = HostDeviceMountSeverityRulesTest.fsopen(fs);
            for (String errno : List.of("EPERM", "EACCES", "ENOENT", "ENODEV")) {
                assertEquals(Priority.NOTICE, only(HostDeviceMountSeverityRulesTest.mount(fs, fs).result(-1, errno).build(), recon), fs + " " + errno);
                assertEquals(Priority.NOTICE, only(HostDeviceMountSeverityRulesTest.fsopen(fs).result(-1, errno).build(), recon), fs + " " + errno);
            }
            assertEquals(Priority.ERROR, only(mount.build(), crit), fs);
            assertEquals(Priority.ERROR, only(fsopen.build(), crit), fs);
            // refused, but the process could mount (CAP_SYS_ADMIN: after unshare of a user namespace, CVE-2022-0492)
            assertEquals(Priority.ERROR, only(HostDeviceMountSeverityRulesTest.mount(fs, fs).result(-1, "EPERM")
                    .caps(Ev.CAP_SYS_ADMIN).build(), crit), fs);
            assertEquals(Priority.ERROR, only(HostDeviceMountSeverityRulesTest.fsopen(fs).result(-1, "EPERM").privileged().build(), crit), fs);
            // a result that does not prove the mount impossible
            assertEquals(Priority.ERROR, only(HostDeviceMountSeverityRulesTest.mount(fs, fs).result(-1, "EBUSY").build(), crit), fs);
        }
    }

    static Ev setns(boolean nsHost, long nsInum) {
        Ev e = Ev.of("setns").arg("fd", 3).arg("nstype", 0).arg("ns_inum", nsInum).arg("ns_host", nsHost).result(0, null);
        return nsInum == 0 ? e : e.arg("ns_type", "mnt");
    }

    @Test
    void namespaceEntries() {
        String recon = "Namespace Entry Refused In Container";
        // nsenter -t 1 by nsfs descriptor, or a pidfd of a host process, refused without CAP_SYS_ADMIN
        assertEquals(Priority.NOTICE, only(setns(true, 4026531840L).result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(setns(true, 0).arg("target_pid", 1).result(-1, "EPERM").build(), recon));
        // a host-pid container's pidfd of a host process, another container's process, its own: all refused
        assertEquals(Priority.NOTICE, only(setns(false, 0).vpid(4242).result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(setns(false, 0).arg("target_other_mnt_ns", true).result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(setns(false, 0).result(-1, "EPERM").build(), recon));
        RuleMatch m = ENGINE.evaluate(setns(true, 0).arg("target_pid", 1).result(-1, "EPERM").build()).get(0);
        assertEquals("ns-enter-host", m.rule().vector());
        assertTrue(m.output().contains("res=EPERM") && m.output().contains("target_pid=1"), m.output());
        // joined, or refused to a process holding CAP_SYS_ADMIN (it may lack only CAP_SYS_CHROOT), or privileged
        assertEquals(Priority.CRITICAL, only(setns(true, 4026531840L).build(), "Host Namespace Entered From Container"));
        assertEquals(Priority.CRITICAL, only(setns(true, 0).result(-1, "EPERM").caps(Ev.CAP_SYS_ADMIN).build(),
                "Host Namespace Entered From Container"));
        assertEquals(Priority.CRITICAL, only(setns(false, 0).vpid(4242).result(-1, "EPERM").privileged().build(),
                "Host Process Namespaces Entered By Pidfd From Container"));
        assertEquals(Priority.ERROR, only(setns(false, 0).arg("target_other_mnt_ns", true).caps(Ev.CAP_SYS_ADMIN).build(),
                "Other Container Namespaces Entered By Pidfd From Container"));
        assertEquals(Priority.WARNING, only(setns(false, 0).caps(Ev.CAP_SYS_ADMIN).build(), "Namespaces Entered By Pidfd In Container"));
        // a container's own namespace by nsfs descriptor: neither
        assertEquals(List.of(), fired(ENGINE, setns(false, 4026532000L).result(-1, "EPERM").build()));
    }

    @Test
    void userNamespaces() {
        String crit = "User Namespace Created In Container";
        String recon = "User Namespace Creation Refused In Container";
        for (String t : List.of("unshare", "clone", "clone3")) {
            for (String errno : List.of("EPERM", "EACCES", "ENOSPC", "EUSERS")) {
                assertEquals(Priority.NOTICE, only(Ev.of(t).arg("flags", "CLONE_NEWUSER").result(-1, errno).build(), recon), t + " " + errno);
            }
            assertEquals(Priority.WARNING, only(Ev.of(t).arg("flags", "CLONE_NEWUSER").build(), crit), t);
            // CAP_SYS_ADMIN passes the sysctls and LSMs that refuse unprivileged user namespaces
            assertEquals(Priority.WARNING, only(Ev.of(t).arg("flags", "CLONE_NEWUSER").result(-1, "EPERM").caps(Ev.CAP_SYS_ADMIN).build(), crit), t);
            // not a refusal (CLONE_NEWUSER with CLONE_FS, a threaded caller)
            assertEquals(Priority.WARNING, only(Ev.of(t).arg("flags", "CLONE_NEWUSER").result(-1, "EINVAL").build(), crit), t);
        }
    }

    @Test
    void ptraceProcMemAndProcessVmWritev() {
        Ev attach = Ev.of("ptrace").arg("request", "PTRACE_ATTACH").arg("pid", 1);
        assertEquals(Priority.NOTICE, only(attach.result(-1, "EPERM").build(), "Ptrace Refused In Container"));
        assertEquals(Priority.NOTICE, only(Ev.of("ptrace").arg("request", "PTRACE_POKEDATA").arg("pid", 1).result(-1, "ESRCH").build(),
                "Ptrace Refused In Container"));
        assertEquals(Priority.ERROR, only(Ev.of("ptrace").arg("request", "PTRACE_ATTACH").arg("pid", 1).build(), "Ptrace Attach Or Poke In Container"));
        assertEquals(Priority.ERROR, only(Ev.of("ptrace").arg("request", "PTRACE_SEIZE").arg("pid", 1).result(-1, "EPERM")
                .caps(CAP_SYS_PTRACE).build(), "Ptrace Attach Or Poke In Container"));

        for (String errno : List.of("EACCES", "EPERM", "ENOENT")) {
            assertEquals(Priority.NOTICE, only(Ev.open("/proc/1/mem", "O_RDWR").result(-1, errno).build(), "Process Memory Write Refused Through Proc"), errno);
        }
        assertEquals(Priority.CRITICAL, only(Ev.open("/proc/1/mem", "O_RDWR").build(), "Process Memory Written Through Proc"));
        assertEquals(Priority.CRITICAL, only(Ev.open("/proc/1/mem", "O_RDWR").result(-1, "EACCES").privileged().build(),
                "Process Memory Written Through Proc"));
        // io_uring: the submit carries no result
        assertEquals(Priority.CRITICAL, only(Ev.of("io_uring_submit").arg("opcode", "OPENAT").arg("path", "/proc/1/mem")
                .arg("name", "/proc/1/mem").arg("flags", "O_RDWR").result(1, null).build(), "Process Memory Written Through Proc"));

        Ev vm = Ev.of("process_vm_writev").arg("pid", 1);
        assertEquals(Priority.NOTICE, only(vm.result(-1, "EPERM").build(), "process_vm_writev Refused In Container"));
        assertEquals(Priority.NOTICE, only(Ev.of("process_vm_writev").arg("pid", 99999).result(-1, "ESRCH").build(), "process_vm_writev Refused In Container"));
        // allowed, then a bad address: the next address may do
        assertEquals(Priority.ERROR, only(Ev.of("process_vm_writev").arg("pid", 1).result(-1, "EFAULT").build(), "Process Memory Written With process_vm_writev"));
        assertEquals(Priority.ERROR, only(Ev.of("process_vm_writev").arg("pid", 1).result(-1, "EPERM").caps(CAP_SYS_PTRACE).build(),
                "Process Memory Written With process_vm_writev"));
    }

    @Test
    void hostProcessEntries() {
        String crit = "Host Process Root Or Environment Read From Container";
        String recon = "Host Process Root Or Environment Refused In Container";
        // a host-pid container (vpid = pid) without CAP_SYS_PTRACE: the ptrace read check refuses the host's processes
        assertEquals(Priority.NOTICE, only(Ev.open("/proc/1/environ", "O_RDONLY").vpid(4242).result(-1, "EACCES").build(), recon));
        assertEquals(Priority.NOTICE, only(Ev.open("/proc/1/root/etc/shadow", "O_RDONLY").vpid(4242).result(-1, "EACCES").build(), recon));
        assertEquals(Priority.ERROR, only(Ev.open("/proc/1/environ", "O_RDONLY").vpid(4242).build(), crit));
        assertEquals(Priority.ERROR, only(Ev.open("/proc/1/environ", "O_RDONLY").vpid(4242).result(-1, "EACCES").caps(CAP_SYS_PTRACE).build(), crit));
        // its own pid namespace: neither
        assertEquals(List.of(), fired(ENGINE, Ev.open("/proc/1/environ", "O_RDONLY").result(-1, "EACCES").build()));
    }

    @Test
    void userfaultfdAndPacketSockets() {
        String uffd = "Userfaultfd Created In Container";
        String uffdRecon = "Userfaultfd Refused In Container";
        assertEquals(Priority.NOTICE, only(Ev.of("userfaultfd").arg("flags", "O_CLOEXEC").result(-1, "EPERM").build(), uffdRecon));
        assertEquals(Priority.WARNING, only(Ev.of("userfaultfd").arg("flags", "O_CLOEXEC").result(3, null).build(), uffd));
        assertEquals(Priority.WARNING, only(Ev.of("userfaultfd").arg("flags", "O_CLOEXEC").result(-1, "EPERM").caps(CAP_SYS_PTRACE).build(), uffd));
        assertEquals(Priority.NOTICE, only(Ev.open("/dev/userfaultfd", "O_RDWR").result(-1, "ENOENT").build(), uffdRecon));
        assertEquals(Priority.NOTICE, only(Ev.open("/dev/userfaultfd", "O_RDWR").result(-1, "EPERM").caps(CAP_SYS_PTRACE).build(), uffdRecon));
        assertEquals(Priority.WARNING, only(Ev.open("/dev/userfaultfd", "O_RDWR").build(), uffd));

        String pkt = "Packet Socket Created In Container";
        String pktRecon = "Packet Socket Refused In Container";
        Ev sock = Ev.of("socket").arg("domain", "AF_PACKET").arg("type", "SOCK_RAW");
        assertEquals(Priority.NOTICE, only(sock.result(-1, "EPERM").build(), pktRecon));
        assertEquals(Priority.NOTICE, only(Ev.of("socket").arg("domain", "AF_PACKET").arg("type", "SOCK_RAW").result(-1, "EAFNOSUPPORT")
                .caps(CAP_NET_RAW).build(), pktRecon));
        assertEquals(Priority.WARNING, only(Ev.of("socket").arg("domain", "AF_PACKET").arg("type", "SOCK_RAW").result(3, null).caps(CAP_NET_RAW).build(), pkt));
        // CAP_NET_RAW (a user and network namespace of its own): a refusal there is not the capability's
        assertEquals(Priority.WARNING, only(Ev.of("socket").arg("domain", "AF_PACKET").arg("type", "SOCK_RAW").result(-1, "EPERM")
                .caps(CAP_NET_RAW).build(), pkt));
    }

    @Test
    void nodeCredentials() {
        String crit = "Node Credentials Read From Container";
        String recon = "Node Credentials Probed From Container";
        for (String errno : List.of("ENOENT", "ENOTDIR", "EACCES", "EPERM")) {
            assertEquals(Priority.NOTICE, only(Ev.open("/etc/kubernetes/admin.conf", "O_RDONLY").result(-1, errno).build(), recon), errno);
        }
        assertEquals(Priority.NOTICE, only(Ev.open("/host/var/lib/kubelet/pki/kubelet.key", "O_RDONLY").result(-1, "ENOENT").build(), recon));
        assertEquals(Priority.ERROR, only(Ev.open("/etc/kubernetes/admin.conf", "O_RDONLY").build(), crit));
        assertEquals(Priority.ERROR, only(Ev.of("io_uring_submit").arg("opcode", "OPENAT").arg("path", "/var/lib/kubelet/pki/kubelet.key")
                .arg("name", "/var/lib/kubelet/pki/kubelet.key").arg("flags", "O_RDONLY").result(1, null).build(), crit));
        // the pod's own token is neither
        assertEquals(List.of(), fired(ENGINE, Ev.open("/var/run/secrets/kubernetes.io/serviceaccount/token", "O_RDONLY").build()));
    }

    @Test
    void chrootAndPivotRoot() {
        String recon = "Chroot Refused In Container";
        String host = "Chroot Into Host Root From Container";
        String elsewhere = "Chroot In Container";
        assertEquals(Priority.NOTICE, only(Ev.of("chroot").arg("path", "/host").result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(Ev.of("chroot").arg("path", "/host").result(-1, "ENOENT").caps(CAP_SYS_CHROOT).build(), recon));
        assertEquals(Priority.NOTICE, only(Ev.of("chroot").arg("path", "/tmp").result(-1, "EPERM").build(), recon));
        assertEquals(Priority.NOTICE, only(Ev.of("pivot_root").arg("new_root", "/host").arg("put_old", "/host/old").result(-1, "EPERM")
                .caps(CAP_SYS_CHROOT).build(), recon));
        assertEquals(Priority.CRITICAL, only(Ev.of("chroot").arg("path", "/host").caps(CAP_SYS_CHROOT).build(), host));
        assertEquals(Priority.CRITICAL, only(Ev.of("chroot").arg("path", "/host").result(-1, "EPERM").privileged().build(), host));
        assertEquals(Priority.CRITICAL, only(Ev.of("pivot_root").arg("new_root", "/host").arg("put_old", "/host/old").result(-1, "EPERM")
                .caps(Ev.CAP_SYS_ADMIN).build(), host));
        assertEquals(Priority.WARNING, only(Ev.of("chroot").arg("path", "/tmp").caps(CAP_SYS_CHROOT).build(), elsewhere));
        // not a refusal of the capability: EINVAL (pivot_root's rules), ELOOP
        assertEquals(Priority.WARNING, only(Ev.of("pivot_root").arg("new_root", "/tmp").arg("put_old", "/tmp").result(-1, "EINVAL")
                .caps(Ev.CAP_SYS_ADMIN).build(), elsewhere));
    }
}
