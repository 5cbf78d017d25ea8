package io.bulwark.sensor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.sensor.testing.CriClient.Pb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A private containerd 1.6 daemon with its real CRI plugin ({@code io.containerd.grpc.v1.cri})
 * enabled, driven the way the kubelet drives it: {@link CriClient} calls {@code RunPodSandbox},
 * {@code CreateContainer}, {@code StartContainer}, {@code ExecSync}, {@code StopPodSandbox},
 * {@code RemovePodSandbox} on the daemon's socket. So the pause (sandbox) container, the
 * {@code io.kubernetes.cri.*} annotations, the {@code k8s.io} namespace and the pod cgroup
 * ({@code <cgroup_parent>/<id>}, cgroupfs driver) are produced by containerd itself.
 *
 * <p>No image is pulled: a busybox-static rootfs (with the static test helpers in {@code /bin}) is
 * written as an OCI image layout (one uncompressed layer, two image configs: the pause image, whose
 * entrypoint sleeps, and an application image) and imported with
 * {@code ctr -n k8s.io images import}. The CRI plugin's {@code sandbox_image} is that pause image.
 * Pods use the node's network namespace ({@code NamespaceMode NODE}), so no CNI plugin is needed
 * (the CNI directories are empty temp directories; the plugin logs that CNI is not initialised and
 * host-network pods run anyway).
 *
 * <p>Config, root, state, sockets, CRI state and pod logs live under one temp directory. The shim's
 * runc root stays the node's default, {@code /run/containerd/runc/k8s.io/<id>/}, exactly where a
 * node keeps it. {@link #close()} stops and removes every pod through CRI, stops the daemon, kills
 * shims started for its socket, {@code runc delete --force}s any of its containers left behind,
 * removes their cgroups (and the empty {@code kubepods} parents), unmounts and deletes the temp
 * directory — also from a shutdown hook. Must run as root.
 *
 * <pre>{@code
 * try (ContainerdCri cri = ContainerdCri.start();
 *      ContainerdCri.Pod pod = cri.pod("web-1", "shop").start()) {
 *     ContainerdCri.PodContainer app = pod.container("app").start();
 *     app.exec("/bin/bwtrigger", "unshare-user");
 * }
 * }</pre>
 */
public final class ContainerdCri implements AutoCloseable {
    /** The containerd namespace the CRI plugin uses. */
    public static final String K8S_NAMESPACE = "k8s.io";
    /** Where the runc shim keeps the CRI containers' runc state (its default root plus the namespace). */
    public static final Path RUNC_ROOT = Containerd.DEFAULT_RUNC_ROOT.resolve(K8S_NAMESPACE);

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Set<ContainerdCri> LIVE = ConcurrentHashMap.newKeySet();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The kubelet's default masked paths (k8s.io/kubernetes pkg/securitycontext), sent in every unprivileged ContainerConfig. */
    static final List<String> KUBELET_MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    /** The kubelet's default read-only paths. */
    static final List<String> KUBELET_READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(ContainerdCri::close),
                "containerd-cri-cleanup"));
    }

    private final Path dir;
    private final Process daemon;
    private final Map<Path, Boolean> runDirsExisted;
    private final String pauseImage;
    private final String appImage;
    private final List<Pod> pods = new ArrayList<>();
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final Set<String> cgroupPaths = ConcurrentHashMap.newKeySet();
    private volatile CriClient cri;
    private boolean closed;

    private ContainerdCri(Path dir, Process daemon, Map<Path, Boolean> runDirsExisted, String tag) {
        this.dir = dir;
        this.daemon = daemon;
        this.runDirsExisted = runDirsExisted;
        this.pauseImage = "bulwark.test/pause:" + tag;
        this.appImage = "bulwark.test/app:" + tag;
    }

    /**
     * Writes the images and the config, starts the daemon, waits until the CRI plugin answers
     * {@code Version}, imports the images and waits until CRI lists them. On failure everything is removed.
     */
    public static ContainerdCri start() {
        Containerd.checkTools();
        if (!Files.isExecutable(Path.of("/usr/bin/tar")) && !Files.isExecutable(Path.of("/bin/tar"))) {
            throw new IllegalStateException("tar not found: apt-get install tar");
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path dir;
        try {
            dir = Files.createTempDirectory("bulwark-cri-");
            Files.createDirectories(dir.resolve("cni-bin"));
            Files.createDirectories(dir.resolve("cni-conf"));
            Files.createDirectories(dir.resolve("pods"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare containerd CRI directory", e);
        }
        Map<Path, Boolean> existed = Containerd.runDirsState();
        existed.put(RUNC_ROOT, Files.exists(RUNC_ROOT));
        ContainerdCri c = null;
        boolean ready = false;
        try {
            Files.writeString(dir.resolve("config.toml"), config(dir, "bulwark.test/pause:" + tag));
            Process daemon = Containerd.launchDaemon(dir);
            c = new ContainerdCri(dir, daemon, existed, tag);
            LIVE.add(c);
            c.awaitCri();
            c.importImages();
            ready = true;
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start containerd with the CRI plugin in " + dir, e);
        } finally {
            if (!ready) {
                if (c != null) {
                    c.close();
                } else {
                    Containerd.deleteTree(dir);
                }
            }
        }
    }

    private static String config(Path dir, String sandboxImage) {
        String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        return "version = 2\n"
                + "root = \"" + dir.resolve("root") + "\"\n"
                + "state = \"" + dir.resolve("state") + "\"\n"
                + "[grpc]\n  address = \"" + dir.resolve("containerd.sock") + "\"\n"
                + "[ttrpc]\n  address = \"" + dir.resolve("containerd.sock.ttrpc") + "\"\n"
                + "[debug]\n  address = \"" + dir.resolve("debug.sock") + "\"\n"
                + "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" + dir.resolve("opt") + "\"\n"
                + "[" + cri + "]\n"
                + "  sandbox_image = \"" + sandboxImage + "\"\n"
                // no securityfs (so no AppArmor) here; root lacks CAP_SYS_RESOURCE, so the sandbox's
                // oom_score_adj (-998) is capped at containerd's own instead of failing in runc
                + "  disable_apparmor = true\n"
                + "  restrict_oom_score_adj = true\n"
                + "  enable_selinux = false\n"
                + "  stream_server_address = \"127.0.0.1\"\n"
                + "  stream_server_port = \"0\"\n"
                + "[" + cri + ".containerd]\n"
                + "  snapshotter = \"overlayfs\"\n"
                + "  default_runtime_name = \"runc\"\n"
                + "[" + cri + ".containerd.runtimes.runc]\n"
                + "  runtime_type = \"io.containerd.runc.v2\"\n"
                + "[" + cri + ".containerd.runtimes.runc.options]\n"
                + "  SystemdCgroup = false\n" // cgroupfs driver: PID 1 here is no systemd
                + "[" + cri + ".cni]\n"
                + "  bin_dir = \"" + dir.resolve("cni-bin") + "\"\n"
                + "  conf_dir = \"" + dir.resolve("cni-conf") + "\"\n";
    }

    private void awaitCri() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        RuntimeException last = null;
        try {
            while (System.nanoTime() < deadline && daemon.isAlive()) {
                if (Files.exists(socket())) {
                    if (cri == null) {
                        cri = new CriClient(socket(), TIMEOUT);
                    }
                    try {
                        Map<String, String> v = cri.version();
                        if ("containerd".equals(v.get("runtime_name"))) {
                            return;
                        }
                    } catch (RuntimeException e) {
                        last = e;
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("containerd's CRI plugin did not answer Version in " + TIMEOUT + " (daemon alive: "
                + daemon.isAlive() + ", last error: " + last + "); log:\n" + logTail(30));
    }

    /** The OCI image layout (pause + app image sharing one layer) imported into the k8s.io namespace. */
    private void importImages() throws IOException {
        Path build = dir.resolve("image-build");
        Path rootfs = build.resolve("rootfs");
        Files.createDirectories(build);
        RuncContainer.busyboxRootfs(rootfs);
        Path tarball = writeImageLayout(rootfs, build.resolve("layout"), Map.of(
                pauseImage, List.of("/bin/sleep", "2147483647"),
                appImage, List.of("/bin/sleep", "600")));
        RuncContainer.ExecResult r = ctr(K8S_NAMESPACE, "images", "import", "--snapshotter", "overlayfs", tarball.toString());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("ctr -n k8s.io images import failed: " + r.output() + "\nlog:\n" + logTail(20));
        }
        Containerd.deleteTree(build);
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (String image : List.of(pauseImage, appImage)) {
            while (cri.imageId(image).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("CRI does not list imported image " + image + "; ctr images ls:\n"
                            + ctr(K8S_NAMESPACE, "images", "ls").output());
                }
                sleep(50);
            }
        }
    }

    /**
     * Writes an OCI image layout tarball: {@code oci-layout}, {@code index.json} naming each image
     * ({@code io.containerd.image.name}), and blobs — one uncompressed layer tar of {@code rootfs}
     * shared by every image, one config per image (linux/amd64, {@code PATH=/bin}, the given
     * entrypoint) and one manifest per image.
     */
    static Path writeImageLayout(Path rootfs, Path layout, Map<String, List<String>> entrypoints) throws IOException {
        Path blobs = layout.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        Path layer = layout.resolve("layer.tar");
        RuncContainer.ExecResult tar = Containerd.run(List.of("tar", "--numeric-owner", "--owner=0", "--group=0", "-C",
                rootfs.toString(), "-cf", layer.toString(), "."), TIMEOUT);
        if (tar.exitCode() != 0) {
            throw new IllegalStateException("tar of the image rootfs failed: " + tar.output());
        }
        byte[] layerBytes = Files.readAllBytes(layer);
        Files.delete(layer);
        String layerDigest = blob(blobs, layerBytes);
        ArrayNode manifests = JSON.createArrayNode();
        for (Map.Entry<String, List<String>> image : entrypoints.entrySet()) {
            ObjectNode config = JSON.createObjectNode();
            config.put("architecture", "amd64");
            config.put("os", "linux");
            ObjectNode runConfig = config.putObject("config");
            runConfig.putArray("Env").add("PATH=/bin");
            ArrayNode entrypoint = runConfig.putArray("Entrypoint");
            image.getValue().forEach(entrypoint::add);
            runConfig.put("WorkingDir", "/");
            ObjectNode fs = config.putObject("rootfs");
            fs.put("type", "layers");
            fs.putArray("diff_ids").add(layerDigest);
            byte[] configBytes = JSON.writeValueAsBytes(config);
            String configDigest = blob(blobs, configBytes);

            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.length));
            manifest.putArray("layers").add(descriptor("application/vnd.oci.image.layer.v1.tar", layerDigest, layerBytes.length));
            byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
            ObjectNode entry = descriptor("application/vnd.oci.image.manifest.v1+json", blob(blobs, manifestBytes),
                    manifestBytes.length);
            ObjectNode platform = entry.putObject("platform");
            platform.put("architecture", "amd64");
            platform.put("os", "linux");
            ObjectNode annotations = entry.putObject("annotations");
            annotations.put("io.containerd.image.name", image.getKey());
            annotations.put("org.opencontainers.image.ref.name", image.getKey().substring(image.getKey().lastIndexOf(':') + 1));
            manifests.add(entry);
        }
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.set("manifests", manifests);
        Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Path tarball = layout.resolveSibling("image.tar");
        RuncContainer.ExecResult pack = Containerd.run(List.of("tar", "--numeric-owner", "-C", layout.toString(), "-cf",
                tarball.toString(), "oci-layout", "index.json", "blobs"), TIMEOUT);
        if (pack.exitCode() != 0) {
            throw new IllegalStateException("tar of the image layout failed: " + pack.output());
        }
        return tarball;
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    private static String blob(Path blobs, byte[] content) throws IOException {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            Files.write(blobs.resolve(hex), content);
            return "sha256:" + hex;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    /** containerd's state directory: bundles are in {@code <state>/io.containerd.runtime.v2.task/k8s.io/<id>/}. */
    public Path stateDir() {
        return dir.resolve("state");
    }

    /** The CRI client connected to this daemon. */
    public CriClient cri() {
        return cri;
    }

    /** The CRI plugin's {@code sandbox_image}: what every pause container runs. */
    public String pauseImage() {
        return pauseImage;
    }

    /** The application image containers use unless told otherwise. */
    public String appImage() {
        return appImage;
    }

    /** {@code ctr --address <socket> --namespace <ns> args…}. */
    public RuncContainer.ExecResult ctr(String namespace, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Containerd.CTR.toString(), "--address", socket().toString(),
                "--namespace", namespace));
        cmd.addAll(List.of(args));
        return Containerd.run(cmd, TIMEOUT);
    }

    /** The last lines of the daemon's log (containerd and its CRI plugin). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("containerd.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A pod (Kubernetes name and namespace; uid random) to run with {@code RunPodSandbox}. */
    public PodBuilder pod(String name, String namespace) {
        return new PodBuilder(name, namespace);
    }

    /** What the kubelet puts in a {@code PodSandboxConfig} for a host-network BestEffort pod. */
    public final class PodBuilder {
        private final String name;
        private final String namespace;
        private final String uid = UUID.randomUUID().toString();
        private String cgroupParent;

        private PodBuilder(String name, String namespace) {
            this.name = name;
            this.namespace = namespace;
        }

        /** LinuxPodSandboxConfig.cgroup_parent (cgroupfs syntax); default {@code /kubepods/besteffort/pod<uid>}. */
        public PodBuilder cgroupParent(String parent) {
            this.cgroupParent = parent;
            return this;
        }

        public Pod start() {
            String parent = cgroupParent != null ? cgroupParent : "/kubepods/besteffort/pod" + uid;
            Path logDir = dir.resolve("pods").resolve(namespace + "_" + name + "_" + uid);
            try {
                Files.createDirectories(logDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Pb config = new Pb()
                    .msg(1, new Pb().str(1, name).str(2, uid).str(3, namespace))
                    .str(3, logDir.toString())
                    .map(6, Map.of("io.kubernetes.pod.name", name, "io.kubernetes.pod.namespace", namespace,
                            "io.kubernetes.pod.uid", uid))
                    .map(7, Map.of("kubernetes.io/config.source", "api"))
                    .msg(8, new Pb().str(1, parent)
                            .msg(2, new Pb().msg(1, namespaces())));
            Pod pod = new Pod(name, namespace, uid, parent, config, logDir);
            synchronized (ContainerdCri.this) {
                if (closed) {
                    throw new IllegalStateException("containerd already closed");
                }
                pods.add(pod);
            }
            boolean ok = false;
            try {
                pod.sandboxId = cri.runPodSandbox(config);
                ids.add(pod.sandboxId);
                cgroupPaths.add(pod.sandboxCgroupPath());
                pod.sandboxPid = infoPid(cri.podSandboxStatus(pod.sandboxId).map(2));
                ok = true;
                return pod;
            } catch (RuntimeException e) {
                throw new IllegalStateException("RunPodSandbox " + namespace + "/" + name + " failed: " + e.getMessage()
                        + "\ncontainerd log:\n" + logTail(25), e);
            } finally {
                if (!ok) {
                    pod.close();
                }
            }
        }
    }

    /** Network NODE (no CNI here), pid CONTAINER (what the kubelet sets for v1 pods), ipc POD. */
    private static Pb namespaces() {
        return new Pb().varint(1, CriClient.NODE).varint(2, CriClient.CONTAINER).varint(3, CriClient.POD);
    }

    private static int infoPid(Map<String, String> info) {
        String json = info.get("info");
        if (json == null) {
            throw new IllegalStateException("no verbose info in the CRI status: " + info.keySet());
        }
        try {
            JsonNode pid = JSON.readTree(json).path("pid");
            if (!pid.canConvertToInt() || pid.asInt() <= 0) {
                throw new IllegalStateException("no pid in the CRI status info: " + json);
            }
            return pid.asInt();
        } catch (IOException e) {
            throw new UncheckedIOException("bad CRI status info: " + json, e);
        }
    }

    /** A running pod sandbox: the pause container plus the containers started in it. */
    public final class Pod implements AutoCloseable {
        private final String name;
        private final String namespace;
        private final String uid;
        private final String cgroupParent;
        private final Pb config;
        private final Path logDir;
        private final List<PodContainer> containers = new ArrayList<>();
        private String sandboxId;
        private int sandboxPid;
        private boolean closed;

        private Pod(String name, String namespace, String uid, String cgroupParent, Pb config, Path logDir) {
            this.name = name;
            this.namespace = namespace;
            this.uid = uid;
            this.cgroupParent = cgroupParent;
            this.config = config;
            this.logDir = logDir;
        }

        public String name() {
            return name;
        }

        public String namespace() {
            return namespace;
        }

        public String uid() {
            return uid;
        }

        public String cgroupParent() {
            return cgroupParent;
        }

        /** The sandbox id CRI returned: also the pause container's containerd and runc id. */
        public String sandboxId() {
            return sandboxId;
        }

        /** Host pid of the pause process. */
        public int sandboxPid() {
            return sandboxPid;
        }

        /** The pause container's cgroup: {@code <cgroup_parent>/<sandbox id>} (cgroupfs driver). */
        public String sandboxCgroupPath() {
            return cgroupParent + "/" + sandboxId;
        }

        public long sandboxCgroupId() {
            return cgroupIdOf(sandboxCgroupPath());
        }

        /** The pause container's OCI bundle in containerd's state directory. */
        public Path sandboxBundle() {
            return bundleOf(sandboxId);
        }

        /** A container of this pod ({@code CreateContainer} + {@code StartContainer}). */
        public ContainerBuilder container(String containerName) {
            return new ContainerBuilder(this, containerName);
        }

        /** StopPodSandbox then RemovePodSandbox (which removes its containers), then the cgroups. Never throws. */
        @Override
        public void close() {
            synchronized (ContainerdCri.this) {
                if (closed) {
                    return;
                }
                closed = true;
                pods.remove(this);
            }
            if (sandboxId != null && daemon.isAlive() && cri != null) {
                try {
                    cri.stopPodSandbox(sandboxId);
                    cri.removePodSandbox(sandboxId);
                } catch (RuntimeException e) {
                    System.err.println("ContainerdCri: cleanup of pod " + namespace + "/" + name + " (" + sandboxId + "): " + e);
                }
            }
            for (PodContainer c : containers) {
                Containerd.removeCgroup(c.cgroupPath());
            }
            if (sandboxId != null) {
                Containerd.removeCgroup(sandboxCgroupPath());
            }
        }

        @Override
        public String toString() {
            return "pod " + namespace + "/" + name + " (sandbox " + sandboxId + ", pid " + sandboxPid + ")";
        }
    }

    /** What the kubelet puts in a {@code ContainerConfig}. */
    public final class ContainerBuilder {
        private final Pod pod;
        private final String name;
        private String image = appImage;
        private List<String> command = List.of();
        private final List<String> addCaps = new ArrayList<>();
        private boolean privileged;

        private ContainerBuilder(Pod pod, String name) {
            this.pod = pod;
            this.name = name;
        }

        /** ContainerConfig.command (the image's entrypoint is used when empty). */
        public ContainerBuilder command(String... argv) {
            this.command = List.of(argv);
            return this;
        }

        public ContainerBuilder image(String reference) {
            this.image = reference;
            return this;
        }

        public ContainerBuilder capAdd(String capability) {
            addCaps.add(capability.replaceFirst("^CAP_", ""));
            return this;
        }

        public ContainerBuilder privileged() {
            this.privileged = true;
            return this;
        }

        public PodContainer start() {
            // the kubelet sends its default masked and read-only paths (procMount Default) for every
            // unprivileged container: CRI applies exactly the lists it is given, an empty list masks nothing
            Pb security = new Pb().msg(1, addCaps.isEmpty() ? null : new Pb().strs(1, addCaps)).bool(2, privileged)
                    .msg(3, namespaces())
                    .strs(13, privileged ? List.of() : KUBELET_MASKED_PATHS)
                    .strs(14, privileged ? List.of() : KUBELET_READONLY_PATHS);
            Pb config = new Pb()
                    .msg(1, new Pb().str(1, name))
                    .msg(2, new Pb().str(1, image))
                    .strs(3, command)
                    .map(9, Map.of("io.kubernetes.container.name", name, "io.kubernetes.pod.name", pod.name,
                            "io.kubernetes.pod.namespace", pod.namespace, "io.kubernetes.pod.uid", pod.uid))
                    .str(11, name + "_0.log")
                    .msg(15, new Pb().msg(2, security));
            try {
                String id = cri.createContainer(pod.sandboxId, config, pod.config);
                ids.add(id);
                PodContainer c = new PodContainer(pod, id, name, image);
                pod.containers.add(c);
                cgroupPaths.add(c.cgroupPath());
                cri.startContainer(id);
                c.pid = infoPid(cri.containerStatus(id).map(2));
                return c;
            } catch (RuntimeException e) {
                throw new IllegalStateException("CreateContainer/StartContainer " + name + " in " + pod + " failed: "
                        + e.getMessage() + "\ncontainerd log:\n" + logTail(25), e);
            }
        }
    }

    /** A container CRI started in a pod; removed with its pod. */
    public final class PodContainer {
        private final Pod pod;
        private final String id;
        private final String name;
        private final String image;
        private int pid;

        private PodContainer(Pod pod, String id, String name, String image) {
            this.pod = pod;
            this.id = id;
            this.name = name;
            this.image = image;
        }

        /** The id CreateContainer returned (64 hex): also the containerd and runc id. */
        public String id() {
            return id;
        }

        public String name() {
            return name;
        }

        public String image() {
            return image;
        }

        public Pod pod() {
            return pod;
        }

        public int pid() {
            return pid;
        }

        /** {@code <cgroup_parent>/<id>}: the container sits next to the pause container in the pod's cgroup. */
        public String cgroupPath() {
            return pod.cgroupParent + "/" + id;
        }

        public long cgroupId() {
            return cgroupIdOf(cgroupPath());
        }

        public Path bundle() {
            return bundleOf(id);
        }

        /** Where the shim's runc keeps this container's state. */
        public Path runcState() {
            return RUNC_ROOT.resolve(id).resolve("state.json");
        }

        /** {@code ExecSync} through CRI (30 s timeout): exit code and output. */
        public RuncContainer.ExecResult exec(String... argv) {
            return cri.execSync(id, 30, argv);
        }

        @Override
        public String toString() {
            return "CRI container " + name + " " + id + " in " + pod;
        }
    }

    private Path bundleOf(String id) {
        return stateDir().resolve("io.containerd.runtime.v2.task").resolve(K8S_NAMESPACE).resolve(id);
    }

    private static long cgroupIdOf(String cgroupPath) {
        try {
            return ((Number) Files.getAttribute(Containerd.cgroup2Root().resolve(cgroupPath.replaceFirst("^/+", "")),
                    "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("no cgroup2 directory " + cgroupPath, e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Everything is removed; safe to call twice, never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (Pod p : List.copyOf(pods)) {
            p.close();
        }
        closed = true;
        LIVE.remove(this);
        if (cri != null) {
            cri.close();
        }
        Containerd.stopDaemon(daemon);
        Containerd.killShims(socket());
        Containerd.removeShimSockets(socket(), K8S_NAMESPACE, ids); // one shim per pod (id = sandbox id)
        for (String id : ids) {
            if (Files.exists(RUNC_ROOT.resolve(id))) {
                // a container whose removal through CRI failed
                Containerd.run(List.of("runc", "--root", RUNC_ROOT.toString(), "delete", "--force", id), TIMEOUT);
            }
        }
        for (String path : cgroupPaths) {
            Containerd.removeCgroup(path);
        }
        Containerd.unmountBelow(dir);
        Containerd.deleteTree(dir);
        if (!runDirsExisted.getOrDefault(RUNC_ROOT, true)) {
            Containerd.rmdir(RUNC_ROOT);
        }
        Containerd.removeRunDirsCreated(runDirsExisted);
    }
}
