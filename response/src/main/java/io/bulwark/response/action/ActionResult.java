package io.bulwark.response.action;

import java.util.Map;

/**
 * What an executor did.
 *
 * @param status  {@link Status#DONE}, {@link Status#FAILED}, or {@link Status#SKIPPED} when there was nothing to act on
 * @param message one line for the audit record (what was done, or why not)
 * @param details facts for the audit record and for undo (previous security groups, policy name, …); no secrets
 */
public record ActionResult(Status status, String message, Map<String, Object> details) {
    public enum Status { DONE, FAILED, SKIPPED }

    public ActionResult {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static ActionResult done(String message) {
        return new ActionResult(Status.DONE, message, Map.of());
    }

    public static ActionResult done(String message, Map<String, Object> details) {
        return new ActionResult(Status.DONE, message, details);
    }

    public static ActionResult failed(String message) {
        return new ActionResult(Status.FAILED, message, Map.of());
    }

    /** Nothing to act on (no pod for a container outside Kubernetes, process already gone). Not an error. */
    public static ActionResult skipped(String message) {
        return new ActionResult(Status.SKIPPED, message, Map.of());
    }
}
