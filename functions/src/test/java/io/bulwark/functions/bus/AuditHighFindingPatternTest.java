package io.bulwark.functions.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.functions.testing.Findings;
import io.bulwark.functions.testing.Fixtures;
import io.bulwark.functions.testing.Schemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.event.ruler.Machine;

/**
 * The playbook trigger shipped as {@code patterns/audit-high-finding.json} (the file Terraform
 * reads with file()), matched by event-ruler as EventBridge would, against the full envelope.
 */
class AuditHighFindingPatternTest {

    static Machine machine() throws Exception {
        Machine m = new Machine();
        m.addRule(Patterns.AUDIT_HIGH_FINDING, Patterns.load(Patterns.AUDIT_HIGH_FINDING));
        return m;
    }

    @Test
    void highFindingMatchesAndMediumOrLowDoNot() throws Exception {
        Machine m = machine();
        for (Band band : Band.values()) {
            FindingEnvelope f = Findings.of(band, band == Band.HIGH ? 80 : band == Band.MEDIUM ? 35 : 10);
            String json = Json.line(f);
            Schemas.assertValid("finding.schema.json", Json.mapper().readTree(json));
            assertEquals(band == Band.HIGH ? List.of(Patterns.AUDIT_HIGH_FINDING) : List.of(), m.rulesForJSONEvent(json), band.name());
        }
    }

    @Test
    void otherBulwarkEventsDoNotTriggerThePlaybook() throws Exception {
        Machine m = machine();
        // the node report itself (same words, other source and detail-type)
        assertEquals(List.of(), m.rulesForJSONEvent(Fixtures.load("report-k8s-node.json").toString()));
        // a HIGH finding from another source
        JsonNode forged = Json.mapper().readTree(Json.line(Findings.of(Band.HIGH, 90)));
        ((com.fasterxml.jackson.databind.node.ObjectNode) forged).put("source", "someone.else");
        assertEquals(List.of(), m.rulesForJSONEvent(forged.toString()));
    }

    @Test
    void theLocalBusUsesTheSamePatternAndRejectsABadOne() {
        LocalEventBus bus = new LocalEventBus().addRule(Patterns.AUDIT_HIGH_FINDING, Patterns.load(Patterns.AUDIT_HIGH_FINDING));
        List<String> got = new ArrayList<>();
        bus.subscribe(Patterns.AUDIT_HIGH_FINDING, got::add);
        List<FindingBus.Delivery> d = bus.publish(List.of(Findings.of(Band.HIGH, 90), Findings.of(Band.MEDIUM, 40)));
        assertEquals(List.of(Patterns.AUDIT_HIGH_FINDING), d.get(0).matchedRules());
        assertEquals(List.of(), d.get(1).matchedRules());
        assertEquals(1, got.size());
        assertThrows(IllegalArgumentException.class, () -> bus.addRule("broken", "{\"detail\": {\"band\": \"HIGH\"}}"));
    }

    @Test
    void patternFileIsTheOneInTheSourceTree() throws Exception {
        // Terraform references the source file; the classpath copy must be the same bytes.
        Path src = Path.of("src/main/resources/patterns/audit-high-finding.json");
        assertEquals(Files.readString(src), Patterns.load(Patterns.AUDIT_HIGH_FINDING));
    }
}
