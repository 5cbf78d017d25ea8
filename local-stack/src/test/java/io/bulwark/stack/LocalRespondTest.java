package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./bulwark up's stack runs the respond function on its bus: a critical alert runs the default playbook's respond
 * part against the cluster of --kubeconfig (fabric8's Kubernetes mock server in CRUD mode), an incident runs a
 * given playbook whose node.freeze becomes a command file in the sensor's spool (var/commands), and a release
 * event on the bus undoes it. The state lives on the stack's S3 (S3Proxy with conditional writes).
 */
@Tag("servers")
class LocalRespondTest {
    @TempDir
    Path var;

    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!cond.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(cond.getAsBoolean(), what);
    }

    List<JsonNode> commands() {
        Path dir = var.resolve("commands");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().map(p -> {
                try {
                    return Json.mapper().readTree(Files.readString(p));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void alertsAndIncidentsOnTheBusAreContainedAndAReleaseEventUndoesIt() throws Exception {
        KubernetesMockServer k8s = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new io.fabric8.mockwebserver.MockWebServer(),
                new java.util.HashMap<>(), new KubernetesCrudDispatcher(), false);
        k8s.init();
        try (KubernetesClient c = k8s.createClient()) {
            for (String pod : List.of("web-1", "web-2")) {
                c.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace("shop").endMetadata()
                        .withNewSpec().addNewContainer().withName("web").withImage("shop/web:1").endContainer().endSpec().build()).create();
            }
            Path kubeconfig = var.resolve("kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: mock
                      cluster: {server: "%s"}
                    contexts:
                    - name: mock
                      context: {cluster: mock, user: tester, namespace: default}
                    current-context: mock
                    users:
                    - name: tester
                      user: {token: not-a-secret}
                    """.formatted(c.getMasterUrl().toString()));
            Path playbook = var.resolve("incident.yaml");
            Files.writeString(playbook, """
                    name: incident-freeze
                    match: {source: [bulwark.triage], detail-type: [Bulwark Incident]}
                    steps:
                      - {id: label, action: k8s.quarantine-label, when: {detail: {k8s: {pod: [{exists: true}]}}}}
                      - {id: freeze, action: node.freeze}
                    """);
            LocalStack s = new LocalStack();
            s.dir = var;
            s.noTriage = true;
            s.outbox = "none";
            s.evidence = "none";
            s.sqsPort = StackFixture.freePort();
            s.s3Port = StackFixture.freePort();
            s.eventsPort = StackFixture.freePort();
            s.metricsPort = 0;
            s.kubeconfig = kubeconfig.toString();
            s.playbooks = List.of(playbook);
            try (LocalStack stack = s) {
                stack.start();
                // 1. a critical alert from the sensor (which froze the container itself): the default playbook's respond part
                assertNull(stack.bus().dispatch("""
                        {"version":"0","id":"alert-1","source":"bulwark.sensor","detail-type":"Container Escape Alert","time":"2026-12-07T03:00:00Z",
                         "detail":{"priority":"CRITICAL","rule":"Core Pattern Overwritten","vector":"core-pattern",
                          "sensor":{"incident":"inc-alert-1","action":"frozen"},"node":{"hostname":"node-a"},"container":{"id":"c1"},
                          "k8s":{"namespace":"shop","pod":"web-1"}}}"""));
                await(() -> c.network().v1().networkPolicies().inNamespace("shop").withName("bulwark-quarantine-web-1").get() != null,
                        "the default playbook's deny-all policy for web-1");
                assertEquals("inc-alert-1", c.pods().inNamespace("shop").withName("web-1").get().getMetadata().getLabels().get("bulwark.dev/quarantine"));
                assertTrue(commands().isEmpty(), "the sensor froze it: no node command from the respond side");

                // 2. an incident from triage: the given playbook labels the pod and sends a freeze to the sensor's spool
                assertNull(stack.bus().dispatch("""
                        {"version":"0","id":"inc-evt-1","source":"bulwark.triage","detail-type":"Bulwark Incident","time":"2026-12-07T03:00:05Z",
                         "detail":{"id":"inc-2","priority":"CRITICAL","node":{"hostname":"node-a"},"container":{"id":"c2"},
                          "k8s":{"namespace":"shop","pod":"web-2"}}}"""));
                await(() -> commands().size() == 1, "a freeze command in var/commands");
                JsonNode freeze = commands().get(0);
                assertEquals("freeze", freeze.path("action").asText());
                assertEquals("c2", freeze.path("target").path("container").asText());
                assertNotNull(c.pods().inNamespace("shop").withName("web-2").get().getMetadata().getLabels().get("bulwark.dev/quarantine"));

                // 3. the function-side release, as an event on the bus
                assertNull(stack.bus().dispatch("""
                        {"version":"0","id":"rel-1","source":"bulwark.approval","detail-type":"Response Release","time":"2026-12-07T03:10:00Z",
                         "detail":{"incident":"inc-2","principal":"alice"}}"""));
                await(() -> commands().size() == 2, "a thaw command in var/commands");
                assertTrue(commands().stream().anyMatch(x -> x.path("action").asText().equals("thaw") && x.path("target").path("container").asText().equals("c2")));
                await(() -> c.pods().inNamespace("shop").withName("web-2").get().getMetadata().getLabels().get("bulwark.dev/quarantine") == null,
                        "the label is removed");
                assertNotNull(c.network().v1().networkPolicies().inNamespace("shop").withName("bulwark-quarantine-web-1").get(),
                        "the other incident stays contained");
                // the state is in the stack's S3 store, as in AWS
                assertTrue(Files.isDirectory(var.resolve("archive/bulwark-archive/state/respond/audit")));
            }
        } finally {
            k8s.destroy();
        }
    }
}
