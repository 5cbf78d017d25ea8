package io.bulwark.functions.respond;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.response.MalformedEventException;
import io.bulwark.response.PlaybookRun;
import io.bulwark.response.Responder;
import io.bulwark.response.StepOutcome;
import io.bulwark.response.state.AuditRecord;
import io.bulwark.response.state.ResponseState;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * What the respond function does with one EventBridge event (docs/respond.md):
 * <ul>
 *   <li>{@code source: bulwark.approval}, {@code detail-type: Response Release}, {@code detail: {incident, principal}}:
 *       undoes every reversible step done for the incident (the function side of {@code ./bulwark release});</li>
 *   <li>{@code source: bulwark.approval}, {@code detail-type: Response Kill Switch},
 *       {@code detail: {engaged: true|false, reason, principal}}: engages or releases the kill switch;</li>
 *   <li>{@code source: bulwark.approval}, any other detail-type ({@code Response Approval}):
 *       {@code detail: {approval_id, decision, principal}} decides a pending approval and resumes its playbook;</li>
 *   <li>{@code source: aws.events} (the schedule): only approvals past their deadline are decided by their default;</li>
 *   <li>anything else (incidents from triage, critical alerts): every matching playbook runs.</li>
 * </ul>
 * Approvals past their deadline are settled first on every invocation. A malformed event is answered with
 * {@code rejected} (retrying cannot fix it) and written to the log; a failing store throws (EventBridge retries).
 */
public final class RespondService {
    private static final Logger LOG = Logger.getLogger(RespondService.class);
    public static final String RELEASE_DETAIL_TYPE = "Response Release";
    public static final String KILL_SWITCH_DETAIL_TYPE = "Response Kill Switch";

    private final Responder responder;
    private final ResponseState state;
    private final List<String> notes;

    public RespondService(Responder responder, ResponseState state, List<String> notes) {
        this.responder = responder;
        this.state = state;
        this.notes = List.copyOf(notes);
    }

    public Responder responder() {
        return responder;
    }

    public ResponseState state() {
        return state;
    }

    /** What the executors can do here (one line per family), logged at start. */
    public List<String> notes() {
        return notes;
    }

    /** Handles one event; the answer is the function's output (JSON). */
    public ObjectNode handle(String eventJson) {
        ObjectNode out = Json.mapper().createObjectNode();
        JsonNode event;
        try {
            event = Responder.parseEvent(eventJson);
        } catch (MalformedEventException e) {
            LOG.errorf("rejected event: %s", e.getMessage());
            out.put("rejected", e.getMessage());
            return out;
        }
        out.put("event_id", event.path("id").asText());
        List<PlaybookRun> expired = responder.expireApprovals();
        if (!expired.isEmpty()) out.set("expired_approvals", runs(expired));
        String source = event.path("source").asText();
        String type = event.path("detail-type").asText();
        JsonNode d = event.path("detail");
        try {
            if (Responder.APPROVAL_SOURCE.equals(source) && RELEASE_DETAIL_TYPE.equals(type)) {
                String incident = required(d, "incident", event);
                String by = required(d, "principal", event);
                List<StepOutcome> undone = responder.release(incident, by);
                out.put("incident", incident);
                out.set("released", steps(undone));
                LOG.infof("release of incident %s by %s: %d step(s)", incident, by, undone.size());
                return out;
            }
            if (Responder.APPROVAL_SOURCE.equals(source) && KILL_SWITCH_DETAIL_TYPE.equals(type)) {
                if (!d.path("engaged").isBoolean()) throw new MalformedEventException("kill switch event " + event.path("id").asText() + " has no boolean detail.engaged");
                String by = required(d, "principal", event);
                String reason = d.path("reason").asText("");
                state.setKillSwitch(d.path("engaged").asBoolean(), reason + " (by " + by + ")");
                state.audit(new AuditRecord(java.time.Instant.now().toString(), "-", event.path("id").asText(), "-", "kill-switch", by,
                        "control.kill-switch", null, Map.of(), false, d.path("engaged").asBoolean() ? "ENGAGED" : "RELEASED", reason, Map.of()));
                out.put("kill_switch", d.path("engaged").asBoolean());
                LOG.warnf("kill switch %s by %s: %s", d.path("engaged").asBoolean() ? "ENGAGED" : "released", by, reason);
                return out;
            }
            if ("aws.events".equals(source)) {
                out.put("scheduled", true);
                return out;
            }
            Responder.EventResult r = responder.handle(event);
            out.put("incident", r.incident());
            out.set("runs", runs(r.runs()));
            for (PlaybookRun run : r.runs()) {
                for (StepOutcome s : run.steps()) {
                    if (s.status() != io.bulwark.response.StepStatus.OTHER_PART) {
                        LOG.infof("incident %s playbook %s step %s %s: %s %s", r.incident(), run.playbook(), s.step(), s.action(), s.status(), s.message());
                    }
                }
            }
            return out;
        } catch (MalformedEventException e) {
            LOG.errorf("rejected event %s: %s", event.path("id").asText(), e.getMessage());
            out.put("rejected", e.getMessage());
            return out;
        }
    }

    private static String required(JsonNode d, String field, JsonNode event) {
        String v = d.path(field).asText("");
        if (v.isBlank()) {
            throw new MalformedEventException(event.path("detail-type").asText() + " event " + event.path("id").asText() + " has no detail." + field);
        }
        return v;
    }

    static ArrayNode runs(List<PlaybookRun> runs) {
        ArrayNode a = Json.mapper().createArrayNode();
        for (PlaybookRun r : runs) {
            ObjectNode o = a.addObject();
            o.put("playbook", r.playbook());
            o.put("incident", r.incident());
            o.put("status", r.status().name());
            if (r.approvalId() != null) o.put("approval_id", r.approvalId());
            o.set("steps", steps(r.steps()));
        }
        return a;
    }

    static ArrayNode steps(List<StepOutcome> steps) {
        ArrayNode a = Json.mapper().createArrayNode();
        for (StepOutcome s : steps) {
            ObjectNode o = a.addObject();
            o.put("step", s.step());
            o.put("action", s.action());
            o.put("status", s.status().name());
            o.put("target", s.target());
            o.put("dry_run", s.dryRun());
            o.put("message", s.message());
        }
        return a;
    }

    /**
     * The node an incident's earlier node command went to (from the audit log), with the key of the queue it went to,
     * for releasing it.
     */
    public static io.bulwark.functions.respond.act.node.NodeCommandExecutor.Address nodeOf(ResponseState state, String incident) {
        List<AuditRecord> log = state.auditLog();
        for (int i = log.size() - 1; i >= 0; i--) {
            AuditRecord a = log.get(i);
            if (incident.equals(a.incident()) && a.details() != null && a.details().get("node") != null && a.action().startsWith("node.")) {
                Object key = a.details().get("command_key");
                return new io.bulwark.functions.respond.act.node.NodeCommandExecutor.Address(String.valueOf(a.details().get("node")),
                        key == null ? null : String.valueOf(key));
            }
        }
        return null;
    }
}
