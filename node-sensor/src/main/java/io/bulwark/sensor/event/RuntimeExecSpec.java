package io.bulwark.sensor.event;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The process a container runtime is asked to start by {@code runc exec --process FILE} (also crun's):
 * how {@code docker exec -w DIR}, containerd and CRI pass an exec's settings, off the command line.
 * Read when the runtime's exec event is decoded, while the runtime still runs (the caller deletes
 * the file afterwards): the file as the runtime sees it (through /proc/PID/root and /proc/PID/cwd),
 * only when it is a regular file (not a FIFO or device, not through a final symlink) of at most
 * {@link #MAX_BYTES}. Only host processes running a runtime binary get here: whoever can name the
 * file can already run the runtime as root.
 */
final class RuntimeExecSpec {
    static final int MAX_BYTES = 256 * 1024;

    private RuntimeExecSpec() {
    }

    /**
     * The {@code --process} (or {@code -p}) argument of a runtime's {@code exec}, or null. {@code argv}
     * is the command line as the kernel captured it; when it may be cut short, /proc/PID/cmdline is read.
     */
    static String processFileArg(List<String> argv) {
        boolean exec = false;
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("exec")) {
                exec = true;
            } else if (exec && (a.equals("--process") || a.equals("-p")) && i + 1 < argv.size()) {
                return argv.get(i + 1);
            } else if (exec && a.startsWith("--process=")) {
                return a.substring("--process=".length());
            }
        }
        return null;
    }

    /** The process spec's {@code cwd}, or null when there is none or the file cannot be read safely. */
    static String cwd(int pid, String file) {
        Path p = resolve(pid, file);
        if (p == null) {
            return null;
        }
        try {
            // a regular file, and not through a final symlink to something else
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.size(p) > MAX_BYTES) {
                return null;
            }
            byte[] b;
            try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                b = in.readNBytes(MAX_BYTES + 1);
            }
            if (b.length > MAX_BYTES) {
                return null;
            }
            JsonNode n = Json.mapper().readTree(new String(b, StandardCharsets.UTF_8));
            JsonNode cwd = n == null ? null : n.get("cwd");
            return cwd != null && cwd.isTextual() ? cwd.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Path resolve(int pid, String file) {
        if (file == null || file.isEmpty() || file.indexOf('\0') >= 0) {
            return null;
        }
        try {
            Path proc = Path.of("/proc", String.valueOf(pid));
            Path p = file.startsWith("/") ? proc.resolve("root").resolve(file.substring(1)) : proc.resolve("cwd").resolve(file);
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : (file.startsWith("/") ? Path.of(file) : null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
