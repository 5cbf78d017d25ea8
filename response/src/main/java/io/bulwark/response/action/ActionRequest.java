package io.bulwark.response.action;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/**
 * What an executor is asked to do.
 *
 * @param action         the action name ({@code node.freeze})
 * @param params         the step's parameters with the catalogue's defaults filled in (secret references, never secrets)
 * @param target         the target read from the event ({@code container/abc}, {@code pod/ns/name}); null when the event names none
 * @param event          the whole event (the alert envelope: source, detail-type, detail)
 * @param incident       the incident id ({@code detail.sensor.incident}, else the event's own id)
 * @param playbook       the playbook's name
 * @param step           the step's id
 * @param idempotencyKey {@code incident/playbook/step}: executors that call APIs with client tokens use it
 * @param requestedAt    the responder's clock at the request
 */
public record ActionRequest(String action, Map<String, Object> params, String target, JsonNode event, String incident,
        String playbook, String step, String idempotencyKey, Instant requestedAt) {

    public ActionRequest {
        params = Map.copyOf(params);
    }

    /** A parameter's value (with its default), or null. */
    public Object param(String name) {
        return params.get(name);
    }
}
