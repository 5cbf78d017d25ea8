package io.bulwark.sensor.enrich;

import java.nio.file.Path;

/**
 * Where the container runtimes keep their state, and where /proc and the cgroup filesystem are.
 * Every path is overridable so that tests can point the resolver at a fixture tree.
 *
 * @param runc            plain runc, and runc under Podman or CRI-O: {@code /run/runc/<id>/state.json}
 * @param crun            crun: {@code /run/crun/<id>/status} (+ {@code config.json})
 * @param containerdRunc  runc under containerd's shim: {@code /run/containerd/runc/<namespace>/<id>/state.json}
 * @param containerdTasks containerd's bundles: {@code /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/config.json}
 * @param dockerRunc      runc under Docker: {@code /run/docker/runtime-runc/moby/<id>/state.json}
 * @param dockerData      Docker's data root, for names and images: {@code /var/lib/docker/containers/<id>/config.v2.json}
 * @param containersStorage containers/storage (Podman, CRI-O): {@code /var/lib/containers/storage}
 * @param proc            procfs mount
 * @param cgroup          cgroup filesystem mount ({@code /sys/fs/cgroup}; cgroup2 is there or at {@code unified/})
 * @param host            prefix for absolute paths found inside state files (bundle directories);
 *                        {@code /} on a real node, the fixture root in tests
 */
public record StateRoots(Path runc, Path crun, Path containerdRunc, Path containerdTasks, Path dockerRunc,
                         Path dockerData, Path containersStorage, Path proc, Path cgroup, Path host) {

    /** The standard locations on a node. */
    public static StateRoots defaults() {
        return under(Path.of("/"));
    }

    /** The standard locations below {@code root} (a fixture tree laid out like a node). */
    public static StateRoots under(Path root) {
        return new StateRoots(
                root.resolve("run/runc"),
                root.resolve("run/crun"),
                root.resolve("run/containerd/runc"),
                root.resolve("run/containerd/io.containerd.runtime.v2.task"),
                root.resolve("run/docker/runtime-runc"),
                root.resolve("var/lib/docker"),
                root.resolve("var/lib/containers/storage"),
                root.resolve("proc"),
                root.resolve("sys/fs/cgroup"),
                root);
    }

    /** Same roots with a different runc state directory ({@code runc --root}). */
    public StateRoots withRunc(Path dir) {
        return new StateRoots(dir, crun, containerdRunc, containerdTasks, dockerRunc, dockerData, containersStorage,
                proc, cgroup, host);
    }

    /** Same roots with another runc root for containerd's shim (its runtime option {@code Root}). */
    public StateRoots withContainerdRunc(Path dir) {
        return new StateRoots(runc, crun, dir, containerdTasks, dockerRunc, dockerData, containersStorage, proc, cgroup,
                host);
    }

    /** Same roots reading live process facts from {@code dir} instead. */
    public StateRoots withProc(Path dir) {
        return new StateRoots(runc, crun, containerdRunc, containerdTasks, dockerRunc, dockerData, containersStorage,
                dir, cgroup, host);
    }

    /** Same roots with another cgroup mount. */
    public StateRoots withCgroup(Path dir) {
        return new StateRoots(runc, crun, containerdRunc, containerdTasks, dockerRunc, dockerData, containersStorage,
                proc, dir, host);
    }

    /** An absolute path read from a state file, seen through {@link #host}. */
    Path onHost(String absolute) {
        if (absolute == null || absolute.isEmpty()) {
            return null;
        }
        return host.resolve(absolute.replaceFirst("^/+", ""));
    }
}
