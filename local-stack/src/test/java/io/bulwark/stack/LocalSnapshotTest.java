package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.archive.Incidents;
import io.bulwark.archive.LocalKeySigner;
import io.bulwark.archive.LocalStore;
import io.bulwark.archive.Spool;
import io.bulwark.archive.Verifier;
import io.bulwark.contract.Json;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./bulwark up's stack runs the snapshot function on incident events from its bus: with a kubeconfig
 * (here pointing at fabric8's Kubernetes mock server) the pod's spec and events are archived as a
 * signed part after the node's evidence; without one the part says "not configured"; EBS is always
 * "not configured" locally. A second incident event adds nothing.
 */
@Tag("servers")
class LocalSnapshotTest {
    static final String TIME = "2026-12-07T02:00:00.000Z";

    @TempDir
    Path var;

    static LocalStack start(Path dir, String kubeconfig) throws Exception {
        LocalStack s = new LocalStack();
        s.dir = dir;
        s.sqsPort = StackFixture.freePort();
        s.s3Port = StackFixture.freePort();
        s.eventsPort = StackFixture.freePort();
        s.metricsPort = 0;
        s.kubeconfig = kubeconfig;
        try {
            s.start();
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    static String incident(String id, int version) {
        return "{\"version\":\"0\",\"id\":\"evt-" + id + "-" + version + "\",\"detail-type\":\"Bulwark Incident\",\"source\":\"bulwark.triage\","
                + "\"account\":\"000000000000\",\"time\":\"2026-12-07T02:00:03Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{\"id\":\"" + id
                + "\",\"status\":\"open\",\"version\":" + version + ",\"first_seen\":\"" + TIME + "\",\"node\":{\"hostname\":\"node-a\","
                + "\"instance_id\":null},\"k8s\":{\"namespace\":\"shop\",\"pod\":\"web-7d9f\"}}}";
    }

    /** The node's evidence archived by the stack's uploader: part 1. */
    static Spool nodeEvidence(Path var, String id) throws Exception {
        Spool s = Spool.typical(var.resolve("evidence"), id, TIME).write();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(var.resolve("evidence/.archived/" + id + ".json")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(var.resolve("evidence/.archived/" + id + ".json")), "the stack did not archive the node's evidence");
        return s;
    }

    @Test
    void withAKubeconfigThePodSpecAndEventsAreArchivedAfterTheNodesEvidence() throws Exception {
        // CRUD mode: objects created through the API are served back, as a cluster would
        KubernetesMockServer k8s = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new io.fabric8.mockwebserver.MockWebServer(),
                new java.util.HashMap<>(), new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
        k8s.init();
        try (KubernetesClient c = k8s.createClient()) {
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
            c.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("web-7d9f").withNamespace("shop").endMetadata()
                    .withNewSpec().addNewContainer().withName("web").withImage("registry.example/shop/web:1.4").endContainer().endSpec().build()).create();
            c.v1().events().inNamespace("shop").resource(new EventBuilder().withNewMetadata().withName("web-7d9f.1").withNamespace("shop").endMetadata()
                    .withNewInvolvedObject().withKind("Pod").withName("web-7d9f").withNamespace("shop").endInvolvedObject()
                    .withReason("Started").withMessage("Started container web").build()).create();
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
            String id = "0b0b0b0b-0000-8000-8000-00000000000b";
            try (LocalStack stack = start(var, kubeconfig.toString())) {
                nodeEvidence(var, id);
                assertNull(stack.bus().dispatch(incident(id, 1)));
                stack.snapshot().awaitIdle(Duration.ofSeconds(60));

                LocalStore store = new LocalStore(var.resolve("archive/bulwark-archive"));
                String prefix = Incidents.locate(store, id);
                JsonNode part = Json.mapper().readTree(store.read(prefix + "manifest.d/0002.json"));
                assertEquals("not configured", part.path("snapshot").path("ebs").path("status").asText(), part.toString());
                assertEquals("archived", part.path("snapshot").path("pod").path("status").asText(), part.toString());
                assertEquals("web", Json.mapper().readTree(store.read(prefix + "k8s/pod.json")).path("spec").path("containers").get(0)
                        .path("name").asText());
                assertEquals("Started", Json.mapper().readTree(store.read(prefix + "k8s/events.json")).path("core_v1").get(0).path("reason").asText());
                String keyId = LocalKeySigner.open(var.resolve("keys/archive-ed25519.key")).keyId();
                assertEquals(List.of(), new Verifier(store, Set.of(keyId), null).verify(prefix).problems());

                var before = store.list(prefix);
                assertNull(stack.bus().dispatch(incident(id, 2)));
                stack.snapshot().awaitIdle(Duration.ofSeconds(60));
                assertEquals(before, store.list(prefix), "a later version of the incident adds nothing");
            }
        } finally {
            k8s.destroy();
        }
    }

    @Test
    void withoutAKubeconfigThePartRecordsNotConfigured() throws Exception {
        String id = "0c0c0c0c-0000-8000-8000-00000000000c";
        try (LocalStack stack = start(var, "none")) {
            nodeEvidence(var, id);
            assertNull(stack.bus().dispatch(incident(id, 1)));
            stack.snapshot().awaitIdle(Duration.ofSeconds(60));
            LocalStore store = new LocalStore(var.resolve("archive/bulwark-archive"));
            String prefix = Incidents.locate(store, id);
            JsonNode part = Json.mapper().readTree(store.read(prefix + "manifest.d/0002.json"));
            for (String step : List.of("ebs", "pod", "events")) {
                assertEquals("not configured", part.path("snapshot").path(step).path("status").asText(), part.toString());
            }
            assertTrue(part.path("snapshot").path("pod").path("reason").asText().contains("kubeconfig"));
            assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(prefix).problems());
        }
    }
}
