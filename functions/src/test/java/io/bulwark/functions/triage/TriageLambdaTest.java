package io.bulwark.functions.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Incident;
import io.bulwark.contract.Json;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.LocalEventBus;
import io.bulwark.functions.bus.Patterns;
import io.bulwark.functions.testing.Alerts;
import io.bulwark.functions.testing.Lambda;
import io.bulwark.functions.testing.Pods;
import io.bulwark.functions.testing.S3MockResource;
import io.bulwark.functions.testing.Schemas;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The triage function as Lambda runs it: SQS events posted to the Quarkus mock event server
 * (QUARKUS_LAMBDA_HANDLER=triage), the incident store in S3Mock (a real S3 server on 127.0.0.1), pods
 * and nodes in the fabric8 Kubernetes mock server, incidents onto the local bus (event-ruler with the
 * shipped incident pattern). Each test uses its own node names, the store is shared.
 */
@Tag("servers")
@QuarkusTest
@TestProfile(TriageLambdaTest.TriageHandler.class)
@WithTestResource(S3MockResource.class)
@WithKubernetesTestServer(https = false)
class TriageLambdaTest {

    public static class TriageHandler implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.lambda.handler", "triage", "bulwark.triage.bucket", S3MockResource.BUCKET, "bulwark.bus.kind", "local",
                    "bulwark.triage.cluster", "test-cluster");
        }
    }

    @Inject
    S3Client s3;

    @Inject
    FindingBus bus;

    @Inject
    KubernetesClient k8s;

    static final List<String> published = new CopyOnWriteArrayList<>();
    static volatile boolean subscribed;

    @BeforeEach
    void subscribe() {
        if (!subscribed) {
            ((LocalEventBus) bus).subscribe(Patterns.INCIDENT, published::add);
            subscribed = true;
        }
    }

    static String node() {
        return "node-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String ctr() {
        return UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
    }

    static String aid() {
        return UUID.randomUUID().toString();
    }

    JsonNode invoke(List<String> bodies) {
        Response r = Lambda.invoke(Alerts.sqsEvent(bodies));
        assertEquals(200, r.statusCode(), r.asString());
        try {
            return Json.mapper().readTree(r.asString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    Incident stored(String id) {
        byte[] b = s3.getObjectAsBytes(x -> x.bucket(S3MockResource.BUCKET).key("state/incidents/" + id + ".json")).asByteArray();
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(b);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Schemas.assertValid("incident.schema.json", envelopeAround(tree));
        return Json.parse(new String(b, StandardCharsets.UTF_8), Incident.class);
    }

    /** The incidents published for a node, newest version last. */
    List<JsonNode> publishedFor(String node) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String e : published) {
            JsonNode n = Json.mapper().readTree(e);
            if (node.equals(n.path("detail").path("node").path("hostname").asText())) {
                out.add(n);
            }
        }
        return out;
    }

    static ObjectNode envelopeAround(JsonNode detail) {
        ObjectNode env = Json.mapper().createObjectNode();
        env.put("version", "0").put("id", "x").put("detail-type", "Bulwark Incident").put("source", "bulwark.triage").putNull("account")
                .put("time", Instant.now().toString()).putNull("region").putArray("resources");
        env.set("detail", detail);
        return env;
    }

    @Test
    void twoAlertsOfOneContainerAreOneIncidentWithCountTwoAndAnotherContainerIsAnother() throws Exception {
        String node = node();
        String c1 = ctr();
        String c2 = ctr();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        JsonNode r = invoke(List.of(
                Alerts.alert(aid(), node, c1, t, "Core Pattern Written From Container", "core-pattern").toString(),
                Alerts.alert(aid(), node, c1, t.plusSeconds(30), "Host Namespace Entered", "ns-enter-host").toString(),
                Alerts.alert(aid(), node, c2, t.plusSeconds(40), "Core Pattern Written From Container", "core-pattern").toString()));
        assertEquals(0, r.get("batchItemFailures").size(), r.toString());

        List<JsonNode> versions = publishedFor(node);
        assertEquals(3, versions.size(), "one published version per alert");
        for (JsonNode v : versions) {
            Schemas.assertValid("incident.schema.json", v);
            assertEquals(List.of(Patterns.INCIDENT), ((LocalEventBus) bus).match(v.toString()));
        }
        String id1 = versions.get(1).path("detail").path("id").asText();
        String id2 = versions.get(2).path("detail").path("id").asText();
        assertEquals(versions.get(0).path("detail").path("id").asText(), id1, "same container, same incident");
        assertFalse(id1.equals(id2), "another container, another incident");
        Incident one = stored(id1);
        assertEquals(2, one.count());
        assertEquals(2, one.version());
        assertEquals(t.toString(), one.firstSeen());
        assertEquals(t.plusSeconds(30).toString(), one.lastSeen());
        assertEquals(List.of("core-pattern", "ns-enter-host"), one.vectors());
        assertEquals("CRITICAL", one.priority());
        assertEquals(List.of("bulwark"), one.sources());
        assertEquals(c1, one.container().id());
        assertEquals("open", one.status());
        assertTrue(one.evidence().prefix().matches("incidents/\\d{4}/\\d{2}/\\d{2}/" + id1 + "/"), one.evidence().prefix());
        assertEquals(io.bulwark.contract.StableId.of("incident", node, c1, one.alertIds().get(0)), id1,
                "the node's formula: incident, hostname, container, first alert id");
        assertEquals(1, stored(id2).count());
        assertEquals("test-cluster", one.node().cluster());
    }

    @Test
    void privilegedContainerWithDockerSockOnRunc1111AnswersTheRootCauseAndListsLeakyVessels() {
        String node = node();
        String id = aid();
        ObjectNode a = Alerts.privilegedWithDockerSock(Alerts.alert(id, node, ctr(), Instant.now(), "Host Root Reached Through Leaked Fd",
                "runc-leaked-fd"), "1.1.11");
        Schemas.assertValid("alert.schema.json", a);
        assertEquals(0, invoke(List.of(a.toString())).get("batchItemFailures").size());
        Incident inc = stored(io.bulwark.contract.StableId.of("incident", node, a.path("detail").path("container").path("id").asText(), id));
        Incident.RootCause rc = inc.rootCause();
        assertEquals(Boolean.TRUE, rc.privileged());
        assertTrue(rc.capabilities().contains("CAP_SYS_ADMIN"), rc.capabilities().toString());
        assertEquals(Boolean.TRUE, rc.runtimeSocketMounted());
        assertEquals(List.of("/var/run/docker.sock at /var/run/docker.sock (rw)"), rc.runtimeSockets());
        assertEquals(List.of(), rc.hostNamespaces());
        assertEquals("runc-leaked-fd", rc.vector());
        assertTrue(rc.mitre().contains("T1611"), rc.mitre().toString());
        assertEquals("runc 1.1.11", rc.runtime());
        Incident.Cve leaky = rc.cves().stream().filter(c -> c.id().equals("CVE-2024-21626")).findFirst()
                .orElseThrow(() -> new AssertionError("CVE-2024-21626 not listed: " + rc.cves()));
        assertEquals("version+vector", leaky.match());
        assertEquals("runc 1.1.12", leaky.fixedIn());
        assertTrue(leaky.why().contains("1.1.11"), leaky.why());
        assertTrue(rc.cves().stream().noneMatch(c -> c.id().equals("CVE-2019-5736")), "runc 1.1.11 is past 1.0.0-rc7");
        assertTrue(rc.cves().stream().noneMatch(c -> c.component().equals("kernel")), "kernel 6.18 has none of the table's kernel CVEs: " + rc.cves());
        List<String> advice = inc.remediation().stream().map(Incident.Remediation::advice).toList();
        assertEquals("patch runc to ≥ 1.1.12 for CVE-2024-21626", advice.get(0), advice.toString());
        assertTrue(advice.stream().anyMatch(x -> x.startsWith("remove privileged")), advice.toString());
        assertTrue(advice.stream().anyMatch(x -> x.startsWith("remove the runtime socket mount (/var/run/docker.sock")), advice.toString());
        assertTrue(advice.stream().anyMatch(x -> x.contains("RuntimeDefault")), advice.toString());
        assertEquals(8.6, inc.severity().score(), 0.001, inc.severity().how().toString());
        assertEquals("High", inc.severity().label());
    }

    @Test
    void aHostProcessDescendedFromTheAlertingContainerProcessJoinsItsIncident() {
        String node = node();
        String c = ctr();
        ObjectNode inContainer = Alerts.alert(aid(), node, c, Instant.now(), "Host Namespace Entered", "ns-enter-host");
        // the escaped shell: a host process (no container) whose parent is the container's process 4242
        ObjectNode onHost = Alerts.alert(aid(), node, c, Instant.now().plusSeconds(2), "Host Persistence Written", "host-persistence");
        ObjectNode d = (ObjectNode) onHost.get("detail");
        d.putNull("container");
        ((ObjectNode) d.get("process")).put("pid", 5100).put("ppid", 4242);
        ((com.fasterxml.jackson.databind.node.ArrayNode) d.get("process").get("ancestors")).insertObject(0).put("pid", 4242).put("comm", "sh");
        // an unrelated host alert on the same node, other lineage: its own incident
        ObjectNode other = Alerts.alert(aid(), node, c, Instant.now().plusSeconds(3), "Kernel Module Loaded", "kernel-module");
        ObjectNode od = (ObjectNode) other.get("detail");
        od.putNull("container");
        ((ObjectNode) od.get("process")).put("pid", 7000);
        ((com.fasterxml.jackson.databind.node.ArrayNode) od.get("process").get("ancestors")).removeAll().addObject().put("pid", 6999);
        invoke(List.of(inContainer.toString(), onHost.toString(), other.toString()));
        String id = io.bulwark.contract.StableId.of("incident", node, c, inContainer.get("detail").get("id").asText());
        Incident inc = stored(id);
        assertEquals(2, inc.count(), "joined by process lineage");
        assertEquals(List.of("ns-enter-host", "host-persistence"), inc.vectors());
        Incident host = stored(io.bulwark.contract.StableId.of("incident", node, "host", other.get("detail").get("id").asText()));
        assertEquals(1, host.count());
        assertNull(host.container());
    }

    @Test
    void aReplayedAlertIsNotCountedTwice() {
        String node = node();
        String c = ctr();
        String body = Alerts.alert(aid(), node, c, Instant.now(), "Core Pattern Written From Container", "core-pattern").toString();
        invoke(List.of(body));
        invoke(List.of(body, body));
        String id = io.bulwark.contract.StableId.of("incident", node, c, Json.parse(body, io.bulwark.contract.AlertEnvelope.class).detail().id());
        Incident inc = stored(id);
        assertEquals(1, inc.count());
        assertEquals(1, inc.version(), "nothing rewritten");
    }

    @Test
    void theNodesIncidentIdIsUsedAndTheSensorsActionRecorded() throws Exception {
        String node = node();
        String incident = UUID.randomUUID().toString();
        ObjectNode a = Alerts.alert(aid(), node, ctr(), Instant.now(), "Host Namespace Entered", "ns-enter-host");
        ((ObjectNode) a.get("detail").get("sensor")).put("incident", incident).put("action", "frozen");
        ObjectNode b = Alerts.alert(aid(), node, ctr(), Instant.now().plusSeconds(1), "Core Pattern Written From Container", "core-pattern");
        ((ObjectNode) b.get("detail").get("sensor")).put("incident", incident);
        // EKS Pod Identity: the node's command queue is keyed by the sensor pod's name; respond reads it off the incident
        ((ObjectNode) a.get("detail").get("node")).put("command_key", "bulwark-sensor-7xk2p");
        Schemas.assertValid("alert.schema.json", a);
        invoke(List.of(a.toString(), b.toString()));
        Incident inc = stored(incident);
        assertEquals("bulwark-sensor-7xk2p", inc.node().commandKey(), "the incident keeps the node's command queue key");
        JsonNode published = publishedFor(node).get(publishedFor(node).size() - 1);
        Schemas.assertValid("incident.schema.json", published);
        assertEquals("bulwark-sensor-7xk2p", published.at("/detail/node/command_key").asText(), published.toString());
        assertEquals(2, inc.count(), "the node filed both under one incident");
        assertEquals("contained", inc.status());
        assertEquals(1, inc.actions().size());
        assertEquals("frozen", inc.actions().get(0).action());
        assertEquals("sensor:" + node, inc.actions().get(0).by());
    }

    @Test
    void falcoAndGuardDutyAlertsBecomeIncidentsEnrichedFromKubernetes() throws Exception {
        Pods.seed(k8s);
        if (k8s.nodes().withName("ip-10-0-1-17.ec2.internal").get() == null) {
            k8s.nodes().resource(new NodeBuilder().withNewMetadata().withName("ip-10-0-1-17.ec2.internal").endMetadata()
                    .withNewSpec().withProviderID("aws:///eu-west-1a/i-0a1b2c3d4e5f60718").endSpec()
                    .withNewStatus().withNewNodeInfo().withKernelVersion("5.10.50-44.132.amzn2.x86_64").withContainerRuntimeVersion("containerd://1.4.1")
                    .withOsImage("Amazon Linux 2").endNodeInfo().endStatus().build()).create();
        }
        String falco = read("fixtures/triage/falco-sidekick.json");
        String guard = read("fixtures/triage/guardduty-runtime.json");
        JsonNode r = invoke(List.of(falco, guard));
        assertEquals(0, r.get("batchItemFailures").size(), r.toString());

        Signal fs = Normaliser.normalise(falco);
        Incident f = stored(io.bulwark.contract.StableId.of("incident", fs.node(), fs.containerId(), fs.id()));
        assertEquals(List.of("falco"), f.sources());
        assertEquals("cgroup-release-agent", f.rootCause().vector());
        assertEquals("CRITICAL", f.priority());
        assertEquals(Boolean.TRUE, f.rootCause().privileged(), "container.privileged from Falco's fields");
        assertEquals("i-0a1b2c3d4e5f60718", f.node().instanceId(), "from the Kubernetes node's providerID");
        assertEquals("5.10.50-44.132.amzn2.x86_64", f.node().kernel());
        assertEquals(Map.of("containerd", "1.4.1"), f.node().runtimes());
        assertEquals("found", f.pod().status(), "the pod from the API");
        assertEquals(Boolean.TRUE, f.rootCause().runtimeSocketMounted(), "docker.sock hostPath volume of the pod");
        List<String> cves = f.rootCause().cves().stream().map(Incident.Cve::id).toList();
        assertTrue(cves.contains("CVE-2022-0492"), "kernel 5.10.50 < 5.17 and release_agent was the technique: " + cves);
        assertTrue(cves.contains("CVE-2022-0847"), "kernel 5.10.50 in dirty pipe's 5.8–5.10.102 range: " + cves);
        assertTrue(cves.contains("CVE-2020-15257"), "containerd 1.4.1 < 1.4.3: " + cves);
        assertFalse(cves.contains("CVE-2023-2640"), "not an Ubuntu node: " + cves);

        Signal gs = Normaliser.normalise(guard);
        Incident g = stored(io.bulwark.contract.StableId.of("incident", gs.node(), gs.containerId(), gs.id()));
        assertEquals(List.of("guardduty"), g.sources());
        assertEquals("runtime-socket", g.rootCause().vector());
        assertEquals("prod-eks", g.node().cluster());
        assertEquals("i-0a1b2c3d4e5f60718", g.node().instanceId());
        assertEquals(Boolean.TRUE, g.rootCause().runtimeSocketMounted());
        assertEquals(List.of("pid"), g.rootCause().hostNamespaces());
        assertEquals(Boolean.FALSE, g.rootCause().privileged());
        assertEquals("CRITICAL", g.priority());
        assertTrue(g.remediation().stream().anyMatch(x -> x.advice().startsWith("set hostPID: false")), g.remediation().toString());
    }

    @Test
    void aPoisonMessageWithoutDeadLetterQueueFailsAloneAndTheRestOfTheBatchIsTriaged() {
        String node = node();
        JsonNode r = invoke(List.of("this is not json", Alerts.alert(aid(), node, ctr(), Instant.now(), "Core Pattern Written From Container",
                "core-pattern").toString(), "{\"source\":\"someone.else\",\"detail-type\":\"Other\"}"));
        JsonNode failures = r.get("batchItemFailures");
        assertEquals(2, failures.size(), r.toString());
        assertEquals("m-0", failures.get(0).get("itemIdentifier").asText());
        assertEquals("m-2", failures.get(1).get("itemIdentifier").asText());
    }

    @Test
    void normalisesTheThreeInputs() {
        Signal f = Normaliser.normalise(read("fixtures/triage/falco-sidekick.json"));
        assertEquals("falco", f.source());
        assertEquals("5f0e8d2c-6b1a-4c3e-9f7d-2a1b3c4d5e6f", f.id());
        assertEquals("ip-10-0-1-17.ec2.internal", f.node());
        assertEquals("9f2c1d0e8b7a", f.containerId());
        assertEquals("registry.example.com/tools/debug:1.2", f.image());
        assertEquals("ci", f.k8s().namespace());
        assertEquals(List.of("T1611"), f.mitre());
        assertEquals(List.of("pid:31337", "pid:31300"), f.lineage());
        assertEquals(8.0, f.severity());

        Signal g = Normaliser.normalise(read("fixtures/triage/guardduty-runtime.json"));
        assertEquals("guardduty", g.source());
        assertEquals("a6c7e5f4d3b2a1908f7e6d5c4b3a2910", g.id());
        assertEquals("PrivilegeEscalation:Runtime/DockerSocketAccessed", g.rule());
        assertEquals("i-0a1b2c3d4e5f60718", g.node());
        assertEquals("k8s:build/builder-7d9f8c6b5-x2k4p/builder", g.containerId());
        assertEquals(Instant.parse("2026-12-07T02:10:58Z"), g.time());
        assertEquals(List.of("uuid:proc-uuid-4242", "uuid:proc-uuid-4200", "uuid:proc-uuid-1"), g.lineage());
        assertEquals(List.of("/var/run/docker.sock"), g.facts().hostPaths());

        ObjectNode b = Alerts.alert("a-1", "n1", ctr(), Instant.parse("2026-12-07T01:02:03Z"), "R", "core-pattern");
        Signal s = Normaliser.normalise(b.toString());
        assertEquals("bulwark", s.source());
        assertEquals("a-1", s.id());
        assertEquals(List.of("pid:4242", "pid:4200"), s.lineage());
        assertFalse(s.container().privileged());
        assertNull(s.nodeIncident());

        ObjectNode test = Alerts.alert("t-1", "n1", ctr(), Instant.now(), Normaliser.TEST_RULE, "core-pattern");
        assertNull(Normaliser.normalise(test.toString()), "the test alert is acknowledged, not triaged");
    }

    @Test
    void poisonReasonsNameWhatIsWrong() {
        assertPoison("not json", "not JSON");
        assertPoison("[1,2]", "not a JSON object");
        assertPoison("{\"source\":\"x\"}", "unknown message shape");
        assertPoison("{\"rule\":\"R\",\"priority\":\"Loud\",\"output\":\"o\",\"time\":\"2026-12-07T00:00:00Z\",\"hostname\":\"h\"}", "unknown priority 'Loud'");
        ObjectNode noTime = Alerts.alert("a", "n", ctr(), Instant.now(), "R", "v");
        ((ObjectNode) noTime.get("detail")).remove("time");
        assertPoison(noTime.toString(), "Bulwark alert has no time");
    }

    @Test
    void theSensorsOtherRecordsAreAcknowledgedNotPoison() {
        // the shipper sends everything in the outbox through the alerts queue: audit reports and action records
        // are not alerts, and must not fill the DLQ (they did, 32 of them in one ./bulwark up session)
        assertNull(Normaliser.normalise("{\"source\":\"bulwark.sensor\",\"detail-type\":\"Escape Surface Report\",\"detail\":{}}"));
        assertNull(Normaliser.normalise("{\"source\":\"bulwark.sensor\",\"detail-type\":\"Bulwark Action\",\"detail\":{}}"));
        assertPoison("{\"source\":\"bulwark.sensor\",\"detail-type\":\"Something Else\",\"detail\":{}}", "unknown message shape");
    }

    static void assertPoison(String body, String reason) {
        try {
            Normaliser.normalise(body);
            throw new AssertionError("accepted: " + body);
        } catch (PoisonMessageException e) {
            assertTrue(e.getMessage().contains(reason), e.getMessage());
        }
    }

    static String read(String resource) {
        try (InputStream in = TriageLambdaTest.class.getClassLoader().getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
