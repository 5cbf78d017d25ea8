package io.bulwark.sensor.testing;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Podman container for tests (podman with runc, per PLATFORM-NOTES: --runtime runc,
 * explicit ulimits, --rootfs from the runc harness's busybox rootfs). Always removed on close.
 */
public final class Podman implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/podman");

    private final String name;
    private final String id;
    private final Path rootfs;

    private Podman(String name, String id, Path rootfs) {
        this.name = name;
        this.id = id;
        this.rootfs = rootfs;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts {@code sleep 600} in a new podman container. */
    public static Podman start() throws Exception {
        String name = "bw-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path rootfs = Files.createTempDirectory("bulwark-podman-rootfs-");
        try (RuncContainer template = RuncContainer.builder().start()) {
            run(List.of("cp", "-a", template.rootfs() + "/.", rootfs.toString()));
        }
        try {
            String id = run(List.of("podman", "--runtime", "runc", "run", "-d", "--name", name,
                    "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", "--rootfs", rootfs.toString(),
                    "sleep", "600")).strip();
            return new Podman(name, id, rootfs);
        } catch (Exception e) {
            run(List.of("podman", "rm", "-f", "-t", "0", name));
            run(List.of("rm", "-rf", rootfs.toString()));
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public String id() {
        return id;
    }

    /** {@code podman exec}; fails on a non-zero exit. */
    public String exec(String... argv) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("podman", "exec", name));
        cmd.addAll(List.of(argv));
        return run(cmd);
    }

    @Override
    public void close() throws Exception {
        run(List.of("podman", "rm", "-f", "-t", "0", name));
        run(List.of("rm", "-rf", rootfs.toString()));
    }

    /** Runs a command with no input; its output, or an exception naming the command. */
    public static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
