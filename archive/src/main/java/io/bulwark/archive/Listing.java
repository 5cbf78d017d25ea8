package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Incident;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The incidents `bulwark archive list` finds beside the index lines (which only node evidence
 * writes): archived incidents without an index line (opened by the snapshot function, or a node
 * upload that stopped before its index line), and incidents triage filed whose evidence was never
 * archived (host incidents, alerts the node did not capture). Each row has the index line's fields
 * plus {@code evidence}: node, snapshot, archived (another producer) or none.
 */
public final class Listing {
    private Listing() {}

    /** Archived incidents (incidents/yyyy/mm/dd/ID/manifest.json) on or after {@code fromDay} whose id is not in {@code seen}. */
    public static List<JsonNode> unindexed(Store store, String fromDay, Set<String> seen) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Store.Entry e : store.list("incidents/")) {
            String[] p = e.key().split("/");
            if (p.length != 6 || !p[5].equals("manifest.json") || seen.contains(p[4])) {
                continue;
            }
            if ((p[1] + "-" + p[2] + "-" + p[3]).compareTo(fromDay) < 0) {
                continue;
            }
            String prefix = e.key().substring(0, e.key().length() - "manifest.json".length());
            byte[] b = store.read(e.key());
            JsonNode m = Incidents.parse(b);
            if (m == null) {
                // a changed or broken manifest: listed so that verify gets run on it, not hidden
                ObjectNode s = Json.mapper().createObjectNode();
                s.put("id", p[4]);
                s.putNull("time");
                s.put("prefix", prefix);
                s.put("evidence", "archived");
                s.put("problem", "manifest.json is not JSON (bulwark archive verify " + p[4] + ")");
                out.add(s);
                continue;
            }
            out.add(Summary.of(m, Hashes.hex(b), Ingest.readJson(store, prefix + "alert.json"), Ingest.readJson(store, prefix + "container.json")));
        }
        return out;
    }

    /** Triage's incident records (STATE/incidents/ID.json) whose id is not in {@code seen}: no archived evidence. */
    public static List<JsonNode> triaged(Store store, String statePrefix, Set<String> seen) throws IOException {
        String base = statePrefix.replaceAll("^/+|/+$", "");
        List<JsonNode> out = new ArrayList<>();
        for (Store.Entry e : store.list((base.isEmpty() ? "" : base + "/") + "incidents/")) {
            if (!e.key().endsWith(".json")) {
                continue;
            }
            Incident inc;
            try {
                inc = Json.parse(new String(store.read(e.key()), StandardCharsets.UTF_8), Incident.class);
            } catch (RuntimeException ex) {
                continue; // not an incident record
            }
            if (inc == null || inc.id() == null || seen.contains(inc.id())) {
                continue;
            }
            out.add(of(inc));
        }
        return out;
    }

    /** An index-line-shaped row for a triage incident. */
    static ObjectNode of(Incident inc) {
        ObjectNode s = Json.mapper().createObjectNode();
        s.put("id", inc.id());
        s.put("time", inc.firstSeen());
        String vector = inc.rootCause() != null && inc.rootCause().vector() != null ? inc.rootCause().vector()
                : inc.vectors() == null || inc.vectors().isEmpty() ? null : inc.vectors().get(0);
        s.put("vector", vector);
        s.set("vectors", Json.mapper().valueToTree(inc.vectors() == null ? List.of() : inc.vectors()));
        s.put("priority", inc.priority());
        if (inc.severity() != null) {
            s.put("severity", inc.severity().score());
        } else {
            s.putNull("severity");
        }
        s.put("rule", inc.rules() == null || inc.rules().isEmpty() ? null : inc.rules().get(0));
        s.put("action", inc.actions() == null || inc.actions().isEmpty() ? null : inc.actions().get(inc.actions().size() - 1).action());
        if (inc.container() != null) {
            ObjectNode c = s.putObject("container");
            c.put("id", inc.container().id());
            c.put("name", inc.container().name());
            c.put("image", inc.container().image());
            c.put("runtime", inc.container().runtime());
            c.put("privileged", inc.rootCause() != null && Boolean.TRUE.equals(inc.rootCause().privileged()));
        } else {
            s.putNull("container");
        }
        s.set("k8s", inc.k8s() == null ? null : Json.mapper().valueToTree(inc.k8s()));
        s.put("node", inc.node() == null ? null : inc.node().hostname());
        s.put("cluster", inc.node() == null ? null : inc.node().cluster());
        s.put("alerts", inc.count());
        s.put("artifacts", 0);
        s.put("prefix", inc.evidence() == null ? null : inc.evidence().prefix());
        s.putNull("manifest_sha256");
        s.put("status", inc.status());
        s.put("evidence", "none");
        return s;
    }
}
