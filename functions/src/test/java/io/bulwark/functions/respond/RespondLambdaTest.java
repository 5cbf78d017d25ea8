package io.bulwark.functions.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.functions.testing.Lambda;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The respond function as Lambda runs it: events posted to the Quarkus Lambda mock event server, the cluster in
 * fabric8's Kubernetes mock server (CRUD), the state as files (local mode), node commands into a spool directory
 * as the sensor reads them.
 */
@Tag("servers")
@QuarkusTest
@TestProfile(RespondLambdaTest.RespondHandler.class)
@WithKubernetesTestServer(https = false, crud = true)
class RespondLambdaTest {
    static final Path ROOT = Path.of("target/respond-lambda-test/" + UUID.randomUUID());

    public static class RespondHandler implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.lambda.handler", "respond",
                    "bulwark.respond.state-dir", ROOT.resolve("state").toString(),
                    "bulwark.respond.commands-dir", ROOT.resolve("commands").toString(),
                    "bulwark.respond.playbooks", Path.of("src/test/resources/respond/playbooks").toAbsolutePath().toString(),
                    "bulwark.respond.kubernetes-enabled", "true",
                    "bulwark.respond.aws-enabled", "false",
                    "bulwark.respond.principal", "respond@test");
        }
    }

    @Inject
    KubernetesClient k8s;

    void pod(String ns, String name) {
        k8s.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).createOr(x -> x.update());
    }

    static JsonNode ok(Response r) throws IOException {
        assertEquals(200, r.statusCode(), r.asString());
        return Json.mapper().readTree(r.asString());
    }

    static List<JsonNode> commands(String incident) throws IOException {
        return commands().stream().filter(c -> c.path("incident").asText().equals(incident)).toList();
    }

    static List<JsonNode> commands() throws IOException {
        Path dir = ROOT.resolve("commands");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().map(p -> {
                try {
                    return Json.mapper().readTree(Files.readString(p));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    static String step(JsonNode out, String playbook, String step) {
        for (JsonNode run : out.path("runs")) {
            if (!run.path("playbook").asText().equals(playbook)) continue;
            for (JsonNode s : run.path("steps")) if (s.path("step").asText().equals(step)) return s.path("status").asText();
        }
        return null;
    }

    @Test
    void anIncidentQuarantinesThePodAndSendsTheFreezeToTheNodeOnceAndAReleaseEventUndoesBoth() throws Exception {
        pod("shop", "web-7");
        ObjectNode incident = Events.incident("evt-lambda-1", "inc-lambda-1", "shop", "web-7");
        JsonNode out = ok(Lambda.invoke(Events.line(incident)));
        assertEquals("inc-lambda-1", out.path("incident").asText());
        assertEquals("DONE", step(out, "incident-containment", "label"), out.toString());
        assertEquals("DONE", step(out, "incident-containment", "freeze"), out.toString());
        assertEquals("DONE", step(out, "incident-containment", "export"), out.toString());
        assertEquals("inc-lambda-1", k8s.pods().inNamespace("shop").withName("web-7").get().getMetadata().getLabels().get("bulwark.dev/quarantine"));
        List<JsonNode> cmds = commands("inc-lambda-1");
        assertEquals(1, cmds.size(), cmds.toString());
        JsonNode freeze = cmds.get(0);
        assertEquals("freeze", freeze.path("action").asText());
        assertEquals("node-a", freeze.path("node").asText());
        assertEquals("c0ffee", freeze.path("target").path("container").asText());
        assertEquals("inc-lambda-1", freeze.path("incident").asText());
        assertTrue(freeze.path("id").asText().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}"), "an id the command spool accepts");

        // EventBridge delivers at least once: the replay acts on nothing
        JsonNode again = ok(Lambda.invoke(Events.line(incident)));
        assertEquals("DUPLICATE", step(again, "incident-containment", "label"));
        assertEquals("DUPLICATE", step(again, "incident-containment", "freeze"));
        assertEquals(1, commands("inc-lambda-1").size(), "no second command");

        String release = """
                {"version":"0","id":"rel-1","source":"bulwark.approval","detail-type":"Response Release","time":"2026-12-07T04:00:00Z",
                 "detail":{"incident":"inc-lambda-1","principal":"alice@example.com"}}""";
        JsonNode rel = ok(Lambda.invoke(release));
        assertEquals(2, rel.path("released").size(), rel.toString());
        rel.path("released").forEach(s -> assertEquals("DONE", s.path("status").asText(), s.toString()));
        assertNull(k8s.pods().inNamespace("shop").withName("web-7").get().getMetadata().getLabels().get("bulwark.dev/quarantine"));
        List<JsonNode> after = commands("inc-lambda-1");
        assertEquals(2, after.size());
        JsonNode thaw = after.stream().filter(c -> c.path("action").asText().equals("thaw")).findFirst().orElseThrow();
        assertEquals("node-a", thaw.path("node").asText(), "the node the freeze went to");
        assertEquals("c0ffee", thaw.path("target").path("container").asText());
    }

    @Test
    void aCriticalAlertRunsTheDefaultPlaybooksRestWithoutTheNodeStepsTheSensorAlreadyRan() throws Exception {
        String alert = """
                {"version":"0","id":"alert-lambda-2","source":"bulwark.sensor","detail-type":"Container Escape Alert","time":"2026-12-07T03:00:00Z",
                 "detail":{"priority":"CRITICAL","rule":"Core Pattern Overwritten","vector":"core-pattern",
                  "sensor":{"incident":"inc-lambda-2","action":"frozen"},"node":{"hostname":"node-b"},"container":{"id":"feed"}}}""";
        JsonNode out = ok(Lambda.invoke(alert));
        assertEquals("OTHER_PART", step(out, "default-containment", "evidence"));
        assertEquals("OTHER_PART", step(out, "default-containment", "freeze"));
        assertEquals("SKIPPED", step(out, "default-containment", "quarantine-label"), "not in Kubernetes");
        assertEquals("NOT_CONFIGURED", step(out, "default-containment", "notify"), "no AWS in this test: recorded, not an error");
        assertTrue(commands("inc-lambda-2").isEmpty(), "the sensor froze it already");
    }

    @Test
    void aMalformedEventIsRejectedWithItsReasonAndTheNextEventStillActs() throws Exception {
        JsonNode bad = ok(Lambda.invoke("{\"id\":\"x\",\"source\":\"bulwark.triage\"}"));
        assertTrue(bad.path("rejected").asText().contains("detail-type"), bad.toString());
        JsonNode bad2 = ok(Lambda.invoke("""
                {"version":"0","id":"rel-2","source":"bulwark.approval","detail-type":"Response Release","detail":{"incident":"inc-x"}}"""));
        assertTrue(bad2.path("rejected").asText().contains("detail.principal"), bad2.toString());
        pod("shop", "web-8");
        JsonNode out = ok(Lambda.invoke(Events.line(Events.incident("evt-lambda-3", "inc-lambda-3", "shop", "web-8"))));
        assertEquals("DONE", step(out, "incident-containment", "label"));
    }

    @Test
    void anApprovalEventResumesThePendingStepsOnceAndTheKillSwitchStopsEverything() throws Exception {
        pod("shop", "web-9");
        ObjectNode incident = Events.incident("evt-lambda-4", "inc-lambda-4", "shop", "web-9");
        ((ObjectNode) incident.get("detail")).put("priority", "ERROR");
        JsonNode out = ok(Lambda.invoke(Events.line(incident)));
        assertEquals("PENDING_APPROVAL", step(out, "incident-approval", "approve"), out.toString());
        assertNull(k8s.pods().inNamespace("shop").withName("web-9").get().getMetadata().getLabels().get("bulwark.dev/quarantine"), "waits");
        String approvalId = out.path("runs").get(0).path("approval_id").asText();
        assertTrue(!approvalId.isEmpty(), out.toString());
        String approval = """
                {"version":"0","id":"ap-evt-1","source":"bulwark.approval","detail-type":"Response Approval","time":"2026-12-07T03:05:00Z",
                 "detail":{"approval_id":"%s","decision":"approve","principal":"bob@example.com"}}""".formatted(approvalId);
        JsonNode resumed = ok(Lambda.invoke(approval));
        assertEquals("DONE", step(resumed, "incident-approval", "label"), resumed.toString());
        assertEquals("inc-lambda-4", k8s.pods().inNamespace("shop").withName("web-9").get().getMetadata().getLabels().get("bulwark.dev/quarantine"));
        assertEquals(0, ok(Lambda.invoke(approval.replace("ap-evt-1", "ap-evt-2"))).path("runs").size(), "a replayed approval decides nothing");

        String kill = """
                {"version":"0","id":"ks-1","source":"bulwark.approval","detail-type":"Response Kill Switch","time":"2026-12-07T03:06:00Z",
                 "detail":{"engaged":%s,"reason":"drill","principal":"carol@example.com"}}""";
        assertTrue(ok(Lambda.invoke(kill.formatted("true"))).path("kill_switch").asBoolean());
        pod("shop", "web-10");
        JsonNode refused = ok(Lambda.invoke(Events.line(Events.incident("evt-lambda-5", "inc-lambda-5", "shop", "web-10"))));
        assertEquals("REFUSED_KILL_SWITCH", step(refused, "incident-containment", "label"), refused.toString());
        assertNull(k8s.pods().inNamespace("shop").withName("web-10").get().getMetadata().getLabels().get("bulwark.dev/quarantine"));
        ok(Lambda.invoke(kill.formatted("false").replace("ks-1", "ks-2")));
        JsonNode after = ok(Lambda.invoke(Events.line(Events.incident("evt-lambda-6", "inc-lambda-6", "shop", "web-10"))));
        assertEquals("DONE", step(after, "incident-containment", "label"), after.toString());
    }
}
