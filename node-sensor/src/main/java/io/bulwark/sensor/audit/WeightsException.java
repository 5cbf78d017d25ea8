package io.bulwark.sensor.audit;

/** A weights file that cannot be used; the message is {@code file:line: reason}. */
public final class WeightsException extends RuntimeException {
    private final String file;
    private final int line;
    private final String reason;

    public WeightsException(String file, int line, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** 1-based line, 0 when the problem is the whole file. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
