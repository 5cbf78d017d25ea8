package io.bulwark.response;

import java.util.Locale;

/** An approval's outcome. */
public enum Decision {
    APPROVE, DENY;

    /** {@code approve} / {@code deny}, as playbooks and approval events write it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code approve}/{@code approved}/{@code deny}/{@code denied} (any case). */
    public static Decision parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "approve", "approved" -> APPROVE;
            case "deny", "denied" -> DENY;
            default -> throw new IllegalArgumentException("decision must be approve or deny, not '" + s + "'");
        };
    }
}
