package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.util.Base64;
import java.util.List;

/**
 * One part of an incident's manifest (docs/archive.md). Part 1 is {@code manifest.json}; additions
 * are {@code manifest.d/0002-<producer>.json}, … Each part lists the objects it adds (name relative
 * to the incident's prefix, size, SHA-256, producer, capture time, content type, writer, write time),
 * the chain-of-custody entries it adds, the SHA-256 of the previous part's bytes (a hash chain: no
 * part can be changed, dropped or reordered unnoticed) and a signature over its canonical JSON
 * ({@link CanonicalJson#signedBytes}).
 */
public final class Manifest {
    public static final String FORMAT = "bulwark-incident-manifest/1";

    private Manifest() {}

    /** One archived object. */
    public record Artifact(String name, long size, String sha256, String producer, String capturedAt, String contentType,
            String writtenBy, String writtenAt) {}

    /** One chain-of-custody entry. */
    public record Custody(String who, String what, String when) {}

    /**
     * The key of part {@code n} under {@code prefix}: {@code manifest.json}, then {@code manifest.d/0002.json}, …
     * The number alone names a part (the producer is inside it), so the conditional create of that key is what
     * gives one writer the number: two writers appending at once cannot both write a part 2 (S3 answers the
     * second with 412; {@link Incidents#appendPart} then retries as part 3, chained to the winner). Parts written
     * before this rule are named {@code manifest.d/NNNN-PRODUCER.json} and still read.
     */
    public static String partKey(String prefix, int n) {
        return n == 1 ? prefix + "manifest.json" : prefix + String.format("manifest.d/%04d.json", n);
    }

    static String safe(String s) {
        String r = s == null ? "unknown" : s.replaceAll("[^A-Za-z0-9._-]", "-");
        return r.isEmpty() ? "unknown" : r;
    }

    /** An unsigned part. {@code facts} (node, container, alerts, capture times …) are copied into part 1. */
    public static ObjectNode part(int n, String incident, String prefix, String producer, String previousSha256, ObjectNode facts,
            List<Artifact> artifacts, List<Custody> custody) {
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("format", FORMAT);
        m.put("incident", incident);
        m.put("part", n);
        m.put("prefix", prefix);
        m.put("producer", producer);
        if (previousSha256 == null) {
            m.putNull("previous_sha256");
        } else {
            m.put("previous_sha256", previousSha256);
        }
        if (facts != null) {
            // the node manifest's own "format" and "part" are kept as node_format and node_part
            facts.fields().forEachRemaining(e -> {
                String k = e.getKey();
                if (k.equals("artifacts") || k.equals("custody") || k.equals("signature")) {
                    return;
                }
                m.set(m.has(k) ? "node_" + k : k, e.getValue());
            });
        }
        m.set("artifacts", Json.mapper().valueToTree(artifacts));
        m.set("custody", Json.mapper().valueToTree(custody));
        return m;
    }

    /** Signs {@code m} in place and returns the bytes to store (indented JSON, newline-terminated). */
    public static byte[] sign(ObjectNode m, Signer signer) {
        m.remove("signature");
        byte[] sig = signer.sign(CanonicalJson.signedBytes(m));
        ObjectNode s = m.putObject("signature");
        s.put("alg", signer.algorithm());
        s.put("key_id", signer.keyId());
        s.put("public_key", "keys/" + signer.keyId() + ".pub");
        if (signer.kmsKey() != null) {
            s.put("kms_key", signer.kmsKey());
        }
        s.put("value", Base64.getEncoder().encodeToString(sig));
        try {
            return (Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<Artifact> artifacts(JsonNode part) {
        ArrayNode a = part.has("artifacts") && part.get("artifacts").isArray() ? (ArrayNode) part.get("artifacts") : Json.mapper().createArrayNode();
        List<Artifact> out = new java.util.ArrayList<>();
        for (JsonNode n : a) {
            out.add(new Artifact(n.path("name").asText(null), n.path("size").asLong(-1), n.path("sha256").asText(null),
                    n.path("producer").asText(null), n.path("captured_at").asText(null), n.path("content_type").asText(null),
                    n.path("written_by").asText(null), n.path("written_at").asText(null)));
        }
        return out;
    }

    public static List<Custody> custody(JsonNode part) {
        List<Custody> out = new java.util.ArrayList<>();
        for (JsonNode n : part.path("custody")) {
            out.add(new Custody(n.path("who").asText(null), n.path("what").asText(null), n.path("when").asText(null)));
        }
        return out;
    }
}
