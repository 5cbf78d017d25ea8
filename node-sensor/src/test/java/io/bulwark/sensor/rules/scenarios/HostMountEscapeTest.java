package io.bulwark.sensor.rules.scenarios;

import static io.bulwark.sensor.rules.scenarios.Scenarios.bw;
import static io.bulwark.sensor.rules.scenarios.Scenarios.expect;
import static io.bulwark.sensor.rules.scenarios.Scenarios.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.scenarios.Scenarios.Alert;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A container with host directories mounted in: a scratch "node root" at /host (writable), a
 * scratch directory at /var/log (the kubelet's log hostPath), a scratch kubelet directory at
 * /var/lib/kubelet, the host's real /etc read-only at /host-etc, and CAP_DAC_READ_SEARCH. The
 * scratch directories stand for the node's: nothing of the real host is written.
 */
@Tag("containers")
@Timeout(120)
class HostMountEscapeTest {
    static RuncContainer box;
    static Path hostRoot;
    static Path hostLog;
    static Path kubelet;

    @BeforeAll
    static void start() throws IOException {
        Scenarios.sensor();
        Scenarios.engine();
        hostRoot = Files.createTempDirectory("bw-hostroot-");
        hostLog = Files.createTempDirectory("bw-hostlog-");
        kubelet = Files.createTempDirectory("bw-kubelet-");
        for (String d : List.of("etc/cron.d", "etc/kubernetes/pki", "root/.ssh", "usr/bin")) {
            Files.createDirectories(hostRoot.resolve(d));
        }
        Files.createDirectories(kubelet.resolve("pki"));
        Files.writeString(kubelet.resolve("pki/kubelet.key"), "not a key\n");
        // a node's kubeconfig to read (a probe of one that is not there is recon: DefaultContainerEscapeTest)
        Files.writeString(hostRoot.resolve("etc/kubernetes/admin.conf"), "not a kubeconfig\n");
        box = RuncContainer.builder()
                .bind(hostRoot, "/host", false)
                .bind(hostLog, "/var/log", false)
                .bind(kubelet, "/var/lib/kubelet", true)
                .bind(Path.of("/etc"), "/host-etc", true)
                .capAdd("CAP_DAC_READ_SEARCH")
                .capAdd("CAP_SYS_CHROOT") // Docker's default set has it: chroot /host can succeed (without it: recon)
                .start();
    }

    @AfterAll
    static void stop() {
        try {
            if (box != null) {
                box.close();
            }
        } finally {
            for (Path p : new Path[]{hostRoot, hostLog, kubelet}) {
                Scenarios.deleteTree(p);
            }
        }
    }

    @Test
    void startIsReportedForTheSensitiveMountAndTheCapability() {
        Alert m = Scenarios.expectStart(box, "sensitive-mount");
        assertTrue(m.output().contains("/host-etc"), m.output());
        Scenarios.expectStart(box, "excessive-capabilities");
        assertTrue(Scenarios.alerts(box, 0).stream().noneMatch(a -> "privileged-container".equals(a.vector())));
    }

    @Test
    void hostFilesWrittenRenamedLinkedAndDeleted() {
        Alert a = expect(box, "host-file-write", "openat", bw("openat-write", "/host/usr/bin/kubelet"));
        assertEquals(Priority.ERROR, a.priority());
        expect(box, "host-file-write", "open", bw("open-write", "/host/usr/bin/containerd"));
        expect(box, "host-file-write", "creat", bw("creat", "/host/usr/bin/implant"));
        expect(box, "host-file-write", "io_uring_submit", bw("io-uring-open", "/host/usr/bin/implant"));
        expect(box, "host-file-write", "rename", bw("rename", "/tmp/x", "/host/usr/bin/ls"));
        expect(box, "host-file-write", "renameat2", bw("renameat2", "/tmp/x", "/host/usr/bin/ls"));
        expect(box, "host-file-write", "link", bw("link", "/tmp/x", "/host/usr/bin/ls"));
        expect(box, "host-file-write", "unlink", bw("unlink", "/host/usr/bin/implant"));
        expect(box, "host-file-write", "unlinkat", bw("unlinkat", "/host/usr/bin/kubelet"));
    }

    @Test
    void hostPersistenceThroughEveryWriteDoor() {
        Alert a = expect(box, "host-persistence", "openat", bw("openat-write", "/host/etc/cron.d/backdoor"));
        assertEquals(Priority.CRITICAL, a.priority());
        expect(box, "host-persistence", "creat", bw("creat", "/host/root/.ssh/authorized_keys"));
        expect(box, "host-persistence", "openat2", bw("openat2-write", "/host/etc/ld.so.preload"));
        expect(box, "host-persistence", "io_uring_submit", bw("io-uring-open", "/host/etc/sudoers"));
        expect(box, "host-persistence", "rename", sh("echo '* * * * * root sh' > /tmp/cron && /bin/bwtrigger rename /tmp/cron /host/etc/crontab"));
        expect(box, "host-persistence", "linkat", bw("linkat", "/tmp/x", "/host/etc/systemd/system/evil.service"));
    }

    /**
     * Relative names, from a shell whose working directory is in the host mount: the kernel names
     * the directory at the call, so a one-shot mv, ln or rm (gone before its event is decoded) is
     * still placed in /host.
     */
    @Test
    void relativeRenamesLinksSymlinksAndUnlinksArePlacedInTheHostMount() {
        Alert p = expect(box, "host-persistence", "rename",
                sh("cd /host/etc && echo '* * * * * root sh' > cron.tmp && /bin/bwtrigger rename cron.tmp crontab"));
        assertEquals("/host/etc/crontab", p.event().syscall().args().get("newname"), p.output());
        assertEquals("/host/etc/cron.tmp", p.event().syscall().args().get("oldname"), p.output());
        assertTrue(p.output().contains("target=/host/etc/crontab"), p.output());
        expect(box, "host-persistence", "link", sh("cd /host/etc && touch unit && /bin/bwtrigger link unit cron.d/evil"));
        expect(box, "host-file-write", "rename", sh("cd /host/usr/bin && touch implant2 && /bin/bwtrigger rename implant2 ls"));
        Alert u = expect(box, "host-file-write", "unlink", sh("cd /host/usr && /bin/bwtrigger unlink bin/ls"));
        assertEquals("/host/usr/bin/ls", u.event().syscall().args().get("name"), u.output());
        expect(box, "kubelet-log-symlink", "symlink", sh("cd /var/log && /bin/bwtrigger symlink /etc/shadow 1.log"));
        // the same names in the container's own directories stay quiet
        long t0 = Scenarios.now();
        assertEquals(0, box.exec(sh("mkdir -p /tmp/etc && cd /tmp/etc && touch c && /bin/bwtrigger rename c crontab"
                + " && /bin/bwtrigger unlink crontab")).exitCode());
        assertTrue(Scenarios.warnings(box, t0).isEmpty(), () -> "container's own files: " + Scenarios.warnings(box, t0));
    }

    @Test
    void chrootIntoTheHostRoot() {
        Alert a = expect(box, "host-chroot", "chroot", bw("chroot", "/host"));
        assertEquals(Priority.CRITICAL, a.priority());
        assertTrue(a.output().contains("res=SUCCESS"), a.output());
    }

    @Test
    void symlinkInTheHostLogDirectory() {
        expect(box, "kubelet-log-symlink", "symlink", bw("symlink", "/etc/shadow", "/var/log/0.log"));
        expect(box, "kubelet-log-symlink", "symlinkat", bw("symlinkat", "/", "/var/log/root-link"));
    }

    @Test
    void nodeCredentials() {
        Alert a = expect(box, "credential-theft", "openat", "/bin/cat", "/var/lib/kubelet/pki/kubelet.key");
        assertEquals(Priority.ERROR, a.priority());
        Alert conf = expect(box, "credential-theft", "open", bw("open-read", "/host/etc/kubernetes/admin.conf"));
        assertTrue(conf.output().contains("res=SUCCESS"), conf.output());
        expect(box, "credential-theft", "io_uring_submit", bw("io-uring-open", "/var/lib/kubelet/pods/1234/volumes/kubernetes.io~projected/token"));
    }

    @Test
    void ownServiceAccountTokenAndOrdinaryHostMountReadsAreNotTheft() {
        long t0 = Scenarios.now();
        assertEquals(0, box.exec(sh("cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>/dev/null; cat /host-etc/hostname; "
                + "ls /host /var/lib/kubelet; echo line >> /var/log/app.log; true")).exitCode());
        List<Alert> w = Scenarios.warnings(box, t0);
        assertTrue(w.isEmpty(), "ordinary reads and a log line: " + w);
    }
}
