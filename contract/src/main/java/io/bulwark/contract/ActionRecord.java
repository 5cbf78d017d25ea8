package io.bulwark.contract;

import java.util.Map;

/**
 * What a node action did (or would have done, or refused): the audit record every action writes,
 * kept on the node ({@code <commands>/actions.jsonl}) and sent in a {@link ActionEnvelope}
 * ({@code detail-type: Bulwark Action}). See {@code schemas/action.schema.json} and docs/response.md.
 *
 * @param id          stable id of this record (same facts, same id)
 * @param time        ISO-8601 time the action finished
 * @param action      freeze, thaw, kill or stop
 * @param result      done, dry-run (nothing was changed; {@code reason} says what would have been),
 *                    refused (a guardrail held; {@code reason} says which), failed ({@code reason}), or requested
 *                    (a freeze was written but the kernel had not confirmed it within the fast path's budget: a
 *                    second record with the same alert or command, {@code params.confirms} = this record's id, says
 *                    done or failed once it is known)
 * @param reason      why it was refused or failed, or what a dry run would have done; null when done
 * @param target      what it acted on
 * @param params      the action's parameters and what it found (cgroup mechanism, signal …)
 * @param incident    the incident it belongs to, null when none
 * @param alertId     the alert that triggered it (fast path), null for commands
 * @param commandId   the command that asked for it (command channel), null for the fast path
 * @param trigger     fast-path or command
 * @param requestedBy who asked: the playbook ({@code playbook:default}) or the command's requested_by
 * @param actor       who acted: {@code bulwark-sensor@<hostname>}
 * @param node        the node
 * @param dryRun      true when the sensor runs in dry-run mode
 * @param durationMs  time the action took, in milliseconds
 */
public record ActionRecord(
        String id, String time, String action, String result, String reason, Target target,
        Map<String, Object> params, String incident, String alertId, String commandId, String trigger,
        String requestedBy, String actor, AlertDetail.Node node, boolean dryRun, double durationMs) {

    public static final String DONE = "done";
    public static final String DRY_RUN = "dry-run";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";
    public static final String REQUESTED = "requested";

    /**
     * An action's target. A container by id (and the namespace/pod it belongs to, when known); a
     * process by host pid and its start time (clock ticks after boot, field 22 of /proc/PID/stat),
     * so that a recycled pid is never hit; the cgroup the action used.
     */
    public record Target(String container, Integer pid, Long startTime, String namespace, String pod, String cgroup) {}
}
