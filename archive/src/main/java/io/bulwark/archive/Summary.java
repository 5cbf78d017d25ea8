package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.util.List;

/**
 * An incident in one JSON object: the index line (index/incidents/dt=DAY/ID.jsonl, for Athena) and
 * an element of `bulwark archive list --json`. Fields: id, time (first alert), vector, vectors,
 * priority, severity, rule, action, container {id, name, image, runtime, privileged}, k8s
 * {namespace, pod, …}, node, alerts, artifacts, prefix, manifest_sha256, evidence (node,
 * snapshot: who opened the incident's archive; `archive list` adds none for incidents triage filed without evidence). The lead alert is the most
 * severe one.
 */
public final class Summary {
    private static final List<String> PRIORITIES = List.of("EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG");

    private Summary() {}

    static JsonNode detail(JsonNode alert) {
        return alert.has("detail") && alert.get("detail").isObject() ? alert.get("detail") : alert;
    }

    /** The most severe alert's detail (ties: the first), or an empty object. */
    public static JsonNode lead(JsonNode manifest) {
        JsonNode best = null;
        for (JsonNode a : manifest.path("alerts")) {
            JsonNode d = detail(a);
            if (best == null || d.path("severity").asDouble() > best.path("severity").asDouble()) {
                best = d;
            }
        }
        return best == null ? Json.mapper().createObjectNode() : best;
    }

    /**
     * {@code alert} and {@code container} (may be null): the capture's alert.json (the full alert) and
     * container.json (the full container), richer than the manifest's summaries.
     */
    public static ObjectNode of(JsonNode manifest, String manifestSha, JsonNode alert, JsonNode container) {
        JsonNode lead = alert != null && alert.isObject() ? alert : lead(manifest);
        ObjectNode s = Json.mapper().createObjectNode();
        s.put("id", manifest.path("incident").asText());
        String time;
        try {
            time = Ingest.firstAlert(manifest).toString();
        } catch (IllegalArgumentException e) {
            // a part 1 without alerts (the snapshot function's) has first_seen
            time = manifest.path("first_seen").isTextual() ? manifest.path("first_seen").asText() : null;
        }
        s.put("time", time);
        s.put("vector", lead.path("vector").asText(null));
        var vectors = s.putArray("vectors");
        String top = null;
        for (JsonNode a : manifest.path("alerts")) {
            JsonNode d = detail(a);
            String v = d.path("vector").asText(null);
            if (v != null && !containsText(vectors, v)) {
                vectors.add(v);
            }
            String p = d.path("priority").asText("").toUpperCase();
            if (PRIORITIES.contains(p) && (top == null || PRIORITIES.indexOf(p) < PRIORITIES.indexOf(top))) {
                top = p;
            }
        }
        s.put("priority", top);
        if (lead.has("severity")) {
            s.put("severity", lead.path("severity").asDouble());
        } else {
            s.putNull("severity");
        }
        s.put("rule", lead.path("rule").asText(null));
        s.put("action", lead.path("sensor").path("action").asText(null));
        JsonNode c = container != null && container.isObject() ? container
                : manifest.path("container").isObject() ? manifest.path("container") : lead.path("container");
        if (c.isObject()) {
            ObjectNode co = s.putObject("container");
            for (String f : List.of("id", "name", "image", "runtime")) {
                co.put(f, c.path(f).asText(null));
            }
            co.put("privileged", c.path("privileged").asBoolean(false));
        } else {
            s.putNull("container");
        }
        JsonNode k8s = lead.path("k8s").isObject() ? lead.path("k8s") : c.path("k8s").isObject() ? c.path("k8s")
                : manifest.path("container").path("k8s").isObject() ? manifest.path("container").path("k8s") : manifest.path("k8s");
        s.set("k8s", k8s.isObject() ? k8s : null);
        JsonNode node = manifest.path("node");
        s.put("node", node.isTextual() ? node.asText() : node.path("hostname").asText(lead.path("node").path("hostname").asText(null)));
        s.put("alerts", manifest.path("alerts").size());
        s.put("artifacts", manifest.path("artifacts").size());
        s.put("prefix", manifest.path("prefix").asText(null));
        s.put("manifest_sha256", manifestSha);
        String producer = manifest.path("producer").asText(Ingest.NODE);
        s.put("evidence", producer.equals(Ingest.NODE) ? "node" : producer.equals("bulwark-snapshot") ? "snapshot" : "archived");
        return s;
    }

    private static boolean containsText(JsonNode arr, String v) {
        for (JsonNode n : arr) {
            if (n.asText().equals(v)) {
                return true;
            }
        }
        return false;
    }
}
