package io.bulwark.response.state;

/**
 * An approval step waiting for its decision.
 *
 * @param id         approval id (what an approval event names)
 * @param incident   incident id
 * @param playbook   playbook name
 * @param step       the approval step's id
 * @param event      the event that started the run (JSON), to resume with
 * @param requestedAt ISO-8601
 * @param deadline   ISO-8601: after it the default decides
 * @param defaultDecision {@code approve} or {@code deny}
 * @param decision   null while pending, else {@code approve} or {@code deny}
 * @param decidedBy  the approver's principal, or {@code timeout}
 * @param decidedAt  ISO-8601, null while pending
 */
public record PendingApproval(String id, String incident, String playbook, String step, String event, String requestedAt,
        String deadline, String defaultDecision, String decision, String decidedBy, String decidedAt) {

    public boolean pending() {
        return decision == null;
    }

    public PendingApproval decided(String decision, String by, String at) {
        return new PendingApproval(id, incident, playbook, step, event, requestedAt, deadline, defaultDecision, decision, by, at);
    }
}
