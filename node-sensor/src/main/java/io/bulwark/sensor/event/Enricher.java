package io.bulwark.sensor.event;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.enrich.CgroupLayout;
import io.bulwark.sensor.enrich.ContainerLookup;
import io.bulwark.sensor.enrich.Proc;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.probe.Errno;
import io.bulwark.sensor.probe.RawEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Enrichment, the stage after the pure decoder and the process stage: what the live system tells about a
 * decoded event. It fills in the arguments {@link EventSchema} marks for it (a relative path name the kernel
 * did not place, made absolute through /proc; a setns target; the two entries of a RENAME_EXCHANGE; a
 * runtime's process file), then attributes the event to its process (the process table's view of it) and
 * its container. Reads /proc and the container runtimes' state; keeps no state of its own.
 */
public final class Enricher {
    private final ProcessTable processes;
    private final ContainerLookup containers;
    private final long bootToWallNs;
    private final Set<Long> hostNamespaces;
    private final Path procRoot;
    private final CgroupLayout cgroups;
    private final Proc proc;

    /**
     * @param bootToWallNs   add to a CLOCK_BOOTTIME timestamp to get Unix-epoch nanoseconds
     * @param hostNamespaces inode numbers of the host's namespaces (setns targets in this set are the host's)
     */
    public Enricher(ProcessTable processes, ContainerLookup containers, long bootToWallNs, Set<Long> hostNamespaces) {
        this(processes, containers, bootToWallNs, hostNamespaces, Path.of("/proc"), Path.of("/sys/fs/cgroup"));
    }

    Enricher(ProcessTable processes, ContainerLookup containers, long bootToWallNs, Set<Long> hostNamespaces, Path procRoot,
             Path cgroupRoot) {
        this.processes = processes;
        this.containers = containers;
        this.bootToWallNs = bootToWallNs;
        this.hostNamespaces = hostNamespaces;
        this.procRoot = procRoot;
        this.cgroups = CgroupLayout.detect(cgroupRoot);
        this.proc = new Proc(procRoot);
    }

    /** Fills in the arguments of {@code d} that need /proc (in place: the order of the arguments is kept). */
    public void enrichArgs(RecordDecoder.Decoded d) {
        EventSchema.Event e = d.schema();
        if (e == null) {
            return;
        }
        RawEvent r = d.raw();
        Map<String, Object> m = d.args();
        for (EventSchema.Arg a : e.placedThroughProc()) {
            if (a.relativeTo() != null && m.get(a.name()) instanceof String s && !s.isEmpty() && s.charAt(0) != '/') {
                m.put(a.name(), absolute(r.tid(), (Integer) a.relativeTo().read(r), s));
            }
        }
        switch (e.enrich()) {
            case SETNS_TARGET -> setns(r, m);
            case RENAME_EXCHANGE -> {
                if (m.containsKey("exchange_types")) {
                    exchangeTypes(r, m);
                }
            }
            case RUNTIME_PROCESS -> runtimeProcess(r, m);
            case CHROOT_ROOT -> {
                if (d.ret() == 0 && r.contained()) {
                    m.put("root_host", chrootIntoHostRoot(r));
                }
            }
            case NONE -> { }
        }
    }

    /** The event as the rules see it: the arguments with the process (from the table) and the container it ran in. */
    public SensorEvent build(RecordDecoder.Decoded d) {
        RawEvent r = d.raw();
        ProcessTable.Proc p = processes.get(r.pid());
        String exe = p == null ? "" : p.exe();
        List<String> procArgs = p == null ? List.of() : p.args();
        String comm = r.comm();
        String cmdline = p != null && comm.equals(p.comm()) ? p.cmdline()
                : procArgs.isEmpty() ? comm : comm + " " + String.join(" ", procArgs);
        boolean runtimeWork = p != null && p.runtimeWork();
        ProcessInfo.Namespaces ns = new ProcessInfo.Namespaces(u32(r.mntNs()), u32(r.pidNs()), u32(r.netNs()), u32(r.userNs()),
                u32(r.cgroupNs()), u32(r.utsNs()), u32(r.ipcNs()));
        ProcessInfo process = new ProcessInfo(r.pid(), r.tid(), r.ppid(), r.vpid(), r.uid(), r.gid(), r.loginuid(),
                comm, exe, procArgs, cmdline, r.tty(), r.cgroupId(), ns, r.capEff(), r.capPrm(), p != null && p.exeUpperLayer(), runtimeWork,
                processes.ancestors(r.ppid()), startTicks(p, r));
        ContainerInfo container = containers.resolve(r.cgroupId(), r.contained());
        long ret = d.ret();
        String errno = ret < 0 ? Errno.name((int) -ret) : null;
        return new SensorEvent(r.ktime() + bootToWallNs, new Syscall(d.type(), d.args(), ret, errno), process, container);
    }

    /**
     * The start time a kill names the process by, when the table knows it (the /proc scan at start); no /proc
     * read here: for a process seen first later it is read when an alert names it
     * ({@link io.bulwark.sensor.enrich.ProcessStartTimes#atAlert}), not for every new process on this path.
     */
    private static Long startTicks(ProcessTable.Proc p, RawEvent r) {
        if (p != null && p.startTicks() >= 0) {
            // a process that started after the event holds a recycled pid: not the one to name
            return p.startTicks() * ProcessTable.NS_PER_TICK <= r.ktime() ? p.startTicks() : null;
        }
        return null;
    }

    private static long u32(int v) {
        return v & 0xffffffffL;
    }

    // ---- setns ----

    private void setns(RawEvent r, Map<String, Object> m) {
        long inum = r.aux()[0];
        boolean host = inum != 0 && hostNamespaces.contains(inum);
        if (m.containsKey("target_pid")) {
            // setns(pidfd): the target is a process; it is the host's when it shares the host's mount namespace
            int target = (Integer) m.get("target_pid");
            long mnt = target > 0 ? nsOf(target, "mnt") : 0;
            // a process whose namespaces even root may not read (a sandbox's init): it is the
            // host's when it lives in the root pid namespace (one NSpid entry)
            host = mnt != 0 ? hostNamespaces.contains(mnt) : target > 0 && rootPidNamespace(target);
            // neither the host's nor the caller's own: another container (or a sandbox) next to it
            boolean other = mnt != 0 && !host && mnt != (r.mntNs() & 0xffffffffL);
            m.put("target_other_mnt_ns", other);
            m.put("target_comm", target > 0 ? comm(target) : null);
            ContainerInfo tc = other ? containerOfPid(target) : null;
            m.put("target_container", tc == null ? null : tc.id());
            m.put("target_container_name", tc == null ? null : tc.name());
        }
        m.put("ns_host", host);
    }

    /** The container process {@code pid} runs in (its cgroup2 path, then the runtimes' state), or null. */
    private ContainerInfo containerOfPid(int pid) {
        long id = cgroups.idOf(proc.cgroupV2Path(pid));
        return id > 1 ? containers.resolve(id, true) : null;
    }

    /** The short name of process {@code pid} (/proc/PID/comm), or null when it is gone. */
    private String comm(int pid) {
        try {
            return Files.readString(procRoot.resolve(pid + "/comm")).strip();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** True when {@code pid} is a process of the root pid namespace (its status lists one NSpid). */
    private boolean rootPidNamespace(int pid) {
        try {
            for (String line : Files.readAllLines(procRoot.resolve(pid + "/status"))) {
                if (line.startsWith("NSpid:")) {
                    return line.substring("NSpid:".length()).trim().split("\\s+").length == 1;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone: unknown, not the host's
        }
        return false;
    }

    /** Inode of a process's namespace, 0 when it cannot be read (the process is gone). */
    private long nsOf(int pid, String type) {
        try {
            String link = Files.readSymbolicLink(procRoot.resolve(pid + "/ns/" + type)).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    // ---- path names ----

    /**
     * A relative path made absolute the way the caller sees it: against its working directory
     * ({@code AT_FDCWD}) or the directory behind {@code dirfd}, read from /proc at decode time
     * (for a container process that is the path inside the container). Falls back to the raw path
     * when the process is gone or the descriptor is not a directory path. `.` and `..` are folded
     * textually (symlinks are not followed).
     */
    String absolute(int tid, int dirfd, String path) {
        if (path.isEmpty() || path.charAt(0) == '/') {
            return path;
        }
        String base;
        try {
            base = Files.readSymbolicLink(procRoot.resolve(tid + (dirfd == EventSchema.AT_FDCWD ? "/cwd" : "/fd/" + dirfd))).toString();
        } catch (IOException | RuntimeException e) {
            return path;
        }
        if (!base.startsWith("/")) {
            return path; // not a directory path (a socket, an anonymous inode…)
        }
        if (base.endsWith(" (deleted)")) {
            base = base.substring(0, base.length() - " (deleted)".length());
        }
        return Path.of(base).resolve(path).normalize().toString();
    }

    /**
     * The kinds of the two entries a RENAME_EXCHANGE swapped, looked at now through the process's
     * root (/proc/TID/root): a symlink swapped with a directory is how a mount target is raced
     * under the runtime (CVE-2021-30465). The loop keeps swapping them, so whichever state is seen,
     * the pair is the same. {@code exchange_types} is "A,B" sorted, or null when either is gone.
     */
    private void exchangeTypes(RawEvent r, Map<String, Object> m) {
        String a = entryType(r.tid(), (int) r.args()[0], r.s0());
        String b = entryType(r.tid(), (int) r.args()[2], r.s1());
        String pair = a == null || b == null ? null : a.compareTo(b) <= 0 ? a + "," + b : b + "," + a;
        m.put("exchange_types", pair);
        m.put("exchange_symlink_dir", "dir,symlink".equals(pair));
    }

    private String entryType(int tid, int dirfd, String path) {
        String abs = absolute(tid, dirfd, path);
        if (!abs.startsWith("/")) {
            return null;
        }
        try {
            BasicFileAttributes at = Files.readAttributes(procRoot.resolve(tid + "/root").resolve(abs.substring(1)),
                    BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return at.isSymbolicLink() ? "symlink" : at.isDirectory() ? "dir" : at.isRegularFile() ? "file" : "other";
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    // ---- chroot ----

    /**
     * Whether a container's successful chroot made the host's root directory its root, judged by what the new
     * root is (its device and inode against those of /proc/1/root), not by its name: a volume of the node's / at
     * /mnt is the node's root all the same. The new root is the process's own /proc/TID/root while it lives; a
     * process already gone (chroot, one command, exit) is judged by its absolute path resolved in the container's
     * mount namespace (through its init process's root), where the chroot resolved it.
     */
    private boolean chrootIntoHostRoot(RawEvent r) {
        String host = inode(procRoot.resolve("1/root"));
        if (host == null) {
            // init's root unreadable (a sandbox that denies it even to root): the sensor's own, which is the host's
            // when it runs on the node (a DaemonSet's container has /proc/1 of the host with hostPID)
            host = inode(procRoot.resolve("self/root"));
        }
        if (host == null) {
            return false;
        }
        String root = inode(procRoot.resolve(r.tid() + "/root"));
        if (root == null) {
            String path = r.s0();
            ContainerInfo c = containers.resolve(r.cgroupId(), true);
            if (c != null && c.pid() > 0 && path.startsWith("/")) {
                root = inode(procRoot.resolve(c.pid() + "/root" + path));
            }
        }
        return host.equals(root);
    }

    /** {@code dev:ino} of the directory {@code p} leads to (links followed), or null when it cannot be read. */
    private static String inode(Path p) {
        try {
            return Files.getAttribute(p, "unix:dev") + ":" + Files.getAttribute(p, "unix:ino");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    // ---- runtime exec ----

    /** runc/crun exec --process FILE on the host: the exec's settings (cwd among them) are in that file. */
    private void runtimeProcess(RawEvent r, Map<String, Object> m) {
        String filename = r.s0();
        String dentry = r.s2();
        if (r.contained() || !(isRuntime(filename) || isRuntime(dentry))) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<String> argv = (List<String>) m.get("argv");
        int len = (int) Math.min(r.aux()[0], r.str1().length);
        List<String> full = len >= RawEvent.STR1_LEN - 1 ? cmdline(r.pid(), argv) : argv;
        String file = RuntimeExecSpec.processFileArg(full);
        if (file != null) {
            m.put("runtime_process_file", file);
            m.put("runtime_process_cwd", RuntimeExecSpec.cwd(r.pid(), file));
        }
    }

    private static boolean isRuntime(String exe) {
        String base = exe.substring(exe.lastIndexOf('/') + 1);
        return base.equals("runc") || base.equals("crun");
    }

    /** The full command line from /proc (the kernel's copy is cut at 255 bytes), or {@code argv} when the process is gone. */
    private List<String> cmdline(int pid, List<String> argv) {
        try {
            List<String> full = ProcessTable.argv(procRoot.resolve(Integer.toString(pid)));
            return full.isEmpty() ? argv : full;
        } catch (IOException | RuntimeException e) {
            return argv;
        }
    }
}
