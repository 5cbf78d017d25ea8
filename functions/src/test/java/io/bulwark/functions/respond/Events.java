package io.bulwark.functions.respond;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.response.Playbook;
import io.bulwark.response.PlaybookLoader;
import java.util.List;

/** Incident events as triage publishes them (the fields the respond side reads), and inline playbooks. */
final class Events {
    private Events() {}

    static ObjectNode incident(String eventId, String incident, String namespace, String pod) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("version", "0");
        e.put("id", eventId);
        e.put("source", "bulwark.triage");
        e.put("detail-type", "Bulwark Incident");
        e.put("time", "2026-12-07T03:00:05Z");
        ObjectNode d = e.putObject("detail");
        d.put("id", incident);
        d.put("status", "open");
        d.put("first_seen", "2026-12-07T03:00:00Z");
        d.put("last_seen", "2026-12-07T03:00:04Z");
        d.put("priority", "CRITICAL");
        d.putArray("rules").add("Core Pattern Overwritten");
        d.putArray("vectors").add("core-pattern");
        d.putArray("mitre").add("T1611");
        d.putArray("alert_ids").add("alert-1").add("alert-2");
        d.putObject("node").put("hostname", "node-a").put("instance_id", "i-0123456789abcdef0");
        d.putObject("container").put("id", "c0ffee").put("name", "web").put("image", "shop/web:1.2");
        if (namespace != null) d.putObject("k8s").put("namespace", namespace).put("pod", pod);
        return e;
    }

    static String line(ObjectNode e) {
        return Json.line(e);
    }

    static List<Playbook> playbooks(String yaml) {
        return PlaybookLoader.standard().parse("test.yaml", yaml, n -> null).orThrow();
    }
}
