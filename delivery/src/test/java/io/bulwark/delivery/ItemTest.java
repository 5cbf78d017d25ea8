package io.bulwark.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bulwark.contract.Json;
import io.bulwark.outbox.Rank;
import io.bulwark.outbox.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streaming reading of an envelope (no tree model on the shipper's path) gives the targets
 * exactly what the tree model gives: the same source, detail-type, time, priority, resources, and
 * the same detail text, byte for byte; any other shape is left to the tree model.
 */
class ItemTest {
    private static Record record(String json) {
        return new Record(Rank.INFO, 1_000L, "id-1", json.getBytes(StandardCharsets.UTF_8), null);
    }

    private static void sameAsTree(String json) throws IOException {
        Item s = Item.streamed(record(json));
        assertNotNull(s, "the streaming reading takes " + json);
        Item t = Item.tree(record(json));
        assertEquals(t.source(), s.source());
        assertEquals(t.detailType(), s.detailType());
        assertEquals(t.time(), s.time());
        assertEquals(t.priority(), s.priority());
        assertEquals(t.resources(), s.resources());
        assertEquals(t.detail(), s.detail(), "detail text");
        assertEquals(t.body(), s.body());
    }

    @Test
    void aSensorAlertReadsTheSameEitherWay() throws IOException {
        String json = Json.line(TestAlert.envelope("node-a"));
        sameAsTree(json);
        Item it = Item.of(record(json));
        assertEquals("INFORMATIONAL", it.priority());
        assertEquals(List.of("node/node-a"), it.resources());
    }

    @Test
    void numbersEscapesAndNestingAreWrittenAsTheTreeModelWritesThem() throws IOException {
        sameAsTree("""
                {"version":"0","id":"x","detail-type":"Bulwark Alert","source":"bulwark.sensor","account":null,
                 "time":"2026-12-07T12:00:00Z","region":null,"resources":["node/a","container/\\u00e9t\\u00e9"],
                 "detail":{ "id" : "d1", "priority":"CRITICAL", "score": 0.10, "big": 123456789012345678901234567890,
                  "neg": -5, "exp": 1E3, "f": 1.5e-7, "s": "tab\\there \\"quoted\\" \\/slash \\u2028 é 😀",
                  "nested": {"a": [1, 2.0, null, true, false, {"b": []}]}, "empty": {}, "none": null}}
                """);
        sameAsTree("{\"source\":\"s\",\"detail-type\":\"t\",\"detail\":{}}");
        sameAsTree("{\"source\":\"s\",\"detail-type\":\"t\",\"time\":null,\"detail\":{\"priority\":null},\"resources\":[]}");
    }

    @Test
    void otherShapesAreLeftToTheTreeModel() throws IOException {
        // a number where a string is usual: the tree model's text of it, as before
        String numeric = "{\"source\":\"s\",\"detail-type\":\"t\",\"time\":5,\"detail\":{\"priority\":3},\"resources\":[\"r\",7]}";
        assertNull(Item.streamed(record(numeric)));
        Item it = Item.of(record(numeric));
        assertEquals("5", it.time());
        assertEquals("3", it.priority());
        assertEquals(List.of("r", "7"), it.resources());
        // a name twice: the tree model keeps the last
        String twice = "{\"source\":\"a\",\"source\":\"b\",\"detail-type\":\"t\",\"detail\":{\"k\":1,\"k\":2}}";
        assertNull(Item.streamed(record(twice)));
        Item t = Item.of(record(twice));
        assertEquals("b", t.source());
        assertEquals("{\"k\":2}", t.detail());
        // not an envelope, not JSON: the same refusal as before
        for (String bad : List.of("{\"source\":\"\",\"detail-type\":\"t\",\"detail\":{}}", "{\"source\":\"s\",\"detail-type\":\"t\",\"detail\":[]}",
                "[1]", "not json", "{\"source\":\"s\",\"detail-type\":\"t\"}")) {
            assertNull(Item.streamed(record(bad)), bad);
            assertThrows(IOException.class, () -> Item.of(record(bad)), bad);
        }
    }

    @Test
    void anOversizedEnvelopeIsCutDownFromTheStreamedReading() throws IOException {
        Item it = Item.of(record(Json.line(TestAlert.envelope("node-b"))));
        it.pointTo("bucket", "nodes/node-b/overflow/x.json", 123, "abc");
        assertEquals(Json.mapper().readTree(it.body()).path("detail").toString(), it.detail());
        assertEquals("bucket", Json.mapper().readTree(it.detail()).path("oversized").path("bucket").asText());
        assertEquals("bulwark.sensor", Json.mapper().readTree(it.body()).path("source").asText());
    }
}
