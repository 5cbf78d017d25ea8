package io.bulwark.sensor.enrich;

import io.bulwark.contract.ProcessInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's process table: a /proc scan at start, then kept current by the kernel's fork,
 * exec and exit events. Gives every event its executable, arguments and ancestry, and tells
 * the container runtime's own work apart: a process forked by a runtime (runc, crun, conmon,
 * containerd-shim) stays "runtime work" until it executes something that is not a runtime —
 * the container's entrypoint or the command of {@code runc exec}. This uses lineage and exec,
 * not comm, which a process can forge.
 */
public final class ProcessTable {
    /**
     * What the table knows of one process.
     *
     * @param startTicks the process's start time in clock ticks after boot (field 22 of /proc/PID/stat), -1 until known
     */
    public record Proc(int pid, int ppid, String comm, String exe, List<String> args, boolean runtimeWork, long startNs,
                       String cmdline, boolean exeUpperLayer, long startTicks) {
        public Proc(int pid, int ppid, String comm, String exe, List<String> args, boolean runtimeWork, long startNs,
                    String cmdline, boolean exeUpperLayer) {
            this(pid, ppid, comm, exe, args, runtimeWork, startNs, cmdline, exeUpperLayer, -1);
        }

        public Proc(int pid, int ppid, String comm, String exe, List<String> args, boolean runtimeWork, long startNs,
                    boolean exeUpperLayer) {
            this(pid, ppid, comm, exe, args, runtimeWork, startNs, args.isEmpty() ? comm : comm + " " + String.join(" ", args),
                    exeUpperLayer);
        }

        public Proc(int pid, int ppid, String comm, String exe, List<String> args, boolean runtimeWork, long startNs) {
            this(pid, ppid, comm, exe, args, runtimeWork, startNs, false);
        }

        Proc withStartTicks(long ticks) {
            return new Proc(pid, ppid, comm, exe, args, runtimeWork, startNs, cmdline, exeUpperLayer, ticks);
        }
    }

    /** Nanoseconds in one clock tick of /proc/PID/stat's start time (USER_HZ is 100 on every Linux ABI). */
    public static final long NS_PER_TICK = 10_000_000L;

    /** Ancestor lists by pid, valid while {@link #epoch} is unchanged (any fork/exec/exit changes it). */
    private record CachedAncestors(long epoch, List<ProcessInfo.Ancestor> list) {}

    private final Map<Integer, CachedAncestors> ancestorCache = new ConcurrentHashMap<>();
    private volatile long epoch;

    private static final Set<String> RUNTIMES = Set.of("runc", "crun", "youki", "runsc", "conmon", "containerd-shim",
            "containerd-shim-runc-v1", "containerd-shim-runc-v2", "containerd-shim-runsc-v1", "runc.amd64", "docker-runc");
    private static final int MAX_ANCESTORS = 16;
    /** How long an exited process stays visible for events that arrive after its exit. */
    private static final long GRACE_NS = 5_000_000_000L;

    private final Map<Integer, Proc> procs = new ConcurrentHashMap<>();
    private final Map<Integer, Long> exited = new ConcurrentHashMap<>();
    private final Path proc;

    public ProcessTable(Path procRoot) {
        this.proc = procRoot;
    }

    public ProcessTable() {
        this(Path.of("/proc"));
    }

    public static boolean isRuntimeExe(String exe) {
        if (exe == null) {
            return false;
        }
        String base = exe.substring(exe.lastIndexOf('/') + 1);
        return RUNTIMES.contains(base) || base.startsWith("containerd-shim") || exe.contains("runc_cloned") || base.startsWith("runc:");
    }

    /** Reads every process from /proc. Returns how many were found. */
    public int scan() {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                Proc pr = readProc(Integer.parseInt(name));
                if (pr != null) {
                    procs.put(pr.pid(), pr);
                    n++;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot scan " + proc + ": " + e.getMessage(), e);
        }
        // Second pass: runtime work is inherited from runtime parents.
        for (Proc p : List.copyOf(procs.values())) {
            if (!p.runtimeWork()) {
                Proc parent = procs.get(p.ppid());
                if (parent != null && isRuntimeExe(parent.exe()) && isRuntimeExe(p.exe())) {
                    procs.put(p.pid(), withRuntime(p, true));
                }
            }
        }
        return n;
    }

    /** Reads one process from /proc, or null when it is gone. */
    public Proc readProc(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        try {
            String stat = Files.readString(dir.resolve("stat"));
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String comm = stat.substring(open + 1, close);
            String[] rest = stat.substring(close + 2).split(" ");
            int ppid = Integer.parseInt(rest[1]);
            String exe;
            try {
                exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
                if (exe.endsWith(" (deleted)")) {
                    exe = exe.substring(0, exe.length() - 10);
                }
            } catch (IOException | UnsupportedOperationException e) {
                exe = "";
            }
            List<String> argv = argv(dir);
            List<String> args = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
            // A process named like a runtime counts as one only in the host's mount namespace.
            long startTicks = Long.parseLong(rest[19]); // field 22: rest starts at field 3
            Proc p = new Proc(pid, ppid, comm, exe, List.copyOf(args), isRuntimeExe(exe) && inHostMountNs(dir), 0);
            return p.withStartTicks(startTicks);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private boolean inHostMountNs(Path dir) {
        try {
            return Files.readSymbolicLink(dir.resolve("ns/mnt")).equals(Files.readSymbolicLink(proc.resolve("self/ns/mnt")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The whole command line of the process whose /proc directory is {@code dir}. */
    public static List<String> argv(Path dir) throws IOException {
        byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
        return splitNul(raw, raw.length);
    }

    /** Splits NUL-separated strings (argv as the kernel stores it). */
    public static List<String> splitNul(byte[] raw, int len) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < len) {
            out.add(new String(raw, start, len - start, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Proc withRuntime(Proc p, boolean rt) {
        return new Proc(p.pid(), p.ppid(), p.comm(), p.exe(), p.args(), rt, p.startNs(), p.cmdline(), p.exeUpperLayer(), p.startTicks());
    }

    /** A new process: it starts as a copy of its parent (same image until it executes). */
    public void onFork(int pid, int ppid, String comm, long ns) {
        Proc parent = procs.get(ppid);
        Proc child = parent == null
                ? new Proc(pid, ppid, comm, "", List.of(), false, ns)
                : new Proc(pid, ppid, comm, parent.exe(), parent.args(), parent.runtimeWork(), ns, parent.exeUpperLayer());
        procs.put(pid, child);
        epoch++;
    }

    /**
     * An exec: new image, new arguments. Runtime work continues only if the new image is a
     * runtime itself (runc re-executing itself for init); the first other exec ends it.
     */
    public Proc onExec(int pid, int ppid, String comm, String exe, List<String> argv, boolean runtimeExe, long ns) {
        return onExec(pid, ppid, comm, exe, argv, runtimeExe, false, ns);
    }

    /** As {@link #onExec(int, int, String, String, List, boolean, long)}, recording whether the new image was written after the container started. */
    public Proc onExec(int pid, int ppid, String comm, String exe, List<String> argv, boolean runtimeExe, boolean exeUpperLayer, long ns) {
        Proc old = procs.get(pid);
        boolean parentRuntime = false;
        Proc parent = procs.get(ppid);
        if (parent != null) {
            parentRuntime = parent.runtimeWork() || isRuntimeExe(parent.exe());
        }
        boolean wasRuntime = old != null && old.runtimeWork();
        boolean rt = runtimeExe && (wasRuntime || parentRuntime || isRuntimeExe(exe));
        List<String> args = argv.isEmpty() ? List.of() : List.copyOf(argv.subList(1, argv.size()));
        Proc p = new Proc(pid, ppid, comm, exe, args, rt, ns, exeUpperLayer);
        if (old != null && old.startTicks() >= 0 && !exited.containsKey(pid)) {
            p = p.withStartTicks(old.startTicks()); // an exec keeps the process's start time
        }
        procs.put(pid, p);
        exited.remove(pid);
        epoch++;
        return p;
    }

    /** A process ended; it stays visible for a short grace period for events still queued. */
    public void onExit(int pid, long ns) {
        exited.put(pid, ns);
        ancestorCache.remove(pid);
        epoch++;
        if (exited.size() > 4096) {
            purge(ns);
        }
    }

    private void purge(long now) {
        exited.entrySet().removeIf(e -> {
            if (now - e.getValue() > GRACE_NS) {
                procs.remove(e.getKey());
                return true;
            }
            return false;
        });
    }

    /** Looks a process up, reading /proc for one the table missed. */
    public Proc get(int pid) {
        Proc p = procs.get(pid);
        if (p == null) {
            p = readProc(pid);
            if (p != null) {
                procs.put(pid, p);
            }
        }
        return p;
    }

    /** Field 22 of {@code proc}/PID/stat, or -1 when the process is gone. */
    public static long readStartTicks(Path proc, int pid) {
        try {
            String stat = Files.readString(proc.resolve(Integer.toString(pid)).resolve("stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(rest[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** True when this pid is the runtime's own work. */
    public boolean runtimeWork(int pid) {
        Proc p = procs.get(pid);
        return p != null && p.runtimeWork();
    }

    /** Parent first, up to init or {@value #MAX_ANCESTORS} levels. */
    public List<ProcessInfo.Ancestor> ancestors(int ppid) {
        long e = epoch;
        CachedAncestors c = ancestorCache.get(ppid);
        if (c != null && c.epoch() == e) {
            return c.list();
        }
        List<ProcessInfo.Ancestor> list = List.copyOf(walk(ppid));
        if (ancestorCache.size() > 65536) {
            ancestorCache.clear();
        }
        ancestorCache.put(ppid, new CachedAncestors(e, list));
        return list;
    }

    private List<ProcessInfo.Ancestor> walk(int ppid) {
        List<ProcessInfo.Ancestor> out = new ArrayList<>();
        int pid = ppid;
        for (int i = 0; i < MAX_ANCESTORS && pid > 0; i++) {
            Proc p = get(pid);
            if (p == null) {
                out.add(new ProcessInfo.Ancestor(pid, null, null, null));
                break;
            }
            out.add(new ProcessInfo.Ancestor(pid, p.comm(), p.exe(), p.cmdline()));
            if (p.ppid() == pid) {
                break;
            }
            pid = p.ppid();
        }
        return out;
    }

    public int size() {
        return procs.size();
    }

    /** The processes the table knows whose parent is {@code ppid} (a scan of the table; for evidence, not the event path). */
    public List<Proc> children(int ppid) {
        List<Proc> out = new ArrayList<>();
        for (Proc p : procs.values()) {
            if (p.ppid() == ppid && p.pid() != ppid && !exited.containsKey(p.pid())) {
                out.add(p);
            }
        }
        return out;
    }

    /** True while the table holds {@code pid} as exited (its grace period). */
    public boolean exited(int pid) {
        return exited.containsKey(pid);
    }

    @Override
    public String toString() {
        return "ProcessTable" + Arrays.asList(procs.size(), exited.size());
    }
}
