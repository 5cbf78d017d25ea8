package io.bulwark.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * No blind window across a crash: `bulwark up` is killed with SIGKILL, escape attempts go on in a
 * real runc container while it is down, and the next `bulwark up` (same pin directory in bpffs)
 * adopts the ring its predecessor's programs kept filling and reports every attempt. The
 * attempts' alerts reach the --alerts file and the outbox. A clean stop then leaves no pin behind.
 */
@Tag("containers")
@Timeout(180)
class RestartIT {
    static final int ATTEMPTS_WHILE_DOWN = 20;

    static UpProcess up(Path dir, Path pins, String name) throws Exception {
        return new UpProcess(dir, name, "--no-respond", "--alerts", dir.resolve("alerts.jsonl").toString(), "--outbox", dir.resolve("outbox").toString(),
                "--pin-dir", pins.toString(), "--dry-run", "--no-warm-up", "--integrity-seconds", "0", "--metrics-port", "0", "--coalesce-seconds", "0");
    }

    /**
     * The ready line. A sensor that adopted a ring may print alerts before it: the decoder starts on
     * what the earlier programs recorded as soon as its own are attached, before the line is printed.
     */
    static String ready(UpProcess up) throws Exception {
        List<String> before = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String l = up.next(1);
            if (l != null && l.startsWith("bulwark up: ready")) {
                return l;
            }
            if (l != null) {
                assertTrue(l.contains(" vector="), "only alert lines may come before the ready line: " + l);
                before.add(l);
            }
        }
        throw new AssertionError("no ready line in 60 s; before it: " + before + "; stderr: " + Files.readString(up.err));
    }

    /** Pids of the processes whose core_pattern write attempts are in the alert file. */
    static Set<Integer> attemptPids(Path alerts) throws Exception {
        Set<Integer> pids = new HashSet<>();
        if (!Files.exists(alerts)) {
            return pids;
        }
        for (String l : Files.readAllLines(alerts)) {
            JsonNode e = Json.mapper().readTree(l);
            if ("core-pattern".equals(e.path("detail").path("vector").asText())) {
                pids.add(e.path("detail").path("process").path("pid").asInt());
            }
        }
        return pids;
    }

    @Test
    void attemptsMadeWhileTheSensorIsKilledAreReportedByTheNextOne(@TempDir Path dir) throws Exception {
        Path pins = Path.of("/sys/fs/bpf/bulwark-test-" + UUID.randomUUID().toString().substring(0, 8));
        Path alerts = dir.resolve("alerts.jsonl");
        try (RuncContainer box = RuncContainer.builder().start()) {
            try (UpProcess first = up(dir, pins, "first")) {
                String ready = ready(first);
                assertTrue(ready.contains("pinned in " + pins), ready);
                box.exec("/bin/bwtrigger", "openat-write", "/proc/sys/kernel/core_pattern");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (attemptPids(alerts).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(1, attemptPids(alerts).size(), "the first sensor saw the first attempt");
                first.process.destroyForcibly(); // SIGKILL: no clean stop, the pins stay
                assertTrue(first.process.waitFor(10, TimeUnit.SECONDS));
            }
            assertTrue(Files.isDirectory(pins), "the pins outlive the killed sensor");
            for (int i = 0; i < ATTEMPTS_WHILE_DOWN; i++) {
                assertEquals(0, box.exec("/bin/sh", "-c", "/bin/bwtrigger openat-write /proc/sys/kernel/core_pattern; true").exitCode());
            }
            assertEquals(1, attemptPids(alerts).size(), "nothing can report while the sensor is down");
            try (UpProcess second = up(dir, pins, "second")) {
                String ready = ready(second);
                assertTrue(ready.contains("the ring of an earlier sensor adopted"), ready);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (attemptPids(alerts).size() < 1 + ATTEMPTS_WHILE_DOWN && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertEquals(1 + ATTEMPTS_WHILE_DOWN, attemptPids(alerts).size(),
                        "every attempt made while the sensor was down is reported by the next one; stderr: " + Files.readString(dir.resolve("second.err")));
                second.process.destroy(); // a clean stop
                assertTrue(second.process.waitFor(10, TimeUnit.SECONDS));
            }
            assertFalse(Files.exists(pins), "a clean stop removes the pins: nothing stays attached");
            // the outbox holds them too, for the shipper
            long inOutbox;
            try (var st = Files.list(dir.resolve("outbox"))) {
                List<Path> segs = st.filter(p -> p.toString().endsWith(".seg")).toList();
                inOutbox = 0;
                for (Path s : segs) {
                    String text = new String(Files.readAllBytes(s), StandardCharsets.ISO_8859_1);
                    int from = 0;
                    while ((from = text.indexOf("\"vector\":\"core-pattern\"", from)) >= 0) {
                        inOutbox++;
                        from++;
                    }
                }
            }
            assertTrue(inOutbox >= 1 + ATTEMPTS_WHILE_DOWN, "outbox has the alerts: " + inOutbox);
        } finally {
            // a failed run must not leave programs attached
            if (Files.isDirectory(pins)) {
                try (var st = Files.list(pins)) {
                    for (Path p : st.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(pins);
            }
        }
    }
}
