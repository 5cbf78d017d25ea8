package io.bulwark.sensor.alert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container runtime versions on this node ({@code runc}, {@code containerd}, {@code crun}, {@code podman}),
 * for {@code detail.node.runtimes}: triage matches CVEs against them. Each runtime is found on PATH or in
 * /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin and asked {@code NAME --version} (2 s at most each);
 * a runtime that is missing or does not answer is absent. Detection runs on a daemon thread of its own at
 * start and again every {@link #REFRESH} (a runtime upgraded under a running sensor shows up then); the
 * alert path only reads the last result, so it never waits for a process.
 */
public final class RuntimeVersions {
    public static final List<String> RUNTIMES = List.of("runc", "containerd", "crun", "podman");
    public static final Duration REFRESH = Duration.ofHours(1);
    private static final List<String> DIRS = List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin");
    /** A version token: digits.digits with an optional patch and suffix ({@code 1.1.5+ds1}, {@code 1.6.20~ds1}, {@code 1.0.0-rc93}). */
    private static final Pattern VERSION = Pattern.compile("(?<![\\w.])v?(\\d+\\.\\d+(?:\\.\\d+)?(?:[-+~][0-9A-Za-z.~+-]*)?)");

    private static volatile RuntimeVersions shared;

    private volatile Map<String, String> current = Map.of();
    private volatile boolean detected;

    /** The node's one instance; the first call starts its detection thread. */
    public static RuntimeVersions shared() {
        RuntimeVersions s = shared;
        if (s == null) {
            synchronized (RuntimeVersions.class) {
                s = shared;
                if (s == null) {
                    s = new RuntimeVersions();
                    s.startRefreshing(REFRESH);
                    shared = s;
                }
            }
        }
        return s;
    }

    /** The last detected versions by runtime name (empty until the first detection ends); never blocks. */
    public Map<String, String> current() {
        return current;
    }

    /** True once a detection has finished. */
    public boolean detected() {
        return detected;
    }

    /** Waits up to {@code max} for the first detection (start-up code only, never the decoder thread). */
    public Map<String, String> awaitFirst(Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!detected && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        return current;
    }

    void startRefreshing(Duration every) {
        Thread t = new Thread(() -> {
            while (true) {
                refresh();
                try {
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bulwark-runtime-versions");
        t.setDaemon(true);
        t.start();
    }

    /** Detects every runtime now (runs processes: not for the alert path). */
    public Map<String, String> refresh() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : RUNTIMES) {
            Path exe = find(name, System.getenv("PATH"));
            if (exe == null) {
                continue;
            }
            String v = version(exe);
            if (v != null) {
                out.put(name, v);
            }
        }
        current = Map.copyOf(out);
        detected = true;
        return current;
    }

    /** The executable {@code name} on {@code path} or in the usual directories, or null. */
    static Path find(String name, String path) {
        List<String> dirs = new ArrayList<>();
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty()) dirs.add(d);
            }
        }
        dirs.addAll(DIRS);
        for (String d : dirs) {
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** {@code exe --version}'s version, or null when it fails, hangs past 2 s or prints none. */
    static String version(Path exe) {
        Process p = null;
        try {
            p = new ProcessBuilder(exe.toString(), "--version").redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // wait first (a version line fits the pipe's buffer): a runtime that hangs never blocks the read
            if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            byte[] buf;
            try (InputStream in = p.getInputStream()) {
                buf = in.readNBytes(4096);
            }
            return parse(new String(buf, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            if (p != null) p.destroyForcibly();
        }
    }

    /**
     * The version in a runtime's {@code --version} output: the first version token of the first line
     * ({@code runc version 1.1.5+ds1}, {@code containerd github.com/containerd/containerd v1.7.24 88bf19b…},
     * {@code podman version 4.3.1}); a leading {@code v} is dropped.
     */
    static String parse(String output) {
        for (String line : output.split("\n")) {
            Matcher m = VERSION.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
            if (!line.isBlank()) {
                return null; // only the first line names the runtime's own version (later ones: spec, go, libseccomp)
            }
        }
        return null;
    }
}
