package io.bulwark.functions.enrich;

import io.fabric8.kubernetes.api.model.AppArmorProfile;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which Pod Security Standards level a pod spec meets
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/), computed from the spec
 * alone as the PodSecurity admission controller would: {@code privileged} when any baseline
 * control is broken, {@code baseline} when only restricted controls are, else
 * {@code restricted}. Every broken control is listed ("baseline: Host Namespaces (hostPID)").
 * Init and ephemeral containers count like the others. Windows-only controls other than
 * hostProcess are not checked.
 */
public final class PodSecurityStandards {
    public static final String PRIVILEGED = "privileged";
    public static final String BASELINE = "baseline";
    public static final String RESTRICTED = "restricted";

    /** Capabilities baseline allows to add (the container runtimes' default set). */
    static final Set<String> BASELINE_CAPS = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
            "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t");
    private static final String APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

    /** The level and the controls that keep the pod from the next stricter one. */
    public record Result(String level, List<String> violations) {}

    private record C(String name, SecurityContext sc, List<ContainerPort> ports) {}

    private PodSecurityStandards() {}

    public static Result evaluate(Pod pod) {
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            return new Result(RESTRICTED, List.of());
        }
        List<String> baseline = new ArrayList<>();
        List<String> restricted = new ArrayList<>();
        PodSecurityContext psc = spec.getSecurityContext();
        List<C> containers = containers(spec);
        Map<String, String> annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();

        // baseline
        if (psc != null && psc.getWindowsOptions() != null && isTrue(psc.getWindowsOptions().getHostProcess())) {
            baseline.add("baseline: HostProcess (pod)");
        }
        for (C c : containers) {
            if (c.sc != null && c.sc.getWindowsOptions() != null && isTrue(c.sc.getWindowsOptions().getHostProcess())) {
                baseline.add("baseline: HostProcess (" + c.name + ")");
            }
        }
        if (isTrue(spec.getHostPID())) {
            baseline.add("baseline: Host Namespaces (hostPID)");
        }
        if (isTrue(spec.getHostNetwork())) {
            baseline.add("baseline: Host Namespaces (hostNetwork)");
        }
        if (isTrue(spec.getHostIPC())) {
            baseline.add("baseline: Host Namespaces (hostIPC)");
        }
        for (C c : containers) {
            if (c.sc != null && isTrue(c.sc.getPrivileged())) {
                baseline.add("baseline: Privileged Containers (" + c.name + ")");
            }
        }
        for (C c : containers) {
            for (String cap : added(c)) {
                if (!BASELINE_CAPS.contains(cap)) {
                    baseline.add("baseline: Capabilities (" + c.name + " adds " + cap + ")");
                }
            }
        }
        for (Volume v : list(spec.getVolumes())) {
            if (v.getHostPath() != null) {
                baseline.add("baseline: HostPath Volumes (" + v.getName() + ": " + v.getHostPath().getPath() + ")");
            }
        }
        for (C c : containers) {
            for (ContainerPort p : list(c.ports)) {
                if (p.getHostPort() != null && p.getHostPort() != 0) {
                    baseline.add("baseline: Host Ports (" + c.name + ": " + p.getHostPort() + ")");
                }
            }
        }
        if (psc != null && unconfined(psc.getAppArmorProfile())) {
            baseline.add("baseline: AppArmor (pod: Unconfined)");
        }
        for (C c : containers) {
            if (c.sc != null && unconfined(c.sc.getAppArmorProfile())) {
                baseline.add("baseline: AppArmor (" + c.name + ": Unconfined)");
            }
        }
        if (annotations != null) {
            annotations.forEach((k, v) -> {
                if (k.startsWith(APPARMOR_ANNOTATION) && v != null && !v.equals("runtime/default") && !v.startsWith("localhost/")) {
                    baseline.add("baseline: AppArmor (" + k.substring(APPARMOR_ANNOTATION.length()) + ": " + v + ")");
                }
            });
        }
        if (psc != null && badSelinux(psc.getSeLinuxOptions())) {
            baseline.add("baseline: SELinux (pod)");
        }
        for (C c : containers) {
            if (c.sc != null && badSelinux(c.sc.getSeLinuxOptions())) {
                baseline.add("baseline: SELinux (" + c.name + ")");
            }
        }
        for (C c : containers) {
            if (c.sc != null && c.sc.getProcMount() != null && !"Default".equals(c.sc.getProcMount())) {
                baseline.add("baseline: /proc Mount Type (" + c.name + ": " + c.sc.getProcMount() + ")");
            }
        }
        if (psc != null && seccompType(psc.getSeccompProfile()) != null && "Unconfined".equals(seccompType(psc.getSeccompProfile()))) {
            baseline.add("baseline: Seccomp (pod: Unconfined)");
        }
        for (C c : containers) {
            if (c.sc != null && "Unconfined".equals(seccompType(c.sc.getSeccompProfile()))) {
                baseline.add("baseline: Seccomp (" + c.name + ": Unconfined)");
            }
        }
        if (psc != null) {
            for (Sysctl s : list(psc.getSysctls())) {
                if (!SAFE_SYSCTLS.contains(s.getName())) {
                    baseline.add("baseline: Sysctls (" + s.getName() + ")");
                }
            }
        }

        // restricted
        for (Volume v : list(spec.getVolumes())) {
            if (v.getConfigMap() == null && v.getCsi() == null && v.getDownwardAPI() == null && v.getEmptyDir() == null
                    && v.getEphemeral() == null && v.getPersistentVolumeClaim() == null && v.getProjected() == null
                    && v.getSecret() == null) {
                restricted.add("restricted: Volume Types (" + v.getName() + ")");
            }
        }
        for (C c : containers) {
            if (c.sc == null || !Boolean.FALSE.equals(c.sc.getAllowPrivilegeEscalation())) {
                restricted.add("restricted: Privilege Escalation (" + c.name + ": allowPrivilegeEscalation not false)");
            }
        }
        boolean podNonRoot = psc != null && isTrue(psc.getRunAsNonRoot());
        for (C c : containers) {
            Boolean own = c.sc == null ? null : c.sc.getRunAsNonRoot();
            if (Boolean.FALSE.equals(own) || (own == null && !podNonRoot)) {
                restricted.add("restricted: Running as Non-root (" + c.name + ")");
            }
        }
        if (psc != null && Long.valueOf(0).equals(psc.getRunAsUser())) {
            restricted.add("restricted: Running as Non-root user (pod: runAsUser 0)");
        }
        for (C c : containers) {
            if (c.sc != null && Long.valueOf(0).equals(c.sc.getRunAsUser())) {
                restricted.add("restricted: Running as Non-root user (" + c.name + ": runAsUser 0)");
            }
        }
        String podSeccomp = psc == null ? null : seccompType(psc.getSeccompProfile());
        for (C c : containers) {
            String own = c.sc == null ? null : seccompType(c.sc.getSeccompProfile());
            String effective = own != null ? own : podSeccomp;
            if (!"RuntimeDefault".equals(effective) && !"Localhost".equals(effective)) {
                restricted.add("restricted: Seccomp (" + c.name + ": " + (effective == null ? "not set" : effective) + ")");
            }
        }
        for (C c : containers) {
            Capabilities caps = c.sc == null ? null : c.sc.getCapabilities();
            if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
                restricted.add("restricted: Capabilities (" + c.name + " does not drop ALL)");
            }
            for (String cap : added(c)) {
                if (!"NET_BIND_SERVICE".equals(cap) && BASELINE_CAPS.contains(cap)) {
                    restricted.add("restricted: Capabilities (" + c.name + " adds " + cap + ")");
                }
            }
        }
        if (!baseline.isEmpty()) {
            return new Result(PRIVILEGED, List.copyOf(baseline));
        }
        return restricted.isEmpty() ? new Result(RESTRICTED, List.of()) : new Result(BASELINE, List.copyOf(restricted));
    }

    private static List<C> containers(PodSpec spec) {
        List<C> out = new ArrayList<>();
        for (Container c : list(spec.getInitContainers())) {
            out.add(new C(c.getName(), c.getSecurityContext(), c.getPorts()));
        }
        for (Container c : list(spec.getContainers())) {
            out.add(new C(c.getName(), c.getSecurityContext(), c.getPorts()));
        }
        for (EphemeralContainer c : list(spec.getEphemeralContainers())) {
            out.add(new C(c.getName(), c.getSecurityContext(), c.getPorts()));
        }
        return out;
    }

    private static List<String> added(C c) {
        if (c.sc == null || c.sc.getCapabilities() == null || c.sc.getCapabilities().getAdd() == null) {
            return List.of();
        }
        return c.sc.getCapabilities().getAdd().stream().map(s -> s.startsWith("CAP_") ? s.substring(4) : s).toList();
    }

    private static boolean unconfined(AppArmorProfile p) {
        return p != null && "Unconfined".equals(p.getType());
    }

    private static boolean badSelinux(SELinuxOptions o) {
        if (o == null) {
            return false;
        }
        return (o.getType() != null && !SELINUX_TYPES.contains(o.getType()))
                || (o.getUser() != null && !o.getUser().isEmpty())
                || (o.getRole() != null && !o.getRole().isEmpty());
    }

    static String seccompType(SeccompProfile p) {
        return p == null ? null : p.getType();
    }

    private static boolean isTrue(Boolean b) {
        return Boolean.TRUE.equals(b);
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}
