package io.bulwark.response;

import java.util.List;
import java.util.Optional;

/**
 * A loaded, checked playbook. Load with {@link PlaybookLoader}; only playbooks without problems are built.
 *
 * @param name        unique name (audit records and idempotency keys carry it)
 * @param description free text
 * @param file        where it came from (a path, or {@code classpath:playbooks/default.yaml})
 * @param match       the EventBridge pattern an event must match
 * @param matchFile   the pattern file when the playbook used {@code match_file} (null for an inline {@code match})
 * @param dryRun      record what would happen, change nothing
 * @param guardrails  protected namespaces, rate limit, approval defaults
 * @param steps       in order
 */
public record Playbook(String name, String description, String file, EventPattern match, String matchFile, boolean dryRun,
        Guardrails guardrails, List<Step> steps) {

    public Playbook {
        steps = List.copyOf(steps);
    }

    /**
     * The steps the sensor runs itself before the alert leaves the node: the leading {@code node.*} steps (all of them
     * up to the first step that is not node-local). Node steps after that are sent to the node through the command
     * channel by the respond side.
     */
    public List<Step> fastPathSteps() {
        int i = 0;
        while (i < steps.size() && steps.get(i).nodeLocal()) i++;
        return steps.subList(0, i);
    }

    public Optional<Step> step(String id) {
        return steps.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    public int indexOf(String stepId) {
        for (int i = 0; i < steps.size(); i++) if (steps.get(i).id().equals(stepId)) return i;
        return -1;
    }
}
