package io.bulwark.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.outbox.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One outbox record on its way: the envelope as the sensor wrote it, and the fields the targets
 * need. {@link #body} is what travels: the envelope itself, or (when it is over a target's size
 * limit) a pointer envelope whose detail names the S3 object holding the whole one.
 */
public final class Item {
    final Record record;
    final ObjectNode envelope;
    String body;
    String detail;
    boolean offloaded;

    private Item(Record record, ObjectNode envelope) {
        this.record = record;
        this.envelope = envelope;
        this.body = new String(record.payload(), StandardCharsets.UTF_8);
        this.detail = envelope.path("detail").toString();
    }

    /** Parses a record; throws {@link IOException} when its payload is not an event envelope. */
    public static Item of(Record r) throws IOException {
        JsonNode n = Json.mapper().readTree(r.payload());
        if (!(n instanceof ObjectNode o) || !o.path("detail").isObject() || o.path("source").asText("").isEmpty()
                || o.path("detail-type").asText("").isEmpty()) {
            throw new IOException("not an event envelope (source, detail-type and an object detail are required)");
        }
        return new Item(r, o);
    }

    public String id() {
        return record.id();
    }

    public String source() {
        return envelope.path("source").asText();
    }

    public String detailType() {
        return envelope.path("detail-type").asText();
    }

    public String time() {
        return envelope.path("time").asText(null);
    }

    public String priority() {
        return envelope.path("detail").path("priority").asText(null);
    }

    public List<String> resources() {
        List<String> out = new ArrayList<>();
        envelope.path("resources").forEach(r -> out.add(r.asText()));
        return out;
    }

    public String body() {
        return body;
    }

    public String detail() {
        return detail;
    }

    public long appendedAt() {
        return record.appendedAt();
    }

    public Record record() {
        return record;
    }

    /** True once the body was replaced by a pointer to S3. */
    public boolean offloaded() {
        return offloaded;
    }

    /**
     * Replaces what travels by a pointer: the envelope with a detail that keeps the fields rules and
     * playbooks match on (id, time, rule, priority, severity, vector, node, container's id and name,
     * k8s) and {@code oversized} = {bucket, key, size, sha256} of the whole envelope in S3.
     */
    void pointTo(String bucket, String key, long size, String sha256) {
        ObjectNode full = (ObjectNode) envelope.path("detail");
        ObjectNode small = Json.mapper().createObjectNode();
        for (String f : List.of("id", "time", "rule", "priority", "severity", "vector", "mitre", "scope", "node", "k8s", "count")) {
            if (full.has(f)) {
                small.set(f, full.get(f));
            }
        }
        JsonNode c = full.path("container");
        if (c.isObject()) {
            ObjectNode sc = small.putObject("container");
            sc.set("id", c.path("id"));
            sc.set("name", c.path("name"));
        }
        ObjectNode o = small.putObject("oversized");
        o.put("bucket", bucket).put("key", key).put("size", size).put("sha256", sha256);
        ObjectNode env = envelope.deepCopy();
        env.set("detail", small);
        this.detail = small.toString();
        this.body = env.toString();
        this.offloaded = true;
    }
}
