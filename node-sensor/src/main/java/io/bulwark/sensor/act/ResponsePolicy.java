package io.bulwark.sensor.act;

import io.bulwark.contract.AlertEnvelope;
import io.bulwark.response.Guardrails;
import java.util.List;

/**
 * Which node-local steps (node.evidence, node.freeze, node.kill, node.stop) an alert's playbook asks
 * for, in order. The sensor runs them itself, before the alert leaves the node.
 */
public interface ResponsePolicy {
    /**
     * One node-local step: its action name without the {@code node.} prefix, the playbook's name, whether it is a dry
     * run, and the playbook's {@code guardrails.max_actions} (null: no per-playbook limit).
     */
    record Step(String action, String playbook, boolean dryRun, Guardrails.RateLimit maxActions) {
        public Step(String action, String playbook, boolean dryRun) {
            this(action, playbook, dryRun, null);
        }
    }

    /** The steps for this alert; empty when no playbook with node-local steps matches it. */
    List<Step> nodeSteps(AlertEnvelope alert);

    /** What the policy is, for the ready line and the docs. */
    String describe();
}
