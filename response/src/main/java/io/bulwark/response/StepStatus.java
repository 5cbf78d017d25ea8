package io.bulwark.response;

/** What became of one step; the {@code result} of its audit record. */
public enum StepStatus {
    /** The executor acted. */
    DONE,
    /** Dry run: what would have happened is recorded, nothing changed. */
    DRY_RUN,
    /** The executor reported a failure or threw. */
    FAILED,
    /** Not run: {@code when} did not match, or the executor found nothing to act on. */
    SKIPPED,
    /** No executor for this action in this process (no cluster, no AWS, no webhook): recorded, the playbook goes on. */
    NOT_CONFIGURED,
    /** A replayed event: this step already ran for this incident (idempotency key incident/playbook/step). */
    DUPLICATE,
    /** The event's Kubernetes namespace is protected: mutating actions never touch it. */
    REFUSED_PROTECTED_NAMESPACE,
    /** The playbook's or the global action rate limit is full. */
    REFUSED_RATE_LIMIT,
    /** The kill switch is engaged: nothing acts. */
    REFUSED_KILL_SWITCH,
    /** An approval step is waiting for its approval event; later steps wait with it. */
    PENDING_APPROVAL,
    /** The approval step was approved (by a principal, or by the timeout's default). */
    APPROVED,
    /** The approval step was denied; later steps do not run. */
    DENIED,
    /** Not run because an earlier step failed (without continue_on_error) or an approval was denied. */
    NOT_RUN,
    /** Belongs to the other part of the playbook (the node's fast path or the respond side); not audited here. */
    OTHER_PART
}
