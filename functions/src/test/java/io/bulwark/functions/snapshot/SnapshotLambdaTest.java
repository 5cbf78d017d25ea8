package io.bulwark.functions.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.archive.Incidents;
import io.bulwark.archive.Ingest;
import io.bulwark.archive.LocalKeySigner;
import io.bulwark.archive.LocalStore;
import io.bulwark.archive.Spool;
import io.bulwark.archive.Store;
import io.bulwark.archive.Verifier;
import io.bulwark.contract.Json;
import io.bulwark.functions.testing.Lambda;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The snapshot function as Lambda runs it: incident events posted to the Quarkus mock event server;
 * EC2 through the real SDK against the EC2 Query API stand-in on 127.0.0.1 (no EC2 emulator exists
 * here; {@link Ec2QueryStandIn}); the pod and its events in the fabric8 Kubernetes mock server; the
 * archive in a real S3Proxy, checked afterwards with the archive's own verifier over the files
 * S3Proxy keeps. Each test uses its own incident id.
 */
@Tag("servers")
@QuarkusTest
@TestProfile(SnapshotLambdaTest.SnapshotHandler.class)
@WithTestResource(SnapshotResources.class)
@WithKubernetesTestServer(https = false)
class SnapshotLambdaTest {
    public static class SnapshotHandler implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.lambda.handler", "snapshot");
        }
    }

    static final String TIME = "2026-12-07T02:00:00.000Z";

    @Inject
    KubernetesClient k8s;

    @ConfigProperty(name = "bulwark.test.snapshot.bucket-dir")
    String bucketDir;

    @ConfigProperty(name = "bulwark.snapshot.signing.key-file")
    String keyFile;

    Pod web;

    @BeforeEach
    void seed() {
        if (k8s.namespaces().withName("shop").get() == null) {
            k8s.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
        }
        web = k8s.pods().inNamespace("shop").withName("web-7d9f").get();
        if (web != null) {
            return;
        }
        web = k8s.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withNamespace("shop").withName("web-7d9f")
                .addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("node-a").addNewContainer().withName("web").withImage("registry.example/shop/web:1.4")
                .withNewSecurityContext().withPrivileged(true).endSecurityContext().endContainer().endSpec().build()).create();
        String uid = web.getMetadata().getUid();
        for (String[] e : new String[][] {{"web-7d9f.1", "web-7d9f", "Started", "Started container web"},
                {"web-7d9f.2", "web-7d9f", "Killing", "Stopping container web"}, {"other.1", "other-5c4b", "Pulled", "not about our pod"}}) {
            k8s.v1().events().inNamespace("shop").resource(new EventBuilder().withNewMetadata().withNamespace("shop").withName(e[0]).endMetadata()
                    .withNewInvolvedObject().withKind("Pod").withNamespace("shop").withName(e[1]).withUid(e[1].equals("web-7d9f") ? uid : null)
                    .endInvolvedObject().withReason(e[2]).withMessage(e[3]).withType("Normal").build()).create();
        }
        k8s.events().v1().events().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.events.v1.EventBuilder().withNewMetadata()
                .withNamespace("shop").withName("web-7d9f.3").endMetadata().withNewRegarding().withKind("Pod").withNamespace("shop")
                .withName("web-7d9f").withUid(uid).endRegarding().withReason("Frozen").withNote("container frozen by bulwark").withType("Warning")
                .withAction("Freeze").withReportingController("bulwark.io/sensor").withReportingInstance("node-a").withEventTime(
                        new io.fabric8.kubernetes.api.model.MicroTime("2026-12-07T02:00:01.000000Z")).build()).create();
    }

    static ObjectNode incident(String id, String instance, String pod) {
        ObjectNode env = Json.mapper().createObjectNode();
        env.put("version", "0").put("id", "evt-" + id).put("detail-type", "Bulwark Incident").put("source", "bulwark.triage")
                .put("account", "111122223333").put("time", "2026-12-07T02:00:02Z").put("region", "us-east-1");
        ObjectNode d = env.putObject("detail");
        d.put("id", id).put("status", "open").put("first_seen", TIME).put("version", 1);
        d.putObject("node").put("hostname", "node-a").put("instance_id", instance);
        d.putObject("k8s").put("namespace", "shop").put("pod", pod);
        return env;
    }

    JsonNode invokeOk(ObjectNode event) throws Exception {
        Response r = Lambda.invoke(event.toString());
        assertEquals(200, r.statusCode(), r.asString());
        return Json.mapper().readTree(r.asByteArray());
    }

    LocalStore files() {
        return new LocalStore(Path.of(bucketDir));
    }

    @Test
    void snapshotsTheNodeAndArchivesThePodAsASignedPartChainedToTheNodesEvidenceOnce() throws Exception {
        String id = UUID.randomUUID().toString();
        LocalKeySigner signer = LocalKeySigner.open(Path.of(keyFile));
        Path spool = Files.createDirectories(Path.of(bucketDir).getParent().getParent().resolve("spool")); // removed with the resource's directory
        Ingest.upload(files(), Spool.typical(spool, id, TIME).write().dir, signer, "bulwark ship on node-a", null);
        String prefix = "incidents/2026/12/07/" + id + "/";
        int ec2Before = SnapshotResources.recorded(SnapshotResources.EC2_REQUESTS).size();

        JsonNode r = invokeOk(incident(id, SnapshotResources.INSTANCE, "web-7d9f"));

        assertEquals("archived", r.path("outcome").asText(), r.toString());
        assertEquals(prefix + "manifest.d/0002.json", r.path("part").asText());
        assertEquals("requested", r.path("steps").path("ebs").path("status").asText(), r.toString());
        assertEquals("archived", r.path("steps").path("pod").path("status").asText(), r.toString());
        assertEquals("archived", r.path("steps").path("events").path("status").asText(), r.toString());

        // EC2: looked for the incident's snapshots first, then one CreateSnapshots for the instance, tagged
        List<Map<String, String>> ec2 = SnapshotResources.recorded(SnapshotResources.EC2_REQUESTS);
        List<Map<String, String>> mine = ec2.subList(ec2Before, ec2.size());
        assertEquals(List.of("DescribeSnapshots", "DescribeInstances", "CreateSnapshots"), mine.stream().map(m -> m.get("Action")).toList());
        assertEquals("tag:bulwark:incident", mine.get(0).get("Filter.1.Name"));
        assertEquals(id, mine.get(0).get("Filter.1.Value.1"));
        Map<String, String> create = mine.get(2);
        assertEquals(SnapshotResources.INSTANCE, create.get("InstanceSpecification.InstanceId"));
        assertEquals("snapshot", create.get("TagSpecification.1.ResourceType"));
        assertEquals("volume", create.get("CopyTagsFromSource"));
        Map<String, String> tags = new java.util.HashMap<>();
        for (int i = 1; create.containsKey("TagSpecification.1.Tag." + i + ".Key"); i++) {
            tags.put(create.get("TagSpecification.1.Tag." + i + ".Key"), create.get("TagSpecification.1.Tag." + i + ".Value"));
        }
        assertEquals(id, tags.get("bulwark:incident"));
        assertEquals("node-a", tags.get("bulwark:node"));
        assertEquals(SnapshotResources.INSTANCE, tags.get("bulwark:instance"));

        // the evidence objects
        Store store = files();
        JsonNode ebs = Json.mapper().readTree(store.read(prefix + "ebs/snapshots.json"));
        assertEquals(2, ebs.path("snapshots").size(), ebs.toString());
        assertEquals("vol-0aaaaaaaaaaaaaaa1", ebs.path("volumes").get(0).path("volume_id").asText());
        JsonNode pod = Json.mapper().readTree(store.read(prefix + "k8s/pod.json"));
        assertEquals(web.getMetadata().getUid(), pod.path("metadata").path("uid").asText());
        assertTrue(pod.path("spec").path("containers").get(0).path("securityContext").path("privileged").asBoolean(), pod.toString());
        JsonNode events = Json.mapper().readTree(store.read(prefix + "k8s/events.json"));
        assertEquals(List.of("Started", "Killing"), reasons(events.path("core_v1")), "only the pod's core/v1 events: " + events);
        assertEquals(List.of("Frozen"), reasons(events.path("events_k8s_io_v1")));

        // the part: signed, chained to part 1, recording the three steps
        var inc = Incidents.load(store, prefix);
        assertEquals(2, inc.parts().size());
        JsonNode part = inc.last().json();
        assertEquals("bulwark-snapshot", part.path("producer").asText());
        assertEquals(inc.parts().get(0).sha256(), part.path("previous_sha256").asText());
        assertEquals(3, part.path("artifacts").size());
        assertTrue(part.path("custody").get(0).path("who").asText().startsWith("bulwark-snapshot"), part.toString());
        var v = new Verifier(store, Set.of(signer.keyId()), null).verify(prefix);
        assertEquals(List.of(), v.problems());
        assertEquals(io.bulwark.archive.Manifest.artifacts(inc.first()).size() + 3, v.objects(), "the node's artifacts and the three new ones");

        // on the wire to S3: conditional, checksummed, Object Lock headers as configured
        List<Map<String, String>> puts = SnapshotResources.recorded(SnapshotResources.S3_REQUESTS).stream()
                .filter(q -> "PUT".equals(q.get(":method")) && q.get(":path").contains(id + "/")).toList();
        assertEquals(4, puts.size(), "three objects and the part: " + puts.stream().map(q -> q.get(":path")).toList());
        for (Map<String, String> q : puts) {
            assertEquals("*", q.get("if-none-match"), q.get(":path"));
            assertNotNull(q.get("x-amz-checksum-sha256"), q.get(":path"));
            assertEquals("COMPLIANCE", q.get("x-amz-object-lock-mode"), q.get(":path"));
        }

        // a replay (another version of the incident, or EventBridge's at-least-once) adds nothing and asks EC2 nothing
        List<Store.Entry> objects = store.list(prefix);
        int ec2After = SnapshotResources.recorded(SnapshotResources.EC2_REQUESTS).size();
        ObjectNode again = incident(id, SnapshotResources.INSTANCE, "web-7d9f");
        ((ObjectNode) again.path("detail")).put("version", 2).put("status", "contained");
        JsonNode r2 = invokeOk(again);
        assertEquals("already archived", r2.path("outcome").asText(), r2.toString());
        assertEquals(r.path("part").asText(), r2.path("part").asText());
        assertEquals(objects, store.list(prefix));
        assertEquals(ec2After, SnapshotResources.recorded(SnapshotResources.EC2_REQUESTS).size());
        assertEquals(List.of(), new Verifier(store, Set.of(signer.keyId()), null).verify(prefix).problems());
    }

    @Test
    void withoutTheNodesEvidenceTheFunctionStartsTheManifestAndRecordsWhatItCouldNotDo() throws Exception {
        String id = UUID.randomUUID().toString();
        ObjectNode e = incident(id, null, "gone-pod");
        ((ObjectNode) e.path("detail").path("node")).remove("instance_id");
        JsonNode r = invokeOk(e);
        String prefix = "incidents/2026/12/07/" + id + "/";
        assertEquals(prefix + "manifest.json", r.path("part").asText(), r.toString());
        assertEquals("skipped", r.path("steps").path("ebs").path("status").asText());
        assertEquals("not found", r.path("steps").path("pod").path("status").asText());
        assertEquals("archived", r.path("steps").path("events").path("status").asText());
        Store store = files();
        JsonNode part = Json.mapper().readTree(store.read(prefix + "manifest.json"));
        assertEquals("bulwark-snapshot", part.path("producer").asText());
        assertTrue(part.path("previous_sha256").isNull());
        assertTrue(part.path("snapshot").path("ebs").path("reason").asText().contains("instance_id"), part.toString());
        assertFalse(store.exists(prefix + "ebs/snapshots.json"));
        assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(prefix).problems());
    }

    @Test
    void anEventWithoutFirstSeenIsRefusedNamingTheField() {
        ObjectNode e = incident(UUID.randomUUID().toString(), SnapshotResources.INSTANCE, "web-7d9f");
        ((ObjectNode) e.path("detail")).remove("first_seen");
        e.remove("time");
        Response r = Lambda.invoke(e.toString());
        assertEquals(500, r.statusCode());
        assertTrue(r.asString().contains("detail.first_seen"), r.asString());
    }

    static List<String> reasons(JsonNode events) {
        List<String> out = new java.util.ArrayList<>();
        events.forEach(n -> out.add(n.path("reason").asText()));
        return out;
    }
}
