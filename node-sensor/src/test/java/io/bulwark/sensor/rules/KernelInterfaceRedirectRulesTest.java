package io.bulwark.sensor.rules;

import static io.bulwark.sensor.rules.RuleTesting.fired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Write opens judged by the kernel interface they reached ({@code evt.arg.kernel_file}, named by the
 * kernel from the opened file) rather than by the name given, and the runtime's own writes that a
 * container redirected (the runc mount-race CVEs of 2025). The container-process forms are also
 * run for real in scenarios.HostPidPrivilegedEscapeTest; the runtime form needs a vulnerable runc
 * (this machine's is patched), so it is checked here on the event the sensor sends for it.
 */
class KernelInterfaceRedirectRulesTest {
    private static final RuleEngine ENGINE = RuleTesting.engine(shipped());
    private static final String RUNTIME = "Runtime Write Redirected To Kernel Interface";
    private static final String CORE = "Core Pattern Written From Container";
    private static final String SYSRQ = "Sysrq Triggered From Container";

    private static String shipped() {
        try (InputStream in = KernelInterfaceRedirectRulesTest.class.getClassLoader().getResourceAsStream("rules/bulwark_escape_rules.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A write open of {@code path} whose opened file the kernel named {@code reached} on procfs. */
    private static Ev reached(String path, String reached, boolean redirected) {
        return Ev.open(path, "O_WRONLY").arg("kernel_file", reached).arg("kernel_fs", "proc").arg("redirected", redirected);
    }

    private static Ev runcInit(Ev e) {
        return e.proc("runc:[2:INIT]", "/usr/bin/runc", "init").runtimeWork();
    }

    @Test
    void theRuntimesWriteRedirectedToAKernelInterfaceIsCritical() {
        for (String given : List.of("/proc/self/attr/apparmor/exec", "/proc/thread-self/attr/exec", "/proc/sys/net/ipv4/ip_forward", "/dev/null")) {
            SensorEvent e = runcInit(reached(given, "core_pattern", true)).build();
            assertEquals(List.of(RUNTIME), fired(ENGINE, e), given);
            String out = ENGINE.evaluate(e).get(0).output();
            assertTrue(out.contains("file=" + given) && out.contains("reached=core_pattern") && out.contains("fs=proc"), out);
            assertEquals(io.bulwark.contract.Priority.CRITICAL, ENGINE.evaluate(e).get(0).rule().priority());
        }
        SensorEvent agent = runcInit(reached("/proc/self/attr/exec", "release_agent", true).arg("kernel_fs", "cgroup")).build();
        assertEquals(List.of(RUNTIME), fired(ENGINE, agent));
    }

    @Test
    void theRuntimesOwnWritesByTheirNamesDoNotAlert() {
        // an LSM label, a sysctl the container's config asks for, and one that the kernel named as asked
        assertEquals(List.of(), fired(ENGINE, runcInit(Ev.open("/proc/self/attr/apparmor/exec", "O_WRONLY")).build()));
        assertEquals(List.of(), fired(ENGINE, runcInit(Ev.open("/proc/sys/net/ipv4/ip_forward", "O_WRONLY")).build()));
        assertEquals(List.of(), fired(ENGINE, runcInit(reached("/proc/sys/kernel/core_pattern", "core_pattern", false)).build()));
    }

    @Test
    void aContainerProcessIsJudgedByTheFileItReached() {
        // a symlink, a bind mount on a plain file, a reopened descriptor: the vector of the file reached
        for (String given : List.of("/tmp/cp", "/tmp/f", "/proc/self/fd/5")) {
            assertEquals(List.of(CORE), fired(ENGINE, reached(given, "core_pattern", true).build()), given);
        }
        // core_pattern bound over /proc/sysrq-trigger: core_pattern, not sysrq
        assertEquals(List.of(CORE), fired(ENGINE, reached("/proc/sysrq-trigger", "core_pattern", true).build()));
        // the other way round: sysrq-trigger under core_pattern's name
        assertEquals(List.of(SYSRQ), fired(ENGINE, reached("/proc/sys/kernel/core_pattern", "sysrq-trigger", true).build()));
        assertEquals(List.of("Cgroup Release Agent Written"),
                fired(ENGINE, reached("/tmp/x", "release_agent", true).arg("kernel_fs", "cgroup").build()));
        assertEquals(List.of("Usermode Helper Written From Container"),
                fired(ENGINE, reached("/tmp/x", "uevent_helper", true).arg("kernel_fs", "sysfs").build()));
        assertEquals(List.of("Device Cgroup Rewritten From Container"),
                fired(ENGINE, reached("/tmp/x", "devices.allow", true).arg("kernel_fs", "cgroup").build()));
        // by its own name: as before, once
        assertEquals(List.of(CORE), fired(ENGINE, reached("/proc/sys/kernel/core_pattern", "core_pattern", false).build()));
        assertEquals(List.of(CORE), fired(ENGINE, Ev.open("/proc/sys/kernel/core_pattern", "O_WRONLY").result(-30, "EROFS").build()),
                "a failed attempt, with no file to name, is judged by its name");
    }

    @Test
    void aFileMerelyNamedSysrqIsNotTheKernelsSwitch() {
        assertEquals(List.of(), fired(ENGINE, Ev.open("/tmp/sysrq", "O_WRONLY").build()));
        assertEquals(List.of(SYSRQ), fired(ENGINE, Ev.open("/proc/sys/kernel/sysrq", "O_WRONLY").build()));
        assertEquals(List.of(SYSRQ), fired(ENGINE, Ev.open("/proc/sysrq-trigger", "O_WRONLY").build()));
    }
}
