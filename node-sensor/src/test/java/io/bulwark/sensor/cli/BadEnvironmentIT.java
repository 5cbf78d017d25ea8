package io.bulwark.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged sensor in a bad environment says in one line what is wrong and how to fix it, and
 * exits with 3: not root, no BTF, no libbpf. An unmounted tracefs it mounts itself.
 */
@Tag("kernel")
@Timeout(120)
class BadEnvironmentIT {
    private static String jar() {
        return Path.of(System.getProperty("bulwark.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath().toString();
    }

    /** Runs {@code cmd} (environment plus {@code env}); exit code and combined output. */
    private static String[] run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "did not finish: " + cmd + "\n" + out);
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    /** Exit code 3 and exactly one line from the CLI, naming the problem; no stack trace. */
    private static String oneMessage(String[] result) {
        String out = result[1];
        assertEquals("3", result[0], out);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line of output: " + out);
        assertTrue(lines.get(0).startsWith("bulwark capture: "), out);
        assertTrue(!out.contains("Exception") && !out.contains("\tat "), "no stack trace for a bad environment: " + out);
        return lines.get(0);
    }

    @Test
    void noBtfIsOneClearMessageWithTheFix() throws Exception {
        String line = oneMessage(run(List.of("java", "-Dbulwark.btf=/nonexistent/btf/vmlinux", "-jar", jar(),
                "capture", "--out", "/dev/null", "--seconds", "1"), Map.of()));
        assertTrue(line.contains("/nonexistent/btf/vmlinux is missing: this kernel exposes no BTF"), line);
        assertTrue(line.contains("CONFIG_DEBUG_INFO_BTF=y"), line);
    }

    @Test
    void noLibbpfIsOneClearMessageWithTheFix() throws Exception {
        String line = oneMessage(run(List.of("java", "-jar", jar(), "capture", "--out", "/dev/null", "--seconds", "1"),
                Map.of("BULWARK_LIBBPF", "/nonexistent/lib/libbpf.so.1")));
        assertTrue(line.contains("libbpf 1.x not found: cannot load /nonexistent/lib/libbpf.so.1"), line);
        assertTrue(line.contains("apt-get install libbpf1"), line);
    }

    /**
     * In a private mount namespace where tracefs is unmounted, the sensor mounts it and runs. The
     * host's mounts are untouched (unshare --propagation private).
     */
    @Test
    void unmountedTracefsIsMountedBySensor() throws Exception {
        Path out = Files.createTempFile("bulwark-tracefs-", ".jsonl");
        try {
            String script = "set -e\n"
                    + "umount -l /sys/kernel/tracing 2>/dev/null || true\n"
                    + "if [ -d /sys/kernel/debug/tracing/events ]; then umount -l /sys/kernel/debug; fi\n"
                    + "if [ -d /sys/kernel/tracing/events ]; then echo 'TRACEFS-STILL-MOUNTED'; exit 9; fi\n"
                    + "rc=0; java -jar \"$1\" capture --out \"$2\" --seconds 1 || rc=$?\n"
                    + "if grep -q ' /sys/kernel/tracing .* - tracefs ' /proc/self/mountinfo; then echo TRACEFS-MOUNTED-AFTER; fi\n"
                    + "exit $rc\n";
            String[] r = run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", jar(),
                    out.toString()), Map.of());
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("bulwark capture: ready"), r[1]);
            assertTrue(r[1].contains("TRACEFS-MOUNTED-AFTER"), "the sensor mounted tracefs: " + r[1]);
            assertTrue(Files.isDirectory(Path.of("/sys/kernel/tracing/events")), "the host's tracefs is untouched");
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void notRootIsOneClearMessageWithTheFix() throws Exception {
        String jar = jar();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "java", "-Djava.io.tmpdir=/tmp", "-jar", jar, "capture", "--out", "/dev/null", "--seconds", "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
        assertTrue(out.contains("must run as root"), out);
        assertTrue(!out.contains("Exception"), "no stack trace for a bad environment: " + out);
    }
}
