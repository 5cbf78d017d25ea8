package io.bulwark.sensor.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.Json;
import org.junit.jupiter.api.Test;

/**
 * The node's command queue key (BULWARK_COMMAND_KEY, set by the DaemonSet to what the shipper's --node is): an alert
 * carries it only when it differs from the host name, and a misconfigured value never sends commands to a queue
 * nobody polls.
 */
class NodeIdentityTest {
    @Test
    void aPodNameBecomesTheCommandKey() {
        assertEquals("bulwark-sensor-7xk2p", NodeIdentity.commandKey("bulwark-sensor-7xk2p", "ip-10-0-1-23.ec2.internal"));
        assertEquals("bulwark-sensor-7xk2p", NodeIdentity.commandKey("  bulwark-sensor-7xk2p\n", "ip-10-0-1-23.ec2.internal"));
    }

    @Test
    void unsetBlankSameAsHostOrUnexpandedFallsBackToTheHostName() {
        assertNull(NodeIdentity.commandKey(null, "node-1"));
        assertNull(NodeIdentity.commandKey(" ", "node-1"));
        assertNull(NodeIdentity.commandKey("node-1", "node-1"), "IRSA: --node is the node name, the default key");
        assertNull(NodeIdentity.commandKey("$(BULWARK_POD_NAME)", "node-1"), "Kubernetes leaves $(X) as is when X is not defined before it");
    }

    @Test
    void theAlertsNodeCarriesTheKeyOnlyWhenItIsNotTheHostName() throws Exception {
        AlertFactory keyed = new AlertFactory(new AlertDetail.Node("ip-10-0-1-23", null, "6.18", null, "bulwark-sensor-7xk2p"), "aws", "none");
        JsonNode n = Json.mapper().readTree(Json.line(keyed.node()));
        assertEquals("bulwark-sensor-7xk2p", n.path("command_key").asText(), n.toString());
        assertEquals("bulwark-sensor-7xk2p", keyed.node().commandQueueKey());

        AlertFactory plain = new AlertFactory(new AlertDetail.Node("ip-10-0-1-23", null, "6.18"), "aws", "none");
        JsonNode p = Json.mapper().readTree(Json.line(plain.node()));
        assertFalse(p.has("command_key"), p.toString());
        assertFalse(p.has("command_queue_key"), "the derived key is not a field: " + p);
        assertEquals("ip-10-0-1-23", plain.node().commandQueueKey());
        assertTrue(p.has("hostname"));
    }
}
