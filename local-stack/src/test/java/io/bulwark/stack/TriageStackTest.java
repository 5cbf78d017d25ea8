package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Triage in the local stack, with its real servers: an alert appended to the outbox travels through
 * the shipper to ElasticMQ, the stack's poller hands it to triage (as Lambda's event source mapping
 * would), the incident lands in the store (S3Proxy: a file under archive/) and, through the bus's
 * incident rule, as a line of the incidents archive; a poison message in the same batch goes to the
 * DLQ with its reason.
 */
@Tag("servers")
class TriageStackTest {
    @TempDir
    Path dir;

    /** A Bulwark alert of a privileged container with docker.sock on a node with runc {@code 1.1.11}. */
    static String alert(String id, String node, String container, Instant time, String incident) {
        return "{\"version\":\"0\",\"id\":\"" + id + "\",\"detail-type\":\"Container Escape Alert\",\"source\":\"bulwark.sensor\","
                + "\"account\":null,\"time\":\"" + time + "\",\"region\":null,\"resources\":[\"node/" + node + "\",\"container/" + container + "\"],"
                + "\"detail\":{\"id\":\"" + id + "\",\"time\":\"" + time + "\",\"rule\":\"Host Root Reached Through Leaked Fd\","
                + "\"priority\":\"CRITICAL\",\"severity\":8.0,\"vector\":\"runc-leaked-fd\",\"mitre\":[\"T1611\"],\"output\":\"cwd /proc/self/fd/7\","
                + "\"output_fields\":{},\"count\":1,"
                + "\"process\":{\"pid\":4242,\"tid\":4242,\"ppid\":4200,\"uid\":0,\"comm\":\"sh\",\"exe\":\"/bin/sh\",\"cmdline\":\"sh\",\"cap_effective\":0,\"ns\":{},\"ancestors\":[{\"pid\":4200}]},"
                + "\"container\":{\"id\":\"" + container + "\",\"name\":\"web\",\"runtime\":\"runc\",\"privileged\":true,\"seccomp\":false,"
                + "\"capabilities\":[\"CAP_SYS_ADMIN\",\"CAP_SYS_PTRACE\"],\"host_namespaces\":[],"
                + "\"mounts\":[{\"source\":\"/var/run/docker.sock\",\"destination\":\"/var/run/docker.sock\",\"type\":\"bind\",\"options\":[\"rbind\",\"rw\"]}]},"
                + "\"k8s\":null,\"node\":{\"hostname\":\"" + node + "\",\"instance_id\":null,\"kernel\":\"6.18.44\",\"runtimes\":{\"runc\":\"1.1.11\"}},"
                + "\"syscall\":{\"name\":\"execve\",\"args\":{},\"result\":0,\"errno\":null},"
                + "\"sensor\":{\"version\":\"0.1.0\",\"mode\":\"local\",\"action\":\"none\",\"incident\":" + (incident == null ? "null" : "\"" + incident + "\"") + "}}}";
    }

    static Path waitFor(Path p, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!Files.exists(p) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        return p;
    }

    /** Every incidents-archive line under archive/bulwark-archive/incidents/dt=*. */
    static List<JsonNode> archivedIncidents(Path dir) throws Exception {
        Path root = dir.resolve("archive/bulwark-archive/incidents");
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> st = Files.walk(root)) {
            for (Path p : st.filter(f -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
                assertTrue(p.getParent().getFileName().toString().matches("dt=\\d{4}-\\d{2}-\\d{2}"), p.toString());
                for (String line : Files.readAllLines(p)) {
                    out.add(Json.mapper().readTree(line));
                }
            }
        }
        return out;
    }

    @Test
    void anAlertThroughTheShipperBecomesAnIncidentInTheStoreAndALineInTheIncidentsArchive() throws Exception {
        try (LocalStack s = StackFixture.start(dir, true)) {
            String alertId = "22222222-aaaa-8aaa-8aaa-000000000001";
            Instant t = Instant.now().minusSeconds(5);
            try (OutboxWriter w = new OutboxWriter(dir.resolve("outbox"), 1 << 20, 64 << 20, 10, null)) {
                w.append(Rank.CRITICAL, alertId, alert(alertId, "n1", "c1", t, null).getBytes(StandardCharsets.UTF_8));
            }
            String id = StableId.of("incident", "n1", "c1", alertId);
            Path stored = waitFor(dir.resolve("archive/bulwark-archive/state/incidents/" + id + ".json"), 20_000);
            assertTrue(Files.exists(stored), "the incident is in the store: " + stored);
            JsonNode inc = Json.mapper().readTree(stored.toFile());
            assertEquals(1, inc.path("count").asInt());
            assertEquals(alertId, inc.path("alert_ids").path(0).asText());
            assertEquals("CVE-2024-21626", inc.path("root_cause").path("cves").path(0).path("id").asText(), inc.toString());
            assertEquals("patch runc to ≥ 1.1.12 for CVE-2024-21626", inc.path("remediation").path(0).path("advice").asText());

            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && archivedIncidents(dir).isEmpty()) {
                Thread.sleep(50);
            }
            List<JsonNode> lines = archivedIncidents(dir);
            assertEquals(1, lines.size(), lines.toString());
            assertEquals("bulwark.triage", lines.get(0).path("source").asText());
            assertEquals("Bulwark Incident", lines.get(0).path("detail-type").asText());
            assertEquals(id, lines.get(0).path("detail").path("id").asText());
            assertEquals(1, s.triagePoller().handled());
        }
    }

    @Test
    void aPoisonMessageGoesToTheDlqWithItsReasonAndTheRestOfTheBatchIsTriaged() throws Exception {
        try (LocalStack s = StackFixture.start(dir, true)) {
            String base = "http://127.0.0.1:" + s.sqsPort + "/000000000000/";
            String good = "33333333-aaaa-8aaa-8aaa-000000000001";
            s.sqsClient().sendMessageBatch(b -> b.queueUrl(base + "bulwark-alerts").entries(
                    SendMessageBatchRequestEntry.builder().id("p").messageBody("{\"this is\": not json").build(),
                    SendMessageBatchRequestEntry.builder().id("g").messageBody(alert(good, "n2", "c2", Instant.now(), null)).build(),
                    SendMessageBatchRequestEntry.builder().id("u").messageBody("{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\"}").build()));
            Path stored = waitFor(dir.resolve("archive/bulwark-archive/state/incidents/" + StableId.of("incident", "n2", "c2", good) + ".json"), 20_000);
            assertTrue(Files.exists(stored), "the good alert became an incident");
            List<Message> dead = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (dead.size() < 2 && System.currentTimeMillis() < deadline) {
                dead.addAll(s.sqsClient().receiveMessage(b -> b.queueUrl(base + "bulwark-alerts-dlq").maxNumberOfMessages(10).waitTimeSeconds(1)
                        .messageAttributeNames("All")).messages());
            }
            assertEquals(2, dead.size(), "both poison messages in the DLQ: " + dead);
            for (Message m : dead) {
                String reason = m.messageAttributes().get("bulwark_dlq_reason").stringValue();
                if (m.body().startsWith("{\"this is\"")) {
                    assertTrue(reason.startsWith("not JSON"), reason);
                } else {
                    assertTrue(reason.startsWith("unknown message shape") && reason.contains("source 'aws.s3'"), reason);
                }
            }
            assertEquals(0, s.triagePoller().failed(), "nothing failed back to the queue: it would come round again forever");
        }
    }
}
