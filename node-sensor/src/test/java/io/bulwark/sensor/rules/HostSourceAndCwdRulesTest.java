package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.fired;
import static io.bulwark.sensor.rules.RuleTesting.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fields {@code container.cwd} and {@code fd.mount.source/dest/host_path}, and the shipped
 * rules built on them: a container started with its cwd in a leaked descriptor (CVE-2024-21626,
 * image WORKDIR form) and writes through a bind mount of a sensitive node directory at any mount
 * point. The runc on this machine refuses a /proc/self/fd cwd (it is patched), so no real container
 * can start that way: the leaked-fd rule is checked here on the event the sensor emits for the
 * first exec of such a container on a vulnerable runc (pid 1 in its namespace, config cwd under
 * /proc/self/fd). The write rules are also checked with real containers in
 * scenarios.ArbitraryHostMountTest.
 */
class HostSourceAndCwdRulesTest {
    private static final String LEAKED = "Container Started With Working Directory In Leaked Descriptor";
    private static final String WRITE = "Host File Written Through Host Mount";
    private static final String PERSIST = "Host Persistence Written Through Host Mount";

    private static final RuleEngine ENGINE = RuleTesting.engine(shipped());

    private static String shipped() {
        try (InputStream in = HostSourceAndCwdRulesTest.class.getClassLoader().getResourceAsStream("rules/bulwark_escape_rules.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The container's first exec: pid 1 in its own pid namespace. */
    private static SensorEvent start(String cwd) {
        SensorEvent e = Ev.exec("sh", "/bin/sh", "-c", "cat ../../../etc/shadow").cwd(cwd).build();
        ProcessInfo p = e.process();
        ProcessInfo init = new ProcessInfo(p.pid(), p.tid(), p.ppid(), 1, p.uid(), p.gid(), p.loginuid(), p.comm(), p.exe(),
                p.args(), p.cmdline(), p.tty(), p.cgroupId(), p.ns(), p.capEffective(), p.capPermitted(), p.exeUpperLayer(),
                false, p.ancestors());
        return new SensorEvent(e.time(), e.syscall(), init, e.container());
    }

    private static Ev write(String path) {
        return Ev.open(path, "O_WRONLY|O_CREAT|O_TRUNC").proc("sh", "/bin/busybox", "-c", "echo x > " + path);
    }

    @Test
    void containerCwdIsTheOciProcessCwd() {
        assertTrue(matches("container.cwd = /proc/self/fd/7", Ev.open("/x", "O_RDONLY").cwd("/proc/self/fd/7")));
        assertTrue(matches("container.cwd = /", Ev.open("/x", "O_RDONLY")));
        assertTrue(matches("container.cwd exists", Ev.open("/x", "O_RDONLY")));
        assertFalse(matches("container.cwd exists", Ev.open("/x", "O_RDONLY").host()), "host processes have no container cwd");
        assertFalse(matches("container.cwd exists", Ev.open("/x", "O_RDONLY").cwd(null)), "runc's state.json keeps no cwd");
    }

    @Test
    void leakedDescriptorWorkingDirectoryAtStartIsCritical() {
        for (String cwd : List.of("/proc/self/fd/7", "/proc/self/fd/8/", "/proc/thread-self/fd/9", "/proc/1/fd/7", "/proc/4242/fd/5/x")) {
            SensorEvent e = start(cwd);
            assertEquals(List.of(LEAKED), fired(ENGINE, e), cwd);
            String out = ENGINE.evaluate(e).get(0).output();
            assertTrue(out.contains("cwd=" + cwd), out);
            assertEquals(io.bulwark.contract.Priority.CRITICAL, ENGINE.evaluate(e).get(0).rule().priority());
        }
    }

    @Test
    void ordinaryWorkingDirectoriesAndLaterExecsDoNotAlert() {
        for (String cwd : List.of("/", "/app", "/proc", "/proc/self", "/proc/self/fdinfo/7", "/data/proc/self/fd/7")) {
            assertFalse(fired(ENGINE, start(cwd)).contains(LEAKED), cwd);
        }
        assertTrue(fired(ENGINE, start(null)).isEmpty(), "no cwd known: nothing");
        // a later exec in the same container (not its first process) does not repeat the start alert
        assertFalse(fired(ENGINE, Ev.exec("sh", "/bin/sh").cwd("/proc/self/fd/7").build()).contains(LEAKED));
    }

    @Test
    void mountFieldsPickTheLongestMountHoldingTheFile() {
        Ev e = write("/data/x/cron.d/evil").mount("/etc", "/data/x").mount("/var/tmp/scratch", "/data/x/cache");
        assertTrue(matches("fd.mount.source = /etc and fd.mount.dest = /data/x and fd.mount.host_path = /etc/cron.d/evil", e));
        Ev nested = write("/data/x/cache/f").mount("/etc", "/data/x").mount("/var/tmp/scratch", "/data/x/cache");
        assertTrue(matches("fd.mount.source = /var/tmp/scratch and fd.mount.dest = /data/x/cache and fd.mount.host_path = /var/tmp/scratch/f", nested));
        // a name that merely starts with the destination's characters is not under it
        assertFalse(matches("fd.mount.source exists", write("/data/xy/f").mount("/etc", "/data/x")));
        // the host root: the host path is the rest of the name; trailing slashes do not matter
        assertTrue(matches("fd.mount.source = / and fd.mount.host_path = /usr/bin/kubelet",
                write("/node/usr/bin/kubelet").mount("/", "/node/")));
        assertTrue(matches("fd.mount.host_path = /etc/hostname", write("/etc/hostname").mount("/etc/hostname", "/etc/hostname")));
        assertFalse(matches("fd.mount.source exists", write("/app/f")), "no mount holds it");
        assertFalse(matches("fd.mount.source exists", write("/app/f").mount("/etc", "/app").host()), "host processes have no mounts");
    }

    @Test
    void aTmpfsAboveTheBindHidesIt() {
        SensorEvent e = write("/data/x/tmp/f").mount("/etc", "/data/x").build();
        ContainerInfo c = e.container();
        List<ContainerInfo.Mount> mounts = new ArrayList<>(c.mounts());
        mounts.add(new ContainerInfo.Mount("tmpfs", "/data/x/tmp", "tmpfs", List.of("nosuid")));
        ContainerInfo withTmpfs = new ContainerInfo(c.id(), c.name(), c.runtime(), c.image(), c.pid(), c.status(), c.bundle(), c.rootfs(),
                c.cgroupPath(), c.privileged(), c.capabilities(), mounts, c.hostNamespaces(), c.user(), c.seccomp(), c.apparmorProfile(),
                c.selinuxLabel(), c.noNewPrivileges(), c.readonlyPaths(), c.maskedPaths(), c.devices(), c.k8s(), c.annotations(), c.cwd());
        SensorEvent hidden = new SensorEvent(e.time(), e.syscall(), e.process(), withTmpfs);
        assertTrue(fired(ENGINE, e).contains(WRITE));
        assertTrue(fired(ENGINE, hidden).isEmpty(), "the write lands on the tmpfs, not on the host's /etc");
    }

    @Test
    void writesThroughASensitiveSourceAnywhereAlert() {
        assertEquals(List.of(WRITE), fired(ENGINE, write("/data/x/hostname").mount("/etc", "/data/x").build()));
        assertEquals(List.of(WRITE), fired(ENGINE, write("/srv/bin/kubelet").mount("/usr/bin", "/srv/bin").build()));
        assertEquals(List.of(WRITE), fired(ENGINE, write("/mnt/n/var/lib/x").mount("/", "/mnt/n").build()));
        assertEquals(List.of(WRITE), fired(ENGINE, write("/k/config.yaml").mount("/var/lib/kubelet", "/k").build()));
        // the host path decides persistence, whatever the name in the container
        assertEquals(List.of(PERSIST), fired(ENGINE, write("/data/x/crontab").mount("/etc", "/data/x").build()));
        assertEquals(List.of(PERSIST), fired(ENGINE, write("/data/x/.ssh/authorized_keys").mount("/root", "/data/x").build()));
        assertEquals(List.of(PERSIST), fired(ENGINE, write("/s/system/evil.service").mount("/etc/systemd", "/s").build()));
        String out = ENGINE.evaluate(write("/data/x/crontab").mount("/etc", "/data/x").build()).get(0).output();
        assertTrue(out.contains("host_file=/etc/crontab") && out.contains("mount_source=/etc"), out);
    }

    /** A bind of a parent of a sensitive directory (/var, /var/lib): the file's host path decides. */
    @Test
    void writesUnderASensitiveDirectoryThroughABindOfItsParentAlert() {
        assertEquals(List.of(WRITE), fired(ENGINE, write("/data/lib/kubelet/config.yaml").mount("/var", "/data").build()));
        assertEquals(List.of(WRITE), fired(ENGINE, write("/v/kubelet/pki/kubelet.crt").mount("/var/lib", "/v").build()));
        assertEquals(List.of(PERSIST), fired(ENGINE, write("/data/spool/cron/crontabs/root").mount("/var", "/data").build()));
        String out = ENGINE.evaluate(write("/data/lib/kubelet/config.yaml").mount("/var", "/data").build()).get(0).output();
        assertTrue(out.contains("host_file=/var/lib/kubelet/config.yaml") && out.contains("mount_source=/var"), out);
        // the rest of such a bind is not the node's control
        assertTrue(fired(ENGINE, write("/data/log/app.log").mount("/var", "/data").build()).isEmpty());
        assertTrue(fired(ENGINE, write("/data/lib/app/db").mount("/var", "/data").build()).isEmpty());
        assertTrue(fired(ENGINE, write("/v/kubelet/pods/1234/volumes/kubernetes.io~empty-dir/c/f").mount("/var/lib", "/v").build()).isEmpty(),
                "a pod's own directory under the kubelet's");
        assertTrue(fired(ENGINE, write("/data/lib/kubeletx/f").mount("/var", "/data").build()).isEmpty(), "/var/lib/kubeletx is not the kubelet's");
    }

    @Test
    void ordinaryBindsReadsAndPodDirectoriesStayQuiet() {
        assertTrue(fired(ENGINE, write("/data/x/etc-like").mount("/tmp/xyz", "/data/x").build()).isEmpty());
        assertTrue(fired(ENGINE, write("/data/x/crontab").mount("/srv/etc", "/data/x").build()).isEmpty(), "/srv/etc is not /etc");
        assertTrue(fired(ENGINE, write("/data/x/crontab").mount("/etcetera", "/data/x").build()).isEmpty());
        assertTrue(fired(ENGINE, Ev.open("/data/x/hostname", "O_RDONLY").mount("/etc", "/data/x").build()).isEmpty(), "a read");
        assertTrue(fired(ENGINE, write("/etc/hosts").mount("/var/lib/kubelet/pods/1234/etc-hosts", "/etc/hosts").build()).isEmpty());
        assertTrue(fired(ENGINE, write("/cache/f").mount("/var/lib/kubelet/pods/1234/volumes/kubernetes.io~empty-dir/cache", "/cache")
                .build()).isEmpty());
        assertTrue(fired(ENGINE, write("/etc/hosts").mount("/var/lib/docker/containers/abc/hosts", "/etc/hosts").build()).isEmpty());
    }
}
