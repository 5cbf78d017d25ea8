package io.bulwark.functions.triage;

import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Incident;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Workflow 2's root-cause questions and the advice that follows, from what the alerts and the
 * Kubernetes API say about the container: the same factors the escape-surface audit scores
 * (docs/audit.md), here for the one container that was attacked.
 */
public final class RootCauses {
    /** Capabilities that open escape doors (the audit's list, docs/audit.md). */
    static final List<String> DANGEROUS_CAPABILITIES = List.of("CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
            "CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE", "CAP_BPF", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_NET_ADMIN",
            "CAP_PERFMON", "CAP_SYS_BOOT", "CAP_SYSLOG", "CAP_SYS_TIME", "CAP_SYS_RESOURCE", "CAP_LINUX_IMMUTABLE", "CAP_NET_RAW");
    static final Set<String> SOCKET_NAMES = Set.of("docker.sock", "containerd.sock", "crio.sock", "podman.sock",
            "dockershim.sock", "cri-dockerd.sock", "buildkitd.sock", "containerd-shim.sock");
    static final List<String> RUNTIME_DIRS = List.of("/run/containerd", "/var/run/containerd", "/run/docker", "/var/run/docker",
            "/run/crio", "/var/run/crio", "/run/podman", "/var/run/podman");

    /** Escape vector → ATT&CK techniques. */
    static final Map<String, List<String>> TECHNIQUES = Map.ofEntries(
            Map.entry("ptrace-attach", List.of("T1055.008", "T1611")),
            Map.entry("proc-mem-write", List.of("T1055.009", "T1611")),
            Map.entry("process-vm-write", List.of("T1055", "T1611")),
            Map.entry("kernel-module", List.of("T1547.006", "T1611")),
            Map.entry("cloud-metadata", List.of("T1552.005")),
            Map.entry("reverse-shell", List.of("T1059.004")),
            Map.entry("credential-theft", List.of("T1552.001")),
            Map.entry("k8s-api-abuse", List.of("T1613")),
            Map.entry("fileless-exec", List.of("T1620")),
            Map.entry("drift-exec", List.of("T1105")),
            Map.entry("in-container-privesc", List.of("T1548.001")),
            Map.entry("cred-escalation", List.of("T1068")),
            Map.entry("dirty-pipe", List.of("T1068", "T1611")),
            Map.entry("runc-exe-overwrite", List.of("T1068", "T1611")),
            Map.entry("runc-leaked-fd", List.of("T1068", "T1611")),
            Map.entry("runc-mount-race", List.of("T1068", "T1611")),
            Map.entry("host-persistence", List.of("T1053.003", "T1611")),
            Map.entry("packet-socket", List.of("T1040")),
            Map.entry("kernel-rootkit-hooks", List.of("T1014")),
            Map.entry("bpf-load", List.of("T1014", "T1611")));

    private RootCauses() {}

    /** Techniques of a vector: its own, else Escape to Host (T1611) for every escape vector. */
    public static List<String> techniques(String vector) {
        if (vector == null) {
            return List.of();
        }
        return TECHNIQUES.getOrDefault(vector, List.of("T1611"));
    }

    /**
     * The container facts of one alert as a partial answer (null fields: this alert does not say).
     * Bulwark alerts carry the runtime's view; Falco and GuardDuty what they saw; the pod spec adds
     * host namespaces, hostPath volumes and privileged containers.
     */
    public static Incident.RootCause facts(Signal s, ClusterEscapeSurfaceReport.Pod pod) {
        Boolean privileged = null;
        List<String> caps = null;
        List<String> sockets = null;
        List<String> hostNs = null;
        ContainerInfo c = s.container();
        if (c != null) {
            privileged = c.privileged();
            List<String> held = c.capabilities() == null ? List.of() : c.capabilities();
            caps = privileged ? List.copyOf(DANGEROUS_CAPABILITIES) : DANGEROUS_CAPABILITIES.stream().filter(held::contains).toList();
            sockets = new ArrayList<>();
            for (ContainerInfo.Mount m : c.mounts() == null ? List.<ContainerInfo.Mount>of() : c.mounts()) {
                if (m.source() != null && isSocket(m.source(), m.destination())) {
                    sockets.add(m.source() + " at " + m.destination() + (m.readOnly() ? " (ro)" : " (rw)"));
                }
            }
            hostNs = c.hostNamespaces() == null ? List.of() : List.copyOf(c.hostNamespaces());
        } else if (s.facts() != null) {
            Signal.Facts f = s.facts();
            privileged = f.privileged();
            caps = f.capabilities() == null ? (Boolean.TRUE.equals(privileged) ? List.copyOf(DANGEROUS_CAPABILITIES) : null) : f.capabilities();
            if (f.hostPaths() != null) {
                sockets = f.hostPaths().stream().filter(p -> isSocket(p, p)).toList();
            }
            hostNs = f.hostNamespaces();
        }
        if (pod != null && "found".equals(pod.status())) {
            if (privileged == null && pod.pssViolations() != null) {
                String name = s.k8s() == null ? null : s.k8s().containerName();
                privileged = pod.pssViolations().stream().anyMatch(v -> v.startsWith("baseline: Privileged Containers")
                        && (name == null || v.contains("(" + name + ")")));
            }
            if (pod.hostPathVolumes() != null) {
                List<String> fromPod = new ArrayList<>();
                for (ClusterEscapeSurfaceReport.HostPathVolume v : pod.hostPathVolumes()) {
                    if (isSocket(v.path(), v.path())) {
                        fromPod.add(v.path() + " (hostPath volume " + v.name() + ")");
                    }
                }
                if (sockets == null || (sockets.isEmpty() && !fromPod.isEmpty())) {
                    sockets = fromPod;
                }
            }
            if (hostNs == null) {
                hostNs = new ArrayList<>();
                if (Boolean.TRUE.equals(pod.hostPid())) {
                    hostNs.add("pid");
                }
                if (Boolean.TRUE.equals(pod.hostNetwork())) {
                    hostNs.add("network");
                }
                if (Boolean.TRUE.equals(pod.hostIpc())) {
                    hostNs.add("ipc");
                }
            }
        }
        return new Incident.RootCause(privileged, caps, sockets == null ? null : !sockets.isEmpty(), sockets == null ? null : List.copyOf(sockets),
                hostNs == null ? null : List.copyOf(hostNs), s.vector(), techniques(s.vector()), null, null, List.of());
    }

    /** Newer facts win where they say something; the old answer stays where they do not. */
    public static Incident.RootCause mergeFacts(Incident.RootCause old, Incident.RootCause now) {
        if (old == null) {
            return now;
        }
        return new Incident.RootCause(pick(now.privileged(), old.privileged()), pick(now.capabilities(), old.capabilities()),
                pick(now.runtimeSocketMounted(), old.runtimeSocketMounted()), pick(now.runtimeSockets(), old.runtimeSockets()),
                pick(now.hostNamespaces(), old.hostNamespaces()), pick(now.vector(), old.vector()), now.mitre(), now.runtime(),
                now.kernel(), now.cves());
    }

    /**
     * Concrete advice, most important first: patches for the CVEs that fit the node's versions, then
     * the factors that made the escape possible, then hardening.
     */
    public static List<Incident.Remediation> remediation(Incident.RootCause rc, List<Incident.Cve> cves, Map<String, String> runtimes,
                                                        String kernel, CveTable table, ContainerInfo container, ContainerInfo.K8s k8s,
                                                        ClusterEscapeSurfaceReport.Pod pod) {
        List<Incident.Remediation> out = new ArrayList<>();
        for (Incident.Cve cve : cves) {
            if (cve.match().equals("vector")) {
                continue;
            }
            String version = "kernel".equals(cve.component()) ? kernel : runtimes == null ? null : runtimes.get(cve.component());
            String fixed = table.fixedFor(cve.id(), version);
            String what = "kernel".equals(cve.component()) ? "the node's kernel" : cve.component();
            out.add(new Incident.Remediation("patch " + what + " to ≥ " + fixed + " for " + cve.id()
                    + ("kernel".equals(cve.component()) ? " (or the distribution's kernel that carries the fix)" : ""),
                    cve.why(), cve.reference()));
        }
        for (Incident.Cve cve : cves) {
            if (cve.match().equals("vector")) {
                out.add(new Incident.Remediation("find the node's " + cve.component() + " version; patch to ≥ " + cve.fixedIn().replaceFirst("^\\S+ ", "")
                        + " if it is older (" + cve.id() + ")", cve.why(), cve.reference()));
            }
        }
        if (Boolean.TRUE.equals(rc.privileged())) {
            out.add(new Incident.Remediation("remove privileged: securityContext.privileged: false (no --privileged); grant only the capabilities and devices the workload needs",
                    "a privileged container has every capability, every device and no masked paths: every escape door is open",
                    "PSS baseline: Privileged Containers; kubescape C-0057"));
        }
        if (Boolean.TRUE.equals(rc.runtimeSocketMounted())) {
            out.add(new Incident.Remediation("remove the runtime socket mount (" + String.join(", ", rc.runtimeSockets()) + ")",
                    "whoever reaches the runtime's socket starts privileged containers on the node",
                    "PSS baseline: HostPath Volumes; kubescape C-0074"));
        }
        if (rc.hostNamespaces() != null) {
            for (String ns : rc.hostNamespaces()) {
                String advice = switch (ns) {
                    case "pid" -> "set hostPID: false (no --pid=host)";
                    case "network" -> "set hostNetwork: false (no --network=host)";
                    case "ipc" -> "set hostIPC: false (no --ipc=host)";
                    case "user" -> "give the container its own user namespace (Kubernetes hostUsers: false)";
                    default -> "give the container its own " + ns + " namespace";
                };
                out.add(new Incident.Remediation(advice, "the " + ns + " namespace is the host's: the container sees and reaches host "
                        + (ns.equals("pid") ? "processes (/proc/1/root is the host's root)" : ns.equals("network") ? "services on localhost" : "resources"),
                        ns.equals("pid") || ns.equals("network") || ns.equals("ipc") ? "PSS baseline: Host Namespaces" : null));
            }
        }
        if (!Boolean.TRUE.equals(rc.privileged()) && rc.capabilities() != null) {
            for (String cap : rc.capabilities()) {
                out.add(new Incident.Remediation("drop " + cap + ": securityContext.capabilities.drop [ALL], add back only what the workload needs",
                        cap + " opens escape doors (docs/audit.md)", "PSS baseline: Capabilities; kubescape C-0046"));
            }
        }
        if (container != null && !container.seccomp()) {
            out.add(new Incident.Remediation("apply seccomp: securityContext.seccompProfile.type: RuntimeDefault",
                    "no seccomp profile: every syscall (unshare, mount, keyctl, bpf …) reaches the kernel", "PSS restricted: Seccomp"));
        }
        if (container != null && container.user() == 0 && container.hostNamespaces() != null && container.hostNamespaces().contains("user")) {
            out.add(new Incident.Remediation("run as non-root: securityContext.runAsNonRoot: true (or a user namespace: hostUsers: false)",
                    "uid 0 in the host's user namespace is root on the host once outside", "PSS restricted: Running as Non-root"));
        }
        if (container != null && !container.noNewPrivileges()) {
            out.add(new Incident.Remediation("set allowPrivilegeEscalation: false", "setuid binaries can raise privileges in the container",
                    "PSS restricted: Privilege Escalation"));
        }
        boolean risky = Boolean.TRUE.equals(rc.privileged()) || Boolean.TRUE.equals(rc.runtimeSocketMounted())
                || (rc.hostNamespaces() != null && !rc.hostNamespaces().isEmpty()) || (rc.capabilities() != null && !rc.capabilities().isEmpty());
        String pss = pod != null ? pod.pssLevel() : null;
        if (k8s != null && k8s.namespace() != null && (risky || (pss != null && !"restricted".equals(pss)))) {
            out.add(new Incident.Remediation("enforce Pod Security Standards restricted on namespace " + k8s.namespace()
                            + ": kubectl label namespace " + k8s.namespace() + " pod-security.kubernetes.io/enforce=restricted",
                    "the admission controller then refuses privileged, host-namespace, hostPath and capability-adding pods"
                            + (pss == null ? "" : " (this pod needs '" + pss + "')"),
                    "https://kubernetes.io/docs/concepts/security/pod-security-standards/"));
        }
        return out;
    }

    static boolean isSocket(String source, String destination) {
        if (SOCKET_NAMES.contains(fileName(source)) || (destination != null && SOCKET_NAMES.contains(fileName(destination)))) {
            return true;
        }
        for (String dir : RUNTIME_DIRS) {
            if (source.equals(dir) || source.startsWith(dir + "/")) {
                return true;
            }
        }
        return false;
    }

    private static String fileName(String p) {
        int i = p.lastIndexOf('/');
        return i < 0 ? p : p.substring(i + 1);
    }

    private static <T> T pick(T now, T old) {
        return now != null ? now : old;
    }

    /** Union, first occurrence order. */
    static List<String> union(List<String> a, List<String> b) {
        Set<String> s = new LinkedHashSet<>();
        if (a != null) {
            s.addAll(a);
        }
        if (b != null) {
            s.addAll(b);
        }
        return List.copyOf(s);
    }
}
