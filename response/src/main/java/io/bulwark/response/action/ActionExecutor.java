package io.bulwark.response.action;

/**
 * The code behind one catalogue action, registered in {@link Executors} by a process that can act.
 * Implementations must be safe to call from several threads, must not log secrets, and should be idempotent
 * for the same {@link ActionRequest#idempotencyKey()} (the responder already runs a step once per key; an
 * executor that calls an API with client tokens passes the key on).
 * An exception from {@link #execute} is recorded as a failed step with the exception's message.
 */
public interface ActionExecutor {
    /** The catalogue action this executes ({@code node.freeze}). */
    String action();

    /** Acts. Never called for a dry run. */
    ActionResult execute(ActionRequest request) throws Exception;

    /**
     * Undoes what {@link #execute} did for this request (for actions whose {@link Action#undoAction()} is empty and
     * that are {@link Action#reversible()}). {@code done} is the result {@code execute} returned (its details carry
     * what to restore).
     */
    default ActionResult undo(ActionRequest request, ActionResult done) throws Exception {
        return ActionResult.failed(action() + " cannot be undone by its executor");
    }

    /**
     * Found with {@link java.util.ServiceLoader} ({@code META-INF/services/io.bulwark.response.action.ActionExecutor$Provider})
     * by {@link Executors#discover()}: a module with executors (k8s, ec2, notify) provides the ones its environment
     * can run (a cluster reachable, credentials present, a webhook configured) and none otherwise.
     */
    interface Provider {
        /** The executors this environment can run; empty when unconfigured. Must not throw for a missing configuration. */
        java.util.List<ActionExecutor> executors();
    }
}
