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
 * runtime-socket connects, cgroup / binfmt_misc mounts, kernel modules and bpf(2): an attempt that cannot succeed as the container is
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
}
