package io.bulwark.outbox;

import java.util.Locale;

/**
 * Importance ranks the outbox keeps per record, from Falco's priority names: what is dropped
 * first when the outbox is full (the lowest), and what is never dropped (CRITICAL and above).
 */
public final class Rank {
    public static final int DEBUG = 0;
    public static final int INFO = 1;
    public static final int NOTICE = 2;
    public static final int WARNING = 3;
    public static final int ERROR = 4;
    public static final int CRITICAL = 5;
    public static final int ALERT = 6;
    public static final int EMERGENCY = 7;

    private static final String[] NAMES = {"DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"};

    private Rank() {}

    /** Falco's spellings, any case; INFORMATIONAL is INFO. Unknown names rank as INFO. */
    public static int of(String priority) {
        if (priority == null) {
            return INFO;
        }
        String p = priority.trim().toUpperCase(Locale.ROOT);
        if (p.equals("INFORMATIONAL")) {
            return INFO;
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(p)) {
                return i;
            }
        }
        return INFO;
    }

    public static String name(int rank) {
        return rank >= 0 && rank < NAMES.length ? NAMES[rank] : "R" + rank;
    }
}
