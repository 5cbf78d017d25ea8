package io.bulwark.sensor.audit;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.contract.EscapeSurfaceReport.Factor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the escape factors of one container from its runtime configuration and scores them.
 * Pure apart from one look at the host filesystem (does a bind-mounted host directory hold a
 * runtime socket?). docs/audit.md lists every factor.
 *
 * <p>A privileged container gets the {@code privileged} factor instead of the capability,
 * device, /proc and /sys factors it implies; it is always HIGH.
 */
public final class EscapeSurfaceAuditor {

    static final Set<String> SOCKET_NAMES = Set.of("docker.sock", "containerd.sock", "crio.sock", "podman.sock",
            "dockershim.sock", "cri-dockerd.sock", "buildkitd.sock", "containerd-shim.sock");
    /** Runtime state directories: mounting them gives the socket too. */
    static final List<String> RUNTIME_DIRS = List.of("/run/containerd", "/var/run/containerd", "/run/docker",
            "/var/run/docker", "/run/crio", "/var/run/crio", "/run/podman", "/var/run/podman", "/run/cri-dockerd",
            "/var/run/cri-dockerd");
    /** Where a socket lives below a mounted host directory. */
    private static final List<String> SOCKET_PATHS = List.of("docker.sock", "containerd/containerd.sock",
            "crio/crio.sock", "podman/podman.sock", "cri-dockerd.sock", "k3s/containerd/containerd.sock",
            "run/docker.sock", "run/containerd/containerd.sock", "var/run/docker.sock");

    /** Host path -> factor; {@code exact} paths match only themselves, others their whole subtree. Longest first. */
    private record Sensitive(String path, String factor, boolean exact) {}

    private static final List<Sensitive> SENSITIVE = List.of(
            new Sensitive("/var/lib/containerd", "host-path-runtime-data", false),
            new Sensitive("/var/lib/containers", "host-path-runtime-data", false),
            new Sensitive("/var/lib/kubelet", "host-path-kubelet", false),
            new Sensitive("/var/lib/docker", "host-path-runtime-data", false),
            new Sensitive("/etc/kubernetes", "host-path-kubernetes", false),
            new Sensitive("/var/log", "host-path-var-log", false),
            new Sensitive("/var/run", "host-path-run", true),
            new Sensitive("/home", "host-path-home", false),
            new Sensitive("/root", "host-path-root-home", false),
            new Sensitive("/boot", "host-path-boot", false),
            new Sensitive("/proc", "host-path-proc", false),
            new Sensitive("/run", "host-path-run", true),
            new Sensitive("/etc", "host-path-etc", false),
            new Sensitive("/sys", "host-path-sys", false),
            new Sensitive("/dev", "host-path-dev", false),
            new Sensitive("/", "host-path-root", true));

    /**
     * Per-container files that runtimes bind in themselves (/etc/hosts, resolv.conf, secrets,
     * emptyDirs): a bind from strictly below one of these directories is not a finding.
     */
    private static final List<String> RUNTIME_MANAGED = List.of("/var/lib/kubelet/pods/", "/var/lib/docker/containers/",
            "/var/lib/containers/storage/overlay-containers/", "/run/containers/storage/overlay-containers/",
            "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/",
            "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/", "/var/lib/docker/volumes/");

    /** Harmless host files commonly bound in read-only. */
    private static final Set<String> HARMLESS = Set.of("/etc/localtime", "/etc/timezone");

    private static final Set<String> MASK_EXPECTED = Set.of("/proc/kcore", "/proc/keys", "/sys/firmware");
    /** Char devices that expose kernel memory or I/O ports: mem, kmem, port. */
    private static final Set<String> DANGEROUS_CHAR = Set.of("1:1", "1:2", "1:4");

    private final Weights weights;
    private final Path hostRoot;

    public EscapeSurfaceAuditor(Weights weights) {
        this(weights, Path.of("/"));
    }

    /** @param hostRoot where host paths named by mounts are looked at (a fixture root in tests) */
    public EscapeSurfaceAuditor(Weights weights, Path hostRoot) {
        this.weights = weights;
        this.hostRoot = hostRoot;
    }

    public Weights weights() {
        return weights;
    }

    /** The container's factors, score and band. Factors are in catalogue order. */
    public ContainerRisk assess(ContainerInfo c) {
        Map<String, Factor> found = new LinkedHashMap<>();
        boolean priv = c.privileged();
        Set<String> hostNs = Set.copyOf(c.hostNamespaces());

        if (priv) {
            found.put("privileged", factor("privileged", "all " + c.capabilities().size()
                    + " capabilities, no masked paths, every device allowed by the device cgroup"
                    + (sysfsWritable(c) ? ", /sys writable" : "")));
        } else {
            for (String cap : FactorCatalog.DANGEROUS_CAPABILITIES) {
                if (c.capabilities().contains(cap)) {
                    found.put(FactorCatalog.capFactorId(cap), factor(FactorCatalog.capFactorId(cap),
                            cap + " in the effective set of the init process (pid " + c.pid() + "): "
                                    + FactorCatalog.whyCapability(cap)));
                }
            }
        }

        mounts(c, found);

        if (hostNs.contains("mount")) {
            found.put("host-mount-namespace", factor("host-mount-namespace", "no mount namespace of its own"));
        }
        nsFactor(hostNs, "pid", "host-pid", found);
        nsFactor(hostNs, "network", "host-network", found);
        nsFactor(hostNs, "ipc", "host-ipc", found);
        nsFactor(hostNs, "uts", "host-uts", found);

        if (!priv) {
            boolean procMounted = c.mounts().stream().anyMatch(m -> "/proc".equals(m.destination()) && "proc".equals(m.type()));
            if (procMounted && !covered(c, "/proc/sys")) {
                found.put("writable-proc-sys", factor("writable-proc-sys",
                        "/proc/sys is neither in readonlyPaths nor masked"));
            }
            if (sysfsWritable(c)) {
                found.put("writable-sysfs", factor("writable-sysfs", "/sys mounted (sysfs) without the ro option"));
            }
            List<String> unmasked = MASK_EXPECTED.stream().filter(p -> !c.maskedPaths().contains(p)).sorted().toList();
            if (!unmasked.isEmpty()) {
                found.put("unmasked-proc", factor("unmasked-proc", "not in maskedPaths: " + String.join(", ", unmasked)));
            }
            List<String> devices = exposedDevices(c);
            if (!devices.isEmpty()) {
                found.put("devices-exposed", factor("devices-exposed", String.join("; ", devices)));
            }
        }

        if (!c.seccomp()) {
            found.put("no-seccomp", factor("no-seccomp", "no linux.seccomp in the OCI config"));
        }
        if (unconfined(c.apparmorProfile()) && unconfinedSelinux(c.selinuxLabel())) {
            found.put("mac-unconfined", factor("mac-unconfined", "apparmor profile "
                    + (c.apparmorProfile() == null ? "none" : c.apparmorProfile()) + ", selinux label "
                    + (c.selinuxLabel() == null ? "none" : c.selinuxLabel())));
        }
        boolean userns = !hostNs.contains("user");
        if (c.user() == 0 && !userns) {
            found.put("run-as-root", factor("run-as-root", "uid 0 in the host user namespace"));
        }
        if (!userns) {
            found.put("no-user-namespace", factor("no-user-namespace", "the user namespace is the host's"));
        }
        if (!c.noNewPrivileges()) {
            found.put("no-new-privs-unset", factor("no-new-privs-unset", "process.noNewPrivileges is false"));
        }

        List<Factor> factors = new ArrayList<>();
        for (String id : FactorCatalog.all().keySet()) {
            Factor f = found.get(id);
            if (f != null) {
                factors.add(f);
            }
        }
        int score = Math.min(100, factors.stream().mapToInt(Factor::weight).sum());
        Band band = weights.band(score, priv);
        return new ContainerRisk(c.id(), c.name(), c.runtime(), c.image(), c.k8s(), score, band, List.copyOf(factors));
    }

    private void mounts(ContainerInfo c, Map<String, Factor> found) {
        Map<String, List<String>> byFactor = new LinkedHashMap<>();
        Map<String, Boolean> anyWritable = new LinkedHashMap<>();
        List<String> sockets = new ArrayList<>();
        for (ContainerInfo.Mount m : c.mounts()) {
            if (!m.bind() || m.source() == null || !m.source().startsWith("/")) {
                continue;
            }
            String src = normalise(m.source());
            String how = "host " + src + " at " + m.destination() + (m.readOnly() ? " (ro)" : " (rw)");
            if (isRuntimeSocket(src, m.destination())) {
                sockets.add(how);
                continue;
            }
            String held = socketInside(src);
            if (held != null) {
                sockets.add(how + ", which holds " + held);
            }
            if (HARMLESS.contains(src) || RUNTIME_MANAGED.stream().anyMatch(p -> src.startsWith(p) && src.length() > p.length())) {
                continue;
            }
            for (Sensitive s : SENSITIVE) {
                boolean match = s.exact() ? src.equals(s.path())
                        : src.equals(s.path()) || src.startsWith(s.path() + "/");
                if (match) {
                    byFactor.computeIfAbsent(s.factor(), k -> new ArrayList<>()).add(how);
                    anyWritable.merge(s.factor(), !m.readOnly(), Boolean::logicalOr);
                    break;
                }
            }
        }
        if (!sockets.isEmpty()) {
            found.put("runtime-socket", factor("runtime-socket", String.join("; ", sockets)));
        }
        byFactor.forEach((id, hows) -> {
            int points = weights.of(id);
            if (!anyWritable.get(id)) {
                points = (points + 1) / 2; // read-only mounts count half
            }
            FactorCatalog.Definition d = FactorCatalog.get(id);
            found.put(id, new Factor(id, d.title(), points, String.join("; ", hows), d.remediation(), d.pss(),
                    anyWritable.get(id) ? "C-0045 Writable hostPath mount" : d.kubescape()));
        });
    }

    private boolean isRuntimeSocket(String source, String destination) {
        if (SOCKET_NAMES.contains(fileName(source)) || SOCKET_NAMES.contains(fileName(destination))) {
            return true;
        }
        for (String dir : RUNTIME_DIRS) {
            if (source.equals(dir) || source.startsWith(dir + "/")) {
                return true;
            }
        }
        return false;
    }

    /** A runtime socket below a mounted host directory (/var/run, /run, /), as a host path; or null. */
    private String socketInside(String source) {
        Path onHost = hostRoot.resolve(source.substring(1));
        if (Files.isDirectory(onHost)) {
            for (String rel : SOCKET_PATHS) {
                if (Files.exists(onHost.resolve(rel))) {
                    return (source.equals("/") ? "" : source) + "/" + rel;
                }
            }
        }
        return null;
    }

    private static boolean sysfsWritable(ContainerInfo c) {
        return c.mounts().stream().anyMatch(m -> "/sys".equals(m.destination()) && "sysfs".equals(m.type())
                && !m.readOnly()) && !c.readonlyPaths().contains("/sys");
    }

    /** The path, or a parent of it, is read-only or masked. */
    private static boolean covered(ContainerInfo c, String path) {
        for (String p : c.readonlyPaths()) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        for (String p : c.maskedPaths()) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Device nodes ({@code "/dev/sda b 8:0"}) and device-cgroup allow rules ({@code "allow b 8:* rwm"})
     * that reach block devices or kernel memory.
     */
    private static List<String> exposedDevices(ContainerInfo c) {
        List<String> out = new ArrayList<>();
        for (String d : c.devices()) {
            String[] f = d.split(" ");
            if (f.length < 3) {
                continue;
            }
            boolean rule = f[0].equals("allow");
            String type = f[1];
            String majMin = f[2];
            if (type.equals("b") || type.equals("a") || DANGEROUS_CHAR.contains(majMin)
                    || (rule && type.equals("c") && majMin.equals("*:*"))) {
                out.add(rule ? "device cgroup " + d : "device node " + d);
            }
        }
        return out;
    }

    private void nsFactor(Set<String> hostNs, String type, String id, Map<String, Factor> found) {
        if (hostNs.contains(type)) {
            found.put(id, factor(id, "the " + type + " namespace is the host's"));
        }
    }

    private Factor factor(String id, String evidence) {
        FactorCatalog.Definition d = FactorCatalog.get(id);
        return new Factor(id, d.title(), weights.of(id), evidence, d.remediation(), d.pss(), d.kubescape());
    }

    private static boolean unconfined(String apparmor) {
        return apparmor == null || apparmor.isEmpty() || apparmor.equals("unconfined");
    }

    private static boolean unconfinedSelinux(String label) {
        return label == null || label.isEmpty() || label.contains("unconfined_t") || label.contains("spc_t");
    }

    private static String normalise(String path) {
        String p = Path.of(path).normalize().toString();
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static String fileName(String path) {
        if (path == null) {
            return "";
        }
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
