package io.bulwark.sensor.cli;

import static io.bulwark.sensor.act.NodeActionsRuncTest.count;
import static io.bulwark.sensor.act.NodeActionsRuncTest.counter;
import static io.bulwark.sensor.act.NodeActionsRuncTest.events;
import static io.bulwark.sensor.act.NodeActionsRuncTest.thaw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged `bulwark up` answering an escape attempt on the node (docs/response.md): a
 * core_pattern write in a runc container (CRITICAL, a confirmed vector) freezes that container
 * before the alert leaves the sensor, within a second of the syscall; the alert says
 * sensor.action "frozen" and its incident; the action's audit record goes out with it;
 * `bulwark release INCIDENT` thaws it through the command spool, and a replayed release does
 * nothing. With --dry-run nothing is frozen and the alert says "dry-run:freeze".
 */
@Tag("containers")
@Timeout(180)
class FastPathIT {
    static final Path JAR = Path.of(System.getProperty("bulwark.jar", "target/quarkus-app/quarkus-run.jar"));

    static UpProcess up(Path dir, String name, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--alerts", dir.resolve("alerts.jsonl").toString(), "--commands",
                dir.resolve("commands").toString(), "--integrity-seconds", "0", "--audit-minutes", "0", "--metrics-port", "0",
                "--pin-dir", "none", "--no-warm-up", "--evidence", dir.resolve("evidence").toString()));
        args.addAll(List.of(extra));
        UpProcess p = new UpProcess(dir, name, args.toArray(String[]::new));
        String ready = p.next(90);
        assertTrue(ready != null && ready.contains("ready"), "first line: " + ready + "; stderr: " + Files.readString(p.err));
        return p;
    }

    private final List<String> seen = new ArrayList<>();

    /** A stdout line containing {@code s}: one seen already, or the next within 20 s (the action line comes before its alert's). */
    String line(UpProcess p, String s) throws Exception {
        for (String l : seen) {
            if (l.contains(s)) {
                return l;
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            String l = p.next(1);
            if (l != null) {
                seen.add(l);
            }
            if (l != null && l.contains(s)) {
                return l;
            }
        }
        throw new AssertionError("no line with '" + s + "'; stderr: " + Files.readString(p.err));
    }

    static List<JsonNode> envelopes(Path file, String detailType) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            JsonNode n = Json.mapper().readTree(l);
            if (detailType.equals(n.path("detail-type").asText())) {
                out.add(n.get("detail"));
            }
        }
        return out;
    }

    /**
     * Every sensor on the machine sees this test's container: another `bulwark up` that responds (no
     * --dry-run, no --no-respond) freezes it too. Named in the failure, so that it is not taken for this sensor's doing.
     */
    static String otherRespondingSensors(long self) {
        StringBuilder b = new StringBuilder();
        ProcessHandle.allProcesses().filter(p -> p.pid() != self).forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (cmd.contains("quarkus-run.jar up") && !cmd.contains("--dry-run") && !cmd.contains("--no-respond")) {
                b.append("\n  another responding sensor froze it? pid ").append(p.pid()).append(": ").append(cmd);
            }
        });
        return b.length() == 0 ? "" : b.toString();
    }

    static JsonNode corePatternAlert(Path alerts) throws Exception {
        return envelopes(alerts, "Container Escape Alert").stream().filter(d -> "core-pattern".equals(d.path("vector").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no core-pattern alert in " + alerts));
    }

    @Test
    void anEscapeAttemptFreezesItsContainerWithinASecondAndReleaseThawsIt(@TempDir Path dir) throws Exception {
        try (UpProcess up = up(dir, "up"); RuncContainer box = counter().start()) {
            try {
                long before = count(box);
                box.exec("/bin/bwtrigger", "openat-write", "/proc/sys/kernel/core_pattern");
                String alertLine = line(up, "vector=core-pattern");
                // the alert is printed after the freeze: by then the container is frozen
                assertTrue(events(box).contains("frozen 1"), "frozen when the alert is out: " + events(box) + "; " + alertLine);
                assertTrue(alertLine.contains(box.id()), alertLine);
                String action = line(up, "ACTION freeze " + box.id());
                assertTrue(action.contains(": done"), action);
                long frozenAt = count(box);
                assertTrue(frozenAt >= before);
                Thread.sleep(500);
                assertEquals(frozenAt, count(box), "a frozen container's loop does not advance");

                Path alerts = dir.resolve("alerts.jsonl");
                JsonNode alert = corePatternAlert(alerts);
                assertEquals("frozen", alert.at("/sensor/action").asText(), alert.toString());
                String incident = alert.at("/sensor/incident").asText();
                assertTrue(!incident.isEmpty() && !"null".equals(incident), alert.toString());
                JsonNode record = envelopes(alerts, "Bulwark Action").stream().filter(r -> r.path("action").asText().equals("freeze"))
                        .findFirst().orElseThrow();
                assertEquals("done", record.path("result").asText());
                assertEquals(incident, record.path("incident").asText());
                assertEquals(alert.path("id").asText(), record.path("alert_id").asText());
                assertEquals("fast-path", record.path("trigger").asText());
                Duration syscallToFrozen = Duration.between(Instant.parse(alert.path("time").asText()), Instant.parse(record.path("time").asText()));
                assertTrue(syscallToFrozen.toMillis() < 1000, "syscall to frozen: " + syscallToFrozen);

                // evidence first: the capture of the incident completes in the background, its manifest last
                Path manifest = dir.resolve("evidence").resolve(incident).resolve("manifest.json");
                long mu = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.exists(manifest) && System.nanoTime() < mu) {
                    Thread.sleep(100);
                }
                assertTrue(Files.exists(manifest), "evidence manifest " + manifest + "; stderr: " + Files.readString(up.err));
                String m = Files.readString(manifest);
                assertTrue(m.contains("process-tree.json") && m.contains(alert.path("id").asText()), m);

                // release: a thaw command through the spool, executed by the running sensor
                Process rel = new ProcessBuilder("java", "-jar", JAR.toString(), "release", incident, "--commands",
                        dir.resolve("commands").toString()).redirectErrorStream(true).start();
                String out = new String(rel.getInputStream().readAllBytes());
                assertTrue(rel.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, rel.exitValue(), out);
                assertTrue(out.contains("released " + box.id() + ": thaw done"), out);
                assertTrue(events(box).contains("frozen 0"), events(box));
                Thread.sleep(300);
                assertTrue(count(box) > frozenAt, "the loop runs again after the release");

                // a replayed release command does nothing: no second thaw record
                Path done;
                try (var s = Files.list(dir.resolve("commands/done"))) {
                    done = s.filter(p -> p.getFileName().toString().startsWith("release-")).findFirst().orElseThrow();
                }
                JsonNode cmd = Json.mapper().readTree(Files.readString(done)).get("command");
                io.bulwark.sensor.act.CommandSpool.writeAtomically(dir.resolve("commands/replay.json"), Json.line(cmd).getBytes());
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (Files.exists(dir.resolve("commands/replay.json")) && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                assertTrue(!Files.exists(dir.resolve("commands/replay.json")), "the replay was consumed");
                long thaws = Files.readAllLines(dir.resolve("commands/actions.jsonl")).stream().filter(l -> l.contains("\"action\":\"thaw\"")).count();
                assertEquals(1, thaws, "one thaw, however often the command comes");
                // a second release finds the command done and says so again
                Process again = new ProcessBuilder("java", "-jar", JAR.toString(), "release", incident, "--commands",
                        dir.resolve("commands").toString()).redirectErrorStream(true).start();
                String out2 = new String(again.getInputStream().readAllBytes());
                assertTrue(again.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, again.exitValue(), out2);
            } finally {
                thaw(box);
            }
        }
    }

    @Test
    void dryRunFreezesNothingAndSaysWhatItWouldHaveDone(@TempDir Path dir) throws Exception {
        try (UpProcess up = up(dir, "up", "--dry-run"); RuncContainer box = counter().start()) {
            try {
                box.exec("/bin/bwtrigger", "openat-write", "/proc/sys/kernel/core_pattern");
                line(up, "vector=core-pattern");
                String action = line(up, "ACTION freeze " + box.id());
                assertTrue(action.contains(": dry-run (would freeze "), action);
                assertTrue(events(box).contains("frozen 0"), events(box) + otherRespondingSensors(up.process.pid()));
                long c = count(box);
                Thread.sleep(300);
                assertTrue(count(box) > c, "still running");
                JsonNode alert = corePatternAlert(dir.resolve("alerts.jsonl"));
                assertEquals("dry-run:freeze", alert.at("/sensor/action").asText());
                assertNotNull(alert.at("/sensor/incident").textValue());
                JsonNode record = envelopes(dir.resolve("alerts.jsonl"), "Bulwark Action").get(0);
                assertEquals("dry-run", record.path("result").asText());
                assertTrue(record.path("dry_run").asBoolean());
            } finally {
                thaw(box);
            }
        }
    }
}
