package io.bulwark.sensor.rules.eval;

import java.util.Locale;

/**
 * fnmatch(3)-style patterns without FNM_PATHNAME, as Falco's {@code glob}: {@code *} (any run, '/'
 * included), {@code ?}, {@code [abc]}, {@code [a-z]}, {@code [!x]} and backslash escapes.
 */
public final class Glob {
    private final String pattern;
    private final boolean ignoreCase;

    private Glob(String pattern, boolean ignoreCase) {
        this.pattern = ignoreCase ? pattern.toLowerCase(Locale.ROOT) : pattern;
        this.ignoreCase = ignoreCase;
    }

    public static Glob compile(String pattern, boolean ignoreCase) {
        return new Glob(pattern, ignoreCase);
    }

    public static boolean hasMeta(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    public boolean matches(String text) {
        return match(pattern, ignoreCase ? text.toLowerCase(Locale.ROOT) : text);
    }

    /** Iterative matcher with single-star backtracking: linear in practice, no recursion. */
    static boolean match(String p, String t) {
        int pi = 0;
        int ti = 0;
        int starP = -1;
        int starT = -1;
        while (ti < t.length()) {
            if (pi < p.length()) {
                char c = p.charAt(pi);
                if (c == '*') {
                    starP = ++pi;
                    starT = ti;
                    continue;
                }
                int next = single(p, pi, t.charAt(ti));
                if (next >= 0) {
                    pi = next;
                    ti++;
                    continue;
                }
            }
            if (starP >= 0) {
                pi = starP;
                ti = ++starT;
                continue;
            }
            return false;
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    /** If the pattern element at {@code pi} matches {@code ch}, the index after it, else -1. */
    private static int single(String p, int pi, char ch) {
        char c = p.charAt(pi);
        if (c == '?') {
            return pi + 1;
        }
        if (c == '\\' && pi + 1 < p.length()) {
            return p.charAt(pi + 1) == ch ? pi + 2 : -1;
        }
        if (c == '[') {
            int k = pi + 1;
            boolean negate = k < p.length() && (p.charAt(k) == '!' || p.charAt(k) == '^');
            if (negate) {
                k++;
            }
            boolean found = false;
            boolean first = true;
            while (k < p.length() && (p.charAt(k) != ']' || first)) {
                first = false;
                char lo = p.charAt(k);
                if (k + 2 < p.length() && p.charAt(k + 1) == '-' && p.charAt(k + 2) != ']') {
                    if (ch >= lo && ch <= p.charAt(k + 2)) {
                        found = true;
                    }
                    k += 3;
                } else {
                    if (ch == lo) {
                        found = true;
                    }
                    k++;
                }
            }
            if (k >= p.length()) {
                return c == ch ? pi + 1 : -1; // no closing ']': a literal '['
            }
            return found != negate ? k + 1 : -1;
        }
        return c == ch ? pi + 1 : -1;
    }
}
