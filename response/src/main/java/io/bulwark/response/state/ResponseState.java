package io.bulwark.response.state;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the responder remembers between events: idempotency claims, rate-limit counters, the kill switch, approvals
 * and the audit log. Every operation must be atomic against other responders sharing the same state (threads, and
 * for shared stores processes): two deliveries of one event must not both win a claim.
 *
 * <p>Implementations: {@link InMemoryResponseState} (tests, one process), {@link FileResponseState} (the node: JSON
 * lines in a directory); the respond function has its own durable one.
 */
public interface ResponseState {

    /**
     * Claims an idempotency key ({@code incident/playbook/step}).
     *
     * @return empty when this call claimed it (the caller acts), else the status recorded for it by whoever claimed it
     *         first ({@code CLAIMED} while that one is still acting)
     */
    Optional<String> claim(String key, Instant now);

    /** Records the final status for a key this process claimed. */
    void complete(String key, String status);

    /** Gives a claim back (the step was refused before acting, so a later delivery may act). */
    void release(String key);

    /**
     * Takes one action from every limit, or from none.
     *
     * @return empty when taken; else the first limit that is full
     */
    Optional<Limit> tryAcquire(List<Limit> limits, Instant now);

    /** A named sliding-window limit: at most {@code count} per {@code window}. */
    record Limit(String key, int count, Duration window) {}

    /** True while the kill switch is engaged: no step acts. */
    boolean killSwitchEngaged();

    /** Engages (true) or releases (false) the kill switch. */
    void setKillSwitch(boolean engaged, String reason);

    /** Stores a new pending approval (no-op when one with this id exists). */
    void putApproval(PendingApproval approval);

    Optional<PendingApproval> approval(String id);

    /** Approvals still waiting. */
    List<PendingApproval> pendingApprovals();

    /**
     * Decides a pending approval, once.
     *
     * @return the decided approval when this call decided it; empty when it was unknown or already decided
     */
    Optional<PendingApproval> decide(String id, String decision, String by, Instant at);

    /** Appends an audit record; never rewrites earlier ones. */
    void audit(AuditRecord record);

    /** The audit log in append order. */
    List<AuditRecord> auditLog();
}
