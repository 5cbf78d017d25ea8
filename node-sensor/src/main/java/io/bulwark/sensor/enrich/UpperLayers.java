package io.bulwark.sensor.enrich;

import java.io.IOException;
import io.bulwark.contract.ContainerInfo;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Drift detection: whether an executable lives in a container's overlay upper layer, i.e. was
 * written after the container started rather than shipped in its image. The upper directory is
 * read from the container init's mountinfo (the root mount's {@code upperdir=} option, a host
 * path) of the executing process; a root that is not an overlay has no upper layer.
 */
public final class UpperLayers {
    private final Path proc;
    private final java.util.Map<String, Path> byContainer = new java.util.concurrent.ConcurrentHashMap<>();

    public UpperLayers(Path procRoot) {
        this.proc = procRoot;
    }

    public UpperLayers() {
        this(Path.of("/proc"));
    }

    /**
     * True when {@code exe} (a path in the process's view) exists in the overlay upper layer of the
     * root of the container. The mount table is read from the executing process itself (it is
     * inside the container); when that process is already gone (short-lived tools exit before the
     * event is decoded), from the container's init, remembered per container id (ids are unique,
     * unlike namespace inode numbers, which are recycled).
     */
    public boolean inUpperLayer(ContainerInfo container, int pid, String exe) {
        if (exe == null || !exe.startsWith("/")) {
            return false;
        }
        Optional<Path> upper = read(pid);
        if (upper.isEmpty() && container != null) {
            Path known = byContainer.get(container.id());
            if (known == null) {
                upper = read(container.pid());
                upper.ifPresent(u -> {
                    if (byContainer.size() > 4096) {
                        byContainer.clear();
                    }
                    byContainer.put(container.id(), u);
                });
            } else {
                upper = Optional.of(known);
            }
        }
        return upper.isPresent() && Files.exists(upper.get().resolve(exe.substring(1)), LinkOption.NOFOLLOW_LINKS);
    }

    /** The upperdir of the root mount of {@code pid}'s mount namespace, if it is an overlay. */
    Optional<Path> read(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/mountinfo"))) {
                // id parent major:minor root mountpoint options [optional fields] - fstype source superoptions
                String[] f = line.split(" ");
                int dash = java.util.Arrays.asList(f).indexOf("-");
                if (f.length < 5 || !"/".equals(f[4]) || dash < 0 || dash + 3 >= f.length) {
                    continue;
                }
                if (!"overlay".equals(f[dash + 1])) {
                    continue;
                }
                for (String opt : f[dash + 3].split(",")) {
                    if (opt.startsWith("upperdir=")) {
                        return Optional.of(Path.of(opt.substring("upperdir=".length())));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
