package io.bulwark.response;

import java.util.Map;

/**
 * One step of a playbook.
 *
 * @param id              unique within the playbook; with the incident id and playbook name, the idempotency key
 * @param action          a catalogue action ({@code node.freeze})
 * @param params          the step's parameters with the catalogue's defaults filled in
 * @param when            an event pattern the event must also match for the step to run (null: always)
 * @param continueOnError when true, a failure of this step does not stop the playbook
 * @param dryRun          the step's own {@code dry_run} (the playbook's and the responder's also count: dry run anywhere wins)
 * @param line            1-based line of the step in its file
 */
public record Step(String id, String action, Map<String, Object> params, EventPattern when, boolean continueOnError,
        boolean dryRun, int line) {

    public Step {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
    }

    /** True for {@code node.*} actions. */
    public boolean nodeLocal() {
        return action.startsWith("node.");
    }
}
