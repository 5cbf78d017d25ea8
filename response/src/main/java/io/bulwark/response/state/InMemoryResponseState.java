package io.bulwark.response.state;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** State in memory, for tests and single-process use. Thread-safe (one lock). */
public final class InMemoryResponseState implements ResponseState {
    private final Map<String, String> claims = new HashMap<>();
    private final Map<String, Deque<Instant>> windows = new HashMap<>();
    private final Map<String, PendingApproval> approvals = new LinkedHashMap<>();
    private final List<AuditRecord> audit = new ArrayList<>();
    private boolean killSwitch;

    @Override
    public synchronized Optional<String> claim(String key, Instant now) {
        String prior = claims.putIfAbsent(key, "CLAIMED");
        return Optional.ofNullable(prior);
    }

    @Override
    public synchronized void complete(String key, String status) {
        claims.put(key, status);
    }

    @Override
    public synchronized void release(String key) {
        claims.remove(key);
    }

    @Override
    public synchronized Optional<Limit> tryAcquire(List<Limit> limits, Instant now) {
        for (Limit l : limits) {
            Deque<Instant> w = windows.computeIfAbsent(l.key(), k -> new ArrayDeque<>());
            while (!w.isEmpty() && !w.peekFirst().isAfter(now.minus(l.window()))) w.pollFirst();
            if (w.size() >= l.count()) return Optional.of(l);
        }
        for (Limit l : limits) windows.get(l.key()).addLast(now);
        return Optional.empty();
    }

    @Override
    public synchronized boolean killSwitchEngaged() {
        return killSwitch;
    }

    @Override
    public synchronized void setKillSwitch(boolean engaged, String reason) {
        killSwitch = engaged;
    }

    @Override
    public synchronized void putApproval(PendingApproval approval) {
        approvals.putIfAbsent(approval.id(), approval);
    }

    @Override
    public synchronized Optional<PendingApproval> approval(String id) {
        return Optional.ofNullable(approvals.get(id));
    }

    @Override
    public synchronized List<PendingApproval> pendingApprovals() {
        return approvals.values().stream().filter(PendingApproval::pending).toList();
    }

    @Override
    public synchronized Optional<PendingApproval> decide(String id, String decision, String by, Instant at) {
        PendingApproval a = approvals.get(id);
        if (a == null || !a.pending()) return Optional.empty();
        PendingApproval d = a.decided(decision, by, at.toString());
        approvals.put(id, d);
        return Optional.of(d);
    }

    @Override
    public synchronized void audit(AuditRecord record) {
        audit.add(record);
    }

    @Override
    public synchronized List<AuditRecord> auditLog() {
        return List.copyOf(audit);
    }
}
