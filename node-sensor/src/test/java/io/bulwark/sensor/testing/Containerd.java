package io.bulwark.sensor.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private containerd daemon for tests (containerd 1.6 from Debian's {@code containerd} package):
 * its own config, root, state, sockets and {@code opt} directory under a temp directory, the CRI
 * plugin disabled, and a unique namespace ({@code bw-test-<uuid8>}). Containers are started with
 * {@code ctr run --rootfs} from a busybox-static rootfs (plus the static test helpers named by the
 * system property {@code bulwark.testHelpers}, copied into {@code /bin/}), through containerd's
 * runc shim ({@code io.containerd.runc.v2}), exactly as on a node: runc state under
 * {@code /run/containerd/runc/<namespace>/<id>/} (or under {@code --runc-root}), the bundle under
 * {@code <state>/io.containerd.runtime.v2.task/<namespace>/<id>/}.
 *
 * <p>{@link #close()} deletes every task and container, the namespace, stops the daemon, kills any
 * shim left behind (found by this daemon's socket address in its command line), removes the
 * cgroup directories and the runc state it created and the temp directory — also from a shutdown
 * hook when a test dies first. Must run as root.
 *
 * <pre>{@code
 * try (Containerd ctd = Containerd.start();
 *      Containerd.Container c = ctd.container().capAdd("CAP_SYS_ADMIN").start()) {
 *     c.exec("/bin/bwtrigger", "unshare-user");
 * }
 * }</pre>
 */
public final class Containerd implements AutoCloseable {
    public static final Path DAEMON = Path.of("/usr/bin/containerd");
    public static final Path CTR = Path.of("/usr/bin/ctr");
    public static final Path SHIM = Path.of("/usr/bin/containerd-shim-runc-v2");
    /** Where containerd's runc shim keeps runc state when no runc root is given. */
    public static final Path DEFAULT_RUNC_ROOT = Path.of("/run/containerd/runc");

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Set<Containerd> LIVE = ConcurrentHashMap.newKeySet();
    /** Shared directories containerd and ctr create on first use; removed on close only if we created them. */
    static final List<Path> RUN_DIRS = List.of(Path.of("/run/containerd/fifo"), Path.of("/run/containerd/s"),
            DEFAULT_RUNC_ROOT, Path.of("/run/containerd"));

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(Containerd::close),
                "containerd-cleanup"));
    }

    private final Path dir;
    private final Process daemon;
    private final String namespace;
    private final Map<Path, Boolean> runDirsExisted;
    private final List<Container> containers = new ArrayList<>();
    private final Set<Path> runcRoots = ConcurrentHashMap.newKeySet();
    private final Set<String> cgroupParents = ConcurrentHashMap.newKeySet();
    private final Set<String> containerIds = ConcurrentHashMap.newKeySet();
    private boolean closed;

    private Containerd(Path dir, Process daemon, String namespace, Map<Path, Boolean> runDirsExisted) {
        this.dir = dir;
        this.daemon = daemon;
        this.namespace = namespace;
        this.runDirsExisted = runDirsExisted;
    }

    /** Starts the daemon and waits until it answers ({@code ctr version}); on failure everything is removed. */
    public static Containerd start() {
        checkTools();
        String namespace = "bw-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path dir;
        try {
            dir = Files.createTempDirectory("bulwark-containerd-");
            Files.writeString(dir.resolve("config.toml"), config(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare containerd directory", e);
        }
        Map<Path, Boolean> existed = runDirsState();
        Process daemon;
        try {
            daemon = launchDaemon(dir);
        } catch (IOException e) {
            deleteTree(dir);
            throw new UncheckedIOException("cannot start " + DAEMON, e);
        }
        Containerd c = new Containerd(dir, daemon, namespace, existed);
        LIVE.add(c);
        boolean ready = false;
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && daemon.isAlive()) {
                if (Files.exists(c.socket()) && c.ctr("version").exitCode() == 0) {
                    ready = true;
                    break;
                }
                Thread.sleep(100);
            }
            if (!ready) {
                throw new IllegalStateException("containerd did not come up in " + TIMEOUT + " (alive: " + daemon.isAlive()
                        + "); log:\n" + c.logTail());
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting containerd", e);
        } finally {
            if (!ready) {
                c.close();
            }
        }
    }

    private static String config(Path dir) {
        // version 2 config; everything containerd writes goes below dir (the runc shim's runc root
        // and shim sockets excepted: those are fixed under /run/containerd in 1.6, see close())
        return "version = 2\n"
                + "root = \"" + dir.resolve("root") + "\"\n"
                + "state = \"" + dir.resolve("state") + "\"\n"
                + "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                + "[grpc]\n  address = \"" + dir.resolve("containerd.sock") + "\"\n"
                + "[ttrpc]\n  address = \"" + dir.resolve("containerd.sock.ttrpc") + "\"\n"
                + "[debug]\n  address = \"" + dir.resolve("debug.sock") + "\"\n"
                + "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" + dir.resolve("opt") + "\"\n";
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    /** The containerd namespace of every container this daemon starts. */
    public String namespace() {
        return namespace;
    }

    /** containerd's state directory ({@code state = …} in its config). */
    public Path stateDir() {
        return dir.resolve("state");
    }

    /** A new container in this daemon's namespace. */
    public Builder container() {
        return new Builder();
    }

    /** {@code ctr --address <socket> --namespace <ns> args…}. */
    public RuncContainer.ExecResult ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of(CTR.toString(), "--address", socket().toString(), "--namespace", namespace));
        cmd.addAll(List.of(args));
        return run(cmd, TIMEOUT);
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("containerd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Everything is removed; safe to call twice, never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.remove(this);
        for (Container c : List.copyOf(containers)) {
            c.close();
        }
        if (daemon.isAlive()) {
            ctr("namespaces", "rm", namespace);
        }
        stopDaemon(daemon);
        killOwnShims();
        removeShimSockets(socket(), namespace, containerIds);
        for (Path root : runcRoots) {
            Path nsRoot = root.resolve(namespace);
            for (Path left : listDirs(nsRoot)) {
                // a container whose task could not be deleted through containerd
                run(List.of("runc", "--root", nsRoot.toString(), "delete", "--force", left.getFileName().toString()), TIMEOUT);
            }
            rmdir(nsRoot);
            if (!root.equals(DEFAULT_RUNC_ROOT)) {
                rmdir(root);
            }
        }
        for (String parent : cgroupParents) {
            removeCgroup(parent);
        }
        unmountBelow(dir);
        deleteTree(dir);
        removeRunDirsCreated(runDirsExisted);
    }

    /** Starts containerd with {@code dir/config.toml}, its output in {@code dir/containerd.log}. */
    static Process launchDaemon(Path dir) throws IOException {
        return new ProcessBuilder(DAEMON.toString(), "--config", dir.resolve("config.toml").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    static void stopDaemon(Process daemon) {
        if (!daemon.isAlive()) {
            return;
        }
        daemon.destroy();
        try {
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Which of containerd's shared run directories exist now (so that close removes only those it made). */
    static Map<Path, Boolean> runDirsState() {
        Map<Path, Boolean> existed = new LinkedHashMap<>();
        RUN_DIRS.forEach(d -> existed.put(d, Files.exists(d)));
        return existed;
    }

    /** Removes the run directories that did not exist before ({@link #runDirsState}). */
    static void removeRunDirsCreated(Map<Path, Boolean> existed) {
        for (Path d : RUN_DIRS) {
            if (!existed.getOrDefault(d, true)) {
                rmdir(d); // only when empty: another containerd may have started meanwhile
            }
        }
    }

    /** Shims re-parent themselves away from the daemon: find the ones started for this daemon's socket. */
    private void killOwnShims() {
        killShims(socket());
    }

    /**
     * Removes the shim sockets a killed shim leaves in {@code /run/containerd/s/}: containerd 1.6
     * names them by the SHA-256 of {@code <containerd socket>/<namespace>/<shim id>}. Only ours.
     */
    static void removeShimSockets(Path daemonSocket, String namespace, Iterable<String> shimIds) {
        for (String id : shimIds) {
            try {
                byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                        .digest((daemonSocket + "/" + namespace + "/" + id).getBytes(StandardCharsets.UTF_8));
                Path sock = Path.of("/run/containerd/s", java.util.HexFormat.of().formatHex(h));
                if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(sock, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(sock);
                }
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                System.err.println("Containerd: cannot remove the shim socket of " + id + ": " + e);
            }
        }
    }

    /** Kills every containerd-shim-runc-v2 whose command line names this containerd socket ({@code -address <socket>}). */
    static void killShims(Path daemonSocket) {
        String marker = daemonSocket.toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException e) {
                    continue;
                }
                if (cmdline.contains("containerd-shim-runc-v2") && cmdline.contains(" " + marker)) {
                    ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException e) {
            System.err.println("Containerd: cannot scan /proc for shims: " + e.getMessage());
        }
    }

    /** Builder for {@code ctr run}: what the flags give (caps, privileged, mounts, annotations, cgroup, runc root). */
    public final class Builder {
        private final List<String> flags = new ArrayList<>();
        private List<String> args = List.of("/bin/sleep", "600");
        private String cgroup;
        private Path runcRoot = DEFAULT_RUNC_ROOT;

        private Builder() {}

        public Builder capAdd(String capability) {
            flags.addAll(List.of("--cap-add", capability.startsWith("CAP_") ? capability : "CAP_" + capability));
            return this;
        }

        /** {@code ctr run --privileged}: every capability of the caller, no masked paths, all devices. */
        public Builder privileged() {
            flags.add("--privileged");
            return this;
        }

        public Builder hostNetwork() {
            flags.add("--net-host");
            return this;
        }

        /** A bind mount ({@code --mount type=bind,src=…,dst=…,options=rbind:ro}). */
        public Builder bind(Path hostPath, String containerPath, boolean readOnly) {
            flags.addAll(List.of("--mount", "type=bind,src=" + hostPath.toAbsolutePath() + ",dst=" + containerPath
                    + ",options=rbind:" + (readOnly ? "ro" : "rw")));
            return this;
        }

        /** An OCI annotation in config.json ({@code ctr run --annotation}), where the CRI plugin puts its own. */
        public Builder annotation(String key, String value) {
            flags.addAll(List.of("--annotation", key + "=" + value));
            return this;
        }

        /** A containerd label ({@code ctr run --label}; ctr also copies labels into the OCI annotations). */
        public Builder label(String key, String value) {
            flags.addAll(List.of("--label", key + "=" + value));
            return this;
        }

        /** The cgroup path ({@code --cgroup}); default {@code /<namespace>/<id>}. */
        public Builder cgroup(String path) {
            this.cgroup = path;
            return this;
        }

        /** A runc root for the shim ({@code --runc-root}); runc state then lives in {@code <dir>/<namespace>/<id>/}. */
        public Builder runcRoot(Path dir) {
            this.runcRoot = dir;
            return this;
        }

        /** The container's process; default {@code /bin/sleep 600} (absolute: a --rootfs container has no PATH). */
        public Builder args(String... argv) {
            this.args = List.of(argv);
            return this;
        }

        /** {@code ctr run --detach}; on failure the container and its rootfs are removed. */
        public Container start() {
            String id = "bw-test-" + UUID.randomUUID().toString().substring(0, 8);
            String cgroupPath = cgroup != null ? cgroup : "/" + namespace + "/" + id;
            Path rootfs = dir.resolve("rootfs-" + id);
            Path fifo = dir.resolve("fifo");
            runcRoots.add(runcRoot);
            cgroupParents.add(cgroupPath);
            containerIds.add(id);
            Container c = new Container(id, cgroupPath, rootfs, fifo, runcRoot);
            synchronized (Containerd.this) {
                if (closed) {
                    throw new IllegalStateException("containerd already closed");
                }
                containers.add(c);
            }
            boolean started = false;
            try {
                prepareRootfs(rootfs);
                List<String> cmd = new ArrayList<>(List.of("run", "--detach", "--null-io", "--fifo-dir", fifo.toString(),
                        "--runc-root", runcRoot.toString()));
                if (cgroup != null) {
                    cmd.addAll(List.of("--cgroup", cgroup));
                }
                cmd.addAll(flags);
                cmd.addAll(List.of("--rootfs", rootfs.toString(), id));
                cmd.addAll(args);
                RuncContainer.ExecResult r = ctr(cmd.toArray(String[]::new));
                if (r.exitCode() != 0) {
                    throw new IllegalStateException("ctr run " + id + " failed: " + r.output().strip() + "\ncontainerd log:\n" + logTail());
                }
                c.pid = taskPid(id);
                started = true;
                return c;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare rootfs for " + id, e);
            } finally {
                if (!started) {
                    c.close();
                }
            }
        }
    }

    private int taskPid(String id) {
        RuncContainer.ExecResult r = ctr("task", "ls");
        for (String line : r.output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals(id)) {
                return Integer.parseInt(f[1]);
            }
        }
        throw new IllegalStateException("task " + id + " not listed by ctr task ls: " + r.output());
    }

    /** One container run by this daemon. */
    public final class Container implements AutoCloseable {
        private final String id;
        private final String cgroupPath;
        private final Path rootfs;
        private final Path fifo;
        private final Path runcRoot;
        private int pid;
        private boolean closed;

        private Container(String id, String cgroupPath, Path rootfs, Path fifo, Path runcRoot) {
            this.id = id;
            this.cgroupPath = cgroupPath;
            this.rootfs = rootfs;
            this.fifo = fifo;
            this.runcRoot = runcRoot;
        }

        /** The containerd container id (also the runc id). */
        public String id() {
            return id;
        }

        public String namespace() {
            return namespace;
        }

        /** Host pid of the container's init. */
        public int pid() {
            return pid;
        }

        /** Cgroup path relative to the hierarchy root: {@code /<namespace>/<id>} unless {@code --cgroup} said otherwise. */
        public String cgroupPath() {
            return cgroupPath;
        }

        /** The OCI bundle containerd's shim created. */
        public Path bundle() {
            return stateDir().resolve("io.containerd.runtime.v2.task").resolve(namespace).resolve(id);
        }

        /** Where runc keeps this container's state.json. */
        public Path runcState() {
            return runcRoot.resolve(namespace).resolve(id).resolve("state.json");
        }

        public Path rootfs() {
            return rootfs;
        }

        /** What {@code bpf_get_current_cgroup_id()} returns inside the container. */
        public long cgroupId() {
            try {
                return ((Number) Files.getAttribute(cgroup2Root().resolve(cgroupPath.replaceFirst("^/+", "")), "unix:ino")).longValue();
            } catch (IOException e) {
                throw new UncheckedIOException("no cgroup2 directory for containerd container " + id, e);
            }
        }

        /** {@code ctr task exec} with a fresh exec id; combined output and exit code. */
        public RuncContainer.ExecResult exec(String... argv) {
            List<String> cmd = new ArrayList<>(List.of("task", "exec", "--exec-id", "x" + UUID.randomUUID().toString().substring(0, 8),
                    "--fifo-dir", fifo.toString(), id));
            cmd.addAll(List.of(argv));
            return ctr(cmd.toArray(String[]::new));
        }

        /** Deletes the task (killing it) and the container, then the rootfs. Never throws. */
        @Override
        public void close() {
            synchronized (Containerd.this) {
                if (closed) {
                    return;
                }
                closed = true;
                containers.remove(this);
            }
            if (daemon.isAlive()) {
                RuncContainer.ExecResult k = ctr("task", "rm", "--force", id);
                RuncContainer.ExecResult rm = ctr("container", "rm", id);
                if (rm.exitCode() != 0 && !rm.output().contains("not found")) {
                    System.err.println("Containerd: cleanup of " + id + ": " + k.output().strip() + " / " + rm.output().strip());
                }
            }
            removeCgroup(cgroupPath);
            rmdir(runcRoot.resolve(namespace)); // empty once runc deleted the container
            deleteTree(rootfs);
        }

        @Override
        public String toString() {
            return "containerd container " + namespace + "/" + id + " (pid " + pid + ")";
        }
    }

    static Path cgroup2Root() {
        return Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
    }

    /** rmdir a cgroup path and its empty parents in every hierarchy (runc removes only the leaf, and not always). */
    static void removeCgroup(String cgroupPath) {
        List<Path> hierarchies = new ArrayList<>(listDirs(Path.of("/sys/fs/cgroup")));
        hierarchies.add(Path.of("/sys/fs/cgroup"));
        for (Path h : hierarchies) {
            Path p = h.resolve(cgroupPath.replaceFirst("^/+", ""));
            while (p.startsWith(h) && !p.equals(h)) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.delete(p); // rmdir: only succeeds for an empty cgroup
                    } catch (IOException e) {
                        break;
                    }
                }
                p = p.getParent();
            }
        }
    }

    private void prepareRootfs(Path rootfs) throws IOException {
        Files.createDirectories(rootfs.getParent());
        RuncContainer.busyboxRootfs(rootfs);
    }

    static void checkTools() {
        for (Path tool : List.of(DAEMON, CTR, SHIM)) {
            if (!Files.isExecutable(tool)) {
                throw new IllegalStateException(tool + " not found: apt-get install containerd (or run ./bulwark setup)");
            }
        }
        if (!Files.isRegularFile(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " not found: apt-get install busybox-static");
        }
    }

    static List<Path> listDirs(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static void rmdir(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // not empty (someone else's) or already gone
        }
    }

    static void unmountBelow(Path dir) {
        try {
            List<String> targets = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].startsWith(dir + "/")) {
                    targets.add(f[4]);
                }
            }
            targets.sort(Comparator.reverseOrder());
            for (String t : targets) {
                run(List.of("umount", "-l", t), TIMEOUT);
            }
        } catch (IOException e) {
            System.err.println("Containerd: cannot read mountinfo: " + e.getMessage());
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("Containerd: cannot remove " + root + ": " + e.getMessage());
        }
    }

    static RuncContainer.ExecResult run(List<String> cmd, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (IOException ignored) {
                    // process ended
                }
            });
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new RuncContainer.ExecResult(-1, String.join(" ", cmd) + " did not finish in " + timeout);
            }
            reader.join(5000);
            return new RuncContainer.ExecResult(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new RuncContainer.ExecResult(-1, "cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RuncContainer.ExecResult(-1, "interrupted: " + String.join(" ", cmd));
        }
    }
}
