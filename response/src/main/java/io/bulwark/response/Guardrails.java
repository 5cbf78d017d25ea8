package io.bulwark.response;

import java.time.Duration;
import java.util.List;

/**
 * A playbook's guardrails.
 *
 * @param protectedNamespaces Kubernetes namespaces whose workloads mutating actions never touch (default kube-system, bulwark)
 * @param maxActions          at most this many mutating actions of this playbook per window (null: no per-playbook limit)
 * @param approvalTimeout     how long an approval step waits by default
 * @param approvalDefault     what an approval step decides at its timeout by default
 */
public record Guardrails(List<String> protectedNamespaces, RateLimit maxActions, Duration approvalTimeout, Decision approvalDefault) {
    public static final List<String> DEFAULT_PROTECTED = List.of("kube-system", "bulwark");
    public static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofMinutes(15);

    public Guardrails {
        protectedNamespaces = List.copyOf(protectedNamespaces);
    }

    public static Guardrails defaults() {
        return new Guardrails(DEFAULT_PROTECTED, null, DEFAULT_APPROVAL_TIMEOUT, Decision.DENY);
    }

    /**
     * A rate limit: at most {@code count} actions in any sliding {@code window}.
     */
    public record RateLimit(int count, Duration window) {
        @Override
        public String toString() {
            return count + " per " + Durations.format(window);
        }
    }
}
