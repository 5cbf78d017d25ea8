package io.bulwark.sensor.audit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every factor the audit knows: its id, title, remediation, and the Pod Security Standards control
 * and kubescape control it corresponds to. Weights live apart, in {@link Weights}.
 */
public final class FactorCatalog {

    /** One factor's fixed text. {@code pss} and {@code kubescape} are null where no control matches. */
    public record Definition(String id, String title, String remediation, String pss, String kubescape) {}

    static final String PSS_PRIVILEGED = "baseline: Privileged Containers";
    static final String PSS_CAPS = "baseline: Capabilities";
    static final String PSS_HOST_NS = "baseline: Host Namespaces";
    static final String PSS_HOSTPATH = "baseline: HostPath Volumes";
    static final String PSS_PROC = "baseline: /proc Mount Type";
    static final String KS_INSECURE_CAPS = "C-0046 Insecure capabilities";
    static final String KS_HARDENING = "C-0055 Linux hardening";

    /** Capabilities worth a factor each, in the order of the default weights file. */
    public static final List<String> DANGEROUS_CAPABILITIES = List.of("CAP_SYS_ADMIN", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE", "CAP_BPF", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE",
            "CAP_NET_ADMIN", "CAP_PERFMON", "CAP_SYS_BOOT", "CAP_SYSLOG", "CAP_SYS_TIME", "CAP_SYS_RESOURCE",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_RAW");

    private static final Map<String, String> CAP_WHY = Map.ofEntries(
            Map.entry("CAP_SYS_ADMIN", "mount, cgroup release_agent, bpf, setns: the classic escape capability"),
            Map.entry("CAP_SYS_MODULE", "loads kernel modules: code in the host kernel"),
            Map.entry("CAP_SYS_RAWIO", "raw I/O ports and /dev/mem: reads and writes host memory and disks"),
            Map.entry("CAP_DAC_READ_SEARCH", "open_by_handle_at reads any host file (the 'shocker' escape)"),
            Map.entry("CAP_SYS_PTRACE", "ptrace and process_vm_writev into processes it can see (host ones with host PID)"),
            Map.entry("CAP_BPF", "loads BPF programs: reads kernel memory, tampers with other processes"),
            Map.entry("CAP_MAC_ADMIN", "changes AppArmor/SELinux policy"),
            Map.entry("CAP_MAC_OVERRIDE", "bypasses mandatory access control"),
            Map.entry("CAP_NET_ADMIN", "reconfigures networking, iptables, and with host network the node's"),
            Map.entry("CAP_PERFMON", "perf events: kernel addresses and side channels"),
            Map.entry("CAP_SYS_BOOT", "reboot and kexec_load"),
            Map.entry("CAP_SYSLOG", "reads the kernel log and kernel addresses"),
            Map.entry("CAP_SYS_TIME", "sets the host clock"),
            Map.entry("CAP_SYS_RESOURCE", "overrides resource limits and quotas"),
            Map.entry("CAP_LINUX_IMMUTABLE", "clears immutable and append-only flags"),
            Map.entry("CAP_NET_RAW", "raw sockets: spoofing, and packet-socket kernel bugs (CVE-2020-14386)"));

    private static final Map<String, Definition> ALL;

    static {
        Map<String, Definition> m = new LinkedHashMap<>();
        add(m, "privileged", "Privileged container",
                "Remove privileged (securityContext.privileged: false, no --privileged); grant only the"
                        + " capabilities and devices the workload needs.",
                PSS_PRIVILEGED, "C-0057 Privileged container");
        for (String cap : DANGEROUS_CAPABILITIES) {
            add(m, capFactorId(cap), cap + " granted",
                    "Drop " + cap + ": securityContext.capabilities.drop [ALL] and add back only what the workload"
                            + " needs (docker --cap-drop " + cap.substring(4) + ").",
                    cap.equals("CAP_NET_RAW") ? PSS_CAPS + " (restricted drops ALL)" : PSS_CAPS, KS_INSECURE_CAPS);
        }
        add(m, "runtime-socket", "Container runtime socket mounted",
                "Do not mount the runtime's socket (docker.sock, containerd.sock, crio.sock, podman.sock) into"
                        + " workloads: whoever reaches it starts privileged containers on the node.",
                PSS_HOSTPATH, "C-0074 Container runtime socket mounted");
        add(m, "host-mount-namespace", "Shares the host's mount namespace",
                "Give the container its own mount namespace (the OCI 'mount' namespace).", null, null);
        add(m, "host-pid", "Shares the host's PID namespace",
                "Remove hostPID: true / --pid=host: host processes are visible, signalable and, with"
                        + " CAP_SYS_PTRACE, injectable; /proc/1/root is the host's root.",
                PSS_HOST_NS, "C-0038 Host PID/IPC privileges");
        add(m, "host-network", "Shares the host's network namespace",
                "Remove hostNetwork: true / --network=host: the container reaches node-local services"
                        + " (kubelet, metadata, runtime APIs on localhost) and sniffs host traffic.",
                PSS_HOST_NS, "C-0041 HostNetwork access");
        add(m, "host-ipc", "Shares the host's IPC namespace",
                "Remove hostIPC: true / --ipc=host: host shared memory and message queues are readable.",
                PSS_HOST_NS, "C-0038 Host PID/IPC privileges");
        add(m, "host-uts", "Shares the host's UTS namespace",
                "Give the container its own UTS namespace (it can change the node's hostname).", null, null);
        hostPath(m, "host-path-root", "the host's root filesystem (/)");
        hostPath(m, "host-path-etc", "host /etc (credentials, cron, systemd units)");
        hostPath(m, "host-path-kubernetes", "host /etc/kubernetes (cluster credentials, static pod manifests)");
        hostPath(m, "host-path-kubelet", "host /var/lib/kubelet (kubelet credentials, every pod's volumes)");
        hostPath(m, "host-path-runtime-data", "the container runtime's data directory (other containers' filesystems)");
        hostPath(m, "host-path-proc", "host /proc (host processes, /proc/sys, /proc/sysrq-trigger)");
        hostPath(m, "host-path-sys", "host /sys (cgroups, uevent_helper, kernel parameters)");
        hostPath(m, "host-path-dev", "host /dev (disks and kernel memory devices)");
        hostPath(m, "host-path-root-home", "host /root (root's SSH keys and shell startup files)");
        hostPath(m, "host-path-run", "host /run or /var/run (runtime sockets, systemd)");
        hostPath(m, "host-path-boot", "host /boot (kernel and initramfs)");
        hostPath(m, "host-path-var-log", "host /var/log (symlink tricks through the kubelet's log reader)");
        hostPath(m, "host-path-home", "host /home (users' keys and startup files)");
        add(m, "writable-proc-sys", "/proc/sys is writable",
                "Keep /proc/sys read-only (the runtime default: do not use procMount: Unmasked or clear readonlyPaths);"
                        + " core_pattern and modprobe there run programs on the host.",
                PSS_PROC, null);
        add(m, "writable-sysfs", "/sys is mounted read-write",
                "Mount /sys read-only (the runtime default); /sys/kernel/uevent_helper and cgroup files are escape doors.",
                PSS_PRIVILEGED, null);
        add(m, "unmasked-proc", "Sensitive /proc and /sys files not masked",
                "Keep the runtime's masked paths (/proc/kcore, /proc/keys, /sys/firmware …): do not use"
                        + " procMount: Unmasked.",
                PSS_PROC, null);
        add(m, "devices-exposed", "Host devices exposed",
                "Do not pass host block devices or /dev/mem-like devices (--device, device cgroup rules);"
                        + " use volumes instead of raw disks.",
                PSS_PRIVILEGED, "C-0057 Privileged container");
        add(m, "no-seccomp", "No seccomp profile",
                "Apply the runtime's default seccomp profile (seccompProfile.type: RuntimeDefault; do not run"
                        + " with seccomp=unconfined).",
                "restricted: Seccomp", KS_HARDENING);
        add(m, "mac-unconfined", "No AppArmor profile or SELinux label",
                "Run under an AppArmor profile (runtime/default) or an SELinux container type; never 'unconfined'.",
                "baseline: AppArmor / SELinux", KS_HARDENING);
        add(m, "run-as-root", "Runs as root (uid 0) without a user namespace",
                "Run as a non-root user (securityContext.runAsNonRoot: true, runAsUser; USER in the image) or in a"
                        + " user namespace.",
                "restricted: Running as Non-root", "C-0013 Non-root containers");
        add(m, "no-user-namespace", "No user namespace",
                "Run in a user namespace (Kubernetes hostUsers: false, Docker userns-remap, podman --userns=auto):"
                        + " root in the container is then nobody on the host.",
                null, null);
        add(m, "no-new-privs-unset", "no_new_privs not set",
                "Set allowPrivilegeEscalation: false (docker --security-opt no-new-privileges): setuid binaries"
                        + " then cannot raise privileges.",
                "restricted: Privilege Escalation", "C-0016 Allow privilege escalation");
        ALL = Collections.unmodifiableMap(m);
    }

    private FactorCatalog() {}

    /** All definitions in report order. */
    public static Map<String, Definition> all() {
        return ALL;
    }

    public static Definition get(String id) {
        Definition d = ALL.get(id);
        if (d == null) {
            throw new IllegalArgumentException("unknown factor " + id);
        }
        return d;
    }

    /** Why a dangerous capability matters, for the evidence line. */
    static String whyCapability(String cap) {
        return CAP_WHY.get(cap);
    }

    /** {@code CAP_SYS_ADMIN} -> {@code cap-sys-admin}. */
    public static String capFactorId(String cap) {
        return "cap-" + cap.substring(4).toLowerCase().replace('_', '-');
    }

    static List<String> ids() {
        return new ArrayList<>(ALL.keySet());
    }

    private static void add(Map<String, Definition> m, String id, String title, String fix, String pss, String ks) {
        m.put(id, new Definition(id, title, fix, pss, ks));
    }

    private static void hostPath(Map<String, Definition> m, String id, String what) {
        add(m, id, "Mounts " + what,
                "Remove the hostPath / bind mount, or narrow it to the one file the workload needs, read-only.",
                PSS_HOSTPATH, "C-0048 HostPath mount");
    }
}
