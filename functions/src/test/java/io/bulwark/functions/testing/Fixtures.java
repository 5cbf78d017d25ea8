package io.bulwark.functions.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * Escape Surface Report events built from {@code fixtures/report-k8s-node.json} (a realistic
 * envelope that validates against audit.schema.json), re-addressed per test: node, time and id
 * are unique so that tests sharing one archive do not see each other's nodes.
 */
public final class Fixtures {
    private Fixtures() {}

    public static ObjectNode load(String name) {
        try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream("fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + name);
            }
            return (ObjectNode) Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The four-container Kubernetes node report (scope node: the complete inventory), from {@code node} at {@code time}, with a fresh event id. */
    public static ObjectNode report(String node, Instant time) {
        ObjectNode e = load("report-k8s-node.json");
        e.put("id", UUID.randomUUID().toString());
        e.put("time", time.toString());
        ((ArrayNode) e.withArray("resources")).removeAll().add("node/" + node);
        ObjectNode d = (ObjectNode) e.get("detail");
        d.put("id", e.get("id").asText()); // the stable id a sensor gives each report
        d.put("time", time.toString());
        ((ObjectNode) d.get("node")).put("hostname", node);
        return e;
    }

    /**
     * What the sensor sends when a container starts: a report of scope {@code container} holding
     * the fixture's container at {@code index}, renamed (id and name) to {@code name}.
     */
    public static ObjectNode containerStart(String node, Instant time, int index, String name) {
        ObjectNode e = scope(keep(report(node, time), index), "container");
        ((ObjectNode) containers(e).get(0)).put("id", name).put("name", name);
        return e;
    }

    /** Sets the report's scope ({@code node}, {@code container}); null removes the field, as an older sensor sends it. */
    public static ObjectNode scope(ObjectNode event, String scope) {
        ObjectNode d = (ObjectNode) event.get("detail");
        if (scope == null) {
            d.remove("scope");
        } else {
            d.put("scope", scope);
        }
        return event;
    }

    public static ArrayNode containers(ObjectNode event) {
        return (ArrayNode) event.get("detail").get("containers");
    }

    /** Keeps only the containers at {@code indexes} and fixes the summary. */
    public static ObjectNode keep(ObjectNode event, int... indexes) {
        ArrayNode all = containers(event);
        ArrayNode kept = Json.mapper().createArrayNode();
        for (int i : indexes) {
            kept.add(all.get(i));
        }
        ((ObjectNode) event.get("detail")).set("containers", kept);
        return summarise(event);
    }

    /** A report of {@code n} HIGH containers (copies of the privileged one, distinct ids and scores 100, 99 …). */
    public static ObjectNode manyHigh(String node, Instant time, int n) {
        ObjectNode e = report(node, time);
        ObjectNode template = (ObjectNode) containers(e).get(0);
        ArrayNode list = Json.mapper().createArrayNode();
        for (int i = 0; i < n; i++) {
            ObjectNode c = template.deepCopy();
            c.put("id", String.format("%064x", i + 1));
            c.put("name", "agent-" + i);
            c.put("score", 100 - i);
            c.set("k8s", null);
            list.add(c);
        }
        ((ObjectNode) e.get("detail")).set("containers", list);
        return summarise(e);
    }

    public static ObjectNode summarise(ObjectNode event) {
        int h = 0, m = 0, l = 0;
        for (var c : containers(event)) {
            switch (c.get("band").asText()) {
                case "HIGH" -> h++;
                case "MEDIUM" -> m++;
                default -> l++;
            }
        }
        ObjectNode s = (ObjectNode) event.get("detail").get("summary");
        s.put("containers", h + m + l).put("high", h).put("medium", m).put("low", l);
        return event;
    }
}
