package io.bulwark.sensor.act;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.Json;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One command of the node command channel, a JSON file in the command spool:
 * <pre>{"id": "c-1", "incident": "…", "action": "freeze|thaw|kill|stop",
 *  "target": {"container": "…", "pid": 123, "start_time": 4567}, "requested_by": "…", "issued_at": "…"}</pre>
 * The id names the result file ({@code done/<id>.json}), so it is limited to letters, digits, '.', '_' and '-'.
 * An optional {@code "node"} (the respond function adds it) must be this node's host name.
 */
public record NodeCommand(String id, String incident, String action, ActionRecord.Target target, String requestedBy, String issuedAt,
                          String node) {
    public static final Set<String> ACTIONS = Set.of("freeze", "thaw", "kill", "stop");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** A command that cannot be run; the message is "FILE[:LINE]: reason". */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Parses and checks one command file's text; {@code hostname} is this node's (null: not checked). */
    public static NodeCommand parse(String file, String json, String hostname) throws Invalid {
        JsonNode n;
        try {
            n = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new Invalid(file + ":" + e.getLocation().getLineNr() + ": not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new Invalid(file + ": a command is a JSON object");
        }
        NodeCommand c;
        try {
            c = Json.mapper().treeToValue(n, NodeCommand.class);
        } catch (JsonProcessingException e) {
            throw new Invalid(file + ":" + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
        }
        if (c.id() == null || !ID.matcher(c.id()).matches()) {
            throw new Invalid(file + ": 'id' must be 1-128 of [A-Za-z0-9._-] starting with a letter or digit (got " + n.path("id") + ")");
        }
        if (hostname != null && c.node() != null && !c.node().isBlank() && !c.node().equals(hostname)) {
            throw new Invalid(file + ": a command for node '" + c.node() + "'; this node is '" + hostname + "'");
        }
        if (c.action() == null || !ACTIONS.contains(c.action())) {
            throw new Invalid(file + ": 'action' must be one of freeze, thaw, kill, stop (got " + n.path("action") + ")");
        }
        if (c.target() == null) {
            throw new Invalid(file + ": 'target' is required: {container, pid, start_time}");
        }
        if (c.action().equals("kill") && (c.target().pid() == null || c.target().startTime() == null)) {
            throw new Invalid(file + ": a kill needs target.pid and target.start_time (field 22 of /proc/PID/stat), so a recycled pid is never hit");
        }
        if (!c.action().equals("kill") && (c.target().container() == null || c.target().container().isBlank())) {
            throw new Invalid(file + ": a " + c.action() + " needs target.container");
        }
        return c;
    }
}
