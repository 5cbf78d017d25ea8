package io.bulwark.response;

import java.util.List;

/**
 * One playbook's run against one event (or its resumption after an approval).
 *
 * @param playbook   playbook name
 * @param incident   incident id
 * @param eventId    the event's id
 * @param status     {@link Status}
 * @param approvalId the approval it waits for (PENDING_APPROVAL) or was decided by; null otherwise
 * @param steps      the outcome of every step this run reached, in order
 */
public record PlaybookRun(String playbook, String incident, String eventId, Status status, String approvalId, List<StepOutcome> steps) {
    public enum Status {
        /** Every step reached its end (done, skipped, refused by a guardrail, dry run, duplicate, not configured). */
        COMPLETED,
        /** A step failed without continue_on_error; later steps did not run. */
        FAILED,
        /** Waiting at an approval step. */
        PENDING_APPROVAL,
        /** An approval step was denied; later steps did not run. */
        DENIED
    }

    public PlaybookRun {
        steps = List.copyOf(steps);
    }

    /** The outcome of step {@code id}, or null when the run did not reach it. */
    public StepOutcome step(String id) {
        return steps.stream().filter(s -> s.step().equals(id)).findFirst().orElse(null);
    }
}
