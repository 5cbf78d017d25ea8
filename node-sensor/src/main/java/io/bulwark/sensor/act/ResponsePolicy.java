package io.bulwark.sensor.act;

import io.bulwark.contract.AlertEnvelope;
import java.util.List;

/**
 * Which node-local steps (node.evidence, node.freeze, node.kill, node.stop) an alert's playbook asks
 * for, in order. The sensor runs them itself, before the alert leaves the node.
 */
public interface ResponsePolicy {
    /** One node-local step: its action name without the {@code node.} prefix, the playbook's name, and whether it is a dry run. */
    record Step(String action, String playbook, boolean dryRun) {}

    /** The steps for this alert; empty when no playbook with node-local steps matches it. */
    List<Step> nodeSteps(AlertEnvelope alert);

    /** What the policy is, for the ready line and the docs. */
    String describe();
}
