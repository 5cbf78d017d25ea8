package io.bulwark.delivery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
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
    /**
     * Envelopes of the usual shape are read with jackson-core's streaming parser. Jackson's tree
     * model (databind, ≈600 classes with what they pull in) is loaded only for an envelope of
     * another shape, or to cut an oversized one down: a shipper that never meets one keeps those
     * classes out of its metaspace and code cache (docs/benchmarks.md, delivery). Duplicate names
     * make the streaming read give up, so the tree model (which keeps the last) decides them.
     */
    private static final JsonFactory STREAM = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    final Record record;
    private ObjectNode envelope; // the tree, made only when needed
    private final String source;
    private final String detailType;
    private final String time;
    private final String priority;
    private final List<String> resources;
    String body;
    String detail;
    boolean offloaded;

    private Item(Record record, ObjectNode envelope, String source, String detailType, String time, String priority, List<String> resources,
            String detail) {
        this.record = record;
        this.envelope = envelope;
        this.source = source;
        this.detailType = detailType;
        this.time = time;
        this.priority = priority;
        this.resources = resources;
        this.body = new String(record.payload(), StandardCharsets.UTF_8);
        this.detail = detail;
    }

    /** Parses a record; throws {@link IOException} when its payload is not an event envelope. */
    public static Item of(Record r) throws IOException {
        Item it = streamed(r);
        return it != null ? it : tree(r);
    }

    /** The tree model's reading: any JSON an envelope may be, and its error when it is none. */
    static Item tree(Record r) throws IOException {
        JsonNode n = Json.mapper().readTree(r.payload());
        if (!(n instanceof ObjectNode o) || !o.path("detail").isObject() || o.path("source").asText("").isEmpty()
                || o.path("detail-type").asText("").isEmpty()) {
            throw new IOException("not an event envelope (source, detail-type and an object detail are required)");
        }
        List<String> resources = new ArrayList<>();
        o.path("resources").forEach(x -> resources.add(x.asText()));
        return new Item(r, o, o.path("source").asText(), o.path("detail-type").asText(), o.path("time").asText(null),
                o.path("detail").path("priority").asText(null), List.copyOf(resources), o.path("detail").toString());
    }

    /**
     * The streaming reading of an envelope of the usual shape: one JSON object, {@code source} and
     * {@code detail-type} non-empty strings, {@code time} a string or null, {@code resources} an
     * array of strings, {@code detail} an object (written back compact, as the tree model's
     * {@code toString} does) whose {@code priority} is a string or null, no name twice, nothing
     * after the object. Null for anything else: the tree model then reads it, or says why not.
     */
    static Item streamed(Record r) {
        String source = null;
        String detailType = null;
        String time = null;
        String priority = null;
        List<String> resources = List.of();
        String detail = null;
        try (JsonParser p = STREAM.createParser(r.payload())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "source" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        source = p.getText();
                    }
                    case "detail-type" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        detailType = p.getText();
                    }
                    case "time" -> {
                        if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NULL) {
                            return null;
                        }
                        time = t == JsonToken.VALUE_NULL ? null : p.getText();
                    }
                    case "resources" -> {
                        if (t != JsonToken.START_ARRAY) {
                            return null;
                        }
                        List<String> rs = new ArrayList<>();
                        while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
                            rs.add(p.getText());
                        }
                        if (t != JsonToken.END_ARRAY) {
                            return null;
                        }
                        resources = List.copyOf(rs);
                    }
                    case "detail" -> {
                        if (t != JsonToken.START_OBJECT) {
                            return null;
                        }
                        java.io.StringWriter w = new java.io.StringWriter(r.payload().length);
                        try (JsonGenerator g = STREAM.createGenerator(w)) {
                            g.writeStartObject();
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                g.writeFieldName(f);
                                JsonToken v = p.nextToken();
                                if (f.equals("priority")) {
                                    if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
                                        return null;
                                    }
                                    priority = v == JsonToken.VALUE_NULL ? null : p.getText();
                                }
                                g.copyCurrentStructure(p);
                            }
                            g.writeEndObject();
                        }
                        detail = w.toString();
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException e) {
            return null; // not JSON, a name twice: the tree model says
        }
        if (source == null || source.isEmpty() || detailType == null || detailType.isEmpty() || detail == null) {
            return null;
        }
        return new Item(r, null, source, detailType, time, priority, resources, detail);
    }

    /** The envelope as a tree (an oversized envelope is cut down on it). */
    private ObjectNode envelope() {
        if (envelope == null) {
            try {
                envelope = (ObjectNode) Json.mapper().readTree(record.payload());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // it was read once already
            }
        }
        return envelope;
    }

    public String id() {
        return record.id();
    }

    public String source() {
        return source;
    }

    public String detailType() {
        return detailType;
    }

    public String time() {
        return time;
    }

    public String priority() {
        return priority;
    }

    public List<String> resources() {
        return resources;
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
        ObjectNode full = (ObjectNode) envelope().path("detail");
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
        ObjectNode env = envelope().deepCopy();
        env.set("detail", small);
        this.detail = small.toString();
        this.body = env.toString();
        this.offloaded = true;
    }
}
