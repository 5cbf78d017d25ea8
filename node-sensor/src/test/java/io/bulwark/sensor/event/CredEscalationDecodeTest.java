package io.bulwark.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.RawEvent;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleEngine;
import io.bulwark.sensor.rules.RuleLoader;
import io.bulwark.sensor.rules.RuleMatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cred-escalation signal from recorded kernel events, through the real decoder and the shipped
 * ruleset. A kernel exploit that rewrites a task's {@code struct cred} cannot be run on this machine
 * (it needs a kernel bug): these are the events such a task produces — a process executed as uid 1000
 * whose next exec or exit shows euid 0 with no setuid call or set-uid file behind it — next to the
 * sequences that legitimately end in root (a set-uid-root exec, a setuid(0) the sensor saw, root all
 * along, a new user namespace). There is no live counterpart any more: the one unwatched door to root
 * it used (setuid32 by int 0x80) is now translated and seen as setuid (PrivilegeEscalationTest,
 * CompatSyscallTest).
 */
class CredEscalationDecodeTest {
    static final long CGROUP = 4242;
    static final int USERNS = 0xeffffffd;
    static final long DEFAULT_CAPS = (1L << 29) | (1L << 5) | (1L << 10); // AUDIT_WRITE, KILL, NET_BIND_SERVICE
    static final long ALL_CAPS = (1L << 41) - 1;
    static final int NR_SETUID = 105, NR_CAPSET = 126;

    static RuleEngine engine;
    EventDecoder decoder;
    long t = 1;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = CredEscalationDecodeTest.class.getClassLoader().getResourceAsStream("rules/bulwark_escape_rules.yaml")) {
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("rules/bulwark_escape_rules.yaml", yaml)));
            assertTrue(r.errors().isEmpty(), () -> r.errors().toString());
            engine = r.engine();
        }
    }

    @BeforeEach
    void decoder() throws IOException {
        Path emptyProc = Files.createTempDirectory("bw-noproc-");
        emptyProc.toFile().deleteOnExit();
        ContainerInfo box = new ContainerInfo("c0ffee", "app", "runc", "busybox", 100, "running", "/b", "/b/rootfs", "/app",
                false, List.of(), List.of(), List.of(), 1000, false, null, null, false, List.of(), List.of(), List.of(), null, Map.of(), null);
        decoder = new EventDecoder(new ProcessTable(emptyProc), id -> id == CGROUP ? box : null, 0, Set.of());
        // the runtime (a host root process) forks runc init, which becomes the container's user and runs the app
        feed(fork(200, 100, 0, ALL_CAPS));
        feed(exec(200, 100, 0, ALL_CAPS, "/proc/self/exe", 0755, 0, 0, false));
        feed(syscall(200, 0, ALL_CAPS, NR_SETUID, 1000, 0, 0));
        feed(exec(200, 100, 1000, 0, "/app", 0755, 0, 1000, false));
    }

    @Test
    void rootWithoutACauseTheSensorSawIsCredEscalationAtExecAndAtExit() {
        // pid 200 runs as 1000; an exploit gives it uid 0; it forks a shell (which inherits the old baseline) and exits
        feed(fork(201, 200, 0, ALL_CAPS));
        List<RuleMatch> exit = feed(exit(200, 0, ALL_CAPS));
        assertEquals(List.of("cred-escalation"), vectors(exit), "the escalated process, at its exit");
        assertTrue(exit.get(0).output().contains("gained=root"), exit.get(0).output());
        List<RuleMatch> shell = feed(exec(201, 200, 0, ALL_CAPS, "/bin/sh", 0755, 0, 0, false));
        assertEquals(List.of("cred-escalation"), vectors(shell), "the child's exec of a shell as root");
        assertTrue(shell.get(0).output().contains("container_user=1000"), shell.get(0).output());
        // after the exec the shell's creds are its baseline: what it does next is not flagged again
        assertTrue(vectors(feed(exit(201, 0, ALL_CAPS))).isEmpty());
    }

    @Test
    void capabilitiesWithoutACauseAreCredEscalation() {
        List<RuleMatch> m = feed(exit(200, 1000, 1L << 21));
        assertEquals(List.of("cred-escalation"), vectors(m));
        assertTrue(m.get(0).output().contains("CAP_SYS_ADMIN"), m.get(0).output());
    }

    @Test
    void aSetuidRootExecIsExplainedButAlertsAsInContainerPrivesc() {
        List<RuleMatch> m = feed(exec(200, 100, 0, DEFAULT_CAPS, "/usr/bin/su", 04755, 0, 1000, true));
        assertEquals(List.of("in-container-privesc"), vectors(m));
        assertTrue(vectors(feed(exit(200, 0, DEFAULT_CAPS))).isEmpty());
    }

    @Test
    void aSetuidCallTheSensorSawExplainsRoot() {
        // an app started as 1000 with CAP_SETUID (ambient) calls setuid(0)
        feed(fork(210, 100, 0, ALL_CAPS));
        feed(exec(210, 100, 1000, 1L << 7, "/app", 0755, 0, 1000, false));
        assertEquals(List.of("in-container-privesc"), vectors(feed(syscall(210, 1000, 1L << 7, NR_SETUID, 0, 0, 0))));
        assertTrue(vectors(feed(exit(210, 0, 1L << 7))).isEmpty());
        // a failed setuid(0) explains nothing
        feed(fork(211, 100, 0, ALL_CAPS));
        feed(exec(211, 100, 1000, 1L << 7, "/app", 0755, 0, 1000, false));
        feed(syscall(211, 1000, 1L << 7, NR_SETUID, 0, 0, -1));
        assertEquals(List.of("cred-escalation"), vectors(feed(exit(211, 0, 1L << 7))));
    }

    @Test
    void fileCapabilitiesAndANewUserNamespaceExplainCapabilities() {
        assertTrue(vectors(feed(exec(200, 100, 1000, 1L << 13, "/bin/ping", 0755, 0, 1000, true))).isEmpty());
        assertTrue(vectors(feed(exit(200, 1000, 1L << 13))).isEmpty());
        feed(fork(202, 100, 0, ALL_CAPS));
        feed(exec(202, 100, 1000, 0, "/app", 0755, 0, 1000, false));
        RawEvent inNewNs = raw(RawEvent.OP_EXIT, 202, 100, 1000, ALL_CAPS, USERNS + 1, 0, new long[6], new long[2], "", "");
        assertTrue(vectors(feed(inNewNs)).isEmpty(), "full capabilities relative to its own user namespace");
    }

    @Test
    void rootAllAlongAndHostProcessesAreQuiet() {
        feed(fork(300, 100, 0, ALL_CAPS));
        assertTrue(vectors(feed(exec(300, 100, 0, DEFAULT_CAPS, "/bin/sh", 0755, 0, 0, false))).isEmpty());
        assertTrue(vectors(feed(exit(300, 0, DEFAULT_CAPS))).isEmpty());
        // a host process (not contained) that gains root unseen carries no flag: the rule is for containers
        RawEvent host = new RawEvent(RawEvent.OP_EXIT, 0, 0, 200, t++, 200, 100, 0, 0, -1, 200, 1, 1, 1, 1, USERNS, 1, 1, 1, 0,
                0, 0, 0, new long[6], new long[2], "app", new byte[256], new byte[256], new byte[64]);
        SensorEvent e = decoder.decode(host);
        assertNull(e.syscall().args().get("cred_unexplained"));
    }

    @Test
    void capsetArgumentsNameTheCapabilitiesAsked() {
        long[] aux = {1L << 21, 1L << 21};
        RawEvent capset = raw(RawEvent.OP_SYSCALL, 200, 100, 1000, 0, USERNS, NR_CAPSET, new long[6], aux, "", "");
        SensorEvent e = decoder.decode(withRet(capset, -1));
        assertEquals(List.of("CAP_SYS_ADMIN"), e.syscall().args().get("cap_added"));
        assertEquals(List.of("in-container-privesc"), vectors(engine.evaluate(e)));
    }

    // ------------------------------------------------------------------------------- helpers

    List<RuleMatch> feed(RawEvent r) {
        SensorEvent e = decoder.decode(r);
        return e == null ? List.of() : engine.evaluate(e);
    }

    static List<String> vectors(List<RuleMatch> m) {
        return m.stream().filter(x -> x.rule().priority().atLeast(io.bulwark.contract.Priority.WARNING)).map(x -> x.rule().vector()).toList();
    }

    RawEvent fork(int child, int parent, int uid, long caps) {
        RawEvent r = raw(RawEvent.OP_FORK, child, parent, uid, caps, USERNS, 0, new long[6], new long[2], "", "");
        return r;
    }

    RawEvent exec(int pid, int ppid, int euid, long caps, String file, int mode, int fileUid, int ruid, boolean secure) {
        long[] args = new long[6];
        args[2] = mode;
        args[3] = fileUid & 0xffffffffL;
        args[4] = ruid & 0xffffffffL;
        String argv = file;
        long[] aux = {argv.length(), 0};
        RawEvent r = raw(RawEvent.OP_EXEC, pid, ppid, euid, caps, USERNS, 0, args, aux, file, argv);
        return secure ? withFlags(r, r.flags() | RawEvent.F_SECUREEXEC) : r;
    }

    RawEvent exit(int pid, int euid, long caps) {
        return raw(RawEvent.OP_EXIT, pid, 100, euid, caps, USERNS, 0, new long[6], new long[2], "", "");
    }

    /** A setuid-family (or other) syscall: a0, a1 its first arguments, ret its result. */
    RawEvent syscall(int pid, int euid, long caps, int nr, long a0, long a1, long ret) {
        long[] args = {a0, a1, 0, 0, 0, 0};
        return withRet(raw(RawEvent.OP_SYSCALL, pid, 100, euid, caps, USERNS, nr, args, new long[2], "", ""), ret);
    }

    RawEvent raw(int op, int pid, int ppid, int euid, long caps, int userNs, int nr, long[] args, long[] aux, String s0, String s1) {
        byte[] str0 = new byte[256];
        byte[] str1 = new byte[256];
        byte[] str2 = new byte[64];
        byte[] a = s0.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(a, 0, str0, 0, a.length);
        byte[] b = s1.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, str1, 0, b.length);
        String base = s0.substring(s0.lastIndexOf('/') + 1);
        byte[] c = base.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(c, 0, str2, 0, c.length);
        return new RawEvent(op, RawEvent.F_CONTAINED, nr, pid, t++, pid, ppid, euid, euid, -1, pid - 199, CGROUP, 7, 8, 9, userNs, 10, 11, 12, 0,
                caps, caps, 0, args, aux, "app", str0, str1, str2);
    }

    static RawEvent withRet(RawEvent r, long ret) {
        return new RawEvent(r.op(), r.flags(), r.nr(), r.tid(), r.ktime(), r.pid(), r.ppid(), r.uid(), r.gid(), r.loginuid(), r.vpid(),
                r.cgroupId(), r.mntNs(), r.pidNs(), r.netNs(), r.userNs(), r.cgroupNs(), r.utsNs(), r.ipcNs(), r.tty(), r.capEff(),
                r.capPrm(), ret, r.args(), r.aux(), r.comm(), r.str0(), r.str1(), r.str2());
    }

    static RawEvent withFlags(RawEvent r, int flags) {
        return new RawEvent(r.op(), flags, r.nr(), r.tid(), r.ktime(), r.pid(), r.ppid(), r.uid(), r.gid(), r.loginuid(), r.vpid(),
                r.cgroupId(), r.mntNs(), r.pidNs(), r.netNs(), r.userNs(), r.cgroupNs(), r.utsNs(), r.ipcNs(), r.tty(), r.capEff(),
                r.capPrm(), r.ret(), r.args(), r.aux(), r.comm(), r.str0(), r.str1(), r.str2());
    }
}
