package io.bulwark.sensor.act;

import io.bulwark.sensor.enrich.CgroupLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the cgroups of a process ({@code /proc/PID/cgroup}) or of a container's cgroup path (the
 * runtime's cgroupsPath) in the cgroup2 hierarchy and in the cgroup1 freezer, on pure cgroup2,
 * hybrid and cgroup1 hosts.
 */
public final class CgroupLocator {
    private final Path mount;
    private final CgroupLayout layout;
    private final Path proc;

    public CgroupLocator(Path mount, Path proc) {
        this.mount = mount;
        this.layout = CgroupLayout.detect(mount);
        this.proc = proc;
    }

    public static CgroupLocator system() {
        return new CgroupLocator(Path.of("/sys/fs/cgroup"), Path.of("/proc"));
    }

    /** The cgroup1 freezer's mount, or null (pure cgroup2, or no freezer controller). */
    Path freezerRoot() {
        Path f = mount.resolve("freezer");
        return Files.exists(f.resolve("cgroup.procs")) && !f.equals(layout.v2Root()) ? f : null;
    }

    /** The cgroups of a live process; throws when it is gone. */
    public ContainerCgroup ofPid(int pid) throws IOException {
        List<String> lines = Files.readAllLines(proc.resolve(Integer.toString(pid)).resolve("cgroup"));
        String v2 = null;
        String freezer = null;
        for (String l : lines) {
            int a = l.indexOf(':');
            int b = a < 0 ? -1 : l.indexOf(':', a + 1);
            if (b < 0) {
                continue;
            }
            String controllers = l.substring(a + 1, b);
            String path = l.substring(b + 1);
            if (l.startsWith("0::")) {
                v2 = path;
            } else if (List.of(controllers.split(",")).contains("freezer")) {
                freezer = path;
            }
        }
        return of(v2, freezer);
    }

    /** The cgroups of a runtime's cgroupsPath (relative to the hierarchies' roots; systemd form expanded). */
    public ContainerCgroup ofPath(String cgroupsPath) {
        String rel = CgroupLayout.expandCgroupsPath(cgroupsPath);
        return of(rel, rel);
    }

    private ContainerCgroup of(String v2, String freezer) {
        Path v2Dir = null;
        if (v2 != null && layout.v2Root() != null) {
            Path d = layout.v2Root().resolve(v2.replaceFirst("^/+", ""));
            v2Dir = Files.isDirectory(d) ? d : null;
        }
        Path fDir = null;
        Path fRoot = freezerRoot();
        if (freezer != null && fRoot != null) {
            Path d = fRoot.resolve(freezer.replaceFirst("^/+", ""));
            fDir = Files.isDirectory(d) ? d : null;
        }
        return new ContainerCgroup(v2, v2Dir, freezer, fDir);
    }
}
