package io.bulwark.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged `bulwark up`, run as a user runs it: ready line, one readable line per alert, the
 * alert envelope appended to --alerts, escape-surface reports (the inventory at start, scope node;
 * one per container started meanwhile, scope container), and a clean stop on SIGTERM within 5 s.
 */
@Tag("containers")
@Timeout(120)
class UpIT {
    @Test
    void upReportsAnEscapeAttemptKeepsTheAlertAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        Path alerts = dir.resolve("alerts.jsonl");
        UpProcess running = new UpProcess(dir, "up", "--alerts", alerts.toString(), "--dry-run");
        Process up = running.process;
        BlockingQueue<String> lines = running.lines;
        String[] containerId = new String[1];
        try (RuncContainer box = RuncContainer.builder().start()) {
            containerId[0] = box.id();
            String ready = lines.poll(60, TimeUnit.SECONDS);
            assertTrue(ready != null && ready.contains("ready"), "first line: " + ready + "; stderr: " + Files.readString(dir.resolve("up.err")));
            assertTrue(ready.contains("dry run"), ready);
            box.exec("/bin/bwtrigger", "openat-write", "/proc/sys/kernel/core_pattern");
            String alert = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(1, TimeUnit.SECONDS);
                if (l != null && l.contains("vector=core-pattern")) {
                    alert = l;
                    break;
                }
            }
            assertTrue(alert != null, "no core-pattern alert line; stderr: " + Files.readString(dir.resolve("up.err")));
            assertTrue(alert.contains(box.id()), "alert names the container: " + alert);
            // a container started while up runs gets a report of its own, scope container
            try (RuncContainer late = RuncContainer.builder().start()) {
                late.exec("/bin/sh", "-c", "true"); // the sensor learns a container from its first event
                JsonNode start = null;
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (start == null && System.nanoTime() < until) {
                    Thread.sleep(200);
                    start = reports(alerts).stream().filter(d -> d.get("containers").toString().contains(late.id())).findFirst().orElse(null);
                }
                assertTrue(start != null, "no Escape Surface Report for " + late.id() + "; stderr: " + Files.readString(dir.resolve("up.err")));
                assertEquals("container", start.get("scope").asText(), start.toString());
                assertEquals(1, start.get("containers").size(), "only the container that started: " + start);
            }
        } finally {
            long t0 = System.nanoTime();
            up.destroy(); // SIGTERM
            boolean exited = up.waitFor(10, TimeUnit.SECONDS);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (!exited) {
                up.destroyForcibly();
            }
            assertTrue(exited && secs < 5.0, "stopped within 5 s of SIGTERM (took " + secs + " s)");
        }
        List<String> kept = Files.readAllLines(alerts);
        assertTrue(kept.size() >= 1, "alert file has the alert");
        AlertEnvelope a = kept.stream().map(l -> Json.parse(l, AlertEnvelope.class))
                .filter(x -> "core-pattern".equals(x.detail().vector())).findFirst().orElseThrow();
        assertEquals("bulwark.sensor", a.source());
        assertEquals("dry-run:freeze", a.detail().sensor().action(), "the default playbook's freeze, recorded and not done");
        assertTrue(a.detail().sensor().incident() != null, "filed under an incident");
        assertTrue(Files.readString(dir.resolve("up.err")).contains("stopped;"), "prints its counters on the way out");
        // the JIT warm-up ran before the programs were attached, and none of its synthetic events became an alert
        assertTrue(Files.readString(dir.resolve("up.err")).contains("JIT warm-up: 300000 synthetic records"), Files.readString(dir.resolve("up.err")));
        assertTrue(kept.stream().noneMatch(l -> l.contains("bulwark-jit-warm-up") || l.contains("bwwarm")), "a warm-up event reached the alert file");
        assertTrue(kept.stream().anyMatch(l -> l.contains("\"detail-type\":\"Escape Surface Report\"") && l.contains(containerId[0])),
                "the container's start produced an escape-surface report");
        List<JsonNode> reports = reports(alerts);
        assertEquals("node", reports.get(0).get("scope").asText(), "the first report is the inventory taken at start: " + reports.get(0));
        for (JsonNode r : reports) {
            String scope = r.get("scope").asText();
            assertTrue(scope.equals("node") || scope.equals("container") && r.get("containers").size() == 1, r.toString());
        }
    }

    /** The details of the Escape Surface Report events in the event file so far. */
    static List<JsonNode> reports(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            JsonNode e = Json.mapper().readTree(l);
            if ("Escape Surface Report".equals(e.path("detail-type").asText())) {
                out.add(e.get("detail"));
            }
        }
        return out;
    }
}
