package io.bulwark.contract;

import java.util.Locale;

/** Falco's priorities, most severe first, with the numeric severity an alert carries (GuardDuty's scale). */
public enum Priority {
    EMERGENCY(8.9), ALERT(8.5), CRITICAL(8.0), ERROR(7.0), WARNING(5.0), NOTICE(3.0), INFORMATIONAL(2.0), DEBUG(1.0);

    private final double severity;

    Priority(double severity) {
        this.severity = severity;
    }

    public double severity() {
        return severity;
    }

    /** Parses Falco's spellings, case-insensitively (INFO and INFORMATIONAL are the same). */
    public static Priority parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("priority is missing");
        }
        String u = s.trim().toUpperCase(Locale.ROOT);
        if (u.equals("INFO")) {
            return INFORMATIONAL;
        }
        try {
            return Priority.valueOf(u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown priority '" + s + "' (expected one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG)");
        }
    }

    /** True when this priority is at least as severe as {@code other}. */
    public boolean atLeast(Priority other) {
        return ordinal() <= other.ordinal();
    }
}
