package io.bulwark.sensor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.Json;
import io.bulwark.sensor.audit.AuditService;
import io.bulwark.sensor.audit.Weights;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.testing.RuncContainer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code bulwark up} appends to its event file for the escape-surface audit, with real runc
 * containers: the inventory reports say they are complete (scope node), the container-start
 * report says it is not (scope container), and both are valid Escape Surface Report events. The
 * aggregation function removes a container from the cluster view on the strength of the first
 * kind only, so mixing them up would either keep stopped containers or drop live ones.
 */
@Tag("containers")
class AuditReporterTest {

    static JsonSchema schema() throws Exception {
        try (InputStream in = AuditReporterTest.class.getClassLoader().getResourceAsStream("schemas/audit.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    static List<JsonNode> events(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(Json.mapper().readTree(line));
        }
        return out;
    }

    static List<String> ids(JsonNode detail) {
        List<String> ids = new ArrayList<>();
        detail.get("containers").forEach(c -> ids.add(c.get("id").asText()));
        return ids;
    }

    @Test
    @Timeout(120)
    void inventoryReportsAreScopeNodeAndContainerStartReportsScopeContainer(@TempDir Path dir) throws Exception {
        JsonSchema schema = schema();
        Path file = dir.resolve("events.jsonl");
        ContainerResolver resolver = new ContainerResolver();
        String startedId;
        try (JsonLinesFile out = new JsonLinesFile(file); RuncContainer before = RuncContainer.builder().start()) {
            AuditReporter reporter = new AuditReporter(new AuditService(resolver, Weights.defaults()), out);
            Instant t0 = Instant.now();
            EscapeSurfaceReport inventory = reporter.periodic();
            assertEquals(EscapeSurfaceReport.SCOPE_NODE, inventory.scope());
            assertTrue(inventory.completeInventory());
            assertFalse(Instant.parse(inventory.time()).isBefore(t0));
            try (RuncContainer started = RuncContainer.builder().privileged().start()) {
                startedId = started.id();
                assertTrue(Instant.parse(inventory.time()).isBefore(Instant.now()));
                resolver.refresh();
                reporter.containerStarted(resolver.byId(started.id()).orElseThrow());

                List<JsonNode> events = events(file);
                assertEquals(2, events.size(), events.toString());
                for (JsonNode e : events) {
                    assertEquals("Escape Surface Report", e.get("detail-type").asText());
                    Set<ValidationMessage> errors = schema.validate(e.get("detail"));
                    assertTrue(errors.isEmpty(), errors + " in " + e.toPrettyString());
                }
                JsonNode full = events.get(0).get("detail");
                assertEquals("node", full.get("scope").asText());
                assertTrue(ids(full).contains(before.id()), "the inventory lists every running container: " + ids(full));
                assertFalse(ids(full).contains(started.id()), "taken before the second container existed");
                JsonNode start = events.get(1).get("detail");
                assertEquals("container", start.get("scope").asText());
                assertEquals(List.of(started.id()), ids(start), "the start report holds the new container only");
                assertEquals("HIGH", start.get("containers").get(0).get("band").asText());
                assertTrue(Instant.parse(start.get("time").asText()).isAfter(Instant.parse(full.get("time").asText())),
                        "the start report is newer than the inventory that missed the container");
            }
            // the next inventory no longer lists the stopped container, and says it is complete
            EscapeSurfaceReport next = reporter.periodic();
            JsonNode last = events(file).get(2).get("detail");
            assertEquals("node", last.get("scope").asText());
            assertEquals(Json.mapper().readTree(Json.line(next)), last);
            assertTrue(ids(last).contains(before.id()));
            assertFalse(ids(last).contains(startedId), "the stopped container is left out: " + ids(last));
        }
    }
}
