package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a responder reads about an incident, derived from the stored objects: the summary, the
 * root-cause answers (workflow 2: privileged? capabilities? runtime socket mounted? host namespaces?
 * which vector and technique? which process?), the process tree, the timeline, the actions taken, the
 * artifacts with hashes and the chain of custody. `show` prints it, `show --json` and `report` render it.
 */
public final class IncidentView {
    public final Incidents.Incident incident;
    public final ObjectNode summary;
    public final List<String[]> rootCause = new ArrayList<>();
    public final List<String> processTree = new ArrayList<>();
    public final JsonNode processTreeJson;
    public final List<JsonNode> timeline = new ArrayList<>();
    public final List<String[]> actions = new ArrayList<>();
    public final JsonNode alert;
    public final JsonNode container;

    private IncidentView(Incidents.Incident inc, JsonNode alert, JsonNode container, JsonNode tree, List<JsonNode> timeline, List<String[]> extraActions) {
        this.incident = inc;
        this.alert = alert;
        this.container = container;
        this.summary = Summary.of(inc.first() == null ? Json.mapper().createObjectNode() : inc.first(), inc.parts().get(0).sha256(), alert, container);
        this.processTreeJson = tree;
        this.timeline.addAll(timeline);
        rootCause(inc.first());
        renderTree(tree);
        actions(inc, extraActions);
    }

    public static IncidentView load(Store store, String prefix) throws IOException {
        Incidents.Incident inc = Incidents.load(store, prefix);
        JsonNode alert = inc.artifact("alert.json") == null ? null : Ingest.readJson(store, prefix + "alert.json");
        JsonNode container = inc.artifact("container.json") == null ? null : Ingest.readJson(store, prefix + "container.json");
        JsonNode tree = inc.artifact("process-tree.json") == null ? null : Ingest.readJson(store, prefix + "process-tree.json");
        List<JsonNode> tl = new ArrayList<>();
        if (inc.artifact("timeline.jsonl") != null) {
            for (String line : new String(store.read(prefix + "timeline.jsonl"), StandardCharsets.UTF_8).split("\n")) {
                JsonNode n = line.isBlank() ? null : Incidents.parse(line.getBytes(StandardCharsets.UTF_8));
                if (n != null) {
                    tl.add(n);
                }
            }
        }
        List<String[]> acts = new ArrayList<>();
        for (Manifest.Artifact a : inc.artifacts()) {
            String base = a.name().substring(a.name().lastIndexOf('/') + 1);
            if (base.startsWith("actions") && base.endsWith(".jsonl")) {
                for (String line : new String(store.read(prefix + a.name()), StandardCharsets.UTF_8).split("\n")) {
                    JsonNode n = line.isBlank() ? null : Incidents.parse(line.getBytes(StandardCharsets.UTF_8));
                    if (n != null) {
                        acts.add(new String[] {n.path("time").asText(n.path("when").asText("")), n.path("action").asText(n.path("what").asText("")),
                                n.path("result").asText(n.path("outcome").asText("")) + (n.hasNonNull("target") ? " on " + n.get("target").asText() : "")});
                    }
                }
            }
        }
        return new IncidentView(inc, alert, container, tree, tl, acts);
    }

    private static String list(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    private void rootCause(JsonNode manifest) {
        JsonNode a = alert != null ? alert : Summary.lead(manifest == null ? Json.mapper().createObjectNode() : manifest);
        JsonNode c = container != null ? container : manifest == null ? Json.mapper().missingNode() : manifest.path("container");
        String vectors = list(summary.path("vectors"));
        rootCause.add(new String[] {"Which escape vector?", vectors + (a.hasNonNull("rule") ? " (rule \"" + a.path("rule").asText() + "\")" : "")
                + (a.path("mitre").size() > 0 ? "; ATT&CK " + list(a.path("mitre")) : "")});
        if (c.isObject() && c.has("privileged")) {
            rootCause.add(new String[] {"Was the container privileged?", c.path("privileged").asBoolean() ? "yes (all capabilities, devices allowed)" : "no"});
        } else {
            rootCause.add(new String[] {"Was the container privileged?", "unknown (no container.json captured)"});
        }
        rootCause.add(new String[] {"Which capabilities were granted?", c.has("capabilities") ? list(c.path("capabilities")) : "unknown"});
        List<String> sockets = new ArrayList<>();
        for (JsonNode m : c.path("mounts")) {
            String s = m.path("source").asText("") + " " + m.path("destination").asText("");
            if (s.matches(".*(docker|containerd|crio|cri-dockerd|podman)\\.sock.*")) {
                sockets.add(m.path("source").asText() + " → " + m.path("destination").asText());
            }
        }
        rootCause.add(new String[] {"Was a container runtime socket mounted?", c.has("mounts") ? (sockets.isEmpty() ? "no" : "yes: " + String.join(", ", sockets))
                : "unknown"});
        rootCause.add(new String[] {"Host namespaces shared?", c.has("host_namespaces") ? list(c.path("host_namespaces")) : "unknown"});
        if (c.has("seccomp")) {
            rootCause.add(new String[] {"Seccomp, no_new_privs, user", (c.path("seccomp").asBoolean() ? "seccomp profile applied" : "no seccomp profile")
                    + ", no_new_privs " + (c.path("no_new_privileges").asBoolean() ? "set" : "not set") + ", uid " + c.path("user").asText("?")});
        }
        JsonNode p = a.path("process");
        if (p.isObject()) {
            rootCause.add(new String[] {"Which process?", "pid " + p.path("pid").asText("?") + " " + p.path("name").asText(p.path("comm").asText(""))
                    + " (" + p.path("exe").asText("") + ") " + p.path("cmdline").asText("")});
        }
        String action = a.path("sensor").path("action").asText(null);
        rootCause.add(new String[] {"What did the node do?", action == null ? "unknown" : action});
        if (manifest != null && manifest.path("root_cause").isObject()) {
            manifest.path("root_cause").fields().forEachRemaining(e -> rootCause.add(new String[] {e.getKey(), e.getValue().isTextual()
                    ? e.getValue().asText() : Json.line(e.getValue())}));
        }
    }

    private void renderTree(JsonNode tree) {
        if (tree == null) {
            return;
        }
        if (tree.path("processes").isArray()) {
            Map<Integer, JsonNode> byPid = new LinkedHashMap<>();
            tree.path("processes").forEach(n -> byPid.put(n.path("pid").asInt(), n));
            Map<Integer, List<Integer>> children = new LinkedHashMap<>();
            List<Integer> roots = new ArrayList<>();
            for (JsonNode n : byPid.values()) {
                int pp = n.path("ppid").asInt(-1);
                if (byPid.containsKey(pp) && pp != n.path("pid").asInt()) {
                    children.computeIfAbsent(pp, k -> new ArrayList<>()).add(n.path("pid").asInt());
                } else {
                    roots.add(n.path("pid").asInt());
                }
            }
            int offender = tree.path("offender").asInt(-1);
            for (int r : roots) {
                walk(r, 0, byPid, children, offender, new java.util.HashSet<>());
            }
        } else if (tree.has("pid")) {
            nested(tree, 0);
        }
    }

    private void walk(int pid, int depth, Map<Integer, JsonNode> byPid, Map<Integer, List<Integer>> children, int offender, java.util.Set<Integer> seen) {
        if (!seen.add(pid)) {
            return;
        }
        JsonNode n = byPid.get(pid);
        processTree.add("  ".repeat(depth) + line(n) + (pid == offender ? "   <== offender" : ""));
        for (int c : children.getOrDefault(pid, List.of())) {
            walk(c, depth + 1, byPid, children, offender, seen);
        }
    }

    private void nested(JsonNode n, int depth) {
        processTree.add("  ".repeat(depth) + line(n) + (n.path("offending").asBoolean() ? "   <== offender" : ""));
        n.path("children").forEach(c -> nested(c, depth + 1));
    }

    private static String line(JsonNode n) {
        String argv = n.path("argv").isArray() ? list(n.path("argv")).replace(", ", " ") : n.path("cmdline").asText("");
        String roles = n.path("roles").isArray() && n.path("roles").size() > 0 ? " [" + list(n.path("roles")) + "]" : "";
        String where = n.has("in_container") ? (n.path("in_container").asBoolean() ? " (container)" : " (host)") : "";
        return n.path("pid").asText("?") + " " + n.path("comm").asText("") + " " + n.path("exe").asText("") + " — " + argv + where + roles
                + (n.path("exited").asBoolean() ? " (exited)" : "");
    }

    /** One timeline entry as text: what happened, without the time. */
    public static String describe(JsonNode e) {
        if ("alert".equals(e.path("kind").asText())) {
            JsonNode a = e.path("alert");
            return "ALERT " + a.path("priority").asText("") + " " + a.path("rule").asText("") + ": " + e.path("output").asText("");
        }
        StringBuilder sb = new StringBuilder();
        sb.append(e.path("comm").asText(e.path("event").asText(""))).append('[').append(e.path("pid").asText("?")).append("] ");
        if (e.has("syscall")) {
            sb.append(e.path("syscall").asText()).append(e.path("args").isObject() ? Json.line(e.path("args")) : "").append(" = ").append(e.path("result").asText(""));
            if (e.path("errno").asInt(0) != 0) {
                sb.append(" (errno ").append(e.path("errno").asText()).append(')');
            }
        } else {
            sb.append(e.path("event").asText("")).append(' ').append(e.path("detail").asText(""));
        }
        if (e.path("count").asInt(1) > 1) {
            sb.append(" ×").append(e.path("count").asText());
        }
        return sb.toString();
    }

    private void actions(Incidents.Incident inc, List<String[]> extra) {
        JsonNode a = alert != null ? alert : Summary.lead(inc.first() == null ? Json.mapper().createObjectNode() : inc.first());
        if (a.path("sensor").hasNonNull("action")) {
            actions.add(new String[] {a.path("time").asText(""), "node: " + a.path("sensor").path("action").asText(), "by the sensor before the alert left the node"});
        }
        actions.addAll(extra);
        for (Manifest.Custody c : inc.custody()) {
            actions.add(new String[] {c.when(), "evidence: " + c.what(), c.who()});
        }
    }

    /** The `show --json` document. */
    public ObjectNode json() {
        ObjectNode o = summary.deepCopy();
        ArrayNode rc = o.putArray("root_cause");
        rootCause.forEach(r -> rc.addObject().put("question", r[0]).put("answer", r[1]));
        o.set("process_tree", processTreeJson);
        ArrayNode tl = o.putArray("timeline");
        timeline.forEach(tl::add);
        ArrayNode ac = o.putArray("actions");
        actions.forEach(x -> ac.addObject().put("time", x[0]).put("action", x[1]).put("detail", x[2]));
        ArrayNode ar = o.putArray("artifacts");
        for (Manifest.Artifact a : incident.artifacts()) {
            ar.add(Json.mapper().<JsonNode>valueToTree(a));
        }
        ArrayNode cu = o.putArray("custody");
        incident.custody().forEach(c -> cu.add(Json.mapper().<JsonNode>valueToTree(c)));
        ArrayNode parts = o.putArray("manifest_parts");
        incident.parts().forEach(p -> parts.addObject().put("key", p.key()).put("sha256", p.sha256())
                .put("signed_by", p.json() == null ? null : p.json().path("signature").path("key_id").asText(null)));
        o.put("accesses", incident.accessKeys().size());
        return o;
    }
}
