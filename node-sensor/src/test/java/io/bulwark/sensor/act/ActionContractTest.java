package io.bulwark.sensor.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.bulwark.contract.ActionEnvelope;
import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.Json;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The action record as it leaves the node ("Bulwark Action" envelope) is valid against the published schema, and the schema rejects a bad one. */
class ActionContractTest {
    static JsonSchema schema() throws Exception {
        try (InputStream in = ActionEnvelope.class.getResourceAsStream("/schemas/action.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
    }

    static ActionRecord record(String result, String reason) {
        return new ActionRecord("b2abe407-1410-8cde-885b-b9bcaf886769", "2026-12-07T03:02:15.201Z", "freeze", result, reason,
                new ActionRecord.Target("bw-1", 4242, 829063L, "payments", "api-7", "/sys/fs/cgroup/unified/bw-1"),
                Map.of("mechanism", "cgroup2", "already_frozen", false), "inc-1", "alert-1", null, "fast-path",
                "playbook:default", "bulwark-sensor@node-1", new AlertDetail.Node("node-1", "i-0abc", "6.18"), false, 1.25);
    }

    @Test
    void envelopeValidates() throws Exception {
        ActionEnvelope e = ActionEnvelope.of(record("done", null));
        JsonNode node = Json.mapper().readTree(Json.line(e));
        assertEquals("Bulwark Action", node.get("detail-type").asText());
        assertEquals("bulwark.sensor", node.get("source").asText());
        assertEquals(List.of("ec2-instance/i-0abc", "node/node-1", "container/bw-1", "pod/payments/api-7"), e.resources());
        assertEquals(829063L, node.at("/detail/target/start_time").asLong(), "snake_case on the wire");
        assertTrue(schema().validate(node).isEmpty(), schema().validate(node) + "\n" + node.toPrettyString());
        // and back
        ActionEnvelope back = Json.parse(Json.line(e), ActionEnvelope.class);
        assertEquals(e, back);
    }

    @Test
    void schemaRejectsAnUnknownResultOrAction() throws Exception {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(Json.line(ActionEnvelope.of(record("maybe", null))));
        assertFalse(schema().validate(node).isEmpty(), "result 'maybe' is not a result");
        ((ObjectNode) node.get("detail")).put("result", "refused").put("action", "reboot");
        assertFalse(schema().validate(node).isEmpty(), "action 'reboot' is not a node action");
        ((ObjectNode) node.get("detail")).put("action", "kill").remove("actor");
        assertFalse(schema().validate(node).isEmpty(), "every record says who acted");
    }
}
