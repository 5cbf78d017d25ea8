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
 * Issue 16's lens on host-device mounts: a mount, fsopen or fsconfig refused for want of privilege, device
 * or a writable target in an ordinary container had no effect and cannot succeed there (NOTICE, tag recon);
 * a success, any result in a privileged or CAP_SYS_ADMIN container, or another errno stays CRITICAL. The
 * ordinary-container side is also run for real in scenarios.DefaultContainerEscapeTest and CompatSyscallTest.
 */
class HostDeviceMountSeverityRulesTest {
    private static final RuleEngine ENGINE = RuleTesting.engine(shipped());
    static final String CRIT_MOUNT = "Host Device Mounted In Container";
    static final String CRIT_FSOPEN = "Disk File System Opened With Mount API In Container";
    static final String CRIT_FSCONFIG = "Block Device Configured With Mount API In Container";
    static final String RECON = "Host Device Mount Refused In Container";

    private static String shipped() {
        try (InputStream in = HostDeviceMountSeverityRulesTest.class.getClassLoader().getResourceAsStream("rules/bulwark_escape_rules.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Ev mount(String source, String fstype) {
        return Ev.of("mount").arg("source", source).arg("target", "/mnt").arg("fstype", fstype).arg("flags", 0).result(0, null);
    }

    static Ev fsopen(String fs) {
        return Ev.of("fsopen").arg("fsname", fs).arg("flags", 0).result(3, null);
    }

    static Ev fsconfig(String source) {
        return Ev.of("fsconfig").arg("fd", 3).arg("cmd", "FSCONFIG_SET_STRING").arg("key", "source").arg("value", source).result(0, null);
    }

    static Ev refused(Ev e, String errno) {
        return e.result(-1, errno);
    }

    private static Priority only(SensorEvent e, String rule) {
        List<String> f = fired(ENGINE, e);
        assertEquals(List.of(rule), f);
        return ENGINE.evaluate(e).get(0).rule().priority();
    }

    @Test
    void aRefusedAttemptInAnOrdinaryContainerIsReconAtNotice() {
        for (String errno : List.of("EPERM", "EACCES", "ENOENT", "ENODEV", "ENOTBLK", "ENXIO", "EROFS")) {
            assertEquals(Priority.NOTICE, only(refused(mount("/dev/sda1", "ext4"), errno).build(), RECON), errno);
            assertEquals(Priority.NOTICE, only(refused(fsopen("ext4"), errno).build(), RECON), errno);
            assertEquals(Priority.NOTICE, only(refused(fsconfig("/dev/nvme0n1p1"), errno).build(), RECON), errno);
        }
        RuleMatch m = ENGINE.evaluate(refused(mount("/dev/sda1", "ext4"), "EPERM").build()).get(0);
        assertTrue(m.rule().tags().contains("recon"), m.rule().tags().toString());
        assertEquals("host-device-mount", m.rule().vector());
        assertTrue(m.output().contains("res=EPERM"), m.output());
    }

    @Test
    void aSuccessAPrivilegedOrCapSysAdminContainerOrAnotherResultStaysCritical() {
        assertEquals(Priority.CRITICAL, only(mount("/dev/sda1", "ext4").build(), CRIT_MOUNT));
        assertEquals(Priority.CRITICAL, only(fsopen("xfs").build(), CRIT_FSOPEN));
        assertEquals(Priority.CRITICAL, only(fsconfig("/dev/xvda1").build(), CRIT_FSCONFIG));
        // refused, but the container could mount: a next try (another device, another flag) can work
        assertEquals(Priority.CRITICAL, only(refused(mount("/dev/sda1", "ext4"), "EPERM").privileged().build(), CRIT_MOUNT));
        assertEquals(Priority.CRITICAL, only(refused(mount("/dev/sda1", "ext4"), "ENOENT").caps(Ev.CAP_SYS_ADMIN).build(), CRIT_MOUNT));
        assertEquals(Priority.CRITICAL, only(refused(fsopen("ext4"), "EPERM").caps(Ev.CAP_SYS_ADMIN).build(), CRIT_FSOPEN));
        assertEquals(Priority.CRITICAL, only(refused(fsconfig("/dev/sda"), "EACCES").privileged().build(), CRIT_FSCONFIG));
        // results that do not prove the mount impossible here
        assertEquals(Priority.CRITICAL, only(refused(mount("/dev/sda1", "ext4"), "EBUSY").build(), CRIT_MOUNT));
        assertEquals(Priority.CRITICAL, only(refused(fsconfig("/dev/xvdz"), "EBADF").build(), CRIT_FSCONFIG));
        // not a disk: no host-device-mount at all
        assertEquals(List.of(), fired(ENGINE, refused(mount("tmpfs", "tmpfs"), "EPERM").build()).stream()
                .filter(r -> r.equals(RECON) || r.equals(CRIT_MOUNT)).toList());
    }
}
