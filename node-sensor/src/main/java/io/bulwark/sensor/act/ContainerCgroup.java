package io.bulwark.sensor.act;

import java.nio.file.Path;

/**
 * Where a container (or process) sits in the cgroup hierarchies: its cgroup2 path relative to the
 * hierarchy root and the directory of it ({@code /sys/fs/cgroup/unified/bw-1} on a hybrid host),
 * and its cgroup1 freezer directory ({@code /sys/fs/cgroup/freezer/bw-1}) where there is one.
 * Either directory is null when that hierarchy is absent.
 */
public record ContainerCgroup(String v2Path, Path v2Dir, String freezerPath, Path freezerDir) {

    /** The cgroup a freeze acts on, for the audit: the cgroup2 directory when there is one, else the v1 freezer's. */
    public String describe() {
        return v2Dir != null ? v2Dir.toString() : freezerDir != null ? freezerDir.toString() : "none";
    }

    /** The hierarchy's root in every hierarchy we know: host processes live there. */
    public boolean isRoot() {
        return isRootPath(v2Path) && isRootPath(freezerPath);
    }

    private static boolean isRootPath(String p) {
        return p == null || p.isEmpty() || p.equals("/");
    }

    /** True when {@code other} is this cgroup or below it, in either hierarchy. */
    public boolean contains(ContainerCgroup other) {
        return under(other.v2Path, v2Path) || under(other.freezerPath, freezerPath);
    }

    private static boolean under(String child, String parent) {
        if (child == null || parent == null) {
            return false;
        }
        if (isRootPath(parent)) {
            return true;
        }
        return child.equals(parent) || child.startsWith(parent.endsWith("/") ? parent : parent + "/");
    }
}
