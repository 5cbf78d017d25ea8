package io.bulwark.sensor.rules.condition;

/** A condition that does not parse; {@link #offset()} is where, in the condition text. */
public final class ConditionSyntaxException extends Exception {
    private final int offset;

    public ConditionSyntaxException(String message, int offset) {
        super(message);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
