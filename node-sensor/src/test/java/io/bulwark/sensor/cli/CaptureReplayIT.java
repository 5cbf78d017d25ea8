package io.bulwark.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Json;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `bulwark capture` records a container's events as JSON lines; `bulwark replay` raises the same alert offline. */
@Tag("containers")
@Timeout(120)
class CaptureReplayIT {
    static String jar() {
        return Path.of(System.getProperty("bulwark.jar", "target/quarkus-app/quarkus-run.jar")).toString();
    }

    @Test
    void captureRecordsTheContainersEventsAndReplayAlertsOnThem(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("events.jsonl");
        try (RuncContainer box = RuncContainer.builder().start()) {
            Process cap = new ProcessBuilder("java", "-jar", jar(), "capture", "--out", events.toString(), "--seconds", "6",
                    "--container", box.id()).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(cap.getInputStream(), StandardCharsets.UTF_8));
            String first = r.readLine();
            assertTrue(first != null && first.contains("ready"), "first line: " + first);
            box.exec("/bin/bwtrigger", "openat-write", "/proc/sys/kernel/core_pattern");
            StringBuilder rest = new StringBuilder();
            String l;
            while ((l = r.readLine()) != null) {
                rest.append(l).append('\n');
            }
            assertTrue(cap.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, cap.exitValue(), rest.toString());
            assertTrue(rest.toString().contains("ringbuf_full_drops="), "loss counters printed on exit: " + rest);
            List<SensorEvent> evs = Files.readAllLines(events).stream().map(x -> Json.parse(x, SensorEvent.class)).toList();
            assertTrue(evs.stream().allMatch(e -> e.container() != null && e.container().id().equals(box.id())),
                    "--container keeps only that container's events");
            assertTrue(evs.stream().anyMatch(e -> e.syscall().name().equals("openat")
                    && "/proc/sys/kernel/core_pattern".equals(e.syscall().args().get("path"))), "the attempt is recorded");
        }
        Process rep = new ProcessBuilder("java", "-jar", jar(), "replay", events.toString(), "--json").start();
        String out = new String(rep.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(rep.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rep.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, rep.exitValue(), err);
        assertTrue(out.contains("\"vector\":\"core-pattern\""), "replay raises the core-pattern alert: " + out + err);
    }

    @Test
    void replayNamesBadLinesAndKeepsGoing(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("bad.jsonl");
        Files.writeString(events, "{not json\n");
        Process rep = new ProcessBuilder("java", "-jar", jar(), "replay", events.toString()).start();
        String err = new String(rep.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rep.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, rep.exitValue());
        assertTrue(err.contains("bad.jsonl:1"), err);
    }
}
