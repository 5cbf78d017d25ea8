package io.bulwark.sensor.act;

import io.bulwark.response.Durations;
import io.bulwark.response.Guardrails;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast path's rate limits, as the respond function's {@code max_actions}: at most N node actions in any sliding
 * window, per playbook (its {@code guardrails.max_actions}) and for the whole node. A request takes a slot from every
 * limit that applies or from none; an action that then fails still used its slot (the attempt is what a flood of
 * alerts would repeat). In memory: a restarted sensor starts with empty windows.
 */
final class NodeRateLimit {
    /** One limit: its key ({@code node}, {@code playbook:NAME}), what it allows, and how to name it in a refusal. */
    record Limit(String key, Guardrails.RateLimit limit, String describe) {}

    private final Clock clock;
    private final Map<String, ArrayDeque<Long>> windows = new HashMap<>();

    NodeRateLimit(Clock clock) {
        this.clock = clock;
    }

    /** Takes a slot from each of {@code limits}; returns null when it did, else the refusal's reason (nothing taken). */
    synchronized String tryAcquire(List<Limit> limits) {
        long now = clock.millis();
        for (Limit l : limits) {
            ArrayDeque<Long> w = windows.computeIfAbsent(l.key(), k -> new ArrayDeque<>());
            long since = now - l.limit().window().toMillis();
            while (!w.isEmpty() && w.peekFirst() <= since) {
                w.pollFirst();
            }
            if (w.size() >= l.limit().count()) {
                return "rate-limit: " + l.describe() + " reached (" + l.limit().count() + " actions per "
                        + Durations.format(l.limit().window()) + ")";
            }
        }
        for (Limit l : limits) {
            windows.get(l.key()).addLast(now);
        }
        return null;
    }
}
