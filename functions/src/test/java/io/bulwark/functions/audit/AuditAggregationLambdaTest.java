package io.bulwark.functions.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.Json;
import io.bulwark.functions.archive.AuditArchive;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.LocalEventBus;
import io.bulwark.functions.bus.Patterns;
import io.bulwark.functions.enrich.PodEnricher;
import io.bulwark.functions.testing.EventBridgeStandInResource;
import io.bulwark.functions.testing.Fixtures;
import io.bulwark.functions.testing.Lambda;
import io.bulwark.functions.testing.Pods;
import io.bulwark.functions.testing.S3MockResource;
import io.bulwark.functions.testing.Schemas;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.event.ruler.Machine;

/**
 * The function end to end as Lambda runs it: events posted to the Quarkus mock event server,
 * the archive in S3Mock (real S3 protocol on 127.0.0.1), pods in the fabric8 Kubernetes mock
 * server (real API over a socket), findings to the EventBridge stand-in through the real SDK
 * client. Tests share one archive, so each uses its own node name.
 */
@Tag("servers")
@QuarkusTest
@WithTestResource(S3MockResource.class)
@WithTestResource(EventBridgeStandInResource.class)
@WithKubernetesTestServer(https = false)
class AuditAggregationLambdaTest {
    static final String BUCKET = S3MockResource.BUCKET;

    @Inject
    S3Client s3;

    @Inject
    KubernetesClient k8s;

    @ConfigProperty(name = "bulwark.aws.events-endpoint")
    String eventsEndpoint;

    Pod runner;

    @BeforeEach
    void seed() {
        runner = Pods.seed(k8s);
    }

    static String node() {
        return "node-" + UUID.randomUUID().toString().substring(0, 8);
    }

    JsonNode invokeOk(ObjectNode event) {
        Response r = Lambda.invoke(event.toString());
        assertEquals(200, r.statusCode(), r.asString());
        return read(r.asByteArray());
    }

    static JsonNode read(byte[] bytes) {
        try {
            return Json.mapper().readTree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    byte[] object(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    JsonNode latestCluster() {
        JsonNode pointer = read(object("audit/cluster/latest.json"));
        return read(object(pointer.get("key").asText()));
    }

    Map<String, String> objects() {
        Map<String, String> out = new TreeMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(BUCKET).prefix("audit/").build()).contents()) {
            out.put(o.key(), o.eTag());
        }
        return out;
    }

    List<JsonNode> containersOf(JsonNode cluster, String node) {
        List<JsonNode> out = new ArrayList<>();
        cluster.get("containers").forEach(c -> {
            if (c.get("node").asText().equals(node)) {
                out.add(c);
            }
        });
        return out;
    }

    static JsonNode byName(List<JsonNode> containers, String name) {
        return containers.stream().filter(c -> c.get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + containers));
    }

    /** PutEvents entries the stand-in received for {@code node}. */
    List<JsonNode> capturedEntries(String node) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(eventsEndpoint + "/_captured")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode req : Json.mapper().readTree(r.body())) {
            assertEquals("AWSEvents.PutEvents", req.get("target").asText());
            assertTrue(req.get("content_type").asText().startsWith("application/x-amz-json-1.1"), req.toString());
            for (JsonNode e : req.get("body").get("Entries")) {
                if (e.get("Resources").toString().contains("\"node/" + node + "\"")) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    @Test
    void buildsClusterReportWithPodSpecsAndEmitsFindingsForHighContainers() throws Exception {
        String node = node();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ObjectNode event = Fixtures.report(node, t);
        ((ObjectNode) Fixtures.containers(event).get(1).get("k8s")).put("pod_uid", runner.getMetadata().getUid());

        JsonNode result = invokeOk(event);
        assertEquals("aggregated", result.get("status").asText(), result.toString());
        assertFalse(result.get("duplicate_delivery").asBoolean());
        assertEquals(4, result.get("applied").asInt());
        assertEquals(2, result.get("findings_sent").asInt());
        String reportKey = result.get("report_key").asText();
        assertEquals("audit/nodes/" + node + "/" + t.toString().substring(0, 10).replace('-', '/') + "/", reportKey.substring(0, reportKey.lastIndexOf('/') + 1));
        assertTrue(reportKey.endsWith("-" + event.get("id").asText() + ".json"), reportKey);
        assertArrayEquals(event.toString().getBytes(StandardCharsets.UTF_8), object(reportKey), "the node report is archived as received");

        JsonNode cluster = latestCluster();
        Schemas.assertValid("cluster-audit.schema.json", cluster);
        assertEquals(result.get("cluster_report_key").asText(), read(object("audit/cluster/latest.json")).get("key").asText());
        assertTrue(result.get("cluster_report_key").asText().startsWith("audit/cluster/"));

        // sorted by score, counts consistent
        JsonNode all = cluster.get("containers");
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).get("score").asInt() >= all.get(i).get("score").asInt(), "sorted by score");
        }
        JsonNode summary = cluster.get("summary");
        assertEquals(all.size(), summary.get("containers").asInt());
        assertEquals(summary.get("containers").asInt(), summary.get("high").asInt() + summary.get("medium").asInt() + summary.get("low").asInt());
        int nsTotal = 0;
        for (JsonNode ns : cluster.get("namespaces")) {
            String name = ns.get("namespace").isNull() ? null : ns.get("namespace").asText();
            long expected = 0;
            for (JsonNode c : all) {
                String cns = c.get("k8s").isNull() ? null : c.get("k8s").get("namespace").asText();
                expected += java.util.Objects.equals(name, cns) ? 1 : 0;
            }
            assertEquals(expected, ns.get("containers").asInt(), "namespace " + name);
            nsTotal += ns.get("containers").asInt();
        }
        assertEquals(all.size(), nsTotal);

        JsonNode nodeEntry = null;
        for (JsonNode n : cluster.get("nodes")) {
            if (n.get("node").asText().equals(node)) {
                nodeEntry = n;
            }
        }
        assertNotNull(nodeEntry, "node entry");
        assertEquals(reportKey, nodeEntry.get("report_key").asText());
        assertEquals("i-0a1b2c3d4e5f60718", nodeEntry.get("instance_id").asText());
        assertEquals(List.of(4, 2, 1, 1), List.of(nodeEntry.get("containers").asInt(), nodeEntry.get("high").asInt(),
                nodeEntry.get("medium").asInt(), nodeEntry.get("low").asInt()));

        List<JsonNode> mine = containersOf(cluster, node);
        assertEquals(4, mine.size());
        JsonNode runnerPod = byName(mine, "runner").get("pod");
        assertEquals("found", runnerPod.get("status").asText());
        assertEquals("Deployment", runnerPod.get("owner").get("kind").asText());
        assertEquals("runner", runnerPod.get("owner").get("name").asText());
        assertEquals("[\"ReplicaSet/runner-5f7d9c8b6\",\"Deployment/runner\"]", runnerPod.get("owner").get("chain").toString());
        assertEquals("ci-runner", runnerPod.get("service_account").asText());
        assertEquals(1000, runnerPod.get("security_context").get("run_as_user").asInt());
        assertEquals("RuntimeDefault", runnerPod.get("security_context").get("seccomp_profile").asText());
        assertEquals(1, runnerPod.get("host_path_volumes").size());
        JsonNode sock = runnerPod.get("host_path_volumes").get(0);
        assertEquals("/var/run/docker.sock", sock.get("path").asText());
        assertEquals("Socket", sock.get("type").asText());
        assertEquals("[\"runner:/var/run/docker.sock (rw)\"]", sock.get("mounted_by").toString());
        assertFalse(runnerPod.get("host_pid").asBoolean());
        assertEquals("privileged", runnerPod.get("pss_level").asText());
        assertTrue(runnerPod.get("pss_violations").toString().contains("baseline: HostPath Volumes (docker-sock: /var/run/docker.sock)"),
                runnerPod.toString());

        JsonNode agentPod = byName(mine, "agent").get("pod");
        assertEquals("DaemonSet", agentPod.get("owner").get("kind").asText());
        assertTrue(agentPod.get("host_pid").asBoolean());
        assertTrue(agentPod.get("host_network").asBoolean());
        assertFalse(agentPod.get("host_ipc").asBoolean());
        assertEquals("privileged", agentPod.get("pss_level").asText());
        assertTrue(agentPod.get("pss_violations").toString().contains("baseline: Privileged Containers (agent)"), agentPod.toString());

        JsonNode gone = byName(mine, "api").get("pod");
        assertEquals("not-found", gone.get("status").asText(), "a pod the API no longer has");
        assertEquals("payments", gone.get("namespace").asText());
        assertTrue(byName(mine, "hardened").get("pod").isNull(), "no pod outside Kubernetes");
        JsonNode enrichment = cluster.get("enrichment");
        assertEquals("partial", enrichment.get("status").asText());
        assertEquals(List.of(3, 2, 1, 0), List.of(enrichment.get("pods").asInt(), enrichment.get("found").asInt(),
                enrichment.get("not_found").asInt(), enrichment.get("failed").asInt()));

        // findings: recorded in the cluster report, and what PutEvents carried
        JsonNode findings = cluster.get("findings");
        assertEquals("eventbridge:bulwark-test-bus", findings.get("bus").asText());
        assertEquals(2, findings.get("emitted").size());
        assertEquals(0, findings.get("suppressed").asInt());
        assertEquals(byName(mine, "agent").get("id").asText(), findings.get("emitted").get(0).get("container_id").asText());
        for (JsonNode e : findings.get("emitted")) {
            assertEquals("sent", e.get("status").asText());
            assertFalse(e.get("event_id").isNull());
        }
        List<JsonNode> entries = capturedEntries(node);
        assertEquals(2, entries.size());
        Machine playbook = new Machine();
        playbook.addRule(Patterns.AUDIT_HIGH_FINDING, Patterns.load(Patterns.AUDIT_HIGH_FINDING));
        for (JsonNode e : entries) {
            assertEquals("bulwark.audit", e.get("Source").asText());
            assertEquals("Escape Surface Finding", e.get("DetailType").asText());
            assertEquals("bulwark-test-bus", e.get("EventBusName").asText());
            JsonNode detail = Json.mapper().readTree(e.get("Detail").asText());
            assertEquals("HIGH", detail.get("band").asText());
            assertEquals(reportKey, detail.get("report_key").asText());
            // the event EventBridge would deliver to rules: same envelope, validated and matched against the shipped pattern
            ObjectNode delivered = Json.mapper().createObjectNode();
            delivered.put("version", "0").put("id", UUID.randomUUID().toString()).put("detail-type", e.get("DetailType").asText())
                    .put("source", e.get("Source").asText()).put("account", "123456789012").put("time", Instant.now().toString())
                    .put("region", "us-east-1").set("resources", e.get("Resources"));
            delivered.set("detail", detail);
            Schemas.assertValid("finding.schema.json", delivered);
            assertEquals(List.of(Patterns.AUDIT_HIGH_FINDING), playbook.rulesForJSONEvent(delivered.toString()));
        }
    }

    @Test
    void repeatedDeliveryOfTheSameEventChangesNothing() throws Exception {
        String node = node();
        ObjectNode event = Fixtures.report(node, Instant.now());
        assertEquals("aggregated", invokeOk(event).get("status").asText());
        Map<String, String> before = objects();
        int sent = capturedEntries(node).size();

        JsonNode again = invokeOk(event);
        assertEquals("unchanged", again.get("status").asText(), again.toString());
        assertTrue(again.get("duplicate_delivery").asBoolean());
        assertTrue(again.get("cluster_report_key").isNull());
        assertEquals(before, objects(), "no object added or rewritten (same keys, same ETags)");
        assertEquals(sent, capturedEntries(node).size(), "no finding sent twice");
    }

    @Test
    void sameEventIdWithOtherContentIsRejectedAndTheArchivedReportKept() {
        String node = node();
        ObjectNode event = Fixtures.report(node, Instant.now());
        String key = invokeOk(event).get("report_key").asText();
        byte[] original = object(key);

        ObjectNode forged = event.deepCopy();
        ((ObjectNode) Fixtures.containers(forged).get(0)).put("score", 0).put("band", "LOW");
        Response r = Lambda.invoke(forged.toString());
        assertEquals(500, r.statusCode(), r.asString());
        assertTrue(r.asString().contains("different content"), r.asString());
        assertArrayEquals(original, object(key), "evidence is never overwritten");
    }

    @Test
    void lateReportIsArchivedButDoesNotReplaceNewerState() {
        String node = node();
        Instant t = Instant.now();
        ObjectNode newer = Fixtures.report(node, t);
        ObjectNode older = Fixtures.report(node, t.minusSeconds(60));
        ((ObjectNode) Fixtures.containers(older).get(2)).put("score", 55).put("band", "HIGH");
        invokeOk(newer);

        JsonNode late = invokeOk(older);
        assertEquals("unchanged", late.get("status").asText(), late.toString());
        assertFalse(late.get("duplicate_delivery").asBoolean());
        assertNotNull(object(late.get("report_key").asText()), "the late report is archived all the same");
        List<JsonNode> mine = containersOf(latestCluster(), node);
        assertEquals(4, mine.size());
        mine.forEach(c -> assertEquals(newer.get("id").asText(), c.get("report_id").asText()));
        assertEquals("MEDIUM", byName(mine, "api").get("band").asText());
    }

    @Test
    void containerStartReportUpdatesOneContainerAndKeepsTheOthers() {
        String node = node();
        Instant t = Instant.now();
        invokeOk(Fixtures.report(node, t));
        // what the sensor sends when a container starts: a report of scope container, with that container only
        ObjectNode start = Fixtures.containerStart(node, t.plusSeconds(5), 3, "web-new");
        Schemas.assertValid("audit.schema.json", start.get("detail"));
        JsonNode r = invokeOk(start);
        assertEquals(1, r.get("applied").asInt());
        assertEquals(0, r.get("removed").asInt());

        JsonNode cluster = latestCluster();
        Schemas.assertValid("cluster-audit.schema.json", cluster);
        assertEquals("container", cluster.get("trigger").get("scope").asText());
        List<JsonNode> mine = containersOf(cluster, node);
        assertEquals(5, mine.size(), "the start report adds its container and removes none");
        assertEquals(start.get("id").asText(), byName(mine, "web-new").get("report_id").asText());
        for (JsonNode n : cluster.get("nodes")) {
            if (n.get("node").asText().equals(node)) {
                assertEquals(start.get("id").asText(), n.get("report_id").asText(), "the node's latest pointer moved");
                assertEquals(5, n.get("containers").asInt());
            }
        }
    }

    @Test
    void fullReportWithoutAContainerAStartReportAddedRemovesItAtOnce() throws Exception {
        String node = node();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        invokeOk(Fixtures.report(node, t));
        ObjectNode start = Fixtures.containerStart(node, t.plusSeconds(5), 0, "debug-shell"); // a HIGH copy of the agent
        invokeOk(start);
        assertEquals(5, containersOf(latestCluster(), node).size());

        // the next full inventory: web-new stopped meanwhile (and so did "hardened")
        ObjectNode full = Fixtures.keep(Fixtures.report(node, t.plusSeconds(10)), 0, 1, 2);
        Schemas.assertValid("audit.schema.json", full.get("detail"));
        JsonNode r = invokeOk(full);
        assertEquals("aggregated", r.get("status").asText(), r.toString());
        assertEquals(2, r.get("removed").asInt(), r.toString());
        assertEquals(3, r.get("applied").asInt());

        JsonNode cluster = latestCluster();
        Schemas.assertValid("cluster-audit.schema.json", cluster);
        List<JsonNode> mine = containersOf(cluster, node);
        assertEquals(List.of("agent", "api", "runner"), mine.stream().map(c -> c.get("name").asText()).sorted().toList(),
                "gone at once, not after container-expiry");
        JsonNode trigger = cluster.get("trigger");
        assertEquals(full.get("id").asText(), trigger.get("report_id").asText());
        assertEquals("node", trigger.get("scope").asText());
        assertEquals(2, trigger.get("removed").asInt());
        assertEquals(0, cluster.get("expired").get("containers").asInt());
        JsonNode removed = cluster.get("removed");
        assertEquals(2, removed.size());
        JsonNode shell = null;
        for (JsonNode x : removed) {
            assertEquals(node, x.get("node").asText());
            assertEquals(full.get("id").asText(), x.get("removed_by").asText(), "the archive says which report removed it");
            if (x.get("id").asText().equals("debug-shell")) {
                shell = x;
            }
        }
        assertNotNull(shell, removed.toString());
        assertEquals(start.get("id").asText(), shell.get("last_report_id").asText());
        assertEquals(t.plusSeconds(5).toString(), shell.get("last_seen").asText());
        assertEquals("HIGH", shell.get("band").asText());
        assertEquals("monitoring", shell.get("k8s").get("namespace").asText());
        for (JsonNode n : cluster.get("nodes")) {
            if (n.get("node").asText().equals(node)) {
                assertEquals(3, n.get("containers").asInt());
                assertEquals(full.get("id").asText(), n.get("report_id").asText());
            }
        }
        assertEquals(1, capturedEntries(node).stream().filter(e -> e.get("Detail").asText().contains("debug-shell")).count(),
                "the finding for debug-shell was sent when it started; its removal sends none");

        JsonNode again = invokeOk(full);
        assertEquals("unchanged", again.get("status").asText(), "a repeated delivery removes nothing more");
        assertEquals(0, again.get("removed").asInt());
    }

    @Test
    void lateOldFullReportDoesNotRemoveANewerContainer() {
        String node = node();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        invokeOk(Fixtures.report(node, t));
        ObjectNode start = Fixtures.containerStart(node, t.plusSeconds(20), 3, "web-new");
        invokeOk(start);
        // an inventory taken at t+10, before web-new started, delivered after web-new's start report
        ObjectNode late = Fixtures.keep(Fixtures.report(node, t.plusSeconds(10)), 0, 1, 2, 3);
        JsonNode r = invokeOk(late);
        assertEquals("aggregated", r.get("status").asText(), "newer than what the view held for its own four containers");
        assertEquals(0, r.get("removed").asInt(), r.toString());
        JsonNode cluster = latestCluster();
        assertEquals("node", cluster.get("trigger").get("scope").asText());
        assertEquals(0, cluster.get("removed").size());
        List<JsonNode> mine = containersOf(cluster, node);
        assertEquals(5, mine.size());
        assertEquals(start.get("id").asText(), byName(mine, "web-new").get("report_id").asText());
        assertEquals(late.get("id").asText(), byName(mine, "runner").get("report_id").asText());
    }

    @Test
    void reportWithoutScopeFromAnOlderSensorRemovesNothing() {
        String node = node();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        invokeOk(Fixtures.report(node, t));
        invokeOk(Fixtures.containerStart(node, t.plusSeconds(5), 3, "web-new"));
        ObjectNode old = Fixtures.scope(Fixtures.keep(Fixtures.report(node, t.plusSeconds(10)), 0, 1), null);
        assertFalse(old.get("detail").has("scope"));
        JsonNode r = invokeOk(old);
        assertEquals("aggregated", r.get("status").asText(), r.toString());
        assertEquals(0, r.get("removed").asInt());
        JsonNode cluster = latestCluster();
        Schemas.assertValid("cluster-audit.schema.json", cluster);
        assertEquals("container", cluster.get("trigger").get("scope").asText(), "no scope is read as container");
        assertEquals(5, containersOf(cluster, node).size(), "nothing removed on an unknown scope");
        assertEquals(old.get("id").asText(), byName(containersOf(cluster, node), "agent").get("report_id").asText());
    }

    @Test
    void findingsPerInvocationAreCappedAndTheRestCounted() throws Exception {
        String node = node();
        JsonNode r = invokeOk(Fixtures.manyHigh(node, Instant.now(), 13));
        assertEquals(10, r.get("findings_sent").asInt());
        assertEquals(3, r.get("findings_suppressed").asInt());
        JsonNode cluster = latestCluster();
        Schemas.assertValid("cluster-audit.schema.json", cluster);
        JsonNode f = cluster.get("findings");
        assertEquals(10, f.get("limit").asInt());
        assertEquals(10, f.get("emitted").size());
        assertEquals(3, f.get("suppressed").asInt());
        assertEquals("[\"" + node + "/" + String.format("%064x", 11) + "\",\"" + node + "/" + String.format("%064x", 12) + "\",\""
                + node + "/" + String.format("%064x", 13) + "\"]", f.get("suppressed_containers").toString(), "the lowest scores are held back");
        assertEquals(10, capturedEntries(node).size());
    }

    @Test
    void podRecreatedUnderTheSameNameIsReportedAsReplaced() {
        String node = node();
        ObjectNode event = Fixtures.keep(Fixtures.report(node, Instant.now()), 1);
        ((ObjectNode) Fixtures.containers(event).get(0).get("k8s")).put("pod_uid", "00000000-dead-4bad-8bad-000000000000");
        invokeOk(event);
        JsonNode pod = byName(containersOf(latestCluster(), node), "runner").get("pod");
        if (runner.getMetadata().getUid() == null) {
            throw new AssertionError("the Kubernetes mock server gave the pod no uid; this test needs one");
        }
        assertEquals("replaced", pod.get("status").asText(), pod.toString());
        assertTrue(pod.get("error").asText().contains(runner.getMetadata().getUid()));
    }

    @Test
    void eventThatIsNotAnEscapeSurfaceReportIsRejectedAndNothingArchived() {
        String node = node();
        ObjectNode event = Fixtures.report(node, Instant.now());
        event.put("source", "bulwark.elsewhere");
        Response r = Lambda.invoke(event.toString());
        assertEquals(500, r.statusCode());
        assertTrue(r.asString().contains("expected source bulwark.sensor"), r.asString());
        assertTrue(objects().keySet().stream().noneMatch(k -> k.contains("/" + node + "/")));
    }

    @Test
    void archiveRefusesToOverwriteAndRefusesAStaleSwap() {
        // proves the S3 stand-in honours the conditional writes the function relies on
        AuditArchive archive = new AuditArchive(s3, BUCKET);
        String key = "audit/test/" + UUID.randomUUID() + ".json";
        assertTrue(archive.createIfAbsent(key, "{\"v\":1}".getBytes(StandardCharsets.UTF_8)));
        assertFalse(archive.createIfAbsent(key, "{\"v\":2}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("{\"v\":1}", new String(object(key), StandardCharsets.UTF_8));
        String etag = archive.get(key).orElseThrow().etag();
        assertTrue(archive.compareAndSwap(key, "{\"v\":3}".getBytes(StandardCharsets.UTF_8), "\"0123456789abcdef0123456789abcdef\"").isEmpty());
        assertTrue(archive.compareAndSwap(key, "{\"v\":3}".getBytes(StandardCharsets.UTF_8), null).isEmpty(), "create-only swap on an existing key");
        assertTrue(archive.compareAndSwap(key, "{\"v\":4}".getBytes(StandardCharsets.UTF_8), etag).isPresent());
        assertEquals("{\"v\":4}", new String(object(key), StandardCharsets.UTF_8));
    }

    @Test
    void lostRaceForLatestIsRetriedWithoutSendingFindingsTwice() {
        // Aggregator A reads latest.json; while it publishes its findings, aggregator B moves latest.json.
        // A's swap must fail, A must rebuild on top of B's report, and must not publish again.
        String nodeA = node();
        String nodeB = node();
        AuditArchive archive = new AuditArchive(s3, BUCKET);
        ArchiveKeys keys = new ArchiveKeys("audit");
        PodEnricher none = new PodEnricher(null);
        AuditAggregator b = new AuditAggregator(archive, keys, none, new LocalEventBus(), 10, Duration.ofMinutes(25), 5, null, null, Clock.systemUTC());
        ObjectNode reportB = Fixtures.report(nodeB, Instant.now());
        AtomicInteger publishes = new AtomicInteger();
        FindingBus racing = new FindingBus() {
            @Override
            public String name() {
                return "racing";
            }

            @Override
            public List<Delivery> publishEntries(List<Entry> events) {
                if (publishes.getAndIncrement() == 0) {
                    assertEquals("aggregated", b.handle(reportB.toString().getBytes(StandardCharsets.UTF_8)).status());
                }
                return events.stream().map(e -> new Delivery(e.id(), null, List.<String>of())).toList();
            }
        };
        AuditAggregator a = new AuditAggregator(archive, keys, none, racing, 10, Duration.ofMinutes(25), 5, null, null, Clock.systemUTC());
        AggregationResult result = a.handle(Fixtures.report(nodeA, Instant.now()).toString().getBytes(StandardCharsets.UTF_8));

        assertEquals("aggregated", result.status());
        assertEquals(2, result.attempts(), "first swap lost, second won");
        assertEquals(1, publishes.get(), "findings published once");
        ClusterEscapeSurfaceReport cluster = Json.parse(new String(object(result.clusterReportKey()), StandardCharsets.UTF_8),
                ClusterEscapeSurfaceReport.class);
        assertTrue(cluster.nodes().stream().anyMatch(n -> n.node().equals(nodeB)), "B's node survives A's rebuild");
        assertTrue(cluster.nodes().stream().anyMatch(n -> n.node().equals(nodeA)));
        assertEquals(2, cluster.findings().emitted().size());
        assertEquals("disabled", cluster.enrichment().status());
        assertNull(cluster.containers().stream().filter(c -> c.node().equals(nodeA)).findFirst().orElseThrow().pod());
    }
}
