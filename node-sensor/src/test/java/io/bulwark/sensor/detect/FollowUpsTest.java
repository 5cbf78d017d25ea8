package io.bulwark.sensor.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.Rule;
import io.bulwark.sensor.rules.RuleLoader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which runs {@link FollowUps} links to an armed escape step, on built events (the live kernel's side is
 * EscapeFollowUpTest): the program core_pattern names, any unusual kernel-spawned program, never the node's
 * own helpers, nothing after the window or after a refused write; a host chroot's own exec and its children's.
 */
class FollowUpsTest {
    private static final String RULES = """
            - rule: RA
              desc: t
              condition: evt.type = openat
              output: ra
              priority: CRITICAL
              tags: [container, vector:cgroup-release-agent]
            - rule: CP
              desc: t
              condition: evt.type = openat
              output: cp
              priority: CRITICAL
              tags: [container, vector:core-pattern]
            - rule: CP recon
              desc: t
              condition: evt.type = openat
              output: cp
              priority: NOTICE
              tags: [container, recon, vector:core-pattern]
            - rule: HC
              desc: t
              condition: evt.type = chroot
              output: hc
              priority: CRITICAL
              tags: [container, vector:host-chroot]
            """;
    private static final Map<String, Rule> RULE = rules();
    private String corePattern = "core";

    private static Map<String, Rule> rules() {
        LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("t.yaml", RULES)));
        assertTrue(r.errors().isEmpty(), r.errors().toString());
        Map<String, Rule> m = new LinkedHashMap<>();
        r.engine().rules().forEach(x -> m.put(x.name(), x));
        return m;
    }

    private FollowUps followUps() {
        return new FollowUps(() -> corePattern, Set.of("/sbin/modprobe", "/usr/lib/systemd/systemd-coredump"));
    }

    private static SensorEvent event(long t, String type, Map<String, Object> args, long res, int pid, int ppid, boolean container) throws Exception {
        SensorEvent f = DetectorRepeatTest.fixture();
        ProcessInfo p = f.process();
        ProcessInfo q = new ProcessInfo(pid, pid, ppid, pid, 0, 0, -1, "x", "x", List.of(), "x", 0, p.cgroupId(), p.ns(), 0, 0,
                false, false, List.of(new ProcessInfo.Ancestor(ppid, "sh", "/bin/sh", "sh")));
        return new SensorEvent(t, new Syscall(type, args, res, null), q, container ? f.container() : null);
    }

    private static SensorEvent write(long t, String file, long res) throws Exception {
        return event(t, "openat", Map.of("name", file), res, 100, 90, true);
    }

    private static SensorEvent kernelRun(long t, String program) throws Exception {
        return event(t, "execve", Map.of("filename", program, "kernel_spawned", true), 0, 500, 2, false);
    }

    @Test
    void anUnusualKernelRunAfterAReleaseAgentWriteNamesTheContainer() throws Exception {
        FollowUps f = followUps();
        f.arm(new Rule[]{RULE.get("RA")}, write(1_000, "/tmp/cg/release_agent", 0));
        SensorEvent run = kernelRun(2_000, "/var/lib/x/rootfs/agent");
        SensorEvent linked = f.link(run);
        assertEquals("bw-fixture", linked.container().id());
        assertEquals("cgroup-release-agent", linked.syscall().args().get("escape_of"));
        assertEquals(100, linked.syscall().args().get("escape_by_pid"));
        assertEquals("/tmp/cg/release_agent", linked.syscall().args().get("escape_file"));
        assertSame(run.process(), linked.process());
        // the node's own helpers are no follow-up, nor a run long after the write
        assertSame(run = kernelRun(3_000, "/sbin/modprobe"), f.link(run));
        assertSame(run = kernelRun(1_000 + FollowUps.WINDOW_NS + 1, "/var/lib/x/rootfs/agent"), f.link(run));
        assertTrue(f.idle(), "expired");
    }

    @Test
    void theProgramCorePatternNamesGoesToTheCorePatternWrite() throws Exception {
        FollowUps f = followUps();
        f.arm(new Rule[]{RULE.get("CP")}, write(1_000, "/proc/sys/kernel/core_pattern", 0));
        f.arm(new Rule[]{RULE.get("RA")}, write(1_500, "/tmp/cg/release_agent", 0)); // newer
        corePattern = "|/var/lib/x/rootfs/crash %p";
        SensorEvent linked = f.link(kernelRun(2_000, "/var/lib/x/rootfs/crash"));
        assertEquals("core-pattern", linked.syscall().args().get("escape_of"));
        // a program core_pattern does not name: the newest write
        assertEquals("cgroup-release-agent", f.link(kernelRun(2_000, "/tmp/other")).syscall().args().get("escape_of"));
        // the configured handler itself is never unusual: linked only when core_pattern names it
        corePattern = "|/usr/lib/systemd/systemd-coredump %P";
        assertEquals("core-pattern", f.link(kernelRun(2_000, "/usr/lib/systemd/systemd-coredump")).syscall().args().get("escape_of"));
    }

    @Test
    void refusedWritesRecoRulesAndHostProcessesArmNothing() throws Exception {
        FollowUps f = followUps();
        f.arm(new Rule[]{RULE.get("CP")}, write(1_000, "/proc/sys/kernel/core_pattern", -13));
        f.arm(new Rule[]{RULE.get("CP recon")}, write(1_000, "/proc/sys/kernel/core_pattern", 0));
        f.arm(new Rule[]{RULE.get("RA")}, event(1_000, "openat", Map.of("name", "/x/release_agent"), 0, 100, 90, false));
        assertTrue(f.idle());
        // armed, but a host process's exec the kernel did not start is not the helper's run
        f.arm(new Rule[]{RULE.get("RA")}, write(1_000, "/tmp/cg/release_agent", 0));
        SensorEvent shell = event(2_000, "execve", Map.of("filename", "/tmp/agent", "kernel_spawned", false), 0, 600, 1, false);
        assertSame(shell, f.link(shell));
    }

    @Test
    void aHostChrootsExecsAndItsChildrensAreHostBinaryRuns() throws Exception {
        FollowUps f = followUps();
        f.arm(new Rule[]{RULE.get("HC")}, event(1_000, "chroot", Map.of("path", "/mnt"), 0, 100, 90, true));
        SensorEvent own = f.link(event(2_000, "execve", Map.of("filename", "/bin/true"), 0, 100, 90, true));
        assertEquals("host-chroot", own.syscall().args().get("escape_of"));
        assertEquals("/mnt", own.syscall().args().get("escape_file"));
        SensorEvent child = f.link(event(2_000, "execve", Map.of("filename", "/bin/id"), 0, 101, 100, true));
        assertEquals(100, child.syscall().args().get("escape_by_pid"));
        SensorEvent other = event(2_000, "execve", Map.of("filename", "/bin/id"), 0, 300, 290, true);
        assertNull(f.link(other).syscall().args().get("escape_of"), "another process of the container");
    }

    @Test
    void pipeProgram() {
        assertEquals("/x/y", FollowUps.pipeProgram("|/x/y %p %e"));
        assertEquals("/x/y", FollowUps.pipeProgram(" | /x/y"));
        assertNull(FollowUps.pipeProgram("core"));
        assertNull(FollowUps.pipeProgram(null));
    }
}
