package io.bulwark.functions.respond.act.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code siem.ocsf}: the event (an incident from triage, or an alert) as an OCSF 1.1 Detection Finding
 * (class_uid 2004, category_uid 2, activity Create: type_uid 200401) to {@code destination}: {@code file:PATH}
 * (appended as a JSON line), {@code s3://BUCKET/PREFIX} (one object per export,
 * {@code PREFIX/yyyy/mm/dd/<finding uid>.jsonl}, written with If-None-Match: never overwritten) or an
 * {@code https://} URL (POST; {@code http://} only to 127.0.0.1 for tests). An incident's alerts are its
 * {@code finding_info.related_events}.
 */
public final class OcsfExecutor implements ActionExecutor {
    private final S3Client s3;

    /** @param s3 for s3:// destinations (null: refused) */
    public OcsfExecutor(S3Client s3) {
        this.s3 = s3;
    }

    @Override
    public String action() {
        return "siem.ocsf";
    }

    static int severityId(JsonNode d) {
        return switch (d.path("priority").asText("")) {
            case "EMERGENCY", "ALERT" -> 5;
            case "CRITICAL" -> 5;
            case "ERROR" -> 4;
            case "WARNING" -> 3;
            case "NOTICE" -> 2;
            case "INFORMATIONAL", "INFO", "DEBUG" -> 1;
            default -> 0;
        };
    }

    static long millis(String iso, Instant dflt) {
        try {
            return iso == null || iso.isBlank() ? dflt.toEpochMilli() : Instant.parse(iso).toEpochMilli();
        } catch (RuntimeException e) {
            return dflt.toEpochMilli();
        }
    }

    /** The Detection Finding for the request's event. */
    public static ObjectNode finding(ActionRequest r) {
        JsonNode e = r.event();
        JsonNode d = e.path("detail");
        boolean incident = "bulwark.triage".equals(e.path("source").asText());
        ObjectNode f = Json.mapper().createObjectNode();
        f.put("class_uid", 2004);
        f.put("class_name", "Detection Finding");
        f.put("category_uid", 2);
        f.put("category_name", "Findings");
        f.put("activity_id", 1);
        f.put("activity_name", "Create");
        f.put("type_uid", 200401);
        f.put("type_name", "Detection Finding: Create");
        int sev = severityId(d);
        f.put("severity_id", sev);
        f.put("severity", switch (sev) { case 5 -> "Critical"; case 4 -> "High"; case 3 -> "Medium"; case 2 -> "Low"; case 1 -> "Informational"; default -> "Unknown"; });
        f.put("status_id", 1);
        f.put("status", "New");
        f.put("time", millis(e.path("time").asText(null), r.requestedAt()));
        f.put("message", Summary.title(r));
        ObjectNode meta = f.putObject("metadata");
        meta.put("version", "1.1.0");
        meta.put("uid", e.path("id").asText());
        meta.putObject("product").put("name", "Bulwark").put("vendor_name", "Bulwark").put("feature", incident ? "triage" : "sensor");
        ObjectNode info = f.putObject("finding_info");
        info.put("uid", incident ? r.incident() : e.path("id").asText());
        info.put("title", Summary.title(r));
        info.put("desc", d.path("output").asText(Summary.text(r)));
        ArrayNode types = info.putArray("types");
        types.add(incident ? "Incident" : "Alert");
        if (d.path("vector").isTextual()) types.add(d.path("vector").asText());
        d.path("vectors").forEach(v -> types.add(v.asText()));
        info.put("first_seen_time", millis(d.path("first_seen").asText(e.path("time").asText(null)), r.requestedAt()));
        info.put("last_seen_time", millis(d.path("last_seen").asText(e.path("time").asText(null)), r.requestedAt()));
        String rule = d.path("rule").asText(d.path("rules").path(0).asText(""));
        if (!rule.isEmpty()) info.putObject("analytic").put("name", rule).put("type_id", 1).put("type", "Rule");
        ArrayNode attacks = info.putArray("attacks");
        JsonNode mitre = d.path("mitre");
        if (mitre.isArray()) mitre.forEach(t -> attacks.addObject().putObject("technique").put("uid", t.asText()));
        ArrayNode related = info.putArray("related_events");
        d.path("alert_ids").forEach(a -> related.addObject().put("uid", a.asText()));
        ArrayNode res = f.putArray("resources");
        if (d.path("container").path("id").isTextual()) {
            res.addObject().put("type", "Container").put("uid", d.path("container").path("id").asText())
                    .put("name", d.path("container").path("name").asText(null));
        }
        if (d.path("k8s").path("pod").isTextual()) {
            res.addObject().put("type", "Kubernetes Pod").put("name", d.path("k8s").path("pod").asText())
                    .put("namespace", d.path("k8s").path("namespace").asText(null));
        }
        if (d.path("node").path("hostname").isTextual()) {
            ObjectNode dev = f.putObject("device");
            dev.put("hostname", d.path("node").path("hostname").asText());
            if (d.path("node").path("instance_id").isTextual()) dev.put("instance_uid", d.path("node").path("instance_id").asText());
            dev.put("type_id", 6);
            dev.put("type", "Virtual");
        }
        f.set("unmapped", Json.mapper().createObjectNode().put("incident", r.incident()).put("source", e.path("source").asText())
                .put("detail_type", e.path("detail-type").asText()));
        return f;
    }

    @Override
    public ActionResult execute(ActionRequest r) throws Exception {
        String dest = Params.string(r, "destination");
        if (dest == null) dest = "file:var/siem/ocsf.jsonl";
        ObjectNode f = finding(r);
        String line = Json.mapper().writeValueAsString(f) + "\n";
        String uid = StableId.of("ocsf", r.idempotencyKey(), r.event().path("id").asText());
        if (dest.startsWith("file:")) {
            Path p = Path.of(dest.substring(5));
            if (p.getParent() != null) Files.createDirectories(p.getParent());
            Files.writeString(p, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            return ActionResult.done("OCSF Detection Finding appended to " + p, Map.of("destination", dest));
        }
        if (dest.startsWith("s3://")) {
            if (s3 == null) return ActionResult.failed("s3 destination " + dest + " but no S3 client configured");
            String rest = dest.substring(5);
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
            String key = (prefix.isEmpty() ? "" : prefix + "/") + DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC).format(r.requestedAt())
                    + "/" + uid + ".jsonl";
            try {
                s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/x-ndjson").ifNoneMatch("*").build(),
                        RequestBody.fromString(line, StandardCharsets.UTF_8));
            } catch (S3Exception x) {
                if (x.statusCode() != 412) throw x;
                return ActionResult.skipped("s3://" + bucket + "/" + key + " exists: exported before");
            }
            return ActionResult.done("OCSF Detection Finding written to s3://" + bucket + "/" + key, Map.of("destination", "s3://" + bucket + "/" + key));
        }
        if (dest.startsWith("https://") || dest.startsWith("http://127.0.0.1") || dest.startsWith("http://localhost")) {
            var a = HttpPost.json(dest, line.trim());
            if (a.status() / 100 != 2) return ActionResult.failed("SIEM webhook answered HTTP " + a.status() + ": " + HttpPost.clip(a.body()));
            return ActionResult.done("OCSF Detection Finding posted to " + java.net.URI.create(dest).getHost(), Map.of("destination", java.net.URI.create(dest).getHost()));
        }
        return ActionResult.failed("destination " + dest + " is not file:PATH, s3://BUCKET/PREFIX or https://URL");
    }
}
