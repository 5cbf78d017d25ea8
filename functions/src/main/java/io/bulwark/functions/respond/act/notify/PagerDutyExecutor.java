package io.bulwark.functions.respond.act.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.Map;

/**
 * {@code notify.pagerduty}: an Events API v2 {@code trigger} to {@code /v2/enqueue} with {@code dedup_key} = the
 * incident id (PagerDuty folds every later trigger of the incident into one alert). PagerDuty answers 202.
 */
public final class PagerDutyExecutor implements ActionExecutor {
    public static final String ENDPOINT = "https://events.pagerduty.com/v2/enqueue";
    private final Secrets secrets;
    private final String endpoint;

    public PagerDutyExecutor(Secrets secrets, String endpoint) {
        this.secrets = secrets;
        this.endpoint = endpoint == null ? ENDPOINT : endpoint;
    }

    @Override
    public String action() {
        return "notify.pagerduty";
    }

    static String severity(String param, JsonNode d) {
        if (param != null && !param.equals("auto")) return param;
        String p = d.path("priority").asText("");
        return switch (p) {
            case "EMERGENCY", "ALERT", "CRITICAL" -> "critical";
            case "ERROR" -> "error";
            case "WARNING" -> "warning";
            default -> {
                String label = d.path("severity").path("label").asText("");
                yield label.equals("High") ? "critical" : label.equals("Medium") ? "error" : p.isEmpty() && label.isEmpty() ? "critical" : "info";
            }
        };
    }

    @Override
    public ActionResult execute(ActionRequest r) throws Exception {
        String key = secrets.resolve(Params.string(r, "routing_key"));
        JsonNode d = r.event().path("detail");
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("routing_key", key);
        body.put("event_action", "trigger");
        body.put("dedup_key", r.incident());
        ObjectNode payload = body.putObject("payload");
        String summary = Summary.title(r);
        payload.put("summary", summary.length() > 1024 ? summary.substring(0, 1024) : summary);
        payload.put("source", d.path("node").path("hostname").asText("bulwark"));
        payload.put("severity", severity(Params.string(r, "severity"), d));
        payload.put("timestamp", r.event().path("time").asText(r.requestedAt().toString()));
        payload.put("component", d.path("container").path("image").asText(d.path("container").path("id").asText("host")));
        payload.put("group", d.path("k8s").path("namespace").asText(d.path("node").path("cluster").asText("")));
        payload.put("class", d.path("vector").asText(d.path("vectors").path(0).asText("container-escape")));
        payload.set("custom_details", Json.mapper().createObjectNode().put("incident", r.incident()).put("text", Summary.text(r)));
        var a = HttpPost.json(endpoint, Json.mapper().writeValueAsString(body));
        if (a.status() != 202) return ActionResult.failed("PagerDuty answered HTTP " + a.status() + ": " + HttpPost.clip(a.body()));
        return ActionResult.done("PagerDuty alert triggered, dedup_key " + r.incident(), Map.of("dedup_key", r.incident()));
    }
}
