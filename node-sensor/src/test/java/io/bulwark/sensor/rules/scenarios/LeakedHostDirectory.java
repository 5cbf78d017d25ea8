package io.bulwark.sensor.rules.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.testing.RuncContainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A descriptor of a fresh host directory handed to an ordinary container, as a leaking runtime or
 * agent would: the host side ({@code bwtrigger dir-serve}) listens on a unix socket in a directory
 * bound into the container at {@link #SOCKET}'s directory, and hands the descriptor to the first
 * client ({@code bwtrigger dir-recv-* SOCKET …} in the container). Everything is removed on close,
 * the container first.
 */
final class LeakedHostDirectory implements AutoCloseable {
    /** The socket's path inside the container. */
    static final String SOCKET = "/run/leak/s";

    private final Path sockDir;
    private final Path hostDir;
    private RuncContainer box;
    private Process server;

    private LeakedHostDirectory(Path sockDir, Path hostDir) {
        this.sockDir = sockDir;
        this.hostDir = hostDir;
    }

    static LeakedHostDirectory start() throws Exception {
        return start(new String[0]);
    }

    /** As {@link #start()}, the container with these capabilities added (e.g. SYS_CHROOT, which Docker grants by default). */
    static LeakedHostDirectory start(String... capAdd) throws Exception {
        Scenarios.sensor();
        Scenarios.engine();
        Path sock = Files.createTempDirectory("bw-leak-");
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rwxrwxrwx"));
        LeakedHostDirectory l = new LeakedHostDirectory(sock, Files.createTempDirectory("bw-hostdir-"));
        try {
            RuncContainer.Builder b = RuncContainer.builder().bind(sock, "/run/leak", false);
            for (String cap : capAdd) {
                b.capAdd(cap);
            }
            l.box = b.start();
            Path helper = Path.of(System.getProperty("bulwark.testHelpers", "target/test-helpers"), "bwtrigger");
            l.server = new ProcessBuilder(helper.toString(), "dir-serve", sock.resolve("s").toString(), l.hostDir.toString())
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(l.server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("serving", out.readLine(), "the host side is listening");
            return l;
        } catch (Exception | Error e) {
            l.close();
            throw e;
        }
    }

    RuncContainer box() {
        return box;
    }

    /** The host directory whose descriptor is handed over. */
    Path hostDir() {
        return hostDir;
    }

    /** Asserts that the host side handed the descriptor over and ended. */
    void assertHandedOver() throws InterruptedException {
        assertTrue(server.waitFor(10, TimeUnit.SECONDS), "the host side handed the descriptor over");
    }

    @Override
    public void close() {
        if (server != null) {
            server.destroyForcibly();
        }
        if (box != null) {
            box.close();
        }
        Scenarios.deleteTree(sockDir);
        Scenarios.deleteTree(hostDir);
    }
}
