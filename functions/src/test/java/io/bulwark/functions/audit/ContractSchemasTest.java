package io.bulwark.functions.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.functions.testing.Fixtures;
import io.bulwark.functions.testing.Schemas;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The test fixtures are real Escape Surface Reports, and cluster-audit.schema.json's copies of audit.schema.json's parts stay equal. */
class ContractSchemasTest {

    static JsonNode schema(String file) throws Exception {
        try (InputStream in = ContractSchemasTest.class.getClassLoader().getResourceAsStream("schemas/" + file)) {
            return Json.mapper().readTree(in);
        }
    }

    @Test
    void fixtureReportValidatesAgainstAuditSchema() {
        Schemas.assertValid("audit.schema.json", Fixtures.load("report-k8s-node.json").get("detail"));
        Schemas.assertValid("audit.schema.json", Fixtures.manyHigh("n", java.time.Instant.now(), 3).get("detail"));
    }

    @Test
    void copiedDefinitionsMatchTheNodeSchema() throws Exception {
        JsonNode audit = schema("audit.schema.json");
        JsonNode cluster = schema("cluster-audit.schema.json");
        assertEquals(audit.at("/$defs/factor"), cluster.at("/$defs/factor"));
        assertEquals(audit.at("/$defs/container/properties/k8s"), cluster.at("/$defs/k8s"));
        assertEquals(audit.at("/$defs/container/properties/runtime"), cluster.at("/$defs/container/properties/runtime"));
        assertEquals(audit.at("/properties/scope/enum"), cluster.at("/properties/trigger/properties/scope/enum"));
        assertEquals(audit.at("/$defs/container/properties/band/enum"), cluster.at("/properties/removed/items/properties/band/enum"));
    }
}
