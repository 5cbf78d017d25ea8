package io.bulwark.contract;

import java.util.List;
import java.util.Map;

/**
 * A container as its runtime describes it (state directory plus OCI config.json). The sensor
 * attributes events to it; the escape-surface audit scores it.
 *
 * @param id                full container id
 * @param name              name the runtime or Kubernetes gives it (id when none)
 * @param runtime           runc, crun, containerd, cri-o, docker or podman
 * @param image             image reference where the runtime knows it
 * @param pid               host pid of the container's init
 * @param status            running, created, stopped …
 * @param bundle            OCI bundle directory
 * @param rootfs            root filesystem path on the host
 * @param cgroupPath        cgroup path (relative to the hierarchy root)
 * @param privileged        all capabilities, no masked paths, devices allowed: what {@code --privileged} gives
 * @param capabilities      effective capabilities of the init process (CAP_ names)
 * @param mounts            mounts from the OCI config
 * @param hostNamespaces    namespaces shared with the host: pid, network, ipc, uts, user, mount, cgroup
 * @param user              uid the init process runs as
 * @param seccomp           true when a seccomp profile is applied
 * @param apparmorProfile   AppArmor profile, null when none
 * @param selinuxLabel      SELinux process label, null when none
 * @param noNewPrivileges   no_new_privs set for the process
 * @param readonlyPaths     paths remounted read-only
 * @param maskedPaths       paths masked from the container
 * @param devices           device nodes created in the container
 * @param k8s               pod attribution from CRI annotations, null outside Kubernetes
 * @param annotations       runtime annotations
 * @param cwd               working directory of the init process (OCI {@code process.cwd}), null when the
 *                          config does not say (runc's state.json keeps none)
 */
public record ContainerInfo(
        String id, String name, String runtime, String image, int pid, String status,
        String bundle, String rootfs, String cgroupPath, boolean privileged,
        List<String> capabilities, List<Mount> mounts, List<String> hostNamespaces,
        int user, boolean seccomp, String apparmorProfile, String selinuxLabel, boolean noNewPrivileges,
        List<String> readonlyPaths, List<String> maskedPaths, List<String> devices,
        K8s k8s, Map<String, String> annotations, String cwd) {

    /** One mount of the container. */
    public record Mount(String source, String destination, String type, List<String> options) {
        public boolean readOnly() {
            return options != null && options.contains("ro");
        }

        public boolean bind() {
            return "bind".equals(type) || (options != null && (options.contains("bind") || options.contains("rbind")));
        }
    }

    /** Kubernetes attribution from the CRI annotations. */
    public record K8s(String namespace, String pod, String podUid, String containerName) {}
}
