package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The local pipeline with its real servers: an alert appended to the outbox reaches ElasticMQ
 * (with its id as an attribute) and the local bus, whose rule archives it as a file under
 * archive/; a report reaches the audit aggregation; an alert over SQS's size limit travels as a
 * pointer to the whole envelope, stored as a file with the SHA-256 the pointer names.
 */
@Tag("servers")
class LocalPipelineTest {
    @TempDir
    Path dir;

    static String alert(String id, String output) {
        return "{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"Container Escape Alert\",\"source\":\"bulwark.sensor\","
                + "\"account\":null,\"time\":\"2026-12-07T01:02:03.123Z\",\"region\":null,\"resources\":[\"node/n1\",\"container/c1\"],"
                + "\"detail\":{\"id\":\"" + id + "\",\"time\":\"2026-12-07T01:02:03.123Z\",\"rule\":\"Core Pattern Written From Container\","
                + "\"priority\":\"CRITICAL\",\"severity\":8.0,\"vector\":\"core-pattern\",\"output\":\"" + output + "\","
                + "\"container\":{\"id\":\"c1\",\"name\":\"web\"},\"node\":{\"hostname\":\"n1\",\"instance_id\":null,\"kernel\":\"6.18\"}}}";
    }

    static Map<String, Message> receive(LocalStack s, int n, long millis) throws InterruptedException {
        String url = s.sqsClient().getQueueUrl(b -> b.queueName("bulwark-alerts")).queueUrl();
        Map<String, Message> got = new HashMap<>();
        long deadline = System.currentTimeMillis() + millis;
        while (got.size() < n && System.currentTimeMillis() < deadline) {
            for (Message m : s.sqsClient().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All")).messages()) {
                got.put(m.messageAttributes().get("bulwark_id").stringValue(), m);
                s.sqsClient().deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return got;
    }

    @Test
    void anAlertInTheOutboxReachesTheQueueTheBusAndTheArchiveAndAnOversizedOneTravelsThroughS3() throws Exception {
        try (LocalStack s = StackFixture.start(dir)) {
            String big = "x".repeat(300 * 1024);
            try (OutboxWriter w = new OutboxWriter(dir.resolve("outbox"), 1 << 20, 64 << 20, 10, null)) {
                w.append(Rank.CRITICAL, "11111111-aaaa-8aaa-8aaa-000000000001", alert("11111111-aaaa-8aaa-8aaa-000000000001", "small").getBytes(StandardCharsets.UTF_8));
                w.append(Rank.CRITICAL, "11111111-aaaa-8aaa-8aaa-000000000002", alert("11111111-aaaa-8aaa-8aaa-000000000002", big).getBytes(StandardCharsets.UTF_8));
            }
            Map<String, Message> got = receive(s, 2, 20_000);
            assertEquals(2, got.size(), "both alerts reached the queue: " + got.keySet());
            JsonNode small = Json.mapper().readTree(got.get("11111111-aaaa-8aaa-8aaa-000000000001").body());
            assertEquals("small", small.path("detail").path("output").asText());
            assertEquals("CRITICAL", got.get("11111111-aaaa-8aaa-8aaa-000000000001").messageAttributes().get("priority").stringValue());

            JsonNode pointer = Json.mapper().readTree(got.get("11111111-aaaa-8aaa-8aaa-000000000002").body()).path("detail");
            assertEquals("core-pattern", pointer.path("vector").asText(), "the pointer keeps what rules match on");
            assertTrue(pointer.path("output").isMissingNode(), "the pointer does not carry the body");
            String key = pointer.path("oversized").path("key").asText();
            assertTrue(key.matches("nodes/[^/]+/overflow/2026/12/07/11111111-aaaa-8aaa-8aaa-000000000002\\.json"), key);
            Path stored = dir.resolve("archive/bulwark-archive").resolve(key);
            assertTrue(Files.exists(stored), "the whole envelope is a file under archive/: " + stored);
            byte[] body = Files.readAllBytes(stored);
            assertEquals(pointer.path("oversized").path("sha256").asText(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
            assertEquals(big, Json.mapper().readTree(body).path("detail").path("output").asText());

            // the bus's sensor-alert rule archived both as JSON lines partitioned by day, one object a batch
            Path day = dir.resolve("archive/bulwark-archive/alerts/dt=2026-12-07");
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && archivedIds(day).size() < 2) {
                Thread.sleep(50);
            }
            assertEquals(List.of("11111111-aaaa-8aaa-8aaa-000000000001", "11111111-aaaa-8aaa-8aaa-000000000002"), archivedIds(day));
            deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline && s.shipper().delivered("eventbridge") < 2) {
                Thread.sleep(20); // the bus's targets run before PutEvents answers
            }
            assertEquals(2, s.shipper().delivered("sqs"));
            assertEquals(2, s.shipper().delivered("eventbridge"));
            assertEquals(1, s.shipper().offloaded());
        }
    }

    /** detail.id of every alert in the day's archive objects (jclouds writes NAME-<uuid>, then renames it NAME). */
    static List<String> archivedIds(Path day) throws java.io.IOException {
        if (!Files.isDirectory(day)) {
            return List.of();
        }
        List<String> ids = new java.util.ArrayList<>();
        try (Stream<Path> st = Files.list(day)) {
            for (Path p : st.filter(f -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(p)) {
                    ids.add(Json.mapper().readTree(line).path("detail").path("id").asText());
                }
            }
        }
        return ids.stream().sorted().toList();
    }

    @Test
    void anEscapeSurfaceReportReachesTheAuditAggregationThroughTheBus() throws Exception {
        try (LocalStack s = StackFixture.start(dir)) {
            String now = java.time.Instant.now().toString(); // the aggregation drops reports older than its expiry as late
            String report = "{\"version\":\"0\",\"id\":\"r-1\",\"detail-type\":\"Escape Surface Report\",\"source\":\"bulwark.sensor\","
                    + "\"account\":null,\"time\":\"" + now + "\",\"region\":null,\"resources\":[\"node/n1\"],\"detail\":"
                    + "{\"id\":\"r-1\",\"time\":\"" + now + "\",\"scope\":\"node\",\"node\":{\"hostname\":\"n1\",\"instance_id\":null,\"kernel\":\"6.18\"},"
                    + "\"containers\":[],\"summary\":{\"containers\":0,\"high\":0,\"medium\":0,\"low\":0}}}";
            try (OutboxWriter w = new OutboxWriter(dir.resolve("outbox"), 1 << 20, 64 << 20, 10, null)) {
                w.append(Rank.INFO, "r-1", report.getBytes(StandardCharsets.UTF_8));
            }
            Path audit = dir.resolve("archive/bulwark-archive/audit");
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline && !(Files.isDirectory(audit) && containsLatest(audit))) {
                Thread.sleep(100);
            }
            assertTrue(containsLatest(audit), "the audit aggregation wrote the cluster view under " + audit);
            assertNotNull(receive(s, 1, 10_000).get("r-1"), "the report is on the queue too");
        }
    }

    static boolean containsLatest(Path audit) throws java.io.IOException {
        if (!Files.isDirectory(audit)) {
            return false;
        }
        try (Stream<Path> st = Files.walk(audit)) {
            return st.anyMatch(p -> p.getFileName().toString().equals("latest.json"));
        }
    }

    @Test
    void testAlertReachesEveryOutputAndSaysSo() throws Exception {
        try (LocalStack s = StackFixture.start(dir)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.PrintStream old = System.out;
            int rc;
            System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                rc = new picocli.CommandLine(new io.bulwark.delivery.ShipCommand()).execute("--test-alert", "--local",
                        "--queue-url", "http://127.0.0.1:" + s.sqsPort + "/000000000000/bulwark-alerts",
                        "--sqs-endpoint", "http://127.0.0.1:" + s.sqsPort, "--events-endpoint", "http://127.0.0.1:" + s.eventsPort,
                        "--s3-endpoint", "http://127.0.0.1:" + s.s3Port);
            } finally {
                System.setOut(old);
            }
            String said = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc, said);
            assertTrue(said.contains("sqs: delivered to") && said.contains("eventbridge: delivered to bus bulwark"), said);
            String id = said.replaceAll("(?s).*detail\\.id=(\\S+).*", "$1");
            Message m = receive(s, 1, 10_000).get(id);
            assertNotNull(m, "the test alert is on the queue: " + said);
            assertEquals("Bulwark Test Alert", Json.mapper().readTree(m.body()).path("detail").path("rule").asText());
            Path day = dir.resolve("archive/bulwark-archive/alerts/dt=" + java.time.LocalDate.now(java.time.ZoneOffset.UTC));
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && !archivedIds(day).contains(id)) {
                Thread.sleep(50);
            }
            assertTrue(archivedIds(day).contains(id), "and in the archive, through the bus");
        }
    }
}
