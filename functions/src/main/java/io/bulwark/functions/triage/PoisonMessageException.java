package io.bulwark.functions.triage;

/**
 * A message triage can never process, however often it is retried: not JSON, or none of the shapes
 * it accepts, or a required field missing. It goes to the dead-letter queue with this reason.
 */
public final class PoisonMessageException extends RuntimeException {
    public PoisonMessageException(String reason) {
        super(reason);
    }

    public PoisonMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
