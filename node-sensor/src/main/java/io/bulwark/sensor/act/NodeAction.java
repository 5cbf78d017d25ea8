package io.bulwark.sensor.act;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.ContainerInfo;
import java.util.Map;

/**
 * One node-local action (freeze, thaw, kill, stop). {@link NodeActions} resolves the target, applies
 * the guardrails and writes the audit record; an action only acts, on a target the guardrails let
 * through, and says what it did.
 */
public interface NodeAction {
    /** freeze, thaw, kill or stop. */
    String name();

    /** True when the action needs a process (pid and start time); false when it needs a container. */
    default boolean targetsProcess() {
        return false;
    }

    /** Acts; returns what it found and did (for the audit record's params). Throws {@link Failed} with a short reason. */
    Map<String, Object> run(Context ctx) throws Failed;

    /** What it would do, for a dry run's record. */
    String wouldDo(Context ctx);

    /** The resolved target: the container (null when only a process was named), its cgroups, the request's parameters. */
    record Context(ActionRecord.Target target, ContainerInfo container, ContainerCgroup cgroup, Map<String, Object> params) {}

    /** An action that did not happen; the reason is a short token or phrase ({@code timeout}, {@code no-freezer}). */
    final class Failed extends Exception {
        public Failed(String reason) {
            super(reason);
        }
    }
}
