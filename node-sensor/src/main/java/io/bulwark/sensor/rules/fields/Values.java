package io.bulwark.sensor.rules.fields;

import java.util.List;

/** Helpers for field values. */
public final class Values {
    /**
     * The field exists in Falco and would have a value for this event, but Bulwark's sensor does not
     * collect it. A comparison on it is neither true nor false (see docs/rules.md, "Missing values").
     */
    public static final Object UNKNOWN = new Object() {
        @Override
        public String toString() {
            return "<NA>";
        }
    };

    /** What Falco prints for a field without a value. */
    public static final String NA = "<NA>";

    private Values() {}

    public static boolean absent(Object v) {
        return v == null || v == UNKNOWN;
    }

    /** The value as text, as Falco renders it in outputs and compares it with string operators. */
    public static String text(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder();
            for (Object o : l) {
                if (b.length() > 0) {
                    b.append(' ');
                }
                b.append(o);
            }
            return b.toString();
        }
        return String.valueOf(v);
    }

    /** The value as output_fields carries it: numbers and booleans as they are, lists joined, null for none. */
    public static Object json(Object v) {
        if (absent(v)) {
            return null;
        }
        if (v instanceof Number || v instanceof Boolean || v instanceof String) {
            return v;
        }
        return text(v);
    }

    /** A number from a JSON-decoded argument: Integer, Long, Double or numeric text. Null if not a number. */
    public static Long number(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            return parseLong(s);
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        return null;
    }

    /** Decimal or 0x-hex integer, or null. */
    public static Long parseLong(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                return Long.parseUnsignedLong(s.substring(2), 16);
            }
            char c = s.charAt(0);
            if (!(Character.isDigit(c) || (c == '-' || c == '+') && s.length() > 1)) {
                return null;
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
