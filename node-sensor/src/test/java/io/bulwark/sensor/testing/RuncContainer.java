package io.bulwark.sensor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * A real runc container for tests: a busybox-static rootfs, an OCI bundle from {@code runc spec}
 * edited through a builder, {@code runc run --detach}, and a {@link #close()} that always removes
 * it. Must run as root.
 *
 * <pre>{@code
 * try (RuncContainer c = RuncContainer.builder().hostPid().capAdd("CAP_SYS_ADMIN").start()) {
 *     RuncContainer.ExecResult r = c.exec("cat", "/proc/1/comm");
 *     long cgroup = c.cgroupId();   // what bpf_get_current_cgroup_id() returns inside it
 * }
 * }</pre>
 *
 * <p>Defaults are those of {@code runc spec} (caps AUDIT_WRITE, KILL, NET_BIND_SERVICE; pid, net,
 * ipc, uts and mount namespaces; no seccomp; uid 0; no_new_privs) except: the rootfs is writable,
 * rlimits are removed (root here lacks CAP_SYS_RESOURCE), the process is {@code sleep 600}, and
 * the cgroup path is {@code /<name>}. Static helpers found in the directory named by the system
 * property {@code bulwark.testHelpers} are copied into {@code /bin/} of every container.
 */
public final class RuncContainer implements AutoCloseable {

    /** Exit code and combined stdout+stderr of {@link #exec}. */
    public record ExecResult(int exitCode, String output) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Set<RuncContainer> LIVE = ConcurrentHashMap.newKeySet();
    private static Path template;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(RuncContainer::close),
                "runc-container-cleanup"));
    }

    private final String name;
    private final Path bundle;
    private final int pid;
    private boolean closed;

    private RuncContainer(String name, Path bundle, int pid) {
        this.name = name;
        this.bundle = bundle;
        this.pid = pid;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The runc container id, also its hostname and cgroup leaf: {@code bw-test-<uuid8>}. */
    public String id() {
        return name;
    }

    /** Host pid of the container's init process. */
    public int pid() {
        return pid;
    }

    public Path bundle() {
        return bundle;
    }

    public Path rootfs() {
        return bundle.resolve("rootfs");
    }

    /** Cgroup path relative to the hierarchy root: {@code /<id>}. */
    public String cgroupPath() {
        return "/" + name;
    }

    /**
     * The cgroup2 id of the container: inode of {@code /sys/fs/cgroup/unified/<id>} on a hybrid
     * host, of {@code /sys/fs/cgroup/<id>} on a pure cgroup2 host.
     */
    public long cgroupId() {
        Path v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        try {
            return ((Number) Files.getAttribute(v2.resolve(name), "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("no cgroup2 directory for container " + name, e);
        }
    }

    /** {@code runc exec} in the container; waits up to 60 s. */
    public ExecResult exec(String... argv) {
        List<String> cmd = new ArrayList<>(List.of("runc", "exec", name));
        cmd.addAll(List.of(argv));
        return run(cmd, COMMAND_TIMEOUT);
    }

    /** Kills and deletes the container and removes its bundle. Safe to call twice, never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.remove(this);
        destroy(name, bundle);
    }

    @Override
    public String toString() {
        return "runc container " + name + " (pid " + pid + ")";
    }

    private static void destroy(String name, Path bundle) {
        try {
            run(List.of("runc", "kill", name, "KILL"), Duration.ofSeconds(10));
            run(List.of("runc", "delete", "--force", name), Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            System.err.println("RuncContainer: cleanup of " + name + " failed: " + e.getMessage());
        }
        // An overlay root stays mounted on the host after runc delete: unmount it before removing
        // the bundle, or the delete would walk into the mount.
        Path rootfs = bundle.resolve("rootfs");
        try {
            if (Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(" " + rootfs + " "))) {
                run(List.of("umount", "-l", rootfs.toString()), Duration.ofSeconds(20));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("RuncContainer: unmount of " + rootfs + " failed: " + e.getMessage());
        }
        deleteTree(bundle);
    }

    /** Edits the OCI config.json that {@code runc spec} writes, then starts the container. */
    public static final class Builder {
        private boolean overlay;
        private boolean privileged;
        private boolean hostPid;
        private boolean hostNetwork;
        private boolean hostIpc;
        private final List<String> capAdd = new ArrayList<>();
        private final List<ObjectNode> binds = new ArrayList<>();
        private List<String> seccompDenied;
        private Integer uid;
        private Boolean noNewPrivileges;
        private final Map<String, Object> files = new LinkedHashMap<>();
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private List<String> args = List.of("sleep", "600");

        private Builder() {}

        /** What {@code docker run --privileged} gives: every capability the host has, no masked or
         *  read-only paths, every device allowed, /sys writable, no seccomp. */
        public Builder privileged() {
            this.privileged = true;
            return this;
        }

        /** Share the host's pid namespace. */
        public Builder hostPid() {
            this.hostPid = true;
            return this;
        }

        /** Share the host's network namespace. */
        public Builder hostNetwork() {
            this.hostNetwork = true;
            return this;
        }

        /** Share the host's IPC namespace. */
        public Builder hostIpc() {
            this.hostIpc = true;
            return this;
        }

        /** Add a capability ({@code CAP_SYS_ADMIN}) to the bounding, effective, permitted, inheritable and
         *  ambient sets (inheritable so that the kernel keeps the ambient one, which is how a non-root
         *  process holds it after its exec). Never CAP_SYS_RESOURCE: root here lacks it and runc would fail. */
        public Builder capAdd(String capability) {
            String cap = capability.startsWith("CAP_") ? capability : "CAP_" + capability;
            capAdd.add(cap.toUpperCase());
            return this;
        }

        /** Bind-mount a host file or directory into the container. */
        public Builder bind(Path hostPath, String containerPath, boolean readOnly) {
            ObjectNode m = JSON.createObjectNode();
            m.put("destination", containerPath);
            m.put("type", "bind");
            m.put("source", hostPath.toAbsolutePath().toString());
            m.putArray("options").add("rbind").add(readOnly ? "ro" : "rw");
            binds.add(m);
            return this;
        }

        /** No seccomp profile (the default, as with {@code runc spec}). */
        public Builder noSeccomp() {
            this.seccompDenied = null;
            return this;
        }

        /** A seccomp profile that allows everything except the named syscalls (they fail with EPERM).
         *  Note that seccomp runs before the syscall tracepoints: denied calls are invisible to BPF. */
        public Builder seccompDenying(String... syscalls) {
            this.seccompDenied = List.of(syscalls);
            return this;
        }

        /** Sets the OCI {@code process.noNewPrivileges} ({@code runc spec} sets it to true). */
        public Builder noNewPrivileges(boolean value) {
            this.noNewPrivileges = value;
            return this;
        }

        /** Run the process as this uid (and the same gid). */
        public Builder user(int uid) {
            this.uid = uid;
            return this;
        }

        /** Write a file into the rootfs (mode 0755) before start. */
        public Builder withFile(String pathInRootfs, byte[] content) {
            files.put(pathInRootfs, content.clone());
            return this;
        }

        /** Copy a host file into the rootfs (mode 0755) before start. */
        public Builder withFile(String pathInRootfs, Path hostFile) {
            files.put(pathInRootfs, hostFile);
            return this;
        }

        /** An OCI annotation, as CRI runtimes set them ({@code io.kubernetes.cri.sandbox-name}). */
        public Builder annotation(String key, String value) {
            annotations.put(key, value);
            return this;
        }

        /**
         * Root filesystem as an overlay mount (lower: the prepared rootfs, upper and work dirs in the
         * bundle), like image-based runtimes: files written after start land in the upper layer.
         */
        public Builder overlayRootfs() {
            this.overlay = true;
            return this;
        }

        /** The container's process; default {@code sleep 600}. */
        public Builder args(String... argv) {
            this.args = List.of(argv);
            return this;
        }

        /** Creates the bundle and runs {@code runc run --detach}; on failure everything is removed. */
        public RuncContainer start() {
            checkTools();
            String name = "bw-test-" + UUID.randomUUID().toString().substring(0, 8);
            Path bundle;
            try {
                bundle = Files.createTempDirectory("bulwark-runc-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create bundle directory", e);
            }
            boolean started = false;
            try {
                if (overlay) {
                    Path lower = bundle.resolve("lower");
                    prepareRootfs(lower);
                    Files.createDirectories(bundle.resolve("upper"));
                    Files.createDirectories(bundle.resolve("work"));
                    Files.createDirectories(bundle.resolve("rootfs"));
                    ExecResult m = run(List.of("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir="
                            + bundle.resolve("upper") + ",workdir=" + bundle.resolve("work"), bundle.resolve("rootfs").toString()), COMMAND_TIMEOUT);
                    if (m.exitCode() != 0) {
                        throw new IllegalStateException("overlay mount failed: " + m.output());
                    }
                } else {
                    prepareRootfs(bundle.resolve("rootfs"));
                }
                ExecResult spec = run(List.of("runc", "spec", "--bundle", bundle.toString()), COMMAND_TIMEOUT);
                if (spec.exitCode() != 0) {
                    throw new IllegalStateException("runc spec failed: " + spec.output());
                }
                Path configFile = bundle.resolve("config.json");
                ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
                edit(config, name);
                JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);

                ProcessBuilder pb = new ProcessBuilder("runc", "run", "--detach", "--bundle", bundle.toString(), name)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(bundle.resolve("stdout.log").toFile())
                        .redirectError(bundle.resolve("stderr.log").toFile());
                Process p = pb.start();
                if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("runc run " + name + " did not return in " + COMMAND_TIMEOUT);
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("runc run " + name + " failed (exit " + p.exitValue() + "): "
                            + Files.readString(bundle.resolve("stderr.log")).strip());
                }
                ExecResult state = run(List.of("runc", "state", name), COMMAND_TIMEOUT);
                if (state.exitCode() != 0) {
                    throw new IllegalStateException("runc state " + name + " failed: " + state.output());
                }
                int pid = JSON.readTree(state.output()).path("pid").asInt();
                RuncContainer c = new RuncContainer(name, bundle, pid);
                LIVE.add(c);
                started = true;
                return c;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare container " + name + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting " + name, e);
            } finally {
                if (!started) {
                    destroy(name, bundle);
                }
            }
        }

        private void prepareRootfs(Path rootfs) throws IOException {
            busyboxRootfs(rootfs);
            for (Map.Entry<String, Object> f : files.entrySet()) {
                Path target = rootfs.resolve(f.getKey().replaceFirst("^/+", ""));
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                if (f.getValue() instanceof byte[] bytes) {
                    Files.write(target, bytes);
                } else {
                    Files.copy((Path) f.getValue(), target);
                }
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }

        private void edit(ObjectNode config, String name) {
            ObjectNode process = (ObjectNode) config.get("process");
            process.put("terminal", false);
            process.remove("rlimits");
            ArrayNode argv = process.putArray("args");
            args.forEach(argv::add);
            if (noNewPrivileges != null) {
                process.put("noNewPrivileges", noNewPrivileges);
            }
            if (uid != null) {
                ObjectNode user = process.putObject("user");
                user.put("uid", uid);
                user.put("gid", uid);
            }
            ((ObjectNode) config.get("root")).put("readonly", false);
            config.put("hostname", name);

            ObjectNode linux = (ObjectNode) config.get("linux");
            linux.put("cgroupsPath", "/" + name);
            ArrayNode namespaces = (ArrayNode) linux.get("namespaces");
            for (int i = namespaces.size() - 1; i >= 0; i--) {
                String type = namespaces.get(i).path("type").asText();
                if ((hostPid && type.equals("pid")) || (hostNetwork && type.equals("network"))
                        || (hostIpc && type.equals("ipc"))) {
                    namespaces.remove(i);
                }
            }

            ObjectNode caps = (ObjectNode) process.get("capabilities");
            List<String> wanted = new ArrayList<>();
            if (privileged) {
                wanted.addAll(hostCapabilities());
            }
            wanted.addAll(capAdd);
            for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
                if (set.equals("inheritable") && capAdd.isEmpty()) {
                    continue;
                }
                ArrayNode arr = caps.withArray(set);
                for (String cap : wanted) {
                    if (!contains(arr, cap)) {
                        arr.add(cap);
                    }
                }
            }

            ArrayNode mounts = (ArrayNode) config.get("mounts");
            binds.forEach(mounts::add);

            if (privileged) {
                linux.putArray("maskedPaths");
                linux.putArray("readonlyPaths");
                ObjectNode resources = linux.with("resources");
                ArrayNode devices = resources.putArray("devices");
                devices.addObject().put("allow", true).put("access", "rwm");
                for (JsonNode m : mounts) {
                    if ("/sys".equals(m.path("destination").asText()) && m.get("options") instanceof ArrayNode opts) {
                        for (int i = opts.size() - 1; i >= 0; i--) {
                            if ("ro".equals(opts.get(i).asText())) {
                                opts.remove(i);
                            }
                        }
                    }
                }
            }

            if (seccompDenied != null && !privileged) {
                ObjectNode seccomp = linux.putObject("seccomp");
                seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
                seccomp.putArray("architectures").add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
                ObjectNode rule = seccomp.putArray("syscalls").addObject();
                ArrayNode names = rule.putArray("names");
                seccompDenied.forEach(names::add);
                rule.put("action", "SCMP_ACT_ERRNO");
                rule.put("errnoRet", 1);
            } else {
                linux.remove("seccomp");
            }

            if (!annotations.isEmpty()) {
                ObjectNode ann = config.with("annotations");
                annotations.forEach(ann::put);
            }
        }
    }

    private static boolean contains(ArrayNode arr, String value) {
        for (JsonNode n : arr) {
            if (value.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    /** Capabilities in this JVM's bounding set: what a runtime can hand out here (no CAP_SYS_RESOURCE). */
    private static List<String> hostCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    // only the capabilities the table names (unknown high bits are not runtime-settable names)
                    return io.bulwark.contract.Capabilities.names(mask).stream().filter(c -> !c.matches("CAP_\\d+")).toList();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no CapBnd in /proc/self/status");
    }

    private static void checkTools() {
        if (!onPath("runc")) {
            throw new IllegalStateException("runc not found: apt-get install runc");
        }
        if (!Files.isRegularFile(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " not found: apt-get install busybox-static");
        }
        if (!isStatic(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is dynamically linked and cannot run in an empty rootfs:"
                    + " apt-get install busybox-static");
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** An ELF64 with no PT_INTERP program header needs no dynamic loader. */
    private static boolean isStatic(Path elf) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(elf)).order(ByteOrder.LITTLE_ENDIAN);
            long phoff = b.getLong(0x20);
            int phentsize = Short.toUnsignedInt(b.getShort(0x36));
            int phnum = Short.toUnsignedInt(b.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                if (b.getInt((int) (phoff + (long) i * phentsize)) == 3) {
                    return false;
                }
            }
            return true;
        } catch (IOException | IndexOutOfBoundsException e) {
            return false;
        }
    }

    /** The busybox rootfs, built once per JVM; each container gets hard links to it. */
    private static synchronized Path template() throws IOException {
        if (template != null) {
            return template;
        }
        Path root = Files.createTempDirectory("bulwark-rootfs-");
        // temp directories are 0700: the container's / must be searchable by non-root users
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : List.of("bin", "proc", "sys", "dev", "tmp", "etc", "root", "run", "var/run", "var/log")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.copy(BUSYBOX, root.resolve("bin/busybox"));
        ExecResult list = run(List.of(BUSYBOX.toString(), "--list"), COMMAND_TIMEOUT);
        for (String applet : list.output().split("\\s+")) {
            // the applet list includes "busybox" itself, which is the real binary
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
            }
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        Path t = root;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(t), "runc-rootfs-cleanup"));
        template = root;
        return root;
    }

    /**
     * Fills {@code rootfs} with the busybox-static root (a copy of the per-JVM template) and the
     * static test helpers named by {@code bulwark.testHelpers}, in /bin. Shared by the runtimes' harnesses.
     */
    static void busyboxRootfs(Path rootfs) throws IOException {
        copyTemplate(rootfs);
        String helpers = System.getProperty("bulwark.testHelpers");
        if (helpers != null && Files.isDirectory(Path.of(helpers))) {
            try (Stream<Path> s = Files.list(Path.of(helpers))) {
                for (Path h : s.filter(Files::isRegularFile).toList()) {
                    Path target = rootfs.resolve("bin").resolve(h.getFileName().toString());
                    Files.copy(h, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    private static void copyTemplate(Path rootfs) throws IOException {
        Path src = template();
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path target = rootfs.resolve(src.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(p));
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static ExecResult run(List<String> cmd, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // output is read on another thread so that a chatty command cannot block on a full pipe
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
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeout);
            }
            reader.join(5000);
            return new ExecResult(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("RuncContainer: cannot remove " + root + ": " + e.getMessage());
        }
    }
}
