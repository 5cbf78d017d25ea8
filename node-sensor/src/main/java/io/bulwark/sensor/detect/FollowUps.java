package io.bulwark.sensor.detect;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Priority;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.rules.Rule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The escape's next step, linked to the container that prepared it. A container's successful write open of
 * release_agent or core_pattern (an alert of that vector at WARNING or above) arms the node: the kernel
 * itself will run the written program on the host, as a usermode helper (no container, parent kthreadd). A
 * kernel-spawned exec within {@link #WINDOW_NS} of an arm is that run when its program is the one
 * core_pattern names now, or, the written program being unknown, when it is none of the node's usual
 * helpers (modprobe, the uevent helper and the core_pattern pipe seen at start): the event then gets the
 * arming container and {@code escape_of} (the vector), {@code escape_by_pid}, {@code escape_file}, and only
 * the follow-up rules (tag {@value #TAG}) see it so. A successful CRITICAL host-chroot arms the chrooted
 * process: its exec, or a descendant's, runs a host binary and gets the same three arguments.
 *
 * <p>Used by the {@link Detector} on its single thread; the arms are few (the newest {@value #MAX_ARMS}).
 */
public final class FollowUps {
    /** How long after the write (or chroot) a run counts as its follow-up. */
    public static final long WINDOW_NS = 10L * 60 * 1_000_000_000L;
    /** The tag of the rules that see a host process's run linked to a container. */
    public static final String TAG = "escape-followup";
    static final int MAX_ARMS = 64;
    private static final Set<String> UMH_VECTORS = Set.of("cgroup-release-agent", "core-pattern");
    private static final String HOST_CHROOT = "host-chroot";

    private record Arm(String vector, ContainerInfo container, int pid, String file, long time) {}

    private final Deque<Arm> arms = new ArrayDeque<>();
    private final Supplier<String> corePattern;
    private final Set<String> usualHelpers;

    /** The node's own core_pattern and helpers, read now. */
    public FollowUps() {
        this(FollowUps::readCorePattern, nodeHelpers());
    }

    /**
     * @param corePattern  the current core_pattern (read when a kernel-spawned run meets a core-pattern arm)
     * @param usualHelpers programs the kernel runs on this node anyway: never a follow-up unless core_pattern names them
     */
    public FollowUps(Supplier<String> corePattern, Set<String> usualHelpers) {
        this.corePattern = corePattern;
        this.usualHelpers = Set.copyOf(usualHelpers);
    }

    /** Whether nothing is armed (the detector's fast path: no event is looked at). */
    public boolean idle() {
        return arms.isEmpty();
    }

    /** Arms from the rules {@code e} matched: a successful write of release_agent/core_pattern, a successful host chroot. */
    public void arm(Rule[] matched, SensorEvent e) {
        if (matched.length == 0 || e.container() == null || e.syscall().result() < 0) {
            return;
        }
        for (Rule r : matched) {
            String v = r.vector();
            if (v == null || r.tags().contains(TAG)) {
                continue;
            }
            if (UMH_VECTORS.contains(v) && r.priority().atLeast(Priority.WARNING) && !e.syscall().name().equals("execve")) {
                add(new Arm(v, e.container(), e.process().pid(), fileOf(e), e.time()));
                return;
            }
            if (HOST_CHROOT.equals(v) && r.priority() == Priority.CRITICAL && e.syscall().name().equals("chroot")
                    && e.syscall().result() == 0) {
                add(new Arm(v, e.container(), e.process().pid(), fileOf(e), e.time()));
                return;
            }
        }
    }

    /**
     * The event as the follow-up rules see it when it is an armed step's run: a host process's run carries the
     * arming container; otherwise {@code e} itself.
     */
    public SensorEvent link(SensorEvent e) {
        if (arms.isEmpty() || !e.syscall().name().equals("execve")) {
            return e;
        }
        expire(e.time());
        Arm a = e.container() == null ? kernelRun(e) : hostBinaryRun(e);
        if (a == null) {
            return e;
        }
        Map<String, Object> args = new LinkedHashMap<>(e.syscall().args());
        args.put("escape_of", a.vector());
        args.put("escape_by_pid", a.pid());
        if (a.file() != null) {
            args.put("escape_file", a.file());
        }
        Syscall s = new Syscall(e.syscall().name(), args, e.syscall().result(), e.syscall().errno());
        return new SensorEvent(e.time(), s, e.process(), e.container() == null ? a.container() : e.container());
    }

    /** A usermode helper's run after a release_agent/core_pattern write: the newest arm it fits. */
    private Arm kernelRun(SensorEvent e) {
        if (!Boolean.TRUE.equals(e.syscall().args().get("kernel_spawned"))) {
            return null;
        }
        String program = String.valueOf(e.syscall().args().get("filename"));
        String pipe = pipeProgram(corePattern.get());
        Arm newest = null;
        for (Iterator<Arm> it = arms.descendingIterator(); it.hasNext(); ) {
            Arm a = it.next();
            if (!UMH_VECTORS.contains(a.vector())) {
                continue;
            }
            if (a.vector().equals("core-pattern") && program.equals(pipe)) {
                return a; // the program core_pattern names now
            }
            if (newest == null) {
                newest = a;
            }
        }
        return newest != null && !usualHelpers.contains(program) ? newest : null;
    }

    /** A container process's exec after its own (or an ancestor's) successful chroot into the host's root. */
    private Arm hostBinaryRun(SensorEvent e) {
        ProcessInfo p = e.process();
        for (Iterator<Arm> it = arms.descendingIterator(); it.hasNext(); ) {
            Arm a = it.next();
            if (!a.vector().equals(HOST_CHROOT) || !a.container().id().equals(e.container().id())) {
                continue;
            }
            if (p.pid() == a.pid() || p.ppid() == a.pid()
                    || (p.ancestors() != null && p.ancestors().stream().anyMatch(x -> x.pid() == a.pid()))) {
                return a;
            }
        }
        return null;
    }

    private void add(Arm a) {
        arms.removeIf(x -> x.vector().equals(a.vector()) && x.container().id().equals(a.container().id()) && x.pid() == a.pid());
        arms.addLast(a);
        while (arms.size() > MAX_ARMS) {
            arms.removeFirst();
        }
    }

    private void expire(long now) {
        while (!arms.isEmpty() && now - arms.peekFirst().time() > WINDOW_NS) {
            arms.removeFirst();
        }
    }

    private static String fileOf(SensorEvent e) {
        Map<String, Object> args = e.syscall().args();
        for (String k : new String[]{"name", "path", "filename"}) {
            if (args.get(k) instanceof String s && !s.isEmpty()) {
                return s;
            }
        }
        return null;
    }

    /** The program of a pipe core_pattern ({@code |/path args}), or null. */
    static String pipeProgram(String pattern) {
        if (pattern == null) {
            return null;
        }
        String p = pattern.strip();
        if (!p.startsWith("|")) {
            return null;
        }
        String rest = p.substring(1).strip();
        int sp = rest.indexOf(' ');
        return sp < 0 ? rest : rest.substring(0, sp);
    }

    static String readCorePattern() {
        return read(Path.of("/proc/sys/kernel/core_pattern"));
    }

    /** The usermode helpers configured on this node now (before any container could change them). */
    static Set<String> nodeHelpers() {
        Set<String> s = new LinkedHashSet<>(Set.of("/sbin/modprobe", "/sbin/request-key", "/sbin/poweroff", "/sbin/reboot"));
        String pipe = pipeProgram(readCorePattern());
        if (pipe != null) {
            s.add(pipe);
        }
        for (String f : new String[]{"/proc/sys/kernel/modprobe", "/proc/sys/kernel/hotplug", "/sys/kernel/uevent_helper"}) {
            String v = read(Path.of(f));
            if (v != null && !v.isBlank()) {
                s.add(v.strip());
            }
        }
        return s;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
