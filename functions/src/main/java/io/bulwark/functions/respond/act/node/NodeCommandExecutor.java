package io.bulwark.functions.respond.act.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The respond side of a {@code node.*} action: a command to the node's sensor through the node command channel
 * (the sensor does the act, with its own guardrails, and reports an action record). The command is the sensor's
 * command-spool format ({@code io.bulwark.sensor.act.NodeCommand}) with the target node added:
 * <pre>{"id", "incident", "action": freeze|thaw|kill|stop, "node": HOSTNAME,
 *  "target": {"container", "pid", "start_time", "namespace", "pod"}, "requested_by", "issued_at", "params"}</pre>
 * The command id is derived from the idempotency key, so a re-sent command is the same command (the spool runs
 * an id once). The command goes to the queue keyed by the alert's {@code detail.node.command_key} when it has one
 * (EKS Pod Identity: the sensor pod's name, the only node queue that pod's role may read), else by the hostname.
 */
public abstract class NodeCommandExecutor implements ActionExecutor {
    private final CommandChannel channel;
    private final String principal;
    private volatile java.util.function.Function<String, Address> nodeOfIncident = i -> null;

    /** Where a node's commands go: the hostname the sensor checks, and the key of its command queue. */
    public record Address(String node, String queueKey) {
        public Address {
            if (queueKey == null || queueKey.isBlank()) queueKey = node;
        }
    }

    protected NodeCommandExecutor(CommandChannel channel, String principal) {
        this.channel = channel;
        this.principal = principal;
    }

    /**
     * Where the node comes from when the request has no event (a release: {@code node.thaw} as the undo of
     * {@code node.freeze}): the node an earlier command of the incident went to.
     */
    public NodeCommandExecutor nodeOfIncident(java.util.function.Function<String, Address> f) {
        this.nodeOfIncident = f;
        return this;
    }

    /** The spool's verb: freeze, thaw, kill, stop. */
    protected abstract String verb();

    /** True when the command needs the process (pid and start time), as kill does. */
    protected boolean needsProcess() {
        return false;
    }

    @Override
    public ActionResult execute(ActionRequest r) throws Exception {
        String container = containerOf(r);
        JsonNode d = r.event().path("detail");
        String node = text(d.path("node").path("hostname"));
        Address address = node != null ? new Address(node, text(d.path("node").path("command_key"))) : nodeOfIncident.apply(r.incident());
        if (address == null || address.node() == null) {
            return ActionResult.skipped("no node in the event (detail.node.hostname): nowhere to send " + verb());
        }
        node = address.node();
        if (container == null && !needsProcess()) return ActionResult.skipped("no container in the event: nothing to " + verb());
        ObjectNode target = Json.mapper().createObjectNode();
        target.put("container", container);
        JsonNode proc = d.path("process");
        Integer pid = proc.path("pid").isIntegralNumber() ? proc.path("pid").asInt() : null;
        Long start = proc.path("start_time").isIntegralNumber() ? proc.path("start_time").asLong() : null;
        if (needsProcess() && (pid == null || start == null)) {
            return ActionResult.skipped("the event has no detail.process.pid and start_time: a kill needs both (a recycled pid is never hit)");
        }
        if (pid != null) target.put("pid", pid);
        if (start != null) target.put("start_time", start);
        String ns = text(d.path("k8s").path("namespace"));
        String pod = text(d.path("k8s").path("pod"));
        if (ns != null) target.put("namespace", ns);
        if (pod != null) target.put("pod", pod);
        String id = "respond-" + verb() + "-" + StableId.of("node-command", r.idempotencyKey());
        ObjectNode cmd = Json.mapper().createObjectNode();
        cmd.put("id", id);
        cmd.put("incident", r.incident());
        cmd.put("action", verb());
        cmd.put("node", node);
        cmd.set("target", target);
        cmd.put("requested_by", principal + " (" + r.playbook() + "/" + r.step() + ")");
        cmd.put("issued_at", r.requestedAt().toString());
        cmd.set("params", Json.mapper().valueToTree(r.params()));
        String where = channel.send(node, address.queueKey(), id, Json.line(cmd));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("command_id", id);
        details.put("node", node);
        if (!address.queueKey().equals(node)) details.put("command_key", address.queueKey());
        if (container != null) details.put("container", container);
        details.put("sent_to", where);
        return ActionResult.done(verb() + " command " + id + " sent to node " + node + " (" + where + "); the sensor reports the result", details);
    }

    static String containerOf(ActionRequest r) {
        if (r.target() != null && r.target().startsWith("container/")) return r.target().substring("container/".length());
        return text(r.event().path("detail").path("container").path("id"));
    }

    static String text(JsonNode n) {
        return n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }
}
