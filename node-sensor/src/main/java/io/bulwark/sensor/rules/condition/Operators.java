package io.bulwark.sensor.rules.condition;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Falco's condition operators, defined once: the parser reads them, the exception expander checks an
 * exception's {@code comps} against them, and the compiler knows which ones compare a field with another
 * ({@code val(...)}) and which ones order numbers.
 */
public final class Operators {
    private Operators() {}

    /** Symbol operators, longest first (the parser tries them in this order). {@code ==} is {@code =}. */
    public static final List<String> SYMBOLS = List.of("<=", ">=", "!=", "==", "=", "<", ">");
    /** Operators that order or compare numbers (and text, by code point). */
    public static final Set<String> COMPARISONS = Set.of("=", "!=", "<", "<=", ">", ">=");
    /** Word operators taking one value. */
    public static final Set<String> WORDS = Set.of("contains", "icontains", "bcontains", "startswith",
            "bstartswith", "endswith", "glob", "iglob", "regex");
    /** Operators taking a list on the right. */
    public static final Set<String> LISTS = Set.of("in", "intersects", "pmatch");
    /**
     * Operators that compare a field with another field ({@code fd.name = val(proc.exepath)}), in the order
     * {@code Preds.FieldCompare} indexes them: the six comparisons first, then the text tests.
     */
    public static final List<String> FIELD_COMPARE = List.of("=", "!=", "<", "<=", ">", ">=", "contains", "icontains",
            "startswith", "endswith");
    /** Every binary operator a condition or an exception's {@code comps} may name ({@code exists} is unary). */
    public static final Set<String> BINARY = binary();

    /** The canonical name: {@code ==} is {@code =}. */
    public static String normal(String op) {
        return op.equals("==") ? "=" : op;
    }

    private static Set<String> binary() {
        Set<String> s = new LinkedHashSet<>(SYMBOLS);
        s.addAll(WORDS);
        s.addAll(LISTS);
        return Set.copyOf(s);
    }
}
