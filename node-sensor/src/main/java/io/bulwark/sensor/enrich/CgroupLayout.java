package io.bulwark.sensor.enrich;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the cgroup2 hierarchy is mounted: {@code /sys/fs/cgroup} on a pure cgroup2 host,
 * {@code /sys/fs/cgroup/unified} on a hybrid one, nowhere on a cgroup1-only host. The cgroup id
 * that BPF reports ({@code bpf_get_current_cgroup_id()}) is the inode of the cgroup's directory
 * in that hierarchy.
 */
public final class CgroupLayout {
    private final Path v2Root;

    private CgroupLayout(Path v2Root) {
        this.v2Root = v2Root;
    }

    /** Detects the layout below a cgroup mount point ({@code /sys/fs/cgroup}). */
    public static CgroupLayout detect(Path cgroupMount) {
        if (Files.exists(cgroupMount.resolve("cgroup.controllers"))) {
            return new CgroupLayout(cgroupMount);
        }
        Path unified = cgroupMount.resolve("unified");
        if (Files.exists(unified.resolve("cgroup.controllers"))) {
            return new CgroupLayout(unified);
        }
        return new CgroupLayout(null);
    }

    /** The cgroup2 mount, or null on a cgroup1-only host (then no cgroup ids). */
    public Path v2Root() {
        return v2Root;
    }

    public boolean hybrid() {
        return v2Root != null && v2Root.getFileName() != null && v2Root.getFileName().toString().equals("unified");
    }

    /** Cgroup id of a path relative to the hierarchy root ({@code /bw-1}), or -1 when it does not exist. */
    public long idOf(String cgroupPath) {
        if (v2Root == null || cgroupPath == null) {
            return -1;
        }
        try {
            return ((Number) Files.getAttribute(v2Root.resolve(cgroupPath.replaceFirst("^/+", "")), "unix:ino"))
                    .longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A path under the cgroup2 mount ({@code /sys/fs/cgroup/unified/x}) as a path relative to the root ({@code /x}). */
    public String relative(String absolute) {
        if (absolute == null) {
            return null;
        }
        if (v2Root != null) {
            String root = v2Root.toString();
            if (absolute.startsWith(root + "/")) {
                return absolute.substring(root.length());
            }
        }
        // "/sys/fs/cgroup/unified/x" or "/sys/fs/cgroup/x" written by the runtime on the real host
        for (String prefix : new String[] {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
            if (absolute.startsWith(prefix + "/")) {
                return absolute.substring(prefix.length());
            }
        }
        return absolute;
    }

    /**
     * The cgroup path a runtime's {@code cgroupsPath} stands for. Plain paths are returned as they
     * are; the systemd driver's {@code slice:prefix:name} form becomes the nested slices plus the
     * scope ({@code kubepods-besteffort-pod1.slice:cri-containerd:abc} ->
     * {@code /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope}).
     */
    public static String expandCgroupsPath(String cgroupsPath) {
        if (cgroupsPath == null || cgroupsPath.startsWith("/") || !cgroupsPath.contains(":")) {
            return cgroupsPath == null ? null : (cgroupsPath.startsWith("/") ? cgroupsPath : "/" + cgroupsPath);
        }
        String[] parts = cgroupsPath.split(":", 3);
        String slice = parts[0].isEmpty() ? "system.slice" : parts[0];
        StringBuilder path = new StringBuilder();
        if (!slice.equals("-.slice")) {
            String stem = slice.endsWith(".slice") ? slice.substring(0, slice.length() - ".slice".length()) : slice;
            String acc = "";
            for (String piece : stem.split("-")) {
                acc = acc.isEmpty() ? piece : acc + "-" + piece;
                path.append('/').append(acc).append(".slice");
            }
        }
        String name = parts.length == 3 ? parts[2] : "";
        String prefix = parts.length >= 2 ? parts[1] : "";
        if (name.endsWith(".slice")) {
            path.append('/').append(name);
        } else {
            path.append('/').append(prefix.isEmpty() ? name : prefix + "-" + name).append(".scope");
        }
        return path.toString();
    }
}
