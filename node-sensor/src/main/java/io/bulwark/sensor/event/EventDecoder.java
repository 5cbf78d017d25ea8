package io.bulwark.sensor.event;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import io.bulwark.sensor.enrich.ContainerLookup;
import io.bulwark.sensor.enrich.CredBaseline;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.enrich.UpperLayers;
import io.bulwark.sensor.probe.Errno;
import io.bulwark.sensor.probe.RawEvent;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns raw kernel events into {@link SensorEvent}s: names the syscall, decodes its arguments,
 * and attributes it to its process (process table) and container (runtime state). Lifecycle
 * events (fork, exec, exit) also keep the process table current. One decoder per sensor, used
 * from a single thread.
 */
public final class EventDecoder {
    private final SyscallTable table = SyscallTable.get();
    private final ProcessTable processes;
    private final ContainerLookup containers;
    private final long bootToWallNs;
    private final Set<Long> hostNamespaces;
    private final UpperLayers upperLayers = new UpperLayers();
    private final CredBaseline creds = new CredBaseline();
    private final io.bulwark.sensor.enrich.CgroupLayout cgroups = io.bulwark.sensor.enrich.CgroupLayout.detect(java.nio.file.Path.of("/sys/fs/cgroup"));
    private final io.bulwark.sensor.enrich.Proc proc = new io.bulwark.sensor.enrich.Proc(java.nio.file.Path.of("/proc"));

    /**
     * @param bootToWallNs   add to a CLOCK_BOOTTIME timestamp to get Unix-epoch nanoseconds
     * @param hostNamespaces inode numbers of the host's namespaces (setns targets in this set are the host's)
     */
    public EventDecoder(ProcessTable processes, ContainerLookup containers, long bootToWallNs, Set<Long> hostNamespaces) {
        this.processes = processes;
        this.containers = containers;
        this.bootToWallNs = bootToWallNs;
        this.hostNamespaces = hostNamespaces;
    }

    /** Decodes one event; returns null for events that only feed the process table (fork). */
    public SensorEvent decode(RawEvent r) {
        long time = r.ktime() + bootToWallNs;
        return switch (r.op()) {
            case RawEvent.OP_SYSCALL -> {
                String name = table.name(r.nr());
                yield build(r, time, name, credCheck(r, compat(r, syscallArgs(r)), name), r.ret());
            }
            case RawEvent.OP_EXEC -> exec(r, time);
            case RawEvent.OP_FORK -> {
                processes.onFork(r.pid(), r.ppid(), r.comm(), r.ktime());
                creds.onFork(r.pid(), r.ppid(), credsOf(r));
                yield null;
            }
            case RawEvent.OP_EXIT -> {
                SensorEvent e = build(r, time, "procexit", credCheck(r, Map.of("code", r.args()[0] >> 8), "procexit"), 0);
                processes.onExit(r.pid(), r.ktime());
                creds.onExit(r.pid());
                yield e;
            }
            case RawEvent.OP_CGROUP_MKDIR -> {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("path", r.s0());
                a.put("id", r.args()[0]);
                a.put("level", r.args()[1]);
                a.put("hierarchy", r.aux()[0]);
                yield build(r, time, "cgroup_mkdir", a, 0);
            }
            case RawEvent.OP_IOURING -> build(r, time, "io_uring_submit", credCheck(r, ioUringArgs(r), "io_uring_submit"), 0);
            default -> throw new IllegalArgumentException("unknown event op " + r.op());
        };
    }

    private SensorEvent exec(RawEvent r, long time) {
        int len = (int) Math.min(r.aux()[0], r.str1().length);
        List<String> argv = ProcessTable.splitNul(r.str1(), len);
        String filename = r.s0();
        String dentry = r.s2();
        boolean memfd = dentry.startsWith("memfd:");
        // Inside a container, a name proves nothing (anyone can run a binary called runc): an exec
        // there keeps runtime work only when a runtime process re-executes itself. On the host,
        // the runtime binaries themselves start it.
        boolean selfReexec = filename.equals("/proc/self/exe") || dentry.contains("runc_cloned");
        boolean runtimeExe = r.contained()
                ? processes.runtimeWork(r.pid()) && selfReexec
                : ProcessTable.isRuntimeExe(filename) || ProcessTable.isRuntimeExe(dentry)
                        || (selfReexec && processes.runtimeWork(r.pid()));
        boolean upper = r.contained() && upperLayers.inUpperLayer(containers.resolve(r.cgroupId(), true), r.pid(), filename);
        processes.onExec(r.pid(), r.ppid(), r.comm(), filename, argv, runtimeExe, upper, r.ktime());
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("filename", filename);
        a.put("argv", argv);
        a.put("exe_memfd", memfd);
        a.put("exe_deleted", (r.flags() & RawEvent.F_EXE_DELETED) != 0);
        // the executed file's set-id bits and owner, the real uid after the exec, the kernel's privilege raise
        int mode = (int) r.args()[2];
        boolean secure = (r.flags() & RawEvent.F_SECUREEXEC) != 0;
        a.put("exe_setuid", (mode & 04000) != 0);
        a.put("exe_setgid", (mode & 02000) != 0 && (mode & 010) != 0);
        a.put("exe_uid", (int) r.args()[3]);
        a.put("exe_gid", (int) (r.args()[3] >>> 32));
        a.put("ruid", (int) r.args()[4]);
        a.put("secureexec", secure);
        // a container process starting in a directory of another mount namespace (the kernel checks contained tasks only)
        a.put("cwd_foreign_mnt", (r.flags() & RawEvent.F2_CWD_FOREIGN) != 0);
        a.put("root_foreign_mnt", (r.flags() & RawEvent.F2_ROOT_FOREIGN) != 0);
        a.put("exe_foreign_mnt", (r.flags() & RawEvent.F2_EXE_FOREIGN) != 0);
        if (!r.contained() && (isRuntime(filename) || isRuntime(dentry))) {
            // runc/crun exec --process FILE: the exec's settings (cwd among them) are in a file
            List<String> full = len >= RawEvent.STR1_LEN - 1 ? cmdline(r.pid(), argv) : argv;
            String file = RuntimeExecSpec.processFileArg(full);
            if (file != null) {
                a.put("runtime_process_file", file);
                a.put("runtime_process_cwd", RuntimeExecSpec.cwd(r.pid(), file));
            }
        }
        List<String> gained = creds.onExec(r.pid(), credsOf(r), mode, (int) r.args()[3], secure);
        if (gained != null && r.contained()) {
            a.put("cred_unexplained", gained);
        }
        return build(r, time, "execve", a, 0);
    }

    private static boolean isRuntime(String exe) {
        String base = exe.substring(exe.lastIndexOf('/') + 1);
        return base.equals("runc") || base.equals("crun");
    }

    /** The full command line from /proc (the kernel's copy is cut at 255 bytes), or {@code argv} when the process is gone. */
    private static List<String> cmdline(int pid, List<String> argv) {
        try {
            List<String> full = ProcessTable.argv(java.nio.file.Path.of("/proc", String.valueOf(pid)));
            return full.isEmpty() ? argv : full;
        } catch (java.io.IOException | RuntimeException e) {
            return argv;
        }
    }

    private static CredBaseline.Creds credsOf(RawEvent r) {
        return new CredBaseline.Creds(r.uid(), r.capEff(), r.capPrm(), r.userNs() & 0xffffffffL);
    }

    /**
     * Checks the event's creds against the process's baseline (setuid-family results update it); a
     * container process holding root or capabilities nothing it did explains gets {@code cred_unexplained}.
     */
    private Map<String, Object> credCheck(RawEvent r, Map<String, Object> args, String name) {
        int set = r.op() == RawEvent.OP_SYSCALL && r.ret() == 0 ? CredBaseline.euidSet(name, r.args()[0], r.args()[1]) : -1;
        List<String> gained = creds.onEvent(r.pid(), credsOf(r), set);
        if (gained == null || !r.contained()) {
            return args;
        }
        Map<String, Object> m = new LinkedHashMap<>(args);
        m.put("cred_unexplained", gained);
        return m;
    }

    private SensorEvent build(RawEvent r, long time, String name, Map<String, Object> args, long ret) {
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
        String errno = ret < 0 ? Errno.name((int) -ret) : null;
        return new SensorEvent(time, new Syscall(name, args, ret, errno), process, container);
    }

    /**
     * The start time a kill names the process by: known from the /proc scan or an earlier event; for a
     * container's process seen first after the scan, read once from /proc/PID/stat (one read per process,
     * not per event; host processes forked later stay unknown, a node.kill is for container processes).
     */
    private Long startTicks(ProcessTable.Proc p, RawEvent r) {
        if (p != null && p.startTicks() >= 0) {
            // a process that started after the event holds a recycled pid: not the one to name
            return p.startTicks() * ProcessTable.NS_PER_TICK <= r.ktime() ? p.startTicks() : null;
        }
        return r.contained() ? processes.startTicks(r.pid(), r.ktime()) : null;
    }

    private static long u32(int v) {
        return v & 0xffffffffL;
    }

    /*
     * Each syscall's arguments are decoded in a method of its own, called from the switch: C2 then
     * inlines the ones a node's events actually reach, and a compilation of the switch does not
     * carry every syscall's decoding (one method with all of them inlined took 25 MB of compiler
     * memory once the warm-up had reached every case; docs/benchmarks.md).
     */
    private Map<String, Object> syscallArgs(RawEvent r) {
        long[] a = r.args();
        Map<String, Object> m = new LinkedHashMap<>();
        String name = table.name(r.nr());
        switch (name) {
            case "open", "creat" -> argsOpen(r, a, m, name);
            case "openat" -> argsOpenat(r, a, m, name);
            case "openat2" -> argsOpenat2(r, a, m, name);
            case "connect" -> argsConnect(r, a, m, name);
            case "socket" -> argsSocket(r, a, m, name);
            case "setns" -> argsSetns(r, a, m, name);
            case "unshare", "clone" -> m.put("flags", Flags.clone(a[0]));
            case "clone3" -> m.put("flags", Flags.clone(r.aux()[0]));
            case "mount" -> argsMount(r, a, m, name);
            case "fsopen" -> argsFsopen(r, a, m, name);
            case "fsconfig" -> argsFsconfig(r, a, m, name);
            case "fsmount" -> argsFsmount(r, a, m, name);
            case "move_mount" -> argsMoveMount(r, a, m, name);
            case "open_tree" -> argsOpenTree(r, a, m, name);
            case "chroot" -> argsChroot(r, m);
            case "pivot_root" -> argsPivotRoot(r, a, m, name);
            case "ptrace" -> argsPtrace(r, a, m, name);
            case "process_vm_writev" -> m.put("pid", (int) a[0]);
            case "bpf" -> m.put("cmd", Flags.bpfCmd(a[0]));
            case "init_module" -> m.put("len", a[1]);
            case "finit_module" -> argsFinitModule(r, a, m, name);
            case "delete_module" -> m.put("name", r.s0());
            case "userfaultfd" -> m.put("flags", a[0]);
            case "memfd_create" -> argsMemfdCreate(r, a, m, name);
            case "open_by_handle_at" -> argsOpenByHandleAt(r, a, m, name);
            case "name_to_handle_at" -> m.put("path", r.s0());
            case "mknod" -> argsMknod(r, a, m, name);
            case "mknodat" -> argsMknodat(r, a, m, name);
            case "symlink", "symlinkat" -> argsSymlink(r, a, m, name);
            case "link", "linkat", "rename", "renameat", "renameat2" -> argsLink(r, a, m, name);
            case "unlink", "unlinkat" -> argsUnlink(r, a, m, name);
            case "chdir", "fchdir" -> argsChdir(r, a, m, name);
            case "dup2", "dup3" -> argsDup2(r, a, m, name);
            case "splice" -> argsSplice(r, a, m, name);
            case "setuid", "setfsuid" -> m.put("uid", (int) a[0]);
            case "setgid", "setfsgid" -> m.put("gid", (int) a[0]);
            case "setreuid" -> argsSetreuid(r, a, m, name);
            case "setregid" -> argsSetregid(r, a, m, name);
            case "setresuid" -> argsSetresuid(r, a, m, name);
            case "setresgid" -> argsSetresgid(r, a, m, name);
            case "capset" -> argsCapset(r, a, m, name);
            default -> argsOther(r, a, m, name);
        }
        return m;
    }

    private void argsOpen(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("path", r.s0());
        m.put("name", absolute(r, AT_FDCWD, m));
        m.put("flags", Flags.open(name.equals("creat") ? 01 | 0100 | 01000 : a[1]));
        m.put("mode", name.equals("creat") ? a[1] : a[2]);
        procFdTarget(r, m);
        foreignFile(r, m);
    }

    private void argsOpenat(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("dirfd", (int) a[0]);
        m.put("path", r.s0());
        m.put("name", absolute(r, (int) a[0], m));
        m.put("flags", Flags.open(a[2]));
        m.put("mode", a[3]);
        procFdTarget(r, m);
        foreignFile(r, m);
    }

    private void argsOpenat2(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("dirfd", (int) a[0]);
        m.put("path", r.s0());
        m.put("name", absolute(r, (int) a[0], m));
        m.put("flags", Flags.open(r.aux()[0]));
        procFdTarget(r, m);
        foreignFile(r, m);
    }

    private void argsConnect(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fd", (int) a[0]);
        sockaddr(r, m);
    }

    private void argsSocket(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("domain", Flags.family(a[0]));
        m.put("type", Flags.socketType(a[1]));
        m.put("protocol", a[2]);
    }

    private void argsSetns(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fd", (int) a[0]);
        m.put("nstype", Flags.clone(a[1]));
        long inum = r.aux()[0];
        boolean nsFile = inum != 0;
        m.put("ns_type", nsFile ? r.s0() : null);
        m.put("ns_inum", inum);
        String fdName = nsFile ? null : r.s0();
        boolean host = nsFile && hostNamespaces.contains(inum);
        if ("pidfd".equals(fdName)) {
            // setns(pidfd): the target is a process; it is the host's when it shares the host's mount namespace.
            int target = (int) r.aux()[1];
            m.put("target_pid", target);
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
        m.put("fd_name", fdName);
    }

    private void argsMount(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("source", r.s0());
        m.put("target", r.s1());
        m.put("fstype", r.s2());
        m.put("flags", Flags.mount(a[3]));
    }

    private void argsFsopen(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fsname", r.s2());
        m.put("flags", a[1]);
    }

    private void argsFsconfig(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fd", (int) a[0]);
        m.put("cmd", a[1]);
        m.put("key", r.s2());
        m.put("value", r.s0());
    }

    private void argsFsmount(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fd", (int) a[0]);
        m.put("flags", a[1]);
    }

    private void argsMoveMount(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("from_path", r.s0());
        m.put("to_path", r.s1());
        m.put("flags", a[4]);
    }

    private void argsOpenTree(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("path", r.s0());
        m.put("flags", a[2]);
    }

    /** chroot: the path, and (set by the kernel at a container's successful chroot) whether the new root is in another mount namespace. */
    private static void argsChroot(RawEvent r, Map<String, Object> m) {
        m.put("path", r.s0());
        m.put("root_foreign_mnt", (r.flags() & RawEvent.F2_ROOT_FOREIGN) != 0);
    }

    private void argsPivotRoot(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("new_root", r.s0());
        m.put("put_old", r.s1());
    }

    private void argsPtrace(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("request", Flags.ptraceRequest(a[0]));
        m.put("pid", (int) a[1]);
    }

    private void argsFinitModule(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fd", (int) a[0]);
        m.put("flags", a[2]);
    }

    private void argsMemfdCreate(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("name", r.s0());
        m.put("flags", a[1]);
    }

    private void argsOpenByHandleAt(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("mountdirfd", (int) a[0]);
        m.put("flags", Flags.open(a[2]));
    }

    private void argsMknod(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("path", r.s0());
        m.put("name", r.s0());
        m.put("mode", Flags.mknodMode(a[1]));
        m.put("dev", Flags.dev(a[2]));
    }

    private void argsMknodat(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("path", r.s0());
        m.put("name", r.s0());
        m.put("mode", Flags.mknodMode(a[2]));
        m.put("dev", Flags.dev(a[3]));
    }

    private void argsSymlink(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("target", r.s0());
        m.put("linkpath", r.s1());
        m.put("linkname", entryName(r, name.equals("symlinkat") ? (int) a[1] : AT_FDCWD, r.s1(), r.s2()));
    }

    private void argsUnlink(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("path", r.s0());
        m.put("name", entryName(r, name.equals("unlinkat") ? (int) a[0] : AT_FDCWD, r.s0(), r.s1()));
    }

    private void argsLink(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("oldpath", r.s0());
        m.put("newpath", r.s1());
        boolean at = !name.equals("link") && !name.equals("rename");
        int oldDirfd = at ? (int) a[0] : AT_FDCWD;
        int newDirfd = at ? (int) a[2] : AT_FDCWD;
        String newName = entryName(r, newDirfd, r.s1(), r.s2());
        // the kernel named the new entry's directory; the old one's is the same when both are relative to one directory
        m.put("oldname", entryName(r, oldDirfd, r.s0(), oldDirfd == newDirfd ? r.s2() : ""));
        m.put("newname", newName);
        if (name.equals("renameat2")) {
            m.put("flags", Flags.rename(a[4]));
            if ((a[4] & RENAME_EXCHANGE) != 0) {
                exchangeTypes(r, (int) a[0], (int) a[2], m);
            }
        }
    }

    private static final long RENAME_EXCHANGE = 2;

    /**
     * The kinds of the two entries a RENAME_EXCHANGE swapped, looked at now through the process's
     * root (/proc/TID/root): a symlink swapped with a directory is how a mount target is raced
     * under the runtime (CVE-2021-30465). The loop keeps swapping them, so whichever state is seen,
     * the pair is the same. {@code exchange_types} is "A,B" sorted, or null when either is gone.
     */
    private static void exchangeTypes(RawEvent r, int olddirfd, int newdirfd, Map<String, Object> m) {
        String a = entryType(r.tid(), olddirfd, r.s0());
        String b = entryType(r.tid(), newdirfd, r.s1());
        String pair = a == null || b == null ? null : a.compareTo(b) <= 0 ? a + "," + b : b + "," + a;
        m.put("exchange_types", pair);
        m.put("exchange_symlink_dir", "dir,symlink".equals(pair));
    }

    private static String entryType(int tid, int dirfd, String path) {
        String abs = absolute(tid, dirfd, path);
        if (!abs.startsWith("/")) {
            return null;
        }
        try {
            java.nio.file.attribute.BasicFileAttributes at = java.nio.file.Files.readAttributes(
                    java.nio.file.Path.of("/proc", String.valueOf(tid), "root", abs.substring(1)),
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return at.isSymbolicLink() ? "symlink" : at.isDirectory() ? "dir" : at.isRegularFile() ? "file" : "other";
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private void argsChdir(RawEvent r, long[] a, Map<String, Object> m, String name) {
        // sent only when the working directory (or the descriptor) is in another mount namespace
        if (name.equals("chdir")) {
            m.put("path", r.s0());
        } else {
            m.put("fd", (int) a[0]);
            m.put("fd_foreign_mnt", r.aux()[0] != 0);
        }
        m.put("cwd_foreign_mnt", r.aux()[1] != 0);
        m.put("cwd_name", r.s1());
    }

    private void argsDup2(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("oldfd", (int) a[0]);
        m.put("newfd", (int) a[1]);
        m.put("oldfd_type", Flags.fileType(r.aux()[0]));
    }

    private void argsSplice(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("fd_in", (int) a[0]);
        m.put("fd_out", (int) a[2]);
        m.put("len", a[4]);
        m.put("flags", a[5]);
        m.put("in_type", Flags.fileType(r.aux()[0]));
        m.put("out_type", Flags.fileType(r.aux()[1]));
    }

    private void argsSetreuid(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("ruid", (int) a[0]);
        m.put("euid", (int) a[1]);
    }

    private void argsSetregid(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("rgid", (int) a[0]);
        m.put("egid", (int) a[1]);
    }

    private void argsSetresuid(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("ruid", (int) a[0]);
        m.put("euid", (int) a[1]);
        m.put("suid", (int) a[2]);
    }

    private void argsSetresgid(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("rgid", (int) a[0]);
        m.put("egid", (int) a[1]);
        m.put("sgid", (int) a[2]);
    }

    private void argsCapset(RawEvent r, long[] a, Map<String, Object> m, String name) {
        m.put("effective", "0x" + Long.toHexString(r.aux()[0]));
        m.put("permitted", "0x" + Long.toHexString(r.aux()[1]));
        // capabilities asked for that the caller did not hold (its creds were read at entry)
        long added = (r.aux()[0] & ~r.capEff()) | (r.aux()[1] & ~r.capPrm());
        if (added != 0) {
            m.put("cap_added", io.bulwark.contract.Capabilities.names(added));
        }
    }

    private void argsOther(RawEvent r, long[] a, Map<String, Object> m, String name) {
        for (int i = 0; i < 6; i++) {
            m.put("arg" + i, a[i]);
        }
    }

    /**
     * A syscall made through the 32-bit door (the kernel translated its number and arguments to x86_64):
     * {@code compat: true}, {@code compat_64bit_code} (the caller ran 64-bit code: int 0x80 from a 64-bit
     * program) and {@code socketcall: true} for socket/connect made through ia32 socketcall(2). Absent on
     * ordinary 64-bit syscalls. Added after the syscall's own arguments, so evt.arg[N] keeps its meaning.
     */
    private static Map<String, Object> compat(RawEvent r, Map<String, Object> m) {
        if ((r.flags() & RawEvent.F_COMPAT) == 0) {
            return m;
        }
        m.put("compat", true);
        m.put("compat_64bit_code", (r.flags() & RawEvent.F_COMPAT64) != 0);
        if ((r.flags() & RawEvent.F_SOCKETCALL) != 0) {
            m.put("socketcall", true);
        }
        return m;
    }

    /** Inode of a process's namespace, 0 when it cannot be read (the process is gone). */
    static final int AT_FDCWD = -100;

    /**
     * The absolute name of an open's path: for a relative one, the directory the kernel named at the
     * syscall (from the task's root; also put in {@code dir}) when it could, else what /proc says now.
     */
    private static String absolute(RawEvent r, int dirfd, Map<String, Object> m) {
        String path = r.s0();
        // with F_PROC_FD, str1 names the file behind the descriptor, not a directory
        String dir = (r.flags() & RawEvent.F_PROC_FD) != 0 ? null : kernelDir(r, path, r.s1());
        if (dir != null) {
            m.put("dir", dir);
        }
        return entryName(r, dirfd, path, dir);
    }

    /** The directory the kernel named at the call for the relative {@code path} ({@code slot}, with OPEN_DIR in aux[1]), or null. */
    private static String kernelDir(RawEvent r, String path, String slot) {
        boolean relative = !path.isEmpty() && path.charAt(0) != '/';
        return relative && (r.aux()[1] & RawEvent.OPEN_DIR) != 0 && slot.startsWith("/") ? slot : null;
    }

    /**
     * The absolute path of a rename's, link's, symlink's or unlink's relative {@code path}: against
     * the directory the kernel named at the call ({@code kernelDir}, with {@link RawEvent#OPEN_DIR}
     * in aux[1]) when it did, so that a one-shot {@code mv} or {@code ln} gone before the event is
     * decoded is still placed; else against /proc at decode time.
     */
    private static String entryName(RawEvent r, int dirfd, String path, String kernelDir) {
        if (path.isEmpty() || path.charAt(0) == '/') {
            return path;
        }
        String dir = kernelDir == null ? null : kernelDir(r, path, kernelDir);
        if (dir != null) {
            try {
                return java.nio.file.Path.of(dir).resolve(path).normalize().toString();
            } catch (RuntimeException e) {
                // an unusual name (NUL-free, but not a valid path here): fall back to /proc
            }
        }
        return absolute(r.tid(), dirfd, path);
    }

    /**
     * A relative path made absolute the way the opener sees it: against its working directory
     * ({@code AT_FDCWD}) or the directory behind {@code dirfd}, read from /proc at decode time
     * (for a container process that is the path inside the container). Falls back to the raw path
     * when the process is gone or the descriptor is not a directory path. `.` and `..` are folded
     * textually (symlinks are not followed).
     */
    static String absolute(int tid, int dirfd, String path) {
        if (path.isEmpty() || path.charAt(0) == '/') {
            return path;
        }
        String base;
        try {
            base = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc", String.valueOf(tid),
                    dirfd == AT_FDCWD ? "cwd" : "fd/" + dirfd)).toString();
        } catch (java.io.IOException | RuntimeException e) {
            return path;
        }
        if (!base.startsWith("/")) {
            return path; // not a directory path (a socket, an anonymous inode…)
        }
        if (base.endsWith(" (deleted)")) {
            base = base.substring(0, base.length() - " (deleted)".length());
        }
        return java.nio.file.Path.of(base).resolve(path).normalize().toString();
    }

    /** The container process {@code pid} runs in (its cgroup2 path, then the runtimes' state), or null. */
    private ContainerInfo containerOfPid(int pid) {
        long id = cgroups.idOf(proc.cgroupV2Path(pid));
        return id > 1 ? containers.resolve(id, true) : null;
    }

    /** The short name of process {@code pid} (/proc/PID/comm), or null when it is gone. */
    private static String comm(int pid) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc", String.valueOf(pid), "comm")).strip();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** True when {@code pid} is a process of the root pid namespace (its status lists one NSpid). */
    private static boolean rootPidNamespace(int pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("NSpid:")) {
                    return line.substring("NSpid:".length()).trim().split("\\s+").length == 1;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // gone: unknown, not the host's
        }
        return false;
    }

    private static long nsOf(int pid, String type) {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/ns/" + type)).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    private void sockaddr(RawEvent r, Map<String, Object> m) {
        int family = (int) r.aux()[0];
        m.put("family", Flags.family(family));
        if (family == 1) {
            byte[] p = r.str0();
            String path = p.length > 1 && p[0] == 0 && p[1] != 0 ? "@" + RawEvent.cstring(p, 1, 107) : RawEvent.cstring(p, 0, 108);
            m.put("path", path);
            m.put("name", path);
        } else if (family == 2 || family == 10) {
            byte[] raw = Arrays.copyOf(r.str1(), family == 2 ? 4 : 16);
            try {
                m.put("addr", InetAddress.getByAddress(raw).getHostAddress());
            } catch (UnknownHostException e) {
                m.put("addr", null);
            }
            m.put("port", (int) r.aux()[1]);
        }
    }

    private Map<String, Object> ioUringArgs(RawEvent r) {
        Map<String, Object> m = new LinkedHashMap<>();
        String op = Flags.ioUringOp(r.nr());
        m.put("opcode", op);
        if (op.equals("CONNECT")) {
            sockaddr(r, m);
        } else {
            m.put("path", r.s0());
            m.put("name", r.s0());
            m.put("flags", Flags.open(r.args()[0]));
            procFdTarget(r, m);
            foreignFile(r, m);
        }
        return m;
    }

    /**
     * A write open the kernel sent only because the file it opened is on a mount of another mount
     * namespace than the opener's (a host file reached through a leaked directory, a procfs mounted
     * elsewhere, /proc/N/root …): its name and type, as the kernel saw the opened file.
     */
    private static void foreignFile(RawEvent r, Map<String, Object> m) {
        if ((r.flags() & RawEvent.F2_DIR_FOREIGN) != 0) {
            m.put("dir_foreign_mnt", true); // a relative name under a directory of another mount namespace
        }
        kernelFile(r, m);
        if ((r.flags() & RawEvent.F2_FILE_FOREIGN) == 0) {
            return;
        }
        int mode = (int) r.aux()[1];
        m.put("file_foreign_mnt", true);
        m.put("file_name", r.s1());
        m.put("file_type", Flags.fileType(mode));
        m.put("file_exec", (mode & 0111) != 0);
    }

    /**
     * A write open that reached a kernel interface the sensor watches by name (core_pattern,
     * release_agent, sysrq-trigger …) on a kernel pseudo-filesystem, as the kernel saw the opened
     * file at the open's exit: its own name, its filesystem, and whether the name the caller gave
     * ended otherwise (a symlink, a bind mount over another file, a reopened descriptor).
     */
    private static void kernelFile(RawEvent r, Map<String, Object> m) {
        if ((r.flags() & RawEvent.F2_FILE_KERNEL) == 0) {
            return;
        }
        String file = r.s2();
        m.put("kernel_file", file);
        m.put("kernel_fs", Flags.pseudoFs(r.args()[5]));
        Object path = m.get("path");
        String given = path == null ? "" : path.toString();
        while (given.endsWith("/") && given.length() > 1) {
            given = given.substring(0, given.length() - 1);
        }
        m.put("redirected", !given.substring(given.lastIndexOf('/') + 1).equals(file));
    }

    /** An open of /proc/self/fd/N (or the opener's own pid) that the kernel resolved: the file behind descriptor N. */
    private static void procFdTarget(RawEvent r, Map<String, Object> m) {
        if ((r.flags() & RawEvent.F_PROC_FD) == 0) {
            return;
        }
        long info = r.aux()[1];
        int mode = (int) info;
        m.put("fd_target", r.s1());
        m.put("fd_target_type", Flags.fileType(mode));
        m.put("fd_target_exec", (mode & 0111) != 0);
        m.put("fd_target_foreign_mnt", (info & RawEvent.FD_FOREIGN_MNT) != 0);
        m.put("fd_target_procfs", (info & RawEvent.FD_PROCFS) != 0);
        m.put("fd_target_other_process", (info & RawEvent.FD_OTHER_PROC) != 0);
    }
}
