package io.bulwark.functions.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.archive.Incidents;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What the snapshot function needs of a {@code Bulwark Incident} event (source {@code bulwark.triage}):
 * the incident id, its first alert's time (the archive's date), the node (hostname, EC2 instance id),
 * the pod (namespace, name), when triage gives it the archive prefix, and whether the node captured
 * evidence (a sensor action other than "none" in {@code detail.actions}: the fast path captures before it
 * acts, and the shipper uploads that evidence as part 1). Read from the envelope's
 * {@code detail} in the contract's snake_case (io.bulwark.contract.Incident).
 */
public record IncidentRef(String id, Instant firstSeen, String hostname, String instanceId, String namespace, String pod, String prefix,
        boolean nodeEvidenceExpected) {

    /** The event is not an incident the function can act on; the message names the field. */
    public static final class BadEventException extends IllegalArgumentException {
        public BadEventException(String message) {
            super(message);
        }
    }

    public static IncidentRef of(JsonNode envelope) {
        if (envelope == null || !envelope.isObject()) {
            throw new BadEventException("event: not a JSON object");
        }
        JsonNode d = envelope.path("detail");
        if (!d.isObject()) {
            throw new BadEventException("event: no 'detail' object (expected a 'Bulwark Incident' event from bulwark.triage)");
        }
        String source = envelope.path("source").asText("");
        String type = envelope.path("detail-type").asText("");
        if (!source.isEmpty() && !"bulwark.triage".equals(source) || !type.isEmpty() && !"Bulwark Incident".equals(type)) {
            throw new BadEventException("event: source '" + source + "', detail-type '" + type + "': the snapshot function takes 'Bulwark Incident' events "
                    + "from bulwark.triage");
        }
        String id = text(d, "id");
        if (id == null || id.isBlank() || id.contains("/") || id.contains("..")) {
            throw new BadEventException("detail.id: " + (id == null ? "missing" : "bad incident id '" + id + "'"));
        }
        String first = text(d, "first_seen");
        if (first == null) {
            first = text(envelope, "time");
        }
        if (first == null) {
            throw new BadEventException("detail.first_seen: missing (the archive's date of incident " + id + ")");
        }
        Instant firstSeen;
        try {
            firstSeen = Instant.parse(first);
        } catch (DateTimeParseException e) {
            throw new BadEventException("detail.first_seen: '" + first + "' is not an ISO-8601 UTC time");
        }
        JsonNode node = d.path("node");
        JsonNode k8s = d.path("k8s");
        // where triage says the evidence lies (fixed at the incident's first version), else the archive's own rule
        String prefix = Incidents.prefix(id, firstSeen);
        String given = text(d.path("evidence"), "prefix");
        if (given != null) {
            if (!given.matches("incidents/\\d{4}/\\d{2}/\\d{2}/[A-Za-z0-9._-]+/")) {
                throw new BadEventException("detail.evidence.prefix: '" + given + "' is not an incident prefix (incidents/yyyy/mm/dd/ID/)");
            }
            prefix = given;
        }
        boolean expected = false;
        for (JsonNode a : d.path("actions")) {
            String by = a.path("by").asText("");
            String act = a.path("action").asText("none");
            expected |= by.startsWith("sensor:") && !act.isBlank() && !act.equals("none");
        }
        return new IncidentRef(id, firstSeen, text(node, "hostname"), text(node, "instance_id"), text(k8s, "namespace"), text(k8s, "pod"), prefix,
                expected);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }
}
