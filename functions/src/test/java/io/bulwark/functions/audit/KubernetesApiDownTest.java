package io.bulwark.functions.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.LocalEventBus;
import io.bulwark.functions.bus.Patterns;
import io.bulwark.functions.testing.Fixtures;
import io.bulwark.functions.testing.Lambda;
import io.bulwark.functions.testing.S3MockResource;
import io.bulwark.functions.testing.Schemas;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The Kubernetes API is down (its URL is a closed port on 127.0.0.1): the report must still be
 * archived and aggregated, without pod facts, with the error recorded; findings still go out.
 * This profile also runs the embedded local mode's bus (event-ruler with the shipped pattern).
 */
@Tag("servers")
@QuarkusTest
@TestProfile(KubernetesApiDownTest.ApiDownLocalBus.class)
@WithTestResource(S3MockResource.class)
class KubernetesApiDownTest {

    public static class ApiDownLocalBus implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("bulwark.kubernetes.api-url", "http://127.0.0.1:" + closed,
                    "bulwark.bus.kind", "local");
        }
    }

    @Inject
    S3Client s3;

    @Inject
    FindingBus bus;

    @Test
    void apiFailureKeepsTheReportAndRecordsTheError() throws Exception {
        List<String> playbook = new CopyOnWriteArrayList<>();
        ((LocalEventBus) bus).subscribe(Patterns.AUDIT_HIGH_FINDING, playbook::add);
        String node = "apidown-" + System.nanoTime();
        ObjectNode event = Fixtures.report(node, Instant.now());

        Response r = Lambda.invoke(event.toString());
        assertEquals(200, r.statusCode(), r.asString());
        JsonNode result = Json.mapper().readTree(r.asString());
        assertEquals("aggregated", result.get("status").asText());
        assertEquals("error", result.get("enrichment").asText());
        s3.headObject(b -> b.bucket(S3MockResource.BUCKET).key(result.get("report_key").asText()));

        JsonNode pointer = Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(S3MockResource.BUCKET).key("audit/cluster/latest.json")).asByteArray());
        JsonNode cluster = Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(S3MockResource.BUCKET).key(pointer.get("key").asText())).asByteArray());
        Schemas.assertValid("cluster-audit.schema.json", cluster);
        JsonNode enrichment = cluster.get("enrichment");
        assertEquals("error", enrichment.get("status").asText());
        assertTrue(enrichment.get("error").asText().length() > 10, enrichment.toString());
        assertEquals(3, enrichment.get("failed").asInt(), "the failing pod and the two not asked after it");
        int error = 0, skipped = 0;
        for (JsonNode c : cluster.get("containers")) {
            if (!c.get("node").asText().equals(node) || c.get("pod").isNull()) {
                continue;
            }
            switch (c.get("pod").get("status").asText()) {
                case "error" -> error++;
                case "skipped" -> skipped++;
                default -> throw new AssertionError("unexpected pod status " + c);
            }
            assertTrue(c.get("pod").get("pss_level").isNull(), "no spec, no PSS level");
        }
        assertEquals(1, error);
        assertEquals(2, skipped);

        assertEquals(2, playbook.size(), "both HIGH findings reached the playbook rule: " + playbook);
        for (String e : playbook) {
            JsonNode envelope = Json.mapper().readTree(e);
            Schemas.assertValid("finding.schema.json", envelope);
            assertEquals(node, envelope.get("detail").get("container").get("node").asText());
        }
        JsonNode emitted = cluster.get("findings").get("emitted");
        assertEquals("local", cluster.get("findings").get("bus").asText());
        assertEquals(2, emitted.size());
        assertEquals(Json.mapper().readTree(playbook.get(0)).get("id").asText(), emitted.get(0).get("event_id").asText());
    }
}
