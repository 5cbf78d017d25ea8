package io.bulwark.sensor.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.local.JsonLinesFile;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleLoader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alerts built from real rule matches are valid against the published schema, coalesce, and are kept append-only. */
class AlertContractTest {
    static final String RULE = """
            - rule: Write to core_pattern
              desc: test
              condition: evt.type in (open, openat) and fd.name = /proc/sys/kernel/core_pattern
              output: core_pattern write by %proc.name (file=%fd.name res=%evt.res container=%container.id)
              priority: CRITICAL
              tags: [container, vector:core-pattern, T1611, mitre_privilege_escalation]
            """;

    static SensorEvent fixture() throws Exception {
        try (InputStream in = AlertContractTest.class.getResourceAsStream("/events/core_pattern_open.json")) {
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), SensorEvent.class);
        }
    }

    static Detector detector(List<AlertEnvelope> out) {
        LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("test.yaml", RULE)));
        assertTrue(r.errors().isEmpty(), r.errors().toString());
        AlertFactory f = new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "dry-run");
        long[] clock = {0};
        return new Detector(r.engine(), f, 60_000_000_000L, List.of(out::add), () -> clock[0]);
    }

    @Test
    void alertEnvelopeValidatesAgainstTheSchema() throws Exception {
        List<AlertEnvelope> out = new ArrayList<>();
        detector(out).onEvent(fixture());
        assertEquals(1, out.size());
        AlertEnvelope a = out.get(0);
        assertEquals("bulwark.sensor", a.source());
        assertEquals("Container Escape Alert", a.detailType());
        assertEquals("core-pattern", a.detail().vector());
        assertEquals(List.of("T1611"), a.detail().mitre());
        assertEquals(8.0, a.detail().severity());
        assertEquals("dry-run", a.detail().sensor().action());
        assertTrue(a.resources().contains("container/bw-fixture"), a.resources().toString());
        JsonNode node = Json.mapper().readTree(Json.line(a));
        assertEquals("Container Escape Alert", node.get("detail-type").asText(), "EventBridge field name");
        assertEquals("/proc/sys/kernel/core_pattern", node.at("/detail/output_fields/fd.name").asText());
        JsonSchema schema;
        try (InputStream in = AlertEnvelope.class.getResourceAsStream("/schemas/alert.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(node);
        assertTrue(errors.isEmpty(), "schema violations: " + errors + "\n" + node.toPrettyString());
    }

    @Test
    void identicalAlertsAreCoalescedButTheFirstIsImmediate() throws Exception {
        List<AlertEnvelope> out = new ArrayList<>();
        Detector d = detector(out);
        SensorEvent e = fixture();
        d.onEvent(e);
        assertEquals(1, out.size(), "first alert at once");
        d.onEvent(e);
        d.onEvent(e);
        assertEquals(1, out.size(), "repeats held");
        d.flush();
        assertEquals(2, out.size());
        assertEquals(2, out.get(1).detail().count());
    }

    @Test
    void alertFileIsAppendedNeverTruncated(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("alerts.jsonl");
        List<AlertEnvelope> out = new ArrayList<>();
        detector(out).onEvent(fixture());
        try (JsonLinesFile w = new JsonLinesFile(f)) {
            w.accept(out.get(0));
        }
        try (JsonLinesFile w = new JsonLinesFile(f)) {
            w.accept(out.get(0));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(2, lines.size(), "reopening appends");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(out.get(0).id(), Json.parse(lines.get(1), AlertEnvelope.class).id());
    }
}
