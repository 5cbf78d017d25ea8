package io.bulwark.functions.respond.act.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.response.action.ActionRequest;
import java.util.ArrayList;
import java.util.List;

/** The one-screen summary every notification sends: incident, what fired, where, how bad, what was done, where the evidence is. */
public final class Summary {
    private Summary() {}

    public static String title(ActionRequest r) {
        JsonNode d = r.event().path("detail");
        String what = first(d.path("rule"), d.path("rules").path(0), d.path("vector"), d.path("vectors").path(0));
        String prio = first(d.path("priority"));
        String where = where(d);
        return "Bulwark " + (prio == null ? "" : prio + " ") + "incident " + r.incident() + (what == null ? "" : ": " + what)
                + (where.isEmpty() ? "" : " on " + where);
    }

    static String where(JsonNode d) {
        List<String> w = new ArrayList<>();
        String pod = first(d.path("k8s").path("pod"));
        if (pod != null) w.add("pod " + first(d.path("k8s").path("namespace")) + "/" + pod);
        String c = first(d.path("container").path("name"), d.path("container").path("id"));
        if (c != null && pod == null) w.add("container " + c);
        String node = first(d.path("node").path("hostname"));
        if (node != null) w.add("node " + node);
        return String.join(", ", w);
    }

    public static String text(ActionRequest r) {
        JsonNode d = r.event().path("detail");
        StringBuilder b = new StringBuilder(title(r)).append('\n');
        line(b, "event", r.event().path("source").asText() + " / " + r.event().path("detail-type").asText() + " " + r.event().path("id").asText());
        line(b, "severity", first(d.path("severity").path("label"), d.path("priority")));
        line(b, "output", first(d.path("output")));
        line(b, "vectors", join(d.path("vectors")));
        line(b, "mitre", join(d.path("mitre")));
        line(b, "sensor action", first(d.path("sensor").path("action")));
        line(b, "image", first(d.path("container").path("image")));
        line(b, "instance", first(d.path("node").path("instance_id")));
        line(b, "evidence", first(d.path("evidence").path("prefix")));
        line(b, "playbook", r.playbook() + "/" + r.step());
        return b.toString();
    }

    private static void line(StringBuilder b, String k, String v) {
        if (v != null && !v.isBlank()) b.append(k).append(": ").append(v).append('\n');
    }

    private static String join(JsonNode a) {
        if (!a.isArray() || a.isEmpty()) return null;
        List<String> s = new ArrayList<>();
        a.forEach(x -> s.add(x.asText()));
        return String.join(", ", s);
    }

    static String first(JsonNode... ns) {
        for (JsonNode n : ns) if (n != null && n.isTextual() && !n.asText().isBlank()) return n.asText();
        return null;
    }
}
