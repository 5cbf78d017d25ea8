package io.bulwark.sensor.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lost events raise an alert (a flood may be an attempt to blind the sensor), at most one per window. */
class LossMonitorTest {
    private static final long SEC = 1_000_000_000L;
    private final LossMonitor m = new LossMonitor(new AlertDetail.Node("node-1", null, "6.18"), "local", "none", 60 * SEC);

    @Test
    void noLossNoAlert() {
        assertNull(m.check(Map.of("ringbuf_full_drops", 0L, "decoded", 1000L), 0));
    }

    @Test
    void growingLossRaisesOneAlertPerWindowWithTheLossSinceTheLastOne() throws Exception {
        AlertEnvelope first = m.check(Map.of("ringbuf_full_drops", 10L, "record_errors", 5L), 0);
        assertNotNull(first);
        assertEquals("Sensor Event Loss", first.detail().rule());
        assertEquals("ERROR", first.detail().priority());
        assertEquals(15L, first.detail().outputFields().get("lost_total"));
        assertNull(m.check(Map.of("ringbuf_full_drops", 50L, "record_errors", 5L), 10 * SEC), "inside the window");
        AlertEnvelope second = m.check(Map.of("ringbuf_full_drops", 70L, "record_errors", 5L, "rate_limited", 3L), 61 * SEC);
        assertNotNull(second);
        assertEquals(60L, second.detail().outputFields().get("ringbuf_full_drops"), "losses since the last alert, not totals");
        assertEquals(3L, second.detail().outputFields().get("rate_limited"));
        JsonSchema schema;
        try (InputStream in = AlertEnvelope.class.getResourceAsStream("/schemas/alert.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        var errors = schema.validate(Json.mapper().readTree(Json.line(second)));
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
